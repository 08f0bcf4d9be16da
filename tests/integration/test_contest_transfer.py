"""Moving a whole contest: ``flask contest export CODE`` and ``flask contest import FILE`` (docs/contest-transfer.md).

What a person notices: after the move the public results show the same ranks and awards, a certificate's
verification page says valid or revoked as before, judges log in with their passwords, ``flask results
verify`` and ``flask audit verify`` pass; exporting the moved contest gives the same document; a file that
would clash with the target's data, or is damaged, is refused with a clear message and nothing is written.
"""

from __future__ import annotations

import copy
import json
import os
import re
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, select, text

from app import transfer
from app.audit import AuditHead
from app.extensions import db
from app.models import LoginCard, User
from app.timeutil import utcnow
from contests.models import Contest, Event, EventGroup, Registration, RegistrationStep, Team
from tests.conftest import ON_POSTGRES, IsolatedClient
from tests.support.web import login

PG_BASE = os.environ["DATABASE_URL"] if ON_POSTGRES else "postgresql://postgres@127.0.0.1:5432/test"
SIGNUP_PASSWORD = "Zhang-San-2020!"  # noqa: S105 — a test account's password


# ---------------------------------------------------------------- apps on fresh databases


def _pg_reachable() -> str | None:
    import psycopg

    try:
        psycopg.connect(PG_BASE, connect_timeout=3).close()
    except Exception as err:  # noqa: BLE001 — any failure means "not reachable", with its reason
        return str(err).strip()
    return None


def require_postgres() -> None:
    problem = _pg_reachable()
    if problem:
        reason = f"PostgreSQL is not reachable at {PG_BASE}: {problem}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {reason}")
        pytest.skip(reason)


@pytest.fixture
def fresh(tmp_path):
    """``fresh(kind)``: a new app on an empty, migrated database ("sqlite" or "postgresql"); dropped afterwards."""
    from app import create_app

    made: list[tuple] = []

    def make(kind: str):
        n = len(made)
        uploads = tmp_path / f"uploads-{n}"
        if kind == "sqlite":
            url = f"sqlite:///{tmp_path / f'fresh-{n}.db'}"
            schema = None
        else:
            schema = f"x_{uuid.uuid4().hex[:10]}"
            base = PG_BASE.replace("postgresql://", "postgresql+psycopg://", 1).replace(
                "postgres://", "postgresql+psycopg://", 1)
            url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
            with create_engine(url).begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        other = create_app({"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": str(uploads), "SERVER_NAME": None},
                           config_name="testing")
        other.test_client_class = IsolatedClient
        with other.app_context():
            upgrade()
        made.append((other, url, schema))
        return other

    yield make
    for other, url, schema in made:
        with other.app_context():
            db.engine.dispose()
        if schema:
            engine = create_engine(url)
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            engine.dispose()


def suite_kind() -> str:
    return "postgresql" if ON_POSTGRES else "sqlite"


# ---------------------------------------------------------------- a contest with everything in it


