"""The rules core is plain Python: importing it must not pull in Flask or SQLAlchemy."""

from __future__ import annotations

import subprocess
import sys

PURE = [
    "app.text",
    "scoring.rules",
    "contests.idnumber",
    "contests.names",
    "contests.eligibility",
    "contests.registration",
    "contests.statistics",
    "contests.uploads",
    "contests.excel",
    "contests.ethnic",
    "contests.regions",
    "certificates.numbering",
    "certificates.chinese_date",
    "certificates.sandbox",
]


def test_rules_core_imports_without_flask_or_sqlalchemy():
    code = (
        "import sys\n"
        f"for name in {PURE!r}: __import__(name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'flask_babel')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_a_message_reads_as_chinese_and_remembers_its_template():
    import pickle

    from app.text import Msg

    msg = Msg("第{row}行：{field}不能为空", row=3, field="姓名")
    assert msg == "第3行：姓名不能为空"
    assert msg.template == "第{row}行：{field}不能为空" and msg.params == {"row": 3, "field": "姓名"}
    again = pickle.loads(pickle.dumps(msg))
    assert again == msg and again.template == msg.template
