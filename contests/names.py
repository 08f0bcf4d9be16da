"""Validation of a person's name as written on the resident ID card.

Names are Chinese characters, possibly long minority names joined by the middle dot U+00B7
(阿卜杜热依木·艾买提), and may use rare characters outside GB2312 (CJK Extensions A-I), so the check
goes by code-point ranges instead of a legacy character set.
"""

from __future__ import annotations

import unicodedata

from app.text import Msg

MAX_NAME_LENGTH = 30
MIDDLE_DOT = "\u00b7"

# Look-alikes typed on phones and PCs instead of the middle dot U+00B7.
_DOT_LOOKALIKES = "\u2022\u30fb\uff65\uff0e\u2027\u2219\u22c5.\u318d"

# Unified ideographs of every CJK block up to Extension I, plus 〇 (U+3007), which appears in names.
# Compatibility ideographs are folded into these by NFC before the check.
_CJK_RANGES = (
    (0x3007, 0x3007),
    (0x3400, 0x4DBF),  # Extension A
    (0x4E00, 0x9FFF),  # URO
    (0x20000, 0x2A6DF),  # Extension B
    (0x2A700, 0x2EE5F),  # Extensions C, D, E, F, I
    (0x30000, 0x323AF),  # Extensions G, H
)

_MARKUP = set("<>{}[]()&\"'`$%\\/;=|#@*^~")


def _is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _CJK_RANGES)


def normalize_name(raw: str) -> str:
    """NFC, trimmed, with every middle-dot look-alike replaced by U+00B7."""
    text = unicodedata.normalize("NFC", raw or "").strip()
    return "".join(MIDDLE_DOT if ch in _DOT_LOOKALIKES else ch for ch in text)


def check_name(raw: str) -> str | None:
    """A message (Chinese, translatable) saying what is wrong with the name, or None when it is acceptable."""
    name = normalize_name(raw)
    if not name:
        return Msg("请填写姓名")
    if len(name) > MAX_NAME_LENGTH:
        return Msg("姓名最多{max}个字（现为{length}个字）", max=MAX_NAME_LENGTH, length=len(name))
    bad = next((ch for ch in name if ch != MIDDLE_DOT and not _is_cjk(ch)), None)
    if bad is not None:
        return _bad_char_message(bad)
    if name.startswith(MIDDLE_DOT) or name.endswith(MIDDLE_DOT):
        return Msg("姓名的开头和结尾不能是间隔号“·”")
    if MIDDLE_DOT * 2 in name:
        return Msg("姓名中不能有连续的间隔号“·”")
    if len(name) < 2:
        return Msg("姓名至少2个字，请填写身份证上的完整姓名")
    return None


def _bad_char_message(ch: str) -> str:
    if ch.isdigit():
        return Msg("姓名中不能有数字")
    if ch in _MARKUP:
        return Msg("姓名中不能有符号“{ch}”，请只填写汉字，少数民族姓名可用间隔号“·”", ch=ch)
    if ch.isspace():
        return Msg("姓名中不能有空格，少数民族姓名请用间隔号“·”分隔")
    if unicodedata.category(ch)[0] in "CZ":
        return Msg("姓名中有看不见的特殊字符（如零宽空格），请删除后重新填写")
    if ch.isascii() and ch.isalpha():
        return Msg("姓名请填写身份证上的汉字姓名，不能有英文字母")
    return Msg("姓名中不能有“{ch}”，请只填写汉字，少数民族姓名可用间隔号“·”", ch=ch)
