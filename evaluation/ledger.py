"""Household account books (บัญชีครัวเรือน): monthly totals, categories, regular keeping.

The ledger table has one row per account-book entry: ``household_id, date,
kind (income / expense), category, amount``. Dates are CE ``datetime64``
(the loader converts Buddhist-era dates); a month is identified by the
Timestamp of its first day (``2023-07-01`` for July 2023).
Definitions and defaults are in ``docs/finance.md``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .money_frames import FinanceArgumentError, FinanceColumnError, _bad_rows, _check_frame, _numeric
from .schema import KINDS

__all__ = ["ledger_monthly", "ledger_categories", "account_keeping", "MIN_ENTRIES",
           "MIN_MONTHS", "UNSPECIFIED_CATEGORY"]

#: Default of :func:`account_keeping`: entries a month needs to count as a kept month.
MIN_ENTRIES = 4
#: Default of :func:`account_keeping`: kept months a household needs.
MIN_MONTHS = 3
#: Label of entries without a category in the text column of :func:`ledger_monthly`.
UNSPECIFIED_CATEGORY = "ไม่ระบุ"


def month_start(dates: pd.Series) -> pd.Series:
    """First day of each date's month (datetime64), NaT stays NaT."""
    return dates.dt.to_period("M").dt.to_timestamp()


def _prepare(ledger: pd.DataFrame, *, household: str, date: str, kind: str, amount: str,
             category: str | None = None) -> pd.DataFrame:
    """Checked working frame with canonical columns household_id, date, month, kind, amount."""
    _check_frame(ledger, "ledger", {"household": household, "date": date, "kind": kind,
                                    "amount": amount}, "ledger")
    d = ledger[date]
    if not pd.api.types.is_datetime64_any_dtype(d.dtype):
        raise FinanceArgumentError(
            f"ledger column {date!r} must be datetime64 (CE dates; load the data with "
            f"evaluation.load_project to convert Buddhist-era or Thai dates); got {d.dtype}")
    _bad_rows(ledger, d.isna().to_numpy(), "ledger", date, "entry without a date")
    _bad_rows(ledger, ledger[household].isna().to_numpy(), "ledger", household,
              "entry without a household id")
    k = ledger[kind].astype("string")
    _bad_rows(ledger, (~k.isin(KINDS)).to_numpy(dtype=bool, na_value=True), "ledger", kind,
              f"kind must be one of {KINDS}")
    amt = _numeric(ledger, amount, "ledger")
    _bad_rows(ledger, np.isnan(amt), "ledger", amount, "entry without an amount")
    out = pd.DataFrame({
        "household_id": ledger[household].to_numpy(),
        "date": d.to_numpy(),
        "month": month_start(d).to_numpy(),
        "kind": k.to_numpy(),
        "amount": amt,
    })
    if category is not None:
        out["category"] = (ledger[category].astype("string").to_numpy()
                           if category in ledger.columns else pd.NA)
        out["category"] = out["category"].astype("string")
    return out


