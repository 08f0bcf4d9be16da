"""An event's result settings as the rules core's policies, and back.

The award policy is stored as JSON, one key per ``scoring.rules.AwardPolicy`` field::

    {"bands": [{"award": "gold", "count": 1}, {"award": "silver", "share": "20%"},
               {"award": "excellence", "down_to": "1/2"}, {"award": "medallion", "at_least": "700",
               "metric": "scale"}],
     "count_rounding": "ROUND_FLOOR", "minimum_score": "60", "at_boundary": "lower",
     "titles": [{"title": "全国技术能手", "top": 1, "team_top": [[2, 1]], "award": null, "employees_only": true}],
     "promotion": {"by_award": [["gold", 1]], "by_position": [[5, 1]]},
     "best_of_delegation": "代表队最佳选手"}

Shares are written "10%", "1/2" or "0.1". ``parse_award_policy`` turns every fault into a message
(:class:`~app.text.Msg`: the Chinese text as a ``str``, shown in the reader's language on a page).
"""

from __future__ import annotations

import json
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from app.text import Msg, joined
from scoring import rules

AWARDS = (rules.GOLD, rules.SILVER, rules.BRONZE, rules.EXCELLENCE, rules.MEDALLION)
ROUNDING_MODES = {ROUND_HALF_UP: Msg("四舍五入"), ROUND_FLOOR: Msg("向下取整"), ROUND_CEILING: Msg("向上取整"),
                  ROUND_HALF_EVEN: Msg("四舍六入五成双")}
METRIC_LABELS = {"total": Msg("总成绩"), rules.PRACTICAL: Msg("实操成绩"), rules.THEORY: Msg("理论成绩"),
                 "time": Msg("完成时间"), "scale": Msg("标准分")}


class PolicyError(ValueError):
    """Settings that cannot be used; ``problems`` holds one message (:class:`~app.text.Msg`) each."""

    def __init__(self, problems: list[str]):
        super().__init__(joined(problems, sentences=True))
        self.problems = problems


def message(err: Exception) -> str:
    """An exception's message, keeping a :class:`~app.text.Msg` (``str(err)`` would freeze it in Chinese)."""
    first = err.args[0] if len(err.args) == 1 else None
    return first if isinstance(first, str) else str(err)


def _medals(gold: int, silver: int, bronze: int) -> list[dict]:
    return [{"award": rules.GOLD, "count": gold}, {"award": rules.SILVER, "count": silver},
            {"award": rules.BRONZE, "count": bronze}]


_MEDALLIST_PROMOTION = {"by_award": [[rules.GOLD, 1], [rules.SILVER, 1], [rules.BRONZE, 1]], "by_position": []}

# Presets for the settings form: the schemes of shared/domain.md.
PRESETS: dict[str, tuple[str, dict]] = {
    "fp2020": (Msg("金银铜各 1 名；职工金牌获全国技术能手；奖牌获得者晋升一级（2020 扶贫大赛）"), {
        "bands": _medals(1, 1, 1),
        "titles": [{"title": rules.NATIONAL_TECHNICAL_EXPERT, "top": 1, "team_top": [], "award": rules.GOLD,
                    "employees_only": True}],
        "promotion": _MEDALLIST_PROMOTION}),
    "3-5-10": (Msg("金 3 银 5 铜 10"), {"bands": _medals(3, 5, 10)}),
    "1-2-5": (Msg("一等奖 1、二等奖 2、三等奖 5"), {"bands": _medals(1, 2, 5)}),
    "percent": (Msg("一等奖前 10%、二等奖 20%、三等奖 30%（向下取整）"), {
        "bands": [{"award": rules.GOLD, "share": "10%"}, {"award": rules.SILVER, "share": "20%"},
                  {"award": rules.BRONZE, "share": "30%"}]}),
    "national-top5": (Msg("金银铜各 1 名、优胜奖至前一半；前 5 名职工获全国技术能手"), {
        "bands": [*_medals(1, 1, 1), {"award": rules.EXCELLENCE, "down_to": "1/2"}],
        "titles": [{"title": rules.NATIONAL_TECHNICAL_EXPERT, "top": 5, "team_top": [[2, 3], [3, 2]],
                    "award": None, "employees_only": True}],
        "promotion": _MEDALLIST_PROMOTION}),
    "worldskills": (Msg("金银铜各 1 名；标准分 700 分及以上获优秀奖章"), {
        "bands": [*_medals(1, 1, 1), {"award": rules.MEDALLION, "at_least": "700", "metric": "scale"}]}),
}
DEFAULT_PRESET = "fp2020"


