"""The security baseline on every response, CSRF, and bad input."""

from __future__ import annotations

import pytest

from mentor_app.accounts.models import Invitation, User
from tests.conftest import csrf_from, csrf_token

BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _assert_baseline(response) -> None:  # type: ignore[no-untyped-def]
    for name, value in BASE_HEADERS.items():
        assert response.headers.get(name) == value, name
    csp = response.headers["Content-Security-Policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp


def test_headers_on_page_json_and_error(app, actors) -> None:  # type: ignore[no-untyped-def]
    client, _ = actors.signed_in("mentor")
    page = client.get("/account/settings")
    _assert_baseline(page)
    assert page.headers["Cache-Control"] == "no-store"
    health = client.get("/healthz")
    _assert_baseline(health)
    assert health.is_json
    missing = client.get("/no/such/page")
    assert missing.status_code == 404
    _assert_baseline(missing)
    assert missing.headers["Cache-Control"] == "no-store"
    api_missing = client.get("/api/nothing-here")
    assert api_missing.status_code == 404
    assert api_missing.get_json() == {"error": "Not found."}
    _assert_baseline(api_missing)


def test_hsts_only_over_https_in_production(app, actors) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    assert "Strict-Transport-Security" not in client.get("/login").headers
    app.config["HSTS"] = True
    secure = client.get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_session_cookie_flags(app, actors) -> None:  # type: ignore[no-untyped-def]
    actors.create("mentor")
    client = app.test_client()
    response = client.get("/login")
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_production_config_is_strict(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from config import ProductionConfig
    from mentor_app import create_app

    class NoKey(ProductionConfig):
        SECRET_KEY = None

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(NoKey)
    assert ProductionConfig.SESSION_COOKIE_SECURE is True
    assert ProductionConfig.HSTS is True


def test_csrf_meta_on_every_page(app, actors) -> None:  # type: ignore[no-untyped-def]
    client, _ = actors.signed_in("coordinator")
    for path in ("/", "/account/settings", "/admin/users/", "/login"):
        response = app.test_client().get(path) if path == "/login" else client.get(path)
        assert 'name="csrf-token"' in response.get_data(as_text=True), path


def test_post_without_csrf_is_refused_and_changes_nothing(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    client, _ = actors.signed_in("coordinator")
    response = client.post(
        "/admin/users/invite",
        data={"email": "x@example.org", "display_name": "X", "role": "mentor"},
    )
    assert response.status_code == 400
    assert db.query(Invitation).count() == 0
    victim_id, _ = actors.create("mentor")
    response = client.post(f"/admin/users/{victim_id}/disable")
    assert response.status_code == 400
    db.expire_all()
    assert db.get(User, victim_id).is_disabled is False


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "a" * 300 + "@example.org"),
        ("display_name", "N" * 81),
        ("role", "superuser"),
        ("email", "not-an-address"),
        ("display_name", "nul\x00byte"),
    ],
)
def test_bad_invite_input_is_refused(app, actors, db, field, value) -> None:  # type: ignore[no-untyped-def]
    client, _ = actors.signed_in("coordinator")
    data = {"email": "ok@example.org", "display_name": "Ok", "role": "mentor"}
    data[field] = value
    data["csrf_token"] = csrf_token(client)
    response = client.post("/admin/users/invite", data=data)
    assert response.status_code == 400
    assert db.query(Invitation).count() == 0


def test_non_utf8_form_is_refused(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    client, _ = actors.signed_in("coordinator")
    token = csrf_token(client)
    body = b"email=ok%40example.org&display_name=%FF%FE&role=mentor&csrf_token=" + token.encode()
    response = client.post(
        "/admin/users/invite", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert db.query(Invitation).count() == 0


def test_ten_megabyte_body_is_refused(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    client, _ = actors.signed_in("coordinator")
    token = csrf_token(client)
    response = client.post(
        "/admin/users/invite",
        data={
            "email": "ok@example.org",
            "display_name": "x" * (10 * 1024 * 1024),
            "role": "mentor",
            "csrf_token": token,
        },
    )
    assert response.status_code == 413
    assert db.query(Invitation).count() == 0


def test_wrong_json_types_get_a_clear_error(app, actors) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    token = csrf_from(client.get("/login"))
    response = client.post(
        "/login", json={"email": ["a"], "password": 5}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 415


def test_get_never_changes_state(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    client, _ = actors.signed_in("coordinator")
    victim_id, _ = actors.create("mentor")
    for path in (
        f"/admin/users/{victim_id}/disable",
        f"/admin/users/{victim_id}/sign-out-everywhere",
    ):
        assert client.get(path).status_code == 405
    db.expire_all()
    assert db.get(User, victim_id).is_disabled is False
