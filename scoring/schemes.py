"""Marking schemes: building, validating (through the rules core), importing and exporting.

Excel layout (one row per aspect, WorldSkills-like): 模块编号, 模块名称, 分项编号, 分项名称, 评分项编号, 类型,
评分项描述, 等级0描述 … 等级3描述, 满分, 步长, 评分日, 评分组. 类型: M (measurement), M-Y (pass/fail),
M-D (deductions), J (judgement), P (panel). A second sheet “设置” holds the settings as key/value rows.
JSON carries the same tree: {"settings": {...}, "criteria": [{"code", "name", "subs": [{"code", "name",
"aspects": [{"code", "type", "description", "levels", "maximum", "step", "marking_day", "team"}]}]}]}.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from app import audit
from app.extensions import db
from app.text import Msg
from contests.models import Event
from scoring import rules
from scoring.models import Aspect, Criterion, Mark, MarkingScheme, SubCriterion

TYPE_TO_KIND = {
    "M": rules.MEASUREMENT, "M-Y": rules.PASS_FAIL, "Y": rules.PASS_FAIL, "M-D": rules.DEDUCTION,
    "D": rules.DEDUCTION, "J": rules.JUDGEMENT, "P": rules.PANEL,
}
KIND_TO_TYPE = {rules.MEASUREMENT: "M", rules.PASS_FAIL: "M-Y", rules.DEDUCTION: "M-D", rules.JUDGEMENT: "J",
                rules.PANEL: "P"}
COLUMNS = ["模块编号", "模块名称", "分项编号", "分项名称", "评分项编号", "类型", "评分项描述",
           "等级0描述", "等级1描述", "等级2描述", "等级3描述", "满分", "步长", "评分日", "评分组"]
# English headers accepted on import.
ALIASES = {"criterion": "模块编号", "criterion name": "模块名称", "sub-criterion": "分项编号",
           "sub-criterion name": "分项名称", "aspect": "评分项编号", "type": "类型", "description": "评分项描述",
           "level 0": "等级0描述", "level 1": "等级1描述", "level 2": "等级2描述", "level 3": "等级3描述",
           "maximum": "满分", "max mark": "满分", "step": "步长", "marking day": "评分日", "day": "评分日",
           "team": "评分组"}
SETTINGS = [  # (json key, Excel label, kind)
    ("theory_weight", "理论权重", "decimal"), ("practical_weight", "实操权重", "decimal"),
    ("theory_total", "理论满分", "decimal"), ("practical_total", "实操满分", "decimal"),
    ("panel_judges", "裁判组人数", "int"), ("panel_drop", "去掉最高最低分个数", "int"),
    ("panel_min", "裁判组最低分", "decimal"), ("panel_step", "裁判组步长", "decimal?"),
    ("judgement_gap", "评价分差", "int"), ("recheck_top", "复核前N名", "int"),
    ("recheck_share", "复核比例%", "decimal"), ("recheck_error_limit", "全部复核错误率%", "decimal"),
]


class SchemeError(Exception):
    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("；".join(self.problems))


# ---------------------------------------------------------------- the scheme as plain data

@dataclass
class AspectData:
    code: str
    kind: str
    maximum: Decimal
    description: str = ""
    levels: list[str] = field(default_factory=list)
    step: Decimal | None = None
    marking_day: int | None = None
    team: str = ""


@dataclass
class SubData:
    code: str
    name: str = ""
    aspects: list[AspectData] = field(default_factory=list)


@dataclass
class CriterionData:
    code: str
    name: str = ""
    subs: list[SubData] = field(default_factory=list)


@dataclass
class SchemeData:
    criteria: list[CriterionData] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)


def _decimal(value: Any, label: str, row: str, problems: list[str], optional: bool = False) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if not optional:
            problems.append(_("%(row)s：缺少%(label)s", row=row, label=label))
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        problems.append(_("%(row)s：%(label)s“%(value)s”不是数字", row=row, label=label, value=value))
        return None
    if not number.is_finite():
        problems.append(_("%(row)s：%(label)s“%(value)s”不是数字", row=row, label=label, value=value))
        return None
    return Decimal(int(number)) if number == number.to_integral() else number


def _int(value: Any, label: str, row: str, problems: list[str]) -> int | None:
    number = _decimal(value, label, row, problems, optional=True)
    if number is None:
        return None
    if number != number.to_integral():
        problems.append(_("%(row)s：%(label)s应为整数", row=row, label=label))
        return None
    return int(number)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_rows(rows: list[dict[str, Any]], settings: dict[str, Any] | None = None) -> SchemeData:
    """Rows keyed by the Chinese column names (or English aliases) → the scheme tree; raises SchemeError."""
    problems: list[str] = []
    data = SchemeData(settings=_parse_settings(settings or {}, problems))
    criteria: dict[str, CriterionData] = {}
    subs: dict[tuple[str, str], SubData] = {}
    for number, raw in enumerate(rows, start=2):
        row = {ALIASES.get(str(k).strip().lower(), str(k).strip()): v for k, v in raw.items() if k is not None}
        if not any(_text(v) for v in row.values()):
            continue
        where = _("第 %(n)d 行", n=number)
        c_code, s_code, a_code = _text(row.get("模块编号")), _text(row.get("分项编号")), _text(row.get("评分项编号"))
        if not c_code or not a_code:
            problems.append(_("%(row)s：缺少模块编号或评分项编号", row=where))
            continue
        type_code = _text(row.get("类型")).upper()
        kind = TYPE_TO_KIND.get(type_code)
        if kind is None:
            problems.append(_("%(row)s：类型“%(t)s”无法识别，应为 M、M-Y、M-D、J 或 P", row=where, t=type_code))
            continue
        maximum = _decimal(row.get("满分"), _("满分"), where, problems)
        step = _decimal(row.get("步长"), _("步长"), where, problems, optional=True)
        day = _int(row.get("评分日"), _("评分日"), where, problems)
        if maximum is None:
            continue
        criterion = criteria.get(c_code)
        if criterion is None:
            criterion = criteria[c_code] = CriterionData(c_code, _text(row.get("模块名称")))
            data.criteria.append(criterion)
        s_code = s_code or c_code
        sub = subs.get((c_code, s_code))
        if sub is None:
            sub = subs[(c_code, s_code)] = SubData(s_code, _text(row.get("分项名称")))
            criterion.subs.append(sub)
        levels = [_text(row.get(f"等级{i}描述")) for i in range(4)]
        sub.aspects.append(AspectData(a_code, kind, maximum, _text(row.get("评分项描述")),
                                      levels if any(levels) else [], step, day, _text(row.get("评分组"))))
    if not data.criteria and not problems:
        problems.append(_("文件中没有评分项"))
    if problems:
        raise SchemeError(problems)
    return data


def _parse_settings(settings: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    by_label = {label: key for key, label, _kind in SETTINGS}
    out: dict[str, Any] = {}
    kinds = {key: kind for key, _label, kind in SETTINGS}
    for name, value in settings.items():
        key = by_label.get(str(name).strip(), str(name).strip())
        if key not in kinds:
            problems.append(_("未知的设置项“%(name)s”", name=name))
            continue
        where = _("设置")
        if kinds[key] == "int":
            number = _int(value, key, where, problems)
        else:
            number = _decimal(value, key, where, problems, optional=True)
        if number is not None or kinds[key] == "decimal?":
            out[key] = number
    return out


def read_json(raw: bytes | str) -> SchemeData:
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise SchemeError(_("JSON 文件格式不正确")) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("criteria"), list):
        raise SchemeError(_("JSON 文件中应有 criteria 列表"))
    rows = []
    try:
        for c in doc["criteria"]:
            for s in c.get("subs", []):
                for a in s.get("aspects", []):
                    levels = list(a.get("levels") or []) + [""] * 4
                    rows.append({"模块编号": c.get("code"), "模块名称": c.get("name"), "分项编号": s.get("code"),
                                 "分项名称": s.get("name"), "评分项编号": a.get("code"), "类型": a.get("type"),
                                 "评分项描述": a.get("description"), "满分": a.get("maximum"), "步长": a.get("step"),
                                 "评分日": a.get("marking_day"), "评分组": a.get("team"),
                                 **{f"等级{i}描述": levels[i] for i in range(4)}})
    except (AttributeError, TypeError):
        raise SchemeError(_("JSON 文件结构不正确")) from None
    settings = doc.get("settings") or {}
    if not isinstance(settings, dict):
        raise SchemeError(_("JSON 文件中的 settings 应为对象"))
    return parse_rows(rows, settings)


def read_excel(raw: bytes) -> SchemeData:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise SchemeError(_("无法读取 Excel 文件，请上传 .xlsx 格式")) from None
    sheet = book.worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    if not values:
        raise SchemeError(_("Excel 文件是空的"))
    header = [_text(h) for h in values[0]]
    rows = [dict(zip(header, r, strict=False)) for r in values[1:]]
    settings = {}
    if "设置" in book.sheetnames:
        for r in book["设置"].iter_rows(values_only=True):
            if r and r[0] not in (None, "设置项"):
                settings[_text(r[0])] = r[1] if len(r) > 1 else None
    return parse_rows(rows, settings)


# ---------------------------------------------------------------- models

def scheme_for(event_id: int) -> MarkingScheme | None:
    return db.session.scalar(select(MarkingScheme).where(MarkingScheme.event_id == event_id))


def ensure_scheme(event: Event) -> MarkingScheme:
    scheme = scheme_for(event.id)
    if scheme is None:
        scheme = MarkingScheme(event_id=event.id)
        db.session.add(scheme)
        db.session.flush()
    return scheme


def aspects_of(scheme: MarkingScheme) -> list[Aspect]:
    return [a for c in scheme.criteria for s in c.subs for a in s.aspects]


def has_marks(scheme: MarkingScheme) -> bool:
    return bool(db.session.scalar(
        select(func.count()).select_from(Mark).join(Aspect, Aspect.id == Mark.aspect_id)
        .where(Aspect.scheme_id == scheme.id)))


def _refuse_if_marked(scheme: MarkingScheme) -> None:
    if scheme.status == "active" and has_marks(scheme):
        raise SchemeError(_("已有评分，评分方案不能再修改"))


def replace_scheme(event: Event, data: SchemeData, source: str = "") -> MarkingScheme:
    """Replace the event's scheme by ``data`` (import). Refused once marks exist. Leaves it as a draft."""
    scheme = ensure_scheme(event)
    _refuse_if_marked(scheme)
    before = export_dict(scheme)
    scheme.criteria.clear()
    db.session.flush()
    for key, value in data.settings.items():
        setattr(scheme, key, value)
    for ci, c in enumerate(data.criteria):
        criterion = Criterion(code=c.code[:16], name=c.name[:100], position=ci)
        scheme.criteria.append(criterion)
        for si, s in enumerate(c.subs):
            sub = SubCriterion(code=s.code[:20], name=s.name[:100], position=si)
            criterion.subs.append(sub)
            for ai, a in enumerate(s.aspects):
                aspect = Aspect(scheme_id=scheme.id, code=a.code[:24], kind=a.kind, description=a.description,
                                maximum=a.maximum, step=a.step, team=a.team[:40], marking_day=a.marking_day,
                                position=ai)
                aspect.levels = a.levels
                sub.aspects.append(aspect)
    scheme.status = "draft"
    _check_codes(scheme)
    db.session.flush()
    audit.record("scheme_imported", scheme, before={"aspects": len(before["criteria"])},
                 after={"event": event.code, "source": source, "aspects": len(aspects_of(scheme))})
    return scheme


