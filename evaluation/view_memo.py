"""Intermediate tables computed once per project view (the village report's memo).

The sections of one village report, and the outcome-ladder metrics they run,
need the same intermediate tables: per-household finance before and after
(headline figures, the money section, the ladder's income and debt shares),
account keeping of the target households (accounts section and ladder), the
savings-group summary (savings section and ladder). :func:`memo` keeps such a
table on the :class:`~evaluation.project.Project` view the notebook passes to
every section (``v = project.village(id)``), so it is computed once and
disappears with the view; nothing is kept between villages.

An entry is reused only while the tables it was computed from (``depends``)
are the very same objects: a notebook that replaces ``v.finance`` gets fresh
results. (A table changed in place is not noticed; replace it instead.)

:func:`shared` is the variant the analysis modules use (the ladder metrics):
it reuses and fills the memo only of a view that a report section already
uses (:func:`memo` was called on it), so library calls on a fresh project
behave exactly as without a memo. Views made with ``copy.copy`` (the ladder's
per-group scopes) never see their parent's entries.

The ladder's group scopes (``evaluate_ladder(v, by=[..., "sex"])`` builds one
copy of ``v`` per group with that group's rows, :func:`mark_group`) reuse the
view's tables too: per-household finance and account keeping and per-person
scores and happiness pairs are computed row by row from each household's or
person's own rows, so a group's table is the view's table restricted to the
group's ids (:func:`group_source`); the groups' regular savers come from one
savings summary by savings group and ladder group (:func:`group_partition`).
This happens only on a view whose memo is on, only while the group's tables
are the very frames cut for it, and falls back to computing on the group when
the view's computation fails.

:func:`sharing` switches the memo off (every call computes), which is how the
tests check that sharing never changes a number.
"""

from __future__ import annotations

import contextlib
import contextvars

import pandas as pd

__all__ = ["GroupPartition", "group_households_table", "group_partition", "group_regular_savers",
           "group_source", "household_finance_once", "memo", "metric_scores_once",
           "savings_summary_once", "shared", "sharing", "target_account_keeping"]

_ENABLED: contextvars.ContextVar[bool] = contextvars.ContextVar("view_memo_enabled",
                                                               default=True)
_ATTR = "_section_memo"


@contextlib.contextmanager
def sharing(enabled: bool = True):
    """Within this block the per-view memo is on (default) or off (``enabled=False``).

    Examples
    --------
    >>> with sharing(False):
    ...     memo(object(), ("x",), lambda: 1)
    1
    """
    token = _ENABLED.set(bool(enabled))
    try:
        yield
    finally:
        _ENABLED.reset(token)


def _store(project, create: bool):
    """The memo dict of `project` itself (not one inherited by ``copy.copy``)."""
    try:
        attrs = vars(project)
    except TypeError:   # no __dict__: nothing can be kept
        return None
    held = attrs.get(_ATTR)
    if held is not None and held[0] == id(project):
        return held[1]
    if not create:
        return None
    store: dict = {}
    attrs[_ATTR] = (id(project), store)
    return store


def _lookup(store, project, key, compute, depends):
    sources = tuple(getattr(project, name, None) for name in depends)
    hit = store.get(key)
    if hit is not None and len(hit[0]) == len(sources) and all(
            a is b for a, b in zip(hit[0], sources)):
        value = hit[1]
    else:
        value = compute()
        store[key] = (sources, value)
    return value.copy(deep=False) if isinstance(value, pd.DataFrame) else value


def memo(project, key: tuple, compute, *, depends: tuple = ()):
    """Compute once per view: ``compute()`` cached on `project` under `key`.

    Parameters
    ----------
    project : Project
        The view the result belongs to.
    key : tuple
        Hashable; must hold every parameter that changes the result.
    compute : callable
        Called without arguments when there is no valid entry.
    depends : tuple of str
        Names of the tables of `project` that ``compute`` reads: the entry is
        reused only while each is the very same object.

    Returns
    -------
    object
        The value; a DataFrame is returned as a shallow copy (copy-on-write:
        changing it never changes the memo).
    """
    if not _ENABLED.get():
        value = compute()
        return value.copy(deep=False) if isinstance(value, pd.DataFrame) else value
    store = _store(project, create=True)
    if store is None:
        return compute()
    return _lookup(store, project, key, compute, depends)


