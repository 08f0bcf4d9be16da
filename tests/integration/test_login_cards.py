"""One-time QR login cards for judges: the organiser prints them; a judge scans (or types the code) and is in.

What a person notices: the printed page (names, QR codes, codes, expiry), the confirm page a scan opens, the
judge's home after confirming, and one clear Chinese message for a used, expired, revoked or unknown card.
"""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
import threading
from datetime import timedelta

import pytest
import segno
from sqlalchemy import func, select

from app import login_cards
from app.audit import AuditEntry
from app.extensions import db
from app.models import LoginCard, User
from app.timeutil import utcnow
from tests.support.judging import event, user
from tests.support.web import TOKEN, csrf_token, login, post_form

USED = "此登录卡已使用，请向组织方申请新卡"
EXPIRED = "此登录卡已过期"
REVOKED = "此登录卡已作废"
UNKNOWN = "登录卡无效"
QR = re.compile(r'<img class="login-card-qr" src="data:image/png;base64,([^"]+)"')
CODE = re.compile(r'<p class="login-card-code">([A-Z0-9]{4}-[A-Z0-9]{4})</p>')
DG_JUDGES = ["chief-dg", "judge-dg-1", "judge-dg-2", "judge-dg-3", "judge-dg-4", "judge-dg-5"]


@pytest.fixture
def dg(demo):
    return event("DG")


@pytest.fixture
def tokens(monkeypatch):
    """The QR tokens issued in this test, in order (the page shows them only inside the QR images)."""
    issued: list[str] = []
    real = login_cards.new_token

    def spy():
        token = real()
        issued.append(token)
        return token

    monkeypatch.setattr(login_cards, "new_token", spy)
    return issued


def organiser(app, username="organiser"):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def print_cards(client, ev, user_id=None, validity="hours"):
    data = {"validity": validity}
    if user_id is not None:
        data["user_id"] = str(user_id)
    return post_form(client, f"/judges/event/{ev.id}/cards/print", data, form_page=f"/judges/event/{ev.id}/cards")


def card_url(token: str) -> str:
    return f"/login/card/{token}"


def confirm(client, token: str, follow=False):
    """Scan (GET the confirm page) and press the button (POST with the page's CSRF token)."""
    page = client.get(card_url(token))
    match = TOKEN.search(page.get_data(as_text=True))
    assert match, page.get_data(as_text=True)[:800]
    return client.post(card_url(token), data={"csrf_token": match.group(1)}, follow_redirects=follow)


def type_code(client, code: str, follow=False):
    return post_form(client, "/login/card", {"code": code}, follow_redirects=follow)


def card_of(username: str) -> LoginCard:
    db.session.expire_all()
    return db.session.scalars(select(LoginCard).join(User, User.id == LoginCard.user_id)
                              .where(User.username == username).order_by(LoginCard.id.desc())).first()


def qr_matrix(png_b64: str) -> list[list[int]]:
    """The modules of a card's QR image (8 px per module, quiet zone of 4), read back from its pixels."""
    from PIL import Image

    img = Image.open(io.BytesIO(base64.b64decode(png_b64))).convert("L")
    n = img.size[0] // 8 - 8
    return [[1 if img.getpixel(((x + 4) * 8 + 4, (y + 4) * 8 + 4)) < 128 else 0 for x in range(n)] for y in range(n)]


# -- printing --------------------------------------------------------------------------------------------

def test_organiser_prints_a_card_for_every_judge_of_the_event(app, dg, tokens):
    client = organiser(app)
    page = client.get(f"/judges/event/{dg.id}").get_data(as_text=True)
    assert f"/judges/event/{dg.id}/cards" in page  # the assignment page links to the cards
    manage = client.get(f"/judges/event/{dg.id}/cards").get_data(as_text=True)
    for username in DG_JUDGES:
        assert user(username).display_name in manage
    assert "未打印" in manage

    r = print_cards(client, dg)
    assert r.status_code == 200
    assert "no-store" in r.headers["Cache-Control"]
    html = r.get_data(as_text=True)
    assert "login_cards.css" in html
    assert html.count('class="card-sheet"') == 1  # six cards: one A4 sheet
    assert len(QR.findall(html)) == 6 and len(tokens) == 6
    codes = CODE.findall(html)
    assert len(codes) == 6 and len(set(codes)) == 6
    assert all(set(c.replace("-", "")) <= set(login_cards.CODE_ALPHABET) for c in codes)
    assert dg.contest.name in html and dg.name in html
    for username in DG_JUDGES:
        assert user(username).display_name in html
    assert "裁判长" in html and "裁判员" in html
    assert "localhost/login/card" in html  # where to type the code
    assert "有效期至" in html
    # Only hashes are stored, and the audit trail names the judges but never the secrets.
    cards = db.session.scalars(select(LoginCard)).all()
    assert len(cards) == 6 and all(c.event_id == dg.id and c.used_at is None for c in cards)
    stored = " ".join(c.token_hash + c.code_hash for c in cards)
    assert not any(t in stored for t in tokens) and not any(c.replace("-", "") in stored for c in codes)
    trail = " ".join(e.before + e.after for e in db.session.scalars(select(AuditEntry)))
    assert not any(t in trail for t in tokens) and not any(c in trail or c.replace("-", "") in trail for c in codes)
    issued = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "login_card_issued")).all()
    assert len(issued) == 6 and {e.username for e in issued} == {"organiser"}

    manage = client.get(f"/judges/event/{dg.id}/cards").get_data(as_text=True)
    assert "未使用，有效至" in manage


