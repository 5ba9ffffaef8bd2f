"""The metric registry behind outcome-ladder indicators.

A *metric* turns a :class:`~evaluation.project.Project` (possibly already
filtered to one village) into one number: ``fn(project, **params)`` returns a
:class:`MetricResult` (``value``, ``n``, ``detail``), a plain number, or a
``(value, n)`` pair. Ladder indicators name a metric and give its ``params``;
:func:`evaluation.evaluate_ladder` calls it once per village (and once for the
whole project).

Built-in metrics are registered when this module is imported; users add their
own with the :func:`metric` decorator::

    import evaluation as ev

    @ev.metric("women_members", unit="people")
    def women_members(project, *, role="target"):
        p = project.participants
        p = p[(p["role"] == role) & (p["sex"] == "F")]
        return ev.MetricResult(value=len(p), n=len(project.participants))

Conventions of the built-ins
----------------------------
* Percentages are numbers from 0 to 100.
* ``n`` is the number of records the value is based on (the denominator of a
  share, the households or people a count or mean runs over). ``n == 0`` or a
  NaN value makes the indicator ``no_data``.
* A household-level share is over the households that have the data it needs
  (e.g. both waves of the finance survey), never over all households.
* Metrics only read the project's tables; they never modify them.
"""

from __future__ import annotations

import contextlib
import contextvars
import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .errors import ArgumentError, EvaluationError, require_columns
from .schema import ROLES, WAVES
from .view_memo import try_compute as _try

__all__ = [
    "MetricResult",
    "MetricInfo",
    "metric",
    "metrics_registry",
    "get_metric",
    "compute_metric",
    "unregister_metric",
]


@dataclass
class MetricResult:
    """What a metric returns.

    Attributes
    ----------
    value : float
        The indicator's actual value (NaN when it cannot be computed).
    n : int
        Number of records (people, households, rows) the value is based on.
    detail : dict
        Free-form extras shown to evaluators (numerator, denominator, ...).
    """

    value: float
    n: int = 0
    detail: dict = field(default_factory=dict)


@dataclass(frozen=True)
class MetricInfo:
    """A registered metric: its function and documentation."""

    name: str
    func: Callable[..., Any]
    unit: str | None
    description: str
    wave_param: str | None = None
    over: str | None = None
    tables: tuple[str, ...] = ()

    @property
    def wave_kind(self) -> str | None:
        """``"level"`` (a value at one wave: ``wave=``), ``"change"`` (from ``before``
        to ``after``: the wave parameter is ``after``) or None (no wave)."""
        if self.wave_param is None:
            return None
        return "level" if self.wave_param == "wave" else "change"

    def default_wave(self, params: dict | None = None) -> str | None:
        """The wave this metric reads with ``params`` (None for metrics without waves)."""
        if self.wave_param is None:
            return None
        params = params or {}
        if self.wave_param in params:
            return params[self.wave_param]
        default = self.params.get(self.wave_param, inspect.Parameter.empty)
        return None if default is inspect.Parameter.empty else default

    @property
    def params(self) -> dict[str, Any]:
        """Keyword parameters with their defaults (``inspect.Parameter.empty`` = required)."""
        out = {}
        for p in list(inspect.signature(self.func).parameters.values())[1:]:
            if p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
                continue
            out[p.name] = p.default
        return out

    @property
    def accepts_any_params(self) -> bool:
        return any(p.kind is p.VAR_KEYWORD
                   for p in inspect.signature(self.func).parameters.values())


_REGISTRY: dict[str, MetricInfo] = {}


#: Values of ``over`` (what a metric is computed over; None = not split).
OVER = ("people", "households")


