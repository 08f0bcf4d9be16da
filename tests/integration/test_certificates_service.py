"""Certificates in the app: award certificates only from published results, serial numbers that are unique and
never reused (even after revoke and reissue), idempotent issuing, and the checks that run before anything is
issued (fonts and HarfBuzz, names the font cannot print, templates, seals)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import User
from certificates import fonts, services
from certificates.models import IssuedCertificate, SerialCounter
from contests.models import Contest, Event, Registration
from scoring import publication, results
from scoring.results_demo import confirm_and_decrypt, score_event
from scoring.results_models import ANNOUNCED

SCRIPT_NAME = "<script>alert(1)</script>"
JINJA_NAME = "{{7*7}}"
MISSING_GLYPH = "\U0003134a"  # CJK Extension G: not in Noto Sans/Serif CJK


def contest(code: str = "FP2020") -> Contest:
    return db.session.scalar(select(Contest).where(Contest.code == code))


def event(code: str = "DG") -> Event:
    return db.session.scalar(select(Event).join(Contest).where(Contest.code == "FP2020", Event.code == code))


def organiser() -> User:
    return db.session.scalar(select(User).where(User.username == "organiser"))


def scored(code: str = "DG", totals=(90, 80, 70), names: tuple[str, ...] = ()) -> list[Registration]:
    """Results for the first confirmed contestants of the event (names replaced if given), not published."""
    ev = event(code)
    regs = [db.session.get(Registration, r) for r in score_event(ev, list(totals))]
    for reg, name in zip(regs, names, strict=False):
        reg.name = name
    results.recompute_event(ev)
    db.session.commit()
    return regs


def publish(code: str = "DG") -> None:
    ev = event(code)
    confirm_and_decrypt(ev)
    publication.advance(ev, ANNOUNCED, organiser())
    db.session.commit()


def award_scope(code: str | None = "DG") -> services.Scope:
    return services.Scope(contest(), "award", event=event(code) if code else None)


def issue_awards(code: str = "DG") -> list[IssuedCertificate]:
    scope = award_scope(code)
    certs = services.issue(scope, services.subjects(scope), organiser())
    db.session.commit()
    return certs


def certificates_app(demo):
    """The demo app set up for certificate tests (one process per render, huey in immediate mode); the other
    certificate test modules wrap it in a fixture of their own."""
    demo.config.update(CERTIFICATE_PROCESSES=1, PUBLIC_BASE_URL="https://saiwu.example.cn")
    from certificates import jobs

    jobs.huey.immediate = True
    yield demo
    jobs.huey.immediate = False
    jobs.progress_hook = None


@pytest.fixture
def cert_app(demo):
    yield from certificates_app(demo)


def test_award_certificates_only_from_published_results(cert_app):
    scored()
    with pytest.raises(services.CertificatesRefused) as refused:
        services.subjects(award_scope())
    assert "尚未公布" in str(refused.value) and "电工" in str(refused.value)
    with pytest.raises(services.CertificatesRefused, match="还没有公布成绩"):
        services.subjects(award_scope(None))

    publish()
    found = services.subjects(award_scope())
    assert [s.context["award"] for s in found] == ["金牌", "银牌", "铜牌"]
    assert all(s.context["event"] == "电工" and s.context["issuer"] for s in found)
    # The contest scope takes the published event and leaves the unpublished ones out.
    assert [s.key for s in services.subjects(award_scope(None))] == [s.key for s in found]


def test_serials_follow_the_pattern_are_unique_and_issuing_again_gives_the_same(cert_app):
    scored()
    publish()
    first = issue_awards()
    serials = [c.serial for c in first]
    assert serials == sorted(serials) and len(set(serials)) == 3
    assert all(s.startswith("2020-FP2020-DG-") and len(s.rsplit("-", 1)[1]) == 4 for s in serials)
    # Ordered by delegation, event, rank.
    assert [c.award for c in sorted(first, key=lambda c: (c.context["delegation"], c.rank))]
    again = issue_awards()
    assert [c.serial for c in again] == serials
    assert db.session.scalar(select(func.count(IssuedCertificate.id))) == 3


def test_revoked_numbers_are_never_handed_out_again(cert_app):
    scored()
    publish()
    certs = issue_awards()
    used = {c.serial for c in certs}
    old = certs[0]
    new = services.reissue(old, "姓名录入有误", organiser())
    db.session.commit()
    assert new.serial not in used and old.revoked_at is not None and old.replaced_by_id == new.id
    assert old.current_key is None and new.current_key == f"award:reg:{old.registration_id}"
    used.add(new.serial)
    # Revoke the new one too, then issue again for everyone: a fresh number, never an old one.
    services.revoke(new, "再次更正", organiser())
    db.session.commit()
    again = issue_awards()
    assert len({c.serial for c in again}) == 3
    fresh = [c for c in again if c.serial not in used]
    assert len(fresh) == 1 and fresh[0].registration_id == old.registration_id
    seqs = sorted(int(s.rsplit("-", 1)[1]) for s in used | {fresh[0].serial})
    assert seqs == [1, 2, 3, 4, 5]
    # Changing the pattern and back continues the counter: still no reuse.
    rec = services.template_for(contest(), "award")
    rec.serial_pattern = "{contest}{event}{seq:03}"
    services.reissue(fresh[0], "换编号格式", organiser())
    rec.serial_pattern = services.DEFAULT_PATTERNS["award"]
    latest = services.reissue(db.session.scalar(select(IssuedCertificate).where(
        IssuedCertificate.current_key == f"award:reg:{old.registration_id}")), "再换回来", organiser())
    db.session.commit()
    assert latest.serial == "2020-FP2020-DG-0006"
    assert db.session.scalar(select(func.count(SerialCounter.key))) == 2
    with pytest.raises(services.CertificatesRefused, match="已撤销"):
        services.revoke(old, "又一次", organiser())


def test_revoke_needs_a_reason(cert_app):
    scored()
    publish()
    cert = issue_awards()[0]
    with pytest.raises(services.CertificatesRefused, match="撤销原因"):
        services.revoke(cert, "  ", organiser())


def test_names_the_font_cannot_print_are_listed_before_issuing(cert_app):
    name = f"王{MISSING_GLYPH}明"
    assert fonts.missing_characters(name) == [MISSING_GLYPH]
    scored(names=(name,))
    publish()
    problems = services.check(award_scope())
    assert len(problems) == 1 and name in problems[0] and "U+3134A" in problems[0] and "方框" in problems[0]
    assert services.check(award_scope(), allow_unprintable=True) == []
    assert db.session.scalar(select(func.count(IssuedCertificate.id))) == 0


def test_missing_font_or_harfbuzz_refuses_with_the_fix(cert_app, monkeypatch):
    scored()
    publish()
    monkeypatch.setattr(fonts, "harfbuzz_subset_available", lambda: False)
    problems = services.check(award_scope())
    assert any("HarfBuzz" in p and "apt-get install" in p for p in problems)
    monkeypatch.setattr(fonts, "find_font", lambda family="": None)
    problems = services.check(award_scope())
    assert any("中文字体" in p and "空白方框" in p for p in problems)


def test_template_problems_are_reported_before_saving(cert_app):
    rec = services.template_for(contest(), "award")

    def values(**over):
        base = dict(html=rec.html, css=rec.css, page_size=rec.page_size, serial_pattern=rec.serial_pattern,
                    issuer="组委会")
        base.update(over)
        return services.TemplateValues(**base)

    assert services.template_problems("award", values(), render_sample=False) == []
    sandbox = services.template_problems("award", values(html="<p>{{ ''.__class__ }}</p>"))
    assert any("__class__" in p for p in sandbox)
    unknown = services.template_problems("award", values(html="<p>{{ name }} {{ nickname }}</p>"))
    assert any("未知的占位符" in p and "nickname" in p for p in unknown)
    passwd = services.template_problems("award", values(html='<img src="file:///etc/passwd">'))
    assert passwd == ["证书模板不能引用外部或本地文件：file:///etc/passwd"]
    css = services.template_problems("award", values(css="body { background: url(http://example.com/x.png) }"))
    assert any("http://example.com/x.png" in p for p in css)
    seal = services.template_problems("award", values(seal=b"GIF89a not really", seal_filename="seal.png"))
    assert any("印章图片" in p and "seal.png" in p for p in seal)
    pattern = services.template_problems("award", values(serial_pattern="{year}-{name}"))
    assert any("未知的字段" in p for p in pattern) and any("{seq}" in p for p in pattern)
    with pytest.raises(services.CertificatesRefused):
        services.save_template(rec, values(html="{{ ''.__class__.__mro__ }}"), organiser())


def test_participation_and_judge_letters_and_the_demo(cert_app):
    c = contest()
    participation = services.subjects(services.Scope(c, "participation", event=event()))
    assert participation and all("issue_date" in s.context for s in participation)
    judges = services.subjects(services.Scope(c, "judge", event=event()))
    assert [s.context["role"] for s in judges][:1] == ["裁判长"] and len(judges) == 6
    assert all(" " not in s.name for s in judges)
    certs = services.issue(services.Scope(c, "judge", event=event()), judges, organiser())
    assert all(x.serial.startswith("2020-FP2020-PS-") for x in certs)
    scored()
    publish()
    assert services.load_demo_certificates() == 3
    assert services.load_demo_certificates() == 0
    assert services.template_for(c, "award").seal is not None