def fraction(text: Any, label: str) -> Fraction:
    """'10%', '1/2', '0.1' → Fraction; raises PolicyError."""
    raw = str(text).strip()
    try:
        if raw.endswith("%"):
            return Fraction(Decimal(raw[:-1])) / 100
        return Fraction(raw) if "/" in raw else Fraction(Decimal(raw))
    except (ValueError, ZeroDivisionError, InvalidOperation):
        raise PolicyError([Msg("{label} 的比例“{raw}”无法识别，请写成 10%、1/2 或 0.1", label=label,
                                   raw=raw)]) from None


def _decimal(value: Any, label: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise PolicyError([Msg("{label}“{value}”不是数字", label=label, value=value)]) from None
    if not number.is_finite():
        raise PolicyError([Msg("{label}“{value}”不是数字", label=label, value=value)])
    return number


def _band(data: Any, index: int) -> rules.Band:
    label = Msg("第 {index} 个奖项档", index=index)
    if not isinstance(data, dict) or data.get("award") not in AWARDS:
        raise PolicyError([Msg("{label} 的奖项应为 {awards} 之一", label=label, awards="/".join(AWARDS))])
    award = data["award"]
    try:
        if data.get("count") is not None:
            return rules.fixed_band(award, int(data["count"]))
        if data.get("share") is not None:
            return rules.share_band(award, fraction(data["share"], label))
        if data.get("down_to") is not None:
            return rules.down_to_band(award, fraction(data["down_to"], label))
        if data.get("at_least") is not None:
            return rules.threshold_band(award, _decimal(data["at_least"], Msg("{label} 的分数线", label=label)),
                                        str(data.get("metric") or "total"))
    except (TypeError, ValueError) as err:
        if isinstance(err, PolicyError):
            raise
        raise PolicyError([Msg("{label}：{problem}", label=label, problem=message(err))]) from None
    raise PolicyError([Msg("{label} 应写明名额（count）、比例（share）、累计比例（down_to）或分数线（at_least）",
                           label=label)])


def _title(data: Any, index: int) -> rules.TitleRule:
    if not isinstance(data, dict) or not str(data.get("title") or "").strip():
        raise PolicyError([Msg("第 {index} 个称号规则缺少称号名称", index=index)])
    try:
        top = data.get("top")
        return rules.TitleRule(
            title=str(data["title"]).strip(),
            top=None if top is None else int(top),
            team_top=tuple((int(a), int(b)) for a, b in data.get("team_top") or ()),
            award=data.get("award") or None,
            employees_only=bool(data.get("employees_only", True)),
        )
    except (TypeError, ValueError):
        raise PolicyError([Msg("第 {index} 个称号规则的名次设置无法识别", index=index)]) from None


def parse_award_policy(data: dict | str) -> rules.AwardPolicy:
    """The rules core's AwardPolicy for the stored JSON (a dict or its text)."""
    if isinstance(data, str):
        try:
            data = json.loads(data or "{}")
        except json.JSONDecodeError as err:
            raise PolicyError([Msg("奖项设置不是有效的 JSON（第 {line} 行）", line=err.lineno)]) from None
    if not isinstance(data, dict):
        raise PolicyError([Msg("奖项设置应为一个 JSON 对象")])
    problems: list[str] = []
    bands, titles = [], []
    for i, band in enumerate(data.get("bands") or (), start=1):
        try:
            bands.append(_band(band, i))
        except PolicyError as err:
            problems += err.problems
    for i, title in enumerate(data.get("titles") or (), start=1):
        try:
            titles.append(_title(title, i))
        except PolicyError as err:
            problems += err.problems
    count_rounding = data.get("count_rounding") or ROUND_FLOOR
    if count_rounding not in ROUNDING_MODES:
        problems.append(Msg("名额取整方式“{value}”无法识别", value=count_rounding))
    minimum = data.get("minimum_score")
    if minimum not in (None, ""):
        try:
            minimum = _decimal(minimum, Msg("获奖最低分"))
        except PolicyError as err:
            problems += err.problems
    else:
        minimum = None
    promotion = None
    if data.get("promotion"):
        p = data["promotion"]
        try:
            promotion = rules.PromotionRule(
                by_award=tuple((str(a), int(n)) for a, n in p.get("by_award") or ()),
                by_position=tuple((int(a), int(n)) for a, n in p.get("by_position") or ()),
            )
        except (TypeError, ValueError, AttributeError):
            problems.append(Msg("晋级规则无法识别"))
    if problems:
        raise PolicyError(problems)
    try:
        return rules.AwardPolicy(
            bands=tuple(bands), count_rounding=count_rounding, minimum_score=minimum,
            at_boundary=data.get("at_boundary") or rules.BOUNDARY_LOWER, titles=tuple(titles),
            promotion=promotion, best_of_delegation=data.get("best_of_delegation") or None,
        )
    except ValueError as err:
        raise PolicyError([message(err)]) from None


def parse_tie_breaks(data: list | str) -> tuple[rules.TieBreak, ...]:
    """Stored chain (list of dicts) or the form's text "practical, time:lower, theory" → TieBreaks."""
    if isinstance(data, str):
        items = []
        for part in data.replace("，", ",").split(","):
            part = part.strip()
            if not part:
                continue
            metric, _sep, better = part.partition(":")
            items.append({"metric": metric.strip(), "better": (better.strip() or rules.HIGHER)})
        data = items
    chain = []
    for i, item in enumerate(data, start=1):
        try:
            chain.append(rules.TieBreak(str(item["metric"]), item.get("better", rules.HIGHER),
                                        item.get("label") or METRIC_LABELS.get(item["metric"], "")))
        except (KeyError, TypeError, ValueError):
            raise PolicyError([Msg("第 {index} 个并列排序条件无法识别（应写成 指标:higher 或 指标:lower）",
                                   index=i)]) from None
    return tuple(chain)


def tie_breaks_text(chain: list[dict]) -> str:
    return ", ".join(f"{t['metric']}:{t.get('better', rules.HIGHER)}" for t in chain)


def ranking_policy(settings) -> rules.RankingPolicy:
    return rules.RankingPolicy(parse_tie_breaks(settings.tie_breaks), bool(settings.shared_ranks))


def rounding(settings) -> rules.Rounding:
    return rules.Rounding(places=settings.rounding_places, mode=settings.rounding_mode)


def _percent(share: Fraction) -> str:
    return f"{float(share):.0%}"


def describe_awards(policy: rules.AwardPolicy) -> list[str]:
    """The policy in words for the settings page (messages, shown in the reader's language)."""
    lines = []
    for band in policy.bands:
        label = rules.AWARD_LABELS.get(band.award, band.award)
        if band.count is not None:
            lines.append(Msg("{award} {count} 名", award=label, count=band.count))
        elif band.share is not None:
            lines.append(Msg("{award} 占参赛人数的 {share}", award=label, share=_percent(band.share)))
        elif band.down_to is not None:
            lines.append(Msg("{award} 至前 {share}", award=label, share=_percent(band.down_to)))
        else:
            lines.append(Msg("{award}：{metric}不低于 {value}", award=label,
                             metric=METRIC_LABELS.get(band.metric, band.metric), value=str(band.at_least)))
    if policy.minimum_score is not None:
        lines.append(Msg("获奖最低分 {value}", value=str(policy.minimum_score)))
    for t in policy.titles:
        award = rules.AWARD_LABELS.get(t.award, t.award) if t.award else None
        # The title itself ("全国技术能手") is the organiser's data, kept as entered.
        if t.employees_only:
            lines.append(Msg("{title}：前 {top} 名职工（须获{award}）", title=t.title, top=t.top, award=award) if award
                         else Msg("{title}：前 {top} 名职工", title=t.title, top=t.top))
        else:
            lines.append(Msg("{title}：前 {top} 名选手（须获{award}）", title=t.title, top=t.top, award=award) if award
                         else Msg("{title}：前 {top} 名选手", title=t.title, top=t.top))
    if policy.best_of_delegation:
        lines.append(policy.best_of_delegation)  # the special award's name: organiser's data
    return lines
