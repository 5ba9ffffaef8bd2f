"""XLSForm out: the questionnaire of one survey round for KoboToolbox and ODK.

:func:`form_definition` builds the three XLSForm sheets (``survey``,
``choices``, ``settings``) as DataFrames; :func:`write_xlsform` writes them to
an ``.xlsx`` file that KoboToolbox ("Upload an XLSForm") and ODK Central
("New form") import. Labels are Thai first (``label::Thai (th)``) with English
second (``label::English (en)``); hints and required/constraint messages too.

One submission is one household visit in one round (wave): who and when
(group ``ident``), the household's money (group ``finance``) and a repeat
``member`` with one entry per household member who answers the happiness
instruments. The field names are stable (see :data:`FIELDS` and
``docs/import.md``) so that exports of this form come back through
``evaluation import`` without a mapping.

This is an io-layer module: it reads instrument definitions and, optionally,
a data folder (through :func:`evaluation.project.load_project`) for the choice
lists of villages, households and people.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import ArgumentError, EvaluationError

__all__ = ["FIELDS", "FormError", "FormField", "form_definition", "form_fields",
           "response_choices", "validate_xlsform", "write_xlsform"]

TH = "Thai (th)"
EN = "English (en)"

#: Group and repeat names of the form (stable: they appear in export headers).
GROUP_IDENT, GROUP_FINANCE, REPEAT_MEMBER = "ident", "finance", "member"

#: Upper bounds of the money questions (baht): a typo guard, not a judgement.
MONEY_MAX = {"income": 1_000_000, "expenses": 1_000_000, "debt_formal": 10_000_000,
             "debt_informal": 10_000_000, "savings": 10_000_000}
HOUSEHOLD_SIZE_MAX = 30

WAVE_LABELS = {"pre": ("ก่อน", "pre (before the program)"),
               "during": ("ระหว่าง", "during the program"),
               "post": ("หลัง", "post (after the program)")}
YES_NO = {"yes": ("ใช่", "yes"), "no": ("ไม่ใช่", "no")}
DEBT_SOURCES = {
    "bank": ("ธนาคาร", "bank"),
    "village_fund": ("กองทุนหมู่บ้าน", "village fund"),
    "cooperative": ("สหกรณ์", "cooperative"),
    "moneylender": ("เงินกู้นอกระบบ", "informal moneylender"),
    "relatives": ("ญาติหรือเพื่อน", "relatives or friends"),
}


class FormError(EvaluationError, ValueError):
    """The form cannot be made from the arguments given (unknown instrument, ...)."""


@dataclass(frozen=True)
class FormField:
    """One question of the form and where its answer goes in the data model.

    ``target`` is the canonical column (``finance.income``, ``happiness.value``
    ...); ``instrument``/``item`` are set for instrument items.
    """

    name: str
    type: str
    group: str
    label_th: str
    label_en: str
    target: str
    instrument: str = ""
    item: str = ""
    list_name: str = ""


# name, xlsform type, group, Thai label, English label, target
_STATIC = [
    ("village_id", "select_one village", GROUP_IDENT, "หมู่บ้าน", "Village", "participants.village_id"),
    ("household_id", "select_one household", GROUP_IDENT, "รหัสครัวเรือน", "Household code",
     "finance.household_id"),
    ("wave", "select_one wave", GROUP_IDENT, "รอบการสำรวจ", "Survey round (wave)", "wave"),
    ("finance_done", "select_one yes_no", GROUP_IDENT,
     "สำรวจการเงินครัวเรือนในรอบนี้หรือไม่", "Household finance surveyed this round?",
     "finance_done"),
    ("finance_date", "date", GROUP_FINANCE, "วันที่สำรวจการเงิน", "Finance survey date",
     "finance.date"),
    ("household_size", "integer", GROUP_FINANCE, "จำนวนสมาชิกในครัวเรือน",
     "Household size", "finance.household_size"),
    ("income", "decimal", GROUP_FINANCE, "รายได้ของครัวเรือนต่อเดือน",
     "Household income per month", "finance.income"),
    ("expenses", "decimal", GROUP_FINANCE, "รายจ่ายของครัวเรือนต่อเดือน",
     "Household expenses per month", "finance.expenses"),
    ("debt_formal", "decimal", GROUP_FINANCE, "หนี้ในระบบคงค้าง",
     "Formal debt outstanding", "finance.debt_formal"),
    ("debt_informal", "decimal", GROUP_FINANCE, "หนี้นอกระบบคงค้าง",
     "Informal debt outstanding", "finance.debt_informal"),
    ("savings", "decimal", GROUP_FINANCE, "เงินออมสะสม", "Savings balance",
     "finance.savings"),
    ("debt_sources", "select_multiple debt_source", GROUP_FINANCE, "แหล่งเงินกู้ของครัวเรือน",
     "Where the household borrows", "finance.debt_sources"),
    ("person_id", "select_one person", REPEAT_MEMBER, "รหัสบุคคล", "Person code", "happiness.person_id"),
    ("assess_date", "date", REPEAT_MEMBER, "วันที่ประเมินความสุข", "Happiness assessment date",
     "happiness.date"),
]

#: Stable field names of the form (name -> canonical target); items are
#: named ``<instrument>_<item>`` (e.g. ``tmhi15_q3``) in a group named after
#: the instrument inside the repeat ``member``.
FIELDS = {name: target for name, _t, _g, _lt, _le, target in _STATIC}

_LABEL_SPLIT = re.compile(r"^\s*(?P<th>.*?)\s*\((?P<en>[^()]*)\)\s*$")


def response_choices(instrument) -> list[tuple[str, str, str]]:
    """(code, Thai label, English label) of an instrument's answers, in order.

    ``ไม่เลย (not at all)`` gives Thai ``ไม่เลย`` and English ``not at all``;
    a label without a parenthesis is used for both languages.

    Examples
    --------
    >>> from evaluation.instruments import get_instrument
    >>> response_choices(get_instrument("tmhi15"))[0]
    ('1', 'ไม่เลย', 'not at all')
    """
    out = []
    for code, label in instrument.response_labels.items():
        text = str(label)
        m = _LABEL_SPLIT.match(text)
        th, en = (m["th"], m["en"]) if m and m["th"] else (text, text)
        out.append((_code(code), th, en))
    return out


def _code(value) -> str:
    f = float(value)
    return str(int(f)) if f.is_integer() else str(f)


def _item_label(instrument, item, duplicated: set[str]) -> tuple[str, str]:
    th = item.text_th or item.id
    en = item.label or item.id
    if th in duplicated:
        th = f"{th} ({instrument.id})"
    if en in duplicated:
        en = f"{en} ({instrument.id})"
    return th, en


def _duplicated_texts(instruments) -> set[str]:
    seen, dup = set(), set()
    for inst in instruments:
        for it in inst.items:
            for text in {it.text_th, it.label}:
                (dup if text in seen else seen).add(text)
    return dup


def form_fields(instruments=None, *, extra_dirs=()) -> list[FormField]:
    """Every question the workbench's forms can contain, with its labels and target.

    Used by :mod:`evaluation.importers` to read exports of these forms back
    without a mapping. ``instruments`` defaults to every known instrument.

    Examples
    --------
    >>> names = [f.name for f in form_fields(["happy10"])]
    >>> names[:3], names[-1]
    (['village_id', 'household_id', 'wave'], 'happy10_q1')
    """
    from .instruments import registry

    known = registry(extra_dirs=extra_dirs)
    chosen = list(known.values()) if instruments is None else [known[i] for i in instruments]
    dup = _duplicated_texts(known.values())
    fields = [FormField(n, t, g, lt, le, tg,
                        list_name=t.split()[1] if t.startswith("select_") else "")
              for n, t, g, lt, le, tg in _STATIC]
    for inst in chosen:
        for it in inst.items:
            th, en = _item_label(inst, it, dup)
            kind = f"select_one {inst.id}_scale" if inst.response_labels else "integer"
            fields.append(FormField(f"{inst.id}_{it.id}", kind, inst.id, th, en,
                                    "happiness.value", instrument=inst.id, item=it.id,
                                    list_name=f"{inst.id}_scale" if inst.response_labels
                                    else ""))
    return fields


def _ladder_needs(ladder_path) -> tuple[list[str], bool]:
    """Instruments and whether finance questions are needed by a ladder's indicators."""
    from .ladder import read_ladder

    ladder = read_ladder(ladder_path)
    instruments, finance = [], False
    for ind in ladder.indicators if hasattr(ladder, "indicators") else []:
        metric = str(getattr(ind, "metric", ""))
        params = dict(getattr(ind, "params", {}) or {})
        if "happiness" in metric:
            instruments.append(str(params.get("instrument", "tmhi15")))
        if re.search(r"income|expense|debt|saving|poverty", metric) and metric not in (
                "savings_members", "regular_savers", "total_savings"):
            finance = True
    return instruments, finance


