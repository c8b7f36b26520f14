"""Structured logs: one JSON line per request and per worker step, through `logging` with
python-json-logger's formatter.

A request line holds: the request id, the method, the route *template* (`/consults/<int:id>`,
never the path a client typed, which could hold a case code or a search word), the Flask
endpoint, the status, the duration in milliseconds and the signed-in user's id. Never a query
string, a form field, a note, a message or a case code. A worker step line holds the step's
name, how much it did, whether it failed and its duration.

`LOG_FORMAT=json` (the production default) sends every record of the process to stderr as
JSON, through the filter that drops query strings (mentor_app/logfilter.py); `text` leaves
logging as Python configures it (development, tests).
"""

from __future__ import annotations

import logging
import sys

from flask import Flask, request
from flask_login import current_user
from pythonjsonlogger.json import JsonFormatter

from mentor_app.logfilter import DropQueryStrings

REQUEST_LOG = logging.getLogger("mentor_app.requests")
STEP_LOG = logging.getLogger("mentor_app.worker.steps")
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"


def json_formatter() -> logging.Formatter:
    """The one JSON formatter (also named by deploy/gunicorn.conf.py's logconfig)."""
    return JsonFormatter(
        JSON_FIELDS,
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        timestamp=False,
    )


def configure(app: Flask) -> None:
    """Install the JSON handler on the root logger once per process when LOG_FORMAT=json."""
    if app.config.get("LOG_FORMAT", "text") != "json":
        return
    root = logging.getLogger()
    # Once per process; and not under gunicorn's logconfig (deploy/gunicorn.conf.py), which
    # already puts a JSON handler on the root logger.
    if any(
        getattr(h, "mentor_json", False) or isinstance(h.formatter, JsonFormatter)
        for h in root.handlers
    ):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(json_formatter())
    handler.addFilter(DropQueryStrings())
    handler.mentor_json = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))


def _user_id() -> int | None:
    try:
        return current_user.id if current_user and current_user.is_authenticated else None
    except Exception:  # outside a request that loaded the user: no id to give
        return None


def log_request(endpoint: str, status: int, seconds: float, request_id: str | None) -> None:
    rule = request.url_rule.rule if request.url_rule is not None else None
    REQUEST_LOG.info(
        "request",
        extra={
            "request_id": request_id,
            "method": request.method,
            "route": rule,
            "endpoint": endpoint,
            "status": status,
            "duration_ms": round(seconds * 1000, 1),
            "user_id": _user_id(),
        },
    )


def log_step(step: str, done: int, failed: bool, seconds: float) -> None:
    level = logging.INFO if done or failed else logging.DEBUG
    if not STEP_LOG.isEnabledFor(level):
        return
    STEP_LOG.log(
        level,
        "worker step",
        extra={
            "step": step,
            "done": done,
            "failed": failed,
            "duration_ms": round(seconds * 1000, 1),
        },
    )