def _check_codes(scheme: MarkingScheme) -> None:
    codes = [a.code for a in aspects_of(scheme)]
    dupes = sorted({c for c in codes if codes.count(c) > 1})
    if dupes:
        raise SchemeError([_("评分项编号 %(code)s 重复", code=c) for c in dupes])


def update_settings(scheme: MarkingScheme, values: dict[str, Any]) -> None:
    _refuse_if_marked(scheme)
    before = {k: str(getattr(scheme, k)) for k in values}
    for key, value in values.items():
        setattr(scheme, key, value)
    scheme.status = "draft"
    audit.record("scheme_settings", scheme, before=before, after={k: str(v) for k, v in values.items()})


def add_aspect(scheme: MarkingScheme, c_code: str, s_code: str, a: AspectData) -> Aspect:
    _refuse_if_marked(scheme)
    if a.code in {x.code for x in aspects_of(scheme)}:
        raise SchemeError(_("评分项编号 %(code)s 重复", code=a.code))
    criterion = next((c for c in scheme.criteria if c.code == c_code), None)
    if criterion is None:
        criterion = Criterion(code=c_code, name="", position=len(scheme.criteria))
        scheme.criteria.append(criterion)
    s_code = s_code or c_code
    sub = next((s for s in criterion.subs if s.code == s_code), None)
    if sub is None:
        sub = SubCriterion(code=s_code, name="", position=len(criterion.subs))
        criterion.subs.append(sub)
    aspect = Aspect(scheme_id=scheme.id, code=a.code, kind=a.kind, description=a.description, maximum=a.maximum,
                    step=a.step, team=a.team, marking_day=a.marking_day, position=len(sub.aspects))
    aspect.levels = a.levels
    sub.aspects.append(aspect)
    scheme.status = "draft"
    db.session.flush()
    audit.record("scheme_aspect_added", aspect, after={"code": a.code, "kind": a.kind, "maximum": str(a.maximum)})
    return aspect


