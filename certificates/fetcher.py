"""A WeasyPrint URL fetcher for certificate templates that cannot read anything it should not.

Served:
* ``data:`` URLs;
* ``saiwu-static:/<mount>/<path>`` and ``/static/<mount>/<path>`` — files inside the directory given for
  ``<mount>`` in ``allowed_dirs`` (resolved; ``..`` and symlinks leading outside are refused);
* ``saiwu-asset:/<name>`` — in-memory bytes (e.g. the organiser's uploaded seal), if given.

Everything else — ``file://``, ``http(s)://``, ``ftp://``, relative paths … — is refused with a Chinese
message. WeasyPrint normally logs fetch errors and carries on, so the fetcher is created with
``fail_on_errors=True`` (the render stops) *and* records every refusal in ``fetcher.refusals`` so the
caller can raise a clear :class:`ResourceRefusedError` (see :func:`raise_for_refusals`).
Templates can also be checked beforehand with :func:`find_forbidden_urls`.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

from app.text import Msg
from certificates.errors import SEMICOLON, ResourceRefusedError, listing

STATIC_SCHEME = "saiwu-static"
ASSET_SCHEME = "saiwu-asset"
STATIC_PREFIX = "/static/"
MAX_RESOURCE_BYTES = 10 * 1024 * 1024
_MOUNT_RE = re.compile(r"[A-Za-z0-9_-]+")

_EXTRA_TYPES = {".svg": "image/svg+xml", ".css": "text/css", ".woff2": "font/woff2", ".otf": "font/otf"}


def refusal_message(url: str) -> str:
    shown = url if len(url) <= 200 else url[:200] + "…"
    return Msg("证书模板不能引用外部或本地文件：{url}", url=shown)


def _content_type(path: Path) -> str:
    return _EXTRA_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


class SaiwuURLFetcher(URLFetcher):
    """See the module docstring. ``refusals`` lists the Chinese messages of refused URLs."""

    def __init__(self, allowed_dirs: Mapping[str, Path], memory: Mapping[str, bytes] | None = None):
        super().__init__(
            timeout=1,
            allowed_protocols={"data", STATIC_SCHEME, ASSET_SCHEME},
            allow_redirects=False,
            fail_on_errors=True,
        )
        self.allowed_dirs: dict[str, Path] = {}
        for mount, directory in allowed_dirs.items():
            if not _MOUNT_RE.fullmatch(mount):
                raise ValueError(Msg("目录名只能由字母、数字、-、_ 组成：{name}", name=repr(mount)))
            self.allowed_dirs[mount] = Path(directory).resolve(strict=True)
        self.memory = dict(memory or {})
        self.refusals: list[str] = []
        self.fetched: list[str] = []

    # WeasyPrint calls fetch(url) (through __call__) for images, stylesheets, fonts and attachments.
    def fetch(self, url, headers=None):
        try:
            response = self._serve(url)
        except ResourceRefusedError as exc:
            if exc.message not in self.refusals:
                self.refusals.append(exc.message)
            raise
        self.fetched.append(url)
        return response

    def _serve(self, url: str) -> URLFetcherResponse:
        if not isinstance(url, str):
            raise ResourceRefusedError(refusal_message(repr(url)))
        lowered = url[:32].lower()
        if lowered.startswith("data:"):
            return self._serve_data(url)
        if lowered.startswith(ASSET_SCHEME + ":"):
            name = unquote(url[len(ASSET_SCHEME) + 1 :]).lstrip("/")
            if name not in self.memory:
                raise ResourceRefusedError(Msg("证书模板引用的图片不存在：{url}", url=url))
            return URLFetcherResponse(url, body=self.memory[name], headers={"Content-Type": _sniff(self.memory[name])})
        if lowered.startswith(STATIC_SCHEME + ":"):
            return self._serve_file(url, url[len(STATIC_SCHEME) + 1 :])
        if url.startswith(STATIC_PREFIX) and not url.startswith("//"):
            return self._serve_file(url, url[len("/static") :])
        raise ResourceRefusedError(refusal_message(url))

    def _serve_data(self, url: str) -> URLFetcherResponse:
        # Let urllib's DataHandler decode it (base64 and percent-encoded forms).
        if len(url) > MAX_RESOURCE_BYTES * 2:
            raise ResourceRefusedError(Msg("证书模板中的内嵌图片太大。"))
        return super().fetch(url)

    def _serve_file(self, url: str, rest: str) -> URLFetcherResponse:
        parts = urlsplit(rest)
        if parts.scheme or parts.netloc:
            raise ResourceRefusedError(refusal_message(url))
        path = unquote(parts.path)
        if "\x00" in path or "\\" in path:
            raise ResourceRefusedError(refusal_message(url))
        segments = [s for s in path.split("/") if s not in ("", ".")]
        if len(segments) < 2 or ".." in segments:
            raise ResourceRefusedError(refusal_message(url))
        mount, relative = segments[0], segments[1:]
        base = self.allowed_dirs.get(mount)
        if base is None:
            raise ResourceRefusedError(refusal_message(url))
        target = base.joinpath(*relative).resolve()
        if not target.is_relative_to(base) or not target.is_file():
            if target.is_relative_to(base):
                raise ResourceRefusedError(Msg("证书模板引用的文件不存在：{url}", url=url))
            raise ResourceRefusedError(refusal_message(url))
        if target.stat().st_size > MAX_RESOURCE_BYTES:
            raise ResourceRefusedError(Msg("证书模板引用的文件太大：{url}", url=url))
        return URLFetcherResponse(url, body=target.read_bytes(), headers={"Content-Type": _content_type(target)})


def _sniff(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if data.startswith(b"GIF8"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if b"<svg" in data[:1024]:
        return "image/svg+xml"
    return "application/octet-stream"


def make_url_fetcher(allowed_dirs: Mapping[str, Path], memory: Mapping[str, bytes] | None = None) -> SaiwuURLFetcher:
    """A fresh fetcher (use one per render; it records refusals)."""
    return SaiwuURLFetcher(allowed_dirs, memory)


def raise_for_refusals(fetcher: SaiwuURLFetcher) -> None:
    """Raise :class:`ResourceRefusedError` listing every refused URL, if any."""
    if fetcher.refusals:
        raise ResourceRefusedError(listing(fetcher.refusals, SEMICOLON))


# --------------------------------------------------------------------------------------------------
# Static check of template text

_URL_PATTERNS = [
    re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)""", re.I | re.S),  # CSS url(...)
    re.compile(r"""@import\s+(['"])(.*?)\1""", re.I),  # CSS @import "..."
    re.compile(r"""\b(?:src|data|poster|background|xlink:href|srcset)\s*=\s*(["']?)([^"'\s>]*)\1""", re.I),
    re.compile(r"""<link\b[^>]*?\bhref\s*=\s*(["']?)([^"'\s>]*)\1""", re.I),  # stylesheets, attachments
]


