"""Lessons-learned texts (ถอดบทเรียน): themes, keywords and quotes.

Every function takes the ``lessons`` table (``village_id, section, text``,
other columns kept) or the result of :func:`prepare_lessons`, which splits
and segments each text once; pass the prepared object to several functions
to avoid segmenting twice::

    prepared = ev.prepare_lessons(proj.lessons)
    themes = ev.code_themes(prepared)
    kw = ev.keywords(prepared, by="village_id")
    ev.quotes(prepared, "savings_debt", participants=proj.participants)

Text analysis (words, sentences, quantities) lives in :mod:`evaluation.text`;
redaction in :mod:`evaluation.privacy`.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .errors import (ArgumentError, DataValidationError, EvaluationError, problems_frame,
                     require_columns)
from .text import (
    _check_engine,
    _content_words,
    _resolve_stopwords,
    _sentences,
    _trie_for,
    normalize_text,
)

__all__ = [
    "PreparedLessons",
    "ThemeResult",
    "prepare_lessons",
    "load_codebook",
    "code_themes",
    "keywords",
    "quotes",
    "CODEBOOK_COLUMNS",
    "SENTENCE_COLUMNS",
    "HIT_COLUMNS",
    "SUMMARY_COLUMNS",
    "KEYWORD_COLUMNS",
    "QUOTE_COLUMNS",
]

CODEBOOK_COLUMNS = ["theme", "theme_th", "theme_en", "term", "theme_order"]
SENTENCE_COLUMNS = ["text_id", "village_id", "section", "sentence_id", "sentence", "n_chars",
                    "tokens"]
HIT_COLUMNS = ["village_id", "section", "text_id", "sentence_id", "sentence", "theme",
               "theme_th", "matched_terms", "n_terms", "n_matches"]
SUMMARY_COLUMNS = ["village_id", "theme", "theme_th", "theme_en", "n_sentences",
                   "n_sentences_total", "share_of_sentences", "n_chars", "n_chars_total",
                   "share_of_characters", "n_matches"]
KEYWORD_COLUMNS = ["rank", "word", "count", "tf", "n_groups_with_word", "n_groups", "idf",
                   "tfidf"]
QUOTE_COLUMNS = ["village_id", "section", "sentence_id", "theme", "quote", "n_chars",
                 "n_terms", "matched_terms"]

_REQUIRED = ("village_id", "section", "text")


# ---------------------------------------------------------------- prepared
@dataclass(frozen=True)
class PreparedLessons:
    """Lessons split into sentences and words, ready for analysis.

    Attributes
    ----------
    lessons : pandas.DataFrame
        The input table (copy), index reset; ``text_id`` is its row position.
    sentences : pandas.DataFrame
        One row per sentence: ``text_id, village_id, section, sentence_id,
        sentence, n_chars, tokens`` plus any other (non-text) lessons column.
        ``sentence`` is normalised (Thai digits → Arabic, list markers
        removed); ``tokens`` is a tuple of newmm tokens (whitespace removed,
        stopwords kept); ``sentence_id`` runs 0..n-1 over the whole table.
    custom_words : frozenset of str or None
        The dictionary words used.
    engine : str
        Sentence engine used (see :func:`evaluation.text.split_sentences`).
    """

    lessons: pd.DataFrame
    sentences: pd.DataFrame
    custom_words: frozenset | None = None
    engine: str = "crfcut"


def _check_lessons(lessons: pd.DataFrame, text: str) -> None:
    if not isinstance(lessons, pd.DataFrame):
        raise ArgumentError("lessons must be a pandas DataFrame (the lessons table) or the result "
                            f"of prepare_lessons(); got {type(lessons).__name__}")
    require_columns(lessons, {"lessons": ["village_id", "section"], "text": text},
                    what="lessons", table="lessons")


def prepare_lessons(
    lessons: pd.DataFrame,
    *,
    text: str = "text",
    custom_words: Iterable[str] | None = None,
    engine: str = "crfcut",
) -> PreparedLessons:
    """Split every lessons text into sentences and words (once).

    Parameters
    ----------
    lessons : pandas.DataFrame
        The lessons table: ``village_id``, ``section`` and a text column.
    text : str, default "text"
        Name of the text column.
    custom_words : collection of str, optional
        Dictionary words (default: the packaged domain words); see
        :func:`evaluation.text.tokenize`.
    engine : {"crfcut", "whitespace", "lines"}, default "crfcut"
        Sentence splitting after line breaks and list markers; see
        :func:`evaluation.text.split_sentences`.

    Returns
    -------
    PreparedLessons

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"village_id": ["V1"], "section": ["บทเรียน"],
    ...                    "text": ["1) ทีมงานเข้มแข็ง\\n2) สมาชิกออมเงินทุกเดือน"]})
    >>> prepare_lessons(df).sentences["sentence"].tolist()
    ['ทีมงานเข้มแข็ง', 'สมาชิกออมเงินทุกเดือน']
    """
    if isinstance(lessons, PreparedLessons):
        return lessons
    _check_lessons(lessons, text)
    _check_engine(engine)
    trie = _trie_for(custom_words)
    frame = lessons.reset_index(drop=True)
    other = [c for c in frame.columns if c != text]
    found = []   # (text_id, sentence)
    for text_id, value in enumerate(frame[text].tolist()):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        if not isinstance(value, str):
            value = str(value)
        found.extend((text_id, sent) for sent in _sentences(value, trie, engine))
    cols = ["text_id", *other, "sentence_id", "sentence", "n_chars", "tokens"]
    from .lessons_frames import sentence_frame_fast

    sentences = sentence_frame_fast(frame, other, found, cols)
    if sentences is None:
        records = frame[other].to_dict("records")
        rows = [{"text_id": t, **records[t], "sentence_id": sid, "sentence": sent.text,
                 "n_chars": len(sent.text), "tokens": sent.tokens}
                for sid, (t, sent) in enumerate(found)]
        sentences = pd.DataFrame(rows, columns=cols)
        sentences = sentences.astype({"text_id": "int64", "sentence_id": "int64",
                                      "n_chars": "int64", "sentence": "str"})
    words = None if custom_words is None else frozenset(custom_words)
    return PreparedLessons(frame, sentences, words, engine)


# ---------------------------------------------------------------- codebook
def _codebook_problem(source, row, column, value, problem):
    return {"file": str(source), "sheet": None, "row": row, "column": column,
            "value": None if value is None else str(value), "problem": problem,
            "severity": "error"}


@functools.lru_cache(maxsize=1)
def _packaged_codebook() -> dict:
    """The packaged codebook document, parsed once per process (package data, read only)."""
    return yaml.safe_load(resources.files("evaluation").joinpath("data", "codebook.yaml")
                          .read_text(encoding="utf-8"))


def load_codebook(codebook: str | Path | Mapping | pd.DataFrame | None = None) -> pd.DataFrame:
    """Read a theme codebook (YAML) into a tidy table.

    Parameters
    ----------
    codebook : path, dict, DataFrame or None
        ``None`` reads the packaged ``evaluation/data/codebook.yaml``; a path
        reads that YAML file; a dict is a parsed YAML document; a DataFrame
        with the output columns is checked and returned.

    Returns
    -------
    pandas.DataFrame
        One row per term: ``theme`` (id), ``theme_th``, ``theme_en``,
        ``term`` (as written; ``re:`` prefix for regular expressions),
        ``theme_order`` (0-based position of the theme in the file).

    Raises
    ------
    DataValidationError
        Every problem at once: missing ``themes`` list, theme without
        ``id``/``th``/``terms``, duplicate ids, empty or duplicate terms,
        invalid regular expressions, unknown keys.

    Notes
    -----
    Format (see the packaged file for a full example)::

        themes:
          - id: savings_debt
            th: การออมและหนี้สิน
            en: Savings and debt
            terms: [ออม, หนี้, บัญชีครัวเรือน, "re:ดอก(?:เบี้ย)?"]

    Examples
    --------
    >>> cb = load_codebook()
    >>> cb.drop_duplicates("theme")["theme"].tolist()[:3]
    ['team_building', 'occupation_work', 'partners_support']
    """
    if isinstance(codebook, pd.DataFrame):
        require_columns(codebook, CODEBOOK_COLUMNS, what="codebook", table="codebook")
        return codebook[CODEBOOK_COLUMNS].reset_index(drop=True)
    source: object
    if codebook is None:
        return _packaged_table().copy()
    if isinstance(codebook, (str, Path)):
        source = Path(codebook)
        if not source.is_file():
            raise EvaluationError(f"codebook file not found: {source}")
        from .textio import TextDecodeError, YamlBoundsError, decode_text, load_yaml

        try:
            doc = load_yaml(decode_text(source.read_bytes())[0])
        except (TextDecodeError, YamlBoundsError) as exc:
            raise DataValidationError(problems_frame([_codebook_problem(
                source, getattr(exc, "line", None), None, None, str(exc))]),
                f"codebook {source} was not read: {exc}") from None
        except yaml.YAMLError as exc:
            raise DataValidationError(problems_frame([_codebook_problem(
                source, None, None, None, f"not valid YAML: {exc}")]),
                f"codebook {source} is not valid YAML") from exc
    elif isinstance(codebook, Mapping):
        source, doc = "<dict>", codebook
    else:
        raise ArgumentError("codebook must be None, a path to a YAML file, a dict or a DataFrame; "
                            f"got {type(codebook).__name__}")
    return _codebook_table(doc, source)


def _codebook_table(doc, source) -> pd.DataFrame:
    """The checked codebook table of a parsed YAML document (see :func:`load_codebook`)."""
    problems, rows = [], []
    themes = doc.get("themes") if isinstance(doc, Mapping) else None
    if not isinstance(themes, list) or not themes:
        problems.append(_codebook_problem(source, None, "themes", None,
                                          "the codebook needs a non-empty 'themes' list"))
        themes = []
    seen_ids = set()
    allowed = {"id", "th", "en", "description", "terms"}
    for order, theme in enumerate(themes, start=1):
        if not isinstance(theme, Mapping):
            problems.append(_codebook_problem(source, order, None, theme,
                                              "each theme must be a mapping with id, th, terms"))
            continue
        for key in sorted(set(theme) - allowed):
            problems.append(_codebook_problem(source, order, key, None,
                                              f"unknown key '{key}'; allowed: {sorted(allowed)}"))
        tid = theme.get("id")
        if not isinstance(tid, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", tid or ""):
            problems.append(_codebook_problem(source, order, "id", tid,
                                              "id must be snake_case text, e.g. savings_debt"))
        elif tid in seen_ids:
            problems.append(_codebook_problem(source, order, "id", tid, "duplicate theme id"))
        seen_ids.add(tid)
        if not isinstance(theme.get("th"), str) or not theme.get("th").strip():
            problems.append(_codebook_problem(source, order, "th", theme.get("th"),
                                              "th (Thai label) is required"))
        terms = theme.get("terms")
        if not isinstance(terms, list) or not terms:
            problems.append(_codebook_problem(source, order, "terms", terms,
                                              "terms must be a non-empty list"))
            terms = []
        seen_terms = set()
        for term in terms:
            if not isinstance(term, str) or not term.strip() or term.strip() == "re:":
                problems.append(_codebook_problem(source, order, "terms", term,
                                                  "terms must be non-empty text"))
                continue
            term = term.strip()
            if term.startswith("re:"):
                try:
                    re.compile(term[3:])
                except re.error as exc:
                    problems.append(_codebook_problem(source, order, "terms", term,
                                                      f"invalid regular expression: {exc}"))
                    continue
            if term in seen_terms:
                problems.append(_codebook_problem(source, order, "terms", term,
                                                  "duplicate term within the theme"))
                continue
            seen_terms.add(term)
            rows.append({"theme": tid, "theme_th": str(theme.get("th", "")).strip(),
                         "theme_en": str(theme.get("en") or tid).strip(), "term": term,
                         "theme_order": order - 1})
    if problems:
        raise DataValidationError(problems_frame(problems),
                                  f"{len(problems)} problem(s) in codebook {source}")
    out = pd.DataFrame(rows, columns=CODEBOOK_COLUMNS)
    return out.astype({"theme_order": "int64"})


@functools.lru_cache(maxsize=1)
def _packaged_table() -> pd.DataFrame:
    """The packaged codebook's table, built once per process (callers get copies)."""
    return _codebook_table(_packaged_codebook(), "evaluation/data/codebook.yaml")


