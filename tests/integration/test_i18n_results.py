"""Results in English: badges, refusals, award settings, appeal deadlines, charts and Excel exports follow the
reader's language (the ``lang`` cookie), the public page cache serves both languages, and Chinese, the
default, is unchanged."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.models import User
from app.timeutil import utcnow
from contests.models import Contest, Event, Registration
from scoring import publication, results
from scoring.results_demo import confirm_and_decrypt, score_event
from scoring.results_models import ANNOUNCED
from tests.support.web import login, post_form


@pytest.fixture
def app_(demo):
    from scoring.results_views import bp

    if "results" not in demo.blueprints:
        demo.register_blueprint(bp)
    return demo


def in_english(client):
    client.set_cookie("lang", "en")
    return client


def page(r) -> str:
    return r.get_data(as_text=True)


def _event(code: str = "DG") -> Event:
    return db.session.scalar(select(Event).join(Contest).where(Contest.code == "FP2020", Event.code == code))


def _scored(event: Event) -> list[int]:
    regs = score_event(event, [70, 90, 80])
    results.recompute_event(event)
    db.session.commit()
    return regs


def _publish(event: Event) -> None:
    confirm_and_decrypt(event)
    organiser = db.session.scalar(select(User).where(User.username == "organiser"))
    publication.advance(event, ANNOUNCED, organiser)
    db.session.commit()


# -- the public pages ------------------------------------------------------------------------------------

def test_public_results_page_in_english_and_chinese_from_the_same_cache(app_):
    event = _event()
    _scored(event)
    _publish(event)
    publication.forget_local_cache()

    chinese = page(app_.test_client().get("/results/FP2020/DG"))  # fills the cache
    assert '<span class="badge">已公布</span>' in chinese
    assert "金牌" in chinese and "成绩分布" in chinese and "名次" in chinese

    hits = publication.stats["hits"]
    english = page(in_english(app_.test_client()).get("/results/FP2020/DG"))
    assert publication.stats["hits"] > hits  # the same cached rows …
    assert '<span class="badge">Announced</span>' in english  # … shown in the reader's language
    assert "Gold" in english and "Score distribution" in english and "Place" in english
    assert "已公布" not in english and "金牌" not in english and "成绩分布" not in english

    again = page(app_.test_client().get("/results/FP2020/DG"))
    assert '<span class="badge">已公布</span>' in again and "Announced" not in again  # the cache is not frozen

    contest = page(in_english(app_.test_client()).get("/results/FP2020"))
    assert '<span class="badge">Announced</span>' in contest and "Contest results" in contest


def test_charts_in_english(app_):
    event = _event()
    _scored(event)
    _publish(event)
    english = in_english(app_.test_client())
    medals = english.get("/results/FP2020/medals.svg").get_data(as_text=True)
    assert "pts</text>" in medals and ">Gold</text>" in medals and "金牌" not in medals and " 分<" not in medals
    spread = english.get("/results/FP2020/DG/distribution.svg").get_data(as_text=True)
    assert "Total score (3 contestants)" in spread and "contestant(s)</title>" in spread and "人" not in spread

    chinese = app_.test_client()
    assert ">金牌</text>" in chinese.get("/results/FP2020/medals.svg").get_data(as_text=True)
    assert "总成绩（3 人）" in chinese.get("/results/FP2020/DG/distribution.svg").get_data(as_text=True)


# -- the organiser's pages -------------------------------------------------------------------------------

def test_refused_publication_step_is_explained_in_english(app_):
    event = _event()
    _scored(event)  # computed, but neither confirmed by the chief judge nor decrypted
    client = in_english(app_.test_client())
    login(client, "organiser")
    manage = f"/results/manage/event/{event.id}"
    html = page(client.get(manage))
    assert '<span class="badge">Internal</span>' in html
    assert "The results of this event are not yet confirmed by the chief judge" in html  # what is still needed

    r = post_form(client, f"{manage}/publish", {"target": "announced"}, form_page=manage, follow_redirects=True)
    html = page(r)
    assert ("The results of this event are not yet confirmed by the chief judge; "
            "This event has not been decrypted yet") in html
    assert "裁判长尚未确认" not in html and "尚未解密" not in html
    assert results.settings_for(event).publication == "internal"

    chinese = app_.test_client()
    login(chinese, "organiser")
    r = post_form(chinese, f"{manage}/publish", {"target": "announced"}, form_page=manage, follow_redirects=True)
    assert "裁判长尚未确认本项目成绩；本项目尚未解密" in page(r)


def test_contest_wide_publication_refusals_in_english(app_):
    event = _event()
    _scored(event)
    client = in_english(app_.test_client())
    login(client, "organiser")
    manage = "/results/manage/FP2020"
    r = post_form(client, f"{manage}/publish", {"target": "announced"}, form_page=manage, follow_redirects=True)
    html = page(r)
    assert f"{event.name}: The results of this event are not yet confirmed by the chief judge" in html
    assert "裁判长尚未确认" not in html


def _settings_data(**over) -> dict:
    data = {"preset": "", "award_policy": "", "tie_breaks": "practical, time:lower", "shared_ranks": "y",
            "rounding_places": "2", "rounding_mode": "ROUND_HALF_UP", "appeal_window_hours": "2"}
    return {**data, **over}


def test_bad_award_policy_is_explained_in_english_on_the_settings_form(app_):
    event = _event()
    _scored(event)
    client = in_english(app_.test_client())
    login(client, "organiser")
    manage = f"/results/manage/event/{event.id}"
    html = page(client.get(manage))
    assert "1 gold, 1 silver, 1 bronze; an employee gold medallist becomes National Technical Expert" in html
    assert "Round half up" in html and "四舍五入" not in html  # the select's choices
    assert "Gold: 1" in html  # the current policy in words

    bad = _settings_data(award_policy='{"bands": [{"award": "gold", "share": "lots"}, {"award": "tin"}]}')
    html = page(post_form(client, f"{manage}/settings", bad, form_page=manage, follow_redirects=True))
    assert ("Award band 1: the share “lots” is not understood; write it as 10%, 1/2 or 0.1; "
            "Award band 2: the award must be one of gold/silver/bronze/excellence/medallion") in html
    assert "无法识别" not in html and "奖项档" not in html

    broken = _settings_data(award_policy='{"bands": [')
    html = page(post_form(client, f"{manage}/settings", broken, form_page=manage, follow_redirects=True))
    assert "The award settings are not valid JSON" in html

    chinese = app_.test_client()
    login(chinese, "organiser")
    html = page(post_form(chinese, f"{manage}/settings", bad, form_page=manage, follow_redirects=True))
    assert "第 1 个奖项档 的比例“lots”无法识别，请写成 10%、1/2 或 0.1" in html


def test_form_errors_name_the_field_in_english(app_):
    event = _event()
    _scored(event)
    client = in_english(app_.test_client())
    login(client, "organiser")
    manage = f"/results/manage/event/{event.id}"
    html = page(post_form(client, f"{manage}/settings", _settings_data(rounding_places="9"), form_page=manage,
                          follow_redirects=True))
    assert "Decimal places: Number must be between 0 and 4." in html  # the field's label, then its fault


def test_excel_export_follows_the_readers_language(app_):
    event = _event()
    regs = _scored(event)
    winner = db.session.get(Registration, regs[1])

    english = in_english(app_.test_client())
    login(english, "organiser")
    book = load_workbook(io.BytesIO(english.get(f"/results/manage/event/{event.id}/results.xlsx").data))
    sheet = book.worksheets[0]
    assert sheet.title == "Results"
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Place", "Delegation", "Name"] and header[-3:] == ["Skill level promotion",
                                                                             "Special award", "Notes"]
    rows = {row[2]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows[winner.name][9] == "Gold"  # the award's label is translated …
    assert rows[winner.name][1] == winner.delegation.name and rows[winner.name][3] == event.name  # … data is not

    book = load_workbook(io.BytesIO(english.get("/results/manage/FP2020/results.xlsx").data))
    assert [s.title for s in book.worksheets] == ["Results", "Medal table"]
    assert [c.value for c in book.worksheets[1][1]][:3] == ["Place", "Delegation", "Gold"]

    chinese = app_.test_client()
    login(chinese, "organiser")
    book = load_workbook(io.BytesIO(chinese.get(f"/results/manage/event/{event.id}/results.xlsx").data))
    sheet = book.worksheets[0]
    assert sheet.title == "成绩" and [c.value for c in sheet[1]][:3] == ["名次", "代表团", "姓名"]
    assert {row[2]: row for row in sheet.iter_rows(min_row=2, values_only=True)}[winner.name][9] == "金牌"


# -- appeals ---------------------------------------------------------------------------------------------

def _own_registration() -> Registration:
    user = db.session.scalar(select(User).where(User.username == "contestant"))
    return db.session.scalar(select(Registration).where(Registration.user_id == user.id))


def test_late_appeal_is_refused_in_english_with_the_deadline(app_):
    reg = _own_registration()
    settings = results.settings_for(reg.event)
    settings.event_ends_at = utcnow() - timedelta(hours=3)  # the default window is 2 hours
    db.session.commit()
    due = (settings.event_ends_at + timedelta(hours=2) + results.BEIJING).strftime("%Y-%m-%d %H:%M")

    client = in_english(app_.test_client())
    login(client, "contestant")
    html = page(client.get("/results/appeals"))
    assert f"{due} (Beijing time)" in html and "北京时间" not in html
    r = post_form(client, f"/results/appeals/{reg.id}", {"text": "A1.1 的测量结果有误，请复核"})
    html = page(r)
    assert r.status_code == 422
    assert f"The appeal period ended at {due} (Beijing time); appeals are no longer accepted" in html
    assert f"Appeal deadline: {due} (Beijing time)" in html
    assert "申诉期已于" not in html and "北京时间" not in html

    chinese = app_.test_client()
    login(chinese, "contestant")
    html = page(post_form(chinese, f"/results/appeals/{reg.id}", {"text": "再次申诉"}))
    assert f"申诉期已于 {due}（北京时间） 截止，不再受理" in html
