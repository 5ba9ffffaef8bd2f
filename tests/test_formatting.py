"""evaluation.formatting: the one format_number (and format_p), whatever module
it is imported from."""

from __future__ import annotations

import pandas as pd
import pytest

from evaluation.formatting import format_number, format_p

@pytest.mark.parametrize(("value", "decimals", "expected"), [
    (1500, None, "1,500"), (1500.0, None, "1,500"), (2.345, 2, "2.35"), (-1234.5, 0, "-1,234"),
    (float("nan"), None, "–"), (None, None, "–"), (pd.NA, None, "–"), ("ข้อความ", None, "ข้อความ"),
])
def test_format_number(value, decimals, expected):
    # -1234.5 rounds half to even -> -1,234 (Python's format rounding)
    assert format_number(value, decimals) == expected


def test_format_p():
    # p-values shown with 3 decimals, tiny ones as < 0.001 (files keep the numbers)
    assert [format_p(x) for x in (0.0004, 0.001, 0.0234, 0.5, float("nan"), None)] == \
        ["< 0.001", "0.001", "0.023", "0.500", "–", "–"]


def test_one_format_number_everywhere():
    from evaluation import export, thai
    from evaluation.reporting import fmt

    assert export.format_number is fmt.format_number is thai.format_number is format_number
    assert thai.format_baht is fmt.format_baht and thai.format_thai_date is fmt.format_thai_date
