"""Charts for lessons-learned texts: top keywords per village, a theme heat
map (village × theme) and a Thai word cloud.

Each function returns a :class:`matplotlib.figure.Figure` built with
:func:`evaluation.charts.base.new_figure`, Thai labels by default
(``lang="en"`` for English).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..errors import ArgumentError, require_columns
from .base import PALETTE, font_files, new_figure, pick

__all__ = ["keywords_chart", "themes_heatmap", "wordcloud_figure"]


def _require(frame: pd.DataFrame, columns: list[str], what: str) -> None:
    require_columns(frame, columns, what=what)


def keywords_chart(
    table: pd.DataFrame,
    *,
    by: str = "village_id",
    value: str = "count",
    top: int = 10,
    ncols: int = 3,
    lang: str = "th",
    title: str | None = None,
):
    """Horizontal bars of the top keywords, one panel per group.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`evaluation.keywords` (``<by>, rank, word, count,
        tfidf``...).
    by : str, default "village_id"
        Panel column (groups in order of first appearance).
    value : {"count", "tfidf", "tf"}, default "count"
        Bar length.
    top : int, default 10
        Bars per panel (lowest ``rank`` first, drawn top-down).
    ncols : int, default 3
        Panels per row.
    lang : {"th", "en"}
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> kw = pd.DataFrame({"village_id": ["V1", "V1"], "rank": [1, 2],
    ...                    "word": ["ออม", "หนี้"], "count": [5, 3], "tfidf": [0.2, 0.1]})
    >>> fig = keywords_chart(kw)
    """
    pick(lang, "", "")
    if value not in ("count", "tfidf", "tf"):
        raise ArgumentError(f"value must be 'count', 'tfidf' or 'tf', got {value!r}")
    _require(table, [by, "rank", "word", value], "table")
    if not isinstance(top, int) or top < 1:
        raise ArgumentError(f"top must be a positive integer, got {top!r}")
    groups = list(pd.unique(table[by]))
    n = max(len(groups), 1)
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    fig, axes = new_figure(width=3.6 * ncols, height=0.32 * top * nrows + 1.2 * nrows,
                           nrows=nrows, ncols=ncols, squeeze=False)
    xlabel = {"count": pick(lang, "จำนวนครั้งที่พบ (ครั้ง)", "Occurrences (count)"),
              "tfidf": pick(lang, "คะแนน TF-IDF (ไม่มีหน่วย)", "TF-IDF score (unitless)"),
              "tf": pick(lang, "สัดส่วนของคำทั้งหมด (0-1)", "Share of all words (0-1)")}[value]
    for k, ax in enumerate(axes.flat):
        if k >= len(groups):
            ax.set_visible(False)
            continue
        g = table[table[by] == groups[k]].sort_values("rank").head(top)
        ax.barh(np.arange(len(g)), g[value].to_numpy(dtype=float), color=PALETTE[0])
        ax.set_yticks(np.arange(len(g)), labels=g["word"].tolist())
        ax.invert_yaxis()
        ax.set_title(f"{pick(lang, 'หมู่บ้าน', 'Village') if by == 'village_id' else by} "
                     f"{groups[k]}")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(pick(lang, "คำสำคัญ", "Keyword"))
    if not groups:
        axes.flat[0].set_visible(True)
        axes.flat[0].text(0.5, 0.5, pick(lang, "ไม่มีข้อความ", "No text"), ha="center")
    fig.suptitle(title or pick(lang, "คำสำคัญที่พบบ่อยในบทเรียน", "Top keywords in lessons learned"))
    return fig


def themes_heatmap(
    summary: pd.DataFrame,
    *,
    by: str = "village_id",
    value: str = "share_of_sentences",
    lang: str = "th",
    title: str | None = None,
    annotate: bool = True,
):
    """Heat map of theme coverage, groups (villages) × themes.

    Parameters
    ----------
    summary : pandas.DataFrame
        ``code_themes(...).summary`` (``<by>, theme, theme_th, theme_en`` and
        the value column).
    by : str, default "village_id"
    value : {"share_of_sentences", "share_of_characters", "n_sentences"}
        Cell value; shares are shown as percentages.
    lang : {"th", "en"}
        Theme labels from ``theme_th`` or ``theme_en``.
    title : str, optional
    annotate : bool, default True
        Write the value in each cell.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"village_id": ["V1", "V1"], "theme": ["a", "b"],
    ...                   "theme_th": ["ก", "ข"], "theme_en": ["A", "B"],
    ...                   "share_of_sentences": [0.5, 0.25]})
    >>> fig = themes_heatmap(s)
    """
    label_col = pick(lang, "theme_th", "theme_en")
    allowed = ("share_of_sentences", "share_of_characters", "n_sentences")
    if value not in allowed:
        raise ArgumentError(f"value must be one of {allowed}, got {value!r}")
    _require(summary, [by, "theme", label_col, value], "summary")
    groups = list(pd.unique(summary[by]))
    themes = list(pd.unique(summary["theme"]))
    labels = summary.drop_duplicates("theme").set_index("theme")[label_col]
    grid = (summary.pivot_table(index=by, columns="theme", values=value, aggfunc="sum",
                                dropna=False)
            .reindex(index=groups, columns=themes))
    share = value.startswith("share")
    data = grid.to_numpy(dtype=float) * (100 if share else 1)
    fig, ax = new_figure(width=1.1 * len(themes) + 2.5, height=0.45 * len(groups) + 2.2)
    im = ax.imshow(data, cmap="Blues", aspect="auto", vmin=0,
                   vmax=np.nanmax(data) if np.isfinite(data).any() and np.nanmax(data) > 0
                   else 1)
    ax.set_xticks(np.arange(len(themes)), labels=[labels[t] for t in themes], rotation=35,
                  ha="right")
    ax.set_yticks(np.arange(len(groups)), labels=[str(g) for g in groups])
    ax.set_xlabel(pick(lang, "ประเด็น", "Theme"))
    ax.set_ylabel(pick(lang, "หมู่บ้าน", "Village") if by == "village_id" else by)
    unit = {"share_of_sentences": pick(lang, "ร้อยละของประโยค (%)", "Share of sentences (%)"),
            "share_of_characters": pick(lang, "ร้อยละของข้อความ (%)", "Share of text (%)"),
            "n_sentences": pick(lang, "จำนวนประโยค (ประโยค)", "Sentences (count)")}[value]
    fig.colorbar(im, ax=ax, label=unit)
    if annotate:
        vmax = np.nanmax(data) if np.isfinite(data).any() else 0
        for i in range(data.shape[0]):
            for j in range(data.shape[1]):
                v = data[i, j]
                if np.isfinite(v):
                    ax.text(j, i, f"{v:.0f}", ha="center", va="center", fontsize=8,
                            color="white" if vmax and v > 0.6 * vmax else "black")
    ax.set_title(title or pick(lang, "ประเด็นในบทเรียนแยกตามหมู่บ้าน",
                               "Themes in lessons learned by village"))
    return fig


def wordcloud_figure(
    data,
    *,
    lang: str = "th",
    max_words: int = 100,
    width: int = 1200,
    height: int = 600,
    title: str | None = None,
    seed: int = 1,
):
    """Word cloud of Thai words, sized by pythainlp-based frequencies.

    wordcloud's own tokenizer breaks Thai, so frequencies are computed with
    :func:`evaluation.text.tokenize` (or given) and passed to
    ``WordCloud.generate_from_frequencies`` with the packaged Sarabun font;
    wordcloud's regexp and collocations are not used.

    Parameters
    ----------
    data : mapping, pandas.Series or pandas.DataFrame
        ``{word: count}``; a Series indexed by word; a keywords table
        (``word, count``; counts summed over groups); or a lessons table
        (``text`` column, tokenised here).
    lang : {"th", "en"}
        Title language.
    max_words : int, default 100
    width, height : int
        Image size in pixels.
    title : str, optional
    seed : int, default 1
        Layout seed (the same data gives the same picture).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = wordcloud_figure({"ออม": 5, "หนี้สิน": 3, "บัญชีครัวเรือน": 2})
    """
    from collections import Counter

    from wordcloud import WordCloud

    if isinstance(data, pd.DataFrame):
        if "text" in data.columns and "word" not in data.columns:
            from ..text import tokenize

            freq = Counter()
            for t in data["text"].dropna().tolist():
                freq.update(tokenize(t))
        else:
            _require(data, ["word", "count"], "data")
            freq = data.groupby("word")["count"].sum().to_dict()
    elif isinstance(data, pd.Series):
        freq = data.to_dict()
    elif isinstance(data, Mapping):
        freq = dict(data)
    else:
        raise ArgumentError("data must be a {word: count} mapping, a Series, a keywords table or a "
                            f"lessons table; got {type(data).__name__}")
    freq = {str(k): float(v) for k, v in freq.items() if v and float(v) > 0}
    fig, ax = new_figure(width=width / 150, height=height / 150 + 0.5)
    ax.set_axis_off()
    ax.set_title(title or pick(lang, "คำที่พบบ่อยในบทเรียน", "Frequent words in lessons learned"))
    if not freq:
        ax.text(0.5, 0.5, pick(lang, "ไม่มีข้อความ", "No text"), ha="center", va="center")
        return fig
    regular = [p for p in font_files() if p.stem.lower().endswith("regular")] or font_files()
    wc = WordCloud(font_path=str(regular[0]), width=width, height=height,
                   background_color="white", max_words=max_words, collocations=False,
                   regexp=r"\S+", prefer_horizontal=1.0, random_state=seed,
                   color_func=lambda *a, random_state=None, **k:
                   PALETTE[(random_state or np.random).randint(0, 4)])
    wc.generate_from_frequencies(freq)
    ax.imshow(wc.to_array(), interpolation="bilinear")
    return fig