def _check_instruments(instruments, known) -> list[str]:
    if isinstance(instruments, str):
        instruments = [s.strip() for s in instruments.split(",") if s.strip()]
    out = []
    for inst in instruments or []:
        if inst not in known:
            raise FormError(f"instruments: unknown instrument {inst!r}; known instruments: "
                            f"{', '.join(known)}")
        if inst not in out:
            out.append(inst)
    return out


def _roster(data) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    from .project import load_project

    proj = load_project(data)
    return proj.villages, proj.participants, proj.projects


def form_definition(*, instruments=("tmhi15", "happy10"), finance: bool = True, data=None,
                    ladder=None, title: str | None = None, form_id: str | None = None,
                    version: str = "1") -> dict[str, pd.DataFrame]:
    """The XLSForm sheets of one survey round.

    Parameters
    ----------
    instruments : sequence of str or str
        Instrument ids (``"tmhi15,happy10"`` accepted). Empty for a finance-only form.
    finance : bool
        Ask the household finance questions.
    data : path, optional
        A data folder: its villages, households and people become choice lists
        (the household list filtered by village, people by household), and
        the instruments of its ``instruments/`` folder are available.
    ladder : path, optional
        An outcome ladder YAML: instruments and finance questions its
        indicators need are added.
    title, form_id, version : str
        The ``settings`` sheet.

    Returns
    -------
    dict
        ``{"survey", "choices", "settings"}`` DataFrames in XLSForm columns.

    Examples
    --------
    >>> sheets = form_definition(instruments="tmhi15")
    >>> sheets["survey"].loc[sheets["survey"]["name"] == "income", "hint::Thai (th)"].item()
    'บาทต่อเดือน'
    """
    from .instruments import registry

    extra = [Path(data) / "instruments"] if data is not None and (
        Path(data) / "instruments").is_dir() else []
    known = registry(extra_dirs=extra)
    chosen = _check_instruments(instruments, known)
    if ladder is not None:
        need, need_finance = _ladder_needs(ladder)
        chosen += [i for i in _check_instruments(need, known) if i not in chosen]
        finance = finance or need_finance
    if not chosen and not finance:
        raise FormError("instruments/finance: a form needs at least one instrument or the "
                        "finance questions; got instruments=[] and finance=False")
    villages = people = projects = None
    if data is not None:
        villages, people, projects = _roster(data)
    fields = {f.name: f for f in form_fields(chosen, extra_dirs=extra)}
    survey: list[dict] = []
    choices: list[dict] = []

    def row(type_, name="", th="", en="", **kw):
        r = {"type": type_, "name": name, f"label::{TH}": th, f"label::{EN}": en}
        r.update(kw)
        survey.append(r)

    def req():
        return {"required": "yes",
                f"required_message::{TH}": "จำเป็นต้องตอบข้อนี้",
                f"required_message::{EN}": "This question is required."}

    def constraint(expr, th, en):
        return {"constraint": expr, f"constraint_message::{TH}": th,
                f"constraint_message::{EN}": en}

    def hint(th, en):
        return {f"hint::{TH}": th, f"hint::{EN}": en}

    def choice(list_name, name, th, en, **kw):
        choices.append({"list_name": list_name, "name": name, f"label::{TH}": th,
                        f"label::{EN}": en, **kw})

    id_rule = constraint("regex(., '^[A-Za-z0-9._-]+$')",
                         "ใช้ตัวอักษรภาษาอังกฤษ ตัวเลข จุด ขีด หรือขีดล่างเท่านั้น",
                         "Letters, digits, dots, hyphens or underscores only.")

    def id_question(name, list_name, filter_expr=None):
        f = fields[name]
        if villages is None:
            row("text", name, f.label_th, f.label_en, **req(), **id_rule)
        else:
            kw = {"choice_filter": filter_expr} if filter_expr else {}
            row(f"select_one {list_name}", name, f.label_th, f.label_en, **req(), **kw)

    row("start", "start")
    row("end", "end")
    row("begin_group", GROUP_IDENT, "ข้อมูลทั่วไป", "Identification")
    id_question("village_id", "village")
    id_question("household_id", "household", "village=${village_id}")
    row("select_one wave", "wave", fields["wave"].label_th, fields["wave"].label_en, **req())
    if finance:
        f = fields["finance_done"]
        row("select_one yes_no", "finance_done", f.label_th, f.label_en, **req())
    row("end_group", GROUP_IDENT)
    if finance:
        row("begin_group", GROUP_FINANCE, "การเงินครัวเรือน", "Household finance",
            relevant="${finance_done} = 'yes'")
        f = fields["finance_date"]
        row("date", "finance_date", f.label_th, f.label_en, **req(),
            **constraint(". <= today()", "วันที่ต้องไม่เกินวันนี้", "The date cannot be in "
                                                                    "the future."))
        f = fields["household_size"]
        row("integer", "household_size", f.label_th, f.label_en, **hint("คน", "people"),
            **constraint(f". >= 1 and . <= {HOUSEHOLD_SIZE_MAX}",
                         f"จำนวนสมาชิกต้องอยู่ระหว่าง 1 ถึง {HOUSEHOLD_SIZE_MAX} คน",
                         f"Between 1 and {HOUSEHOLD_SIZE_MAX} people."))
        for name, cap in MONEY_MAX.items():
            f = fields[name]
            monthly = name in ("income", "expenses")
            h = hint("บาทต่อเดือน", "baht per month") if monthly else hint(
                "บาท (ยอดคงเหลือ ณ วันสำรวจ)", "baht (balance on the survey date)")
            row("decimal", name, f.label_th, f.label_en, **h,
                **constraint(f". >= 0 and . <= {cap}",
                             f"ต้องเป็นจำนวนเงินตั้งแต่ 0 ถึง {cap:,} บาท ห้ามติดลบ",
                             f"An amount from 0 to {cap:,} baht; never negative."))
        f = fields["debt_sources"]
        row("select_multiple debt_source", "debt_sources", f.label_th, f.label_en,
            **hint("เลือกได้หลายข้อ", "select all that apply"),
            relevant="${debt_formal} > 0 or ${debt_informal} > 0")
        row("end_group", GROUP_FINANCE)
    if chosen:
        row("begin_repeat", REPEAT_MEMBER, "ผู้ตอบแบบประเมินความสุข",
            "Members answering the happiness questions")
        id_question("person_id", "person", "household=${household_id}")
        f = fields["assess_date"]
        row("date", "assess_date", f.label_th, f.label_en, **req(),
            **constraint(". <= today()", "วันที่ต้องไม่เกินวันนี้",
                         "The date cannot be in the future."))
        for inst_id in chosen:
            inst = known[inst_id]
            row("begin_group", inst.id, inst.name_th, inst.name_en,
                **hint(inst.recall_period or inst.name_th, inst.name_en))
            for it in inst.items:
                f = fields[f"{inst.id}_{it.id}"]
                if inst.response_labels:
                    row(f.type, f.name, f.label_th, f.label_en)
                else:
                    lo, hi = _code(it.min), _code(it.max)
                    row("integer", f.name, f.label_th, f.label_en,
                        **hint(f"คะแนน {lo} ถึง {hi}", f"score {lo} to {hi}"),
                        **constraint(f". >= {lo} and . <= {hi}",
                                     f"คะแนนต้องอยู่ระหว่าง {lo} ถึง {hi}",
                                     f"A score from {lo} to {hi}."))
            row("end_group", inst.id)
        row("end_repeat", REPEAT_MEMBER)

    for name, (th, en) in WAVE_LABELS.items():
        choice("wave", name, th, en)
    for name, (th, en) in YES_NO.items():
        choice("yes_no", name, th, en)
    if finance:
        for name, (th, en) in DEBT_SOURCES.items():
            choice("debt_source", name, th, en)
    for inst_id in chosen:
        inst = known[inst_id]
        for code, th, en in response_choices(inst):
            choice(f"{inst.id}_scale", code, th, en)
    if villages is not None:
        for v in villages.itertuples():
            choice("village", v.village_id, f"{v.name} ({v.village_id})",
                   f"{v.name} ({v.village_id})")
        households = people.drop_duplicates("household_id")
        for h in households.itertuples():
            choice("household", h.household_id, h.household_id, h.household_id,
                   village=h.village_id)
        for p in people.itertuples():  # ids only: names never leave the data folder
            choice("person", p.person_id, p.person_id, p.person_id,
                   household=p.household_id)

    if title is None:
        title = "แบบสำรวจติดตามผลโครงการ"
        if projects is not None and len(projects) == 1:
            title = f"แบบสำรวจ {projects['name'].iloc[0]}"
    settings = pd.DataFrame([{
        "form_title": title,
        "form_id": form_id or "evaluation_round",
        "version": version,
        "default_language": TH,
        "style": "pages",
    }])
    survey_df = pd.DataFrame(survey).fillna("")
    choices_df = pd.DataFrame(choices).fillna("")
    return {"survey": survey_df, "choices": choices_df, "settings": settings}


def write_xlsform(out, **kwargs) -> Path:
    """Write :func:`form_definition` to an ``.xlsx`` XLSForm file and return its path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = write_xlsform(pathlib.Path(tempfile.mkdtemp()) / "form.xlsx",
    ...                      instruments="happy10")
    >>> path.name
    'form.xlsx'
    """
    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise ArgumentError(f"out: an XLSForm is an .xlsx file, got {str(out)!r}")
    sheets = form_definition(**kwargs)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    tmp.replace(out)
    return out


def validate_xlsform(path) -> tuple[str, list[str]]:
    """Convert an XLSForm with pyxform; return (XForm XML, warnings).

    Raises :class:`FormError` with pyxform's message when the form is invalid.
    pyxform is a test/optional dependency (``pip install pyxform``).
    """
    try:
        from pyxform.xls2xform import convert
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise FormError("validate_xlsform needs pyxform: pip install 'pyxform>=3,<5'") from exc
    warnings: list[str] = []
    try:
        result = convert(xlsform=str(path), warnings=warnings)
    except Exception as exc:  # pyxform raises its own PyXFormError and friends
        raise FormError(f"{path}: pyxform rejected the form: {exc}") from exc
    return result.xform, warnings
