"""Charts drawn on the server as SVG (no script, no style attributes: presentation attributes only, CSP-safe).

- ``distribution_svg``: score distribution of an event (a histogram of totals);
- ``medals_svg``: the delegation medal table as stacked bars;
- ``consistency_svg``: each judge's average deviation from their panel (positive: softer, negative: harsher).

``judge_consistency`` computes the last from the current marks: for every registration × judgement/panel
aspect marked by several judges, each judge's mark minus the mean of that panel, as a share of the aspect's
range (levels 0–3, or the maximum), averaged per judge and shown in percentage points.

Language. A chart is drawn for each request and never cached, so its words are translated as it is drawn
(``gettext``; the award names through ``app.i18n.translate``); the caller passes the title already translated.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from markupsafe import escape
from sqlalchemy import select

from app.extensions import db
from app.i18n import translate
from app.models import User
from contests.models import Event
from scoring import rules
from scoring.results_marks import judge_marks

W, BAR_H, PAD_L, PAD_T = 640, 22, 150, 40
COLOURS = {"gold": "#c9a227", "silver": "#9aa3ad", "bronze": "#b0703a", "excellence": "#4f7fbf",
           "medallion": "#5b9e6e"}


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    t = escape(title)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{t}" font-family="sans-serif" font-size="12">'
            f'<title>{t}</title><rect width="100%" height="100%" fill="#ffffff"/>'
            f'<text x="10" y="22" font-size="15" font-weight="bold">{t}</text>' + "".join(body) + "</svg>")


def distribution_svg(title: str, totals: Sequence[Decimal], lo: int = 0, hi: int = 100, bins: int = 10) -> str:
    counts = [0] * bins
    width_bin = Decimal(hi - lo) / bins
    for total in totals:
        i = int((Decimal(total) - lo) / width_bin) if width_bin else 0
        counts[min(max(i, 0), bins - 1)] += 1
    top = max(counts) or 1
    plot_w, plot_h, left, base = 560, 200, 50, 250
    bar_w = plot_w / bins
    body = [f'<line x1="{left}" y1="{base}" x2="{left + plot_w}" y2="{base}" stroke="#333"/>']
    for i, n in enumerate(counts):
        h = plot_h * n / top
        x = left + i * bar_w
        low = lo + width_bin * i
        low_text, high_text = f"{low:.0f}", f"{low + width_bin:.0f}"
        tip = _("%(low)s–%(high)s：%(n)d 人", low=low_text, high=high_text, n=n)
        body.append(f'<rect x="{x + 2:.1f}" y="{base - h:.1f}" width="{bar_w - 4:.1f}" height="{h:.1f}" '
                    f'fill="#4f7fbf"><title>{escape(tip)}</title></rect>')
        if n:
            body.append(f'<text x="{x + bar_w / 2:.1f}" y="{base - h - 4:.1f}" text-anchor="middle">{n}</text>')
        body.append(f'<text x="{x:.1f}" y="{base + 16}" text-anchor="middle">{low:.0f}</text>')
    body.append(f'<text x="{left + plot_w:.1f}" y="{base + 16}" text-anchor="middle">{hi}</text>')
    caption = escape(_("总成绩（%(n)d 人）", n=len(totals)))
    body.append(f'<text x="{left + plot_w / 2:.1f}" y="{base + 34}" text-anchor="middle">{caption}</text>')
    return _svg(W, base + 46, title, body)


def medals_svg(title: str, rows: Sequence[rules.MedalRow]) -> str:
    rows = list(rows)[:40]
    top = max((m.gold + m.silver + m.bronze + m.excellence + m.medallion for m in rows), default=0) or 1
    scale = (W - PAD_L - 60) / top
    body = []
    for i, m in enumerate(rows):
        y = PAD_T + i * (BAR_H + 6)
        body.append(f'<text x="{PAD_L - 8}" y="{y + 15}" text-anchor="end">{escape(m.delegation)}</text>')
        x = PAD_L
        for key in ("gold", "silver", "bronze", "excellence", "medallion"):
            n = getattr(m, key)
            if n:
                label = escape(translate(rules.AWARD_LABELS[key]))
                body.append(f'<rect x="{x:.1f}" y="{y}" width="{n * scale:.1f}" height="{BAR_H}" '
                            f'fill="{COLOURS[key]}"><title>{label} {n}</title></rect>')
                x += n * scale
        points = escape(_("%(n)s 分", n=m.points))
        body.append(f'<text x="{x + 6:.1f}" y="{y + 15}">{points}</text>')
    legend_y = PAD_T + len(rows) * (BAR_H + 6) + 16
    for i, key in enumerate(("gold", "silver", "bronze", "excellence")):
        label = escape(translate(rules.AWARD_LABELS[key]))
        body.append(f'<rect x="{PAD_L + i * 90}" y="{legend_y - 10}" width="12" height="12" fill="{COLOURS[key]}"/>'
                    f'<text x="{PAD_L + i * 90 + 16}" y="{legend_y}">{label}</text>')
    return _svg(W, legend_y + 14, title, body)


@dataclass(frozen=True)
class JudgeDeviation:
    judge_id: int
    name: str
    marks: int
    deviation: Decimal  # mean deviation from the panel mean, percentage points of the aspect's range


def judge_consistency(event: Event) -> list[JudgeDeviation]:
    panels: dict[tuple[int, str], list] = defaultdict(list)
    for m in judge_marks(event):
        if m.kind in (rules.JUDGEMENT, rules.PANEL):
            panels[(m.registration_id, m.aspect_code)].append(m)
    sums: dict[int, list[Decimal]] = defaultdict(list)
    for marks in panels.values():
        if len(marks) < 2:
            continue
        mean = sum((m.value for m in marks), Decimal(0)) / len(marks)
        for m in marks:
            span = Decimal(3) if m.kind == rules.JUDGEMENT else m.maximum
            sums[m.judge_id].append((m.value - mean) / span * 100)
    names = dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(list(sums)))).all()) \
        if sums else {}
    out = [JudgeDeviation(j, names.get(j, str(j)), len(v), (sum(v, Decimal(0)) / len(v)).quantize(Decimal("0.01")))
           for j, v in sums.items()]
    return sorted(out, key=lambda d: d.deviation)


def consistency_svg(title: str, rows: Sequence[JudgeDeviation]) -> str:
    rows = list(rows)
    span = max((abs(r.deviation) for r in rows), default=Decimal(0)) or Decimal(1)
    half = (W - PAD_L - 80) / 2
    mid = PAD_L + half
    body = [f'<line x1="{mid}" y1="{PAD_T - 6}" x2="{mid}" y2="{PAD_T + len(rows) * (BAR_H + 6)}" stroke="#333"/>']
    for i, r in enumerate(rows):
        y = PAD_T + i * (BAR_H + 6)
        length = float(abs(r.deviation) / span) * half
        x = mid if r.deviation >= 0 else mid - length
        colour = "#5b9e6e" if r.deviation >= 0 else "#c0504d"
        tip = _("%(name)s：%(deviation)s（%(n)d 个评分）", name=r.name, deviation=r.deviation, n=r.marks)
        body.append(f'<text x="{PAD_L - 8}" y="{y + 15}" text-anchor="end">{escape(r.name)}</text>')
        body.append(f'<rect x="{x:.1f}" y="{y}" width="{length:.1f}" height="{BAR_H}" fill="{colour}">'
                    f'<title>{escape(tip)}</title></rect>')
        body.append(f'<text x="{mid + half + 8:.1f}" y="{y + 15}">{r.deviation:+}</text>')
    foot = PAD_T + len(rows) * (BAR_H + 6) + 18
    axis = escape(_("← 偏严　与本组平均分的偏差（百分点）　偏松 →"))
    body.append(f'<text x="{mid}" y="{foot}" text-anchor="middle">{axis}</text>')
    return _svg(W, foot + 12, title, body)
