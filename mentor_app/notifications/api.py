"""The push subscription API (JSON, CSRF in the X-CSRFToken header), for every signed-in role.

GET    /api/push/key                  -> {"publicKey": "<base64url raw P-256 point>"}
POST   /api/push/subscriptions        PushSubscription JSON -> 201 created, 200 already known
DELETE /api/push/subscriptions        {"endpoint"} -> 204
POST   /api/push/subscriptions/renew  {"oldEndpoint", "oldAuth", "subscription"} -> 200
POST   /api/push/permission           {"permission": "denied" | "granted" | "default"} -> 204
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from mentor_app.db import db_session
from mentor_app.extensions import csrf, limiter
from mentor_app.notifications import subscriptions
from mentor_app.notifications.devices import label_from_user_agent
from mentor_app.notifications.subscriptions import EndpointRules, InvalidSubscription
from mentor_app.notifications.vapid import VapidConfigError, keys_for
from mentor_app.security import json_error
from mentor_app.web import client_ip, now

bp = Blueprint("push_api", __name__, url_prefix="/api/push")

PERMISSION_STATES = frozenset({"denied", "granted", "default"})


def _per_user() -> str:
    return f"push-user:{current_user.get_id()}"


def _rules() -> EndpointRules:
    return EndpointRules.from_config(current_app.config)


@bp.get("/key")
@login_required
def public_key():  # type: ignore[no-untyped-def]
    try:
        keys = keys_for(current_app)
    except VapidConfigError:
        current_app.logger.error("VAPID keys are configured but unusable")
        keys = None
    if keys is None:
        return json_error(503, _("Notifications are not set up on this server yet."))
    return jsonify({"publicKey": keys.public_key})


@bp.post("/subscriptions")
@login_required
@limiter.limit("30 per minute", key_func=_per_user)
def add_subscription():  # type: ignore[no-untyped-def]
    try:
        data = subscriptions.parse_subscription(request.get_json(silent=True), _rules())
    except InvalidSubscription as err:
        return json_error(400, str(err))
    row, created = subscriptions.register(
        db_session(),
        now(),
        user_id=current_user.id,
        data=data,
        label=label_from_user_agent(request.headers.get("User-Agent")),
        ip=client_ip(),
    )
    return jsonify({"id": row.id, "device": row.device_label}), 201 if created else 200


@bp.delete("/subscriptions")
@login_required
def delete_subscription():  # type: ignore[no-untyped-def]
    try:
        endpoint = subscriptions.parse_endpoint_only(request.get_json(silent=True))
    except InvalidSubscription as err:
        return json_error(400, str(err))
    removed = subscriptions.remove_by_endpoint(
        db_session(), now(), user_id=current_user.id, endpoint=endpoint, ip=client_ip()
    )
    if not removed:
        return json_error(404, _("This device is not registered."))
    return "", 204


@bp.post("/subscriptions/renew")
@csrf.exempt  # no session here: the old subscription's own secret is the proof (see renew())
@limiter.limit("10 per minute")
def renew_subscription():  # type: ignore[no-untyped-def]
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return json_error(400, "send a JSON object")
    old_endpoint, old_auth = body.get("oldEndpoint"), body.get("oldAuth")
    if not isinstance(old_endpoint, str) or not old_endpoint or len(old_endpoint) > 1024:
        return json_error(400, "oldEndpoint is required")
    if not isinstance(old_auth, str) or not old_auth or len(old_auth) > 64:
        return json_error(400, "oldAuth is required")
    try:
        data = subscriptions.parse_subscription(body.get("subscription"), _rules())
    except InvalidSubscription as err:
        return json_error(400, str(err))
    row = subscriptions.renew(
        db_session(), now(), old_endpoint=old_endpoint, old_auth=old_auth, data=data, ip=client_ip()
    )
    if row is None:
        return json_error(404, _("Unknown subscription."))
    return jsonify({"ok": True}), 200


@bp.post("/permission")
@login_required
@limiter.limit("30 per minute", key_func=_per_user)
def report_permission():  # type: ignore[no-untyped-def]
    body = request.get_json(silent=True)
    state = body.get("permission") if isinstance(body, dict) else None
    if not isinstance(state, str) or state not in PERMISSION_STATES:  # a list is unhashable
        return json_error(400, "permission must be denied, granted or default")
    subscriptions.report_permission(db_session(), now(), current_user.id, state)
    return "", 204
