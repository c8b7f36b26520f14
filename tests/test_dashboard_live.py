"""The coordinator's live dashboard and its JSON endpoint."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from mentor_app.accounts.models import User
from mentor_app.dashboard import live, metrics
from mentor_app.notifications.models import PushSubscription
from tests import dashboard_factories as f
from tests.pool_helpers import set_profile

# 00:30 in Stockholm on 10 March: "today" began 30 minutes ago there, 23:00 UTC on the 9th.
NOW = datetime(2026, 3, 9, 23, 30, tzinfo=UTC)


def test_age_buckets_and_local_midnight() -> None:
    assert live.age_bucket(timedelta(minutes=4, seconds=59)) == "under_5m"
    assert live.age_bucket(timedelta(minutes=5)) == "5_15m"
    assert live.age_bucket(timedelta(minutes=59)) == "15_60m"
    assert live.age_bucket(timedelta(hours=3)) == "1_4h"
    assert live.age_bucket(timedelta(days=2)) == "over_4h"
    assert live.start_of_day(NOW, "Europe/Stockholm") == datetime(2026, 3, 9, 23, tzinfo=UTC)
    assert live.start_of_day(NOW, "UTC") == datetime(2026, 3, 9, tzinfo=UTC)
    assert live.start_of_day(NOW, "Not/AZone") == datetime(2026, 3, 9, tzinfo=UTC)


@pytest.fixture
def board(app, db, actors, clock):  # type: ignore[no-untyped-def]
    clock.freeze(NOW)
    mentor, _ = actors.create("mentor")
    reachable, failing, no_device, suspended, disabled = (
        actors.create("consultant", name=name)[0]
        for name in ("Rita Reachable", "Fred Failing", "Nina Nodevice", "Sam Suspended", "Dan Off")
    )
    # Consultant actors already have an active profile (tests/pool_helpers.py).
    set_profile(db, suspended, vetting_state="suspended")
    db.get(User, disabled).is_disabled = True
    db.add(
        PushSubscription(
            user_id=reachable,
            endpoint="https://push.example/r",
            p256dh="k",
            auth="a",
            created_at=NOW,
            last_success_at=NOW,
        )
    )
    db.add(
        PushSubscription(
            user_id=failing,
            endpoint="https://push.example/f",
            p256dh="k",
            auth="a",
            created_at=NOW,
            failing_since=NOW - timedelta(hours=2),
        )
    )
    case = f.case(db, mentor)
    ago = lambda **kw: NOW - timedelta(**kw)  # noqa: E731
    f.consult(db, mentor, ago(minutes=2), urgency="urgent", case_id=case.id)
    f.consult(db, mentor, ago(minutes=10), urgency="urgent", waiting=True)
    f.consult(db, mentor, ago(hours=2), urgency="soon", waiting=True, coordinator_step=True)
    f.consult(db, mentor, ago(hours=30), urgency="routine", waiting=True, coordinator_step=True)
    # accepted after local midnight (counts) and before it (does not)
    f.consult(
        db,
        mentor,
        ago(minutes=20),
        status="accepted",
        accepted_after=10 * 60,
        consultant_id=reachable,
    )
    f.consult(
        db,
        mentor,
        ago(minutes=50),
        status="closed",
        accepted_after=5 * 60,
        consultant_id=reachable,
        closed_after=timedelta(minutes=40),
        outcome="advice",
    )
    db.commit()
    return {"reachable": reachable, "failing": failing, "no_device": no_device}


def test_snapshot_figures(app, db, board) -> None:  # type: ignore[no-untyped-def]
    snap = live.snapshot(db, NOW, "Europe/Stockholm")
    assert snap.open_total == 4
    assert snap.open_by_age["urgent"] == {
        "under_5m": 1,
        "5_15m": 1,
        "15_60m": 0,
        "1_4h": 0,
        "over_4h": 0,
    }
    assert snap.open_by_age["soon"]["1_4h"] == 1 and snap.open_by_age["routine"]["over_4h"] == 1
    assert snap.waiting_past_first_wave == 3
    assert snap.at_coordinator_step == 2
    assert snap.accepted_today == 1
    assert [c.age_minutes for c in snap.oldest_open] == [30 * 60, 120, 10, 2]
    assert snap.active_consultants == 3  # suspended and disabled accounts are not in the pool
    assert {(u.name, u.status) for u in snap.unreachable} == {
        ("Fred Failing", "failing"),
        ("Nina Nodevice", "no_device"),
    }
    assert snap.guides_overdue == []  # no guides in this database


def test_live_json_is_small_uncached_and_free_of_case_data(board, actors) -> None:  # type: ignore[no-untyped-def]
    client, _ = actors.signed_in("coordinator")
    response = client.get("/api/dashboard/live")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    data = response.get_json()
    assert data["open_total"] == 4 and data["accepted_today"] == 1
    assert data["unreachable_count"] == 2 and data["guides_overdue"] == 0
    assert data["oldest_open"][0]["age"] == "1 d 6 h"
    assert data["oldest_open"][-1]["urgency"] == "urgent"
    raw = response.get_data(as_text=True)
    for secret in f.SECRETS:
        assert secret not in raw
    assert len(response.data) < 8000


def test_dashboard_page(board, actors) -> None:  # type: ignore[no-untyped-def]
    client, _ = actors.signed_in("coordinator")
    page = client.get("/dashboard/")
    assert page.status_code == 200
    text = page.text
    assert 'data-live="waiting_past_first_wave">3<' in text
    assert 'data-live="open_by_age.urgent.under_5m">1<' in text
    assert "Fred Failing" in text and "Nina Nodevice" in text and "Rita Reachable" not in text
    assert "guides overdue for review" in text and "not available" not in text
    assert "js/dashboard.js" in text and "style=" not in text
    for secret in f.SECRETS:
        assert secret not in text


def test_guides_overdue_from_the_provider(board, actors, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    class Provider:
        def overdue_for_review(self, session, today):  # type: ignore[no-untyped-def]
            assert today == date(2026, 3, 10)  # the coordinator's today
            return [metrics.GuideOverdue("trauma-reminders", "Trauma reminders", date(2026, 2, 1))]

        def usage(self, session, start_at, end_at, limit):  # type: ignore[no-untyped-def]
            return []

    monkeypatch.setattr(metrics, "GUIDE_METRICS_PROVIDER", Provider())
    client, _ = actors.signed_in("coordinator")
    assert "Trauma reminders" in client.get("/dashboard/").text
    assert client.get("/api/dashboard/live").get_json()["guides_overdue"] == 1


def test_navigation_for_coordinators_only(app, actors) -> None:  # type: ignore[no-untyped-def]
    coordinator, _ = actors.signed_in("coordinator")
    home = coordinator.get("/").text
    for path in ("/dashboard/", "/reports/", "/audit/"):
        assert f'href="{path}"' in home
    mentor, _ = actors.signed_in("mentor")
    mentor_home = mentor.get("/").text
    for path in ("/dashboard/", "/reports/", "/audit/"):
        assert f'href="{path}"' not in mentor_home


def test_metrics_page_validates_the_period(app, actors) -> None:  # type: ignore[no-untyped-def]
    client, _ = actors.signed_in("coordinator")
    assert client.get("/dashboard/metrics").status_code == 200
    ok = client.get("/dashboard/metrics?start=2026-03-01&end=2026-03-31")
    assert ok.status_code == 200 and "How these figures are defined" in ok.text
    assert "creation time, on the panel's calendar" in ok.text
    for query in (
        "start=2026-03-02&end=2026-03-01",
        "start=2024-01-01&end=2026-01-01",
        "start=yesterday&end=2026-03-01",
    ):
        bad = client.get(f"/dashboard/metrics?{query}")
        assert bad.status_code == 400 and 'role="alert"' in bad.text
