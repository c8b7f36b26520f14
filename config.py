"""Configuration for mentor_app.

Everything comes from environment variables with safe defaults. `MENTOR_APP_ENV` picks the class:
`production` (the default, strict) or `development` (what `make run` uses). Tests build their own
configuration on top of `TestingConfig`.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("MENTOR_APP_INSTANCE", BASE_DIR / "instance"))


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw not in (None, "") else default


def _list(name: str) -> list[str] | None:
    raw = os.environ.get(name, "")
    items = [item.strip() for item in raw.split(",") if item.strip()]
    return items or None


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _database_url() -> str:
    """DATABASE_URL, with the password read from DATABASE_PASSWORD_FILE when that is set (a
    container secret, e.g. /run/secrets/db_password): the password then never sits in the
    environment, where `ps e` and crash reports could show it."""
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'mentor_app.db'}"
    password_file = os.environ.get("DATABASE_PASSWORD_FILE", "")
    if not password_file:
        return url
    from sqlalchemy.engine import make_url

    password = Path(password_file).read_text().strip()
    return make_url(url).set(password=password).render_as_string(hide_password=False)


# The push services of the browsers people use (Chrome/Android, Firefox, Safari, Edge).
DEFAULT_PUSH_HOSTS = (
    "fcm.googleapis.com,push.services.mozilla.com,push.apple.com,notify.windows.com"
)


class BaseConfig:
    ENV_NAME = "base"
    SECRET_KEY: str | None = os.environ.get("SECRET_KEY")
    DATABASE_URL = _database_url()
    SQL_ECHO = False

    # Sessions: phones get lost, so both an idle and an absolute limit.
    IDLE_TIMEOUT = timedelta(minutes=_int("IDLE_TIMEOUT_MINUTES", 30))
    ABSOLUTE_TIMEOUT = timedelta(hours=_int("ABSOLUTE_TIMEOUT_HOURS", 12))
    # `__Host-` cookies are refused by browsers unless Secure, Path=/ and without Domain: no
    # sibling subdomain or plain-http page can plant or overwrite them. Every cookie the app
    # sets takes its name from `security.cookie_name`, which adds the prefix when this is on.
    COOKIE_HOST_PREFIX = True
    SESSION_COOKIE_NAME = "__Host-mentor_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    HSTS = True
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)
    # A browser that completed a sign-in gets a signed device cookie for this long: with it, a
    # correct password and second factor get through even while someone else's wrong guesses
    # hold the account's sign-in limit (see accounts/devices.py).
    DEVICE_COOKIE_DAYS = _int("DEVICE_COOKIE_DAYS", 180)
    # Consecutive wrong second-factor codes before that step locks, and for how long.
    TOTP_LOCK_AFTER = _int("TOTP_LOCK_AFTER", 20)
    TOTP_LOCK_HOURS = _int("TOTP_LOCK_HOURS", 24)

    # A 10 MB body never reaches a view: the largest legitimate form is a guide edit.
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 256 * 1024)

    WTF_CSRF_TIME_LIMIT = None  # the session's own lifetime bounds the token
    WTF_CSRF_HEADERS = ["X-CSRFToken"]
    # Over https Flask-WTF also wants a same-origin Referer (kept on: defence in depth beside
    # the token and the `__Host-` cookie); pages send one under Referrer-Policy: same-origin.
    WTF_CSRF_SSL_STRICT = True

    # Reverse proxies in front of the app that set X-Forwarded-For/-Proto (0: none; the
    # headers are then ignored, as anyone can send them). See mentor_app/proxy.py.
    PROXY_HOPS = _int("PROXY_HOPS", 0)

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # Off: the limiter would set Retry-After (its window) on every answer of a limited route,
    # even a 201 or a 503; errors.py puts it on 429s only.
    RATELIMIT_HEADERS_ENABLED = False
    RATELIMIT_STRATEGY = "moving-window"
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "10 per minute")
    LOGIN_LIMIT_PER_IP = os.environ.get("LOGIN_LIMIT_PER_IP", "30 per minute")

    # argon2id; the defaults are argon2-cffi's (RFC 9106 low-memory profile).
    ARGON2_TIME_COST = _int("ARGON2_TIME_COST", 3)
    ARGON2_MEMORY_COST = _int("ARGON2_MEMORY_COST", 65536)
    ARGON2_PARALLELISM = _int("ARGON2_PARALLELISM", 4)

    INVITE_TTL = timedelta(hours=_int("INVITE_TTL_HOURS", 72))
    # A password-reset link works once, for this long (issue 17: one hour).
    PASSWORD_RESET_TTL = timedelta(minutes=_int("PASSWORD_RESET_TTL_MINUTES", 60))
    # "Forgot your password?": per address and per client address.
    PASSWORD_RESET_LIMIT_PER_ACCOUNT = os.environ.get(
        "PASSWORD_RESET_LIMIT_PER_ACCOUNT", "3 per hour"
    )
    PASSWORD_RESET_LIMIT_PER_IP = os.environ.get("PASSWORD_RESET_LIMIT_PER_IP", "20 per hour")
    TOTP_ISSUER = os.environ.get("TOTP_ISSUER", "mentor_app")

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    # The multi-agency panel's zone: where the monthly report's months (and the dashboard's
    # days, and the monthly soft caps) begin and end. See mentor_app/timeutil.py.
    PANEL_TIMEZONE = os.environ.get("PANEL_TIMEZONE", "Europe/Stockholm")
    LANGUAGES = {"en": "English", "sv": "Svenska", "de": "Deutsch"}

    EMERGENCY_NUMBER = os.environ.get("EMERGENCY_NUMBER", "112")
    # Where people reach the app, e.g. https://mentor.example.org: every link that leaves the
    # app (invitations, e-mails) starts with it, never with the request's Host header.
    # Required in production.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")
    # Host names requests may carry (comma-separated); others get 400. Unset in production:
    # the host of PUBLIC_BASE_URL.
    TRUSTED_HOSTS = _list("TRUSTED_HOSTS")
    # `Authorization: Bearer <token>` shows /healthz's details and /metrics (Prometheus);
    # unset, nobody sees them and /metrics answers 404.
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
    # "json": one JSON line per record on stderr (mentor_app/requestlog.py); "text": Python's.
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    # An open or accepted consult with no activity for this many days is closed (the mentor is
    # told); its free text then follows CONSULT_RETENTION_DAYS like any closed consult's.
    CONSULT_STALE_DAYS = _int("CONSULT_STALE_DAYS", 30)
    # Comments on guides ("Did this help?") are deleted this many days after they were written.
    FEEDBACK_RETENTION_DAYS = _int("FEEDBACK_RETENTION_DAYS", 180)

    # E-mail: SMTP when a host is set, otherwise printed to the console (development).
    SMTP_HOST = os.environ.get("SMTP_HOST", "")
    SMTP_PORT = _int("SMTP_PORT", 587)
    SMTP_USER = os.environ.get("SMTP_USER", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_STARTTLS = _flag("SMTP_STARTTLS", True)
    MAIL_FROM = os.environ.get("MAIL_FROM", "mentor_app <no-reply@localhost>")

    VAPID_PRIVATE_KEY = os.environ.get("VAPID_PRIVATE_KEY", "")
    VAPID_PUBLIC_KEY = os.environ.get("VAPID_PUBLIC_KEY", "")
    VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT", "")

    # Notification delivery (policy in mentor_app/notifications/policy.py and delivery.py).
    PUSH_TIMEOUT_SECONDS = min(_float("PUSH_TIMEOUT_SECONDS", 10.0), 10.0)
    PUSH_SEND_THREADS = _int("PUSH_SEND_THREADS", 8)
    # Push endpoints must be https on one of these host suffixes (empty: any https host).
    PUSH_ENDPOINT_HOSTS = os.environ.get("PUSH_ENDPOINT_HOSTS", DEFAULT_PUSH_HOSTS)
    # http://127.0.0.1 / localhost / [::1] endpoints: development and tests only.
    PUSH_ALLOW_LOOPBACK = False
    OUTBOX_BATCH_SIZE = _int("OUTBOX_BATCH_SIZE", 50)
    OUTBOX_LEASE_SECONDS = _float("OUTBOX_LEASE_SECONDS", 120.0)
    # A worker whose heartbeat is older than this is taken for dead: its claimed outbox rows
    # are sent again at once by another worker (the lease above stays the backstop).
    WORKER_STALE_SECONDS = _float("WORKER_STALE_SECONDS", 15.0)
    # /healthz turns "degraded" (worker: stale) when no worker completed a round in 30 s.
    # Tests run without a worker process, so TestingConfig only reports it.
    WORKER_HEALTH_REQUIRED = True
    # The dead-worker e-mail (mentor_app/worker/alarm.py): sent by a web process when no
    # worker completed a round for this many minutes; checked at most this often per process.
    WORKER_ALARM = True
    WORKER_ALARM_MINUTES = _float("WORKER_ALARM_MINUTES", 5.0)
    WORKER_ALARM_CHECK_SECONDS = _float("WORKER_ALARM_CHECK_SECONDS", 30.0)
    OUTBOX_MAX_ATTEMPTS = _int("OUTBOX_MAX_ATTEMPTS", 6)
    OUTBOX_BACKOFF_BASE_SECONDS = _float("OUTBOX_BACKOFF_BASE_SECONDS", 2.0)
    OUTBOX_BACKOFF_CAP_SECONDS = _float("OUTBOX_BACKOFF_CAP_SECONDS", 300.0)
    EMAIL_MAX_ATTEMPTS = _int("EMAIL_MAX_ATTEMPTS", 5)
    SMTP_TIMEOUT_SECONDS = _float("SMTP_TIMEOUT_SECONDS", 10.0)
    SHIFT_WARNING_MINUTES = _int("SHIFT_WARNING_MINUTES", 60)
    # Mentor safety (mentor_app/safety/policy.py): the grace period after a visit's check-in
    # time before its alarm, and how long each alarm tier waits for an acknowledgement. Both
    # accept fractions (0.05 minutes = 3 seconds), so a test runs the whole ladder in seconds.
    SAFETY_GRACE_MINUTES = _float("SAFETY_GRACE_MINUTES", 10.0)
    ALARM_ACK_TIMEOUT_SECONDS = _float("ALARM_ACK_TIMEOUT_SECONDS", 120.0)
    # The second alert channel (Apprise): JSON, channel name -> Apprise URL with {address}, or
    # -> {"url", "address": "phone"|"handle", "label"}. See mentor_app/relay/templates.py.
    ALERT_CHANNELS = os.environ.get("ALERT_CHANNELS", "")
    # The worker lowers its own CPU priority by this much (0: not at all); see cli.worker.
    WORKER_NICENESS = _int("WORKER_NICENESS", 5)

    GENERATE_INSTANCE_KEYS = False
    TESTING = False


class ProductionConfig(BaseConfig):
    ENV_NAME = "production"
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")


class DevelopmentConfig(BaseConfig):
    ENV_NAME = "development"
    SESSION_COOKIE_SECURE = False
    COOKIE_HOST_PREFIX = False  # plain http on 127.0.0.1: browsers drop `__Host-` cookies
    SESSION_COOKIE_NAME = "mentor_session"
    PREFERRED_URL_SCHEME = "http"
    HSTS = False
    GENERATE_INSTANCE_KEYS = True
    PUSH_ENDPOINT_HOSTS = os.environ.get("PUSH_ENDPOINT_HOSTS", "")
    PUSH_ALLOW_LOOPBACK = True


class TestingConfig(DevelopmentConfig):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105 - tests only
    GENERATE_INSTANCE_KEYS = False
    # Cheap hashing keeps the suite fast; production uses the defaults above.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 8192
    ARGON2_PARALLELISM = 1
    RATELIMIT_STORAGE_URI = "memory://"
    WORKER_NICENESS = 0  # tests run the worker command in their own process
    WORKER_HEALTH_REQUIRED = False
    WORKER_ALARM = False  # tests of the alarm turn it on


CONFIGS = {
    "production": ProductionConfig,
    "development": DevelopmentConfig,
    "testing": TestingConfig,
}


def config_from_env() -> type[BaseConfig]:
    name = os.environ.get("MENTOR_APP_ENV", "production").strip().lower()
    if name not in CONFIGS:
        raise RuntimeError(f"MENTOR_APP_ENV must be one of {sorted(CONFIGS)}, not {name!r}")
    return CONFIGS[name]