def find_forbidden_urls(text: str, allowed_mounts: Iterable[str] = ()) -> list[str]:
    """Chinese messages for every URL in HTML/CSS text that the fetcher would refuse. URLs containing
    Jinja expressions (``{{ seal }}``) are checked at render time instead. ``<a href>`` is not checked
    (a link is never fetched), ``<link href>`` is (stylesheets and PDF attachments are)."""
    mounts = set(allowed_mounts)
    messages: list[str] = []
    for pattern in _URL_PATTERNS:
        for match in pattern.finditer(text):
            url = match.group(2).strip()
            if not url or "{{" in url or "{%" in url or url.startswith("#"):
                continue
            if not _url_allowed(url, mounts):
                msg = refusal_message(url)
                if msg not in messages:
                    messages.append(msg)
    return messages


def _url_allowed(url: str, mounts: set[str]) -> bool:
    low = url.lower()
    if low.startswith(("data:", ASSET_SCHEME + ":", "mailto:", "tel:")):
        return True
    for prefix in (STATIC_SCHEME + ":", "/static"):
        if low.startswith(prefix):
            rest = unquote(url[len(prefix) :])
            segments = [s for s in rest.split("/") if s not in ("", ".")]
            return (
                len(segments) >= 2
                and ".." not in segments
                and "\\" not in rest
                and (not mounts or segments[0] in mounts)
            )
    return False
