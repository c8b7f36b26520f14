"""The JSON API of consults (fixed: the PWA and outside tools drive it).

Every field is checked for type and size here; unknown fields are refused; a body that is not
a JSON object is refused. Errors are {"error": "..."} with a 4xx status. CSRF: X-CSRFToken.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask_babel import format_time
from flask_babel import gettext as _
from flask_login import current_user, login_required

from mentor_app.consults import access, live, services
from mentor_app.consults.errors import ConsultError
from mentor_app.consults.vocab import STATUSES
from mentor_app.db import db_session
from mentor_app.extensions import limiter
from mentor_app.security import json_error
from mentor_app.web import client_ip, now

bp = Blueprint("consults_api", __name__, url_prefix="/api/consults")


class BadInput(Exception):
    pass


def _is_str(limit: int) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, str) and len(v) <= limit


def _is_opt_str(limit: int) -> Callable[[Any], bool]:
    return lambda v: v is None or (isinstance(v, str) and len(v) <= limit)


def _is_bool(v: Any) -> bool:
    return isinstance(v, bool)


def _is_opt_bool(v: Any) -> bool:
    return v is None or isinstance(v, bool)


def _is_id(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 0 < v < 2**31


# The size limits here are generous bounds on the wire; services apply the real ones with a
# message that says what is allowed (a 501-character note is refused there, by name).
FIELDS: dict[str, dict[str, Callable[[Any], bool]]] = {
    "create": {
        "client_key": _is_str(64),
        "urgency": _is_str(16),
        "topic": _is_str(80),
        "note": _is_opt_str(4000),
        "case_code": _is_opt_str(16),
        "language": _is_str(8),
    },
    "details": {
        "urgency": _is_str(16),
        "case_code": _is_opt_str(16),
        "note": _is_opt_str(4000),
        "callback_requested": _is_bool,
        "callback_number": _is_opt_str(40),
        "language": _is_str(8),
    },
    "decline": {"reason": _is_opt_str(40), "decline_case": _is_bool},
    "message": {"body": _is_str(8000)},
    "close": {
        "outcome": _is_str(16),
        "summary": _is_opt_str(8000),
        "client_agreed": _is_opt_bool,
        "follow_up_on": _is_opt_str(10),
    },
    "rate": {"helpful": _is_bool},
    "assign": {"consultant_id": _is_id},
    "empty": {},
}


def _body(kind: str, required: tuple[str, ...] = ()) -> dict[str, Any]:
    data = request.get_json(silent=True)
    if data is None and not request.get_data(cache=True):
        data = {}
    if not isinstance(data, dict):
        raise BadInput("Send a JSON object.")
    spec = FIELDS[kind]
    for key, value in data.items():
        if key not in spec:
            raise BadInput(f"Unknown field: {str(key)[:40]}.")
        if not spec[key](value):
            raise BadInput(f"Field {key} has the wrong type or is too long.")
    for key in required:
        if key not in data:
            raise BadInput(f"Field {key} is required.")
    return data


@bp.errorhandler(BadInput)
def _bad_input(err: BadInput):  # type: ignore[no-untyped-def]
    return json_error(400, str(err))


@bp.errorhandler(ConsultError)
def _refused(err: ConsultError):  # type: ignore[no-untyped-def]
    return json_error(err.status, err.message)


def _forbid(message: str | None = None) -> None:
    raise ConsultError(message or _("You cannot do this with this consult."), status=403)


def _state(seen: access.Access, status: int = 200, **extra: Any):  # type: ignore[no-untyped-def]
    consult = seen.consult
    body = {"id": consult.id, "status": consult.status, "url": f"/consults/{consult.id}"}
    return jsonify({**body, **extra}), status


def _get(consult_id: int) -> access.Access:
    return access.get_consult_for(db_session(), current_user, consult_id, now())


# --- collection -----------------------------------------------------------------------------


def _creation_limit() -> str:
    return current_app.config["CONSULT_CREATE_LIMIT"]


def _creator_key() -> str:
    return f"consult-create:{current_user.get_id()}:{getattr(current_user, 'email', '')}"


@bp.post("")
@login_required
# A runaway script must not flood the pool with offers; replays (200) cost nothing.
@limiter.limit(_creation_limit, key_func=_creator_key, deduct_when=lambda r: r.status_code == 201)
def create():  # type: ignore[no-untyped-def]
    if current_user.role != "mentor":
        _forbid(_("Only mentors ask for consults."))
    data = _body("create", required=("client_key",))
    consult, created = services.create(
        db_session(),
        now(),
        current_user,
        client_key=data["client_key"],
        urgency=data.get("urgency"),
        topic=data.get("topic", "general"),
        note=data.get("note"),
        case_code=data.get("case_code"),
        language=data.get("language"),
        ip=client_ip(),
        via="api",
    )
    body = {"id": consult.id, "status": consult.status, "url": f"/consults/{consult.id}"}
    return jsonify(body), 201 if created else 200


@bp.get("")
@login_required
def index():  # type: ignore[no-untyped-def]
    status = request.args.get("status") or None
    if status is not None and status not in STATUSES:
        raise BadInput("Unknown status.")
    items = live.mine(db_session(), current_user, now(), status)
    return jsonify({"consults": items})


@bp.get("/open")
@login_required
def open_consults():  # type: ignore[no-untyped-def]
    if current_user.role != "coordinator":
        _forbid(_("Only coordinators see every open consult."))
    session, at = db_session(), now()
    rows = live.open_list(session, at)
    return jsonify(
        {
            "now": at.isoformat(),
            "now_time": format_time(at, "medium"),  # the reader's clock, as on the page
            "consults": rows,
            "overdue": sum(1 for r in rows if r["overdue"]),
        }
    )


# --- one consult ----------------------------------------------------------------------------


@bp.get("/<int:consult_id>")
@login_required
def detail(consult_id: int):  # type: ignore[no-untyped-def]
    session, at = db_session(), now()
    seen = _get(consult_id)
    access.record_view(session, at, seen, "api", client_ip())
    return jsonify(access.view_model(session, seen, at))


@bp.post("/<int:consult_id>/details")
@login_required
def details(consult_id: int):  # type: ignore[no-untyped-def]
    seen = _get(consult_id)
    if seen.relation != "mentor":
        _forbid(_("Only the mentor who asked can change this request."))
    data = _body("details")
    change = services.DetailsChange(**data)
    changed = services.update_details(
        db_session(), now(), seen.consult, current_user, change, client_ip()
    )
    return _state(seen, changed=sorted(set(changed)))


@bp.post("/<int:consult_id>/accept")
@login_required
def accept(consult_id: int):  # type: ignore[no-untyped-def]
    seen = _get(consult_id)
    if seen.relation == "mentor" or seen.offer is None:
        _forbid(_("This request was not offered to you."))
    _body("empty")
    services.accept(db_session(), now(), seen.consult, current_user.id, current_user.role)
    return _state(seen)


@bp.post("/<int:consult_id>/decline")
@login_required
def decline(consult_id: int):  # type: ignore[no-untyped-def]
    seen = _get(consult_id)
    if seen.relation == "mentor" or seen.offer is None:
        _forbid(_("This request was not offered to you."))
    data = _body("decline")
    case_declined = services.decline(
        db_session(),
        now(),
        seen.consult,
        current_user.id,
        data.get("reason") or None,
        bool(data.get("decline_case", False)),
    )
    return _state(seen, case_declined=case_declined)


@bp.post("/<int:consult_id>/release")
@login_required
def release(consult_id: int):  # type: ignore[no-untyped-def]
    seen = _get(consult_id)
    if seen.relation == "mentor" or (
        seen.relation == "coordinator" and seen.consult.consultant_id != current_user.id
    ):
        _forbid(_("Only the consultant handling this consult can hand it back."))
    _body("empty")
    services.release(db_session(), now(), seen.consult, current_user.id)
    return _state(seen)


@bp.post("/<int:consult_id>/cancel")
@login_required
def cancel(consult_id: int):  # type: ignore[no-untyped-def]
    seen = _get(consult_id)
    if seen.relation != "mentor":
        _forbid(_("Only the mentor who asked can cancel this request."))
    _body("empty")
    services.cancel(db_session(), now(), seen.consult, current_user, client_ip())
    return _state(seen)


@bp.post("/<int:consult_id>/messages")
@login_required
def messages(consult_id: int):  # type: ignore[no-untyped-def]
    seen = _get(consult_id)
    if current_user.id not in (seen.consult.mentor_id, seen.consult.consultant_id):
        _forbid(_("Only the mentor and the consultant who accepted write here."))
    data = _body("message", required=("body",))
    message = services.post_message(db_session(), now(), seen.consult, current_user, data["body"])
    return jsonify({"id": message.id, "created_at": message.created_at.isoformat()}), 201


@bp.post("/<int:consult_id>/close")
@login_required
def close(consult_id: int):  # type: ignore[no-untyped-def]
    seen = _get(consult_id)
    if seen.consult.consultant_id != current_user.id:
        _forbid(_("Only the consultant handling this consult can close it."))
    data = _body("close", required=("outcome",))
    follow_up = None
    if data.get("follow_up_on"):
        try:
            follow_up = date.fromisoformat(data["follow_up_on"])
        except ValueError as err:
            raise BadInput("follow_up_on must be a date like 2026-05-31.") from err
    services.close(
        db_session(),
        now(),
        seen.consult,
        current_user,
        services.CloseInput(
            outcome=data["outcome"],
            summary=data.get("summary"),
            client_agreed=data.get("client_agreed"),
            follow_up_on=follow_up,
        ),
    )
    return _state(seen)


@bp.post("/<int:consult_id>/rate")
@login_required
def rate(consult_id: int):  # type: ignore[no-untyped-def]
    seen = _get(consult_id)
    if seen.relation != "mentor":
        _forbid(_("Only the mentor who asked can rate this consult."))
    data = _body("rate", required=("helpful",))
    services.rate(db_session(), now(), seen.consult, current_user, data["helpful"])
    return _state(seen)


@bp.post("/<int:consult_id>/assign")
@login_required
def assign(consult_id: int):  # type: ignore[no-untyped-def]
    seen = _get(consult_id)
    if current_user.role != "coordinator":
        _forbid(_("Only coordinators offer consults directly."))
    data = _body("assign", required=("consultant_id",))
    services.assign(db_session(), now(), seen.consult, current_user.id, data["consultant_id"])
    return _state(seen)
