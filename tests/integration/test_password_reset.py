"""Someone forgot their password: the person above them sets a new one, and only for their own people.

A delegation organiser (领队) is reset by the contest's organiser on the delegation's setup page; a contestant
by their delegation organiser (or the organiser) from their registration. The old password and every open
session end at once; the audit trail names who did it.
"""

from __future__ import annotations

from sqlalchemy import select

from app.audit import AuditEntry
from app.extensions import db
from app.models import User
from contests.models import Contest, Delegation, Registration
from tests.support.web import login, post_form

NEW = "Xin-Mima-2026"


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _delegation(contest_code: str, code: str) -> Delegation:
    return db.session.scalar(select(Delegation).join(Contest).where(Contest.code == contest_code,
                                                                     Delegation.code == code))


def _page(delegation: Delegation, account: User, code: str = "FP2020") -> str:
    return f"/setup/{code}/delegations/{delegation.id}/accounts/{account.id}/password"


def test_the_organiser_sets_a_new_password_for_a_delegation_organiser(demo):
    organiser, leader = demo.test_client(), demo.test_client()
    assert login(organiser, "organiser").status_code == 302
    assert login(leader, "deleg-45").status_code == 302
    delegation, account = _delegation("FP2020", "45"), _user("deleg-45")

    setup_page = organiser.get(f"/setup/FP2020/delegations/{delegation.id}").get_data(as_text=True)
    assert _page(delegation, account) in setup_page and "忘记密码？设置新密码" in setup_page
    form = organiser.get(_page(delegation, account)).get_data(as_text=True)
    assert "deleg-45" in form and "所有手机和电脑上的登录都会失效" in form

    weak = post_form(organiser, _page(delegation, account), {"new": "12345678", "repeat": "12345678"})
    assert weak.status_code == 422 and "密码至少需要10个字符" in weak.get_data(as_text=True)
    typo = post_form(organiser, _page(delegation, account), {"new": NEW, "repeat": NEW + "x"})
    assert typo.status_code == 422 and "两次输入的新密码不一致" in typo.get_data(as_text=True)
    forged = organiser.post(_page(delegation, account), data={"new": NEW, "repeat": NEW})  # no CSRF token
    assert forged.status_code == 400 and "安全令牌" in forged.get_data(as_text=True)
    assert leader.get("/contests/delegation").status_code == 200  # nothing changed yet

    done = post_form(organiser, _page(delegation, account), {"new": NEW, "repeat": NEW}, follow_redirects=True)
    assert "已为“deleg-45”设置新密码" in done.get_data(as_text=True)

    # the leader's open session has ended; the old password no longer works, the new one does
    assert "/login" in leader.get("/contests/delegation").headers["Location"]
    assert "用户名或密码不正确" in login(demo.test_client(), "deleg-45").get_data(as_text=True)
    assert login(demo.test_client(), "deleg-45", NEW).status_code == 302

    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "password_reset")
                              .order_by(AuditEntry.id.desc()))
    assert (entry.username, entry.object_id) == ("organiser", str(account.id))
    assert NEW not in entry.after and account.password_hash not in entry.after


def test_an_organiser_reaches_only_the_accounts_of_the_delegation_in_the_address(demo):
    organiser = demo.test_client()
    assert login(organiser, "organiser").status_code == 302
    guangxi, sichuan = _delegation("FP2020", "45"), _delegation("FP2020", "51")
    other_contest = _delegation("SQSZ2019", "54")
    for delegation, account in [(sichuan, _user("deleg-45")),  # an account of another delegation
                                (guangxi, _user("judge-dg-1")),  # not a delegation organiser
                                (other_contest, _user(f"sq-deleg-{other_contest.code}"))]:  # another contest's
        r = post_form(organiser, _page(delegation, account), {"new": NEW, "repeat": NEW},
                      form_page="/contests/")
        assert r.status_code == 404, (delegation.code, account.username)
    # the organiser of another contest cannot use this contest's pages at all
    sq = demo.test_client()
    assert login(sq, "sq-organiser").status_code == 302
    assert sq.get(_page(guangxi, _user("deleg-45"))).status_code in (403, 404)
    assert login(demo.test_client(), "deleg-45").status_code == 302  # untouched


def _contestant_registration() -> Registration:
    contestant = _user("contestant")
    return db.session.scalar(select(Registration).where(Registration.user_id == contestant.id)
                             .order_by(Registration.id))


def test_a_delegation_organiser_sets_a_new_password_for_their_own_contestant(demo):
    reg = _contestant_registration()  # 全国赛, 广西
    leader_name = f"deleg-{reg.delegation.code}"
    leader, phone = demo.test_client(), demo.test_client()
    assert login(leader, leader_name).status_code == 302
    assert login(phone, "contestant").status_code == 302

    page = leader.get(f"/contests/registrations/{reg.id}").get_data(as_text=True)
    assert f"/contests/registrations/{reg.id}/password" in page and "选手忘记密码" in page
    done = post_form(leader, f"/contests/registrations/{reg.id}/password", {"new": NEW, "repeat": NEW})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/contests/registrations/{reg.id}")

    assert "/login" in phone.get(f"/contests/registrations/{reg.id}").headers["Location"]
    assert login(demo.test_client(), "contestant", NEW).status_code == 302
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "password_reset")
                              .order_by(AuditEntry.id.desc()))
    assert (entry.username, entry.object_id) == (leader_name, str(reg.user_id))


def test_no_one_else_sets_a_contestants_password(demo):
    reg = _contestant_registration()
    path = f"/contests/registrations/{reg.id}/password"
    other_leader = db.session.scalar(
        select(User).where(User.role == "delegation", User.contest_id == reg.contest_id,
                           User.delegation_id != reg.delegation_id).order_by(User.id))
    for username, expected in [(other_leader.username, 403), ("contestant", 403), ("judge-dg-1", 403)]:
        client = demo.test_client()
        assert login(client, username).status_code == 302
        r = post_form(client, path, {"new": NEW, "repeat": NEW}, form_page="/contests/")
        assert r.status_code == expected, username
    # a registration its delegation entered has no account to reset
    entered = db.session.scalar(select(Registration).where(Registration.user_id.is_(None),
                                                           Registration.delegation_id == reg.delegation_id))
    assert entered is not None
    leader = demo.test_client()
    assert login(leader, f"deleg-{reg.delegation.code}").status_code == 302
    assert leader.get(f"/contests/registrations/{entered.id}/password").status_code == 404
    assert "选手忘记密码" not in leader.get(f"/contests/registrations/{entered.id}").get_data(as_text=True)
    assert login(demo.test_client(), "contestant").status_code == 302  # untouched
