"""Results pages: the public page shows only published events and no ID or phone numbers; its cache is fresh
after a mark changes; provisional standings by code until decryption; charts; staff pages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import User
from contests.models import Contest, Event, Registration
from scoring import public_pages, publication, results
from scoring.results_demo import confirm_and_decrypt, first_aspect_id, put_mark, score_event
from scoring.results_models import ANNOUNCED
from tests.support.web import login, post_form


@pytest.fixture
def app_(demo):
    from scoring.results_views import bp

    if "results" not in demo.blueprints:
        demo.register_blueprint(bp)
    return demo


def _event(code: str = "DG") -> Event:
    return db.session.scalar(select(Event).join(Contest).where(Contest.code == "FP2020", Event.code == code))


def _publish(event: Event) -> None:
    confirm_and_decrypt(event)
    organiser = db.session.scalar(select(User).where(User.username == "organiser"))
    publication.advance(event, ANNOUNCED, organiser)
    db.session.commit()


def test_public_page_shows_only_published_events_without_id_or_phone(app_):
    client = app_.test_client()
    event = _event()
    regs = score_event(event, [70, 90, 80])
    results.recompute_event(event)
    db.session.commit()
    people = [db.session.get(Registration, r) for r in regs]
    assert client.get("/results/FP2020/DG").status_code == 404
    page = client.get("/results/FP2020").get_data(as_text=True)
    assert people[0].name not in page

    _publish(event)
    page = client.get("/results/FP2020/DG").get_data(as_text=True)
    for person in people:
        assert person.name in page and person.delegation.name in page
        assert person.id_number not in page and person.mobile not in page
    assert page.index(people[1].name) < page.index(people[2].name) < page.index(people[0].name)
    assert "金牌" in page and "90.00" in page
    contest_page = client.get("/results/FP2020").get_data(as_text=True)
    assert people[1].name in contest_page
    assert "2020年全国扶贫职业技能大赛" in client.get("/results/").get_data(as_text=True)
    medals = client.get("/results/FP2020/medals").get_data(as_text=True)
    assert people[1].delegation.name in medals
    svg = client.get("/results/FP2020/DG/distribution.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    assert b"<svg" in client.get("/results/FP2020/medals.svg").data


def test_cached_public_page_is_fresh_after_a_mark_change(app_):
    client = app_.test_client()
    event = _event()
    regs = score_event(event, [70, 90, 80])
    results.recompute_event(event)
    _publish(event)
    publication.forget_local_cache()
    before = dict(public_pages.stats)
    first = client.get("/results/FP2020/DG").get_data(as_text=True)
    client.get("/results/FP2020/DG")
    assert public_pages.stats["hits"] > before["hits"]  # the second view came from the cache
    assert "70.00" in first and "71.50" not in first

    # Arbitration corrects a mark (a new version), results are recomputed: the next view is fresh.
    put_mark(regs[0], first_aspect_id(event), db.session.scalar(select(User.id).where(
        User.username == "judge-dg-1")), Decimal("71.5"))
    results.on_marks_changed(event)
    db.session.commit()
    fresh = client.get("/results/FP2020/DG").get_data(as_text=True)
    assert "71.50" in fresh and "70.00" not in fresh


def test_provisional_standings_show_codes_until_decryption(app_):
    from contests.draw import codes_for, demo_draws

    event = _event()
    encryption = db.session.scalar(select(User).where(User.username == "encryption"))
    organiser = db.session.scalar(select(User).where(User.username == "organiser"))
    demo_draws(event.contest_id, encryption, organiser)
    regs = score_event(event, [70, 90])
    db.session.commit()
    codes = codes_for(event.id)
    client = app_.test_client()
    login(client, "chief-dg")
    page = client.get(f"/results/event/{event.id}/standings").get_data(as_text=True)
    named = db.session.get(Registration, regs[1])
    assert codes[regs[1]] in page and named.name not in page and named.delegation.name not in page
    assert page.index(codes[regs[1]]) < page.index(codes[regs[0]])  # 90 before 70
    assert "90.00" in page

    confirm_and_decrypt(event)
    db.session.commit()
    page = client.get(f"/results/event/{event.id}/standings").get_data(as_text=True)
    assert named.name in page

    other = _event("QG")
    assert client.get(f"/results/event/{other.id}/standings").status_code == 403


def test_staff_pages_and_judge_consistency(app_):
    from scoring.charts import judge_consistency
    from scoring.results_demo import load_demo_results

    load_demo_results()
    db.session.commit()
    client = app_.test_client()
    login(client, "organiser")
    event = _event()
    assert client.get("/results/manage/FP2020").status_code == 200
    page = client.get(f"/results/manage/event/{event.id}")
    assert page.status_code == 200 and "最终成绩" in page.get_data(as_text=True)
    assert client.get("/results/manage/FP2020/statistics").status_code == 200
    assert client.get("/results/manage/FP2020/statistics.xlsx").status_code == 200
    assert client.get("/results/manage/FP2020/results.xlsx").status_code == 200
    judges = judge_consistency(event)
    assert judges and all(abs(j.deviation) < 100 for j in judges)
    svg = client.get(f"/results/manage/event/{event.id}/judges.svg")
    assert svg.mimetype == "image/svg+xml" and judges[0].name in svg.get_data(as_text=True)

    # The last demo event is still internal: publishing it from the page needs its confirmation first.
    last = db.session.scalar(select(Event).join(Contest).where(Contest.code == "FP2020")
                             .order_by(Event.position.desc()))
    r = post_form(client, f"/results/manage/event/{last.id}/publish", {"target": "announced"},
                  form_page=f"/results/manage/event/{last.id}", follow_redirects=True)
    assert "裁判长尚未确认本项目成绩" in r.get_data(as_text=True)
    assert client.get("/results/FP2020/" + last.code).status_code == 404


def test_settings_form_recomputes_and_refuses_bad_json(app_):
    event = _event()
    regs = score_event(event, [70, 90, 80, 60])
    results.recompute_event(event)
    db.session.commit()
    client = app_.test_client()
    login(client, "organiser")
    page = f"/results/manage/event/{event.id}"
    data = {"preset": "3-5-10", "award_policy": "", "tie_breaks": "practical, time:lower", "shared_ranks": "y",
            "rounding_places": "2", "rounding_mode": "ROUND_HALF_UP", "appeal_window_hours": "2"}
    r = post_form(client, f"{page}/settings", data, form_page=page, follow_redirects=True)
    assert "计算规则已保存" in r.get_data(as_text=True)
    stored = {s.registration_id: s.award for s in db.session.scalars(select(results.StoredResult))}
    assert [stored[r] for r in regs] == ["gold", "gold", "gold", "silver"]  # 3 gold, then silver
    bad = {**data, "preset": "", "award_policy": '{"bands": [{"award": "gold", "share": "lots"}]}'}
    r = post_form(client, f"{page}/settings", bad, form_page=page, follow_redirects=True)
    assert "无法识别" in r.get_data(as_text=True)


def test_promotion_special_award_and_title_holders_show_on_pages_and_in_excel(app_):
    """Outcomes beyond the medal: a medallist's skill-level promotion (with the level it leads to), the
    delegation's best contestant, and a previous title holder who competes without award."""
    import io

    from openpyxl import load_workbook

    event = _event()
    regs = score_event(event, [70, 90, 80])
    people = [db.session.get(Registration, r) for r in regs]
    people[1].skill_level = "四级/中级工"
    people[0].previous_title_holder = True
    policy = dict(results.settings_for(event).award_policy)
    policy["best_of_delegation"] = "代表队最佳选手"
    results.update_settings(event, {"award_policy": policy})
    db.session.commit()

    client = app_.test_client()
    login(client, "organiser")
    staff = client.get(f"/results/manage/event/{event.id}").get_data(as_text=True)
    assert "晋升 1 级（四级/中级工 → 三级/高级工）" in staff
    assert "代表队最佳选手" in staff
    assert "曾获称号，参赛不参与评奖" in staff

    book = load_workbook(io.BytesIO(client.get(f"/results/manage/event/{event.id}/results.xlsx").data))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[-3:] == ["技能等级晋升", "特别奖", "备注"]
    by_name = {row[2]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert by_name[people[1].name][-3] == "晋升 1 级（四级/中级工 → 三级/高级工）"
    assert by_name[people[0].name][-1] == "曾获称号，参赛不参与评奖"
    assert by_name[people[0].name][9] in (None, "")  # no award for the title holder

    _publish(event)
    public = app_.test_client().get("/results/FP2020/DG").get_data(as_text=True)
    assert "晋升 1 级（四级/中级工 → 三级/高级工）" in public and "代表队最佳选手" in public
    english = app_.test_client()
    english.set_cookie("lang", "en")
    page = english.get("/results/FP2020/DG").get_data(as_text=True)
    assert "Promoted 1 skill level(s) (四级/中级工 → 三级/高级工)" in page  # level names are data, kept as entered


def test_public_pages_are_served_from_cache_without_a_session_and_fresh_after_a_rename(app_):
    """Readers on results day get a page rendered once per language and results version; it carries no
    session cookie; renaming the event in the setup pages shows at once; logged-in people get their own."""
    from contests import setup

    event = _event()
    regs = score_event(event, [70, 90, 80])
    results.recompute_event(event)
    _publish(event)
    publication.forget_local_cache()
    reader = app_.test_client()
    first = reader.get("/results/FP2020/DG")
    assert "Set-Cookie" not in first.headers
    hits = public_pages.stats["hits"]
    assert reader.get("/results/FP2020/DG").get_data(as_text=True) == first.get_data(as_text=True)
    assert public_pages.stats["hits"] == hits + 1

    english = app_.test_client()
    english.set_cookie("lang", "en")
    assert "Gold" in english.get("/results/FP2020/DG").get_data(as_text=True)  # not the cached Chinese page
    assert "金牌" in reader.get("/results/FP2020/DG").get_data(as_text=True)

    values = setup.values_from(setup.EventValues, event)
    values.name = "电工（维修电工）"
    setup.update_event(event, values)
    db.session.commit()
    assert "电工（维修电工）" in reader.get("/results/FP2020/DG").get_data(as_text=True)

    staff = app_.test_client()
    login(staff, "organiser")
    assert "退出" in staff.get("/results/FP2020/DG").get_data(as_text=True)  # their own menu, not the cache
    assert db.session.get(Registration, regs[0]).name in reader.get("/results/FP2020").get_data(as_text=True)


def test_a_change_made_by_another_process_shows_within_a_second(app_, monkeypatch):
    """Another app process renames the event and bumps the results version (raw SQL on a connection of its
    own, as that process would): this process keeps its page until the version it read is older than
    ``VERSION_TTL`` (one second), then shows the new name. A change made here shows at once (the test above)."""
    from sqlalchemy import text

    event = _event()
    score_event(event, [70, 90, 80])
    results.recompute_event(event)
    _publish(event)
    publication.forget_local_cache()
    now = [1000.0]
    monkeypatch.setattr(public_pages, "clock", lambda: now[0])
    reader = app_.test_client()
    assert "电工（其他进程改名）" not in reader.get("/results/FP2020/DG").get_data(as_text=True)
    with db.engine.begin() as other:
        other.execute(text("UPDATE event SET name = :name WHERE id = :id"),
                      {"name": "电工（其他进程改名）", "id": event.id})
        other.execute(text("UPDATE results_version SET version = version + 1 WHERE contest_id = :c"),
                      {"c": event.contest_id})
    assert "电工（其他进程改名）" not in reader.get("/results/FP2020/DG").get_data(as_text=True)
    now[0] += public_pages.VERSION_TTL - 0.01
    assert "电工（其他进程改名）" not in reader.get("/results/FP2020/DG").get_data(as_text=True)
    now[0] += 0.02
    assert "电工（其他进程改名）" in reader.get("/results/FP2020/DG").get_data(as_text=True)


def test_the_fast_path_answers_like_flask(app_, caplog):
    """A page from the public page cache has the security headers, its own request id and an access log
    line; a reader whose session holds only a form token still gets the cached page; a database that cannot
    be reached falls through to Flask's 503 page."""
    import logging

    from sqlalchemy.exc import OperationalError

    event = _event()
    score_event(event, [70, 90, 80])
    results.recompute_event(event)
    _publish(event)
    publication.forget_local_cache()
    reader = app_.test_client()
    first = reader.get("/results/FP2020/DG", headers={"X-Request-ID": "first-request-1"})
    assert first.headers["X-Request-ID"] == "first-request-1"
    hits = public_pages.stats["hits"]
    with caplog.at_level(logging.INFO, logger="saiwu.access"):
        cached = reader.get("/results/FP2020/DG", headers={"X-Request-ID": "second-request-2"})
    assert public_pages.stats["hits"] == hits + 1
    assert cached.headers["X-Request-ID"] == "second-request-2"
    assert cached.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    assert cached.headers["Content-Type"].startswith("text/html")
    line = next(r for r in caplog.records if r.name == "saiwu.access")
    assert line.fields["path"] == "/results/FP2020/DG" and line.fields["status"] == 200
    assert line.fields["request_id"] == "second-request-2"

    visitor = app_.test_client()
    visitor.get("/login")  # a form token in the session, nobody logged in
    hits = public_pages.stats["hits"]
    assert visitor.get("/results/FP2020/DG").get_data() == first.get_data()
    assert public_pages.stats["hits"] == hits + 1

    def unreachable(_code, _connection=None):
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    original = publication.page_version
    publication.page_version = unreachable
    try:
        public_pages.forget_versions()  # the version is due: it must be read, and cannot be
        hits = public_pages.stats["hits"]
        reader.get("/results/FP2020/DG")
        assert public_pages.stats["hits"] == hits  # not served blind from memory
    finally:
        publication.page_version = original


def test_only_pages_public_in_the_access_matrix_may_take_the_fast_path():
    """The fast path answers before ``access.enforce`` runs: marking a staff page for it fails at import."""
    from scoring.results_views import for_the_public

    def manage():  # results.manage: organisers and supervisors only
        return ""

    with pytest.raises(RuntimeError, match="not public"):
        for_the_public(manage)
