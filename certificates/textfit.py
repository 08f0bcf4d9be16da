"""Estimate printed width of a line of text and pick a font size so it fits on one line.

Widths are in em. CJK ideographs, full-width forms and East-Asian "ambiguous" characters (the middle
dot ``·`` of minority names is full width in Noto CJK SC) count 1 em; wide Latin letters 0.95 em; other
narrow characters 0.7 em (Noto Sans CJK's Latin letters are 0.28–0.93 em, so this errs on the wide side).
"""

from __future__ import annotations

import unicodedata

_WIDE_LATIN = frozenset("mwMW@%")
SAFETY = 1.04  # keep a little air at both ends
PT_PER_MM = 72 / 25.4


def char_width_em(ch: str) -> float:
    if ch in "\u200b\u200c\u200d\ufeff":
        return 0.0
    eaw = unicodedata.east_asian_width(ch)
    if eaw in ("W", "F", "A"):
        return 1.0
    if ch in _WIDE_LATIN:
        return 0.95
    return 0.7


def text_width_em(text: str, letter_spacing_em: float = 0.0) -> float:
    """Estimated width in em of ``text`` set on one line (letter spacing added after each character)."""
    chars = [c for c in text if char_width_em(c) > 0]
    return sum(char_width_em(c) for c in chars) + letter_spacing_em * len(chars)


def fit_font_size_pt(
    text: str, width_mm: float, max_pt: float, min_pt: float = 4.0, letter_spacing_em: float = 0.0
) -> float:
    """Largest font size (pt, ≤ ``max_pt``, rounded down to 0.1) at which ``text`` fits in ``width_mm``."""
    width_em = text_width_em(text, letter_spacing_em) * SAFETY
    if width_em <= 0:
        return float(max_pt)
    size = min(float(max_pt), width_mm * PT_PER_MM / width_em)
    return max(min_pt, int(size * 10) / 10)


def fit_font_size(text: str, width_mm: float = 120, max_pt: float = 36, letter_spacing_em: float = 0.0) -> str:
    """Jinja filter: ``{{ name|fit_font_size(120, 36) }}`` → ``'36pt'`` or smaller for long names."""
    return f"{fit_font_size_pt(str(text), float(width_mm), float(max_pt), 4.0, float(letter_spacing_em)):g}pt"