def ledger_categories(ledger: pd.DataFrame, *, household: str = "household_id",
                      date: str = "date", kind: str = "kind", category: str = "category",
                      amount: str = "amount") -> pd.DataFrame:
    """Per household × month × kind × category: amount, entries and share.

    Parameters
    ----------
    ledger : pandas.DataFrame
        The ledger table.
    household, date, kind, category, amount : str
        Column names (a missing category column means every entry is
        unspecified).

    Returns
    -------
    pandas.DataFrame
        ``household_id``, ``month`` (first day of the month, datetime64),
        ``kind`` (income / expense), ``category`` (``<NA>`` when the entry has
        none), ``amount`` (baht), ``n_entries``, ``share`` (amount / the
        household's total of that kind in that month, 0–1; NaN when that
        total is 0). Sorted by household, month, kind, then amount
        descending and category.

    Examples
    --------
    >>> import pandas as pd
    >>> led = pd.DataFrame({"household_id": ["H1"] * 3,
    ...                     "date": pd.to_datetime(["2023-07-02", "2023-07-05", "2023-07-09"]),
    ...                     "kind": ["expense"] * 3, "category": ["อาหาร", "อาหาร", "ค่าเดินทาง"],
    ...                     "amount": [300.0, 150.0, 50.0]})
    >>> ledger_categories(led)[["category", "amount", "share"]]
         category  amount  share
    0       อาหาร   450.0    0.9
    1  ค่าเดินทาง    50.0    0.1
    """
    work = _prepare(ledger, household=household, date=date, kind=kind, amount=amount,
                    category=category)
    g = work.groupby(["household_id", "month", "kind", "category"], sort=False, dropna=False,
                     observed=True)
    out = g["amount"].agg(["sum", "size"]).reset_index()
    out = out.rename(columns={"sum": "amount", "size": "n_entries"})
    total = out.groupby(["household_id", "month", "kind"], sort=False)["amount"].transform("sum")
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share"] = np.where(total > 0, out["amount"] / total.where(total > 0, 1), np.nan)
    out["n_entries"] = out["n_entries"].astype(np.int64)
    out["kind"] = out["kind"].astype("string")
    out = out.sort_values(["household_id", "month", "kind", "amount", "category"],
                          ascending=[True, True, True, False, True], kind="stable",
                          na_position="last")
    out = out.rename(columns={"household_id": household})
    return out.reset_index(drop=True)[[household, "month", "kind", "category", "amount",
                                       "n_entries", "share"]]


