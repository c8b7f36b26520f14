"""Representative rows for any table, read from the database's own schema.

The migration data test fills every table as soon as a revision creates it, so a migration
written later is covered without anyone listing its tables. Values follow the column types and
the constraints the schema declares:

- a foreign key takes the referenced value of an existing row (row i points at parent row i),
  or NULL when the parent has no rows yet and the column allows it (cycles, self references);
- a string column named in a CHECK with quoted literals (`urgency IN ('urgent', ...)`) takes
  one of them; other strings are short, distinct per row;
- integers are small (1, 2, ...), and dates, times and timestamps grow with the column's
  position, so checks like `ends > starts` or `ends_on >= starts_on` hold for any table that
  declares its start before its end.

A column these rules cannot fill is reported by table and column name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import MetaData, Table, and_, inspect, select
from sqlalchemy.engine import Connection

ROWS_PER_TABLE = 2
SKIP = {"alembic_version"}
BASE_AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
BASE_ON = date(2026, 3, 1)
LITERAL_RE = re.compile(r"'((?:[^']|'')*)'")


class CannotFill(AssertionError):
    pass


@dataclass
class Ledger:
    """Every row the test wrote, as read back: table -> list of {column: value}."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    keys: dict[str, list[str]] = field(default_factory=dict)

    def forget(self, tables: set[str]) -> None:
        for name in tables:
            self.rows.pop(name, None)
            self.keys.pop(name, None)


def reflect(conn: Connection) -> MetaData:
    metadata = MetaData()
    metadata.reflect(bind=conn)
    return metadata


def _check_literals(conn: Connection, table: Table) -> dict[str, list[str]]:
    """Column -> the quoted literals of CHECK constraints that name it."""
    found: dict[str, list[str]] = {}
    for check in inspect(conn).get_check_constraints(table.name):
        text = check.get("sqltext") or ""
        literals = [m.replace("''", "'") for m in LITERAL_RE.findall(text)]
        if not literals:
            continue
        for column in table.columns:
            if re.search(rf"\b{re.escape(column.name)}\b", text):
                found.setdefault(column.name, literals)
    return found


def _plain_value(conn: Connection, column: Any, i: int, j: int, literals: list[str] | None) -> Any:
    try:
        kind = column.type.python_type
    except NotImplementedError as err:
        raise CannotFill(f"{column.table.name}.{column.name}: unknown type {column.type}") from err
    if kind is bool:
        return i % 2 == 0
    if kind is int:
        return i + 1
    if kind is str:
        if literals:
            return literals[i % len(literals)]
        length = getattr(column.type, "length", None) or 40
        return f"{column.name[:8]}-{i}-r"[:length]
    if kind is datetime:
        value = BASE_AT + timedelta(days=i, hours=j)
        return value if conn.dialect.name == "postgresql" else value.replace(tzinfo=None)
    if kind is date:
        return BASE_ON + timedelta(days=10 * i + j)
    if kind is time:
        return time((1 + j) % 24, i % 60)
    if kind in (float, Decimal):
        return kind(i) + kind("1.5")
    if kind is bytes:
        return f"b{i}".encode()
    if kind in (dict, list):
        return {"row": i}
    raise CannotFill(f"{column.table.name}.{column.name}: no representative value for {kind}")


def _value(conn: Connection, ledger: Ledger, table: Table, column: Any, i: int, j: int, lit) -> Any:  # type: ignore[no-untyped-def]
    fks = list(column.foreign_keys)
    if fks:
        target = fks[0].column
        parents = ledger.rows.get(target.table.name) or []
        if parents:
            return parents[i % len(parents)][target.name]
        if column.nullable:
            return None
        raise CannotFill(f"{table.name}.{column.name}: parent {target.table.name} has no rows")
    return _plain_value(conn, column, i, j, lit.get(column.name))


def _ready(table: Table, ledger: Ledger, strict: bool) -> bool:
    """Every parent this table needs has rows (`strict`: nullable references count too)."""
    for column in table.columns:
        for fk in column.foreign_keys:
            parent = fk.column.table.name
            if parent == table.name or parent in ledger.rows:
                continue
            if strict or not column.nullable:
                return False
    return True


def fill(conn: Connection, ledger: Ledger, rows: int = ROWS_PER_TABLE) -> list[str]:
    """Adds rows to every table that has none recorded yet; returns the tables filled."""
    metadata = reflect(conn)
    tables = sorted(metadata.tables.values(), key=lambda t: t.name)
    todo = [t for t in tables if t.name not in SKIP and t.name not in ledger.rows]
    filled = []
    while todo:
        table = next((t for t in todo if _ready(t, ledger, strict=True)), None)
        if table is None:
            table = next((t for t in todo if _ready(t, ledger, strict=False)), None)
        if table is None:
            raise CannotFill(f"no order fills {[t.name for t in todo]}")
        todo.remove(table)
        _fill_table(conn, ledger, table, rows)
        filled.append(table.name)
    return filled


def _fill_table(conn: Connection, ledger: Ledger, table: Table, rows: int) -> None:
    literals = _check_literals(conn, table)
    keys = [c.name for c in table.primary_key.columns] or [c.name for c in table.columns]
    # Integer keys well clear of anything a migration may insert itself.
    offset = 1000
    stored = []
    for i in range(rows):
        values = {}
        for j, column in enumerate(table.columns):
            values[column.name] = _value(conn, ledger, table, column, i, j, literals)
            if column.primary_key and not column.foreign_keys:
                try:
                    if column.type.python_type is int:
                        values[column.name] = offset + i
                except NotImplementedError:
                    pass
        conn.execute(table.insert().values(**values))
        stored.append(_read(conn, table, {k: values[k] for k in keys}))
    ledger.rows[table.name] = stored
    ledger.keys[table.name] = keys


def _read(conn: Connection, table: Table, key: dict[str, Any]) -> dict[str, Any] | None:
    condition = and_(*(table.c[name] == value for name, value in key.items()))
    row = conn.execute(select(table).where(condition)).mappings().first()
    return dict(row) if row is not None else None


def missing_or_changed(conn: Connection, ledger: Ledger) -> list[str]:
    """Every recorded row of a table that exists now, compared column by column (columns a
    later revision added, or an earlier one does not have yet, are not compared)."""
    metadata = reflect(conn)
    problems = []
    for name, rows in ledger.rows.items():
        table = metadata.tables.get(name)
        if table is None:
            continue
        keys = ledger.keys[name]
        for before in rows:
            now = _read(conn, table, {k: before[k] for k in keys})
            if now is None:
                problems.append(f"{name} {[before[k] for k in keys]}: row lost")
                continue
            for column, value in before.items():
                if column in now and now[column] != value:
                    problems.append(f"{name}.{column} {[before[k] for k in keys]}: changed")
    return problems


def existing_tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names()) - SKIP
