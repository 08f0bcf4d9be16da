"""Font checks: is a CJK font installed, can WeasyPrint subset fonts with HarfBuzz, will a name print?

Without HarfBuzz-subset WeasyPrint falls back to fontTools, which is extremely slow on CJK fonts (seconds per
document); without a CJK font every Chinese character prints as an empty box. Both are reported as Chinese
messages with the command that fixes them. Noto CJK ships as ``.ttc`` collections; the face index comes from
fontconfig (``%{index}``) so the right face (SC) is opened.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import shutil
import subprocess  # noqa: S404 - fixed argv, no shell
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from app.text import Msg

FIX_COMMAND = "apt-get install fonts-noto-cjk libharfbuzz-subset0"
DEFAULT_FAMILIES = ("Noto Sans CJK SC", "Noto Serif CJK SC")
#: Checked when fontconfig is missing or gives nothing.
KNOWN_FONT_PATHS = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
)
_IGNORED_CATEGORIES = {"Zs", "Cc", "Cf", "Zl", "Zp"}  # spaces, controls, joiners: never "missing"


@dataclass(frozen=True)
class FontFile:
    path: str
    index: int = 0
    family: str = ""


def _fc(args: list[str]) -> str | None:
    exe = shutil.which(args[0])
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, *args[1:]], capture_output=True, timeout=20, check=False)  # noqa: S603
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.decode("utf-8", "replace") if out.returncode == 0 else None


@lru_cache(maxsize=16)
def find_font(family: str = "Noto Sans CJK SC") -> FontFile | None:
    """The font file fontconfig uses for ``family`` — only if it really is that family (fc-match always
    answers with *some* font), else a known path, else None."""
    out = _fc(["fc-match", "-f", "%{file}|%{index}|%{family}", family])
    if out:
        path, _, rest = out.partition("|")
        index, _, families = rest.partition("|")
        if family.lower() in [f.strip().lower() for f in families.split(",")] and Path(path).is_file():
            return FontFile(path, int(index or 0), family)
    if family == "Noto Sans CJK SC":
        for path, index in KNOWN_FONT_PATHS:
            if Path(path).is_file():
                return FontFile(path, index, family)
    return None


@lru_cache(maxsize=1)
def chinese_font_families() -> tuple[str, ...]:
    """Families fontconfig lists for ``:lang=zh`` (empty tuple if none or no fontconfig)."""
    out = _fc(["fc-list", ":lang=zh", "family"]) or ""
    families = {f.strip() for line in out.splitlines() for f in line.split(",") if f.strip()}
    return tuple(sorted(families))


@lru_cache(maxsize=1)
def harfbuzz_subset_available() -> bool:
    names = [ctypes.util.find_library("harfbuzz-subset"), "libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib"]
    for name in names:
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        if hasattr(lib, "hb_subset_or_fail"):
            return True
    return False


def check_environment(families: Iterable[str] = DEFAULT_FAMILIES) -> list[str]:
    """Chinese problems that stop certificates from printing properly (empty list = all good).
    Call at start-up and before a batch."""
    problems: list[str] = []
    if shutil.which("fc-match") is None:
        packages = FIX_COMMAND.removeprefix("apt-get install ")
        problems.append(_no_fontconfig(f"apt-get install fontconfig {packages}"))
    missing = [f for f in families if find_font(f) is None]
    if missing:
        have = chinese_font_families()
        extra = Msg("（本机已有的中文字体：{fonts}）", fonts="、".join(have[:6])) if have else Msg(
            "（本机没有任何中文字体）"
        )
        problems.append(_no_cjk_font("、".join(missing), extra))
    if not harfbuzz_subset_available():
        problems.append(
            Msg("没有安装 HarfBuzz 字体子集库（libharfbuzz-subset），生成带中文的 PDF 会非常慢（每份数秒）。"
                "请以管理员身份运行：{command}", command=FIX_COMMAND)
        )
    return problems


def _no_fontconfig(command: str) -> Msg:
    return Msg("找不到 fontconfig（fc-match），无法确认中文字体。请安装：{command}", command=command)


def _no_cjk_font(fonts: str, extra: str) -> Msg:
    return Msg("没有安装证书所需的中文字体：{fonts}{extra}，中文会打印成空白方框。请以管理员身份运行：{command}",
               fonts=fonts, extra=extra, command=FIX_COMMAND)


_FONT_MISSING = frozenset({_no_fontconfig("").template, _no_cjk_font("", "").template})


def lacks_cjk_font(problems: Iterable[str]) -> bool:
    """Whether ``check_environment``'s problems say the Chinese font is missing (or cannot be confirmed):
    then every name would be reported as unprintable, which would say nothing more."""
    return any(getattr(p, "template", None) in _FONT_MISSING for p in problems)


@lru_cache(maxsize=8)
def _cmap(path: str, index: int) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    kwargs = {"fontNumber": index} if path.lower().endswith((".ttc", ".otc")) else {}
    font = TTFont(path, lazy=True, **kwargs)
    try:
        return frozenset(font.getBestCmap() or {})
    finally:
        font.close()


def covered_codepoints(font_path: str | Path | None = None, font_number: int | None = None) -> frozenset[int]:
    """All code points the font maps (cached once per font file/face)."""
    if font_path is None:
        found = find_font("Noto Sans CJK SC")
        if found is None:
            raise FileNotFoundError(Msg("没有找到中文字体 Noto Sans CJK SC。请运行：{command}", command=FIX_COMMAND))
        font_path, font_number = found.path, found.index
    return _cmap(str(font_path), int(font_number or 0))


def missing_characters(text: str, font_path: str | Path | None = None, font_number: int | None = None) -> list[str]:
    """Characters of ``text`` the font has no glyph for (each once, in order of appearance).
    Spaces and control/format characters are ignored. Default font: Noto Sans CJK SC."""
    cmap = covered_codepoints(font_path, font_number)
    missing: dict[str, None] = {}
    for ch in text:
        if ord(ch) not in cmap and unicodedata.category(ch) not in _IGNORED_CATEGORIES:
            missing[ch] = None
    return list(missing)


def names_that_would_not_print(
    names: Iterable[str], font_path: str | Path | None = None, font_number: int | None = None
) -> list[tuple[str, list[str]]]:
    """``[(name, [missing chars])]`` for names with characters the font lacks (empty list = all print)."""
    result = []
    for name in names:
        chars = missing_characters(name, font_path, font_number)
        if chars:
            result.append((name, chars))
    return result


def describe_unprintable(problems: list[tuple[str, list[str]]]) -> list[str]:
    """Messages (Msg) for :func:`names_that_would_not_print` results."""
    return [
        Msg("“{name}”中的字 {chars} 在证书字体中没有，打印出来会是空白方框；请确认是否为生僻字或录入错误。",
            name=name, chars="、".join(f"{c}（U+{ord(c):04X}）" for c in chars))
        for name, chars in problems
    ]
