"""The notifications section of Settings: devices, the enable button (push.js), a test message,
removing a device, e-mail fallback, and whether notifications can reach the user."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from mentor_app.audit import services as audit
from mentor_app.db import db_session
from mentor_app.extensions import limiter
from mentor_app.notifications import services, subscriptions
from mentor_app.notifications.forms import ActionForm, EmailFallbackForm
from mentor_app.notifications.reachability import reachability_for
from mentor_app.notifications.vapid import VapidConfigError, keys_for
from mentor_app.web import client_ip, now

bp = Blueprint("notifications", __name__, url_prefix="/account/notifications")


def _settings_url() -> str:
    return url_for("accounts.settings") + "#notifications"


def _per_user() -> str:
    return f"push-test:{current_user.get_id()}"


@bp.post("/test")
@login_required
@limiter.limit("6 per minute", key_func=_per_user)
def send_test():  # type: ignore[no-untyped-def]
    if not ActionForm().validate_on_submit():
        abort(400)
    if not subscriptions.active_devices(db_session(), current_user.id):
        # Nothing would arrive: say so instead of "on its way" (issue 17, item 16).
        flash(
            _(
                "No device of yours gets notifications yet, so a test would reach nothing. "
                "Turn notifications on, on the phone you carry, first."
            ),
            "error",
        )
        return redirect(_settings_url())
    services.queue_test(db_session(), now(), user_id=current_user.id, locale=current_user.locale)
    flash(_("A test notification is on its way to your devices."), "success")
    return redirect(_settings_url())


@bp.post("/devices/<int:device_id>/remove")
@login_required
def remove_device(device_id: int):  # type: ignore[no-untyped-def]
    device = subscriptions.get_device_for(db_session(), current_user.id, device_id)
    if device is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    subscriptions.remove(db_session(), now(), device, actor_id=current_user.id, ip=client_ip())
    flash(_("That device will no longer get notifications."), "success")
    return redirect(_settings_url())


@bp.post("/email-fallback")
@login_required
def email_fallback():  # type: ignore[no-untyped-def]
    form = EmailFallbackForm()
    if not form.validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    wanted = form.email_fallback.data == "on"
    if user.email_fallback != wanted:
        user.email_fallback = wanted
        audit.record(
            db_session(),
            now(),
            "notifications.email_fallback_changed",
            actor_id=user.id,
            object_type="user",
            object_id=user.id,
            ip=client_ip(),
            details={"email_fallback": wanted},
        )
    flash(_("Saved."), "success")
    return redirect(_settings_url())


def _push_configured() -> bool:
    try:
        return keys_for(current_app) is not None
    except VapidConfigError:
        return False


def settings_context() -> dict[str, Any]:
    """What the settings section shows for the signed-in user (templates call this)."""
    session = db_session()
    user = current_user
    devices = subscriptions.active_devices(session, user.id)
    form = EmailFallbackForm(email_fallback="on" if user.email_fallback else "off")
    return {
        "devices": devices,
        "reach": reachability_for(session, [user.id])[user.id],
        "email_fallback_form": form,
        "action_form": ActionForm(),
        "push_configured": _push_configured(),
    }
