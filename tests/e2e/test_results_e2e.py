"""Results in the browser: the chief judge follows provisional standings by code on a tablet, the organiser
publishes through the page, and a member of the public reads the results on a phone, names and awards in rank
order, with no ID or phone numbers and nothing wider than the screen."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from app.demo import DEMO_PASSWORD
from app.extensions import db
from contests.judging_models import DrawResult
from contests.models import Contest, Event, Registration
from scoring import results
from scoring.results_demo import confirm_and_decrypt, score_event


def _login(page, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/home")


def _scored_event(app) -> tuple[int, list[dict]]:
    """The demo's 电工 event with three contestants marked 70 / 90 / 80 (codes drawn, not yet decrypted)."""
    with app.app_context():
        event = db.session.scalar(select(Event).join(Contest).where(Contest.code == "FP2020", Event.code == "DG"))
        regs = score_event(event, [70, 90, 80])
        people = []
        for reg_id, total in zip(regs, [70, 90, 80], strict=True):
            reg = db.session.get(Registration, reg_id)
            code = db.session.scalar(select(DrawResult.code).where(DrawResult.registration_id == reg_id))
            people.append({"name": reg.name, "id_number": reg.id_number, "mobile": reg.mobile,
                           "delegation": reg.delegation.name, "code": code, "total": total})
        db.session.commit()
        return event.id, people


def _confirm(app, event_id: int) -> None:
    with app.app_context():
        event = db.session.get(Event, event_id)
        confirm_and_decrypt(event)
        results.recompute_event(event)
        db.session.commit()


def test_standings_then_publication_then_the_public_reads_it_on_a_phone(live_app, live_server, tablet, phone):
    event_id, people = _scored_event(live_app)
    best = max(people, key=lambda p: p["total"])

    # The chief judge, while marking goes on: codes only, best practical mark first.
    _login(tablet, live_server, "chief-dg")
    tablet.goto(f"{live_server}/results/event/{event_id}/standings")
    expect(tablet.get_by_role("heading", level=1)).to_contain_text("临时排名")
    table = tablet.locator("table").inner_text()
    assert best["code"] in table
    for person in people:
        assert person["name"] not in tablet.content()
    assert table.index(best["code"]) < table.index(min(people, key=lambda p: p["total"])["code"])
    tablet.get_by_role("button", name=re.compile("退出")).click()

    # The organiser publishes once the scores are confirmed and decrypted.
    _confirm(live_app, event_id)
    _login(tablet, live_server, "organiser")
    tablet.goto(f"{live_server}/results/manage/event/{event_id}")
    tablet.get_by_label("下一步").select_option("announced")
    tablet.get_by_role("button", name="进入下一步").click()
    expect(tablet.locator(".badge").first).to_have_text("已公布")

    # The public, on a phone, from the results index.
    phone.goto(f"{live_server}/results/")
    phone.get_by_role("link", name=re.compile("2020年全国扶贫职业技能大赛")).first.click()
    phone.get_by_role("link", name=re.compile("电工")).first.click()
    expect(phone.locator("table")).to_contain_text(best["name"])
    rows = phone.locator("tbody tr").all_inner_texts()
    order = [next(i for i, row in enumerate(rows) if p["name"] in row) for p in
             sorted(people, key=lambda p: -p["total"])]
    assert order == sorted(order)
    assert "金牌" in rows[order[0]] and "90.00" in rows[order[0]]
    page = phone.content()
    for person in people:
        assert person["id_number"] not in page and person["mobile"] not in page
    # Wide tables scroll inside their box; the page itself never scrolls sideways on a 375 px phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
