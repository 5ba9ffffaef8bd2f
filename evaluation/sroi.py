"""Social return on investment (SROI, ผลตอบแทนทางสังคมจากการลงทุน).

:func:`sroi` values a project's outcomes from its value map
(:mod:`evaluation.value_map`) with quantities measured from the project's own
data, following the stages of the SROI Guide (Cabinet Office / Social Value
UK, 2012):

* gross value = quantity × financial proxy (baht per unit per year);
* impact = gross value × (1 − deadweight) × (1 − attribution) × (1 − displacement);
* value in year 1 = impact; value in year t = value in year t − 1 × (1 − drop-off),
  for t = 2 … duration (drop-off compounds, from the second year);
* present value = Σₜ valueₜ / (1 + r)ᵗ, t = 1 … duration (r = discount rate;
  the investment is at the start and not discounted);
* SROI ratio = total present value / investment; net present value = total
  present value − investment; payback period (months) = investment /
  (total year-1 impact / 12).

:func:`sroi_sensitivity` varies each assumption one at a time and, optionally,
all at once by seeded Monte Carlo. See ``docs/sroi.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import ArgumentError, EvaluationError
from .value_map import (
    FINANCE_MEASURES, MAX_DURATION, ValueMap, ValueMapError, check_value_map, read_value_map,
)

__all__ = ["sroi", "sroi_sensitivity", "present_value", "SroiResult", "SensitivityResult",
           "OUTCOME_COLUMNS", "TOTAL_COLUMNS", "SENSITIVITY_COLUMNS", "DEFAULT_RANGES"]

#: Columns of :attr:`SroiResult.outcomes`.
OUTCOME_COLUMNS = ["project_id", "outcome_id", "stakeholder", "outcome", "quantity",
                   "quantity_source", "proxy", "proxy_source", "gross_value", "deadweight",
                   "attribution", "displacement", "impact", "duration", "drop_off",
                   "present_value"]
#: Columns of :attr:`SroiResult.totals` (one row).
TOTAL_COLUMNS = ["project_id", "investment", "total_present_value", "net_present_value",
                 "sroi_ratio", "net_sroi_ratio", "year1_impact", "payback_months",
                 "discount_rate"]
#: Columns of :attr:`SensitivityResult.table`.
SENSITIVITY_COLUMNS = ["parameter", "outcome_id", "variation", "value", "base_value",
                       "sroi_ratio", "change"]
#: Default one-at-a-time ranges: ± relative change of each rate and of the
#: proxy (when the value map gives no low/high), and ± percentage points of
#: the discount rate. Durations always run 1 … n years.
DEFAULT_RANGES = {"deadweight": 0.5, "attribution": 0.5, "displacement": 0.5,
                  "drop_off": 0.5, "proxy": 0.25, "discount_rate": 2.0}
_RATES = ("deadweight", "attribution", "displacement", "drop_off")


@dataclass
class SroiResult:
    """What :func:`sroi` returns.

    Attributes
    ----------
    outcomes : pandas.DataFrame
        One row per outcome (:data:`OUTCOME_COLUMNS`): ``quantity`` (units),
        ``quantity_source``, ``proxy`` (baht per unit per year), ``proxy_source``,
        ``gross_value`` (quantity × proxy), the rates in percent, ``impact``
        (after deadweight, attribution, displacement: the year-1 value),
        ``duration`` (years), ``present_value``.
    years : pandas.DataFrame
        One row per outcome × year: ``outcome_id, year, value`` (after
        drop-off), ``discount_factor`` (1 / (1 + r)^year), ``present_value``.
    investment : pandas.DataFrame
        ``item, baht, source``: the budget and in-kind contributions.
    totals : pandas.DataFrame
        One row (:data:`TOTAL_COLUMNS`); ``payback_months`` is NaN when the
        year-1 impact is 0.
    value_map : ValueMap
    """

    outcomes: pd.DataFrame
    years: pd.DataFrame
    investment: pd.DataFrame
    totals: pd.DataFrame
    value_map: ValueMap = field(repr=False)

    @property
    def ratio(self) -> float:
        """The SROI ratio (total present value / investment)."""
        return float(self.totals["sroi_ratio"].iloc[0])


def present_value(impact: float, duration: int, drop_off: float, discount_rate: float,
                  ) -> pd.DataFrame:
    """Year-by-year value of one outcome and its present value.

    Parameters
    ----------
    impact : float
        Value in year 1 (baht, after deadweight, attribution, displacement).
    duration : int
        Years the outcome lasts (1 … 30).
    drop_off : float
        Percent lost each year after the first.
    discount_rate : float
        Percent per year.

    Returns
    -------
    pandas.DataFrame
        ``year, value, discount_factor, present_value``: value_1 = impact,
        value_t = value_{t−1} × (1 − drop_off / 100); discount factor
        1 / (1 + r)^t; present value = value × factor.

    Examples
    --------
    >>> from evaluation.sroi import present_value
    >>> t = present_value(1000, 3, 50, 10)   # 1000, 500, 250 over 1.1, 1.21, 1.331
    >>> t["value"].tolist()
    [1000.0, 500.0, 250.0]
    >>> round(float(t["present_value"].sum()), 2)   # 909.09 + 413.22 + 187.83
    1510.14
    """
    duration = _duration(duration)
    t = np.arange(1, duration + 1)
    value = float(impact) * (1 - float(drop_off) / 100) ** (t - 1)
    factor = (1 + float(discount_rate) / 100) ** -t.astype(float)
    return pd.DataFrame({"year": t, "value": value, "discount_factor": factor,
                         "present_value": value * factor})


def _duration(duration) -> int:
    if isinstance(duration, bool) or not isinstance(duration, (int, np.integer)) or \
            not 1 <= duration <= MAX_DURATION:
        raise ArgumentError(f"duration must be whole years from 1 to {MAX_DURATION}, got "
                            f"{duration!r}")
    return int(duration)


def _pv_array(impact, duration, drop_off, rate) -> np.ndarray:
    """Vectorised present value (arrays broadcast; rates in percent)."""
    t = np.arange(1, MAX_DURATION + 1, dtype=float)
    impact, duration, drop_off, rate = (np.asarray(x, dtype=float)[..., None]
                                        for x in (impact, duration, drop_off, rate))
    value = impact * (1 - drop_off / 100) ** (t - 1) * (t <= duration)
    return (value * (1 + rate / 100) ** -t).sum(axis=-1)


# --------------------------------------------------------------- quantities --

def _scope(project, project_id):
    """The project's program villages (comparison villages are not part of its value)."""
    from .ladder import _project_scope

    return _project_scope(project, project_id)


