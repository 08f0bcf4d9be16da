"""Rendering certificates to PDF (WeasyPrint + Noto CJK). Checked with poppler (pdftotext, pdffonts, pdfinfo,
pdftoppm) and zbarimg, as a person would: the text is there, the fonts are embedded, the QR scans."""

from __future__ import annotations

import dataclasses
import io
import re
import subprocess
import zipfile
from datetime import date

import pytest
from pypdf import PdfReader

from certificates.errors import (
    CertificateTemplateError,
    ContextValueError,
    InvalidImageError,
    ResourceRefusedError,
)
from certificates.kinds import CertificateTemplate, default_template, demo_seal_png, sample_context
from certificates.render import (
    preflight,
    render_batch,
    render_html_document,
    render_one,
    render_preview,
    render_zip,
    validate_template,
    zip_filenames,
)

pytestmark = pytest.mark.pdf

RARE = "\U00031350"  # CJK Extension G: not in Noto CJK


@pytest.fixture(autouse=True)
def _pdf_stack(needs_pdf):
    pass


@pytest.fixture(scope="module")
def award():
    return default_template("award", seal=demo_seal_png())


def run(*args, **kwargs) -> str:
    return subprocess.run(list(args), capture_output=True, text=True, check=True, **kwargs).stdout


def save(tmp_path, pdf: bytes, name="c.pdf"):
    path = tmp_path / name
    path.write_bytes(pdf)
    return path


def text_of(path, *extra) -> str:
    return run("pdftotext", *extra, "-enc", "UTF-8", str(path), "-")


def page_size_pt(path) -> tuple[float, float]:
    m = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", run("pdfinfo", str(path)))
    return float(m.group(1)), float(m.group(2))


def words_bbox(path):
    """(page width, page height, [(word, xmin, ymin, xmax, ymax)]) from pdftotext -bbox."""
    html = run("pdftotext", "-bbox", "-enc", "UTF-8", str(path), "-")
    page = re.search(r'<page width="([\d.]+)" height="([\d.]+)">', html)
    words = [
        (w, float(a), float(b), float(c), float(d))
        for a, b, c, d, w in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html
        )
    ]
    return float(page.group(1)), float(page.group(2)), words


# --- the award certificate ------------------------------------------------------------------------------


def test_award_certificate(award, tmp_path):
    ctx = sample_context("award")
    path = save(tmp_path, render_one(award, ctx))

    text = text_of(path)
    flat = re.sub(r"\s+", "", text)
    assert "荣誉证书" in re.sub(r"\s+", "", text)
    assert ctx["name"] in flat
    assert "在2020年全国扶贫职业技能大赛电工项目（职工组）中荣获金牌，并被授予“全国技术能手”称号，特发此证。" in flat
    assert "二〇二〇年八月十三日" in flat
    assert "证书编号：2020-FP-DG-0001" in flat
    assert "新疆维吾尔自治区代表团" in flat
    assert "赛务职业技能竞赛组织委员会" in flat

    fonts = run("pdffonts", str(path))
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk, fonts
    for line in cjk:
        # name, type…, encoding, emb, sub, uni
        assert re.search(r"\byes\s+yes\s+yes\b", line), line  # embedded, subset, with ToUnicode

    assert page_size_pt(path) == pytest.approx((841.89, 595.28), abs=0.5)  # A4 landscape
    assert len(PdfReader(path).pages) == 1


def test_award_qr_scans_to_the_verification_url(award, tmp_path):
    ctx = sample_context("award")
    path = save(tmp_path, render_one(award, ctx))
    run("pdftoppm", "-r", "150", "-png", "-singlefile", str(path), str(tmp_path / "page"))
    decoded = run("zbarimg", "--raw", "-q", str(tmp_path / "page.png")).strip()
    assert decoded == ctx["verify_url"]


def test_no_seal_without_an_uploaded_seal(tmp_path):
    pdf = render_one(default_template("award"), sample_context("award"))
    images = run("pdfimages", "-list", str(save(tmp_path, pdf)))
    assert "600" not in images and len(images.strip().splitlines()) == 3  # header, ruler, the QR only


def test_optional_fields_left_out(award, tmp_path):
    ctx = sample_context("award") | {"group": None, "title": "", "delegation": None}
    flat = re.sub(r"\s+", "", text_of(save(tmp_path, render_one(award, ctx))))
    assert "电工项目中荣获金牌，特发此证。" in flat
    assert "代表队" not in flat and "称号" not in flat


# --- long names ----------------------------------------------------------------------------------------

