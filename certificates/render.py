"""Certificate PDFs from a :class:`~certificates.kinds.CertificateTemplate` and plain-value contexts.

No Flask, no database: values in, bytes out — callable from a view, a CLI command or a huey task.

Speed: WeasyPrint's cost is dominated by per-document work (font loading and CJK subsetting), so a batch is
rendered as ONE multi-page document per chunk (certificate bodies joined as pages of one HTML document; fonts
subset once per chunk), chunks are spread over a process pool, and the chunk PDFs are merged in order with
pypdf. WeasyPrint is imported lazily; workers come from a ``forkserver`` (clean, single-threaded parent, safe
even when the caller has threads) with WeasyPrint preloaded.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import io
import logging
import math
import multiprocessing
import re
import threading
import time
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from app.text import Msg
from certificates import fonts
from certificates.errors import (
    SEMICOLON,
    CertificateError,
    CertificateTemplateError,
    ContextValueError,
    FontProblem,
    InvalidImageError,
    ResourceRefusedError,
    listing,
)
from certificates.fetcher import (
    ASSET_SCHEME,
    make_url_fetcher,
    raise_for_refusals,
    refusal_message,
)
from certificates.fetcher import find_forbidden_urls as _find_forbidden_urls
from certificates.images import image_data_uri, validate_image
from certificates.kinds import (
    DEFAULT_TEMPLATES_DIR,
    FILENAME_FIELDS,
    IMAGE_FIELDS,
    QR_FIELDS,
    REQUIRED_FIELDS,
    CertificateTemplate,
    field_label,
    page_size_mm,
    sample_context,
)
from certificates.qr import qr_png_data_uri
from certificates.sandbox import (
    _render_compiled,
    check_plain_context,
    compile_template,
    find_unknown_placeholders,
)

ProgressCallback = Callable[[int, int], None]

DEFAULT_MOUNT = "default"  # saiwu-static:/default/... → certificates/default_templates/
BASE_URL = "saiwu-static:/"  # relative URLs resolve to something the fetcher refuses (never the cwd)
DEFAULT_CHUNK_SIZE = 100  # certificates per WeasyPrint document in a batch
DEFAULT_ZIP_GROUP = 10  # certificates per document when making one PDF per certificate
PREVIEW_LIMIT = 5

_QR = qr_png_data_uri


# --------------------------------------------------------------------------------------------------
# Contexts


def _who(ctx: Mapping, index: int) -> str:
    name = ctx.get("name") if isinstance(ctx, Mapping) else None
    if isinstance(name, str) and name:
        return Msg("第 {n} 份证书（{name}）", n=index + 1, name=name)
    return Msg("第 {n} 份证书", n=index + 1)


def _about(who: str, problem: str) -> Msg:
    """“第 3 份证书（王小明）：…”."""
    return Msg("{who}：{problem}", who=who, problem=problem)


def check_context(template: CertificateTemplate, context: Mapping, index: int = 0) -> None:
    """Fail fast (before any rendering) on non-plain values and missing required fields."""
    if type(context) is not dict:
        raise ContextValueError(
            Msg("{who}的数据必须是字典（dict），得到 {type}。", who=_who({}, index), type=type(context).__name__)
        )
    allowed = template.allowed_placeholders
    image_fields = IMAGE_FIELDS[template.kind]
    plain = {k: v for k, v in context.items() if k not in image_fields}
    try:
        check_plain_context(plain)
    except ContextValueError as exc:
        raise ContextValueError(_about(_who(context, index), exc.message)) from None
    for key in image_fields:
        value = context.get(key)
        if value is not None and not isinstance(value, bytes | bytearray):
            problem = Msg("{field}必须是图片文件内容（bytes），不能是网址或路径。", field=field_label(allowed[key]))
            raise ContextValueError(_about(_who(context, index), problem))
    missing = [field_label(allowed[f]) for f in REQUIRED_FIELDS[template.kind] if context.get(f) in (None, "")]
    if missing:
        raise ContextValueError(Msg("{who}缺少：{fields}。", who=_who(context, index), fields=listing(missing)))


def _asset_urls(template: CertificateTemplate) -> dict[str, str]:
    """asset name → URL served from memory; the content hash in the name keeps caches honest."""
    return {name: _asset_url(name, bytes(data)) for name, data in template.assets.items()}


@lru_cache(maxsize=64)
def _asset_url(name: str, data: bytes) -> str:
    # Cached: bytes objects cache their own hash, so a seal is SHA-256'd once, not once per certificate.
    return f"{ASSET_SCHEME}:/{name}-{hashlib.sha256(data).hexdigest()[:16]}"


def _asset_memory(template: CertificateTemplate) -> dict[str, bytes]:
    urls = _asset_urls(template)
    return {urls[name].split(":/", 1)[1]: bytes(data) for name, data in template.assets.items()}


def validate_assets(template: CertificateTemplate) -> None:
    """Pillow-validate every template image (seal …); raise :class:`InvalidImageError` (Chinese)."""
    labels = {"seal": Msg("印章图片"), "background": Msg("背景图片")}
    for name, data in template.assets.items():
        validate_image(data, labels.get(name) or Msg("模板图片“{name}”", name=name))


def prepare_context(template: CertificateTemplate, context: Mapping, index: int = 0) -> dict:
    """The context the Jinja template sees: every allowed placeholder present (``None`` if not given),
    image bytes → validated data: URIs, URLs → QR data: URIs, ``seal`` → the template's seal."""
    check_context(template, context, index)
    kind = template.kind
    out: dict = {name: None for name in template.allowed_placeholders if "." not in name}
    out.update(context)
    for key in IMAGE_FIELDS[kind]:
        value = out.get(key)
        if isinstance(value, bytes | bytearray):
            try:
                out[key] = image_data_uri(bytes(value), field_label(template.allowed_placeholders[key]))
            except InvalidImageError as exc:
                raise InvalidImageError(_about(_who(context, index), exc.message)) from None
    for url_field, qr_field in QR_FIELDS[kind].items():
        url = out.get(url_field)
        out[qr_field] = _QR(url) if url else None
    out["seal"] = _asset_urls(template).get("seal")
    return out


