"""Retention: consult content goes 180 days after close (or cancel), idle push subscriptions
after 90 days; the anonymous figures and the monthly report stay exactly the same."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from mentor_app.audit.models import AuditEvent
from mentor_app.consults.models import Consult, ConsultMessage, ConsultOffer
from mentor_app.dashboard import retention
from mentor_app.notifications.models import PushSubscription
from mentor_app.worker import loop, registry
from tests import dashboard_factories as f

CLOSED_AT = datetime(2026, 3, 12, 10, 0, tzinfo=UTC)
POLICY = retention.RetentionPolicy()


# --- the policy alone -------------------------------------------------------------------------


@pytest.mark.parametrize(("days", "due"), [(179, False), (179.99, False), (180, True), (181, True)])
def test_consult_content_due_after_180_days(days: float, due: bool) -> None:
    now = CLOSED_AT + timedelta(days=days)
    closed = dict(status="closed", closed_at=CLOSED_AT, cancelled_at=None, content_purged_at=None)
    cancelled = dict(
        status="cancelled", closed_at=None, cancelled_at=CLOSED_AT, content_purged_at=None
    )
    assert POLICY.consult_content_due(now, **closed) is due
    assert POLICY.consult_content_due(now, **cancelled) is due


def test_consult_content_never_due_while_active_or_already_purged() -> None:
    later = CLOSED_AT + timedelta(days=1000)
    for status in ("open", "accepted"):
        assert not POLICY.consult_content_due(
            later, status=status, closed_at=None, cancelled_at=None, content_purged_at=None
        )
    assert not POLICY.consult_content_due(
        later, status="closed", closed_at=CLOSED_AT, cancelled_at=None, content_purged_at=later
    )


def test_subscription_due_counts_from_its_latest_use() -> None:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    old = now - timedelta(days=200)
    assert POLICY.subscription_due(now, created_at=old, last_used_at=None, last_success_at=None)
    assert not POLICY.subscription_due(
        now, created_at=old, last_used_at=now - timedelta(days=89), last_success_at=None
    )
    assert POLICY.subscription_due(
        now, created_at=old, last_used_at=now - timedelta(days=91), last_success_at=None
    )
    assert not POLICY.subscription_due(
        now, created_at=old, last_used_at=None, last_success_at=now - timedelta(days=10)
    )


def test_policy_from_config_and_bounds() -> None:
    policy = retention.RetentionPolicy.from_config(
        {"CONSULT_RETENTION_DAYS": "30", "PUSH_SUBSCRIPTION_RETENTION_DAYS": 7}
    )
    assert (policy.consult_content_days, policy.push_subscription_days) == (30, 7)
    with pytest.raises(ValueError):
        retention.RetentionPolicy(0, 90)


# --- the service, the worker step and the report ----------------------------------------------


@pytest.fixture
def world(app, db, actors, clock):  # type: ignore[no-untyped-def]
    clock.freeze(CLOSED_AT)
    mentor, _ = actors.create("mentor")
    consultants = [actors.create("consultant")[0] for _ in range(4)]
    case = f.case(db, mentor)
    # March's twelve consults, each closed or cancelled one hour after it was made (10 March)
    # or earlier; plus the consult below, closed exactly at CLOSED_AT.
    f.seed_march(db, mentor, consultants, case_id=case.id)
    target = f.consult(
        db,
        mentor,
        CLOSED_AT - timedelta(hours=2),
        urgency="urgent",
        consultant_id=consultants[0],
        accepted_after=90,
        status="closed",
        closed_after=timedelta(hours=2),
        outcome="advice",
        helpful=True,
        case_id=case.id,
    )
    f.declined_offer(db, target, consultants[1])
    cancelled = f.consult(
        db,
        mentor,
        CLOSED_AT - timedelta(hours=1),
        status="cancelled",
        cancelled_after=timedelta(hours=1),
    )
    never_closed = f.consult(
        db,
        mentor,
        CLOSED_AT - timedelta(days=1),
        status="accepted",
        consultant_id=consultants[2],
        accepted_after=60,
    )
    db.commit()
    return {
        "target": target.id,
        "cancelled": cancelled.id,
        "active": never_closed.id,
        "consultants": consultants,
        "mentor": mentor,
    }


def _run_worker_step(app, clock) -> None:  # type: ignore[no-untyped-def]
    registry.load_steps()
    step = next(s for s in loop.STEPS if s.name == "retention-purge")
    runner = loop.Worker(app.extensions["mentor_db"], clock=clock, steps=[step])
    with app.app_context():
        runner.run_once()


def _report(actors) -> tuple[bytes, str]:  # type: ignore[no-untyped-def]
    client, _ = actors.signed_in("coordinator")
    page = client.get("/reports/monthly/2026-03")
    exported = client.get("/reports/monthly/2026-03.csv")
    assert page.status_code == exported.status_code == 200
    # Only the per-session form tokens differ between two sign-ins.
    html = re.sub(r'(name="csrf[-_]token"[^>]*?(?:content|value)=")[^"]+', r"\1-", page.text)
    return exported.data, html


def _content_of(db, consult_id: int) -> tuple:  # type: ignore[no-untyped-def]
    db.expire_all()
    consult = db.get(Consult, consult_id)
    messages = db.query(ConsultMessage).filter_by(consult_id=consult_id).count()
    reasons = [o.decline_reason for o in db.query(ConsultOffer).filter_by(consult_id=consult_id)]
    return consult.note, consult.outcome_summary, consult.callback_number, messages, reasons


def test_day_179_keeps_day_181_purges_and_the_report_is_identical(  # type: ignore[no-untyped-def]
    app, db, actors, clock, world
) -> None:
    clock.freeze(CLOSED_AT + timedelta(days=179))
    before_csv, before_html = _report(actors)
    _run_worker_step(app, clock)
    assert _content_of(db, world["target"]) == (f.NOTE, f.SUMMARY, f.CALLBACK, 2, [f.DECLINE])
    assert db.get(Consult, world["target"]).content_purged_at is None
    assert db.get(Consult, world["cancelled"]).note == f.NOTE  # cancelled 179 days ago

    clock.freeze(CLOSED_AT + timedelta(days=181))
    _run_worker_step(app, clock)
    assert _content_of(db, world["target"]) == (None, None, None, 0, [None])
    purged = db.get(Consult, world["target"])
    assert purged.content_purged_at == clock()
    # What the figures need is still there.
    assert (purged.urgency, purged.outcome, purged.helpful) == ("urgent", "advice", True)
    assert purged.case_id is not None
    assert purged.accepted_at is not None and purged.consultant_id == world["consultants"][0]
    assert db.get(Consult, world["cancelled"]).note is None
    assert db.get(Consult, world["active"]).note == f.NOTE  # never closed: kept
    # Threads of consults still accepted (one in March, one above) are untouched.
    assert db.query(ConsultMessage).filter(ConsultMessage.body.contains("ZEBRA")).count() == 4

    after_csv, after_html = _report(actors)
    assert after_csv == before_csv
    assert after_html == before_html


def test_purge_is_audited_with_counts_only(app, db, clock, world) -> None:  # type: ignore[no-untyped-def]
    now = CLOSED_AT + timedelta(days=181)
    counts = retention.purge(db, now, POLICY)
    db.commit()
    # March: 10 of the 12 seeded consults ended (closed or cancelled) before CLOSED_AT, plus
    # `target` and `cancelled`; two messages on each consult that had a consultant.
    assert counts.consults == 12
    assert counts.messages == 2 * 9 + 2
    assert counts.decline_reasons == 1
    event = db.query(AuditEvent).filter_by(action="retention.purged").one()
    assert event.actor_id is None
    assert event.details == {
        "consults": 12,
        "messages": 20,
        "decline_reasons": 1,
        "subscriptions": 0,
        "feedback_comments": 0,
        "feedback_days": 180,
        "consult_days": 180,
        "subscription_days": 90,
    }
    assert "ZEBRA" not in str(event.details)
    # A second run finds nothing more (and still leaves a row saying it ran).
    again = retention.purge(db, now + timedelta(hours=1), POLICY)
    db.commit()
    assert (again.consults, again.messages) == (0, 0)
    assert db.query(AuditEvent).filter_by(action="retention.purged").count() == 2


def test_idle_push_subscriptions_are_removed(app, db, actors, clock) -> None:  # type: ignore[no-untyped-def]
    now = datetime(2026, 9, 1, tzinfo=UTC)
    user, _ = actors.create("consultant")
    created = now - timedelta(days=300)

    def subscription(name: str, **times) -> None:  # type: ignore[no-untyped-def]
        db.add(
            PushSubscription(
                user_id=user,
                endpoint=f"https://push.example/{name}",
                p256dh="key",
                auth="auth",
                device_label=name,
                created_at=times.pop("created_at", created),
                **times,
            )
        )

    subscription("used-89-days-ago", last_used_at=now - timedelta(days=89))
    subscription("used-91-days-ago", last_used_at=now - timedelta(days=91))
    subscription("never-used-old")
    subscription("never-used-new", created_at=now - timedelta(days=10))
    subscription(
        "delivered-lately",
        last_used_at=now - timedelta(days=120),
        last_success_at=now - timedelta(days=3),
    )
    db.commit()
    counts = retention.purge(db, now, POLICY)
    db.commit()
    assert counts.subscriptions == 2
    left = sorted(s.device_label for s in db.query(PushSubscription))
    assert left == ["delivered-lately", "never-used-new", "used-89-days-ago"]


def test_purge_command(app, db, clock, world) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(CLOSED_AT + timedelta(days=181))
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "due: content of 12 consult(s)" in dry.output
    assert db.get(Consult, world["target"]).note == f.NOTE
    done = runner.invoke(args=["purge"])
    assert done.exit_code == 0, done.output
    assert "purged: content of 12 consult(s)" in done.output
    db.expire_all()
    assert db.get(Consult, world["target"]).note is None


def test_retention_days_are_configurable(app, db, clock, world) -> None:  # type: ignore[no-untyped-def]
    app.config["CONSULT_RETENTION_DAYS"] = 30
    clock.freeze(CLOSED_AT + timedelta(days=31))
    _run_worker_step(app, clock)
    assert _content_of(db, world["target"])[0] is None
