"""Coverage pages for coordinators: the week as an hour grid, and one hour in detail."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import abort, render_template, request
from sqlalchemy import select

from mentor_app import timeutil
from mentor_app.accounts.models import User
from mentor_app.db import db_session
from mentor_app.notifications.reachability import reachability_for
from mentor_app.pool import coverage, forms, validation
from mentor_app.pool.access import viewer_zone
from mentor_app.pool.queries import NO_LOAD, load_for
from mentor_app.pool.views import bp
from mentor_app.pool.windows import HORIZON, LOOKBACK
from mentor_app.security import roles_required
from mentor_app.validation import date_in_range
from mentor_app.web import now


def _filter_args() -> tuple[str | None, str | None]:
    language = (request.args.get("language") or "").strip() or None
    expertise = (request.args.get("expertise") or "").strip() or None
    if language is not None and language not in validation.language_names():
        abort(400)
    if expertise is not None and expertise not in validation.tag_labels(db_session()):
        abort(400)
    return language, expertise


@bp.get("/coverage")
@roles_required("coordinator")
def coverage_page():  # type: ignore[no-untyped-def]
    language, expertise = _filter_args()
    count = request.args.get("count") or "reachable"
    if count not in ("reachable", "all"):
        abort(400)
    grid = coverage.build_grid(
        db_session(), now(), viewer_zone(), language, expertise, reachable_only=count == "reachable"
    )
    return render_template(
        "pool/coverage.html",
        grid=grid,
        language=language,
        expertise=expertise,
        count=count,
        languages=validation.pool_languages(db_session()),
        tag_labels=validation.tag_labels(db_session()),
        weekdays=forms.WEEKDAY_NAMES,
        now=now(),
    )


def _hour_arg() -> datetime:
    raw = (request.args.get("at") or "").strip()
    if len(raw) > 40:
        abort(400)
    try:
        at = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        abort(400)
    if at.tzinfo is None or not date_in_range(at):
        abort(400)
    # The whole hour of the coordinator's clock that holds `at` (in Asia/Kolkata 05:00 local
    # is 23:30 UTC: truncating in UTC would give 04:30-05:30).
    at = timeutil.hour_start(at, viewer_zone())
    # Windows exist from a day back to three weeks ahead; outside that, there is no answer.
    if not now() - LOOKBACK <= at <= now() + HORIZON - timedelta(hours=1):
        abort(400)
    return at


@bp.get("/coverage/hour")
@roles_required("coordinator")
def coverage_hour():  # type: ignore[no-untyped-def]
    language, expertise = _filter_args()
    at = _hour_arg()
    session = db_session()
    detail = coverage.hour_detail(session, now(), at, language, expertise)
    ids = detail.on_call + detail.could_cover
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))}
    reach = reachability_for(session, ids)
    loads = load_for(session, now(), ids)

    def people(id_list: list[int]) -> list[dict]:
        rows = [
            {"user": users[i], "reach": reach[i], "load": loads.get(i, NO_LOAD)}
            for i in id_list
            if i in users
        ]
        # Least loaded first: the fairest people to ask.
        return sorted(
            rows, key=lambda r: (r["load"].open, r["load"].recent, r["user"].display_name)
        )

    return render_template(
        "pool/coverage_hour.html",
        at=at,
        delta_hour=coverage.HOUR,
        zone=viewer_zone(),
        on_call=[p for p in people(detail.on_call) if p["reach"].reachable],
        on_call_unreachable=[p for p in people(detail.on_call) if not p["reach"].reachable],
        could_cover=people(detail.could_cover),
        language=language,
        expertise=expertise,
        tag_labels=validation.tag_labels(session),
    )
