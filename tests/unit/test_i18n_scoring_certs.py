"""Certificates and judging: no Chinese message reaches a user without passing through the catalogue.

In the modules of ``certificates`` and the judging part of ``scoring`` that word messages for people, every
string literal holding Chinese must be the message of a translation call (``_()``, ``_l()``, ``gettext``,
``lazy_gettext``, ``ngettext``, ``Msg()``) or a docstring. What stays Chinese on purpose is listed in
``ALLOWED``, each with its reason: above all, what is PRINTED on a certificate or an admission card (an official
Chinese document), and the Excel marking scheme's headers that the import reads back.

Also here: the messages keep their templates on the way through exceptions, worker processes and the database,
and what a certificate prints stays plain Chinese text. The lint is ``tests/support/i18n_lint.py``.
"""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest

from app.text import Msg
from scoring.schemes import COLUMNS, SETTINGS
from tests.support.i18n_lint import ROOT, Allowed, problems

MODULES = [
    "certificates/errors.py",
    "certificates/kinds.py",
    "certificates/numbering.py",
    "certificates/chinese_date.py",
    "certificates/sandbox.py",
    "certificates/fetcher.py",
    "certificates/fonts.py",
    "certificates/images.py",
    "certificates/qr.py",
    "certificates/textfit.py",
    "certificates/render.py",
    "certificates/services.py",
    "certificates/views.py",
    "certificates/forms.py",
    "certificates/jobs.py",
    "certificates/models.py",
    "scoring/rules/__init__.py",
    "scoring/rules/aggregate.py",
    "scoring/rules/awards.py",
    "scoring/rules/ranking.py",
    "scoring/rules/recheck.py",
    "scoring/rules/rounding.py",
    "scoring/rules/scheme.py",
    "scoring/rules/standardise.py",
    "scoring/rules/tally.py",
    "scoring/schemes.py",
    "scoring/services.py",
    "scoring/paper.py",
    "scoring/rechecks.py",
    "scoring/views.py",
    "scoring/txn.py",
    "scoring/models.py",
]
# Left Chinese on purpose, not checked here: certificates/cli.py and scoring/cli.py (command-line output for
# the operator), scoring/demo.py and certificates/seal_demo.py (demo data), certificates/default_templates/
# (the certificates' own Chinese text).

# The Excel marking scheme: the import finds its columns and settings by these words (English aliases are
# accepted too), and the export writes them back; its sheets are named 评分标准 and 设置 (设置项 | 值).
SCHEME_WORKBOOK = set(COLUMNS) | {label for _key, label, _kind in SETTINGS} | {
    "评分标准", "设置", "设置项", "值",
    "等级", "描述",  # the pieces of f"等级{i}描述", the level columns
}

# Per module: ``scopes`` are top-level functions or assigned names whose Chinese is allowed as a whole,
# ``literals`` single strings allowed wherever they appear in the module.
ALLOWED: dict[str, Allowed] = {
    # The preview data printed on the sample certificates (names, contest, schedule): certificate text.
    "certificates/kinds.py": {"scopes": {"SAMPLE_CONTEXT"}},
    # The Chinese date printed on certificates (二〇二〇年八月十三日): digits, 十 and 年/月/日.
    "certificates/chinese_date.py": {"literals": {"〇一二三四五六七八九", "十", "年", "月", "日"}},
    "certificates/services.py": {
        # the admission card's default schedule, printed on the card and edited by the organiser
        "scopes": {"_default_schedule"},
        # the role printed on a judge's appointment letter
        "literals": {"裁判长", "裁判员"},
    },
    "scoring/schemes.py": {"scopes": {"COLUMNS", "ALIASES", "SETTINGS"}, "literals": SCHEME_WORKBOOK},
    # Recorded as the reason of a recomputation in the audit trail, like scoring/results.py's reasons (data).
    "scoring/services.py": {"literals": {"评分修改"}},
    # Honorary titles: stored with the results as text and printed on the award certificates (data).
    "scoring/rules/awards.py": {"scopes": {"NATIONAL_TECHNICAL_EXPERT", "BEST_OF_DELEGATION"}},
}


@pytest.mark.parametrize("path", MODULES)
def test_no_untranslatable_chinese(path):
    assert problems(path, allowed=ALLOWED.get(path)) == []


def test_the_modules_that_build_messages_stay_pure():
    """The pipeline's modules build Msg, not gettext: they still import without Flask or SQLAlchemy."""
    names = ["certificates.errors", "certificates.kinds", "certificates.numbering", "certificates.fonts",
             "certificates.images", "certificates.qr", "certificates.fetcher", "certificates.render",
             "certificates.sandbox", "certificates.chinese_date", "scoring.rules"]
    code = (
        "import sys\n"
        f"for name in {names!r}: __import__(name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'flask_babel')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]", out.stdout


# ---------------------------------------------------------------- messages keep their templates


def test_a_mark_out_of_range_reads_chinese_and_can_be_translated():
    from scoring import rules

    fault = rules.check_score(rules.scheme.Decimal("10.5"), 0, 10)
    assert fault == "分数 10.5 超出范围 0–10"
    assert isinstance(fault, Msg) and fault.template == "分数 {value} 超出范围 {low}–{high}"
    problems_ = rules.check_scheme(rules.MarkingScheme(aspects=(), components=(
        rules.Component(rules.THEORY, rules.scheme.DEFAULT_COMPONENTS[0].label, 30),
        rules.Component(rules.PRACTICAL, rules.scheme.DEFAULT_COMPONENTS[1].label, 60))))
    assert problems_ == ["各部分权重合计 90，应为 100"] and isinstance(problems_[0], Msg)


def test_certificate_errors_keep_their_message_across_processes():
    from certificates import numbering
    from certificates.errors import SerialPatternError

    with pytest.raises(SerialPatternError) as raised:
        numbering.format_serial("{year}-{seq:04}", seq=1)
    again = pickle.loads(pickle.dumps(raised.value))  # as it comes back from the renderer's process pool
    assert again.message == raised.value.message == "生成编号需要“年份”（{year}），但没有提供。"
    assert again.message.template == "生成编号需要“{label}”（{field}），但没有提供。"
    assert again.message.params["label"].template == "年份"


def test_a_failed_batch_keeps_its_messages_for_the_page():
    from certificates.errors import listing, read_messages, store_messages

    unknown = Msg("未知的证书类别：{kind}", kind="x")
    stored = store_messages([unknown, "旧的文字", listing([Msg("年份"), Msg("流水号")])])
    assert stored.startswith("未知的证书类别：x；旧的文字；年份、流水号")  # what anyone reading the row sees
    back = read_messages(stored)
    assert back == "未知的证书类别：x；旧的文字；年份、流水号" and isinstance(back, Msg)
    assert back.params["p0"].template == "未知的证书类别：{kind}"
    assert read_messages("a row written before messages were kept") == "a row written before messages were kept"
    assert read_messages("") == ""


def test_what_a_certificate_prints_is_plain_chinese():
    """Kind names and placeholders are Msg for the pages; the PDF's own title is plain Chinese text."""
    from certificates import kinds

    tpl = kinds.default_template("award")
    assert type(tpl.label) is str and tpl.label == "获奖证书"
    assert isinstance(kinds.KIND_LABELS["award"], Msg)
    assert kinds.ALLOWED_PLACEHOLDERS["award"]["group"] == "组别（如 职工组、学生组）"
    assert kinds.field_label(kinds.ALLOWED_PLACEHOLDERS["admission"]["photo"]) == "照片"
    assert kinds.field_label(kinds.ALLOWED_PLACEHOLDERS["award"]["name"]) == "姓名"
