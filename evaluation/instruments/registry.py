"""Instrument definitions as data: YAML files, validation and the registry.

An *instrument* is a questionnaire scored from item responses: its items (with
their score range and whether they are reverse-scored), optional domains, how
the total is computed and the bands that interpret the total. The built-in
definitions are the YAML files next to this module; a user adds an instrument
by writing one more YAML file (see ``docs/instruments.md``) and passing its
folder as ``extra_dirs``.

Band semantics
--------------
A band covers ``low .. high``. By default the lower bound is included and the
upper bound excluded (half-open ``[low, high)``), except for a band whose
``high`` equals the top of the score range, which is closed. Either end can be
set explicitly with ``low_inclusive`` / ``high_inclusive``. Bands must cover the
score range exactly once: no gaps, no overlaps, nothing outside the range.
"""

from __future__ import annotations

import functools
import math
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ..errors import ArgumentError as _BaseArgumentError
from ..errors import EvaluationError, problems_frame

__all__ = [
    "ArgumentError",
    "Band",
    "Instrument",
    "InstrumentError",
    "InstrumentWarning",
    "Item",
    "Total",
    "get_instrument",
    "load_instrument",
    "registry",
    "TOTAL_METHODS",
]

#: How a total (or a domain score) is computed from its parts.
TOTAL_METHODS = ("sum", "mean", "rescale_0_100")
#: What the total is computed over.
TOTAL_OVER = ("items", "domains")

_BUILTIN_DIR = Path(__file__).resolve().parent
_ID_RE = re.compile(r"^[A-Za-z0-9_]+$")

_TOP_KEYS = {
    "id", "name_th", "name_en", "version", "source", "notes", "recall_period",
    "response_labels", "item_defaults", "items", "reverse", "domains", "total", "bands",
    "domain_bands",
}
_REQUIRED_TOP = ("id", "name_th", "name_en", "version", "source", "items", "total")
_ITEM_KEYS = {"id", "text_th", "label", "reverse", "min", "max"}
_DEFAULT_KEYS = {"min", "max"}
_DOMAIN_KEYS = {"name_th", "name_en", "items", "method"}
_TOTAL_KEYS = {"method", "over"}
_BAND_KEYS = {"id", "low", "high", "label_th", "label_en", "low_inclusive", "high_inclusive"}


# --------------------------------------------------------------------------- errors
class InstrumentError(EvaluationError):
    """An instrument definition is invalid or an instrument id is unknown.

    Attributes
    ----------
    problems : pandas.DataFrame
        Problems table (``file, sheet, row, column, value, problem, severity``).
        For a YAML file ``row`` is the line number and ``column`` the field path
        (for example ``items[3].max``; list positions count from 0). Empty for an
        unknown instrument id.
    """

    def __init__(self, message: str, problems: pd.DataFrame | None = None):
        self.problems = (problems if problems is not None else problems_frame()).reset_index(
            drop=True)
        super().__init__(message)

    def __str__(self) -> str:
        head = super().__str__()
        if len(self.problems) == 0:
            return head
        with pd.option_context("display.max_colwidth", 90, "display.width", 200):
            shown = self.problems.drop(columns=["sheet", "severity"], errors="ignore")
            return f"{head}\n{shown.to_string(index=False)}"


class ArgumentError(_BaseArgumentError):
    """A function argument has a value outside the allowed ones."""


class InstrumentWarning(UserWarning):
    """A user instrument overrides another definition with the same id."""


# --------------------------------------------------------------------------- data classes
@dataclass(frozen=True)
class Item:
    """One questionnaire item.

    ``min`` and ``max`` are the response codes as recorded (before reversal);
    a reverse-scored item is scored ``min + max - value``.
    """

    id: str
    text_th: str
    label: str
    reverse: bool
    min: float
    max: float


