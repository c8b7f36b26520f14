"""Settings: pick a second channel, enter a number or handle, remove it, send a test."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from mentor_app.db import db_session
from mentor_app.extensions import limiter
from mentor_app.notifications.forms import ActionForm
from mentor_app.relay import services, templates
from mentor_app.relay.forms import AlertChannelForm
from mentor_app.relay.models import AlertChannel
from mentor_app.web import client_ip, now

bp = Blueprint("relay", __name__, url_prefix="/account/alert-channel")

# Messages of AddressError, translated here (the module that raises them is pure).
ADDRESS_ERRORS = {
    "phone": lambda: _("Enter the number with its country code, for example +46701234567."),
    "handle": lambda: _(
        "Enter only the handle: letters, digits and . _ - @ : +, at most 64 characters."
    ),
    "url": lambda: _("Enter only a number or a handle, not a web address."),
}


def allowed() -> dict[str, templates.ChannelTemplate]:
    return templates.parse(current_app.config.get("ALERT_CHANNELS"))


def _settings_url() -> str:
    return url_for("accounts.settings") + "#alert-channel"


def _per_user() -> str:
    return f"relay-test:{current_user.get_id()}"


def _form(channels: dict[str, templates.ChannelTemplate]) -> AlertChannelForm:
    form = AlertChannelForm()
    form.channel.choices = [(t.name, t.label) for t in channels.values()]
    return form


@bp.post("")
@login_required
def choose():  # type: ignore[no-untyped-def]
    channels = allowed()
    if not channels:
        abort(404)
    form = _form(channels)
    if not form.validate_on_submit():
        return _refuse(_("Choose a channel and enter your number or handle."))
    template = channels[form.channel.data]
    try:
        services.choose(
            db_session(), now(), current_user.id, template, form.address.data, ip=client_ip()
        )
    except templates.AddressError as err:
        return _refuse(ADDRESS_ERRORS[err.reason]())
    flash(_("Saved. Send yourself a test to check that it arrives."), "success")
    return redirect(_settings_url())


def _refuse(message: str):  # type: ignore[no-untyped-def]
    """400 with the reason, on the app's error page (a link leads back to Settings)."""
    return render_template("error.html", status=400, message=message), 400


@bp.post("/remove")
@login_required
def remove():  # type: ignore[no-untyped-def]
    if not ActionForm().validate_on_submit():
        abort(400)
    services.remove(db_session(), now(), current_user.id, ip=client_ip())
    flash(_("Alerts will no longer go to that channel."), "success")
    return redirect(_settings_url())


@bp.post("/test")
@login_required
@limiter.limit("6 per minute", key_func=_per_user)
def send_test():  # type: ignore[no-untyped-def]
    if not ActionForm().validate_on_submit():
        abort(400)
    choice = db_session().get(AlertChannel, current_user.id)
    if choice is None or choice.channel not in allowed():
        return _refuse(_("Choose a channel first."))
    services.queue_test(db_session(), now(), current_user.id, current_user.locale)
    flash(_("A test message is on its way to your second channel."), "success")
    return redirect(_settings_url())


def settings_context() -> dict[str, Any]:
    channels = allowed()
    choice = db_session().get(AlertChannel, current_user.id) if channels else None
    form = _form(channels)
    if choice is not None and choice.channel in channels:
        form.channel.data = choice.channel
    return {
        "channels": channels,
        "choice": choice,
        "choice_allowed": choice is not None and choice.channel in channels,
        "form": form,
        "action_form": ActionForm(),
    }
