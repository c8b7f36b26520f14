"""What the app says about itself to the outside: links built from PUBLIC_BASE_URL, requests only
for trusted hosts, `__Host-` cookies in production, /healthz details only with the token, and
invitation tokens that never travel in a URL."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from config import ProductionConfig, TestingConfig
from mentor_app import create_app
from mentor_app.accounts.models import User
from tests.conftest import PASSWORD, csrf_from, csrf_token

BASE = "https://mentor.example.org"


def production_app(database_url: str, **settings):  # type: ignore[no-untyped-def]
    class Config(ProductionConfig):
        SECRET_KEY = TestingConfig.SECRET_KEY  # the actors' two-factor secrets are sealed with it
        DATABASE_URL = database_url
        PUBLIC_BASE_URL = BASE
        RATELIMIT_STORAGE_URI = "memory://"
        ARGON2_TIME_COST = 1
        ARGON2_MEMORY_COST = 8192
        ARGON2_PARALLELISM = 1

    for key, value in settings.items():
        setattr(Config, key, value)
    return create_app(Config)


# --- PUBLIC_BASE_URL and TRUSTED_HOSTS --------------------------------------------------------


@pytest.mark.parametrize("value", ["", "mentor.example.org", "http://mentor.example.org"])
def test_production_refuses_to_start_without_a_public_address(value) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL") as refused:
        production_app("sqlite://", PUBLIC_BASE_URL=value)
    assert "Host header" in str(refused.value)  # it says why


def test_production_answers_its_own_host_only(database_url) -> None:  # type: ignore[no-untyped-def]
    app = production_app(database_url)
    client = app.test_client()
    assert client.get("/login", base_url=BASE).status_code == 200
    assert client.get("/login", base_url="https://evil.example").status_code == 400
    other = production_app(database_url, TRUSTED_HOSTS=["mentor.example.org", "10.0.0.5"])
    assert other.test_client().get("/healthz", base_url="http://10.0.0.5").status_code == 200


def test_invitation_links_come_from_the_public_address(app, actors) -> None:  # type: ignore[no-untyped-def]
    app.config["PUBLIC_BASE_URL"] = BASE
    _, email = actors.create("coordinator")
    coordinator = app.test_client()
    coordinator.environ_base["HTTP_HOST"] = "evil.example"  # a forged Host on every request
    actors.login(coordinator, email)
    response = coordinator.post(
        "/admin/users/invite",
        data={
            "email": "new@example.org",
            "display_name": "New",
            "role": "mentor",
            "csrf_token": csrf_token(coordinator),
        },
    )
    link = re.search(r'value="(http[^"]+)"', response.get_data(as_text=True)).group(1)
    assert link.startswith(BASE + "/invite#")
    assert "evil.example" not in link


# --- invitation tokens never travel in a URL ---------------------------------------------------


def _invitation_link(app, actors) -> str:  # type: ignore[no-untyped-def]
    coordinator, _ = actors.signed_in("coordinator")
    response = coordinator.post(
        "/admin/users/invite",
        data={
            "email": "invitee@example.org",
            "display_name": "Invitee",
            "role": "mentor",
            "csrf_token": csrf_token(coordinator),
        },
    )
    return re.search(r'value="(http[^"]+)"', response.get_data(as_text=True)).group(1)


def test_the_invitation_token_is_in_the_fragment_only(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    link = _invitation_link(app, actors)
    path, token = link.split("#", 1)
    assert token not in path
    browser = app.test_client()
    seen = []  # every URL the browser asks for on the way to an account
    page = browser.get("/invite")
    seen.append("/invite")
    assert 'src="/static/js/invite.js' in page.get_data(as_text=True).replace("?v=", '"?v=')
    opened = browser.post("/invite/open", data={"token": token, "csrf_token": csrf_from(page)})
    seen.append("/invite/open")
    assert opened.status_code == 303
    seen.append(opened.headers["Location"])
    page = browser.get(opened.headers["Location"])
    assert "Welcome, Invitee" in page.get_data(as_text=True)
    done = browser.post(
        "/invite",
        data={"password": PASSWORD, "confirm": PASSWORD, "csrf_token": csrf_from(page)},
    )
    assert done.status_code == 302
    assert all(token not in url for url in seen)
    assert db.scalar(select(User).where(User.email == "invitee@example.org")) is not None


def test_an_old_style_link_is_exchanged_and_leaves_the_address_bar(app, actors) -> None:  # type: ignore[no-untyped-def]
    token = _invitation_link(app, actors).split("#", 1)[1]
    browser = app.test_client()
    response = browser.get(f"/invite/{token}")
    assert response.status_code == 303
    assert response.headers["Location"] == "/invite"
    assert "Welcome, Invitee" in browser.get("/invite").get_data(as_text=True)


def test_a_wrong_invitation_code_is_410(app) -> None:  # type: ignore[no-untyped-def]
    browser = app.test_client()
    page = browser.get("/invite")
    response = browser.post("/invite/open", data={"token": "nope", "csrf_token": csrf_from(page)})
    assert response.status_code == 410


# --- cookies ----------------------------------------------------------------------------------


def test_every_production_cookie_has_the_host_prefix(database_url, actors, clock) -> None:  # type: ignore[no-untyped-def]
    _, mentor_email = actors.create("mentor")
    _, consultant_email = actors.create("consultant")
    app = production_app(database_url)
    # Browsers send a same-origin Referer (Referrer-Policy: same-origin), which the CSRF check
    # wants over https.
    same_origin = {"Referer": BASE + "/"}
    set_cookies: list[str] = []
    for email in (mentor_email, consultant_email):
        client = app.test_client()
        page = client.get("/login", base_url=BASE)
        set_cookies += page.headers.getlist("Set-Cookie")
        response = client.post(
            "/login",
            base_url=BASE,
            headers=same_origin,
            data={"email": email, "password": PASSWORD, "csrf_token": csrf_from(page)},
        )
        set_cookies += response.headers.getlist("Set-Cookie")
        if response.headers["Location"].endswith("/login/totp"):
            page = client.get("/login/totp", base_url=BASE)
            response = client.post(
                "/login/totp",
                base_url=BASE,
                headers=same_origin,
                data={"code": actors.code(email), "csrf_token": csrf_from(page)},
            )
            set_cookies += response.headers.getlist("Set-Cookie")
        assert response.status_code == 302
        for path in ("/", "/account/settings", "/guides"):
            set_cookies += client.get(path, base_url=BASE).headers.getlist("Set-Cookie")
        logout = client.post(
            "/logout",
            base_url=BASE,
            headers=same_origin,
            data={"csrf_token": csrf_token_at(client, BASE)},
        )
        set_cookies += logout.headers.getlist("Set-Cookie")
    names = {c.split("=", 1)[0] for c in set_cookies}
    assert {"__Host-mentor_session", "__Host-mentor_device", "__Host-mentor_queue_owner"} <= names
    for cookie in set_cookies:
        name, attributes = cookie.split("=", 1)[0], cookie.lower()
        assert name.startswith("__Host-"), cookie
        assert "; secure" in attributes and "; path=/" in attributes, cookie
        assert "domain=" not in attributes, cookie


def csrf_token_at(client, base: str) -> str:  # type: ignore[no-untyped-def]
    return csrf_from(client.get("/account/settings", base_url=base))


# --- /healthz ---------------------------------------------------------------------------------


def test_healthz_tells_anonymous_callers_the_status_only(app, client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/healthz").get_json() == {"status": "ok"}
    app.config["METRICS_TOKEN"] = "s3cret-monitoring-token"
    for header in ("Bearer wrong-token", "Basic czNjcmV0", "Bearer", "s3cret-monitoring-token"):
        body = client.get("/healthz", headers={"Authorization": header}).get_json()
        assert body == {"status": "ok"}, header
    body = client.get(
        "/healthz", headers={"Authorization": "Bearer s3cret-monitoring-token"}
    ).get_json()
    assert body["status"] == "ok" and body["overdue"] == {"count": 0} and body["db"] == "ok"


def test_healthz_without_a_configured_token_shows_no_details(app, client) -> None:  # type: ignore[no-untyped-def]
    app.config["METRICS_TOKEN"] = ""
    body = client.get("/healthz", headers={"Authorization": "Bearer "}).get_json()
    assert body == {"status": "ok"}


def test_testing_config_has_no_public_address_requirement() -> None:
    assert TestingConfig.COOKIE_HOST_PREFIX is False
    assert ProductionConfig.COOKIE_HOST_PREFIX is True
    assert ProductionConfig.SESSION_COOKIE_NAME == "__Host-mentor_session"
