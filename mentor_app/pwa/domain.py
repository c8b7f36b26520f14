"""Registers the installable app: /sw.js, the manifest, the offline page, gzip for text
responses, the install section of Settings and the install hint on home pages."""

from __future__ import annotations

import hashlib
import hmac

from flask import Flask, current_app
from flask_login import current_user


def queue_owner() -> str:
    """A tag for the signed-in user's offline queue: a keyed hash of the id, never the id, so
    requests queued on a shared phone are only ever sent under the account that made them."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    message = f"consult-queue:{current_user.get_id()}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:24]


def init_app(app: Flask) -> None:
    from mentor_app import ui
    from mentor_app.pwa import compression, views

    app.register_blueprint(views.bp)
    compression.init_app(app)
    app.jinja_env.globals["queue_owner"] = queue_owner
    ui.register_settings_section("pwa/_settings.html")
    for role in ("mentor", "consultant", "coordinator"):
        ui.register_home_section(role, "pwa/_home_install.html")
