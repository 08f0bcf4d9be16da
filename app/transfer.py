"""Moving one whole contest between databases: ``flask contest export CODE`` and ``flask contest import FILE``.

The format is documented in ``docs/contest-transfer.md``. In short: one JSON document, every table of the
contest as ``{"columns": [...], "rows": [[...], ...]}`` with its ids renumbered densely (1, 2, 3 … per table,
in the order of the source's ids), so that ``export(import(export(c)))`` equals ``export(c)`` except for the
informational ``source`` header. Which tables travel, and how, is declared here table by table
(``OWNED``, ``SPECIAL``, ``GLOBAL``, ``EXCLUDED``); ``tests/integration/test_contest_transfer.py`` fails when a
table of the metadata is in none of them, so a new table cannot be forgotten silently. Everything else —
which rows belong to the contest, how keys are remapped, how values are written — follows the SQLAlchemy
metadata (its foreign keys and column types).

It lives in ``app/`` because it spans every package (accounts, contests, scoring, certificates, the audit
trail), like the demo loader and the CLI.

Import is one transaction: everything is read and checked first (format, schema, references, clashes with
the target's data), then written; any refusal raises :class:`TransferRefused` (Chinese message) and the caller
rolls back. Like the services, ``import_contest`` never commits.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePosixPath
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import Column, Table, UniqueConstraint, and_, func, or_, select, text, types, update

from app.extensions import db

FORMAT = "saiwu-contest"
VERSION = 1
TOP_KEYS = ("format", "version", "contest", "source", "tables", "external_users", "serial_counters", "links",
            "audit", "files")

# ---------------------------------------------------------------- which tables travel, and how

#: Tables whose rows belong to one contest: exported row by row, every key remapped (see docs).
OWNED: dict[str, str] = {
    "contest": "the contest's settings (the root row)",
    "delegation": "delegations",
    "event": "events",
    "event_group": "groups of events",
    "user": "accounts scoped to the contest or one of its delegations, and unscoped accounts its rows refer to "
            "(self-registered contestants), with their password hashes",
    "judge_profile": "judges' units and home delegations",
    "judge_assignment": "judges assigned to events",
    "login_card": "one-time login cards (hashes only)",
    "team": "teams of team events (their members point to them)",
    "registration": "registrations",
    "registration_step": "the review workflow's steps",
    "event_draw": "where each event's draw stands",
    "draw_result": "order numbers, sealed codes and stations",
    "decryption": "two-person opening of sealed codes",
    "judge_relationship": "declared judge–contestant relationships (recusal)",
    "marking_team": "marking teams",
    "marking_team_member": "their members",
    "marking_scheme": "marking schemes",
    "scheme_criterion": "modules of schemes",
    "scheme_sub_criterion": "sub-criteria",
    "scheme_aspect": "aspects (what judges mark)",
    "score_sheet": "judges' score sheets",
    "score_sheet_unlock": "chief judges' unlocks of signed sheets",
    "mark": "every version of every mark, with its previous-version link and idempotency key",
    "paper_entry": "clerks' double entry of paper sheets",
    "module_confirmation": "chief judges' confirmations of modules",
    "event_confirmation": "chief judges' confirmations of events",
    "recheck_item": "sheets drawn for recheck and findings",
    "result_settings": "results settings and publication state",
    "event_result": "stored results",
    "tie_decision": "arbitration of ties",
    "result_entry_input": "theory scores and completion times",
    "appeal": "appeals and decisions",
    "results_version": "the results pages' cache counter",
    "certificate_template": "certificate templates, seal images included",
    "issued_certificate": "issued certificates: serials, snapshots, revocations, replacements",
}

#: Tables that travel in a section of their own (not as plain rows).
SPECIAL: dict[str, str] = {
    "audit_entry": "section `audit`: the contest's entries, appended to the target's own hash chain on import",
    "certificate_serial_counter": "section `serial_counters`: counters whose key names the contest's code",
    "result_forwarding": "section `links`: links between two contests, by natural keys; recreated when the "
                         "other contest is in the target database",
}

#: Tables of the whole database, never exported.
GLOBAL: dict[str, str] = {
    "audit_head": "the head of the database-wide audit chain; the target keeps its own",
}

#: Tables of a contest that deliberately do not travel.
EXCLUDED: dict[str, str] = {
    "certificate_batch": "background print jobs: their PDF/ZIP files live on the source machine, and a queued "
                         "job would run again on the target; print again there (same serials)",
}

#: Columns naming a file under UPLOAD_FOLDER; the files travel base64-encoded in `files`.
FILE_COLUMNS: dict[str, tuple[str, ...]] = {"registration": ("photo", "poverty_proof")}

#: Actions of the transfer itself: about databases, not the contest, and never exported again.
TRANSFER_ACTIONS = ("contest_exported", "contest_imported")

AUDIT_FIELDS = ("at", "user_id", "username", "role", "action", "object_type", "object_id", "before", "after", "ip")
CHUNK = 500


class TransferRefused(Exception):
    """The export or import cannot be done; ``problems`` are Chinese messages, nothing was written."""

    def __init__(self, problems: str | list[str]):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("；".join(self.problems))


# ---------------------------------------------------------------- the tables, from the metadata


@dataclass
class Spec:
    """One owned table as the transfer sees it."""

    table: Table
    pk: str | None  # the integer surrogate key that is renumbered; None when the key is a foreign key
    fks: dict[str, str]  # column → referenced table
    owner: str | None  # the foreign key that makes a row part of the contest (None: contest, user)

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def columns(self) -> list[str]:
        return [c.name for c in self.table.columns]


def specs() -> list[Spec]:
    """The owned tables in dependency order (parents first), with their keys and owners."""
    order = [t for t in db.metadata.sorted_tables if t.name in OWNED]
    position = {t.name: i for i, t in enumerate(order)}
    out = []
    for table in order:
        fks = {}
        for fk in table.foreign_keys:
            fks[fk.parent.name] = fk.column.table.name
        pks = list(table.primary_key.columns)
        pk = pks[0].name if len(pks) == 1 and pks[0].name not in fks else None
        out.append(Spec(table, pk, fks, _owner(table, fks, position)))
    return out


def _owner(table: Table, fks: dict[str, str], position: dict[str, int]) -> str | None:
    if table.name in ("contest", "user"):
        return None
    candidates = [(c, t) for c, t in fks.items() if t in OWNED and t != table.name]
    nullable = {c.name: c.nullable for c in table.columns}

    def pick(rows):
        return min(rows, key=lambda ct: position[ct[1]])[0] if rows else None

    return (pick([(c, t) for c, t in candidates if not nullable[c] and t != "user"])
            or pick([(c, t) for c, t in candidates if not nullable[c]])
            or pick([(c, t) for c, t in candidates if t != "user"]))


def _class_tables() -> dict[str, str]:
    """Model class name → table name, for audit entries' ``object_type``."""
    return {m.class_.__name__: m.local_table.name for m in db.Model.registry.mappers}