@dataclass(frozen=True)
class Band:
    """An interpretation band of a score.

    Covers ``low .. high``; ``low_inclusive`` / ``high_inclusive`` say whether
    the bounds belong to the band (default ``[low, high)``).
    """

    id: str
    low: float
    high: float
    label_th: str
    label_en: str
    low_inclusive: bool = True
    high_inclusive: bool = False

    def contains(self, values):
        """Boolean mask (or bool) of values that fall in the band; NaN -> False."""
        x = np.asarray(values, dtype=float)
        lower = x >= self.low if self.low_inclusive else x > self.low
        upper = x <= self.high if self.high_inclusive else x < self.high
        out = lower & upper
        return bool(out) if out.ndim == 0 else out

    def interval(self) -> str:
        """The band as interval notation, e.g. ``[28, 50)``."""
        return (f"{'[' if self.low_inclusive else '('}{_fmt(self.low)}, {_fmt(self.high)}"
                f"{']' if self.high_inclusive else ')'}")


@dataclass(frozen=True)
class Total:
    """How the total is computed.

    ``method`` is ``sum``, ``mean`` or ``rescale_0_100`` (the sum mapped
    linearly so that its minimum is 0 and its maximum 100); ``over`` is
    ``items`` or ``domains``; ``min`` / ``max`` is the range of the total.
    Also readable as a mapping (``total["method"]``).
    """

    method: str
    min: float
    max: float
    over: str = "items"

    def __getitem__(self, key: str):
        return getattr(self, key)


@dataclass(frozen=True)
class Instrument:
    """A validated instrument definition (see :func:`load_instrument`).

    Attributes
    ----------
    id, name_th, name_en, version, source : str
    items : tuple of Item
    domains : dict
        Domain id -> ``{"name_th", "name_en", "items" (tuple of item ids),
        "method" (sum | mean | rescale_0_100), "min", "max"}``.
    total : Total
    bands : tuple of Band
        Applied to the total; empty when the instrument has no bands.
    domain_bands : tuple of Band
        Applied to every domain score; empty when absent.
    notes, recall_period : str
    response_labels : dict
        Response code -> label (informative only).
    path : str or None
        The YAML file the definition came from.
    """

    id: str
    name_th: str
    name_en: str
    version: str
    source: str
    items: tuple[Item, ...]
    domains: dict = field(default_factory=dict)
    total: Total = field(default_factory=lambda: Total("sum", 0.0, 0.0))
    bands: tuple[Band, ...] = ()
    domain_bands: tuple[Band, ...] = ()
    notes: str = ""
    recall_period: str = ""
    response_labels: dict = field(default_factory=dict)
    path: str | None = None

    # -- convenience -----------------------------------------------------------
    @property
    def item_ids(self) -> tuple[str, ...]:
        """Item ids in definition order."""
        return tuple(it.id for it in self.items)

    @property
    def reverse_items(self) -> tuple[str, ...]:
        """Ids of the reverse-scored items."""
        return tuple(it.id for it in self.items if it.reverse)

    def item_range(self, item_id: str) -> tuple[float, float]:
        """``(min, max)`` response code of an item."""
        for it in self.items:
            if it.id == item_id:
                return (it.min, it.max)
        raise InstrumentError(
            f"instrument {self.id!r} has no item {item_id!r}; items are: "
            f"{', '.join(self.item_ids)}")

    @property
    def total_range(self) -> tuple[float, float]:
        """``(min, max)`` of the total score."""
        return (self.total.min, self.total.max)

    def domain_range(self, domain_id: str) -> tuple[float, float]:
        """``(min, max)`` of a domain score."""
        if domain_id not in self.domains:
            raise InstrumentError(
                f"instrument {self.id!r} has no domain {domain_id!r}; domains are: "
                f"{', '.join(self.domains) or '(none)'}")
        d = self.domains[domain_id]
        return (d["min"], d["max"])

    def classify(self, values, bands: Sequence[Band] | None = None) -> pd.Categorical:
        """Band id of each value as an ordered categorical (NaN -> missing).

        ``bands`` defaults to the total's bands; categories are the band ids
        from the lowest band to the highest.
        """
        bands = tuple(self.bands if bands is None else bands)
        return _classify(np.asarray(values, dtype=float), bands)


