"""Registers the safety domain with the app: blueprints, navigation, home sections, settings
section, and the ladder's timings (a bad setting fails at start)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from mentor_app.safety import api, policy

    policy.Timings.from_config(app.config)  # a bad SAFETY_GRACE_MINUTES fails at start
    app.register_blueprint(api.bp)
