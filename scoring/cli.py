"""``flask scheme import FILE --contest CODE --event CODE`` and ``flask scheme export``."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db
from contests.models import Contest, Event

scheme_cli = AppGroup("scheme", help="评分方案（评分标准）")


def _event(contest_code: str, event_code: str) -> Event:
    event = db.session.scalar(select(Event).join(Contest).where(Contest.code == contest_code,
                                                               Event.code == event_code))
    if event is None:
        raise click.BadParameter(f"找不到比赛 {contest_code} 的项目 {event_code}")
    return event


@scheme_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--contest", "contest_code", required=True, help="比赛代码，如 FP2020")
@click.option("--event", "event_code", required=True, help="项目代码，如 DG")
@click.option("--activate", is_flag=True, help="导入后检查并启用")
def import_command(file: Path, contest_code: str, event_code: str, activate: bool):
    """从 Excel（.xlsx）或 JSON 文件导入评分方案。"""
    from scoring import schemes

    event = _event(contest_code, event_code)
    raw = file.read_bytes()
    try:
        data = schemes.read_json(raw) if file.suffix.lower() == ".json" else schemes.read_excel(raw)
        scheme = schemes.replace_scheme(event, data, source=f"cli:{file.name}")
        problems = schemes.problems(scheme)
        if activate and not problems:
            schemes.activate(scheme)
    except schemes.SchemeError as err:
        db.session.rollback()
        for p in err.problems:
            click.echo(f"错误：{p}", err=True)
        raise SystemExit(1) from None
    db.session.commit()
    click.echo(f"已导入 {event.name}（{event_code}）的评分方案：{len(schemes.aspects_of(scheme))} 个评分项。")
    for p in problems:
        click.echo(f"注意：{p}", err=True)
    if activate and problems:
        click.echo("方案有问题，未启用。", err=True)
        raise SystemExit(1)


@scheme_cli.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--contest", "contest_code", required=True)
@click.option("--event", "event_code", required=True)
def export_command(file: Path, contest_code: str, event_code: str):
    """把评分方案导出为 Excel（.xlsx）或 JSON 文件。"""
    import json

    from scoring import schemes

    event = _event(contest_code, event_code)
    scheme = schemes.scheme_for(event.id)
    if scheme is None:
        raise click.BadParameter(f"项目 {event_code} 还没有评分方案")
    if file.suffix.lower() == ".json":
        file.write_text(json.dumps(schemes.export_dict(scheme), ensure_ascii=False, indent=2), encoding="utf-8")
    else:
        file.write_bytes(schemes.export_excel(scheme))
    click.echo(f"已导出到 {file}")
