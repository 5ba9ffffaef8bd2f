"""Outcome ladders (บันไดผลลัพธ์): evaluating indicators against their targets.

:func:`evaluate_ladder` computes each indicator of a ladder (parsed by
:mod:`evaluation.ladder_spec`) per village, per project, per wave of its
periodic targets and per group of people (sex, age group, occupation group,
role), and compares it with its target: the raw ratio ``pct_of_target``, the
direction-aware progress from the baseline ``pct_progress``, and a status.
:func:`ladder_table` formats the result for reports. See ``docs/ladder.md``.
"""

from __future__ import annotations

import copy
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from .arms import comparison_mask, program_village_ids
from .errors import ArgumentError, EvaluationError, column_list, require_columns
from .ladder_spec import (  # noqa: F401  (re-exported: the public ladder API)
    COMPARATOR_SYMBOLS, COMPARATORS, STATUS_LABELS, STATUSES, TARGET_WAVES, UNIT_LABELS,
    UNIT_NAMES, UNITS, Indicator, Ladder, LadderError, Step, parse_ladder, read_ladder,
)
from .metrics import MetricResult, compute_metric, get_metric, shared_intermediates

__all__ = [
    "Indicator",
    "Step",
    "Ladder",
    "LadderError",
    "read_ladder",
    "parse_ladder",
    "evaluate_ladder",
    "indicator_status",
    "pct_progress",
    "ladder_table",
    "age_groups",
    "COMPARATORS",
    "UNITS",
    "STATUS_LABELS",
    "LADDER_COLUMNS",
    "SPLITS",
    "PROGRESS_NOTES",
    "split_label",
]

#: Columns of :func:`evaluate_ladder`, in order (split columns such as
#: ``sex`` come after ``village_id`` when ``by`` asks for them).
LADDER_COLUMNS = ["project_id", "village_id", "level", "step", "outcome", "indicator_id",
                  "label", "wave", "baseline", "baseline_source", "target", "comparator",
                  "actual", "unit", "pct_of_target", "pct_progress", "progress_note",
                  "status", "status_th", "n"]

#: Participant attributes an evaluation can be split by (besides ``village_id``).
SPLITS = ("sex", "age_group", "occupation_group", "role")

#: Default age-group edges (years): <25, 25–39, 40–59, 60+ (60 is the Thai
#: legal age of older persons, Older Persons Act B.E. 2546).
AGE_BINS = (25, 40, 60)

#: Why ``pct_progress`` is empty: code -> Thai / English text.
PROGRESS_NOTES = {
    "th": {"no_data": "ไม่มีข้อมูลผล", "no_baseline": "ไม่มีค่าฐาน",
           "baseline_no_data": "วัดค่าฐานไม่ได้ (ไม่มีข้อมูลก่อนโครงการ)",
           "target_equals_baseline": "เป้าหมายเท่ากับค่าฐาน",
           "target_behind_baseline": "เป้าหมายอยู่คนละทิศกับเงื่อนไข"},
    "en": {"no_data": "no actual value", "no_baseline": "no baseline",
           "baseline_no_data": "baseline not measured (no pre-wave data)",
           "target_equals_baseline": "target equals the baseline",
           "target_behind_baseline": "target lies against the comparator's direction"},
}

#: Relative tolerance of target comparisons (floating-point rounding only).
_RTOL = 1e-9


# -------------------------------------------------------------- progress --

def _progress(actual, baseline, target, comparator) -> tuple[float, str]:
    """``(pct_progress, note)``; note is "" when the value is defined."""
    if actual is None or pd.isna(actual):
        return math.nan, "no_data"
    if baseline is None or pd.isna(baseline):
        return math.nan, "no_baseline"
    actual, baseline, target = float(actual), float(baseline), float(target)
    cmp = COMPARATORS.get(comparator, comparator)
    if abs(target - baseline) <= _RTOL * max(1.0, abs(target)):
        return math.nan, "target_equals_baseline"
    if cmp == "==":
        cmp = ">=" if target > baseline else "<="
    if cmp == ">=":
        if target < baseline:
            return math.nan, "target_behind_baseline"
        return 100.0 * (actual - baseline) / (target - baseline), ""
    if target > baseline:
        return math.nan, "target_behind_baseline"
    return 100.0 * (baseline - actual) / (baseline - target), ""


def pct_progress(actual: float, baseline: float, target: float, comparator: str = ">=",
                 ) -> float:
    """Progress from the baseline toward the target, in percent (direction-aware).

    Parameters
    ----------
    actual, baseline, target : float
    comparator : {">=", "<=", "=="} (or ≥, ≤, =), default ">="
        ``>=`` is an *increase* indicator, ``<=`` a *decrease* indicator;
        ``==`` takes its direction from the target relative to the baseline.

    Returns
    -------
    float
        Increase: ``100 × (actual − baseline) / (target − baseline)``;
        decrease: ``100 × (baseline − actual) / (baseline − target)``.
        0 means no change from the baseline, 100 the target reached, above 100
        beyond it, below 0 a move away from it. NaN when ``actual`` or
        ``baseline`` is missing, when the target equals the baseline, or when
        the target lies against the comparator (an increase indicator whose
        target is below its baseline); :func:`evaluate_ladder` gives the reason
        in ``progress_note``.

    Examples
    --------
    >>> from evaluation.ladder import pct_progress
    >>> pct_progress(40, 10, 70, ">=")        # 100 × (40 − 10) / (70 − 10)
    50.0
    >>> pct_progress(30, 50, 10, "<=")        # 100 × (50 − 30) / (50 − 10)
    50.0
    >>> pct_progress(30, 30, 30, ">=")
    nan
    """
    if COMPARATORS.get(comparator) is None:
        raise ArgumentError(f"comparator must be one of {', '.join(COMPARATORS)}; "
                            f"got {comparator!r}")
    return _progress(actual, baseline, target, comparator)[0]