def metric(name: str, *, unit: str | None = None, replace: bool = False,
           wave_param: str | None = None, over: str | None = None,
           tables: tuple[str, ...] | list[str] = ()):
    """Register a metric function under ``name`` (decorator).

    Parameters
    ----------
    name : str
        The name ladder YAML files use in ``metric:``.
    unit : str, optional
        The metric's natural unit (``people``, ``households``, ``%``, ``baht``,
        ``points``, ``groups``, ``times``); a ladder indicator declaring another
        unit gets a warning.
    replace : bool, default False
        Allow replacing an already registered metric of the same name.
    wave_param : str, optional
        The keyword parameter that selects the survey wave: ``"wave"`` for a
        value at one wave (a *level* metric: its baseline can be measured at
        ``pre``), ``"after"`` for a change from ``before`` to ``after`` (a
        *change* metric). Periodic targets (``during``/``post``) need one.
    over : {"people", "households"}, optional
        What the metric is computed over. Only such metrics can be
        disaggregated (by sex, age group, occupation group, role).
    tables : sequence of str
        The tables the metric reads (``participants``, ``finance``, ...):
        the "source of data" of the tracking table.

    Returns
    -------
    callable
        The decorator; it returns the function unchanged.

    Notes
    -----
    The function is called as ``fn(project, **params)``. Its first argument is
    the project (or village) view; all other parameters should be keyword
    parameters with defaults where sensible: the ladder parser checks indicator
    ``params`` against this signature. It returns a :class:`MetricResult`, a
    number, or a ``(value, n)`` pair.

    Examples
    --------
    >>> import evaluation as ev
    >>> @ev.metric("villages_count", unit="groups", replace=True)
    ... def villages_count(project):
    ...     return ev.MetricResult(len(project.villages), n=len(project.villages))
    >>> "villages_count" in ev.metrics_registry()["name"].tolist()
    True
    """
    if not isinstance(name, str) or not name.strip():
        raise ArgumentError(f"metric name must be a non-empty string, got {name!r}")

    def decorator(func):
        if not callable(func):
            raise ArgumentError(f"@metric({name!r}) must decorate a function, got {func!r}")
        if name in _REGISTRY and not replace and _REGISTRY[name].func is not func:
            raise EvaluationError(
                f"a metric named {name!r} is already registered; pass replace=True to "
                "replace it")
        if over is not None and over not in OVER:
            raise ArgumentError(f"over must be one of {', '.join(OVER)} or None, got {over!r}")
        if wave_param is not None and wave_param not in inspect.signature(func).parameters:
            raise ArgumentError(f"wave_param {wave_param!r} is not a parameter of {name!r}")
        doc = inspect.getdoc(func) or ""
        _REGISTRY[name] = MetricInfo(name=name, func=func, unit=unit,
                                     description=doc.strip().splitlines()[0] if doc else "",
                                     wave_param=wave_param, over=over, tables=tuple(tables))
        return func

    return decorator


def unregister_metric(name: str) -> None:
    """Remove a registered metric (mainly for tests)."""
    _REGISTRY.pop(name, None)


def get_metric(name: str) -> MetricInfo:
    """The registered metric ``name``; unknown names raise listing the known ones."""
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise EvaluationError(
            f"unknown metric {name!r}; known metrics: {', '.join(sorted(_REGISTRY))}"
        ) from None


def metrics_registry() -> pd.DataFrame:
    """All registered metrics.

    Returns
    -------
    pandas.DataFrame
        One row per metric, sorted by name: ``name``, ``unit`` (natural unit or
        empty), ``params`` (``name=default`` list, ``required`` when there is no
        default), ``waves`` (``level``, ``change`` or empty), ``over``
        (``people``, ``households`` or empty: not disaggregated), ``tables``
        (comma-separated), ``description`` (first docstring line).

    Examples
    --------
    >>> import evaluation as ev
    >>> reg = ev.metrics_registry()
    >>> "share_keeping_accounts" in reg["name"].tolist()
    True
    """
    rows = []
    for name in sorted(_REGISTRY):
        info = _REGISTRY[name]
        params = ", ".join(
            f"{k}=required" if v is inspect.Parameter.empty else f"{k}={v!r}"
            for k, v in info.params.items())
        rows.append({"name": name, "unit": info.unit or "", "params": params,
                     "waves": info.wave_kind or "", "over": info.over or "",
                     "tables": ", ".join(info.tables), "description": info.description})
    return pd.DataFrame(rows, columns=["name", "unit", "params", "waves", "over", "tables",
                                       "description"])


