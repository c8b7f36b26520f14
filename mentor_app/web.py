"""Small request helpers shared by the views."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, g, request

from mentor_app.db import utcnow


def now() -> datetime:
    """The request's clock: one reading per request, so every write in it agrees.

    Tests may set `app.config["CLOCK"]` to a callable returning a frozen time.
    """
    if "now" not in g:
        clock = current_app.config.get("CLOCK")
        g.now = clock() if clock else utcnow()
    return g.now


def client_ip() -> str | None:
    return request.remote_addr


def safe_next(target: str | None, default: str) -> str:
    """Only same-site relative paths: never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def viewer_zone() -> str:
    """The signed-in user's time zone (UTC for a stranger, or a name the tz database does
    not know): the zone of every date and hour on their pages (mentor_app/timeutil.py)."""
    from flask_login import current_user

    from mentor_app import timeutil

    name = getattr(current_user, "timezone", None) if current_user else None
    return timeutil.zone(name).key
