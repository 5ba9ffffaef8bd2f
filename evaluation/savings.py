"""Savings groups (กลุ่มออมทรัพย์ / สัจจะออมทรัพย์): members, regular savers, balances, loans.

The savings table is the group's ledger: one row per transaction with
``group_id, member_id, date, deposit, withdrawal, loan, repayment`` (blank
money cells mean 0 in this table). ``member_id`` is a ``person_id`` of the
participants table. A month is identified by the Timestamp of its first day.
Definitions are in ``docs/finance.md``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from .money_frames import (FinanceArgumentError, FinanceColumnError, _as_list, _bad_rows,
                           _check_frame, _numeric)
from .ledger import _period_bounds, month_start

__all__ = ["savings_summary", "savings_monthly", "savings_balances", "SAVINGS_MONEY"]

#: Money columns of the savings table (blank = 0).
SAVINGS_MONEY = ("deposit", "withdrawal", "loan", "repayment")


def _prepare(savings: pd.DataFrame, *, group: str, member: str, date: str) -> pd.DataFrame:
    _check_frame(savings, "savings", {"group": group, "member": member, "date": date},
                 "savings")
    d = savings[date]
    if not pd.api.types.is_datetime64_any_dtype(d.dtype):
        raise FinanceArgumentError(
            f"savings column {date!r} must be datetime64 (CE dates; load the data with "
            f"evaluation.load_project to convert Buddhist-era or Thai dates); got {d.dtype}")
    _bad_rows(savings, d.isna().to_numpy(), "savings", date, "transaction without a date")
    for col, what in ((group, "group id"), (member, "member id")):
        _bad_rows(savings, savings[col].isna().to_numpy(), "savings", col,
                  f"transaction without a {what}")
    present = [c for c in SAVINGS_MONEY if c in savings.columns]
    if not present:
        raise FinanceArgumentError(f"the savings table needs at least one of the columns "
                                   f"{SAVINGS_MONEY}; got {list(savings.columns)}")
    return pd.DataFrame({
        "group_id": savings[group].to_numpy(),
        "member_id": savings[member].to_numpy(),
        "date": d.to_numpy(),
        "month": month_start(d).to_numpy(),
        **{c: np.nan_to_num(_numeric(savings, c, "savings"), nan=0.0) for c in SAVINGS_MONEY},
    }, index=savings.index)


def _keys_frame(work: pd.DataFrame, savings: pd.DataFrame, keys: list[str], *, group: str,
                member: str, participants, villages) -> pd.DataFrame:
    """``work`` with the grouping columns added (from savings, participants or villages)."""
    rename = {group: "group_id", member: "member_id"}
    for k in keys:
        kk = rename.get(k, k)
        if kk in work.columns:
            continue
        if k in savings.columns:
            work[kk] = savings[k].to_numpy()
            continue
    need = [rename.get(k, k) for k in keys if rename.get(k, k) not in work.columns]
    if need and participants is not None:
        _check_frame(participants, "participants", ["person_id"], "participants")
        cols = [k for k in need if k in participants.columns]
        if villages is not None and "village_id" in participants.columns \
                and "village_id" not in cols and any(k not in participants.columns for k in need):
            cols.append("village_id")
        if cols:
            p = participants.drop_duplicates("person_id").set_index("person_id")[cols]
            work = work.join(p, on="member_id")
    need = [k for k in need if k not in work.columns]
    if need and villages is not None and "village_id" in work.columns:
        cols = [k for k in need if k in villages.columns]
        if cols:
            v = villages.drop_duplicates("village_id").set_index("village_id")[cols]
            work = work.join(v, on="village_id")
    need = [k for k in need if k not in work.columns]
    if need:
        raise FinanceColumnError(
            f"by column(s) {need} are neither in the savings table nor obtainable from "
            f"participants (member_id = person_id) or villages (via village_id); pass "
            f"participants=... and/or villages=...")
    return work


def _group_codes(work: pd.DataFrame, keys: list[str]):
    grouper = work.groupby(keys, sort=True, dropna=False, observed=True)
    codes = grouper.ngroup().to_numpy(dtype=np.int64)
    groups = grouper.size().index.to_frame(index=False)
    return codes, groups


def _month_ordinals(months: pd.Series | np.ndarray) -> np.ndarray:
    """Months since January 1970 (the ordinal of a monthly Period)."""
    values = np.asarray(months)
    if values.dtype.kind == "M" and not np.isnat(values).any():   # calendar months, numpy
        return values.astype("datetime64[M]").astype(np.int64)
    m = pd.DatetimeIndex(months)
    return ((m.year - 1970) * 12 + m.month - 1).to_numpy(dtype=np.int64)


@lru_cache(maxsize=1)
def _month_dtype() -> np.dtype:
    """The datetime64 unit of a monthly period's start (as pandas gives it)."""
    return pd.PeriodIndex.from_ordinals([0], freq="M").to_timestamp().to_numpy().dtype