def _quantity(scope, vm: ValueMap, out) -> dict:
    """``{quantity, source, mean_change}`` of one outcome, from the data."""
    q = out.quantity
    if q.kind == "value":
        return {"quantity": float(q.value), "source": q.source, "mean_change": math.nan}
    if q.kind == "indicator":
        from .metrics import compute_metric

        ind = next(i for i in scope.ladders[vm.project_id].indicators if i.id == q.ref)
        res = compute_metric(ind.metric, scope, ind.params)
        if res.n == 0 or pd.isna(res.value):
            value = math.nan
        elif ind.unit == "%":
            value = float(res.detail.get("numerator", round(res.value * res.n / 100)))
        else:
            value = float(res.value)
        return {"quantity": value, "source": q.source or f"ตัวชี้วัด {ind.id}: {ind.label}",
                "mean_change": math.nan}
    if q.kind == "finance":
        from .finance import household_finance

        fin = scope.finance
        if not len(fin):
            return {"quantity": math.nan, "source": q.source, "mean_change": math.nan}
        hf = household_finance(fin, before=q.before, after=q.after)
        change = pd.to_numeric(hf[f"{q.ref}_change"], errors="coerce").dropna()
        moved = change[change > 0] if q.change == "up" else change[change < 0]
        flow = FINANCE_MEASURES[q.ref][0]
        mean = float(moved.abs().mean()) * (12 if flow else 1) if len(moved) else math.nan
        word = "เพิ่มขึ้น" if q.change == "up" else "ลดลง"
        return {"quantity": float(len(moved)),
                "source": q.source or f"ครัวเรือนที่ {q.ref} {word} ({q.before} → {q.after}) "
                                      f"จาก {len(change)} ครัวเรือนที่มีข้อมูลทั้งสองช่วง",
                "mean_change": mean}
    from .instruments import score_instrument

    hap = scope.happiness
    if not len(hap):
        return {"quantity": math.nan, "source": q.source, "mean_change": math.nan}
    user = getattr(scope, "instruments", None) or {}
    scores = score_instrument(hap, user.get(q.ref, q.ref))
    scores = scores[scores["total"].notna()]
    codes = pd.Series(scores["band"].cat.codes.to_numpy(), index=scores.index)
    wide = pd.DataFrame({"person_id": scores["person_id"].to_numpy(),
                         "wave": scores["wave"].astype(object).to_numpy(),
                         "code": codes.to_numpy()})
    wide = wide[wide["code"] >= 0].pivot_table(index="person_id", columns="wave",
                                               values="code", aggfunc="first")
    if q.before not in wide.columns or q.after not in wide.columns:
        return {"quantity": math.nan, "source": q.source, "mean_change": math.nan}
    pairs = wide[[q.before, q.after]].dropna()
    k = int((pairs[q.after] > pairs[q.before]).sum())
    return {"quantity": float(k),
            "source": q.source or f"ผู้ที่ระดับความสุข ({q.ref}) ดีขึ้น ({q.before} → "
                                  f"{q.after}) จาก {len(pairs)} คนที่ประเมินทั้งสองช่วง",
            "mean_change": math.nan}


