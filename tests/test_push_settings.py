"""The Settings section, reachability, the pre-shift warning, and where VAPID keys come from."""

from __future__ import annotations

import stat
from datetime import timedelta

import pytest
from sqlalchemy import select

from mentor_app.accounts.models import User
from mentor_app.audit.models import AuditEvent
from mentor_app.notifications import shift_warnings, vapid
from mentor_app.notifications.models import OutboxMessage, PushSubscription
from mentor_app.notifications.reachability import Reach, reachability_for
from mentor_app.pool.models import ConsultantProfile, OnCallWindow
from tests.conftest import csrf_token
from tests.push_helpers import LocalPushService, add_device, deliver, quick_user


def settings_page(client) -> str:  # type: ignore[no-untyped-def]
    response = client.get("/account/settings")
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["mentor", "consultant", "coordinator"])
def test_every_role_sees_the_section_with_no_device(actors, role: str) -> None:  # type: ignore[no-untyped-def]
    client, _ = actors.signed_in(role)
    page = settings_page(client)
    assert 'id="notifications"' in page
    assert "No device gets notifications yet" in page
    assert "Turn on notifications on this device" in page
    assert "Add to Home Screen" in page  # the iPhone explanation, shown by push.js on iOS
    assert "Send me a test notification" in page


def test_devices_and_their_state_are_listed(db, clock, actors) -> None:  # type: ignore[no-untyped-def]
    client, user_id = actors.signed_in("consultant")
    now = clock.freeze()
    phone = add_device(
        db,
        user_id,
        {"endpoint": "https://fcm.googleapis.com/a", "keys": {"p256dh": "BA", "auth": "AA"}},
        label="Chrome on Android",
    )
    add_device(
        db,
        user_id,
        {"endpoint": "https://fcm.googleapis.com/b", "keys": {"p256dh": "BA", "auth": "AA"}},
        label="Firefox on Windows",
    )
    phone.last_success_at = now
    db.commit()
    page = settings_page(client)
    assert "Chrome on Android" in page and "Firefox on Windows" in page
    assert "last received" in page and "nothing received yet" in page
    assert "Notifications reach you" in page


def test_without_a_device_the_test_button_says_so(db, clock, actors) -> None:  # type: ignore[no-untyped-def]
    client, user_id = actors.signed_in("mentor")
    answer = client.post("/account/notifications/test", data={"csrf_token": csrf_token(client)})
    assert answer.status_code == 302
    page = settings_page(client)
    assert "No device of yours gets notifications yet" in page and "on its way" not in page
    assert db.scalars(select(OutboxMessage).where(OutboxMessage.user_id == user_id)).all() == []


def test_test_button_queues_one_test_message_per_tap(db, clock, actors) -> None:  # type: ignore[no-untyped-def]
    client, user_id = actors.signed_in("mentor")
    clock.freeze()
    add_device(
        db,
        user_id,
        {"endpoint": "https://fcm.googleapis.com/t", "keys": {"p256dh": "BA", "auth": "AA"}},
    )
    db.commit()
    token = csrf_token(client)
    first = client.post("/account/notifications/test", data={"csrf_token": token})
    assert first.status_code == 302
    assert first.headers["Location"].endswith("/account/settings#notifications")
    client.post("/account/notifications/test", data={"csrf_token": token})  # double tap
    rows = db.scalars(select(OutboxMessage).where(OutboxMessage.user_id == user_id)).all()
    assert [(r.kind, r.payload["title"]) for r in rows] == [("test", "Test notification")]
    clock.advance(seconds=15)
    client.post("/account/notifications/test", data={"csrf_token": token})
    assert len(db.scalars(select(OutboxMessage)).all()) == 2


def test_the_test_message_reaches_the_device_and_shows_as_success(app, db, clock, actors) -> None:  # type: ignore[no-untyped-def]
    client, user_id = actors.signed_in("consultant")
    now = clock.freeze()
    with LocalPushService() as push:
        add_device(db, user_id, push.subscription("phone"))
        client.post("/account/notifications/test", data={"csrf_token": csrf_token(client)})
        deliver(app, now)
        [got] = push.delivered("phone")
    assert got.payload["title"] == "Test notification"
    assert got.payload["url"] == "/account/settings#notifications"
    assert "Notifications reach you" in settings_page(client)


def test_failing_and_blocked_states_are_shown(db, clock, actors) -> None:  # type: ignore[no-untyped-def]
    client, user_id = actors.signed_in("consultant")
    now = clock.freeze()
    device = add_device(
        db,
        user_id,
        {"endpoint": "https://fcm.googleapis.com/c", "keys": {"p256dh": "BA", "auth": "AA"}},
    )
    device.failing_since = now
    db.commit()
    assert "failing on your devices since" in settings_page(client)
    device.disabled_at = now
    db.commit()
    client.post(
        "/api/push/permission",
        json={"permission": "denied"},
        headers={"X-CSRFToken": csrf_token(client)},
    )
    assert "Notifications are blocked in your browser" in settings_page(client)