# --------------------------------------------------------------------------------------------------
# HTML document


def _base_css(template: CertificateTemplate) -> str:
    w, h = page_size_mm(template.page_size)
    return (
        f"@page {{ size: {w}mm {h}mm; margin: 0; }}\n"
        "html, body { margin: 0; padding: 0; }\n"
        f".cert-page {{ position: relative; display: block; width: {w}mm; height: {h}mm; overflow: hidden;"
        " box-sizing: border-box; margin: 0; padding: 0; break-after: page; }\n"
        ".cert-page:last-child { break-after: auto; }\n"
    )


def _document_html(template: CertificateTemplate, bodies: Sequence[str]) -> str:
    kind = re.sub(r"[^a-z0-9-]", "", template.kind)
    title = html_lib.escape(template.label)
    sections = "".join(
        f'<section class="cert-page cert-{kind}" id="cert-{i}">{body}</section>\n' for i, body in enumerate(bodies)
    )
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f'<title>{title}</title><meta name="generator" content="Saiwu"></head>\n<body>\n{sections}</body></html>'
    )


def render_bodies(template: CertificateTemplate, contexts: Sequence[Mapping], start: int = 0) -> list[str]:
    """Jinja-render each certificate body in the sandbox (template compiled once, cached by hash)."""
    compiled = compile_template(template.html)
    bodies = []
    for i, ctx in enumerate(contexts, start):
        prepared = prepare_context(template, ctx, i)
        try:
            bodies.append(_render_compiled(compiled, prepared))
        except CertificateTemplateError as exc:
            raise type(exc)(_about(_who(ctx, i), exc.message)) from None
    return bodies


def render_html_document(template: CertificateTemplate, contexts: Sequence[Mapping]) -> str:
    """The full HTML (one ``<section>`` per certificate) — for debugging and browser previews."""
    return _document_html(template, render_bodies(template, contexts))


class _Settings:
    """What a worker needs besides the contexts (sent once per worker)."""

    def __init__(self, template: CertificateTemplate, allowed_dirs: Mapping[str, Path] | None):
        self.template = template
        dirs = {DEFAULT_MOUNT: DEFAULT_TEMPLATES_DIR}
        dirs.update({k: Path(v) for k, v in (allowed_dirs or {}).items()})
        self.allowed_dirs = dirs