LONG_NAMES = [
    "阿卜杜热合曼·买买提",
    "古丽娜尔·艾合买提江·吐尔逊",
    "阿卜杜热合曼·买买提·艾合买提江·吐尔逊·阿不都克里木",
    "Maximilian Alexander Wolfgang von Schwarzenegger",
]


@pytest.mark.parametrize("kind", ["award", "participation", "judge", "admission"])
def test_long_names_stay_on_one_line_and_on_the_page(kind, tmp_path):
    template = default_template(kind, seal=demo_seal_png())
    contexts = [sample_context(kind) | {"name": name} for name in LONG_NAMES]
    path = save(tmp_path, render_batch(template, contexts, processes=1))
    assert len(PdfReader(path).pages) == len(LONG_NAMES)
    for page_no, name in enumerate(LONG_NAMES, 1):
        text = text_of(path, "-f", str(page_no), "-l", str(page_no), "-layout")
        lines = [line for line in text.splitlines() if name.split("·")[0].split(" ")[0] in line]
        assert any(name.replace(" ", "") in re.sub(r"\s+", "", line) for line in lines), (name, lines)

    width, height, words = words_bbox(path)
    margin = 5 * 72 / 25.4  # nothing within 5 mm of the paper edge (the frame is 7 mm in)
    for word, x0, y0, x1, y1 in words:
        assert margin <= x0 and x1 <= width - margin, (word, x0, x1, width)
        assert margin <= y0 and y1 <= height - margin, (word, y0, y1, height)


def test_long_name_gets_smaller_font(award):
    html = render_html_document(award, [sample_context("award") | {"name": n} for n in ("张三", LONG_NAMES[2])])
    sizes = [float(s) for s in re.findall(r'class="name" style="font-size: ([\d.]+)pt"', html)]
    assert sizes[0] == 30 and sizes[1] < 20


# --- fonts ---------------------------------------------------------------------------------------------


def test_name_with_character_missing_from_font_is_reported(award):
    contexts = [sample_context("award"), sample_context("award") | {"name": f"王{RARE}明"}]
    problems = preflight(award, contexts)
    assert len(problems) == 1
    assert f"王{RARE}明" in problems[0] and "U+31350" in problems[0] and "空白方框" in problems[0]
    assert preflight(award, [sample_context("award")]) == []


# --- images --------------------------------------------------------------------------------------------


def test_seal_that_is_not_an_image_is_refused(tmp_path):
    template = default_template("award", seal=b"I am a text file someone renamed to seal.png\n")
    with pytest.raises(InvalidImageError, match="印章图片不是有效的图片文件") as info:
        render_one(template, sample_context("award"))
    assert "PNG 或 JPEG" in str(info.value)
    assert any("印章图片" in p for p in validate_template(template))
    assert any("印章图片" in p for p in preflight(template, [sample_context("award")]))


def test_photo_that_is_not_an_image_is_refused():
    template = default_template("admission")
    ctx = sample_context("admission") | {"photo": b"GIF89a but not really"}
    with pytest.raises(InvalidImageError, match="照片"):
        render_one(template, ctx)


def test_photo_url_is_refused():
    ctx = sample_context("admission") | {"photo": "file:///etc/passwd"}
    with pytest.raises(ContextValueError, match="照片必须是图片文件内容（bytes），不能是网址或路径"):
        render_one(default_template("admission"), ctx)


# --- admission card ------------------------------------------------------------------------------------


def test_admission_card(tmp_path):
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (330, 450), (90, 140, 200)).save(buf, format="JPEG")
    ctx = sample_context("admission") | {"photo": buf.getvalue()}
    path = save(tmp_path, render_one(default_template("admission", seal=demo_seal_png()), ctx))
    assert page_size_pt(path) == pytest.approx((419.53, 595.28), abs=0.5)  # A5 portrait
    flat = re.sub(r"\s+", "", text_of(path))
    for needle in (
        "参赛证",
        "次仁卓玛",
        "西藏自治区代表团",
        "参赛编号",
        "DG-017",
        "工位号",
        "A-12",
        "实际操作比赛",
        "河南省郑州市国际会展中心3号馆",
    ):
        assert needle in flat
    assert "/DCTDecode" in path.read_bytes().decode("latin-1")  # the photo is in
    run("pdftoppm", "-r", "150", "-png", "-singlefile", str(path), str(tmp_path / "card"))
    assert run("zbarimg", "--raw", "-q", str(tmp_path / "card.png")).strip() == ctx["checkin_url"]


def test_admission_card_hides_code_and_station_when_absent(tmp_path):
    ctx = sample_context("admission") | {"contestant_code": None, "station": ""}
    flat = re.sub(r"\s+", "", text_of(save(tmp_path, render_one(default_template("admission"), ctx))))
    assert "参赛编号" not in flat and "工位号" not in flat
    assert "照片" in flat  # placeholder box when no photo