def _prepare(project, value_map):
    """The value map, its project scope, quantities and investment (checked)."""
    vm = _resolve(project, value_map)
    problems = check_value_map(vm, project)
    if len(problems):
        raise ValueMapError(problems, f"{vm.source}: the value map does not fit the data")
    scope = _scope(project, vm.project_id)
    quantities = {}
    for out in vm.outcomes:
        q = _quantity(scope, vm, out)
        if pd.isna(q["quantity"]):
            raise EvaluationError(
                f"outcome {out.id!r} of the value map: its quantity ({out.quantity.kind} "
                f"{out.quantity.ref or ''}) has no data in project {vm.project_id}")
        if out.proxy.from_data:
            q["proxy"] = q["mean_change"] if q["quantity"] > 0 else 0.0
            q["proxy_source"] = out.proxy.source or (
                "การเปลี่ยนแปลงเฉลี่ยต่อปีของครัวเรือนที่นับ (จากข้อมูลการเงิน)")
        else:
            q["proxy"] = out.proxy.baht
            q["proxy_source"] = out.proxy.source
        quantities[out.id] = q
    rows = []
    if vm.budget is True:
        budget = scope.projects.loc[scope.projects["project_id"] == vm.project_id, "budget"]
        rows.append({"item": "งบประมาณโครงการ", "baht": float(budget.iloc[0]),
                     "source": "projects.budget"})
    elif vm.budget is not False:
        rows.append({"item": "งบประมาณโครงการ", "baht": float(vm.budget),
                     "source": "value map (investment.budget)"})
    rows += [{"item": k.item, "baht": k.baht, "source": k.source} for k in vm.in_kind]
    investment = pd.DataFrame(rows, columns=["item", "baht", "source"])
    if investment["baht"].sum() <= 0:
        raise EvaluationError(f"the investment of project {vm.project_id} is 0 baht: the "
                              "SROI ratio is undefined")
    return vm, quantities, investment


def _resolve(project, value_map) -> ValueMap:
    if isinstance(value_map, ValueMap):
        return value_map
    if value_map is None:
        maps = getattr(project, "value_maps", None) or {}
        if len(maps) != 1:
            raise ArgumentError("value_map is required when the project does not hold "
                                f"exactly one value map (it holds: {', '.join(maps) or 'none'})")
        return next(iter(maps.values()))
    if isinstance(value_map, str) and value_map in (getattr(project, "value_maps", None)
                                                    or {}):
        return project.value_maps[value_map]
    try:
        return read_value_map(value_map)
    except TypeError:
        raise ArgumentError("value_map must be a ValueMap, a path to value_map.yaml, a "
                            f"project id or None; got {type(value_map).__name__}") from None


def _assumptions(vm: ValueMap, quantities) -> pd.DataFrame:
    """One row per outcome: every assumption the computation uses."""
    return pd.DataFrame([{"outcome_id": o.id, "quantity": quantities[o.id]["quantity"],
                          "proxy": quantities[o.id]["proxy"], "duration": o.duration,
                          **{r: getattr(o, r) for r in _RATES}} for o in vm.outcomes])


