"""Registers the guides domain: pages, navigation, home sections, demo data, `playbooks-sync`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import with_appcontext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session


def demo_guides(session: Session, now: datetime) -> list[str]:
    """seed-demo: publish every guide in mentor_app/content/."""
    from mentor_app.playbooks.sync import sync_library

    report = sync_library(session, now)
    if not report.ok:
        raise RuntimeError("guide files have problems:\n" + "\n".join(report.problems))
    counts = report.translations.counts if report.translations else {}
    translated = ", ".join(
        f"{sum(counts.get((lang, k), 0) for k in ('new', 'updated', 'unchanged'))} {lang}"
        for lang in ("sv", "de")
    )
    return [
        f"Guides: {len(report.created) + len(report.unchanged)} published.",
        f"Guide translations: {translated}.",
    ]


@click.command("playbooks-sync")
@click.option("--force", is_flag=True, help="Also replace guides a coordinator edited in the app.")
@click.option("--slug", "slugs", multiple=True, help="Only this guide (repeatable).")
@click.option(
    "--dir",
    "directory",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Folder of guide files (default: mentor_app/content).",
)
@with_appcontext
def playbooks_sync(force: bool, slugs: tuple[str, ...], directory: Path | None) -> None:
    """Load the guide files into the database (idempotent)."""
    from mentor_app.db import get_db, utcnow
    from mentor_app.playbooks.loader import CONTENT_DIR
    from mentor_app.playbooks.sync import sync_library

    with get_db().session() as session:
        report = sync_library(
            session, utcnow(), directory or CONTENT_DIR, force=force, only=set(slugs) or None
        )
        if not report.ok:
            session.rollback()
            for problem in report.problems:
                click.echo(f"PROBLEM: {problem}", err=True)
            raise click.ClickException("nothing was changed: fix the files above first")
        session.commit()
    for line in report.lines():
        click.echo(line)
    for warning in report.warnings:
        click.echo(f"WARNING: {warning}", err=True)


def _home_data() -> dict[str, Any]:
    def home_triggers() -> list:
        from mentor_app.db import db_session
        from mentor_app.playbooks import translations
        from mentor_app.playbooks.views import own_language

        guides = translations.reader_list(db_session(), own_language())
        return [g for g in guides if g.kind == "trigger"]

    def guide_review_counts() -> dict[str, int]:
        from mentor_app.db import db_session
        from mentor_app.playbooks import history, services
        from mentor_app.timeutil import local_today, panel_zone
        from mentor_app.web import now

        session = db_session()
        return {
            "pending": len(history.pending_reviews(session)),
            "overdue": len(services.review_due(session, local_today(now(), panel_zone()))),
        }

    def guide_kind_labels() -> dict[str, str]:
        from mentor_app.playbooks.policy import KIND_LABELS

        return {kind: str(label) for kind, label in KIND_LABELS.items()}

    return {
        "home_triggers": home_triggers,
        "guide_review_counts": guide_review_counts,
        "guide_kind_labels": guide_kind_labels,
    }


def init_app(app: Flask) -> None:
    from mentor_app import demo, ui
    from mentor_app.playbooks import editor_views, translation_views, views

    assert translation_views.bp is editor_views.bp  # its routes are on the editor's blueprint

    app.register_blueprint(views.bp)
    app.register_blueprint(editor_views.bp)
    app.cli.add_command(playbooks_sync)
    app.context_processor(_home_data)
    roles = ("mentor", "consultant", "coordinator")
    ui.register_nav(ui.NavEntry("playbooks.index", _l("Guides"), roles, order=10))
    ui.register_nav(
        ui.NavEntry("guide_editor.dashboard", _l("Guide reviews"), ("coordinator",), order=80)
    )
    ui.register_home_section("mentor", "playbooks/_home_mentor.html")
    ui.register_home_section("consultant", "playbooks/_home_consultant.html")
    ui.register_home_section("coordinator", "playbooks/_home_coordinator.html")
    if demo_guides not in demo.DEMO_STEPS:
        demo.DEMO_STEPS.append(demo_guides)
    _provide_guide_metrics()


def _provide_guide_metrics() -> None:
    """The dashboard and panel report read guide figures through this provider."""
    from mentor_app.dashboard import metrics as dashboard_metrics
    from mentor_app.playbooks.metrics import PlaybookMetrics

    dashboard_metrics.GUIDE_METRICS_PROVIDER = PlaybookMetrics()
