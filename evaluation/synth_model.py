"""The generating model of the synthetic programs: constants, fictional ids,
names and phone numbers, and the per-table generators (happiness, finance,
ledger, savings) shared by the committed sample and the large programs of
:mod:`evaluation.synth` (which re-exports ``SAMPLE_SEED``, ``FORMATS``,
``SynthError`` and ``national_id_check_digit``).

Examples
--------
>>> national_id_check_digit("110170020345")
0
"""

from __future__ import annotations

import functools
from importlib import resources

import numpy as np
import pandas as pd
import yaml

from .errors import ArgumentError


#: Seed of the committed sample program (the CLI default).
SAMPLE_SEED = 2566
#: Output formats of :func:`write_program`.
FORMATS = ("csv", "xlsx", "parquet")
#: Hidden file listing what the generator wrote (so a rerun can replace it).
MANIFEST = ".synth-manifest"
#: Rows an Excel sheet can hold below its header row.
EXCEL_MAX_ROWS = 1_048_575

WAVES = ("pre", "during", "post")
SECTIONS = ("การสร้างทีม", "การทำงาน", "ภาคีเครือข่าย", "ความยั่งยืน", "ปัญหาอุปสรรค",
            "แนวทางแก้ไข")
TMHI_ITEMS = tuple(f"q{i}" for i in range(1, 16))
TMHI_REVERSED = ("q3", "q4", "q5")

_THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
_TH_MONTHS = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.",
              "ต.ค.", "พ.ย.", "ธ.ค.")
_TH_MONTHS_FULL = ("มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
                   "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม")


class SynthError(ArgumentError):
    """Invalid argument to the synthetic-program generator, or an unsafe output folder."""


# ---------------------------------------------------------------- helpers --

@functools.cache
def _phrases() -> dict:
    text = resources.files("evaluation").joinpath("data/synth_phrases.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def national_id_check_digit(first12) -> int:
    """Check digit of a Thai national ID from its first 12 digits.

    Parameters
    ----------
    first12 : str
        The first 12 digits.

    Returns
    -------
    int
        ``(11 - sum(d_i * (14 - i) for i = 1..12) mod 11) mod 10``.

    Examples
    --------
    >>> national_id_check_digit("110170020345")
    0
    """
    digits = [int(c) for c in str(first12)]
    if len(digits) != 12:
        raise SynthError(f"first12 must have 12 digits, got {first12!r}")
    total = sum(d * (13 - i) for i, d in enumerate(digits))
    return (11 - total % 11) % 10


def _digits_to_str(digits: np.ndarray) -> np.ndarray:
    """Rows of small ints (0-9, or ord-48 codes) -> array of strings, vectorised."""
    codes = np.ascontiguousarray((digits + 48).astype(np.uint8))
    return codes.view(f"S{codes.shape[1]}").ravel().astype(str)


def _national_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """n fictional 13-digit national IDs with a valid check digit."""
    digits = rng.integers(0, 10, size=(n, 12))
    digits[:, 0] = rng.integers(1, 9, size=n)
    weights = np.arange(13, 1, -1)
    check = (11 - (digits @ weights) % 11) % 10
    return _digits_to_str(np.column_stack([digits, check]))


def _phones(rng: np.random.Generator, n: int) -> np.ndarray:
    """n fictional mobile numbers ``08x-xxx-xxxx``."""
    dash = ord("-") - 48
    cols = [np.zeros(n, int), np.full(n, 8), rng.choice([1, 5, 6, 8, 9], size=n),
            np.full(n, dash)]
    cols += [rng.integers(0, 10, n) for _ in range(3)] + [np.full(n, dash)]
    cols += [rng.integers(0, 10, n) for _ in range(4)]
    return _digits_to_str(np.column_stack(cols))


def _names(rng: np.random.Generator, sex: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Fictional Thai full names with titles (นาย / นาง / นางสาว)."""
    bank = _phrases()["names"]
    female = np.array(bank["female"])
    male = np.array(bank["male"])
    surnames = np.array(bank["surnames"])
    n = len(sex)
    is_f = sex == "F"
    first = np.where(is_f, female[rng.integers(0, len(female), n)],
                     male[rng.integers(0, len(male), n)])
    miss = is_f & ((age < 30) | (rng.random(n) < 0.15))
    title = np.where(is_f, np.where(miss, "นางสาว", "นาง"), "นาย")
    last = surnames[rng.integers(0, len(surnames), n)]
    return np.strings.add(np.strings.add(np.strings.add(title, first), " "), last)


def _ids(prefix: np.ndarray, numbers: np.ndarray, width: int) -> np.ndarray:
    """prefix + zero-padded number, vectorised."""
    num = np.strings.zfill(numbers.astype(str), width)
    return np.strings.add(prefix.astype(str), num)


def _segment_arange(counts: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(c)`` for each count c (vectorised)."""
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total, dtype=np.int64) - starts


def _cat(codes: np.ndarray, categories) -> pd.Categorical:
    """A categorical column from integer codes (-1 = blank): fast for repeated ids."""
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int64),
                                     categories=pd.Index(np.asarray(categories, dtype=object)))


