"""Registers the PWA blueprint."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from mentor_app.pwa import views

    app.register_blueprint(views.bp)