def test_remove_own_device_but_not_anyone_elses(db, actors) -> None:  # type: ignore[no-untyped-def]
    client, user_id = actors.signed_in("consultant")
    other_id, _ = actors.create("consultant")
    mine = add_device(
        db,
        user_id,
        {"endpoint": "https://fcm.googleapis.com/m", "keys": {"p256dh": "BA", "auth": "AA"}},
    )
    theirs = add_device(
        db,
        other_id,
        {"endpoint": "https://fcm.googleapis.com/t", "keys": {"p256dh": "BA", "auth": "AA"}},
    )
    token = csrf_token(client)
    url = "/account/notifications/devices/{}/remove"
    assert client.post(url.format(theirs.id), data={"csrf_token": token}).status_code == 404
    assert client.post(url.format(mine.id), data={"csrf_token": token}).status_code == 302
    db.expire_all()
    assert db.get(PushSubscription, mine.id).disabled_reason == "removed by user"
    assert db.get(PushSubscription, theirs.id).disabled_at is None
    assert client.post(url.format(mine.id), data={"csrf_token": token}).status_code == 404


def test_email_fallback_switch(db, actors) -> None:  # type: ignore[no-untyped-def]
    client, user_id = actors.signed_in("mentor")
    token = csrf_token(client)
    url = "/account/notifications/email-fallback"
    assert client.post(url, data={"csrf_token": token}).status_code == 400  # no choice: no change
    assert db.get(User, user_id).email_fallback is True
    assert client.post(url, data={"csrf_token": token, "email_fallback": "off"}).status_code == 302
    db.expire_all()
    assert db.get(User, user_id).email_fallback is False
    assert (
        client.post(url, data={"csrf_token": token, "email_fallback": "maybe"}).status_code == 400
    )
    client.post(url, data={"csrf_token": token, "email_fallback": "on"})
    db.expire_all()
    assert db.get(User, user_id).email_fallback is True
    changes = db.scalars(
        select(AuditEvent.details).where(
            AuditEvent.action == "notifications.email_fallback_changed"
        )
    ).all()
    assert changes == [{"email_fallback": False}, {"email_fallback": True}]


def test_reachability_statuses(app, db, clock) -> None:  # type: ignore[no-untyped-def]
    now = clock.freeze()
    ids = {name: quick_user(db, "consultant") for name in ("none", "ok", "untested", "failing")}
    sub = {"keys": {"p256dh": "BA", "auth": "AA"}}
    ok = add_device(db, ids["ok"], {**sub, "endpoint": "https://fcm.googleapis.com/1"})
    ok.last_success_at = now
    add_device(
        db, ids["ok"], {**sub, "endpoint": "https://fcm.googleapis.com/2"}
    ).failing_since = now
    add_device(db, ids["untested"], {**sub, "endpoint": "https://fcm.googleapis.com/3"})
    failing = add_device(db, ids["failing"], {**sub, "endpoint": "https://fcm.googleapis.com/4"})
    failing.failing_since = now - timedelta(hours=2)
    db.commit()
    reach = reachability_for(db, ids.values())
    assert reach[ids["none"]].status is Reach.NO_DEVICE and not reach[ids["none"]].reachable
    assert reach[ids["ok"]].status is Reach.OK and reach[ids["ok"]].last_success_at == now
    assert reach[ids["ok"]].devices == 2
    assert reach[ids["untested"]].status is Reach.UNTESTED and reach[ids["untested"]].reachable
    assert reach[ids["failing"]].status is Reach.FAILING
    assert reach[ids["failing"]].failing_since == now - timedelta(hours=2)


def _on_call(db, clock, user_id: int, starts_in: timedelta, expires_on=None) -> None:  # type: ignore[no-untyped-def]
    now = clock()
    db.add(
        ConsultantProfile(
            user_id=user_id,
            vetting_state="active",
            vetted_at=now - timedelta(days=30),
            credential_expires_on=expires_on,
            created_at=now,
            updated_at=now,
        )
    )
    db.flush()
    db.add(
        OnCallWindow(
            consultant_id=user_id,
            starts_at=now + starts_in,
            ends_at=now + starts_in + timedelta(hours=4),
        )
    )
    db.commit()