def _ratio(a: pd.DataFrame, rate, investment_total) -> float:
    impact = a["quantity"] * a["proxy"] * (1 - a["deadweight"] / 100) * \
        (1 - a["attribution"] / 100) * (1 - a["displacement"] / 100)
    pv = _pv_array(impact.to_numpy(), a["duration"].to_numpy(), a["drop_off"].to_numpy(),
                   rate)
    return float(pv.sum() / investment_total)


# ------------------------------------------------------------------- sroi --

def sroi(project, value_map=None, *, discount_rate: float | None = None) -> SroiResult:
    """Social return on investment of one project (takes a Project) from its value map.

    Parameters
    ----------
    project : Project
        The loaded program (the value map's project is taken from it).
    value_map : ValueMap, path, project id or None
        None uses ``project.value_maps`` when it holds exactly one.
    discount_rate : float, optional
        Percent per year; default the value map's ``discount_rate`` (else
        3.5 %, see :data:`evaluation.value_map.DEFAULT_DISCOUNT_RATE`).

    Returns
    -------
    SroiResult
        ``.outcomes``, ``.years``, ``.investment``, ``.totals`` (see
        :class:`SroiResult`); ``.ratio``.

    Raises
    ------
    ValueMapError
        The value map does not fit the data (unknown indicator, blank budget…).
    EvaluationError
        A quantity has no data, or the investment is 0.

    Notes
    -----
    Formulas are in the module docstring. Quantities come from the data each
    time (a ladder indicator computed over the whole project, households
    whose income rose, people whose happiness band rose), so the result
    follows the data. A ``from_data`` proxy is the mean absolute change of
    the measure among the counted households, × 12 for monthly flows (income,
    expenses, net) and × 1 for balances (savings, debts).

    Examples
    --------
    >>> import evaluation as ev
    >>> proj = ev.load_project("data/sample")
    >>> res = ev.sroi(proj, "P01")
    >>> res.totals[["investment", "sroi_ratio"]].round(2).values.tolist()
    [[210000.0, 3.92]]
    """
    vm, quantities, investment = _prepare(project, value_map)
    rate = vm.discount_rate if discount_rate is None else _rate(discount_rate)
    rows, years = [], []
    for o in vm.outcomes:
        q = quantities[o.id]
        gross = q["quantity"] * q["proxy"]
        impact = gross * (1 - o.deadweight / 100) * (1 - o.attribution / 100) * \
            (1 - o.displacement / 100)
        table = present_value(impact, o.duration, o.drop_off, rate)
        years.append(table.assign(outcome_id=o.id))
        rows.append({"project_id": vm.project_id, "outcome_id": o.id,
                     "stakeholder": vm.stakeholders.get(o.stakeholder, o.stakeholder),
                     "outcome": o.outcome, "quantity": q["quantity"],
                     "quantity_source": q["source"], "proxy": q["proxy"],
                     "proxy_source": q["proxy_source"], "gross_value": gross,
                     "deadweight": o.deadweight, "attribution": o.attribution,
                     "displacement": o.displacement, "impact": impact,
                     "duration": o.duration, "drop_off": o.drop_off,
                     "present_value": float(table["present_value"].sum())})
    outcomes = pd.DataFrame(rows, columns=OUTCOME_COLUMNS)
    years = pd.concat(years, ignore_index=True)[["outcome_id", "year", "value",
                                                 "discount_factor", "present_value"]]
    invest = float(investment["baht"].sum())
    total = float(outcomes["present_value"].sum())
    year1 = float(outcomes["impact"].sum())
    totals = pd.DataFrame([{
        "project_id": vm.project_id, "investment": invest, "total_present_value": total,
        "net_present_value": total - invest, "sroi_ratio": total / invest,
        "net_sroi_ratio": (total - invest) / invest, "year1_impact": year1,
        "payback_months": invest / (year1 / 12) if year1 > 0 else math.nan,
        "discount_rate": rate}], columns=TOTAL_COLUMNS)
    return SroiResult(outcomes=outcomes, years=years, investment=investment, totals=totals,
                      value_map=vm)


