"""Alembic environment: the URL comes from the caller or from the app's configuration.

SQLite cannot alter most of a table in place, so batch operations rebuild it: create a copy,
copy the rows, drop the old table, rename the copy. With foreign keys enforced, dropping the
old table fires `ON DELETE CASCADE` (and `SET NULL`) on every child row, so a rebuild of
`outbox_messages` would empty `delivery_attempts`. Migrations therefore run on SQLite with
foreign keys off, all in one transaction, and `PRAGMA foreign_key_check` must come back empty
before that transaction commits (the SQLite manual's procedure for schema changes,
https://www.sqlite.org/lang_altertable.html#otheralter). PostgreSQL alters tables in place.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import pool

from mentor_app.db import make_engine
from mentor_app.models import metadata

config = context.config


class ForeignKeyViolation(RuntimeError):
    """A migration left rows pointing at rows that do not exist; nothing was committed."""


def _url() -> str:
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from config import config_from_env

    return config_from_env().DATABASE_URL


def run_migrations_offline() -> None:
    context.configure(
        url=_url(), target_metadata=metadata, literal_binds=True, render_as_batch=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _sqlite_foreign_keys(connection, on: bool) -> None:  # type: ignore[no-untyped-def]
    """Switches enforcement on the driver's connection. SQLite ignores this pragma inside a
    transaction, so it is sent before one begins (the engine leaves the driver in autocommit)
    and read back to be sure."""
    if connection.in_transaction():
        raise RuntimeError("migrations on SQLite need a connection outside any transaction")
    raw = connection.connection.dbapi_connection
    raw.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    if bool(raw.execute("PRAGMA foreign_keys").fetchone()[0]) != on:
        raise RuntimeError("SQLite did not switch foreign key enforcement")


def _check_foreign_keys(connection) -> None:  # type: ignore[no-untyped-def]
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        tables = sorted({f"{row[0]} -> {row[2]}" for row in broken})
        raise ForeignKeyViolation(
            f"the migration left {len(broken)} rows whose foreign key points nowhere "
            f"({', '.join(tables)}); nothing was changed"
        )


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        _sqlite_foreign_keys(connection, on=False)
    try:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=sqlite,
            compare_type=True,
            # One transaction for the whole run on SQLite too (its DDL is transactional), so
            # the foreign key check below can still undo everything.
            transactional_ddl=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                _check_foreign_keys(connection)
    finally:
        if sqlite:
            if connection.in_transaction():
                connection.rollback()
            _sqlite_foreign_keys(connection, on=True)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