def classification_problems() -> list[str]:
    """Tables of the metadata that are classified nowhere (or twice), and classified names that do not exist."""
    lists = {"OWNED": OWNED, "SPECIAL": SPECIAL, "GLOBAL": GLOBAL, "EXCLUDED": EXCLUDED}
    problems = []
    names = {t.name for t in db.metadata.sorted_tables}
    for name in sorted(names):
        where = [k for k, v in lists.items() if name in v]
        if not where:
            problems.append(f"table {name} is not classified: add it to OWNED, SPECIAL, GLOBAL or EXCLUDED in "
                            "app/transfer.py (and to docs/contest-transfer.md)")
        elif len(where) > 1:
            problems.append(f"table {name} is classified twice: {where}")
    for key, listed in lists.items():
        for name in listed:
            if name not in names:
                problems.append(f"{key} names table {name}, which the metadata does not have")
    for spec in specs():
        for column in spec.table.columns:
            if _kind(column) is None:
                problems.append(f"{spec.name}.{column.name}: type {column.type} is not supported by the transfer")
        if spec.pk is None and not (len(spec.table.primary_key.columns) == 1
                                    and next(iter(spec.table.primary_key.columns)).name in spec.fks):
            problems.append(f"{spec.name}: needs one integer primary key (or a primary key that is a foreign key)")
        if spec.owner is None and spec.name not in ("contest", "user"):
            problems.append(f"{spec.name}: no foreign key ties its rows to the contest")
        if any(len(fk.constraint.columns) > 1 for fk in spec.table.foreign_keys):
            problems.append(f"{spec.name}: composite foreign keys are not supported")
    return problems


# ---------------------------------------------------------------- values


def _kind(column: Column) -> str | None:
    t = column.type
    for kind, cls in (("bool", types.Boolean), ("int", types.Integer), ("decimal", types.Numeric),
                      ("datetime", types.DateTime), ("date", types.Date), ("bytes", types.LargeBinary),
                      ("str", types.String)):
        if isinstance(t, cls):
            return kind
    return None