def _rate(value) -> float:
    try:
        rate = float(value)
    except (TypeError, ValueError):
        rate = math.nan
    if not 0 <= rate < 100:
        raise ArgumentError(f"discount_rate must be a percentage from 0 to below 100, got "
                            f"{value!r}")
    return rate


# ------------------------------------------------------------ sensitivity --

@dataclass
class SensitivityResult:
    """What :func:`sroi_sensitivity` returns.

    Attributes
    ----------
    base_ratio : float
    table : pandas.DataFrame
        One-at-a-time variations (:data:`SENSITIVITY_COLUMNS`): ``parameter``
        (deadweight, attribution, displacement, drop_off, proxy, duration,
        discount_rate), ``outcome_id`` (<NA> for the discount rate),
        ``variation`` (``low``/``high``; ``years=k`` for durations), ``value``
        (the assumption used), ``base_value``, ``sroi_ratio``, ``change``
        (ratio − base ratio).
    range : pandas.DataFrame
        One row: ``ratio_min``, ``ratio_max`` over the table, ``base_ratio``.
    monte_carlo : pandas.DataFrame or None
        One row: ``draws, seed, level, ratio_median, ratio_low, ratio_high,
        share_above_1`` (None without Monte Carlo).
    draws : numpy.ndarray or None
        The ratio of each Monte Carlo draw.
    """

    base_ratio: float
    table: pd.DataFrame
    range: pd.DataFrame
    monte_carlo: pd.DataFrame | None = None
    draws: np.ndarray | None = field(default=None, repr=False)


def _bounds(base, rel, lo=0.0, hi=100.0):
    return max(lo, base * (1 - rel)), min(hi, base * (1 + rel))


def sroi_sensitivity(project, value_map=None, *, ranges: dict | None = None,
                     monte_carlo: int = 0, seed: int = 2566, level: float = 0.95,
                     discount_rate: float | None = None) -> SensitivityResult:
    """How the SROI ratio of a project moves when each assumption moves.

    Parameters
    ----------
    project, value_map, discount_rate
        As :func:`sroi`.
    ranges : dict, optional
        Overrides of :data:`DEFAULT_RANGES`: relative ± change of
        ``deadweight``, ``attribution``, ``displacement``, ``drop_off`` (0.5:
        half and one and a half times the value, kept within 0–100 %) and
        ``proxy`` (used when the value map gives no ``low``/``high``), and the
        ± percentage points of ``discount_rate`` (not below 0).
    monte_carlo : int, default 0
        Number of Monte Carlo draws (0: none). Each draw takes every outcome's
        rates, proxy and duration (whole years 1 … n) and the discount rate
        independently and uniformly from their ranges.
    seed : int, default 2566
        Seed of the Monte Carlo draws (same seed, same interval).
    level : float, default 0.95
        Coverage of the Monte Carlo interval (percentiles (1 − level) / 2 and
        (1 + level) / 2 of the draws).

    Returns
    -------
    SensitivityResult

    Examples
    --------
    >>> import evaluation as ev
    >>> proj = ev.load_project("data/sample")
    >>> sens = ev.sroi_sensitivity(proj, "P01", monte_carlo=2000, seed=1)
    >>> round(sens.base_ratio, 2), sorted(sens.table["parameter"].unique())[:3]
    (3.92, ['attribution', 'deadweight', 'discount_rate'])
    """
    ranges = _ranges(ranges)
    if isinstance(monte_carlo, bool) or not isinstance(monte_carlo, (int, np.integer)) or \
            monte_carlo < 0:
        raise ArgumentError(f"monte_carlo must be a number of draws (0 or more), got "
                            f"{monte_carlo!r}")
    if not 0 < float(level) < 1:
        raise ArgumentError(f"level must be between 0 and 1, got {level!r}")
    vm, quantities, investment = _prepare(project, value_map)
    rate = vm.discount_rate if discount_rate is None else _rate(discount_rate)
    invest = float(investment["baht"].sum())
    base = _assumptions(vm, quantities)
    base_ratio = _ratio(base, rate, invest)
    rows = []

    def add(parameter, oid, variation, value, base_value, frame, r=rate):
        ratio = _ratio(frame, r, invest)
        rows.append({"parameter": parameter, "outcome_id": oid, "variation": variation,
                     "value": float(value), "base_value": float(base_value),
                     "sroi_ratio": ratio, "change": ratio - base_ratio})

    proxies = {o.id: o.proxy for o in vm.outcomes}
    for i, o in enumerate(vm.outcomes):
        for name in _RATES:
            lo, hi = _bounds(getattr(o, name), ranges[name])
            for variation, value in (("low", lo), ("high", hi)):
                frame = base.copy()
                frame.loc[i, name] = value
                add(name, o.id, variation, value, getattr(o, name), frame)
        lo, hi = _proxy_range(proxies[o.id], base.loc[i, "proxy"], ranges["proxy"])
        for variation, value in (("low", lo), ("high", hi)):
            frame = base.copy()
            frame.loc[i, "proxy"] = value
            add("proxy", o.id, variation, value, base.loc[i, "proxy"], frame)
        for years in range(1, o.duration + 1):
            frame = base.copy()
            frame.loc[i, "duration"] = years
            add("duration", o.id, f"years={years}", years, o.duration, frame)
    r_lo, r_hi = max(0.0, rate - ranges["discount_rate"]), rate + ranges["discount_rate"]
    for variation, value in (("low", r_lo), ("high", r_hi)):
        add("discount_rate", pd.NA, variation, value, rate, base, value)
    table = pd.DataFrame(rows, columns=SENSITIVITY_COLUMNS)
    table["outcome_id"] = table["outcome_id"].astype(object)
    span = pd.DataFrame([{"ratio_min": float(table["sroi_ratio"].min()),
                          "ratio_max": float(table["sroi_ratio"].max()),
                          "base_ratio": base_ratio}])
    mc, draws = None, None
    if monte_carlo:
        draws = _monte_carlo(vm, base, proxies, ranges, rate, invest, int(monte_carlo), seed)
        tail = (1 - float(level)) / 2
        mc = pd.DataFrame([{"draws": int(monte_carlo), "seed": seed, "level": float(level),
                            "ratio_median": float(np.median(draws)),
                            "ratio_low": float(np.quantile(draws, tail)),
                            "ratio_high": float(np.quantile(draws, 1 - tail)),
                            "share_above_1": float((draws > 1).mean())}])
    return SensitivityResult(base_ratio=base_ratio, table=table, range=span, monte_carlo=mc,
                             draws=draws)


