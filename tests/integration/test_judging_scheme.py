"""Marking schemes: validation with Chinese messages, Excel and JSON round trips, the organiser pages, the CLI."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import Workbook

from app.extensions import db
from scoring import schemes
from tests.support import judging as J
from tests.support.web import csrf_token, login


@pytest.fixture
def dg(demo):
    J.load_judging()
    return J.event("DG")


def test_demo_schemes_are_valid_and_active(dg):
    for code in ("DG", "XSMD"):
        s = schemes.scheme_for(J.event(code).id)
        assert s.status == "active" and schemes.problems(s) == []
    panel = schemes.scheme_for(J.event("XSMD").id)
    assert {a.kind for a in schemes.aspects_of(panel)} == {"panel"} and panel.panel_drop == 1


def test_excel_and_json_round_trips_keep_the_scheme(dg):
    s = schemes.scheme_for(dg.id)
    as_json = schemes.export_dict(s)
    from_excel = schemes.read_excel(schemes.export_excel(s))
    from_json = schemes.read_json(json.dumps(as_json))
    for data in (from_excel, from_json):
        assert [c.code for c in data.criteria] == ["A", "B", "C"]
        aspects = [a for c in data.criteria for sub in c.subs for a in sub.aspects]
        assert [(a.code, a.kind, str(a.maximum), a.team) for a in aspects] == [
            (a.code, a.kind, schemes._num(a.maximum), a.team) for a in schemes.aspects_of(s)]
        assert aspects[-1].levels[3] == "优秀，达到行业领先水平"
        assert str(data.settings["theory_weight"]) == "30" and data.settings["judgement_gap"] == 1


def _xlsx(rows, settings=None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["criterion", "sub-criterion", "aspect", "type", "description", "maximum", "team"])
    for r in rows:
        sheet.append(r)
    if settings:
        extra = book.create_sheet("设置")
        for k, v in settings.items():
            extra.append([k, v])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_validation_messages_are_clear_and_in_chinese(dg):
    data = schemes.read_excel(_xlsx([["A", "A1", "A1.1", "M", "x", 60, ""], ["A", "A1", "A1.2", "J", "y", 30, ""]],
                                    {"理论权重": 30, "实操权重": 60}))
    qg = J.event("QG")
    s = schemes.replace_scheme(qg, data)
    problems = schemes.problems(s)
    assert "各部分权重合计 90，应为 100" in problems
    assert "实操 各评分项满分合计 90，应为 100" in problems
    with pytest.raises(schemes.SchemeError):
        schemes.activate(s)
    with pytest.raises(schemes.SchemeError) as err:
        schemes.read_excel(_xlsx([["A", "A1", "A1.1", "Q", "x", 60, ""], ["A", "A1", "A1.2", "M", "y", "六十", ""]]))
    assert any("类型“Q”无法识别" in p for p in err.value.problems)
    assert any("满分“六十”不是数字" in p for p in err.value.problems)
    with pytest.raises(schemes.SchemeError) as err:
        schemes.read_excel(b"not a workbook")
    assert "无法读取 Excel 文件" in err.value.problems[0]


def test_a_scheme_with_marks_cannot_be_replaced(client, dg):
    token = J.tablet(client, "judge-dg-1", dg.id)
    st = J.state(client, dg.id)
    J.post_mark(client, dg.id, token, code=st["contestants"][0], aspect_id=J.aspect(st, "A1.1")["id"], value="5")
    with pytest.raises(schemes.SchemeError) as err:
        schemes.replace_scheme(dg, schemes.read_json(json.dumps(schemes.export_dict(schemes.scheme_for(dg.id)))))
    assert "已有评分" in err.value.problems[0]


def test_organiser_pages_import_validate_and_activate(client, dg):
    qg = J.event("QG")
    login(client, "organiser")
    page = f"/scoring/scheme/{qg.id}"
    assert client.get(page).status_code == 200
    token = csrf_token(client, page)
    bad = _xlsx([["A", "A1", "A1.1", "M", "x", 60, ""]])
    r = client.post(f"{page}/import", data={"csrf_token": token, "file": (io.BytesIO(bad), "qg.xlsx")},
                    content_type="multipart/form-data", follow_redirects=True)
    assert "实操 各评分项满分合计 60，应为 100" in r.get_data(as_text=True)
    r = client.post(f"{page}/activate", data={"csrf_token": token}, follow_redirects=True)
    assert "实操 各评分项满分合计 60，应为 100" in r.get_data(as_text=True)
    assert schemes.scheme_for(qg.id).status == "draft"
    r = client.post(f"{page}/aspects", data={"csrf_token": token, "criterion": "B", "code": "B1.1",
                                             "kind": "judgement", "maximum": "40", "team": ""}, follow_redirects=True)
    assert r.status_code == 200
    r = client.post(page, data={"csrf_token": token, **{f: v for f, v in [
        ("theory_weight", "30"), ("practical_weight", "60"), ("theory_total", "100"), ("practical_total", "100"),
        ("panel_judges", "5"), ("panel_drop", "1"), ("panel_min", "0"), ("judgement_gap", "1"), ("recheck_top", "10"),
        ("recheck_share", "15"), ("recheck_error_limit", "5")]}})
    assert r.status_code == 422 and "理论权重与实操权重合计应为 100%" in r.get_data(as_text=True)
    r = client.post(f"{page}/activate", data={"csrf_token": token}, follow_redirects=True)
    assert "评分方案已启用" in r.get_data(as_text=True)
    db.session.expire_all()
    assert schemes.scheme_for(qg.id).status == "active"
    exported = client.get(f"{page}/export?format=json").get_json()
    assert [a["code"] for c in exported["criteria"] for s in c["subs"] for a in s["aspects"]] == ["A1.1", "B1.1"]
    assert client.get(f"{page}/export?format=xlsx").data[:2] == b"PK"


def test_judges_cannot_open_the_scheme_pages(client, dg):
    login(client, "judge-dg-1")
    assert client.get(f"/scoring/scheme/{dg.id}").status_code == 403


def test_cli_imports_and_exports(app, dg, tmp_path):
    runner = app.test_cli_runner()
    path = tmp_path / "dg.json"
    out = runner.invoke(args=["scheme", "export", str(path), "--contest", "FP2020", "--event", "DG"])
    assert out.exit_code == 0, out.output
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["criteria"][0]["code"] == "A"
    xlsx = tmp_path / "qg.xlsx"
    runner.invoke(args=["scheme", "export", str(xlsx), "--contest", "FP2020", "--event", "DG"])
    out = runner.invoke(args=["scheme", "import", str(xlsx), "--contest", "FP2020", "--event", "QG", "--activate"])
    assert out.exit_code == 0, out.output
    assert "8 个评分项" in out.output
    db.session.expire_all()
    assert schemes.scheme_for(J.event("QG").id).status == "active"
    out = runner.invoke(args=["scheme", "import", str(xlsx), "--contest", "FP2020", "--event", "NOPE"])
    assert out.exit_code != 0 and "找不到" in out.output
