import base64
import os

import pytest

from certificates.errors import ResourceRefusedError
from certificates.fetcher import find_forbidden_urls, make_url_fetcher, raise_for_refusals

PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)


@pytest.fixture
def dirs(tmp_path):
    assets = tmp_path / "assets"
    (assets / "img").mkdir(parents=True)
    (assets / "img" / "logo.png").write_bytes(PNG_1PX)
    (assets / "style.css").write_text("p { color: red }", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("TOP SECRET", encoding="utf-8")
    os.symlink(tmp_path / "secret.txt", assets / "link.txt")
    return {"assets": assets}


def read(response):
    try:
        return response.read()
    finally:
        response.close()


def test_serves_data_urls(dirs):
    f = make_url_fetcher(dirs)
    url = "data:image/png;base64," + base64.b64encode(PNG_1PX).decode()
    assert read(f(url)) == PNG_1PX
    assert read(f("data:text/plain,%E4%BD%A0%E5%A5%BD")) == "你好".encode()


@pytest.mark.parametrize("url", ["saiwu-static:/assets/img/logo.png", "/static/assets/img/logo.png"])
def test_serves_allowed_files(dirs, url):
    f = make_url_fetcher(dirs)
    response = f(url)
    assert response.content_type == "image/png"
    assert read(response) == PNG_1PX
    assert f.refusals == []


def test_serves_memory_assets(dirs):
    f = make_url_fetcher(dirs, {"seal-abc": PNG_1PX})
    response = f("saiwu-asset:/seal-abc")
    assert response.content_type == "image/png"
    assert read(response) == PNG_1PX
    with pytest.raises(ResourceRefusedError, match="不存在"):
        f("saiwu-asset:/other")


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "file://localhost/etc/passwd",
        "http://example.com/x.png",
        "https://example.com/x.css",
        "http://127.0.0.1:6379/",
        "http://169.254.169.254/latest/meta-data/",
        "ftp://example.com/x",
        "//example.com/x.png",
        "img/logo.png",
        "../secret.txt",
        "/etc/passwd",
        "/static/../../../etc/passwd",
        "/static/assets/../../secret.txt",
        "/static/assets/%2e%2e/secret.txt",
        "/static/assets/..%2fsecret.txt",
        "saiwu-static:/assets/../secret.txt",
        "saiwu-static:/assets/img/../../../secret.txt",
        "saiwu-static://evil.com/assets/img/logo.png",
        "saiwu-static:/other/logo.png",
        "saiwu-static:/assets",
        "saiwu-static:/assets/link.txt",  # a symlink pointing outside
        "/static/assets/img\\..\\..\\..\\secret.txt",
        "javascript:alert(1)",
    ],
)
def test_refuses_everything_else(dirs, url):
    f = make_url_fetcher(dirs)
    with pytest.raises(ResourceRefusedError) as info:
        f(url)
    assert "证书模板" in str(info.value)
    assert f.refusals, "the refusal must be recorded (WeasyPrint swallows some fetch errors)"
    with pytest.raises(ResourceRefusedError):
        raise_for_refusals(f)


def test_refusal_message_names_the_url(dirs):
    f = make_url_fetcher(dirs)
    with pytest.raises(ResourceRefusedError) as info:
        f("file:///etc/passwd")
    assert str(info.value) == "证书模板不能引用外部或本地文件：file:///etc/passwd"


def test_missing_file_inside_allowed_dir(dirs):
    f = make_url_fetcher(dirs)
    with pytest.raises(ResourceRefusedError, match="不存在"):
        f("saiwu-static:/assets/img/none.png")


def test_is_fatal_for_weasyprint(dirs):
    """WeasyPrint only stops on fetch errors when the fetcher says so."""
    f = make_url_fetcher(dirs)
    assert f._fail_on_errors is True


def test_bad_mount_name_rejected(tmp_path):
    with pytest.raises(ValueError):
        make_url_fetcher({"../x": tmp_path})


# --- static check of template text --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '<img src="file:///etc/passwd">',
        "<img src=file:///etc/passwd>",
        "<style>@import url(file:///etc/passwd);</style>",
        '<style>@import "http://evil.com/x.css";</style>',
        "p { background: url('https://evil.com/track.png') }",
        '<link rel="attachment" href="file:///etc/shadow">',
        '<link rel="stylesheet" href="http://evil.com/x.css">',
        '<svg><image xlink:href="file:///etc/passwd"/></svg>',
        '<object data="file:///etc/passwd"></object>',
        '<img src="/static/x/../../etc/passwd">',
        '<img src="logo.png">',
    ],
)
def test_find_forbidden_urls(text):
    messages = find_forbidden_urls(text)
    assert messages and messages[0].startswith("证书模板不能引用外部或本地文件：")


@pytest.mark.parametrize(
    "text",
    [
        '<img src="{{ seal }}">',
        '<img src="data:image/png;base64,AAAA">',
        '<img src="saiwu-static:/default/seal-demo.png">',
        "p { background: url(/static/default/bg.png) }",
        '<a href="https://saiwu.example.cn/v/1">验证</a>',  # links are not fetched
        '<img src="saiwu-asset:/seal-0123">',
    ],
)
def test_allowed_urls_pass_the_static_check(text):
    assert find_forbidden_urls(text) == []
