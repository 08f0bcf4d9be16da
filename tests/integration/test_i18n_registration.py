"""Registration in English: messages worded by the rules core and the services follow the reader's language
(the ``lang`` cookie), and Chinese, the default, is unchanged."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from app.extensions import db
from contests.excel import COLUMNS
from contests.models import Delegation, Registration
from tests.support.registration import form_values, gx, person_id, photo_bytes
from tests.support.web import csrf_token, login, post_form


def page(r) -> str:
    return r.get_data(as_text=True)


def in_english(client):
    client.set_cookie("lang", "en")
    return client


def _wrong_check_digit(good: str) -> str:
    return good[:17] + ("0" if good[17] != "0" else "1")


# -- the contestant's form ---------------------------------------------------------------------------

@pytest.fixture
def contestant(demo, client):
    r = post_form(client, "/contests/signup", {"mobile": "13907720001", "display_name": "覃海燕",
                                               "password": "Liuzhou-2027", "repeat": "Liuzhou-2027"})
    assert r.status_code == 302
    return client


def register(client, files=None, **over):
    data = form_values(**over)
    data["submit"] = "1"
    data["csrf_token"] = csrf_token(client, f"/contests/{gx().code}/register")
    data.update(files or {})
    return client.post(f"/contests/{gx().code}/register", data=data, content_type="multipart/form-data")


def test_id_number_errors_in_english(contestant):
    in_english(contestant)
    r = register(contestant, id_number=_wrong_check_digit(person_id(7, sex="F")))
    html = page(r)
    assert r.status_code == 422
    assert "The check digit of the ID number is wrong; please check the number" in html
    assert "The registration has errors; please correct them as indicated" in html  # the flash
    assert "校验位" not in html and "报名信息有误" not in html

    html = page(register(contestant, id_number=person_id(7, sex="F")[:17]))
    assert "The ID number must have 18 characters (it has 17); the last one may be a digit or X" in html


def test_a_message_inside_a_message_is_translated_too(contestant):
    in_english(contestant)
    html = page(register(contestant, sex="M"))  # the ID number says female
    assert "The sex does not match the ID number (its 17th digit means Female)" in html
    assert "第17位" not in html and "表示女" not in html


def test_upload_refusal_in_english(contestant):
    in_english(contestant)
    r = register(contestant, files={"photo": (io.BytesIO(photo_bytes((100, 130))), "tiny.jpg")})
    html = page(r)
    assert r.status_code == 422
    assert "The photo is too small (100×130 pixels); it needs at least 260×320 pixels" in html
    assert "照片太小" not in html


def test_chinese_stays_the_default_on_the_form(contestant):
    r = register(contestant, id_number=_wrong_check_digit(person_id(7, sex="F")))
    html = page(r)
    assert "身份证号码校验位不正确，请核对" in html and "报名信息有误，请按提示修改" in html
    assert "check digit" not in html


# -- review: status labels and refusals ----------------------------------------------------------------

def _submitted(n: int) -> list[Registration]:
    """n registrations of GX2027's 焊工·职工组 (a quota of 2 per delegation), entered by the organiser."""
    from app.models import User
    from contests import services
    from contests.registration import PersonEntry

    contest = gx()
    delegation = db.session.scalar(select(Delegation).where(Delegation.contest_id == contest.id,
                                                            Delegation.code == "4502"))
    organiser = db.session.scalar(select(User).where(User.username == "gx-organiser"))
    event = contest.events[1]
    group = event.groups[0]
    out = []
    for i in range(n):
        values = form_values(id_number=person_id(300 + i, sex="M"), sex="M", name="韦国强",
                             category=group.code, mobile=f"1390773{i:04d}")
        values["works_in_occupation"] = True
        entry = PersonEntry(**{k: v for k, v in values.items() if k in PersonEntry.__dataclass_fields__})
        out.append(services.save(organiser, contest, delegation, event, group, entry, submit=True))
    db.session.commit()
    return out


def act(client, reg, action, reason=""):
    return post_form(client, f"/contests/registrations/{reg.id}/{action}", {"reason": reason},
                     form_page=f"/contests/registrations/{reg.id}")


def test_quota_refusal_flash_in_english(demo, client):
    regs = _submitted(3)
    login(in_english(client), "gx-deleg-4502")
    for reg in regs[:2]:
        act(client, reg, "approve")
    r = act(client, regs[2], "approve")
    html = page(client.get(r.headers["Location"]))
    assert "The quota of 柳州市代表团 for &#34;焊工·职工组&#34; is 2, and 2 are already approved; " \
           "no more can be approved" in html
    assert "名额为2人" not in html


def test_bulk_refusals_name_the_person_in_english(demo, client):
    regs = _submitted(3)
    login(in_english(client), "gx-deleg-4502")
    r = post_form(client, "/contests/delegation/approve", {"ids": [str(r.id) for r in regs]},
                  form_page="/contests/delegation")
    html = page(client.get(r.headers["Location"]))
    assert "2 approved." in html
    assert "韦国强: The quota of 柳州市代表团" in html and "不能再批准" not in html


