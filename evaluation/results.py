"""Figures derived once per village view: the numbers every report shows.

Sits between the analysis modules and the reports. It computes with the
library and keeps no language and no formatting:

* :func:`headline_figures` — the few numbers a funder reads first (scores
  with :func:`evaluation.score_instrument`, paired change with
  :func:`evaluation.happiness.happiness_change`, household income change
  with :func:`evaluation.finance.finance_change`, the outcome ladder with
  :func:`evaluation.evaluate_ladder`) as a flat, JSON-serialisable dict;
  :func:`overall_status` from the ladder counts;
* :func:`participants_by_role`, :func:`participants_by_village`;
* the per-village-view memo (:func:`memo`) that lets every report section
  reuse one scoring (:func:`scores`) and one ladder evaluation
  (:func:`evaluate_ladder_once`);
* small lookups the sections share: :func:`one_village`,
  :func:`village_row`, :func:`main_instrument`, :func:`instrument_name`,
  :func:`waves_present`, :func:`jsonable`.

:func:`evaluation.reporting.headline.write_headline` turns the headline
figures into the labelled entries of ``headline.json``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from .errors import ArgumentError, EvaluationError, require_columns

__all__ = ["HEADLINE_KEYS", "PREFERRED_INSTRUMENTS", "SectionArgumentError",
           "attrition_summary", "evaluate_ladder_once", "finance_change_once", "headline_figures", "instrument_name", "instrument_short",
           "instruments_present", "jsonable", "main_instrument", "memo", "one_village",
           "overall_status", "participants_by_role", "participants_by_village", "scores",
           "village_row", "waves_present"]

#: Instrument shown first (headline) when present in the data.
PREFERRED_INSTRUMENTS = ("tmhi15", "who5", "happinometer", "happy10")


class SectionArgumentError(ArgumentError):
    """A report section or a results function was called with an invalid argument."""


def is_missing(value) -> bool:
    """True for None, NaN, NA and NaT."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False

#: Keys of :func:`headline_figures`, in order.
HEADLINE_KEYS = (
    "village_id", "name", "project_id", "project_name", "n_participants", "n_target", "n_team",
    "n_mentor", "n_households", "instrument", "wave_before", "wave_after",
    "happiness_mean_change", "happiness_ci_low", "happiness_ci_high", "happiness_n",
    "happiness_share_improved", "happiness_p_t", "happiness_p_wilcoxon",
    "income_mean_change", "income_ci_low", "income_ci_high", "income_n",
    "income_share_up", "ladder_achieved", "ladder_partial", "ladder_not_achieved",
    "ladder_no_data", "ladder_total", "status",
)

#: Share of ladder indicators achieved for "on_track" and for "partly".
ON_TRACK, PARTLY = 0.8, 0.5


def overall_status(achieved: int, total_with_data: int) -> str:
    """``on_track`` / ``partly`` / ``off_track`` / ``no_data`` from the ladder.

    Notes
    -----
    ``share = achieved / indicators with data``; on track when
    ``share >= 0.8``, partly when ``share >= 0.5``, otherwise off track;
    ``no_data`` when no indicator has data.

    Examples
    --------
    >>> overall_status(10, 12), overall_status(6, 12), overall_status(0, 0)
    ('on_track', 'partly', 'no_data')
    """
    if not total_with_data:
        return "no_data"
    share = achieved / total_with_data
    if share >= ON_TRACK:
        return "on_track"
    if share >= PARTLY:
        return "partly"
    return "off_track"


def _happiness(project, instrument, before, after) -> dict:
    from .happiness import happiness_change

    out = dict(instrument=instrument, happiness_mean_change=None, happiness_ci_low=None,
               happiness_ci_high=None, happiness_n=0, happiness_share_improved=None,
               happiness_p_t=None, happiness_p_wilcoxon=None)
    if instrument is None:
        return out
    sc = scores(project, instrument)
    waves = _waves_where(sc, "total") if len(sc) else []
    if before not in waves or after not in waves:
        return out
    res = _first_row(happiness_change(sc, contrasts=[(before, after)]))
    out.update(happiness_mean_change=res["mean_diff"], happiness_ci_low=res["ci_low"],
               happiness_ci_high=res["ci_high"], happiness_n=res["n_pairs"],
               happiness_share_improved=res["share_improved"], happiness_p_t=res["p_t"],
               happiness_p_wilcoxon=res["p_wilcoxon"])
    return out