# ---------------------------------------------------------------- status --

def indicator_status(actual: float, target: float, comparator: str, *, n: int | None = None,
                     partial_threshold: float = 0.5) -> str:
    """Status of one indicator: achieved, partial, not_achieved or no_data.

    Parameters
    ----------
    actual, target : float
    comparator : {">=", "<=", "=="} (or ≥, ≤, =)
    n : int, optional
        Records behind ``actual``; ``0`` means no data.
    partial_threshold : float, default 0.5
        θ in (0, 1].

    Returns
    -------
    str

    Notes
    -----
    With θ = ``partial_threshold`` and comparisons up to a relative 1e-9
    (floating-point rounding only):

    * no_data: ``actual`` is NaN or ``n == 0``.
    * ``>=``: achieved if actual ≥ target; partial if target > 0 and
      actual ≥ θ·target.
    * ``<=``: achieved if actual ≤ target; partial if target > 0 and
      actual ≤ target / θ (e.g. at most twice the target for θ = 0.5).
    * ``==``: achieved if actual = target; partial if target > 0 and
      θ·target ≤ actual ≤ target / θ.
    * otherwise not_achieved.

    Examples
    --------
    >>> from evaluation.ladder import indicator_status
    >>> indicator_status(15, 30, ">="), indicator_status(14, 30, ">=")
    ('partial', 'not_achieved')
    >>> indicator_status(40, 20, "<="), indicator_status(41, 20, "<=")
    ('partial', 'not_achieved')
    """
    theta = _check_threshold(partial_threshold)
    cmp = COMPARATORS.get(comparator)
    if cmp is None:
        raise ArgumentError(f"comparator must be one of {', '.join(COMPARATORS)}; "
                            f"got {comparator!r}")
    if actual is None or pd.isna(actual) or (n is not None and n == 0):
        return "no_data"
    actual, target = float(actual), float(target)
    tol = _RTOL * max(1.0, abs(target))

    def ge(a, b):
        return a >= b - tol

    def le(a, b):
        return a <= b + tol

    if cmp == ">=":
        if ge(actual, target):
            return "achieved"
        if target > 0 and ge(actual, theta * target):
            return "partial"
    elif cmp == "<=":
        if le(actual, target):
            return "achieved"
        if target > 0 and le(actual, target / theta):
            return "partial"
    else:
        if abs(actual - target) <= tol:
            return "achieved"
        if target > 0 and ge(actual, theta * target) and le(actual, target / theta):
            return "partial"
    return "not_achieved"


def _check_threshold(theta) -> float:
    try:
        value = float(theta)
    except (TypeError, ValueError):
        value = math.nan
    if not (0 < value <= 1):
        raise ArgumentError(f"partial_threshold must be a number in (0, 1], got {theta!r}")
    return value


def _ladders(project, ladder) -> list[Ladder]:
    if ladder is None:
        found = getattr(project, "ladders", None) or {}
        ladders = list(found.values()) if isinstance(found, dict) else list(found)
        order = list(dict.fromkeys(
            _table(project, "villages").get("project_id", pd.Series(dtype=object))))
        ladders = [lad for lad in ladders if lad.project_id in order]
        return sorted(ladders, key=lambda lad: order.index(lad.project_id))
    if isinstance(ladder, Ladder):
        return [ladder]
    if isinstance(ladder, (str, Path)):
        return [read_ladder(ladder)]
    if isinstance(ladder, dict):
        ladder = list(ladder.values())
    if isinstance(ladder, (list, tuple)) and all(isinstance(x, Ladder) for x in ladder):
        return list(ladder)
    raise ArgumentError("ladder must be None (all of project.ladders), a Ladder, a path to a "
                        f"ladder YAML file, or a list of Ladders; got {type(ladder).__name__}")


def _table(project, name) -> pd.DataFrame:
    frame = getattr(project, name, None)
    return frame if frame is not None else pd.DataFrame()


