"""Can we reach a user right now? Read by the settings page, the pool list, the coverage grid
and routing alerts. Derived from push subscriptions (no state of its own)."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor_app.notifications.models import PushSubscription


class Reach(enum.StrEnum):
    NO_DEVICE = "no_device"  # no active subscription at all
    FAILING = "failing"  # every active device is failing
    UNTESTED = "untested"  # devices, none has received anything yet
    OK = "ok"  # at least one device received a message and is not failing


@dataclass(frozen=True)
class Reachability:
    status: Reach
    devices: int
    last_success_at: datetime | None
    failing_since: datetime | None

    @property
    def reachable(self) -> bool:
        return self.status in (Reach.OK, Reach.UNTESTED)


NOBODY = Reachability(Reach.NO_DEVICE, 0, None, None)


def reachability_for(session: Session, user_ids: Iterable[int]) -> dict[int, Reachability]:
    ids = list(set(user_ids))
    result = dict.fromkeys(ids, NOBODY)
    if not ids:
        return result
    rows = session.execute(
        select(
            PushSubscription.user_id,
            PushSubscription.last_success_at,
            PushSubscription.failing_since,
        ).where(PushSubscription.user_id.in_(ids), PushSubscription.disabled_at.is_(None))
    ).all()
    by_user: dict[int, list[tuple[datetime | None, datetime | None]]] = {}
    for user_id, last_success, failing in rows:
        by_user.setdefault(user_id, []).append((last_success, failing))
    for user_id, devices in by_user.items():
        healthy = [d for d in devices if d[1] is None]
        successes = [d[0] for d in devices if d[0] is not None]
        last_success = max(successes) if successes else None
        if not healthy:
            status = Reach.FAILING
            failing = min(d[1] for d in devices if d[1] is not None)
        else:
            status = Reach.OK if any(d[0] for d in healthy) else Reach.UNTESTED
            failing = None
        result[user_id] = Reachability(status, len(devices), last_success, failing)
    return result