def _income(project, before, after) -> dict:
    out = dict(income_mean_change=None, income_ci_low=None, income_ci_high=None, income_n=0,
               income_share_up=None)
    fin = project.finance
    if fin.empty or "income" not in fin.columns:
        return out
    waves = _waves_where(fin, "income")
    if before not in waves or after not in waves:
        return out
    change = finance_change_once(project, before, after)   # shared with the money section
    res = _first_row(change, int(np.flatnonzero(
        change["measure"].to_numpy(dtype=object, na_value=None) == "income")[0]))
    out.update(income_mean_change=res["mean_diff"], income_ci_low=res["ci_low"],
               income_ci_high=res["ci_high"], income_n=res["n_pairs"],
               income_share_up=res["share_income_up"])
    return out


def _ladder(project, ladder_frame=None) -> dict:
    out = dict(ladder_achieved=0, ladder_partial=0, ladder_not_achieved=0, ladder_no_data=0,
               ladder_total=0)
    if ladder_frame is None:
        if not project.ladders:
            return out
        ladder_frame = evaluate_ladder_once(project)
    frame = ladder_frame
    # the village rows' statuses counted in Python (a ladder has a dozen indicators)
    status = frame["status"].tolist()
    if "level" in frame.columns:
        status = [s for s, lv in zip(status, frame["level"].tolist()) if lv == "village"]
    counts = Counter(status)
    out.update(ladder_achieved=int(counts.get("achieved", 0)),
               ladder_partial=int(counts.get("partial", 0)),
               ladder_not_achieved=int(counts.get("not_achieved", 0)),
               ladder_no_data=int(counts.get("no_data", 0)), ladder_total=int(len(status)))
    return out


def _first_row(frame: pd.DataFrame, i: int = 0):
    """``frame.iloc[i]``, as ``{column: value}`` read column by column when the frame
    has a text column (then the row holds each column's own scalars; building it
    costs more than the few reads)."""
    if not any(d == object or d == "str" for d in frame.dtypes):
        return frame.iloc[i]
    return {c: frame[c].iloc[i] for c in frame.columns}


def _waves_where(frame: pd.DataFrame, value: str, column: str = "wave") -> list[str]:
    """``waves_present(frame[frame[value].notna()])`` without filtering the whole frame."""
    from .schema import WAVES

    keep = frame[value].notna().to_numpy()   # (the filter's KeyError without `value`)
    if column not in frame.columns:
        return []
    keep = keep & frame[column].notna().to_numpy()
    have = {str(w) for w in frame[column].to_numpy(dtype=object)[keep]}
    return [w for w in WAVES if w in have]


