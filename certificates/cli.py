"""``flask certificates …``: render a contest's certificates to one PDF, check the machine, load demo templates."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db


def register_certificates_cli(app: Flask) -> None:
    group = AppGroup("certificates", help="证书")

    @group.command("render")
    @click.option("--contest", "contest_code", required=True, help="赛事代码，如 FP2020")
    @click.option("--event", "event_code", default=None, help="项目代码，如 DG（默认：全部项目）")
    @click.option("--delegation", "delegation_code", default=None, help="代表队代码（默认：全部）")
    @click.option(
        "--kind",
        type=click.Choice(["award", "participation", "judge", "admission"]),
        default="award",
        show_default=True,
    )
    @click.option(
        "--out",
        "out",
        required=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help="输出文件（.pdf；以 .zip 结尾时每份证书一个 PDF）",
    )
    @click.option("--base-url", default=None, help="验证网址的前缀（默认：PUBLIC_BASE_URL）")
    @click.option("--processes", default=2, show_default=True, type=click.IntRange(1, 64))
    @click.option("--allow-unprintable", is_flag=True, help="字体缺字的姓名也生成（会印成方框）")
    def render_command(contest_code, event_code, delegation_code, kind, out, base_url, processes, allow_unprintable):
        """把证书生成为一个 PDF（按代表队、项目、名次排序）。同一人再次生成编号不变。"""
        from certificates import render, services
        from certificates.errors import CertificateError
        from contests.models import Contest, Delegation, Event

        contest = db.session.scalar(select(Contest).where(Contest.code == contest_code))
        if contest is None:
            raise click.ClickException(f"没有代码为 {contest_code} 的赛事")
        event = delegation = None
        if event_code:
            event = db.session.scalar(select(Event).where(Event.contest_id == contest.id, Event.code == event_code))
            if event is None:
                raise click.ClickException(f"{contest.name}没有代码为 {event_code} 的项目")
        if delegation_code:
            delegation = db.session.scalar(
                select(Delegation).where(Delegation.contest_id == contest.id, Delegation.code == delegation_code)
            )
            if delegation is None:
                raise click.ClickException(f"{contest.name}没有代码为 {delegation_code} 的代表队")
        scope = services.Scope(contest, kind, event=event, delegation=delegation)
        started = time.perf_counter()
        try:
            rec = services.template_for(contest, kind)
            found = services.subjects(scope, rec)
            problems = services.check(scope, rec, found, allow_unprintable=allow_unprintable)
            if problems:
                raise services.CertificatesRefused(problems)
            base = base_url or services.public_base_url()
            if kind == "admission":
                contexts = services.admission_contexts(found, base)
            else:
                certs = services.issue_with_retry(scope, found)
                contexts = [services.render_context(c, base) for c in certs]
            db.session.commit()

            def progress(done, total):
                click.echo(f"\r{done}/{total}", nl=False, err=True)

            tpl = services.to_template(rec)
            kwargs = {"processes": processes, "on_progress": progress, "allowed_dirs": services.allowed_dirs()}
            if out.suffix.lower() == ".zip":
                data = render.render_zip(tpl, contexts, **kwargs)
            else:
                data = render.render_batch(tpl, contexts, **kwargs)
        except services.CertificatesRefused as err:
            db.session.rollback()
            for message in err.messages:
                click.echo(f"拒绝：{message}", err=True)
            sys.exit(1)
        except CertificateError as err:
            db.session.rollback()
            raise click.ClickException(str(err)) from None
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        seconds = time.perf_counter() - started
        click.echo(f"\n已生成 {len(contexts)} 份{services.KIND_LABELS[kind]}：{out}（{seconds:.1f} 秒）")

    @group.command("check")
    def check_command():
        """检查本机能否生成中文证书（中文字体、HarfBuzz 子集库）。"""
        from certificates import services

        problems = services.environment_problems()
        for problem in problems:
            click.echo(problem, err=True)
        if problems:
            sys.exit(1)
        click.echo("中文字体和 HarfBuzz 子集库都已安装，可以生成证书。")

    @group.command("demo")
    def demo_command():
        """为演示赛事建立默认模板，并为已公布的成绩发放获奖证书。"""
        from certificates.services import load_demo_certificates

        made = load_demo_certificates()
        db.session.commit()
        click.echo(f"演示证书：新发 {made} 份。")

    app.cli.add_command(group)
