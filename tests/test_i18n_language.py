"""Which language a request speaks: user setting > cookie > Accept-Language > English."""

from __future__ import annotations

import re

import pytest

from mentor_app.i18n.language import LANGUAGE_COOKIE, request_language, supported
from tests.conftest import csrf_from, csrf_token


def html_lang(response) -> str:  # type: ignore[no-untyped-def]
    match = re.search(r'<html[^>]*\blang="([^"]+)"', response.get_data(as_text=True))
    assert match, "page has no <html lang>"
    return match.group(1)


@pytest.mark.parametrize(
    ("code", "expected"),
    [("sv", "sv"), ("SV-se", "sv"), ("de_DE", "de"), ("en", "en"), ("fr", None), (3, None)],
)
def test_supported_reduces_codes_to_the_three_languages(code, expected) -> None:  # type: ignore[no-untyped-def]
    assert supported(code) == expected


def test_outside_a_request_the_language_is_english() -> None:
    assert request_language() == "en"


@pytest.mark.parametrize(
    ("header", "expected"),
    [("sv-SE,sv;q=0.9,en;q=0.5", "sv"), ("de", "de"), ("fr, it", "en"), ("", "en")],
)
def test_before_sign_in_accept_language_picks_among_en_sv_de(app, header, expected) -> None:  # type: ignore[no-untyped-def]
    with app.test_request_context("/login", headers={"Accept-Language": header}):
        assert request_language() == expected


def test_the_cookie_beats_the_browser_before_sign_in(app) -> None:  # type: ignore[no-untyped-def]
    with app.test_request_context(
        "/login", headers={"Accept-Language": "de", "Cookie": f"{LANGUAGE_COOKIE}=sv"}
    ):
        assert request_language() == "sv"
    with app.test_request_context(
        "/login", headers={"Accept-Language": "de", "Cookie": f"{LANGUAGE_COOKIE}=xx"}
    ):
        assert request_language() == "de"


def test_login_page_html_lang_follows_accept_language(client) -> None:  # type: ignore[no-untyped-def]
    assert html_lang(client.get("/login", headers={"Accept-Language": "sv"})) == "sv"
    assert html_lang(client.get("/login", headers={"Accept-Language": "de"})) == "de"
    assert html_lang(client.get("/login", headers={"Accept-Language": "fr"})) == "en"


def _login_csrf(client, **headers) -> str:  # type: ignore[no-untyped-def]
    return csrf_from(client.get("/login", headers=headers))


