"""Warnings for identifiers a spreadsheet turned into numbers.

A spreadsheet program that sees ``007`` in a column not formatted as text
stores the number 7; ``0812345678`` becomes ``812345678`` and a 13-digit
national ID may be saved as ``1.23457E+12``. The loader cannot restore what
was lost, but it can say where it probably happened. :func:`lost_zero_warnings`
looks at every identifier column of every file or sheet and returns one
warning per file/sheet and column:

* an identifier column whose all-digit values have different lengths
  (``7`` beside ``012``): leading zeros were probably dropped;
* a phone number of 8 or 9 digits that does not start with ``0`` (Thai
  numbers start with ``0``: 10 digits for mobiles, 9 for land lines);
* a national ID written in scientific notation (digits lost for good).

The warnings never show a phone number or national ID (personal data), only
where to look. The Excel template (:mod:`evaluation.template`) formats these
columns as text so this does not happen in the first place.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .schema import TABLES

#: How many row numbers a warning lists before "…".
MAX_ROWS_SHOWN = 5

_DIGITS = re.compile(r"[0-9]+")
_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
_PHONE_NO_ZERO = re.compile(r"[1-9][0-9]{7,8}")
_SCIENTIFIC = re.compile(r"^[0-9](\.[0-9]+)?[eE]\+?[0-9]+$")


def _rows_text(rows) -> str:
    rows = [int(r) for r in rows]
    shown = ", ".join(str(r) for r in rows[:MAX_ROWS_SHOWN])
    return shown + (f" … ({len(rows)} rows)" if len(rows) > MAX_ROWS_SHOWN else "")


#: ``problem_code`` of each warning.
CODES = {"phone": "phone_lost_zero", "national_id": "national_id_scientific",
         None: "id_lost_zeros"}


def _text_values(values: pd.Series) -> list:
    """Cell values as text, None for empty cells (``"None"`` as read counts as empty)."""
    out = []
    for v in values.tolist():
        if v is None or v is pd.NA or (isinstance(v, float) and v != v):
            out.append(None)
        else:
            text = str(v)
            out.append(None if text == "None" else text)
    return out


class _Column:
    """One identifier column of a table, each distinct value looked at once.

    Ids repeat across waves, rows and files, so the text tests run on the
    distinct values of the whole column and each file's rows only index them.
    """

    def __init__(self, values: pd.Series):
        self.codes, uniques = pd.factorize(values)
        self.text = _text_values(pd.Series(uniques, dtype=object))
        self.known = self.codes >= 0

    def per_row(self, per_unique: list, idx: np.ndarray, dtype) -> np.ndarray:
        table = np.asarray(per_unique, dtype=dtype)
        codes = self.codes[idx]
        out = np.zeros(len(idx), dtype=dtype)
        known = codes >= 0
        if len(table):
            out[known] = table[codes[known]]
        return out


_PHONE_MESSAGE = ("phone number of 8 or 9 digits without its leading 0: a spreadsheet "
                  "probably read it as a number; format the column as text (@) and "
                  "re-enter it")
_NATIONAL_ID_MESSAGE = ("national ID in scientific notation (e.g. 1.23457E+12): a spreadsheet "
                        "rounded it and digits are lost; format the column as text (@) and "
                        "re-enter it")


def _flags(name: str, column: _Column, idx: np.ndarray,
           cache: dict) -> tuple[np.ndarray, str] | None:
    """Which rows ``idx`` of one column (one file's rows) look damaged, and why."""
    text_u = column.text
    if name == "phone":
        if "phone" not in cache:
            cache["phone"] = [t is not None and _PHONE_NO_ZERO.fullmatch(
                _PHONE_SEPARATORS.sub("", t)) is not None for t in text_u]
        return column.per_row(cache["phone"], idx, bool), _PHONE_MESSAGE
    if name == "national_id":
        if "national_id" not in cache:
            cache["national_id"] = [t is not None and _SCIENTIFIC.fullmatch(t.strip())
                                    is not None for t in text_u]
        return column.per_row(cache["national_id"], idx, bool), _NATIONAL_ID_MESSAGE
    if "digits" not in cache:
        cache["digits"] = [t is not None and _DIGITS.fullmatch(t) is not None for t in text_u]
        cache["lengths"] = [len(t) if t is not None else 0 for t in text_u]
    digit_only = column.per_row(cache["digits"], idx, bool)
    if digit_only.sum() < 2:
        return None
    lengths = column.per_row(cache["lengths"], idx, int)
    longest = int(lengths[digit_only].max())
    if len(np.unique(lengths[digit_only])) < 2:
        return None
    flag = digit_only & (lengths < longest)

    def text_at(i: int) -> str:
        return text_u[column.codes[idx[i]]]

    padded = [i for i in np.flatnonzero(digit_only) if text_at(i).startswith("0")]
    other = text_at(padded[0]) if padded else text_at(np.flatnonzero(digit_only & ~flag)[0])
    example = f"'{text_at(np.flatnonzero(flag)[0])}' beside '{other}'"
    return flag, (f"ids of different lengths in one column ({example}): if they were typed "
                  f"with leading zeros ({longest} digits), a spreadsheet dropped them; format "
                  "the column as text (@) and re-enter them")


def _file_groups(prov: pd.DataFrame) -> list[np.ndarray]:
    """Row positions of each file (and sheet), in the order files first appear.

    A blank sheet (a CSV file) is one group per file. Plain numpy: a pandas
    groupby on two keys costs more than the check itself on a small program.
    """
    file_codes, _ = pd.factorize(prov["file"].to_numpy(dtype=object))
    sheet_codes, sheet_names = pd.factorize(prov["sheet"].to_numpy(dtype=object))
    # a blank sheet (None, NaN: code -1) is the same group as a sheet named ""
    sheet_codes = np.where(sheet_codes < 0, len(sheet_names), sheet_codes)
    blank_names = [i for i, name in enumerate(sheet_names) if not isinstance(name, str)
                   or name == ""]
    for i in blank_names:
        sheet_codes[sheet_codes == i] = len(sheet_names)
    combined = file_codes.astype("int64") * (len(sheet_names) + 1) + sheet_codes
    _, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    ends = np.cumsum(np.bincount(inverse.ravel(), minlength=len(first)))
    starts = ends - np.bincount(inverse.ravel(), minlength=len(first))
    return [order[starts[g]:ends[g]] for g in np.argsort(first, kind="stable")]


def lost_zero_warnings(tables: dict, provs: dict) -> list[dict]:
    """Warnings (problem-table rows) for identifiers that look like numbers
    that lost leading zeros or digits.

    Parameters
    ----------
    tables : dict of str to DataFrame
        Parsed tables by name (canonical columns).
    provs : dict of str to DataFrame
        Where each row came from: ``file``, ``sheet``, ``row`` and
        ``headers`` (canonical name to the header as written).

    Returns
    -------
    list of dict
        One row of the problems table per file/sheet and column concerned,
        with ``severity="warning"``; ``row`` is the first row concerned and
        the message lists the others. ``value`` is empty for phone numbers
        and national IDs (personal data).

    Examples
    --------
    >>> import pandas as pd
    >>> people = pd.DataFrame({"person_id": ["007", "8", "012"], "phone": ["812345678"] * 3})
    >>> prov = pd.DataFrame({"file": "p.csv", "sheet": None, "row": [2, 3, 4],
    ...                      "headers": [{}] * 3})
    >>> [(w["row"], w["column"], w["value"]) for w in
    ...  lost_zero_warnings({"participants": people}, {"participants": prov})]
    [(3, 'person_id', '8'), (2, 'phone', None)]
    """
    out: list[dict] = []
    for name, frame in tables.items():
        table, prov = TABLES.get(name), provs.get(name)
        if table is None or prov is None or frame.empty or len(prov) != len(frame):
            continue
        id_columns = [c for c in table.columns if c.kind == "id" and c.name in frame.columns]
        if not id_columns:
            continue
        groups = _file_groups(prov)
        for col in id_columns:
            column, cache = _Column(frame[col.name]), {}
            for idx in groups:
                found = _flags(col.name, column, idx, cache)
                if found is None or not found[0].any():
                    continue
                flag, message = found
                hits = idx[flag]
                first = int(hits[0])
                headers = prov["headers"].iloc[first]
                header = headers.get(col.name, col.name) if isinstance(headers, dict) \
                    else col.name
                rows = prov["row"].iloc[hits].tolist()
                out.append(dict(file=prov["file"].iloc[first], sheet=prov["sheet"].iloc[first],
                                row=int(rows[0]), column=header,
                                value=None if col.pii else str(frame[col.name].iloc[first]),
                                problem=f"{message} (rows {_rows_text(rows)})",
                                problem_code=CODES.get(col.name, CODES[None]),
                                severity="warning"))
    return out