def _as_result(out: Any, name: str) -> MetricResult:
    if isinstance(out, MetricResult):
        res = out
    elif isinstance(out, tuple) and len(out) == 2:
        res = MetricResult(value=out[0], n=out[1])
    elif isinstance(out, (int, float, np.integer, np.floating)) and not isinstance(out, bool):
        value = float(out)
        res = MetricResult(value=value, n=0 if math.isnan(value) else 1)
    else:
        raise EvaluationError(
            f"metric {name!r} returned {type(out).__name__}; expected a MetricResult, a "
            "number or a (value, n) pair")
    try:
        value = float(res.value) if res.value is not None and res.value is not pd.NA else math.nan
    except (TypeError, ValueError):
        raise EvaluationError(f"metric {name!r} returned a non-numeric value {res.value!r}") \
            from None
    n = 0 if res.n is None or res.n is pd.NA else int(res.n)
    return MetricResult(value=value, n=n, detail=dict(res.detail or {}))


def compute_metric(name: str, project, params: dict | None = None) -> MetricResult:
    """Call the metric ``name`` on ``project`` with ``params``; always a MetricResult."""
    info = get_metric(name)
    out = info.func(project, **(params or {}))
    return _as_result(out, name)


# ---------------------------------------------------------------- helpers --

#: Per-evaluation memo (set by evaluate_ladder): intermediate tables shared by
#: several metrics on the same scope (e.g. account keeping for the count and the
#: share) are computed once. Keys hold id(project), valid while the run lasts.
_MEMO: contextvars.ContextVar[dict | None] = contextvars.ContextVar("metric_memo",
                                                                     default=None)


@contextlib.contextmanager
def shared_intermediates():
    """Within this block, metrics reuse intermediate tables per project view."""
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def _memo(project, key: tuple, compute):
    memo = _MEMO.get()
    if memo is None:
        return compute()
    full = (id(project),) + key
    if full not in memo:
        memo[full] = (project, compute())  # keep project alive so its id stays unique
    return memo[full][1]


def _table(project, name: str) -> pd.DataFrame:
    frame = getattr(project, name, None)
    if frame is None:
        return pd.DataFrame()
    return frame


def _check_choice(param: str, value, allowed, *, allow_none: bool = False):
    if value is None and allow_none:
        return
    if value not in allowed:
        extra = " or None" if allow_none else ""
        raise ArgumentError(f"{param} must be one of {', '.join(map(str, allowed))}{extra}; "
                            f"got {value!r}")


def _check_waves(**waves):
    for param, value in waves.items():
        _check_choice(param, value, WAVES)


def _share(flags: pd.Series) -> MetricResult:
    """Percentage of True among non-missing flags."""
    flags = flags.dropna()
    n = int(len(flags))
    if n == 0:
        return MetricResult(math.nan, 0, {"numerator": 0, "denominator": 0})
    k = int(flags.astype(bool).sum())
    return MetricResult(100.0 * k / n, n, {"numerator": k, "denominator": n})


def _participants(project, role=None) -> pd.DataFrame:
    _check_choice("role", role, ROLES, allow_none=True)
    p = _table(project, "participants")
    if role is not None and len(p):
        p = _memo(project, ("participants", role), lambda: p[p["role"] == role])
    return p


def _households(project, role=None) -> pd.Index:
    p = _participants(project, role)
    if not len(p):
        return pd.Index([], dtype=object)
    return pd.Index(p["household_id"].dropna().unique())


# -------------------------------------------------------------- built-ins --

