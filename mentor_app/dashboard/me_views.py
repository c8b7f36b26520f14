"""Every user's own data ("my data") and the mentor's consult record for the file.

No ids of users in these URLs: "my data" is always the signed-in user's. The consult record
404s for anyone but the consult's own mentor.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, make_response, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from mentor_app.audit import services as audit
from mentor_app.dashboard import mydata, records
from mentor_app.dashboard.report import OUTCOME_LABELS, URGENCY_LABELS
from mentor_app.db import db_session
from mentor_app.web import client_ip, now

bp = Blueprint("my_data", __name__, url_prefix="/me")
record_bp = Blueprint("consult_record", __name__)
PAGE_LIST_LIMIT = 20


@bp.get("/data")
@login_required
def page():  # type: ignore[no-untyped-def]
    data = mydata.collect(db_session(), current_user.id, now())
    return render_template("dashboard/my_data.html", data=data, limit=PAGE_LIST_LIMIT)


@bp.get("/data.json")
@login_required
def download():  # type: ignore[no-untyped-def]
    data = mydata.collect(db_session(), current_user.id, now())
    audit.record(
        db_session(),
        now(),
        "my_data.downloaded",
        actor_id=current_user.id,
        object_type="user",
        object_id=current_user.id,
        ip=client_ip(),
    )
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
    response = make_response(body)
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="my-data.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


RECORD_OUTCOME_LABELS = {
    **{k: OUTCOME_LABELS[k] for k in ("advice", "see_client", "referral", "urgent_risk")},
    "no_action": _l("No action needed"),
}


def _load_record(consult_id: int) -> records.ConsultRecord | Response:
    """The record, or the response to give instead: 404 (not the user's own), 409 (open)."""
    try:
        return records.get_record_for(db_session(), current_user.id, consult_id)
    except LookupError:
        abort(404)
    except records.RecordNotReady:
        message = _("The record is ready once the consult is closed.")
        return make_response(render_template("error.html", status=409, message=message), 409)


def _audit_download(record: records.ConsultRecord, fmt: str) -> None:
    audit.record(
        db_session(),
        now(),
        "consult.record_downloaded",
        actor_id=current_user.id,
        object_type="consult",
        object_id=record.consult_id,
        ip=client_ip(),
        details={"format": fmt},
    )


def _labels(record: records.ConsultRecord) -> dict[str, str]:
    if record.client_agreed is None:
        agreed = _("Not recorded")
    else:
        agreed = _("Yes") if record.client_agreed else _("No")
    outcome = RECORD_OUTCOME_LABELS.get(record.outcome or "")
    return {
        "urgency": str(URGENCY_LABELS.get(record.urgency, record.urgency)),
        "outcome": str(outcome) if outcome else _("Not recorded"),
        "client_agreed": agreed,
    }


@record_bp.get("/consults/<int:consult_id>/record")
@login_required
def record_page(consult_id: int):  # type: ignore[no-untyped-def]
    record = _load_record(consult_id)
    if isinstance(record, Response):
        return record
    _audit_download(record, "html")
    return render_template("dashboard/record.html", record=record, labels=_labels(record))


@record_bp.get("/consults/<int:consult_id>/record.txt")
@login_required
def record_text(consult_id: int):  # type: ignore[no-untyped-def]
    record = _load_record(consult_id)
    if isinstance(record, Response):
        return record
    _audit_download(record, "txt")
    body = render_template("dashboard/record.txt", record=record, labels=_labels(record))
    response = make_response(body)
    response.headers["Content-Type"] = "text/plain; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="consult-{record.consult_id}-record.txt"'
    )
    return response