def restrict_project(project, village_ids):
    """A shallow copy of ``project`` with every table limited to ``village_ids``.

    Used for the project-level rows when a Project holds several projects.
    Participants by village; happiness and savings by the participants'
    person ids; finance and ledger by their household ids; projects by the
    villages' project ids.
    """
    ids = set(village_ids)
    out = copy.copy(project)
    villages = _table(project, "villages")
    villages = villages[villages["village_id"].isin(ids)]
    part = _table(project, "participants")
    part = part[part["village_id"].isin(ids)] if len(part) else part
    persons = set(part["person_id"]) if len(part) else set()
    households = set(part["household_id"]) if len(part) else set()

    def keep(name, column, values):
        frame = _table(project, name)
        if len(frame) and column in frame.columns:
            frame = frame[frame[column].isin(values)]
        setattr(out, name, frame)

    out.villages = villages
    out.participants = part
    keep("projects", "project_id", set(villages["project_id"]))
    keep("happiness", "person_id", persons)
    keep("finance", "household_id", households)
    keep("ledger", "household_id", households)
    keep("savings", "member_id", persons)
    keep("lessons", "village_id", ids)
    return out


def _project_scope(project, project_id):
    villages = _table(project, "villages")
    mine = program_village_ids(villages, project_id)   # comparison villages never count
    if len(mine) == len(villages):
        return project
    if callable(getattr(project, "project", None)) and not comparison_mask(villages).any():
        return project.project(project_id)
    return restrict_project(project, mine)



# ------------------------------------------------------------- splitting --

def _age_edges(bins) -> list[int]:
    """The lower edges of the age groups after the first, checked (whole years above 0,
    increasing); the only error :func:`age_groups` raises for its ``bins``."""
    edges = [int(b) for b in bins]
    if not edges or edges != sorted(set(edges)) or edges[0] <= 0:
        raise ArgumentError(f"age_bins must be increasing whole years above 0, got {bins!r}")
    return edges


def age_groups(age: pd.Series, *, bins=AGE_BINS) -> pd.Series:
    """Age in years -> age-group label (``"<25"``, ``"25-39"``, ``"40-59"``, ``"60+"``).

    ``bins`` are the lower edges of the groups after the first (whole years,
    increasing). Missing ages give <NA>.

    Examples
    --------
    >>> import pandas as pd
    >>> from evaluation.ladder import age_groups
    >>> age_groups(pd.Series([18, 25, 59, 60, None])).tolist()
    ['<25', '25-39', '40-59', '60+', <NA>]
    """
    edges = _age_edges(bins)
    labels = [f"<{edges[0]}"] + [f"{a}-{b - 1}" for a, b in zip(edges, edges[1:])] + \
        [f"{edges[-1]}+"]
    cut = pd.cut(pd.to_numeric(age, errors="coerce"), [-np.inf] + edges + [np.inf],
                 right=False, labels=labels)
    return cut.astype(object).where(cut.notna(), pd.NA)


def _split_columns(participants: pd.DataFrame, splits: list[str], age_bins) -> pd.DataFrame:
    people = participants.copy()
    if "age_group" in splits:
        people["age_group"] = age_groups(people.get("age", pd.Series(index=people.index,
                                                                     dtype=float)),
                                         bins=age_bins)
    for col in splits:
        if col not in people.columns:
            people[col] = pd.NA
    return people


def _plain_text(column) -> bool:
    """Whether `column` is a Series of text with NaN for missing (its list compares as pandas)."""
    return (isinstance(column, pd.Series) and isinstance(column.dtype, pd.StringDtype)
            and column.dtype.na_value is np.nan)


def _isin(column: pd.Series, values, lookup: list | None = None) -> np.ndarray:
    """``column.isin(values)`` as a mask: set lookups for text (`lookup`: its list)."""
    if _plain_text(column) and isinstance(values, (set, frozenset)) and all(
            type(v) is str for v in values):
        cells = column.tolist() if lookup is None else lookup
        return np.fromiter((x in values for x in cells), dtype=bool, count=len(cells))
    return column.isin(values).to_numpy()


def _head_positions(people: pd.DataFrame) -> np.ndarray:
    """Row positions in `people` of one participant per household, in household order
    of first appearance among target participants then the others: its first listed
    target participant, else its first listed participant (over lists for text without
    gaps: what the sort of :func:`_head_positions_plain` gives)."""
    role, homes = people.get("role"), people.get("household_id")
    if _plain_text(role) and _plain_text(homes):
        homes = homes.tolist()
        if all(type(h) is str for h in homes):
            roles = role.tolist()
            seen, out = set(), []
            for i in [*(i for i, r in enumerate(roles) if r == "target"),
                      *(i for i, r in enumerate(roles) if r != "target")]:
                if homes[i] not in seen:
                    seen.add(homes[i])
                    out.append(i)
            return np.array(out, dtype=np.int64)
    return _head_positions_plain(people)


def _head_positions_plain(people: pd.DataFrame) -> np.ndarray:
    """:func:`_head_positions` by sorting a frame."""
    order = pd.DataFrame({"household_id": people["household_id"].reset_index(drop=True),
                          "_t": (people.get("role") != "target").astype(int).to_numpy(),
                          "_i": np.arange(len(people))})
    order = order.sort_values(["_t", "_i"], kind="stable")
    return order.drop_duplicates("household_id")["_i"].to_numpy()


def _household_heads(people: pd.DataFrame) -> pd.DataFrame:
    """One participant per household: its first listed target participant, else its
    first listed participant (the rule of :func:`evaluation.household_finance`)."""
    return people.iloc[_head_positions(people)]