@metric("participants_count", unit="people", over="people", tables=("participants",))
def participants_count(project, *, role=None):
    """Number of participants (people), optionally of one role (team, target, mentor).

    ``n`` is the number of participants of any role in scope.
    """
    everyone = _participants(project, None)
    chosen = _participants(project, role)
    return MetricResult(float(len(chosen)), len(everyone),
                        {"role": role, "participants": len(everyone)})


@metric("households_count", unit="households", over="households", tables=("participants",))
def households_count(project, *, role=None):
    """Number of distinct households among participants (optionally of one role).

    ``n`` is the number of participants of any role in scope.
    """
    everyone = _participants(project, None)
    chosen = _participants(project, role)
    k = int(chosen["household_id"].nunique()) if len(chosen) else 0
    return MetricResult(float(k), len(everyone), {"role": role})


def _keeping(project, min_entries, min_months, role="target", count="entries"):
    """Per target household: keeps_accounts flag (households without entries: False)."""
    from .ledger import MIN_ENTRIES, MIN_MONTHS
    from .view_memo import group_households_table, target_account_keeping

    households = _households(project, role)
    if len(households) == 0:
        return pd.Series([], dtype=bool)
    rule = {"min_entries": MIN_ENTRIES if min_entries is None else min_entries,
            "min_months": MIN_MONTHS if min_months is None else min_months,
            "role": role, "count": count}
    # a ladder group scope: its households' rows of the whole view's table (each
    # household's result depends only on its own ledger rows, all of which the group has)
    kept = group_households_table(project, "ledger", households,
                       lambda parent: target_account_keeping(parent, **rule))
    if kept is None:
        # shared with the report's accounts section (same households, ledger rows and rule)
        kept = target_account_keeping(project, **rule)
    if "household_id" in kept.columns:
        kept = kept.set_index("household_id")
    flags = kept["keeps_accounts"].reindex(households).fillna(False).astype(bool)
    return flags


@metric("households_keeping_accounts",
        unit="households", over="households", tables=("participants", "ledger"))
def households_keeping_accounts(project, *, min_entries=None, min_months=None, role="target",
                                count="entries"):
    """Households (of ``role``, default target) that keep accounts regularly.

    Regularity is :func:`evaluation.account_keeping` with ``min_entries``,
    ``min_months`` (its defaults when None: 4 entries in a month, 3 such months)
    and ``count`` (``"entries"`` or ``"days"``); households with no entries
    count as not keeping accounts. ``n`` is the number of households of
    ``role``.
    """
    flags = _memo(project, ("keeping", min_entries, min_months, role, count),
                  lambda: _keeping(project, min_entries, min_months, role, count))
    if len(flags) == 0:
        return MetricResult(math.nan, 0)
    k = int(flags.sum())
    return MetricResult(float(k), len(flags), {"numerator": k, "denominator": len(flags)})


@metric("share_keeping_accounts",
        unit="%", over="households", tables=("participants", "ledger"))
def share_keeping_accounts(project, *, min_entries=None, min_months=None, role="target",
                           count="entries"):
    """Percentage of households (of ``role``, default target) keeping accounts regularly."""
    return _share(_memo(project, ("keeping", min_entries, min_months, role, count),
                        lambda: _keeping(project, min_entries, min_months, role, count)))


def _savings_scope(project) -> pd.DataFrame:
    sav = _table(project, "savings")
    return sav


@metric("savings_members", unit="people", over="people", tables=("savings",))
def savings_members(project):
    """Distinct savings-group members with at least one entry in the savings ledger.

    ``n`` is the same count (the members the value is based on).
    """
    sav = _savings_scope(project)
    k = int(sav["member_id"].nunique()) if len(sav) else 0
    return MetricResult(float(k) if k else math.nan, k, {})


