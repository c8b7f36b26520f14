"""Shift pages: a consultant's own ("My shifts") and a coordinator's view of anyone's; the
"available now" switch on the consultant's home screen posts here too."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from mentor_app.accounts.models import User
from mentor_app.db import db_session
from mentor_app.pool import forms, services, shifts, switches
from mentor_app.pool.access import get_profile_for, my_profile
from mentor_app.pool.models import ConsultantProfile, OnCallWindow
from mentor_app.pool.views import bp
from mentor_app.security import roles_required
from mentor_app.web import client_ip, now

UPCOMING = 14


def _render(profile: ConsultantProfile, status: int = 200, **overrides):  # type: ignore[no-untyped-def]
    session = db_session()
    upcoming = session.scalars(
        select(OnCallWindow)
        .where(OnCallWindow.consultant_id == profile.user_id, OnCallWindow.ends_at > now())
        .order_by(OnCallWindow.starts_at)
        .limit(UPCOMING)
    ).all()
    return (
        render_template(
            "pool/shifts.html",
            profile=profile,
            person=session.get(User, profile.user_id),
            own=current_user.id == profile.user_id,
            plan=shifts.plan_for(session, now(), profile.user_id),
            upcoming=upcoming,
            availability=switches.current_state(session, now(), profile),
            weekdays=forms.WEEKDAY_NAMES,
            clock=forms.clock_label,
            shift_form=overrides.get("shift_form") or forms.WeeklyShiftForm(),
            override_form=overrides.get("override_form") or forms.OverrideForm(),
            holiday_form=overrides.get("holiday_form") or forms.HolidayForm(),
            action_form=forms.ActionForm(),
        ),
        status,
    )


def _back(profile: ConsultantProfile):  # type: ignore[no-untyped-def]
    if current_user.id == profile.user_id:
        return redirect(url_for("pool.my_shifts"))
    return redirect(url_for("pool.shifts_page", user_id=profile.user_id))


@bp.get("/me/shifts")
@roles_required("consultant")
def my_shifts():  # type: ignore[no-untyped-def]
    return _render(my_profile())


@bp.get("/<int:user_id>/shifts")
@roles_required("consultant", "coordinator")
def shifts_page(user_id: int):  # type: ignore[no-untyped-def]
    return _render(get_profile_for(current_user, user_id))


def _refused(profile: ConsultantProfile, err: Exception, **forms_):  # type: ignore[no-untyped-def]
    flash(str(err), "error")
    return _render(profile, 400, **forms_)


@bp.post("/<int:user_id>/shifts")
@roles_required("consultant", "coordinator")
def add_shift(user_id: int):  # type: ignore[no-untyped-def]
    profile = get_profile_for(current_user, user_id)
    form = forms.WeeklyShiftForm()
    if not form.validate_on_submit():
        return _render(profile, 400, shift_form=form)
    try:
        shifts.add_weekly_shift(
            db_session(),
            now(),
            current_user,
            profile.user_id,
            int(form.weekday.data),
            forms.parse_clock(form.starts.data),
            forms.parse_clock(form.ends.data),
            client_ip(),
        )
    except services.PoolError as err:
        form.ends.errors = [str(err)]
        return _refused(profile, err, shift_form=form)
    flash(_("Shift added."), "success")
    return _back(profile)


@bp.post("/<int:user_id>/overrides")
@roles_required("consultant", "coordinator")
def add_override(user_id: int):  # type: ignore[no-untyped-def]
    profile = get_profile_for(current_user, user_id)
    form = forms.OverrideForm()
    if not form.validate_on_submit():
        return _render(profile, 400, override_form=form)
    try:
        shifts.add_override(
            db_session(),
            now(),
            current_user,
            profile.user_id,
            form.kind.data,
            shifts.local_to_utc(form.starts_at.data, profile.timezone),
            shifts.local_to_utc(form.ends_at.data, profile.timezone),
            client_ip(),
        )
    except services.PoolError as err:
        form.ends_at.errors = [str(err)]
        return _refused(profile, err, override_form=form)
    flash(_("Change added."), "success")
    return _back(profile)


@bp.post("/<int:user_id>/holidays")
@roles_required("consultant", "coordinator")
def add_holiday(user_id: int):  # type: ignore[no-untyped-def]
    profile = get_profile_for(current_user, user_id)
    form = forms.HolidayForm()
    if not form.validate_on_submit():
        return _render(profile, 400, holiday_form=form)
    try:
        shifts.add_holiday(
            db_session(),
            now(),
            current_user,
            profile.user_id,
            form.starts_on.data,
            form.ends_on.data,
            form.label.data or "",
            client_ip(),
        )
    except services.PoolError as err:
        form.ends_on.errors = [str(err)]
        return _refused(profile, err, holiday_form=form)
    flash(_("Holiday added."), "success")
    return _back(profile)


REMOVERS = {
    "shifts": shifts.remove_weekly_shift,
    "overrides": shifts.remove_override,
    "holidays": shifts.remove_holiday,
}


@bp.post("/<int:user_id>/<any(shifts, overrides, holidays):what>/<int:item_id>/delete")
@roles_required("consultant", "coordinator")
def remove_item(user_id: int, what: str, item_id: int):  # type: ignore[no-untyped-def]
    profile = get_profile_for(current_user, user_id)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    try:
        REMOVERS[what](db_session(), now(), current_user, profile.user_id, item_id, client_ip())
    except LookupError:
        abort(404)
    flash(_("Removed."), "success")
    return _back(profile)


# --- the "available now" switch (HTML form; the JSON twin is /api/me/availability) ----------


def _switch_message(action: str, hours: int | None) -> str:
    """The confirmation for an availability switch, as one whole sentence per plural form
    (`hours` is 1-24 for "on" and "pause"; a pause without hours only ends "available now")."""
    if action == "on" and hours:
        return ngettext(
            "You are on call for the next hour.",
            "You are on call for the next %(num)s hours.",
            hours,
        )
    if action == "pause" and hours:
        return ngettext(
            "No requests for the next hour.", "No requests for the next %(num)s hours.", hours
        )
    return _("Back to your usual shifts.")


@bp.post("/me/availability")
@roles_required("consultant")
def availability():  # type: ignore[no-untyped-def]
    profile = my_profile()
    form = forms.AvailabilityForm()
    if not form.validate_on_submit():
        abort(400)
    hours = int(form.hours.data) if form.hours.data else None
    session = db_session()
    try:
        if form.action.data == "on":
            switches.set_availability(session, now(), profile, True, hours)
        elif form.action.data == "pause":
            switches.set_availability(session, now(), profile, False, hours)
        elif form.action.data == "off":
            switches.set_availability(session, now(), profile, False, None)
        else:
            switches.resume_plan(session, now(), profile)
        flash(_switch_message(form.action.data, hours), "success")
    except services.PoolError as err:
        flash(str(err), "error")
        return redirect(url_for("home.index")), 303
    target = request.form.get("next") == "shifts"
    return redirect(url_for("pool.my_shifts") if target else url_for("home.index"))
