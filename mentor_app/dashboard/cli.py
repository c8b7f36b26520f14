"""`flask --app mentor_app purge`: run retention now (the worker also does it daily)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from mentor_app.dashboard import retention, stale
from mentor_app.db import get_db, utcnow


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Only count what is due; delete nothing.")
@with_appcontext
def purge_command(dry_run: bool) -> None:
    """Delete consult content and idle push subscriptions past their retention period."""
    policy = retention.RetentionPolicy.from_config(current_app.config)
    now = (current_app.config.get("CLOCK") or utcnow)()
    with get_db().session() as session:
        if dry_run:
            counts = retention.count_due(session, now, policy)
            verb = "due"
        else:
            closed = stale.close_stale(session, now, policy)
            counts = retention.purge(session, now, policy)
            session.commit()
            verb = "purged"
            click.echo(
                f"closed {closed} consult(s) with no activity for {policy.stale_consult_days} days"
            )
    click.echo(
        f"{verb}: content of {counts.consults} consult(s) (closed or cancelled more than "
        f"{policy.consult_content_days} days ago), {counts.messages} message(s), "
        f"{counts.subscriptions} push subscription(s) unused for "
        f"{policy.push_subscription_days} days, {counts.feedback_comments} guide comment(s) "
        f"older than {policy.feedback_days} days"
    )