def _decat(frame: pd.DataFrame) -> pd.DataFrame:
    """Categorical columns back to plain text (for the small sample's editing)."""
    out = frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


def _month_start(month: np.ndarray) -> np.ndarray:
    return month.astype("datetime64[M]").astype("datetime64[D]")


def _days_in_month(month: np.ndarray) -> np.ndarray:
    m = month.astype("datetime64[M]")
    return ((m + 1).astype("datetime64[D]") - m.astype("datetime64[D]")).astype(int)


# ------------------------------------------------------------------ model --
#
# Both the sample and the large programs go through the same vectorised core:
# a village specification (one row per village: sizes, dates, effects) and a
# people frame (one row per person). The core returns clean canonical tables;
# the writers then format them (Thai headers, BE dates, ...).

_SPEC_DEFAULTS = dict(
    happy_base=2.9,        # latent TMHI item level at pre (1-4 scale)
    happy_effect=0.0,      # latent change pre -> post (≈ 15 × effect total points)
    income_level=7000.0,   # median monthly income at pre (baht)
    income_effect=0.0,     # log change of income pre -> post
    formal_repay=0.1,      # share of formal debt repaid by post (negative: grows)
    informal_p=0.35,       # share of households with informal debt at pre
    informal_payoff=0.3,   # share of those paying it off by post
    informal_growth=0.0,   # log change of the remaining informal debt
    new_informal_p=0.02,   # share of households taking new informal debt
    savings_extra=300.0,   # mean extra savings beyond the group deposits (baht)
    during_finance=False,  # survey finance at the during wave too
    p_no_accounts=0.05,    # households not keeping accounts at all
    p_sparse=0.08,         # households with only 1-2 months of entries
    ledger_months=7,       # months of account-book entries
    savings_months=8,      # months of savings-group collections
    savings_style="monthly",  # "monthly" (30 baht) or "tenday" (10 baht every 10 days)
    p_skip=0.05,           # chance a member skips one collection
    loans=2.0,             # expected number of loans per group
    inc_entries=2.0,       # mean income entries per household-month (plus 1)
    exp_entries=4.0,       # mean expense entries per household-month (plus 1)
)


def _spec_frame(rows: list[dict] | pd.DataFrame) -> pd.DataFrame:
    spec = pd.DataFrame(rows)
    for key, value in _SPEC_DEFAULTS.items():
        if key not in spec:
            spec[key] = value
        else:  # villages that did not set the key get the default
            spec[key] = spec[key].astype(object).where(spec[key].notna(), value).infer_objects()
    for col in ("start_date", "end_date", "pre_date", "during_date", "post_date",
                "ledger_start", "savings_start"):
        spec[col] = pd.to_datetime(spec[col])
    return spec.reset_index(drop=True)


