"""Which column is which: names, labels, group paths, wide wave columns, metadata.

:class:`Known` holds every spelling the importer understands without a
mapping: the stable field names of ``evaluation form`` and their Thai and
English labels (with or without group paths), the Thai and English headers
of the data model (``รายได้ต่อเดือน`` ...) and the answer labels of every
instrument and choice list. :func:`resolve_columns` gives each header of a
sheet one :class:`Col`: a canonical field, an instrument item, a
metadata role, a deliberately ignored column (with the reason) or an
unmapped column (reported).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .. import schema
from ..xlsform import DEBT_SOURCES, WAVE_LABELS, YES_NO, form_fields, response_choices
from . import gforms, kobo, odk
from .mapping import TARGETS, Mapping
from .sheets import Sheet

#: Targets whose values are finance amounts or counts (a finance row needs one).
FINANCE_VALUES = ("household_size", "income", "expenses", "debt_formal", "debt_informal",
                  "savings")
#: Targets answered as select_multiple (0/1 detail columns allowed).
MULTI = {"debt_sources"}
#: Targets read per wave in wide layouts (``income_pre``).
WIDE_OK = set(FINANCE_VALUES) | {"date", "finance_date", "assess_date", "debt_sources"}

_WAVE_TOKENS = {"pre": "pre", "before": "pre", "baseline": "pre", "ก่อน": "pre",
                "during": "during", "midline": "during", "ระหว่าง": "during",
                "post": "post", "after": "post", "endline": "post", "หลัง": "post"}
_WIDE_RE = re.compile(r"^(?P<base>.+?)[\s_.\-(]*(?P<wave>" + "|".join(
    sorted(_WAVE_TOKENS, key=len, reverse=True)) + r")[\s)]*$", re.IGNORECASE)
_ZW = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff\u2060"))
_SEPS = ("/", ".", "-", ":")
_VILLAGE_LABEL = re.compile(r"^(?P<name>.*?)\s*\((?P<id>[^()]+)\)\s*$")


def norm(text) -> str:
    """Comparison key of a header or label: NFC, case-folded, spaces collapsed."""
    text = unicodedata.normalize("NFC", str(text)).translate(_ZW)
    text = " ".join(text.split()).strip().rstrip("*").strip()
    return text.casefold()


@dataclass
class Col:
    """What one header of a sheet is."""

    header: str
    kind: str  # field | item | role | ignored | detail | unmapped
    target: str | None = None
    wave: str | None = None
    instrument: str | None = None
    item: str | None = None
    option: str | None = None
    reason: str = ""

    @property
    def key(self):
        if self.kind == "item":
            return ("item", self.instrument, self.item, self.wave)
        return f"{self.target}@{self.wave}" if self.wave else self.target


class Known:
    """Spellings understood without a mapping (see the module docstring)."""

    def __init__(self, instrument_dirs=()):
        from ..instruments import registry

        self.instruments = registry(extra_dirs=list(instrument_dirs))
        self.names: dict[str, tuple] = {}
        self.labels: dict[str, tuple] = {}
        self.aliases: dict[str, tuple] = {}
        group_labels = {"ident": ("ข้อมูลทั่วไป", "Identification"),
                        "finance": ("การเงินครัวเรือน", "Household finance"),
                        "member": ("ผู้ตอบแบบประเมินความสุข",
                                   "Members answering the happiness questions")}
        for inst in self.instruments.values():
            group_labels[inst.id] = (inst.name_th, inst.name_en)
        for f in form_fields(None, extra_dirs=list(instrument_dirs)):
            value = (("item", f.instrument, f.item) if f.instrument else ("field", f.name))
            self.names.setdefault(norm(f.name), value)
            for lang, label in ((0, f.label_th), (1, f.label_en)):
                self.labels.setdefault(norm(label), value)
                group = group_labels.get(f.group)
                if group:
                    self.labels.setdefault(norm(f"{group[lang]}/{label}"), value)
        for table in ("participants", "finance", "happiness"):
            for col in schema.TABLES[table].columns:
                if col.name not in TARGETS:
                    continue
                for spelling in (col.name, col.th, col.en, *col.aliases):
                    if spelling:
                        self.aliases.setdefault(norm(spelling), ("field", col.name))
        self.aliases.setdefault(norm("หมู่บ้าน"), ("field", "village_id"))
        # answer labels
        self.choices: dict[str, dict[str, str]] = {"wave": {}, "finance_done": {},
                                                   "debt_sources": {}}
        for target, table in (("wave", WAVE_LABELS), ("finance_done", YES_NO),
                              ("debt_sources", DEBT_SOURCES)):
            for name, (th, en) in table.items():
                for spelling in (name, th, en):
                    self.choices[target][norm(spelling)] = name
        for token, wave in _WAVE_TOKENS.items():
            self.choices["wave"].setdefault(norm(token), wave)
        self.answers: dict[str, dict[str, float]] = {}
        for inst in self.instruments.values():
            table = {}
            for code, th, en in response_choices(inst):
                for spelling in (code, th, en, inst.response_labels.get(float(code), "")):
                    if spelling:
                        table[norm(spelling)] = float(code)
            for code, label in inst.response_labels.items():
                table[norm(label)] = float(code)
            self.answers[inst.id] = table

    # -- single header -------------------------------------------------------
    def _lookup(self, header: str) -> tuple | None:
        key = norm(header)
        for table in (self.names, self.labels, self.aliases):
            if key in table:
                return table[key]
        return None

    def lookup(self, header: str) -> tuple | None:
        """Resolve a header by name or label, trying shorter group paths after the full one."""
        found = self._lookup(header)
        if found:
            return found
        for sep in _SEPS:
            parts = header.split(sep)
            for i in range(1, len(parts)):
                found = self._lookup(sep.join(parts[i:]))
                if found:
                    return found
        return None

    def village(self, value: str) -> tuple[str, str | None]:
        """(village_id, village name or None) from a value or a ``name (ID)`` label."""
        m = _VILLAGE_LABEL.match(value)
        if m and m["id"].strip() and re.fullmatch(r"[A-Za-z0-9._-]+", m["id"].strip()):
            return m["id"].strip(), m["name"] or None
        return value, None


def _from_found(header: str, found: tuple, wave=None) -> Col:
    if found[0] == "item":
        return Col(header, "item", instrument=found[1], item=found[2], wave=wave)
    return Col(header, "field", target=found[1], wave=wave)


def _is_binary(values) -> bool:
    return all(v is None or str(v).strip() in ("0", "1", "True", "False", "true", "false")
               for v in values)


def resolve_columns(sheet: Sheet, known: Known, mapping: Mapping) -> list[Col]:
    """One :class:`Col` per header of the sheet (see the module docstring)."""
    rules = {norm(r.header): r for r in mapping.columns if r.header}
    items = {norm(h): v for h, v in mapping.items.items()}
    ignore = {norm(h): reason for h, reason in mapping.ignore.items()}
    layout_reason = {"kobo": kobo.ignored_reason, "odk": odk.ignored_reason,
                     "gforms": gforms.ignored_reason}.get(sheet.layout, lambda h: None)
    roles = {"kobo": kobo.ROLES, "odk": odk.ROLES}.get(sheet.layout, {})
    wave_col = norm(mapping.wave_column) if mapping.wave_column else None
    date_col = norm(mapping.date_column) if mapping.date_column else None
    cols: list[Col] = []
    resolved: dict[str, Col] = {}
    for i, header in enumerate(sheet.frame.columns):
        key = norm(header)
        if key in ignore:
            col = Col(header, "ignored", reason=ignore[key])
        elif key in rules:
            r = rules[key]
            col = Col(header, "field", target=r.target, wave=r.wave)
        elif key in items:
            inst, item, wave = items[key]
            col = Col(header, "item", instrument=inst, item=item, wave=wave)
        elif wave_col and key == wave_col:
            col = Col(header, "field", target="wave")
        elif header in roles:
            col = Col(header, "role", target=roles[header])
        elif sheet.layout == "gforms" and i == 0:
            col = Col(header, "role", target="submitted")
        elif date_col and key == date_col:
            col = Col(header, "field", target="date")
        elif layout_reason(header):
            col = Col(header, "ignored", reason=layout_reason(header))
        else:
            found = known.lookup(header)
            col = _from_found(header, found) if found else None
            if col is None:
                m = _WIDE_RE.match(header)
                if m:
                    base = known.lookup(m["base"])
                    if base and (base[0] == "item" or base[1] in WIDE_OK):
                        col = _from_found(header, base, wave=_WAVE_TOKENS[m["wave"].casefold()])
        if col is None:
            col = Col(header, "unmapped")
        cols.append(col)
        resolved[key] = col
    # select_multiple 0/1 detail columns: <header of the question><sep><option>
    for col in cols:
        if col.kind not in ("unmapped", "field", "item"):
            continue
        for sep in ("/", "."):
            prefix, _, option = col.header.rpartition(sep)
            parent = resolved.get(norm(prefix)) if prefix else None
            if parent is None and prefix and norm(prefix) in rules:
                r = rules[norm(prefix)]
                parent = Col(prefix, "field", target=r.target, wave=r.wave)
            if parent is not None and parent.kind == "field" and (
                    parent.target in MULTI or parent.target.startswith(("extra.", "var."))) \
                    and _is_binary(sheet.frame[col.header]):
                col.kind, col.target, col.option, col.wave = ("detail", parent.target,
                                                              option, parent.wave)
                break
        else:
            if col.kind == "unmapped":
                for sep in ("/", "."):
                    prefix, _, option = col.header.rpartition(sep)
                    found = known.lookup(prefix) if prefix else None
                    if found and found[0] == "field" and found[1] in MULTI and _is_binary(
                            sheet.frame[col.header]):
                        col.kind, col.target, col.option = "detail", found[1], option
                        break
    return cols
