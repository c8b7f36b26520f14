"""The JSON API of safety (fixed addresses: the PWA and outside tools drive it).

Every field is checked for type and size; unknown fields are refused; errors are
{"error": "..."} with a 4xx status. CSRF: X-CSRFToken. Check-in answers the same bytes for the
safety PIN, for no PIN when none is set, and for the duress PIN.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import Forbidden

from mentor_app.db import db_session
from mentor_app.safety import access, ladder, services
from mentor_app.safety.errors import SafetyError
from mentor_app.security import json_error
from mentor_app.web import now

bp = Blueprint("safety_api", __name__, url_prefix="/api")


class BadInput(Exception):
    pass


def _opt_str(limit: int) -> Callable[[Any], bool]:
    return lambda v: v is None or (isinstance(v, str) and len(v) <= limit)


def _int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and abs(v) < 2**31


def _opt_number(v: Any) -> bool:
    if v is None:
        return True
    return (
        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and abs(v) < 1e7
    )


FIELDS: dict[str, dict[str, Callable[[Any], bool]]] = {
    "start": {
        "minutes": _int,
        "case_code": _opt_str(16),
        "where": _opt_str(400),
        "client_key": _opt_str(64),
    },
    "extend": {"minutes": _int},
    "check_in": {"pin": _opt_str(64)},
    "sos": {"latitude": _opt_number, "longitude": _opt_number, "accuracy_m": _opt_number},
    "resolve": {"outcome": _opt_str(16), "note": _opt_str(4000)},
    "settings": {"phone": _opt_str(40), "safety_pin": _opt_str(64), "duress_pin": _opt_str(64)},
    "contact": {"email": _opt_str(254)},
    "empty": {},
}


def _body(kind: str, required: tuple[str, ...] = ()) -> dict[str, Any]:
    data = request.get_json(silent=True)
    if data is None and not request.get_data(cache=True):
        data = {}
    if not isinstance(data, dict):
        raise BadInput(_("Send a JSON object."))
    spec = FIELDS[kind]
    for key, value in data.items():
        if key not in spec:
            raise BadInput(_("Unknown field: %(name)s.", name=str(key)[:40]))
        if not spec[key](value):
            raise BadInput(_("Field %(name)s has the wrong type or is too long.", name=key))
    for key in required:
        if data.get(key) is None:
            raise BadInput(_("Field %(name)s is required.", name=key))
    return data


@bp.errorhandler(BadInput)
def _bad_input(err: BadInput):  # type: ignore[no-untyped-def]
    return json_error(400, str(err))


@bp.errorhandler(SafetyError)
def _refused(err: SafetyError):  # type: ignore[no-untyped-def]
    if err.extra.get("keep"):
        _commit()  # the refusal left a fact for the responders (services._extend_refused)
    response = jsonify({"error": err.message, **_public_extra(err)})
    return response, err.status


def _public_extra(err: SafetyError) -> dict[str, Any]:
    holder = err.extra.get("holder")
    if holder is None:
        return {}
    from mentor_app.accounts.models import User

    user = db_session().get(User, holder)
    return {"acknowledged_by": user.display_name if user else None}


def _mentor_only() -> None:
    if current_user.role != "mentor":
        raise Forbidden(_("Only mentors start visits."))


def _commit() -> None:
    db_session().commit()


# --- visits ---------------------------------------------------------------------------------


@bp.post("/visits")
@login_required
def start_visit():  # type: ignore[no-untyped-def]
    _mentor_only()
    data = _body("start", required=("minutes",))
    visit, created = services.start(
        db_session(),
        now(),
        current_user,
        minutes=data["minutes"],
        case_code=data.get("case_code"),
        where=data.get("where"),
        client_key=data.get("client_key"),
    )
    _commit()
    return jsonify({"id": visit.id, "due_at": visit.due_at.isoformat()}), 201 if created else 200


@bp.post("/visits/<int:visit_id>/extend")
@login_required
def extend_visit(visit_id: int):  # type: ignore[no-untyped-def]
    visit = access.visit_for_owner(db_session(), current_user, visit_id)
    data = _body("extend", required=("minutes",))
    visit = services.extend(db_session(), now(), visit, data["minutes"])
    _commit()
    return jsonify({"id": visit.id, "due_at": visit.due_at.isoformat()})


@bp.post("/visits/<int:visit_id>/check-in")
@login_required
def check_in(visit_id: int):  # type: ignore[no-untyped-def]
    visit = access.visit_for_owner(db_session(), current_user, visit_id)
    data = _body("check_in")
    services.check_in(db_session(), now(), visit, data.get("pin"))
    _commit()
    return jsonify({"status": "ended"})


@bp.post("/visits/<int:visit_id>/sos")
@login_required
def sos(visit_id: int):  # type: ignore[no-untyped-def]
    visit = access.visit_for_owner(db_session(), current_user, visit_id)
    data = _body("sos")
    alarm_id = services.sos(
        db_session(),
        now(),
        visit,
        latitude=data.get("latitude"),
        longitude=data.get("longitude"),
        accuracy_m=data.get("accuracy_m"),
    )
    _commit()
    return jsonify({"alarm_id": alarm_id}), 201


@bp.post("/sos")
@login_required
def sos_now():  # type: ignore[no-untyped-def]
    """The SOS with or without a running visit (home screen shortcut, mentor home)."""
    _mentor_only()
    data = _body("sos")
    alarm_id = services.sos_now(
        db_session(),
        now(),
        current_user,
        latitude=data.get("latitude"),
        longitude=data.get("longitude"),
        accuracy_m=data.get("accuracy_m"),
    )
    _commit()
    return jsonify({"alarm_id": alarm_id}), 201


# --- alarms ---------------------------------------------------------------------------------


@bp.get("/alarms")
@login_required
def list_alarms():  # type: ignore[no-untyped-def]
    if not access.may_list_alarms(current_user):
        raise Forbidden(_("Only coordinators and safety contacts see alarms."))
    session, at = db_session(), now()
    alarms = access.visible_alarms(session, current_user, at)
    return jsonify({"alarms": [access.alarm_view(session, current_user, a, at) for a in alarms]})


@bp.get("/alarms/<int:alarm_id>")
@login_required
def show_alarm(alarm_id: int):  # type: ignore[no-untyped-def]
    session, at = db_session(), now()
    alarm = access.alarm_for(session, current_user, alarm_id)
    view = access.alarm_view(session, current_user, alarm, at, detail=True)
    access.record_view(session, at, current_user, alarm, "api")
    _commit()
    return jsonify(view)


@bp.post("/alarms/<int:alarm_id>/ack")
@login_required
def acknowledge(alarm_id: int):  # type: ignore[no-untyped-def]
    session, at = db_session(), now()
    alarm = access.alarm_for(session, current_user, alarm_id)
    _body("empty")
    ladder.acknowledge(session, at, alarm, current_user.id)
    view = access.alarm_view(session, current_user, alarm, at, detail=True)
    _commit()
    return jsonify(view)


@bp.post("/alarms/<int:alarm_id>/resolve")
@login_required
def resolve(alarm_id: int):  # type: ignore[no-untyped-def]
    session, at = db_session(), now()
    alarm = access.alarm_for(session, current_user, alarm_id)
    data = _body("resolve", required=("outcome",))
    if (
        alarm.acknowledged_by_id not in (None, current_user.id)
        and current_user.role != "coordinator"
    ):
        raise Forbidden(_("Only the responder who took the alarm, or a coordinator, resolves it."))
    ladder.resolve(session, at, alarm, current_user.id, data["outcome"], data.get("note"))
    view = access.alarm_view(session, current_user, alarm, at)
    _commit()
    return jsonify(view)


# --- settings -------------------------------------------------------------------------------


@bp.post("/safety/settings")
@login_required
def settings():  # type: ignore[no-untyped-def]
    """{phone?, safety_pin?, duress_pin?}: a field left out is left alone; PINs are set
    together (both null clears them)."""
    _mentor_only()
    data = _body("settings")
    if not data:
        raise BadInput(_("Send phone, or safety_pin (and duress_pin)."))
    session, at = db_session(), now()
    if "phone" in data:
        services.set_phone(session, at, current_user, data["phone"])
    if "safety_pin" in data or "duress_pin" in data:
        services.set_pins(session, at, current_user, data.get("safety_pin"), data.get("duress_pin"))
    _commit()
    return jsonify({"status": "saved"})


@bp.post("/safety/contacts")
@login_required
def add_contact():  # type: ignore[no-untyped-def]
    _mentor_only()
    data = _body("contact", required=("email",))
    contact = services.add_contact(db_session(), now(), current_user, data["email"])
    _commit()
    return jsonify({"id": contact.id, "name": contact.display_name}), 201


@bp.post("/safety/contacts/<int:contact_id>/remove")
@login_required
def remove_contact(contact_id: int):  # type: ignore[no-untyped-def]
    _mentor_only()
    _body("empty")
    services.remove_contact(db_session(), now(), current_user, contact_id)
    _commit()
    return jsonify({"status": "removed"})