def _ranges(ranges) -> dict:
    out = dict(DEFAULT_RANGES)
    for key, value in (ranges or {}).items():
        if key not in out:
            raise ArgumentError(f"ranges has an unknown key {key!r}; keys: "
                                f"{', '.join(DEFAULT_RANGES)}")
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if not number >= 0 or (key != "discount_rate" and number > 1):
            raise ArgumentError(f"ranges[{key!r}] must be a relative change from 0 to 1 "
                                "(percentage points from 0 for discount_rate), got "
                                f"{value!r}")
        out[key] = number
    return out


def _proxy_range(proxy, value, rel):
    lo = proxy.low if proxy.low is not None else value * (1 - rel)
    hi = proxy.high if proxy.high is not None else value * (1 + rel)
    return lo, hi


def _monte_carlo(vm, base, proxies, ranges, rate, invest, n, seed) -> np.ndarray:
    rng = np.random.default_rng(seed)
    total = np.zeros(n)
    r_lo, r_hi = max(0.0, rate - ranges["discount_rate"]), rate + ranges["discount_rate"]
    rates = rng.uniform(r_lo, r_hi, n)
    for i, o in enumerate(vm.outcomes):
        draw = {}
        for name in _RATES:
            lo, hi = _bounds(getattr(o, name), ranges[name])
            draw[name] = rng.uniform(lo, hi, n)
        lo, hi = _proxy_range(proxies[o.id], base.loc[i, "proxy"], ranges["proxy"])
        proxy = rng.uniform(lo, hi, n)
        duration = rng.integers(1, o.duration + 1, n)
        impact = base.loc[i, "quantity"] * proxy * (1 - draw["deadweight"] / 100) * \
            (1 - draw["attribution"] / 100) * (1 - draw["displacement"] / 100)
        total += _pv_array(impact, duration, draw["drop_off"], rates)
    return total / invest