def delete_aspect(scheme: MarkingScheme, aspect_id: int) -> None:
    _refuse_if_marked(scheme)
    aspect = db.session.get(Aspect, aspect_id)
    if aspect is None or aspect.scheme_id != scheme.id:
        raise SchemeError(_("评分项不存在"))
    if has_marks(scheme):
        raise SchemeError(_("已有评分，评分方案不能再修改"))
    sub = aspect.sub
    sub.aspects.remove(aspect)
    if not sub.aspects:
        sub.criterion.subs.remove(sub)
    scheme.status = "draft"
    audit.record("scheme_aspect_deleted", scheme, before={"code": aspect.code})
    db.session.flush()
    for c in list(scheme.criteria):
        if not c.subs:
            scheme.criteria.remove(c)


def activate(scheme: MarkingScheme) -> None:
    found = problems(scheme)
    if found:
        raise SchemeError(found)
    scheme.status = "active"
    audit.record("scheme_activated", scheme, after={"aspects": len(aspects_of(scheme))})


# ---------------------------------------------------------------- the rules core's view of a scheme

def components(scheme: Any) -> tuple[rules.Component, ...]:
    return (rules.Component(rules.THEORY, Msg("理论"), Decimal(scheme.theory_weight), Decimal(scheme.theory_total)),
            rules.Component(rules.PRACTICAL, Msg("实操"), Decimal(scheme.practical_weight),
                            Decimal(scheme.practical_total)))


