"""Registers the installable app: /sw.js, the manifest, the offline page, the offline queue's
owner cookie, gzip for text responses, the install section of Settings and the install hint on
home pages."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from mentor_app import ui
    from mentor_app.pwa import compression, inputs, owner, views

    app.register_blueprint(views.bp)
    inputs.remember(app)  # templates, catalogues, settings: they change only with a restart
    owner.init_app(app)
    compression.init_app(app)
    ui.register_settings_section("pwa/_settings.html")
    for role in ("mentor", "consultant", "coordinator"):
        ui.register_home_section(role, "pwa/_home_install.html")
