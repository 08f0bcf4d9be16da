"""Certificate serial numbers from an organiser-chosen pattern.

A pattern is a ``str.format``-like string using only known fields, e.g. ``{year}-{contest}-{event}-{seq:04}``.
Attribute/index access (``{year.__class__}``), conversions (``!r``) and positional fields are refused, so a
pattern can never reach into Python objects. Uniqueness and "never reuse a number" are the database's job;
these are pure functions.
"""

from __future__ import annotations

import re
import string
from functools import lru_cache

from app.text import Msg
from certificates.errors import SerialPatternError, listing

#: Known fields and their labels (for help texts and error messages; Msg: translated on a page).
SERIAL_FIELDS: dict[str, str] = {
    "year": Msg("年份"),
    "contest": Msg("赛事代码"),
    "event": Msg("项目代码"),
    "group": Msg("组别代码"),
    "kind": Msg("证书类别代码"),
    "seq": Msg("流水号"),
}
_INT_FIELDS = frozenset({"year", "seq"})
DEFAULT_SERIAL_PATTERN = "{year}-{contest}-{event}-{seq:04}"
MAX_PATTERN_LENGTH = 80
_INT_SPEC_RE = re.compile(r"(?:0[1-9])?d?")
_FORBIDDEN_CHARS_RE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|#%]')


def fields_help() -> str:
    """“{year}（年份）、{contest}（赛事代码）…”: the fields a pattern may use (a Msg)."""
    return listing(Msg("{field}（{label}）", field=f"{{{name}}}", label=label) for name, label in SERIAL_FIELDS.items())


@lru_cache(maxsize=256)
def _parse(pattern: str) -> tuple[tuple[tuple[str, str | None, str], ...], tuple[str, ...]]:
    """Return (pieces, errors); pieces are (literal, field or None, spec)."""
    errors: list[str] = []
    if not isinstance(pattern, str) or not pattern.strip():
        return (), (Msg("编号格式不能为空。"),)
    if len(pattern) > MAX_PATTERN_LENGTH:
        errors.append(Msg("编号格式太长（{n} 个字符），最多 {max} 个。", n=len(pattern), max=MAX_PATTERN_LENGTH))
    try:
        parsed = list(string.Formatter().parse(pattern))
    except ValueError:
        return (), (Msg("编号格式中的花括号不成对：{pattern}。字段要写成 {example} 这样的形式。", pattern=pattern,
                        example="{seq:04}"),)

    pieces: list[tuple[str, str | None, str]] = []
    unknown: list[str] = []
    literal_text = ""
    for literal, field, spec, conversion in parsed:
        literal_text += literal
        if field is None:
            pieces.append((literal, None, ""))
            continue
        if field == "" or field.isdigit():
            errors.append(Msg("编号格式中不能有空的或编号式的花括号（如 {} 或 {0}），请写字段名，如 {seq}。"))
            continue
        if field not in SERIAL_FIELDS:
            if f"{{{field}}}" not in unknown:
                unknown.append(f"{{{field}}}")
            continue
        if conversion:
            errors.append(Msg("字段 {field} 不能带“!{conversion}”转换。", field=f"{{{field}}}", conversion=conversion))
            continue
        spec = spec or ""
        if "{" in spec:
            errors.append(Msg("字段 {field} 的格式说明中不能再嵌套花括号。", field=f"{{{field}}}"))
            continue
        if field in _INT_FIELDS:
            if not _INT_SPEC_RE.fullmatch(spec):
                errors.append(Msg("字段 {field} 的格式说明不正确，只能写位数，如 {example}（不足四位前面补零）。",
                                  field=f"{{{field}:{spec}}}", example=f"{{{field}:04}}"))
                continue
        elif spec:
            errors.append(Msg("字段 {field} 是文字代码，不能带格式说明“:{spec}”。", field=f"{{{field}}}", spec=spec))
            continue
        pieces.append((literal, field, spec))

    if unknown:
        errors.append(Msg("编号格式中有未知的字段：{unknown}。可用的字段有：{fields}。", unknown="、".join(unknown),
                          fields=fields_help()))
    if "seq" not in {f for _, f, _ in pieces} and not any("seq" in u for u in unknown):
        errors.append(Msg("编号格式必须包含流水号 {seq}（例如 {seq:04}），否则编号会重复。"))
    bad = sorted(set(_FORBIDDEN_CHARS_RE.findall(literal_text)))
    if bad:
        shown = "、".join(repr(c)[1:-1] if c.isprintable() else f"\\x{ord(c):02x}" for c in bad)
        errors.append(Msg("编号格式中不能使用这些字符：{chars}（编号会用作文件名和网址）。", chars=shown))
    return tuple(pieces), tuple(errors)


def validate_serial_pattern(pattern: str) -> list[str]:
    """Chinese error messages; an empty list means the pattern is fine."""
    return list(_parse(pattern)[1])


def serial_pattern_fields(pattern: str) -> set[str]:
    """The fields a (valid) pattern uses, e.g. ``{'year', 'contest', 'event', 'seq'}``."""
    pieces, errors = _parse(pattern)
    if errors:
        raise SerialPatternError(errors[0])
    return {f for _, f, _ in pieces if f}


def format_serial(
    pattern: str,
    *,
    seq: int,
    year: int | None = None,
    contest: str | None = None,
    event: str | None = None,
    group: str | None = None,
    kind: str | None = None,
) -> str:
    """Fill the pattern: ``format_serial('{year}-{contest}-{seq:04}', seq=7, year=2020, contest='FP')``
    → ``'2020-FP-0007'``. Raises :class:`SerialPatternError` (Chinese message) on a bad pattern or a
    missing value."""
    pieces, errors = _parse(pattern)
    if errors:
        raise SerialPatternError(errors[0])
    values = {"seq": seq, "year": year, "contest": contest, "event": event, "group": group, "kind": kind}
    out: list[str] = []
    for literal, field, spec in pieces:
        out.append(literal)
        if field is None:
            continue
        value = values[field]
        if value is None:
            raise SerialPatternError(Msg("生成编号需要“{label}”（{field}），但没有提供。", label=SERIAL_FIELDS[field],
                                         field=f"{{{field}}}"))
        if field in _INT_FIELDS:
            if type(value) is not int or value < 0 or (field == "seq" and value < 1):
                raise SerialPatternError(Msg("“{label}”必须是正整数，得到：{value}", label=SERIAL_FIELDS[field],
                                             value=repr(value)))
            out.append(format(value, spec))
        else:
            text = str(value)
            if _FORBIDDEN_CHARS_RE.search(text):
                raise SerialPatternError(Msg("“{label}”中含有不能用于编号的字符：{text}", label=SERIAL_FIELDS[field],
                                             text=text))
            out.append(text)
    return "".join(out)
