"""GET /healthz: 200 when the database answers, 503 otherwise. Nothing personal in it."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from mentor_app.db import db_session

bp = Blueprint("health", __name__)

# Later steps (overdue consults, for example) register extra checks here: name -> callable
# returning (ok, detail). A failing check turns the status to "degraded" but keeps 200, because
# the service itself still answers; only the database decides 503.
EXTRA_CHECKS: dict = {}


@bp.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    try:
        db_session().execute(text("SELECT 1"))
    except SQLAlchemyError:
        return jsonify({"status": "error", "db": "unreachable"}), 503
    body: dict = {"status": "ok", "db": "ok"}
    for name, check in EXTRA_CHECKS.items():
        ok, detail = check()
        body[name] = detail
        if not ok:
            body["status"] = "degraded"
    return jsonify(body), 200