def test_the_qr_code_encodes_the_card_login_url(app, dg, tokens):
    html = print_cards(organiser(app), dg, user("judge-dg-1").id).get_data(as_text=True)
    (png,) = QR.findall(html)
    url = f"http://localhost/login/card/{tokens[0]}"
    expected = segno.make(url, error="m", micro=False, boost_error=True).matrix
    assert qr_matrix(png) == [list(row) for row in expected]
    if shutil.which("zbarimg"):  # and a real decoder reads it back
        out = subprocess.run(["zbarimg", "--quiet", "--raw", "-"], input=base64.b64decode(png),  # noqa: S603,S607
                             capture_output=True, check=True)
        assert out.stdout.decode().strip() == url


def test_public_base_url_goes_into_the_qr_code(app, dg, tokens):
    app.config["PUBLIC_BASE_URL"] = "https://saiwu.example.cn"
    html = print_cards(organiser(app), dg, user("judge-dg-2").id).get_data(as_text=True)
    (png,) = QR.findall(html)
    expected = segno.make(f"https://saiwu.example.cn/login/card/{tokens[0]}", error="m", boost_error=True).matrix
    assert qr_matrix(png) == [list(row) for row in expected]
    assert "saiwu.example.cn/login/card" in html


def test_cards_only_for_judges_of_the_event(app, dg):
    client = organiser(app)
    # Accounts that can decrypt or approve, other roles, a judge of another event, one of another contest.
    for username in ("organiser", "encryption", "supervisor", "deleg-45", "contestant", "judge-qg-1",
                     "sq-judge-hg-1"):
        r = print_cards(client, dg, user(username).id)
        assert r.status_code == 302
        page = client.get(r.headers["Location"]).get_data(as_text=True)
        assert "只能为分配到本项目的裁判员和裁判长打印登录卡" in page, username
    assert db.session.scalar(select(func.count()).select_from(LoginCard)) == 0
    # And the service itself refuses, whoever calls it.
    with pytest.raises(login_cards.CardRefused):
        login_cards.issue(dg, user("organiser"), utcnow() + timedelta(hours=1), user_id=user("encryption").id)


@pytest.mark.parametrize("username", ["deleg-45", "judge-dg-1", "chief-dg", "encryption", "supervisor"])
def test_other_roles_cannot_print_or_revoke_cards(app, dg, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    assert client.get(f"/judges/event/{dg.id}/cards").status_code == 403
    token = csrf_token(client, "/home")
    for path in ("print", "revoke"):
        r = client.post(f"/judges/event/{dg.id}/cards/{path}", data={"csrf_token": token, "validity": "hours"})
        assert r.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(LoginCard)) == 0


def test_organiser_of_another_contest_cannot_print_cards(app, dg):
    client = organiser(app, "sq-organiser")
    assert client.get(f"/judges/event/{dg.id}/cards").status_code == 403


# -- logging in with a card ------------------------------------------------------------------------------

def test_scanning_shows_whose_card_and_does_not_use_it(app, dg, tokens):
    print_cards(organiser(app), dg, user("judge-dg-1").id)
    tablet = app.test_client()
    for _i in range(3):  # link previews, prefetchers, a second look
        r = tablet.get(card_url(tokens[0]))
        assert r.status_code == 200
    html = r.get_data(as_text=True)
    name = user("judge-dg-1").display_name
    assert f"以 {name}（裁判员）身份登录？" in html
    assert dg.name in html
    assert r.headers["Cache-Control"] == "no-store" and "noindex" in r.headers["X-Robots-Tag"]
    assert card_of("judge-dg-1").used_at is None
    assert tablet.get("/home").status_code == 302  # still not logged in


