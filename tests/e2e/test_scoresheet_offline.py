"""The tablet score sheet at 1024×768: load it, go offline, enter marks, reload (the service worker serves the
page), go online, and the server holds each mark exactly once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.demo import DEMO_PASSWORD

SHOTS = Path(__file__).resolve().parents[2] / "instance" / "screenshots"


@pytest.fixture(scope="module")
def judging_live(live_app):
    from app.extensions import db
    from scoring.demo import load_demo_judging

    with live_app.app_context():
        load_demo_judging()
        db.session.commit()
    return live_app


def _event_id(app, code="DG"):
    from app.extensions import db
    from contests.models import Event

    with app.app_context():
        return db.session.scalar(select(Event.id).where(Event.code == code).order_by(Event.id))


def _login(page, base, username):
    page.goto(base + "/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/home")


def _marks(app, **where):
    from app.extensions import db
    from scoring.models import Mark

    with app.app_context():
        rows = db.session.execute(select(Mark.aspect_id, Mark.value, func.count()).filter_by(**where)
                                  .group_by(Mark.aspect_id, Mark.value)).all()
        db.session.remove()
        return rows


def _wait_waiting(page, n: int, timeout: int = 10000) -> None:
    """Wait until the sheet's queue holds n entries (a selector: no eval under the page's strict CSP)."""
    page.wait_for_selector(f"#sheet[data-waiting='{n}']", timeout=timeout)


def test_marks_entered_offline_survive_a_reload_and_reach_the_server_once(judging_live, live_server, tablet):
    app = judging_live
    event_id = _event_id(app)
    errors = []
    tablet.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _login(tablet, live_server, "judge-dg-1")
    tablet.goto(f"{live_server}/scoring/sheet/{event_id}")
    sheet = tablet.locator("#sheet")
    tablet.wait_for_selector("#sheet[data-offline-ready='1']", timeout=15000)
    code = tablet.locator("button.code.active .code-id").inner_text()
    assert "DG" in code

    # every judge-facing control is a big touch target with a numeric keypad
    first_input = tablet.locator("input.mark-input").first
    assert first_input.get_attribute("inputmode") == "decimal"
    assert first_input.bounding_box()["height"] >= 48
    assert tablet.locator("button.code").first.bounding_box()["height"] >= 48

    context = tablet.context
    context.set_offline(True)
    inputs = tablet.locator("input.mark-input")
    inputs.nth(0).fill("7.5")
    inputs.nth(0).press("Enter")
    inputs.nth(1).fill("12")
    inputs.nth(1).press("Enter")
    tablet.locator(".kind-pass_fail button.choice[data-value='1']").first.click()
    expect_waiting = 3
    _wait_waiting(tablet, expect_waiting)
    assert tablet.locator(".st-waiting").count() == expect_waiting
    assert "离线" in tablet.locator("#net-state").inner_text()
    assert _marks(app) == []

    tablet.reload()  # offline: the service worker answers from its cache
    tablet.wait_for_selector("#sheet")
    assert tablet.locator("h1").inner_text().startswith("评分表")
    _wait_waiting(tablet, expect_waiting)
    assert tablet.locator("input.mark-input").nth(0).input_value() == "7.5"
    assert tablet.locator(".st-waiting").count() == expect_waiting
    SHOTS.mkdir(parents=True, exist_ok=True)
    tablet.screenshot(path=str(SHOTS / "scoresheet-offline.png"))

    context.set_offline(False)
    tablet.evaluate("window.dispatchEvent(new Event('online'))")
    _wait_waiting(tablet, 0, timeout=20000)
    tablet.wait_for_selector(".st-saved")
    assert tablet.locator(".st-waiting").count() == 0
    tablet.screenshot(path=str(SHOTS / "scoresheet-online.png"))

    rows = _marks(app)
    assert len(rows) == 3 and all(n == 1 for _aspect, _value, n in rows), rows
    assert sorted(str(v.normalize()) for _a, v, _n in rows) == ["1", "12", "7.5"]

    # a reload online shows the server's versions, and nothing is sent twice
    tablet.reload()
    tablet.wait_for_selector(".st-saved")
    tablet.wait_for_timeout(500)
    assert len(_marks(app)) == 3 and all(n == 1 for *_x, n in _marks(app))
    assert sheet.get_attribute("data-waiting") == "0"
    assert [e for e in errors if "Failed to load resource" not in e and "net::ERR" not in e] == []
