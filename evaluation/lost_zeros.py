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

import pandas as pd

from .schema import TABLES

#: How many row numbers a warning lists before "…".
MAX_ROWS_SHOWN = 5

_DIGITS = re.compile(r"[0-9]+")
_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
_SCIENTIFIC = re.compile(r"^[0-9](\.[0-9]+)?[eE]\+?[0-9]+$")


def _rows_text(rows) -> str:
    rows = [int(r) for r in rows]
    shown = ", ".join(str(r) for r in rows[:MAX_ROWS_SHOWN])
    return shown + (f" … ({len(rows)} rows)" if len(rows) > MAX_ROWS_SHOWN else "")


#: ``problem_code`` of each warning.
CODES = {"phone": "phone_lost_zero", "national_id": "national_id_scientific",
         None: "id_lost_zeros"}


def _flags(name: str, values: pd.Series) -> tuple[pd.Series, str] | None:
    """Which values of one column from one file look damaged, and why."""
    text = values.astype("string")
    if name == "phone":
        digits = text.str.replace(_PHONE_SEPARATORS, "", regex=True)
        flag = (digits.str.fullmatch(r"[1-9][0-9]{7,8}")).fillna(False).astype(bool)
        return flag, ("phone number of 8 or 9 digits without its leading 0: a spreadsheet "
                      "probably read it as a number; format the column as text (@) and "
                      "re-enter it")
    if name == "national_id":
        flag = text.str.strip().str.fullmatch(_SCIENTIFIC).fillna(False).astype(bool)
        return flag, ("national ID in scientific notation (e.g. 1.23457E+12): a spreadsheet "
                      "rounded it and digits are lost; format the column as text (@) and "
                      "re-enter it")
    digit_only = text.str.fullmatch(_DIGITS).fillna(False).astype(bool)
    if digit_only.sum() < 2:
        return None
    lengths = text[digit_only].str.len()
    longest = int(lengths.max())
    if lengths.nunique() < 2:
        return None
    flag = digit_only & (text.str.len() < longest).fillna(False).astype(bool)
    padded = text[digit_only & text.str.startswith("0").fillna(False).astype(bool)]
    example = (f"'{text[flag].iloc[0]}' beside '{padded.iloc[0]}'" if len(padded)
               else f"'{text[flag].iloc[0]}' beside '{text[digit_only & ~flag].iloc[0]}'")
    return flag, (f"ids of different lengths in one column ({example}): if they were typed "
                  f"with leading zeros ({longest} digits), a spreadsheet dropped them; format "
                  "the column as text (@) and re-enter them")


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
        sources = [f"{f}\x00{s if isinstance(s, str) else ''}"
                   for f, s in zip(prov["file"], prov["sheet"])]
        for col in table.columns:
            if col.kind != "id" or col.name not in frame.columns:
                continue
            for _, idx in frame.groupby(sources, sort=False).indices.items():
                values = frame[col.name].iloc[idx].reset_index(drop=True)
                values = values.where(values.notna() & (values.astype(str) != "None"))
                found = _flags(col.name, values)
                if found is None or not found[0].any():
                    continue
                flag, message = found
                hits = idx[flag.to_numpy()]
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
