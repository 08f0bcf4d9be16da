"""Paper fallback: two different clerks type the same sheet; only matching values become marks."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from scoring import paper, schemes, services
from scoring.models import Mark, PaperEntry
from tests.support import judging as J
from tests.support.web import csrf_token, login


@pytest.fixture
def dg(demo):
    J.load_judging()
    return J.event("DG")


def _sheet(dg):
    scheme = schemes.scheme_for(dg.id)
    judge = J.user("judge-dg-1")
    code = sorted(services.scope_for(judge, dg).codes.values())[0]
    module = next(c for c in scheme.criteria if c.code == "B")
    aspects = paper.sheet_aspects(dg, judge.id, module.id)
    return judge, code, module, aspects


def test_two_clerks_must_agree_and_a_clerk_cannot_confirm_their_own_entry(app, dg):
    judge, code, module, aspects = _sheet(dg)
    first, second = app.test_client(), app.test_client()
    login(first, "judge-dg-2")
    login(second, "chief-dg")
    page = f"/scoring/paper/{dg.id}"
    query = {"code": code, "judge_id": str(judge.id), "criterion_id": str(module.id)}
    values = {f"aspect-{a.id}": ("1" if a.kind == "pass_fail" else "15.5") for a in aspects}

    def post(client, vals):
        token = csrf_token(client, page + "?code=" + code + f"&judge_id={judge.id}&criterion_id={module.id}")
        return client.post(page, data={"csrf_token": token, **query, **vals}, follow_redirects=True)

    bad = post(first, {**values, f"aspect-{aspects[0].id}": "25"})
    assert bad.status_code == 422 and "超出范围 0–20" in bad.get_data(as_text=True)
    assert db.session.scalar(select(PaperEntry.id)) is None
    assert "项等待第二位录入员核对" in post(first, values).get_data(as_text=True)
    again = post(first, values)
    assert again.status_code == 422 and "不能核对自己的录入" in again.get_data(as_text=True)
    assert db.session.scalar(select(Mark.id)) is None
    mismatch = {**values, f"aspect-{aspects[0].id}": "16"}
    r = post(second, mismatch)
    assert "1 项不一致" in r.get_data(as_text=True)
    marks = db.session.scalars(select(Mark)).all()
    assert len(marks) == len(aspects) - 1 and all(m.source == "paper" and m.judge_id == judge.id for m in marks)
    listed = paper.mismatches(dg)
    assert [(m["code"], m["first"], m["second"]) for m in listed] == [(code, "15.5", "16")]
    chief = second
    html = chief.get(f"/scoring/chief/{dg.id}").get_data(as_text=True)
    assert "纸质评分表录入不一致" in html
    tok = csrf_token(chief, f"/scoring/chief/{dg.id}")
    chief.post(f"/scoring/chief/{dg.id}/paper/void", data={"csrf_token": tok, "entry_id": listed[0]["id"]})
    assert paper.mismatches(dg) == []


def test_a_recused_judges_paper_sheet_is_refused(app, dg):
    from contests.draw import registration_for_code
    from contests.judging_models import JudgeRelationship

    judge, code, module, aspects = _sheet(dg)
    db.session.add(JudgeRelationship(judge_id=judge.id, registration_id=registration_for_code(dg.id, code).id))
    db.session.commit()
    with pytest.raises(services.JudgingError, match="须回避"):
        paper.enter(J.user("judge-dg-2"), dg, code, judge.id, module.id, {a.id: "1" for a in aspects})
    db.session.rollback()
    assert db.session.scalar(select(PaperEntry.id)) is None
