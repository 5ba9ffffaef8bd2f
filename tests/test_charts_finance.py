"""Tests of evaluation.charts.finance: figures build, carry titles/labels/units, and the
error bars are the t intervals of the means."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from scipy import stats as st

from evaluation.charts.finance import (
    finance_before_after,
    finance_change_distribution,
    ledger_income_expenses,
    poverty_share,
    savings_balance,
)
from evaluation.errors import EvaluationError
from evaluation.finance import finance_change, household_finance, poverty_change
from evaluation.ledger import ledger_monthly
from evaluation.savings import savings_monthly


@pytest.fixture
def fin() -> pd.DataFrame:
    n = 6
    return pd.DataFrame({
        "household_id": [f"H{i}" for i in range(n)] * 2,
        "wave": ["pre"] * n + ["post"] * n,
        "village_id": ["V1", "V1", "V1", "V2", "V2", "V2"] * 2,
        "income": [8000, 6000, 5000, 12000, 9000, 7000, 9500, 6000, 7000, 13000, 9900, 7100.0],
        "expenses": [7000.0] * 12,
        "debt_formal": [20000, 0, 10000, 5000, 0, 0, 15000, 0, 8000, 6000, 0, 0.0],
        "debt_informal": [0.0] * 12,
        "savings": [500, 0, 0, 100, 0, 0, 2500, 100, 0, 300, 50, 0.0],
        "household_size": [4] * 12,
    })


def _texts(fig: Figure) -> str:
    parts = [fig._suptitle.get_text() if fig._suptitle else ""]
    for ax in fig.axes:
        parts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
    return " | ".join(parts)


def _labels_ok(fig: Figure) -> None:
    for ax in fig.axes:
        if not ax.axison:  # a spare cell of the grid (holds the legend)
            continue
        assert ax.get_ylabel() and (ax.get_xlabel() or "n = " in ax.get_title())
    assert (fig._suptitle and fig._suptitle.get_text()) or all(ax.get_title() for ax in fig.axes)


def test_before_after_thai_and_english(fin):
    change = finance_change(fin)
    fig = finance_before_after(change)
    assert isinstance(fig, Figure) and len(fig.axes) == 4
    _labels_ok(fig)
    assert "บาท" in _texts(fig)
    en = finance_before_after(change, lang="en", measures=["income"])
    assert "baht" in _texts(en) and len(en.axes) == 1
    # thousands separators on the amount axis
    ax = en.axes[0]
    assert ax.yaxis.get_major_formatter()(12000, 0) == "12,000"


def test_before_after_error_bars_are_t_intervals(fin):
    change = finance_change(fin, measures=["income"])
    fig = finance_before_after(change, measures=["income"])
    ax = fig.axes[0]
    before = np.array([8000, 6000, 5000, 12000, 9000, 7000.0])
    # half width = t(0.975, 5) * sd / sqrt(6), computed independently
    half = st.t.ppf(0.975, 5) * before.std(ddof=1) / np.sqrt(6)
    segs = [c for c in ax.collections if hasattr(c, "get_segments")]
    lows_highs = [tuple(sorted((s[0][1], s[1][1]))) for c in segs for s in c.get_segments()]
    assert any(lo == pytest.approx(before.mean() - half) and hi == pytest.approx(before.mean() + half)
               for lo, hi in lows_highs)


def test_before_after_by_group(fin):
    change = finance_change(fin, by="village_id", measures=["income", "debt_total"])
    fig = finance_before_after(change, measures=["income", "debt_total"], lang="en")
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels == ["V1", "V2"]


def test_change_distribution(fin):
    hf = household_finance(fin)
    fig = finance_change_distribution(hf)
    assert len(fig.axes) == 2
    _labels_ok(fig)
    assert "(n = 6)" in fig.axes[0].get_title()
    en = finance_change_distribution(hf, measures=["savings"], lang="en")
    assert "Change (baht)" == en.axes[0].get_xlabel()


def test_savings_balance_chart():
    sav = pd.DataFrame({"group_id": ["G1", "G1", "G2"], "member_id": ["P1", "P2", "P3"],
                        "date": pd.to_datetime(["2023-01-10", "2023-03-10", "2023-02-01"]),
                        "deposit": [30.0, 30.0, 50.0], "loan": [np.nan, 500.0, np.nan]})
    fig = savings_balance(savings_monthly(sav))
    _labels_ok(fig)
    assert "บาท" in fig.axes[0].get_ylabel()
    lines = fig.axes[0].get_lines()
    assert len(lines) == 4                          # balance + loans for two groups
    assert list(lines[0].get_ydata()) == [30, 30, 60]
    assert len(savings_balance(savings_monthly(sav), loans=False, lang="en").axes[0]
               .get_lines()) == 2


def test_ledger_chart():
    led = pd.DataFrame({"household_id": ["H1", "H1", "H2", "H1"],
                        "date": pd.to_datetime(["2023-07-02", "2023-07-03", "2023-07-05",
                                                "2023-08-01"]),
                        "kind": ["income", "expense", "income", "expense"],
                        "category": ["a", "b", "a", "b"], "amount": [1000.0, 400, 600, 100]})
    monthly = ledger_monthly(led)
    fig = ledger_income_expenses(monthly)
    _labels_ok(fig)
    net = fig.axes[0].get_lines()[0].get_ydata()
    assert list(net) == [1200, -100]                 # (1000 + 600) - 400; 0 - 100
    fig = ledger_income_expenses(monthly, stat="mean", lang="en")
    assert "mean per household" in fig.axes[0].get_title()
    fig = ledger_income_expenses(monthly, household="H2")
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["2023-07"]


def test_poverty_chart(fin):
    res = poverty_change(fin, by="village_id", line=2000, year=2023)
    fig = poverty_share(res)
    _labels_ok(fig)
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches]
    # V1 before: 6000/4 = 1500 and 5000/4 = 1250 below 2000 -> 2/3 = 66.7 %
    assert heights[0] == pytest.approx(200 / 3)
    assert "%" in ax.get_ylabel()


@pytest.mark.parametrize("call, match", [
    (lambda c, h: finance_before_after(c, lang="fr"), "lang must be 'th' or 'en'"),
    (lambda c, h: finance_before_after(c, measures=["wealth"]), "measures must be drawn"),
    (lambda c, h: finance_before_after(c.iloc[:0]), "empty"),
    (lambda c, h: finance_before_after(h), r"lacks column\(s\)"),
    (lambda c, h: finance_change_distribution(h, bins=0), "bins must be"),
    (lambda c, h: ledger_income_expenses(h), r"lacks column\(s\)"),
    (lambda c, h: savings_balance([1, 2]), "must be a pandas DataFrame"),
])
def test_chart_bad_arguments(fin, call, match):
    change, hf = finance_change(fin), household_finance(fin)
    with pytest.raises((EvaluationError, ValueError), match=match):
        call(change, hf)


#: Text width of an A4 report page (16 mm margins, as in the report's print CSS).
A4_TEXT_WIDTH_IN = (210 - 2 * 16) / 25.4


@pytest.mark.parametrize("n_measures", [1, 3, 4, 5, 6])
def test_before_after_is_laid_out_for_a4(fin, n_measures):
    # Printed at the page's text width, no label may shrink below 8 points (five panels
    # in one row printed at about 4-point text).
    measures = ["income", "expenses", "debt_formal", "debt_informal", "savings",
                "debt_total"][:n_measures]
    fig = finance_before_after(finance_change(fin), measures=measures)
    width, height = fig.get_size_inches()
    scale = min(1.0, A4_TEXT_WIDTH_IN / width)
    from matplotlib.text import Text

    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_text().strip()
             and t.get_visible()]
    assert min(sizes) * scale >= 8, (n_measures, width, min(sizes))
    assert height * scale <= 9  # leaves room for the caption on the page
    panels = [ax for ax in fig.axes if ax.axison]
    assert len(panels) == n_measures
    assert len({round(ax.get_position().y0, 3) for ax in panels}) == -(-n_measures // (
        2 if n_measures == 4 else 3))  # rows of at most three panels
