"""The four certificate kinds, their placeholders, sample data and default templates.

A :class:`CertificateTemplate` is a plain value (strings and bytes) so it can be stored in the database,
pickled to worker processes and rendered without Flask:

* ``html`` — Jinja source for ONE certificate (one page), rendered in the sandbox;
* ``css`` — plain CSS shared by all pages (not a Jinja template);
* ``page_size`` — ``"A4 landscape"``, ``"A5 portrait"``, ``"A6"``, ``"210mm 297mm"`` …;
* ``assets`` — named images served as ``saiwu-asset:/<name>`` (``seal`` is the organiser's seal).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

from app.text import Msg
from certificates.errors import CertificateTemplateError

DEFAULT_TEMPLATES_DIR = Path(__file__).with_name("default_templates")
DEMO_SEAL_PATH = DEFAULT_TEMPLATES_DIR / "seal-demo.png"

AWARD = "award"
PARTICIPATION = "participation"
JUDGE = "judge"
ADMISSION = "admission"

# The kinds' names on the app's pages, flashes and errors: Msg, so they show in the reader's language.
# A certificate itself is an official Chinese document: what is printed in the PDF (its title and
# metadata, the award names, the Chinese dates) stays Chinese — ``CertificateTemplate.label`` is the plain
# Chinese text, and a Msg used as a str anywhere outside the web layer is its Chinese text.
KIND_LABELS: dict[str, str] = {
    AWARD: Msg("获奖证书"),
    PARTICIPATION: Msg("参赛证明"),
    JUDGE: Msg("裁判员聘书"),
    ADMISSION: Msg("参赛证"),
}

DEFAULT_PAGE_SIZES: dict[str, str] = {
    AWARD: "A4 landscape",
    PARTICIPATION: "A4 landscape",
    JUDGE: "A4 landscape",
    ADMISSION: "A5 portrait",
}


def _hinted(label: Msg, hint: Msg) -> Msg:
    """A placeholder's description “组别（如 职工组、学生组）”; messages name the field by its label alone."""
    return Msg("{label}（{hint}）", label=label, hint=hint)


def field_label(description: str) -> str:
    """The short name in a placeholder's description, for messages: 组别 of “组别（如 职工组、学生组）”."""
    if isinstance(description, Msg) and "label" in description.params:
        return description.params["label"]
    return description.split("（")[0]


# Placeholders filled in by the renderer itself (from verify_url / checkin_url / template assets).
AUTO_PLACEHOLDERS: dict[str, str] = {
    "verify_qr": _hinted(Msg("验证二维码"), Msg("由验证网址自动生成")),
    "checkin_qr": _hinted(Msg("检录二维码"), Msg("由检录网址自动生成")),
    "seal": _hinted(Msg("印章图片"), Msg("模板上传的印章")),
}

_COMMON = {
    "name": Msg("姓名"),
    "delegation": Msg("代表队/单位"),
    "contest": Msg("赛事名称"),
    "event": Msg("比赛项目"),
    "group": _hinted(Msg("组别"), Msg("如 职工组、学生组")),
}

#: What each placeholder holds, shown to the organiser next to the template editor (Msg: translated there).
ALLOWED_PLACEHOLDERS: dict[str, dict[str, str]] = {
    AWARD: {
        **_COMMON,
        "award": _hinted(Msg("奖项"), Msg("如 金牌、一等奖")),
        "title": _hinted(Msg("荣誉称号"), Msg("如 全国技术能手，可空")),
        "issuer": Msg("发证单位"),
        "issue_date": _hinted(
            Msg("发证日期"), Msg("日期；用 {{ issue_date|chinese_date }} 显示为 二〇二〇年八月十三日")
        ),
        "serial": Msg("证书编号"),
        "verify_url": Msg("验证网址"),
        "verify_qr": AUTO_PLACEHOLDERS["verify_qr"],
        "seal": AUTO_PLACEHOLDERS["seal"],
    },
    PARTICIPATION: {
        **_COMMON,
        "issuer": Msg("发证单位"),
        "issue_date": Msg("发证日期"),
        "serial": Msg("证书编号"),
        "verify_url": Msg("验证网址"),
        "verify_qr": AUTO_PLACEHOLDERS["verify_qr"],
        "seal": AUTO_PLACEHOLDERS["seal"],
    },
    JUDGE: {
        "name": Msg("姓名"),
        "delegation": _hinted(Msg("工作单位"), Msg("可空")),
        "contest": Msg("赛事名称"),
        "event": _hinted(Msg("比赛项目"), Msg("可空，空时为整个赛事")),
        "role": _hinted(Msg("职务"), Msg("如 裁判长、裁判员、监督员")),
        "term_start": _hinted(Msg("聘期开始日期"), Msg("日期，可空")),
        "term_end": _hinted(Msg("聘期结束日期"), Msg("日期，可空")),
        "issuer": Msg("聘任单位"),
        "issue_date": Msg("发证日期"),
        "serial": Msg("聘书编号"),
        "verify_url": Msg("验证网址"),
        "verify_qr": AUTO_PLACEHOLDERS["verify_qr"],
        "seal": AUTO_PLACEHOLDERS["seal"],
    },
    ADMISSION: {
        **_COMMON,
        "photo": _hinted(Msg("照片"), Msg("图片文件内容，可空")),
        "contestant_code": _hinted(Msg("参赛编号"), Msg("可空，空时不显示")),
        "station": _hinted(Msg("工位号"), Msg("可空，空时不显示")),
        "venue": Msg("比赛地点"),
        "schedule": _hinted(Msg("日程"), Msg("列表，每项含 time 时间、item 内容、place 地点")),
        "schedule.time": Msg("日程时间"),
        "schedule.item": Msg("日程内容"),
        "schedule.place": Msg("日程地点"),
        "notes": _hinted(Msg("注意事项"), Msg("文字列表，可空")),
        "issuer": Msg("主办单位"),
        "checkin_url": Msg("检录网址"),
        "checkin_qr": AUTO_PLACEHOLDERS["checkin_qr"],
        "seal": AUTO_PLACEHOLDERS["seal"],
    },
}

