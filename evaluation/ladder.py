"""Outcome ladders (บันไดผลลัพธ์): YAML definitions and their evaluation.

A ladder is user data, one YAML file per project: ordered steps from early to
late outcomes, each with indicators that name a metric from the registry
(:mod:`evaluation.metrics`), a target and a comparator. :func:`read_ladder`
parses and validates a file, reporting every problem with its YAML line;
:func:`evaluate_ladder` computes each indicator per village (and for the whole
project) and compares it with its target. See ``docs/ladder.md``.
"""

from __future__ import annotations

import copy
import inspect
import math
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .errors import DataValidationError, EvaluationError, problems_frame
from .metrics import _REGISTRY, MetricResult, compute_metric, shared_intermediates

__all__ = [
    "Indicator",
    "Step",
    "Ladder",
    "LadderError",
    "read_ladder",
    "parse_ladder",
    "evaluate_ladder",
    "indicator_status",
    "ladder_table",
    "COMPARATORS",
    "UNITS",
    "STATUS_LABELS",
    "LADDER_COLUMNS",
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

#: Columns of :func:`evaluate_ladder`, in order.
LADDER_COLUMNS = ["project_id", "village_id", "level", "step", "outcome", "indicator_id",
                  "label", "baseline", "target", "comparator", "actual", "unit",
                  "pct_of_target", "status", "status_th", "n"]

#: Relative tolerance of target comparisons (floating-point rounding only).
_RTOL = 1e-9

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
    """One indicator of a ladder step (see ``docs/ladder.md``)."""

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
        label, metric, params, baseline, target, comparator, unit, line``."""
        rows = [{"project_id": self.project_id, "step": s.number, "outcome": s.outcome,
                 "outcome_en": s.outcome_en, "indicator_id": i.id, "label": i.label,
                 "metric": i.metric, "params": dict(i.params),
                 "baseline": np.nan if i.baseline is None else i.baseline,
                 "target": i.target, "comparator": i.comparator, "unit": i.unit,
                 "line": i.line}
                for s in self.steps for i in s.indicators]
        cols = ["project_id", "step", "outcome", "outcome_en", "indicator_id", "label",
                "metric", "params", "baseline", "target", "comparator", "unit", "line"]
        return pd.DataFrame(rows, columns=cols)


# ------------------------------------------------------------ YAML loading --

class _LineDict(dict):
    """A YAML mapping that remembers its own line and each key's line."""

    line: int = 0

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.key_lines: dict = {}
        self.duplicates: list = []


class _LineList(list):
    line: int = 0

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.item_lines: list[int] = []


# libyaml's parser when present (about 10× faster on large programs); same marks and errors.
class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """SafeLoader keeping 1-based line numbers of mappings, keys and list items."""


def _construct_mapping(loader, node, deep=False):
    loader.flatten_mapping(node)
    out = _LineDict()
    out.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            key = str(key)
        if key in out:
            out.duplicates.append((key, key_node.start_mark.line + 1))
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _construct_sequence(loader, node, deep=False):
    out = _LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


def _construct_value(loader, node):
    # A bare "=" is YAML's "value" tag; for us it is the comparator "=".
    return loader.construct_scalar(node)


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG,
                            _construct_sequence)
_LineLoader.add_constructor("tag:yaml.org,2002:value", _construct_value)


class _Problems:
    def __init__(self, source: str):
        self.source = source
        self.rows: list[dict] = []

    def add(self, line, column, value, problem, severity="error"):
        if value is not None and not isinstance(value, (str, int, float, bool)):
            value = str(value)
        self.rows.append({"file": self.source, "sheet": None, "row": line, "column": column,
                          "value": value, "problem": problem, "severity": severity})

    def frame(self, severity=None) -> pd.DataFrame:
        rows = [r for r in self.rows if severity is None or r["severity"] == severity]
        frame = problems_frame(rows)
        frame["value"] = frame["value"].astype(object)
        return frame

    @property
    def n_errors(self) -> int:
        return sum(r["severity"] == "error" for r in self.rows)