@pytest.mark.parametrize("kind", ["participation", "judge"])
def test_other_kinds(kind, tmp_path):
    ctx = sample_context(kind)
    flat = re.sub(r"\s+", "", text_of(save(tmp_path, render_one(default_template(kind), ctx))))
    assert ctx["name"] in flat and ctx["serial"] in flat
    if kind == "judge":
        assert "聘书" in flat and "兹聘请" in flat and "裁判长" in flat
        assert "聘期自二〇二〇年八月十日至二〇二〇年八月十四日。" in flat
    else:
        assert "参赛证明" in flat and "特此证明" in flat


def test_page_size_is_a_template_setting(tmp_path):
    template = default_template("award", page_size="A4 portrait")
    path = save(tmp_path, render_one(template, sample_context("award")))
    assert page_size_pt(path) == pytest.approx((595.28, 841.89), abs=0.5)


# --- templates that try to read files --------------------------------------------------------------------


def _custom(html: str, css: str = "") -> CertificateTemplate:
    return CertificateTemplate("award", html, css)


@pytest.mark.parametrize(
    ("html", "css"),
    [
        ('<p>{{ name }}</p><img src="file:///etc/passwd">', ""),
        ("<p>{{ name }}</p><style>@import url(file:///etc/passwd);</style>", ""),
        ("<p>{{ name }}</p>", "@import url(file:///etc/passwd);"),
        ("<p>{{ name }}</p>", "p { background: url(http://127.0.0.1:9/x.png) }"),
        ('<p>{{ name }}</p><link rel="attachment" href="file:///etc/passwd">', ""),
    ],
)
def test_file_and_network_urls_refused_before_rendering(html, css):
    with pytest.raises(ResourceRefusedError, match="证书模板不能引用外部或本地文件"):
        render_one(_custom(html, css), sample_context("award"))


@pytest.mark.parametrize(
    "html",
    [
        # The URL only appears after Jinja (hidden from the static check) — the fetcher refuses it.
        '<p>{{ name }}</p><img src="{{ "fi" ~ "le:///etc/passwd" }}">',
        # Inside an SVG image WeasyPrint swallows fetch errors; the recorded refusal still fails the render.
        '<p>{{ name }}</p><img src="data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22 '
        'xmlns:xlink=%22http://www.w3.org/1999/xlink%22%3E%3Cimage xlink:href=%22{{ "fi" ~ "le" }}:///etc/passwd%22 '
        'width=%2210%22 height=%2210%22/%3E%3C/svg%3E">',
    ],
)
def test_hidden_file_urls_refused_while_rendering(html):
    with pytest.raises(ResourceRefusedError, match="file:///etc/passwd"):
        render_one(_custom(html), sample_context("award"))


def test_passwd_never_reaches_the_pdf(tmp_path):
    try:
        pdf = render_one(
            _custom('<p>{{ name }}</p><img src="{{ "fi" ~ "le:///etc/passwd" }}">'), sample_context("award")
        )
    except ResourceRefusedError:
        return
    assert b"root:" not in pdf  # pragma: no cover - the render must have failed


def test_sandbox_escape_in_a_template_is_refused():
    with pytest.raises(CertificateTemplateError, match="不允许的内容"):
        render_one(_custom("<p>{{ ''.__class__.__mro__ }}</p>"), sample_context("award"))


def test_context_with_objects_is_refused():
    class Person:
        name = "张三"

    with pytest.raises(TypeError):
        render_one(default_template("award"), sample_context("award") | {"name": Person()})


def test_missing_required_fields_are_listed():
    ctx = sample_context("award")
    del ctx["serial"]
    ctx["award"] = ""
    with pytest.raises(ContextValueError, match=r"缺少：奖项、证书编号"):
        render_one(default_template("award"), ctx)


# --- validation ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["award", "participation", "judge", "admission"])
def test_default_templates_validate_cleanly(kind):
    assert validate_template(default_template(kind, seal=demo_seal_png())) == []


def test_validate_template_lists_problems():
    template = _custom('<p>{{ nmae }}</p><img src="file:///etc/passwd">', "p { colr: red }")
    problems = validate_template(template)
    assert any("{{ nmae }}" in p for p in problems)
    assert any("file:///etc/passwd" in p for p in problems)


def test_validate_template_reports_css_warnings():
    problems = validate_template(_custom("<p>{{ name }}</p>", "p { colr: red }"))
    assert problems and problems[0].startswith("样式提示：") and "colr" in problems[0]


