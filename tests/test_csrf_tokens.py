"""CSRF tokens across a sign-in: the pages loaded right after it agree on one token, and a page
whose token is from an earlier session can fetch this session's and be believed."""

from __future__ import annotations

import uuid

from tests.conftest import csrf_from

COOKIE = "mentor_session"


def _client_with(app, cookie: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    client.set_cookie(COOKIE, cookie)
    return client


def _tap(client, token: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/consults",
        json={"client_key": str(uuid.uuid4())},
        headers={"X-CSRFToken": token},
    )


def test_pages_loaded_in_parallel_after_sign_in_share_one_token(app, actors) -> None:  # type: ignore[no-untyped-def]
    """Right after sign-in the home page and the service worker's guide fetches load at once,
    each with the cookie the sign-in set. Whichever answer's cookie the browser keeps last, the
    token in the home page must still be accepted: the sign-in already put it in the session."""
    _, email = actors.create("mentor")
    browser = app.test_client()
    actors.login(browser, email)
    cookie = browser.get_cookie(COOKIE).value
    page = _client_with(app, cookie).get("/")
    token = csrf_from(page)
    worker = _client_with(app, cookie)
    worker.get("/guides", headers={"X-Background-Poll": "1"})
    last = worker.get_cookie(COOKIE).value  # the worker's answer arrived last
    assert _tap(_client_with(app, last), token).status_code == 201


def test_a_token_from_an_earlier_session_is_refused_and_renewed(app, actors) -> None:  # type: ignore[no-untyped-def]
    _, email = actors.create("mentor")
    client = app.test_client()
    actors.login(client, email)
    old_token = csrf_from(client.get("/guides"))  # a guide kept by the service worker
    client.post("/logout", data={"csrf_token": old_token})
    actors.login(client, email)
    refused = _tap(client, old_token)
    assert refused.status_code == 400
    assert refused.get_json()["code"] == "csrf"
    fresh = client.get("/api/csrf-token")
    assert fresh.headers["Cache-Control"] == "no-store"
    assert _tap(client, fresh.get_json()["token"]).status_code == 201


def test_only_a_signed_in_browser_gets_a_token(app) -> None:  # type: ignore[no-untyped-def]
    response = app.test_client().get("/api/csrf-token")
    assert response.status_code == 401
    assert "token" not in response.get_json()