def _encode(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "decimal":
        return str(value)
    if kind in ("datetime", "date"):
        return value.isoformat()
    if kind == "bytes":
        return base64.b64encode(value).decode("ascii")
    return value


def _decode(column: Column, kind: str, value: Any) -> Any:
    """A JSON value back to Python; raises ValueError with a short Chinese reason."""
    if value is None:
        if not column.nullable:
            raise ValueError("不能为空")
        return None
    if kind == "bool":
        if type(value) is not bool:
            raise ValueError("应为 true/false")
        return value
    if kind == "int":
        if type(value) is not int:
            raise ValueError("应为整数")
        return value
    if not isinstance(value, str):
        raise ValueError("应为字符串")
    try:
        if kind == "decimal":
            number = Decimal(value)
            if not number.is_finite():
                raise InvalidOperation
            return number
        if kind == "datetime":
            return datetime.fromisoformat(value)
        if kind == "date":
            return date.fromisoformat(value)
        if kind == "bytes":
            return base64.b64decode(value, validate=True)
    except (InvalidOperation, ValueError):
        raise ValueError(f"无法识别的值 {value[:40]!r}") from None
    length = getattr(column.type, "length", None)
    if length is not None and len(value) > length:
        raise ValueError(f"超过 {length} 个字符")
    return value


# ---------------------------------------------------------------- ids written inside text columns


def _current_key(value: str | None, ref: Callable[[str, int], int]) -> str | None:
    """``award:reg:12`` / ``participation:reg:12`` / ``judge:<user>:<event>`` (see certificates.services)."""
    if value is None:
        return None
    parts = value.split(":")
    if len(parts) == 3 and parts[1] == "reg" and parts[2].isdigit():
        return f"{parts[0]}:reg:{ref('registration', int(parts[2]))}"
    if len(parts) == 3 and parts[0] == "judge" and parts[1].isdigit() and parts[2].isdigit():
        return f"judge:{ref('user', int(parts[1]))}:{ref('event', int(parts[2]))}"
    raise ValueError(f"无法识别的证书标识 {value[:40]!r}")


def _registration_list(value: str | None, ref: Callable[[str, int], int]) -> str | None:
    """A JSON list of registration ids; only the numbers change, the text around them stays as it was."""
    if value is None:
        return None
    items = json.loads(value)
    if not isinstance(items, list) or not all(str(i).isdigit() for i in items):
        raise ValueError(f"应为报名编号的列表：{value[:40]!r}")
    return re.sub(r"\d+", lambda m: str(ref("registration", int(m.group()))), value)


#: Text columns holding ids of other rows: remapped like foreign keys.
EMBEDDED_IDS: dict[tuple[str, str], Callable[[str | None, Callable[[str, int], int]], str | None]] = {
    ("issued_certificate", "current_key"): _current_key,
    ("tie_decision", "order_json"): _registration_list,
}


# ---------------------------------------------------------------- export


def _chunks(values: Iterable, size: int = CHUNK):
    values = list(values)
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _select_in(table: Table, column: str, ids: Iterable) -> list[dict[str, Any]]:
    rows = []
    for chunk in _chunks(sorted(set(ids))):
        rows.extend(r._asdict() for r in db.session.execute(select(table).where(table.c[column].in_(chunk))))
    return rows


def _contest_row(code: str):
    from contests.models import Contest

    contest = db.session.scalar(select(Contest).where(Contest.code == code))
    if contest is None:
        raise TransferRefused(f"没有代码为 {code} 的比赛。")
    return contest


def export_contest(code: str) -> dict[str, Any]:
    """The whole contest as a JSON-ready dict (format ``saiwu-contest`` version 1). Reads only, from one snapshot:
    SQLite's read transaction is one; PostgreSQL's default (READ COMMITTED) is not, so a transaction the export
    starts is REPEATABLE READ."""
    if db.engine.dialect.name == "postgresql" and not db.session().in_transaction():
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    contest = _contest_row(code)
    all_specs = specs()
    by_name = {s.name: s for s in all_specs}
    rows: dict[str, list[dict[str, Any]]] = {"contest": _select_in(by_name["contest"].table, "id", [contest.id])}

    def ids(name: str) -> set:
        spec = by_name[name]
        key = spec.pk or spec.owner
        return {r[key] for r in rows.get(name, [])}

    # 1. Everything reachable from the contest through foreign keys other than accounts.
    user_owned = [s for s in all_specs if s.owner and s.fks[s.owner] == "user"]
    for spec in all_specs:
        if spec.name in ("contest", "user") or spec in user_owned:
            continue
        rows[spec.name] = _select_in(spec.table, spec.owner, ids(spec.fks[spec.owner]))
    # 2. Accounts: scoped to the contest or its delegations, then unscoped ones the rows refer to.
    user = by_name["user"].table
    scoped = or_(user.c.contest_id == contest.id, user.c.delegation_id.in_(select(
        by_name["delegation"].table.c.id).where(by_name["delegation"].table.c.contest_id == contest.id)))
    rows["user"] = [r._asdict() for r in db.session.execute(select(user).where(scoped))]
    external: set[int] = set()
    _add_referenced_users(rows, by_name, [s for s in all_specs if s.name != "user"], external)
    for spec in user_owned:
        rows[spec.name] = _select_in(spec.table, spec.owner, ids("user"))
    _add_referenced_users(rows, by_name, user_owned, external)

    # 3. Dense export ids, in the order of the source's ids.
    export_ids: dict[str, dict[Any, int]] = {}
    for spec in all_specs:
        rows[spec.name].sort(key=lambda r, k=(spec.pk or spec.owner): r[k])
        if spec.pk:
            export_ids[spec.name] = {r[spec.pk]: i for i, r in enumerate(rows[spec.name], 1)}
    external_users = _external_users(external, len(export_ids["user"]))
    export_ids["user"].update({source_id: e["id"] for source_id, e in external_users.items()})

    problems: list[str] = []

    def ref(table: str, source_id: int) -> int:
        try:
            return export_ids[table][source_id]
        except KeyError:
            raise ValueError(f"指向不属于本比赛的 {table} {source_id}") from None

    tables = {}
    for spec in all_specs:
        tables[spec.name] = _encode_table(spec, rows[spec.name], ref, problems)
    if problems:
        raise TransferRefused(problems[:20])

    doc = {
        "format": FORMAT,
        "version": VERSION,
        "contest": contest.code,
        "source": {},
        "tables": tables,
        "external_users": sorted(({"id": e["id"], "username": e["username"]} for e in external_users.values()),
                                 key=lambda e: e["id"]),
        "serial_counters": _export_counters(contest.code),
        "links": {"result_forwarding": _export_links(contest)},
        "audit": {},
        "files": _export_files(rows),
    }
    audit_rows, positions = _export_audit({n: {r[by_name[n].pk] for r in rows[n]} for n in export_ids if
                                           by_name[n].pk}, export_ids)
    doc["audit"] = {"columns": list(AUDIT_FIELDS), "rows": audit_rows}
    doc["source"] = _source_header(positions)
    return doc


def _add_referenced_users(rows, by_name, among: list[Spec], external: set[int]) -> None:
    """Unscoped accounts (no contest, no delegation) that rows of the contest refer to travel with it; accounts
    scoped to another contest are referred to by username only (``external_users``)."""
    have = {r["id"] for r in rows["user"]}
    wanted = set()
    for spec in among:
        for column, target in spec.fks.items():
            if target == "user":
                wanted.update(r[column] for r in rows.get(spec.name, []) if r[column] is not None)
    wanted -= have | external
    if not wanted:
        return
    user = by_name["user"].table
    for r in _select_in(user, "id", wanted):
        if r["contest_id"] is None and r["delegation_id"] is None:
            rows["user"].append(r)
        else:
            external.add(r["id"])
    rows["user"].sort(key=lambda r: r["id"])


def _external_users(external: set[int], after: int) -> dict[int, dict[str, Any]]:
    from app.models import User

    found = db.session.execute(select(User.id, User.username).where(User.id.in_(external))).all()
    names = dict(found)
    return {uid: {"id": after + i, "username": names[uid]} for i, uid in enumerate(sorted(external), 1)}


def _encode_table(spec: Spec, rows: list[dict[str, Any]], ref, problems: list[str]) -> dict[str, Any]:
    columns = spec.table.columns
    kinds = {c.name: _kind(c) for c in columns}
    out = []
    for r in rows:
        values = []
        for c in columns:
            value = r[c.name]
            try:
                if c.name == spec.pk:
                    value = ref(spec.name, value)
                elif c.name in spec.fks and value is not None:
                    value = ref(spec.fks[c.name], value)
                elif (spec.name, c.name) in EMBEDDED_IDS:
                    value = EMBEDDED_IDS[(spec.name, c.name)](value, ref)
            except ValueError as err:
                problems.append(f"表 {spec.name} 的记录 {r.get(spec.pk or spec.owner)} 的 {c.name}：{err}")
            values.append(_encode(kinds[c.name], value))
        out.append(values)
    return {"columns": [c.name for c in columns], "rows": out}


def _export_counters(code: str) -> list[dict[str, Any]]:
    from certificates.models import SerialCounter

    out = []
    for key, last in db.session.execute(select(SerialCounter.key, SerialCounter.last).order_by(SerialCounter.key)):
        try:
            fields = json.loads(key)[1]
        except (ValueError, TypeError, IndexError, KeyError):
            continue  # a hashed key (patterns too long to keep): see the docs
        if isinstance(fields, dict) and fields.get("contest") == code:
            out.append({"key": key, "last": last})
    return out


def _natural(registration_id: int) -> dict[str, str] | None:
    from contests.models import Contest, Event, Registration

    row = db.session.execute(select(Contest.code, Event.code, Registration.id_number)
                             .join(Event, Event.id == Registration.event_id)
                             .join(Contest, Contest.id == Registration.contest_id)
                             .where(Registration.id == registration_id)).one_or_none()
    return None if row is None else {"contest": row[0], "event": row[1], "id_number": row[2]}


def _export_links(contest) -> list[dict[str, Any]]:
    from app.models import User
    from contests.models import Registration
    from scoring.results_models import Forwarding

    mine = select(Registration.id).where(Registration.contest_id == contest.id)
    out = []
    for f in db.session.scalars(select(Forwarding).where(or_(Forwarding.from_registration_id.in_(mine),
                                                             Forwarding.to_registration_id.in_(mine)))
                                .order_by(Forwarding.id)):
        out.append({"from": _natural(f.from_registration_id), "to": _natural(f.to_registration_id),
                    "by": db.session.scalar(select(User.username).where(User.id == f.by_id)),
                    "at": f.at.isoformat()})
    return out


def _export_files(rows: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    from contests import uploads

    folder = current_app.config["UPLOAD_FOLDER"]
    names = sorted({r[c] for table, columns in FILE_COLUMNS.items() for r in rows.get(table, [])
                    for c in columns if r[c]})
    out = []
    for name in names:
        path = uploads.resolve(folder, name)
        if path is None:
            out.append({"name": name, "missing": True})
            continue
        data = path.read_bytes()
        out.append({"name": name, "sha256": hashlib.sha256(data).hexdigest(),
                    "base64": base64.b64encode(data).decode("ascii")})
    return out


def _export_audit(source_ids: dict[str, set], export_ids: dict[str, dict[Any, int]]):
    """The contest's audit entries in chain order: by one of its accounts, or about one of its rows."""
    from app.audit import AuditEntry

    class_tables = _class_tables()
    users = source_ids["user"]
    external_users = export_ids["user"]
    rows, positions = [], []
    chain_order = (AuditEntry.seq.is_(None), AuditEntry.seq, AuditEntry.id)  # then any still waiting to be sealed
    for e in db.session.scalars(select(AuditEntry).order_by(*chain_order)).yield_per(2000):
        if e.action in TRANSFER_ACTIONS:
            continue
        table = class_tables.get(e.object_type)
        about = (table in source_ids and e.object_id.isdigit() and int(e.object_id) in source_ids[table])
        if not about and e.user_id not in users:
            continue
        object_id: int | str = export_ids[table][int(e.object_id)] if about else e.object_id
        user_id = external_users.get(e.user_id) if e.user_id is not None else None
        rows.append([e.at.isoformat(), user_id, e.username, e.role, e.action, e.object_type, object_id, e.before,
                     e.after, e.ip])
        positions.append([e.seq, e.hash])
    return rows, positions


def _source_header(positions: list[list]) -> dict[str, Any]:
    from app.audit import AuditHead
    from app.timeutil import utcnow

    try:
        with db.session.begin_nested():
            revision = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    except Exception:  # noqa: BLE001 — a database made without migrations has no such table
        revision = None
    head = db.session.get(AuditHead, 1)
    return {
        "database": db.engine.dialect.name,
        "schema_revision": revision,
        "exported_at": utcnow().isoformat(),
        "audit_head": {"seq": head.seq, "last_hash": head.last_hash} if head else None,
        "audit_positions": positions,
    }


def digest(doc: dict[str, Any]) -> str:
    """SHA-256 of the document without its ``source`` header, canonically serialised: the same for an export
    and the export of its import."""
    body = {k: v for k, v in doc.items() if k != "source"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
                          .encode()).hexdigest()


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


# ---------------------------------------------------------------- import


@dataclass
class ImportResult:
    contest: Any
    rows: dict[str, int] = field(default_factory=dict)
    audit_entries: int = 0
    files_written: int = 0
    warnings: list[str] = field(default_factory=list)


def import_contest(data: dict[str, Any], *, link_existing_users: bool = False,
                   result: ImportResult | None = None):
    """Write the document's contest into this database with new ids; returns the new Contest.

    Checks everything before writing anything; raises :class:`TransferRefused`. Never commits: the caller
    commits once, or rolls back. ``link_existing_users``: an account whose username exists here already is
    linked to that account (only unscoped accounts of the same role, such as self-registered contestants)
    instead of refusing the import. ``result`` (optional) receives counts and warnings.
    """
    from contests.models import Contest

    result = result if result is not None else ImportResult(None)
    all_specs = specs()
    decoded = _read_document(data, all_specs)
    plan = _Plan(data, all_specs, decoded, link_existing_users, result)
    plan.check_target()
    plan.write()
    contest = db.session.get(Contest, plan.new_ids["contest"][decoded["contest"][0]["id"]])
    result.contest = contest
    return contest


def _read_document(data: Any, all_specs: list[Spec]) -> dict[str, list[dict[str, Any]]]:
    """Format, version, keys, schema and every value; returns each table's rows as dicts (export ids)."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise TransferRefused(f"这不是赛务比赛导出文件（缺少 \"format\": \"{FORMAT}\"）。")
    if data.get("version") != VERSION:
        raise TransferRefused(f"不支持的导出文件版本 {data.get('version')!r}：本系统只能导入第 {VERSION} 版。")
    missing = [k for k in TOP_KEYS if k not in data]
    if missing:
        raise TransferRefused(f"导出文件不完整，缺少：{'、'.join(missing)}。")
    tables = data["tables"]
    if not isinstance(tables, dict):
        raise TransferRefused("导出文件的 tables 应为对象。")
    expected = [s.name for s in all_specs]
    problems = []
    if set(tables) != set(expected):
        extra, absent = sorted(set(tables) - set(expected)), sorted(set(expected) - set(tables))
        problems.append("导出文件的表与本系统的数据库结构不一致"
                        + (f"；多出：{'、'.join(extra)}" if extra else "")
                        + (f"；缺少：{'、'.join(absent)}" if absent else "")
                        + "。请把两边升级到同一版本后再导出、导入。")
        raise TransferRefused(problems)
    decoded: dict[str, list[dict[str, Any]]] = {}
    for spec in all_specs:
        block = tables[spec.name]
        if not isinstance(block, dict) or not isinstance(block.get("rows"), list):
            raise TransferRefused(f"导出文件中表 {spec.name} 的格式不正确（应有 columns 和 rows）。")
        if block.get("columns") != spec.columns:
            raise TransferRefused(f"导出文件中表 {spec.name} 的列与本系统不一致（文件：{block.get('columns')}；"
                                  f"本系统：{spec.columns}）。请把两边升级到同一版本后再导出、导入。")
        kinds = [(c, _kind(c)) for c in spec.table.columns]
        out = []
        for n, row in enumerate(block["rows"], 1):
            if not isinstance(row, list) or len(row) != len(kinds):
                problems.append(f"表 {spec.name} 第 {n} 行的列数不对")
                continue
            values = {}
            for (column, kind), value in zip(kinds, row, strict=True):
                try:
                    values[column.name] = _decode(column, kind, value)
                except ValueError as err:
                    problems.append(f"表 {spec.name} 第 {n} 行的 {column.name}：{err}")
            out.append(values)
        decoded[spec.name] = out
        if len(problems) > 20:
            break
    if problems:
        raise TransferRefused(problems[:20])
    if len(decoded["contest"]) != 1 or decoded["contest"][0]["code"] != data["contest"]:
        raise TransferRefused("导出文件应恰好包含一项比赛，且其代码与文件的 contest 一致。")
    return decoded


class _Plan:
    """The import: export ids → new ids, the checks against this database, then the writes."""

    def __init__(self, data, all_specs, decoded, link_existing_users: bool, result: ImportResult):
        self.data, self.specs, self.rows, self.result = data, all_specs, decoded, result
        self.by_name = {s.name: s for s in all_specs}
        self.link = link_existing_users
        self.problems: list[str] = []
        self._check_references()
        self.external = self._external_users()

    # -- checks inside the document

    def _check_references(self) -> None:
        have = {s.name: {r[s.pk] for r in self.rows[s.name]} for s in self.specs if s.pk}
        for spec in self.specs:
            if spec.pk and len(have[spec.name]) != len(self.rows[spec.name]):
                self.problems.append(f"表 {spec.name} 的编号有重复")
        try:
            externals = {int(e["id"]): str(e["username"]) for e in self.data["external_users"]}
        except (TypeError, KeyError, ValueError):
            raise TransferRefused("导出文件的 external_users 格式不正确。") from None
        if externals.keys() & have["user"]:
            raise TransferRefused("导出文件的 external_users 与 user 表的编号重复。")
        self.external_names = externals
        have["user"] = have["user"] | externals.keys()
        for spec in self.specs:
            for n, row in enumerate(self.rows[spec.name], 1):
                for column, target in spec.fks.items():
                    value = row[column]
                    if value is not None and value not in have[target]:
                        self.problems.append(
                            f"表 {spec.name} 第 {n} 行的 {column}={value} 在文件中找不到对应的 {target}")
                for (table, column), fn in EMBEDDED_IDS.items():
                    if table == spec.name:
                        try:
                            fn(row[column], lambda t, v: v if v in have[t] else _missing(t, v))
                        except ValueError as err:
                            self.problems.append(f"表 {spec.name} 第 {n} 行的 {column}：{err}")
                if len(self.problems) > 20:
                    break
        self._fail()
        self.have = have

    def _fail(self) -> None:
        if self.problems:
            raise TransferRefused(self.problems[:20])

    def _external_users(self) -> dict[int, int | None]:
        """External references → accounts of this database (None: not here; only for nullable columns)."""
        from app.models import User

        names = self.external_names
        query = select(User.username, User.id).where(User.username.in_(list(names.values())))
        found = dict(db.session.execute(query).all())
        out = {eid: found.get(name) for eid, name in names.items()}
        absent = {eid for eid, uid in out.items() if uid is None}
        if absent:
            for spec in self.specs:
                for column, target in spec.fks.items():
                    if target != "user":
                        continue
                    used = {r[column] for r in self.rows[spec.name]} & absent
                    if used and not spec.table.c[column].nullable:
                        self.problems.append(f"表 {spec.name} 的 {column} 指向本数据库中没有的账号："
                                             + "、".join(names[e] for e in sorted(used)))
            self._fail()
            self.result.warnings.append("以下账号属于其他比赛，本数据库中没有，引用它们的记录中该项已置空："
                                        + "、".join(names[e] for e in sorted(absent)))
        return out

    # -- checks against this database

    def check_target(self) -> None:
        from app.models import User
        from contests.models import Contest

        code = self.data["contest"]
        existing = db.session.scalar(select(Contest.name).where(Contest.code == code))
        if existing is not None:
            raise TransferRefused(f"本数据库已有代码为 {code} 的比赛（{existing}），未导入。"
                                  "如确需重新导入，请先在目标数据库中处理该比赛。")
        self.linked: dict[int, int] = {}  # export user id → existing account
        names = {r["username"]: r for r in self.rows["user"]}
        clash = []
        for chunk in _chunks(names):
            for account in db.session.scalars(select(User).where(User.username.in_(chunk))):
                row = names[account.username]
                if (self.link and account.contest_id is None and account.delegation_id is None
                        and row["contest_id"] is None and row["delegation_id"] is None and account.role == row["role"]):
                    self.linked[row["id"]] = account.id
                else:
                    clash.append(account.username)
        if clash:
            hint = "" if self.link else "（自行注册的选手账号可用 --link-existing-users 关联到已有账号）"
            raise TransferRefused(f"以下用户名在本数据库中已被使用，未导入{hint}：{'、'.join(sorted(clash))}")
        if self.linked:
            self.result.warnings.append(f"{len(self.linked)} 个账号已关联到本数据库中同名的已有账号（未改动其密码）。")
        self._assign_ids()
        self._check_unique_values()
        self._check_files()
        self._check_sections()

    def _assign_ids(self) -> None:
        self.new_ids: dict[str, dict[int, int]] = {}
        self.bases: dict[str, int] = {}
        for spec in self.specs:
            if not spec.pk:
                continue
            base = _next_id(spec.table, spec.pk)
            self.bases[spec.name] = base
            ids = {}
            n = 0
            for row in self.rows[spec.name]:
                export_id = row[spec.pk]
                if spec.name == "user" and export_id in self.linked:
                    ids[export_id] = self.linked[export_id]
                    continue
                ids[export_id] = base + n
                n += 1
            self.new_ids[spec.name] = ids
        self.new_ids["user"].update(self.external)

    def ref(self, table: str, export_id: int) -> int | None:
        return self.new_ids[table][export_id]

    def _check_unique_values(self) -> None:
        """Values that must be unique in the whole database (serials, idempotency keys, …) must not be here yet."""
        clashes = []
        for spec in self.specs:
            for column in _globally_unique(spec):
                if spec.name == "user" and column == "username" or spec.name == "contest" and column == "code":
                    continue  # checked above, with their own messages
                values = {self._value(spec, r, column) for r in self._inserted(spec)} - {None}
                t = spec.table
                for chunk in _chunks(values):
                    found = db.session.scalars(select(t.c[column]).where(t.c[column].in_(chunk))).all()
                    clashes.extend(f"{spec.name}.{column} = {v}" for v in found)
        if clashes:
            raise TransferRefused(["以下数据与本数据库中已有的记录重复（应全库唯一），未导入：", *sorted(clashes)[:20]])

    def _inserted(self, spec: Spec) -> list[dict[str, Any]]:
        if spec.name == "user":
            return [r for r in self.rows["user"] if r["id"] not in self.linked]
        return self.rows[spec.name]

    def _value(self, spec: Spec, row: dict[str, Any], column: str) -> Any:
        value = row[column]
        if column == spec.pk:
            return self.ref(spec.name, value)
        if column in spec.fks:
            return None if value is None else self.ref(spec.fks[column], value)
        if (spec.name, column) in EMBEDDED_IDS:
            return EMBEDDED_IDS[(spec.name, column)](value, self.ref)
        return value

    def _check_files(self) -> None:
        folder = Path(current_app.config["UPLOAD_FOLDER"]).resolve()
        self.files: list[tuple[Path, bytes]] = []
        problems = []
        files = self.data["files"]
        if not isinstance(files, list):
            raise TransferRefused("导出文件的 files 应为列表。")
        for item in files:
            name = item.get("name") if isinstance(item, dict) else None
            pure = PurePosixPath(name) if isinstance(name, str) else None
            if pure is None or pure.is_absolute() or ".." in pure.parts or not pure.parts:
                problems.append(f"文件名不安全：{name!r}")
                continue
            if item.get("missing"):
                self.result.warnings.append(f"源数据库中就缺少的文件，未能带过来：{name}")
                continue
            try:
                data = base64.b64decode(item["base64"], validate=True)
            except (KeyError, TypeError, ValueError):
                problems.append(f"文件 {name} 的内容不是有效的 base64")
                continue
            if hashlib.sha256(data).hexdigest() != item.get("sha256"):
                problems.append(f"文件 {name} 的内容与其 sha256 不符（文件已损坏）")
                continue
            path = folder / pure
            if path.exists() and path.read_bytes() != data:
                problems.append(f"上传目录中已有同名但内容不同的文件：{name}")
                continue
            self.files.append((path, data))
        if problems:
            raise TransferRefused(problems[:20])

    # -- writing

    def write(self) -> None:
        from sqlalchemy.exc import IntegrityError

        try:
            self._write_rows()
            self._write_counters()
            self._write_links()
            self._write_audit()
            db.session.flush()
        except IntegrityError as err:
            raise TransferRefused(f"数据库拒绝了导入的数据（未写入任何内容）：{err.orig}") from None
        for path, data in self.files:  # last: a refusal above leaves no file behind
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
                self.result.files_written += 1

    def _write_rows(self) -> None:
        connection = db.session.connection()
        for spec in self.specs:
            later = [c for c, t in spec.fks.items() if t == spec.name]  # self-references: set after the insert
            rows = []
            for row in self._inserted(spec):
                values = {c: self._value(spec, row, c) for c in spec.columns}
                rows.append(values)
            if not rows:
                self.result.rows[spec.name] = 0
                continue
            connection.execute(spec.table.insert(), [{**r, **dict.fromkeys(later)} for r in rows])
            for column in later:
                pending = [{"k": r[spec.pk], "v": r[column]} for r in rows if r[column] is not None]
                if pending:
                    connection.execute(update(spec.table).where(spec.table.c[spec.pk] == _bind("k"))
                                       .values({column: _bind("v")}), pending)
            self.result.rows[spec.name] = len(rows)
            if spec.pk and connection.dialect.name == "postgresql":
                _advance_sequence(spec.table, spec.pk)

    def _check_sections(self) -> None:
        """The sections besides the tables, read completely before anything is written."""
        counters = self.data["serial_counters"]
        if not isinstance(counters, list) or not all(
                isinstance(c, dict) and isinstance(c.get("key"), str) and type(c.get("last")) is int for c in counters):
            raise TransferRefused("导出文件的 serial_counters 格式不正确（应为 {key, last} 的列表）。")
        self.counters = [(c["key"], c["last"]) for c in counters]
        links = self.data["links"]
        if not isinstance(links, dict) or not isinstance(links.get("result_forwarding", []), list):
            raise TransferRefused("导出文件的 links 格式不正确。")
        self.links = []
        for link in links.get("result_forwarding", []):
            try:
                self.links.append((link["from"], link["to"], str(link["by"]), datetime.fromisoformat(link["at"])))
            except (KeyError, TypeError, ValueError):
                raise TransferRefused(f"导出文件的推荐记录格式不正确：{str(link)[:80]}") from None
        block = self.data["audit"]
        if not isinstance(block, dict) or block.get("columns") != list(AUDIT_FIELDS) \
                or not isinstance(block.get("rows"), list):
            raise TransferRefused("导出文件的 audit 格式不正确。")
        class_tables = _class_tables()
        self.entries = []
        for n, row in enumerate(block["rows"], 1):
            try:
                values = dict(zip(AUDIT_FIELDS, row, strict=True))
                values["at"] = datetime.fromisoformat(values["at"])
                if values["user_id"] is not None:
                    values["user_id"] = self.ref("user", values["user_id"])
                if type(values["object_id"]) is int:
                    values["object_id"] = str(self.ref(class_tables[values["object_type"]], values["object_id"]))
                for k in ("username", "role", "action", "object_type", "object_id", "before", "after", "ip"):
                    if not isinstance(values[k], str):
                        raise ValueError(f"{k} 应为字符串")
            except (ValueError, KeyError, TypeError) as err:
                raise TransferRefused(
                    f"导出文件的审计记录第 {n} 条格式不正确或指向文件中没有的记录（{err}）。") from None
            self.entries.append(values)

    def _write_counters(self) -> None:
        from certificates.models import SerialCounter

        for key, last in self.counters:
            row = db.session.get(SerialCounter, key)
            if row is None:
                db.session.add(SerialCounter(key=key, last=last))
            else:
                row.last = max(row.last, last)  # counters only go up: a number is never handed out twice
        db.session.flush()

    def _write_links(self) -> None:
        from app.models import User
        from scoring.results_models import Forwarding

        for origin, target, by_name, at in self.links:
            ends = [_find_registration(origin), _find_registration(target)]
            by = db.session.scalar(select(User.id).where(User.username == by_name))
            if None in ends or by is None:
                self.result.warnings.append(f"推荐记录 {_show(origin)} → {_show(target)} 的另一端不在本数据库中，"
                                            "未导入（导入另一项比赛时会补上）。")
                continue
            to_contest = _registration_contest(ends[1])
            exists = db.session.scalar(select(Forwarding.id).where(Forwarding.from_registration_id == ends[0],
                                                                   Forwarding.to_contest_id == to_contest))
            if exists is None:
                db.session.add(Forwarding(from_registration_id=ends[0], to_contest_id=to_contest,
                                          to_registration_id=ends[1], by_id=by, at=at))
        db.session.flush()

    def _write_audit(self) -> None:
        from app import audit

        entries = self.entries
        first, last = _append_chain(entries) if entries else (None, None)
        self.result.audit_entries = len(entries)
        source = self.data.get("source") or {}
        contest_id = self.new_ids["contest"][self.rows["contest"][0]["id"]]
        audit.record("contest_imported", object_type="Contest", object_id=contest_id, after={
            "code": self.data["contest"],
            "digest": digest(self.data),
            "source": {k: source.get(k) for k in ("database", "schema_revision", "exported_at", "audit_head")}
            if isinstance(source, dict) else None,
            "copied_audit_entries": {"count": len(entries), "first_seq": first, "last_seq": last},
            "rows": self.result.rows,
            "files": len(self.files),
        })


def _show(key: Any) -> str:
    if not isinstance(key, dict):
        return str(key)
    return f"{key.get('contest')} {key.get('event')} 身份证号 {key.get('id_number')}"


def _missing(table: str, value: int) -> int:
    raise ValueError(f"{value} 在文件中找不到对应的 {table}")


def _bind(name: str):
    from sqlalchemy import bindparam

    return bindparam(name)


def _globally_unique(spec: Spec) -> list[str]:
    """Single columns that are unique across the whole table and are not keys remapped on import."""
    out = []
    singles = [list(c.columns) for c in spec.table.constraints if isinstance(c, UniqueConstraint)]
    singles += [list(i.columns) for i in spec.table.indexes if i.unique]
    singles += [[c] for c in spec.table.columns if c.unique]
    for cols in singles:
        if len(cols) == 1 and cols[0].name not in spec.fks and cols[0].name != spec.pk and cols[0].name not in out:
            out.append(cols[0].name)
    return out


def _next_id(table: Table, pk: str) -> int:
    highest = db.session.scalar(select(func.max(table.c[pk]))) or 0
    if db.session.connection().dialect.name == "postgresql":
        seq = db.session.scalar(text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": f'"{table.name}"', "c": pk})
        if seq:
            highest = max(highest, db.session.scalar(text(f"SELECT last_value FROM {seq}")) or 0)  # noqa: S608
    return highest + 1


def _advance_sequence(table: Table, pk: str) -> None:
    """PostgreSQL: the ids were given explicitly, so move the table's sequence past them."""
    seq = db.session.scalar(text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": f'"{table.name}"', "c": pk})
    if seq:
        highest = db.session.scalar(select(func.max(table.c[pk])))
        current = db.session.scalar(text(f"SELECT last_value FROM {seq}"))  # noqa: S608 — a name from PostgreSQL
        db.session.execute(text("SELECT setval(CAST(:s AS regclass), :n)"), {"s": seq, "n": max(highest, current)})


def _find_registration(key: Any) -> int | None:
    from contests.models import Contest, Event, Registration

    if not isinstance(key, dict):
        return None
    return db.session.scalar(select(Registration.id).join(Event, Event.id == Registration.event_id)
                             .join(Contest, Contest.id == Registration.contest_id)
                             .where(and_(Contest.code == key.get("contest"), Event.code == key.get("event"),
                                         Registration.id_number == key.get("id_number"))))


def _registration_contest(registration_id: int) -> int:
    from contests.models import Registration

    return db.session.scalar(select(Registration.contest_id).where(Registration.id == registration_id))


def _append_chain(entries: list[dict[str, Any]]) -> tuple[int, int]:
    """Append the entries to this database's audit chain, in order, exactly as committed entries are."""
    from app.audit import AuditEntry, append

    return append([AuditEntry(**values) for values in entries], db.session.connection())


# ---------------------------------------------------------------- command line

contest_cli = AppGroup("contest", help="整项比赛的导出与导入（迁移到另一个数据库）")


@contest_cli.command("export")
@click.argument("code")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="写入此文件（默认：标准输出）")
def export_command(code: str, out: Path | None):
    """导出一项比赛的全部数据（JSON，含账号、评分各版本、成绩、证书、审计记录和上传的文件）。"""
    from app import audit

    audit.seal()  # the contest's entries travel with their place in the chain
    db.session.commit()
    try:
        doc = export_contest(code)
    except TransferRefused as err:
        click.echo(f"导出失败：{err}", err=True)
        raise SystemExit(1) from None
    finally:
        db.session.rollback()  # end the read snapshot; the audit entry below is written in a fresh transaction
    data = dumps(doc).encode()
    if out is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data + b"\n")  # bytes: UTF-8 whatever the terminal's locale
        sys.stdout.buffer.flush()
    else:
        out.write_bytes(data + b"\n")
    contest = _contest_row(code)
    audit.record("contest_exported", contest, after={"code": code, "digest": digest(doc), "bytes": len(data),
                                                     "rows": {k: len(v["rows"]) for k, v in doc["tables"].items()}})
    db.session.commit()
    if out is not None:
        click.echo(f"已导出 {code} 到 {out}（{len(data) / 1e6:.1f} MB）。", err=True)
    for item in doc["files"]:
        if item.get("missing"):
            click.echo(f"注意：上传目录中缺少文件 {item['name']}，导出文件中只记下了它的名字。", err=True)


@contest_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--link-existing-users", is_flag=True,
              help="用户名已存在时，关联到已有账号（仅限不属于任何比赛、角色相同的账号，如自行注册的选手）")
def import_command(file: Path, link_existing_users: bool):
    """导入 flask contest export 导出的比赛：全部成功才写入，否则什么也不写。"""
    try:
        data = json.loads(file.read_bytes())
    except (ValueError, UnicodeDecodeError) as err:
        click.echo(f"导入失败：文件不是有效的 JSON（{err}）。", err=True)
        raise SystemExit(1) from None
    result = ImportResult(None)
    try:
        contest = import_contest(data, link_existing_users=link_existing_users, result=result)
        db.session.commit()
    except TransferRefused as err:
        db.session.rollback()
        click.echo("导入失败，未写入任何内容：" + "\n  ".join(err.problems), err=True)
        raise SystemExit(1) from None
    except Exception:
        db.session.rollback()
        raise
    for warning in result.warnings:
        click.echo(f"注意：{warning}", err=True)
    total = sum(result.rows.values())
    click.echo(f"已导入比赛 {contest.code}（{contest.name}）：{total} 行数据，{result.audit_entries} 条审计记录，"
               f"{result.files_written} 个文件。")


def register_transfer_cli(app: Flask) -> None:
    app.cli.add_command(contest_cli)