def test_confirming_logs_the_judge_in_once(app, dg, tokens):
    print_cards(organiser(app), dg, user("judge-dg-1").id)
    tablet = app.test_client()
    r = confirm(tablet, tokens[0])
    assert r.status_code == 302 and r.headers["Location"].endswith("/home")
    home = tablet.get("/home").get_data(as_text=True)
    assert "裁判员工作台" in home and "打开评分表" in home and user("judge-dg-1").display_name in home
    card = card_of("judge-dg-1")
    assert card.used_at is not None and card.used_ip == "127.0.0.1"
    assert user("judge-dg-1").last_login_at is not None
    actions = [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))][-2:]
    assert actions == ["login_card_used", "login"]

    # The same card again, on another tablet: refused with the message, nobody logged in.
    other = app.test_client()
    page = other.get(card_url(tokens[0]))
    assert page.status_code == 410 and USED in page.get_data(as_text=True)
    r = other.post(card_url(tokens[0]), data={"csrf_token": csrf_token(other)})
    assert r.status_code == 410 and USED in r.get_data(as_text=True)
    assert other.get("/home").status_code == 302


def test_a_chief_judge_card_lands_on_the_chief_home(app, dg, tokens):
    print_cards(organiser(app), dg, user("chief-dg").id)
    tablet = app.test_client()
    home = confirm(tablet, tokens[0], follow=True).get_data(as_text=True)
    assert "裁判长工作台" in home and "评分进度" in home


def test_login_with_a_card_starts_a_fresh_session_and_keeps_the_language(app, dg, tokens):
    print_cards(organiser(app), dg, user("judge-dg-1").id, validity="hours")
    tablet = app.test_client()
    assert login(tablet, "judge-dg-2").status_code == 302  # the tablet was someone else's
    page = tablet.get(card_url(tokens[0])).get_data(as_text=True)
    assert "确认后将切换为登录卡上的裁判" in page
    with tablet.session_transaction() as s:
        s["lang"] = "en"
        s["marker"] = "from before"
    confirm(tablet, tokens[0])
    with tablet.session_transaction() as s:
        assert "marker" not in s and s.get("lang") == "en"
        assert s["_user_id"].startswith(f"{user('judge-dg-1').id}:")


def test_a_judge_already_logged_in_keeps_the_card(app, dg, tokens):
    print_cards(organiser(app), dg, user("judge-dg-1").id)
    tablet = app.test_client()
    assert login(tablet, "judge-dg-1").status_code == 302
    r = tablet.get(card_url(tokens[0]))
    assert r.status_code == 302 and r.headers["Location"].endswith("/home")
    assert card_of("judge-dg-1").used_at is None


def test_without_the_csrf_token_the_card_is_not_used(app, dg, tokens):
    print_cards(organiser(app), dg, user("judge-dg-1").id)
    r = app.test_client().post(card_url(tokens[0]), data={})
    assert r.status_code == 400
    assert card_of("judge-dg-1").used_at is None


def test_an_expired_card_is_refused(app, dg, tokens):
    print_cards(organiser(app), dg, user("judge-dg-1").id)
    card = card_of("judge-dg-1")
    card.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    tablet = app.test_client()
    r = tablet.get(card_url(tokens[0]))
    assert r.status_code == 410 and EXPIRED in r.get_data(as_text=True)
    r = tablet.post(card_url(tokens[0]), data={"csrf_token": csrf_token(tablet)})
    assert r.status_code == 410 and EXPIRED in r.get_data(as_text=True)
    assert card_of("judge-dg-1").used_at is None


def test_printing_again_revokes_the_judges_earlier_card(app, dg, tokens):
    client = organiser(app)
    print_cards(client, dg, user("judge-dg-1").id)
    print_cards(client, dg, user("judge-dg-1").id)
    old, new = tokens
    tablet = app.test_client()
    r = tablet.get(card_url(old))
    assert r.status_code == 410 and REVOKED in r.get_data(as_text=True)
    assert confirm(tablet, new).status_code == 302
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "login_cards_revoked")).first()


def test_organiser_revokes_all_cards_of_the_event(app, dg, tokens):
    client = organiser(app)
    html = print_cards(client, dg).get_data(as_text=True)
    codes = CODE.findall(html)
    r = post_form(client, f"/judges/event/{dg.id}/cards/revoke", {}, form_page=f"/judges/event/{dg.id}/cards",
                  follow_redirects=True)
    assert "已作废 6 张未使用的登录卡。" in r.get_data(as_text=True)
    assert "已作废" in client.get(f"/judges/event/{dg.id}/cards").get_data(as_text=True)
    tablet = app.test_client()
    assert tablet.get(card_url(tokens[0])).status_code == 410
    r = type_code(tablet, codes[1])
    assert r.status_code == 410 and REVOKED in r.get_data(as_text=True)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "login_cards_revoked")).one()
    assert '"count": 6' in entry.after


