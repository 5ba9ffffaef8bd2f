"""SROI value maps (``value_map.yaml``): the format and its validation.

A value map is user data, one YAML file per project (any file whose name
starts with ``value_map``): stakeholders, outcomes with a quantity measured
from the project's own data, a financial proxy with its source, duration,
deadweight, attribution, displacement and drop-off, the investment and the
discount rate. :func:`read_value_map` parses and validates a file and reports
every problem with its YAML line (like ladders); :func:`check_value_map`
checks it against a loaded project (ladder indicators, budget, instruments).
Computation is in :mod:`evaluation.sroi`. See ``docs/sroi.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from . import yaml_lines as Y
from .errors import DataValidationError, EvaluationError, problems_frame

__all__ = ["ValueMap", "SroiOutcome", "Quantity", "Proxy", "InKind", "ValueMapError",
           "parse_value_map", "read_value_map", "check_value_map", "FINANCE_MEASURES",
           "DEFAULT_DISCOUNT_RATE", "MAX_DURATION"]

#: Default discount rate, % per year: 3.5 %, the rate the SROI Guide (Cabinet
#: Office / Social Value UK, 2012, stage 5) takes from HM Treasury's Green
#: Book. The rate Thai public-sector appraisals use could not be confirmed
#: from a published source; set ``discount_rate`` in the value map.
DEFAULT_DISCOUNT_RATE = 3.5
#: Longest outcome duration accepted (years).
MAX_DURATION = 30
#: Finance measures a quantity can count: measure -> (monthly flow?, default change).
FINANCE_MEASURES = {"income": (True, "up"), "expenses": (True, "down"),
                    "net": (True, "up"), "savings": (False, "up"),
                    "debt_formal": (False, "down"), "debt_informal": (False, "down"),
                    "debt_total": (False, "down")}

_ROOT = {
    "project_id": ("project_id", "project", "รหัสโครงการ"),
    "title": ("title", "name", "ชื่อ"),
    "discount_rate": ("discount_rate", "อัตราคิดลด"),
    "investment": ("investment", "การลงทุน", "เงินลงทุน"),
    "stakeholders": ("stakeholders", "ผู้มีส่วนได้ส่วนเสีย", "ผู้มีส่วนได้เสีย"),
    "outcomes": ("outcomes", "ผลลัพธ์"),
}
_INVESTMENT = {
    "budget": ("budget", "งบประมาณ"),
    "in_kind": ("in_kind", "สมทบ", "ทรัพยากรสมทบ"),
}
_IN_KIND = {
    "item": ("item", "รายการ"),
    "baht": ("baht", "value", "มูลค่า", "บาท"),
    "source": ("source", "แหล่งที่มา", "ที่มา"),
}
_STAKEHOLDER = {"id": ("id", "รหัส"), "name": ("name", "ชื่อ")}
_OUTCOME = {
    "id": ("id", "รหัส"),
    "stakeholder": ("stakeholder", "ผู้มีส่วนได้ส่วนเสีย", "ผู้มีส่วนได้เสีย"),
    "outcome": ("outcome", "ผลลัพธ์"),
    "quantity": ("quantity", "จำนวน", "ปริมาณ"),
    "proxy": ("proxy", "financial_proxy", "ตัวแทนค่าทางการเงิน"),
    "duration": ("duration", "ระยะเวลา", "ระยะเวลา_ปี"),
    "deadweight": ("deadweight", "ผลที่เกิดขึ้นเอง"),
    "attribution": ("attribution", "ผลจากปัจจัยอื่น"),
    "displacement": ("displacement", "ผลทดแทน"),
    "drop_off": ("drop_off", "dropoff", "drop-off", "ผลลดลง"),
}
_QUANTITY = {
    "indicator": ("indicator", "ตัวชี้วัด"),
    "finance": ("finance", "การเงิน"),
    "happiness": ("happiness", "ความสุข"),
    "value": ("value", "number", "จำนวน"),
    "change": ("change", "ทิศทาง"),
    "before": ("before", "ก่อน"),
    "after": ("after", "หลัง"),
    "source": ("source", "แหล่งที่มา", "ที่มา"),
}
_PROXY = {
    "baht": ("baht", "value", "มูลค่า", "บาท"),
    "from_data": ("from_data", "จากข้อมูล"),
    "source": ("source", "แหล่งที่มา", "ที่มา"),
    "low": ("low", "ต่ำ"),
    "high": ("high", "สูง"),
}
_FREE = ("note", "notes", "description", "หมายเหตุ", "คำอธิบาย")
_RATES = ("deadweight", "attribution", "displacement", "drop_off")
_WAVES = ("pre", "during", "post")


class ValueMapError(DataValidationError):
    """A value map is invalid; ``.problems`` lists every problem (``row`` = YAML
    line, ``column`` = field path such as ``outcomes[1].proxy.baht``)."""


@dataclass
class Quantity:
    """Where an outcome's quantity comes from.

    ``kind`` is ``indicator`` (a ladder indicator of the project: its count,
    or for a % indicator the people/households behind the share),
    ``finance`` (households whose ``ref`` measure moved in ``change``
    direction from ``before`` to ``after``), ``happiness`` (people whose band
    of instrument ``ref`` rose) or ``value`` (a typed number).
    """

    kind: str
    ref: str | None = None
    change: str | None = None
    before: str = "pre"
    after: str = "post"
    value: float | None = None
    source: str | None = None


@dataclass
class Proxy:
    """A financial proxy: ``baht`` per unit per year, or ``from_data`` (the mean
    change of the finance measure among the counted households, per year)."""

    baht: float | None = None
    from_data: bool = False
    source: str | None = None
    low: float | None = None
    high: float | None = None


@dataclass
class InKind:
    """An in-kind contribution to the investment (baht)."""

    item: str
    baht: float
    source: str | None = None


@dataclass
class SroiOutcome:
    """One row of the value map (rates in percent, duration in years)."""

    id: str
    stakeholder: str
    outcome: str
    quantity: Quantity
    proxy: Proxy
    duration: int
    deadweight: float
    attribution: float
    displacement: float
    drop_off: float
    line: int | None = None


@dataclass
class ValueMap:
    """The SROI value map of one project.

    Attributes
    ----------
    project_id : str
    title : str or None
    stakeholders : dict
        ``{id: name}`` in file order.
    outcomes : list of SroiOutcome
    budget : bool or float
        True: the investment includes ``projects.budget``; a number
        replaces it; False leaves it out.
    in_kind : list of InKind
    discount_rate : float
        Percent per year.
    source : str or None
    warnings : pandas.DataFrame
    """

    project_id: str
    title: str | None
    stakeholders: dict
    outcomes: list
    budget: object = True
    in_kind: list = field(default_factory=list)
    discount_rate: float = DEFAULT_DISCOUNT_RATE
    source: str | None = None
    warnings: pd.DataFrame = field(default_factory=problems_frame, repr=False)
    lines: dict = field(default_factory=dict, repr=False)


def _keys(mapping, spec, path, probs):
    return Y.canonical_keys(mapping, spec, path, probs, free_keys=_FREE)


def parse_value_map(text: str, *, source: str = "<string>") -> ValueMap:
    """Parse and validate value-map YAML text.

    Parameters
    ----------
    text : str
        The YAML document (format in ``docs/sroi.md``).
    source : str, default "<string>"
        Name used in the ``file`` column of problems.

    Returns
    -------
    ValueMap

    Raises
    ------
    ValueMapError
        With every problem of the document (YAML line in ``row``).

    Examples
    --------
    >>> from evaluation.value_map import parse_value_map
    >>> vm = parse_value_map('''
    ... project_id: P01
    ... stakeholders: [{id: members, name: สมาชิก}]
    ... outcomes:
    ...   - id: savings
    ...     stakeholder: members
    ...     outcome: มีเงินออม
    ...     quantity: {value: 40, source: ทะเบียนกลุ่มออมทรัพย์}
    ...     proxy: {baht: 360, source: เงินออมเฉลี่ยต่อปี}
    ...     duration: 2
    ...     deadweight: 10
    ...     attribution: 20
    ...     displacement: 0
    ...     drop_off: 50
    ... ''')
    >>> vm.outcomes[0].proxy.baht, vm.discount_rate
    (360.0, 3.5)
    """
    probs = Y.Problems(str(source))
    doc = Y.load_yaml(text, probs)
    if probs.n_errors:
        raise ValueMapError(probs.frame(), f"{source}: the value map is not valid YAML")
    if not isinstance(doc, dict):
        probs.add(1, None, None if doc is None else str(doc)[:80],
                  "a value map must be a mapping with project_id, stakeholders, outcomes")
        raise ValueMapError(probs.frame(), f"{source}: invalid value map")
    root, lines = _keys(doc, _ROOT, "", probs)
    project_id = Y.text(root.get("project_id"))
    if project_id is None:
        probs.add(lines.get("project_id", doc.line), "project_id", root.get("project_id"),
                  "project_id is required (the project's code)")
    rate = DEFAULT_DISCOUNT_RATE
    if root.get("discount_rate") is not None:
        rate = Y.number(root["discount_rate"])
        if rate is None or not 0 <= rate < 100:
            probs.add(lines["discount_rate"], "discount_rate", root["discount_rate"],
                      "discount_rate must be a percentage per year from 0 to below 100 "
                      f"(default {DEFAULT_DISCOUNT_RATE})")
            rate = DEFAULT_DISCOUNT_RATE
    budget, in_kind = _investment(root.get("investment"),
                                  lines.get("investment", doc.line), probs)
    stakeholders = _stakeholders(root.get("stakeholders"),
                                 lines.get("stakeholders", doc.line), probs)
    outcomes = []
    raw = root.get("outcomes")
    if not isinstance(raw, list) or not raw:
        probs.add(lines.get("outcomes", doc.line), "outcomes",
                  None if raw is None else str(raw)[:80],
                  "outcomes is required: a list of at least one outcome")
        raw = []
    seen: dict = {}
    for i, item in enumerate(raw):
        line = raw.item_lines[i] if isinstance(raw, Y.LineList) else None
        out = _outcome(item, f"outcomes[{i}]", line, probs, stakeholders, seen)
        if out is not None:
            outcomes.append(out)
    if probs.n_errors:
        raise ValueMapError(probs.frame(), f"{source}: {probs.n_errors} problem(s) in the "
                                           "value map")
    return ValueMap(project_id=project_id, title=Y.text(root.get("title")),
                    stakeholders=stakeholders, outcomes=outcomes, budget=budget,
                    in_kind=in_kind, discount_rate=rate, source=str(source),
                    warnings=probs.frame("warning"),
                    lines={"investment": lines.get("investment", doc.line),
                           **{o.id: o.line for o in outcomes}})


def _investment(raw, line, probs):
    if raw is None:
        return True, []
    if not isinstance(raw, dict):
        probs.add(line, "investment", str(raw)[:80],
                  "investment must be a mapping with budget and in_kind")
        return True, []
    vals, lines = _keys(raw, _INVESTMENT, "investment", probs)
    budget = vals.get("budget", True)
    if not isinstance(budget, bool):
        number = Y.number(budget)
        if number is None or number < 0:
            probs.add(lines["budget"], "investment.budget", budget,
                      "budget must be true (from the projects table), false, or an amount "
                      "in baht")
            budget = True
        else:
            budget = number
    in_kind = []
    items = vals.get("in_kind") or []
    if not isinstance(items, list):
        probs.add(lines.get("in_kind", line), "investment.in_kind", str(items)[:80],
                  "in_kind must be a list of {item, baht, source}")
        items = []
    for j, item in enumerate(items):
        path = f"investment.in_kind[{j}]"
        at = items.item_lines[j] if isinstance(items, Y.LineList) else line
        if not isinstance(item, dict):
            probs.add(at, path, str(item)[:80], "each in-kind item is {item, baht, source}")
            continue
        v, ln = _keys(item, _IN_KIND, path, probs)
        name, baht = Y.text(v.get("item")), Y.number(v.get("baht"))
        if name is None:
            probs.add(ln.get("item", at), f"{path}.item", None, "item is required")
        if baht is None or baht < 0:
            probs.add(ln.get("baht", at), f"{path}.baht", v.get("baht"),
                      "baht must be an amount of 0 or more")
        if name is not None and baht is not None and baht >= 0:
            in_kind.append(InKind(name, baht, Y.text(v.get("source"))))
    if budget is False and not in_kind:
        probs.add(line, "investment", None,
                  "the investment is empty: budget is false and there is no in_kind item")
    return budget, in_kind


def _stakeholders(raw, line, probs) -> dict:
    if not isinstance(raw, list) or not raw:
        probs.add(line, "stakeholders", None if raw is None else str(raw)[:80],
                  "stakeholders is required: a list of {id, name}")
        return {}
    out = {}
    for i, item in enumerate(raw):
        at = raw.item_lines[i] if isinstance(raw, Y.LineList) else line
        path = f"stakeholders[{i}]"
        if not isinstance(item, dict):
            probs.add(at, path, str(item)[:80], "each stakeholder is {id, name}")
            continue
        v, ln = _keys(item, _STAKEHOLDER, path, probs)
        sid, name = Y.text(v.get("id")), Y.text(v.get("name"))
        if sid is None or name is None:
            probs.add(at, path, None, "a stakeholder needs id and name")
        elif sid in out:
            probs.add(ln.get("id", at), f"{path}.id", sid, f"stakeholder id {sid!r} is used "
                                                           "twice")
        else:
            out[sid] = name
    return out


def _percent(vals, lines, name, path, at, probs):
    if vals.get(name) is None:
        probs.add(lines.get(name, at), f"{path}.{name}", None,
                  f"{name} is required: a percentage from 0 to 100 (write 0 when none)")
        return None
    value = Y.number(vals[name])
    if value is None or not 0 <= value <= 100:
        probs.add(lines[name], f"{path}.{name}", vals[name],
                  f"{name} must be a percentage from 0 to 100")
        return None
    return value


def _outcome(raw, path, line, probs, stakeholders, seen) -> SroiOutcome | None:
    if not isinstance(raw, dict):
        probs.add(line, path, None if raw is None else str(raw)[:80],
                  "each outcome is a mapping (id, stakeholder, outcome, quantity, proxy, …)")
        return None
    vals, lines = _keys(raw, _OUTCOME, path, probs)

    def at(name):
        return lines.get(name, raw.line)

    oid = Y.text(vals.get("id"))
    if oid is None:
        probs.add(at("id"), f"{path}.id", None, "id is required (unique in the value map)")
    elif oid in seen:
        probs.add(at("id"), f"{path}.id", oid, f"outcome id {oid!r} is used twice (first on "
                                               f"line {seen[oid]})")
    else:
        seen[oid] = at("id")
    holder = Y.text(vals.get("stakeholder"))
    if holder is None or (stakeholders and holder not in stakeholders):
        probs.add(at("stakeholder"), f"{path}.stakeholder", holder,
                  "stakeholder must be one of the stakeholder ids: "
                  f"{', '.join(stakeholders) or '(none)'}")
    text = Y.text(vals.get("outcome"))
    if text is None:
        probs.add(at("outcome"), f"{path}.outcome", None, "outcome is required (in Thai)")
    quantity = _quantity(vals.get("quantity"), f"{path}.quantity", at("quantity"), probs)
    proxy = _proxy(vals.get("proxy"), f"{path}.proxy", at("proxy"), probs, quantity)
    duration = None
    if vals.get("duration") is None:
        probs.add(at("duration"), f"{path}.duration", None,
                  "duration is required: whole years the outcome lasts")
    else:
        duration = Y.integer(vals["duration"])
        if duration is None or not 1 <= duration <= MAX_DURATION:
            probs.add(at("duration"), f"{path}.duration", vals["duration"],
                      f"duration must be whole years from 1 to {MAX_DURATION}")
            duration = None
    rates = {name: _percent(vals, lines, name, path, raw.line, probs) for name in _RATES}
    if None in (oid, holder, text, quantity, proxy, duration) or None in rates.values():
        return None
    return SroiOutcome(id=oid, stakeholder=holder, outcome=text, quantity=quantity,
                       proxy=proxy, duration=duration, line=raw.line, **rates)


def _quantity(raw, path, line, probs) -> Quantity | None:
    if not isinstance(raw, dict):
        probs.add(line, path, None if raw is None else str(raw)[:80],
                  "quantity is required: {indicator: id}, {finance: income, change: up}, "
                  "{happiness: tmhi15} or {value: number, source: …}")
        return None
    vals, lines = _keys(raw, _QUANTITY, path, probs)
    kinds = [k for k in ("indicator", "finance", "happiness", "value") if vals.get(k)
             is not None]
    if len(kinds) != 1:
        probs.add(line, path, ", ".join(kinds) or None,
                  "quantity needs exactly one of indicator, finance, happiness, value")
        return None
    kind = kinds[0]
    q = Quantity(kind=kind, source=Y.text(vals.get("source")))
    ok = True
    for wave in ("before", "after"):
        if vals.get(wave) is not None:
            if vals[wave] not in _WAVES:
                probs.add(lines[wave], f"{path}.{wave}", vals[wave],
                          f"{wave} must be one of {', '.join(_WAVES)}")
                ok = False
            else:
                setattr(q, wave, vals[wave])
    if kind == "value":
        q.value = Y.number(vals["value"])
        if q.value is None or q.value < 0:
            probs.add(lines["value"], f"{path}.value", vals["value"],
                      "value must be a number of 0 or more")
            ok = False
        if q.source is None:
            probs.add(lines["value"], f"{path}.source", None,
                      "a typed quantity needs its source (where the number comes from)")
            ok = False
        return q if ok else None
    q.ref = Y.text(vals[kind])
    change = Y.text(vals.get("change"))
    if kind == "finance":
        if q.ref not in FINANCE_MEASURES:
            probs.add(lines["finance"], f"{path}.finance", vals["finance"],
                      f"finance must be one of {', '.join(FINANCE_MEASURES)}")
            return None
        q.change = change or FINANCE_MEASURES[q.ref][1]
        if q.change not in ("up", "down"):
            probs.add(lines.get("change", line), f"{path}.change", change,
                      "change must be up or down")
            ok = False
    elif kind == "happiness":
        q.change = change or "band_up"
        if q.change != "band_up":
            probs.add(lines.get("change", line), f"{path}.change", change,
                      "change for happiness must be band_up (people whose band rose)")
            ok = False
    elif change is not None:
        probs.add(lines["change"], f"{path}.change", change,
                  "change applies to finance and happiness quantities only")
        ok = False
    if q.before == q.after or _WAVES.index(q.before) > _WAVES.index(q.after):
        probs.add(lines.get("after", line), f"{path}.after", q.after,
                  "after must be a later wave than before")
        ok = False
    return q if ok else None


def _proxy(raw, path, line, probs, quantity) -> Proxy | None:
    if not isinstance(raw, dict):
        probs.add(line, path, None if raw is None else str(raw)[:80],
                  "proxy is required: {baht: amount per unit per year, source: …} or "
                  "{from_data: true}")
        return None
    vals, lines = _keys(raw, _PROXY, path, probs)
    p = Proxy(source=Y.text(vals.get("source")))
    ok = True
    if vals.get("from_data") is not None:
        if vals["from_data"] is not True or vals.get("baht") is not None:
            probs.add(lines["from_data"], f"{path}.from_data", vals["from_data"],
                      "from_data: true (the mean change in the data) replaces baht; give "
                      "one of them")
            ok = False
        elif quantity is not None and quantity.kind != "finance":
            probs.add(lines["from_data"], f"{path}.from_data", True,
                      "from_data needs a finance quantity (the mean change of that measure)")
            ok = False
        p.from_data = True
    else:
        p.baht = Y.number(vals.get("baht"))
        if p.baht is None or p.baht < 0:
            probs.add(lines.get("baht", line), f"{path}.baht", vals.get("baht"),
                      "baht is required: the value of one unit of the outcome for one year")
            ok = False
        if p.source is None:
            probs.add(lines.get("baht", line), f"{path}.source", None,
                      "a financial proxy needs its source (proxies are assumptions: say "
                      "whose)")
            ok = False
    for bound in ("low", "high"):
        if vals.get(bound) is not None:
            value = Y.number(vals[bound])
            if value is None or value < 0:
                probs.add(lines[bound], f"{path}.{bound}", vals[bound],
                          f"{bound} must be an amount in baht")
                ok = False
            setattr(p, bound, value)
    if ok and p.baht is not None and (
            (p.low is not None and p.low > p.baht) or (p.high is not None and p.high < p.baht)):
        probs.add(lines.get("low", line), f"{path}.low", p.low,
                  "the range must hold the proxy: low ≤ baht ≤ high")
        ok = False
    return p if ok else None


def read_value_map(path) -> ValueMap:
    """Read and validate a ``value_map*.yaml`` file (see :func:`parse_value_map`)."""
    text, warning = Y.read_text(path, ValueMapError, "value map")
    out = parse_value_map(text, source=str(path))
    out.warnings = Y.with_encoding_warning(out.warnings, path, warning)
    return out


def check_value_map(value_map: ValueMap, project) -> pd.DataFrame:
    """Problems of a value map against a project (empty when it fits).

    Checks that the project exists, ladder indicators named by quantities
    exist and count people or households (not baht or points), the budget is
    there when ``budget: true``, and happiness instruments have bands.
    Returns a problems table (``row`` = the outcome's YAML line).
    """
    from .metrics import get_metric

    probs = Y.Problems(value_map.source or "<value map>")
    pid = value_map.project_id
    projects = getattr(project, "projects", pd.DataFrame())
    if pid not in set(projects.get("project_id", pd.Series(dtype=object))):
        probs.add(1, "project_id", pid, "value map for an unknown project_id: not in the "
                                        "projects table")
        return probs.frame()
    if value_map.budget is True:
        row = projects[projects["project_id"] == pid]
        budget = pd.to_numeric(row.get("budget", pd.Series(dtype=float)), errors="coerce")
        if not len(budget) or pd.isna(budget.iloc[0]):
            probs.add(value_map.lines.get("investment"), "investment.budget", True,
                      f"projects.budget is blank for {pid}: fill it or give investment.budget "
                      "in baht")
    ladder = (getattr(project, "ladders", None) or {}).get(pid)
    indicators = {i.id: i for i in ladder.indicators} if ladder is not None else {}
    for i, out in enumerate(value_map.outcomes):
        path = f"outcomes[{i}].quantity"
        q = out.quantity
        if q.kind == "indicator":
            ind = indicators.get(q.ref)
            if ind is None:
                probs.add(out.line, f"{path}.indicator", q.ref,
                          f"no indicator {q.ref!r} in the ladder of {pid}; indicators: "
                          f"{', '.join(indicators) or '(no ladder)'}")
            elif ind.unit not in ("people", "households", "%", "groups", "times"):
                probs.add(out.line, f"{path}.indicator", q.ref,
                          f"indicator {q.ref!r} is in {ind.unit}, not a number of people or "
                          "households; use a count or % indicator, or a finance quantity")
            elif ind.unit == "%" and get_metric(ind.metric).over is None:
                probs.add(out.line, f"{path}.indicator", q.ref,
                          f"indicator {q.ref!r} is a percentage not computed over people or "
                          "households")
        elif q.kind == "happiness":
            from .instruments import get_instrument

            user = getattr(project, "instruments", None) or {}
            try:
                inst = user.get(q.ref) or get_instrument(q.ref)
            except EvaluationError as exc:
                probs.add(out.line, f"{path}.happiness", q.ref, str(exc))
                continue
            if not inst.bands:
                probs.add(out.line, f"{path}.happiness", q.ref,
                          f"instrument {q.ref!r} has no bands: a band change cannot be counted")
    return probs.frame()
