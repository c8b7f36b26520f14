"""The push subscription API, its validation, and /sw.js."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from mentor_app.audit.models import AuditEvent
from mentor_app.notifications.models import PushSubscription
from mentor_app.notifications.reachability import Reach, reachability_for
from mentor_app.notifications.subscriptions import (
    MAX_DEVICES,
    EndpointRules,
    InvalidSubscription,
    check_endpoint,
)
from mentor_app.notifications.vapid import b64url_decode, keys_for
from tests.conftest import csrf_token
from tests.push_helpers import LocalPushService, b64url

ANDROID_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Mobile Safari/537.36"
)


@pytest.fixture
def push_service():  # type: ignore[no-untyped-def]
    with LocalPushService() as service:
        yield service


def post(client, path: str, body, method: str = "POST", **headers):  # type: ignore[no-untyped-def]
    return client.open(
        path, method=method, json=body, headers={"X-CSRFToken": csrf_token(client), **headers}
    )


@pytest.mark.parametrize("role", ["mentor", "consultant", "coordinator"])
def test_public_key_is_the_raw_uncompressed_point(app, actors, role: str) -> None:  # type: ignore[no-untyped-def]
    client, _ = actors.signed_in(role)
    response = client.get("/api/push/key")
    assert response.status_code == 200
    key = response.get_json()["publicKey"]
    raw = b64url_decode(key)
    assert len(raw) == 65 and raw[0] == 4
    assert "=" not in key
    with app.app_context():
        assert key == keys_for(app).public_key


def test_key_without_configured_keys_is_503(app, actors) -> None:  # type: ignore[no-untyped-def]
    app.config["TESTING"] = False  # production-like: no keys configured, none generated
    app.extensions.pop("mentor_vapid", None)
    client, _ = actors.signed_in("mentor")
    response = client.get("/api/push/key")
    assert response.status_code == 503
    assert "error" in response.get_json()


def test_subscribe_201_then_200_and_several_devices(app, db, actors, push_service) -> None:  # type: ignore[no-untyped-def]
    client, user_id = actors.signed_in("consultant")
    phone, laptop = push_service.subscription("phone"), push_service.subscription("laptop")

    first = post(client, "/api/push/subscriptions", phone, **{"User-Agent": ANDROID_UA})
    assert first.status_code == 201
    assert first.get_json()["device"] == "Chrome on Android"
    assert post(client, "/api/push/subscriptions", phone).status_code == 200
    assert post(client, "/api/push/subscriptions", laptop).status_code == 201

    devices = db.scalars(select(PushSubscription).where(PushSubscription.user_id == user_id)).all()
    assert len(devices) == 2
    stored = next(d for d in devices if d.endpoint == phone["endpoint"])
    assert stored.p256dh == phone["keys"]["p256dh"] and stored.auth == phone["keys"]["auth"]
    assert stored.device_label == "Chrome on Android"
    # Only the label is kept: nothing of the raw User-Agent.
    assert not any("Pixel" in str(getattr(stored, c.key)) for c in PushSubscription.__table__.c)
    with app.app_context():
        session = app.extensions["mentor_db"].session()
        assert reachability_for(session, [user_id])[user_id].status is Reach.UNTESTED
        session.close()


def test_an_endpoint_of_another_user_moves_and_the_audit_log_says_so(
    db, actors, push_service
) -> None:  # type: ignore[no-untyped-def]
    first_client, first_id = actors.signed_in("consultant")
    second_client, second_id = actors.signed_in("mentor")
    device = push_service.subscription("shared-tablet")
    assert post(first_client, "/api/push/subscriptions", device).status_code == 201

    assert post(second_client, "/api/push/subscriptions", device).status_code == 201

    row = db.scalars(select(PushSubscription)).one()
    assert row.user_id == second_id
    event = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "push.subscription_reassigned")
    ).one()
    assert event.actor_id == second_id
    assert event.details == {"previous_user_id": first_id}


def test_delete_removes_only_your_own_device(db, actors, push_service) -> None:  # type: ignore[no-untyped-def]
    owner, owner_id = actors.signed_in("consultant")
    stranger, _ = actors.signed_in("coordinator")
    device = push_service.subscription("phone")
    post(owner, "/api/push/subscriptions", device)

    gone = {"endpoint": device["endpoint"]}
    assert post(stranger, "/api/push/subscriptions", gone, method="DELETE").status_code == 404
    assert post(owner, "/api/push/subscriptions", gone, method="DELETE").status_code == 204
    assert post(owner, "/api/push/subscriptions", gone, method="DELETE").status_code == 404
    row = db.scalars(select(PushSubscription)).one()
    assert row.disabled_at is not None and row.disabled_reason == "removed by user"
    assert row.user_id == owner_id


def _valid(service: LocalPushService) -> dict:
    return service.subscription()


@pytest.mark.parametrize(
    "mutate",
    [
        lambda s: s.update(endpoint="http://push.example.org/x"),
        lambda s: s.update(endpoint="ftp://127.0.0.1/x"),
        lambda s: s.update(endpoint="https://" + "a" * 1020 + ".org/"),
        lambda s: s.update(endpoint="https://user:pw@push.example.org/x"),
        lambda s: s.update(endpoint=12),
        lambda s: s.update(endpoint="https:///nohost"),
        lambda s: s.update(keys="nope"),
        lambda s: s.pop("keys"),
        lambda s: s["keys"].update(p256dh=s["keys"]["p256dh"][:-4]),
        lambda s: s["keys"].update(p256dh=b64url(b"\x02" + b"\x01" * 64)),
        lambda s: s["keys"].update(p256dh=b64url(b"\x04" + b"\x01" * 64)),  # not on the curve
        lambda s: s["keys"].update(p256dh="not base64url!"),
        lambda s: s["keys"].update(auth=b64url(b"\x01" * 15)),
        lambda s: s["keys"].update(auth=None),
        lambda s: s.update(expirationTime="tomorrow"),
    ],
)
def test_invalid_subscriptions_are_refused(actors, push_service, mutate) -> None:  # type: ignore[no-untyped-def]
    client, _ = actors.signed_in("mentor")
    body = _valid(push_service)
    mutate(body)
    response = post(client, "/api/push/subscriptions", body)
    assert response.status_code == 400
    assert "error" in response.get_json()


@pytest.mark.parametrize("body", [[], "x", None, 5])
def test_non_object_bodies_are_refused(actors, body) -> None:  # type: ignore[no-untyped-def]
    client, _ = actors.signed_in("mentor")
    assert post(client, "/api/push/subscriptions", body).status_code == 400
    assert post(client, "/api/push/subscriptions", body, method="DELETE").status_code == 400


def test_endpoint_rules() -> None:
    dev = EndpointRules(allow_loopback=True)
    for ok in ("http://127.0.0.1:8080/push/a", "http://localhost/p", "http://[::1]:9/p"):
        assert check_endpoint(ok, dev) == ok
    assert check_endpoint("https://push.example.org/x", dev)
    prod = EndpointRules(allow_loopback=False, host_suffixes=("fcm.googleapis.com",))
    assert check_endpoint("https://fcm.googleapis.com/fcm/send/abc", prod)
    for bad in (
        "http://127.0.0.1:8080/push/a",
        "https://evil.example.org/x",
        "https://fcm.googleapis.com.evil.org/x",
        "https://10.0.0.1/x",
    ):
        with pytest.raises(InvalidSubscription):
            check_endpoint(bad, prod)


def test_too_many_devices_retires_the_longest_silent(db, actors, push_service) -> None:  # type: ignore[no-untyped-def]
    client, user_id = actors.signed_in("consultant")
    subs = [push_service.subscription(f"d{i}") for i in range(MAX_DEVICES + 1)]
    for sub in subs:
        assert post(client, "/api/push/subscriptions", sub).status_code == 201
    active = db.scalars(
        select(PushSubscription).where(
            PushSubscription.user_id == user_id, PushSubscription.disabled_at.is_(None)
        )
    ).all()
    assert len(active) == MAX_DEVICES
    retired = db.scalars(
        select(PushSubscription).where(PushSubscription.disabled_reason == "device limit")
    ).one()
    assert retired.endpoint == subs[0]["endpoint"]


def test_renew_needs_the_old_secret(db, actors, client, push_service) -> None:  # type: ignore[no-untyped-def]
    owner, owner_id = actors.signed_in("consultant")
    old, new = push_service.subscription("old"), push_service.subscription("new")
    post(owner, "/api/push/subscriptions", old)
    body = {"oldEndpoint": old["endpoint"], "oldAuth": b64url(b"\x00" * 16), "subscription": new}

    # No session and no CSRF token: the anonymous client, as a service worker would be.
    assert client.post("/api/push/subscriptions/renew", json=body).status_code == 404
    body["oldAuth"] = old["keys"]["auth"]
    assert client.post("/api/push/subscriptions/renew", json=body).status_code == 200

    rows = {r.endpoint: r for r in db.scalars(select(PushSubscription))}
    assert rows[new["endpoint"]].user_id == owner_id and rows[new["endpoint"]].disabled_at is None
    assert rows[old["endpoint"]].disabled_reason == "replaced"


def test_a_removed_device_cannot_be_renewed(actors, client, push_service) -> None:  # type: ignore[no-untyped-def]
    owner, _ = actors.signed_in("mentor")
    old, new = push_service.subscription("old"), push_service.subscription("new")
    post(owner, "/api/push/subscriptions", old)
    post(owner, "/api/push/subscriptions", {"endpoint": old["endpoint"]}, method="DELETE")
    body = {"oldEndpoint": old["endpoint"], "oldAuth": old["keys"]["auth"], "subscription": new}
    assert client.post("/api/push/subscriptions/renew", json=body).status_code == 404


def test_blocked_permission_is_reported_and_cleared_by_subscribing(
    app, actors, push_service
) -> None:  # type: ignore[no-untyped-def]
    client, user_id = actors.signed_in("consultant")

    def status() -> Reach:
        with app.app_context():
            session = app.extensions["mentor_db"].session()
            try:
                return reachability_for(session, [user_id])[user_id].status
            finally:
                session.close()

    assert status() is Reach.NO_DEVICE
    assert post(client, "/api/push/permission", {"permission": "maybe"}).status_code == 400
    assert post(client, "/api/push/permission", {"permission": "denied"}).status_code == 204
    assert status() is Reach.BLOCKED
    post(client, "/api/push/subscriptions", push_service.subscription("phone"))
    assert status() is Reach.UNTESTED


def test_service_worker_is_served_at_the_root(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
    match = re.search(r"importScripts\('(/static/sw-push\.js\?v=[0-9a-f]{12})'", response.text)
    assert match, response.text
    part = client.get(match.group(1))
    assert part.status_code == 200
    assert "pushsubscriptionchange" in part.get_data(as_text=True)


def test_every_page_registers_the_service_worker(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/login").get_data(as_text=True)
    assert re.search(r'src="/static/js/sw-register\.js\?v=\w+" id="sw-register"', page)