def test_the_login_page_switch_sets_a_cookie_with_only_the_code(client) -> None:  # type: ignore[no-untyped-def]
    token = _login_csrf(client)
    response = client.post(
        "/language", data={"language": "de", "next": "/login", "csrf_token": token}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    cookie = client.get_cookie(LANGUAGE_COOKIE)
    assert cookie is not None and cookie.value == "de"
    page = client.get("/login", headers={"Accept-Language": "sv"})
    assert html_lang(page) == "de"
    assert 'value="de" lang="de"' in page.get_data(as_text=True)


def test_the_switch_refuses_unknown_languages_and_foreign_redirects(client) -> None:  # type: ignore[no-untyped-def]
    token = _login_csrf(client)
    bad = client.post("/language", data={"language": "fr", "csrf_token": token})
    assert bad.status_code == 400
    assert client.get_cookie(LANGUAGE_COOKIE) is None
    away = client.post(
        "/language", data={"language": "sv", "next": "//evil.example", "csrf_token": token}
    )
    assert away.status_code == 302 and "evil" not in away.headers["Location"]


def test_the_switch_needs_the_csrf_token(client) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/language", data={"language": "sv"}).status_code == 400


def test_the_user_setting_wins_over_cookie_and_browser(actors, db) -> None:  # type: ignore[no-untyped-def]
    client, user_id = actors.signed_in("mentor")
    _set_locale(db, user_id, "de")
    client.set_cookie(LANGUAGE_COOKIE, "sv")
    page = client.get("/account/settings", headers={"Accept-Language": "sv"})
    assert html_lang(page) == "de"
    # The device's cookie follows the signed-in user's setting.
    assert client.get_cookie(LANGUAGE_COOKIE).value == "de"


def test_api_sets_the_language_and_the_choice_survives_sign_out(actors, db) -> None:  # type: ignore[no-untyped-def]
    client, user_id = actors.signed_in("consultant")
    headers = {"X-CSRFToken": csrf_token(client)}
    response = client.post("/api/me/language", json={"language": "sv"}, headers=headers)
    assert response.status_code == 200 and response.get_json() == {"language": "sv"}
    assert _locale_of(db, user_id) == "sv"
    assert html_lang(client.get("/account/settings")) == "sv"
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login = client.get("/login", headers={"Accept-Language": "de"})
    assert html_lang(login) == "sv"
    assert client.get_cookie(LANGUAGE_COOKIE).value == "sv"


@pytest.mark.parametrize(
    "body",
    [{"language": "fr"}, {"language": 1}, {}, {"language": "sv", "extra": 1}, ["sv"], "sv"],
)
def test_api_refuses_bad_bodies_with_a_clear_400(actors, db, body) -> None:  # type: ignore[no-untyped-def]
    client, user_id = actors.signed_in("mentor")
    headers = {"X-CSRFToken": csrf_token(client)}
    response = client.post("/api/me/language", json=body, headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"]
    assert _locale_of(db, user_id) == "en"


def test_api_needs_csrf_and_a_signed_in_user(actors, client) -> None:  # type: ignore[no-untyped-def]
    signed, _user_id = actors.signed_in("mentor")
    assert signed.post("/api/me/language", json={"language": "sv"}).status_code == 400
    assert client.post("/api/me/language", json={"language": "sv"}).status_code in (302, 400, 401)


def test_settings_form_changes_the_language(actors, db) -> None:  # type: ignore[no-untyped-def]
    client, user_id = actors.signed_in("coordinator")
    token = csrf_token(client)
    response = client.post(
        "/account/settings",
        data={
            "prefs-csrf_token": token,
            "prefs-locale": "de",
            "prefs-timezone": "Europe/Berlin",
            "prefs-submit": "1",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    assert _locale_of(db, user_id) == "de"
    assert html_lang(client.get("/account/settings")) == "de"
    assert client.get_cookie(LANGUAGE_COOKIE).value == "de"


def _set_locale(db, user_id: int, code: str) -> None:  # type: ignore[no-untyped-def]
    from mentor_app.accounts.models import User

    db.get(User, user_id).locale = code
    db.commit()


def _locale_of(db, user_id: int) -> str:  # type: ignore[no-untyped-def]
    from mentor_app.accounts.models import User

    db.expire_all()
    return db.get(User, user_id).locale


def test_the_offline_page_is_kept_per_language(client) -> None:  # type: ignore[no-untyped-def]
    for code in ("en", "sv", "de"):
        page = client.get(f"/offline?lang={code}", headers={"Accept-Language": "fr"})
        assert html_lang(page) == code
        assert page.headers["Content-Language"] == code
    worker = client.get("/sw.js").get_data(as_text=True)
    for code in ("en", "sv", "de"):
        assert f'"{code}":"/offline?lang={code}"' in worker


def test_html_pages_say_their_language(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/login", headers={"Accept-Language": "de"})
    assert page.headers["Content-Language"] == "de"


def test_language_dependent_public_answers_say_what_they_vary_on(client) -> None:  # type: ignore[no-untyped-def]
    manifest = client.get("/manifest.webmanifest", headers={"Accept-Language": "de"})
    assert manifest.headers["Content-Language"] == "de"
    assert {"Accept-Language", "Cookie"} <= set(manifest.vary)
    assert manifest.get_json()["name"] != client.get("/manifest.webmanifest").get_json()["name"]
    assert "Accept-Language" in client.get("/offline").vary
    assert "Accept-Language" not in client.get("/offline?lang=sv").vary


def test_error_pages_before_sign_in_follow_the_browser(client) -> None:  # type: ignore[no-untyped-def]
    missing = client.get("/no-such-page", headers={"Accept-Language": "sv"})
    assert missing.status_code == 404
    assert html_lang(missing) == "sv"