def _write_pdf(settings: _Settings, bodies: Sequence[str]) -> tuple[bytes, int]:
    """One WeasyPrint document for the given bodies → (pdf bytes, page count)."""
    from weasyprint import CSS, HTML
    from weasyprint.urls import FatalURLFetchingError

    template = settings.template
    fetcher = make_url_fetcher(settings.allowed_dirs, _asset_memory(template))
    try:
        stylesheets = [
            CSS(string=_base_css(template), url_fetcher=fetcher, base_url=BASE_URL),
            CSS(string=template.css or "", url_fetcher=fetcher, base_url=BASE_URL),
        ]
        document = HTML(string=_document_html(template, bodies), base_url=BASE_URL, url_fetcher=fetcher).render(
            stylesheets=stylesheets
        )
        raise_for_refusals(fetcher)
        pdf = document.write_pdf()
    except FatalURLFetchingError as exc:
        raise_for_refusals(fetcher)
        raise ResourceRefusedError(Msg("证书模板引用的资源无法读取：{error}", error=str(exc))) from None
    raise_for_refusals(fetcher)
    return pdf, len(document.pages)


def _render_pdf(settings: _Settings, contexts: Sequence[Mapping], start: int = 0) -> tuple[bytes, int]:
    return _write_pdf(settings, render_bodies(settings.template, contexts, start))


# --------------------------------------------------------------------------------------------------
# Public API


def render_one(
    template: CertificateTemplate, context: Mapping, *, allowed_dirs: Mapping[str, Path] | None = None
) -> bytes:
    """One certificate → one PDF."""
    return _render_pdf(_preflight(template, [context], allowed_dirs), [context])[0]


def render_batch(
    template: CertificateTemplate,
    contexts: Sequence[Mapping],
    processes: int = 2,
    on_progress: ProgressCallback | None = None,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    allowed_dirs: Mapping[str, Path] | None = None,
    start_method: str | None = None,
    stats: dict | None = None,
) -> bytes:
    """All certificates as ONE multi-page PDF, in the order given.

    ``on_progress(done, total)`` is called with 0 first and after each finished chunk (raise from it to
    cancel). ``processes=1`` renders in this process (no pool). ``stats``, if given, is filled with
    timings (``render_seconds``, ``render_cpu_seconds`` summed over workers, ``total_seconds`` …)."""
    started = time.perf_counter()
    contexts = list(contexts)
    total = len(contexts)
    if total == 0:
        raise ContextValueError(Msg("没有要生成的证书。"))
    settings = _preflight(template, contexts, allowed_dirs)
    chunks = _chunks(total, processes, chunk_size)
    merger = _Merger(template.label)
    _run_chunks(settings, contexts, chunks, processes, on_progress, start_method, merger, stats=stats)
    pdf = merger.result()
    if stats is not None:
        stats.update(merge_seconds=merger.seconds, total_seconds=time.perf_counter() - started)
    return pdf


def render_zip(
    template: CertificateTemplate,
    contexts: Sequence[Mapping],
    processes: int = 2,
    on_progress: ProgressCallback | None = None,
    *,
    group_size: int = DEFAULT_ZIP_GROUP,
    allowed_dirs: Mapping[str, Path] | None = None,
    start_method: str | None = None,
    stats: dict | None = None,
) -> bytes:
    """A ZIP with one single-page PDF per certificate, named by serial (``2020-FP-DG-0001.pdf``).

    Rendered ``group_size`` certificates per document and split into pages, which is several times faster
    than one document each; the group size bounds the font subset each file carries."""
    contexts = list(contexts)
    total = len(contexts)
    if total == 0:
        raise ContextValueError(Msg("没有要生成的证书。"))
    settings = _preflight(template, contexts, allowed_dirs)
    chunks = _chunks(total, processes, max(1, group_size), balance=False)
    names = iter(zip_filenames(template, contexts))
    from pypdf import PdfReader, PdfWriter

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:

        def split(pdf: bytes) -> None:
            for page in PdfReader(io.BytesIO(pdf)).pages:
                writer = PdfWriter()
                writer.add_page(page)
                writer.add_metadata({"/Title": template.label, "/Producer": "Saiwu"})
                buf = io.BytesIO()
                writer.write(buf)
                zf.writestr(next(names), buf.getvalue())

        _run_chunks(
            settings, contexts, chunks, processes, on_progress, start_method, split, exact_pages=True, stats=stats
        )
    return out.getvalue()