def _happiness(rng, people: pd.DataFrame, spec: pd.DataFrame) -> pd.DataFrame:
    """TMHI-15 items (q3-q5 answered in reverse) and the 0-10 rating, all 3 waves."""
    n = len(people)
    v = people["_v"].to_numpy()
    base = spec["happy_base"].to_numpy()[v] + rng.normal(0.0, 0.28, n)
    eff = spec["happy_effect"].to_numpy()[v] + rng.normal(0.0, 0.18, n)
    latent = np.column_stack([base, base + 0.5 * eff + rng.normal(0.0, 0.08, n), base + eff])
    lat = latent.ravel()                                     # person-major, wave-minor
    item_offset = np.array([0.1, 0.05, -0.1, 0.0, 0.15, -0.05, 0.1, -0.15, 0.0, 0.05,
                            -0.1, 0.1, 0.0, -0.05, 0.05])
    positive = np.clip(np.rint(lat[:, None] + item_offset + rng.normal(0.0, 0.55, (3 * n, 15))),
                       1, 4)
    answers = positive.copy()
    answers[:, 2:5] = 5 - positive[:, 2:5]                  # q3-q5 asked negatively
    rating = np.clip(np.rint(5.5 + 3.0 * (lat - 2.9) + rng.normal(0.0, 0.9, 3 * n)), 0, 10)
    values = np.column_stack([answers, rating]).ravel()
    wave_dates = spec[["pre_date", "during_date", "post_date"]].to_numpy(
        dtype="datetime64[D]")[v]
    wave_dates = wave_dates + rng.integers(0, 3, size=(n, 1)).astype("timedelta64[D]")
    k = 16
    return pd.DataFrame({
        "person_id": _cat(np.repeat(np.arange(n), 3 * k), people["person_id"].to_numpy()),
        "wave": _cat(np.tile(np.repeat(np.arange(3), k), n), WAVES),
        "date": np.repeat(wave_dates.ravel(), k).astype("datetime64[ns]"),
        "instrument": _cat(np.tile(np.array([0] * 15 + [1]), 3 * n), ["tmhi15", "happy10"]),
        "item": _cat(np.tile(np.r_[np.arange(15), 0], 3 * n), TMHI_ITEMS),
        "value": values,
    })


def _round(x, step):
    return np.rint(np.asarray(x, dtype=float) / step) * step


