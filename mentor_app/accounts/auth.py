"""Request-time authentication: the cookie names a server-side session, checked every request."""

from __future__ import annotations

from flask import Flask, current_app, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mentor_app.accounts import services
from mentor_app.accounts.models import User
from mentor_app.db import db_session
from mentor_app.extensions import login_manager
from mentor_app.security import json_error, wants_json
from mentor_app.web import now

# Endpoints a signed-in user may reach before finishing two-factor enrolment.
ENROLMENT_ALLOWED = {
    "accounts.enrol_totp",
    "accounts.logout",
    "static",
    "health.healthz",
}


def _limits() -> services.SessionLimits:
    return services.SessionLimits(
        idle=current_app.config["IDLE_TIMEOUT"], absolute=current_app.config["ABSOLUTE_TIMEOUT"]
    )


@login_manager.request_loader
def _load_user_from_session(_request: object) -> User | None:
    token = session.get("sid")
    if not isinstance(token, str):
        return None
    background = request.headers.get("X-Background-Poll") == "1"
    record = services.load_session(db_session(), now(), token, _limits(), touch=not background)
    if record is None:
        session.pop("sid", None)
        g.session_expired = True
        return None
    g.user_session = record
    return record.user


@login_manager.unauthorized_handler
def _unauthorized():  # type: ignore[no-untyped-def]
    if wants_json():
        return json_error(401, _("Sign in first."))
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def two_factor_guard():  # type: ignore[no-untyped-def]
    """Consultants and coordinators reach nothing but enrolment until two-factor is on."""
    if request.endpoint in ENROLMENT_ALLOWED or request.endpoint is None:
        return None
    if not current_user.is_authenticated:
        return None
    record = g.get("user_session")
    if record is not None and not record.two_factor_done:
        if wants_json():
            return json_error(403, _("Turn on two-factor authentication first."))
        return redirect(url_for("accounts.enrol_totp"))
    return None


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = None  # our own server-side sessions do this job
    app.before_request(two_factor_guard)
