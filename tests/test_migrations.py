"""Migrations: empty database → head, models and migrations agree, head → base."""

from __future__ import annotations

import uuid

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from mentor_app import migrate
from mentor_app.db import Database
from mentor_app.models import metadata
from tests.conftest import PG_URL, pg_schema_url


def _fresh_url(tmp_path) -> tuple[str, callable]:  # type: ignore[no-untyped-def,valid-type]
    if not PG_URL:
        return f"sqlite:///{tmp_path / 'migrate.db'}", lambda: None
    schema = f"m_{uuid.uuid4().hex[:12]}"
    admin = Database(PG_URL)
    with admin.engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.engine.dispose()

    return pg_schema_url(PG_URL, schema), drop


def test_upgrade_matches_models_and_downgrades(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url, cleanup = _fresh_url(tmp_path)
    try:
        migrate.upgrade(url)
        db = Database(url)
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "render_as_batch": True}
            )
            diff = compare_metadata(context, metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        tables = set(inspect(db.engine).get_table_names())
        assert {t.name for t in metadata.sorted_tables} <= tables
        db.engine.dispose()

        migrate.downgrade(url, "base")
        db = Database(url)
        remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        db.engine.dispose()
        assert remaining == set()
    finally:
        cleanup()


def test_one_head() -> None:
    from alembic.script import ScriptDirectory

    from mentor_app.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, "merge the migration heads: alembic merge heads"
