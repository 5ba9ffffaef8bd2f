"""Bounded YAML reading with line numbers, for user files (ladders, value maps).

User YAML files are untrusted input: :func:`load_yaml` uses a safe loader
(no Python objects) within the bounds of :func:`evaluation.textio.load_yaml`
(size, depth, alias expansion: "billion laughs" bombs and self-referencing
aliases are refused), and keeps the 1-based line of every mapping, key and
list item so validation problems can name the line. :class:`Problems` collects problems in the
standard problems-table shape (see :mod:`evaluation.errors`).
"""

from __future__ import annotations

import math
import re

import pandas as pd
import yaml

from .errors import problems_frame

__all__ = ["LineDict", "LineList", "Problems", "load_yaml", "read_text",
           "with_encoding_warning", "number", "integer", "text", "canonical_keys", "plain",
           "join"]


class LineDict(dict):
    """A YAML mapping that remembers its own line and each key's line."""

    line: int = 0

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.key_lines: dict = {}
        self.duplicates: list = []


class LineList(list):
    """A YAML list that remembers its own line and each item's line."""

    line: int = 0

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.item_lines: list[int] = []


# libyaml's parser when present (about 10x faster); same marks and errors.
class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """SafeLoader keeping 1-based line numbers of mappings, keys and list items."""


def _construct_mapping(loader, node, deep=False):
    loader.flatten_mapping(node)
    out = LineDict()
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
    out = LineList(loader.construct_object(child, deep=True) for child in node.value)
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


class Problems:
    """Collects problems of one file (problems-table rows)."""

    def __init__(self, source: str):
        self.source = source
        self.rows: list[dict] = []

    def add(self, line, column, value, problem, severity="error", code=None):
        if value is not None and not isinstance(value, (str, int, float, bool)):
            value = str(value)[:200]
        self.rows.append({"file": self.source, "sheet": None, "row": line, "column": column,
                          "value": value, "problem": problem, "problem_code": code,
                          "severity": severity})

    def frame(self, severity=None) -> pd.DataFrame:
        rows = [r for r in self.rows if severity is None or r["severity"] == severity]
        frame = problems_frame(rows)
        frame["value"] = frame["value"].astype(object)
        return frame

    @property
    def n_errors(self) -> int:
        return sum(r["severity"] == "error" for r in self.rows)


def load_yaml(text: str, probs: Problems, *, hint=None):
    """Parse ``text`` (safe, bounded by :func:`evaluation.textio.load_yaml`); on
    failure add a problem and return None.

    ``hint(msg, nearby_lines) -> str`` may extend the message of a syntax error.
    """
    from .textio import YamlBoundsError, load_yaml as bounded_load

    try:
        return bounded_load(text, _LineLoader)
    except YamlBoundsError as exc:
        probs.add(exc.line, None, None, str(exc))
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        msg = " ".join(str(getattr(exc, "problem", None) or exc).split())
        near = text.splitlines()[max(0, (line or 1) - 2):(line or 1)] if line else []
        if hint is not None:
            msg = hint(msg, near)
        probs.add(line, None, None, f"YAML syntax error: {msg}")
        return None


def read_text(path, error_class, what: str):
    """``(text, warning)`` of a user YAML file (UTF-8, or another encoding with a
    warning, via :func:`evaluation.textio.decode_text`); problems raise
    ``error_class`` (a DataValidationError) or EvaluationError."""
    from pathlib import Path

    from .errors import EvaluationError
    from .textio import TextDecodeError, decode_text

    path = Path(path)
    try:
        return decode_text(path.read_bytes())
    except TextDecodeError as exc:
        raise error_class(problems_frame([{
            "file": str(path), "sheet": None, "row": None, "column": None, "value": None,
            "problem": exc.problem, "problem_code": exc.problem_code}])) from None
    except OSError as exc:
        raise EvaluationError(f"cannot read the {what} {path}: {exc.strerror}") from None


def with_encoding_warning(warnings: pd.DataFrame, path, warning) -> pd.DataFrame:
    """``warnings`` plus an ``encoding_not_utf8`` warning when ``warning`` is set."""
    if not warning:
        return warnings
    extra = problems_frame([{"file": str(path), "sheet": None, "row": None, "column": None,
                             "value": None, "problem": warning,
                             "problem_code": "encoding_not_utf8", "severity": "warning"}])
    return pd.concat([warnings, extra], ignore_index=True) if len(warnings) else extra


def comparator_hint(msg: str, near: list[str]) -> str:
    """Explain the usual cause of a syntax error near ``>=`` / ``<=``."""
    if ("chomping" in msg or "indentation indicator" in msg
            or any(re.search(r":\s*[<>]", ln) for ln in near)):
        msg += ('; a value starting with ">" or "<" must be quoted: comparator: ">=" '
                "(or write ≥ / ≤)")
    return msg


_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def number(value) -> float | None:
    """A finite float from a YAML value (Thai digits, thousands commas, trailing % or บาท)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        out = float(value)
    elif isinstance(value, str):
        txt = value.translate(_THAI_DIGITS).replace(",", "").replace(" ", "").strip()
        txt = txt.removesuffix("%").removesuffix("บาท")
        try:
            out = float(txt)
        except ValueError:
            return None
    else:
        return None
    return out if math.isfinite(out) else None


def integer(value) -> int | None:
    """A whole number from a YAML value, or None."""
    num = number(value)
    if num is None or num != int(num):
        return None
    return int(num)


def text(value) -> str | None:
    """Whitespace-normalised text, or None for blanks and containers."""
    if value is None or isinstance(value, (bool, dict, list)):
        return None
    out = " ".join(str(value).split())
    return out or None


def join(path: str, name: str) -> str:
    """Field path ``path.name`` (or ``name`` at the top)."""
    return f"{path}.{name}" if path else name


def canonical_keys(mapping: LineDict, spec: dict, path: str, probs: Problems,
                   free_keys: tuple = ()) -> tuple[dict, dict]:
    """Map accepted spellings to canonical names; report unknown and doubled fields.

    ``spec`` maps each canonical name to its accepted spellings; keys in
    ``free_keys`` are accepted and ignored; other keys are warnings.
    Returns ``(values, lines)`` keyed by canonical name.
    """
    lookup = {}
    for canon, spellings in spec.items():
        for s in spellings:
            lookup[s.casefold()] = canon
    values, lines = {}, {}
    for key, line in getattr(mapping, "duplicates", []):
        probs.add(line, join(path, str(key)), key, "field given twice (the last one wins)")
    key_lines = getattr(mapping, "key_lines", {})
    for key, value in mapping.items():
        line = key_lines.get(key, getattr(mapping, "line", None))
        canon = lookup.get(str(key).strip().casefold())
        if canon is None:
            if str(key).strip().casefold() not in free_keys:
                probs.add(line, join(path, str(key)), str(key),
                          f"unknown field {key!r} ignored; expected one of "
                          f"{', '.join(spec)}", severity="warning")
            continue
        if canon in values:
            probs.add(line, join(path, canon), str(key),
                      f"field {canon!r} given twice (as {key!r})")
        values[canon] = value
        lines[canon] = line
    return values, lines


def plain(value):
    """Line-tracking containers -> plain dict / list."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
