"""Test fixtures: one database per run (SQLite file, or a PostgreSQL schema when
TEST_DATABASE_URL is set), emptied between tests; an app with a controllable clock; actors."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import text

from config import TestingConfig
from mentor_app import create_app
from mentor_app.db import Database
from mentor_app.models import metadata
from tests import log_guard

PG_URL = os.environ.get("TEST_DATABASE_URL", "")


@pytest.fixture(scope="session", autouse=True)
def _log_guard_for_the_whole_run() -> Iterator[None]:
    """No log record of the run may carry personal text: see tests/log_guard.py."""
    previous = log_guard.install()
    yield
    log_guard.uninstall(previous)


@pytest.fixture(scope="session", autouse=True)
def _compiled_catalogues() -> None:
    """The .mo files are build output (`make install-test` writes them); a run started with
    pytest directly after a .po changed still sees the current translations."""
    from mentor_app.i18n.catalogues import compile_catalogues

    compile_catalogues(only_if_stale=True)


@pytest.fixture(autouse=True)
def _log_guard_per_test() -> Iterator[None]:
    log_guard.GUARD.clear()
    yield
    leaks = log_guard.GUARD.leaks()  # tests without the app; the app fixture checks the rest
    log_guard.GUARD.clear()
    assert not leaks, "personal text in the log:\n" + "\n".join(leaks)


def pg_schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not PG_URL:
        path = tmp_path_factory.mktemp("db") / "test.db"
        url = f"sqlite:///{path}"
        db = Database(url)
        metadata.create_all(db.engine)
        db.engine.dispose()
        yield url
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = Database(PG_URL)
    with admin.engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = pg_schema_url(PG_URL, schema)
    db = Database(url)
    metadata.create_all(db.engine)
    db.engine.dispose()
    yield url
    with admin.engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.engine.dispose()


def empty_all_tables(db: Database) -> None:
    tables = list(reversed(metadata.sorted_tables))
    with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


class Clock:
    """The app's clock in tests: real time unless frozen, and movable."""

    def __init__(self) -> None:
        self.frozen: datetime | None = None

    def __call__(self) -> datetime:
        return self.frozen if self.frozen is not None else datetime.now(UTC)

    def freeze(self, at: datetime | None = None) -> datetime:
        self.frozen = at or datetime.now(UTC).replace(microsecond=0)
        return self.frozen

    def advance(self, **kwargs: float) -> datetime:
        if self.frozen is None:
            self.freeze()
        self.frozen = self.frozen + timedelta(**kwargs)  # type: ignore[operator]
        return self.frozen


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(database_url: str, clock: Clock):  # type: ignore[no-untyped-def]
    class Config(TestingConfig):
        DATABASE_URL = database_url

    application = create_app(Config)
    application.config["CLOCK"] = clock
    server_errors: list[str] = []

    @application.after_request
    def _no_server_errors(response):  # type: ignore[no-untyped-def]
        # No 500 anywhere in the suite: every test fails if any request it made answered one.
        # (503 is a deliberate answer: the database is down, or push is not configured.)
        expected = application.config.get("TESTING_EXPECTS_500")
        if response.status_code >= 500 and response.status_code != 503 and not expected:
            from flask import request

            server_errors.append(f"{request.method} {request.path} -> {response.status_code}")
        return response

    yield application
    db = application.extensions["mentor_db"]
    leaks = log_guard.GUARD.leaks(log_guard.stored_free_text(db.engine))
    log_guard.GUARD.clear()
    empty_all_tables(db)
    db.engine.dispose()
    assert not server_errors, f"server errors during the test: {server_errors}"
    assert not leaks, "personal text in the log:\n" + "\n".join(leaks)


@pytest.fixture
def db(app):  # type: ignore[no-untyped-def]
    """A session for arranging and checking data outside requests. Commit what you arrange."""
    # No app context is pushed here on purpose: test-client requests would share its `g`.
    # On SQLite this session autocommits each statement, so it never blocks the app's writers
    # and always reads what the app committed (as READ COMMITTED does on PostgreSQL).
    checker = Database(app.config["DATABASE_URL"], sqlite_begin=False)
    session = checker.session()
    yield session
    session.close()
    checker.engine.dispose()


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


