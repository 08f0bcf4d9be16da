"""The baseline for bench_load.py: a bare Flask + SQLAlchemy app with an insert endpoint and a 50-row page,
served by the same gunicorn settings as Saiwu, on the same PostgreSQL."""

from __future__ import annotations

import os

from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


app = Flask("bare")
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["BARE_DATABASE_URL"]
db = SQLAlchemy(app, model_class=Base)
PAGE = app.jinja_env.from_string(
    "<!doctype html><table>{% for r in rows %}<tr><td>{{ r.id }}</td><td>{{ r.key }}</td></tr>{% endfor %}</table>"
)


class Row(db.Model):
    __tablename__ = "bare_row"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)


@app.post("/insert")
def insert():
    body = request.get_json(silent=True) or request.form
    db.session.add(Row(key=str(body.get("key"))))
    db.session.commit()
    return jsonify(status="saved"), 201


@app.get("/page")
def page():
    rows = db.session.scalars(select(Row).order_by(Row.id).limit(50)).all()
    return PAGE.render(rows=rows)


def create_tables() -> None:
    with app.app_context():
        db.create_all()


__all__ = ["app", "create_tables"]