def _subset(scope, persons: set, households: set, cuts: dict | None = None,
            partition: tuple | None = None):
    """A copy of `scope` with the rows of `persons` (participants, happiness, savings)
    and `households` (finance, ledger); marked (:func:`evaluation.view_memo.mark_group`)
    so that metrics may take per-person or per-household rows of `scope`'s memoised
    tables instead of recomputing them.

    `cuts` (one dict per :func:`_groups` call) keeps each filtered table by the ids
    it keeps, so two scopes with the same ids share the same (read-only) frames.
    `partition`: ``(GroupPartition, group number)`` when `persons` are one group of it.
    """
    from .view_memo import mark_group

    cuts = {} if cuts is None else cuts
    out = copy.copy(scope)
    marked = {}

    def cut(name, column, values):
        frame = _table(scope, name)
        if not (len(frame) and column in frame.columns):
            return frame, False
        key = (name, column, frozenset(values))
        if key not in cuts:
            cells = (name, column, None)    # the column as a list, once per _groups call
            if cells not in cuts and _plain_text(frame[column]):
                cuts[cells] = frame[column].tolist()
            cuts[key] = frame[_isin(frame[column], values, cuts.get(cells))]
        return cuts[key], True

    part, _ = cut("participants", "person_id", persons)
    out.participants = part
    for name, column, values in (("happiness", "person_id", persons),
                                 ("savings", "member_id", persons),
                                 ("finance", "household_id", households),
                                 ("ledger", "household_id", households)):
        frame, filtered = cut(name, column, values)
        if filtered:
            marked[name] = frame
        setattr(out, name, frame)
    mark_group(out, scope, marked, persons, households, partition)
    return out


def _groups(scope, splits, age_bins):
    """``[(values dict, people scope, household scope)]`` for each observed group."""
    part = _table(scope, "participants")
    if not len(part):
        return []
    people = _split_columns(part, splits, age_bins)
    heads = _head_positions(people)
    if all(_plain_text(people[c]) for c in splits):   # text: NaN is None, as below
        row_keys = list(zip(*([v if type(v) is str else None for v in people[c].tolist()]
                              for c in splits)))
    else:
        keys = people[splits].astype(object).where(people[splits].notna(), None)
        row_keys = [tuple(r) for r in keys.itertuples(index=False)]
    ordered = sorted(set(row_keys), key=lambda t: tuple((v is None, str(v)) for v in t))
    # each row's group (the observed tuple equal to its own: what comparing every split
    # column with the group's value, or testing it for NA, selects)
    group_of = {values: g for g, values in enumerate(ordered)}
    row_group = np.array([group_of[k] for k in row_keys], dtype=np.int64)
    person_ids = list(people["person_id"])
    household_ids = list(people["household_id"])
    cuts: dict = {}
    partition = None
    if len(set(person_ids)) == len(person_ids):   # each person in exactly one group
        from .view_memo import GroupPartition

        partition = GroupPartition(dict(zip(person_ids, row_group.tolist())))
    out = []
    for g, values in enumerate(ordered):
        mine = np.flatnonzero(row_group == g)
        persons = {person_ids[i] for i in mine}
        hh_people = {household_ids[i] for i in mine}
        hh = {household_ids[i] for i in heads[row_group[heads] == g]}
        members_of_hh = set(people.loc[_isin(people["household_id"], hh), "person_id"])
        by_people = _subset(scope, persons, hh_people, cuts,
                            None if partition is None else (partition, g))
        by_households = _subset(scope, members_of_hh, hh, cuts)
        by_households.participants = by_households.participants[
            _isin(by_households.participants["household_id"], hh)]
        out.append((dict(zip(splits, [pd.NA if v is None else v for v in values])),
                    by_people, by_households))
    return out


# ------------------------------------------------------------ evaluation --

