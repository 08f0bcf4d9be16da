"""``flask registrations import FILE.xlsx --contest CODE [--delegation CODE] [--dry-run]``."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db
from app.models import User
from app.roles import Role
from contests.excel import parse
from contests.importing import import_sheet
from contests.models import Contest, Delegation

registrations_cli = AppGroup("registrations", help="报名")


@registrations_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--contest", "contest_code", required=True, help="比赛代码，如 FP2020")
@click.option("--delegation", "delegation_code", default=None, help="代表团代码；不填时按表中“代表团”列")
@click.option("--dry-run", is_flag=True, help="只检查，不导入")
def import_command(file: Path, contest_code: str, delegation_code: str | None, dry_run: bool):
    """从 Excel 导入报名：全部行正确才导入。"""
    contest = db.session.scalar(select(Contest).where(Contest.code == contest_code))
    if contest is None:
        raise click.ClickException(f"没有代码为 {contest_code} 的比赛")
    delegation = None
    if delegation_code:
        delegation = db.session.scalar(select(Delegation).where(Delegation.contest_id == contest.id,
                                                                Delegation.code == delegation_code))
        if delegation is None:
            raise click.ClickException(f"比赛 {contest_code} 没有代码为 {delegation_code} 的代表团")
    # The command runs as the contest's organiser: it is not bound by the registration window.
    operator = db.session.scalar(select(User).where(User.role == Role.ORGANISER.value,
                                                    User.contest_id.in_([contest.id]))) \
        or User(id=None, username="cli", display_name="命令行", role=Role.ORGANISER.value)
    report = import_sheet(operator, contest, parse(file.read_bytes(), with_delegation=delegation is None),
                          delegation=delegation, dry_run=dry_run)
    for row, column, message in report.errors:
        click.echo(f"第{row}行 {column}：{message}" if row else f"{column + '：' if column else ''}{message}", err=True)
    if report.errors:
        db.session.rollback()
        raise click.ClickException(f"发现 {len(report.errors)} 处错误，未导入任何数据")
    if dry_run:
        click.echo(f"检查通过：{len(report.rows)} 名选手可以导入（未导入，去掉 --dry-run 导入）")
        return
    db.session.commit()
    click.echo(f"已导入 {report.imported} 名选手")
