"""Safety pages: the mentor's visit actions (forms behind the home card), Settings for PINs,
phone and contacts, the responder's alarm page and the coordinators' overview.

Thin: read the form, call a service, flash, redirect. A check-in answers the same redirect and
the same flash for the safety PIN and for the duress PIN.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import Forbidden

from mentor_app.db import db_session
from mentor_app.i18n.formats import format_when
from mentor_app.safety import access, ladder, policy, queries, services
from mentor_app.safety.errors import SafetyError
from mentor_app.web import now

bp = Blueprint("safety", __name__, url_prefix="/safety")


def _mentor_only() -> None:
    if current_user.role != "mentor":
        raise Forbidden()


def _int_field(name: str) -> int:
    raw = request.form.get(name, "")
    if not raw.isdigit() or len(raw) > 4:
        abort(400, _("Choose how long the visit takes."))
    return int(raw)


def _refused(err: SafetyError, target: str):  # type: ignore[no-untyped-def]
    if err.extra.get("keep"):
        db_session().commit()  # the refusal left a fact for the responders (extend in alarm)
    flash(_("That did not work: %(reason)s", reason=err.message), "error")
    return redirect(target, code=303)


@bp.post("/visits")
@login_required
def start():  # type: ignore[no-untyped-def]
    _mentor_only()
    minutes = _int_field("minutes")
    try:
        services.start(
            db_session(),
            now(),
            current_user,
            minutes=minutes,
            case_code=request.form.get("case_code", "")[:16] or None,
            where=request.form.get("where", "")[:400] or None,
            client_key=request.form.get("client_key", "")[:64] or None,
        )
    except SafetyError as err:
        return _refused(err, url_for("home.index"))
    db_session().commit()
    return redirect(url_for("home.index"), code=303)


@bp.post("/visits/<int:visit_id>/extend")
@login_required
def extend(visit_id: int):  # type: ignore[no-untyped-def]
    visit = access.visit_for_owner(db_session(), current_user, visit_id)
    try:
        visit = services.extend(db_session(), now(), visit, _int_field("minutes"))
    except SafetyError as err:
        return _refused(err, url_for("home.index"))
    db_session().commit()
    flash(_("Visit extended: check in by %(time)s.", time=format_when(visit.due_at)), "success")
    return redirect(url_for("home.index"), code=303)


@bp.post("/visits/<int:visit_id>/check-in")
@login_required
def check_in(visit_id: int):  # type: ignore[no-untyped-def]
    visit = access.visit_for_owner(db_session(), current_user, visit_id)
    pin = request.form.get("pin", "")[:64] or None
    try:
        services.check_in(db_session(), now(), visit, pin)
    except SafetyError as err:
        return _refused(err, url_for("home.index"))
    db_session().commit()
    flash(_("Checked in. Good to know you are safe."), "success")
    return redirect(url_for("home.index"), code=303)


@bp.post("/visits/<int:visit_id>/sos")
@login_required
def sos(visit_id: int):  # type: ignore[no-untyped-def]
    """The form behind the SOS button (two steps without JavaScript; safety.js adds the
    location, when the mentor allows it, and posts to the API instead)."""
    visit = access.visit_for_owner(db_session(), current_user, visit_id)
    try:
        services.sos(db_session(), now(), visit)
    except SafetyError as err:
        return _refused(err, url_for("home.index"))
    db_session().commit()
    flash(_("SOS sent. Your colleagues are being alerted."), "success")
    return redirect(url_for("home.index"), code=303)


@bp.post("/sos")
@login_required
def sos_now():  # type: ignore[no-untyped-def]
    """The form behind the SOS on the mentor home when no visit runs (two steps)."""
    _mentor_only()
    try:
        services.sos_now(db_session(), now(), current_user)
    except SafetyError as err:
        return _refused(err, url_for("home.index"))
    db_session().commit()
    flash(_("SOS sent. Your colleagues are being alerted."), "success")
    return redirect(url_for("home.index"), code=303)


# --- settings -------------------------------------------------------------------------------


@bp.get("/settings")
@login_required
def settings():  # type: ignore[no-untyped-def]
    _mentor_only()
    session = db_session()
    profile = queries.profile(session, current_user.id)
    return render_template(
        "safety/settings.html",
        profile=profile,
        contacts=queries.contacts_of(session, current_user.id),
    )


def _settings_done(action) -> object:  # type: ignore[no-untyped-def]
    _mentor_only()
    try:
        action()
    except SafetyError as err:
        return _refused(err, url_for("safety.settings"))
    db_session().commit()
    flash(_("Saved."), "success")
    return redirect(url_for("safety.settings"), code=303)


@bp.post("/settings/pins")
@login_required
def save_pins():  # type: ignore[no-untyped-def]
    _mentor_only()
    safety_pin = request.form.get("safety_pin", "")[:64] or None
    duress_pin = request.form.get("duress_pin", "")[:64] or None
    if safety_pin is None and duress_pin is None and request.form.get("clear") != "1":
        abort(400, _("Enter a safety PIN."))
    return _settings_done(
        lambda: services.set_pins(db_session(), now(), current_user, safety_pin, duress_pin)
    )


@bp.post("/settings/phone")
@login_required
def save_phone():  # type: ignore[no-untyped-def]
    _mentor_only()
    if "phone" not in request.form:
        abort(400, _("Enter a phone number."))
    phone = request.form.get("phone", "")[:40]
    return _settings_done(lambda: services.set_phone(db_session(), now(), current_user, phone))


@bp.post("/settings/contacts")
@login_required
def add_contact():  # type: ignore[no-untyped-def]
    _mentor_only()
    email = request.form.get("email", "")[:254]
    if not email:
        abort(400, _("Enter your colleague's e-mail address."))
    return _settings_done(lambda: services.add_contact(db_session(), now(), current_user, email))


@bp.post("/settings/contacts/<int:contact_id>/remove")
@login_required
def remove_contact(contact_id: int):  # type: ignore[no-untyped-def]
    return _settings_done(
        lambda: services.remove_contact(db_session(), now(), current_user, contact_id)
    )


# --- responders -----------------------------------------------------------------------------


@bp.get("/")
@login_required
def overview():  # type: ignore[no-untyped-def]
    if current_user.role != "coordinator":
        raise Forbidden()
    session, at = db_session(), now()
    alarms = access.visible_alarms(session, current_user, at)
    return render_template(
        "safety/overview.html",
        alarms=[access.alarm_view(session, current_user, a, at) for a in alarms],
        visits=queries.running_visits(session),
        now=at,
    )


@bp.get("/alarms/<int:alarm_id>")
@login_required
def alarm(alarm_id: int):  # type: ignore[no-untyped-def]
    session, at = db_session(), now()
    row = access.alarm_for(session, current_user, alarm_id)
    view = access.alarm_view(session, current_user, row, at, detail=True)
    access.record_view(session, at, current_user, row, "page")
    session.commit()
    return render_template("safety/alarm.html", alarm=view, outcomes=policy.OUTCOMES)


@bp.post("/alarms/<int:alarm_id>/ack")
@login_required
def acknowledge(alarm_id: int):  # type: ignore[no-untyped-def]
    session = db_session()
    row = access.alarm_for(session, current_user, alarm_id)
    try:
        ladder.acknowledge(session, now(), row, current_user.id)
    except SafetyError:
        session.rollback()
        flash(_("Someone else has already taken this alarm."), "error")
        return redirect(url_for("safety.alarm", alarm_id=alarm_id), code=303)
    session.commit()
    return redirect(url_for("safety.alarm", alarm_id=alarm_id), code=303)


@bp.post("/alarms/<int:alarm_id>/resolve")
@login_required
def resolve(alarm_id: int):  # type: ignore[no-untyped-def]
    session = db_session()
    row = access.alarm_for(session, current_user, alarm_id)
    outcome = request.form.get("outcome", "")
    if outcome not in policy.OUTCOMES:
        abort(400, _("Choose what happened."))
    if row.acknowledged_by_id not in (None, current_user.id) and current_user.role != "coordinator":
        raise Forbidden()
    note = request.form.get("note", "")[: policy.NOTE_MAX + 1]
    try:
        ladder.resolve(session, now(), row, current_user.id, outcome, note)
    except SafetyError as err:
        return _refused(err, url_for("safety.alarm", alarm_id=alarm_id))
    session.commit()
    flash(_("Alarm resolved."), "success")
    return redirect(url_for("safety.alarm", alarm_id=alarm_id), code=303)
