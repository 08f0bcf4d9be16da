"""Every demo role logs in on a tablet and lands on its own home page."""

import pytest

from app.demo import DEMO_LOGINS, DEMO_PASSWORD
from app.roles import Role

HOME_HEADINGS = {
    Role.ORGANISER: "组委会工作台",
    Role.DELEGATION: "代表团工作台",
    Role.CHIEF_JUDGE: "裁判长工作台",
    Role.JUDGE: "裁判员工作台",
    Role.ENCRYPTION_JUDGE: "加密裁判工作台",
    Role.SUPERVISOR: "监督仲裁工作台",
    Role.CONTESTANT: "我的报名",
}


@pytest.mark.parametrize("role,username", DEMO_LOGINS, ids=[r.value for r, _ in DEMO_LOGINS])
def test_role_logs_in_and_sees_home(live_server, tablet, role, username):
    errors = []
    tablet.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tablet.goto(live_server + "/login")
    tablet.get_by_label("用户名").fill(username)
    tablet.get_by_label("密码").fill(DEMO_PASSWORD)
    tablet.get_by_role("button", name="登录").click()
    tablet.wait_for_url("**/home")
    assert tablet.locator("h1").inner_text() == HOME_HEADINGS[role]
    assert role.label in tablet.locator(".who").inner_text()
    assert errors == [], errors  # no CSP violations or script errors


def test_login_page_fits_a_phone(live_server, phone):
    phone.goto(live_server + "/login")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    box = phone.get_by_role("button", name="登录").bounding_box()
    assert box["height"] >= 44  # a thumb-sized target
