"""Every label users read, in Thai and English, and the one language check.

Thai comes first in everything users see; English on request (``lang="en"``).
A measure has one name everywhere: the report sections, the index page and
the charts take their words from here.

* :func:`check_lang` validates a ``lang`` argument (``"th"`` or ``"en"``).
* :func:`tr` picks the Thai or the English text.
* :func:`label` gives the display name of a canonical value (waves, sex,
  roles, ledger kinds); :func:`wave_name` is the wave shortcut.
* The tables: :data:`COLUMN_LABELS` (table headers), :data:`MEASURE_LABELS`
  (finance measures), :data:`STATUS_LABELS` (overall village status),
  :data:`INDEX_LABELS` (the batch index page), :data:`UNIT_WORDS`.

Examples
--------
>>> tr("th", "หมู่บ้าน", "Village"), label("wave", "pre", lang="en")
('หมู่บ้าน', 'Before')
>>> check_lang("fr")
Traceback (most recent call last):
...
evaluation.errors.ArgumentError: lang must be one of 'th', 'en'; got 'fr'
"""

from __future__ import annotations

from .errors import ArgumentError

__all__ = ["COLUMN_LABELS", "INDEX_LABELS", "KIND_LABELS", "LANGS", "MEASURE_LABELS",
           "ROLES", "ROLE_LABELS", "SEX_LABELS", "STATUS_LABELS", "UNIT_WORDS", "WAVE_LABELS",
           "check_lang", "label", "tr", "unit_word", "wave_name"]

#: Languages of every user-facing text.
LANGS = ("th", "en")
#: Participant roles in display order.
ROLES = ("team", "target", "mentor")
BLANK = "–"


def check_lang(lang, *, name: str = "lang") -> str:
    """`lang` when it is ``"th"`` or ``"en"``; otherwise an :class:`ArgumentError`
    (also a ``ValueError``) naming the parameter, the value and what is allowed.

    >>> check_lang("en")
    'en'
    """
    if lang not in LANGS:
        raise ArgumentError(f"{name} must be one of 'th', 'en'; got {lang!r}")
    return lang


def tr(lang: str, th: str, en: str) -> str:
    """The Thai or the English text, by `lang`.

    >>> tr("en", "บาท", "baht")
    'baht'
    """
    return th if lang == "th" else en


# --------------------------------------------------------------------------- values
WAVE_LABELS = {
    "th": {"pre": "ก่อน", "during": "ระหว่าง", "post": "หลัง"},
    "en": {"pre": "Before", "during": "During", "post": "After"},
}
SEX_LABELS = {
    "th": {"F": "หญิง", "M": "ชาย"},
    "en": {"F": "Female", "M": "Male"},
}
ROLE_LABELS = {
    "th": {"team": "คณะทำงาน", "target": "กลุ่มเป้าหมาย", "mentor": "ครูพี่เลี้ยง"},
    "en": {"team": "Working team", "target": "Target member", "mentor": "Mentor"},
}
KIND_LABELS = {
    "th": {"income": "รายรับ", "expense": "รายจ่าย"},
    "en": {"income": "Income", "expense": "Expense"},
}
_LABELS = {"wave": WAVE_LABELS, "sex": SEX_LABELS, "role": ROLE_LABELS, "kind": KIND_LABELS}


def _is_blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    try:
        return bool(value != value)  # NaN, NaT
    except (TypeError, ValueError):
        return False


def label(kind: str, value, *, lang: str = "th") -> str:
    """Display label of a canonical value.

    Parameters
    ----------
    kind : {"wave", "sex", "role", "kind"}
    value : str
        A canonical value (``"pre"``, ``"F"``, ``"team"``, ``"income"``, …);
        blank gives ``"–"``.
    lang : {"th", "en"}, default "th"

    Examples
    --------
    >>> label("wave", "pre"), label("role", "mentor", lang="en")
    ('ก่อน', 'Mentor')
    """
    if kind not in _LABELS:
        raise ArgumentError(f"kind must be one of {', '.join(map(repr, _LABELS))}; got {kind!r}")
    check_lang(lang)
    if _is_blank(value):
        return BLANK
    table = _LABELS[kind][lang]
    try:
        return table[value]
    except (KeyError, TypeError):
        raise ArgumentError(f"value must be one of {', '.join(map(repr, table))} for "
                            f"kind={kind!r}; got {value!r}") from None


def wave_name(wave: str, lang: str) -> str:
    """``ก่อน`` / ``Before`` for ``"pre"`` …

    >>> wave_name("post", "th")
    'หลัง'
    """
    return label("wave", wave, lang=lang)


#: Unit words: code -> (Thai, English).
UNIT_WORDS = {"points": ("คะแนน", "points"), "baht": ("บาท", "baht"), "%": ("%", "%"),
              "households": ("ครัวเรือน", "households"), "people": ("คน", "people")}


