"""Migrations never lose data, on SQLite and PostgreSQL.

Every revision is applied in turn; each table gets representative rows as soon as a revision
creates it (tests/migration_rows.py reads the schema, so a new migration is covered without
listing anything). At head every row must still be there, unchanged; then each revision is
downgraded to and upgraded from again, with the same check after every step.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text

from mentor_app import migrate
from mentor_app.db import Database
from tests import migration_rows as rows
from tests.conftest import PG_URL, pg_schema_url


@pytest.fixture
def fresh_url(tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'data.db'}"
        return
    schema = f"d_{uuid.uuid4().hex[:12]}"
    admin = Database(PG_URL)
    with admin.engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield pg_schema_url(PG_URL, schema)
    with admin.engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.engine.dispose()


def revisions_oldest_first(url: str) -> list[str]:
    script = ScriptDirectory.from_config(migrate.alembic_config(url))
    return [r.revision for r in script.walk_revisions("base", "heads")][::-1]


class Store:
    """Reads and writes the migrated database between Alembic runs (own engine, closed)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.ledger = rows.Ledger()

    def _with(self, work):  # type: ignore[no-untyped-def]
        db = Database(self.url)
        try:
            with db.engine.begin() as conn:
                return work(conn)
        finally:
            db.engine.dispose()

    def fill(self) -> list[str]:
        return self._with(lambda conn: rows.fill(conn, self.ledger))

    def problems(self) -> list[str]:
        return self._with(lambda conn: rows.missing_or_changed(conn, self.ledger))

    def tables(self) -> set[str]:
        return self._with(rows.existing_tables)


def test_every_row_survives_every_upgrade_and_downgrade(fresh_url: str) -> None:
    store = Store(fresh_url)
    cfg = migrate.alembic_config(fresh_url)
    order = revisions_oldest_first(fresh_url)
    filled_at: dict[str, list[str]] = {}
    for revision in order:
        command.upgrade(cfg, revision)
        assert store.problems() == [], f"after upgrading to {revision}"
        filled_at[revision] = store.fill()
    assert set(store.ledger.rows) == store.tables(), "every table has rows"
    assert filled_at[order[0]], "the oldest revision's tables were filled there"

    # Back down to each revision (newest first) and up again: what a downgrade keeps, the
    # upgrade after it keeps too; tables a downgrade drops come back empty and are refilled.
    for revision in reversed(order[:-1]):
        command.downgrade(cfg, revision)
        assert store.problems() == [], f"after downgrading to {revision}"
        store.ledger.forget(set(store.ledger.rows) - store.tables())
        command.upgrade(cfg, "head")
        assert store.problems() == [], f"after upgrading again from {revision}"
        store.fill()


def test_an_outbox_message_keeps_its_delivery_attempt_from_0002_to_head(fresh_url: str) -> None:
    """The case from the field: on SQLite a batch rebuild of `outbox_messages` under
    `PRAGMA foreign_keys=ON` emptied `delivery_attempts` through ON DELETE CASCADE."""
    cfg = migrate.alembic_config(fresh_url)
    command.upgrade(cfg, "0002")
    db = Database(fresh_url)
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (id, email, display_name, role, is_disabled, session_version, "
                "locale, timezone, languages, email_fallback, created_at) VALUES (1, "
                "'m@example.org', 'M', 'mentor', false, 1, 'en', 'UTC', 'en', true, "
                "'2026-03-01 09:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO outbox_messages (id, user_id, kind, dedup_key, urgency, ttl_seconds, "
                "payload, state, due_at, attempts, next_attempt_at, created_at) VALUES (1, 1, "
                "'test', 'k1', 'normal', 60, '{}', 'sent', '2026-03-01 09:00:00', 1, "
                "'2026-03-01 09:00:00', '2026-03-01 09:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO delivery_attempts (id, outbox_id, channel, status_code, at) "
                "VALUES (1, 1, 'push', 201, '2026-03-01 09:00:01')"
            )
        )
    db.engine.dispose()

    command.upgrade(cfg, "head")

    db = Database(fresh_url)
    with db.engine.connect() as conn:
        attempts = conn.execute(text("SELECT outbox_id, status_code FROM delivery_attempts"))
        assert attempts.all() == [(1, 201)]
    db.engine.dispose()


@pytest.mark.skipif(bool(PG_URL), reason="SQLite only: PostgreSQL enforces keys on every write")
def test_a_migration_that_would_leave_broken_references_changes_nothing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Foreign keys are off during the rebuilds; `PRAGMA foreign_key_check` then decides."""
    import sqlite3

    path = tmp_path / "orphan.db"
    url = f"sqlite:///{path}"
    cfg = migrate.alembic_config(url)
    command.upgrade(cfg, "0002")
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA foreign_keys=OFF")  # an orphan, as an old bug might have left one
    raw.execute(
        "INSERT INTO delivery_attempts (id, outbox_id, channel, at) "
        "VALUES (7, 999, 'push', '2026-03-01 09:00:00')"
    )
    raw.commit()
    raw.close()

    with pytest.raises(RuntimeError, match="delivery_attempts"):
        command.upgrade(cfg, "head")

    raw = sqlite3.connect(path)
    assert raw.execute("SELECT version_num FROM alembic_version").fetchall() == [("0002",)]
    assert raw.execute("SELECT count(*) FROM delivery_attempts").fetchone() == (1,)
    raw.close()
