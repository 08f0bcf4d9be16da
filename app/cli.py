"""Command-line tools: ``flask demo``, ``flask audit verify``, ``flask users``."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from app.extensions import db


def register_cli(app: Flask) -> None:
    register_backup(app)

    @app.cli.command("demo")
    @click.option("--force", is_flag=True, help="重新加载（仅在空数据库上有意义）")
    def demo_command(force: bool):
        """加载演示比赛（只加载一次）。"""
        from app.demo import DEMO_PASSWORD, load_demo

        created = load_demo(force=force)
        db.session.commit()
        if created:  # marks, confirmations and published results, so the public pages show something
            from scoring.results_demo import load_demo_results

            load_demo_results()
            db.session.commit()
            from certificates.services import load_demo_certificates

            load_demo_certificates()
            db.session.commit()
        click.echo("演示数据已加载。" if created else "演示数据已存在，未重复加载。")
        from app.demo import demo_logins

        click.echo(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for role_label, username in demo_logins():
            click.echo(f"  {role_label:<8} {username}")

    audit_cli = AppGroup("audit", help="审计记录")

    @audit_cli.command("verify")
    def audit_verify():
        """检查审计记录的哈希链，报告第一处被修改或删除的记录。"""
        from app.audit import verify

        report = verify()
        db.session.commit()  # the entries it sealed first
        if report.ok:
            click.echo(f"审计链完整：共 {report.checked} 条记录。")
            return
        click.echo(f"审计链断裂：{report.problem}（之前 {report.checked} 条完好）。", err=True)
        raise SystemExit(1)

    @audit_cli.command("seal")
    def audit_seal():
        """把等待封存的审计记录接入哈希链（作业进程每分钟自动做一次）。"""
        from app.audit import seal

        sealed = seal()
        db.session.commit()
        click.echo(f"已封存 {sealed} 条记录。")

    app.cli.add_command(audit_cli)

    users_cli = AppGroup("users", help="账号")

    @users_cli.command("add")
    @click.argument("username")
    @click.option("--role", required=True)
    @click.option("--name", "display_name", default="")
    @click.password_option()
    def users_add(username, role, display_name, password):
        """新建账号。"""
        from app.models import User
        from app.passwords import weakness
        from app.roles import Role

        try:
            Role(role)
        except ValueError:
            raise click.BadParameter(f"角色应为：{', '.join(r.value for r in Role)}") from None
        problem = weakness(password)
        if problem:
            raise click.BadParameter(problem)
        user = User(username=username, display_name=display_name or username, role=role)
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        click.echo(f"已创建 {username}（{role}）")

    app.cli.add_command(users_cli)


    from contests.cli import registrations_cli
    from scoring.cli_results import register_results_cli

    app.cli.add_command(registrations_cli)
    register_results_cli(app)
    from certificates.cli import register_certificates_cli

    register_certificates_cli(app)
    from app.transfer import register_transfer_cli

    register_transfer_cli(app)  # flask contest export / import


def register_backup(app: Flask) -> None:
    @app.cli.command("backup")
    @click.argument("target", required=False)
    def backup_command(target: str | None):
        """在应用运行时制作 SQLite 数据库的一致副本（SQLite 在线备份接口）。"""
        import sqlite3
        from datetime import datetime
        from pathlib import Path

        url = db.engine.url
        if url.get_backend_name() != "sqlite":
            raise click.ClickException("flask backup 只用于 SQLite；PostgreSQL 请用 pg_dump")
        source = Path(url.database)
        out = Path(target) if target else source.with_name(f"{source.stem}-{datetime.now():%Y%m%d-%H%M%S}.db")
        # The online backup API copies page by page under SQLite's own locking: a consistent snapshot even
        # while the app keeps writing, unlike copying the file (and its -wal) by hand.
        with sqlite3.connect(source) as src, sqlite3.connect(out) as dst:
            src.backup(dst, pages=1024)
        check = sqlite3.connect(out).execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise click.ClickException(f"备份文件校验失败：{check}")
        click.echo(f"已备份到 {out}")
