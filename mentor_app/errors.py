"""Error pages and JSON errors: a clear message, the right 4xx, never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from mentor_app.security import json_error, wants_json

log = logging.getLogger(__name__)

MESSAGES = {
    400: "The request was not valid.",
    401: "Sign in first.",
    403: "You do not have access to this.",
    404: "Not found.",
    405: "This action is not allowed here.",
    409: "Someone else got there first.",
    410: "This link is no longer valid.",
    413: "That was too large to accept.",
    415: "Send JSON for this request.",
    429: "Too many attempts. Wait a minute and try again.",
    500: "Something went wrong on our side. Nothing you sent was lost; please try again.",
}


def _respond(status: int, message: str | None = None):  # type: ignore[no-untyped-def]
    text = message or MESSAGES.get(status, "Error.")
    if wants_json():
        return json_error(status, text)
    try:
        return render_template("error.html", status=status, message=_(text)), status
    except Exception:  # the page itself failed: still answer, plainly
        log.exception("error page failed to render")
        return text, status, {"Content-Type": "text/plain; charset=utf-8"}


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(err: CSRFError):  # type: ignore[no-untyped-def]
        return _respond(400, "The form had expired or was not sent by this app. Please retry.")

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):  # type: ignore[no-untyped-def]
        status = err.code or 500
        custom = err.description if getattr(err, "custom_message", False) else None
        return _respond(status, custom)

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):  # type: ignore[no-untyped-def]
        log.exception("unhandled error")  # no request data: it may hold personal details
        return _respond(500)