def test_a_card_of_a_deactivated_judge_does_not_log_in_and_stays_unused(app, dg, tokens):
    print_cards(organiser(app), dg, user("judge-dg-1").id)
    user("judge-dg-1").active = False
    db.session.commit()
    tablet = app.test_client()
    assert tablet.get(card_url(tokens[0])).status_code == 410
    r = tablet.post(card_url(tokens[0]), data={"csrf_token": csrf_token(tablet)})
    assert r.status_code == 410 and "已停用" in r.get_data(as_text=True)
    assert card_of("judge-dg-1").used_at is None


@pytest.mark.parametrize("token", ["no-such-card", "x" * 300, "%00", "卡"])
def test_an_unknown_card_gets_a_message_not_an_error(app, dg, token):
    tablet = app.test_client()
    r = tablet.get(card_url(token))
    assert r.status_code in (400, 404) and r.status_code < 500
    if r.status_code == 400:
        assert UNKNOWN in r.get_data(as_text=True)
    r = tablet.post(card_url(token), data={"csrf_token": csrf_token(tablet)})
    assert 400 <= r.status_code < 500


# -- the typed code --------------------------------------------------------------------------------------

def test_the_login_page_links_to_the_card_code_form(app):
    page = app.test_client().get("/login").get_data(as_text=True)
    assert "使用登录卡" in page and 'href="/login/card"' in page


def test_the_typed_code_logs_in_once(app, dg):
    html = print_cards(organiser(app), dg, user("judge-dg-3").id).get_data(as_text=True)
    (code,) = CODE.findall(html)
    tablet = app.test_client()
    assert "登录码" in tablet.get("/login/card").get_data(as_text=True)
    typed = " " + code.lower().replace("-", " ") + " "  # lower case, a space for the dash
    r = type_code(tablet, typed)
    assert r.status_code == 302 and r.headers["Location"].endswith("/home")
    assert "裁判员工作台" in tablet.get("/home").get_data(as_text=True)
    assert card_of("judge-dg-3").used_at is not None

    again = app.test_client()
    r = type_code(again, code)
    assert r.status_code == 410 and USED in r.get_data(as_text=True)


def test_wrong_and_malformed_codes_are_refused(app, dg):
    print_cards(organiser(app), dg, user("judge-dg-3").id)
    tablet = app.test_client()
    r = type_code(tablet, "AAAA-AAAA")
    assert r.status_code == 400 and UNKNOWN in r.get_data(as_text=True)
    r = type_code(tablet, "0O1I-LLLL")
    assert r.status_code == 400 and "8 位字母和数字" in r.get_data(as_text=True)
    r = type_code(tablet, "")
    assert r.status_code == 200 and "请输入登录卡上的登录码" in r.get_data(as_text=True)


def test_typed_codes_are_rate_limited_like_passwords(app, dg):
    tablet = app.test_client()
    token = csrf_token(tablet, "/login/card")
    statuses = [tablet.post("/login/card", data={"code": "AAAA-AAAA", "csrf_token": token}).status_code
                for _i in range(11)]
    assert statuses[:10] == [400] * 10 and statuses[10] == 429


# -- two tablets, one card -------------------------------------------------------------------------------

@pytest.mark.parametrize("round_", range(3))
def test_two_tablets_confirming_one_card_at_once_log_in_once(app, dg, tokens, round_):
    """Two tablets scan the same card and press the button together: the database lets exactly one in
    (on PostgreSQL the two requests truly run at once; on SQLite the second writer waits for the first)."""
    print_cards(organiser(app), dg, user("judge-dg-4").id)
    token = tokens[0]
    tablets = [app.test_client() for _i in range(2)]
    forms = [{"csrf_token": TOKEN.search(t.get(card_url(token)).get_data(as_text=True)).group(1)} for t in tablets]
    db.session.commit()  # and read nothing more here until the race is over
    barrier = threading.Barrier(2)
    responses = []

    def attempt(i):
        barrier.wait()
        responses.append(tablets[i].post(card_url(token), data=forms[i]))

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(r.status_code for r in responses) == [302, 410]
    refused = next(r for r in responses if r.status_code == 410)
    assert USED in refused.get_data(as_text=True)
    logged_in = [t for t in tablets if t.get("/home").status_code == 200]
    assert len(logged_in) == 1
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "login_card_used")) == 1


def test_the_service_consumes_once_under_concurrency(app, dg, tokens):
    """The same race below the views: two sessions call ``consume`` with the same token at once."""
    print_cards(organiser(app), dg, user("judge-dg-5").id)
    token = tokens[0]
    db.session.commit()
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def run():
        with app.test_request_context("/login/card/x", method="POST"):
            try:
                barrier.wait()
                login_cards.consume(token=token, ip="10.0.0.1")
                db.session.commit()
                outcomes.append("in")
            except login_cards.CardRefused as err:
                db.session.rollback()
                outcomes.append(err.message)
            except Exception as err:  # noqa: BLE001 — reported below
                errors.append(err)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert sorted(outcomes) == sorted(["in", USED])
