"""Provisional standings for the chief judge while marking goes on.

Ranked by the practical score of every contestant whose marks are complete (the theory exam is added once
it is in); contestants still being marked are listed with how many aspects have marks. Before the event's
decryption the contestants are shown by their draw code only — never a name or a delegation; after
decryption (``contests.draw.is_decrypted``) with names.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from app.text import Msg
from contests.models import Event
from scoring import rules
from scoring.results import settings_for
from scoring.results_marks import load_inputs
from scoring.results_policy import PolicyError, ranking_policy


@dataclass(frozen=True)
class StandingRow:
    rank: int | None
    label: str  # the code, or name · delegation after decryption
    group: str
    practical: Decimal | None
    total: Decimal | None
    marked: int  # aspects with marks
    aspects: int
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class Standings:
    decrypted: bool
    rows: list[StandingRow]
    problems: list[str]


def _problems(scheme: rules.MarkingScheme, entry: rules.EntryMarks) -> tuple[str, ...]:
    """Why the entry's marks cannot be totalled yet: the rules core's messages as they are (``score_entries``
    prefixes them with the entry's id, which would turn them into plain text)."""
    try:
        rules.score_entry(scheme, entry.marks, entry.given, entry.entry_id)
    except rules.MarkingError as err:
        return tuple(err.problems)
    return ()


def provisional(event: Event) -> Standings:
    from contests.draw import codes_for, is_decrypted

    settings = settings_for(event, create=False)
    inputs = load_inputs([event], lambda _e: settings)[event.id]
    decrypted = is_decrypted(event.id)
    codes = codes_for(event.id)

    def label(reg_id: int) -> str:
        if decrypted:
            p = inputs.entrants[reg_id]
            return f"{p.name} · {p.delegation}"
        return codes.get(reg_id, Msg("（未抽签）"))

    if inputs.scheme is None:
        return Standings(decrypted, [], list(inputs.problems))
    scheme = inputs.scheme
    practical_total = next((c.total for c in scheme.components if c.name == rules.PRACTICAL), Decimal(100))
    practical_only = replace(scheme, components=(rules.Component(rules.PRACTICAL, Msg("实操"), Decimal(100),
                                                                 practical_total),))
    complete, incomplete, totals = [], [], {}
    for entry in inputs.entries:
        marks_only = replace(entry, given={})
        try:
            rules.score_entries(practical_only, [marks_only])
        except rules.MarkingError:
            incomplete.append((entry, _problems(practical_only, marks_only)))
            continue
        complete.append(marks_only)
        try:
            totals[entry.entry_id] = rules.score_entries(scheme, [entry])[entry.entry_id].total
        except rules.MarkingError:
            pass  # theory not in yet
    try:
        policy = ranking_policy(settings)
    except PolicyError:
        policy = rules.RankingPolicy()
    rows = []
    if complete:
        result = rules.tally_event(practical_only, complete, rules.RankingPolicy(policy.tie_breaks, True))
        for place in result.ranking.places:
            reg = int(place.entry_id)
            rows.append(StandingRow(place.rank, label(reg), inputs.entrants[reg].group_name,
                                    result.scores[place.entry_id].total, totals.get(place.entry_id),
                                    len(scheme.aspects), len(scheme.aspects)))
    for entry, problems in incomplete:
        reg = int(entry.entry_id)
        rows.append(StandingRow(None, label(reg), inputs.entrants[reg].group_name, None, None,
                                len(entry.marks), len(scheme.aspects), problems[:3]))
    for reg in inputs.absent:
        rows.append(StandingRow(None, label(reg), inputs.entrants[reg].group_name, None, None, 0,
                                len(scheme.aspects)))
    return Standings(decrypted, rows, list(inputs.problems))
