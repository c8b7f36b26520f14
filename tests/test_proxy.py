"""PROXY_HOPS: behind N trusted proxies the client's address and scheme count; with 0 (the
default) forwarded headers are ignored, since any client can send them.

Covers every reader of "who" and "over what": the sign-in rate limit per address, the audit
log's address, HTTPS decisions (HSTS; the CSRF same-origin check over HTTPS) and link building.
"""

from __future__ import annotations

import uuid

import pytest
from flask import request, url_for
from sqlalchemy import select

from config import TestingConfig
from mentor_app import create_app
from mentor_app.audit.models import AuditEvent
from tests.conftest import PASSWORD, csrf_from

PROXY = "10.0.0.2"  # the reverse proxy's own address, as the app sees it


@pytest.fixture
def make_app(database_url, clock):  # type: ignore[no-untyped-def]
    made = []

    def build(hops: int):  # type: ignore[no-untyped-def]
        class Config(TestingConfig):
            DATABASE_URL = database_url
            PROXY_HOPS = hops
            HSTS = True
            LOGIN_LIMIT_PER_IP = "3 per minute"
            LOGIN_LIMIT_PER_ACCOUNT = "100 per minute"

        application = create_app(Config)
        application.config["CLOCK"] = clock

        @application.get("/_probe")
        def _probe():  # type: ignore[no-untyped-def]
            return {
                "addr": request.remote_addr,
                "secure": request.is_secure,
                "link": url_for("home.index", _external=True),
            }

        made.append(application)
        return application

    yield build
    from tests.conftest import empty_all_tables

    for application in made:
        db = application.extensions["mentor_db"]
        empty_all_tables(db)
        db.engine.dispose()


def _client(app, remote: str, forwarded_for: str | None = None, proto: str | None = None):  # type: ignore[no-untyped-def]
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = remote
    if forwarded_for is not None:
        client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded_for
    if proto is not None:
        client.environ_base["HTTP_X_FORWARDED_PROTO"] = proto
    return client


def _fail_sign_in(client) -> int:  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/login"))
    email = f"nobody-{uuid.uuid4().hex[:8]}@example.org"  # a new account each time
    response = client.post(
        "/login", data={"email": email, "password": "wrong-password", "csrf_token": token}
    )
    return response.status_code


def _failure_addresses(db) -> list[str | None]:  # type: ignore[no-untyped-def]
    return list(
        db.scalars(
            select(AuditEvent.ip).where(AuditEvent.action == "login.failed").order_by(AuditEvent.id)
        )
    )


def _net() -> str:
    """A /24 of TEST-NET addresses no other test used (the limiter's memory outlives an app)."""
    return f"198.51.{uuid.uuid4().int % 250}."


def test_without_a_proxy_forwarded_headers_change_nothing(make_app, db) -> None:  # type: ignore[no-untyped-def]
    app = make_app(0)
    here = _net() + "7"
    spoofer = _client(app, here, forwarded_for="203.0.113.5", proto="https")
    probe = spoofer.get("/_probe").get_json()
    assert probe == {"addr": here, "secure": False, "link": "http://localhost/"}
    assert "Strict-Transport-Security" not in spoofer.get("/login").headers

    assert [_fail_sign_in(spoofer) for _ in range(3)] == [401, 401, 401]
    # Another X-Forwarded-For from the same address does not buy a new allowance.
    other = _client(app, here, forwarded_for="203.0.113.99")
    assert _fail_sign_in(other) == 429
    assert set(_failure_addresses(db)) == {here}


def test_behind_one_proxy_clients_are_told_apart(make_app, db) -> None:  # type: ignore[no-untyped-def]
    app = make_app(1)
    net = _net()
    first, second = net + "5", net + "6"
    alice = _client(app, PROXY, forwarded_for=first)
    bob = _client(app, PROXY, forwarded_for=second)
    assert alice.get("/_probe").get_json()["addr"] == first

    assert [_fail_sign_in(alice) for _ in range(4)] == [401, 401, 401, 429]
    # The same proxy, another client: not locked out by alice's failures.
    assert _fail_sign_in(bob) == 401
    assert _failure_addresses(db) == [first, first, first, second]


def test_behind_one_proxy_only_the_proxys_own_entry_is_believed(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(1)
    real = _net() + "9"
    # The client sent its own X-Forwarded-For; the proxy appended the address it saw.
    client = _client(app, PROXY, forwarded_for=f"192.0.2.66, {real}")
    assert client.get("/_probe").get_json()["addr"] == real


def test_behind_one_proxy_https_is_the_clients_scheme(make_app, actors) -> None:  # type: ignore[no-untyped-def]
    app = make_app(1)
    client = _client(app, PROXY, forwarded_for=_net() + "3", proto="https")
    probe = client.get("/_probe").get_json()
    assert probe["secure"] is True
    assert probe["link"] == "https://localhost/"
    login = client.get("/login")
    assert login.headers["Strict-Transport-Security"].startswith("max-age=")
    assert login.headers["Referrer-Policy"] == "same-origin"

    # Over HTTPS the CSRF check also wants a same-origin Referer, which the browser sends
    # under "Referrer-Policy: same-origin" (it sent none under "no-referrer").
    _user_id, email = actors.create("mentor")
    form = {"email": email, "password": PASSWORD, "csrf_token": csrf_from(login)}
    refused = client.post("/login", data=form)
    assert refused.status_code == 400
    signed_in = client.post("/login", data=form, headers={"Referer": "https://localhost/login"})
    assert signed_in.status_code == 302


@pytest.mark.parametrize("value", [-1, 6, "two", True])
def test_a_nonsense_proxy_count_stops_the_start(make_app, value) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuntimeError, match="PROXY_HOPS"):
        make_app(value)