def test_unreachable_people_are_warned_once_before_their_shift(app, db, clock) -> None:  # type: ignore[no-untyped-def]
    now = clock.freeze()
    soon = quick_user(db, "consultant")
    later = quick_user(db, "consultant")
    reachable = quick_user(db, "consultant")
    _on_call(db, clock, soon, timedelta(minutes=40))
    _on_call(db, clock, later, timedelta(hours=3))
    _on_call(db, clock, reachable, timedelta(minutes=20))
    add_device(
        db,
        reachable,
        {"endpoint": "https://fcm.googleapis.com/r", "keys": {"p256dh": "BA", "auth": "AA"}},
    )

    assert shift_warnings.warn_unreachable(db, now, timedelta(hours=1)) == 1
    db.commit()
    assert shift_warnings.warn_unreachable(db, now + timedelta(minutes=5), timedelta(hours=1)) == 0
    db.commit()
    [warning] = db.scalars(select(OutboxMessage)).all()
    assert (warning.user_id, warning.kind) == (soon, "shift_unreachable")
    assert warning.urgency == "high"
    assert warning.payload["title"] == "Your on-call time starts soon"

    assert 0 < warning.ttl_seconds <= 40 * 60

    # The warning itself goes out like anything else: no device, so e-mail (the console here).
    deliver(app, now)
    db.expire_all()
    assert db.get(OutboxMessage, warning.id).channel == "email"


def test_nobody_is_warned_about_a_window_they_could_not_serve(app, db, clock) -> None:  # type: ignore[no-untyped-def]
    # Standing is the routing rule's: a suspended consultant, one whose credential lapsed
    # yesterday, and one who is now a coordinator get no "your on-call time starts" message.
    now = clock.freeze()
    suspended = quick_user(db, "consultant")
    lapsed = quick_user(db, "consultant")
    promoted = quick_user(db, "consultant")
    _on_call(db, clock, suspended, timedelta(minutes=30))
    _on_call(db, clock, lapsed, timedelta(minutes=30), expires_on=now.date() - timedelta(days=2))
    _on_call(db, clock, promoted, timedelta(minutes=30))
    db.get(ConsultantProfile, suspended).vetting_state = "suspended"
    db.get(User, promoted).role = "coordinator"
    db.commit()

    assert shift_warnings.warn_unreachable(db, now, timedelta(hours=1)) == 0


def test_vapid_keys_from_configuration(app) -> None:  # type: ignore[no-untyped-def]
    key = vapid.new_private_key()
    raw, public = vapid.private_key_b64(key), vapid.public_key_b64(key)
    config = {
        "VAPID_PRIVATE_KEY": raw,
        "VAPID_PUBLIC_KEY": public,
        "VAPID_SUBJECT": "mailto:a@b.org",
    }
    assert vapid.load_keys(config, "/nonexistent").public_key == public
    from cryptography.hazmat.primitives import serialization

    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    assert vapid.load_keys({**config, "VAPID_PRIVATE_KEY": pem}, "/x").public_key == public
    other = vapid.public_key_b64(vapid.new_private_key())
    with pytest.raises(vapid.VapidConfigError) as mismatch:
        vapid.load_keys({**config, "VAPID_PUBLIC_KEY": other}, "/x")
    assert raw not in str(mismatch.value)
    with pytest.raises(vapid.VapidConfigError):
        vapid.load_keys({**config, "VAPID_PRIVATE_KEY": "bm90IGEga2V5"}, "/x")
    with pytest.raises(vapid.VapidConfigError):
        vapid.load_keys({**config, "VAPID_SUBJECT": "someone"}, "/x")
    assert raw not in repr(vapid.load_keys(config, "/x"))


def test_development_keys_are_made_once_into_instance(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = {"GENERATE_INSTANCE_KEYS": True, "VAPID_SUBJECT": "mailto:dev@agency.org"}
    first = vapid.load_keys(config, str(tmp_path))
    path = tmp_path / vapid.KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert vapid.load_keys(config, str(tmp_path)).public_key == first.public_key
    assert vapid.ensure_instance_key(tmp_path) is None


def test_vapid_keys_command(app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    app.config.update(GENERATE_INSTANCE_KEYS=True, TESTING=False)
    app.instance_path = str(tmp_path)
    app.extensions.pop("mentor_vapid", None)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["vapid-keys"])
    assert result.exit_code == 0, result.output
    private = (tmp_path / vapid.KEY_FILE).read_text().strip()
    assert "public key" in result.output and private not in result.output
    again = runner.invoke(args=["vapid-keys"])
    assert "present" in again.output
    pair = runner.invoke(args=["vapid-keys", "--new-pair"]).output
    assert pair.startswith("VAPID_PRIVATE_KEY=") and "VAPID_PUBLIC_KEY=" in pair

    dev = runner.invoke(args=["dev-keys"])
    assert dev.exit_code == 0


def test_production_without_keys_refuses_the_command(app) -> None:  # type: ignore[no-untyped-def]
    app.config.update(GENERATE_INSTANCE_KEYS=False, TESTING=False, VAPID_PRIVATE_KEY="")
    result = app.test_cli_runner().invoke(args=["vapid-keys"])
    assert result.exit_code != 0
    assert "VAPID_PRIVATE_KEY" in result.output
