"""GET /healthz: 200 when the database answers, 503 otherwise.

Anyone gets the status only: {"status": "ok" | "degraded" | "error"}. The details (the
database, each extra check: how many consults are overdue, whether the worker keeps up, and
`"worker": "ok" | "stale"` — stale when no worker completed a round in 30 s) are for
the operator's monitoring, which sends `Authorization: Bearer <METRICS_TOKEN>`; with no token
configured, nobody sees them.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from mentor_app.db import db_session

bp = Blueprint("health", __name__)

# Later steps (overdue consults, for example) register extra checks here: name -> callable
# returning (ok, detail). A failing check turns the status to "degraded" but keeps 200, because
# the service itself still answers; only the database decides 503.
EXTRA_CHECKS: dict = {}


def _worker_check() -> tuple[bool, str]:
    """ "ok" when a worker completed a round in the last 30 s, else "stale" (none running, or
    all stuck). Degrades the status unless WORKER_HEALTH_REQUIRED is off (tests)."""
    from mentor_app.web import now
    from mentor_app.worker.heartbeats import round_status

    ok, detail = round_status(db_session(), now())
    return ok or not current_app.config.get("WORKER_HEALTH_REQUIRED", True), detail


EXTRA_CHECKS["worker"] = _worker_check


def _workers_list() -> tuple[bool, list]:
    """Each worker with its last round (details only: operators behind the token)."""
    from mentor_app.web import now
    from mentor_app.worker.liveness import workers_detail

    return True, workers_detail(db_session(), now())


EXTRA_CHECKS["workers"] = _workers_list


def may_see_details() -> bool:
    """True only for `Authorization: Bearer <METRICS_TOKEN>` with the configured token."""
    token = current_app.config.get("METRICS_TOKEN") or ""
    header = request.headers.get("Authorization", "")
    scheme, _, offered = header.partition(" ")
    if not token or scheme.lower() != "bearer" or not offered:
        return False
    return hmac.compare_digest(offered.strip().encode(), token.encode())


@bp.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    details = may_see_details()
    try:
        db_session().execute(text("SELECT 1"))
    except SQLAlchemyError:
        body = {"status": "error", "db": "unreachable"} if details else {"status": "error"}
        return jsonify(body), 503
    body: dict = {"status": "ok", "db": "ok"}
    for name, check in EXTRA_CHECKS.items():
        ok, detail = check()
        body[name] = detail
        if not ok:
            body["status"] = "degraded"
    return jsonify(body if details else {"status": body["status"]}), 200