def evaluate_ladder(project, ladder=None, *, by="village_id", include_project: bool = False,
                    waves: bool = False, status_basis: str = "ratio",
                    partial_threshold: float = 0.5, age_bins=AGE_BINS,
                    on_error: str = "raise") -> pd.DataFrame:
    """Compute every ladder indicator of a project and compare it with its target.

    Parameters
    ----------
    project : Project
        A loaded project (or a village view from ``Project.village``).
    ladder : Ladder, path, list of Ladder, or None
        None evaluates every ladder in ``project.ladders`` whose project has
        villages in ``project``, in the order the projects' villages appear.
    by : str, list of str or None, default "village_id"
        ``"village_id"``: one row per village × indicator (metrics computed on
        ``project.village(v)``). ``None`` (or a list without ``village_id``):
        the whole project (metrics computed on the project's pooled data, not
        averaged over villages). Add participant attributes to split further:
        ``by=["village_id", "sex"]``; allowed are ``sex``, ``age_group``
        (from ``age``, see ``age_bins``), ``occupation_group`` and ``role``.
        Only metrics computed over people or households are split (see
        ``metrics_registry()["over"]``); others are left out of split tables.
    include_project : bool, default False
        With ``village_id`` in ``by``, also add the project-level rows.
    waves : bool, default False
        False: one row per indicator for its final target (``post`` for
        periodic targets). True: one row per wave that has a target (the
        indicator tracking table: each wave's actual against its target).
    status_basis : {"ratio", "progress"}, default "ratio"
        Which figure the status rule uses (see Notes).
    partial_threshold : float, default 0.5
        θ of the status rules.
    age_bins : sequence of int, default (25, 40, 60)
        Lower edges of the age groups after the first (see :func:`age_groups`).
    on_error : {"raise", "warn"}, default "raise"
        What to do when a metric raises: re-raise as :class:`EvaluationError`
        naming the indicator, or warn and report the indicator as ``no_data``.

    Returns
    -------
    pandas.DataFrame
        One row per (scope, group, indicator, wave), in ladder order, columns:

        ``project_id``; ``village_id`` (<NA> on project rows); the split
        columns asked for in ``by`` (<NA> for participants without a value);
        ``level`` (``"village"`` or ``"project"``); ``step`` (1..n);
        ``outcome`` (Thai); ``indicator_id``; ``label``; ``wave`` (the wave
        the actual is measured at: ``during``/``post``; <NA> for metrics
        without waves); ``baseline`` (typed, or measured at ``pre`` in this
        scope; NaN if none); ``baseline_source`` (``typed``, ``measured`` or
        <NA>); ``target`` (of that wave); ``comparator`` (``>=``, ``<=``,
        ``==``); ``actual``; ``unit``; ``pct_of_target`` (the raw ratio
        100 × actual / target, NaN when target is 0 or there is no data);
        ``pct_progress`` (progress from the baseline, see
        :func:`pct_progress`); ``progress_note`` (why ``pct_progress`` is
        empty: ``no_data``, ``no_baseline``, ``baseline_no_data``,
        ``target_equals_baseline``, ``target_behind_baseline``; "" otherwise;
        labels in ``PROGRESS_NOTES``); ``status`` (achieved, partial,
        not_achieved, no_data); ``status_th``; ``n`` (records behind
        ``actual``).

    Notes
    -----
    ``status_basis="ratio"`` (the default) applies :func:`indicator_status` to
    actual and target: partial means ``actual ≥ θ·target`` (for ``≥``), i.e. a
    ``pct_of_target`` of at least 100θ. ``status_basis="progress"``: achieved
    when the actual meets the target (as before); partial when
    ``pct_progress ≥ 100θ`` (for ``==``: between 100θ and 100/θ); otherwise
    not achieved, also when progress is undefined (no baseline).

    Examples
    --------
    >>> import evaluation as ev
    >>> from evaluation.ladder import _example_project
    >>> proj, lad = _example_project()
    >>> ev.evaluate_ladder(proj, lad)[["village_id", "actual", "pct_progress", "status"]]
      village_id  actual  pct_progress    status
    0        V01     2.0         100.0  achieved
    1        V02     1.0          50.0   partial
    """
    _check_threshold(partial_threshold)
    splits = column_list(by, "by")
    allowed = ("village_id",) + SPLITS
    bad = [c for c in splits if c not in allowed]
    if bad or len(set(splits)) != len(splits):
        raise ArgumentError(f"by must be None or names from {', '.join(allowed)} (each once); "
                            f"got {by!r}")
    if on_error not in ("raise", "warn"):
        raise ArgumentError(f"on_error must be 'raise' or 'warn', got {on_error!r}")
    if status_basis not in ("ratio", "progress"):
        raise ArgumentError(f"status_basis must be 'ratio' or 'progress', got {status_basis!r}")
    if not isinstance(waves, bool):
        raise ArgumentError(f"waves must be True or False, got {waves!r}")
    groups = [c for c in splits if c != "village_id"]
    if groups:
        _age_edges(age_bins)  # checks age_bins
    opts = {"village": "village_id" in splits, "include_project": include_project,
            "groups": groups, "waves": waves, "basis": status_basis,
            "theta": partial_threshold, "on_error": on_error, "age_bins": age_bins}
    with shared_intermediates():
        rows = _evaluate(project, ladder, opts)
    columns = LADDER_COLUMNS[:2] + groups + LADDER_COLUMNS[2:]
    frame = _rows_frame(rows, columns, groups)
    return frame if frame is not None else _rows_frame_plain(rows, columns, groups)


_FLOAT_COLUMNS = ("baseline", "target", "actual", "pct_of_target", "pct_progress")
_INT_COLUMNS = ("step", "n")
_NA_COLUMNS = ("village_id", "wave", "baseline_source")


def _rows_frame_plain(rows: list, columns: list, groups: list) -> pd.DataFrame:
    """The indicator rows as :func:`evaluate_ladder` returns them, the pandas way."""
    frame = pd.DataFrame(rows, columns=columns)
    for col in _FLOAT_COLUMNS:
        frame[col] = frame[col].astype(float)
    for col in _INT_COLUMNS:
        frame[col] = frame[col].astype(int)
    for col in [*_NA_COLUMNS, *groups]:
        frame[col] = frame[col].astype(object).where(frame[col].notna(), pd.NA)
    return frame


