"""Friendly error pages in the reader's language (JSON under /api/), and never a bare 500."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from app.extensions import db
from app.i18n import translate


def messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("请求无效"), _("提交的内容无法处理，请返回上一页检查后重试。")),
        401: (_("需要登录"), _("请先登录。")),
        403: (_("没有权限"), _("您的账号没有权限访问这个页面。如需帮助请联系组委会。")),
        404: (_("页面不存在"), _("找不到这个页面，可能地址有误或内容已被删除。")),
        405: (_("请求方式不正确"), _("这个页面不支持这种操作。")),
        413: (_("上传内容太大"), _("上传的文件或表单太大，请压缩后重试。")),
        429: (_("操作太频繁"), _("尝试次数太多，请稍等一分钟后再试。")),
        500: (_("系统出错"), _("系统出现了意外错误，已经记录。您的操作没有生效，请稍后再试。")),
        503: (_("暂时无法服务"), _("数据库暂时无法连接，您的操作没有生效。请稍后再试。")),
    }


def render_error(code: int, detail: str | None = None):
    title, text = messages().get(code, messages()[500])
    if detail:
        text = translate(detail)
    if request.path.startswith("/api/"):
        return jsonify(error=title, message=text, status=code), code
    try:
        return render_template("errors/error.html", code=code, title=title, text=text), code
    except Exception:  # the template itself may need the database that just failed
        return f"<h1>{code} {title}</h1><p>{text}</p>", code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(err):
        return render_error(400, _("页面已过期或缺少安全令牌，请刷新页面后重新提交。"))

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        if err.code == 429:
            return render_error(429)
        return render_error(err.code or 500, None)

    @app.errorhandler(DataError)
    def data_error(err):
        # A value the database cannot hold (a NUL character, a number past its range) that a check missed:
        # refuse the request plainly rather than fail.
        db.session.rollback()
        app.logger.warning("value refused by the database: %s", str(getattr(err, "orig", err))[:200])
        return render_error(400, _("提交的内容中有无法保存的字符或数值，请检查后重新提交。"))

    @app.errorhandler(OperationalError)
    @app.errorhandler(DBAPIError)
    def database_down(err):
        db.session.rollback()
        app.logger.warning("database unavailable: %s", err.__class__.__name__)
        if _is_connection_error(err):
            return render_error(503)
        app.logger.exception("database error")
        return render_error(500)

    @app.errorhandler(Exception)
    def unexpected(err):
        db.session.rollback()
        app.logger.exception("unhandled error")
        return render_error(500)


def _is_connection_error(err: Exception) -> bool:
    if getattr(err, "connection_invalidated", False):
        return True
    text = str(getattr(err, "orig", err)).lower()
    return any(s in text for s in ("connection", "could not connect", "server closed", "database is locked",
                                   "unable to open database"))
