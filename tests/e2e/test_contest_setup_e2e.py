"""An organiser adds an event and its group on a 1024×768 venue tablet, from the home page on; the setup pages
also fit a 375 px phone without sideways scrolling."""

from __future__ import annotations

from app.demo import DEMO_PASSWORD


def _log_in(page, live_server, username="gx-organiser"):
    page.goto(live_server + "/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/home")


def test_organiser_creates_an_event_on_a_tablet(live_server, tablet, tmp_path):
    t = tablet
    errors = []
    t.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _log_in(t, live_server)
    t.get_by_role("link", name="比赛设置（项目、代表团）").click()
    t.wait_for_url("**/setup/GX2027")
    t.get_by_role("link", name="添加项目").click()
    t.get_by_label("项目代码").fill("HBG")
    t.get_by_label("项目名称").fill("焙烤工")
    t.get_by_label("每队人数（个人项目填1，团体项目2至3）").fill("4")
    t.get_by_role("button", name="添加项目").click()
    # A team of four is refused next to the field, and the typed values stay.
    assert "每队人数应为1（个人项目）或2至3（团体项目）" in t.locator("#team_size-error").inner_text()
    assert t.locator("#team_size").get_attribute("aria-invalid") == "true"
    assert t.get_by_label("项目名称").input_value() == "焙烤工"
    t.get_by_label("每队人数（个人项目填1，团体项目2至3）").fill("2")
    t.get_by_label("本项目最高年龄（留空：按比赛规定）").fill("35")
    t.get_by_label("选手须现从事本职业（工种）（学生组除外）").check()
    t.get_by_role("button", name="添加项目").click()
    t.wait_for_url("**/setup/GX2027/events/*")
    assert "已添加项目“焙烤工”" in t.locator(".flash").first.inner_text()
    assert "还没有组别" in t.content()
    t.get_by_role("link", name="添加组别").click()
    t.get_by_label("组别类型").select_option("employee")
    t.get_by_label("每个代表团名额（可不填）").fill("2")
    t.get_by_role("button", name="添加组别").click()
    t.wait_for_url("**/setup/GX2027/events/*")
    assert t.get_by_role("link", name="职工组").count() == 1
    t.get_by_role("link", name="广西壮族自治区职业技能大赛（全国赛选拔赛）").click()
    t.wait_for_url("**/setup/GX2027")
    row = t.locator("#events tr", has_text="焙烤工")
    assert "职工组（2）" in row.inner_text()
    assert t.evaluate("document.documentElement.scrollWidth") <= 1024
    t.screenshot(path=str(tmp_path / "setup-tablet.png"), full_page=True)
    errors = [e for e in errors if "status of 422" not in e]  # the refused form's page, on purpose
    assert errors == [], errors  # no CSP violations or script errors


def test_setup_pages_fit_a_phone(live_server, phone):
    _log_in(phone, live_server)
    for path in ("/setup/GX2027", "/setup/GX2027/edit", "/setup/GX2027/events/new", "/setup/GX2027/delegations/new"):
        phone.goto(live_server + path)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375, path
    box = phone.get_by_role("button", name="添加代表团").bounding_box()
    assert box["height"] >= 44