def _ordinals_to_month(ordinals: np.ndarray) -> np.ndarray:
    """First day of each month ordinal (months since January 1970), datetime64."""
    return np.asarray(ordinals, dtype=np.int64).astype("datetime64[M]").astype(_month_dtype())


def _distinct_count(first: np.ndarray, second: np.ndarray, n_first: int) -> np.ndarray:
    """For each code 0..n_first-1 of ``first``: how many distinct ``second`` codes
    (non-negative integers) occur with it."""
    if not len(first):
        return np.zeros(n_first, dtype=np.int64)
    span = int(second.max()) + 1
    pairs = np.unique(first.astype(np.int64) * span + second)
    return np.bincount(pairs // span, minlength=n_first).astype(np.int64)


def savings_balances(savings: pd.DataFrame, *, group: str = "group_id",
                     member: str = "member_id", date: str = "date") -> pd.DataFrame:
    """Per group and member: deposits, withdrawals, balance and loan outstanding.

    Parameters
    ----------
    savings : pandas.DataFrame
        The savings table.
    group, member, date : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        One row per group × member, sorted: ``group_id``, ``member_id``,
        ``first_date``, ``last_date``, ``n_transactions``,
        ``n_months_deposited`` (distinct months with a deposit > 0),
        ``deposits``, ``withdrawals``, ``balance`` (= deposits −
        withdrawals), ``loans``, ``repayments``, ``loan_outstanding``
        (= loans − repayments), all in baht.

    Notes
    -----
    Interest and fees are not modelled: record them as deposits/withdrawals
    if they should count. A negative balance or outstanding loan means the
    ledger records more out than in (check the data).

    Examples
    --------
    >>> import pandas as pd
    >>> sav = pd.DataFrame({"group_id": "G1", "member_id": ["P1", "P1", "P2"],
    ...                     "date": pd.to_datetime(["2023-01-10", "2023-02-10", "2023-01-10"]),
    ...                     "deposit": [30.0, 30.0, None], "loan": [None, None, 1000.0],
    ...                     "repayment": [None, None, None]})
    >>> savings_balances(sav)[["member_id", "deposits", "balance", "loan_outstanding"]]
      member_id  deposits  balance  loan_outstanding
    0        P1      60.0     60.0               0.0
    1        P2       0.0      0.0            1000.0
    """
    work = _prepare(savings, group=group, member=member, date=date)
    g = work.groupby(["group_id", "member_id"], sort=True, observed=True)
    out = g[list(SAVINGS_MONEY)].sum()
    out = out.rename(columns={"deposit": "deposits", "withdrawal": "withdrawals",
                              "loan": "loans", "repayment": "repayments"})
    dep = work[work["deposit"] > 0]
    n_dep = dep.groupby(["group_id", "member_id"], observed=True)["month"].nunique()
    res = pd.DataFrame({
        "first_date": g["date"].min(),
        "last_date": g["date"].max(),
        "n_transactions": g.size().astype(np.int64),
        "n_months_deposited": n_dep.reindex(out.index).fillna(0).astype(np.int64),
        "deposits": out["deposits"],
        "withdrawals": out["withdrawals"],
        "balance": out["deposits"] - out["withdrawals"],
        "loans": out["loans"],
        "repayments": out["repayments"],
        "loan_outstanding": out["loans"] - out["repayments"],
    })
    res = res.reset_index().rename(columns={"group_id": group, "member_id": member})
    return res


def savings_summary(savings: pd.DataFrame, *, by=None, participants: pd.DataFrame | None = None,
                    villages: pd.DataFrame | None = None, period=None,
                    group: str = "group_id", member: str = "member_id",
                    date: str = "date") -> pd.DataFrame:
    """Per savings group (or other grouping): members, regular savers, money totals.

    Parameters
    ----------
    savings : pandas.DataFrame
        The savings table.
    by : str or list of str, optional
        Grouping columns; default ``group_id``. Other columns (``village_id``,
        ``sex``, ...) come from the savings table, from ``participants``
        (``member_id`` = ``person_id``) or ``villages`` (via ``village_id``).
    participants, villages : pandas.DataFrame, optional
        Sources of grouping columns.
    period : (start, end), optional
        The months a regular saver must deposit in (every month the period
        touches). Default: each group's own first to last month with any
        transaction.
    group, member, date : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        One row per group, sorted: the ``by`` columns; ``members`` (distinct
        members with any transaction); ``regular_savers`` (members with a
        deposit > 0 in every month of the period); ``share_regular_savers``
        (= regular_savers / members); ``period_start``, ``period_end`` (first
        days of the first and last month of the period); ``n_months``;
        ``n_transactions``; ``total_deposits``, ``total_withdrawals``,
        ``balance`` (= deposits − withdrawals); ``loans_out``, ``repayments``,
        ``loans_outstanding`` (= loans − repayments). Baht.

    Notes
    -----
    ``period`` only changes the regular-saver test; the money totals always
    cover every row of ``savings`` (filter the table first to restrict
    them). A member who joined mid-period is not a regular saver of that
    period: pass a ``period`` to judge a later stretch. Month-by-month
    balances are in :func:`savings_monthly`, per member balances in
    :func:`savings_balances`.

    Examples
    --------
    >>> import pandas as pd
    >>> sav = pd.DataFrame({"group_id": "G1", "member_id": ["P1", "P1", "P1", "P2", "P2"],
    ...                     "date": pd.to_datetime(["2023-01-10", "2023-02-10", "2023-03-10",
    ...                                             "2023-01-10", "2023-03-10"]),
    ...                     "deposit": 30.0})
    >>> savings_summary(sav)[["group_id", "members", "regular_savers", "n_months", "balance"]]
      group_id  members  regular_savers  n_months  balance
    0       G1        2               1         3    150.0
    """
    keys = _as_list(by, "by") or [group]
    bounds = _period_bounds(period)
    work = _prepare(savings, group=group, member=member, date=date)
    work = _keys_frame(work, savings, keys, group=group, member=member,
                       participants=participants, villages=villages)
    kk = [{group: "group_id", member: "member_id"}.get(k, k) for k in keys]
    codes, groups = _group_codes(work, kk)
    G = len(groups)
    ords = _month_ordinals(work["month"])
    if bounds is None:
        first = np.full(G, np.iinfo(np.int64).max)
        last = np.full(G, np.iinfo(np.int64).min)
        np.minimum.at(first, codes, ords)
        np.maximum.at(last, codes, ords)
    else:
        lo, hi = _month_ordinals([bounds[0], bounds[1]])
        first, last = np.full(G, lo), np.full(G, hi)
    n_months = last - first + 1
    # members and regular savers
    mcodes = pd.factorize(work["member_id"])[0]
    n_members = int(mcodes.max()) + 1 if len(mcodes) else 1
    members = _distinct_count(codes, mcodes, G)
    dep = (work["deposit"] > 0).to_numpy() & (ords >= first[codes]) & (ords <= last[codes])
    # months with a deposit of each (group, member) pair that deposited at all
    dg, dmem, do = codes[dep].astype(np.int64), mcodes[dep], ords[dep]
    if len(do):
        span = int(do.max() - do.min()) + 1
        triples = np.unique((dg * n_members + dmem) * span + (do - do.min()))
        pairs, months_dep = np.unique(triples // span, return_counts=True)
    else:
        pairs = months_dep = np.zeros(0, dtype=np.int64)
    gi = pairs // n_members
    regular_flags = months_dep == n_months[gi]
    regular = np.bincount(gi[regular_flags], minlength=G)
    sums = {c: np.bincount(codes, weights=work[c].to_numpy(), minlength=G)
            for c in SAVINGS_MONEY}
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(members > 0, regular / np.maximum(members, 1), np.nan)
    columns = pd.DataFrame({
        "members": members,
        "regular_savers": regular.astype(np.int64),
        "share_regular_savers": share,
        "period_start": _ordinals_to_month(first),
        "period_end": _ordinals_to_month(last),
        "n_months": n_months.astype(np.int64),
        "n_transactions": np.bincount(codes, minlength=G).astype(np.int64),
        "total_deposits": sums["deposit"],
        "total_withdrawals": sums["withdrawal"],
        "balance": sums["deposit"] - sums["withdrawal"],
        "loans_out": sums["loan"],
        "repayments": sums["repayment"],
        "loans_outstanding": sums["loan"] - sums["repayment"],
    }, index=groups.index)
    out = groups.rename(columns={"group_id": group, "member_id": member})
    return pd.concat([out, columns], axis=1)


def savings_monthly(savings: pd.DataFrame, *, by="group_id",
                    participants: pd.DataFrame | None = None,
                    villages: pd.DataFrame | None = None, group: str = "group_id",
                    member: str = "member_id", date: str = "date") -> pd.DataFrame:
    """Month by month per group: flows and the running balance and loans outstanding.

    Parameters
    ----------
    savings : pandas.DataFrame
        The savings table.
    by : str or list of str
        Grouping columns (default ``group_id``); as in :func:`savings_summary`.
    participants, villages : pandas.DataFrame, optional
        Sources of grouping columns.
    group, member, date : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        One row per group and month from the group's first to its last month
        with a transaction (months without transactions included, with zero
        flows), sorted: the ``by`` columns; ``month`` (first day, datetime64);
        ``deposits``, ``withdrawals``, ``loans``, ``repayments`` (that month);
        ``n_depositors`` (members with a deposit > 0 that month);
        ``balance`` (cumulative deposits − withdrawals to the end of the
        month); ``loans_outstanding`` (cumulative loans − repayments).

    Examples
    --------
    >>> import pandas as pd
    >>> sav = pd.DataFrame({"group_id": "G1", "member_id": ["P1", "P2", "P1"],
    ...                     "date": pd.to_datetime(["2023-01-10", "2023-01-12", "2023-03-10"]),
    ...                     "deposit": [30.0, 30.0, 30.0], "withdrawal": [None, None, 10.0]})
    >>> savings_monthly(sav)[["month", "deposits", "n_depositors", "balance"]]
           month  deposits  n_depositors  balance
    0 2023-01-01      60.0             2     60.0
    1 2023-02-01       0.0             0     60.0
    2 2023-03-01      30.0             1     80.0
    """
    keys = _as_list(by, "by")
    if not keys:
        raise FinanceArgumentError("by must name at least one column (default 'group_id')")
    work = _prepare(savings, group=group, member=member, date=date)
    work = _keys_frame(work, savings, keys, group=group, member=member,
                       participants=participants, villages=villages)
    kk = [{group: "group_id", member: "member_id"}.get(k, k) for k in keys]
    codes, groups = _group_codes(work, kk)
    G = len(groups)
    ords = _month_ordinals(work["month"])
    first = np.full(G, np.iinfo(np.int64).max)
    last = np.full(G, np.iinfo(np.int64).min)
    np.minimum.at(first, codes, ords)
    np.maximum.at(last, codes, ords)
    n = last - first + 1
    start = np.concatenate([[0], np.cumsum(n)[:-1]])
    total = int(n.sum())
    gcode = np.repeat(np.arange(G), n)
    month_ord = first[gcode] + (np.arange(total) - start[gcode])
    pos = start[codes] + (ords - first[codes])
    flows = {c: np.bincount(pos, weights=work[c].to_numpy(), minlength=total)
             for c in SAVINGS_MONEY}
    dep = (work["deposit"] > 0).to_numpy()
    mcodes = pd.factorize(work["member_id"])[0]
    n_dep = _distinct_count(pos[dep], mcodes[dep], total)
    running = pd.DataFrame({"balance": flows["deposit"] - flows["withdrawal"],
                            "loans_outstanding": flows["loan"] - flows["repayment"]}
                           ).groupby(gcode).cumsum()
    columns = pd.DataFrame({
        "month": _ordinals_to_month(month_ord),
        "deposits": flows["deposit"],
        "withdrawals": flows["withdrawal"],
        "loans": flows["loan"],
        "repayments": flows["repayment"],
        "n_depositors": n_dep.astype(np.int64),
        "balance": running["balance"].to_numpy(),
        "loans_outstanding": running["loans_outstanding"].to_numpy(),
    })
    out = groups.iloc[gcode].reset_index(drop=True)
    out = out.rename(columns={"group_id": group, "member_id": member})
    return pd.concat([out, columns], axis=1)
