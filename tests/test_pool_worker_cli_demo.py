"""The daily worker steps, the create-user hook, demo data, and the registrations."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from mentor_app.accounts.models import User
from mentor_app.audit.models import AuditEvent
from mentor_app.notifications.models import OutboxMessage
from mentor_app.pool import coverage, vetting, worker_steps
from mentor_app.pool.models import ConsultantProfile, OnCallWindow, WeeklyShift
from mentor_app.pool.queries import on_call_consultant_ids
from tests import pool_helpers

NOW = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)


def outbox(db, kind: str) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    return list(db.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))


def test_expiry_warning_once_per_expiry_date(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    first, _ = actors.create("coordinator")
    second, _ = actors.create("coordinator")
    expiring, _ = actors.create("consultant")
    later, _ = actors.create("consultant")
    pool_helpers.set_profile(db, expiring, credential_expires_on=date(2026, 7, 1))  # 30 days
    pool_helpers.set_profile(db, later, credential_expires_on=date(2026, 7, 2))  # 31 days
    db.commit()

    assert worker_steps.credential_expiry(db, NOW) == 1
    db.commit()
    messages = outbox(db, "pool.credential_expiring")
    assert sorted(m.user_id for m in messages) == sorted([expiring, first, second])
    for m in messages:
        assert "expires within 30 days" in m.payload["body"]
        assert "Test" not in m.payload["title"] + m.payload["body"]  # no names
    profile = db.get(ConsultantProfile, expiring)
    assert profile.expiry_warned_on == NOW.date()

    # A second run, the next day too, sends nothing more.
    assert worker_steps.credential_expiry(db, NOW + timedelta(hours=1)) == 0
    assert worker_steps.credential_expiry(db, NOW + timedelta(days=1)) == 1  # `later` now
    db.commit()
    assert len(outbox(db, "pool.credential_expiring")) == 6

    # A renewal recorded with a new date earns a new warning when that one comes near.
    pool_helpers.set_profile(db, expiring, credential_expires_on=date(2027, 7, 1))
    pool_helpers.set_profile(db, expiring, expiry_warned_on=None)
    db.commit()
    assert worker_steps.credential_expiry(db, datetime(2027, 6, 5, tzinfo=UTC)) == 1


def test_lapsed_credential_is_announced_once(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    coordinator, _ = actors.create("coordinator")
    consultant, _ = actors.create("consultant")
    pool_helpers.set_profile(
        db, consultant, credential_expires_on=date(2026, 5, 31), expiry_warned_on=date(2026, 5, 1)
    )
    pool_helpers.add_shift(db, NOW, consultant, 0, time(0), time(23))
    db.commit()
    assert on_call_consultant_ids(db, NOW) == []  # routing drops them by the date alone
    assert worker_steps.credential_expiry(db, NOW) == 2  # consultant and coordinator told
    db.commit()
    assert {m.user_id for m in outbox(db, "pool.credential_expired")} == {consultant, coordinator}
    assert worker_steps.credential_expiry(db, NOW + timedelta(days=1)) == 0
    # Nothing was flipped silently: the profile is still "active", and the list shows why.
    assert db.get(ConsultantProfile, consultant).vetting_state == vetting.ACTIVE


def test_extend_windows_keeps_the_horizon(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    consultant, _ = actors.create("consultant")
    db.add(WeeklyShift(consultant_id=consultant, weekday=0, starts=time(9), ends=time(10)))
    db.commit()
    assert worker_steps.extend_windows(db, NOW) == 1
    db.commit()
    assert db.scalar(select(func.count()).select_from(OnCallWindow)) == 3
    assert worker_steps.extend_windows(db, NOW + timedelta(hours=23)) == 0  # fresh enough
    four_weeks = NOW + timedelta(weeks=4)
    assert worker_steps.extend_windows(db, four_weeks) == 1
    db.commit()
    last = db.scalar(select(func.max(OnCallWindow.ends_at)))
    assert last > four_weeks + timedelta(weeks=2)


def test_extend_windows_works_in_batches_stalest_first(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    ids = [actors.create("consultant")[0] for _ in range(3)]
    pool_helpers.set_profile(db, ids[2], windows_refreshed_at=NOW - timedelta(days=3))
    pool_helpers.set_profile(db, ids[1], windows_refreshed_at=NOW - timedelta(days=2))
    pool_helpers.set_profile(db, ids[0], windows_refreshed_at=NOW - timedelta(hours=1))
    db.commit()
    assert worker_steps.extend_windows(db, NOW, batch=1) == 1
    db.commit()
    db.expire_all()
    assert db.get(ConsultantProfile, ids[2]).windows_refreshed_at == NOW
    assert worker_steps.extend_windows(db, NOW, batch=5) == 1  # ids[1]; ids[0] is fresh
    db.commit()
    assert worker_steps.extend_windows(db, NOW, batch=5) == 0


def test_steps_are_registered() -> None:
    from mentor_app.worker import loop, registry

    registry.load_steps()
    names = {s.name for s in loop.STEPS}
    assert {"pool-extend-windows", "pool-credential-expiry"} <= names


def test_create_user_consultant_is_vetted_by_operator(app, db) -> None:  # type: ignore[no-untyped-def]
    runner = app.test_cli_runner()
    from mentor_app.pool.validation import ensure_default_tags

    ensure_default_tags(db)
    db.commit()
    base = [
        "create-user",
        "--name",
        "Op",
        "--role",
        "consultant",
        "--password",
        "harbour-lantern-violet-9",
    ]
    result = runner.invoke(
        args=[
            *base,
            "--email",
            "op@example.org",
            "--languages",
            "sv,en",
            "--expertise",
            "trauma,youth",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.scalar(select(User).where(User.email == "op@example.org"))
    profile = db.get(ConsultantProfile, user.id)
    assert profile.vetting_state == vetting.ACTIVE and profile.vetted_by_operator
    assert profile.credential_expires_on is None and profile.vetted_by_id is None
    assert sorted(x.language for x in profile.languages) == ["en", "sv"]
    assert sorted(x.tag for x in profile.expertise) == ["trauma", "youth"]
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "pool.vetted_by_operator"))
    assert event.object_id == str(user.id)
    assert event.details["expertise"] == ["trauma", "youth"]

    bad = runner.invoke(
        args=[*base, "--email", "op2@example.org", "--expertise", "trauma,astrology"]
    )
    assert bad.exit_code != 0
    assert "Unknown expertise tags: astrology" in bad.output
    assert db.scalar(select(User).where(User.email == "op2@example.org")) is None  # rolled back

    mentor = runner.invoke(
        args=["create-user", "--email", "m@example.org", "--name", "M", "--role", "mentor",
              "--password", "harbour-lantern-violet-9", "--expertise", "trauma"]
    )  # fmt: skip
    assert mentor.exit_code != 0 and "only for consultants" in mentor.output


def test_demo_pool(app, db) -> None:  # type: ignore[no-untyped-def]
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "Consultant pool" in result.output
    profiles = db.scalars(select(ConsultantProfile)).all()
    assert len(profiles) == 14
    karl = db.scalar(select(User).where(User.email == "consultant@example.org"))
    greta = db.scalar(select(User).where(User.email == "consultant2@example.org"))
    langs = {p.user_id: sorted(x.language for x in p.languages) for p in profiles}
    assert langs[karl.id] == ["en", "sv"] and langs[greta.id] == ["de", "en"]
    states = {p.vetting_state for p in profiles}
    assert states == {"active", "suspended", "submitted", "invited"}
    # The deliberate gap: nobody on call at 03:00 on a Sunday in Stockholm, whatever the date.
    now = datetime.now(UTC)
    # Demo consultants have no phone subscribed: count the plan, not reachability.
    grid = coverage.build_grid(db, now, "Europe/Stockholm", reachable_only=False)
    assert coverage.build_grid(db, now, "Europe/Stockholm").considered == 0
    for day, cells in grid.rows:
        if day.weekday() == 6:
            assert all(c.count == 0 for c in cells[:8] if c.exists)
            assert any(c.count for c in cells[8:])
    weekday_noon = [cells[12].count for day, cells in grid.rows if day.weekday() < 5]
    assert min(weekday_noon) >= 3  # most of the week is covered by several people


def test_navigation_entries(app, actors) -> None:  # type: ignore[no-untyped-def]
    coordinator, _ = actors.signed_in("coordinator")
    consultant, _ = actors.signed_in("consultant")
    nav = coordinator.get("/").get_data(as_text=True)
    assert 'href="/pool/">Pool<' in nav and 'href="/pool/coverage">Coverage<' in nav
    assert "Consultant pool" in nav  # the home section
    assert 'href="/pool/me/shifts">My shifts<' in consultant.get("/").get_data(as_text=True)
