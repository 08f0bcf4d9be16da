"""Registrations in Excel: the delegation's template, the checked import, and the exports.

The import checks every row and imports nothing unless every row is valid; errors name the row and the
column. The workbooks themselves are Chinese documents: the import reads the template's headers and
drop-down values back, and the exports are rosters and reports of record, so their words are not translated;
only the messages about a file (``Msg`` values) follow the reader's language. Exports mask ID and phone
numbers unless the full version is asked for, and neutralise cells that a spreadsheet would run as formulas.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from app.text import Msg, joined
from contests import ethnic, regions
from contests.registration import CATEGORIES, SKILL_LEVELS, PersonEntry

YES, NO = "是", "否"
# (header, PersonEntry field or special key, required)
COLUMNS = [
    ("姓名", "name", True),
    ("身份证号码", "id_number", True),
    ("性别", "sex", True),
    ("民族", "ethnic", True),
    ("手机号码", "mobile", True),
    ("户籍县（区）代码", "county_code", True),
    ("工作单位或学校", "employer", True),
    ("技能等级", "skill_level", False),
    ("身份", "category", True),
    ("项目", "event", True),
    ("组别", "group", True),
    ("是否从事本职业", "works_in_occupation", True),
    ("是否建档立卡贫困户", "poor_household", True),
    ("贫困户编号", "household_number", False),
    ("是否曾获全国技术能手等称号", "previous_title_holder", False),
]
DELEGATION_COLUMN = "代表团"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class ImportRow:
    row: int  # the spreadsheet's row number, as the person sees it
    entry: PersonEntry
    event: str
    group: str
    delegation: str = ""


@dataclass
class ParsedSheet:
    rows: list[ImportRow] = field(default_factory=list)
    # (row, column, message): the column is the template's Chinese header, the message a Msg.
    errors: list[tuple[int | None, str, str]] = field(default_factory=list)


def safe_cell(value):
    """Text that a spreadsheet would read as a formula gets a leading apostrophe: shown, never run.

    A translatable message (a ``str`` subclass) is written as its plain Chinese text.
    """
    if isinstance(value, str):
        value = str(value)
        if value.startswith(FORMULA_STARTS):
            return "'" + value
    return value


def template(events: list[tuple[str, list[str]]], with_delegation: bool = False) -> bytes:
    """The import template: Chinese headers and drop-down lists; ``events`` is [(event, [group, ...])]."""
    wb = Workbook()
    ws = wb.active
    ws.title = "报名表"
    headers = ([DELEGATION_COLUMN] if with_delegation else []) + [h for h, _k, _r in COLUMNS]
    ws.append(headers)
    for i, header in enumerate(headers, 1):
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F2D7D5")
        ws.column_dimensions[get_column_letter(i)].width = max(12, len(header) * 2 + 2)
    ws.freeze_panes = "A2"

    lists = wb.create_sheet("选项")
    columns = {
        "项目": [e for e, _g in events],
        "组别": sorted({g for _e, groups in events for g in groups}),
        "民族": [g.name for g in ethnic.ETHNIC_GROUPS],
        "是否": [YES, NO],
        "性别": ["男", "女"],
        "身份": [str(c) for c in CATEGORIES.values()],
        "技能等级": list(SKILL_LEVELS),
    }
    refs = {}
    for col, (title, values) in enumerate(columns.items(), 1):
        letter = get_column_letter(col)
        lists.cell(row=1, column=col, value=title)
        for r, value in enumerate(values, 2):
            lists.cell(row=r, column=col, value=value)
        refs[title] = f"'选项'!${letter}$2:${letter}${len(values) + 1}"
    lists.sheet_state = "hidden"

    def validate(header: str, ref: str, message: str) -> None:
        col = get_column_letter(headers.index(header) + 1)
        dv = DataValidation(type="list", formula1=ref, allow_blank=True, showErrorMessage=True,
                            errorTitle="输入有误", error=message)
        dv.add(f"{col}2:{col}2000")
        ws.add_data_validation(dv)

    validate("项目", refs["项目"], "请从列表中选择项目")
    validate("组别", refs["组别"], "请从列表中选择组别")
    validate("民族", refs["民族"], "请从列表中选择民族")
    validate("性别", refs["性别"], "请选择男或女")
    validate("身份", refs["身份"], "请选择职工或学生")
    validate("技能等级", refs["技能等级"], "请从列表中选择技能等级")
    for header in ("是否从事本职业", "是否建档立卡贫困户", "是否曾获全国技术能手等称号"):
        validate(header, refs["是否"], "请选择是或否")
    # ID and phone numbers as text, or Excel turns them into 1.10105E+17.
    for header in ("身份证号码", "手机号码", "户籍县（区）代码", "贫困户编号"):
        col = get_column_letter(headers.index(header) + 1)
        for r in range(2, 2001):
            ws[f"{col}{r}"].number_format = "@"

    guide = wb.create_sheet("填写说明")
    for line in [
        "每行一名选手。带下拉箭头的列请从列表中选择。",
        "身份证号码18位，最后一位可以是X；手机号码11位。",
        "户籍县（区）代码为6位行政区划代码，如 450225（融水苗族自治县）。",
        "不要合并单元格，不要修改第一行标题。",
    ]:
        guide.append([line])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _yes(value: str, column: str, row: int, errors: list) -> bool:
    if value in (YES, "Y", "y", "1", "true", "TRUE"):
        return True
    if value in (NO, "", "N", "n", "0", "false", "FALSE"):
        return False
    errors.append((row, column, Msg("应填“{yes}”或“{no}”", yes=YES, no=NO)))
    return False


def parse(data: bytes, with_delegation: bool = False) -> ParsedSheet:
    """Read an uploaded workbook into rows; report structural problems and per-cell format problems."""
    result = ParsedSheet()
    try:
        wb = load_workbook(io.BytesIO(data), data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        result.errors.append((None, "", Msg("文件不是有效的 Excel 工作簿（.xlsx），请使用下载的模板")))
        return result
    ws = wb["报名表"] if "报名表" in wb.sheetnames else wb.worksheets[0]
    if ws.merged_cells.ranges:
        cells = joined(str(r) for r in list(ws.merged_cells.ranges)[:5])
        result.errors.append((None, "", Msg("表格中有合并的单元格（{cells}），请取消合并后再上传", cells=cells)))
        return result
    header_row = [_text(c.value) for c in next(ws.iter_rows(min_row=1, max_row=1), [])]
    wanted = [h for h, _k, required in COLUMNS if required] + ([DELEGATION_COLUMN] if with_delegation else [])
    missing = [h for h in wanted if h not in header_row]
    if missing:
        # The names are the template's (Chinese) headers, as the person sees them in the file.
        result.errors.append((None, "", Msg("缺少这些列：{columns}。请使用下载的模板", columns="、".join(missing))))
        return result
    index = {h: header_row.index(h) for h in header_row if h}
    for row_no, cells in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        values = {h: _text(cells[i]) if i < len(cells) else "" for h, i in index.items()}
        if not any(values.values()):
            continue
        errors: list = []
        sex = {"男": "M", "女": "F", "M": "M", "F": "F"}.get(values.get("性别", ""), "")
        if not sex:
            errors.append((row_no, "性别", Msg("应填“男”或“女”")))
        category = {v: k for k, v in CATEGORIES.items()}.get(values.get("身份", ""), "")
        if not category:
            errors.append((row_no, "身份", Msg("应填“职工”或“学生”")))
        entry = PersonEntry(
            name=values.get("姓名", ""), id_number=values.get("身份证号码", ""), sex=sex,
            ethnic=values.get("民族", ""), mobile=values.get("手机号码", ""),
            county_code=values.get("户籍县（区）代码", ""), employer=values.get("工作单位或学校", ""),
            skill_level=values.get("技能等级", ""), category=category or "employee",
            works_in_occupation=_yes(values.get("是否从事本职业", ""), "是否从事本职业", row_no, errors),
            poor_household=_yes(values.get("是否建档立卡贫困户", ""), "是否建档立卡贫困户", row_no, errors),
            household_number=values.get("贫困户编号", ""),
            previous_title_holder=_yes(values.get("是否曾获全国技术能手等称号", ""), "是否曾获全国技术能手等称号",
                                       row_no, errors),
        )
        result.errors.extend(errors)
        result.rows.append(ImportRow(row_no, entry, values.get("项目", ""), values.get("组别", ""),
                                     values.get(DELEGATION_COLUMN, "")))
    if not result.rows and not result.errors:
        result.errors.append((None, "", Msg("表格中没有选手数据")))
    return result


EXPORT_HEADERS = ["代表团", "项目", "组别", "姓名", "性别", "民族", "出生日期", "身份证号码", "手机号码", "户籍地",
                  "52个未摘帽县", "三区三州", "身份", "工作单位或学校", "技能等级", "建档立卡贫困户", "状态", "原因"]


def export_registrations(regs, full: bool) -> bytes:
    from contests.idnumber import mask_id, mask_phone
    from contests.services import STATUS_LABELS

    wb = Workbook()
    ws = wb.active
    ws.title = "报名名单"
    ws.append(EXPORT_HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in regs:
        place = regions.lookup(r.county_code)
        group = ethnic.find_ethnic_group(r.ethnic_code)
        ws.append([safe_cell(v) for v in [
            r.delegation.name, r.event.name, r.group.name, r.name, "男" if r.sex == "M" else "女",
            group.name if group else "", r.birth_date.isoformat(),
            r.id_number if full else mask_id(r.id_number), r.mobile if full else mask_phone(r.mobile),
            place.display if place else r.county_code,
            YES if regions.is_unlifted_52(r.county_code) else NO,
            YES if regions.in_sanqu_sanzhou(r.county_code) else NO,
            CATEGORIES.get(r.category, r.category), r.employer, r.skill_level, YES if r.poor_household else NO,
            STATUS_LABELS.get(r.status, r.status), r.status_reason,
        ]])
    for cell in ws["H"] + ws["I"]:
        cell.number_format = "@"
    for i in range(1, len(EXPORT_HEADERS) + 1):
        ws.column_dimensions[get_column_letter(i)].width = 14
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def table_workbook(sheets: dict[str, list[list]]) -> bytes:
    """A workbook of simple tables (statistics): {sheet title: rows, first row the header}."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title[:31])
        for row in rows:
            ws.append([safe_cell(v) for v in row])
        for cell in ws[1]:
            cell.font = Font(bold=True)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
