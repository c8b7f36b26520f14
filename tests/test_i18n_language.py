"""Which language a request speaks: user setting > cookie > Accept-Language > English."""

from __future__ import annotations

import re

import pytest

from mentor_app.i18n.language import LANGUAGE_COOKIE, request_language, supported


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