def _finance(rng, households: pd.DataFrame, spec: pd.DataFrame) -> pd.DataFrame:
    """Household income, expenses, debts and savings at pre and post (some during)."""
    n = len(households)
    v = households["_v"].to_numpy()
    s = {c: spec[c].to_numpy()[v] for c in spec.columns if c in _SPEC_DEFAULTS}
    inc_pre = np.clip(_round(rng.lognormal(np.log(s["income_level"].astype(float)), 0.35), 100),
                      3000, 15000)
    mult = np.exp(s["income_effect"].astype(float) + rng.normal(0.0, 0.12, n))
    inc_post = np.clip(_round(inc_pre * mult, 100), 2000, 20000)
    inc_dur = _round(inc_pre * np.sqrt(mult) * np.exp(rng.normal(0.0, 0.05, n)), 100)
    exp_pre = _round(inc_pre * rng.uniform(0.75, 1.1, n), 100)
    exp_mult = np.exp(0.4 * s["income_effect"].astype(float) + rng.normal(0.0, 0.08, n))
    exp_post = _round(exp_pre * exp_mult, 100)
    exp_dur = _round(exp_pre * np.sqrt(exp_mult), 100)

    has_formal = rng.random(n) < 0.55
    formal_pre = np.where(has_formal,
                          np.clip(_round(rng.lognormal(np.log(40000), 0.8, n), 1000), 5000,
                                  300000), 0.0)
    repay = np.clip(s["formal_repay"].astype(float) + rng.normal(0.0, 0.05, n), -0.3, 0.6)
    formal_post = _round(formal_pre * (1 - repay), 1000)
    formal_dur = _round(formal_pre * (1 - repay / 2), 1000)

    has_inf = rng.random(n) < s["informal_p"].astype(float)
    inf_pre = np.where(has_inf, np.clip(_round(rng.lognormal(np.log(15000), 0.6, n), 500),
                                        2000, 80000), 0.0)
    paid_off = rng.random(n) < s["informal_payoff"].astype(float)
    grown = _round(inf_pre * np.exp(s["informal_growth"].astype(float)
                                    + rng.normal(0.0, 0.1, n)), 500)
    new = (~has_inf) & (rng.random(n) < s["new_informal_p"].astype(float))
    new_amount = _round(rng.uniform(5000, 20000, n), 500)
    inf_post = np.where(has_inf, np.where(paid_off, 0.0, grown), np.where(new, new_amount, 0.0))
    inf_dur = _round((inf_pre + inf_post) / 2, 500)

    has_sav = rng.random(n) < 0.5
    sav_pre = np.where(has_sav, _round(rng.lognormal(np.log(1500), 0.8, n), 10), 0.0)
    group = 30.0 * s["savings_months"].astype(float)       # both styles: 30 baht a month
    sav_post = np.maximum(0.0, _round(sav_pre + group + rng.normal(s["savings_extra"]
                                                                   .astype(float), 400, n), 10))
    sav_dur = _round((sav_pre + sav_post) / 2, 10)

    dates = spec[["pre_date", "during_date", "post_date"]].to_numpy(dtype="datetime64[D]")[v]
    cols = {
        "income": (inc_pre, inc_dur, inc_post),
        "expenses": (exp_pre, exp_dur, exp_post),
        "debt_formal": (formal_pre, formal_dur, formal_post),
        "debt_informal": (inf_pre, inf_dur, inf_post),
        "savings": (sav_pre, sav_dur, sav_post),
    }
    during = s["during_finance"].astype(bool)
    keep = np.column_stack([np.ones(n, bool), during, np.ones(n, bool)]).ravel()
    frame = pd.DataFrame({
        "household_id": _cat(np.repeat(np.arange(n), 3), households["household_id"].to_numpy()),
        "wave": _cat(np.tile(np.arange(3), n), WAVES),
        "date": dates.ravel().astype("datetime64[ns]"),
        **{c: np.column_stack(vals).ravel() for c, vals in cols.items()},
        "household_size": np.repeat(households["household_size"].to_numpy(), 3),
    })
    return frame[keep].reset_index(drop=True)


