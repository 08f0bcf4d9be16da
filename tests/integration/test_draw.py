"""The draw: order, sealed codes and stations; only the encryption judge sees codes before decryption;
decryption needs the chief judge's confirmation, the encryption judge and a supervisor."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit import AuditEntry
from app.extensions import db
from contests import draw
from contests.judges import contestants
from contests.judging_models import Decryption, DrawResult
from scoring.models import EventConfirmation
from tests.support import judging as J
from tests.support.web import csrf_token, login


@pytest.fixture
def dg(demo):
    return J.undraw(J.event("DG"))


def _post(client, path, page):
    return client.post(path, data={"csrf_token": csrf_token(client, page)}, follow_redirects=True)


def test_two_rounds_and_stations_through_the_pages(app, dg):
    org, enc = app.test_client(), app.test_client()
    login(org, "organiser")
    login(enc, "encryption")
    page = f"/draw/event/{dg.id}"
    # round two needs round one; the organiser cannot run round two at all
    assert "请先完成第一轮" in _post(enc, f"{page}/codes", page).get_data(as_text=True)
    assert org.post(f"{page}/codes", data={"csrf_token": csrf_token(org, page)}).status_code == 403
    assert "第一轮（顺序）抽签完成" in _post(org, f"{page}/order", page).get_data(as_text=True)
    assert "不能重抽" in _post(org, f"{page}/order", page).get_data(as_text=True)
    assert "第二轮（加密编号）抽签完成" in _post(enc, f"{page}/codes", page).get_data(as_text=True)
    assert "工位号抽签完成" in _post(org, f"{page}/stations", page).get_data(as_text=True)
    rows = db.session.scalars(select(DrawResult).where(DrawResult.event_id == dg.id)).all()
    n = len(contestants(dg))
    assert len(rows) == n > 5
    assert sorted(r.order_no for r in rows) == list(range(1, n + 1))
    assert len({r.code for r in rows}) == n and all(r.code.startswith("DG") for r in rows)
    assert len({r.station for r in rows}) == n
    names = [reg.name for reg in contestants(dg)]
    codes = [r.code for r in rows]
    org_sheet = org.get(f"{page}/sheet").get_data(as_text=True)
    enc_sheet = enc.get(f"{page}/sheet").get_data(as_text=True)
    assert all(name in org_sheet for name in names) and not any(code in org_sheet for code in codes)
    assert all(code in enc_sheet for code in codes) and all(name in enc_sheet for name in names)
    assert not any(code in org.get(page).get_data(as_text=True) for code in codes)
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("draw_%"))).all()
    assert {a.action for a in audit} == {"draw_order", "draw_codes", "draw_stations"}
    assert not any(code in a.after for a in audit for code in codes)  # the trail says a draw happened, not who got what


def test_judges_chief_judges_and_supervisors_never_see_the_draw_sheet(app, dg):
    J.load_judging()
    for username in ("judge-dg-1", "chief-dg", "supervisor"):
        c = app.test_client()
        login(c, username)
        assert c.get(f"/draw/event/{dg.id}/sheet").status_code == 403
    sup = app.test_client()
    login(sup, "supervisor")
    html = sup.get(f"/draw/event/{dg.id}").get_data(as_text=True)
    assert not any(reg.name in html for reg in contestants(dg))


def test_decryption_needs_confirmation_then_two_people(app, dg):
    J.load_judging()
    enc, sup = J.user("encryption"), J.user("supervisor")
    with pytest.raises(draw.DrawError, match="裁判长尚未确认"):
        draw.request_decryption(dg, enc)
    db.session.rollback()
    db.session.add(EventConfirmation(event_id=dg.id, by_id=J.user("chief-dg").id))
    db.session.commit()
    with pytest.raises(draw.DrawError, match="只能由加密裁判申请"):
        draw.request_decryption(dg, sup)
    with pytest.raises(draw.DrawError, match="尚未解密"):
        draw.code_map(dg.id)
    c_enc, c_sup = app.test_client(), app.test_client()
    login(c_enc, "encryption")
    login(c_sup, "supervisor")
    page = f"/draw/event/{dg.id}"
    assert "加密裁判尚未申请解密" in _post(c_sup, f"{page}/decrypt/approve", page).get_data(as_text=True)
    assert "已申请解密" in _post(c_enc, f"{page}/decrypt/request", page).get_data(as_text=True)
    # the requester cannot approve (a supervisor's page)
    assert c_enc.post(f"{page}/decrypt/approve", data={"csrf_token": csrf_token(c_enc, page)}).status_code == 403
    assert "已批准解密" in _post(c_sup, f"{page}/decrypt/approve", page).get_data(as_text=True)
    db.session.expire_all()
    row = db.session.scalar(select(Decryption))
    assert row.requested_by == enc.id and row.approved_by == sup.id and row.approved_at is not None
    assert draw.is_decrypted(dg.id) and len(draw.code_map(dg.id)) == len(contestants(dg))
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"decryption_requested", "decryption_approved"} <= actions
    # after decryption the organiser sees codes too
    org = app.test_client()
    login(org, "organiser")
    some_code = next(iter(draw.codes_for(dg.id).values()))
    assert some_code in org.get(f"{page}/sheet").get_data(as_text=True)


def test_one_person_cannot_request_and_approve(dg):
    J.load_judging()
    enc = J.user("encryption")
    db.session.add(EventConfirmation(event_id=dg.id, by_id=J.user("chief-dg").id))
    db.session.add(Decryption(event_id=dg.id, requested_by=enc.id))
    db.session.commit()
    row = db.session.scalar(select(Decryption))
    row.approved_by = enc.id  # even bypassing the service, the database refuses
    with pytest.raises(Exception):  # noqa: B017 — IntegrityError from the CHECK constraint
        db.session.commit()
    db.session.rollback()