#: Must be present and non-empty in every context.
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    AWARD: ("name", "contest", "event", "award", "issuer", "issue_date", "serial"),
    PARTICIPATION: ("name", "contest", "event", "issuer", "issue_date", "serial"),
    JUDGE: ("name", "contest", "role", "issuer", "issue_date", "serial"),
    ADMISSION: ("name", "contest", "event", "venue"),
}

#: Context fields holding raw image bytes; validated with Pillow and turned into data: URIs.
IMAGE_FIELDS: dict[str, tuple[str, ...]] = {AWARD: (), PARTICIPATION: (), JUDGE: (), ADMISSION: ("photo",)}

#: url field → QR placeholder generated from it.
QR_FIELDS: dict[str, dict[str, str]] = {
    AWARD: {"verify_url": "verify_qr"},
    PARTICIPATION: {"verify_url": "verify_qr"},
    JUDGE: {"verify_url": "verify_qr"},
    ADMISSION: {"checkin_url": "checkin_qr"},
}

#: Used for the file name of each certificate in a ZIP.
FILENAME_FIELDS: dict[str, tuple[str, ...]] = {
    AWARD: ("serial", "name"),
    PARTICIPATION: ("serial", "name"),
    JUDGE: ("serial", "name"),
    ADMISSION: ("contestant_code", "name"),
}

_VERIFY = "https://saiwu.example.cn/v/"
SAMPLE_CONTEXT: dict[str, dict] = {
    AWARD: {
        "name": "阿卜杜热合曼·买买提",
        "delegation": "新疆维吾尔自治区代表团",
        "contest": "2020年全国扶贫职业技能大赛",
        "event": "电工",
        "group": "职工组",
        "award": "金牌",
        "title": "全国技术能手",
        "issuer": "赛务职业技能竞赛组织委员会",
        "issue_date": date(2020, 8, 13),
        "serial": "2020-FP-DG-0001",
        "verify_url": _VERIFY + "2020-FP-DG-0001?c=8f3a1b2c",
    },
    PARTICIPATION: {
        "name": "王小明",
        "delegation": "贵州省代表团",
        "contest": "2020年全国扶贫职业技能大赛",
        "event": "中式烹调",
        "group": "学生组",
        "issuer": "赛务职业技能竞赛组织委员会",
        "issue_date": date(2020, 8, 13),
        "serial": "2020-FP-PR-0137",
        "verify_url": _VERIFY + "2020-FP-PR-0137?c=77d0e9aa",
    },
    JUDGE: {
        "name": "李建国",
        "delegation": "国网河南省电力公司",
        "contest": "2020年全国扶贫职业技能大赛",
        "event": "电工",
        "role": "裁判长",
        "term_start": date(2020, 8, 10),
        "term_end": date(2020, 8, 14),
        "issuer": "赛务职业技能竞赛组织委员会",
        "issue_date": date(2020, 8, 1),
        "serial": "2020-FP-CP-0012",
        "verify_url": _VERIFY + "2020-FP-CP-0012?c=1c2d3e4f",
    },
    ADMISSION: {
        "name": "次仁卓玛",
        "delegation": "西藏自治区代表团",
        "contest": "2020年全国扶贫职业技能大赛",
        "event": "电工",
        "group": "职工组",
        "photo": None,
        "contestant_code": "DG-017",
        "station": "A-12",
        "venue": "河南省郑州市国际会展中心 3 号馆",
        "schedule": [
            {"time": "8月11日 14:00", "item": "报到、领取参赛证", "place": "会展中心北门"},
            {"time": "8月12日 08:00", "item": "检录", "place": "3 号馆入口"},
            {"time": "8月12日 08:30–12:00", "item": "实际操作比赛", "place": "3 号馆 A 区"},
            {"time": "8月13日 09:00", "item": "理论知识考试", "place": "2 号馆"},
        ],
        "notes": ["凭本证和身份证检录入场。", "比赛开始 15 分钟后不得入场。", "请勿携带通讯工具进入赛场。"],
        "issuer": "赛务职业技能竞赛组织委员会",
        "checkin_url": "https://saiwu.example.cn/c/DG-017?k=4be1",
    },
}