def headline_figures(project, *, village_id: str | None = None, instrument: str | None = None,
                     before: str = "pre", after: str = "post", ladder_frame=None) -> dict:
    """The headline figures of one village (takes a Project or a village view).

    Parameters
    ----------
    project : Project
        A village view (``proj.village("V01")``) or a project with
        ``village_id`` given.
    village_id : str, optional
        The village, when `project` holds several.
    instrument : str, optional
        Happiness instrument of the headline (default ``tmhi15`` when present,
        else the first instrument in the data).
    before, after : {"pre", "during", "post"}
        Waves compared (default pre and post).
    ladder_frame : DataFrame, optional
        An :func:`evaluation.evaluate_ladder` result to reuse (one village).

    Returns
    -------
    dict
        JSON-serialisable (``None`` where a value cannot be computed), keys
        :data:`HEADLINE_KEYS`:

        ``village_id, name, project_id, project_name``; ``n_participants``
        and ``n_target, n_team, n_mentor`` (by role), ``n_households``
        (distinct households of the participants); ``instrument``,
        ``wave_before``, ``wave_after``; ``happiness_mean_change``,
        ``happiness_ci_low``, ``happiness_ci_high`` (95% t interval),
        ``happiness_n`` (complete pairs), ``happiness_share_improved`` (0–1),
        ``happiness_p_t``, ``happiness_p_wilcoxon``; ``income_mean_change``,
        ``income_ci_low``, ``income_ci_high`` (baht per month, households with
        income at both waves), ``income_n``, ``income_share_up`` (0–1);
        ``ladder_achieved``, ``ladder_partial``, ``ladder_not_achieved``,
        ``ladder_no_data``, ``ladder_total`` (indicator counts); ``status``
        (:func:`overall_status`).

    Notes
    -----
    Happiness change is ``mean(total_after − total_before)`` over persons with
    a total at both waves, with the paired t interval (R ``t.test(after,
    before, paired = TRUE)``), exactly the ``pre→post`` row of
    :func:`evaluation.happiness.happiness_change`; income change is the
    ``income`` row of :func:`evaluation.finance.finance_change`.

    Examples
    --------
    >>> import evaluation as ev
    >>> from evaluation.results import headline_figures
    >>> fig = headline_figures(ev.load_project("data/sample").village("V01"))
    >>> fig["village_id"], fig["happiness_n"], fig["ladder_total"]
    ('V01', 30, 12)
    """
    v = one_village(project, village_id)
    row = _village_fields(v)
    people = v.participants
    # counted in Python: value_counts and nunique cost more than a village's rows
    roles = Counter(people["role"].tolist() if len(people) else ())
    inst = main_instrument(v, instrument)
    out = {
        "village_id": row.get("village_id"), "name": row.get("name"),
        "project_id": row.get("project_id"), "project_name": row["project"].get("name"),
        "n_participants": int(len(people)), "n_target": int(roles.get("target", 0)),
        "n_team": int(roles.get("team", 0)), "n_mentor": int(roles.get("mentor", 0)),
        "n_households": len({h for h in people["household_id"].tolist() if not is_missing(h)}),
        "wave_before": before, "wave_after": after,
    }
    out.update(_happiness(v, inst, before, after))
    out.update(_income(v, before, after))
    out.update(_ladder(v, ladder_frame))
    out["status"] = overall_status(out["ladder_achieved"],
                                   out["ladder_total"] - out["ladder_no_data"])
    return jsonable({k: out.get(k) for k in HEADLINE_KEYS})


# --------------------------------------------------------------------------- participants
ROLES = ("team", "target", "mentor")


def participants_by_role(participants, *, role: str = "role", sex: str = "sex"):
    """Number of participants per role, by sex.

    Parameters
    ----------
    participants : DataFrame
        One row per person.
    role, sex : str
        Column names (role values team/target/mentor; sex ``F``/``M``).

    Returns
    -------
    DataFrame
        One row per role in the order team, target, mentor (roles with nobody
        included, with zeros) and columns ``role, female, male, total``;
        ``total`` also counts people whose sex is missing.

    Examples
    --------
    >>> import pandas as pd
    >>> people = pd.DataFrame({"role": ["team", "target", "target"], "sex": ["F", "F", "M"]})
    >>> participants_by_role(people)["total"].tolist()
    [1, 2, 0]
    """
    require_columns(participants, {"role": role, "sex": sex}, what="participants")
    roles = pd.Categorical(participants[role], categories=ROLES)
    frame = pd.DataFrame({"role": roles, "F": participants[sex].eq("F").to_numpy(),
                          "M": participants[sex].eq("M").to_numpy()})
    grouped = frame.groupby("role", observed=False)
    out = pd.DataFrame({"role": list(ROLES),
                        "female": grouped["F"].sum().reindex(ROLES).to_numpy().astype("int64"),
                        "male": grouped["M"].sum().reindex(ROLES).to_numpy().astype("int64"),
                        "total": grouped.size().reindex(ROLES).to_numpy().astype("int64")})
    return out


