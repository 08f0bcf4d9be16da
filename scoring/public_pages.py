"""Public results pages for readers who are not logged in, answered from memory before Flask is entered.

On results day thousands of phones open the same few pages. Each page is rendered once per (address,
language, results version) by its normal view and kept whole: status, headers, body. A request takes this
fast path when it is a GET of a page marked ``for_the_public`` by someone not logged in and with no message
waiting; everything else (logged-in people, staff pages, forms) goes through Flask as usual.

The results version is read from the database (one small query) and trusted for at most ``VERSION_TTL``
seconds: every process serves the new page within a second of a change, and the process that made the change
at once (after a commit that bumped the version it forgets the versions it knows). Reading the version on
every request cost a database round trip per page, which under a results-day load was most of a cached page's
time and all of its waiting (bench_load.py, readers with threads of their own in app/lanes.py: from ~0.5–0.8×
the bare page to ~1.8×).
A database that cannot be reached when the version is due, an unknown address or a page Flask answers with
anything but a plain 200 falls through to Flask, which says what is wrong.

It runs as WSGI middleware, not as a view decorator, because on the fast path nearly all of the cost of a
request was Flask's own: the request context, the session, the login and language hooks, the response
object. The fast path keeps what matters of them: the request id and the access log line.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_cookie

from app.i18n import LANG_COOKIE
from app.logs import log_request, request_id
from scoring import publication

ENDPOINTS: set[str] = set()  # filled by ``results_views.for_the_public``
LIMIT = 500
VERSION_TTL = 1.0  # seconds a version read from the database is trusted in this process
clock = time.monotonic
stats = {"hits": 0, "misses": 0}
_pages: dict[tuple, tuple[str, list[tuple[str, str]], bytes]] = {}
_versions: dict[str | None, tuple[float, tuple | None]] = {}  # contest code → (read at, version)
_lock = threading.Lock()


def forget() -> None:
    with _lock:
        _pages.clear()
        _versions.clear()


def forget_versions() -> None:
    """Results changed in this process: ask the database again on the next page."""
    _versions.clear()


class PublicPages:
    def __init__(self, app, wsgi_app, prefix: str = "/results"):
        self.app, self.wsgi_app, self.prefix = app, wsgi_app, prefix
        self._engine = None

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "GET" or not environ.get("PATH_INFO", "").startswith(self.prefix):
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        key = self._key(environ)
        if key is None:
            return self.wsgi_app(environ, start_response)
        with _lock:
            page = _pages.get(key)
            stats["hits" if page else "misses"] += 1
        if page is None:
            return self._render(environ, start_response, key)
        status, headers, body = page
        rid = request_id(environ.get("HTTP_X_REQUEST_ID", ""))
        start_response(status, [*headers, ("X-Request-ID", rid)])
        log_request("GET", environ.get("PATH_INFO", ""), int(status[:3]), started, None,
                    environ.get("REMOTE_ADDR"), rid)
        return [body]

    def _key(self, environ) -> tuple | None:
        cookies = parse_cookie(environ)
        if cookies.get(self.app.config.get("REMEMBER_COOKIE_NAME", "remember_token")):
            return None  # someone Flask-Login would sign in again from the "remember me" cookie
        if not self._anonymous(cookies.get(self.app.config["SESSION_COOKIE_NAME"])):
            return None
        try:
            endpoint, args = self.app.url_map.bind_to_environ(environ).match()
        except HTTPException:
            return None
        if endpoint not in ENDPOINTS:
            return None
        lang = cookies.get(LANG_COOKIE)
        if lang not in self.app.config["LANGUAGES"]:
            lang = self.app.config["BABEL_DEFAULT_LOCALE"]
        version = self._version(args.get("code"))
        if version is None:
            return None
        return endpoint, environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""), lang, version

    def _version(self, code: str | None) -> tuple | None:
        now = clock()
        known = _versions.get(code)
        if known is not None and now - known[0] < VERSION_TTL:
            return known[1]
        try:
            with self._reader().connect() as connection:
                version = publication.page_version(code, connection)
        except SQLAlchemyError:
            return None  # Flask answers with its "database unreachable" page
        if len(_versions) > LIMIT:
            _versions.clear()  # unknown codes asked for by the thousand must not grow it without end
        _versions[code] = (now, version)
        return version

    def _reader(self):
        """The app's engine, outside any transaction: one statement, no BEGIN and ROLLBACK around it."""
        if self._engine is None:
            from app.extensions import db

            with self.app.app_context():
                self._engine = db.engine.execution_options(isolation_level="AUTOCOMMIT")
        return self._engine

    def _anonymous(self, cookie: str | None) -> bool:
        """No session, or one with nobody logged in and no message waiting to be shown."""
        if not cookie:
            return True
        serializer = self.app.session_interface.get_signing_serializer(self.app)
        try:
            data = serializer.loads(cookie, max_age=int(self.app.permanent_session_lifetime.total_seconds()))
        except Exception:  # noqa: BLE001 — a bad or old cookie: Flask decides what to do with it
            return False
        return "_user_id" not in data and "_flashes" not in data

    def _render(self, environ, start_response, key: tuple):
        """Flask renders the page (and logs the request); keep it if it is a plain 200 that sets no cookie."""
        answer: list = []

        def remember(status, headers, exc_info=None):
            answer[:] = [status, headers]
            return start_response(status, headers, exc_info)

        result = self.wsgi_app(environ, remember)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        status, headers = answer
        if status.startswith("200 ") and not any(k.lower() == "set-cookie" for k, _v in headers):
            kept = [(k, v) for k, v in headers if k.lower() != "x-request-id"]
            with _lock:
                if len(_pages) >= LIMIT:
                    _pages.clear()  # versions move on; a full clear is simpler than tracking the old ones
                _pages[key] = (status, kept, body)
        return [body]