def _classify(x: np.ndarray, bands: tuple[Band, ...]) -> pd.Categorical:
    codes = np.full(x.shape, -1, dtype=np.int8 if len(bands) < 127 else np.int32)
    for k, band in enumerate(bands):
        codes[band.contains(x)] = k
    return pd.Categorical.from_codes(codes, categories=[b.id for b in bands], ordered=True)


def _fmt(x: float) -> str:
    return f"{x:g}"


# --------------------------------------------------------------------------- YAML with lines
class _Doc:
    """A parsed YAML document plus the line of every field path."""

    def __init__(self, data: Any, lines: dict[str, int]):
        self.data = data
        self.lines = lines

    def line(self, path: str) -> int | None:
        """Line of ``path`` or of its nearest enclosing field."""
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""


def _join(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def _parse_yaml(text: str, file: str, problems: list[dict]) -> _Doc | None:
    from ..textio import YamlBoundsError, compose_yaml

    try:
        root = compose_yaml(text)  # SafeLoader; size, depth and alias expansion bounded
    except YamlBoundsError as exc:
        problems.append(_problem(file, exc.line, "", None, str(exc)))
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(_problem(file, mark.line + 1 if mark else None, "", None,
                                 f"not valid YAML: {getattr(exc, 'problem', None) or exc}"))
        return None
    if root is None:
        problems.append(_problem(file, None, "", None, "the file is empty"))
        return None
    constructor = yaml.constructor.SafeConstructor()
    lines: dict[str, int] = {}

    def walk(node, path):
        lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            out: dict = {}
            for knode, vnode in node.value:
                key = constructor.construct_object(knode, deep=True)
                if not isinstance(key, (str, int, float, bool)) or key is None:
                    key = str(key)
                sub = _join(path, key)
                if key in out:
                    problems.append(_problem(
                        file, knode.start_mark.line + 1, sub, key,
                        f"duplicate key {key!r} (first at line {lines.get(sub)})"))
                    continue
                out[key] = walk(vnode, sub)
                lines.setdefault(sub, knode.start_mark.line + 1)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [walk(v, _join(path, i)) for i, v in enumerate(node.value)]
        return constructor.construct_object(node, deep=True)

    data = walk(root, "")
    return _Doc(data, lines)


def _problem(file, row, column, value, problem) -> dict:
    if value is not None and not isinstance(value, str):
        value = repr(value) if isinstance(value, (list, dict)) else str(value)
    return {"file": file, "sheet": None, "row": row, "column": column, "value": value,
            "problem": problem, "severity": "error"}


# --------------------------------------------------------------------------- validation
def _is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


class _Checker:
    def __init__(self, doc: _Doc, file: str, problems: list[dict]):
        self.doc = doc
        self.file = file
        self.problems = problems

    def add(self, path: str, value, message: str, line_path: str | None = None):
        self.problems.append(_problem(self.file, self.doc.line(line_path or path), path, value,
                                      message))

    def unknown_keys(self, mapping: dict, allowed: set, path: str):
        for key in mapping:
            if key not in allowed:
                self.add(_join(path, key), key,
                         f"unknown field {key!r}; allowed fields: {', '.join(sorted(allowed))}")

    def text(self, mapping: dict, key: str, path: str, *, required: bool, default=""):
        sub = _join(path, key)
        if key not in mapping or mapping[key] is None:
            if required:
                self.add(sub, None, f"required field {key!r} is missing", line_path=path)
            return default
        value = mapping[key]
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.add(sub, value, f"{key!r} must be text")
            return default
        return str(value).strip()

    def number(self, mapping: dict, key: str, path: str, *, required: bool, default=None):
        sub = _join(path, key)
        if key not in mapping or mapping[key] is None:
            if required:
                self.add(sub, None, f"required field {key!r} is missing", line_path=path)
            return default
        value = mapping[key]
        if not _is_number(value):
            self.add(sub, value, f"{key!r} must be a number")
            return default
        return float(value)

    def flag(self, mapping: dict, key: str, path: str, default: bool) -> bool:
        if key not in mapping or mapping[key] is None:
            return default
        value = mapping[key]
        if not isinstance(value, bool):
            self.add(_join(path, key), value, f"{key!r} must be true or false")
            return default
        return value


def _method_range(method: str, mins: Sequence[float], maxs: Sequence[float]):
    if method == "sum":
        return float(sum(mins)), float(sum(maxs))
    if method == "mean":
        return float(sum(mins)) / len(mins), float(sum(maxs)) / len(maxs)
    return 0.0, 100.0


def _build(doc: _Doc, file: str, problems: list[dict]) -> Instrument | None:
    n_before = len(problems)
    ck = _Checker(doc, file, problems)
    data = doc.data
    if not isinstance(data, dict):
        ck.add("", None, "the file must be a mapping of fields (id:, name_th:, items:, ...)")
        return None
    ck.unknown_keys(data, _TOP_KEYS, "")
    for key in _REQUIRED_TOP:
        if key not in data or data[key] is None:
            ck.add(key, None, f"required field {key!r} is missing", line_path="")

    inst_id = ck.text(data, "id", "", required=False)
    if inst_id and not _ID_RE.match(inst_id):
        ck.add("id", inst_id, "id may contain only letters, digits and '_' (e.g. tmhi15)")
    texts = {k: ck.text(data, k, "", required=False)
             for k in ("name_th", "name_en", "version", "source", "notes", "recall_period")}

    # -- item defaults ---------------------------------------------------------
    defaults = data.get("item_defaults") or {}
    if not isinstance(defaults, dict):
        ck.add("item_defaults", defaults, "item_defaults must be a mapping (min:, max:)")
        defaults = {}
    ck.unknown_keys(defaults, _DEFAULT_KEYS, "item_defaults")
    d_min = ck.number(defaults, "min", "item_defaults", required=False)
    d_max = ck.number(defaults, "max", "item_defaults", required=False)

    # -- items -----------------------------------------------------------------
    items: list[Item] = []
    raw_items = data.get("items")
    if raw_items is not None and not isinstance(raw_items, list):
        ck.add("items", None, "items must be a list of items (- id: q1 ...)")
        raw_items = None
    if isinstance(raw_items, list) and not raw_items:
        ck.add("items", None, "items is empty: an instrument needs at least one item")
    seen: dict[str, int] = {}
    items_ok = raw_items is not None
    for i, raw in enumerate(raw_items or []):
        path = f"items[{i}]"
        if isinstance(raw, (str, int)) and not isinstance(raw, bool):
            raw = {"id": raw}
        if not isinstance(raw, dict):
            ck.add(path, raw, "each item must be a mapping (id:, min:, max:, ...)")
            items_ok = False
            continue
        ck.unknown_keys(raw, _ITEM_KEYS, path)
        item_id = ck.text(raw, "id", path, required=True)
        if not item_id:
            items_ok = False
            continue
        if item_id in seen:
            ck.add(f"{path}.id", item_id,
                   f"duplicate item id {item_id!r} (first at line "
                   f"{doc.line(f'items[{seen[item_id]}]')})")
            items_ok = False
            continue
        seen[item_id] = i
        lo = ck.number(raw, "min", path, required=d_min is None, default=d_min)
        hi = ck.number(raw, "max", path, required=d_max is None, default=d_max)
        if lo is None or hi is None:
            items_ok = False
            continue
        if lo >= hi:
            where = f"{path}.max" if "max" in raw else f"{path}.min" if "min" in raw else path
            ck.add(where, _fmt(hi), f"min ({_fmt(lo)}) must be less than max ({_fmt(hi)})",
                   line_path=where if where in doc.lines else path)
            items_ok = False
            continue
        items.append(Item(
            id=item_id,
            text_th=ck.text(raw, "text_th", path, required=False) or f"ข้อ {i + 1}",
            label=ck.text(raw, "label", path, required=False, default=item_id) or item_id,
            reverse=ck.flag(raw, "reverse", path, False),
            min=lo, max=hi,
        ))
    by_id = {it.id: it for it in items}
    known_ids = list(seen)

    # -- top-level reverse list --------------------------------------------------
    rev = data.get("reverse")
    if rev is not None:
        if isinstance(rev, (str, int)) and not isinstance(rev, bool):
            rev = [rev]
        if not isinstance(rev, list):
            ck.add("reverse", rev, "reverse must be a list of item ids, e.g. [q3, q4, q5]")
        else:
            for k, rid in enumerate(rev):
                rid = str(rid).strip()
                if rid in by_id:
                    it = by_id[rid]
                    by_id[rid] = Item(it.id, it.text_th, it.label, True, it.min, it.max)
                elif rid not in seen:
                    ck.add(f"reverse[{k}]", rid,
                           f"unknown reverse item {rid!r}; items are: {_short(known_ids)}")
            items = [by_id.get(it.id, it) for it in items]

    # -- domains -----------------------------------------------------------------
    domains: dict[str, dict] = {}
    raw_domains = data.get("domains")
    domains_ok = True
    if raw_domains is not None:
        if not isinstance(raw_domains, dict):
            ck.add("domains", None,
                   "domains must be a mapping: domain id -> {name_th, name_en, items}")
            domains_ok = False
            raw_domains = {}
        for dom_id, raw in raw_domains.items():
            path = _join("domains", dom_id)
            dom_id = str(dom_id)
            if not _ID_RE.match(dom_id):
                ck.add(path, dom_id, "domain id may contain only letters, digits and '_'")
                domains_ok = False
            if not isinstance(raw, dict):
                ck.add(path, raw, "each domain must be a mapping (name_th:, name_en:, items:)")
                domains_ok = False
                continue
            ck.unknown_keys(raw, _DOMAIN_KEYS, path)
            ditems = raw.get("items")
            if isinstance(ditems, (str, int)) and not isinstance(ditems, bool):
                ditems = [ditems]
            if not isinstance(ditems, list) or not ditems:
                ck.add(f"{path}.items", None, "a domain needs a non-empty list of item ids",
                       line_path=f"{path}.items" if "items" in raw else path)
                domains_ok = False
                continue
            ids = []
            for k, ref in enumerate(ditems):
                ref = str(ref).strip()
                if ref not in seen:
                    ck.add(f"{path}.items[{k}]", ref,
                           f"domain {dom_id!r} refers to unknown item {ref!r}; items are: "
                           f"{_short(known_ids)}")
                    domains_ok = False
                elif ref in ids:
                    ck.add(f"{path}.items[{k}]", ref,
                           f"item {ref!r} listed twice in domain {dom_id!r}")
                    domains_ok = False
                else:
                    ids.append(ref)
            method = ck.text(raw, "method", path, required=False, default="rescale_0_100")
            if method not in TOTAL_METHODS:
                ck.add(f"{path}.method", method,
                       f"unknown domain method {method!r}; use one of {', '.join(TOTAL_METHODS)}")
                domains_ok = False
                method = "rescale_0_100"
            dmin = dmax = None
            if items_ok and domains_ok and all(r in by_id for r in ids):
                dmin, dmax = _method_range(method, [by_id[r].min for r in ids],
                                           [by_id[r].max for r in ids])
            domains[dom_id] = {
                "name_th": ck.text(raw, "name_th", path, required=False, default=dom_id) or dom_id,
                "name_en": ck.text(raw, "name_en", path, required=False, default=dom_id) or dom_id,
                "items": tuple(ids),
                "method": method,
                "min": dmin,
                "max": dmax,
            }

    # -- total -------------------------------------------------------------------
    raw_total = data.get("total")
    method, over = None, "items"
    if isinstance(raw_total, str):
        raw_total = {"method": raw_total}
    if raw_total is not None:
        if not isinstance(raw_total, dict):
            ck.add("total", raw_total,
                   "total must be a mapping (method: sum | mean | rescale_0_100)")
        else:
            ck.unknown_keys(raw_total, _TOTAL_KEYS, "total")
            method = ck.text(raw_total, "method", "total", required=True, default=None)
            if method is not None and method not in TOTAL_METHODS:
                ck.add("total.method", method,
                       f"unknown total method {method!r}; use one of {', '.join(TOTAL_METHODS)}")
                method = None
            over = ck.text(raw_total, "over", "total", required=False, default="items")
            if over not in TOTAL_OVER:
                ck.add("total.over", over, f"total.over must be one of {', '.join(TOTAL_OVER)}")
                method = None
            elif over == "domains" and not raw_domains:
                ck.add("total.over", over, "total.over is 'domains' but no domains are defined")
                method = None

    total = None
    if method is not None and items_ok and items and domains_ok:
        if over == "items":
            lo, hi = _method_range(method, [it.min for it in items], [it.max for it in items])
        else:
            lo, hi = _method_range(method, [d["min"] for d in domains.values()],
                                   [d["max"] for d in domains.values()])
        total = Total(method=method, min=lo, max=hi, over=over)

    # -- bands -------------------------------------------------------------------
    bands = _bands(ck, data, "bands", [(total.min, total.max, "the total")] if total else None)
    domain_ranges = None
    if total is not None and domains:
        domain_ranges = [(d["min"], d["max"], f"domain {k!r}") for k, d in domains.items()]
    if "domain_bands" in data and data["domain_bands"] is not None and not raw_domains:
        ck.add("domain_bands", None, "domain_bands given but no domains are defined")
    dbands = _bands(ck, data, "domain_bands", domain_ranges)

    # -- response labels -----------------------------------------------------------
    labels = data.get("response_labels") or {}
    if not isinstance(labels, dict):
        ck.add("response_labels", labels, "response_labels must be a mapping: code -> label")
        labels = {}

    if len(problems) > n_before:
        return None
    return Instrument(
        id=inst_id, name_th=texts["name_th"], name_en=texts["name_en"],
        version=texts["version"], source=texts["source"], items=tuple(items),
        domains=domains, total=total, bands=bands, domain_bands=dbands,
        notes=texts["notes"], recall_period=texts["recall_period"],
        response_labels={k: str(v) for k, v in labels.items()},
        path=file,
    )


def _short(ids: Sequence[str], n: int = 20) -> str:
    ids = list(ids)
    if not ids:
        return "(none)"
    return ", ".join(ids[:n]) + (f", ... ({len(ids)} in all)" if len(ids) > n else "")


def _bands(ck: _Checker, data: dict, key: str, ranges) -> tuple[Band, ...]:
    """Parse and check a band list against each ``(min, max, what)`` in ranges."""
    raw = data.get(key)
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        ck.add(key, None, f"{key} must be a non-empty list of bands (- id:, low:, high:, ...)")
        return ()
    parsed: list[tuple] = []
    ok = True
    ids: dict[str, int] = {}
    for i, b in enumerate(raw):
        path = f"{key}[{i}]"
        if not isinstance(b, dict):
            ck.add(path, b, "each band must be a mapping (id:, low:, high:, label_th:, label_en:)")
            ok = False
            continue
        ck.unknown_keys(b, _BAND_KEYS, path)
        bid = ck.text(b, "id", path, required=True)
        label_th = ck.text(b, "label_th", path, required=True)
        label_en = ck.text(b, "label_en", path, required=True)
        low = ck.number(b, "low", path, required=True)
        high = ck.number(b, "high", path, required=True)
        if bid and bid in ids:
            ck.add(f"{path}.id", bid, f"duplicate band id {bid!r} (first is {key}[{ids[bid]}])")
            ok = False
        elif bid:
            ids[bid] = i
        if low is None or high is None or not bid or not label_th or not label_en:
            ok = False
            continue
        if low >= high:
            ck.add(f"{path}.high", _fmt(high), f"band low ({_fmt(low)}) must be less than high "
                   f"({_fmt(high)})")
            ok = False
            continue
        parsed.append((i, (label_th, label_en), low, high, bid,
                       ck.flag(b, "low_inclusive", path, True),
                       ck.flag(b, "high_inclusive", path, None)))
    if not ok or ranges is None:
        return ()

    n_before = len(ck.problems)
    results: list[tuple[Band, ...]] = []
    for rmin, rmax, what in ranges:
        bands = []
        for i, b, low, high, bid, low_inc, high_inc in parsed:
            bands.append((i, Band(
                id=bid, low=low, high=high,
                label_th=b[0], label_en=b[1],
                low_inclusive=low_inc,
                high_inclusive=(high == rmax) if high_inc is None else high_inc,
            )))
        bands.sort(key=lambda t: (t[1].low, not t[1].low_inclusive))
        _check_cover(ck, key, bands, rmin, rmax, what)
        results.append(tuple(b for _, b in bands))
        if len(ck.problems) > n_before:
            return ()
    return results[0] if results else ()


def _check_cover(ck: _Checker, key: str, bands, rmin: float, rmax: float, what: str):
    hint = ("bands are [low, high): the upper bound belongs to the next band unless "
            "high_inclusive: true")
    rng = f"{what} ranges {_fmt(rmin)}–{_fmt(rmax)}"
    for i, b in bands:
        if b.low < rmin or b.high > rmax:
            ck.add(f"{key}[{i}]", b.interval(),
                   f"band {b.id!r} {b.interval()} lies partly outside the range: {rng}")
    first_i, first = bands[0]
    if first.low > rmin or (first.low == rmin and not first.low_inclusive):
        ck.add(f"{key}[{first_i}].low", _fmt(first.low),
               f"bands do not cover the range: {rng} but the lowest band {first.id!r} starts at "
               f"{first.interval()}")
    last_i, last = max(bands, key=lambda t: (t[1].high, t[1].high_inclusive))
    if last.high < rmax or (last.high == rmax and not last.high_inclusive):
        ck.add(f"{key}[{last_i}].high", _fmt(last.high),
               f"bands do not cover the range: {rng} but the highest band {last.id!r} ends at "
               f"{last.interval()}")
    for (ia, a), (ib, b) in zip(bands, bands[1:]):
        if b.low < a.high or (b.low == a.high and a.high_inclusive and b.low_inclusive):
            ck.add(f"{key}[{ib}]", b.interval(),
                   f"overlapping bands: {a.id!r} {a.interval()} and {b.id!r} {b.interval()}")
        elif b.low > a.high or (b.low == a.high and not a.high_inclusive
                                and not b.low_inclusive):
            ck.add(f"{key}[{ib}].low", _fmt(b.low),
                   f"bands do not cover the range: gap between {a.id!r} {a.interval()} and "
                   f"{b.id!r} {b.interval()}; {hint}")


# --------------------------------------------------------------------------- public API
def load_instrument(path: str | Path) -> Instrument:
    """Read and validate one instrument definition (YAML file).

    Parameters
    ----------
    path : str or Path
        The YAML file.

    Returns
    -------
    Instrument

    Raises
    ------
    InstrumentError
        With ``.problems`` listing every problem found at once: ``row`` is the
        YAML line, ``column`` the field path (``items[3].max``, positions count
        from 0). Checks: required fields, unknown fields, item ids (missing,
        duplicate), ``min < max``, unknown reverse items, domains referring to
        unknown items, unknown total method, bands (overlapping, gaps, outside
        or not covering the total's range).

    Examples
    --------
    >>> from pathlib import Path
    >>> import evaluation as ev
    >>> who5 = ev.load_instrument(Path(ev.instruments.__file__).parent / "who5.yaml")
    >>> who5.total_range
    (0.0, 100.0)
    """
    path = Path(path)
    problems: list[dict] = []
    from ..textio import TextDecodeError, decode_text

    try:
        text, _warning = decode_text(path.read_bytes())  # UTF-16/cp874 decoded too
    except FileNotFoundError:
        raise InstrumentError(f"instrument file not found: {path}") from None
    except IsADirectoryError:
        raise InstrumentError(f"instrument path is a folder, not a file: {path}") from None
    except TextDecodeError as exc:
        problems.append({**_problem(str(path), None, None, None, exc.problem),
                         "problem_code": exc.problem_code})
        text = None
    inst = None
    if text is not None:
        doc = _parse_yaml(text, str(path), problems)
        if doc is not None:
            inst = _build(doc, str(path), problems)
    if problems or inst is None:
        frame = problems_frame(problems)
        raise InstrumentError(
            f"{len(frame)} problem(s) in instrument definition {path.name}", frame)
    return inst


@functools.cache
def _builtins() -> dict[str, Instrument]:
    out: dict[str, Instrument] = {}
    for file in sorted(_BUILTIN_DIR.glob("*.yaml")):
        inst = load_instrument(file)
        out[inst.id] = inst
    return out


def _yaml_files(folder: Path) -> list[Path]:
    return sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])


