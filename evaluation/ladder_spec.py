"""Outcome-ladder definitions (บันไดผลลัพธ์): the YAML format and its validation.

A ladder is user data, one YAML file per project: ordered steps from early to
late outcomes, each with indicators that name a metric from the registry
(:mod:`evaluation.metrics`), a baseline (a number, or ``measured`` at the
``pre`` wave), a target (one number, or one per wave: ``during`` and
``post``) and a comparator. :func:`read_ladder` parses and validates a file,
reporting every problem with its YAML line. Evaluation is in
:mod:`evaluation.ladder`. See ``docs/ladder.md``.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import yaml_lines as Y
from .errors import DataValidationError, problems_frame
from .metrics import _REGISTRY

__all__ = [
    "Indicator",
    "Step",
    "Ladder",
    "LadderError",
    "read_ladder",
    "parse_ladder",
    "COMPARATORS",
    "UNITS",
    "STATUS_LABELS",
    "TARGET_WAVES",
]

#: Accepted comparator spellings -> canonical form.
COMPARATORS = {"≥": ">=", ">=": ">=", "=>": ">=", "≤": "<=", "<=": "<=", "=<": "<=",
               "=": "==", "==": "=="}
#: Canonical comparator -> symbol shown in reports.
COMPARATOR_SYMBOLS = {">=": "≥", "<=": "≤", "==": "="}

#: Accepted unit spellings (case-insensitive) -> canonical unit.
UNITS = {
    "people": "people", "person": "people", "persons": "people", "คน": "people",
    "households": "households", "household": "households", "ครัวเรือน": "households",
    "%": "%", "percent": "%", "ร้อยละ": "%", "เปอร์เซ็นต์": "%",
    "baht": "baht", "บาท": "baht",
    "points": "points", "point": "points", "คะแนน": "points",
    "groups": "groups", "group": "groups", "กลุ่ม": "groups",
    "times": "times", "time": "times", "ครั้ง": "times",
}
#: Canonical units in documentation order.
UNIT_NAMES = ("people", "households", "%", "baht", "points", "groups", "times")
#: Unit words in reports.
UNIT_LABELS = {
    "th": {"people": "คน", "households": "ครัวเรือน", "%": "%", "baht": "บาท",
           "points": "คะแนน", "groups": "กลุ่ม", "times": "ครั้ง"},
    "en": {"people": "people", "households": "households", "%": "%", "baht": "baht",
           "points": "points", "groups": "groups", "times": "times"},
}

#: Status codes in order from best to worst, then no data.
STATUSES = ("achieved", "partial", "not_achieved", "no_data")
STATUS_LABELS = {
    "th": {"achieved": "บรรลุ", "partial": "บรรลุบางส่วน", "not_achieved": "ไม่บรรลุ",
           "no_data": "ไม่มีข้อมูล"},
    "en": {"achieved": "Achieved", "partial": "Partly achieved", "not_achieved": "Not achieved",
           "no_data": "No data"},
}

#: Waves that may carry a target (a target "at pre" is a baseline).
TARGET_WAVES = ("during", "post")
#: Accepted wave spellings in ``target:`` mappings -> canonical wave.
_WAVE_KEYS = {"pre": "pre", "baseline": "pre", "ก่อน": "pre",
              "during": "during", "midline": "during", "mid-term": "during",
              "midterm": "during", "ระหว่าง": "during", "กลางภาค": "during",
              "post": "post", "endline": "post", "end": "post", "หลัง": "post"}
#: Spellings of a measured baseline.
MEASURED = ("measured", "วัดจริง", "วัดจากข้อมูล", "จากข้อมูล")

# Field names: canonical -> accepted spellings (English and Thai).
_ROOT_KEYS = {
    "project_id": ("project_id", "project", "รหัสโครงการ"),
    "title": ("title", "name", "ชื่อ", "ชื่อบันได", "ชื่อโครงการ"),
    "title_en": ("title_en",),
    "steps": ("steps", "ขั้น", "บันได", "ขั้นบันได"),
}
_STEP_KEYS = {
    "step": ("step", "number", "ขั้นที่"),
    "outcome": ("outcome", "ผลลัพธ์"),
    "outcome_en": ("outcome_en",),
    "indicators": ("indicators", "ตัวชี้วัด"),
}
_IND_KEYS = {
    "id": ("id", "indicator_id", "รหัส", "รหัสตัวชี้วัด"),
    "label": ("label", "ชื่อตัวชี้วัด", "ตัวชี้วัด"),
    "label_en": ("label_en",),
    "metric": ("metric", "ตัววัด"),
    "params": ("params", "parameters", "พารามิเตอร์"),
    "baseline": ("baseline", "ค่าฐาน", "ข้อมูลพื้นฐาน"),
    "target": ("target", "เป้าหมาย", "ค่าเป้าหมาย"),
    "comparator": ("comparator", "เงื่อนไข", "เทียบ"),
    "unit": ("unit", "หน่วย"),
    "source": ("source", "แหล่งข้อมูล", "แหล่งที่มาของข้อมูล"),
}
# Fields accepted and ignored anywhere (free text for humans).
_FREE_KEYS = ("note", "notes", "description", "source", "หมายเหตุ", "คำอธิบาย")


class LadderError(DataValidationError):
    """A ladder YAML file is invalid.

    ``.problems`` lists every problem at once, in the standard problems-table
    shape: ``file`` (the path), ``sheet`` (None), ``row`` (the YAML line,
    1-based), ``column`` (the field path, e.g.
    ``steps[2].indicators[0].comparator``; list positions count from 0),
    ``value``, ``problem``, ``severity``.
    """


@dataclass
class Indicator:
    """One indicator of a ladder step (see ``docs/ladder.md``).

    Attributes
    ----------
    target : float
        The final target (the ``post`` target of periodic targets).
    targets : dict
        ``{wave: target}`` in wave order: ``{"during": 50.0, "post": 100.0}``
        for periodic targets; one entry otherwise, keyed by the wave the
        metric reads (``None`` for metrics without waves).
    baseline : float or None
        A typed baseline (None when absent or measured).
    baseline_measured : bool
        ``baseline: measured``: taken from the same metric at ``pre``.
    source : str or None
        Source of data written in the ladder (else derived from the metric).
    """

    id: str
    label: str
    metric: str
    target: float
    comparator: str = ">="
    unit: str = ""
    params: dict = field(default_factory=dict)
    baseline: float | None = None
    label_en: str | None = None
    line: int | None = None
    targets: dict = field(default_factory=dict)
    baseline_measured: bool = False
    source: str | None = None

    def __post_init__(self):
        if not self.targets:
            self.targets = {None: self.target}

    @property
    def periodic(self) -> bool:
        """True when the indicator has a target for more than one wave."""
        return len(self.targets) > 1


@dataclass
class Step:
    """One step of the ladder: an outcome statement and its indicators."""

    number: int
    outcome: str
    outcome_en: str | None = None
    indicators: list[Indicator] = field(default_factory=list)
    line: int | None = None


@dataclass
class Ladder:
    """An outcome ladder of one project.

    Attributes
    ----------
    project_id : str
    title : str or None
    steps : list of Step
        In order, numbered 1..n.
    source : str or None
        Path of the YAML file (``"<string>"`` for text).
    title_en : str or None
    warnings : pandas.DataFrame
        Non-fatal problems found while parsing (problems-table shape,
        ``severity == "warning"``), e.g. unknown fields or a unit that differs
        from the metric's natural unit. The loader adds them to
        ``Project.problems``.
    """

    project_id: str
    title: str | None
    steps: list[Step]
    source: str | None = None
    title_en: str | None = None
    warnings: pd.DataFrame = field(default_factory=problems_frame, repr=False)

    @property
    def indicators(self) -> list[Indicator]:
        """All indicators, step by step."""
        return [ind for step in self.steps for ind in step.indicators]

    def to_frame(self) -> pd.DataFrame:
        """One row per indicator: ``project_id, step, outcome, outcome_en, indicator_id,
        label, metric, params, baseline, baseline_measured, target, targets,
        comparator, unit, line``."""
        rows = [{"project_id": self.project_id, "step": s.number, "outcome": s.outcome,
                 "outcome_en": s.outcome_en, "indicator_id": i.id, "label": i.label,
                 "metric": i.metric, "params": dict(i.params),
                 "baseline": np.nan if i.baseline is None else i.baseline,
                 "baseline_measured": i.baseline_measured,
                 "target": i.target, "targets": dict(i.targets),
                 "comparator": i.comparator, "unit": i.unit, "line": i.line}
                for s in self.steps for i in s.indicators]
        cols = ["project_id", "step", "outcome", "outcome_en", "indicator_id", "label",
                "metric", "params", "baseline", "baseline_measured", "target", "targets",
                "comparator", "unit", "line"]
        return pd.DataFrame(rows, columns=cols)




def _keys(mapping, spec, path, probs):
    return Y.canonical_keys(mapping, spec, path, probs, free_keys=_FREE_KEYS)


def parse_ladder(text: str, *, source: str = "<string>") -> Ladder:
    """Parse and validate ladder YAML text.

    Parameters
    ----------
    text : str
        The YAML document (format in ``docs/ladder.md``).
    source : str, default "<string>"
        Name used in the ``file`` column of problems.

    Returns
    -------
    Ladder

    Raises
    ------
    LadderError
        With every problem of the document (YAML line in ``row``, field path
        in ``column``).

    Examples
    --------
    >>> import evaluation as ev
    >>> lad = ev.parse_ladder('''
    ... project_id: P01
    ... steps:
    ...   - step: 1
    ...     outcome: มีคณะทำงานที่เข้มแข็ง
    ...     indicators:
    ...       - id: team
    ...         label: จำนวนคณะทำงาน
    ...         metric: participants_count
    ...         params: {role: team}
    ...         target: 10
    ...         comparator: ≥
    ...         unit: คน
    ... ''')
    >>> lad.steps[0].indicators[0].comparator, lad.steps[0].indicators[0].unit
    ('>=', 'people')
    """
    probs = Y.Problems(str(source))
    doc = Y.load_yaml(text, probs, hint=Y.comparator_hint)
    if probs.n_errors:
        line = probs.rows[0]["row"]
        raise LadderError(probs.frame(), f"{source}: the ladder file is not valid YAML "
                                         f"(line {line})")
    if not isinstance(doc, dict):
        probs.add(1, None, None if doc is None else str(doc)[:80],
                  "a ladder file must be a mapping with project_id and steps "
                  f"(found {'an empty file' if doc is None else type(doc).__name__})")
        raise LadderError(probs.frame(), f"{source}: invalid ladder file")

    root, root_lines = _keys(doc, _ROOT_KEYS, "", probs)
    project_id = Y.text(root.get("project_id"))
    if project_id is None:
        probs.add(root_lines.get("project_id", doc.line), "project_id",
                  root.get("project_id"), "project_id is required (the project's code)")

    steps: list[Step] = []
    indicator_ids: dict[str, int] = {}
    raw_steps = root.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        probs.add(root_lines.get("steps", doc.line), "steps",
                  None if raw_steps is None else str(raw_steps)[:80],
                  "steps is required: a list of steps numbered 1, 2, 3, …")
        raw_steps = []
    for i, raw in enumerate(raw_steps):
        steps_line = raw_steps.item_lines[i] if isinstance(raw_steps, Y.LineList) else None
        step = _parse_step(raw, i, steps_line, probs, indicator_ids)
        if step is not None:
            steps.append(step)

    if probs.n_errors:
        raise LadderError(probs.frame(),
                          f"{source}: {probs.n_errors} problem(s) in the ladder file")
    return Ladder(project_id=project_id, title=Y.text(root.get("title")), steps=steps,
                  source=str(source), title_en=Y.text(root.get("title_en")),
                  warnings=probs.frame("warning"))


def _parse_step(raw, i, line, probs, indicator_ids) -> Step | None:
    path = f"steps[{i}]"
    if not isinstance(raw, dict):
        probs.add(line, path, None if raw is None else str(raw)[:80],
                  "each step must be a mapping with step, outcome and indicators")
        return None
    vals, lines = _keys(raw, _STEP_KEYS, path, probs)
    number = i + 1
    if "step" in vals:
        given = Y.integer(vals["step"])
        if given is None:
            probs.add(lines["step"], f"{path}.step", vals["step"],
                      "step must be a whole number")
        elif given != i + 1:
            probs.add(lines["step"], f"{path}.step", vals["step"],
                      f"steps must be numbered 1, 2, 3, … in order: step {i + 1} expected "
                      f"here, found {given}")
    outcome = Y.text(vals.get("outcome"))
    if outcome is None:
        probs.add(lines.get("outcome", raw.line), f"{path}.outcome", vals.get("outcome"),
                  "outcome is required (the outcome statement in Thai)")
    indicators = []
    raw_inds = vals.get("indicators")
    if not isinstance(raw_inds, list) or not raw_inds:
        probs.add(lines.get("indicators", raw.line), f"{path}.indicators",
                  None if raw_inds is None else str(raw_inds)[:80],
                  "indicators is required: a list of at least one indicator")
        raw_inds = []
    for j, ind in enumerate(raw_inds):
        ind_line = raw_inds.item_lines[j] if isinstance(raw_inds, Y.LineList) else raw.line
        parsed = _parse_indicator(ind, f"{path}.indicators[{j}]", ind_line, probs,
                                  indicator_ids)
        if parsed is not None:
            indicators.append(parsed)
    return Step(number=number, outcome=outcome or "", outcome_en=Y.text(vals.get("outcome_en")),
                indicators=indicators, line=raw.line)


def _parse_indicator(raw, path, line, probs, indicator_ids) -> Indicator | None:
    if not isinstance(raw, dict):
        probs.add(line, path, None if raw is None else str(raw)[:80],
                  "each indicator must be a mapping with id, label, metric, target, "
                  "comparator and unit")
        return None
    vals, lines = _keys(raw, _IND_KEYS, path, probs)

    def at(name):
        return lines.get(name, raw.line)

    ind_id = Y.text(vals.get("id"))
    if ind_id is None:
        probs.add(at("id"), f"{path}.id", vals.get("id"), "id is required (unique in the ladder)")
    elif ind_id in indicator_ids:
        probs.add(at("id"), f"{path}.id", ind_id,
                  f"indicator id {ind_id!r} is used twice (first on line "
                  f"{indicator_ids[ind_id]}); ids must be unique in the ladder")
    else:
        indicator_ids[ind_id] = at("id")

    label = Y.text(vals.get("label"))
    if label is None:
        probs.add(at("label"), f"{path}.label", vals.get("label"), "label is required")

    metric_name = Y.text(vals.get("metric"))
    info = None
    if metric_name is None:
        probs.add(at("metric"), f"{path}.metric", vals.get("metric"),
                  f"metric is required; known metrics: {', '.join(sorted(_REGISTRY))}")
    elif metric_name not in _REGISTRY:
        probs.add(at("metric"), f"{path}.metric", metric_name,
                  f"unknown metric {metric_name!r}; known metrics: "
                  f"{', '.join(sorted(_REGISTRY))}")
    else:
        info = _REGISTRY[metric_name]

    params = vals.get("params")
    if params is None:
        params = {}
    elif not isinstance(params, dict):
        probs.add(at("params"), f"{path}.params", str(params)[:80],
                  "params must be a mapping of parameter names to values")
        params = {}
    else:
        params = Y.plain(params)
        if info is not None:
            known = info.params
            if not info.accepts_any_params:
                for key in params:
                    if key not in known:
                        probs.add(_params_line(raw, vals, key, at("params")),
                                  f"{path}.params.{key}", key,
                                  f"metric {metric_name!r} has no parameter {key!r}; its "
                                  f"parameters: {', '.join(known) or '(none)'}")
            for key, default in known.items():
                if default is _EMPTY and key not in params:
                    probs.add(at("params"), f"{path}.params", None,
                              f"metric {metric_name!r} needs the parameter {key!r}")

    baseline, measured = None, False
    raw_base = vals.get("baseline")
    if raw_base is not None:
        if isinstance(raw_base, str) and Y.text(raw_base).casefold() in MEASURED:
            measured = True
            if info is not None and info.wave_kind != "level":
                why = ("it has no waves" if info.wave_kind is None else
                       "it is a change from before to after, which is 0 at pre by "
                       "definition: write baseline: 0")
                probs.add(at("baseline"), f"{path}.baseline", raw_base,
                          f"baseline: measured needs a metric with a wave parameter (a "
                          f"value at one wave, e.g. {', '.join(_level_metrics())}); "
                          f"metric {metric_name!r} cannot be measured at pre: {why}")
        else:
            baseline = Y.number(raw_base)
            if baseline is None:
                probs.add(at("baseline"), f"{path}.baseline", raw_base,
                          "baseline must be a number, measured (from the same metric at the "
                          "pre wave) or left out")

    targets, target = _targets(vals, at, path, probs, info, metric_name, params)

    comparator = ">="
    if "comparator" in vals:
        raw_cmp = Y.text(vals["comparator"])
        comparator = COMPARATORS.get(raw_cmp or "")
        if comparator is None:
            probs.add(at("comparator"), f"{path}.comparator", vals["comparator"],
                      "comparator must be one of ≥, >=, ≤, <=, =, ==")

    unit = None
    if vals.get("unit") is None:
        if info is not None and info.unit:
            unit = info.unit
        else:
            probs.add(at("unit"), f"{path}.unit", None,
                      f"unit is required: one of {', '.join(UNIT_NAMES)}")
    else:
        raw_unit = Y.text(vals["unit"])
        unit = UNITS.get((raw_unit or "").casefold())
        if unit is None:
            probs.add(at("unit"), f"{path}.unit", vals["unit"],
                      f"unit must be one of {', '.join(UNIT_NAMES)} (or คน, ครัวเรือน, "
                      "บาท, คะแนน, กลุ่ม, ครั้ง, ร้อยละ)")
        elif info is not None and info.unit and unit != info.unit:
            probs.add(at("unit"), f"{path}.unit", vals["unit"],
                      f"metric {metric_name!r} gives {info.unit}, but the unit is {unit}",
                      severity="warning")

    if None in (ind_id, label, metric_name, target, comparator, unit) or info is None:
        return None
    return Indicator(id=ind_id, label=label, metric=metric_name, target=target,
                     comparator=comparator, unit=unit, params=params, baseline=baseline,
                     label_en=Y.text(vals.get("label_en")), line=raw.line, targets=targets,
                     baseline_measured=measured, source=Y.text(vals.get("source")))


def _level_metrics() -> list[str]:
    return sorted(n for n, i in _REGISTRY.items() if i.wave_kind == "level")


def _targets(vals, at, path, probs, info, metric_name, params):
    """``({wave: target}, final target)``; (None, None) after a problem."""
    raw = vals.get("target")
    if "target" not in vals or raw is None:
        probs.add(at("target"), f"{path}.target", None,
                  "target is required (a number, or one number per wave: "
                  "{during: …, post: …})")
        return None, None
    if not isinstance(raw, dict):
        target = Y.number(raw)
        if target is None:
            probs.add(at("target"), f"{path}.target", raw, "target must be a number")
            return None, None
        wave = info.default_wave(params) if info is not None else None
        return {wave: target}, target
    lines = getattr(raw, "key_lines", {})
    out, ok = {}, True
    for key, value in raw.items():
        where = f"{path}.target.{key}"
        line = lines.get(key, at("target"))
        wave = _WAVE_KEYS.get(str(key).strip().casefold())
        if wave not in TARGET_WAVES:
            probs.add(line, where, str(key),
                      "periodic targets are given for the waves during (ระหว่าง) and post "
                      "(หลัง); a value at pre is the baseline" if wave == "pre" else
                      f"unknown wave {key!r} in target; use during (ระหว่าง) or post (หลัง)")
            ok = False
            continue
        if wave in out:
            probs.add(line, where, str(key), f"a target for {wave} is given twice")
            ok = False
        number = Y.number(value)
        if number is None:
            probs.add(line, where, value, "target must be a number")
            ok = False
            continue
        out[wave] = number
    if not out:
        if ok:
            probs.add(at("target"), f"{path}.target", None,
                      "target mapping is empty: give during and/or post")
        return None, None
    if info is not None and info.wave_kind is None:
        probs.add(at("target"), f"{path}.target", None,
                  f"targets per wave need a metric with a wave parameter; metric "
                  f"{metric_name!r} gives one value, not one per wave: give one target "
                  f"number")
        ok = False
    if info is not None and info.wave_param in params:
        probs.add(at("target"), f"{path}.target", None,
                  f"targets per wave set {info.wave_param!r} for each wave: remove "
                  f"params.{info.wave_param}", severity="warning")
    if not ok:
        return None, None
    ordered = {w: out[w] for w in TARGET_WAVES if w in out}
    return ordered, ordered[list(ordered)[-1]]


_EMPTY = inspect.Parameter.empty


def _params_line(raw, vals, key, default):
    params = vals.get("params")
    if isinstance(params, Y.LineDict):
        return params.key_lines.get(key, default)
    return default


def read_ladder(path: str | Path) -> Ladder:
    """Read and validate a ladder YAML file.

    Parameters
    ----------
    path : str or pathlib.Path
        The ``ladder*.yaml`` file (UTF-8).

    Returns
    -------
    Ladder

    Raises
    ------
    LadderError
        Every problem of the file at once (see :class:`LadderError`).

    Examples
    --------
    >>> import evaluation as ev, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "ladder.yaml"
    >>> _ = p.write_text("project_id: P01\\nsteps: []\\n", encoding="utf-8")
    >>> try:
    ...     ev.read_ladder(p)
    ... except ev.LadderError as err:
    ...     print(err.problems.loc[0, "row"], err.problems.loc[0, "column"])
    2 steps
    """
    text, warning = Y.read_text(path, LadderError, "ladder file")
    out = parse_ladder(text, source=str(path))
    out.warnings = Y.with_encoding_warning(out.warnings, path, warning)
    return out