def load_everything() -> None:
    """The demo (contests, results, certificates) and then what the demo lacks, so that every table of the
    contest has rows: mark versions, revoked and reissued certificates, uploaded files, a tie decision, an
    appeal, recusal, confirmations, unlocks, rechecks, paper double entry, login cards, a self-registered
    contestant, and a contestant forwarded from the provincial contest GX2027."""
    from app.demo import load_demo
    from certificates import services as certs
    from certificates.models import IssuedCertificate
    from contests import uploads
    from contests.judging_models import JudgeRelationship
    from scoring import schemes
    from scoring.models import (
        Mark,
        ModuleConfirmation,
        PaperEntry,
        RecheckItem,
        ScoreSheet,
        SheetUnlock,
    )
    from scoring.results import recompute_event
    from scoring.results_demo import chief_of, load_demo_results
    from scoring.results_models import Appeal, Forwarding, TieDecision
    from scoring.services import append_version

    load_demo()
    db.session.commit()
    load_demo_results()
    db.session.commit()
    certs.load_demo_certificates()
    db.session.commit()

    fp = contest("FP2020")
    last = fp.events[-1]  # still internal in the demo: its marks may change
    organiser, supervisor = user("organiser"), user("supervisor")
    chief = chief_of(last)
    scheme = schemes.scheme_for(last.id)
    aspects = {a.id: a for a in schemes.aspects_of(scheme)}
    marks = db.session.scalars(select(Mark).where(Mark.aspect_id.in_(aspects)).order_by(Mark.id).limit(2)).all()
    for first in marks:  # versions 2 and 3, each pointing at the one before
        current = first
        for delta in (Decimal("0.5"), Decimal("-0.5")):
            value = max(Decimal(0), min(Decimal(aspects[first.aspect_id].maximum), current.value + delta))
            current = append_version(
                registration=db.session.get(Registration, first.registration_id), aspect=aspects[first.aspect_id],
                judge_id=first.judge_id, value=value, key=uuid.uuid4().hex, device="tablet-7", ip="10.0.0.7",
                source="tablet", entered_by=first.judge_id, base_version=current.version, current=current)
    recompute_event(last, reason="测试：评分修改")
    competing = db.session.scalars(select(Registration).where(Registration.event_id == last.id,
                                                              Registration.status == "confirmed")
                                   .order_by(Registration.id)).all()
    db.session.add(TieDecision(event_id=last.id, group_code="open", order_json=json.dumps(
        [competing[1].id, competing[0].id]), reason="仲裁组决定", decided_by=supervisor.id))
    db.session.add(Appeal(registration_id=competing[0].id, event_id=last.id, filed_by=user("deleg-45").id,
                          text="对实操成绩有异议", status="rejected", decision="复核无误，维持原成绩",
                          decided_by=supervisor.id, decided_at=utcnow()))
    db.session.add(JudgeRelationship(judge_id=chief.id, registration_id=competing[2].id, note="师生关系",
                                     declared_by=organiser.id))
    sheet = db.session.scalars(select(ScoreSheet).order_by(ScoreSheet.id)).first()
    db.session.add(SheetUnlock(sheet_id=sheet.id, by_id=chief.id, reason="签字有误"))
    db.session.add(RecheckItem(event_id=last.id, sheet_id=sheet.id, reason="top", result="ok", finding="无误",
                               checked_by=supervisor.id, checked_at=utcnow()))
    db.session.add(ModuleConfirmation(criterion_id=scheme.criteria[0].id, by_id=chief.id))
    one, two = (PaperEntry(registration_id=marks[0].registration_id, aspect_id=marks[0].aspect_id,
                           judge_id=marks[0].judge_id, clerk_id=clerk.id, value=marks[0].value, status="matched",
                           mark_id=marks[0].id) for clerk in (organiser, supervisor))
    db.session.add_all([one, two])
    db.session.flush()
    one.partner_id, two.partner_id = two.id, one.id  # a cycle inside one table
    db.session.add(LoginCard(user_id=chief.id, event_id=last.id, token_hash="a" * 64, code_hash="b" * 64,
                             created_by=organiser.id, expires_at=utcnow()))

    # Uploaded files, as the registration form stores them.
    folder = current_app.config["UPLOAD_FOLDER"]
    competing[0].photo = uploads.store(folder, "photo", b"\xff\xd8\xff\xe0 a photo \x00\x01", "jpg")
    competing[0].poverty_proof = uploads.store(folder, "proof", b"%PDF-1.4 proof\n%%EOF", "pdf")

    # A contestant who signed up on the site (an account of no contest) and registered.
    signup = User(username="13800138000", display_name="张三", role="contestant")
    signup.set_password(SIGNUP_PASSWORD)
    db.session.add(signup)
    db.session.flush()
    competing[3].user_id = signup.id

    # Certificates: one reissued (revoked, with a new serial pointing back), one revoked.
    issued = db.session.scalars(select(IssuedCertificate).where(IssuedCertificate.contest_id == fp.id)
                                .order_by(IssuedCertificate.id)).all()
    certs.reissue(issued[0], "成绩复核后更正", organiser)
    certs.revoke(issued[1], "证书信息有误", organiser)

    # Forwarded from the provincial contest: a registration of FP2020 made by GX2027's organiser.
    gx_reg = db.session.scalars(select(Registration).join(Contest).where(Contest.code == "GX2027")
                                .order_by(Registration.id)).first()
    gx_org = user("gx-organiser")
    dg = db.session.scalar(select(Event).where(Event.contest_id == fp.id, Event.code == gx_reg.event.code))
    new = Registration(contest_id=fp.id, event_id=dg.id, group_id=dg.groups[0].id,
                       delegation_id=next(d.id for d in fp.delegations if d.code == "45"), status="submitted",
                       source="forwarded", **{f: getattr(gx_reg, f) for f in (
                           "name", "id_number", "sex", "birth_date", "ethnic_code", "mobile", "county_code",
                           "category", "employer", "skill_level", "works_in_occupation", "poor_household",
                           "household_number", "previous_title_holder")})
    new.steps.append(RegistrationStep(from_status="draft", to_status="submitted", user_id=gx_org.id,
                                      reason="由广西选拔赛推荐"))
    db.session.add(new)
    db.session.flush()
    db.session.add(Forwarding(from_registration_id=gx_reg.id, to_contest_id=fp.id, to_registration_id=new.id,
                              by_id=gx_org.id))

    # A two-person team event with one team (its members point to the team).
    pairs = Event(contest_id=fp.id, code="SR", name="双人赛", position=99, team_size=2)
    db.session.add(pairs)
    db.session.flush()
    pair_group = EventGroup(event_id=pairs.id, code="employee", name="职工组", position=0)
    db.session.add(pair_group)
    db.session.flush()
    team = Team(event_id=pairs.id, group_id=pair_group.id, delegation_id=competing[0].delegation_id, number=1)
    db.session.add(team)
    db.session.flush()
    for person in competing[:2]:
        db.session.add(Registration(contest_id=fp.id, event_id=pairs.id, group_id=pair_group.id,
                                    delegation_id=competing[0].delegation_id, status="submitted", team_id=team.id,
                                    **{f: getattr(person, f) for f in ("name", "id_number", "sex", "birth_date",
                                                                       "ethnic_code", "mobile", "county_code")}))
    db.session.commit()


