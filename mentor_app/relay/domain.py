"""Registers the second channel: its Settings section and routes; checks ALERT_CHANNELS at
start (a bad template stops the start rather than leaving alerts to go nowhere)."""

from __future__ import annotations

from flask import Flask

from mentor_app import ui
from mentor_app.relay import templates


def init_app(app: Flask) -> None:
    from mentor_app.relay import views

    templates.parse(app.config.get("ALERT_CHANNELS"))
    app.register_blueprint(views.bp)
    ui.register_settings_section("relay/_settings.html")

    @app.context_processor
    def _relay_settings() -> dict:
        return {"relay_settings": views.settings_context}
