"""mentor_app: playbooks and one-tap psychologist consults for mentors in DRR work."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from flask import Flask
from flask_login import current_user

from config import INSTANCE_DIR, config_from_env


def create_app(config: dict[str, Any] | type | None = None) -> Flask:
    """Build the app. `config` is a config class, or a dict of overrides on the env's class."""
    root = Path(__file__).resolve().parent.parent
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        static_folder=str(root / "static"),
        template_folder=str(root / "templates"),
    )
    if isinstance(config, type):
        app.config.from_object(config)
    else:
        app.config.from_object(config_from_env())
        if config:
            app.config.update(config)
    _ensure_secret_key(app)
    _check_public_address(app)
    from mentor_app.notifications.vapid import check_subject_at_startup

    check_subject_at_startup(app.config)
    from mentor_app import logfilter

    logfilter.install()
    from mentor_app import proxy, requestlog, timeutil
    from mentor_app.metrics import timing

    requestlog.configure(app)
    # First of all request hooks: the clock starts before any check that may answer early.
    timing.init_app(app)

    proxy.init_app(app)
    timeutil.check_zone_name(app.config.get("PANEL_TIMEZONE"), "PANEL_TIMEZONE")

    # Every model module, so relationships resolve in any process (web, worker, CLI).
    import mentor_app.models  # noqa: F401
    from mentor_app import db, errors, security, validation
    from mentor_app.accounts import auth
    from mentor_app.extensions import babel, csrf, limiter

    db.init_app(app)
    # Before CSRF, which parses the form, and before any blueprint (the `int` converter).
    validation.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=_locale, timezone_selector=_timezone)
    auth.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    _register_blueprints(app)
    from mentor_app.worker import alarm

    alarm.init_app(app)
    _register_template_helpers(app)

    from mentor_app import ui

    ui.init_app(app)
    from mentor_app import form_errors

    form_errors.init_app(app)

    from mentor_app import cli

    cli.init_app(app)
    db.wrap_views(app)  # every view commits inside its dispatch (db.commit_at_boundary)
    return app


def _ensure_secret_key(app: Flask) -> None:
    if app.config.get("SECRET_KEY"):
        return
    if not app.config.get("GENERATE_INSTANCE_KEYS"):
        raise RuntimeError(
            "SECRET_KEY is not set. Set it in the environment "
            "(or run with MENTOR_APP_ENV=development to generate one into instance/)."
        )
    path = Path(app.instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    app.config["SECRET_KEY"] = path.read_text().strip()


def _check_public_address(app: Flask) -> None:
    """Production needs PUBLIC_BASE_URL (links that leave the app are built from it, never
    from a request's Host header) and accepts requests for its host only (TRUSTED_HOSTS)."""
    from urllib.parse import urlsplit

    base = (app.config.get("PUBLIC_BASE_URL") or "").strip()
    if app.config.get("ENV_NAME") != "production":
        if base and not urlsplit(base).netloc:
            raise RuntimeError(
                f"PUBLIC_BASE_URL must be an address like https://host, not {base!r}."
            )
        return
    parts = urlsplit(base)
    if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment:
        raise RuntimeError(
            "PUBLIC_BASE_URL is not set to the https:// address people use to reach the app "
            "(for example https://mentor.example.org). Production needs it: invitation links "
            "and e-mails are built from it, never from the Host header of a request, which "
            "anyone can forge."
        )
    if not app.config.get("TRUSTED_HOSTS"):
        app.config["TRUSTED_HOSTS"] = [parts.hostname]


# Domain packages that have an `init_app(app)` registering their blueprints, navigation,
# settings sections and demo data. One line per domain.
DOMAINS = [
    "mentor_app.accounts.domain",
    "mentor_app.playbooks.domain",
    "mentor_app.pool.domain",
    "mentor_app.dashboard.domain",
    "mentor_app.notifications.domain",
    "mentor_app.relay.domain",
    "mentor_app.pwa.domain",
    "mentor_app.consults.domain",
    "mentor_app.safety.domain",
    "mentor_app.i18n.views",
]


def _register_blueprints(app: Flask) -> None:
    import importlib

    from mentor_app.health import views as health_views
    from mentor_app.home import views as home_views
    from mentor_app.metrics import views as metrics_views

    app.register_blueprint(health_views.bp)
    app.register_blueprint(metrics_views.bp)
    app.register_blueprint(home_views.bp)
    for name in DOMAINS:
        importlib.import_module(name).init_app(app)


def _register_template_helpers(app: Flask) -> None:
    from flask_babel import format_date, format_datetime, get_locale
    from flask_wtf.csrf import generate_csrf

    @app.template_filter("instant")
    def _instant(value: Any) -> Any:
        """An ISO 8601 instant (as the JSON views give them) as an aware datetime, so
        `format_datetime` shows it on the viewer's clock; None stays None."""
        from datetime import UTC, datetime

        if not isinstance(value, str) or not value:
            return value or None
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {
            "csrf_token": generate_csrf,
            "get_locale": get_locale,
            "format_datetime": format_datetime,
            "format_date": format_date,
            "emergency_number": app.config["EMERGENCY_NUMBER"],
        }


def _locale() -> str:
    from mentor_app.i18n.language import request_language

    return request_language()


def _timezone() -> str | None:
    if current_user and current_user.is_authenticated:
        return current_user.timezone
    return None
