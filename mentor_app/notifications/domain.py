"""Registers the notifications domain: the subscription API, the Settings section, the
`vapid-keys` command and the development key generator."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from mentor_app import devkeys, ui


@click.command("vapid-keys")
@click.option(
    "--new-pair",
    is_flag=True,
    help="Print a fresh key pair as environment lines for a production secret store "
    "(stored nowhere; keep the private key secret).",
)
@with_appcontext
def vapid_keys_command(new_pair: bool) -> None:
    """Development: create the VAPID key pair in instance/ if absent. Prints the public key."""
    from mentor_app.notifications import vapid

    if new_pair:
        key = vapid.new_private_key()
        click.echo(f"VAPID_PRIVATE_KEY={vapid.private_key_b64(key)}")
        click.echo(f"VAPID_PUBLIC_KEY={vapid.public_key_b64(key)}")
        return
    if current_app.config.get("VAPID_PRIVATE_KEY"):
        keys = vapid.keys_for(current_app)
        click.echo(f"VAPID keys come from the environment; public key {keys.public_key}")
        return
    if not current_app.config.get("GENERATE_INSTANCE_KEYS"):
        raise click.ClickException(
            "No VAPID keys configured. Set VAPID_PRIVATE_KEY, VAPID_PUBLIC_KEY and "
            "VAPID_SUBJECT (`flask --app mentor_app vapid-keys --new-pair` makes a pair)."
        )
    line = vapid.ensure_instance_key(Path(current_app.instance_path))
    keys = vapid.keys_for(current_app)
    click.echo(line or f"VAPID keys present in instance/; public key {keys.public_key}")


def _dev_vapid_key(instance_dir: Path) -> str | None:
    """`flask dev-keys` (run by `make run`): the VAPID pair, in development only."""
    from mentor_app.notifications.vapid import ensure_instance_key

    if not current_app.config.get("GENERATE_INSTANCE_KEYS"):
        return None
    return ensure_instance_key(instance_dir)


def init_app(app: Flask) -> None:
    # Every table known before any flush: an outbox row refers to a consult, and the web
    # process may queue one (the test button) before anything has imported the consult models.
    from mentor_app import models  # noqa: F401
    from mentor_app.notifications import api, views

    app.register_blueprint(api.bp)
    app.register_blueprint(views.bp)
    app.cli.add_command(vapid_keys_command)
    if _dev_vapid_key not in devkeys.KEY_GENERATORS:
        devkeys.KEY_GENERATORS.append(_dev_vapid_key)
    ui.register_settings_section("notifications/_settings.html")

    @app.context_processor
    def _notification_settings() -> dict:
        return {"notification_settings": views.settings_context}
