"""Who may see which consultant's pool data: the one place that 404s."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from mentor_app.accounts.models import Role, User
from mentor_app.db import db_session
from mentor_app.pool import services, validation
from mentor_app.pool.models import ConsultantProfile
from mentor_app.web import now


def get_profile_for(user: User, consultant_id: int) -> ConsultantProfile:
    """Coordinators see every consultant, and every coordinator (whose shifts and overrides
    make the on-call rota for mentors' safety alarms, mentor_app/safety/queries.py); a
    consultant sees only themself; 404 otherwise (an id that is neither is as unknown as one
    that does not exist)."""
    if user.role == Role.CONSULTANT.value:
        if consultant_id != user.id:
            abort(404)
        target = user
    elif user.role == Role.COORDINATOR.value:
        target = db_session().get(User, consultant_id)
        if target is None or target.role not in (Role.CONSULTANT.value, Role.COORDINATOR.value):
            abort(404)
    else:
        abort(404)
    return services.ensure_profile(db_session(), now(), target)


def my_profile() -> ConsultantProfile:
    return get_profile_for(current_user, current_user.id)


def viewer_zone() -> str:
    """The signed-in user's time zone, or UTC if the account holds one we do not know."""
    zone = getattr(current_user, "timezone", None) or "UTC"
    try:
        return validation.clean_timezone(zone)
    except services.PoolError:
        return "UTC"
