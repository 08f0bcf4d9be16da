"""Benchmark of the rules core at national scale.

100 events × 60 contestants (two groups of 30) × 40 aspects: 10 measurement, 3 pass/fail, 3 deduction,
16 judgement (3 judges, levels 0–3) and 8 panel aspects (5 judges, drop highest and lowest), in 5
modules; a theory score; percentage-band awards with titles, promotion and a delegation award.

Times (a) a full tally of every event and (b) the update after one sheet (one contestant × one module)
changes, i.e. the re-tally of one event; and, in the same run, a baseline that only adds up the same
numbers as floats.  Run: .venv/bin/python bench/bench_tally.py
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scoring.rules import (  # noqa: E402 (the path must be set first)
    BRONZE,
    DEDUCTION,
    EXCELLENCE,
    GOLD,
    JUDGEMENT,
    LOWER,
    MEASUREMENT,
    PANEL,
    PASS_FAIL,
    SILVER,
    Aspect,
    AwardPolicy,
    EntryMarks,
    MarkingScheme,
    PromotionRule,
    RankingPolicy,
    TieBreak,
    TitleRule,
    down_to_band,
    score_entry,
    share_band,
    tally_event,
)

EVENTS, CONTESTANTS, DELEGATIONS, MODULES = 100, 60, 35, 5
GOAL_FULL, GOAL_ONE = 2.0, 0.050
# (kind, how many, maximum): maxima add up to the practical total of 100.
MIX = (
    (MEASUREMENT, 10, "2.5"),
    (PASS_FAIL, 3, "2"),
    (DEDUCTION, 3, "3"),
    (JUDGEMENT, 16, "2.5"),
    (PANEL, 8, "2.5"),
)


def build_scheme() -> MarkingScheme:
    aspects = []
    number = 0
    for kind, count, maximum in MIX:
        for _ in range(count):
            module = f"module_{number % MODULES + 1}"
            sub = f"{module}.{number % 2 + 1}"
            judges = 5 if kind == PANEL else None
            step = Decimal("0.1") if kind == PANEL else None
            aspects.append(
                Aspect(f"X{number:02d}", kind, Decimal(maximum), module, sub, judges=judges, step=step)
            )
            number += 1
    return MarkingScheme(tuple(aspects))


def raw_mark(rng: random.Random, aspect: Aspect):
    tenths = int(aspect.maximum * 10)
    if aspect.kind == MEASUREMENT:
        return Decimal(rng.randint(0, tenths)).scaleb(-1)
    if aspect.kind == PASS_FAIL:
        return rng.random() < 0.8
    if aspect.kind == DEDUCTION:
        return tuple(Decimal(rng.randint(1, 10)).scaleb(-1) for _ in range(rng.randint(0, 3)))
    if aspect.kind == JUDGEMENT:
        return tuple(rng.randint(0, 3) for _ in range(3))
    return tuple(Decimal(rng.randint(0, tenths)).scaleb(-1) for _ in range(5))


def build_event(rng: random.Random, scheme: MarkingScheme, event: int) -> list[EntryMarks]:
    entries = []
    for n in range(CONTESTANTS):
        employee = n % 2 == 0
        entries.append(
            EntryMarks(
                entry_id=f"E{event:03d}-{n:02d}",
                marks={a.code: raw_mark(rng, a) for a in scheme.aspects},
                given={"theory": Decimal(rng.randint(400, 1000)).scaleb(-1)},
                group="职工组" if employee else "学生组",
                delegation=f"D{rng.randrange(DELEGATIONS):02d}",
                metrics={"time": Decimal(rng.randint(3000, 5400))},
                employee=employee,
                without_award=rng.random() < 0.02,
            )
        )
    return entries


RANKING = RankingPolicy(
    (TieBreak("practical"), TieBreak("time", LOWER), TieBreak("theory"))
    + tuple(TieBreak(f"module_{m}") for m in range(1, MODULES + 1))
)
AWARDS = AwardPolicy(
    bands=(
        share_band(GOLD, Fraction(1, 10)),
        share_band(SILVER, Fraction(2, 10)),
        share_band(BRONZE, Fraction(3, 10)),
        down_to_band(EXCELLENCE, Fraction(2, 3)),
    ),
    titles=(TitleRule(top=5),),
    promotion=PromotionRule(),
    best_of_delegation="代表队最佳选手",
)


def float_sum(events: list[list[tuple[tuple[float, ...], ...]]]) -> list[float]:
    """The baseline: the same numbers, as floats, just added up per entry."""
    totals = []
    for entries in events:
        for values in entries:
            total = 0.0
            for numbers in values:
                total += sum(numbers)
            totals.append(total)
    return totals


def as_floats(scheme: MarkingScheme, entries: list[EntryMarks]) -> list[tuple[tuple[float, ...], ...]]:
    out = []
    for entry in entries:
        values = []
        for aspect in scheme.aspects:
            raw = entry.marks[aspect.code]
            values.append(tuple(map(float, raw)) if isinstance(raw, tuple) else (float(raw),))
        values.append((float(entry.given["theory"]),))
        out.append(tuple(values))
    return out


def timed(action, repeat: int) -> float:
    """Median wall time of ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    rng = random.Random(20250101)
    scheme = build_scheme()
    events = [build_event(rng, scheme, e) for e in range(EVENTS)]
    floats = [as_floats(scheme, entries) for entries in events]

    def full_tally():
        return [tally_event(scheme, entries, RANKING, AWARDS) for entries in events]

    # One sheet changes: contestant 17 of event 42, every aspect of module_3, then that event is re-tallied.
    changed = list(events[42])
    old = changed[17]
    marks = dict(old.marks)
    for aspect in scheme.aspects:
        if aspect.module == "module_3":
            marks[aspect.code] = raw_mark(rng, aspect)
    changed[17] = EntryMarks(**{**old.__dict__, "marks": marks})

    def one_sheet():
        return tally_event(scheme, changed, RANKING, AWARDS)

    def reference_one_event():
        return [score_entry(scheme, e.marks, e.given, e.entry_id) for e in events[42]]

    results = full_tally()
    assert len(results) == EVENTS and all(len(r.outcomes) == CONTESTANTS for r in results)
    # The fast path must agree with the reference, figure for figure, on the benchmark's own data.
    reference = {s.entry_id: s for s in reference_one_event()}
    assert dict(results[42].scores) == reference, "fast tally differs from the reference"
    base_full = timed(lambda: float_sum(floats), 5)
    base_one = timed(lambda: float_sum(floats[42:43]), 50)
    rows = [
        ("(a) full tally, 100 events", timed(full_tally, 5), GOAL_FULL, base_full),
        ("(b) one sheet changed: re-tally 1 event", timed(one_sheet, 50), GOAL_ONE, base_one),
        ("baseline: float sum, 100 events", base_full, None, base_full),
        ("baseline: float sum, 1 event", base_one, None, base_one),
        ("info: reference Fraction path, 1 event", timed(reference_one_event, 10), None, base_one),
    ]
    print(
        f"{EVENTS} events × {CONTESTANTS} contestants × {len(scheme.aspects)} aspects; "
        f"{sum(len(r) for r in floats[0][0])} numbers per contestant; Python {sys.version.split()[0]}"
    )
    print("check: fast tally equals the reference Fraction path on event 42; times are medians")
    print(f"{'case':44} {'time':>10} {'goal':>9} {'× baseline':>11}  result")
    failed = False
    for case, seconds, goal, baseline in rows:
        verdict = "-" if goal is None else ("PASS" if seconds <= goal else "FAIL")
        failed |= verdict == "FAIL"
        goal_text = "-" if goal is None else f"{goal * 1000:.0f} ms"
        print(f"{case:44} {seconds * 1000:8.1f} ms {goal_text:>9} {seconds / baseline:10.1f}×  {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
