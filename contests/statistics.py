"""Registration statistics for poverty work (the ministry notice, section 十一). Pure: plain rows in, tables out."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from app.text import Msg
from contests import regions
from contests.idnumber import age_on

AGE_BANDS = ((16, 20), (21, 30), (31, 40), (41, 50), (51, 200))


@dataclass(frozen=True)
class Entrant:
    delegation: str
    event: str
    sex: str
    birth_date: date
    county_code: str
    poor_household: bool
    category: str


def age_band(age: int) -> str:
    for low, high in AGE_BANDS:
        if low <= age <= high:
            return Msg("{low}岁以上", low=low) if high == 200 else Msg("{low}–{high}岁", low=low, high=high)
    return Msg("{age}岁以下", age=AGE_BANDS[0][0])


def share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "—"


def summarise(entrants: list[Entrant], contest_date: date) -> dict:
    total = len(entrants)
    poor = sum(e.poor_household for e in entrants)
    unlifted = sum(regions.is_unlifted_52(e.county_code) for e in entrants)
    sanqu = sum(regions.in_sanqu_sanzhou(e.county_code) for e in entrants)

    def table(key) -> list[tuple[str, int, int, str]]:
        groups: dict[str, list[Entrant]] = {}
        for e in entrants:
            groups.setdefault(key(e), []).append(e)
        return [(k, len(v), sum(x.poor_household for x in v), share(len(v), total))
                for k, v in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))]

    by_age_sex = Counter((age_band(age_on(e.birth_date, contest_date)), e.sex) for e in entrants)
    bands = [age_band(low) for low, _h in AGE_BANDS]
    return {
        "total": total,
        "poor": poor, "poor_share": share(poor, total),
        "unlifted": unlifted, "unlifted_share": share(unlifted, total),
        "sanqu": sanqu, "sanqu_share": share(sanqu, total),
        "by_delegation": table(lambda e: e.delegation),
        "by_event": table(lambda e: e.event),
        "by_category": table(lambda e: _CATEGORY_LABELS.get(e.category, e.category)),
        "by_age_sex": [(b, by_age_sex[(b, "M")], by_age_sex[(b, "F")]) for b in bands],
        "male": sum(e.sex == "M" for e in entrants), "female": sum(e.sex == "F" for e in entrants),
    }


_CATEGORY_LABELS = {"employee": Msg("职工"), "student": Msg("学生")}


def as_sheets(summary: dict) -> dict[str, list[list]]:
    """The summary as Excel sheets. The workbook is a Chinese report of record: its labels stay Chinese."""
    head = ["分组", "人数", "其中建档立卡贫困户", "占比"]
    return {
        "总体": [["指标", "人数", "占比"], ["参赛选手", summary["total"], "100%"],
                 ["建档立卡贫困户", summary["poor"], summary["poor_share"]],
                 ["来自52个未摘帽县", summary["unlifted"], summary["unlifted_share"]],
                 ["来自三区三州", summary["sanqu"], summary["sanqu_share"]],
                 ["男", summary["male"], share(summary["male"], summary["total"])],
                 ["女", summary["female"], share(summary["female"], summary["total"])]],
        "按代表团": [head, *map(list, summary["by_delegation"])],
        "按项目": [head, *map(list, summary["by_event"])],
        "按身份": [head, *map(list, summary["by_category"])],
        "按年龄和性别": [["年龄段", "男", "女"], *map(list, summary["by_age_sex"])],
    }
