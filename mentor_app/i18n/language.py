"""Which language the current request's text is in.

Order (issue 16, part 2): a signed-in user's own setting wins; otherwise the language cookie
(set by the switch on the login page or by a signed-in user's choice, so it survives sign-out on
that device); otherwise the browser's `Accept-Language`, chosen among the supported languages;
English as the fallback. Only a bare language code is ever read from or written to the cookie.
"""

from __future__ import annotations

from flask import Request, has_request_context, request
from flask_login import current_user

SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "sv", "de")
DEFAULT_LANGUAGE = "en"
# The cookie holds one of SUPPORTED_LANGUAGES and nothing else (no user id, no session data).
LANGUAGE_COOKIE = "lang"
LANGUAGE_COOKIE_MAX_AGE = 400 * 24 * 3600  # seconds; the longest lifetime browsers honour


def supported(code: object) -> str | None:
    """`code` as one of SUPPORTED_LANGUAGES ("sv", "SV", "sv-SE" → "sv"), or None."""
    if not isinstance(code, str):
        return None
    base = code.strip().replace("_", "-").split("-", 1)[0].lower()
    return base if base in SUPPORTED_LANGUAGES else None


def user_language() -> str | None:
    """The signed-in user's own setting, or None before sign-in (or outside a request)."""
    if not has_request_context():
        return None
    user = current_user
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return supported(getattr(user, "locale", None))


def cookie_language(req: Request) -> str | None:
    """The language remembered on this device by the cookie, or None."""
    from mentor_app.security import cookie_name  # security imports this module's neighbours

    return supported(req.cookies.get(cookie_name(LANGUAGE_COOKIE)))


def browser_language(req: Request) -> str | None:
    """The best of SUPPORTED_LANGUAGES by the `Accept-Language` header, or None."""
    best = req.accept_languages.best_match(SUPPORTED_LANGUAGES)
    return supported(best)


def request_language() -> str:
    """The language of the current request's text: "en", "sv" or "de".

    User setting > cookie > Accept-Language > English. Outside a request: English.
    """
    if not has_request_context():
        return DEFAULT_LANGUAGE
    return (
        user_language() or cookie_language(request) or browser_language(request) or DEFAULT_LANGUAGE
    )
