"""Results from marks: recompute, audit, arbitration of ties, publication, verify, exports, forwarding."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, text

from app.audit import AuditEntry
from app.extensions import db
from app.models import User
from contests.models import Contest, Delegation, Event, EventGroup, Registration
from scoring import publication, results, results_export, results_forward
from scoring.results_demo import confirm_and_decrypt, first_aspect_id, put_mark, score_event
from scoring.results_models import ANNOUNCED, FINAL, PUBLIC_DISPLAY, StoredResult, TieDecision


@pytest.fixture
def results_bp(demo):
    from scoring.results_views import bp

    if "results" not in demo.blueprints:  # until app/__init__.py registers it
        demo.register_blueprint(bp)
    if "results" not in demo.cli.commands:  # until app/cli.py calls register_results_cli
        from scoring.cli_results import register_results_cli

        register_results_cli(demo)
    return demo


def _event(code: str = "DG", contest: str = "FP2020") -> Event:
    return db.session.scalar(select(Event).join(Contest).where(Contest.code == contest, Event.code == code))


def _stored(event: Event) -> dict[int, StoredResult]:
    return {r.registration_id: r for r in db.session.scalars(select(StoredResult).where(
        StoredResult.event_id == event.id))}


def _actions(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_recompute_reads_current_marks_and_stores_ranks_and_awards(results_bp):
    event = _event()
    regs = score_event(event, [70, 90, 80, 60])
    computed = results.on_event_confirmed(event)
    db.session.commit()
    assert computed.ok, computed.problems
    stored = _stored(event)
    assert [stored[r].rank for r in regs] == [3, 1, 2, 4]
    assert [stored[r].award for r in regs] == ["bronze", "gold", "silver", ""]
    assert stored[regs[1]].total == Decimal("90")
    assert stored[regs[1]].title == "全国技术能手"  # the 2020 default: gold medallist employee
    entries = _actions("results_recomputed")
    assert len(entries) == 1 and '"changed": 4' in entries[0].after

    # A new version of a mark is the current one; the change is stored and audited; no change, no entry.
    put_mark(regs[3], first_aspect_id(event), _judge("judge-dg-1"), Decimal(95))
    results.on_marks_changed(event)
    db.session.commit()
    stored = _stored(event)
    assert stored[regs[3]].rank == 1 and stored[regs[3]].award == "gold"
    assert stored[regs[0]].award == ""
    assert len(_actions("results_recomputed")) == 2
    results.recompute_event(event)
    db.session.commit()
    assert len(_actions("results_recomputed")) == 2


def _judge(username: str) -> int:
    return db.session.scalar(select(User.id).where(User.username == username))


def test_marks_missing_are_reported_and_nothing_is_stored(results_bp):
    event = _event()
    score_event(event, [70, 90])
    from scoring.models import Aspect

    first = db.session.get(Aspect, first_aspect_id(event))  # the event's own scheme
    db.session.add(Aspect(scheme_id=first.scheme_id, sub_id=first.sub_id, code="A1.2", kind="measurement",
                          maximum=Decimal(10), position=1, team=""))
    db.session.flush()
    computed = results.recompute_event(event)
    db.session.commit()
    assert not computed.ok
    assert any("A1.2" in p for p in computed.problems)
    assert _stored(event) == {}
    assert "A1.2" in results.settings_for(event).problems


def test_unresolved_tie_goes_to_arbitration_and_the_decision_is_applied(results_bp):
    event = _event()
    settings = results.settings_for(event)
    settings.shared_ranks = False
    regs = score_event(event, [88, 88, 70])
    results.recompute_event(event)
    db.session.commit()
    ties = results.open_ties(event)
    assert [t.registration_ids for t in ties] == [tuple(sorted(regs[:2]))]
    confirm_and_decrypt(event)
    assert "还有并列名次等待仲裁" in publication.blockers(event, ANNOUNCED)

    supervisor = db.session.scalar(select(User).where(User.username == "supervisor"))
    with pytest.raises(results.ResultsError):
        results.decide_tie(event, [regs[0], regs[2]], "理由", supervisor)
    results.decide_tie(event, [regs[1], regs[0]], "实操关键步骤用时更短", supervisor)
    db.session.commit()
    stored = _stored(event)
    assert (stored[regs[1]].rank, stored[regs[0]].rank) == (1, 2)
    assert stored[regs[1]].settled and stored[regs[0]].settled
    assert stored[regs[1]].award == "gold" and stored[regs[0]].award == "silver"
    assert results.open_ties(event) == []
    assert db.session.scalar(select(TieDecision.reason)) == "实操关键步骤用时更短"
    assert _actions("tie_decided")
    results.recompute_event(event)  # the recorded decision survives a recompute
    assert _stored(event)[regs[1]].rank == 1


def test_publication_states_and_their_conditions(results_bp):
    event = _event()
    organiser = db.session.scalar(select(User).where(User.username == "organiser"))
    score_event(event, [70, 90])
    results.recompute_event(event)
    found = publication.blockers(event, ANNOUNCED)
    assert "裁判长尚未确认本项目成绩" in found and "本项目尚未解密" in found
    with pytest.raises(results.ResultsError):
        publication.advance(event, FINAL, organiser)
    confirm_and_decrypt(event)
    publication.advance(event, ANNOUNCED, organiser)
    with pytest.raises(results.ResultsError, match="早于今天"):
        publication.advance(event, PUBLIC_DISPLAY, organiser, public_until=date(2020, 8, 1), today=date(2020, 8, 13))
    publication.advance(event, PUBLIC_DISPLAY, organiser, public_until=date(2020, 8, 20), today=date(2020, 8, 13))
    with pytest.raises(results.ResultsError, match="公示期至 2020-08-20"):
        publication.advance(event, FINAL, organiser, today=date(2020, 8, 20))
    publication.advance(event, FINAL, organiser, today=date(2020, 8, 21))
    db.session.commit()
    assert results.settings_for(event).publication == FINAL
    assert len(_actions("results_publication")) == 3
    with pytest.raises(results.ResultsError):
        results.update_settings(event, {"shared_ranks": False})


def test_verify_detects_a_tampered_stored_result(results_bp):
    event = _event()
    regs = score_event(event, [70, 90, 80])
    results.recompute_event(event)
    confirm_and_decrypt(event)
    organiser = db.session.scalar(select(User).where(User.username == "organiser"))
    publication.advance(event, ANNOUNCED, organiser)
    db.session.commit()
    assert all(c.ok for c in results.verify_contest(event.contest))
    runner = results_bp.test_cli_runner()
    assert runner.invoke(args=["results", "verify", "--contest", "FP2020"]).exit_code == 0

    db.session.execute(text("UPDATE event_result SET total = 99, rank = 1 WHERE registration_id = :r"),
                       {"r": regs[0]})
    db.session.commit()
    checks = [c for c in results.verify_contest(event.contest) if not c.ok]
    assert len(checks) == 1 and regs[0] in checks[0].differences
    assert checks[0].differences[regs[0]]["total"] == ["99", "70"]
    out = runner.invoke(args=["results", "verify", "--contest", "FP2020"])
    assert out.exit_code == 1
    assert f"报名 {regs[0]}" in out.output and "总成绩 存储 99 / 重算 70" in out.output


def test_exports_neutralise_formulas_and_include_the_medal_table(results_bp, tmp_path):
    event = _event()
    regs = score_event(event, [70, 90, 80])
    reg = db.session.get(Registration, regs[1])
    reg.name = "=HYPERLINK(1)"
    results.recompute_event(event)
    db.session.commit()
    book = load_workbook(io.BytesIO(results_export.event_workbook(event)))
    rows = list(book["成绩"].iter_rows(values_only=True))
    assert rows[0] == tuple(results_export.HEADERS)
    assert rows[1][0] == 1 and rows[1][2] == "'=HYPERLINK(1)" and rows[1][9] == "金牌"
    assert all(reg.id_number not in str(c) for row in rows for c in row)

    out = tmp_path / "fp.xlsx"
    run = results_bp.test_cli_runner().invoke(args=["results", "export", "--contest", "FP2020", "--xlsx", str(out)])
    assert run.exit_code == 0, run.output
    book = load_workbook(out)
    medals = list(book["奖牌榜"].iter_rows(values_only=True))
    assert medals[0] == tuple(results_export.MEDAL_HEADERS)
    assert sum(r[-1] for r in medals[1:]) == 4 + 3 + 2


def test_poverty_statistics_count_participants_and_winners(results_bp):
    event = _event()
    score_event(event, [70, 90, 80])
    results.recompute_event(event)
    stats = results_export.poverty_statistics(event.contest)
    assert stats.winners["total"] == 3
    assert stats.participants["total"] >= 3
    assert sum(row[3] for row in stats.by_delegation) == 3
    book = load_workbook(io.BytesIO(results_export.statistics_workbook(stats)))
    assert "按代表团" in book.sheetnames and "获奖-总体" in book.sheetnames


def _provincial_contest() -> tuple[Contest, Event]:
    contest = Contest(code="GX2020", name="广西选拔赛", level="provincial", organiser_name="广西人社厅",
                      region_scope="45", starts_on=date(2020, 6, 1), ends_on=date(2020, 6, 2))
    db.session.add(contest)
    event = Event(contest=contest, code="DG", name="电工", position=0)
    event.groups.append(EventGroup(code="open", name="不分组", position=0))
    delegation = Delegation(contest=contest, code="4501", name="南宁市")
    db.session.add_all([event, delegation])
    db.session.flush()
    sq = db.session.scalars(select(Registration).join(Contest).where(Contest.code == "SQSZ2019")).all()[:3]
    for person in sq:
        db.session.add(Registration(
            contest_id=contest.id, event_id=event.id, group_id=event.groups[0].id, delegation_id=delegation.id,
            name=person.name, id_number=person.id_number, sex=person.sex, birth_date=person.birth_date,
            ethnic_code=person.ethnic_code, mobile=person.mobile, county_code=person.county_code,
            category=person.category, status="confirmed", source="self"))
    db.session.flush()
    return contest, event


def test_forwarding_final_results_to_the_national_contest(results_bp):
    contest, event = _provincial_contest()
    regs = score_event(event, [91, 85, 77], judge_username="judge-dg-1")
    results.recompute_event(event)
    organiser = db.session.scalar(select(User).where(User.username == "organiser"))
    national = db.session.scalar(select(Contest).where(Contest.code == "FP2020"))
    with pytest.raises(results.ResultsError, match="不是本比赛已确定最终成绩的选手"):
        results_forward.forward(organiser, contest, national, regs[:1])
    results.settings_for(event).publication = FINAL
    made = results_forward.forward(organiser, contest, national, regs[:2])
    db.session.commit()
    assert [(r.status, r.source, r.contest_id) for r in made] == [("submitted", "forwarded", national.id)] * 2
    assert made[0].delegation.code == "45" and made[0].event.code == "DG"
    assert made[0].steps[0].reason == "由广西选拔赛推荐"
    with pytest.raises(results.ResultsError, match="已推荐过"):
        results_forward.forward(organiser, contest, national, regs[:1])
    assert _actions("results_forwarded")