@functools.lru_cache(maxsize=1)
def _packaged_themes() -> tuple:
    """:func:`_compile_codebook` of the packaged codebook, once per process (immutable)."""
    return tuple(_compile_codebook(_packaged_table()))


@dataclass(frozen=True)
class _CompiledTheme:
    theme: str
    th: str
    en: str
    plain: tuple[tuple[str, str], ...]           # (normalised needle, term as written)
    patterns: tuple[tuple[re.Pattern, str], ...]  # (compiled regex, term as written)


def _compile_codebook(cb: pd.DataFrame) -> list[_CompiledTheme]:
    out = []
    for (theme, th, en), grp in cb.sort_values("theme_order", kind="stable").groupby(
            ["theme", "theme_th", "theme_en"], sort=False):
        plain, patterns = [], []
        for term in grp["term"]:
            if term.startswith("re:"):
                patterns.append((re.compile(term[3:]), term))
            else:
                needle = normalize_text(term).lower()
                if needle:
                    plain.append((needle, term))
        plain.sort(key=lambda p: -len(p[0]))
        out.append(_CompiledTheme(theme, th, en, tuple(plain), tuple(patterns)))
    return out


def _find_theme(doc: str, theme: _CompiledTheme) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, term) occurrences of one theme's terms.

    ``str.find`` per term (fast C search) instead of one big regular
    expression: Python's ``re`` scans Thai text with many alternatives about
    20x slower.
    """
    found = []
    for needle, term in theme.plain:
        if needle in doc:
            i = doc.find(needle)
            n = len(needle)
            while i >= 0:
                found.append((i, i + n, term))
                i = doc.find(needle, i + 1)
    for rx, term in theme.patterns:
        found.extend((m.start(), m.end(), term) for m in rx.finditer(doc) if m.end() > m.start())
    if len(found) > 1:
        found.sort(key=lambda f: (f[0], f[0] - f[1]))
        kept, last_end = [], -1
        for f in found:
            if f[0] >= last_end:
                kept.append(f)
                last_end = f[1]
        found = kept
    return found


# ------------------------------------------------------------------ themes
@dataclass(frozen=True)
class ThemeResult:
    """Result of :func:`code_themes`; unpacks as ``hits, summary = result``.

    Attributes
    ----------
    hits : pandas.DataFrame
        One row per sentence × theme hit (columns :data:`HIT_COLUMNS`).
    summary : pandas.DataFrame
        One row per village × theme, zeros included (:data:`SUMMARY_COLUMNS`).
    sentences : pandas.DataFrame
        Every sentence analysed, hit or not (see :class:`PreparedLessons`).
    codebook : pandas.DataFrame
        The codebook used (:func:`load_codebook`).
    """

    hits: pd.DataFrame
    summary: pd.DataFrame
    sentences: pd.DataFrame = field(repr=False)
    codebook: pd.DataFrame = field(repr=False)

    def __iter__(self):
        return iter((self.hits, self.summary))


def code_themes(
    lessons: pd.DataFrame | PreparedLessons,
    codebook: str | Path | Mapping | pd.DataFrame | None = None,
    *,
    text: str = "text",
    by: str = "village_id",
) -> ThemeResult:
    """Code each sentence of the lessons texts with the codebook's themes.

    Parameters
    ----------
    lessons : pandas.DataFrame or PreparedLessons
        The lessons table (``village_id, section, text``) or its prepared form.
    codebook : path, dict, DataFrame or None
        Themes and terms; ``None`` uses the packaged codebook. See
        :func:`load_codebook` for the format.
    text : str, default "text"
        Text column (when ``lessons`` is a DataFrame).
    by : str, default "village_id"
        Grouping column of the summary (any lessons column, e.g. "section").

    Returns
    -------
    ThemeResult
        ``hits`` columns:

        ``village_id, section, text_id, sentence_id, sentence``
            Where the sentence comes from (``text_id`` = row position in the
            lessons table) and the normalised sentence.
        ``theme, theme_th``
            Theme id and Thai label.
        ``matched_terms`` (str)
            Distinct codebook terms found, ``"; "``-separated, in order of
            first occurrence.
        ``n_terms`` (int)
            Number of distinct terms found.
        ``n_matches`` (int)
            Number of occurrences (overlaps within a theme counted once, the
            longer term winning).

        ``summary`` columns (one row per ``by`` group × theme, in codebook
        order, zeros included):

        ``<by>, theme, theme_th, theme_en``
        ``n_sentences``
            Sentences with at least one hit of the theme.
        ``n_sentences_total``
            All sentences of the group.
        ``share_of_sentences``
            ``n_sentences / n_sentences_total`` (NaN for a group without text).
        ``n_chars``, ``n_chars_total``
            Characters of the theme's sentences and of all sentences.
        ``share_of_characters``
            ``n_chars / n_chars_total``: the share of the group's text spent
            on the theme.
        ``n_matches``
            Term occurrences of the theme in the group.

    Notes
    -----
    Sentences: line breaks and list markers first, then pythainlp's crfcut
    model (:func:`evaluation.text.split_sentences`). Terms are matched as
    substrings of the normalised, lower-cased sentence (so "ออม" matches
    "เงินออม"), or as regular expressions for terms written ``re:...``.
    One sentence may carry several themes, so shares do not add up to 1.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"village_id": ["V1"], "section": ["บทเรียน"],
    ...                    "text": ["1) สมาชิกออมเงินทุกเดือน 2) มีปัญหาราคาผลผลิตตกต่ำ"]})
    >>> hits, summary = code_themes(df)
    >>> hits[["sentence_id", "theme", "matched_terms"]].values.tolist()
    [[0, 'savings_debt', 'ออม'], [1, 'problems_obstacles', 'ปัญหา']]
    """
    prepared = prepare_lessons(lessons, text=text)
    sentences = prepared.sentences
    if by not in sentences.columns or by in ("sentence", "tokens", "n_chars", "sentence_id"):
        allowed = [c for c in prepared.lessons.columns if c != text]
        raise ArgumentError(f"by must be a lessons column, one of {allowed}; got {by!r}")
    cb = load_codebook(codebook)
    themes = list(_packaged_themes()) if codebook is None else _compile_codebook(cb)

    hit_rows = []
    texts = sentences["sentence"].tolist()
    if texts:
        # One document per lessons text: sentences joined by "\n" so offsets
        # map back to sentences with one searchsorted.
        text_ids = sentences["text_id"].to_numpy()
        bounds = np.flatnonzero(np.r_[True, text_ids[1:] != text_ids[:-1], True])
        for a, b in zip(bounds[:-1], bounds[1:]):
            sents = [s.lower() for s in texts[a:b]]
            doc = "\n".join(sents)
            starts = np.cumsum([0] + [len(s) + 1 for s in sents[:-1]])
            for theme in themes:
                found = _find_theme(doc, theme)
                if not found:
                    continue
                where = np.searchsorted(starts, [f[0] for f in found], side="right") - 1
                per: dict[int, list[str]] = {}
                for k, f in zip(where.tolist(), found):
                    per.setdefault(k, []).append(f[2])
                for k, terms in per.items():
                    hit_rows.append((a + k, theme.theme, theme.th,
                                     "; ".join(dict.fromkeys(terms)), len(set(terms)),
                                     len(terms)))
    from .lessons_frames import theme_frames_fast

    frames = theme_frames_fast(prepared, hit_rows, themes, by)
    hits, summary = frames if frames is not None else _theme_frames(
        prepared, hit_rows, themes, by)
    return ThemeResult(hits, summary, sentences, cb)


def _theme_frames(prepared: PreparedLessons, hit_rows: list, themes: list, by: str):
    """``hits`` and ``summary`` of :func:`code_themes` from its hit rows, with pandas
    (any input; :func:`evaluation.lessons_frames.theme_frames_fast` gives the same
    frames on the usual input)."""
    sentences = prepared.sentences
    hits = pd.DataFrame(hit_rows, columns=["row", "theme", "theme_th", "matched_terms",
                                           "n_terms", "n_matches"])
    meta = sentences[["village_id", "section", "text_id", "sentence_id", "sentence"]
                     + ([by] if by not in ("village_id", "section", "text_id") else [])]
    hits = pd.concat([meta.iloc[hits["row"].to_numpy()].reset_index(drop=True),
                      hits.drop(columns="row")], axis=1)
    order = {t.theme: i for i, t in enumerate(themes)}
    hits = (hits.assign(_o=hits["theme"].map(order))
            .sort_values(["sentence_id", "_o"], kind="stable").drop(columns="_o")
            .reset_index(drop=True))
    hits = hits.astype({"n_terms": "int64", "n_matches": "int64"})
    extra = [by] if by not in HIT_COLUMNS else []
    hits = hits[HIT_COLUMNS + extra]

    # summary: every group x theme
    groups = pd.unique(prepared.lessons[by].dropna())
    # plain grouped reductions (the numbers of named aggregation, without its overhead)
    g = sentences.groupby(by, sort=False)
    totals = pd.DataFrame({"n_sentences_total": g["sentence_id"].size(),
                           "n_chars_total": g["n_chars"].sum()})
    hit_chars = sentences.set_index("sentence_id")["n_chars"]
    h = hits.assign(n_chars=hits["sentence_id"].map(hit_chars))
    g = h.groupby([by, "theme"], sort=False)
    per_theme = pd.DataFrame({"n_sentences": g["sentence_id"].nunique(),
                              "n_chars": g["n_chars"].sum(), "n_matches": g["n_matches"].sum()})
    grid = pd.MultiIndex.from_product([groups, [t.theme for t in themes]], names=[by, "theme"])
    summary = per_theme.reindex(grid, fill_value=0).reset_index()
    summary = summary.join(totals, on=by)
    summary[["n_sentences_total", "n_chars_total"]] = (
        summary[["n_sentences_total", "n_chars_total"]].fillna(0).astype("int64"))
    labels = {t.theme: (t.th, t.en) for t in themes}
    summary["theme_th"] = summary["theme"].map(lambda t: labels[t][0]).astype("str")
    summary["theme_en"] = summary["theme"].map(lambda t: labels[t][1]).astype("str")
    with np.errstate(invalid="ignore", divide="ignore"):
        summary["share_of_sentences"] = (summary["n_sentences"]
                                         / summary["n_sentences_total"].replace(0, np.nan))
        summary["share_of_characters"] = (summary["n_chars"]
                                          / summary["n_chars_total"].replace(0, np.nan))
    cols = [by] + SUMMARY_COLUMNS[1:]
    summary = summary[cols].astype({"n_sentences": "int64", "n_chars": "int64",
                                    "n_matches": "int64", "share_of_sentences": "float64",
                                    "share_of_characters": "float64"})
    return hits, summary


# ---------------------------------------------------------------- keywords
def keywords(
    lessons: pd.DataFrame | PreparedLessons,
    *,
    by: str | None = "village_id",
    top: int | None = 20,
    text: str = "text",
    stopwords: Iterable[str] | None = None,
    min_count: int = 1,
    rank_by: str = "tfidf",
) -> pd.DataFrame:
    """Keyword table per group: counts and TF-IDF against the other groups.

    Parameters
    ----------
    lessons : pandas.DataFrame or PreparedLessons
    by : str or None, default "village_id"
        Grouping column (any lessons column); ``None`` treats all texts as
        one group (then ``idf`` is 1 for every word).
    top : int or None, default 20
        Words kept per group (``None``: all).
    text : str, default "text"
    stopwords : collection of str, optional
        Default :func:`evaluation.text.default_stopwords`.
    min_count : int, default 1
        Words counted fewer times in a group are dropped from that group.
    rank_by : {"tfidf", "count"}, default "tfidf"
        Ordering within a group (ties: the other measure, then the word).

    Returns
    -------
    pandas.DataFrame
        ``<by>`` (if given), then:

        ``rank`` (int)
            1 = first keyword of the group.
        ``word`` (str)
        ``count`` (int)
            Occurrences of the word in the group's texts.
        ``tf`` (float)
            ``count / total`` where total = all content words of the group.
        ``n_groups_with_word`` (int)
            Document frequency: groups whose texts contain the word.
        ``n_groups`` (int)
            Number of groups with text.
        ``idf`` (float)
            ``ln((1 + n_groups) / (1 + n_groups_with_word)) + 1``.
        ``tfidf`` (float)
            ``tf * idf``.

    Notes
    -----
    Each group's texts form one document. Words are newmm tokens with the
    domain dictionary, at least two characters, containing a Thai or Latin
    letter and not stopwords. The smoothed idf is scikit-learn's
    ``TfidfVectorizer(smooth_idf=True)`` formula: a word used in every group
    gets idf 1, a word used by one group out of N gets ``ln((1+N)/2) + 1``,
    so TF-IDF lifts the words that distinguish a village from the others.
    tf is a relative frequency (no length bias between long and short
    reports); no vector normalisation is applied.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"village_id": ["V1", "V2"], "section": ["x", "x"],
    ...                    "text": ["สมาชิกเพาะเห็ดขาย", "สมาชิกแปรรูปน้ำพริกขาย"]})
    >>> kw = keywords(df, top=1)
    >>> kw[["village_id", "word", "count"]].values.tolist()
    [['V1', 'เพาะเห็ด', 1], ['V2', 'น้ำพริก', 1]]
    """
    if rank_by not in ("tfidf", "count"):
        raise ArgumentError(f"rank_by must be 'tfidf' or 'count', got {rank_by!r}")
    if top is not None and (not isinstance(top, (int, np.integer)) or top < 1):
        raise ArgumentError(f"top must be a positive integer or None, got {top!r}")
    if not isinstance(min_count, (int, np.integer)) or min_count < 1:
        raise ArgumentError(f"min_count must be a positive integer, got {min_count!r}")
    prepared = prepare_lessons(lessons, text=text)
    sentences = prepared.sentences
    if by is not None and (by not in prepared.lessons.columns or by == text):
        allowed = [c for c in prepared.lessons.columns if c != text]
        raise ArgumentError(f"by must be a lessons column, one of {allowed}, or None; got {by!r}")
    stop = _resolve_stopwords(stopwords)
    keys = sentences[by].tolist() if by is not None else ["all"] * len(sentences)
    counters: dict = {}
    for key, toks in zip(keys, sentences["tokens"].tolist()):
        if key is None or (isinstance(key, float) and math.isnan(key)):
            continue
        counters.setdefault(key, Counter()).update(_content_words(toks, stop))
    counters = {k: c for k, c in counters.items() if c}
    n_groups = len(counters)
    df_count = Counter()
    for c in counters.values():
        df_count.update(c.keys())
    out_cols = ([by] if by is not None else []) + KEYWORD_COLUMNS
    rows = []
    for key, c in counters.items():
        total = sum(c.values())
        group_rows = []
        for word, count in c.items():
            if count < min_count:
                continue
            tf = count / total
            idf = math.log((1 + n_groups) / (1 + df_count[word])) + 1
            group_rows.append((word, count, tf, df_count[word], idf, tf * idf))
        if rank_by == "tfidf":
            group_rows.sort(key=lambda r: (-r[5], -r[1], r[0]))
        else:
            group_rows.sort(key=lambda r: (-r[1], -r[5], r[0]))
        if top is not None:
            group_rows = group_rows[:top]
        rows.extend((key, rank, *r) for rank, r in enumerate(group_rows, start=1))
    if by is None:
        # the columns of the frame below, typed directly (pandas' row-wise build and
        # astype cost more than a village's few hundred words)
        cols = list(zip(*rows)) if rows else [()] * 8
        ints, floats = np.int64, np.float64
        return pd.DataFrame({
            "rank": np.array(cols[1], dtype=ints), "word": pd.array(list(cols[2]), dtype="str"),
            "count": np.array(cols[3], dtype=ints), "tf": np.array(cols[4], dtype=floats),
            "n_groups_with_word": np.array(cols[5], dtype=ints),
            "n_groups": np.full(len(rows), n_groups, dtype=ints),
            "idf": np.array(cols[6], dtype=floats), "tfidf": np.array(cols[7], dtype=floats)})
    out = pd.DataFrame([{by: key, "rank": rank, "word": word, "count": count, "tf": tf,
                         "n_groups_with_word": dfw, "n_groups": n_groups, "idf": idf,
                         "tfidf": score}
                        for key, rank, word, count, tf, dfw, idf, score in rows],
                       columns=out_cols)
    return out.astype({"rank": "int64", "word": "str", "count": "int64", "tf": "float64",
                       "n_groups_with_word": "int64", "n_groups": "int64", "idf": "float64",
                       "tfidf": "float64"})


# ------------------------------------------------------------------ quotes
def quotes(
    lessons: pd.DataFrame | PreparedLessons | ThemeResult,
    theme: str,
    *,
    n: int = 3,
    participants: pd.DataFrame | None = None,
    names: Iterable[str] | None = None,
    codebook: str | Path | Mapping | pd.DataFrame | None = None,
    by: str | None = None,
    min_chars: int = 20,
    max_chars: int = 200,
    redact: bool = True,
    labels: str = "th",
    text: str = "text",
) -> pd.DataFrame:
    """Representative sentences for one theme, redacted.

    Parameters
    ----------
    lessons : DataFrame, PreparedLessons or ThemeResult
        A :class:`ThemeResult` is reused as is (no second coding pass).
    theme : str
        Theme id (``"savings_debt"``), Thai label or English label.
    n : int, default 3
        Quotes returned (per group when ``by`` is given).
    participants : pandas.DataFrame, optional
        Participants table; its ``name`` column is masked in the quotes.
    names : collection of str, optional
        Further names to mask.
    codebook : optional
        As in :func:`code_themes`.
    by : str, optional
        Pick ``n`` quotes per value of this column (e.g. "village_id").
    min_chars, max_chars : int, default 20 and 200
        Preferred sentence length; shorter or longer sentences are used only
        when too few sentences of the theme fit.
    redact : bool, default True
        Mask personal data (:func:`evaluation.privacy.redact_pii`). Set
        ``False`` only for the evaluator's own eyes, never for a report.
    labels : {"th", "en"}, default "th"
        Language of redaction tokens.
    text : str, default "text"

    Returns
    -------
    pandas.DataFrame
        ``village_id, section, sentence_id, theme, quote, n_chars, n_terms,
        matched_terms``: ``quote`` is the (redacted) sentence; ``n_chars`` its
        length before redaction.

    Notes
    -----
    Ranking: sentences within the length range first, then more distinct
    theme terms, more term occurrences, shorter sentences, text order.
    Identical sentences are shown once.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"village_id": ["V1"], "section": ["บทเรียน"],
    ...     "text": ["นางสาวมะลิเล่าว่าการออมเงินและทำบัญชีครัวเรือนช่วยลดหนี้ได้"]})
    >>> quotes(df, "savings_debt", n=1)["quote"].tolist()
    ['[ชื่อ-1]เล่าว่าการออมเงินและทำบัญชีครัวเรือนช่วยลดหนี้ได้']
    """
    result, theme_id = _quote_theme(lessons, theme, n, min_chars, max_chars, codebook, text)
    if by is not None and by not in result.sentences.columns:
        raise ArgumentError(f"by must be a lessons column; got {by!r}")
    from .lessons_frames import quote_frame, quote_rows_fast

    fast = quote_rows_fast(result, theme_id, n, min_chars, max_chars) if by is None else None
    if fast is not None:
        return quote_frame(result, fast[0], fast[1], _redacted(
            fast[2], participants, names, redact, labels))
    hits = result.hits[result.hits["theme"] == theme_id]
    extra = ["n_chars"] + ([by] if by and by not in hits.columns else [])
    sent_ids = pd.Index(result.sentences["sentence_id"])
    pos = sent_ids.get_indexer(hits["sentence_id"]) if sent_ids.is_unique else None
    if pos is not None and (pos >= 0).all():
        # each hit's sentence columns by position (what the merge on sentence_id gives)
        hits = hits.reset_index(drop=True).assign(
            **{c: result.sentences[c].array.take(pos) for c in extra})
    else:
        hits = hits.merge(result.sentences[["sentence_id", *extra]], on="sentence_id")
    fits = ~hits["n_chars"].between(min_chars, max_chars)
    keys = ("n_terms", "n_matches", "n_chars", "sentence_id")
    if by is None and all(pd.api.types.is_integer_dtype(hits[k].dtype) for k in keys):
        # the stable sort of the columns below (integers: np.lexsort, last key first),
        # then the first n distinct sentences
        order = np.lexsort((hits["sentence_id"].to_numpy(), hits["n_chars"].to_numpy(),
                            -hits["n_matches"].to_numpy(), -hits["n_terms"].to_numpy(),
                            fits.to_numpy(dtype=bool)))
        seen, picked = set(), []
        for i, sentence in zip(order.tolist(), hits["sentence"].to_numpy()[order].tolist()):
            if sentence not in seen:
                seen.add(sentence)
                picked.append(i)
                if len(picked) == n:
                    break
        chosen = hits.iloc[picked]
    else:
        hits = hits.assign(_fits=fits)
        hits = hits.sort_values(["_fits", "n_terms", "n_matches", "n_chars", "sentence_id"],
                                ascending=[True, False, False, True, True], kind="stable")
        hits = hits.drop_duplicates("sentence")
        if by is None:
            chosen = hits.head(n)
        else:
            chosen = hits.groupby(by, sort=False, group_keys=False).head(n)
    out = chosen.assign(quote=_redacted(chosen["sentence"].tolist(), participants, names,
                                        redact, labels))
    cols = QUOTE_COLUMNS + ([by] if by and by not in QUOTE_COLUMNS else [])
    return out[cols].reset_index(drop=True).astype({"quote": "str"})


def _quote_theme(lessons, theme, n, min_chars, max_chars, codebook, text):
    """The checked arguments of :func:`quotes`: ``(ThemeResult, theme id)``."""
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ArgumentError(f"n must be a positive integer, got {n!r}")
    if not (0 <= min_chars <= max_chars):
        raise ArgumentError(f"need 0 <= min_chars <= max_chars, got {min_chars} and {max_chars}")
    result = lessons if isinstance(lessons, ThemeResult) else code_themes(
        lessons, codebook, text=text)
    cb = result.codebook
    # the first theme (codebook order, first row of each theme) whose id or label matches
    names_of: dict = {}
    for tid, th, en in zip(cb["theme"].tolist(), cb["theme_th"].tolist(),
                           cb["theme_en"].tolist()):
        names_of.setdefault(tid, (th, en))
    theme_id = next((tid for tid, (th, en) in names_of.items()
                     if tid == theme or th == theme or en == theme), None)
    if theme_id is None:
        ids = cb.drop_duplicates("theme")
        raise ArgumentError(f"theme must be one of {ids['theme'].tolist()} (or their Thai/English "
                            f"labels); got {theme!r}")
    return result, theme_id


def quoted_sections(result: ThemeResult, theme: str, *, n: int, names: list, redact: bool,
                    labels: str) -> list[tuple]:
    """``(section, quote)`` of ``quotes(result, theme, n=n, names=names, redact=redact,
    labels=labels)``, without building its table when the rows are picked from arrays
    (the village report's lessons section shows these two columns only)."""
    from .lessons_frames import quote_rows_fast

    result, theme_id = _quote_theme(result, theme, n, 20, 200, None, "text")
    fast = quote_rows_fast(result, theme_id, n, 20, 200)
    if fast is None:
        q = quotes(result, theme, n=n, names=names, redact=redact, labels=labels)
        return list(zip(q["section"].tolist(), q["quote"].tolist()))
    sections = result.hits["section"].tolist()
    return list(zip([sections[i] for i in fast[0].tolist()],
                    _redacted(fast[2], None, names, redact, labels)))


def _redacted(sentences: list, participants, names, redact: bool, labels: str) -> list:
    """The quotes of :func:`quotes`: the sentences, redacted unless ``redact`` is False."""
    from .privacy import names_from_participants, redact_pii

    all_names = list(names_from_participants(participants)) if participants is not None else []
    if names is not None:
        if isinstance(names, str):
            raise ArgumentError("names must be a collection of names, not a single string")
        all_names.extend(names)
    return [redact_pii(s, names=all_names, labels=labels) if redact else s for s in sentences]