_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def _number(value) -> float | None:
    """A finite float from a YAML value (Thai digits, thousands commas, trailing %)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        out = float(value)
    elif isinstance(value, str):
        text = value.translate(_THAI_DIGITS).replace(",", "").replace(" ", "").strip()
        text = text.removesuffix("%").removesuffix("บาท")
        try:
            out = float(text)
        except ValueError:
            return None
    else:
        return None
    return out if math.isfinite(out) else None


def _integer(value) -> int | None:
    num = _number(value)
    if num is None or num != int(num):
        return None
    return int(num)


def _text(value) -> str | None:
    if value is None or isinstance(value, (bool, dict, list)):
        return None
    text = " ".join(str(value).split())
    return text or None


def _canonical_keys(mapping: _LineDict, spec: dict, path: str, probs: _Problems,
                    ) -> tuple[dict, dict]:
    """Map accepted spellings to canonical names; report unknown and doubled fields."""
    lookup = {}
    for canon, spellings in spec.items():
        for s in spellings:
            lookup[s.casefold()] = canon
    values, lines = {}, {}
    for key, line in mapping.duplicates:
        probs.add(line, _join(path, str(key)), key, "field given twice (the last one wins)")
    for key, value in mapping.items():
        line = mapping.key_lines.get(key, mapping.line)
        canon = lookup.get(str(key).strip().casefold())
        if canon is None:
            if str(key).strip().casefold() not in _FREE_KEYS:
                probs.add(line, _join(path, str(key)), str(key),
                          f"unknown field {key!r} ignored; expected one of "
                          f"{', '.join(spec)}", severity="warning")
            continue
        if canon in values:
            probs.add(line, _join(path, canon), str(key),
                      f"field {canon!r} given twice (as {key!r})")
        values[canon] = value
        lines[canon] = line
    return values, lines


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


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
    from .textio import YamlBoundsError, load_yaml

    probs = _Problems(str(source))
    try:
        doc = load_yaml(text, _LineLoader)  # a SafeLoader subclass, size and aliases bounded
    except YamlBoundsError as exc:
        probs.add(exc.line, None, None, str(exc))
        raise LadderError(probs.frame(), f"{source}: the ladder file was not read: {exc}")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        msg = " ".join(str(getattr(exc, "problem", None) or exc).split())
        near = text.splitlines()[max(0, (line or 1) - 2):(line or 1)] if line else []
        if ("chomping" in msg or "indentation indicator" in msg
                or any(re.search(r":\s*[<>]", ln) for ln in near)):
            msg += ('; a value starting with ">" or "<" must be quoted: comparator: ">=" '
                    "(or write ≥ / ≤)")
        probs.add(line, None, None, f"YAML syntax error: {msg}")
        raise LadderError(probs.frame(), f"{source}: the ladder file is not valid YAML "
                                         f"(line {line})")
    if not isinstance(doc, dict):
        probs.add(1, None, None if doc is None else str(doc)[:80],
                  "a ladder file must be a mapping with project_id and steps "
                  f"(found {'an empty file' if doc is None else type(doc).__name__})")
        raise LadderError(probs.frame(), f"{source}: invalid ladder file")

    root, root_lines = _canonical_keys(doc, _ROOT_KEYS, "", probs)
    project_id = _text(root.get("project_id"))
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
        steps_line = raw_steps.item_lines[i] if isinstance(raw_steps, _LineList) else None
        step = _parse_step(raw, i, steps_line, probs, indicator_ids)
        if step is not None:
            steps.append(step)

    if probs.n_errors:
        raise LadderError(probs.frame(),
                          f"{source}: {probs.n_errors} problem(s) in the ladder file")
    return Ladder(project_id=project_id, title=_text(root.get("title")), steps=steps,
                  source=str(source), title_en=_text(root.get("title_en")),
                  warnings=probs.frame("warning"))


def _parse_step(raw, i, line, probs, indicator_ids) -> Step | None:
    path = f"steps[{i}]"
    if not isinstance(raw, dict):
        probs.add(line, path, None if raw is None else str(raw)[:80],
                  "each step must be a mapping with step, outcome and indicators")
        return None
    vals, lines = _canonical_keys(raw, _STEP_KEYS, path, probs)
    number = i + 1
    if "step" in vals:
        given = _integer(vals["step"])
        if given is None:
            probs.add(lines["step"], f"{path}.step", vals["step"],
                      "step must be a whole number")
        elif given != i + 1:
            probs.add(lines["step"], f"{path}.step", vals["step"],
                      f"steps must be numbered 1, 2, 3, … in order: step {i + 1} expected "
                      f"here, found {given}")
    outcome = _text(vals.get("outcome"))
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
        ind_line = raw_inds.item_lines[j] if isinstance(raw_inds, _LineList) else raw.line
        parsed = _parse_indicator(ind, f"{path}.indicators[{j}]", ind_line, probs,
                                  indicator_ids)
        if parsed is not None:
            indicators.append(parsed)
    return Step(number=number, outcome=outcome or "", outcome_en=_text(vals.get("outcome_en")),
                indicators=indicators, line=raw.line)


def _parse_indicator(raw, path, line, probs, indicator_ids) -> Indicator | None:
    if not isinstance(raw, dict):
        probs.add(line, path, None if raw is None else str(raw)[:80],
                  "each indicator must be a mapping with id, label, metric, target, "
                  "comparator and unit")
        return None
    vals, lines = _canonical_keys(raw, _IND_KEYS, path, probs)

    def at(name):
        return lines.get(name, raw.line)

    ind_id = _text(vals.get("id"))
    if ind_id is None:
        probs.add(at("id"), f"{path}.id", vals.get("id"), "id is required (unique in the ladder)")
    elif ind_id in indicator_ids:
        probs.add(at("id"), f"{path}.id", ind_id,
                  f"indicator id {ind_id!r} is used twice (first on line "
                  f"{indicator_ids[ind_id]}); ids must be unique in the ladder")
    else:
        indicator_ids[ind_id] = at("id")

    label = _text(vals.get("label"))
    if label is None:
        probs.add(at("label"), f"{path}.label", vals.get("label"), "label is required")

    metric_name = _text(vals.get("metric"))
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
        params = _plain(params)
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

    baseline = None
    if vals.get("baseline") is not None:
        baseline = _number(vals["baseline"])
        if baseline is None:
            probs.add(at("baseline"), f"{path}.baseline", vals["baseline"],
                      "baseline must be a number (or left out)")

    target = _number(vals.get("target"))
    if "target" not in vals or vals.get("target") is None:
        probs.add(at("target"), f"{path}.target", None, "target is required (a number)")
    elif target is None:
        probs.add(at("target"), f"{path}.target", vals["target"], "target must be a number")

    comparator = ">="
    if "comparator" in vals:
        raw_cmp = _text(vals["comparator"])
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
        raw_unit = _text(vals["unit"])
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
                     label_en=_text(vals.get("label_en")), line=raw.line)


_EMPTY = inspect.Parameter.empty


def _params_line(raw, vals, key, default):
    params = vals.get("params")
    if isinstance(params, _LineDict):
        return params.key_lines.get(key, default)
    return default


def _plain(value):
    """Line-tracking containers -> plain dict / list."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


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
    from .textio import TextDecodeError, decode_text

    path = Path(path)
    try:
        text, warning = decode_text(path.read_bytes())
    except TextDecodeError as exc:
        raise LadderError(problems_frame([{
            "file": str(path), "sheet": None, "row": None, "column": None, "value": None,
            "problem": exc.problem, "problem_code": exc.problem_code}])) from None
    except OSError as exc:
        raise EvaluationError(f"cannot read the ladder file {path}: {exc.strerror}") from None
    ladder = parse_ladder(text, source=str(path))
    if warning:
        extra = problems_frame([{"file": str(path), "sheet": None, "row": None,
                                 "column": None, "value": None, "problem": warning,
                                 "problem_code": "encoding_not_utf8",
                                 "severity": "warning"}])
        ladder.warnings = pd.concat([ladder.warnings, extra], ignore_index=True) \
            if len(ladder.warnings) else extra
    return ladder