def shared(project, key: tuple, compute, *, depends: tuple = ()):
    """:func:`memo` only on a view a report section already memoises; else ``compute()``."""
    store = _store(project, create=False) if _ENABLED.get() else None
    if store is None:
        return compute()
    return _lookup(store, project, key, compute, depends)


# --------------------------------------------------------------------------- group scopes
_GROUP_ATTR = "_ladder_group"


class GroupPartition:
    """The ladder's split of a view's people into groups (each person in at most one):
    ``person_group`` maps a person id to its group number; ``tables`` keeps tables
    computed once for all groups (e.g. the savings summary by group), for as long as
    the group scopes live."""

    def __init__(self, person_group: dict):
        self.person_group = person_group
        self.tables: dict = {}


def mark_group(scope, parent, tables: dict, persons: set, households: set,
               partition: tuple | None = None) -> None:
    """Record that `scope` (a ``copy.copy`` of `parent`) holds `parent`'s rows of
    `persons` and `households`: ``tables`` maps each table name to the frame cut
    for `scope` (``parent.<name>`` filtered by person or household id).

    :func:`group_source` then lets a metric take per-person or per-household
    rows from `parent`'s memoised intermediate table instead of recomputing it
    on the subset (see :mod:`evaluation.ladder`'s group scopes). `partition`
    ``(GroupPartition, group number)``: `persons` are exactly that group's people
    (:func:`group_partition`).
    """
    try:
        vars(scope)[_GROUP_ATTR] = (id(scope), parent, dict(tables), persons, households,
                                    partition)
    except TypeError:   # no __dict__: nothing is recorded, metrics compute on the subset
        pass


def _group_record(project, table: str):
    if not _ENABLED.get():
        return None
    try:
        held = vars(project).get(_GROUP_ATTR)
    except TypeError:
        return None
    if held is None or held[0] != id(project):
        return None
    _, parent, tables, persons, households, partition = held
    if table not in tables or getattr(project, table, None) is not tables[table]:
        return None
    if _store(parent, create=False) is None:
        return None
    return parent, persons, households, partition


def group_partition(project, table: str):
    """``(parent, GroupPartition, group number)`` for a group scope whose `table` is
    still the frame :func:`mark_group` recorded and whose people are one group of a
    partition (same conditions as :func:`group_source`); else ``None``."""
    held = _group_record(project, table)
    if held is None or held[3] is None:
        return None
    return held[0], held[3][0], held[3][1]


def group_source(project, table: str):
    """``(parent, persons, households)`` when `project`'s `table` is still the very
    frame :func:`mark_group` recorded and `parent` is a view whose memo is on
    (a report section's view, sharing not switched off); else ``None``.

    Only then may a metric filter `parent`'s per-person or per-household
    result to these ids instead of computing on `project`; every other case
    (library calls on a fresh project, a replaced table, ``sharing(False)``)
    computes as before.

    Examples
    --------
    >>> class View: pass
    >>> parent, part = View(), View()
    >>> part.ledger = object()
    >>> mark_group(part, parent, {"ledger": part.ledger}, {"P1"}, {"H1"})
    >>> group_source(part, "ledger") is None    # parent has no memo: compute as usual
    True
    >>> _ = memo(parent, ("x",), lambda: 1)
    >>> group_source(part, "ledger")[2]
    {'H1'}
    >>> part.ledger = object()                   # replaced table: not derived
    >>> group_source(part, "ledger") is None
    True
    """
    held = _group_record(project, table)
    return None if held is None else held[:3]


# --------------------------------------------------------------------------- shared tables
def household_finance_once(project, before: str = "pre", after: str = "post", *,
                           memo_fn=shared) -> pd.DataFrame:
    """:func:`evaluation.household_finance` of ``project.finance`` (no grouping)."""
    from .finance import household_finance

    return memo_fn(project, ("household_finance", before, after),
                   lambda: household_finance(project.finance, before=before, after=after),
                   depends=("finance",))