def participants_by_village(project):
    """Participants per role and households for every village of a project.

    Parameters
    ----------
    project : Project
        A loaded project (or a part of it).

    Returns
    -------
    DataFrame
        One row per village in file order with columns ``village_id,
        project_id, name, subdistrict, district, province, team, target,
        mentor, participants, households``.

    Examples
    --------
    >>> import evaluation as ev
    >>> table = participants_by_village(ev.load_project("data/sample"))
    >>> table[["village_id", "participants"]].head(2).to_dict("records")
    [{'village_id': 'V04', 'participants': 26}, {'village_id': 'V05', 'participants': 24}]
    """
    people = project.participants
    counts = pd.crosstab(people["village_id"], pd.Categorical(people["role"], categories=ROLES),
                         dropna=False)
    counts.columns = [str(c) for c in counts.columns]
    cols = ["village_id", "project_id", "name", "subdistrict", "district", "province"]
    out = project.villages[[c for c in cols if c in project.villages.columns]].copy()
    vids = out["village_id"]
    for r in ROLES:
        out[r] = counts[r].reindex(vids).fillna(0).to_numpy().astype("int64") \
            if r in counts.columns else 0
    out["participants"] = out[list(ROLES)].sum(axis=1)
    hh = people.groupby("village_id")["household_id"].nunique()
    out["households"] = hh.reindex(vids).fillna(0).to_numpy().astype("int64")
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- village views
def one_village(project, village_id: str | None = None):
    """The village view of `project` (the project itself if it has one village)."""
    villages = project.villages
    if village_id is not None:
        if len(villages) == 1 and str(villages["village_id"].iloc[0]) == str(village_id):
            return project
        return project.village(str(village_id))
    if len(villages) != 1:
        ids = ", ".join(map(str, villages["village_id"]))
        raise SectionArgumentError(
            f"village section needs one village: pass project.village(id) or village_id=...; "
            f"this project has {len(villages)} villages ({ids})")
    return project


def _village_fields(project) -> dict:
    """The :func:`village_row` fields of the headline (``village_id``, ``name``,
    ``project_id``; ``name`` under ``project``), read column by column: equal values
    once :func:`jsonable` (rows of mixed frames hold numpy scalars as Python ones)."""
    villages, projects = project.villages, project.projects
    keys = [c for c in ("village_id", "name", "project_id") if c in villages.columns]
    v = {c: villages[c].iloc[0] for c in keys} if keys else villages.iloc[0].to_dict()
    ids = projects["project_id"].tolist()
    k = next((i for i, x in enumerate(ids) if x == v.get("project_id")), None)
    v["project"] = ({"name": projects["name"].iloc[k]}
                    if k is not None and "name" in projects.columns else {})
    return v


def village_row(project) -> dict:
    """The (single) village row as a dict, with its project's row under ``project``."""
    v = project.villages.iloc[0].to_dict()
    pr = project.projects[project.projects["project_id"] == v.get("project_id")]
    v["project"] = pr.iloc[0].to_dict() if len(pr) else {}
    return v


# --------------------------------------------------------------------------- happiness and ladder, once per view
def instruments_present(project) -> list[str]:
    """Instrument ids in the happiness table, preferred ones first."""
    hap = project.happiness
    if hap.empty or "instrument" not in hap.columns:
        return []
    present = [str(x) for x in pd.unique(hap["instrument"].dropna())]
    first = [i for i in PREFERRED_INSTRUMENTS if i in present]
    return first + sorted(i for i in present if i not in first)


def main_instrument(project, instrument: str | None = None) -> str | None:
    """The headline instrument: `instrument`, else tmhi15 (or the first present)."""
    present = instruments_present(project)
    if instrument is not None:
        return instrument
    return present[0] if present else None


def instrument_obj(project, instrument: str):
    """The Instrument definition (user instruments of the project first)."""
    from .instruments import get_instrument

    user = getattr(project, "instruments", None) or {}
    return user.get(instrument) or get_instrument(instrument)


def instrument_name(project, instrument: str, lang: str) -> str:
    try:
        inst = instrument_obj(project, instrument)
    except EvaluationError:
        return instrument
    return inst.name_th if lang == "th" else inst.name_en


def memo(project, key: tuple, compute, *, depends: tuple = ()):
    """Compute once per village view: ``compute()`` cached on `project`.

    The report sections of one village use the same intermediate results
    (happiness scores in key results, happiness and data quality; the ladder
    evaluation in key results and the ladder section). The cache lives on the
    :class:`~evaluation.project.Project` object the notebook passes to every
    section (``v = project.village(id)``), so it disappears with it. An entry
    is reused only while the tables it was computed from (`depends`, e.g.
    ``("happiness", "participants")``) are the very same objects, so a
    notebook that replaces a table gets fresh results. DataFrames are
    returned as shallow copies (copy-on-write: changing one never changes the
    cache). See :mod:`evaluation.view_memo`.
    """
    from .view_memo import memo as _memo

    return _memo(project, key, compute, depends=depends)


def instrument_short(project, instrument: str | None, lang: str) -> str:
    """Short display name of an instrument for headers and titles: ``TMHI-15``,
    ``WHO-5``; the full name when it has no abbreviation in brackets."""
    if instrument is None:
        return "–"
    name = instrument_name(project, instrument, lang)
    found = re.search(r"\(([^()]*[A-Za-z][^()]*)\)\s*$", name)
    if found and len(found.group(1)) <= 16:
        return found.group(1).strip()
    return name