@metric("regular_savers", unit="people", over="people", tables=("savings",))
def regular_savers(project, *, period=None):
    """Members who deposited in every month of their group's period.

    The definition is :func:`evaluation.savings_summary`'s ``regular_savers``
    (summed over groups): by default each group's first to last month with a
    transaction in scope; ``period`` (``[start, end]`` dates) fixes the months.
    ``n`` is the number of members.
    """
    from .savings import savings_summary
    from .view_memo import group_regular_savers, savings_summary_once

    sav = _savings_scope(project)
    if not len(sav):
        return MetricResult(math.nan, 0)
    if period is None:
        counts = group_regular_savers(project)
        if counts is not None:
            return MetricResult(float(counts[0]), counts[1], {"members": counts[1]})
    summary = savings_summary_once(project) if period is None else \
        savings_summary(sav, period=period)
    k = int(pd.to_numeric(summary["regular_savers"]).sum())
    members = int(pd.to_numeric(summary["members"]).sum())
    return MetricResult(float(k), members, {"members": members})


@metric("total_savings", unit="baht", over="people", tables=("savings",))
def total_savings(project):
    """Deposits minus withdrawals over the savings ledger, in baht (blank = 0).

    ``n`` is the number of members with entries.
    """
    sav = _savings_scope(project)
    if not len(sav):
        return MetricResult(math.nan, 0)
    dep = pd.to_numeric(sav.get("deposit", pd.Series(0.0, index=sav.index))).fillna(0).sum()
    wd = pd.to_numeric(sav.get("withdrawal", pd.Series(0.0, index=sav.index))).fillna(0).sum()
    return MetricResult(float(dep - wd), int(sav["member_id"].nunique()),
                        {"deposits": float(dep), "withdrawals": float(wd)})


def _finance_change(project, before, after) -> pd.DataFrame:
    from .view_memo import group_source, household_finance_once

    _check_waves(before=before, after=after)
    fin = _table(project, "finance")
    if not len(fin):
        return pd.DataFrame()
    src = group_source(project, "finance")
    if src is not None:
        # a ladder group scope: its households' rows of the whole view's table (one row
        # per household computed from its own rows, sorted by id: the same rows, order)
        whole = _try(lambda: household_finance_once(src[0], before, after))
        if whole is not None and len(whole):
            return whole[whole["household_id"].isin(src[2])].reset_index(drop=True)
    return household_finance_once(project, before, after)


def _flag_share(project, flag, before, after):
    hf = _memo(project, ("finance", before, after),
               lambda: _finance_change(project, before, after))
    if not len(hf):
        return MetricResult(math.nan, 0)
    return _share(hf[flag])


@metric("share_income_up",
        unit="%", wave_param="after", over="households", tables=("finance",))
def share_income_up(project, *, before="pre", after="post"):
    """Percentage of households whose monthly income rose from ``before`` to ``after``.

    Over households with income at both waves.
    """
    return _flag_share(project, "income_up", before, after)


@metric("share_debt_down",
        unit="%", wave_param="after", over="households", tables=("finance",))
def share_debt_down(project, *, before="pre", after="post"):
    """Percentage of households whose total debt (formal + informal) fell.

    Over households with debt at both waves.
    """
    return _flag_share(project, "debt_down", before, after)


@metric("share_savings_up",
        unit="%", wave_param="after", over="households", tables=("finance",))
def share_savings_up(project, *, before="pre", after="post"):
    """Percentage of households whose savings balance rose.

    Over households with savings at both waves.
    """
    return _flag_share(project, "savings_up", before, after)


@metric("mean_income_change",
        unit="baht", wave_param="after", over="households", tables=("finance",))
def mean_income_change(project, *, before="pre", after="post"):
    """Mean change in monthly household income (``after`` − ``before``), baht.

    Over households with income at both waves.
    """
    hf = _memo(project, ("finance", before, after),
               lambda: _finance_change(project, before, after))
    if not len(hf):
        return MetricResult(math.nan, 0)
    change = pd.to_numeric(hf["income_change"]).dropna()
    if not len(change):
        return MetricResult(math.nan, 0)
    return MetricResult(float(change.mean()), int(len(change)),
                        {"median": float(change.median())})


