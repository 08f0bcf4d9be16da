"""The 56 ethnic groups of China with their GB/T 3304-1991 numeric codes, in code order (汉族 first).

Only the numeric codes are kept: published copies of the standard disagree on some two-letter codes
(水族 is 'SU' in some, 'SW' in others), and nothing in the project needs them.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.text import Msg

_NAMES = (
    "汉族 蒙古族 回族 藏族 维吾尔族 苗族 彝族 壮族 布依族 朝鲜族 满族 侗族 瑶族 白族 土家族 哈尼族 "
    "哈萨克族 傣族 黎族 傈僳族 佤族 畲族 高山族 拉祜族 水族 东乡族 纳西族 景颇族 柯尔克孜族 土族 "
    "达斡尔族 仫佬族 羌族 布朗族 撒拉族 毛南族 仡佬族 锡伯族 阿昌族 普米族 塔吉克族 怒族 乌孜别克族 "
    "俄罗斯族 鄂温克族 德昂族 保安族 裕固族 京族 塔塔尔族 独龙族 鄂伦春族 赫哲族 门巴族 珞巴族 基诺族"
).split()


@dataclass(frozen=True)
class EthnicGroup:
    code: str  # '01'..'56'
    name: str  # '汉族'


ETHNIC_GROUPS: tuple[EthnicGroup, ...] = tuple(EthnicGroup(f"{i:02d}", n) for i, n in enumerate(_NAMES, 1))
_BY_NAME = {g.name: g for g in ETHNIC_GROUPS}
_BY_CODE = {g.code: g for g in ETHNIC_GROUPS}


def find_ethnic_group(text: str) -> EthnicGroup | None:
    """Accepts the full name ('维吾尔族'), the name without 族 ('维吾尔', '汉') or the code ('05', '5')."""
    t = (text or "").strip()
    if t.isdigit() and t.isascii():
        return _BY_CODE.get(f"{int(t):02d}")
    return _BY_NAME.get(t) or _BY_NAME.get(t + "族")


def check_ethnic_group(text: str) -> str | None:
    """A message (Chinese, translatable) when the text names none of the 56 groups, else None."""
    if not (text or "").strip():
        return Msg("请选择民族")
    if find_ethnic_group(text) is None:
        return Msg("“{text}”不是56个民族之一，请从列表中选择（例如：汉族、维吾尔族）", text=text.strip())
    return None
