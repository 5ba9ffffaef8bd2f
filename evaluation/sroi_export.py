"""SROI tables with Thai (or English) headers for reports and Excel.

:func:`sroi_tables` turns :func:`evaluation.sroi` and
:func:`evaluation.sroi_sensitivity` results into labelled tables (numbers
stay numbers); :func:`write_sroi_excel` writes them to a workbook whose text
cells are never formulas.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .errors import ArgumentError
from .charts.sroi import PARAMETER_LABELS
from .ladder_export import write_safe_workbook

__all__ = ["sroi_tables", "write_sroi_excel", "SROI_CAUTIONS"]

#: The standard cautions shown with every SROI ratio.
SROI_CAUTIONS = {
    "th": ["ตัวแทนค่าทางการเงิน (financial proxy) เป็นสมมติฐาน ไม่ใช่ราคาตลาดที่จ่ายจริง "
           "ควรอ่านคู่กับแหล่งที่มาของแต่ละค่า",
           "อัตรา SROI ไม่ใช่ผลตอบแทนทางการเงิน: ไม่มีผู้ใดได้รับเงินตามอัตรานี้ "
           "เป็นการเทียบมูลค่าทางสังคมโดยประมาณกับเงินลงทุน",
           "อัตราเปลี่ยนไปตามสมมติฐาน (ผลที่เกิดขึ้นเอง ผลจากปัจจัยอื่น ผลทดแทน ผลลดลง "
           "ระยะเวลา อัตราคิดลด) จึงควรรายงานพร้อมช่วงจากการวิเคราะห์ความไว",
           "ไม่ควรเปรียบเทียบอัตรา SROI ระหว่างโครงการที่ใช้สมมติฐานหรือตัวแทนค่าต่างกัน"],
    "en": ["Financial proxies are assumptions, not prices anyone paid; read each with its "
           "source.",
           "The SROI ratio is not a financial return: nobody receives money at this rate; "
           "it compares an estimated social value with the investment.",
           "The ratio moves with its assumptions (deadweight, attribution, displacement, "
           "drop-off, duration, discount rate): report it with its sensitivity range.",
           "Do not compare ratios across projects that use different assumptions or "
           "proxies."],
}

_H = {
    "th": {"stakeholder": "ผู้มีส่วนได้ส่วนเสีย", "outcome": "ผลลัพธ์",
           "quantity": "จำนวน (หน่วย)", "quantity_source": "ที่มาของจำนวน",
           "proxy": "ตัวแทนค่าทางการเงิน (บาท/หน่วย/ปี)", "proxy_source": "ที่มาของตัวแทนค่า",
           "gross_value": "มูลค่ารวม (บาท/ปี)", "deadweight": "ผลที่เกิดขึ้นเอง (%)",
           "attribution": "ผลจากปัจจัยอื่น (%)", "displacement": "ผลทดแทน (%)",
           "impact": "ผลกระทบปีที่ 1 (บาท)", "duration": "ระยะเวลา (ปี)",
           "drop_off": "ผลลดลงต่อปี (%)", "present_value": "มูลค่าปัจจุบัน (บาท)",
           "year": "ปีที่", "value": "มูลค่าหลังหักผลลดลง (บาท)",
           "discount_factor": "ตัวคูณคิดลด", "item": "รายการ", "baht": "บาท",
           "source": "ที่มา", "figure": "รายการ", "amount": "ค่า",
           "investment": "เงินลงทุนรวม (บาท)", "total_present_value": "มูลค่าปัจจุบันรวม (บาท)",
           "net_present_value": "มูลค่าปัจจุบันสุทธิ (บาท)",
           "sroi_ratio": "อัตราผลตอบแทนทางสังคม (SROI)",
           "net_sroi_ratio": "อัตรา SROI สุทธิ", "year1_impact": "ผลกระทบปีที่ 1 รวม (บาท)",
           "payback_months": "ระยะเวลาคืนทุน (เดือน)", "discount_rate": "อัตราคิดลด (% ต่อปี)",
           "parameter": "สมมติฐาน", "outcome_id": "ผลลัพธ์", "variation": "การปรับ",
           "base_value": "ค่าฐาน", "change": "เปลี่ยนจากฐาน", "draws": "จำนวนรอบสุ่ม",
           "seed": "seed", "level": "ระดับความเชื่อมั่น", "ratio_median": "มัธยฐานของอัตรา",
           "ratio_low": "ขอบล่าง", "ratio_high": "ขอบบน",
           "share_above_1": "สัดส่วนรอบที่อัตรามากกว่า 1",
           "sheets": ("แผนที่คุณค่า", "มูลค่ารายปี", "การลงทุน", "สรุป", "ความไว",
                      "มอนติคาร์โล", "ข้อควรระวัง")},
    "en": {"stakeholder": "Stakeholder", "outcome": "Outcome", "quantity": "Quantity",
           "quantity_source": "Quantity source", "proxy": "Proxy (baht/unit/year)",
           "proxy_source": "Proxy source", "gross_value": "Gross value (baht/year)",
           "deadweight": "Deadweight (%)", "attribution": "Attribution (%)",
           "displacement": "Displacement (%)", "impact": "Impact year 1 (baht)",
           "duration": "Duration (years)", "drop_off": "Drop-off (%/year)",
           "present_value": "Present value (baht)", "year": "Year",
           "value": "Value after drop-off (baht)", "discount_factor": "Discount factor",
           "item": "Item", "baht": "Baht", "source": "Source", "figure": "Figure",
           "amount": "Value", "investment": "Investment (baht)",
           "total_present_value": "Total present value (baht)",
           "net_present_value": "Net present value (baht)", "sroi_ratio": "SROI ratio",
           "net_sroi_ratio": "Net SROI ratio", "year1_impact": "Year-1 impact (baht)",
           "payback_months": "Payback period (months)",
           "discount_rate": "Discount rate (%/year)", "parameter": "Assumption",
           "outcome_id": "Outcome", "variation": "Variation", "base_value": "Base value",
           "change": "Change from base", "draws": "Draws", "seed": "Seed",
           "level": "Level", "ratio_median": "Median ratio", "ratio_low": "Lower bound",
           "ratio_high": "Upper bound", "share_above_1": "Share of draws above 1",
           "sheets": ("Value map", "Values by year", "Investment", "Totals", "Sensitivity",
                      "Monte Carlo", "Cautions")},
}


def sroi_tables(result, sensitivity=None, *, lang: str = "th") -> dict[str, pd.DataFrame]:
    """Labelled SROI tables ``{sheet title: table}`` in report order.

    Parameters
    ----------
    result : SroiResult
        From :func:`evaluation.sroi`.
    sensitivity : SensitivityResult, optional
        From :func:`evaluation.sroi_sensitivity`; adds the sensitivity (and
        Monte Carlo) tables and the range to the totals.
    lang : {"th", "en"}, default "th"

    Returns
    -------
    dict of str to pandas.DataFrame
        Value map (one row per outcome), values by year, investment, totals
        (figure / value), sensitivity, Monte Carlo (when run) and the cautions.

    Examples
    --------
    >>> import evaluation as ev
    >>> from evaluation.sroi_export import sroi_tables
    >>> proj = ev.load_project("data/sample")
    >>> list(sroi_tables(ev.sroi(proj, "P01")))
    ['แผนที่คุณค่า', 'มูลค่ารายปี', 'การลงทุน', 'สรุป', 'ข้อควรระวัง']
    """
    if lang not in _H:
        raise ArgumentError(f"lang must be 'th' or 'en', got {lang!r}")
    h = _H[lang]
    names = h["sheets"]
    labels = dict(zip(result.outcomes["outcome_id"], result.outcomes["outcome"]))
    vm = result.outcomes.drop(columns=["project_id", "outcome_id"]).rename(columns=h)
    years = result.years.assign(outcome_id=result.years["outcome_id"].map(labels))
    years = years.rename(columns={**h, "outcome_id": h["outcome"]})
    invest = result.investment.rename(columns=h)
    tot = result.totals.iloc[0]
    rows = [(h[k], tot[k]) for k in ("investment", "total_present_value",
                                     "net_present_value", "sroi_ratio", "net_sroi_ratio",
                                     "year1_impact", "payback_months", "discount_rate")]
    out = {names[0]: vm, names[1]: years, names[2]: invest}
    if sensitivity is not None:
        span = sensitivity.range.iloc[0]
        rows += [(h["sroi_ratio"] + (" ต่ำสุดจากการวิเคราะห์ความไว" if lang == "th"
                                     else ": lowest in sensitivity"), span["ratio_min"]),
                 (h["sroi_ratio"] + (" สูงสุดจากการวิเคราะห์ความไว" if lang == "th"
                                     else ": highest in sensitivity"), span["ratio_max"])]
        if sensitivity.monte_carlo is not None:
            mc = sensitivity.monte_carlo.iloc[0]
            word = (f"ช่วง {mc['level']:.0%} จากมอนติคาร์โล" if lang == "th"
                    else f"{mc['level']:.0%} Monte Carlo interval")
            rows += [(f"{h['sroi_ratio']}: {word} ({h['ratio_low']})", mc["ratio_low"]),
                     (f"{h['sroi_ratio']}: {word} ({h['ratio_high']})", mc["ratio_high"])]
    out[names[3]] = pd.DataFrame(rows, columns=[h["figure"], h["amount"]])
    if sensitivity is not None:
        sens = sensitivity.table.copy()
        sens["parameter"] = sens["parameter"].map(PARAMETER_LABELS[lang])
        sens["outcome_id"] = sens["outcome_id"].map(labels)
        out[names[4]] = sens.rename(columns={**h, "value": h["amount"]})
        if sensitivity.monte_carlo is not None:
            out[names[5]] = sensitivity.monte_carlo.rename(columns=h)
    out[names[6]] = pd.DataFrame({h["item"]: SROI_CAUTIONS[lang]})
    return out


def write_sroi_excel(result, path, sensitivity=None, *, lang: str = "th") -> Path:
    """Write :func:`sroi_tables` to an Excel workbook (text cells never formulas)."""
    return write_safe_workbook(sroi_tables(result, sensitivity, lang=lang), path)
