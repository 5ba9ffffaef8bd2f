"""``import.yaml``: how the columns of an export become the workbench's tables.

The file is untrusted input, so it is read with a bounded safe loader (size,
nesting depth and node count limited; YAML aliases refused) and every key is
checked; all problems are reported at once. The format is documented in
``docs/import.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import DataValidationError, problems_frame

#: Limits of an import.yaml (a mapping is a few KB; these are generous).
MAX_BYTES = 256 * 1024
MAX_DEPTH = 12
MAX_NODES = 20_000

TOP_KEYS = {"format", "registry", "project", "villages", "defaults", "wave", "date",
            "columns", "items", "ignore", "values", "keep", "include_not_approved", "sheets"}
WAVE_KEYS = {"column", "value", "values", "files"}
DATE_KEYS = {"column"}
PROJECT_KEYS = {"project_id", "name", "organisation", "start_date", "end_date", "budget"}
VILLAGE_KEYS = {"name", "subdistrict", "district", "province", "project_id"}
FORMATS = ("auto", "kobo", "odk", "gforms", "plain")
WAVES = ("pre", "during", "post")

#: Canonical targets a column can be mapped to (``<target>@<wave>`` for wide layouts).
TARGETS = {
    "village_id", "village_name", "household_id", "person_id", "wave", "date",
    "finance_date", "assess_date", "finance_done",
    "household_size", "income", "expenses", "debt_formal", "debt_informal", "savings",
    "debt_sources",
    "name", "national_id", "phone", "sex", "age", "role", "occupation_group", "joined_date",
    "left_date",
}
_EXTRA_RE = re.compile(r"^(extra\.(finance|participants|happiness)|var)\.[A-Za-z_][A-Za-z0-9_]*$")


class MappingError(DataValidationError):
    """An import.yaml is invalid; ``.problems`` lists every problem."""


@dataclass
class ColumnRule:
    """Where one canonical target comes from: a header, a template or a constant."""

    target: str
    wave: str | None = None
    header: str | None = None
    template: str | None = None
    value: str | None = None


@dataclass
class Mapping:
    """A parsed, checked import.yaml (see ``docs/import.md``)."""

    path: Path | None = None
    format: str = "auto"
    registry: Path | None = None
    project: dict = field(default_factory=dict)
    villages: dict = field(default_factory=dict)
    defaults: dict = field(default_factory=dict)
    wave_column: str | None = None
    wave_value: str | None = None
    wave_values: dict = field(default_factory=dict)
    wave_files: dict = field(default_factory=dict)
    date_column: str | None = None
    columns: list[ColumnRule] = field(default_factory=list)
    items: dict = field(default_factory=dict)        # header -> (instrument, item, wave)
    ignore: dict = field(default_factory=dict)       # header -> reason
    values: dict = field(default_factory=dict)       # target -> {label: value}
    keep: str | None = None
    include_not_approved: bool = False


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases and limits depth and node count."""

    def __init__(self, stream):
        super().__init__(stream)
        self._nodes = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.YAMLError(f"line {event.start_mark.line + 1}: YAML aliases (*name) are "
                                 "not allowed in import.yaml")
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise yaml.YAMLError(f"more than {MAX_NODES} YAML nodes")
        depth = getattr(self, "_depth", 0) + 1
        if depth > MAX_DEPTH:
            raise yaml.YAMLError(f"nested deeper than {MAX_DEPTH} levels")
        self._depth = depth
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth = depth - 1


