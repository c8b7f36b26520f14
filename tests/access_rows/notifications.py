"""Access rows for notifications (push subscriptions API, Settings actions) and /sw.js."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.test_access_matrix import expect

SIGNED_IN_JSON = expect(401, 400, 400, 400)

ROWS = [
    ("GET", "/sw.js", expect(200, 200, 200, 200), "/sw.js"),
    ("GET", "/api/push/key", expect(401, 200, 200, 200), "/api/push/key"),
    ("POST", "/api/push/subscriptions", SIGNED_IN_JSON, "/api/push/subscriptions"),
    ("DELETE", "/api/push/subscriptions", SIGNED_IN_JSON, "/api/push/subscriptions"),
    # No session needed: the old subscription's secret is the proof; an empty body is refused.
    (
        "POST",
        "/api/push/subscriptions/renew",
        expect(400, 400, 400, 400),
        "/api/push/subscriptions/renew",
    ),
    ("POST", "/api/push/permission", SIGNED_IN_JSON, "/api/push/permission"),
    # One-button action: the CSRF token is all it takes (it queues a test message).
    (
        "POST",
        "/account/notifications/test",
        expect(302, 302, 302, 302),
        "/account/notifications/test",
    ),
    (
        "POST",
        "/account/notifications/email-fallback",
        expect(302, 400, 400, 400),
        "/account/notifications/email-fallback",
    ),
    # Someone else's device is not found, for every role (coordinators included).
    (
        "POST",
        "/account/notifications/devices/{stranger_device}/remove",
        expect(302, 404, 404, 404),
        "/account/notifications/devices/<int:device_id>/remove",
    ),
    (
        "POST",
        "/account/notifications/devices/999999/remove",
        expect(302, 404, 404, 404),
        "/account/notifications/devices/<int:device_id>/remove",
    ),
]


def _stranger_device(app, actors, db, clients) -> int:  # type: ignore[no-untyped-def]
    from mentor_app.notifications.models import PushSubscription

    owner_id, _ = actors.create("consultant")
    device = PushSubscription(
        user_id=owner_id,
        endpoint="https://fcm.googleapis.com/fcm/send/stranger-device",
        p256dh="B" + "A" * 86,
        auth="A" * 22,
        device_label="Chrome on Android",
        created_at=datetime.now(UTC),
    )
    db.add(device)
    db.commit()
    return device.id


PLACEHOLDERS = {"stranger_device": _stranger_device}
