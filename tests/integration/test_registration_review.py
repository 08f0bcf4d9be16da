"""The review workflow, quotas, and one delegation never reaching another's contestants."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from contests.models import Contest, Delegation, Registration
from contests.services import RegistrationRefused, transition
from tests.support.registration import form_values, gx, person_id
from tests.support.web import csrf_token, login, post_form


def _submitted(n: int, group_index: int = 0, delegation_code: str = "4502") -> list[Registration]:
    """Registrations of GX2027 entered through the service, as a delegation would."""
    from app.models import User
    from contests import services
    from contests.registration import PersonEntry

    contest = gx()
    delegation = db.session.scalar(select(Delegation).where(Delegation.contest_id == contest.id,
                                                            Delegation.code == delegation_code))
    organiser = db.session.scalar(select(User).where(User.username == "gx-organiser"))
    event = contest.events[1]
    group = event.groups[group_index]
    out = []
    for i in range(n):
        values = form_values(id_number=person_id(100 + i + 10 * group_index, sex="M"), sex="M", name="韦国强",
                             category=group.code, mobile=f"1390772{i:04d}")
        values["works_in_occupation"] = True
        entry = PersonEntry(**{k: v for k, v in values.items() if k in PersonEntry.__dataclass_fields__})
        out.append(services.save(organiser, contest, delegation, event, group, entry, submit=True))
    db.session.commit()
    return out


def act(client, reg, action, reason=""):
    return post_form(client, f"/contests/registrations/{reg.id}/{action}", {"reason": reason},
                     form_page=f"/contests/registrations/{reg.id}")


def status(reg) -> str:
    db.session.expire_all()
    return db.session.get(Registration, reg.id).status


def test_approve_then_confirm(demo, client, app):
    (reg,) = _submitted(1)
    login(client, "gx-deleg-4502")
    assert act(client, reg, "approve").status_code == 302
    assert status(reg) == "approved"
    organiser = app.test_client()
    login(organiser, "gx-organiser")
    act(organiser, reg, "confirm")
    assert status(reg) == "confirmed"
    steps = [s.to_status for s in db.session.get(Registration, reg.id).steps]
    assert steps == ["submitted", "approved", "confirmed"]


def test_return_needs_a_reason_and_the_contestant_sees_it(demo, client):
    (reg,) = _submitted(1)
    login(client, "gx-deleg-4502")
    r = act(client, reg, "return", "")
    assert status(reg) == "submitted"
    assert "必须写明原因" in client.get(r.headers["Location"]).get_data(as_text=True)
    act(client, reg, "return", "照片不是证件照，请重新上传")
    assert status(reg) == "returned"
    page = client.get(f"/contests/registrations/{reg.id}").get_data(as_text=True)
    assert "照片不是证件照，请重新上传" in page


def test_delegation_cannot_confirm(demo, client):
    (reg,) = _submitted(1)
    login(client, "gx-deleg-4502")
    act(client, reg, "approve")
    r = act(client, reg, "confirm")
    assert status(reg) == "approved"
    assert "不能确认" in client.get(r.headers["Location"]).get_data(as_text=True)


def test_group_quota_is_enforced_with_a_message_naming_it(demo, client):
    regs = _submitted(3)
    login(client, "gx-deleg-4502")
    for reg in regs[:2]:
        act(client, reg, "approve")
    r = act(client, regs[2], "approve")
    assert status(regs[2]) == "submitted"
    message = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "柳州市代表团在“焊工·职工组”的名额为2人，已批准2人，不能再批准" in message


def test_bulk_approve_reports_each_refusal(demo, client):
    regs = _submitted(3)
    login(client, "gx-deleg-4502")
    r = post_form(client, "/contests/delegation/approve", {"ids": [str(r.id) for r in regs]},
                  form_page="/contests/delegation")
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "已审核通过 2 人" in page and "名额为2人" in page
    assert sorted(status(r) for r in regs) == ["approved", "approved", "submitted"]


def test_contest_quota(demo):
    contest = gx()
    contest.delegation_quota = 1
    db.session.commit()
    regs = _submitted(2)
    from app.models import User

    leader = db.session.scalar(select(User).where(User.username == "gx-deleg-4502"))
    transition(leader, regs[0], "approve")
    with pytest.raises(RegistrationRefused, match="全部项目”的名额为1人"):
        transition(leader, regs[1], "approve")


def test_withdraw_and_register_again(demo, client):
    (reg,) = _submitted(1)
    login(client, "gx-deleg-4502")
    act(client, reg, "withdraw")
    assert status(reg) == "withdrawn"
    act(client, reg, "submit")
    assert status(reg) == "submitted"


# -- one delegation never reaches another's -------------------------------------------------------

def test_other_delegation_registration_is_refused(demo, client):
    (other,) = _submitted(1, delegation_code="4501")
    login(client, "gx-deleg-4502")
    assert client.get(f"/contests/registrations/{other.id}").status_code == 403
    assert client.get(f"/contests/registrations/{other.id}/edit").status_code == 403
    assert client.get(f"/contests/registrations/{other.id}/photo").status_code == 403
    assert act(client, other, "approve").status_code == 403
    assert status(other) == "submitted"
    # bulk approval ignores ids of other delegations
    post_form(client, "/contests/delegation/approve", {"ids": [str(other.id)]}, form_page="/contests/delegation")
    assert status(other) == "submitted"
    assert "韦国强" not in client.get("/contests/delegation").get_data(as_text=True)


def test_contestant_cannot_see_another_person(demo, client):
    (other,) = _submitted(1)
    login(client, "contestant")
    assert client.get(f"/contests/registrations/{other.id}").status_code == 403


def test_organiser_of_one_contest_cannot_manage_another(demo, client):
    login(client, "gx-organiser")
    assert client.get("/contests/FP2020/registrations").status_code == 403
    fp = db.session.scalar(select(Contest).where(Contest.code == "FP2020"))
    reg = db.session.scalar(select(Registration).where(Registration.contest_id == fp.id))
    assert client.get(f"/contests/registrations/{reg.id}").status_code == 403


def test_lists_mask_numbers(demo, client):
    (reg,) = _submitted(1)
    login(client, "gx-deleg-4502")
    page = client.get("/contests/delegation").get_data(as_text=True)
    assert reg.id_number not in page and f"{reg.id_number[:6]}********{reg.id_number[-4:]}" in page
    assert reg.mobile not in page
    detail = client.get(f"/contests/registrations/{reg.id}").get_data(as_text=True)
    assert reg.id_number in detail  # the detail page of a role that needs the number


# -- the race: one person, one event, two requests at once -------------------------------------------

def test_duplicate_registration_race_leaves_one_row(demo, app):
    """Two phones submit the same person for the same event at the same moment: the unique constraint lets
    exactly one through, and the other person gets a clear message (on PostgreSQL the two requests truly
    run at once; on SQLite the second writer waits for the first)."""
    import threading

    phones = []
    for mobile in ("13907720011", "13907720012"):
        phone = app.test_client()
        post_form(phone, "/contests/signup", {"mobile": mobile, "display_name": "覃海燕",
                                              "password": "Liuzhou-2027", "repeat": "Liuzhou-2027"})
        phones.append((phone, mobile))
    same_person = person_id(77, sex="F")
    barrier = threading.Barrier(2)
    responses = []

    code = gx().code
    forms = {m: {**form_values(mobile=m, id_number=same_person), "submit": "1",
                 "csrf_token": csrf_token(p, f"/contests/{code}/register")} for p, m in phones}

    def attempt(phone, mobile):
        barrier.wait()
        responses.append(phone.post(f"/contests/{code}/register", data=forms[mobile]))

    threads = [threading.Thread(target=attempt, args=p) for p in phones]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.session.expire_all()
    rows = db.session.scalars(select(Registration).where(Registration.id_number == same_person)).all()
    assert len(rows) == 1
    codes = sorted(r.status_code for r in responses)
    assert codes == [302, 422]
    refused = next(r for r in responses if r.status_code == 422)
    assert "不能重复报名" in refused.get_data(as_text=True)