def contest(code: str) -> Contest:
    return db.session.scalar(select(Contest).where(Contest.code == code))


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def body(doc: dict) -> dict:
    """The document without its informational ``source`` header: what must survive a move exactly."""
    return {k: v for k, v in doc.items() if k != "source"}


def move(source_app, target_app) -> tuple[dict, dict]:
    """Export GX2027 and FP2020 from the source, import both into the target (GX2027 first: the forwarding
    between them is recreated when the second one arrives), return FP2020's documents before and after."""
    with source_app.app_context():
        docs = {code: json.loads(transfer.dumps(transfer.export_contest(code))) for code in ("GX2027", "FP2020")}
    with target_app.app_context():
        for code in ("GX2027", "FP2020"):
            transfer.import_contest(docs[code])
            db.session.commit()
        again = {code: transfer.export_contest(code) for code in docs}
    for code in docs:
        assert json.dumps(body(again[code]), ensure_ascii=False) == json.dumps(body(docs[code]), ensure_ascii=False)
    return docs["FP2020"], again["FP2020"]


def counts() -> dict[str, int]:
    out = {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}
    head = db.session.get(AuditHead, 1)
    out["audit head"] = (head.seq, head.last_hash) if head else None
    return out


# ---------------------------------------------------------------- 1. round trip


def test_round_trip_is_exact(app, fresh):
    load_everything()
    with app.app_context():
        doc = transfer.export_contest("FP2020")
    empty = [name for name, block in doc["tables"].items() if not block["rows"]]
    assert empty == [], f"the test contest should fill every table, these are empty: {empty}"
    assert doc["audit"]["rows"] and doc["serial_counters"] and doc["files"] and doc["links"]["result_forwarding"]
    assert [u["username"] for u in doc["external_users"]] == ["gx-organiser"]
    versions = doc["tables"]["mark"]
    col = versions["columns"].index
    assert {r[col("version")] for r in versions["rows"]} == {1, 2, 3}
    assert all(r[col("previous_id")] is None or r[col("previous_id")] < r[col("id")] for r in versions["rows"])
    cert = doc["tables"]["issued_certificate"]
    assert any(r[cert["columns"].index("revoked_at")] for r in cert["rows"])
    assert any(r[cert["columns"].index("replaced_by_id")] for r in cert["rows"])

    target = fresh(suite_kind())
    before, after = move(app, target)
    assert body(after) == body(before)
    with target.app_context():
        from app.audit import verify

        assert verify().ok


# ---------------------------------------------------------------- 2. SQLite → PostgreSQL


