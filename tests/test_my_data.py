"""My data: every user sees and downloads what the app holds about them, and only that."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from mentor_app.accounts.models import User
from mentor_app.audit import services as audit
from mentor_app.audit.models import AuditEvent
from mentor_app.notifications.models import PushSubscription
from mentor_app.pool.models import ConsultantLanguage, WeeklyShift
from tests import dashboard_factories as f
from tests.pool_helpers import set_profile

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def pair(app, db, actors, clock):  # type: ignore[no-untyped-def]
    """A mentor and a consultant who shared one consult; a stranger with a consult of their own."""
    clock.freeze(T0 + timedelta(days=1))
    mentor_client, mentor = actors.signed_in("mentor")
    consultant_client, consultant = actors.signed_in("consultant")
    stranger, _ = actors.create("mentor")
    case = f.case(db, mentor)
    shared = f.consult(
        db,
        mentor,
        T0,
        consultant_id=consultant,
        accepted_after=60,
        status="closed",
        closed_after=timedelta(hours=1),
        outcome="advice",
        case_id=case.id,
    )
    f.consult(db, stranger, T0, note="STRANGER-NOTE-4410", content=False)
    db.add(
        PushSubscription(
            user_id=mentor,
            endpoint="https://push.example/SECRET-ENDPOINT",
            p256dh="SECRET-P256DH",
            auth="SECRET-AUTH",
            device_label="My phone",
            created_at=T0,
            last_used_at=T0,
        )
    )
    # Consultant actors already have an active profile (tests/pool_helpers.py).
    set_profile(db, consultant, profession="Psychologist", credential_number="PSY-123")
    db.flush()
    db.add(ConsultantLanguage(user_id=consultant, language="sv"))
    db.add(
        WeeklyShift(
            consultant_id=consultant,
            weekday=1,
            starts=datetime(2026, 1, 1, 18).time(),
            ends=datetime(2026, 1, 1, 22).time(),
        )
    )
    audit.record(
        db,
        T0,
        "user.role_changed",
        actor_id=stranger,
        object_type="user",
        object_id=mentor,
        ip="203.0.113.9",
    )
    audit.record(db, T0, "stranger.thing", actor_id=stranger, ip="198.51.100.1")
    db.commit()
    return {
        "mentor": (mentor_client, mentor),
        "consultant": (consultant_client, consultant),
        "shared": shared.id,
        "case_code": case.code,
    }


def test_mentor_sees_their_profile_devices_cases_consults_and_audit(pair, db) -> None:  # type: ignore[no-untyped-def]
    client, mentor = pair["mentor"]
    response = client.get("/me/data.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="my-data.json"'
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.data)
    user = db.get(User, mentor)
    assert data["profile"]["email"] == user.email and data["profile"]["role"] == "mentor"
    assert data["devices"] == [
        {
            "label": "My phone",
            "created_at": T0.isoformat(),
            "last_used_at": T0.isoformat(),
            "last_success_at": None,
            "disabled_at": None,
            "disabled_reason": None,
        }
    ]
    assert [c["code"] for c in data["cases"]] == [pair["case_code"]]
    (consult,) = data["consults_as_mentor"]
    assert consult["id"] == pair["shared"] and consult["case_code"] == pair["case_code"]
    assert consult["note"] == f.NOTE and consult["callback_number"] == f.CALLBACK
    assert [m["from"] for m in consult["messages"]] == ["you", "other"]
    assert consult["consultant"] == "Test consultant"
    assert data["consults_as_consultant"] == [] and data["consultant_profile"] is None
    actions = {e["action"]: e for e in data["audit_entries"]}
    assert "login.succeeded" in actions  # their own
    about = actions["user.role_changed"]  # someone else's action on their account
    assert about["by"] == "mentor" and about["ip"] is None
    assert "stranger.thing" not in actions
    assert db.query(AuditEvent).filter_by(action="my_data.downloaded", actor_id=mentor).count() == 1


def test_nothing_secret_and_nothing_of_anyone_else(pair, db) -> None:  # type: ignore[no-untyped-def]
    client, mentor = pair["mentor"]
    raw = client.get("/me/data.json").get_data(as_text=True)
    page = client.get("/me/data").get_data(as_text=True)
    user = db.get(User, mentor)
    for text in (raw, page):
        for secret in (
            "SECRET-ENDPOINT",
            "SECRET-P256DH",
            "SECRET-AUTH",
            "STRANGER-NOTE-4410",
            "198.51.100.1",
            "203.0.113.9",
            user.password_hash,
            "password_hash",
            "totp_secret",
            "token_hash",
        ):
            assert secret not in text, secret


def test_consultant_sees_the_consults_they_hold_without_case_codes(pair) -> None:  # type: ignore[no-untyped-def]
    client, _ = pair["consultant"]
    data = client.get("/me/data.json").get_json(force=True)
    (consult,) = data["consults_as_consultant"]
    assert consult["id"] == pair["shared"] and consult["mentor"] == "Test mentor"
    assert [m["from"] for m in consult["messages"]] == ["other", "you"]
    assert "case_code" not in consult and pair["case_code"] not in json.dumps(data)
    profile = data["consultant_profile"]
    assert profile["profession"] == "Psychologist" and profile["languages"] == ["en", "sv"]
    assert profile["weekly_shifts"] == [{"weekday": 1, "starts": "18:00:00", "ends": "22:00:00"}]
    assert data["consults_as_mentor"] == []


def test_page_shows_the_same(pair) -> None:  # type: ignore[no-untyped-def]
    client, _ = pair["mentor"]
    page = client.get("/me/data")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert pair["case_code"] in page.text and f.NOTE in page.text and "My phone" in page.text
    assert f"/consults/{pair['shared']}/record" in page.text


def test_my_data_is_linked_from_settings(pair) -> None:  # type: ignore[no-untyped-def]
    client, _ = pair["mentor"]
    assert "/me/data" in client.get("/account/settings").text


def test_anonymous_is_sent_to_sign_in(app) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    for path in ("/me/data", "/me/data.json"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