def _at_wave(project, wave) -> pd.DataFrame:
    """Finance rows at ``wave`` (one per household: the first listed)."""
    _check_waves(wave=wave)
    fin = _table(project, "finance")
    if not len(fin):
        return pd.DataFrame()
    at = fin[fin["wave"].astype(object) == wave]
    return at.drop_duplicates("household_id")


@metric("mean_income", unit="baht", wave_param="wave", over="households", tables=("finance",))
def mean_income(project, *, wave="post"):
    """Mean monthly household income at ``wave`` (default post), baht.

    Over households with an income at that wave. A *level* metric: its
    baseline can be measured at ``pre``.
    """
    at = _at_wave(project, wave)
    income = pd.to_numeric(at.get("income", pd.Series(dtype=float))).dropna()
    if not len(income):
        return MetricResult(math.nan, 0)
    return MetricResult(float(income.mean()), int(len(income)),
                        {"median": float(income.median())})


@metric("share_with_informal_debt",
        unit="%", wave_param="wave", over="households", tables=("finance",))
def share_with_informal_debt(project, *, wave="post"):
    """Percentage of households owing informal debt (above 0 baht) at ``wave``.

    Over households with an informal-debt value at that wave. A *level*
    metric (a "reduce" indicator: write ``comparator: ≤``).
    """
    at = _at_wave(project, wave)
    debt = pd.to_numeric(at.get("debt_informal", pd.Series(dtype=float))).dropna()
    return _share(debt > 0)


@metric("share_below_poverty_line",
        unit="%", wave_param="wave", over="households", tables=("finance", "participants"))
def share_below_poverty_line(project, *, wave="post", line=None, year=None,
                             size="household_size"):
    """Percentage of households whose income per person is below the poverty line.

    At ``wave`` (default post), using :func:`evaluation.poverty_status`: ``line``
    None = the packaged official lines by year (or a number, or ``{year: line}``),
    ``year`` None = the year of each row's date, household ``size`` from the
    finance or participants table. Over households with income and size at that
    wave.
    """
    from .finance import poverty_status

    _check_waves(wave=wave)
    fin = _table(project, "finance")
    if not len(fin):
        return MetricResult(math.nan, 0)
    status = poverty_status(fin, participants=_table(project, "participants"), line=line,
                            year=year, size=size)
    status = status[status["wave"] == wave]
    return _share(status["below_line"])


def _scores(project, instrument, role=None):
    from .instruments import score_instrument
    from .view_memo import group_source, metric_scores_once

    hap = _table(project, "happiness")
    if role is not None and len(hap):
        persons = _participants(project, role)["person_id"]
        hap = hap[hap["person_id"].isin(persons)]
    if not len(hap):
        return pd.DataFrame()
    if isinstance(instrument, str):
        src = group_source(project, "happiness")
        if src is not None:
            # a ladder group scope: its people's rows of the whole view's scores (one row
            # per person x wave from that person's answers, sorted: the same rows, order)
            whole = _try(lambda: metric_scores_once(src[0], instrument))
            if whole is not None and len(whole):
                mine = whole["person_id"].isin(hap["person_id"].unique())
                return whole[mine].reset_index(drop=True)
        elif role is None:
            return metric_scores_once(project, instrument)   # shared by the report's runs
    user = getattr(project, "instruments", None) or {}
    inst = user.get(instrument, instrument)
    return score_instrument(hap, inst)


def _paired_totals(project, instrument, before, after, role):
    _check_waves(before=before, after=after)
    _check_choice("role", role, ROLES, allow_none=True)
    return _memo(project, ("pairs", instrument, before, after, role),
                 lambda: _pairs(project, instrument, before, after, role))


