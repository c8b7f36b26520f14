"""Small request helpers shared by the views."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

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


NEXT_MAX = 1000


def safe_next(target: str | None, default: str) -> str:
    """`target` if it is a path on this site, else `default`. Never an open redirect.

    The check works on what a browser would make of the Location header (WHATWG URL parsing):
    browsers drop tabs and newlines anywhere in a URL and read a backslash as a slash, so
    `/<tab>/evil.example` and `/\\evil.example` both become `//evil.example`, another host. So:
    no control characters or whitespace at all, no backslash, no `//` anywhere, a single
    leading `/`, and the result, joined to this site's address, has no other scheme or host.
    """
    if not target or not isinstance(target, str) or len(target) > NEXT_MAX:
        return default
    if not target.startswith("/") or "//" in target or "\\" in target:
        return default
    if any(ch.isspace() or ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return default
    return target


def is_same_site(location: str) -> bool:
    """Whether a redirect's Location stays on this site: a safe path, or an absolute URL whose
    scheme and host are this request's (or PUBLIC_BASE_URL's)."""
    parts = urlsplit(location)
    if not parts.scheme and not parts.netloc:
        path = location.split("#", 1)[0]
        return safe_next(path, "") == path
    if any(ch.isspace() or ord(ch) < 0x20 or ch == "\\" for ch in location):
        return False
    allowed = {urlsplit(request.host_url).netloc}
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        allowed.add(urlsplit(base).netloc)
    return parts.scheme in ("http", "https") and parts.netloc in allowed


def external_url(path: str) -> str:
    """An absolute link for outside the app (an invitation, an e-mail) to a path on this site:
    from PUBLIC_BASE_URL, never from the request's Host header. Development without the
    setting falls back to the address the request came to."""
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url
    return base.rstrip("/") + path


def viewer_zone() -> str:
    """The signed-in user's time zone (UTC for a stranger, or a name the tz database does
    not know): the zone of every date and hour on their pages (mentor_app/timeutil.py)."""
    from flask_login import current_user

    from mentor_app import timeutil

    name = getattr(current_user, "timezone", None) if current_user else None
    return timeutil.zone(name).key