def _ledger(rng, households: pd.DataFrame, spec: pd.DataFrame,
            finance: pd.DataFrame) -> pd.DataFrame:
    """Account-book entries: most households for 6+ months, some sparse, a few none."""
    bank = _phrases()["ledger"]
    n = len(households)
    v = households["_v"].to_numpy()
    months_total = spec["ledger_months"].to_numpy().astype(int)[v]
    u = rng.random(n)
    p_none = spec["p_no_accounts"].to_numpy()[v]
    p_sparse = spec["p_sparse"].to_numpy()[v]
    regular_len = np.minimum(months_total, rng.integers(6, 10, n))
    sparse_len = rng.integers(1, 3, n)
    kept = np.where(u < p_none, 0, np.where(u < p_none + p_sparse, sparse_len, regular_len))
    kept = np.minimum(kept, months_total)
    start = rng.integers(0, np.maximum(months_total - kept, 0) + 1)

    # household-months
    hm_h = np.repeat(np.arange(n), kept)
    hm_m = start[hm_h] + _segment_arange(kept)
    first_month = spec["ledger_start"].to_numpy(dtype="datetime64[M]")[v]
    month = first_month[hm_h] + hm_m.astype("timedelta64[M]")
    frac = hm_m / np.maximum(months_total[hm_h] - 1, 1)

    pos = pd.Index(households["household_id"].to_numpy()).get_indexer(
        finance["household_id"].astype(object))
    inc_pre = np.full(n, np.nan)
    inc_post = np.full(n, np.nan)
    wave = finance["wave"].astype(object).to_numpy()
    income = finance["income"].to_numpy(dtype=float)
    inc_pre[pos[wave == "pre"]] = income[wave == "pre"]
    inc_post[pos[wave == "post"]] = income[wave == "post"]
    inc_post = np.where(np.isnan(inc_post), inc_pre, inc_post)
    level = np.nan_to_num(inc_pre[hm_h] + (inc_post[hm_h] - inc_pre[hm_h]) * frac, nan=6000.0)

    m = len(hm_h)
    lam_inc = spec["inc_entries"].to_numpy(dtype=float)[v][hm_h]
    lam_exp = spec["exp_entries"].to_numpy(dtype=float)[v][hm_h]
    n_inc = rng.poisson(lam_inc) + 1
    n_exp = rng.poisson(lam_exp) + 1

    inc_cats = [c["category"] for c in bank["income"]]
    inc_w = np.array([c["weight"] for c in bank["income"]], dtype=float)
    exp_cats = [c["category"] for c in bank["expense"]]
    exp_w = np.array([c["weight"] for c in bank["expense"]], dtype=float)
    exp_scale = np.array([c["scale"] for c in bank["expense"]], dtype=float)

    # income rows
    ri = np.repeat(np.arange(m), n_inc)
    inc_cat = rng.choice(len(inc_cats), size=len(ri), p=inc_w / inc_w.sum())
    inc_amt = np.maximum(10.0, _round(level[ri] / n_inc[ri] * rng.lognormal(0.0, 0.3, len(ri)),
                                      10))
    # expense rows (plus one water-and-electricity bill a month)
    re_ = np.repeat(np.arange(m), n_exp)
    exp_cat = rng.choice(len(exp_cats), size=len(re_), p=exp_w / exp_w.sum())
    exp_amt = np.maximum(5.0, _round(exp_scale[exp_cat] * rng.lognormal(0.0, 0.5, len(re_)), 5))
    util_amt = _round(bank["utilities"]["scale"] * rng.lognormal(0.0, 0.25, m), 10)

    rows = np.concatenate([ri, re_, np.arange(m)])
    kind = np.concatenate([np.zeros(len(ri), np.int64), np.ones(len(re_) + m, np.int64)])
    all_cats = inc_cats + exp_cats + [bank["utilities"]["category"]]
    cats = np.concatenate([inc_cat, len(inc_cats) + exp_cat,
                           np.full(m, len(all_cats) - 1)])
    amount = np.concatenate([inc_amt, exp_amt, util_amt])
    dim = _days_in_month(month)[rows]
    day = np.where(np.arange(len(rows)) >= len(ri) + len(re_),
                   np.minimum(dim, 25 + rng.integers(0, 4, len(rows))),
                   rng.integers(0, 10_000, len(rows)) % dim + 1)
    date = _month_start(month)[rows] + (day - 1).astype("timedelta64[D]")

    # a few notes (codes into the three note banks, -1 = no note)
    notes = bank["notes_income"] + bank["notes_wage"] + bank["notes_expense"]
    n_i, n_w = len(bank["notes_income"]), len(bank["notes_wage"])
    note = np.full(len(rows), -1, dtype=np.int64)
    pick = rng.random(len(rows))
    sel = (cats == 0) & (pick < 0.3)
    note[sel] = rng.integers(0, n_i, int(sel.sum()))
    sel = (cats == 1) & (pick < 0.3)
    note[sel] = n_i + rng.integers(0, n_w, int(sel.sum()))
    sel = (kind == 1) & (pick < 0.05)
    note[sel] = n_i + n_w + rng.integers(0, len(bank["notes_expense"]), int(sel.sum()))

    hh = hm_h[rows]
    order = np.lexsort((np.arange(len(rows)), date, hh))
    frame = pd.DataFrame({
        "household_id": _cat(hh[order], households["household_id"].to_numpy()),
        "date": date[order].astype("datetime64[ns]"),
        "kind": _cat(kind[order], ["income", "expense"]),
        "category": _cat(cats[order], all_cats),
        "amount": amount[order],
        "note": _cat(note[order], notes),
    })
    return frame