def rules_aspect(scheme: Any, aspect: Any, module: str, sub: str, judges: int | None = None) -> rules.Aspect:
    step = aspect.step
    if aspect.kind == rules.PANEL:
        step = step if step is not None else scheme.panel_step
        judges = judges if judges is not None else scheme.panel_judges
    return rules.Aspect(code=aspect.code, kind=aspect.kind, maximum=Decimal(aspect.maximum), module=module,
                        sub_criterion=sub, component=rules.PRACTICAL, judges=judges,
                        step=Decimal(step) if step is not None else None, description=aspect.description)


def to_rules(scheme: Any, practical_only: bool = False,
             judges: dict[str, int] | None = None) -> rules.MarkingScheme:
    """The rules core's MarkingScheme for a model scheme (or any object with the same attributes).

    ``practical_only``: the practical component alone, weighted 100 (progress and recheck ranking, before
    the theory scores are in). ``judges``: how many judges actually scored each aspect code (a recused
    judge leaves two of three on a judgement aspect).
    """
    aspects = tuple(
        rules_aspect(scheme, a, c.code, s.code, (judges or {}).get(a.code))
        for c in scheme.criteria for s in c.subs for a in s.aspects
    )
    comps = components(scheme)
    if practical_only:
        comps = (rules.Component(rules.PRACTICAL, Msg("实操"), Decimal(100), Decimal(scheme.practical_total)),)
    return rules.MarkingScheme(aspects=aspects, components=comps, panel_drop=scheme.panel_drop,
                               judgement_tolerance=scheme.judgement_gap)