_PAGE_SIZES_MM = {
    "A3": (297, 420),
    "A4": (210, 297),
    "A5": (148, 210),
    "A6": (105, 148),
    "B5": (176, 250),
    "JIS-B5": (182, 257),
    "LETTER": (215.9, 279.4),
}
_NAMED_SIZE_RE = re.compile(r"\s*([A-Za-z0-9-]+)\s*(landscape|portrait)?\s*", re.I)
_MM_SIZE_RE = re.compile(r"\s*(\d{2,3}(?:\.\d)?)\s*mm\s+(\d{2,3}(?:\.\d)?)\s*mm\s*", re.I)


def page_size_mm(page_size: str) -> tuple[float, float]:
    """``'A4 landscape'`` → ``(297, 210)`` (width, height in mm). Raises CertificateTemplateError (Chinese)."""
    if isinstance(page_size, str):
        m = _MM_SIZE_RE.fullmatch(page_size)
        if m:
            w, h = float(m.group(1)), float(m.group(2))
            if 50 <= w <= 600 and 50 <= h <= 600:
                return w, h
        m = _NAMED_SIZE_RE.fullmatch(page_size)
        if m and m.group(1).upper() in _PAGE_SIZES_MM:
            w, h = _PAGE_SIZES_MM[m.group(1).upper()]
            if (m.group(2) or "").lower() == "landscape":
                w, h = h, w
            return w, h
    raise CertificateTemplateError(
        Msg("纸张大小“{size}”不正确。可写成 A4 landscape（横向）、A4 portrait（纵向）、A5、A6，"
            "或 210mm 297mm 这样的宽和高。", size=page_size)
    )


@dataclass(frozen=True)
class CertificateTemplate:
    kind: str
    html: str
    css: str = ""
    page_size: str = "A4 landscape"
    assets: dict[str, bytes] = field(default_factory=dict)
    title: str = ""

    def __post_init__(self):
        if self.kind not in KIND_LABELS:
            raise CertificateTemplateError(Msg("未知的证书类别：{kind}", kind=self.kind))
        page_size_mm(self.page_size)

    @property
    def allowed_placeholders(self) -> dict[str, str]:
        return ALLOWED_PLACEHOLDERS[self.kind]

    @property
    def label(self) -> str:
        """The document title printed in the PDF: plain Chinese (a certificate is a Chinese document)."""
        return str(self.title or KIND_LABELS[self.kind])


@cache
def _read_default(kind: str) -> tuple[str, str]:
    html = (DEFAULT_TEMPLATES_DIR / f"{kind}.html").read_text(encoding="utf-8")
    css = (DEFAULT_TEMPLATES_DIR / "common.css").read_text(encoding="utf-8")
    css += "\n" + (DEFAULT_TEMPLATES_DIR / f"{kind}.css").read_text(encoding="utf-8")
    return html, css


@cache
def demo_seal_png() -> bytes:
    """The generated demo seal (red ring, star, 示例印章) — for previews only."""
    return DEMO_SEAL_PATH.read_bytes()


def default_template(kind: str, *, seal: bytes | None = None, page_size: str | None = None) -> CertificateTemplate:
    """The built-in template of ``kind``. ``seal``: the organiser's seal image (PNG/JPEG bytes; validated
    when rendering); without it no seal is printed. Use ``seal=demo_seal_png()`` for previews."""
    if kind not in KIND_LABELS:
        raise CertificateTemplateError(Msg("未知的证书类别：{kind}", kind=kind))
    html, css = _read_default(kind)
    assets = {"seal": seal} if seal is not None else {}
    return CertificateTemplate(kind, html, css, page_size or DEFAULT_PAGE_SIZES[kind], assets, KIND_LABELS[kind])


def sample_context(kind: str) -> dict:
    """A fresh copy of the preview data of ``kind``."""
    import copy

    return copy.deepcopy(SAMPLE_CONTEXT[kind])