def unit_word(unit: str, lang: str) -> str:
    """Unit word: ``points`` -> คะแนน, ``baht`` -> บาท, ``%``; other text unchanged.

    >>> unit_word("baht", "th"), unit_word("km", "en")
    ('บาท', 'km')
    """
    th, en = UNIT_WORDS.get(unit, (unit, unit))
    return tr(lang, th, en)


# --------------------------------------------------------------------------- tables
#: Display headers of the columns report tables commonly use.
COLUMN_LABELS = {
    "th": {"role": "บทบาท", "female": "หญิง (คน)", "male": "ชาย (คน)", "total": "รวม (คน)",
           "village_id": "รหัสหมู่บ้าน", "project_id": "รหัสโครงการ", "name": "ชื่อ",
           "subdistrict": "ตำบล", "district": "อำเภอ", "province": "จังหวัด",
           "team": "คณะทำงาน (คน)", "target": "กลุ่มเป้าหมาย (คน)", "mentor": "ครูพี่เลี้ยง (คน)",
           "participants": "ผู้เข้าร่วมทั้งหมด (คน)", "households": "ครัวเรือน"},
    "en": {"role": "Role", "female": "Women", "male": "Men", "total": "Total",
           "village_id": "Village code", "project_id": "Project code", "name": "Name",
           "subdistrict": "Subdistrict", "district": "District", "province": "Province",
           "team": "Working team", "target": "Target members", "mentor": "Mentors",
           "participants": "All participants", "households": "Households"},
}

#: Household finance measures: code -> (Thai, English).
MEASURE_LABELS = {
    "income": ("รายได้ต่อเดือน", "Monthly income"),
    "expenses": ("รายจ่ายต่อเดือน", "Monthly expenses"),
    "net": ("รายได้สุทธิต่อเดือน (รายได้ − รายจ่าย)", "Monthly net income (income − expenses)"),
    "debt_formal": ("หนี้ในระบบ", "Formal debt"),
    "debt_informal": ("หนี้นอกระบบ", "Informal debt"),
    "debt_total": ("หนี้รวม", "Total debt"),
    "savings": ("เงินออม", "Savings"),
    "debt_to_annual_income": ("หนี้ต่อรายได้ทั้งปี (เท่า)", "Debt to annual income (ratio)"),
}

#: Overall status of a village (see :func:`evaluation.results.overall_status`).
STATUS_LABELS = {
    "th": {"on_track": "ตามเป้าหมาย", "partly": "บรรลุบางส่วน", "off_track": "ต่ำกว่าเป้าหมาย",
           "no_data": "ไม่มีข้อมูล"},
    "en": {"on_track": "On track", "partly": "Partly achieved", "off_track": "Off track",
           "no_data": "No data"},
}

#: Words of the batch index page (``index.html``).
INDEX_LABELS = {
    "th": {"title": "รายงานผลการประเมินรายหมู่บ้าน", "village_id": "รหัส", "name": "หมู่บ้าน",
           "project": "โครงการ", "location": "อำเภอ / จังหวัด", "status": "สถานะรายงาน",
           "links": "ไฟล์", "report": "รายงาน", "excel": "Excel", "notebook": "โน้ตบุ๊ก",
           "ok": "สำเร็จ", "failed": "ล้มเหลว", "skipped": "ไม่เปลี่ยนแปลง (ข้าม)",
           "missing": "ยังไม่ได้สร้าง", "interrupted": "ยังไม่ได้สร้าง (หยุดกลางคัน)",
           "portfolio": "รายงานภาพรวม", "all": "ทุกโครงการ",
           "villages": "หมู่บ้าน", "generated": "สร้างเมื่อ",
           "sort": "คลิกหัวคอลัมน์เพื่อเรียงลำดับ", "summary": "สรุป",
           "scan_ok": "ตรวจข้อมูลส่วนบุคคลในไฟล์ผลลัพธ์ {n} ไฟล์: ไม่พบ",
           "scan_found": "ตรวจข้อมูลส่วนบุคคลในไฟล์ผลลัพธ์ {n} ไฟล์: พบสิ่งที่อาจเป็นข้อมูลส่วนบุคคล "
                         "{k} รายการใน {f} ไฟล์ ห้ามเผยแพร่จนกว่าจะแก้ไข (ดูรายละเอียด: "
                         "evaluation privacy-scan)"},
    "en": {"title": "Village evaluation reports", "village_id": "Code", "name": "Village",
           "project": "Project", "location": "District / province", "status": "Report status",
           "links": "Files", "report": "Report", "excel": "Excel", "notebook": "Notebook",
           "ok": "ok", "failed": "failed", "skipped": "unchanged (skipped)",
           "missing": "not rendered", "interrupted": "not rendered (interrupted)",
           "portfolio": "Portfolio reports", "all": "All projects",
           "villages": "Villages", "generated": "Generated",
           "sort": "Click a column header to sort", "summary": "Summary",
           "scan_ok": "Personal-data audit of {n} output files: nothing found",
           "scan_found": "Personal-data audit of {n} output files: {k} possible personal "
                         "identifiers in {f} files. Do not publish until fixed (details: "
                         "evaluation privacy-scan)"},
}
