"""Choosing the language: the switch on the login page (and any page), and the JSON API.

`POST /language` (form, CSRF token) and `POST /api/me/language {"language": "sv"}` (X-CSRFToken
header). A signed-in user's setting is stored; everyone's choice is remembered on the device in
a cookie that holds only the language code, so it survives sign-out.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from mentor_app.db import db_session
from mentor_app.extensions import limiter
from mentor_app.i18n.language import (
    LANGUAGE_COOKIE,
    LANGUAGE_COOKIE_MAX_AGE,
    cookie_language,
    user_language,
)
from mentor_app.i18n.services import LanguageError, choose_language, set_user_language
from mentor_app.security import json_error
from mentor_app.web import now, safe_next

bp = Blueprint("i18n", __name__)


def remember_language(response: Response, language: str) -> None:
    """The device's language cookie: the bare code, readable by the server only."""
    from flask import current_app

    from mentor_app.security import cookie_name

    response.set_cookie(
        cookie_name(LANGUAGE_COOKIE),  # `__Host-lang` in production, like every cookie
        language,
        max_age=LANGUAGE_COOKIE_MAX_AGE,
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Lax",
    )


def _apply(code: object) -> str:
    if current_user.is_authenticated:
        return set_user_language(db_session(), now(), current_user, code)
    return choose_language(code)


@bp.post("/language")
@limiter.limit("30 per minute")
def switch():  # type: ignore[no-untyped-def]
    """The language buttons: store the choice, then back to the page they were on."""
    back = safe_next(request.form.get("next"), url_for("home.index"))
    try:
        language = _apply(request.form.get("language"))
    except LanguageError as err:
        return json_error(400, str(err)) if request.is_json else (str(err), 400)
    response = redirect(back)
    remember_language(response, language)
    return response


@bp.post("/api/me/language")
@login_required
@limiter.limit("30 per minute")
def api_set_language():  # type: ignore[no-untyped-def]
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or set(body) != {"language"}:
        return json_error(400, _('Send a JSON object with one field, "language".'))
    try:
        language = _apply(body["language"])
    except LanguageError as err:
        return json_error(400, str(err))
    response = jsonify({"language": language})
    remember_language(response, language)
    return response


LANGUAGE_DEPENDENT = frozenset({"text/html", "application/manifest+json"})


def _content_language(response: Response) -> Response:
    """Text in the request's language says so: `Content-Language` (as `<html lang>` does; the
    service worker keeps the offline page in the language of the pages it last served), and
    `Vary` names what chose it, so a shared cache never hands a Swede the German manifest."""
    if response.mimetype not in LANGUAGE_DEPENDENT or request.endpoint == "static":
        return response
    if "Content-Language" not in response.headers:
        from flask_babel import get_locale

        response.headers["Content-Language"] = str(get_locale() or "en")
    if not request.args.get("lang"):
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
    return response


def _keep_cookie_in_step(response: Response) -> Response:
    """A signed-in user's language is also the device's, so the login page after sign-out
    (and on the next visit) speaks it. Only when it differs, to keep responses cacheable."""
    if request.endpoint == "static":
        return response
    language = user_language()
    from mentor_app.security import cookie_name

    prefix = f"{cookie_name(LANGUAGE_COOKIE)}="
    already = any(c.startswith(prefix) for c in response.headers.getlist("Set-Cookie"))
    if language and cookie_language(request) != language and not already:
        remember_language(response, language)
    return response


def init_app(app: Flask) -> None:
    from mentor_app.i18n import formats

    formats.init_app(app)
    app.register_blueprint(bp)
    app.after_request(_keep_cookie_in_step)
    app.after_request(_content_language)