def render_preview(
    template: CertificateTemplate,
    contexts: Sequence[Mapping] | None = None,
    *,
    limit: int = PREVIEW_LIMIT,
    allowed_dirs: Mapping[str, Path] | None = None,
) -> bytes:
    """A capped preview (at most ``limit`` certificates; sample data when ``contexts`` is None)."""
    contexts = list(contexts or [sample_context(template.kind)])[: max(1, limit)]
    settings = _preflight(template, contexts, allowed_dirs)
    return _render_pdf(settings, contexts)[0]


def zip_filenames(template: CertificateTemplate, contexts: Sequence[Mapping]) -> list[str]:
    """Safe, unique ``.pdf`` names: the serial (or contestant code), else the position."""
    names: list[str] = []
    seen: set[str] = set()
    key_fields = FILENAME_FIELDS[template.kind]
    width = len(str(len(contexts)))
    for i, ctx in enumerate(contexts):
        raw = next((str(ctx.get(f)) for f in key_fields if ctx.get(f) not in (None, "")), "")
        stem = re.sub(r"[\x00-\x1f\x7f/\\:*?\"<>|]+", "_", raw).strip(" ._")[:80] or f"{i + 1:0{width}d}"
        name, n = f"{stem}.pdf", 2
        while name.lower() in seen:
            name, n = f"{stem}-{n}.pdf", n + 1
        seen.add(name.lower())
        names.append(name)
    return names


# --------------------------------------------------------------------------------------------------
# Checks


def find_forbidden_urls(template: CertificateTemplate) -> list[str]:
    """URLs in the template's HTML and CSS the fetcher would refuse (checked before rendering)."""
    messages = _find_forbidden_urls(template.html) + _find_forbidden_urls(template.css or "")
    return list(dict.fromkeys(messages))


def validate_template(template: CertificateTemplate, render_sample: bool = True) -> list[str]:
    """Everything wrong with a template, as Chinese messages (empty list = OK): syntax, unknown
    placeholders, forbidden URLs, bad page size, invalid images, and — if ``render_sample`` — errors and
    WeasyPrint warnings (e.g. unknown CSS) from rendering the sample data."""
    problems = list(find_unknown_placeholders(template.html, template.allowed_placeholders))
    problems += find_forbidden_urls(template)
    try:
        page_size_mm(template.page_size)
    except CertificateTemplateError as exc:
        problems.append(exc.message)
    try:
        validate_assets(template)
    except InvalidImageError as exc:
        problems.append(exc.message)
    if problems or not render_sample:
        return problems
    with _capture_weasyprint_warnings() as warnings:
        try:
            render_preview(template, limit=1)
        except CertificateError as exc:
            problems.append(exc.message)
    problems += [Msg("样式提示：{warning}", warning=w) for w in warnings]
    return problems


def preflight(template: CertificateTemplate, contexts: Sequence[Mapping], check_environment: bool = True) -> list[str]:
    """Problems to show before a batch (empty list = go): missing fonts/HarfBuzz, bad data, images that are
    not images, and characters the certificate font lacks (they would print as empty boxes)."""
    problems = fonts.check_environment() if check_environment else []
    try:
        validate_assets(template)
    except InvalidImageError as exc:
        problems.append(exc.message)
    texts: dict[str, None] = {}
    for i, ctx in enumerate(contexts):
        try:
            check_context(template, ctx, i)
            for key in IMAGE_FIELDS[template.kind]:
                if isinstance(ctx.get(key), bytes | bytearray):
                    validate_image(bytes(ctx[key]), Msg("照片"))
        except CertificateError as exc:
            said = exc.message.startswith(_who({}, i))  # check_context names the certificate itself
            problems.append(exc.message if said else _about(_who(ctx, i), exc.message))
            continue
        for value in _strings(ctx):
            texts[value] = None
    if not fonts.lacks_cjk_font(problems):
        unprintable: dict[str, list[str]] = {}
        for family in fonts.DEFAULT_FAMILIES:
            font = fonts.find_font(family)
            if font is None:
                continue
            for text, chars in fonts.names_that_would_not_print(texts, font.path, font.index):
                unprintable.setdefault(text, [])
                unprintable[text] += [c for c in chars if c not in unprintable[text]]
        problems += fonts.describe_unprintable(list(unprintable.items()))
    return problems


