"""Registers the consultant pool with the app: pages, API, navigation, home sections, the
create-user hook and demo data."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from mentor_app import cli, demo, ui


def language_name(code: str) -> str:
    """A language code as its name in the reader's language ("sv" → "Swedish"); the same
    words the consult pages use, so codes Babel does not name ("prs") are translated too."""
    from mentor_app.consults.vocab import language_name as consult_language_name

    return consult_language_name(code)


def consultant_home() -> dict:
    """What the consultant's home section shows: the switch and whether routing counts them."""
    from mentor_app.db import db_session
    from mentor_app.pool import switches, validation
    from mentor_app.pool.access import my_profile
    from mentor_app.web import now

    profile = my_profile()
    return {
        "profile": profile,
        "availability": switches.current_state(db_session(), now(), profile),
        "hours": list(range(1, validation.MAX_AVAILABLE_HOURS + 1)),
    }


def coordinator_home() -> dict:
    """The coordinator's pool summary: waiting for vetting, credentials, gaps soon."""
    from sqlalchemy import func, select

    from mentor_app.db import db_session
    from mentor_app.pool import coverage, listing, vetting
    from mentor_app.pool.access import viewer_zone
    from mentor_app.pool.models import ConsultantProfile
    from mentor_app.web import now

    session, at = db_session(), now()
    profile = ConsultantProfile
    states = dict(
        session.execute(select(profile.vetting_state, func.count()).group_by(profile.vetting_state))
        .tuples()
        .all()
    )
    # Each credential on its consultant's own calendar, as routing judges it.
    near = session.execute(
        select(profile.credential_expires_on, profile.timezone).where(
            profile.vetting_state.in_((vetting.VETTED, vetting.ACTIVE)),
            listing.soon_or_lapsed(at),
        )
    ).tuples()
    statuses = [listing.credential_status(expires, zone, at) for expires, zone in near]
    grid = coverage.build_grid(session, at, viewer_zone(), days=2)
    return {
        "states": states,
        "expiring": statuses.count("expiring"),
        "expired": statuses.count("expired"),
        "gap_hours": grid.gap_hours,
    }


def init_app(app: Flask) -> None:
    from mentor_app.pool import api, coverage_views, shift_views, views  # noqa: F401
    from mentor_app.pool.demo import demo_pool
    from mentor_app.pool.provisioning import create_user_hook

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.add_template_filter(language_name, "language_name")
    app.add_template_global(consultant_home, "pool_consultant_home")
    app.add_template_global(coordinator_home, "pool_coordinator_home")

    ui.register_nav(ui.NavEntry("pool.index", _l("Pool"), ("coordinator",), order=30))
    ui.register_nav(ui.NavEntry("pool.coverage_page", _l("Coverage"), ("coordinator",), order=31))
    ui.register_nav(ui.NavEntry("pool.my_shifts", _l("My shifts"), ("consultant",), order=30))
    ui.register_home_section("consultant", "pool/_home_consultant.html")
    ui.register_home_section("coordinator", "pool/_home_coordinator.html")

    if create_user_hook not in cli.CREATE_USER_HOOKS:
        cli.CREATE_USER_HOOKS.append(create_user_hook)
    if demo_pool not in demo.DEMO_STEPS:
        demo.DEMO_STEPS.append(demo_pool)
