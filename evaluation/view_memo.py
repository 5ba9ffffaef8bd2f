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

:func:`sharing` switches the memo off (every call computes), which is how the
tests check that sharing never changes a number.
"""

from __future__ import annotations

import contextlib
import contextvars

import pandas as pd

__all__ = ["household_finance_once", "memo", "savings_summary_once", "shared", "sharing",
           "target_account_keeping"]

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


# --------------------------------------------------------------------------- shared tables
def household_finance_once(project, before: str = "pre", after: str = "post", *,
                           memo_fn=shared) -> pd.DataFrame:
    """:func:`evaluation.household_finance` of ``project.finance`` (no grouping)."""
    from .finance import household_finance

    return memo_fn(project, ("household_finance", before, after),
                   lambda: household_finance(project.finance, before=before, after=after),
                   depends=("finance",))


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
