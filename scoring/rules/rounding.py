"""The one rounding rule of a contest, and exact rounding of rationals.

Marks are kept exact (``Fraction``) until the moment a figure is published; only then is it rounded,
once, by the contest's ``Rounding``.  Rounding a ``Fraction`` goes through integer division so that no
binary or 28-digit decimal approximation ever sits between the exact mark and the published one.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Context,
    Decimal,
)
from fractions import Fraction

from app.text import Msg

__all__ = [
    "ROUND_CEILING",
    "ROUND_DOWN",
    "ROUND_FLOOR",
    "ROUND_HALF_DOWN",
    "ROUND_HALF_EVEN",
    "ROUND_HALF_UP",
    "ROUND_UP",
    "WHEN_ASPECT",
    "WHEN_COMPONENT",
    "WHEN_END",
    "Rounding",
    "round_count",
    "round_rational",
    "to_fraction",
]

# When the rounding happens.  "end" (the default): only published figures are rounded, the total is
# computed from exact component scores.  "component": each component (theory, practical) is rounded
# before weighting, so the published total equals the weighted published components.  "aspect": every
# aspect mark is rounded first, as on paper score sheets.
WHEN_END = "end"
WHEN_COMPONENT = "component"
WHEN_ASPECT = "aspect"

_MODES = (ROUND_HALF_UP, ROUND_HALF_EVEN, ROUND_HALF_DOWN, ROUND_FLOOR, ROUND_CEILING, ROUND_DOWN, ROUND_UP)
# Decimal.quantize needs a context wide enough for any mark; it is given explicitly so that a caller's
# exact (Inexact-trapping) context never turns the one intended rounding into an exception.
_QUANTIZE = Context(prec=60)


def to_fraction(value: Decimal | Fraction | int) -> Fraction:
    """Exact rational for a mark; floats are refused because they are already rounded in binary."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TypeError(Msg("分数必须是 Decimal 或整数，不能是 {type}", type=type(value).__name__))
    return Fraction(value)


def round_rational(numerator: int, denominator: int, places: int, mode: str) -> Decimal:
    """numerator/denominator rounded to ``places`` decimals by ``mode`` (a decimal.ROUND_* constant)."""
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    if places >= 0:
        numerator *= 10**places
    else:
        denominator *= 10**-places
    whole, rest = divmod(numerator, denominator)  # floor division: whole <= exact < whole + 1
    if rest:
        whole += _round_up_from_floor(whole, rest, denominator, numerator < 0, mode)
    return Decimal(whole).scaleb(-places, _QUANTIZE)


def _round_up_from_floor(floor: int, rest: int, denominator: int, negative: bool, mode: str) -> int:
    """1 when the exact value (strictly between floor and floor+1) rounds to floor+1, else 0."""
    if mode == ROUND_FLOOR:
        return 0
    if mode == ROUND_CEILING:
        return 1
    if mode == ROUND_DOWN:  # towards zero
        return int(negative)
    if mode == ROUND_UP:  # away from zero
        return int(not negative)
    twice = 2 * rest
    if twice != denominator:
        return int(twice > denominator)
    if mode == ROUND_HALF_UP:  # a half goes away from zero
        return int(not negative)
    if mode == ROUND_HALF_DOWN:
        return int(negative)
    if mode == ROUND_HALF_EVEN:
        return floor % 2
    raise ValueError(Msg("不支持的舍入方式 {mode}", mode=mode))


def round_count(field: int, share: Fraction, mode: str) -> int:
    """How many places a share of the field gives, e.g. 10% of 25 → 2 (floor), 3 (half up or ceil)."""
    exact = Fraction(field) * share
    return int(round_rational(exact.numerator, exact.denominator, 0, mode))


@dataclass(frozen=True)
class Rounding:
    """The contest's single rounding rule: how many decimals, which mode, and when.

    Default: 2 decimals, half up (四舍五入), applied only to the published figures ("end"), so the
    published total is the rounded exact total.  The published figures are also what ranks: two totals
    that print the same are tied and go to the tie-break chain.
    """

    places: int = 2
    mode: str = ROUND_HALF_UP
    when: str = WHEN_END

    def __post_init__(self) -> None:
        if self.mode not in _MODES:
            raise ValueError(Msg("不支持的舍入方式 {mode}", mode=self.mode))
        if self.when not in (WHEN_END, WHEN_COMPONENT, WHEN_ASPECT):
            raise ValueError(Msg("舍入时机应为 end / component / aspect，而不是 {value}", value=self.when))

    def apply(self, value: Decimal | Fraction | int) -> Decimal:
        """The published figure for an exact value."""
        if isinstance(value, Decimal):
            published = value.quantize(Decimal(1).scaleb(-self.places), rounding=self.mode, context=_QUANTIZE)
            return published.copy_abs() if published.is_zero() else published  # never print "-0.00"
        exact = to_fraction(value)
        return round_rational(exact.numerator, exact.denominator, self.places, self.mode)
