"""GET /api/dashboard/live: the dashboard's figures as small JSON, polled every ~10 s.

Never cached (the default no-store). Same content as the page: counts, the oldest open requests
(no case codes, no notes) and the unreachable consultants.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask_babel import format_time
from flask_login import current_user

from mentor_app.consults.vocab import language_name
from mentor_app.dashboard import live as live_view
from mentor_app.dashboard.views import age_text, consult_url
from mentor_app.db import db_session
from mentor_app.i18n.render import topic_word
from mentor_app.security import roles_required
from mentor_app.web import now

bp = Blueprint("dashboard_api", __name__, url_prefix="/api/dashboard")


def as_json(live: live_view.Live) -> dict[str, Any]:
    return {
        "now": live.now.isoformat(),
        # On the reader's clock, as the page it updates (not the phone's own zone).
        "now_time": format_time(live.now, "medium"),
        "open_total": live.open_total,
        "open_by_age": live.open_by_age,
        "waiting_past_first_wave": live.waiting_past_first_wave,
        "at_coordinator_step": live.at_coordinator_step,
        "accepted_today": live.accepted_today,
        "workers_stalled": live.workers_stalled,
        "worker_banner": live_view.worker_banner() if live.workers_stalled else "",
        "active_consultants": live.active_consultants,
        "unreachable_count": len(live.unreachable),
        "unreachable": [
            {
                "name": u.name,
                "status": u.status,
                "devices": u.devices,
                "email": u.email,
                "phone": u.phone,
            }
            for u in live.unreachable
        ],
        "oldest_open": [
            {
                "id": c.id,
                "urgency": c.urgency,
                "topic": c.topic,
                "topic_label": topic_word(c.topic),
                "language": c.language,
                "language_name": language_name(c.language),
                "age": age_text(c.age_minutes),
                "wave": c.wave,
                "mentor_told_waiting": c.mentor_told_waiting,
                "at_coordinator_step": c.at_coordinator_step,
                "url": consult_url(c.id),
            }
            for c in live.oldest_open
        ],
        "guides_overdue": None if live.guides_overdue is None else len(live.guides_overdue),
    }


@bp.get("/live")
@roles_required("coordinator")
def live():  # type: ignore[no-untyped-def]
    snapshot = live_view.snapshot(db_session(), now(), current_user.timezone)
    return jsonify(as_json(snapshot))
