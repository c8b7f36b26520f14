"""Rows for the dashboard tests, inserted directly (the consult flow is another domain's)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from mentor_app.consults.models import Case, Consult, ConsultMessage, ConsultOffer

# The panel's zone in the tests (TestingConfig's PANEL_TIMEZONE): months begin there.
PANEL = "Europe/Stockholm"

# Distinctive strings that must never reach a report, a chart or a CSV.
NOTE = "ZEBRA-NOTE-7731"
MESSAGE = "ZEBRA-MSG-5512"
SUMMARY = "ZEBRA-SUMMARY-9904"
CALLBACK = "+46 70 ZEBRA 44"
DECLINE = "ZEBRA-DECLINE-3120"
CASE_CODE = "K-ZZ9Q"
SECRETS = (NOTE, MESSAGE, SUMMARY, CALLBACK, DECLINE, CASE_CODE)

_keys = itertools.count(1)


def case(db, mentor_id: int, code: str = CASE_CODE, at: datetime | None = None) -> Case:  # type: ignore[no-untyped-def]
    row = Case(
        code=code,
        mentor_id=mentor_id,
        language="sv",
        region="stockholm",
        created_at=at or datetime(2026, 1, 1, tzinfo=UTC),
    )
    db.add(row)
    db.flush()
    return row


def consult(  # type: ignore[no-untyped-def]
    db,
    mentor_id: int,
    created_at: datetime,
    *,
    urgency: str = "soon",
    topic: str = "general",
    language: str = "en",
    region: str = "",
    status: str = "open",
    accepted_after: float | None = None,
    consultant_id: int | None = None,
    closed_after: timedelta | None = None,
    cancelled_after: timedelta | None = None,
    outcome: str | None = None,
    helpful: bool | None = None,
    coordinator_step: bool = False,
    waiting: bool = False,
    case_id: int | None = None,
    content: bool = True,
    **extra,
) -> Consult:
    """One consult; with `content`, it carries a note, a callback number, an outcome summary,
    two thread messages and a declined offer with a typed reason (all distinctive strings)."""
    accepted_at = (
        created_at + timedelta(seconds=accepted_after) if accepted_after is not None else None
    )
    row = Consult(
        mentor_id=mentor_id,
        client_key=f"key-{next(_keys)}",
        case_id=case_id,
        urgency=urgency,
        topic=topic,
        language=language,
        region=region,
        status=status,
        wave=2 if waiting else 1,
        note=extra.pop("note", NOTE if content else None),
        callback_requested=content,
        callback_number=CALLBACK if content else None,
        consultant_id=consultant_id,
        accepted_at=accepted_at,
        closed_at=created_at + closed_after if closed_after is not None else None,
        cancelled_at=created_at + cancelled_after if cancelled_after is not None else None,
        outcome=outcome,
        outcome_summary=SUMMARY if content and status == "closed" else None,
        helpful=helpful,
        mentor_told_waiting_at=created_at + timedelta(minutes=5) if waiting else None,
        coordinator_alerted_at=created_at + timedelta(minutes=30) if coordinator_step else None,
        created_at=created_at,
        updated_at=created_at,
        **extra,
    )
    db.add(row)
    db.flush()
    if content and consultant_id is not None:
        for author in (mentor_id, consultant_id):
            db.add(
                ConsultMessage(
                    consult_id=row.id,
                    author_id=author,
                    body=f"{MESSAGE} from {author}",
                    created_at=created_at + timedelta(minutes=10),
                )
            )
    return row


def declined_offer(db, consult_row: Consult, consultant_id: int) -> ConsultOffer:  # type: ignore[no-untyped-def]
    offer = ConsultOffer(
        consult_id=consult_row.id,
        consultant_id=consultant_id,
        wave=1,
        state="declined",
        offered_at=consult_row.created_at,
        responded_at=consult_row.created_at + timedelta(minutes=1),
        decline_reason=DECLINE,
    )
    db.add(offer)
    db.flush()
    return offer


def seed_march(db, mentor_id: int, consultants: list[int], case_id: int | None = None) -> None:  # type: ignore[no-untyped-def]
    """Twelve consults in March 2026 with hand-computed figures (see test_dashboard_metrics),
    and one on each side of the month that must not count."""
    a, b, c, d = consultants
    base = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    hour = timedelta(hours=1)
    urgent = dict(
        urgency="urgent",
        topic="bereavement-illness-in-family",
        language="sv",
        region="stockholm",
        case_id=case_id,
    )
    rows = [
        # urgent: accepted after 60..300 s; one cancelled before anyone accepted
        dict(
            **urgent,
            accepted_after=60,
            consultant_id=a,
            status="closed",
            closed_after=hour,
            outcome="advice",
            helpful=True,
        ),
        dict(
            **urgent,
            accepted_after=120,
            consultant_id=a,
            status="closed",
            closed_after=hour,
            outcome="see_client",
            helpful=True,
        ),
        dict(
            **urgent,
            accepted_after=180,
            consultant_id=a,
            status="closed",
            closed_after=hour,
            outcome="referral",
            helpful=False,
        ),
        dict(
            **urgent,
            accepted_after=240,
            consultant_id=a,
            status="closed",
            closed_after=hour,
            outcome="urgent_risk",
        ),
        dict(**urgent, accepted_after=300, consultant_id=a, status="accepted"),
        dict(**urgent, status="cancelled", cancelled_after=hour, coordinator_step=True),
        # soon: accepted after 600, 900, 1200, 3000 s; one still open
        dict(
            accepted_after=600,
            consultant_id=a,
            status="closed",
            closed_after=hour,
            outcome="advice",
            helpful=True,
        ),
        dict(
            accepted_after=900,
            consultant_id=b,
            status="closed",
            closed_after=hour,
            outcome="advice",
            helpful=True,
        ),
        dict(
            accepted_after=1200,
            consultant_id=b,
            status="closed",
            closed_after=hour,
            outcome="no_action",
            helpful=False,
        ),
        dict(
            accepted_after=3000,
            consultant_id=c,
            status="closed",
            closed_after=hour,
            outcome=None,
            coordinator_step=True,
        ),
        dict(status="open", waiting=True, coordinator_step=True),
    ]
    for index, spec in enumerate(rows):
        consult(db, mentor_id, base + timedelta(minutes=index), **spec)
    # routine: the very first instant of the month counts (the month of the panel's zone)
    consult(
        db,
        mentor_id,
        datetime(2026, 3, 1, tzinfo=ZoneInfo(PANEL)),
        urgency="routine",
        topic="trauma-reminders",
        language="de",
        region="berlin",
        accepted_after=7200,
        consultant_id=d,
        status="closed",
        closed_after=3 * hour,
        outcome="advice",
        helpful=True,
    )
    # outside the month on both sides
    consult(
        db, mentor_id, datetime(2026, 2, 28, 23, 59, 59, tzinfo=ZoneInfo(PANEL)), urgency="urgent"
    )
    consult(db, mentor_id, datetime(2026, 4, 1, tzinfo=ZoneInfo(PANEL)), urgency="urgent")
    db.commit()