def load_yaml_bounded(text: str):
    """Parse untrusted YAML text safely (no aliases, bounded size/depth/nodes)."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise yaml.YAMLError(f"larger than {MAX_BYTES // 1024} KB")
    return yaml.load(text, Loader=_BoundedLoader)  # noqa: S506 - bounded SafeLoader subclass


def _p(file, column, value, problem):
    return dict(file=file, sheet=None, row=None, column=column, value=value, problem=problem,
                severity="error")


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _target(key: str, file, problems) -> tuple[str, str | None] | None:
    base, _, wave = str(key).partition("@")
    if wave and wave not in WAVES:
        problems.append(_p(file, f"columns.{key}", wave,
                           f"unknown wave after '@'; allowed: {', '.join(WAVES)}"))
        return None
    if base not in TARGETS and not _EXTRA_RE.match(base):
        problems.append(_p(file, f"columns.{key}", key,
                           "unknown target; allowed: " + ", ".join(sorted(TARGETS))
                           + ", extra.<table>.<name>, var.<name>"))
        return None
    return base, wave or None


def parse_mapping(data, *, file: str = "import.yaml", base_dir: Path | None = None) -> Mapping:
    """Check a mapping given as a dict (as read from YAML); raise MappingError listing all problems."""
    problems: list[dict] = []
    m = Mapping()
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise MappingError(problems_frame([_p(file, None, type(data).__name__,
                                              "import.yaml must be a mapping of keys")]))
    for key in data:
        if key not in TOP_KEYS:
            problems.append(_p(file, str(key), None,
                               f"unknown key; allowed: {', '.join(sorted(TOP_KEYS))}"))

    fmt = _text(data.get("format", "auto"))
    if fmt not in FORMATS:
        problems.append(_p(file, "format", fmt, f"allowed: {', '.join(FORMATS)}"))
    else:
        m.format = fmt
    if data.get("registry") is not None:
        reg = Path(str(data["registry"]))
        m.registry = reg if reg.is_absolute() or base_dir is None else base_dir / reg

    def mapping_of(key, allowed=None, inner=None) -> dict:
        value = data.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            problems.append(_p(file, key, type(value).__name__, "expected a mapping"))
            return {}
        if allowed is not None:
            for k in value:
                if k not in allowed:
                    problems.append(_p(file, f"{key}.{k}", None,
                                       f"unknown key; allowed: {', '.join(sorted(allowed))}"))
        return value

    m.project = {k: _text(v) for k, v in mapping_of("project", PROJECT_KEYS).items()}
    if m.project and not (m.project.get("project_id") and m.project.get("name")):
        problems.append(_p(file, "project", None, "project needs project_id and name"))
    for vid, info in mapping_of("villages").items():
        if not isinstance(info, dict):
            info = {"name": info}
        for k in info:
            if k not in VILLAGE_KEYS:
                problems.append(_p(file, f"villages.{vid}.{k}", None,
                                   f"unknown key; allowed: {', '.join(sorted(VILLAGE_KEYS))}"))
        m.villages[_text(vid)] = {k: _text(v) for k, v in info.items() if k in VILLAGE_KEYS}
    m.defaults = {str(k): _text(v) for k, v in mapping_of("defaults").items()}
    for k in m.defaults:
        if k not in TARGETS:
            problems.append(_p(file, f"defaults.{k}", None,
                               f"unknown target; allowed: {', '.join(sorted(TARGETS))}"))

    wave = mapping_of("wave", WAVE_KEYS)
    m.wave_column = _text(wave.get("column"))
    m.wave_value = _text(wave.get("value"))
    if m.wave_value is not None and m.wave_value not in WAVES:
        problems.append(_p(file, "wave.value", m.wave_value, f"allowed: {', '.join(WAVES)}"))
    for key, target in (("values", m.wave_values), ("files", m.wave_files)):
        value = wave.get(key) or {}
        if not isinstance(value, dict):
            problems.append(_p(file, f"wave.{key}", None, "expected a mapping"))
            continue
        for label, w in value.items():
            if _text(w) not in WAVES:
                problems.append(_p(file, f"wave.{key}.{label}", w,
                                   f"allowed: {', '.join(WAVES)}"))
            target[_text(label)] = _text(w)
    m.date_column = _text(mapping_of("date", DATE_KEYS).get("column"))

    for key, spec in mapping_of("columns").items():
        parsed = _target(key, file, problems)
        if parsed is None:
            continue
        rule = ColumnRule(target=parsed[0], wave=parsed[1])
        if isinstance(spec, dict):
            unknown = set(spec) - {"column", "template", "value"}
            if unknown or len(spec) != 1:
                problems.append(_p(file, f"columns.{key}", None,
                                   "give exactly one of column, template, value"))
                continue
            rule.header = _text(spec.get("column"))
            rule.template = _text(spec.get("template"))
            rule.value = _text(spec.get("value"))
        elif spec is None:
            problems.append(_p(file, f"columns.{key}", None, "no column given"))
            continue
        else:
            rule.header = _text(spec)
        m.columns.append(rule)

    for inst, items in mapping_of("items").items():
        if not isinstance(items, dict):
            problems.append(_p(file, f"items.{inst}", None,
                               "expected item id: column header pairs"))
            continue
        for item, header in items.items():
            base, _, w = str(item).partition("@")
            if w and w not in WAVES:
                problems.append(_p(file, f"items.{inst}.{item}", w,
                                   f"unknown wave after '@'; allowed: {', '.join(WAVES)}"))
                continue
            m.items[_text(header)] = (str(inst), base, w or None)

    ignore = data.get("ignore") or []
    if isinstance(ignore, dict):
        m.ignore = {_text(k): _text(v) or "ignored by import.yaml" for k, v in ignore.items()}
    elif isinstance(ignore, list):
        for entry in ignore:
            if isinstance(entry, dict):
                m.ignore.update({_text(k): _text(v) or "ignored by import.yaml"
                                 for k, v in entry.items()})
            else:
                m.ignore[_text(entry)] = "ignored by import.yaml"
    else:
        problems.append(_p(file, "ignore", None, "expected a list of column headers"))

    for target, table in mapping_of("values").items():
        if not isinstance(table, dict):
            problems.append(_p(file, f"values.{target}", None, "expected label: value pairs"))
            continue
        m.values[str(target)] = {_text(k): _text(v) for k, v in table.items()}

    keep = data.get("keep")
    if keep is not None and keep != "latest":
        problems.append(_p(file, "keep", keep, "allowed: latest"))
    m.keep = keep
    m.include_not_approved = bool(data.get("include_not_approved", False))
    if problems:
        raise MappingError(problems_frame(problems), f"{file}: {len(problems)} problem(s)")
    return m


def read_mapping(path) -> Mapping:
    """Read and check an import.yaml file (bounded safe YAML)."""
    path = Path(path)
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(problems_frame([_p(file, None, None,
                                              f"cannot read the mapping: {exc}")])) from exc
    try:
        data = load_yaml_bounded(text)
    except yaml.YAMLError as exc:
        raise MappingError(problems_frame([_p(file, None, None,
                                              f"not valid YAML: {exc}")])) from exc
    mapping = parse_mapping(data, file=file, base_dir=path.parent)
    mapping.path = path
    return mapping
