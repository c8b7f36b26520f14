"""Registers the dashboard domain: pages, JSON, navigation, settings link, the purge command."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from mentor_app import ui
from mentor_app.dashboard import retention

RECENT_RECORDS_DAYS = 30


def _env_days(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    return int(raw) if raw.strip() else default


def init_app(app: Flask) -> None:
    from mentor_app.dashboard import api, audit_views, cli, me_views, report, views

    app.config.setdefault(
        "CONSULT_RETENTION_DAYS",
        _env_days("CONSULT_RETENTION_DAYS", retention.DEFAULT_CONSULT_DAYS),
    )
    # CONSULT_STALE_DAYS and FEEDBACK_RETENTION_DAYS are in config.py.
    app.config.setdefault(
        "PUSH_SUBSCRIPTION_RETENTION_DAYS",
        _env_days("PUSH_SUBSCRIPTION_RETENTION_DAYS", retention.DEFAULT_SUBSCRIPTION_DAYS),
    )
    retention.RetentionPolicy.from_config(app.config)  # refuse to start with nonsense
    app.config.setdefault("DASHBOARD_POLL_SECONDS", 10)

    # The report's small-count threshold, for every page that explains it (one number).
    app.add_template_global(report.SMALL_CELL, "small_cell")
    app.url_map.converters["yearmonth"] = views.YearMonthConverter
    for blueprint in (
        views.bp,
        views.reports_bp,
        api.bp,
        audit_views.bp,
        me_views.bp,
        me_views.record_bp,
    ):
        app.register_blueprint(blueprint)
    app.cli.add_command(cli.purge_command)

    ui.register_nav(ui.NavEntry("dashboard.index", _l("Dashboard"), ("coordinator",), order=10))
    ui.register_nav(ui.NavEntry("reports.index", _l("Reports"), ("coordinator",), order=70))
    ui.register_nav(ui.NavEntry("audit_log.index", _l("Audit log"), ("coordinator",), order=95))
    ui.register_settings_section("dashboard/_settings.html")
    ui.register_home_section("coordinator", "dashboard/_home_coordinator.html")
    ui.register_home_section("mentor", "dashboard/_home_mentor.html")

    @app.context_processor
    def _records() -> dict[str, Any]:
        return {"recent_consult_records": _recent_consult_records}


def _recent_consult_records() -> list:
    """The signed-in mentor's recently closed consults, for "record for your file" links."""
    from mentor_app.dashboard import records
    from mentor_app.db import db_session
    from mentor_app.web import now

    if not current_user.is_authenticated or current_user.role != "mentor":
        return []
    since = now() - timedelta(days=RECENT_RECORDS_DAYS)
    return records.recent_closed(db_session(), current_user.id, since)