def _pages(client, serials: list[str]) -> dict[str, str]:
    paths = ["/results/FP2020", "/results/FP2020/DG", "/results/FP2020/QG", "/results/FP2020/medals"]
    paths += [f"/certificates/verify/{s}" for s in serials]
    out = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        out[path] = response.get_data(as_text=True)
    return out


def _ranks(html: str) -> list[str]:
    """The rows of the results tables as text: rank, name, delegation, scores, award."""
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html, flags=re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r)).strip() for r in rows]


def test_sqlite_to_postgresql(fresh):
    require_postgres()
    source = fresh("sqlite")
    with source.app_context():
        load_everything()
        from certificates.models import IssuedCertificate

        certs = db.session.scalars(select(IssuedCertificate).join(Contest).where(Contest.code == "FP2020")
                                   .order_by(IssuedCertificate.id)).all()
        serials = [certs[0].serial, certs[1].serial, certs[0].replaced_by.serial, certs[2].serial]
        assert certs[0].revoked_at and certs[1].revoked_at and certs[2].revoked_at is None
        shown = _pages(source.test_client(), serials)
    target = fresh("postgresql")
    before, after = move(source, target)
    assert body(after) == body(before)  # the same document, exported from PostgreSQL

    with target.app_context():
        client = target.test_client()
        moved = _pages(client, serials)
        for path, html in shown.items():
            assert _ranks(moved[path]) == _ranks(html), path
        assert "已撤销" in moved[f"/certificates/verify/{serials[1]}"]
        assert "证书信息有误" in moved[f"/certificates/verify/{serials[1]}"]
        assert serials[2] in moved[f"/certificates/verify/{serials[0]}"]  # points to its replacement
        assert "已撤销" not in moved[f"/certificates/verify/{serials[3]}"]
        assert len(_ranks(moved["/results/FP2020/DG"])) > 5

        judge = target.test_client()
        assert login(judge, "judge-dg-1").status_code == 302
        home = judge.get("/", follow_redirects=True)
        assert home.status_code == 200 and home.request.path != "/login"
        contestant = target.test_client()
        response = login(contestant, "13800138000", SIGNUP_PASSWORD, follow=True)
        assert response.request.path != "/login"
        assert login(target.test_client(), "judge-dg-1", "wrong-password").status_code != 302

        runner = target.test_cli_runner()
        checked = runner.invoke(args=["results", "verify", "--contest", "FP2020"])
        assert checked.exit_code == 0, checked.output
        assert "0 个不一致" in checked.output
        chain = runner.invoke(args=["audit", "verify"])
        assert chain.exit_code == 0 and "审计链完整" in chain.output, chain.output

        # The app goes on writing after the move: the sequences were moved past the imported ids.
        fp = contest("FP2020")
        db.session.add(Registration(contest_id=fp.id, event_id=fp.events[0].id, group_id=fp.events[0].groups[0].id,
                                    delegation_id=fp.delegations[0].id, name="新选手", id_number="11010519491231002X",
                                    sex="F", birth_date=date(1990, 1, 1), ethnic_code="01", mobile="13900000000",
                                    county_code="110105"))
        from app import audit

        audit.record("after_move", fp)
        db.session.commit()
        assert runner.invoke(args=["audit", "verify"]).exit_code == 0


# ---------------------------------------------------------------- 3. a target with data of its own; refusals


def _other_contest() -> None:
    """A small contest made on the target itself, before anything is imported."""
    from app import audit

    other = Contest(code="HN2028", name="湖南省职业技能大赛", level="provincial", organiser_name="湖南省人社厅",
                    starts_on=date(2028, 5, 1), ends_on=date(2028, 5, 3))
    db.session.add(other)
    db.session.flush()
    event = Event(contest_id=other.id, code="DG", name="电工")
    event.groups.append(EventGroup(code="open", name="不分组"))
    db.session.add(event)
    from contests.models import Delegation

    deleg = Delegation(contest_id=other.id, code="4301", name="长沙市代表团")
    db.session.add(deleg)
    account = User(username="hn-organiser", display_name="湖南赛组委会", role="organiser", contest_id=other.id)
    account.set_password("Hunan-2028-organiser")
    db.session.add(account)
    db.session.flush()
    db.session.add(Registration(contest_id=other.id, event_id=event.id, group_id=event.groups[0].id,
                                delegation_id=deleg.id, name="李四", id_number="430102199001010019", sex="M",
                                birth_date=date(1990, 1, 1), ethnic_code="01", mobile="13700000000",
                                county_code="430102", status="confirmed"))
    audit.record("contest_created", other, user=account)
    db.session.commit()


