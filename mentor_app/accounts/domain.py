"""Registers the accounts domain with the app."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from mentor_app.accounts import admin, views

    app.register_blueprint(views.bp)
    app.register_blueprint(admin.bp)
