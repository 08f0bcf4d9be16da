"""Optional standardisation: a WorldSkills-style scale score and the panel correction factor.

APPROXIMATION.  The official WorldSkills formula is not published in a form we could confirm; this
module uses the common approximation

    scale = 700 + 30 · (x − median) / (1.4826 · MAD)

where MAD is the median absolute deviation from the median (1.4826 · MAD estimates the standard
deviation of a normal field, so 30 points on the scale are about one standard deviation).  Label any
published scale score as "按近似公式换算".

MAD = 0 (more than half the field has the median score): everyone at the median gets 700; the others
are scaled with 1.2533 · mean absolute deviation instead (the usual fallback for modified z-scores,
Iglewicz & Hoaglin; 1.2533 ≈ √(π/2) plays the role 1.4826 plays for the MAD).  If that is 0 too,
every score equals the median and everyone gets 700.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction

from app.text import Msg

from .rounding import Rounding, to_fraction

__all__ = [
    "MAD_TO_SD",
    "MEAN_AD_TO_SD",
    "SCALE_NOTE",
    "correct_panel",
    "median",
    "panel_factors",
    "scale_scores",
]

MAD_TO_SD = Fraction(Decimal("1.4826"))
MEAN_AD_TO_SD = Fraction(Decimal("1.2533"))
SCALE_NOTE = Msg("标准分按近似公式换算：700 + 30 ×（成绩 − 中位数）÷（1.4826 × 绝对中位差），非世赛官方公式")

Number = Decimal | Fraction | int


def median(values: Sequence[Number]) -> Fraction:
    """Exact median; the mean of the two middle values for an even count."""
    if not values:
        raise ValueError(Msg("没有成绩，无法计算中位数"))
    ordered = sorted(map(to_fraction, values))
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def scale_scores(
    scores: Mapping[str, Number],
    centre: int = 700,
    spread: int = 30,
    rounding: Rounding = Rounding(places=0),
) -> dict[str, Decimal]:
    """Scale scores (标准分) for one field, by entry id; published as whole points by default."""
    if not scores:
        return {}
    exact = {entry: to_fraction(x) for entry, x in scores.items()}
    mid = median(list(exact.values()))
    deviations = [abs(x - mid) for x in exact.values()]
    unit = MAD_TO_SD * median(deviations)
    if unit == 0:
        unit = MEAN_AD_TO_SD * sum(deviations, Fraction(0)) / len(deviations)
    if unit == 0:
        return {entry: rounding.apply(Fraction(centre)) for entry in exact}
    return {entry: rounding.apply(centre + spread * (x - mid) / unit) for entry, x in exact.items()}


def panel_factors(panels: Mapping[str, Sequence[Number]]) -> dict[str, Fraction]:
    """Correction factor of each judging panel: mean of all scores ÷ the panel's own mean.

    A lenient panel (mean above the overall mean) gets a factor below 1.  The overall mean pools every
    score, so bigger panels weigh more.  A panel with no scores or a zero mean cannot be corrected
    and gets 1.
    """
    every = [to_fraction(s) for scores in panels.values() for s in scores]
    if not every:
        return dict.fromkeys(panels, Fraction(1))
    overall = sum(every, Fraction(0)) / len(every)
    factors = {}
    for panel, scores in panels.items():
        own = sum(map(to_fraction, scores), Fraction(0)) / len(scores) if scores else Fraction(0)
        factors[panel] = overall / own if own else Fraction(1)
    return factors


def correct_panel(scores: Mapping[str, Number], factor: Fraction) -> dict[str, Fraction]:
    """A panel's scores times its factor, exact; round them with the scheme's Rounding to publish."""
    return {entry: to_fraction(score) * factor for entry, score in scores.items()}