def problems(scheme: Any) -> list[str]:
    """Everything that stops the scheme from being used: gettext text and the rules core's ``Msg`` (shown through
    ``app.i18n``: templates and ``flash`` translate them)."""
    found = []
    all_aspects = [a for c in scheme.criteria for s in c.subs for a in s.aspects]
    if not all_aspects:
        found.append(_("评分方案还没有评分项"))
    found += rules.check_scheme(to_rules(scheme))
    for a in all_aspects:
        if a.kind == rules.JUDGEMENT and Decimal(a.maximum) > 0 and a.levels and len(a.levels) != 4:
            found.append(_("评分项 %(code)s 的评价等级描述应有 0–3 四级", code=a.code))
        if a.kind == rules.PANEL and Decimal(scheme.panel_min) >= Decimal(a.maximum):
            found.append(_("评分项 %(code)s 的满分应高于裁判组最低分", code=a.code))
    if scheme.panel_judges < 1:
        found.append(_("裁判组人数至少为 1"))
    if scheme.judgement_gap < 0:
        found.append(_("评价分差不能为负数"))
    if not (0 <= Decimal(scheme.recheck_share) <= 100 and 0 <= Decimal(scheme.recheck_error_limit) <= 100):
        found.append(_("复核比例和错误率应在 0–100 之间"))
    return found


# ---------------------------------------------------------------- export

def _num(value: Decimal | None) -> str | None:
    return None if value is None else rules.scheme.number_text(Decimal(value))


def export_dict(scheme: MarkingScheme) -> dict[str, Any]:
    settings = {key: _num(getattr(scheme, key)) if kind != "int" else getattr(scheme, key)
                for key, _label, kind in SETTINGS}
    return {
        "settings": settings,
        "criteria": [
            {"code": c.code, "name": c.name, "subs": [
                {"code": s.code, "name": s.name, "aspects": [
                    {"code": a.code, "type": KIND_TO_TYPE[a.kind], "description": a.description,
                     "levels": a.levels, "maximum": _num(a.maximum), "step": _num(a.step),
                     "marking_day": a.marking_day, "team": a.team}
                    for a in s.aspects]}
                for s in c.subs]}
            for c in scheme.criteria],
    }


def export_excel(scheme: MarkingScheme) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "评分标准"
    sheet.append(COLUMNS)
    for c in scheme.criteria:
        for s in c.subs:
            for a in s.aspects:
                levels = (a.levels + [""] * 4)[:4]
                sheet.append([c.code, c.name, s.code, s.name, a.code, KIND_TO_TYPE[a.kind], a.description, *levels,
                              float(a.maximum), float(a.step) if a.step is not None else None, a.marking_day,
                              a.team])
    settings = book.create_sheet("设置")
    settings.append(["设置项", "值"])
    for key, label, kind in SETTINGS:
        value = getattr(scheme, key)
        settings.append([label, None if value is None else (value if kind == "int" else float(value))])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
