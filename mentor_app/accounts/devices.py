"""Known devices: a signed cookie for a browser that completed a sign-in.

The per-account sign-in limit (LOGIN_LIMIT_PER_ACCOUNT) protects against guessing, but anyone
who knows an address can use it up and keep that person out ("lock-out as a weapon": ten wrong
passwords a minute keep an on-call consultant locked out). A browser that signed in as the
user before carries `mentor_device` (`__Host-mentor_device` in production): the user id and a
random device id, signed with the secret key, valid for DEVICE_COOKIE_DAYS. Its sign-in
attempts count against a limit of their own (the same size, per device) instead of the
account's, so a stranger's failures do not block it; a correct password and second factor
still decide. It grants nothing else: no session, no skipped step, no exemption from the
second factor's lock (lockout.py).
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, current_app, g, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from mentor_app.security import cookie_name

COOKIE = "mentor_device"
SALT = "mentor_app known device"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _max_age() -> int:
    return int(current_app.config["DEVICE_COOKIE_DAYS"]) * 24 * 3600


def _read() -> dict | None:
    raw = request.cookies.get(cookie_name(COOKIE))
    if not raw or len(raw) > 300:
        return None
    try:
        data = _serializer().loads(raw, max_age=_max_age())
    except BadSignature:
        return None
    ok = (
        isinstance(data, dict) and isinstance(data.get("u"), int) and isinstance(data.get("d"), str)
    )
    return data if ok else None


def known_device(user_id: int | None) -> str | None:
    """This browser's device id if it signed in as `user_id` before, else None."""
    data = _read()
    if user_id is None or data is None or data["u"] != user_id:
        return None
    return data["d"]


def remember(user_id: int) -> None:
    """After a complete sign-in: (re)issue the cookie with this response."""
    g.known_device_user = user_id


def _issue(response: Response) -> Response:
    user_id = g.pop("known_device_user", None)
    if user_id is None:
        return response
    device = known_device(user_id) or secrets.token_urlsafe(16)
    response.set_cookie(
        cookie_name(COOKIE),
        _serializer().dumps({"u": user_id, "d": device}),
        max_age=_max_age(),
        path="/",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    return response


def init_app(app: Flask) -> None:
    app.after_request(_issue)