def scores(project, instrument: str) -> pd.DataFrame:
    """Scored totals (one row per person × wave) with ``village_id`` and ``role``.

    :func:`evaluation.score_instrument` on the project's happiness rows of
    `instrument`, participants' ``village_id`` and ``role`` merged in
    (computed once per village view, see :func:`memo`).
    """
    return memo(project, ("scores", instrument), lambda: _scores(project, instrument),
                depends=("happiness", "participants", "instruments"))


def finance_change_once(project, before: str = "pre", after: str = "post") -> pd.DataFrame:
    """:func:`evaluation.finance.finance_change` (every measure, one group) of the
    view's per-household finance, once per village view (see :func:`memo`): the
    headline's income row and the money section's table."""
    from .finance import finance_change
    from .view_memo import household_finance_once

    def compute():
        hf = household_finance_once(project, before, after, memo_fn=memo)  # shared: ladder
        return finance_change(hf, before=before, after=after)

    return memo(project, ("finance_change", before, after), compute, depends=("finance",))


def attrition_summary(project, instrument: str) -> pd.DataFrame:
    """``attrition(scores(project, instrument)).summary`` (see
    :func:`evaluation.happiness.attrition`), once per village view."""
    from .happiness import attrition

    return memo(project, ("attrition", instrument),
                lambda: attrition(scores(project, instrument)).summary,
                depends=("happiness", "participants", "instruments"))


def evaluate_ladder_once(project, *, partial_threshold: float = 0.5) -> pd.DataFrame:
    """:func:`evaluation.evaluate_ladder` (``on_error="warn"``, warnings silenced),
    computed once per village view and threshold (see :func:`memo`)."""
    import warnings

    from .ladder import evaluate_ladder

    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return evaluate_ladder(project, on_error="warn", partial_threshold=partial_threshold)

    return memo(project, ("ladder", float(partial_threshold)), run,
                depends=("ladders", "instruments", "projects", "villages", "participants",
                         "happiness", "finance", "ledger", "savings", "lessons"))


def _scores(project, instrument: str) -> pd.DataFrame:
    from .instruments import score_instrument

    hap = project.happiness
    hap = hap[hap["instrument"] == instrument]
    if hap.empty:
        return pd.DataFrame()
    sc = score_instrument(hap, instrument_obj(project, instrument))
    fast = _with_people_fast(sc, project.participants)
    if fast is not None:
        return fast
    people = project.participants[["person_id", "village_id", "role"]].drop_duplicates(
        "person_id")
    return sc.merge(people, on="person_id", how="left")


def _with_people_fast(sc: pd.DataFrame, participants: pd.DataFrame):
    """What :func:`_scores` merges (each person's first ``village_id`` and ``role``
    appended), by position, or None unless every scored person is found under the
    same key type with no missing id (the merge's edge cases: NaN keys matching,
    filled or upcast columns, suffixes)."""
    cols = ("person_id", "village_id", "role")
    if (len(sc) == 0 or not all(c in participants.columns for c in cols)
            or any(c in sc.columns for c in cols[1:])
            or not isinstance(sc.index, pd.RangeIndex) or sc.index.start != 0
            or sc.index.step != 1 or sc["person_id"].dtype != participants["person_id"].dtype):
        return None
    first: dict = {}
    for i, pid in enumerate(participants["person_id"].tolist()):
        if is_missing(pid):
            return None
        first.setdefault(pid, i)
    pos = [first.get(pid, -1) for pid in sc["person_id"].tolist()]
    if -1 in pos:
        return None
    pos = np.asarray(pos, dtype=np.intp)
    return sc.assign(**{c: participants[c].array.take(pos) for c in cols[1:]})


def waves_present(frame: pd.DataFrame, column: str = "wave") -> list[str]:
    from .schema import WAVES

    if frame is None or frame.empty or column not in frame.columns:
        return []
    have = {str(w) for w in frame[column].dropna().unique()}
    return [w for w in WAVES if w in have]


def jsonable(value: Any):
    """Plain Python value for JSON (NaN/NA -> None, numpy -> int/float)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    if is_missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return value