def ledger_monthly(ledger: pd.DataFrame, *, top: int = 3, household: str = "household_id",
                   date: str = "date", kind: str = "kind", category: str = "category",
                   amount: str = "amount") -> pd.DataFrame:
    """Per household × month: income, expenses, net, entries and top expense categories.

    Parameters
    ----------
    ledger : pandas.DataFrame
        The ledger table (``household_id, date, kind, category, amount``).
    top : int
        How many expense categories the text column lists.
    household, date, kind, category, amount : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        One row per household and month with at least one entry, sorted:
        ``household_id``; ``month`` (first day of the month, datetime64);
        ``income``, ``expenses`` (sums of the month's entries, baht);
        ``net`` (= income − expenses); ``n_entries``, ``n_income_entries``,
        ``n_expense_entries``; ``days_with_entry`` (distinct dates with an
        entry); ``top_expense_categories`` (text such as ``"อาหาร (45%),
        ค่าเดินทาง (20%)"``: the ``top`` largest expense categories with their
        share of the month's expenses, rounded to whole percent for display
        only; ``<NA>`` in a month without expenses; entries without a category
        show as ``ไม่ระบุ``). The exact shares are in
        :func:`ledger_categories`.

    Notes
    -----
    Months without any entry are not listed (use :func:`account_keeping` to
    see which households have gaps).

    Examples
    --------
    >>> import pandas as pd
    >>> led = pd.DataFrame({"household_id": ["H1"] * 3,
    ...                     "date": pd.to_datetime(["2023-07-02", "2023-07-02", "2023-07-09"]),
    ...                     "kind": ["income", "expense", "expense"], "category": ["ขายพริก", "อาหาร", "ค่าเดินทาง"],
    ...                     "amount": [1200.0, 300.0, 100.0]})
    >>> res = ledger_monthly(led)
    >>> res[["month", "income", "expenses", "net", "days_with_entry"]]
           month  income  expenses    net  days_with_entry
    0 2023-07-01  1200.0     400.0  800.0                2
    >>> res.loc[0, "top_expense_categories"]
    'อาหาร (75%), ค่าเดินทาง (25%)'
    """
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1:
        raise FinanceArgumentError(f"top must be a whole number of categories (at least 1), "
                                   f"got {top!r}")
    work = _prepare(ledger, household=household, date=date, kind=kind, amount=amount,
                    category=category)
    is_inc = (work["kind"] == "income").to_numpy(dtype=bool)
    amt = work["amount"].to_numpy(dtype=float)
    # one integer code per household × month, in sorted order (households, then months)
    hcodes, households = pd.factorize(work["household_id"], sort=True)
    months, mcodes = np.unique(work["month"].to_numpy(), return_inverse=True)
    keys, gid = np.unique(hcodes.astype(np.int64) * max(len(months), 1) + mcodes,
                          return_inverse=True)
    gid = gid.reshape(-1)
    G = len(keys)
    # sums with pandas' grouped (compensated) summation, row order within a group as before
    sums = pd.DataFrame({"income": np.where(is_inc, amt, 0.0),
                         "expenses": np.where(is_inc, 0.0, amt)}).groupby(gid, sort=True).sum()
    income, expenses = sums["income"].to_numpy(), sums["expenses"].to_numpy()
    n_inc = np.bincount(gid[is_inc], minlength=G).astype(np.int64)
    n_all = np.bincount(gid, minlength=G).astype(np.int64)
    dates = work["date"].to_numpy().view(np.int64)
    order = np.lexsort((dates, gid))
    gs, ds = gid[order], dates[order]
    first = np.ones(len(gs), dtype=bool)
    first[1:] = (gs[1:] != gs[:-1]) | (ds[1:] != ds[:-1])
    out = pd.DataFrame({
        "household_id": households.take(keys // max(len(months), 1)),
        "month": months[keys % max(len(months), 1)],
        "income": income,
        "expenses": expenses,
        "net": income - expenses,
        "n_entries": n_all,
        "n_income_entries": n_inc,
        "n_expense_entries": n_all - n_inc,
        "days_with_entry": np.bincount(gs[first], minlength=G).astype(np.int64),
        "top_expense_categories": _top_categories(work, is_inc, gid, G, top),
    })
    return out.rename(columns={"household_id": household})


def _top_categories(work: pd.DataFrame, is_inc: np.ndarray, gid: np.ndarray, G: int,
                    top: int):
    """The ``top_expense_categories`` text of each household × month code 0..G-1."""
    if is_inc.all():
        return pd.array([pd.NA] * G, dtype="string")
    exp = ~is_inc
    egid = gid[exp]
    cat = work["category"].to_numpy(dtype=object, na_value=None)[exp]
    ccodes, cats = pd.factorize(cat, use_na_sentinel=True)   # blank category: -1
    C = len(cats)
    ccodes = np.where(ccodes < 0, C, ccodes)
    # categories of a household × month in order of first appearance, their amounts
    pcodes, pairs = pd.factorize(egid.astype(np.int64) * (C + 1) + ccodes)
    amount = pd.Series(work["amount"].to_numpy(dtype=float)[exp]).groupby(
        pcodes, sort=True).sum().to_numpy()
    pg, pc = pairs // (C + 1), pairs % (C + 1)
    total = pd.Series(amount).groupby(pg, sort=True).sum()
    total = total.reindex(pg).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, amount / np.where(total > 0, total, 1), np.nan)
    # largest amount first, then category (blank last), then first appearance
    rank = np.empty(C + 1, dtype=np.int64)
    rank[np.argsort(np.asarray(cats, dtype=object), kind="stable")] = np.arange(C)
    rank[C] = C
    order = np.lexsort((rank[pc], -amount, pg))
    pg, pc, share = pg[order], pc[order], share[order]
    start = np.searchsorted(pg, pg, side="left")
    keep = (np.arange(len(pg)) - start) < top
    labels = np.append(np.asarray(cats, dtype=object), UNSPECIFIED_CATEGORY)
    texts: list = [pd.NA] * G
    for g, c, x in zip(pg[keep].tolist(), pc[keep].tolist(), share[keep].tolist()):
        piece = f"{labels[c]} ({x:.0%})" if x == x else str(labels[c])
        texts[g] = piece if texts[g] is pd.NA else f"{texts[g]}, {piece}"
    return pd.array(texts, dtype="string")


def _period_bounds(period):
    if period is None:
        return None
    try:
        start, end = period
    except (TypeError, ValueError):
        raise FinanceArgumentError(f"period must be a (start, end) pair of dates, got "
                                   f"{period!r}") from None
    try:
        start, end = pd.Timestamp(start), pd.Timestamp(end)
    except (TypeError, ValueError):
        raise FinanceArgumentError(f"period must be a (start, end) pair of dates (CE), got "
                                   f"{period!r}") from None
    if pd.isna(start) or pd.isna(end) or start > end:
        raise FinanceArgumentError(f"period start must be on or before its end, got {period!r}")
    return start, end