def registry(extra_dirs: Sequence[str | Path] = ()) -> dict[str, Instrument]:
    """All known instruments: the built-in ones plus user YAML files.

    Parameters
    ----------
    extra_dirs : sequence of str or Path
        Folders whose ``*.yaml`` (and ``*.yml``) files are user instrument
        definitions, e.g. ``data/my_program/instruments``. A user file whose
        ``id`` equals a built-in (or an earlier user file) replaces it, with an
        :class:`InstrumentWarning`. A single path (str or Path) is accepted too.

    Returns
    -------
    dict
        Instrument id -> :class:`Instrument`, sorted by id.

    Raises
    ------
    InstrumentError
        A folder does not exist, or any user file is invalid (the problems of
        every invalid file, in one table).

    Examples
    --------
    >>> import evaluation as ev
    >>> sorted(ev.registry())
    ['happinometer', 'happy10', 'tmhi15', 'who5']
    """
    if isinstance(extra_dirs, (str, Path)):
        extra_dirs = [extra_dirs]
    out = dict(_builtins())
    origin = {k: "the built-in definition" for k in out}
    frames = []
    for folder in extra_dirs:
        folder = Path(folder)
        if not folder.is_dir():
            raise InstrumentError(
                f"extra_dirs: {str(folder)!r} is not a folder (expected a folder of instrument "
                f"YAML files)")
        for file in _yaml_files(folder):
            try:
                inst = load_instrument(file)
            except InstrumentError as exc:
                frames.append(exc.problems)
                continue
            if inst.id in out:
                warnings.warn(
                    f"instrument {inst.id!r} from {file} replaces {origin[inst.id]}",
                    InstrumentWarning, stacklevel=2)
            out[inst.id] = inst
            origin[inst.id] = str(file)
    if frames:
        frame = pd.concat(frames, ignore_index=True)
        n_files = frame["file"].nunique()
        raise InstrumentError(f"{len(frame)} problem(s) in {n_files} instrument file(s)", frame)
    return dict(sorted(out.items()))


