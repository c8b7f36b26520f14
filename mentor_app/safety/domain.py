"""Registers the safety domain with the app: blueprints, navigation, home sections (the
mentor's visit card and the coordinators' alarms go first), template helpers, and the ladder's
timings (a bad setting fails at start)."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError

MENTOR_CARD = "safety/_home_mentor.html"
COORDINATOR_ALARMS = "safety/_home_coordinator.html"


def init_app(app: Flask) -> None:
    from mentor_app import demo, ui
    from mentor_app.health.views import EXTRA_CHECKS
    from mentor_app.safety import api, policy, views
    from mentor_app.safety import demo as safety_demo

    policy.Timings.from_config(app.config)  # a bad SAFETY_GRACE_MINUTES fails at start
    app.register_blueprint(api.bp)
    app.register_blueprint(views.bp)
    ui.register_nav(ui.NavEntry("safety.settings", _l("Safety"), ("mentor",), order=70))
    ui.register_nav(ui.NavEntry("safety.overview", _l("Safety"), ("coordinator",), order=15))
    # First on the page: a running visit (or an alarm nobody has taken) matters most.
    for role, template in (("mentor", MENTOR_CARD), ("coordinator", COORDINATOR_ALARMS)):
        if template not in ui.HOME_SECTIONS[role]:
            ui.HOME_SECTIONS[role].insert(0, template)
    app.context_processor(_template_helpers)
    EXTRA_CHECKS["safety_timers"] = _timers_check
    if safety_demo.seed not in demo.DEMO_STEPS:
        demo.DEMO_STEPS.append(safety_demo.seed)
    from mentor_app.dashboard import metrics
    from mentor_app.safety import notify, queries

    notify.register_relevance()

    if queries.report_figures not in metrics.EXTRA_FIGURES:
        metrics.EXTRA_FIGURES.append(queries.report_figures)


def _timers_check() -> tuple[bool, dict[str, int]]:
    """Visit timers and alarm tiers more than a minute late: the worker is behind, and an
    alarm may be late."""
    from mentor_app.db import db_session
    from mentor_app.safety import queries
    from mentor_app.web import now

    count = queries.late_timers(db_session(), now())
    return count == 0, {"count": count}


def _template_helpers() -> dict[str, Any]:
    from mentor_app.safety import vocab

    return {
        "safety_home": _safety_home,
        "exhausted_alarms": _exhausted_alarms,
        "alarm_kind_label": lambda k: vocab.label(vocab.KIND_LABELS, k),
        "alarm_state_label": lambda s: vocab.label(vocab.STATE_LABELS, s),
        "outcome_label": lambda o: vocab.label(vocab.OUTCOME_LABELS, o),
        "timeline_label": lambda a: vocab.label(vocab.TIMELINE_LABELS, a),
    }


def _exhausted_alarms() -> list[int]:
    from mentor_app.db import db_session
    from mentor_app.safety import queries

    try:
        found = queries.exhausted_alarm_ids(db_session())
    except SQLAlchemyError:
        return []  # an error page (the database is down) still renders
    if found:
        g.page_is_personal = True  # never cached
    return found


def _safety_home() -> dict[str, Any]:
    """What the home card needs, loaded only by the pages that include it."""
    try:
        return _safety_facts()
    except SQLAlchemyError:
        # An error page (the database is down) still renders, without the card.
        return {"visit": None, "alarm": None, "alarms": [], "presets": ()}


def _safety_facts() -> dict[str, Any]:
    from flask_login import current_user

    from mentor_app.db import db_session
    from mentor_app.safety import access, policy, queries, services
    from mentor_app.web import now

    session = db_session()
    if current_user.role == "coordinator":
        at = now()
        open_alarms = [
            a for a in access.visible_alarms(session, current_user, at) if a.resolved_at is None
        ]
        if open_alarms:
            g.page_is_personal = True  # the list names the mentors: never cached
        return {"alarms": [access.alarm_view(session, current_user, a, at) for a in open_alarms]}
    profile = queries.profile(session, current_user.id)
    visit = services.running_visit(session, current_user.id)
    # security.py allows geolocation where an SOS is offered: the mentor home always offers
    # one, the other mentor pages while a visit runs.
    if visit is not None or request.endpoint == "home.index":
        g.page_offers_sos = True
    alarm = _own_alarm(session, current_user.id, visit)
    if visit is not None or alarm is not None:
        g.page_is_personal = True  # the SOS holds a contact's number: never cached
    return {
        "visit": visit,
        "alarm": alarm,
        "has_pin": bool(profile and profile.safety_pin_hash),
        # Only on a never-cached page: without a visit the home page may be cached offline,
        # and a contact's number must not sit in a cache.
        "sms_to": queries.contact_phone(session, current_user.id) if visit else None,
        "presets": policy.PRESET_MINUTES,
    }


def _own_alarm(session, mentor_id: int, visit) -> dict[str, Any] | None:  # type: ignore[no-untyped-def]
    """The mentor's own open alarm as their card shows it, or None: the running visit's alarm
    (SOS or missed check-in) or an SOS sent with no visit. {kind, taken_by: name or None,
    going_to: [names] while nobody has taken it}. A duress alarm never appears here: its visit
    has ended on the mentor's screen, exactly like a normal check-in."""
    from mentor_app.accounts.models import User
    from mentor_app.safety import ladder, queries
    from mentor_app.safety.models import AlarmKind, VisitState
    from mentor_app.web import now

    if visit is not None:
        if visit.state != VisitState.ALARM.value:
            return None
        alarm = ladder.open_alarm_of_visit(session, visit.id)
    else:
        alarm = ladder.open_sos_without_visit(session, mentor_id)
    if alarm is None or alarm.kind == AlarmKind.DURESS.value:
        return None
    holder = session.get(User, alarm.acknowledged_by_id) if alarm.acknowledged_by_id else None
    going_to = []
    if holder is None:
        tier = min(3, max(1, alarm.tier or 1))
        ids = queries.recipients(session, now(), mentor_id, tier)
        going_to = [u.display_name for u in (session.get(User, i) for i in ids) if u]
    return {
        "kind": alarm.kind,
        "taken_by": holder.display_name if holder else None,
        "going_to": going_to,
    }