def _strings(value) -> Iterable[str]:
    if isinstance(value, str):
        if not value.startswith("data:"):
            yield value
    elif isinstance(value, Mapping):
        for k, v in value.items():
            if k.endswith("_url"):
                continue
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


@contextmanager
def _capture_weasyprint_warnings():
    messages: list[str] = []
    thread = threading.get_ident()

    class _Handler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.thread == thread and record.levelno >= logging.WARNING:
                msg = record.getMessage()
                if msg not in messages:
                    messages.append(msg)

    handler = _Handler()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)


# --------------------------------------------------------------------------------------------------
# Batch machinery


def _preflight(template: CertificateTemplate, contexts: Sequence[Mapping], allowed_dirs) -> _Settings:
    """Cheap checks in the caller's process so errors come before any worker starts."""
    _require_fonts()
    forbidden = find_forbidden_urls(template)
    if forbidden:
        raise ResourceRefusedError(listing(forbidden, SEMICOLON))
    compile_template(template.html)
    page_size_mm(template.page_size)
    validate_assets(template)
    for i, ctx in enumerate(contexts):
        check_context(template, ctx, i)
    return _Settings(template, allowed_dirs)


def _require_fonts() -> None:
    """Refuse to print Chinese certificates as empty boxes (or at a snail's pace without HarfBuzz)."""
    problems = fonts.check_environment()
    if problems:
        raise FontProblem(listing(problems, SEMICOLON))


def _chunks(total: int, processes: int, chunk_size: int, balance: bool = True) -> list[tuple[int, int]]:
    """Contiguous (start, stop) ranges; at least one per process when balancing."""
    size = max(1, chunk_size)
    if balance and processes > 1:
        size = min(size, math.ceil(total / processes))
    return [(s, min(s + size, total)) for s in range(0, total, size)]


_worker_settings: _Settings | None = None


def _init_worker(settings: _Settings) -> None:
    global _worker_settings
    _worker_settings = settings
    compile_template(settings.template.html)


def _do_chunk(settings: _Settings, job: tuple[int, int, list[Mapping], bool]) -> tuple[int, bytes, int, float]:
    """→ (chunk index, pdf, certificates in it, CPU seconds this process spent on it)."""
    index, start, contexts, exact = job
    cpu = time.process_time()
    pdf, pages = _render_pdf(settings, contexts, start)
    if exact:
        _check_one_page_each(pages, len(contexts), start)
    return index, pdf, len(contexts), time.process_time() - cpu


def _worker_chunk(job: tuple[int, int, list[Mapping], bool]) -> tuple[int, bytes, int, float]:
    """Pool entry point (the settings arrived once, through the initializer)."""
    assert _worker_settings is not None
    return _do_chunk(_worker_settings, job)


def _check_one_page_each(pages: int, count: int, start: int) -> None:
    if pages != count:
        raise CertificateTemplateError(
            Msg("第 {first}–{last} 份证书生成了 {pages} 页，应为每份一页；请检查模板是否强制分页。",
                first=start + 1, last=start + count, pages=pages)
        )


def _pool_context(start_method: str | None):
    methods = multiprocessing.get_all_start_methods()
    method = start_method or ("forkserver" if "forkserver" in methods else "spawn")
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(["certificates.render", "weasyprint"])
    return ctx


class _OrderedSink:
    """Receives chunk PDFs in any order and hands them on in order as soon as possible, so merging the
    early chunks overlaps with rendering the late ones."""

    def __init__(self, consume: Callable[[bytes], None]):
        self._consume = consume
        self._pending: dict[int, bytes] = {}
        self._next = 0

    def put(self, index: int, pdf: bytes) -> None:
        self._pending[index] = pdf
        while self._next in self._pending:
            self._consume(self._pending.pop(self._next))
            self._next += 1