def metric_scores_once(project, instrument, *, memo_fn=shared) -> pd.DataFrame:
    """:func:`evaluation.score_instrument` of all of ``project.happiness`` with
    `instrument` (a user instrument of the project, else the id), as the ladder's
    happiness metrics score it (empty DataFrame without happiness rows)."""
    def compute():
        from .instruments import score_instrument

        hap = getattr(project, "happiness", None)
        if hap is None or not len(hap):
            return pd.DataFrame()
        user = getattr(project, "instruments", None) or {}
        return score_instrument(hap, user.get(instrument, instrument))

    return memo_fn(project, ("metric_scores", instrument), compute,
                   depends=("happiness", "instruments"))


def savings_summary_once(project, *, memo_fn=shared) -> pd.DataFrame:
    """:func:`evaluation.savings_summary` of ``project.savings`` (per group, own period)."""
    from .savings import savings_summary

    return memo_fn(project, ("savings_summary",), lambda: savings_summary(project.savings),
                   depends=("savings",))


def target_account_keeping(project, *, min_entries: int, min_months: int,
                           role: str | None = "target", count: str = "entries",
                           memo_fn=shared) -> pd.DataFrame:
    """:func:`evaluation.account_keeping` of the households of the participants of
    `role` (their ledger rows only), as the ladder's account-keeping metrics compute it.

    One row per listed household (and per other household of the ledger
    subset, none here), sorted by id; reasons in Thai.
    """
    def compute():
        from .ledger import account_keeping
        from .metrics import _households, _table

        households = _households(project, role)
        ledger = _table(project, "ledger")
        if len(ledger):
            ledger = ledger[ledger["household_id"].isin(households)]
        return account_keeping(ledger, households=list(households), min_entries=min_entries,
                               min_months=min_months, count=count)

    return memo_fn(project, ("account_keeping", role, min_entries, min_months, count), compute,
                   depends=("participants", "ledger"))


# --------------------------------------------------------------------------- group metrics
def try_compute(compute):
    """``compute()``, or None when it raises (the caller then computes on its own
    scope, which raises or warns exactly as before)."""
    try:
        return compute()
    except Exception:  # noqa: BLE001 - any failure: fall back to the plain computation
        return None


def _frame(project, name: str) -> pd.DataFrame:
    frame = getattr(project, name, None)
    return pd.DataFrame() if frame is None else frame


def group_households_table(project, table: str, households: pd.Index, compute):
    """For a ladder group scope whose `table` was cut by household id: ``compute(parent)``
    (the whole view's per-household table) when it has a row for each of `households`,
    all of them in the group; else None (compute on the group itself)."""
    src = group_source(project, table)
    if src is None or not households.isin(list(src[2])).all():
        return None
    whole = try_compute(lambda: compute(src[0]))
    if whole is None or "household_id" not in whole.columns or \
            not households.isin(whole["household_id"]).all():
        return None
    return whole


_GROUP_COLUMN = "_ladder_group_"


def group_regular_savers(project) -> tuple[int, int] | None:
    """(regular savers, members) of a ladder group scope from one savings summary of
    the whole view by savings group and ladder group (each key's own period, members and
    regular savers are those of the group's rows alone); None when not such a scope."""
    from .savings import savings_summary

    src = group_partition(project, "savings")
    if src is None:
        return None
    parent, partition, g = src
    whole = _frame(parent, "savings")
    if "member_id" not in whole.columns or not whole.index.is_unique:
        return None
    if "savings" not in partition.tables:
        labels = whole["member_id"].map(partition.person_group).to_numpy()
        summary = try_compute(lambda: savings_summary(
            whole.assign(**{_GROUP_COLUMN: labels}), by=["group_id", _GROUP_COLUMN]))
        partition.tables["savings"] = (labels, summary)
    labels, summary = partition.tables["savings"]
    mine = pd.Series(labels, index=whole.index) == g
    if summary is None or not whole.index[mine.to_numpy()].equals(
            _frame(project, "savings").index):
        return None   # the group's rows are not exactly these: compute on the group
    rows = summary[summary[_GROUP_COLUMN] == g]
    return (int(pd.to_numeric(rows["regular_savers"]).sum()),
            int(pd.to_numeric(rows["members"]).sum()))