# -------------------------------------------------------------- evaluation --

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
        raise ValueError(f"comparator must be one of {', '.join(COMPARATORS)}; "
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
        raise ValueError(f"partial_threshold must be a number in (0, 1], got {theta!r}")
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
    raise TypeError("ladder must be None (all of project.ladders), a Ladder, a path to a "
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
    mine = villages.loc[villages["project_id"] == project_id, "village_id"]
    if len(mine) == len(villages):
        return project
    if callable(getattr(project, "project", None)):
        return project.project(project_id)
    return restrict_project(project, mine)


def evaluate_ladder(project, ladder=None, *, by: str | None = "village_id",
                    include_project: bool = False, partial_threshold: float = 0.5,
                    on_error: str = "raise") -> pd.DataFrame:
    """Compute every ladder indicator and compare it with its target.

    Parameters
    ----------
    project : Project
        A loaded project (or a village view from ``Project.village``).
    ladder : Ladder, path, list of Ladder, or None
        None evaluates every ladder in ``project.ladders`` whose project has
        villages in ``project``, in the order the projects' villages appear.
    by : {"village_id", None}, default "village_id"
        ``"village_id"``: one row per village × indicator (metrics computed on
        ``project.village(v)``). ``None``: one row per indicator for the whole
        project (metrics computed on the project's data across its villages,
        not averaged over villages).
    include_project : bool, default False
        With ``by="village_id"``, also add the project-level rows.
    partial_threshold : float, default 0.5
        θ of :func:`indicator_status`.
    on_error : {"raise", "warn"}, default "raise"
        What to do when a metric raises: re-raise as :class:`EvaluationError`
        naming the indicator, or warn and report the indicator as ``no_data``.

    Returns
    -------
    pandas.DataFrame
        One row per (scope, indicator), in ladder order, columns:

        ``project_id``; ``village_id`` (<NA> on project rows); ``level``
        (``"village"`` or ``"project"``); ``step`` (1..n); ``outcome`` (Thai);
        ``indicator_id``; ``label``; ``baseline`` (NaN if none); ``target``;
        ``comparator`` (``>=``, ``<=``, ``==``); ``actual`` (the metric value);
        ``unit``; ``pct_of_target`` (100 × actual / target, NaN when target is
        0 or actual missing); ``status`` (achieved, partial, not_achieved,
        no_data); ``status_th`` (บรรลุ, บรรลุบางส่วน, ไม่บรรลุ, ไม่มีข้อมูล);
        ``n`` (records behind ``actual``).

    Notes
    -----
    Status rules are those of :func:`indicator_status`. For ``<=``
    indicators a ``pct_of_target`` of at most 100 meets the target.

    Examples
    --------
    >>> import evaluation as ev
    >>> from evaluation.ladder import _example_project
    >>> proj, lad = _example_project()
    >>> ev.evaluate_ladder(proj, lad)[["village_id", "actual", "status"]]
      village_id  actual    status
    0        V01     2.0  achieved
    1        V02     1.0   partial
    """
    _check_threshold(partial_threshold)
    if by not in ("village_id", None):
        raise ValueError(f"by must be 'village_id' or None, got {by!r}")
    if on_error not in ("raise", "warn"):
        raise ValueError(f"on_error must be 'raise' or 'warn', got {on_error!r}")
    with shared_intermediates():
        rows = _evaluate(project, ladder, by, include_project, partial_threshold, on_error)
    frame = pd.DataFrame(rows, columns=LADDER_COLUMNS)
    for col in ("baseline", "target", "actual", "pct_of_target"):
        frame[col] = frame[col].astype(float)
    frame["step"] = frame["step"].astype(int)
    frame["n"] = frame["n"].astype(int)
    frame["village_id"] = frame["village_id"].astype(object).where(
        frame["village_id"].notna(), pd.NA)
    return frame


def _evaluate(project, ladder, by, include_project, partial_threshold, on_error) -> list:
    rows: list[dict] = []
    villages = _table(project, "villages")
    for lad in _ladders(project, ladder):
        vids = villages.loc[villages["project_id"] == lad.project_id, "village_id"].tolist()
        if not vids:
            known = sorted(set(villages.get("project_id", pd.Series(dtype=object))))
            raise EvaluationError(
                f"the ladder of project {lad.project_id!r} has no villages in this project "
                f"data; projects present: {', '.join(map(str, known)) or '(none)'}")
        scopes = []
        if by == "village_id":
            one = len(villages) == 1
            scopes += [("village", v, project if one else project.village(v)) for v in vids]
        if by is None or include_project:
            scopes.append(("project", pd.NA, _project_scope(project, lad.project_id)))
        for level, vid, scope in scopes:
            for step in lad.steps:
                for ind in step.indicators:
                    res = _run(ind, scope, lad, vid, on_error)
                    rows.append(_row(lad, step, ind, level, vid, res, partial_threshold))
    return rows


def _run(ind: Indicator, scope, lad: Ladder, vid, on_error) -> MetricResult:
    try:
        return compute_metric(ind.metric, scope, ind.params)
    except Exception as exc:
        where = f"village {vid}" if not pd.isna(vid) else f"project {lad.project_id}"
        msg = (f"indicator {ind.id!r} (metric {ind.metric!r}, params {ind.params}) failed "
               f"for {where}: {exc}")
        if on_error == "raise":
            raise EvaluationError(msg) from exc
        warnings.warn(msg, stacklevel=3)
        return MetricResult(math.nan, 0)


def _row(lad, step, ind, level, vid, res, theta) -> dict:
    actual = res.value
    status = indicator_status(actual, ind.target, ind.comparator, n=res.n,
                              partial_threshold=theta)
    if status == "no_data" or ind.target == 0:
        pct = math.nan
    else:
        pct = 100.0 * actual / ind.target
    return {"project_id": lad.project_id, "village_id": vid, "level": level,
            "step": step.number, "outcome": step.outcome, "indicator_id": ind.id,
            "label": ind.label, "baseline": math.nan if ind.baseline is None else ind.baseline,
            "target": ind.target, "comparator": ind.comparator,
            "actual": math.nan if status == "no_data" else actual,
            "unit": ind.unit, "pct_of_target": pct, "status": status,
            "status_th": STATUS_LABELS["th"][status], "n": res.n}


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
        raise ValueError(f"lang must be 'th' or 'en', got {lang!r}")
    return lang


_TABLE_HEADERS = {
    "th": {"village": "หมู่บ้าน", "step": "ขั้นที่", "outcome": "ผลลัพธ์",
           "label": "ตัวชี้วัด", "baseline": "ค่าฐาน", "target": "เป้าหมาย",
           "actual": "ผลที่ได้", "pct": "ร้อยละของเป้าหมาย", "status": "สถานะ",
           "n": "จำนวนข้อมูล (n)", "whole": "ทั้งโครงการ"},
    "en": {"village": "Village", "step": "Step", "outcome": "Outcome", "label": "Indicator",
           "baseline": "Baseline", "target": "Target", "actual": "Actual",
           "pct": "% of target", "status": "Status", "n": "n", "whole": "Whole project"},
}


def ladder_table(evaluation_frame: pd.DataFrame, lang: str = "th") -> pd.DataFrame:
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
        ทั้งโครงการ), step (ขั้นที่), outcome (ผลลัพธ์), indicator (ตัวชี้วัด),
        baseline (ค่าฐาน), target (เป้าหมาย, e.g. ``≥ 30 คน``), actual (ผลที่ได้),
        % of target (ร้อยละของเป้าหมาย), status (สถานะ), n. Missing values
        show as ``–``.

    Examples
    --------
    >>> import evaluation as ev
    >>> from evaluation.ladder import _example_project
    >>> proj, lad = _example_project()
    >>> ev.ladder_table(ev.evaluate_ladder(proj, lad)).iloc[1, 5:9].tolist()
    ['≥ 2 คน', '1 คน', '50%', 'บรรลุบางส่วน']
    """
    lang = _lang(lang)
    h = _TABLE_HEADERS[lang]
    f = evaluation_frame
    missing = [c for c in LADDER_COLUMNS if c not in f.columns and c not in ("level",
                                                                               "status_th")]
    if missing:
        raise ValueError("evaluation_frame must be the output of evaluate_ladder; missing "
                         f"columns: {', '.join(missing)}")
    out = {}
    levels = f["level"] if "level" in f.columns else pd.Series("village", index=f.index)
    scopes = pd.Series(list(zip(f["village_id"].astype(object).fillna(""), levels)))
    if scopes.nunique() > 1:
        out[h["village"]] = [h["whole"] if lvl == "project" else str(v)
                             for v, lvl in zip(f["village_id"], levels)]
    out[h["step"]] = f["step"].astype(int).astype(str).tolist()
    if lang == "en" and "outcome_en" in f.columns:
        out[h["outcome"]] = f["outcome_en"].fillna(f["outcome"]).tolist()
    else:
        out[h["outcome"]] = f["outcome"].tolist()
    out[h["label"]] = f["label"].tolist()
    out[h["baseline"]] = [format_value(b, u, lang) for b, u in zip(f["baseline"], f["unit"])]
    out[h["target"]] = [f"{COMPARATOR_SYMBOLS.get(c, c)} {format_value(t, u, lang)}"
                        for c, t, u in zip(f["comparator"], f["target"], f["unit"])]
    out[h["actual"]] = [format_value(a, u, lang) for a, u in zip(f["actual"], f["unit"])]
    out[h["pct"]] = [format_value(p, "%", lang) for p in f["pct_of_target"]]
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
                       "participants_count, params: {role: team}, target: 2, "
                       "comparator: ≥, unit: คน}\n")
    return proj, lad