def _demo_with_results() -> None:
    from app.demo import load_demo
    from certificates.services import load_demo_certificates
    from scoring.results_demo import load_demo_results

    load_demo()
    db.session.commit()
    load_demo_results()
    db.session.commit()
    load_demo_certificates()
    db.session.commit()


def _signup(username: str = "13800138000", password: str = SIGNUP_PASSWORD) -> User:
    account = User(username=username, display_name="张三", role="contestant")
    account.set_password(password)
    db.session.add(account)
    db.session.flush()
    return account


def test_import_next_to_another_contest_and_refusals(app, fresh, tmp_path):
    _demo_with_results()
    signed_up = db.session.scalars(select(Registration).join(Contest).where(Contest.code == "FP2020")
                                   .order_by(Registration.id)).first()
    signed_up.user_id = _signup().id
    db.session.commit()
    signed_up_key = (signed_up.id_number, signed_up.event.code)
    doc = transfer.export_contest("FP2020")
    source_ids = db.session.scalars(select(Registration.id).join(Contest).where(Contest.code == "FP2020")
                                    .order_by(Registration.id)).all()
    path = tmp_path / "fp2020.json"
    path.write_text(transfer.dumps(doc), encoding="utf-8")

    target = fresh(suite_kind())
    with target.app_context():
        _other_contest()
        theirs = transfer.export_contest("HN2028")
        runner = target.test_cli_runner()
        result = runner.invoke(args=["contest", "import", str(path)])
        assert result.exit_code == 0, result.output
        assert "已导入比赛 FP2020" in result.output

        # New ids (the other contest had taken the first ones); nothing of the other contest changed.
        fp = contest("FP2020")
        assert fp.id != contest("HN2028").id
        moved_ids = db.session.scalars(select(Registration.id).where(Registration.contest_id == fp.id)
                                       .order_by(Registration.id)).all()
        assert len(moved_ids) == len(source_ids) and moved_ids != source_ids
        assert body(transfer.export_contest("HN2028")) == body(theirs)
        assert body(transfer.export_contest("FP2020")) == body(doc)
        assert login(target.test_client(), "hn-organiser", "Hunan-2028-organiser").status_code == 302
        assert login(target.test_client(), "chief-dg").status_code == 302
        assert runner.invoke(args=["audit", "verify"]).exit_code == 0

        # The same contest again: refused, with its message, exit status 1, nothing written.
        before = counts()
        again = runner.invoke(args=["contest", "import", str(path)])
        assert again.exit_code == 1
        assert "本数据库已有代码为 FP2020 的比赛" in again.output and "未写入任何内容" in again.output
        assert counts() == before

    # A target where two of FP2020's usernames are taken: a judge of no contest, and the same person who
    # signed up there too (an account of no contest, same role: it may be linked instead).
    target = fresh(suite_kind())
    with target.app_context():
        _other_contest()
        clash = User(username="chief-dg", display_name="另一个人", role="judge")
        clash.set_password("Someone-else-2028")
        db.session.add(clash)
        same_person = _signup(password="Already-here-2028")
        db.session.commit()
        before = counts()
        uploads = Path(target.config["UPLOAD_FOLDER"])

        def refused(document, message: str, link: bool = False) -> None:
            with pytest.raises(transfer.TransferRefused) as err:
                transfer.import_contest(document, link_existing_users=link)
            db.session.rollback()
            assert message in str(err.value), str(err.value)
            assert counts() == before
            assert not any(p.is_file() for p in uploads.rglob("*"))

        refused(doc, "以下用户名在本数据库中已被使用，未导入（自行注册的选手账号可用 --link-existing-users "
                     "关联到已有账号）：13800138000、chief-dg")
        with pytest.raises(transfer.TransferRefused, match="已被使用，未导入：chief-dg$"):
            transfer.import_contest(doc, link_existing_users=True)  # a judge's account is never linked
        db.session.rollback()
        assert counts() == before

        db.session.delete(clash)  # from here on, the file's own damage is what is refused
        db.session.commit()
        before = counts()
        refused({**doc, "version": 2}, "不支持的导出文件版本 2")
        refused({**doc, "format": "something-else"}, "这不是赛务比赛导出文件")
        refused({k: v for k, v in doc.items() if k != "audit"}, "缺少：audit")
        broken = copy.deepcopy(doc)
        marks = broken["tables"]["mark"]
        marks["rows"][5][marks["columns"].index("registration_id")] = 99999
        refused(broken, "mark 第 6 行的 registration_id=99999 在文件中找不到对应的 registration")
        broken = copy.deepcopy(doc)
        events = broken["tables"]["event"]
        events["rows"][0][events["columns"].index("position")] = "first"
        refused(broken, "表 event 第 1 行的 position：应为整数")
        broken = copy.deepcopy(doc)
        del broken["tables"]["appeal"]
        refused(broken, "缺少：appeal")
        broken = copy.deepcopy(doc)
        broken["audit"]["rows"][0][1] = 99999
        refused(broken, "审计记录第 1 条", link=True)
        broken = copy.deepcopy(doc)
        broken["files"] = [{"name": "../../etc/passwd", "sha256": "0", "base64": ""}]
        refused(broken, "文件名不安全", link=True)

        # The command line says the same, with exit status 1.
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps({**doc, "version": 99}), encoding="utf-8")
        result = target.test_cli_runner().invoke(args=["contest", "import", str(bad)])
        assert result.exit_code == 1 and "不支持的导出文件版本 99" in result.output
        bad.write_text("{not json", encoding="utf-8")
        result = target.test_cli_runner().invoke(args=["contest", "import", str(bad)])
        assert result.exit_code == 1 and "不是有效的 JSON" in result.output
        assert counts() == before

        # Linked: the registration now belongs to the account that was here, whose password is unchanged.
        result = target.test_cli_runner().invoke(args=["contest", "import", str(path), "--link-existing-users"])
        assert result.exit_code == 0, result.output
        assert "1 个账号已关联到本数据库中同名的已有账号" in result.output
        moved = db.session.scalar(select(Registration).join(Contest).where(
            Contest.code == "FP2020", Registration.id_number == signed_up_key[0],
            Registration.event_id == select(Event.id).where(Event.contest_id == Contest.id,
                                                            Event.code == signed_up_key[1]).scalar_subquery()))
        assert moved.user_id == same_person.id
        assert login(target.test_client(), "13800138000", "Already-here-2028").status_code == 302


