"""A judge's tablet (1024×768) opens a login card's URL, as the camera app does after scanning its QR code,
confirms, and lands on the judge's home; the organiser's printed cards fit one A4 sheet."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from app.demo import DEMO_PASSWORD


def _issue_card(app, username: str) -> tuple[str, str]:
    """A card for one judge, issued as the print page does; returns (token, display name)."""
    from app import login_cards
    from app.extensions import db
    from app.models import User
    from app.timeutil import utcnow
    from contests.models import Event

    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.code == "DG").order_by(Event.id))
        judge = db.session.scalar(select(User).where(User.username == username))
        organiser = db.session.scalar(select(User).where(User.username == "organiser"))
        (issued,) = login_cards.issue(event, organiser, utcnow() + timedelta(hours=2), user_id=judge.id)
        db.session.commit()
        token, name = issued.token, judge.display_name
        db.session.remove()
        return token, name


def test_a_judge_scans_a_login_card_confirms_and_lands_on_the_home(live_app, live_server, tablet):
    token, name = _issue_card(live_app, "judge-dg-2")
    errors = []
    tablet.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tablet.goto(f"{live_server}/login/card/{token}")
    assert f"以 {name}（裁判员）身份登录？" in tablet.locator("main").inner_text()
    button = tablet.get_by_role("button", name="确认登录")
    assert button.bounding_box()["height"] >= 44  # a thumb-sized target on the tablet
    button.click()
    tablet.wait_for_url("**/home")
    assert tablet.locator("h1").inner_text() == "裁判员工作台"
    assert name in tablet.locator(".who").inner_text()
    assert tablet.get_by_role("link", name="打开评分表").count() >= 1
    assert errors == [], errors  # no CSP violations or script errors
    # The card is used: opening it again says so (a 410 page).
    response = tablet.goto(f"{live_server}/login/card/{token}")
    assert response.status == 410
    assert "此登录卡已使用，请向组织方申请新卡" in tablet.locator("main").inner_text()


def test_the_organisers_print_page_shows_six_cards_on_one_a4_sheet(live_app, live_server, tablet):
    from app.extensions import db
    from contests.models import Event

    with live_app.app_context():
        event_id = db.session.scalar(select(Event.id).where(Event.code == "DG").order_by(Event.id))
        db.session.remove()
    errors = []
    tablet.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tablet.goto(live_server + "/login")
    tablet.get_by_label("用户名").fill("organiser")
    tablet.get_by_label("密码").fill(DEMO_PASSWORD)
    tablet.get_by_role("button", name="登录").click()
    tablet.wait_for_url("**/home")
    tablet.goto(f"{live_server}/judges/event/{event_id}/cards")
    tablet.get_by_role("button", name="打印全部裁判的登录卡").click()
    tablet.wait_for_selector(".login-card")
    assert tablet.locator(".login-card").count() == 6
    # Every QR image loaded (the CSP allows data: images) and is large enough to scan.
    loaded = tablet.locator("img.login-card-qr").evaluate_all("imgs => imgs.map(i => i.complete && i.naturalWidth)")
    assert len(loaded) == 6 and all(w and w > 100 for w in loaded)
    tablet.emulate_media(media="print")
    assert tablet.locator(".topbar").is_hidden() and tablet.locator(".no-print").is_hidden()
    pdf = tablet.pdf(format="A4", prefer_css_page_size=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == 1, pages
    assert errors == [], errors
