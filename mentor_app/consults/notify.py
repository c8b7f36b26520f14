"""Who is told what, and when. Every message goes through `notifications.services.enqueue`,
inside the transaction that makes the change.

Payloads are generic by construction: urgency, language name and topic category, never a case
code, note, name or message text. Everything about one consult shares the push Topic and tag
`consult-<id>`, so a later message replaces an earlier one on the lock screen ("taken by a
colleague" replaces the offer); the thread's messages collapse under `consult-<id>-thread`.

| kind                 | to                          | push urgency                | TTL        |
|----------------------|-----------------------------|-----------------------------|------------|
| consult.offer        | each offered consultant     | high if urgent, else normal | escalation |
| consult.assigned     | the coordinator's choice    | high if urgent, else normal | escalation |
| consult.taken        | other offer holders         | normal                      | escalation |
| consult.withdrawn    | offer holders (cancel/edit) | normal                      | escalation |
| consult.accepted     | the mentor                  | high if urgent, else normal | 1 h        |
| consult.waiting      | the mentor, once per round  | high if urgent, else normal | 1 h        |
| consult.coordinators | each coordinator, once      | high if urgent, else normal | 12 h       |
| consult.released     | the mentor                  | high if urgent, else normal | 1 h        |
| consult.message      | the other party             | normal                      | 24 h       |
| consult.closed       | the mentor                  | low                         | 7 days     |
| consult.follow_up    | mentor and consultant       | normal, due 08:00 local     | 24 h       |

"Escalation" is the urgency's time from request to the coordinator step (10 min, 45 min,
24 h by default): an offer is worth delivering for that long.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from mentor_app import timeutil
from mentor_app.consults import topics
from mentor_app.consults.models import Consult
from mentor_app.consults.policy import WaveTiming
from mentor_app.consults.vocab import URGENCY_LABELS, language_name
from mentor_app.i18n.render import N_, Text, in_language, language_of, render, topic_label
from mentor_app.notifications.models import PushUrgency
from mentor_app.notifications.services import (
    Message,
    cancel_pending,
    enqueue,
    reached_or_may_reach,
)
from mentor_app.notifications.topics import push_topic

OFFER_KINDS = ("consult.offer", "consult.assigned")
THREAD_KINDS = ("consult.message",)

FOLLOW_UP_HOUR = time(8, 0)


def topic_for(consult: Consult) -> str:
    return f"consult-{consult.id}"


def _url(consult: Consult) -> str:
    return f"/consults/{consult.id}"


def summary_line(consult: Consult, session: Session | None = None) -> str:
    """'Urgent · Swedish · bereavement': all a lock screen may say about a request, in the
    current locale (the recipient's, when called under `in_language`)."""
    topic = topics.resolve(consult.topic, session)
    urgency = URGENCY_LABELS.get(consult.urgency)
    return " · ".join(
        (
            str(urgency) if urgency is not None else consult.urgency,
            language_name(consult.language),
            topic_label(topic.slug, topic.label),
        )
    )


def _push_urgency(consult: Consult) -> PushUrgency:
    return PushUrgency.HIGH if consult.urgency == "urgent" else PushUrgency.NORMAL


def _stamp(at: datetime) -> int:
    return int(at.timestamp())


def _send(
    session: Session,
    now: datetime,
    consult: Consult,
    user_id: int,
    kind: str,
    title: Text,
    body: Text,
    dedup: str,
    *,
    urgency: PushUrgency,
    ttl: timedelta,
    topic: str | None = None,
    due_at: datetime | None = None,
    params: dict[str, object] | None = None,
) -> None:
    """Queue one message, its title and body rendered in the recipient's language (msgids
    marked with N_, or renderers such as the summary line); `params` fill the body."""
    tag = topic or topic_for(consult)
    with in_language(language_of(session, user_id)):
        text = Message(
            title=render(title), body=render(body, **(params or {})), url=_url(consult), tag=tag
        )
    enqueue(
        session,
        now,
        user_id=user_id,
        kind=kind,
        message=text,
        dedup_key=f"c{consult.id}:{dedup}:u{user_id}",
        consult_id=consult.id,
        urgency=urgency,
        ttl=ttl,
        topic=push_topic(tag),
        due_at=due_at,
    )


def offer(
    session: Session,
    now: datetime,
    consult: Consult,
    consultant_id: int,
    offered_at: datetime,
    timing: WaveTiming,
    *,
    assigned: bool = False,
) -> None:
    title = {
        "urgent": N_("Urgent consult request"),
        "soon": N_("Consult request"),
        "routine": N_("Routine consult request"),
    }.get(consult.urgency, N_("Consult request"))
    if assigned:
        title = N_("A coordinator asks you to take a consult")
    _send(
        session,
        now,
        consult,
        consultant_id,
        "consult.assigned" if assigned else "consult.offer",
        title,
        lambda: summary_line(consult, session),
        f"offer:{_stamp(offered_at)}:{consult.urgency}",
        urgency=_push_urgency(consult),
        ttl=timing.coordinators_after,
    )


def offer_closed(
    session: Session,
    now: datetime,
    consult: Consult,
    consultant_id: int,
    timing: WaveTiming,
    *,
    why: str,
) -> None:
    """The offer no longer stands. What never left the server is simply not sent; if any of
    it was sent or is being sent right now, a replacement with the same topic and tag takes
    its place on the device (it waits for an offer in flight: see consults/outbox_checks.py)."""
    cancel_pending(session, consult_id=consult.id, user_id=consultant_id, kinds=OFFER_KINDS)
    if not reached_or_may_reach(
        session, consult_id=consult.id, user_id=consultant_id, kinds=OFFER_KINDS
    ):
        return
    titles = {
        "taken": (
            N_("Taken by a colleague"),
            N_("Thank you — another consultant accepted this request."),
        ),
        "cancelled": (N_("Request withdrawn"), N_("The mentor no longer needs this consult.")),
        "changed": (
            N_("Request withdrawn"),
            N_("This request was changed and no longer fits you."),
        ),
        "excluded": (N_("Request withdrawn"), N_("This request is no longer offered to you.")),
        "standing": (N_("Request withdrawn"), N_("This request is no longer offered to you.")),
    }
    title, body = titles[why]
    _send(
        session,
        now,
        consult,
        consultant_id,
        "consult.taken" if why == "taken" else "consult.withdrawn",
        title,
        body,
        f"{why}:{_stamp(now)}",
        urgency=PushUrgency.NORMAL,
        ttl=timing.coordinators_after,
    )


def accepted(session: Session, now: datetime, consult: Consult) -> None:
    cancel_pending(
        session, consult_id=consult.id, user_id=consult.mentor_id, kinds=("consult.waiting",)
    )
    _send(
        session,
        now,
        consult,
        consult.mentor_id,
        "consult.accepted",
        N_("A consultant accepted your request"),
        N_("Open the app to see who, and to write to them."),
        f"accepted:{_stamp(now)}",
        urgency=_push_urgency(consult),
        ttl=timedelta(hours=1),
    )


def waiting(session: Session, now: datetime, consult: Consult, emergency_number: str) -> None:
    _send(
        session,
        now,
        consult,
        consult.mentor_id,
        "consult.waiting",
        N_("No one has accepted yet"),
        N_(
            "We are asking more consultants. Meanwhile the guide can help; "
            "in immediate danger call %(number)s."
        ),
        f"waiting:{_stamp(consult.routing_started_at or now)}",
        urgency=_push_urgency(consult),
        ttl=timedelta(hours=1),
        params={"number": emergency_number},
    )


def coordinators(session: Session, now: datetime, consult: Consult, user_ids: list[int]) -> None:
    for user_id in user_ids:
        _send(
            session,
            now,
            consult,
            user_id,
            "consult.coordinators",
            N_("Unanswered consult request"),
            lambda: summary_line(consult, session),
            f"coordinators:{_stamp(consult.routing_started_at or now)}",
            urgency=_push_urgency(consult),
            ttl=timedelta(hours=12),
        )


def released(session: Session, now: datetime, consult: Consult) -> None:
    _send(
        session,
        now,
        consult,
        consult.mentor_id,
        "consult.released",
        N_("Your consult was handed back"),
        N_("We are finding another consultant for you."),
        f"released:{_stamp(now)}",
        urgency=_push_urgency(consult),
        ttl=timedelta(hours=1),
    )


def handler_left(session: Session, now: datetime, consult: Consult) -> None:
    """The consultant handling it can no longer take part (their standing changed): the
    consult is being offered again."""
    _send(
        session,
        now,
        consult,
        consult.mentor_id,
        "consult.released",
        N_("Your consultant can no longer take part"),
        N_("We are finding another consultant for you."),
        f"left:{_stamp(now)}",
        urgency=_push_urgency(consult),
        ttl=timedelta(hours=1),
    )


def message(session: Session, now: datetime, consult: Consult, to: int, message_id: int) -> None:
    _send(
        session,
        now,
        consult,
        to,
        "consult.message",
        N_("New message in your consult"),
        N_("Open the app to read it."),
        f"message:{message_id}",
        urgency=PushUrgency.NORMAL,
        ttl=timedelta(hours=24),
        topic=f"consult-{consult.id}-thread",
    )


def closed(session: Session, now: datetime, consult: Consult) -> None:
    _send(
        session,
        now,
        consult,
        consult.mentor_id,
        "consult.closed",
        N_("Your consult was closed"),
        N_("Did it help? Let us know in the app."),
        "closed",
        urgency=PushUrgency.LOW,
        ttl=timedelta(days=7),
    )


def follow_up_due(on: date, tz_name: str, now: datetime) -> datetime:
    """08:00 on the follow-up day in the user's zone, or now if that has passed."""
    return max(now, timeutil.at_local(on, FOLLOW_UP_HOUR, tz_name))


def follow_up(
    session: Session, now: datetime, consult: Consult, user_id: int, due_at: datetime
) -> None:
    _send(
        session,
        now,
        consult,
        user_id,
        "consult.follow_up",
        N_("Follow-up today"),
        N_("You agreed to follow up on a consult today."),
        f"follow-up:{consult.follow_up_on}",
        urgency=PushUrgency.NORMAL,
        ttl=timedelta(hours=24),
        topic=f"consult-{consult.id}-follow",
        due_at=due_at,
    )
