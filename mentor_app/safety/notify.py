"""What the safety layer tells whom. Every message goes through the outbox
(`notifications.services.enqueue`) in the transaction that causes it, rendered in the
recipient's language, and is generic: "A mentor", never a name, case code, place or location.

| kind                  | to                           | urgency | TTL   | tag (collapse) |
|-----------------------|------------------------------|---------|-------|----------------|
| safety.check_in       | the mentor, at the due time  | high    | grace | visit-<id>     |
| safety.reminder       | the mentor, half-way         | high    | grace | visit-<id>     |
| safety.alarm          | tier 1 and 2 recipients      | high    | 1 h   | alarm-<id>     |
| safety.broadcast      | everyone, exhausted: push    | high    | 12 h  | alarm-<id>     |
| safety.broadcast_mail | everyone, exhausted: e-mail  | -       | 12 h  | alarm-<id>     |
| safety.taken          | those told, once acknowledged| normal  | 1 h   | alarm-<id>     |

Dedup keys start with `alarm:<id>:` for the ladder's messages, so acknowledging cancels every
one still unsent in one statement (`cancel_ladder`); "taken" uses `alarm-taken:` so it survives.
A mentor is told nothing about an alarm: a duress alarm must not show on their phone.

No explicit push Topic: the tag is the collapse key (the notifications domain derives the
Topic from it where it does). `still_relevant` answers, for a row about to be sent, whether its
reason still stands (an acknowledged alarm's ladder messages, an ended visit's prompts do not).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mentor_app.accounts.models import User
from mentor_app.notifications.models import OutboxMessage, OutboxState, PushUrgency
from mentor_app.notifications.services import Message, enqueue
from mentor_app.safety.models import Alarm, Visit

ALARM_TTL = timedelta(hours=1)
BROADCAST_TTL = timedelta(hours=12)
LADDER_KINDS = ("safety.alarm", "safety.broadcast", "safety.broadcast_mail")
VISIT_KINDS = ("safety.check_in", "safety.reminder")


def _locale(session: Session, user_id: int) -> str:
    user = session.get(User, user_id)
    return user.locale if user is not None else "en"


def _render(session: Session, user_id: int, make: Callable[[], Message]) -> Message:
    with force_locale(_locale(session, user_id)):
        return make()


def alarm_url(alarm_id: int) -> str:
    return f"/safety/alarms/{alarm_id}"


def visit_prompt(session: Session, now: datetime, visit: Visit, *, second: bool, ttl: timedelta):
    """The mentor's "Check-in due" (at the due time) or "Check-in overdue" (half-way)."""
    kind = "safety.reminder" if second else "safety.check_in"

    def make() -> Message:
        if second:
            return Message(
                _("Check-in overdue"), _("Please check in now."), "/", f"visit-{visit.id}"
            )
        return Message(_("Check-in due"), _("Tap to check in."), "/", f"visit-{visit.id}")

    enqueue(
        session,
        now,
        user_id=visit.mentor_id,
        kind=kind,
        message=_render(session, visit.mentor_id, make),
        dedup_key=f"visit:{visit.id}:{kind}:{int(visit.due_at.timestamp())}",
        urgency=PushUrgency.HIGH,
        ttl=max(ttl, timedelta(minutes=1)),
    )


def cancel_visit_prompts(session: Session, visit_id: int) -> int:
    """Unsent check-in prompts of a visit that ended or moved (the same for both PINs)."""
    return _cancel(session, f"visit:{visit_id}:")


def alarm_tier(session: Session, now: datetime, alarm: Alarm, user_ids: list[int]) -> None:
    """Tier 1 or 2: one push (e-mail if push cannot reach them) per recipient. A person told
    at tier 1 shares the dedup key at tier 2, so nobody is told twice."""
    for user_id in user_ids:

        def make() -> Message:
            return Message(
                _("Safety alarm"),
                _("A mentor may need help. Open to take the alarm."),
                alarm_url(alarm.id),
                f"alarm-{alarm.id}",
            )

        enqueue(
            session,
            now,
            user_id=user_id,
            kind="safety.alarm",
            message=_render(session, user_id, make),
            dedup_key=f"alarm:{alarm.id}:u{user_id}",
            urgency=PushUrgency.HIGH,
            ttl=ALARM_TTL,
        )


