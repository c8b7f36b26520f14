"""`/api/me/availability`: the signed-in consultant's "available now" switch, for the home
screen and for outside tools. Fixed address and shape (see the issue).

POST {"available": true, "hours": N}   on call for the next N hours (1-24), any pause ends.
POST {"available": false, "hours": N}  paused for N hours: no requests, whatever the shifts say.
POST {"available": false}              "available now" ends; the usual shifts apply again.
GET                                    the current state.
Both answer {"available", "available_until", "paused_until", "on_call_now"}; times are ISO 8601
in UTC or null; `on_call_now` is whether routing counts this consultant as on call right now
(which also needs an active, vetted profile with a valid credential).
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _

from mentor_app.db import db_session
from mentor_app.pool import services, switches
from mentor_app.pool.access import my_profile
from mentor_app.security import json_error, roles_required
from mentor_app.web import now

bp = Blueprint("pool_api", __name__, url_prefix="/api/me")

ALLOWED_KEYS = {"available", "hours"}


def _state():  # type: ignore[no-untyped-def]
    profile = my_profile()
    return jsonify(switches.current_state(db_session(), now(), profile).as_json())


@bp.get("/availability")
@roles_required("consultant")
def get_availability():  # type: ignore[no-untyped-def]
    return _state()


@bp.post("/availability")
@roles_required("consultant")
def set_availability():  # type: ignore[no-untyped-def]
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return json_error(400, _("Send a JSON object."))
    unknown = set(body) - ALLOWED_KEYS
    if unknown:
        return json_error(400, _("Only 'available' and 'hours' are accepted."))
    available = body.get("available")
    if not isinstance(available, bool):
        return json_error(400, "'available' must be true or false.")
    hours = body.get("hours")
    if hours is not None and (isinstance(hours, bool) or not isinstance(hours, int)):
        return json_error(400, "'hours' must be a whole number from 1 to 24.")
    profile = my_profile()
    try:
        switches.set_availability(db_session(), now(), profile, available, hours)
    except services.PoolError as err:
        return json_error(400, str(err))
    return _state()