def _rows_frame(rows: list, columns: list, groups: list) -> pd.DataFrame | None:
    """:func:`_rows_frame_plain` built column by column (its pandas calls were a tenth of
    a village's ladder); None for values whose inferred dtype this does not reproduce.
    Python floats/ints become float64/int64, NA columns text or ``pd.NA``, others text."""
    if not rows or any(len(r) != len(columns) for r in rows):
        return None
    na_columns = {*_NA_COLUMNS, *groups}
    data = {}
    for col in columns:
        try:
            values = [r[col] for r in rows]
        except KeyError:
            return None
        kinds = {type(v) for v in values}
        if col in _FLOAT_COLUMNS:
            if not kinds <= {float, int} or any(type(v) is int and abs(v) >= 2 ** 53
                                                for v in values):
                return None
            data[col] = np.array(values, dtype=float)
        elif col in _INT_COLUMNS:
            if kinds != {int} or any(abs(v) >= 2 ** 62 for v in values):
                return None
            data[col] = np.array(values, dtype=int)
        elif col in na_columns:
            out = np.empty(len(values), dtype=object)
            for i, v in enumerate(values):
                if type(v) is str:
                    out[i] = v
                elif v is None or v is pd.NA or (type(v) is float and v != v):
                    out[i] = pd.NA
                else:
                    return None
            data[col] = pd.Series(out, dtype=object)   # kept as objects, never inferred
        elif kinds == {str}:
            data[col] = values
        else:
            return None
    return pd.DataFrame(data, columns=columns)


def _evaluate(project, ladder, opts) -> list:
    rows: list[dict] = []
    villages = _table(project, "villages")
    for lad in _ladders(project, ladder):
        vids = program_village_ids(villages, lad.project_id)   # never comparison villages
        if not vids:
            known = sorted(set(villages.get("project_id", pd.Series(dtype=object))))
            raise EvaluationError(
                f"the ladder of project {lad.project_id!r} has no villages in this project "
                f"data; projects present: {', '.join(map(str, known)) or '(none)'}")
        scopes = []
        if opts["village"]:
            one = len(villages) == 1
            scopes += [("village", v, project if one else project.village(v)) for v in vids]
        if not opts["village"] or opts["include_project"]:
            scopes.append(("project", pd.NA, _project_scope(project, lad.project_id)))
        for level, vid, scope in scopes:
            if opts["groups"]:
                for values, by_people, by_households in _groups(scope, opts["groups"],
                                                                opts["age_bins"]):
                    ctx = {"level": level, "village_id": vid, **values}
                    rows += _indicator_rows(lad, ctx, {"people": by_people,
                                                       "households": by_households}, opts)
            else:
                ctx = {"level": level, "village_id": vid}
                rows += _indicator_rows(lad, ctx, {None: scope}, opts)
    return rows


def _indicator_rows(lad, ctx, scopes, opts) -> list[dict]:
    rows = []
    for step in lad.steps:
        for ind in step.indicators:
            info = get_metric(ind.metric)
            if None in scopes:
                scope = scopes[None]
            elif info.over in scopes:
                scope = scopes[info.over]
            else:
                continue  # not computed over people or households: not split
            where = _where(ctx, lad)
            baseline, source = ind.baseline, "typed" if ind.baseline is not None else pd.NA
            base_note = ""
            if ind.baseline_measured:
                params = {**ind.params, info.wave_param: "pre"}
                res = _run(ind, params, scope, where, opts["on_error"])
                source = "measured"
                baseline = res.value if res.n and not pd.isna(res.value) else math.nan
                base_note = "" if not pd.isna(baseline) else "baseline_no_data"
            waves = list(ind.targets.items())
            if not opts["waves"]:
                waves = waves[-1:]
            for wave, target in waves:
                params = ind.params if wave is None or info.wave_param is None else \
                    {**ind.params, info.wave_param: wave}
                res = _run(ind, params, scope, where, opts["on_error"])
                rows.append(_row(lad, step, ind, ctx, wave, baseline, source, base_note,
                                 target, res, opts))
    return rows


def _where(ctx, lad) -> str:
    where = f"village {ctx['village_id']}" if not pd.isna(ctx["village_id"]) \
        else f"project {lad.project_id}"
    extra = [f"{k}={v}" for k, v in ctx.items() if k not in ("level", "village_id")]
    return where + (f" ({', '.join(extra)})" if extra else "")


def _run(ind: Indicator, params, scope, where, on_error) -> MetricResult:
    try:
        return compute_metric(ind.metric, scope, params)
    except Exception as exc:
        msg = (f"indicator {ind.id!r} (metric {ind.metric!r}, params {params}) failed "
               f"for {where}: {exc}")
        if on_error == "raise":
            raise EvaluationError(msg) from exc
        warnings.warn(msg, stacklevel=4)
        return MetricResult(math.nan, 0)


