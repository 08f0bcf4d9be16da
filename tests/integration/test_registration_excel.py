"""Bulk entry from Excel: the template, the all-or-nothing import with row/column errors, the command, and the
organiser's lists, exports and statistics."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.audit import AuditEntry
from app.extensions import db
from contests.excel import COLUMNS
from contests.models import Registration
from tests.support.registration import count_registrations, gx, person_id
from tests.support.web import csrf_token, login, post_form

HEADERS = [h for h, _k, _r in COLUMNS]


def row(name="韦国强", id_number=None, event="电工", group="职工组", **over):
    values = {"姓名": name, "身份证号码": id_number or person_id(1, sex="M"), "性别": "男", "民族": "壮族",
              "手机号码": "13907721234", "户籍县（区）代码": "450202", "工作单位或学校": "柳州钢铁集团",
              "技能等级": "三级/高级工", "身份": "职工", "项目": event, "组别": group, "是否从事本职业": "是",
              "是否建档立卡贫困户": "否", "贫困户编号": "", "是否曾获全国技术能手等称号": "否"}
    values.update(over)
    return values


def workbook(rows, headers=HEADERS, merge=None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "报名表"
    ws.append(headers)
    for r in rows:
        ws.append([r.get(h, "") for h in headers])
    if merge:
        ws.merge_cells(merge)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(client, data: bytes, confirm=False):
    fields = {"file": (io.BytesIO(data), "名单.xlsx"), "csrf_token": csrf_token(client, "/contests/delegation/import")}
    fields["confirm" if confirm else "preview"] = "1"
    return client.post("/contests/delegation/import", data=fields, content_type="multipart/form-data")


@pytest.fixture
def leader(demo, client):
    login(client, "gx-deleg-4502")
    return client


def test_template_has_chinese_headers_and_drop_downs(leader):
    r = leader.get("/contests/delegation/template.xlsx")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    wb = load_workbook(io.BytesIO(r.data))
    ws = wb["报名表"]
    assert [c.value for c in ws[1]] == HEADERS
    formulas = [dv.formula1 for dv in ws.data_validations.dataValidation]
    assert len(formulas) >= 8 and all("选项" in f for f in formulas)
    options = wb["选项"]
    assert "电工" in [c.value for c in options["A"]] and "壮族" in [c.value for c in options["C"]]
    assert wb["选项"].sheet_state == "hidden"


def test_preview_then_import(leader):
    data = workbook([row(), row(name="阿牛木呷", id_number=person_id(2, sex="F"), 性别="女", 民族="彝族",
                                event="焊工", group="学生组", 身份="学生", 是否从事本职业="否")])
    before = count_registrations()
    r = upload(leader, data)
    page = r.get_data(as_text=True)
    assert "检查通过：2 名选手可以导入" in page and "阿牛木呷" in page
    assert count_registrations() == before  # a preview writes nothing
    r = upload(leader, data, confirm=True)
    assert r.status_code == 302
    assert count_registrations() == before + 2
    reg = db.session.scalar(select(Registration).where(Registration.name == "阿牛木呷"))
    assert reg.status == "submitted" and reg.source == "import" and reg.delegation.code == "4502"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "registrations_imported"))


def test_errors_by_row_and_column_and_nothing_imported(leader):
    dup = person_id(3, sex="M")
    data = workbook([
        row(id_number=dup),
        row(id_number=dup, name="黄志强"),  # the same person twice for one event
        row(id_number=_wrong_check_digit(person_id(4, sex="M"))),
        row(id_number=person_id(5, sex="M"), 性别="女"),
        row(id_number=person_id(6, sex="M"), 项目="跳舞"),
        row(id_number=person_id(8, sex="M"), 姓名="<script>alert(1)</script>"),
        row(id_number=person_id(9, sex="M"), 手机号码="=HYPERLINK(\"http://x\")"),
    ])
    before = count_registrations()
    r = upload(leader, data, confirm=True)
    page = r.get_data(as_text=True)
    assert count_registrations() == before
    assert "未导入任何数据" in page
    for expected in ("与第2行重复", "校验位不正确", "性别与身份证号码不一致", "本比赛没有“跳舞”项目", "手机号码"):
        assert expected in page, expected
    assert "<td>3</td><td>身份证号码</td>" in page  # row 3, column 身份证号码
    assert "<script>alert(1)</script>" not in page


def _wrong_check_digit(good: str) -> str:
    return good[:17] + ("0" if good[17] != "0" else "1")


def test_duplicate_against_the_database(leader):
    data = workbook([row(id_number=person_id(11, sex="M"))])
    upload(leader, data, confirm=True)
    r = upload(leader, data)
    assert "此人已报名本项目" in r.get_data(as_text=True)


def test_missing_columns(leader):
    r = upload(leader, workbook([row()], headers=HEADERS[:3]))
    page = r.get_data(as_text=True)
    assert "缺少这些列" in page and "民族" in page


def test_merged_cells(leader):
    r = upload(leader, workbook([row(), row(id_number=person_id(12, sex="M"))], merge="A2:A3"))
    assert "合并的单元格" in r.get_data(as_text=True)


def test_not_a_workbook(leader):
    r = upload(leader, b"MZ\x90\x00 this is an executable")
    assert "不是有效的 Excel 工作簿" in r.get_data(as_text=True)


def test_command_line_import(demo, tmp_path, app):
    path = tmp_path / "gx.xlsx"
    path.write_bytes(_with_delegation([row(id_number=person_id(21, sex="M")), row(id_number=person_id(22, sex="M"))]))
    runner = app.test_cli_runner()
    before = count_registrations()
    dry = runner.invoke(args=["registrations", "import", str(path), "--contest", "GX2027", "--dry-run"])
    assert dry.exit_code == 0 and "检查通过：2 名选手可以导入" in dry.output
    assert count_registrations() == before
    done = runner.invoke(args=["registrations", "import", str(path), "--contest", "GX2027"])
    assert done.exit_code == 0 and "已导入 2 名选手" in done.output
    assert count_registrations() == before + 2
    bad = runner.invoke(args=["registrations", "import", str(path), "--contest", "GX2027"])
    assert bad.exit_code != 0 and "此人已报名本项目" in bad.output


def _with_delegation(rows):
    headers = ["代表团", *HEADERS]
    return workbook([{**r, "代表团": "柳州市代表团"} for r in rows], headers=headers)


# -- organiser -------------------------------------------------------------------------------------

@pytest.fixture
def organiser(demo, client):
    login(client, "gx-organiser")
    return client


def test_organiser_lists_counts_and_filters(organiser):
    page = organiser.get("/contests/GX2027/registrations").get_data(as_text=True)
    assert "各项目报名人数" in page and "电工·职工组" in page
    assert "少于最低参赛人数30人" in page  # the minimum field size warning
    filtered = organiser.get("/contests/GX2027/registrations?status=confirmed").get_data(as_text=True)
    assert "没有符合条件的报名" in filtered


def test_organiser_confirms_in_bulk(organiser, app):
    regs = db.session.scalars(select(Registration).where(Registration.contest_id == gx().id)).all()
    leader = app.test_client()
    login(leader, "gx-deleg-4502")
    post_form(leader, "/contests/delegation/approve", {"ids": [str(r.id) for r in regs]},
              form_page="/contests/delegation")
    r = post_form(organiser, "/contests/GX2027/registrations/confirm", {"ids": [str(r.id) for r in regs]},
                  form_page="/contests/GX2027/registrations")
    assert "已确认" in organiser.get(r.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    confirmed = db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.contest_id == gx().id, Registration.status == "confirmed"))
    assert confirmed >= 1


def test_export_masks_unless_full_is_asked_and_audited(organiser):
    reg = db.session.scalars(select(Registration).where(Registration.contest_id == gx().id)).first()
    masked = load_workbook(io.BytesIO(organiser.get("/contests/GX2027/registrations.xlsx").data)).active
    ids = [c.value for c in masked["H"]][1:]
    assert reg.id_number not in ids and any(i.startswith(reg.id_number[:6] + "********") for i in ids)
    full = load_workbook(io.BytesIO(organiser.get("/contests/GX2027/registrations.xlsx?full=1").data)).active
    assert reg.id_number in [c.value for c in full["H"]]
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "registrations_exported_full"))


def test_export_neutralises_formulas(organiser):
    reg = db.session.scalars(select(Registration).where(Registration.contest_id == gx().id)).first()
    reg.employer = "=cmd|' /C calc'!A0"
    db.session.commit()
    ws = load_workbook(io.BytesIO(organiser.get("/contests/GX2027/registrations.xlsx").data)).active
    cells = [c for row in ws.iter_rows() for c in row if c.value and "cmd" in str(c.value)]
    assert cells and all(c.data_type == "s" and str(c.value).startswith("'=") for c in cells)


def test_statistics_page_and_excel(demo, client):
    login(client, "organiser")
    page = client.get("/contests/FP2020/statistics").get_data(as_text=True)
    assert "来自52个未摘帽县" in page and "来自三区三州" in page and "按年龄和性别" in page
    wb = load_workbook(io.BytesIO(client.get("/contests/FP2020/statistics.xlsx").data))
    assert wb.sheetnames == ["总体", "按代表团", "按项目", "按身份", "按年龄和性别"]
    assert wb["总体"]["B2"].value == db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.contest.has(code="FP2020"), Registration.status.in_(("approved", "confirmed"))))
