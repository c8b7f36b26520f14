"""Error pages and JSON errors: a clear message, the right 4xx, never a stack trace."""

from __future__ import annotations

import logging
import sys
import traceback

from flask import Flask, jsonify, make_response, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, PendingRollbackError
from werkzeug.exceptions import HTTPException

from mentor_app.db import is_transient_error
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
    503: "The service is busy or its database cannot be reached. Please try again in a moment.",
}


def _respond(status: int, message: str | None = None):  # type: ignore[no-untyped-def]
    text = message or MESSAGES.get(status, "Error.")
    if wants_json():
        return json_error(status, text)
    try:
        return render_template("error.html", status=status, message=_(text)), status
    except Exception:  # the page itself failed: still answer, plainly
        log_unexpected(log, "error page failed to render")
        return text, status, {"Content-Type": "text/plain; charset=utf-8"}


def _limit_window_seconds(err: HTTPException) -> int:
    """How long until a rate limit surely lets the client in again: its whole window (the
    limiter's own headers are off; they would put an hour's Retry-After on every answer)."""
    limit = getattr(getattr(err, "limit", None), "limit", None)
    return int(limit.get_expiry()) if limit is not None else 60


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(err: CSRFError):  # type: ignore[no-untyped-def]
        log.warning("CSRF check refused a request: %s", err.description)  # fixed text, no data
        message = "The form had expired or was not sent by this app. Please retry."
        if wants_json():
            # `code` lets a page's script fetch a fresh token (GET /api/csrf-token) and retry.
            return jsonify({"error": message, "code": "csrf"}), 400
        return _respond(400, message)

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):  # type: ignore[no-untyped-def]
        status = err.code or 500
        custom = err.description if getattr(err, "custom_message", False) else None
        response = make_response(_respond(status, custom))
        if status == 429:
            response.headers["Retry-After"] = str(_limit_window_seconds(err))
        return response

    @app.errorhandler(DBAPIError)
    @app.errorhandler(PendingRollbackError)
    def _database_unavailable(err: Exception):  # type: ignore[no-untyped-def]
        # The database is down, the connection dropped (also during COMMIT: views commit
        # inside their dispatch, see db.commit_at_boundary), a deadlock or serialization
        # failure, or (SQLite) the lock stayed taken past the busy timeout: nothing was saved,
        # and trying again shortly is the right thing (the consult button queues the tap and
        # resends it). A 503 with Retry-After says so; a 500 would say "a bug".
        if not is_transient_error(err):
            return _unexpected(err)
        cause = getattr(err, "orig", None) or err
        log.warning("database unavailable: %s", type(cause).__name__)
        response = make_response(_respond(503))
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):  # type: ignore[no-untyped-def]
        log.error("unhandled error\n%s", describe(err))  # no request data, no message
        return _respond(500)


def log_unexpected(logger: logging.Logger, message: str, *args: object) -> None:
    """`logger.exception` without the exception's message (see `describe`): for every place
    that logs an error it did not expect, in requests and in the worker."""
    err = sys.exc_info()[1]
    logger.error(message + "\n%s", *args, describe(err) if err else "")


def describe(err: BaseException) -> str:
    """Where an unexpected error happened, without what it was about: the exception's class
    and the stack (file, line, function, source line), never its message or arguments. A
    message may quote the request (`invalid literal for int(): '<what was typed>'`) or a
    database statement's values; the stack is enough to find the bug."""
    lines = []
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        kind = type(current)
        lines.append(f"{kind.__module__}.{kind.__qualname__} (message withheld)")
        lines.extend(traceback.format_list(traceback.extract_tb(current.__traceback__)))
        current = current.__cause__ or current.__context__
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines).rstrip()