def _row(lad, step, ind, ctx, wave, baseline, source, base_note, target, res, opts) -> dict:
    theta = opts["theta"]
    status = indicator_status(res.value, target, ind.comparator, n=res.n,
                              partial_threshold=theta)
    actual = math.nan if status == "no_data" else res.value
    pct = math.nan if status == "no_data" or target == 0 else 100.0 * actual / target
    progress, note = _progress(actual, baseline, target, ind.comparator)
    if note == "no_baseline" and base_note:
        note = base_note
    if opts["basis"] == "progress" and status in ("partial", "not_achieved"):
        status = _progress_status(progress, ind.comparator, theta)
    row = {"project_id": lad.project_id, **ctx, "step": step.number, "outcome": step.outcome,
           "indicator_id": ind.id, "label": ind.label, "wave": pd.NA if wave is None else wave,
           "baseline": math.nan if baseline is None else baseline,
           "baseline_source": source, "target": target, "comparator": ind.comparator,
           "actual": actual, "unit": ind.unit, "pct_of_target": pct, "pct_progress": progress,
           "progress_note": note, "status": status,
           "status_th": STATUS_LABELS["th"][status], "n": res.n}
    return row


def _progress_status(progress, comparator, theta) -> str:
    """Status of an indicator that does not meet its target, from its progress."""
    if pd.isna(progress):
        return "not_achieved"
    tol = _RTOL * 100
    if progress >= 100 * theta - tol and (COMPARATORS.get(comparator) != "=="
                                          or progress <= 100 / theta + tol):
        return "partial"
    return "not_achieved"


# ------------------------------------------------------------- formatting --

def format_value(value, unit: str, lang: str = "th") -> str:
    """A number with thousands separators and its unit word (``1,500 บาท``, ``62.5%``).

    Whole numbers show no decimals; percentages one decimal (so a column reads
    evenly); others one decimal from 100 up, else up to two (trailing zeros
    dropped). Presentation only: the data stay unrounded."""
    if value is None or pd.isna(value):
        return "–"
    value = float(value)
    if unit == "%" and abs(value - round(value)) >= 1e-9:
        text = f"{value:,.1f}".removesuffix(".0")
    elif abs(value - round(value)) < 1e-9:
        text = f"{round(value):,d}"
    elif abs(value) >= 100:
        text = f"{value:,.1f}".removesuffix(".0")
    else:
        text = f"{value:,.2f}".rstrip("0").removesuffix(".")
    word = UNIT_LABELS[_lang(lang)].get(unit, unit or "")
    if word == "%":
        return f"{text}%"
    return f"{text} {word}".strip()


def _lang(lang):
    if lang not in ("th", "en"):
        raise ArgumentError(f"lang must be 'th' or 'en', got {lang!r}")
    return lang


_TABLE_HEADERS = {
    "th": {"village": "หมู่บ้าน", "step": "ขั้นที่", "outcome": "ผลลัพธ์",
           "label": "ตัวชี้วัด", "wave": "ช่วงเวลา", "baseline": "ค่าฐาน",
           "target": "เป้าหมาย", "actual": "ผลที่ได้", "pct": "ร้อยละของเป้าหมาย",
           "progress": "ความก้าวหน้าจากค่าฐาน (%)", "status": "สถานะ",
           "n": "จำนวนข้อมูล (n)", "whole": "ทั้งโครงการ"},
    "en": {"village": "Village", "step": "Step", "outcome": "Outcome", "label": "Indicator",
           "wave": "Wave", "baseline": "Baseline", "target": "Target", "actual": "Actual",
           "pct": "% of target", "progress": "% progress from baseline", "status": "Status",
           "n": "n", "whole": "Whole project"},
}
#: Labels of split columns and their values in reports.
SPLIT_LABELS = {
    "th": {"sex": "เพศ", "age_group": "กลุ่มอายุ", "occupation_group": "กลุ่มอาชีพ",
           "role": "บทบาท", "F": "หญิง", "M": "ชาย", "team": "คณะทำงาน",
           "target": "กลุ่มเป้าหมาย", "mentor": "พี่เลี้ยง", "missing": "ไม่ระบุ"},
    "en": {"sex": "Sex", "age_group": "Age group", "occupation_group": "Occupation group",
           "role": "Role", "F": "Women", "M": "Men", "team": "Team", "target": "Target",
           "mentor": "Mentor", "missing": "Not recorded"},
}
#: Wave names in reports.
WAVE_LABELS = {"th": {"pre": "ก่อน", "during": "ระหว่าง", "post": "หลัง"},
               "en": {"pre": "Pre", "during": "During", "post": "Post"}}
_REQUIRED = ["project_id", "village_id", "step", "outcome", "indicator_id", "label",
             "baseline", "target", "comparator", "actual", "unit", "pct_of_target", "status",
             "n"]


def split_label(column: str, value, lang: str = "th") -> str:
    """A split value as shown in reports (``F`` -> หญิง; missing -> ไม่ระบุ)."""
    labels = SPLIT_LABELS[_lang(lang)]
    if value is None or pd.isna(value):
        return labels["missing"]
    if column == "age_group":
        text = str(value)
        return text + (" ปี" if lang == "th" else " years")
    return labels.get(str(value), str(value))