def _n_months(start: pd.Timestamp, end: pd.Timestamp) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def _household_list(households, household: str):
    if households is None:
        return None
    if isinstance(households, pd.DataFrame):
        if household not in households.columns:
            raise FinanceColumnError(f"households as a table needs a {household!r} column; "
                                     f"got {list(households.columns)}")
        values = households[household]
    elif isinstance(households, str):
        raise FinanceArgumentError("households must be a list of household ids or a table "
                                   f"with a {household!r} column, not a single string")
    else:
        values = pd.Series(list(households), dtype=object)
    return pd.unique(values.dropna().astype(str).to_numpy())


def account_keeping(ledger: pd.DataFrame, *, min_entries: int = MIN_ENTRIES,
                    min_months: int = MIN_MONTHS, period=None, households=None,
                    count: str = "entries", lang: str = "th",
                    household: str = "household_id", date: str = "date", kind: str = "kind",
                    amount: str = "amount") -> pd.DataFrame:
    """Which households keep their account books regularly.

    A month *counts* when the household made at least ``min_entries``
    entries in it (or wrote on at least ``min_entries`` different days with
    ``count="days"``); a household *keeps accounts* when at least
    ``min_months`` months count.

    Parameters
    ----------
    ledger : pandas.DataFrame
        The ledger table.
    min_entries : int, default 4
        Entries (or days, see ``count``) a month needs to count: about one a
        week.
    min_months : int, default 3
        Counting months a household needs (need not be consecutive): a
        quarter, i.e. the habit outlasted the training month.
    period : (start, end), optional
        Only entries dated within ``start``–``end`` (inclusive) are used.
        ``min_months`` larger than the months the period touches is an error.
    households : list of ids or DataFrame, optional
        Households that should appear (e.g. ``participants``): those without
        entries get ``n_entries = 0`` and ``keeps_accounts = False``.
        Households with entries but not listed are kept too.
    count : {"entries", "days"}
        What ``min_entries`` counts.
    lang : {"th", "en"}
        Language of ``reason``.
    household, date, kind, amount : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        One row per household, sorted by id: ``household_id``,
        ``n_entries``, ``n_months_with_entries`` (months with any entry),
        ``n_qualifying_months`` (months with ≥ ``min_entries`` entries/days),
        ``first_date``, ``last_date`` (NaT without entries),
        ``keeps_accounts`` (bool), ``reason`` (text saying why).

    Examples
    --------
    >>> import pandas as pd
    >>> dates = pd.to_datetime(["2023-07-01", "2023-07-08", "2023-07-15", "2023-07-22"] * 3)
    >>> dates = dates + pd.to_timedelta([0] * 4 + [31] * 4 + [62] * 4, unit="D")
    >>> led = pd.DataFrame({"household_id": "H1", "date": dates, "kind": "expense",
    ...                     "amount": 100.0})
    >>> account_keeping(led, households=["H1", "H2"], lang="en")[["household_id", "n_qualifying_months", "keeps_accounts"]]
      household_id  n_qualifying_months  keeps_accounts
    0           H1                    3            True
    1           H2                    0           False
    """
    for name, value in (("min_entries", min_entries), ("min_months", min_months)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise FinanceArgumentError(f"{name} must be a whole number of at least 1, "
                                       f"got {value!r}")
    if count not in ("entries", "days"):
        raise FinanceArgumentError(f"count must be 'entries' or 'days', got {count!r}")
    if lang not in ("th", "en"):
        raise FinanceArgumentError(f"lang must be 'th' or 'en', got {lang!r}")
    bounds = _period_bounds(period)
    if bounds is not None and min_months > _n_months(*bounds):
        raise FinanceArgumentError(
            f"min_months={min_months} cannot be reached: the period {bounds[0].date()} to "
            f"{bounds[1].date()} spans only {_n_months(*bounds)} month(s)")
    listed = _household_list(households, household)
    if isinstance(ledger, pd.DataFrame) and len(ledger) == 0:
        work = pd.DataFrame({"household_id": pd.Series([], dtype=object),
                             "date": pd.Series([], dtype="datetime64[ns]"),
                             "month": pd.Series([], dtype="datetime64[ns]")})
    else:
        work = _prepare(ledger, household=household, date=date, kind=kind, amount=amount)
    if bounds is not None:
        work = work[(work["date"] >= bounds[0]) & (work["date"] <= bounds[1])]
    by_hh = _keeping_counts(work, min_entries=min_entries, count=count)
    ids = pd.Index(by_hh.index.astype(str))
    by_hh.index = ids
    if listed is not None:
        ids = ids.union(pd.Index(listed), sort=False)
    ids = ids.sort_values()
    out = by_hh.reindex(ids)
    for c in ("n_entries", "n_months_with_entries", "n_qualifying_months"):
        out[c] = out[c].fillna(0).astype(np.int64)
    out["keeps_accounts"] = (out["n_qualifying_months"] >= min_months).to_numpy(dtype=bool)
    out["reason"] = _reasons(out, min_entries=min_entries, min_months=min_months, count=count,
                             lang=lang)
    out.index.name = household
    out = out.reset_index()
    out[household] = out[household].astype("string")
    return out[[household, "n_entries", "n_months_with_entries", "n_qualifying_months",
                "first_date", "last_date", "keeps_accounts", "reason"]]


def _keeping_counts(work: pd.DataFrame, *, min_entries: int, count: str) -> pd.DataFrame:
    """Per household (first appearance order, indexed by the raw id): ``n_entries``,
    ``n_months_with_entries``, ``n_qualifying_months``, ``first_date``, ``last_date``.

    One sort of the entries by household, month and date; every count is a run length.
    """
    hcodes, households = pd.factorize(work["household_id"])
    H = len(households)
    dates = work["date"].array
    t = np.asarray(dates.asi8, dtype=np.int64)
    m = np.asarray(work["month"].array.asi8, dtype=np.int64)
    order = np.lexsort((t, m, hcodes))
    h, m, t = hcodes[order], m[order], t[order]
    new_month = np.ones(len(h), dtype=bool)
    new_month[1:] = (h[1:] != h[:-1]) | (m[1:] != m[:-1])
    new_day = new_month.copy()
    new_day[1:] |= t[1:] != t[:-1]
    month_id = np.cumsum(new_month) - 1
    n = np.bincount(month_id, minlength=0).astype(np.int64)      # entries of each month
    days = np.bincount(month_id[new_day], minlength=len(n)).astype(np.int64)
    ok = (n if count == "entries" else days) >= min_entries
    month_h = h[new_month]
    # households come in code order 0..H-1; a household's run starts at its first date
    first = np.flatnonzero(np.r_[True, h[1:] != h[:-1]]) if len(h) else np.zeros(0, np.int64)
    last = np.r_[first[1:] - 1, len(h) - 1] if len(h) else first
    return pd.DataFrame({
        "n_entries": np.bincount(month_h, weights=n, minlength=H).astype(np.int64),
        "n_months_with_entries": np.bincount(month_h, minlength=H).astype(np.int64),
        "n_qualifying_months": np.bincount(month_h, weights=ok, minlength=H).astype(np.int64),
        "first_date": dates.take(order[first]),
        "last_date": dates.take(order[last]),
    }, index=households)


def _reasons(out: pd.DataFrame, *, min_entries, min_months, count, lang) -> pd.Series:
    unit_th = "รายการ" if count == "entries" else "วัน"
    unit_en = "entries" if count == "entries" else "days with entries"
    q = out["n_qualifying_months"].to_numpy()
    n = out["n_entries"].to_numpy()
    texts = []
    for qi, ni in zip(q, n):
        if ni == 0:
            texts.append("ไม่มีการบันทึกบัญชี" if lang == "th" else "no entries")
        elif qi >= min_months:
            texts.append(f"บันทึกอย่างน้อย {min_entries} {unit_th}/เดือน ได้ {qi} เดือน "
                         f"(เกณฑ์ {min_months} เดือน)" if lang == "th" else
                         f"{qi} month(s) with at least {min_entries} {unit_en} "
                         f"(needs {min_months})")
        else:
            texts.append(f"บันทึกอย่างน้อย {min_entries} {unit_th}/เดือน เพียง {qi} เดือน "
                         f"(เกณฑ์ {min_months} เดือน)" if lang == "th" else
                         f"only {qi} month(s) with at least {min_entries} {unit_en} "
                         f"(needs {min_months})")
    return pd.Series(texts, index=out.index, dtype="string")