def test_preview_is_capped(award):
    contexts = [sample_context("award") | {"serial": f"S-{i}"} for i in range(12)]
    assert len(PdfReader(io.BytesIO(render_preview(award, contexts, limit=3))).pages) == 3
    assert len(PdfReader(io.BytesIO(render_preview(award))).pages) == 1


# --- batches -------------------------------------------------------------------------------------------


def batch_contexts(n: int) -> list[dict]:
    out = []
    for i in range(n):
        ctx = sample_context("award")
        ctx["name"] = ["张三", "李四", "王五", "赵六", "阿卜杜热合曼·买买提"][i % 5]
        ctx["serial"] = f"2020-FP-DG-{i + 1:04d}"
        ctx["verify_url"] = f"https://saiwu.example.cn/v/{ctx['serial']}"
        ctx["issue_date"] = date(2020, 8, 13)
        out.append(ctx)
    return out


@pytest.mark.parametrize("start_method", ["forkserver", "fork", "spawn"])
def test_batch_in_processes_keeps_order(award, tmp_path, start_method):
    contexts = batch_contexts(9)
    calls = []
    pdf = render_batch(
        award,
        contexts,
        processes=2,
        chunk_size=2,
        start_method=start_method,
        on_progress=lambda done, total: calls.append((done, total)),
    )
    path = save(tmp_path, pdf)
    assert len(PdfReader(path).pages) == 9
    for i, ctx in enumerate(contexts, 1):
        page = re.sub(r"\s+", "", text_of(path, "-f", str(i), "-l", str(i)))
        assert ctx["serial"] in page and ctx["name"] in page
    assert calls[0] == (0, 9) and calls[-1] == (9, 9)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls) and len(calls) == 6  # 0 + 5 chunks


def test_batch_fonts_are_subset_once_per_chunk(award, tmp_path):
    path = save(tmp_path, render_batch(award, batch_contexts(6), processes=1, chunk_size=100))
    fonts = [line for line in run("pdffonts", str(path)).splitlines() if "CJK" in line]
    assert len(fonts) == 2  # Serif Bold + Serif, shared by all 6 pages


def test_batch_error_names_the_certificate(award):
    contexts = batch_contexts(4)
    contexts[2]["name"] = None
    with pytest.raises(ContextValueError, match=r"第 3 份证书缺少：姓名"):
        render_batch(award, contexts, processes=2)


def test_progress_callback_can_cancel(award):
    class Cancelled(Exception):
        pass

    def stop(done, total):
        if done:
            raise Cancelled

    with pytest.raises(Cancelled):
        render_batch(award, batch_contexts(6), processes=2, chunk_size=2, on_progress=stop)


def test_empty_batch_refused(award):
    with pytest.raises(ContextValueError, match="没有要生成的证书"):
        render_batch(award, [])


def test_zip_one_pdf_per_certificate(award):
    contexts = batch_contexts(7)
    calls = []
    data = render_zip(award, contexts, processes=2, group_size=3, on_progress=lambda d, t: calls.append(d))
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        assert names == [f"{c['serial']}.pdf" for c in contexts]
        for name, ctx in zip(names, contexts, strict=True):
            reader = PdfReader(io.BytesIO(zf.read(name)))
            assert len(reader.pages) == 1
            assert ctx["serial"] in re.sub(r"\s+", "", reader.pages[0].extract_text())
    assert calls[-1] == 7


def test_zip_filenames_are_safe_and_unique(award):
    contexts = [{"serial": "A/1"}, {"serial": "A/1"}, {"serial": ""}, {"serial": "..\\..\\x"}, {"serial": "a:b*c"}]
    assert zip_filenames(award, contexts) == ["A_1.pdf", "A_1-2.pdf", "3.pdf", "x.pdf", "a_b_c.pdf"]


def test_one_page_per_certificate_enforced_for_zip(award):
    template = dataclasses.replace(award, html='<p>{{ name }}</p><p style="break-before: page">第二页</p>')
    with pytest.raises(CertificateTemplateError, match="应为每份一页"):
        render_zip(template, batch_contexts(2), processes=1)


def test_dead_worker_fails_the_batch_instead_of_hanging(award, monkeypatch):
    import os

    from certificates import render as render_module
    from certificates.errors import CertificateError

    def crash(*args, **kwargs):
        os._exit(3)

    monkeypatch.setattr(render_module, "_render_pdf", crash)  # inherited by fork-started workers
    with pytest.raises(CertificateError, match="后台进程意外退出"):
        render_batch(award, batch_contexts(4), processes=2, chunk_size=1, start_method="fork")
