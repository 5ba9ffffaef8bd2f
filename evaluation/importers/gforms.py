"""Google Forms responses (downloaded from Google Sheets as CSV or XLSX).

The first column is the response time, ``Timestamp`` (``ประทับเวลา`` in the
Thai interface); then one column per question with the question text as
header and the answer *labels* as values (``มากที่สุด``, not ``4``): the
importer turns labels back into codes through the instrument definitions.
"""

from __future__ import annotations

from .sheets import Sheet

TIMESTAMPS = ("Timestamp", "ประทับเวลา", "การประทับเวลา", "Marca temporal")

IGNORED = {
    "Email Address": "respondent e-mail (personal data; not imported)",
    "ที่อยู่อีเมล": "respondent e-mail (personal data; not imported)",
    "Email address": "respondent e-mail (personal data; not imported)",
    "Score": "quiz score computed by Google Forms",
    "คะแนน": "quiz score computed by Google Forms",
}


def is_gforms(sheet: Sheet) -> bool:
    cols = list(sheet.frame.columns)
    return bool(cols) and cols[0].strip() in TIMESTAMPS


def ignored_reason(header: str) -> str | None:
    return IGNORED.get(header.strip())