def test_export_command(demo, tmp_path):
    runner = demo.test_cli_runner()
    result = runner.invoke(args=["contest", "export", "FP2020"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert (doc["format"], doc["version"], doc["contest"]) == ("saiwu-contest", 1, "FP2020")
    out = tmp_path / "fp.json"
    assert runner.invoke(args=["contest", "export", "FP2020", "--out", str(out)]).exit_code == 0
    assert body(json.loads(out.read_text(encoding="utf-8"))) == body(doc)
    missing = runner.invoke(args=["contest", "export", "NOPE"])
    assert missing.exit_code == 1 and "没有代码为 NOPE 的比赛" in missing.output
    from app.audit import AuditEntry

    exported = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "contest_exported")).all()
    assert len(exported) == 2 and json.loads(exported[0].after)["digest"] == transfer.digest(doc)


# ---------------------------------------------------------------- 4. no table is forgotten


def test_every_table_is_classified(app):
    problems = transfer.classification_problems()
    assert problems == [], "\n".join(problems)
    for listed in (transfer.SPECIAL, transfer.GLOBAL, transfer.EXCLUDED):
        assert all(reason.strip() for reason in listed.values())


def test_every_table_and_file_column_is_documented(app):
    doc = (Path(__file__).resolve().parents[2] / "docs" / "contest-transfer.md").read_text(encoding="utf-8")
    for table in db.metadata.sorted_tables:
        assert f"`{table.name}`" in doc, f"docs/contest-transfer.md does not mention table {table.name}"
    # Columns that look like they name a file must be transferred as files, or say why not.
    not_files = {("certificate_template", "seal_filename"): "the seal itself is in the row (column seal)"}
    looks_like_a_file = re.compile(r"(^|_)(photo|proof|file|filename|path|upload)(_|$)")
    for table in db.metadata.sorted_tables:
        if table.name not in transfer.OWNED:
            continue
        for column in table.columns:
            if looks_like_a_file.search(column.name) and (table.name, column.name) not in not_files:
                assert column.name in transfer.FILE_COLUMNS.get(table.name, ()), f"{table.name}.{column.name}"
