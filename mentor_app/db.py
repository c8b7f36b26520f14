"""Database plumbing: declarative base, UTC timestamps, engine and per-request session.

House rule: services take the session and `now`, flush, and never commit. The request boundary
commits once, at the end of the view (see `commit_at_boundary`), the worker once per step.

Time: every column here holds an aware UTC instant (`UTCDateTime`). The dates and hours people
type or see belong to their own zone and are converted once, at the edge, by
`mentor_app/timeutil.py`, which states the rule.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import (
    DBAPIError,
    InterfaceError,
    OperationalError,
    PendingRollbackError,
    SQLAlchemyError,
)
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


def is_transient_error(err: BaseException) -> bool:
    """True for database errors that say "try again", not "bug": the connection was lost or
    refused, a deadlock or serialization failure (PostgreSQL), a lock timeout (SQLite busy),
    or a session left unusable by one of these."""
    if isinstance(err, (OperationalError, InterfaceError, PendingRollbackError)):
        return True
    return isinstance(err, DBAPIError) and bool(err.connection_invalidated)


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


def commit_at_boundary(view: Callable[..., Any]) -> Callable[..., Any]:
    """Wraps a view: its answer is made, then the request's session commits (status < 400) or
    rolls back — inside the view's dispatch, so a failed COMMIT (connection lost, deadlock,
    serialization failure, SQLite busy) reaches the error handlers like any other database
    error and answers 503 with Retry-After (errors.py), never a bare 500."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        response = current_app.make_response(view(*args, **kwargs))
        session: Session | None = g.get("db_session")
        if session is not None:
            if response.status_code < 400:
                session.commit()
            else:
                session.rollback()
        return response

    wrapped.__mentor_commits__ = True  # type: ignore[attr-defined]
    return wrapped


def wrap_views(app: Flask) -> None:
    """Every view commits at its own boundary. create_app calls this once every blueprint is
    registered; a view added later is wrapped before the next request."""
    for endpoint, view in list(app.view_functions.items()):
        if not getattr(view, "__mentor_commits__", False):
            app.view_functions[endpoint] = commit_at_boundary(view)
    app.extensions["mentor_db_wrapped"] = len(app.view_functions)


def init_app(app: Flask) -> None:
    app.extensions["mentor_db"] = Database(app.config["DATABASE_URL"], app.config["SQL_ECHO"])

    @app.before_request
    def _every_view_commits() -> None:
        if app.extensions.get("mentor_db_wrapped") != len(app.view_functions):
            wrap_views(app)

    @app.after_request
    def _commit_leftovers(response):  # type: ignore[no-untyped-def]
        """Writes made outside a view (a before_request hook that ends a session and
        redirects, an after_request hook) commit here; a failure still answers like a failed
        commit in a view (the handler for database errors: 503 with Retry-After)."""
        session: Session | None = g.get("db_session")
        if session is None:
            return response
        try:
            if response.status_code < 400:
                session.commit()
            else:
                session.rollback()
        except SQLAlchemyError as err:
            session.rollback()
            return app.make_response(app.handle_user_exception(err))
        return response

    @app.teardown_request
    def _close(_exc: BaseException | None) -> None:
        # The view committed already (or failed): whatever is left is rolled back. A rollback
        # on a connection that just died must not turn the answer into an error.
        session: Session | None = g.pop("db_session", None)
        if session is None:
            return
        try:
            session.rollback()
        except Exception as err:  # the connection is gone; the pool drops it
            logging.getLogger(__name__).warning("rollback failed: %s", type(err).__name__)
        finally:
            session.close()