def _pairs(project, instrument, before, after, role):
    """Per person (index ``person_id``, sorted): ``before`` and ``after`` totals, complete
    pairs only."""
    from .view_memo import group_source

    src = group_source(project, "happiness") if isinstance(instrument, str) else None
    if src is not None:
        # a ladder group scope: its people's pairs of the whole view (one row per person
        # from that person's scores, sorted by id: the same rows, same order)
        hap = _table(project, "happiness")
        if role is not None and len(hap):
            hap = hap[hap["person_id"].isin(_participants(project, role)["person_id"])]
        whole = _try(lambda: _paired_totals(src[0], instrument, before, after, None))
        if whole is not None and len(whole) and len(hap):
            return whole[whole.index.isin(hap["person_id"].unique())]
    elif role is None and isinstance(instrument, str):
        from .view_memo import shared

        return shared(project, ("metric_pairs", instrument, before, after),
                      lambda: _pivot_pairs(project, instrument, before, after, None),
                      depends=("happiness", "instruments"))
    return _pivot_pairs(project, instrument, before, after, role)


def _pivot_pairs(project, instrument, before, after, role):
    scores = _memo(project, ("scores", instrument, role),
                   lambda: _scores(project, instrument, role))
    if not len(scores):
        return pd.DataFrame(columns=["before", "after"])
    return _complete_pairs(scores, before, after)


def _complete_pairs(scores: pd.DataFrame, before, after) -> pd.DataFrame:
    """Per person with a total at both waves (index ``person_id``, sorted): its first
    ``before`` and ``after`` totals; what ``pivot_table(index="person_id",
    columns="wave", values="total", aggfunc="first")`` keeps after ``dropna()``,
    taken from the rows with a total at each wave."""
    known = scores["total"].notna().to_numpy()
    wave = scores["wave"]

    def first_total(w):
        rows = scores.loc[known & (wave == w).to_numpy(dtype=bool), ["person_id", "total"]]
        return rows.drop_duplicates("person_id").set_index("person_id")["total"]

    b, a = first_total(before), first_total(after)
    people = b.index.intersection(a.index).sort_values()
    return pd.DataFrame({"before": b.reindex(people), "after": a.reindex(people)},
                        index=people)


@metric("mean_happiness_change",
        unit="points", wave_param="after", over="people", tables=("happiness",))
def mean_happiness_change(project, *, instrument="tmhi15", before="pre", after="post",
                          role=None):
    """Mean change in an instrument's total score (``after`` − ``before``), points.

    Over people with a total at both waves (complete pairs), the ``mean_diff``
    of :func:`evaluation.paired_test`; ``role`` limits it to participants of
    that role.
    """
    from .stats import paired_test

    pairs = _paired_totals(project, instrument, before, after, role)
    if not len(pairs):
        return MetricResult(math.nan, 0)
    res = paired_test(pairs["before"], pairs["after"])
    return MetricResult(float(res["mean_diff"]), int(res["n_pairs"]),
                        {k: res[k] for k in ("ci_low", "ci_high") if k in res.index})


@metric("share_happiness_improved",
        unit="%", wave_param="after", over="people", tables=("happiness",))
def share_happiness_improved(project, *, instrument="tmhi15", before="pre", after="post",
                             role=None):
    """Percentage of people whose total score rose from ``before`` to ``after``.

    Over people with a total at both waves (complete pairs), optionally of
    one ``role``.
    """
    pairs = _paired_totals(project, instrument, before, after, role)
    if not len(pairs):
        return MetricResult(math.nan, 0)
    return _share(pairs["after"] > pairs["before"])


@metric("mean_happiness", unit="points", wave_param="wave", over="people", tables=("happiness",))
def mean_happiness(project, *, instrument="tmhi15", wave="post", role=None):
    """Mean total score of an instrument at ``wave`` (default post), points.

    Over people with a total at that wave (not only complete pairs); ``role``
    limits it to participants of that role. A *level* metric.
    """
    _check_waves(wave=wave)
    _check_choice("role", role, ROLES, allow_none=True)
    scores = _memo(project, ("scores", instrument, role),
                   lambda: _scores(project, instrument, role))
    if not len(scores):
        return MetricResult(math.nan, 0)
    total = pd.to_numeric(scores.loc[scores["wave"] == wave, "total"]).dropna()
    if not len(total):
        return MetricResult(math.nan, 0)
    return MetricResult(float(total.mean()), int(len(total)))


