"""Table contracts: canonical columns, types, units and accepted Thai headers.

This module is the single source of truth for the data model. The loader
(:mod:`evaluation.project`), the Excel template, the sample generator and
``docs/data-model.md`` all read it.

Value kinds
-----------
``id``      string identifier; Thai digits become Arabic, whitespace trimmed.
``text``    free text; zero-width characters removed, whitespace collapsed.
``number``  decimal number (Thai digits and thousands separators accepted).
``int``     whole number.
``money``   baht amount, never negative (``1,500``, ``1,500 บาท``, ``๑,๕๐๐.-``).
``date``    calendar date; Buddhist-era or CE, ISO or Thai forms.
``wave``    ordered category pre < during < post.
``sex``     ``F`` or ``M``.
``role``    ``team``, ``target`` or ``mentor``.
``kind``    ``income`` or ``expense`` (account-book entries).
``arm``     ``program`` or ``comparison`` (villages; blank means program).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    """One column of a table contract."""

    name: str
    kind: str
    required: bool = False
    nullable: bool = True
    unit: str = ""
    th: str = ""
    en: str = ""
    aliases: tuple[str, ...] = ()
    pii: bool = False


@dataclass(frozen=True)
class Table:
    """One table of the data model."""

    name: str
    th: str
    en: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    sheet_aliases: tuple[str, ...] = ()
    #: (column, other table, other column): every value must exist there.
    references: tuple[tuple[str, str, str], ...] = ()
    extra: dict = field(default_factory=dict)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


def _c(name, kind, th, en, *aliases, required=False, nullable=True, unit="", pii=False):
    return Column(name=name, kind=kind, required=required, nullable=nullable, unit=unit,
                  th=th, en=en, aliases=tuple(aliases), pii=pii)


PROJECTS = Table(
    "projects", "โครงการ", "Projects",
    (
        _c("project_id", "id", "รหัสโครงการ", "Project code", "รหัสโครงการ", "project_code",
           required=True, nullable=False),
        _c("name", "text", "ชื่อโครงการ", "Project name", "ชื่อโครงการ", "โครงการ", "project_name",
           required=True, nullable=False),
        _c("organisation", "text", "องค์กรผู้รับผิดชอบ", "Responsible organisation",
           "องค์กรผู้รับผิดชอบ", "องค์กร", "หน่วยงาน", "ผู้รับผิดชอบ", "organization"),
        _c("start_date", "date", "วันเริ่มโครงการ", "Start date", "วันเริ่มโครงการ",
           "วันที่เริ่ม", "วันเริ่มต้น", "วันที่เริ่มต้น", "start"),
        _c("end_date", "date", "วันสิ้นสุดโครงการ", "End date", "วันสิ้นสุดโครงการ",
           "วันที่สิ้นสุด", "วันสิ้นสุด", "end"),
        _c("budget", "money", "งบประมาณ", "Budget", "งบประมาณ", "งบประมาณ (บาท)", unit="baht"),
    ),
    key=("project_id",),
    sheet_aliases=("โครงการ", "project"),
)

VILLAGES = Table(
    "villages", "หมู่บ้าน", "Villages",
    (
        _c("village_id", "id", "รหัสหมู่บ้าน", "Village code", "รหัสหมู่บ้าน", "รหัสพื้นที่",
           "village_code", required=True, nullable=False),
        _c("project_id", "id", "รหัสโครงการ", "Project code", "รหัสโครงการ",
           required=True, nullable=False),
        _c("name", "text", "ชื่อหมู่บ้าน", "Village name", "ชื่อหมู่บ้าน", "หมู่บ้าน",
           "village_name", required=True, nullable=False),
        _c("subdistrict", "text", "ตำบล", "Subdistrict", "ตำบล", "ต.", "tambon"),
        _c("district", "text", "อำเภอ", "District", "อำเภอ", "อ.", "amphoe"),
        _c("province", "text", "จังหวัด", "Province", "จังหวัด", "จ.", "changwat"),
        _c("arm", "arm", "กลุ่ม", "Arm (program / comparison; blank = program)", "กลุ่ม",
           "ประเภทหมู่บ้าน", "ประเภทพื้นที่", "กลุ่มการศึกษา", "group", "arm_type"),
    ),
    key=("village_id",),
    sheet_aliases=("หมู่บ้าน", "พื้นที่", "village"),
    references=(("project_id", "projects", "project_id"),),
)

PARTICIPANTS = Table(
    "participants", "ผู้เข้าร่วม", "Participants",
    (
        _c("person_id", "id", "รหัสบุคคล", "Person code", "รหัสบุคคล", "รหัสผู้เข้าร่วม",
           "รหัสสมาชิก", "member_id", required=True, nullable=False),
        _c("household_id", "id", "รหัสครัวเรือน", "Household code", "รหัสครัวเรือน",
           required=True, nullable=False),
        _c("village_id", "id", "รหัสหมู่บ้าน", "Village code", "รหัสหมู่บ้าน",
           required=True, nullable=False),
        _c("name", "text", "ชื่อ-สกุล", "Full name (never shown in reports)", "ชื่อ-สกุล",
           "ชื่อ-นามสกุล", "ชื่อ", "ชื่อ สกุล", "full_name", pii=True),
        _c("national_id", "id", "เลขประจำตัวประชาชน", "National ID (never shown in reports)",
           "เลขประจำตัวประชาชน", "เลขบัตรประชาชน", "เลขบัตร", pii=True),
        _c("phone", "id", "เบอร์โทรศัพท์", "Phone (never shown in reports)", "เบอร์โทรศัพท์",
           "เบอร์โทร", "โทรศัพท์", "telephone", pii=True),
        _c("sex", "sex", "เพศ", "Sex", "เพศ", "gender"),
        _c("age", "int", "อายุ", "Age", "อายุ", "อายุ (ปี)", unit="years"),
        _c("role", "role", "บทบาท", "Role", "บทบาท", "สถานะ", "ประเภทผู้เข้าร่วม",
           required=True, nullable=False),
        _c("occupation_group", "text", "กลุ่มอาชีพ", "Occupation group", "กลุ่มอาชีพ", "อาชีพ",
           "occupation"),
        _c("household_size", "int", "จำนวนสมาชิกในครัวเรือน", "Household size",
           "จำนวนสมาชิกในครัวเรือน", "จำนวนสมาชิกครัวเรือน", "สมาชิกในครัวเรือน", unit="people"),
        _c("joined_date", "date", "วันที่เข้าร่วม", "Date joined", "วันที่เข้าร่วม", "วันเข้าร่วม"),
        _c("left_date", "date", "วันที่ออกจากโครงการ", "Date left the program",
           "วันที่ออกจากโครงการ", "วันที่ออก", "ออกจากโครงการ"),
    ),
    key=("person_id",),
    sheet_aliases=("ผู้เข้าร่วม", "ผู้เข้าร่วมโครงการ", "สมาชิก", "participant"),
    references=(("village_id", "villages", "village_id"),),
)

HAPPINESS = Table(
    "happiness", "ความสุข", "Happiness item responses",
    (
        _c("person_id", "id", "รหัสบุคคล", "Person code", "รหัสบุคคล", "รหัสผู้เข้าร่วม",
           "รหัสสมาชิก", "member_id", required=True, nullable=False),
        _c("wave", "wave", "ช่วงเวลา", "Wave (pre/during/post)", "ช่วงเวลา", "ครั้งที่ประเมิน",
           "รอบการประเมิน", "รอบ", "ระยะ", "round", required=True, nullable=False),
        _c("date", "date", "วันที่ประเมิน", "Assessment date", "วันที่ประเมิน", "วันที่"),
        _c("instrument", "id", "แบบประเมิน", "Instrument id", "แบบประเมิน", "เครื่องมือ",
           "แบบวัด", required=True, nullable=False),
        _c("item", "id", "ข้อ", "Item id", "ข้อ", "ข้อคำถาม", "ข้อที่", "question",
           required=True, nullable=False),
        _c("value", "number", "คะแนน", "Response value (blank = not answered)", "คะแนน",
           "ค่า", "คำตอบ", "score", required=True, unit="points"),
    ),
    key=("person_id", "wave", "instrument", "item"),
    sheet_aliases=("ความสุข", "แบบประเมินความสุข", "สุขภาพจิต"),
    references=(("person_id", "participants", "person_id"),),
)

FINANCE = Table(
    "finance", "การเงินครัวเรือน", "Household finance per wave",
    (
        _c("household_id", "id", "รหัสครัวเรือน", "Household code", "รหัสครัวเรือน",
           required=True, nullable=False),
        _c("wave", "wave", "ช่วงเวลา", "Wave (pre/during/post)", "ช่วงเวลา", "ครั้งที่ประเมิน",
           "รอบการประเมิน", "รอบ", "ระยะ", "round", required=True, nullable=False),
        _c("date", "date", "วันที่สำรวจ", "Survey date", "วันที่สำรวจ", "วันที่"),
        _c("income", "money", "รายได้ต่อเดือน", "Monthly income", "รายได้ต่อเดือน", "รายได้",
           "รายได้ (บาท/เดือน)", "รายรับ", unit="baht/month"),
        _c("expenses", "money", "รายจ่ายต่อเดือน", "Monthly expenses", "รายจ่ายต่อเดือน",
           "รายจ่าย", "ค่าใช้จ่าย", "รายจ่าย (บาท/เดือน)", "expense", unit="baht/month"),
        _c("debt_formal", "money", "หนี้ในระบบ", "Formal debt (balance)", "หนี้ในระบบ",
           "หนี้สินในระบบ", unit="baht"),
        _c("debt_informal", "money", "หนี้นอกระบบ", "Informal debt (balance)", "หนี้นอกระบบ",
           "หนี้สินนอกระบบ", unit="baht"),
        _c("savings", "money", "เงินออม", "Savings (balance)", "เงินออม", "เงินออมสะสม",
           unit="baht"),
        _c("household_size", "int", "จำนวนสมาชิกในครัวเรือน", "Household size",
           "จำนวนสมาชิกในครัวเรือน", "จำนวนสมาชิกครัวเรือน", unit="people"),
    ),
    key=("household_id", "wave"),
    sheet_aliases=("การเงินครัวเรือน", "การเงิน", "รายได้หนี้สิน", "household_finance"),
    references=(("household_id", "participants", "household_id"),),
)

LEDGER = Table(
    "ledger", "บัญชีครัวเรือน", "Household account-book entries",
    (
        _c("household_id", "id", "รหัสครัวเรือน", "Household code", "รหัสครัวเรือน",
           required=True, nullable=False),
        _c("date", "date", "วันที่", "Entry date", "วันที่", "วัน/เดือน/ปี",
           required=True, nullable=False),
        _c("kind", "kind", "ประเภท", "Kind (income/expense)", "ประเภท", "รายรับ/รายจ่าย",
           "type", required=True, nullable=False),
        _c("category", "text", "หมวด", "Category", "หมวด", "หมวดหมู่", "รายการ"),
        _c("amount", "money", "จำนวนเงิน", "Amount", "จำนวนเงิน", "จำนวนเงิน (บาท)", "เงิน",
           required=True, nullable=False, unit="baht"),
        _c("note", "text", "หมายเหตุ", "Note", "หมายเหตุ"),
    ),
    key=(),
    sheet_aliases=("บัญชีครัวเรือน", "บัญชีรับจ่าย", "account_book"),
    references=(("household_id", "participants", "household_id"),),
)

SAVINGS = Table(
    "savings", "กลุ่มออมทรัพย์", "Savings-group ledger",
    (
        _c("group_id", "id", "รหัสกลุ่ม", "Savings group code", "รหัสกลุ่ม", "กลุ่ม",
           required=True, nullable=False),
        _c("member_id", "id", "รหัสสมาชิก", "Member (person) code", "รหัสสมาชิก", "รหัสบุคคล",
           "person_id", required=True, nullable=False),
        _c("date", "date", "วันที่", "Date", "วันที่", required=True, nullable=False),
        _c("deposit", "money", "เงินฝาก", "Deposit", "เงินฝาก", "ฝาก", "เงินออม", unit="baht"),
        _c("withdrawal", "money", "ถอน", "Withdrawal", "ถอน", "เงินถอน", unit="baht"),
        _c("loan", "money", "เงินกู้", "Loan paid out", "เงินกู้", "กู้", "ยืม", unit="baht"),
        _c("repayment", "money", "ชำระคืน", "Loan repayment", "ชำระคืน", "คืนเงินกู้",
           "ส่งคืน", unit="baht"),
    ),
    key=(),
    sheet_aliases=("กลุ่มออมทรัพย์", "ออมทรัพย์", "สัจจะออมทรัพย์", "savings_group"),
    references=(("member_id", "participants", "person_id"),),
)

LESSONS = Table(
    "lessons", "ถอดบทเรียน", "Lessons learned",
    (
        _c("village_id", "id", "รหัสหมู่บ้าน", "Village code", "รหัสหมู่บ้าน",
           required=True, nullable=False),
        _c("section", "text", "หัวข้อ", "Section", "หัวข้อ", "ประเด็น", required=True,
           nullable=False),
        _c("text", "text", "เนื้อหา", "Text", "เนื้อหา", "ข้อความ", "บทเรียน",
           required=True, nullable=False),
    ),
    key=(),
    sheet_aliases=("ถอดบทเรียน", "บทเรียน", "lessons_learned"),
    references=(("village_id", "villages", "village_id"),),
)

#: Tables in load order (a table's references point to tables before it).
TABLES: dict[str, Table] = {
    t.name: t for t in (PROJECTS, VILLAGES, PARTICIPANTS, HAPPINESS, FINANCE, LEDGER, SAVINGS,
                        LESSONS)
}

#: Tables a project must contain; the others may be absent (empty frame).
REQUIRED_TABLES = ("projects", "villages", "participants")

WAVES = ("pre", "during", "post")
SEXES = ("F", "M")
ROLES = ("team", "target", "mentor")
KINDS = ("income", "expense")


def _norm_header(text: str) -> str:
    """Header comparison key: case-folded, spaces/underscores/dots ignored."""
    import unicodedata

    text = unicodedata.normalize("NFC", str(text))
    for ch in ("\u200b", "\u200c", "\u200d", "\ufeff", "\u2060"):
        text = text.replace(ch, "")
    text = text.strip().rstrip("*").strip()  # the template marks required headers with *
    return "".join(ch for ch in text.casefold() if ch not in " _-\t\n\r")


def header_map(table: Table) -> dict[str, str]:
    """Map every accepted header spelling (normalised) to the canonical name."""
    out: dict[str, str] = {}
    for col in table.columns:
        for spelling in (col.name, col.th, col.en, *col.aliases):
            if spelling:
                out.setdefault(_norm_header(spelling), col.name)
    return out


def table_for_name(name: str) -> Table | None:
    """The table a file stem or sheet name refers to (English or Thai), or None."""
    key = _norm_header(name)
    for table in TABLES.values():
        for spelling in (table.name, table.th, table.en, *table.sheet_aliases):
            if _norm_header(spelling) == key:
                return table
    return None


def data_model_markdown() -> str:
    """The column reference of ``docs/data-model.md``, generated from this module."""
    kinds = {"id": "text code", "text": "text", "number": "number", "int": "whole number",
             "money": "baht ≥ 0", "date": "date", "wave": "pre/during/post",
             "sex": "F/M", "role": "team/target/mentor", "kind": "income/expense",
             "arm": "program/comparison"}
    out = []
    for table in TABLES.values():
        sheet = ", ".join(dict.fromkeys((table.name, table.th, *table.sheet_aliases)))
        out.append(f"### `{table.name}` — {table.th} ({table.en})\n")
        out.append(f"File stem or sheet name: {sheet}. "
                   + (f"Key: ({', '.join(table.key)}), unique. " if table.key else "")
                   + "".join(f"`{c}` must exist in `{t}.{tc}`. " for c, t, tc in table.references)
                   + "\n")
        out.append("| column | Thai header | meaning | type | unit | required | also accepted |")
        out.append("|---|---|---|---|---|---|---|")
        for c in table.columns:
            req = "yes" if c.required and not c.nullable else ("column" if c.required else "no")
            aliases = ", ".join(a for a in dict.fromkeys(c.aliases) if a != c.th)
            en = c.en + (" **(personal data: never in reports)**" if c.pii else "")
            out.append(f"| `{c.name}` | {c.th} | {en} | {kinds[c.kind]} | {c.unit} | {req} | "
                       f"{aliases} |")
        out.append("")
    return "\n".join(out)