def get_instrument(instrument: str | Instrument, *,
                   extra_dirs: Sequence[str | Path] = ()) -> Instrument:
    """Look up an instrument by id (or pass an :class:`Instrument` through).

    Parameters
    ----------
    instrument : str or Instrument
        An id (matched ignoring case and surrounding spaces), a path to a YAML
        file, or an Instrument (returned unchanged).
    extra_dirs : sequence of str or Path
        Folders of user definitions, see :func:`registry`.

    Returns
    -------
    Instrument

    Raises
    ------
    InstrumentError
        Unknown id; the message lists the known ids.

    Examples
    --------
    >>> import evaluation as ev
    >>> ev.get_instrument("tmhi15").reverse_items
    ('q3', 'q4', 'q5')
    """
    if isinstance(instrument, Instrument):
        return instrument
    if isinstance(instrument, Path) or (
            isinstance(instrument, str) and instrument.lower().endswith((".yaml", ".yml"))):
        return load_instrument(instrument)
    if not isinstance(instrument, str):
        raise ArgumentError(
            f"instrument must be an instrument id (str) or an Instrument, got "
            f"{type(instrument).__name__}: {instrument!r}")
    reg = registry(extra_dirs)
    key = instrument.strip().casefold()
    for inst_id, inst in reg.items():
        if inst_id.casefold() == key:
            return inst
    raise InstrumentError(
        f"unknown instrument {instrument!r}. Known instruments: {', '.join(reg)}. "
        f"To use your own, write a YAML definition (see docs/instruments.md) and pass its "
        f"folder as extra_dirs.")