def _savings(rng, members: pd.DataFrame, spec: pd.DataFrame) -> pd.DataFrame:
    """Savings-group ledger: regular deposits, a few skipped, a few loans repaid."""
    n = len(members)
    v = members["_v"].to_numpy()
    months = spec["savings_months"].to_numpy().astype(int)[v]
    tenday = (spec["savings_style"].to_numpy() == "tenday")[v]
    slots = np.where(tenday, 3, 1) * months
    mi = np.repeat(np.arange(n), slots)
    k = _segment_arange(slots)
    per = np.where(tenday, 3, 1)[mi]
    month_no = k // per
    slot_no = k % per
    first = spec["savings_start"].to_numpy(dtype="datetime64[M]")[v]
    mdate = _month_start(first[mi] + month_no.astype("timedelta64[M]"))
    day = np.where(tenday[mi], 1 + 10 * slot_no, 5)
    dep_date = mdate + (day - 1).astype("timedelta64[D]")
    amount = np.where(tenday[mi], 10.0, 30.0)
    p_skip = spec["p_skip"].to_numpy(dtype=float)[v][mi]
    skip = rng.random(len(mi)) < p_skip
    double = (~skip) & (rng.random(len(mi)) < 0.03)
    amount = np.where(double, 2 * amount, amount)
    keep = ~skip

    # loans: about spec.loans per group, repaid 500 baht a month
    group_size = np.bincount(v, minlength=len(spec))[v]
    p_loan = np.minimum(1.0, spec["loans"].to_numpy(dtype=float)[v] / np.maximum(group_size, 1))
    borrows = (rng.random(n) < p_loan) & (months >= 5)
    li = np.flatnonzero(borrows)
    loan_amt = rng.choice([1000.0, 1500.0, 2000.0, 3000.0], size=len(li))
    loan_month = 1 + rng.integers(0, np.maximum(months[li] - 4, 1))
    loan_date = _month_start(first[li] + loan_month.astype("timedelta64[M]")) + np.timedelta64(
        4, "D")
    n_rep = np.minimum((loan_amt // 500).astype(int), months[li] - loan_month - 1)
    ri = np.repeat(np.arange(len(li)), n_rep)
    rep_month = loan_month[ri] + 1 + _segment_arange(n_rep)
    rep_date = _month_start(first[li][ri] + rep_month.astype("timedelta64[M]")) + np.timedelta64(
        4, "D")

    groups, group_code = np.unique(members["group_id"].to_numpy().astype(str),
                                   return_inverse=True)
    member = np.concatenate([mi[keep], li, li[ri]])
    k1, k2 = int(keep.sum()), len(li)
    money = np.full((len(member), 4), np.nan)
    money[:k1, 0] = amount[keep]
    money[k1:k1 + k2, 2] = loan_amt
    money[k1 + k2:, 3] = 500.0
    date = np.concatenate([dep_date[keep], loan_date, rep_date])
    order = np.lexsort((np.arange(len(member)), date, member))
    return pd.DataFrame({
        "group_id": _cat(group_code[member[order]], groups),
        "member_id": _cat(member[order], members["person_id"].to_numpy()),
        "date": date[order].astype("datetime64[ns]"),
        "deposit": money[order, 0], "withdrawal": money[order, 1],
        "loan": money[order, 2], "repayment": money[order, 3],
    })
