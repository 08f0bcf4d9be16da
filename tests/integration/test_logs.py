"""Every response carries a request id; logs are JSON lines with it."""

import json
import logging

from app.logs import JsonFormatter


def test_request_id_is_returned_and_kept_when_given(client):
    r = client.get("/healthz")
    assert len(r.headers["X-Request-ID"]) == 32
    r = client.get("/healthz", headers={"X-Request-ID": "venue-tablet-7-0001"})
    assert r.headers["X-Request-ID"] == "venue-tablet-7-0001"
    r = client.get("/healthz", headers={"X-Request-ID": "<script>"})
    assert r.headers["X-Request-ID"] != "<script>"


def test_access_log_line_is_json_with_the_request_id(app, caplog):
    client = app.test_client()
    with caplog.at_level(logging.INFO, logger="saiwu.access"):
        r = client.get("/login", headers={"X-Request-ID": "abcdef123456"})
    record = next(rec for rec in caplog.records if rec.name == "saiwu.access")
    with app.test_request_context(headers={"X-Request-ID": "abcdef123456"}):
        from flask import g

        g.request_id = "abcdef123456"
        line = json.loads(JsonFormatter().format(record))
    assert r.status_code == 200
    assert line["path"] == "/login" and line["status"] == 200 and line["method"] == "GET"
    assert line["request_id"] == "abcdef123456" and "ms" in line


def test_a_login_cards_secret_never_reaches_the_log(app, caplog):
    client = app.test_client()
    with caplog.at_level(logging.INFO, logger="saiwu.access"):
        client.get("/login/card/s3cret-token-value")
    paths = [rec.fields["path"] for rec in caplog.records if rec.name == "saiwu.access"]
    assert paths == ["/login/card/…"]