def broadcast(session: Session, now: datetime, alarm: Alarm, user_ids: list[int]) -> None:
    """Exhausted: a push and an e-mail to each, exactly one of each per person."""
    for user_id in user_ids:

        def make() -> Message:
            return Message(
                _("Safety alarm: nobody has taken it"),
                _("A mentor may need help and nobody has responded yet. Open to take it."),
                alarm_url(alarm.id),
                f"alarm-{alarm.id}",
            )

        message = _render(session, user_id, make)
        common = {
            "user_id": user_id,
            "message": message,
            "urgency": PushUrgency.HIGH,
            "ttl": BROADCAST_TTL,
        }
        enqueue(
            session,
            now,
            kind="safety.broadcast",
            dedup_key=f"alarm:{alarm.id}:all:u{user_id}:push",
            **common,
        )
        mail = enqueue(
            session,
            now,
            kind="safety.broadcast_mail",
            dedup_key=f"alarm:{alarm.id}:all:u{user_id}:mail",
            **common,
        )
        # Straight to the e-mail channel (delivery.py sends rows in fallback by e-mail only).
        mail.fallback_at = mail.fallback_at or now
    session.flush()


def taken(session: Session, now: datetime, alarm: Alarm, user_ids: list[int]) -> None:
    """Replaces the alarm on the lock screens of the others told (same tag)."""
    for user_id in user_ids:

        def make() -> Message:
            return Message(
                _("Safety alarm taken"),
                _("A colleague has taken this alarm."),
                alarm_url(alarm.id),
                f"alarm-{alarm.id}",
            )

        enqueue(
            session,
            now,
            user_id=user_id,
            kind="safety.taken",
            message=_render(session, user_id, make),
            dedup_key=f"alarm-taken:{alarm.id}:u{user_id}",
            urgency=PushUrgency.NORMAL,
            ttl=ALARM_TTL,
        )


def told_about(session: Session, alarm_id: int) -> list[int]:
    """Everyone the ladder queued a message for (sent or not)."""
    return sorted(
        set(
            session.scalars(
                select(OutboxMessage.user_id).where(
                    OutboxMessage.dedup_key.like(f"alarm:{alarm_id}:%")
                )
            )
        )
    )


def cancel_ladder(session: Session, alarm_id: int) -> int:
    """Acknowledged: the ladder's unsent messages are obsolete."""
    return _cancel(session, f"alarm:{alarm_id}:")


def _cancel(session: Session, prefix: str) -> int:
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.dedup_key.like(f"{prefix}%"),
            OutboxMessage.state == OutboxState.PENDING.value,
        )
        .values(state=OutboxState.CANCELLED.value, last_error="obsolete")
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def still_relevant(session: Session, row: OutboxMessage) -> bool:
    """Whether a safety message's reason still stands at the moment it is sent: the ladder's
    messages while their alarm is open, a visit's prompts while it runs with the same due time.
    "Taken" replacements always stand. Reads only."""
    from mentor_app.safety.models import OPEN_ALARM_STATES

    parts = row.dedup_key.split(":")
    if row.kind in LADDER_KINDS and parts[0] == "alarm":
        alarm = session.get(Alarm, int(parts[1]))
        return alarm is not None and alarm.state in OPEN_ALARM_STATES
    if row.kind in VISIT_KINDS and parts[0] == "visit":
        visit = session.get(Visit, int(parts[1]))
        return (
            visit is not None
            and visit.ended_at is None
            and int(visit.due_at.timestamp()) == int(parts[-1])
        )
    return True


def register_relevance() -> None:
    """Registers `still_relevant` with the delivery round's check before every send, where the
    notifications domain has one (mentor_app/notifications/relevance.py); until then the
    acknowledgement cancels the unsent rows itself (cancel_ladder)."""
    try:
        from mentor_app.notifications import relevance  # type: ignore[attr-defined]
    except ImportError:
        return

    def check(session: Session, _now: datetime, row: OutboxMessage):  # type: ignore[no-untyped-def]
        send = still_relevant(session, row)
        return relevance.Verdict.SEND if send else relevance.Verdict.OBSOLETE

    relevance.register(*LADDER_KINDS, *VISIT_KINDS, check=check)
