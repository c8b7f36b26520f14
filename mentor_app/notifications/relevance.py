"""Is this message's reason still standing? Asked just before every send.

Delivery is at least once and can be late: a retry after a 5xx or a hang, a re-send after a
killed worker's claim is taken back. By then an offer may have been taken by a colleague, a
consult cancelled, an alarm acknowledged. Sending it anyway puts a stale request on a phone, and
because it shares its tag with the "taken" replacement, it replaces that replacement. So the
delivery round asks, for each claimed row, right before it builds the sends (first try, retry,
or re-send alike):

- SEND: the reason stands (and the default for kinds nobody registered);
- OBSOLETE: the reason has passed; the row is settled `obsolete` with no attempt;
- WAIT: not yet (e.g. a "taken" replacement while the offer it replaces is still being sent,
  which must not overtake it); the row goes back to `pending` for WAIT_SECONDS.

Domains register a check per message kind, in their `init_app`:

    relevance.register("consult.offer", "consult.assigned", check=offer_stands)

A check is `(session, now, row) -> Verdict`; it reads, never writes. A check that fails is
logged and treated as SEND: a message sent needlessly is better than one lost.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from mentor_app.errors import log_unexpected
from mentor_app.notifications.models import OutboxMessage

log = logging.getLogger("mentor_app.notifications")

WAIT_SECONDS = 1.0


class Verdict(enum.Enum):
    SEND = "send"
    OBSOLETE = "obsolete"
    WAIT = "wait"


Check = Callable[[Session, datetime, OutboxMessage], Verdict]
_CHECKS: dict[str, Check] = {}


def register(*kinds: str, check: Check) -> None:
    """`check` decides for every outbox row of these kinds (a later registration replaces an
    earlier one for the same kind)."""
    for kind in kinds:
        _CHECKS[kind] = check


def registered_kinds() -> list[str]:
    return sorted(_CHECKS)


def verdict(session: Session, now: datetime, row: OutboxMessage) -> Verdict:
    check = _CHECKS.get(row.kind)
    if check is None:
        return Verdict.SEND
    try:
        return check(session, now, row)
    except Exception:
        log_unexpected(log, "relevance check for %s failed; sending", row.kind)
        return Verdict.SEND


def wait_until(now: datetime) -> datetime:
    return now + timedelta(seconds=WAIT_SECONDS)