def test_status_labels_and_actions_in_english(demo, client):
    (reg,) = _submitted(1)
    login(in_english(client), "gx-deleg-4502")
    r = act(client, reg, "approve")
    html = page(client.get(r.headers["Location"]))
    assert "Done: Approve." in html  # the flash names the action
    html = page(client.get(f"/contests/registrations/{reg.id}"))
    steps = html.split('<ol class="steps">')[1].split("</ol>")[0]
    assert "Submitted" in steps and "Approved by delegation" in steps  # the services' status labels
    assert "代表团已审核" not in html and "已提交" not in html
    assert ">Withdraw</button>" in html  # an action label

    r = act(client, reg, "confirm")  # a delegation cannot confirm
    html = page(client.get(r.headers["Location"]))
    assert "Not possible while the status is &#34;Approved by delegation&#34;: Confirm" in html


def test_status_labels_stay_chinese_by_default(demo, client):
    (reg,) = _submitted(1)
    login(client, "gx-deleg-4502")
    act(client, reg, "approve")
    html = page(client.get(f"/contests/registrations/{reg.id}"))
    steps = html.split('<ol class="steps">')[1].split("</ol>")[0]
    assert "已提交" in steps and "代表团已审核" in steps and "Approved" not in html


# -- the Excel import -----------------------------------------------------------------------------------

HEADERS = [h for h, _k, _r in COLUMNS]


def _row(**over):
    values = {"姓名": "韦国强", "身份证号码": person_id(1, sex="M"), "性别": "男", "民族": "壮族",
              "手机号码": "13907721234", "户籍县（区）代码": "450202", "工作单位或学校": "柳州钢铁集团",
              "技能等级": "三级/高级工", "身份": "职工", "项目": "电工", "组别": "职工组", "是否从事本职业": "是",
              "是否建档立卡贫困户": "否", "贫困户编号": "", "是否曾获全国技术能手等称号": "否"}
    values.update(over)
    return values


def _upload(client, rows) -> str:
    wb = Workbook()
    ws = wb.active
    ws.title = "报名表"
    ws.append(HEADERS)
    for r in rows:
        ws.append([r.get(h, "") for h in HEADERS])
    out = io.BytesIO()
    wb.save(out)
    fields = {"file": (io.BytesIO(out.getvalue()), "名单.xlsx"), "preview": "1",
              "csrf_token": csrf_token(client, "/contests/delegation/import")}
    return page(client.post("/contests/delegation/import", data=fields, content_type="multipart/form-data"))


def bad_rows() -> list[dict]:
    return [
        _row(身份证号码=_wrong_check_digit(person_id(4, sex="M"))),
        _row(身份证号码=person_id(5, sex="M"), 项目="跳舞"),
        _row(身份证号码=person_id(6, sex="M"), 是否从事本职业="也许"),
    ]


def test_import_row_errors_in_english(demo, client):
    login(in_english(client), "gx-deleg-4502")
    html = _upload(client, bad_rows())
    assert "4 errors found; nothing was imported" in html  # 也许 is neither yes nor no, so also "not working"
    # row 2, the template's (Chinese) column, the message in English
    assert "<td>2</td><td>身份证号码</td><td>The check digit of the ID number is wrong; please check the number</td>" \
        in html
    assert "This contest has no event &#34;跳舞&#34;" in html
    assert "Enter &#34;是&#34; (yes) or &#34;否&#34; (no)" in html
    assert "校验位" not in html and "本比赛没有" not in html and "应填" not in html


def test_import_row_errors_in_chinese_by_default(demo, client):
    login(client, "gx-deleg-4502")
    html = _upload(client, bad_rows())
    assert "<td>2</td><td>身份证号码</td><td>身份证号码校验位不正确，请核对</td>" in html
    assert "本比赛没有“跳舞”项目" in html and "应填“是”或“否”" in html
    assert "check digit" not in html


# -- JSON and messages built outside a page -------------------------------------------------------------

def test_api_errors_follow_the_language(demo, client):
    assert client.get("/api/v1/results/NOPE").json["message"] == "没有这个比赛"
    assert in_english(client).get("/api/v1/results/NOPE").json["message"] == "No such contest"


def test_registration_window_refusal_in_english(demo, app):
    from datetime import datetime

    from app.i18n import translate
    from contests.services import RegistrationRefused, _check_window

    contest = gx()
    contest.registration_opens, contest.registration_closes = datetime(2020, 1, 2), datetime(2020, 3, 4)

    class Contestant:
        from app.roles import Role

        role_enum = Role.CONTESTANT

    with pytest.raises(RegistrationRefused) as refused:
        _check_window(contest, Contestant())
    message = refused.value.message
    assert message == "报名时间为 2020年1月2日 至 2020年3月4日，现在不在报名时间内"  # Chinese, as before
    with app.test_request_context(headers={"Cookie": "lang=en"}):
        assert translate(message) == "Registration is open from 2020-01-02 to 2020-03-04; it is not open now"
    db.session.rollback()


def test_statistics_labels_in_english(demo, client):
    from app.models import User
    from contests.services import transition

    (reg,) = _submitted(1)
    transition(db.session.scalar(select(User).where(User.username == "gx-organiser")), reg, "approve")
    db.session.commit()
    login(in_english(client), "gx-organiser")
    html = page(client.get(f"/contests/{gx().code}/statistics"))
    assert "51 and over" in html and "16–20" in html  # the age bands
    assert "<td>Employee</td>" in html  # the category table
    assert "岁" not in html and "<td>职工</td>" not in html
    login(chinese := client.application.test_client(), "gx-organiser")
    html = page(chinese.get(f"/contests/{gx().code}/statistics"))
    assert "51岁以上" in html and "<td>职工</td>" in html
