"""A contestant registers on a 375×667 phone; a delegation organiser imports an Excel file on a tablet."""

from __future__ import annotations

from app.demo import DEMO_PASSWORD
from tests.integration.test_registration_excel import row, workbook


def _gx_ids(live_app):
    from contests.idnumber import make_id_number
    from tests.support.registration import gx, years_before

    with live_app.app_context():
        contest = gx()
        return contest.code, contest.starts_on, make_id_number("450202", years_before(contest.starts_on, 24), 31, "F")


def test_contestant_registers_on_a_phone(live_server, live_app, phone, tmp_path):
    code, _day, id_number = _gx_ids(live_app)
    from tests.support.registration import photo_bytes

    photo = tmp_path / "photo.jpg"
    photo.write_bytes(photo_bytes())
    p = phone
    p.goto(live_server + "/contests/signup")
    p.get_by_label("手机号码（登录用）").fill("13907729999")
    p.get_by_label("姓名").fill("阿卜杜热依木·艾买提")
    p.get_by_label("密码", exact=True).fill("Kashgar-2027")
    p.get_by_label("再次输入密码").fill("Kashgar-2027")
    p.get_by_role("button", name="注册").click()
    p.wait_for_url("**/contests/")
    p.goto(f"{live_server}/contests/{code}/register")
    assert p.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling on a phone
    p.get_by_label("身份证号码").fill(id_number)
    p.get_by_label("女").check()
    p.get_by_label("民族").select_option(label="维吾尔族")
    p.get_by_label("户籍所在省").select_option("45")
    p.locator("#city option").nth(1).wait_for(state="attached")  # filled by the page's script
    p.get_by_label("市（州）").select_option("4502")
    p.locator("#county_code option").nth(1).wait_for(state="attached")
    p.get_by_label("县（区）").select_option("450202")
    p.get_by_label("工作单位或学校").fill("柳州市第一职业技术学校")
    p.get_by_label("参赛项目和组别").select_option(label="电工 · 职工组")
    p.get_by_label("证件照（竖版，白底或蓝底）").set_input_files(str(photo))
    p.screenshot(path=str(tmp_path / "phone-form.png"), full_page=True)
    p.get_by_role("button", name="提交报名").click()
    p.wait_for_url("**/contests/registrations/*")
    assert "已提交" in p.locator("h1").inner_text()
    assert "阿卜杜热依木·艾买提" in p.locator("h1").inner_text()
    assert p.locator("img.photo-thumb").count() == 1


def test_contestant_sees_field_errors_on_a_phone(live_server, live_app, phone):
    code, _day, id_number = _gx_ids(live_app)
    p = phone
    p.goto(live_server + "/contests/signup")
    p.get_by_label("手机号码（登录用）").fill("13907729998")
    p.get_by_label("姓名").fill("扎西次仁")
    p.get_by_label("密码", exact=True).fill("Lhasa-2027-ok")
    p.get_by_label("再次输入密码").fill("Lhasa-2027-ok")
    p.get_by_role("button", name="注册").click()
    p.wait_for_url("**/contests/")
    p.goto(f"{live_server}/contests/{code}/register")
    p.get_by_label("身份证号码").fill(id_number[:17] + ("0" if id_number[17] != "0" else "1"))
    p.get_by_role("button", name="提交报名").click()
    assert "校验位不正确" in p.locator("#id_number-error").inner_text()
    assert p.locator("#id_number").get_attribute("aria-invalid") == "true"


def test_delegation_imports_excel(live_server, live_app, tablet, tmp_path):
    from tests.support.registration import person_id

    with live_app.app_context():
        rows = [row(name="韦国强", id_number=person_id(41, sex="M")),
                row(name="蓝秀英", id_number=person_id(42, sex="F"), 性别="女", 民族="瑶族")]
    path = tmp_path / "名单.xlsx"
    path.write_bytes(workbook(rows))
    t = tablet
    t.goto(live_server + "/login")
    t.get_by_label("用户名").fill("gx-deleg-4502")
    t.get_by_label("密码").fill(DEMO_PASSWORD)
    t.get_by_role("button", name="登录").click()
    t.goto(live_server + "/contests/delegation/import")
    t.get_by_label("Excel 文件（.xlsx）").set_input_files(str(path))
    t.get_by_role("button", name="预览检查").click()
    assert "检查通过：2 名选手可以导入" in t.locator("h2").inner_text()
    t.get_by_label("Excel 文件（.xlsx）").set_input_files(str(path))
    t.get_by_role("button", name="确认导入（请重新选择同一文件）").click()
    t.wait_for_url("**/contests/delegation")
    assert "已导入 2 名选手" in t.locator(".flash").first.inner_text()
    assert t.get_by_role("link", name="蓝秀英").count() == 1
