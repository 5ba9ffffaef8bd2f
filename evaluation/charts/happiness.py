"""Happiness / well-being charts: means across waves, individual pre→post lines,
the distribution of change, and band transitions.

Inputs are score tables (one row per person × wave, e.g. from
:func:`evaluation.score_instrument`) or the ``.table`` of
:func:`evaluation.band_transitions`. Every function returns a
:class:`matplotlib.figure.Figure` with Thai labels by default and English with
``lang="en"``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as _st

from ..errors import ArgumentError, require_columns
from ..schema import WAVES
from .base import PALETTE, new_figure, pick

__all__ = ["band_transition_chart", "change_distribution", "slope_chart", "waves_chart",
           "WAVE_LABELS"]

#: Wave labels: wave -> (th, en).
WAVE_LABELS = {"pre": ("ก่อน", "Pre"), "during": ("ระหว่าง", "During"), "post": ("หลัง", "Post")}
_UP, _SAME, _DOWN = "#009E73", "#999999", "#D55E00"
#: Colours of bands from the lowest to the highest (up to 5 bands; more reuse PALETTE).
BAND_COLOURS = ["#D55E00", "#E69F00", "#56B4E9", "#009E73", "#0072B2"]


# --------------------------------------------------------------------------- helpers
def _check_lang(lang: str) -> None:
    pick(lang, "", "")  # clear error for anything but th / en


def _need(table, columns, what: str) -> None:
    require_columns(table, columns, what=what)
    if not len(table):
        raise ArgumentError(f"{what} is empty: nothing to plot")


def _keys(by) -> list[str]:
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    return list(by)


def _wave_name(w: str, lang: str) -> str:
    th, en = WAVE_LABELS.get(str(w), (str(w), str(w)))
    return pick(lang, th, en)


def _measure_name(value: str, lang: str) -> str:
    if value == "total":
        return pick(lang, "คะแนนรวม", "Total score")
    if value.startswith("domain_"):
        name = value.removeprefix("domain_").replace("_", " ")
        return pick(lang, f"คะแนนด้าน {name}", f"Domain score: {name}")
    return value


def _axis_label(value: str, lang: str) -> str:
    return f"{_measure_name(value, lang)} ({pick(lang, 'คะแนน', 'points')})"


def _wave_order(series: pd.Series) -> list[str]:
    if isinstance(series.dtype, pd.CategoricalDtype):
        return [str(c) for c in series.cat.categories]
    return list(WAVES)


def _pairs(scores, *, before, after, value, person, wave, instrument) -> pd.DataFrame:
    """Complete pairs: columns ``before`` and ``after`` (the first non-missing score of each
    person (× instrument) at each wave), one row per person (× instrument) in sorted order.

    The numbers of :func:`_pairs_pivot`, from ``factorize`` and numpy instead of a
    pivot table (a numeric score column; anything else goes through the pivot table).
    """
    has_inst = instrument in scores.columns
    vcol = scores[value]
    if not pd.api.types.is_numeric_dtype(vcol.dtype) or pd.api.types.is_bool_dtype(vcol.dtype):
        return _pairs_pivot(scores, before=before, after=after, value=value, person=person,
                            wave=wave, instrument=instrument)
    wcol = scores[wave]
    if isinstance(wcol.dtype, pd.CategoricalDtype):
        cats = [str(c) for c in wcol.cat.categories]
        codes = wcol.cat.codes.to_numpy()
        is_b = codes == (cats.index(before) if before in cats else -2)
        is_a = codes == (cats.index(after) if after in cats else -2)
    else:
        wstr = wcol.astype(str).to_numpy()
        is_b, is_a = wstr == before, wstr == after
    vals = vcol.to_numpy(dtype=float, na_value=np.nan)
    keep = (is_b | is_a) & ~np.isnan(vals) & scores[person].notna().to_numpy()
    if has_inst:
        keep &= scores[instrument].notna().to_numpy()
    rows = np.flatnonzero(keep)
    pcodes, _ = pd.factorize(scores[person].iloc[rows], sort=True)
    unit = pcodes.astype(np.int64)
    if has_inst:
        icodes, inames = pd.factorize(scores[instrument].iloc[rows], sort=True)
        unit = unit * max(len(inames), 1) + icodes
    ukeys, unit = np.unique(unit, return_inverse=True)
    unit = unit.reshape(-1)
    wide = np.full((len(ukeys), 2), np.nan)
    for j, side in enumerate((is_b[rows], is_a[rows])):
        u_side = unit[side]
        _, first = np.unique(u_side, return_index=True)   # first row of each unit at that wave
        wide[u_side[first], j] = vals[rows][side][first]
    complete = ~np.isnan(wide).any(axis=1)
    if has_inst:
        inst_of = ukeys[complete] % max(len(inames), 1)
        if len(np.unique(inst_of)) > 1:
            raise ArgumentError(f"scores hold several instruments "
                                f"{sorted(inames[np.unique(inst_of)])}; "
                                f"filter to one instrument before drawing this chart")
    return pd.DataFrame({before: wide[complete, 0], after: wide[complete, 1]})


def _pairs_pivot(scores, *, before, after, value, person, wave, instrument) -> pd.DataFrame:
    """Wide table: person (× instrument) with the two waves side by side, complete pairs."""
    idx = [person] + ([instrument] if instrument in scores.columns else [])
    data = scores[scores[wave].astype(str).isin([before, after])]
    wide = data.pivot_table(index=idx, columns=data[wave].astype(str), values=value,
                            aggfunc="first", observed=True)
    for w in (before, after):
        if w not in wide.columns:
            wide[w] = np.nan
    wide = wide[[before, after]].dropna()
    if instrument in scores.columns and wide.index.get_level_values(instrument).nunique() > 1:
        raise ArgumentError(f"scores hold several instruments "
                            f"{sorted(wide.index.get_level_values(instrument).unique())}; "
                            f"filter to one instrument before drawing this chart")
    return wide.reset_index()


def _check_waves(before, after, order):
    for name, w in (("before", before), ("after", after)):
        if w not in order:
            raise ArgumentError(f"{name} must be one of {order}, got {w!r}")
    if before == after:
        raise ArgumentError(f"before and after must differ, got {before!r} twice")


# --------------------------------------------------------------------------- waves_chart
def wave_means(scores: pd.DataFrame, *, by=None, value: str = "total", wave: str = "wave",
               conf_level: float = 0.95) -> pd.DataFrame:
    """The numbers behind :func:`waves_chart`: mean and t interval per group × wave.

    Returns
    -------
    pandas.DataFrame
        Group columns, ``wave``, ``n``, ``mean``, ``sd``, ``ci_low``, ``ci_high``
        (``mean ± t(1 − α/2, n − 1) · sd / √n``; ``NaN`` when ``n < 2``).
    """
    keys = _keys(by)
    data = scores[scores[value].notna() & scores[wave].notna()]
    g = data.groupby([*keys, wave], observed=True, sort=True)[value]
    out = g.agg(n="count", mean="mean", sd="std").reset_index()
    n = out["n"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = _st.t.ppf(1 - (1 - conf_level) / 2, n - 1)
        half = q * out["sd"].to_numpy(dtype=float) / np.sqrt(n)
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    return out


def waves_chart(scores: pd.DataFrame, *, by=None, value: str = "total", wave: str = "wave",
                instrument: str = "instrument", conf_level: float = 0.95, lang: str = "th",
                title: str | None = None, means: pd.DataFrame | None = None):
    """Mean score with its confidence interval at each wave, one line per group.

    Parameters
    ----------
    scores : pandas.DataFrame
        One row per person × wave with the score column.
    by : str or list of str, optional
        Group columns (one line per group). Keep it to a handful of groups.
    value : str
        Score column (``"total"`` or a ``domain_<id>`` column).
    wave, instrument : str
        Wave column; instrument column (several instruments are refused:
        their scales differ).
    conf_level : float
        Level of the t interval of each mean.
    lang : {"th", "en"}
    title : str, optional
    means : pandas.DataFrame, optional
        :func:`wave_means` of these scores with the same ``by``, ``value``,
        ``wave`` and ``conf_level``, when the caller has computed it already
        (it is used as given, not recomputed).

    Returns
    -------
    matplotlib.figure.Figure
        One line per group through the waves, with error bars. Each line's
        label is the group (``"ทั้งหมด"`` / ``"All"`` without ``by``); the
        numbers are those of :func:`wave_means` (all persons with a score at
        that wave, not only complete pairs).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"person_id": ["P1", "P2"] * 3,
    ...                   "wave": ["pre", "pre", "during", "during", "post", "post"],
    ...                   "total": [40, 44, 43, 45, 47, 48]})
    >>> fig = waves_chart(s)
    >>> fig.axes[0].get_title()
    'คะแนนเฉลี่ยแต่ละช่วงการประเมิน (ช่วงความเชื่อมั่น 95%)'
    """
    _check_lang(lang)
    keys = _keys(by)
    _need(scores, [wave, value, *keys], "scores")
    if not 0 < conf_level < 1:
        raise ArgumentError(f"conf_level must be between 0 and 1, got {conf_level!r}")
    if instrument in scores.columns and scores[instrument].nunique() > 1:
        raise ArgumentError(f"scores hold several instruments {sorted(scores[instrument].unique())}; "
                            f"filter to one instrument before drawing this chart")
    order = _wave_order(scores[wave])
    stats = wave_means(scores, by=keys, value=value, wave=wave, conf_level=conf_level) \
        if means is None else means
    position = {w: i for i, w in enumerate(order)}
    fig, ax = new_figure(width=7.0, height=4.2)
    if not keys:    # one line: the waves in chart order
        x = np.array([position.get(str(w), np.nan) for w in stats[wave]], dtype=float)
        o = np.argsort(x)
        mean = stats["mean"].to_numpy()[o]
        lo = mean - stats["ci_low"].to_numpy()[o]
        hi = stats["ci_high"].to_numpy()[o] - mean
        lo[np.isnan(lo)] = 0
        hi[np.isnan(hi)] = 0
        ax.errorbar(x[o] + 0.0, mean, yerr=[lo, hi], marker="o", capsize=4,
                    label=pick(lang, "ทั้งหมด", "All"), color=PALETTE[0], linewidth=1.8)
    else:
        _group_lines(ax, stats.assign(_x=stats[wave].astype(str).map(position)), keys)
    ax.set_xticks(range(len(order)), [_wave_name(w, lang) for w in order])
    ax.set_xlim(-0.4, len(order) - 0.6)
    ax.set_xlabel(pick(lang, "ช่วงการประเมิน", "Wave"))
    ax.set_ylabel(_axis_label(value, lang))
    pct = f"{conf_level:.0%}"
    ax.set_title(title or pick(lang, f"คะแนนเฉลี่ยแต่ละช่วงการประเมิน (ช่วงความเชื่อมั่น {pct})",
                               f"Mean score by wave ({pct} CI)"))
    if keys:
        ax.legend(frameon=False, fontsize=9, title=", ".join(keys))
    return fig


def _group_lines(ax, stats: pd.DataFrame, keys: list[str]) -> None:
    """One error-bar line per group of ``stats`` (with its chart position ``_x``)."""
    groups = stats.groupby(keys, sort=True, observed=True, dropna=False)
    for k, (key, g) in enumerate(groups):
        g = g.sort_values("_x")
        key = key if isinstance(key, tuple) else (key,)
        label = " / ".join("—" if pd.isna(v) else str(v) for v in key)
        lo = (g["mean"] - g["ci_low"]).fillna(0).to_numpy()
        hi = (g["ci_high"] - g["mean"]).fillna(0).to_numpy()
        ax.errorbar(g["_x"].to_numpy(dtype=float) + (k - (len(groups) - 1) / 2) * 0.03,
                    g["mean"].to_numpy(), yerr=[lo, hi], marker="o", capsize=4, label=label,
                    color=PALETTE[k % len(PALETTE)], linewidth=1.8)


# --------------------------------------------------------------------------- slope_chart
def slope_chart(scores: pd.DataFrame, *, before: str = "pre", after: str = "post",
                value: str = "total", person: str = "person_id", wave: str = "wave",
                instrument: str = "instrument", max_persons: int = 500, seed: int = 0,
                lang: str = "th", title: str | None = None):
    """One line per person from ``before`` to ``after``, coloured by direction.

    Parameters
    ----------
    scores : pandas.DataFrame
        One row per person × wave.
    before, after : str
        The two waves (default pre and post).
    value, person, wave, instrument : str
        Columns (one instrument only).
    max_persons : int
        Draw at most this many individual lines (a seeded random sample);
        the mean line and the counts in the legend always use everyone.
    seed : int
        Seed of that sample.
    lang : {"th", "en"}
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        Individual lines (green up, grey same, red down), and a thick black
        line through the means of the complete pairs. Legend entries give the
        number of persons improved / same / worse.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"person_id": ["P1", "P2", "P1", "P2"], "wave": ["pre", "pre", "post", "post"],
    ...                   "total": [40, 44, 47, 44]})
    >>> fig = slope_chart(s, lang="en")
    >>> fig.axes[0].get_title()
    'Individual scores, Pre → Post (n = 2 pairs)'
    """
    _check_lang(lang)
    _need(scores, [person, wave, value], "scores")
    _check_waves(before, after, _wave_order(scores[wave]))
    if isinstance(max_persons, bool) or not isinstance(max_persons, (int, np.integer)) \
            or max_persons < 1:
        raise ArgumentError(f"max_persons must be a positive whole number, got {max_persons!r}")
    wide = _pairs(scores, before=before, after=after, value=value, person=person, wave=wave,
                  instrument=instrument)
    if not len(wide):
        raise ArgumentError(f"no person has a {value!r} score at both {before!r} and {after!r}")
    d = wide[after].to_numpy(dtype=float) - wide[before].to_numpy(dtype=float)
    shown = wide if len(wide) <= max_persons else wide.sample(n=max_persons, random_state=seed)
    fig, ax = new_figure(width=5.5, height=5.0)
    alpha = 0.7 if len(shown) <= 50 else max(0.08, 0.7 * 50 / len(shown))
    sb, sa = shown[before].to_numpy(dtype=float), shown[after].to_numpy(dtype=float)
    ds = sa - sb
    for colour, mask in ((_UP, ds > 0), (_SAME, ds == 0), (_DOWN, ds < 0)):
        n_sub = int(mask.sum())
        if n_sub:
            xs = np.tile([[0.0], [1.0]], (1, n_sub))
            ys = np.vstack([sb[mask], sa[mask]])
            ax.plot(xs, ys, color=colour, alpha=alpha, linewidth=1, gid="person")
    counts = {"up": int((d > 0).sum()), "same": int((d == 0).sum()), "down": int((d < 0).sum())}
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], color=_UP, label=pick(lang, f"ดีขึ้น ({counts['up']} คน)",
                                             f"Improved ({counts['up']})")),
        Line2D([], [], color=_SAME, label=pick(lang, f"เท่าเดิม ({counts['same']} คน)",
                                               f"Same ({counts['same']})")),
        Line2D([], [], color=_DOWN, label=pick(lang, f"แย่ลง ({counts['down']} คน)",
                                               f"Worse ({counts['down']})")),
    ]
    means = [wide[before].mean(), wide[after].mean()]
    (mean_line,) = ax.plot([0, 1], means, color="black", linewidth=3, marker="o", gid="mean",
                           label=pick(lang, "ค่าเฉลี่ย", "Mean"))
    handles.append(mean_line)
    ax.set_xticks([0, 1], [_wave_name(before, lang), _wave_name(after, lang)])
    ax.set_xlim(-0.15, 1.15)
    ax.set_xlabel(pick(lang, "ช่วงการประเมิน", "Wave"))
    ax.set_ylabel(_axis_label(value, lang))
    n = len(wide)
    ax.set_title(title or pick(
        lang, f"คะแนนรายบุคคล {_wave_name(before, lang)} → {_wave_name(after, lang)} (n = {n} คู่)",
        f"Individual scores, {_wave_name(before, lang)} → {_wave_name(after, lang)} (n = {n} pairs)"))
    ax.legend(handles=handles, frameon=False, fontsize=9, loc="best")
    if len(shown) < n:
        ax.text(0.5, -0.16, pick(lang, f"แสดง {len(shown)} จาก {n} คน (สุ่ม)",
                                 f"{len(shown)} of {n} persons shown (random sample)"),
                transform=ax.transAxes, ha="center", fontsize=8, color="#555555")
    return fig


# --------------------------------------------------------------------------- change_distribution
def change_distribution(scores: pd.DataFrame, *, before: str = "pre", after: str = "post",
                        value: str = "total", person: str = "person_id", wave: str = "wave",
                        instrument: str = "instrument", bins=None, lang: str = "th",
                        title: str | None = None):
    """Histogram of the individual change ``after − before`` (complete pairs).

    Parameters
    ----------
    scores : pandas.DataFrame
        One row per person × wave.
    before, after, value, person, wave, instrument : str
        As in :func:`slope_chart`.
    bins : int or sequence, optional
        Histogram bins. Default: one bar per whole point when the changes are
        whole numbers (up to 60 bars), else 20 bins.
    lang : {"th", "en"}
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        Bars (counts of persons), a dashed line at zero and a solid line at
        the mean change.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"person_id": ["P1", "P2", "P3"] * 2, "wave": ["pre"] * 3 + ["post"] * 3,
    ...                   "total": [40, 44, 41, 47, 44, 43]})
    >>> fig = change_distribution(s)
    >>> fig.axes[0].get_xlabel()
    'การเปลี่ยนแปลง หลัง − ก่อน (คะแนน)'
    """
    _check_lang(lang)
    _need(scores, [person, wave, value], "scores")
    _check_waves(before, after, _wave_order(scores[wave]))
    wide = _pairs(scores, before=before, after=after, value=value, person=person, wave=wave,
                  instrument=instrument)
    if not len(wide):
        raise ArgumentError(f"no person has a {value!r} score at both {before!r} and {after!r}")
    d = (wide[after] - wide[before]).to_numpy(dtype=float)
    if bins is None:
        whole = np.all(d == np.round(d))
        span = d.max() - d.min()
        bins = np.arange(d.min() - 0.5, d.max() + 1.5) if whole and span <= 60 else 20
    fig, ax = new_figure(width=6.5, height=4.0)
    ax.hist(d, bins=bins, color=PALETTE[0], edgecolor="white", gid="change")
    ax.axvline(0, color="#555555", linestyle="--", linewidth=1)
    mean = float(d.mean())
    ax.axvline(mean, color=PALETTE[3], linewidth=2, gid="mean",
               label=pick(lang, f"ค่าเฉลี่ย {mean:+.2f}", f"Mean {mean:+.2f}"))
    b, a = _wave_name(before, lang), _wave_name(after, lang)
    ax.set_xlabel(pick(lang, f"การเปลี่ยนแปลง {a} − {b} (คะแนน)", f"Change, {a} − {b} (points)"))
    ax.set_ylabel(pick(lang, "จำนวนคน (คน)", "Persons (count)"))
    ax.set_title(title or pick(lang, f"การกระจายของการเปลี่ยนแปลง{_measure_name(value, lang)} "
                                     f"(n = {len(d)} คน)",
                               f"Distribution of the change in {_measure_name(value, lang).lower()} "
                               f"(n = {len(d)})"))
    ax.legend(frameon=False, fontsize=9)
    return fig


# --------------------------------------------------------------------------- band transitions
def band_transition_chart(table: pd.DataFrame, *, before: str = "pre", after: str = "post",
                          lang: str = "th", title: str | None = None):
    """Stacked bars: for each band at ``before``, the share of persons in each band at ``after``.

    Parameters
    ----------
    table : pandas.DataFrame
        ``band_transitions(...).table``. When it holds several groups (or
        instruments) the counts ``n`` are summed over groups first; filter
        the table to draw one group.
    before, after : str
        Wave names used in the labels only.
    lang : {"th", "en"}
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        One bar per band at ``before`` (label with the number of persons),
        stacked by band at ``after``; heights are percentages of the bar's
        persons (``share_of_before`` × 100).

    Examples
    --------
    >>> import pandas as pd
    >>> from evaluation.happiness import band_transitions
    >>> s = pd.DataFrame({"person_id": ["P1", "P2", "P3"] * 2, "wave": ["pre"] * 3 + ["post"] * 3,
    ...                   "band": ["low", "low", "high", "high", "low", "high"],
    ...                   "total": [1, 2, 8, 9, 2, 9]})
    >>> fig = band_transition_chart(band_transitions(s).table, lang="en")
    >>> fig.axes[0].get_ylabel()
    'Share of persons (%)'
    """
    _check_lang(lang)
    _need(table, ["band_before", "band_after", "band_before_rank", "band_after_rank", "n"],
          "table")
    if "instrument" in table.columns and table["instrument"].nunique() > 1:
        raise ArgumentError(f"table holds several instruments {sorted(table['instrument'].unique())}; "
                            f"filter it to one instrument")
    lab_b = pick(lang, "band_before_label", "band_before_label_en")
    lab_a = pick(lang, "band_after_label", "band_after_label_en")
    ranks_b, ranks_a, names_b, names_a, counts, totals, share = _band_shares(table, lab_b, lab_a)
    fig, ax = new_figure(width=6.5, height=4.4)
    x = np.arange(len(ranks_b))
    bottom = np.zeros(len(x))
    for j, rank in enumerate(ranks_a):
        h = share[:, j].copy()
        k = len(ranks_a)
        colour = (BAND_COLOURS[int(round(j * (len(BAND_COLOURS) - 1) / max(k - 1, 1)))]
                  if k <= len(BAND_COLOURS) else PALETTE[j % len(PALETTE)])
        ax.bar(x, h, bottom=bottom, color=colour, edgecolor="white", label=str(names_a[rank]),
               gid=f"after_{rank}")
        for xi, (hi, bi) in enumerate(zip(h, bottom)):
            if hi >= 8:
                ax.text(xi, bi + hi / 2, f"{hi:.0f}%", ha="center", va="center", fontsize=8,
                        color="white")
        bottom += h
    ticks = [f"{names_b[r]}\n(n = {int(t)})" for r, t in zip(ranks_b, totals)]
    ax.set_xticks(x, ticks)
    b, a = _wave_name(before, lang), _wave_name(after, lang)
    ax.set_xlabel(pick(lang, f"ระดับ{b}", f"Band at {b.lower()}"))
    ax.set_ylabel(pick(lang, "สัดส่วนของคน (%)", "Share of persons (%)"))
    ax.set_ylim(0, 100)
    ax.legend(frameon=False, fontsize=9, title=pick(lang, f"ระดับ{a}", f"Band at {a.lower()}"),
              loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title(title or pick(lang, f"การเปลี่ยนระดับ {b} → {a}", f"Band transitions, {b} → {a}"))
    return fig


def _band_shares(table: pd.DataFrame, lab_b: str, lab_a: str):
    """The numbers of :func:`band_transition_chart`: ranks before and after (sorted), band
    names by rank (the label, else the band id, first non-missing), counts (before × after,
    summed over groups), totals per band before and shares in percent of those totals.

    Numpy on integer ranks and counts (the table :func:`evaluation.band_transitions`
    returns); other tables go through :func:`_band_shares_pandas`.
    """
    cols = [table[c] for c in ("band_before_rank", "band_after_rank", "n")]
    if not all(isinstance(c.dtype, np.dtype) and c.dtype.kind in "iu" for c in cols):
        return _band_shares_pandas(table, lab_b, lab_a)
    rb, ra, n = (c.to_numpy() for c in cols)
    ranks_b, ib = np.unique(rb, return_inverse=True)
    ranks_a, ia = np.unique(ra, return_inverse=True)

    def names(ranks, codes, label, band):
        label_vals = table[label if label in table.columns else band].to_numpy()
        band_vals = table[band].to_numpy()
        label_ok, band_ok = ~pd.isna(label_vals), ~pd.isna(band_vals)
        out = {}
        for i, r in enumerate(ranks.tolist()):
            here = codes == i
            for vals, ok in ((label_vals, label_ok), (band_vals, band_ok)):
                hit = np.flatnonzero(here & ok)
                if len(hit):
                    out[r] = vals[hit[0]]
                    break
            else:
                out[r] = np.nan
        return out

    names_b = names(ranks_b, ib.reshape(-1), lab_b, "band_before")
    names_a = names(ranks_a, ia.reshape(-1), lab_a, "band_after")
    counts = np.zeros((len(ranks_b), len(ranks_a)), dtype=np.int64)
    np.add.at(counts, (ib.reshape(-1), ia.reshape(-1)), n.astype(np.int64))
    totals = counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(totals[:, None] > 0, counts / np.where(totals > 0, totals, 1)[:, None],
                         0.0) * 100
    return ranks_b.tolist(), ranks_a.tolist(), names_b, names_a, counts, totals, share


def _band_shares_pandas(table: pd.DataFrame, lab_b: str, lab_a: str):
    """:func:`_band_shares` through groupby (any table; the reference of the fast path)."""
    agg = table.groupby(["band_before_rank", "band_after_rank"], sort=True)["n"].sum()
    names_b = table.groupby("band_before_rank")[lab_b if lab_b in table.columns else "band_before"] \
        .first().fillna(table.groupby("band_before_rank")["band_before"].first())
    names_a = table.groupby("band_after_rank")[lab_a if lab_a in table.columns else "band_after"] \
        .first().fillna(table.groupby("band_after_rank")["band_after"].first())
    counts = agg.unstack(fill_value=0).reindex(index=names_b.index, columns=names_a.index,
                                               fill_value=0)
    totals = counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = counts.div(totals.where(totals > 0), axis=0).fillna(0) * 100
    return (list(names_b.index), list(names_a.index), names_b.to_dict(), names_a.to_dict(),
            counts.to_numpy(), totals.to_numpy(), share.to_numpy(dtype=float))
