"""``flask results verify --contest CODE`` and ``flask results export --contest CODE --xlsx FILE``.

Registered by ``register_results_cli(app)`` (called from ``app.cli.register_cli``).
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db


def _contest(code: str):
    from contests.models import Contest

    contest = db.session.scalar(select(Contest).where(Contest.code == code))
    if contest is None:
        raise click.BadParameter(f"没有编号为 {code} 的比赛", param_hint="--contest")
    return contest


def register_results_cli(app: Flask) -> None:
    results_cli = AppGroup("results", help="成绩")

    @results_cli.command("verify")
    @click.option("--contest", "code", required=True, help="比赛编号")
    @click.option("--all", "include_internal", is_flag=True, help="也核对尚未发布的项目")
    def verify(code: str, include_internal: bool):
        """由存储的评分重新计算每个已发布项目的成绩，并报告与已存成绩的差异（有差异时退出码为 1）。"""
        from scoring.results import FIELD_LABELS, verify_contest

        checks = verify_contest(_contest(code), include_internal)
        bad = 0
        for check in checks:
            if check.ok:
                click.echo(f"{check.event.code} {check.event.name}：一致")
                continue
            bad += 1
            click.echo(f"{check.event.code} {check.event.name}：不一致", err=True)
            for problem in check.problems:
                click.echo(f"  无法计算：{problem}", err=True)
            for reg_id, fields in check.differences.items():
                shown = "；".join(f"{FIELD_LABELS.get(f, f)} 存储 {a} / 重算 {b}" for f, (a, b) in fields.items())
                click.echo(f"  报名 {reg_id}：{shown}", err=True)
        click.echo(f"核对 {len(checks)} 个项目，{bad} 个不一致。")
        if bad:
            raise SystemExit(1)

    @results_cli.command("export")
    @click.option("--contest", "code", required=True, help="比赛编号")
    @click.option("--xlsx", "path", required=True, type=click.Path(dir_okay=False, path_type=Path))
    def export(code: str, path: Path):
        """导出比赛全部项目的成绩和奖牌榜（Excel）。"""
        from scoring.results_export import contest_workbook

        path.write_bytes(contest_workbook(_contest(code)))
        click.echo(f"已导出到 {path}")

    @results_cli.command("recompute")
    @click.option("--contest", "code", required=True, help="比赛编号")
    def recompute(code: str):
        """由当前评分重新计算比赛每个项目的成绩（变化写入审计记录）。"""
        from scoring.results import recompute_event

        for event in _contest(code).events:
            computed = recompute_event(event, reason="命令行重新计算")
            state = "完成" if computed.ok else "无法计算：" + computed.problems[0]
            click.echo(f"{event.code} {event.name}：{state}")
        db.session.commit()

    @results_cli.command("demo")
    def demo():
        """为演示比赛生成评分和成绩（只生成一次）。"""
        from scoring.results_demo import load_demo_results

        created = load_demo_results()
        db.session.commit()
        click.echo("演示成绩已生成。" if created else "演示成绩已存在，未重复生成。")

    app.cli.add_command(results_cli)