def _run_chunks(
    settings: _Settings,
    contexts: list[Mapping],
    chunks: list[tuple[int, int]],
    processes: int,
    on_progress: ProgressCallback | None,
    start_method: str | None,
    consume: Callable[[bytes], None],
    exact_pages: bool = False,
    stats: dict | None = None,
) -> None:
    """Render the chunks (in a pool if ``processes`` > 1) and pass each chunk PDF to ``consume`` in order."""
    total = len(contexts)
    done = 0
    render_cpu = 0.0
    started = time.perf_counter()
    if on_progress:
        on_progress(0, total)
    jobs = [(i, start, contexts[start:stop], exact_pages) for i, (start, stop) in enumerate(chunks)]
    sink = _OrderedSink(consume)
    workers = max(1, min(processes, len(jobs)))
    if stats is not None:
        stats.update(certificates=total, chunks=len(jobs), processes=1)
    if workers == 1 or multiprocessing.current_process().daemon:
        # In this process (daemonic processes, e.g. some job-queue workers, may not have children).
        for job in jobs:
            index, pdf, n, cpu = _do_chunk(settings, job)
            render_cpu += cpu
            sink.put(index, pdf)
            done += n
            if on_progress:
                on_progress(done, total)
        if stats is not None:
            stats.update(render_cpu_seconds=render_cpu, render_seconds=time.perf_counter() - started)
        return
    # ProcessPoolExecutor rather than Pool: a worker that dies (e.g. a crash in a C library) raises
    # BrokenProcessPool here instead of leaving the batch waiting forever.
    executor = ProcessPoolExecutor(
        max_workers=workers, mp_context=_pool_context(start_method), initializer=_init_worker, initargs=(settings,)
    )
    try:
        futures = [executor.submit(_worker_chunk, job) for job in jobs]
        for future in as_completed(futures):
            index, pdf, n, cpu = future.result()
            render_cpu += cpu
            sink.put(index, pdf)
            done += n
            if on_progress:
                on_progress(done, total)
    except BrokenProcessPool:
        raise CertificateError(
            Msg("生成证书的后台进程意外退出，请重试；如果反复出现，请把证书分成几批生成。")
        ) from None
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
    if stats is not None:
        stats.update(processes=workers, render_cpu_seconds=render_cpu, render_seconds=time.perf_counter() - started)


class _Merger:
    """Appends chunk PDFs to one pypdf writer (the first chunk is cloned: cheaper than appending)."""

    def __init__(self, title: str):
        self.title = title
        self.writer = None
        self.first: bytes | None = None
        self.count = 0
        self.seconds = 0.0  # time spent merging (in the calling process)

    def __call__(self, pdf: bytes) -> None:
        started = time.perf_counter()
        try:
            self._append(pdf)
        finally:
            self.seconds += time.perf_counter() - started

    def _append(self, pdf: bytes) -> None:
        from pypdf import PdfReader, PdfWriter

        self.count += 1
        if self.count == 1:
            self.first = pdf
            return
        if self.writer is None:
            self.writer = PdfWriter(clone_from=PdfReader(io.BytesIO(self.first)))
            self.first = None
        self.writer.append(PdfReader(io.BytesIO(pdf)), import_outline=False)

    def result(self) -> bytes:
        if self.writer is None:
            return self.first or b""
        started = time.perf_counter()
        self.writer.add_metadata({"/Title": self.title, "/Producer": "Saiwu (WeasyPrint, pypdf)"})
        out = io.BytesIO()
        self.writer.write(out)
        self.seconds += time.perf_counter() - started
        return out.getvalue()


def _merge_pdfs(pdfs: list[bytes], title: str) -> bytes:
    merger = _Merger(title)
    for pdf in pdfs:
        merger(pdf)
    return merger.result()


__all__ = [
    "render_one",
    "render_batch",
    "render_zip",
    "render_preview",
    "render_html_document",
    "render_bodies",
    "prepare_context",
    "check_context",
    "validate_template",
    "validate_assets",
    "preflight",
    "find_forbidden_urls",
    "zip_filenames",
    "refusal_message",
]
