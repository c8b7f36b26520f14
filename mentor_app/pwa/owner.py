"""The owner tag of a mentor's offline queue, as a cookie the page's script reads.

Requests queued on a shared phone must only ever be sent under the account that made them, so
each queued item carries its owner's tag: a keyed hash of the user id, never the id. It travels
in a cookie rather than in the pages because guide pages are the same HTML for every reader
(the service worker keeps them). The cookie is readable by script by design (it is the page's
script that needs it); it says nothing to anyone without the app's secret key. It is set on a
signed-in mentor's pages and removed on sign-out and on pages seen signed out.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import Flask, Response, current_app, request
from flask_login import current_user

from mentor_app.security import cookie_name

COOKIE = "mentor_queue_owner"  # `__Host-mentor_queue_owner` in production


def queue_owner(user_id: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"consult-queue:{user_id}".encode(), hashlib.sha256).hexdigest()[:24]


def _keep_owner_cookie(response: Response) -> Response:
    if response.mimetype != "text/html":
        return response  # pages only: static files and APIs never load the user for this
    mentor = (
        request.endpoint != "accounts.logout"
        and current_user.is_authenticated
        and current_user.role == "mentor"
    )
    name = cookie_name(COOKIE)
    if not mentor:
        if name in request.cookies:
            response.delete_cookie(
                name, path="/", secure=current_app.config["SESSION_COOKIE_SECURE"]
            )
        return response
    tag = queue_owner(current_user.get_id())
    if request.cookies.get(name) != tag:
        response.set_cookie(
            name,
            tag,
            max_age=int(current_app.config["ABSOLUTE_TIMEOUT"].total_seconds()),
            path="/",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=False,  # read by static/js/offline-queue.js
            samesite="Lax",
        )
    return response


READER_HEADER = "X-Mentor-Reader"


def reader_tag(user_id: str) -> str:
    """Who reads this phone's kept guides: a keyed hash of the user id (24 hex characters)."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"guides-reader:{user_id}".encode(), hashlib.sha256).hexdigest()[:24]


def _name_reader(response: Response) -> Response:
    """Every page names its reader to the service worker ("" when signed out), which drops the
    guides it kept as soon as another person signs in on the phone (issue 21): a session that
    timed out never posted "Sign out"."""
    if response.mimetype == "text/html":
        signed_in = request.endpoint != "accounts.logout" and current_user.is_authenticated
        response.headers[READER_HEADER] = reader_tag(current_user.get_id()) if signed_in else ""
    return response


def init_app(app: Flask) -> None:
    app.after_request(_keep_owner_cookie)
    app.after_request(_name_reader)
