"""Registers the accounts domain with the app."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from mentor_app.accounts import (
        admin,
        devices,
        enrolment,
        invitation_views,
        recovery_views,
        views,
    )

    del enrolment, invitation_views, recovery_views  # imported for their routes on views.bp
    app.register_blueprint(views.bp)
    devices.init_app(app)
    app.register_blueprint(admin.bp)
