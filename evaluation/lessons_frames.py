"""The tables of :mod:`evaluation.lessons` built from plain lists and arrays.

A village has a handful of lessons texts and sentences; on such small tables
pandas' per-operation overhead, not the data, is the cost. These builders give
the very frames :mod:`evaluation.lessons` builds with pandas (same values,
dtypes, order and index) on the usual input, and return None otherwise, so the
caller falls back to its pandas code. ``tests/test_lessons_frames.py`` compares
both on the sample program, the synthetic villages and edge cases.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .lessons import HIT_COLUMNS, QUOTE_COLUMNS, SUMMARY_COLUMNS, PreparedLessons, ThemeResult

__all__ = ["quote_frame", "quote_rows_fast", "sentence_frame_fast", "theme_frames_fast"]


def sentence_frame_fast(frame: pd.DataFrame, other: list, found: list, cols: list):
    """The sentences table of :func:`evaluation.lessons.prepare_lessons` with typed
    columns straight away (not a frame of row dicts then ``astype``), or None unless
    there are sentences, the columns are distinct and the other lessons columns are
    text (``str``): those get the same values, so the same inferred types.

    ``found`` holds ``(text_id, sentence)`` pairs in order; ``cols`` the column order.
    """
    if not found or len(set(cols)) != len(cols) or not all(frame[c].dtype == "str"
                                                           for c in other):
        return None
    ids = [t for t, _ in found]
    tokens = np.empty(len(found), dtype=object)   # tuples kept whole, one per cell
    for i, (_, sent) in enumerate(found):
        tokens[i] = sent.tokens
    values = {c: frame[c].tolist() for c in other}
    return pd.DataFrame({
        "text_id": np.array(ids, dtype=np.int64),
        **{c: [values[c][t] for t in ids] for c in other},
        "sentence_id": np.arange(len(found), dtype=np.int64),
        "sentence": [sent.text for _, sent in found],
        "n_chars": np.array([len(sent.text) for _, sent in found], dtype=np.int64),
        "tokens": tokens}, columns=cols)


#: Column names :func:`evaluation.lessons.code_themes` builds with (``by`` must not be one).
_THEME_FRAME_NAMES = frozenset(HIT_COLUMNS + SUMMARY_COLUMNS + ["row", "_o", "tokens"]) - {
    "village_id", "section", "text_id"}


def theme_frames_fast(prepared: PreparedLessons, hit_rows: list, themes: list, by: str):
    """What :func:`evaluation.lessons._theme_frames` returns, built from plain lists
    (a village's few sentences cost pandas ~100 small operations otherwise), or None
    outside the usual input: some hits, distinct text theme ids, a text (``str``)
    grouping column and the sentence numbering of
    :func:`evaluation.lessons.prepare_lessons`."""
    sentences, lessons = prepared.sentences, prepared.lessons
    if not hit_rows or not themes or by in _THEME_FRAME_NAMES \
            or not sentences.columns.is_unique or by not in lessons.columns:
        return None
    ids = [t.theme for t in themes]
    if len(set(ids)) != len(ids) or not all(isinstance(x, str) for t in themes
                                            for x in (t.theme, t.th, t.en)):
        return None
    if not (lessons[by].dtype == "str" and sentences[by].dtype == "str"
            and sentences["n_chars"].dtype == np.int64
            and sentences["sentence_id"].dtype == np.int64):
        return None
    sid = sentences["sentence_id"].to_numpy()
    if not np.array_equal(sid, np.arange(len(sid))):
        return None
    # hits: sentence order, then codebook order (no ties: one row per sentence and theme)
    order_of = {t: i for i, t in enumerate(ids)}
    rows = np.array([r[0] for r in hit_rows], dtype=np.int64)
    perm = np.lexsort((np.array([order_of[r[1]] for r in hit_rows]), sid[rows])).tolist()
    taken = rows[perm]
    ordered = [hit_rows[i] for i in perm]
    data = {c: sentences[c].array.take(taken)
            for c in ("village_id", "section", "text_id", "sentence_id", "sentence")}
    for j, c in enumerate(("theme", "theme_th", "matched_terms"), start=1):
        data[c] = [r[j] for r in ordered]
    data["n_terms"] = np.array([r[4] for r in ordered], dtype=np.int64)
    data["n_matches"] = np.array([r[5] for r in ordered], dtype=np.int64)
    if by not in data:
        data[by] = sentences[by].array.take(taken)
    hits = pd.DataFrame(data)

    # summary: every group (first-seen order, no NaN) x theme, as the groupby gives
    first: dict = {}
    for i, key in enumerate(lessons[by].tolist()):
        if isinstance(key, str) and key not in first:
            first[key] = i
    if not first:
        return None
    gpos = {key: k for k, key in enumerate(first)}
    n_t = len(ids)
    tot_n = np.zeros(len(first), dtype=np.int64)
    tot_c = np.zeros(len(first), dtype=np.int64)
    keys = sentences[by].tolist()
    chars = sentences["n_chars"].tolist()
    for key, nc in zip(keys, chars):
        k = gpos.get(key) if isinstance(key, str) else None
        if k is not None:
            tot_n[k] += 1
            tot_c[k] += nc
    n_sent = np.zeros(len(first) * n_t, dtype=np.int64)
    n_chr = np.zeros_like(n_sent)
    n_mat = np.zeros_like(n_sent)
    for r in hit_rows:
        key = keys[r[0]]
        k = gpos.get(key) if isinstance(key, str) else None
        if k is not None:
            cell = k * n_t + order_of[r[1]]
            n_sent[cell] += 1
            n_chr[cell] += chars[r[0]]
            n_mat[cell] += r[5]
    tot_n, tot_c = np.repeat(tot_n, n_t), np.repeat(tot_c, n_t)
    with np.errstate(invalid="ignore", divide="ignore"):
        share_s = n_sent / np.where(tot_n == 0, np.nan, tot_n)
        share_c = n_chr / np.where(tot_c == 0, np.nan, tot_c)
    summary = pd.DataFrame({
        by: lessons[by].array.take(np.repeat(list(first.values()), n_t)),
        "theme": ids * len(first), "theme_th": [t.th for t in themes] * len(first),
        "theme_en": [t.en for t in themes] * len(first), "n_sentences": n_sent,
        "n_sentences_total": tot_n, "share_of_sentences": share_s, "n_chars": n_chr,
        "n_chars_total": tot_c, "share_of_characters": share_c, "n_matches": n_mat})
    return hits, summary


def quote_rows_fast(result: ThemeResult, theme_id, n: int, min_chars, max_chars):
    """The quotes :func:`evaluation.lessons.quotes` picks without ``by``, from arrays
    (its pandas steps cost more than the few hits of a village): ``(hit rows,
    sentence rows, sentences)``, or None outside the usual input (text theme ids,
    integer counts, sentence ids 0..n-1 as :func:`evaluation.lessons.prepare_lessons`
    numbers them)."""
    hits, sents = result.hits, result.sentences
    if not (hits["theme"].dtype == "str" and all(
            pd.api.types.is_integer_dtype(f[c].dtype) for f, c in (
                (hits, "sentence_id"), (hits, "n_terms"), (hits, "n_matches"),
                (sents, "n_chars"), (sents, "sentence_id")))):
        return None
    n_sent = len(sents)
    if not np.array_equal(sents["sentence_id"].to_numpy(), np.arange(n_sent)):
        return None
    idx = np.flatnonzero(hits["theme"].to_numpy() == theme_id)
    sid = hits["sentence_id"].to_numpy()[idx]
    if len(sid) and (sid.min() < 0 or sid.max() >= n_sent):
        return None
    nc = sents["n_chars"].to_numpy()[sid]
    # the stable sort of quotes(): fitting length first, more terms, more matches,
    # shorter, text order (np.lexsort: last key first); then distinct sentences
    order = np.lexsort((sid, nc, -hits["n_matches"].to_numpy()[idx],
                        -hits["n_terms"].to_numpy()[idx], ~((nc >= min_chars) & (nc <= max_chars))))
    seen, picked, texts = set(), [], []
    for i, sentence in zip(order.tolist(), hits["sentence"].to_numpy()[idx[order]].tolist()):
        if sentence not in seen:
            seen.add(sentence)
            picked.append(i)
            texts.append(sentence)
            if len(picked) == n:
                break
    return idx[picked], sid[picked], texts


def quote_frame(result: ThemeResult, rows, sentence_rows, quote: list) -> pd.DataFrame:
    """The table of :func:`evaluation.lessons.quotes` for the rows of :func:`quote_rows_fast`."""
    data = {c: result.hits[c].array.take(rows) for c in QUOTE_COLUMNS
            if c not in ("quote", "n_chars")}
    data["n_chars"] = result.sentences["n_chars"].array.take(sentence_rows)
    data["quote"] = pd.array(quote, dtype="str")
    return pd.DataFrame(data, columns=QUOTE_COLUMNS)