# --- actors ----------------------------------------------------------------------------------

PASSWORD = "correct-horse-battery-staple-42"
CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')


class Actors:
    """Creates users and signs them in: alice (mentor), bob (consultant), cora (coordinator)."""

    def __init__(self, app, clock: Clock) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self.clock = clock
        self.secrets: dict[str, str] = {}

    def create(
        self,
        role: str,
        email: str | None = None,
        name: str | None = None,
        two_factor: bool | None = None,
        languages: list[str] | None = None,
    ):  # type: ignore[no-untyped-def]
        from mentor_app.accounts import services

        email = email or f"{role}-{uuid.uuid4().hex[:8]}@example.org"
        with self.app.app_context():
            session = self.app.extensions["mentor_db"].session()
            user = services.create_user(
                session,
                self.clock(),
                email=email,
                display_name=name or f"Test {role}",
                role=role,
                password=PASSWORD,
                languages=languages or ["en"],
                check_password=False,
            )
            if two_factor if two_factor is not None else role != "mentor":
                secret = pyotp.random_base32()
                services.set_totp_secret_directly(session, self.clock(), user, secret)
                self.secrets[email] = secret
            for hook in ACTOR_HOOKS:
                hook(session, self.clock(), user)
            session.commit()
            user_id = user.id
            session.close()
        return user_id, email

    def code(self, email: str, offset_steps: int = 0) -> str:
        from mentor_app.accounts.models import User

        with self.app.app_context():
            session = self.app.extensions["mentor_db"].session()
            user = session.query(User).filter_by(email=email).one()
            last = user.totp_last_step
            session.close()
        current = int(self.clock().timestamp()) // 30
        step = max(current, (last or -1) + 1) + offset_steps
        return pyotp.TOTP(self.secrets[email]).generate_otp(step)

    def login(self, client, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
        token = csrf_from(client.get("/login"))
        response = client.post(
            "/login", data={"email": email, "password": password, "csrf_token": token}
        )
        if response.status_code == 302 and response.headers["Location"].endswith("/login/totp"):
            token = csrf_from(client.get("/login/totp"))
            response = client.post(
                "/login/totp", data={"code": self.code(email), "csrf_token": token}
            )
        assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
        return response

    def signed_in(self, role: str, **kwargs):  # type: ignore[no-untyped-def]
        """A new client signed in as a new user of `role`; returns (client, user_id)."""
        user_id, email = self.create(role, **kwargs)
        client = self.app.test_client()
        self.login(client, email)
        return client, user_id


# Domains may add setup for new actors (for example a consultant's pool profile).
ACTOR_HOOKS: list = []


def _register_actor_hooks() -> None:
    from tests import pool_helpers

    ACTOR_HOOKS.append(pool_helpers.give_actor_pool_profile)


_register_actor_hooks()


@pytest.fixture
def actors(app, clock):  # type: ignore[no-untyped-def]
    return Actors(app, clock)


def csrf_from(response) -> str:  # type: ignore[no-untyped-def]
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, "page has no csrf-token meta tag"
    return match.group(1)


def enrolment_key(page) -> str:  # type: ignore[no-untyped-def]
    """The authenticator key shown on the enrolment page (what a person would type)."""
    match = re.search(r"<code>([A-Z2-7]{16,})</code>", page.get_data(as_text=True))
    assert match, "enrolment page shows no key"
    return match.group(1)


def csrf_token(client) -> str:  # type: ignore[no-untyped-def]
    return csrf_from(client.get("/account/settings"))


def requires_postgres() -> pytest.MarkDecorator:
    return pytest.mark.skipif(
        not PG_URL, reason="needs PostgreSQL: set TEST_DATABASE_URL (SQLite has one writer)"
    )
