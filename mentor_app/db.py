"""Database plumbing: declarative base, UTC timestamps, engine and per-request session.

House rule: services take the session and `now`, flush, and never commit. The request boundary
commits once (see `init_app`), the worker commits once per step.

Time: every column here holds an aware UTC instant (`UTCDateTime`). The dates and hours people
type or see belong to their own zone and are converted once, at the edge, by
`mentor_app/timeutil.py`, which states the rule.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """The one place that reads the wall clock; everything below takes `now` as an argument."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Always stores UTC and always returns an aware UTC datetime, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str, echo: bool = False, sqlite_begin: bool = True, **kwargs: Any) -> Engine:
    """An engine for `url`. On SQLite, `sqlite_begin=False` leaves every statement in
    autocommit (tests use that for their arranging/checking session, so it never holds a lock
    or a stale snapshot)."""
    # SQL parameters are what people typed (notes, messages, numbers): an error message or log
    # line quoting the statement must never carry them.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("postgres://") or url.startswith("postgresql://"):
        # psycopg 3 is the driver this project installs.
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite"):
        engine = create_engine(
            url, echo=echo, connect_args={"check_same_thread": False, "timeout": 10}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        # Python's sqlite3 opens transactions lazily and in DEFERRED mode, which lets two
        # writers both read and then fail to upgrade. Take the write lock up front instead.
        event.listen(engine, "connect", _sqlite_no_autobegin)
        if sqlite_begin:
            event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, echo=echo, **kwargs)


def _sqlite_no_autobegin(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None


def _sqlite_begin_immediate(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """Holds one engine and a session factory for an app (and for the worker)."""

    def __init__(self, url: str, echo: bool = False, sqlite_begin: bool = True) -> None:
        self.url = url
        self.engine = make_engine(url, echo=echo, sqlite_begin=sqlite_begin)
        self.session_factory = sessionmaker(bind=self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self) -> Session:
        return self.session_factory()


def get_db(app: Flask | None = None) -> Database:
    return (app or current_app).extensions["mentor_db"]


def db_session() -> Session:
    """The session of the current request, opened on first use."""
    if "db_session" not in g:
        g.db_session = get_db().session()
    return g.db_session


def init_app(app: Flask) -> None:
    app.extensions["mentor_db"] = Database(app.config["DATABASE_URL"], app.config["SQL_ECHO"])

    @app.after_request
    def _commit_at_boundary(response):  # type: ignore[no-untyped-def]
        session: Session | None = g.pop("db_session", None)
        if session is None:
            return response
        try:
            if response.status_code < 400:
                session.commit()
            else:
                session.rollback()
        finally:
            session.close()
        return response

    @app.teardown_request
    def _close_on_error(_exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            session.rollback()
            session.close()