def ladder_table(evaluation_frame: pd.DataFrame, *, lang: str = "th") -> pd.DataFrame:
    """Format :func:`evaluate_ladder` output for a report (strings only).

    Parameters
    ----------
    evaluation_frame : pandas.DataFrame
        Output of :func:`evaluate_ladder`.
    lang : {"th", "en"}, default "th"

    Returns
    -------
    pandas.DataFrame
        Columns (Thai / English headers): village (หมู่บ้าน, only when the
        frame has more than one village or level; project rows read
        ทั้งโครงการ), the split columns (เพศ, กลุ่มอายุ, … when present), step
        (ขั้นที่), outcome (ผลลัพธ์), indicator (ตัวชี้วัด), wave (ช่วงเวลา,
        only when the frame holds more than one wave of an indicator),
        baseline (ค่าฐาน), target (เป้าหมาย, e.g. ``≥ 30 คน``), actual
        (ผลที่ได้), % of target (ร้อยละของเป้าหมาย, the raw ratio), %
        progress from the baseline (ความก้าวหน้าจากค่าฐาน, only when some row
        has a baseline), status (สถานะ), n. Missing values show as ``–``.

    Examples
    --------
    >>> import evaluation as ev
    >>> from evaluation.ladder import _example_project
    >>> proj, lad = _example_project()
    >>> ev.ladder_table(ev.evaluate_ladder(proj, lad)).iloc[1, 5:10].tolist()
    ['≥ 2 คน', '1 คน', '50%', '50%', 'บรรลุบางส่วน']
    """
    lang = _lang(lang)
    h = _TABLE_HEADERS[lang]
    f = evaluation_frame
    require_columns(f, _REQUIRED, what="evaluation_frame",
                    hint="Pass the output of evaluate_ladder.")
    out = {}
    levels = f["level"] if "level" in f.columns else pd.Series("village", index=f.index)
    scopes = pd.Series(list(zip(f["village_id"].astype(object).fillna(""), levels)))
    if scopes.nunique() > 1:
        out[h["village"]] = [h["whole"] if lvl == "project" else str(v)
                             for v, lvl in zip(f["village_id"], levels)]
    for col in SPLITS:
        if col in f.columns:
            out[SPLIT_LABELS[lang][col]] = [split_label(col, v, lang) for v in f[col]]
    out[h["step"]] = f["step"].astype(int).astype(str).tolist()
    if lang == "en" and "outcome_en" in f.columns:
        out[h["outcome"]] = f["outcome_en"].fillna(f["outcome"]).tolist()
    else:
        out[h["outcome"]] = f["outcome"].tolist()
    out[h["label"]] = f["label"].tolist()
    if "wave" in f.columns:
        keys = [c for c in ["village_id", "level", *SPLITS, "indicator_id"] if c in f.columns]
        key_frame = f[keys].astype(object)
        if len(f) and key_frame.where(key_frame.notna(), "").duplicated().any():
            out[h["wave"]] = ["–" if pd.isna(w) else WAVE_LABELS[lang].get(w, w)
                              for w in f["wave"]]
    out[h["baseline"]] = [format_value(b, u, lang) for b, u in zip(f["baseline"], f["unit"])]
    out[h["target"]] = [f"{COMPARATOR_SYMBOLS.get(c, c)} {format_value(t, u, lang)}"
                        for c, t, u in zip(f["comparator"], f["target"], f["unit"])]
    out[h["actual"]] = [format_value(a, u, lang) for a, u in zip(f["actual"], f["unit"])]
    out[h["pct"]] = [format_value(p, "%", lang) for p in f["pct_of_target"]]
    if "pct_progress" in f.columns and f["baseline"].notna().any():
        out[h["progress"]] = [format_value(p, "%", lang) for p in f["pct_progress"]]
    out[h["status"]] = [STATUS_LABELS[lang][s] for s in f["status"]]
    out[h["n"]] = [f"{int(n):,d}" for n in f["n"]]
    return pd.DataFrame(out, index=f.index)


def _example_project():
    """A two-village toy project and ladder used in docstring examples."""
    from types import SimpleNamespace

    villages = pd.DataFrame({"village_id": ["V01", "V02"], "project_id": ["P01", "P01"],
                             "name": ["บ้านหนึ่ง", "บ้านสอง"]})
    participants = pd.DataFrame({
        "person_id": ["a", "b", "c", "d"], "household_id": ["h1", "h2", "h3", "h4"],
        "village_id": ["V01", "V01", "V02", "V02"],
        "role": ["team", "team", "team", "target"]})

    def village(vid):
        return restrict_project(proj, [vid])

    proj = SimpleNamespace(projects=pd.DataFrame({"project_id": ["P01"]}), villages=villages,
                           participants=participants, happiness=pd.DataFrame(),
                           finance=pd.DataFrame(), ledger=pd.DataFrame(),
                           savings=pd.DataFrame(), lessons=pd.DataFrame(), ladders={},
                           village=village)
    lad = parse_ladder("project_id: P01\nsteps:\n  - step: 1\n    outcome: มีคณะทำงาน\n"
                       "    indicators:\n      - {id: team, label: คณะทำงาน, metric: "
                       "participants_count, params: {role: team}, baseline: 0, target: 2, "
                       "comparator: ≥, unit: คน}\n")
    return proj, lad
