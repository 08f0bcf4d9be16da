"""Contestants register on their phones: every field's bad values get their own Chinese message, and
nothing partial is saved."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.audit import AuditEntry
from app.extensions import db
from app.models import User
from contests.models import Registration
from tests.support.registration import (
    count_registrations,
    form_values,
    gx,
    person_id,
    photo_bytes,
    years_before,
)
from tests.support.web import csrf_token, post_form


@pytest.fixture
def contestant(demo, client):
    r = post_form(client, "/contests/signup", {"mobile": "13907720001", "display_name": "覃海燕",
                                               "password": "Liuzhou-2027", "repeat": "Liuzhou-2027"})
    assert r.status_code == 302
    return client


def register(client, submit=True, files=None, **over):
    data = form_values(**over)
    data["submit" if submit else "save"] = "1"
    data["csrf_token"] = csrf_token(client, f"/contests/{gx().code}/register")
    for key, value in (files or {}).items():
        data[key] = value
    return client.post(f"/contests/{gx().code}/register", data=data, content_type="multipart/form-data")


def page(r) -> str:
    return r.get_data(as_text=True)


def test_signup_logs_in_as_contestant(contestant):
    user = db.session.scalar(select(User).where(User.username == "13907720001"))
    assert user.role == "contestant" and user.display_name == "覃海燕"
    assert "比赛报名" in page(contestant.get("/contests/"))


@pytest.mark.parametrize("mobile,password,message", [
    ("1390772000", "Liuzhou-2027", "手机号码"),
    ("13907720001", "12345678", "至少需要10个字符"),
])
def test_signup_refusals(demo, client, mobile, password, message):
    r = post_form(client, "/contests/signup", {"mobile": mobile, "display_name": "某某", "password": password,
                                               "repeat": password})
    assert r.status_code == 200 and message in page(r)
    assert db.session.scalar(select(User).where(User.username == mobile)) is None


def test_signup_twice_with_one_mobile(contestant, app):
    other = app.test_client()
    r = post_form(other, "/contests/signup", {"mobile": "13907720001", "display_name": "某某",
                                              "password": "Liuzhou-2027", "repeat": "Liuzhou-2027"})
    assert "已经注册" in page(r)


def test_submit_a_registration(contestant):
    r = register(contestant)
    assert r.status_code == 302
    reg = db.session.scalar(select(Registration).where(Registration.mobile == "13907720001"))
    assert reg.status == "submitted" and reg.sex == "F" and reg.delegation.code == "4502"
    assert [s.to_status for s in reg.steps] == ["submitted"]
    detail = page(contestant.get(r.headers["Location"]))
    assert "已提交" in detail and "柳州市代表团" in detail
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "registration_submit")) is not None


def test_save_as_draft_then_submit(contestant):
    assert register(contestant, submit=False).status_code == 302
    reg = db.session.scalar(select(Registration).where(Registration.mobile == "13907720001"))
    assert reg.status == "draft"
    r = post_form(contestant, f"/contests/registrations/{reg.id}/submit", {},
                  form_page=f"/contests/registrations/{reg.id}")
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Registration, reg.id).status == "submitted"


def _birthday_cases():
    def on(): return gx().starts_on
    return [
        # (description, id factory, expected message or None)
        ("one day short of 16", lambda: _id_born(years_before(on(), 16) + timedelta(days=1)), "低于最低年龄16周岁"),
        ("16 on the contest day", lambda: _id_born(years_before(on(), 16)), None),
        ("60 the day before", lambda: _id_born(years_before(on(), 61) + timedelta(days=1)), None),
        ("61 on the contest day", lambda: _id_born(years_before(on(), 61)), "超过最高年龄60周岁"),
    ]


def _id_born(day):
    from contests.idnumber import make_id_number

    return make_id_number("450202", day, 5, "F")


@pytest.mark.parametrize("case", range(4), ids=[c[0] for c in _birthday_cases()])
def test_age_limits_around_birthdays(contestant, case):
    _desc, make, message = _birthday_cases()[case]
    before = count_registrations()
    r = register(contestant, id_number=make())
    if message is None:
        assert r.status_code == 302
    else:
        assert r.status_code == 422 and message in page(r)
        assert count_registrations() == before


def _wrong_check_digit():
    good = person_id(3, sex="F")
    return good[:17] + ("0" if good[17] != "0" else "1")


@pytest.mark.parametrize("field,value,message", [
    ("id_number", "wrong", "身份证号码应为18位"),
    ("id_number", "450202950501123", "15位旧身份证号码"),
    ("id_number", "check-digit", "校验位不正确"),
    ("id_number", "45020220010230012X", "不存在"),
    ("sex", "M", "性别与身份证号码不一致"),
    ("mobile", "12345", "手机号码"),
    ("county_code", "", "请选择户籍所在的省、市、县（区）"),
    ("name", "<script>alert(1)</script>", "姓名"),
    ("name", "{{7*7}}", "姓名"),
    ("name", "阿" * 31, "30"),
    ("ethnic", "", "请选择民族"),
    ("employer", "", "请填写工作单位或学校"),
    ("event_group", "", "请选择参赛项目和组别"),
    ("category", "student", "只接受职工"),
])
def test_bad_values_get_their_own_message(contestant, field, value, message):
    if value == "check-digit":
        value = _wrong_check_digit()
    before = count_registrations()
    r = register(contestant, **{field: value})
    assert r.status_code == 422
    html = page(r)
    assert message in html
    # the message stands next to its field
    assert re.search(rf'id="{field}-error"[^>]*>[^<]*', html) or field in ("event_group",)
    assert "<script>alert(1)</script>" not in html
    assert count_registrations() == before


def test_minority_name_with_middle_dot_and_rare_character(contestant):
    assert register(contestant, name="阿卜杜热依木•艾买提").status_code == 302
    reg = db.session.scalar(select(Registration).where(Registration.mobile == "13907720001"))
    assert reg.name == "阿卜杜热依木·艾买提"  # the look-alike dot is normalised


def test_rare_character_name(contestant):
    assert register(contestant, name="𠮷野家").status_code == 302


def test_one_registration_per_person_and_event(contestant, app):
    assert register(contestant).status_code == 302
    second = app.test_client()
    post_form(second, "/contests/signup", {"mobile": "13907720002", "display_name": "覃海燕",
                                           "password": "Liuzhou-2027", "repeat": "Liuzhou-2027"})
    r = register(second, mobile="13907720002")
    assert r.status_code == 422 and "不能重复报名" in page(r)


# -- uploads -------------------------------------------------------------------------------------------

def test_photo_is_re_encoded_without_metadata(contestant, app):
    r = register(contestant, files={"photo": (io.BytesIO(photo_bytes(exif=True)), "me.jpg")})
    assert r.status_code == 302
    reg = db.session.scalar(select(Registration).where(Registration.mobile == "13907720001"))
    stored = contestant.get(f"/contests/registrations/{reg.id}/photo")
    assert stored.status_code == 200 and stored.data[:2] == b"\xff\xd8"
    assert b"SecretCam" not in stored.data


@pytest.mark.parametrize("payload,name,message", [
    (b"MZ\x90\x00" + b"\x00" * 2000, "photo.jpg", "不是有效的图片"),
    (b"\x7fELF" + b"\x00" * 2000, "photo.jpg", "不是有效的图片"),
    ("small", "tiny.jpg", "照片太小"),
    ("landscape", "wide.jpg", "竖版证件照"),
    ("gif", "anim.jpg", "只接受 JPG、PNG"),
])
def test_bad_photos_are_refused(contestant, payload, name, message):
    if payload == "small":
        payload = photo_bytes((100, 130))
    elif payload == "landscape":
        payload = photo_bytes((600, 400))
    elif payload == "gif":
        payload = photo_bytes((360, 480), fmt="GIF")
    before = count_registrations()
    r = register(contestant, files={"photo": (io.BytesIO(payload), name)})
    assert r.status_code == 422 and message in page(r)
    assert count_registrations() == before


def test_thirty_megabyte_photo_is_refused(contestant):
    r = register(contestant, files={"photo": (io.BytesIO(b"\xff\xd8" + b"0" * (30 * 1024 * 1024)), "big.jpg")})
    assert r.status_code == 413 and "上传内容太大" in page(r)


def test_pdf_proof_is_accepted(contestant):
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    r = register(contestant, poor_household="y", household_number="4502021234",
                 files={"poverty_proof": (io.BytesIO(pdf), "proof.pdf")})
    assert r.status_code == 302
    reg = db.session.scalar(select(Registration).where(Registration.mobile == "13907720001"))
    assert reg.poverty_proof.endswith(".pdf")
    assert contestant.get(f"/contests/registrations/{reg.id}/proof").data == pdf


def test_pdf_with_script_is_refused(contestant):
    pdf = b"%PDF-1.4\n1 0 obj<</OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj\n%%EOF\n"
    r = register(contestant, files={"poverty_proof": (io.BytesIO(pdf), "proof.pdf")})
    assert r.status_code == 422 and "含有脚本" in page(r)


def test_poverty_contest_needs_household_proof(demo, client):
    """FP2020 requires registered-poor-household status: the rule speaks at the field."""
    from contests.registration import EventRules, PersonEntry, check_person

    fp_rules = EventRules(contest_date=gx().starts_on, min_age=16, max_age=None, poverty_required=True,
                          must_work_in_occupation=False, group_code="open")
    checked = check_person(PersonEntry(**{k: v for k, v in form_values().items() if k in (
        "name", "id_number", "sex", "mobile", "county_code", "employer")}, ethnic="08"), fp_rules)
    assert "建档立卡" in checked.errors["poor_household"]


def test_registration_closed_outside_window(demo, client):
    post_form(client, "/contests/signup", {"mobile": "13907720009", "display_name": "某某",
                                           "password": "Liuzhou-2027", "repeat": "Liuzhou-2027"})
    r = client.get("/contests/FP2020/register")
    assert r.status_code == 302
    assert "不在本比赛的报名时间内" in page(client.get(r.headers["Location"]))


def test_delegation_defaults_to_the_home_prefecture_and_choices_must_be_this_contests(contestant):
    """No delegation chosen: the one whose code the county starts with (the longest); none matches: the form
    asks for one. An event of another contest is not a choice here."""
    from contests.models import Contest

    before = count_registrations()
    r = register(contestant, county_code="450102", city="4501", id_number=person_id(11, sex="F"))
    assert r.status_code == 302
    reg = db.session.scalar(select(Registration).where(Registration.id_number == person_id(11, sex="F")))
    assert reg.delegation.code == "4501"

    r = register(contestant, province="11", city="1101", county_code="110101", id_number=person_id(12, sex="F"))
    assert r.status_code == 422 and "请选择代表团" in page(r)

    other = db.session.scalar(select(Contest).where(Contest.code == "FP2020"))
    foreign = f"{other.events[0].id}:{other.events[0].groups[0].id}"
    r = register(contestant, event_group=foreign, id_number=person_id(13, sex="F"))
    assert r.status_code == 422 and "请选择参赛项目和组别" in page(r)
    assert count_registrations() == before + 1
