"""The chief judge: live progress, disagreement flags, panel drop high/low, confirming modules and the event,
and the recheck (top 10 + at least 15% of the rest; full recheck above 5% errors)."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import func, select

from app.extensions import db
from scoring import rechecks, schemes, services
from scoring.models import EventConfirmation, ModuleConfirmation, RecheckItem, ScoreSheet
from tests.support import judging as J
from tests.support.web import csrf_token, login


@pytest.fixture
def dg(demo):
    J.load_judging()
    return J.event("DG")


def _chief(app, dg):
    c = app.test_client()
    login(c, "chief-dg")
    return c, csrf_token(c, f"/scoring/chief/{dg.id}")


def test_progress_flags_and_confirmation(app, dg):
    scheme = schemes.scheme_for(dg.id)
    first = sorted(services.scope_for(J.user("judge-dg-3"), dg).codes.values())
    target = next(c for c in first if all(c in services.scope_for(J.user(u), dg).codes.values()
                                          for u in ("judge-dg-4", "judge-dg-5")))

    def value(judge, code, aspect):
        if aspect.kind == "judgement":
            return "0" if (judge, code, aspect.code) == ("judge-dg-3", target, "C1.1") else "3"
        return "1" if aspect.kind == "pass_fail" else "2"

    J.fill(dg, value)
    flags = services.disagreements(dg, scheme)
    assert [(f["code"], f["aspect"]) for f in flags] == [(target, "C1.1")]
    assert "评价分相差超过 1 分" in flags[0]["message"]
    progress = services.progress(dg, scheme)
    assert all(cell["done"] for row in progress["rows"] for cell in row["cells"])
    assert all(j["entered"] == j["expected"] and j["signed"] == j["sheets"] for j in progress["judges"])

    chief, token = _chief(app, dg)
    html = chief.get(f"/scoring/chief/{dg.id}").get_data(as_text=True)
    assert "评价分相差超过 1 分" in html and target in html
    module_c = next(c for c in scheme.criteria if c.code == "C")
    r = chief.post(f"/scoring/chief/{dg.id}/confirm-module", data={"csrf_token": token, "criterion_id": module_c.id},
                   follow_redirects=True)
    assert "1 处评分分歧未解决" in r.get_data(as_text=True)
    r = chief.post(f"/scoring/chief/{dg.id}/confirm-event", data={"csrf_token": token}, follow_redirects=True)
    assert "还有模块未确认" in r.get_data(as_text=True)
    # the team discusses; the chief unlocks judge 3's sheet with a reason, the judge corrects and signs again
    sheet = db.session.scalar(select(ScoreSheet).where(ScoreSheet.judge_id == J.user("judge-dg-3").id,
                                                       ScoreSheet.criterion_id == module_c.id,
                                                       ScoreSheet.registration_id == _reg(dg, target)))
    services.unlock_sheet(J.user("chief-dg"), dg, sheet.id, "评分组讨论后修改")
    db.session.commit()
    aspect = next(a for a in schemes.aspects_of(scheme) if a.code == "C1.1")
    services.save_mark(J.user("judge-dg-3"), dg, {"key": J.key(), "code": target, "aspect_id": aspect.id, "value": "2"})
    services.sign_sheet(J.user("judge-dg-3"), dg, target, module_c.id)
    db.session.commit()
    assert services.disagreements(dg, scheme) == []
    for c in scheme.criteria:
        r = chief.post(f"/scoring/chief/{dg.id}/confirm-module", data={"csrf_token": token, "criterion_id": c.id})
        assert r.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(ModuleConfirmation)) == 3
    r = chief.post(f"/scoring/chief/{dg.id}/confirm-event", data={"csrf_token": token}, follow_redirects=True)
    assert "本项目成绩已确认" in r.get_data(as_text=True)
    assert db.session.scalar(select(EventConfirmation.event_id)) == dg.id
    # every practical score came out of the rules core
    scores = services.practical_scores(dg, scheme)
    assert all(s is not None for s in scores.values())
    progress_json = chief.get(f"/scoring/chief/{dg.id}/progress.json").get_json()
    assert progress_json["progress"]["event_confirmed"] is True


def _reg(dg, code):
    from contests.draw import registration_for_code

    return registration_for_code(dg.id, code).id


def test_panel_scores_drop_the_highest_and_lowest(dg):
    xs = J.event("XSMD")
    scheme = schemes.scheme_for(xs.id)
    values = dict(zip((j.username for j in services.event_judges(xs.id)), ["50", "45.5", "30", "48", "20"],
                      strict=True))
    J.fill(xs, lambda judge, code, aspect: values[judge] if aspect.code == "A1.1" else "35", sign=False)
    details = [d for d in services.panel_details(xs, scheme) if d["aspect"] == "A1.1" and len(d["scores"]) == 5]
    assert details
    assert all(d["dropped"] == ["20", "50"] and d["mark"] == "41.17" for d in details)


def test_recheck_draws_top_ten_and_fifteen_percent_and_demands_a_full_recheck(app, dg):
    J.fill(dg)
    scheme = schemes.scheme_for(dg.id)
    chief = J.user("chief-dg")
    n = rechecks.draw_sheets(chief, dg)
    db.session.commit()
    items = rechecks.items(dg)
    assert len(items) == n
    sheets = db.session.scalar(select(func.count()).select_from(ScoreSheet))
    top = [i for i in items if i.reason == "top"]
    drawn = [i for i in items if i.reason == "drawn"]
    assert top and len(drawn) == math.ceil(0.15 * (sheets - len(top)))
    with pytest.raises(services.JudgingError, match="已经抽取过"):
        rechecks.draw_sheets(chief, dg)
    db.session.rollback()
    c, token = _chief(app, dg)
    page = f"/scoring/chief/{dg.id}/recheck"
    assert c.get(page).status_code == 200
    r = c.post(f"{page}/finding", data={"csrf_token": csrf_token(c, page), "item_id": items[0].id, "result": "error"},
               follow_redirects=True)
    assert "复核有误时请写明发现的问题" in r.get_data(as_text=True)
    r = c.post(f"{page}/finding", data={"csrf_token": csrf_token(c, page), "item_id": items[0].id, "result": "error",
                                        "finding": "A1.1 抄写错误"}, follow_redirects=True)
    assert "须全部复核" in r.get_data(as_text=True)  # 1 error of 1 rechecked: 100% > 5%
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(RecheckItem)) == sheets
    verdict = rechecks.verdict(dg, scheme)
    assert verdict.rechecked == 1 and verdict.with_error == 1 and verdict.full_recheck
