"""Flask commands: create-user, seed-demo, db-upgrade, audit-seal, audit-verify."""

from __future__ import annotations

import os

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from mentor_app.db import get_db, utcnow


def _session():  # type: ignore[no-untyped-def]
    return get_db().session()


@click.command("db-upgrade")
@with_appcontext
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Migrate the database to the latest schema."""
    from mentor_app import migrate

    migrate.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database at {revision}")


def _csv(value: str | None) -> list[str]:
    return [v.strip().lower() for v in (value or "").split(",") if v.strip()]


@click.command("create-user")
@with_appcontext
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(["mentor", "consultant", "coordinator"]))
@click.option("--password", required=True)
@click.option("--totp-secret", default=None, help="Base32 secret to provision two-factor.")
@click.option("--languages", default="en", help="Comma-separated language codes, e.g. sv,en.")
@click.option("--expertise", default="", help="Comma-separated expertise tags (consultants).")
def create_user(
    email: str,
    name: str,
    role: str,
    password: str,
    totp_secret: str | None,
    languages: str,
    expertise: str,
) -> None:
    """Provision an account (consultants created here are vetted and active)."""
    import pyotp

    from mentor_app.accounts import services
    from mentor_app.audit import services as audit

    now = utcnow()
    with _session() as session:
        try:
            user = services.create_user(
                session,
                now,
                email=email,
                display_name=name,
                role=role,
                password=password,
                languages=_csv(languages) or ["en"],
            )
            if totp_secret:
                try:
                    pyotp.TOTP(totp_secret).now()
                except Exception as err:
                    raise services.AccountError("--totp-secret is not valid base32.") from err
                services.set_totp_secret_directly(session, now, user, totp_secret)
            for hook in CREATE_USER_HOOKS:
                hook(session, now, user, _csv(expertise))
            audit.record(
                session,
                now,
                "user.created_by_operator",
                object_type="user",
                object_id=user.id,
                details={"role": role, "via": "create-user command"},
            )
            session.commit()
        except services.AccountError as err:
            session.rollback()
            raise click.ClickException(str(err)) from err
    click.echo(f"created {role} {user.email} (id {user.id})")


# Domains add steps run after a user is created on the command line, e.g. the pool records a
# consultant as vetted by the operator: hook(session, now, user, expertise_tags).
CREATE_USER_HOOKS: list = []


@click.command("seed-demo")
@with_appcontext
@click.option("--quiet", is_flag=True, help="Do not print the sign-ins (`demo-logins` does).")
def seed_demo(quiet: bool) -> None:
    """Load demo users (and each domain's demo data) into an empty database."""
    from mentor_app import demo

    with _session() as session:
        if not demo.is_empty(session):
            click.echo("database already has users; demo data not loaded")
            return
        lines = demo.seed_demo(session, utcnow())
        session.commit()
    # The sign-ins are the first lines; with --quiet `demo-logins` prints them instead.
    for line in lines[len(demo.login_block()) if quiet else 0 :]:
        click.echo(line)


@click.command("demo-logins")
@with_appcontext
def demo_logins() -> None:
    """Print the demo sign-ins that exist in this database (never in production)."""
    from mentor_app import demo

    if current_app.config.get("ENV_NAME") == "production":
        raise click.ClickException("demo sign-ins are for development only")
    with _session() as session:
        lines = demo.login_lines(session)
    for line in lines:
        click.echo(line)


@click.command("audit-seal")
@with_appcontext
def audit_seal() -> None:
    """Seal new audit rows into the hash chain (the worker does this continuously)."""
    from mentor_app.audit import services as audit

    with _session() as session:
        count = audit.seal(session)
        session.commit()
    click.echo(f"sealed {count} audit rows")


@click.command("audit-verify")
@with_appcontext
def audit_verify() -> None:
    """Recompute the audit hash chain; exit 1 if any row was changed or removed."""
    from mentor_app.audit import services as audit

    with _session() as session:
        result = audit.verify(session)
        position, head_hash = audit.head(session)
    for problem in result.problems:
        click.echo(f"TAMPERED: {problem}", err=True)
    click.echo(f"checked {result.checked} sealed rows; {result.unsealed} not yet sealed")
    # Noting the head somewhere outside the database lets a later check catch even a forger
    # who rewrote both the chain and its checkpoints.
    click.echo(f"chain head: position {position}, hash {head_hash}")
    if not result.ok:
        raise SystemExit(1)


@click.command("dev-keys")
@with_appcontext
def dev_keys() -> None:
    """Development only: create instance/ keys if absent (the secret key is made at start)."""
    from pathlib import Path

    from mentor_app.devkeys import ensure_dev_keys

    for line in ensure_dev_keys(Path(current_app.instance_path)):
        click.echo(line)


@click.command("worker")
@click.option("--once", is_flag=True, help="Run every due step once and exit.")
@click.option(
    "--idle-sleep",
    type=float,
    default=None,
    help="Longest wait when idle, in seconds (default 0.15 on SQLite; 1 on PostgreSQL, "
    "where NOTIFY wakes the worker at once).",
)
@with_appcontext
def worker(once: bool, idle_sleep: float | None) -> None:
    """Send notifications and advance timers; runs until SIGTERM."""
    import logging

    from mentor_app.worker.loop import Worker
    from mentor_app.worker.registry import load_steps

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # Where the worker shares cores with the web processes, a tap's answer comes first: the
    # worker routes and delivers within the tap-to-push budget even when it waits its turn.
    niceness = current_app.config["WORKER_NICENESS"]
    if niceness > 0 and hasattr(os, "nice"):
        os.nice(niceness)
    load_steps()
    stale = float(current_app.config["WORKER_STALE_SECONDS"])
    # A few pulses per stale window, so one slow write never makes a live worker look dead.
    runner = Worker(get_db(), idle_sleep=idle_sleep, pulse_every=max(0.2, min(3.0, stale / 5)))
    if once:
        done = runner.run_once()
        click.echo(f"worker: {done} item(s) processed")
    else:
        runner.run_forever()


def init_app(app: Flask) -> None:
    for command in (
        db_upgrade,
        create_user,
        seed_demo,
        demo_logins,
        audit_seal,
        audit_verify,
        worker,
        dev_keys,
    ):
        app.cli.add_command(command)