@metric("share_top_band", unit="%", wave_param="wave", over="people", tables=("happiness",))
def share_top_band(project, *, instrument="tmhi15", wave="post", bands=None, role=None):
    """Percentage of people scored at ``wave`` whose band is in ``bands``.

    ``bands`` is a list of band ids of the instrument; default its top band
    (the band with the highest scores, e.g. TMHI-15 "better than average").
    """
    _check_waves(wave=wave)
    _check_choice("role", role, ROLES, allow_none=True)
    scores = _memo(project, ("scores", instrument, role),
                   lambda: _scores(project, instrument, role))
    if not len(scores):
        return MetricResult(math.nan, 0)
    if bands is None:
        bands = [_top_band(project, instrument)]
    elif isinstance(bands, str):
        bands = [bands]
    at = scores[(scores["wave"] == wave) & scores["total"].notna()]
    res = _share(at["band"].astype(object).isin(list(bands)))
    res.detail["bands"] = list(bands)
    return res


def _top_band(project, instrument) -> str:
    from .instruments import get_instrument

    user = getattr(project, "instruments", None) or {}
    inst = user.get(instrument) or get_instrument(instrument)
    bands = list(inst.bands)
    if not bands:
        raise ArgumentError(f"instrument {instrument!r} defines no bands; pass bands=[...]")
    best = max(bands, key=lambda b: _band_attr(b, "high", -math.inf))
    return _band_attr(best, "id", None)


def _band_attr(band, name, default):
    if isinstance(band, dict):
        return band.get(name, default)
    return getattr(band, name, default)


@metric("occupation_groups_count", unit="groups", over="people", tables=("participants",))
def occupation_groups_count(project, *, role=None):
    """Distinct non-blank ``occupation_group`` values among participants.

    ``n`` is the number of participants with an occupation group.
    """
    p = _participants(project, role)
    if not len(p) or "occupation_group" not in p.columns:
        return MetricResult(math.nan, 0)
    groups = p["occupation_group"].dropna().astype(str).str.strip()
    groups = groups[groups != ""]
    return MetricResult(float(groups.nunique()), int(len(groups)),
                        {"groups": sorted(groups.unique().tolist())})


_TABLES = ("projects", "villages", "participants", "happiness", "finance", "ledger",
           "savings", "lessons")


@metric("count_rows")
def count_rows(project, *, table, query=None, distinct=None):
    """Rows of any table matching a pandas ``query`` (or distinct values of a column).

    ``table`` is a table name (participants, finance, ledger, ...); ``query`` a
    :meth:`pandas.DataFrame.query` string (e.g. ``"role == 'target' and sex ==
    'F'"``); ``distinct`` a column whose distinct non-blank values are counted
    instead of rows. ``n`` is the number of rows of the table in scope.
    """
    _check_choice("table", table, _TABLES)
    frame = _table(project, table)
    if not len(frame):
        return MetricResult(math.nan, 0)
    n = len(frame)
    if query:
        try:
            frame = frame.query(query)
        except Exception as exc:  # pandas raises many types for a bad query
            raise ArgumentError(f"count_rows query {query!r} on table {table!r} failed: {exc}. "
                                f"Columns: {', '.join(map(str, frame.columns))}") from None
    if distinct is not None:
        require_columns(frame, {"distinct": distinct}, what=f"count_rows table {table!r}")
        k = int(frame[distinct].dropna().nunique())
    else:
        k = len(frame)
    return MetricResult(float(k), n, {"table": table, "query": query, "distinct": distinct})
