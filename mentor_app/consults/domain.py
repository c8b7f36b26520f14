"""Registers the consult domain with the app: blueprints, navigation, home sections, the
overdue health check, demo data and the default wave timings."""

from __future__ import annotations

import json
import os
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l

DEFAULT_CREATE_LIMIT = "60 per hour"


def _waves_from_env() -> dict | None:
    """CONSULT_WAVES='{"urgent": {"first": 3, "widen_after_minutes": 3, ...}}' (optional)."""
    raw = os.environ.get("CONSULT_WAVES", "").strip()
    return json.loads(raw) if raw else None


def init_app(app: Flask) -> None:
    from mentor_app import demo, ui
    from mentor_app.consults import api, case_views, duplicate_views, policy, views, vocab
    from mentor_app.consults import demo as consult_demo
    from mentor_app.health.views import EXTRA_CHECKS

    app.config.setdefault("CONSULT_WAVES", _waves_from_env())
    app.config.setdefault(
        "CONSULT_CREATE_LIMIT", os.environ.get("CONSULT_CREATE_LIMIT", DEFAULT_CREATE_LIMIT)
    )
    policy.waves_from_config(app.config["CONSULT_WAVES"])  # a bad setting fails at start

    del duplicate_views  # imported for its routes on views.bp
    app.register_blueprint(views.bp)
    app.register_blueprint(case_views.bp)
    app.register_blueprint(api.bp)

    ui.register_nav(ui.NavEntry("consults.index", _l("My consults"), ("mentor",), order=20))
    ui.register_nav(ui.NavEntry("cases.index", _l("My cases"), ("mentor",), order=30))
    ui.register_nav(ui.NavEntry("consults.index", _l("Requests"), ("consultant",), order=20))
    ui.register_nav(ui.NavEntry("consults.open_list", _l("Open consults"), ("coordinator",), 20))
    ui.register_nav(ui.NavEntry("cases.index", _l("Cases"), ("coordinator",), order=60))
    ui.register_home_section("mentor", "consults/_home_mentor.html")
    # First on a consultant's home: a request waiting for an answer matters most (issue 17).
    if "consults/_home_consultant.html" not in ui.HOME_SECTIONS["consultant"]:
        ui.HOME_SECTIONS["consultant"].insert(0, "consults/_home_consultant.html")
    ui.register_home_section("coordinator", "consults/_home_coordinator.html")

    EXTRA_CHECKS["overdue"] = _overdue_check
    from mentor_app.consults import outbox_checks

    outbox_checks.register()
    if consult_demo.seed not in demo.DEMO_STEPS:
        demo.DEMO_STEPS.append(consult_demo.seed)
    app.context_processor(_home_data)
    # Codes shown as words: templates look them up here, never through `_()` on a variable.
    app.add_template_global(vocab.offer_state_label)
    app.add_template_global(vocab.eligibility_reason_label)


def _overdue_check() -> tuple[bool, dict[str, int]]:
    """Consults more than 5 minutes past their next routing step: the worker is behind."""
    from mentor_app.consults import live
    from mentor_app.db import db_session
    from mentor_app.web import now

    count = live.overdue_count(db_session(), now())
    return count == 0, {"count": count}


def _home_data() -> dict[str, Any]:
    """Home sections call these lazily, so other pages pay nothing."""
    from flask_babel import format_time
    from flask_login import current_user

    from mentor_app.consults import live
    from mentor_app.db import db_session
    from mentor_app.web import now

    def consults_home() -> Any:
        if not current_user.is_authenticated:
            return None
        if current_user.role == "mentor":
            return live.mentor_home(db_session(), current_user)
        if current_user.role == "consultant":
            return live.consultant_home(db_session(), current_user, now())
        return live.coordinator_home(db_session(), now())

    def consult_resting_until() -> str | None:
        """The local time a consultant's rest after an urgent consult ends, or None."""
        if not current_user.is_authenticated or current_user.role != "consultant":
            return None
        until = live.resting_until(db_session(), current_user, now())
        return format_time(until, "short") if until else None

    return {"consults_home": consults_home, "consult_resting_until": consult_resting_until}
