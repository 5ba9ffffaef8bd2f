"""Score item responses with an instrument definition (vectorised)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataValidationError, problems_frame, require_columns
from ..schema import WAVES
from .registry import ArgumentError, Instrument, _classify, get_instrument

__all__ = ["score_instrument", "MISSING_POLICIES"]

#: Allowed values of ``missing``.
MISSING_POLICIES = ("prorate", "complete", "available")


def score_instrument(
    responses: pd.DataFrame,
    instrument: str | Instrument,
    *,
    person: str = "person_id",
    wave: str = "wave",
    item: str = "item",
    value: str = "value",
    missing: str = "prorate",
    max_missing: float = 0.2,
    extra_dirs: Sequence[str | Path] = (),
) -> pd.DataFrame:
    """Score an instrument: one row per person × wave.

    Parameters
    ----------
    responses : pandas.DataFrame
        Long happiness table, one row per person × wave × item (the
        ``happiness`` table of a project). If it has an ``instrument`` column,
        only rows whose instrument equals the instrument's id (ignoring case and
        surrounding spaces) are used, so one table may hold several instruments.
        A blank ``value`` is an unanswered item, like an absent row.
    instrument : str or Instrument
        Instrument id (``"tmhi15"``, ``"who5"``, ``"happy10"``,
        ``"happinometer"`` or a user id found in ``extra_dirs``), a YAML path, or
        an :class:`Instrument`.
    person, wave, item, value : str
        Column names in ``responses``. The output keeps the ``person`` and
        ``wave`` names.
    missing : {"prorate", "complete", "available"}
        Missing-item policy, applied to the total (and to each domain):

        ``"prorate"`` (default)
            If ``n_missing / n_items <= max_missing``, the missing items are
            replaced by the mean of the answered items (after reversal): a
            ``sum`` total becomes ``mean(answered) × n_items``; otherwise the
            score is NaN and ``reason`` says why, e.g.
            ``"4 of 15 items missing (> 20%)"``.
        ``"complete"``
            Any missing item makes the score NaN.
        ``"available"``
            Score what is there: the sum (or mean) of the answered items,
            NaN only if nothing was answered. A ``sum`` total is then not
            comparable between people with different numbers of answers.
    max_missing : float
        Largest share of missing items still prorated (0 <= max_missing < 1);
        only used with ``missing="prorate"``.
    extra_dirs : sequence of str or Path
        Folders of user instrument YAML files (see :func:`registry`).

    Returns
    -------
    pandas.DataFrame
        One row per person × wave present in ``responses`` (for this
        instrument), sorted by person then wave, with columns:

        ``person_id`` (named as ``person``)
            Person id.
        ``wave`` (named as ``wave``)
            Ordered categorical pre < during < post (or the input's own
            ordered categories).
        ``instrument``
            Instrument id.
        ``total``
            Total score (float; NaN when the missing policy rejects it).
        ``band``
            Band id of the total, ordered categorical from the lowest band to
            the highest (missing when the total is NaN or the instrument has
            no bands).
        ``band_label``, ``band_label_en``
            Thai and English band labels.
        ``n_items``
            Number of items in the instrument.
        ``n_missing``
            Number of those items without an answer (absent row or blank value).
        ``reason``
            Why ``total`` is NaN (missing exactly when ``total`` is not NaN).
        ``domain_<id>``
            One column per domain, in definition order: the domain score
            (0–100 with the default ``rescale_0_100`` method).
        ``domain_<id>_band``
            Only when the instrument has ``domain_bands``: band id of each
            domain score (ordered categorical).

    Raises
    ------
    DataValidationError
        With ``.problems`` listing every bad row (``row`` = the responses
        index label): missing columns, blank person or wave, unknown wave,
        items that are not in the instrument, non-numeric values, values
        outside an item's range, the same person × wave × item twice.
    InstrumentError
        Unknown instrument id.
    ArgumentError
        Bad ``missing`` or ``max_missing``.

    Notes
    -----
    Item ``i`` with range ``[min_i, max_i]`` and response ``x`` scores
    ``x`` or, when reverse-scored, ``min_i + max_i - x``. With ``K`` items,
    ``A`` of them answered with sum ``S_A``:

    - effective sum ``S`` = ``S_A`` when nothing is missing or with
      ``available``; ``S_A × K / A`` when prorating;
    - ``sum``: ``S``; ``mean``: ``S / K`` (with ``available``: ``S_A / A``);
    - ``rescale_0_100``: ``(S − Σ min_i) × 100 / (Σ max_i − Σ min_i)``
      (WHO-5: raw × 4).

    Domains are scored the same way over their own items (the missing policy
    and ``max_missing`` apply within each domain). A total ``over: domains``
    applies the method and the missing policy to the domain scores (the
    Happinometer total is the mean of the domain scores). Bands are applied
    to the unrounded total; see :class:`Band` for the bound semantics.
    The computation is vectorised (one ``person × wave`` by ``item`` matrix).

    Examples
    --------
    >>> import pandas as pd
    >>> import evaluation as ev
    >>> resp = pd.DataFrame({
    ...     "person_id": ["P1"] * 5 + ["P2"] * 5,
    ...     "wave": pd.Categorical(["pre"] * 10, categories=["pre", "during", "post"],
    ...                            ordered=True),
    ...     "item": ["q1", "q2", "q3", "q4", "q5"] * 2,
    ...     "value": [3, 3, 1, 1, 0, 5, 5, 4, 4, 5]})
    >>> out = ev.score_instrument(resp, "who5")
    >>> out[["person_id", "total", "band"]]   # (3+3+1+1+0) x 4 = 32, (5+5+4+4+5) x 4 = 92
      person_id  total  band
    0        P1   32.0  poor
    1        P2   92.0  good
    """
    inst = get_instrument(instrument, extra_dirs=extra_dirs)
    if missing not in MISSING_POLICIES:
        raise ArgumentError(
            f"missing must be one of {', '.join(repr(m) for m in MISSING_POLICIES)}; "
            f"got {missing!r}")
    if (isinstance(max_missing, bool) or not isinstance(max_missing, (int, float))
            or not 0 <= max_missing < 1):
        raise ArgumentError(
            f"max_missing must be a share between 0 and 1 (e.g. 0.2 for 20%); got {max_missing!r}")
    if not isinstance(responses, pd.DataFrame):
        raise ArgumentError(
            f"responses must be a pandas DataFrame (the long happiness table); got "
            f"{type(responses).__name__}")

    require_columns(responses, {"person": person, "wave": wave, "item": item, "value": value},
                    what="responses", table="happiness")

    df = responses
    if "instrument" in df.columns:
        codes, uniques = pd.factorize(df["instrument"])
        key = inst.id.casefold()
        hit = [k for k, u in enumerate(uniques) if str(u).strip().casefold() == key]
        keep = np.isin(codes, hit)
        if not keep.all():
            df = df.loc[keep]
        if len(df) == 0 and len(uniques):
            warnings.warn(
                f"no responses for instrument {inst.id!r}; instruments in the table: "
                f"{', '.join(map(str, uniques))}", UserWarning, stacklevel=2)

    item_ids = inst.item_ids
    n_items = len(item_ids)
    item_min = np.array([it.min for it in inst.items])
    item_max = np.array([it.max for it in inst.items])
    problems: list[pd.DataFrame] = []

    def flag(mask: np.ndarray, column: str, values, message) -> None:
        """Record the rows in ``mask``; ``values`` is the column (converted lazily)."""
        if not mask.any():
            return
        idx = df.index[mask]
        rows = pd.array(idx, dtype="Int64") if pd.api.types.is_integer_dtype(idx) else pd.NA
        picked = (values[mask] if isinstance(values, np.ndarray)
                  else values.iloc[np.flatnonzero(mask)])
        vals = pd.Series(np.asarray(picked, dtype=object)).map(
            lambda v: None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
        msg = message if isinstance(message, str) else message(mask)
        frame = pd.DataFrame({"file": None, "sheet": None, "row": rows, "column": column,
                              "value": vals.to_numpy(), "problem": msg})
        problems.append(frame)

    # -- person --------------------------------------------------------------------
    pser = df[person]
    pcodes, puniques = pd.factorize(pser, sort=True)
    flag(pcodes < 0, person, pser, "person id is blank")

    # -- wave ----------------------------------------------------------------------
    wser = df[wave]
    if isinstance(wser.dtype, pd.CategoricalDtype) and wser.dtype.ordered:
        wdtype = wser.dtype
        wcodes = wser.cat.codes.to_numpy()
        flag(wcodes < 0, wave, wser, "wave is blank")
    else:
        wdtype = pd.CategoricalDtype(list(WAVES), ordered=True)
        raw = wser.astype("string").str.strip().str.lower()
        cat = pd.Categorical(raw.where(raw.isin(WAVES)), dtype=wdtype)
        wcodes = np.asarray(cat.codes)
        bad = wcodes < 0
        blank = raw.isna().to_numpy() | (raw == "").fillna(False).to_numpy()
        flag(bad & blank, wave, wser, "wave is blank")
        flag(bad & ~blank, wave, wser,
             f"unknown wave; expected one of {', '.join(WAVES)}")
    n_waves = len(wdtype.categories)

    # -- item ----------------------------------------------------------------------
    icodes, iuniques = pd.factorize(df[item])
    lookup = {k: j for j, k in enumerate(item_ids)}
    umap = np.array([lookup.get(str(u).strip(), -1) for u in iuniques] + [-1], dtype=np.int64)
    iidx = umap[icodes]  # code -1 (blank) picks the trailing -1
    flag(iidx < 0, item, df[item],
         f"item is not part of instrument {inst.id!r}; its items are: "
         f"{_short(item_ids)}")

    # -- value ---------------------------------------------------------------------
    vser = df[value]
    if pd.api.types.is_numeric_dtype(vser.dtype) and not pd.api.types.is_bool_dtype(vser.dtype):
        vals = vser.to_numpy(dtype=float, na_value=np.nan)
    else:
        num = pd.to_numeric(vser.astype("string").str.strip().replace("", pd.NA),
                            errors="coerce")
        vals = num.to_numpy(dtype=float, na_value=np.nan)
        text = vser.astype("string").str.strip()
        notnum = np.isnan(vals) & text.notna().to_numpy() & (text != "").fillna(False).to_numpy()
        flag(notnum, value, vser, "value is not a number")
    known = iidx >= 0
    lo = np.where(known, item_min[np.where(known, iidx, 0)], -np.inf)
    hi = np.where(known, item_max[np.where(known, iidx, 0)], np.inf)
    with np.errstate(invalid="ignore"):
        out_of_range = known & ~np.isnan(vals) & ((vals < lo) | (vals > hi))
    texts = np.array([f"value outside the range of item {item_ids[j]} "
                      f"({_g(item_min[j])}–{_g(item_max[j])})" for j in range(n_items)],
                     dtype=object)
    flag(out_of_range, value, vals, lambda m: texts[iidx[m]])

    # -- person × wave groups (O(n), no sort: person codes are already sorted) ------------
    valid_key = (pcodes >= 0) & (wcodes >= 0) & known
    group = np.where(valid_key, pcodes.astype(np.int64) * n_waves + wcodes, 0)
    present = np.zeros(len(puniques) * n_waves + 1, dtype=bool)
    present[group[valid_key]] = True
    ugroup = np.flatnonzero(present)
    rank = np.cumsum(present) - 1
    ginv = rank[group]
    n_rows = len(ugroup)

    # -- duplicates ----------------------------------------------------------------
    cell = np.where(valid_key, ginv * n_items + iidx, 0)
    counts = np.bincount(cell[valid_key], minlength=max(n_rows * n_items, 1))
    dup = valid_key & (counts[cell] > 1)
    flag(dup, item, df[item], "the same person, wave and item appears more than once")

    if problems:
        frame = problems_frame()
        frame = pd.concat([frame, *problems], ignore_index=True)
        frame = frame.sort_values("row", kind="stable", na_position="first",
                                  ignore_index=True)
        frame["row"] = frame["row"].astype("Int64")
        frame["severity"] = "error"
        raise DataValidationError(
            frame, f"{len(frame)} problem(s) in the responses for instrument {inst.id!r}")

    # -- matrix person×wave by item ----------------------------------------------------
    mat = np.full((n_rows, n_items), np.nan)
    mat[ginv, iidx] = vals
    rev = np.array([it.reverse for it in inst.items])
    if rev.any():
        mat[:, rev] = (item_min + item_max)[rev] - mat[:, rev]

    policy = (missing, float(max_missing))
    out = pd.DataFrame({
        person: puniques.take(ugroup // n_waves),
        wave: pd.Categorical.from_codes((ugroup % n_waves).astype(np.int64), dtype=wdtype),
    })
    out["instrument"] = pd.array([inst.id], dtype="string").take(np.zeros(n_rows, dtype=np.int64))

    domain_scores = {}
    for dom_id, dom in inst.domains.items():
        cols_idx = [lookup[i] for i in dom["items"]]
        score, _, _ = _aggregate(mat[:, cols_idx], item_min[cols_idx], item_max[cols_idx],
                                 dom["method"], policy)
        domain_scores[dom_id] = score

    n_answered = (~np.isnan(mat)).sum(axis=1)
    n_miss = n_items - n_answered
    if inst.total.over == "domains":
        dmat = np.column_stack(list(domain_scores.values()))
        dmin = np.array([d["min"] for d in inst.domains.values()])
        dmax = np.array([d["max"] for d in inst.domains.values()])
        total, ok, d_miss = _aggregate(dmat, dmin, dmax, inst.total.method, policy)
        reason = _reasons(ok, d_miss, dmat.shape[1], "domains", policy)
        # say which items were behind the missing domains
        reason = _prefix_items(reason, ok, n_miss, n_items)
    else:
        total, ok, _ = _aggregate(mat, item_min, item_max, inst.total.method, policy)
        reason = _reasons(ok, n_miss, n_items, "items", policy)

    out["total"] = total
    band = _classify(total, inst.bands)
    out["band"] = band
    codes = np.asarray(band.codes)
    out["band_label"] = _labels(codes, [b.label_th for b in inst.bands])
    out["band_label_en"] = _labels(codes, [b.label_en for b in inst.bands])
    out["n_items"] = np.full(n_rows, n_items, dtype=np.int64)
    out["n_missing"] = n_miss.astype(np.int64)
    out["reason"] = reason
    for dom_id, score in domain_scores.items():
        out[f"domain_{dom_id}"] = score
    if inst.domain_bands:
        for dom_id, score in domain_scores.items():
            out[f"domain_{dom_id}_band"] = _classify(score, inst.domain_bands)
    return out


def _aggregate(mat: np.ndarray, lo: np.ndarray, hi: np.ndarray, method: str, policy):
    """Score rows of ``mat`` (columns = parts with ranges lo..hi).

    Returns (score, ok, n_missing): ``ok`` is False where the policy rejects.
    """
    missing, max_missing = policy
    k = mat.shape[1]
    answered = ~np.isnan(mat)
    n_ans = answered.sum(axis=1)
    n_miss = k - n_ans
    s_ans = np.where(answered, mat, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        if missing == "complete":
            ok = n_miss == 0
            s = s_ans
        elif missing == "available":
            ok = n_ans > 0
            s = s_ans
        else:
            ok = (n_ans > 0) & (n_miss <= max_missing * k + 1e-9)
            s = np.where(n_miss == 0, s_ans, s_ans * k / n_ans)
        if method == "sum":
            score = s
        elif method == "mean":
            score = (s_ans / n_ans) if missing == "available" else s / k
        else:  # rescale_0_100, multiply first so that e.g. 7 * 100 / 25 is exactly 28
            score = (s - lo.sum()) * 100.0 / (hi.sum() - lo.sum())
    score = np.where(ok, score, np.nan)
    return score, ok, n_miss


def _reasons(ok, n_miss, k, what, policy):
    missing, max_missing = policy
    codes = np.full(len(ok), -1, dtype=np.int64)
    bad = ~ok
    texts: list[str] = []
    if bad.any():
        if missing == "prorate":
            tail = f" {what} missing (> {max_missing * 100:g}%)"
        elif missing == "complete":
            tail = f" {what} missing (missing='complete' needs all {k})"
        else:
            tail = f" {what} missing"
        uniq, inv = np.unique(n_miss[bad], return_inverse=True)
        texts = [f"all {k} {what} missing" if m == k else f"{m} of {k}{tail}"
                 for m in uniq.tolist()]
        codes[bad] = inv
    return pd.array(texts, dtype="string").take(codes, allow_fill=True)


def _prefix_items(reason, ok, n_miss, n_items):
    bad = ~ok
    if not bad.any():
        return reason
    r = reason.to_numpy(dtype=object, na_value=None)
    r[bad] = [f"{m} of {n_items} items missing; {t}" for m, t in zip(n_miss[bad].tolist(),
                                                                      r[bad].tolist())]
    return pd.array(r, dtype="string")


def _labels(codes: np.ndarray, labels: list[str]):
    """Label of each band code (code -1 -> missing)."""
    return pd.array(labels, dtype="string").take(np.asarray(codes, dtype=np.int64),
                                                 allow_fill=True)


def _short(ids, n: int = 20) -> str:
    ids = list(ids)
    return ", ".join(ids[:n]) + (f", ... ({len(ids)} in all)" if len(ids) > n else "")


def _g(x: float) -> str:
    return f"{x:g}"
