"""Can we reach a user right now? Read by the settings page, the pool list, the coverage grid,
routing alerts and the pre-shift warning. Derived from push subscriptions (kept up to date by
every delivery attempt) and from what the user's browser last said about notification
permission; no state of its own.

- no_device: no active subscription;
- blocked: no active subscription, and a page of theirs found notifications blocked;
- failing: every active device failed its last delivery (since `failing_since`);
- untested: devices, none of which has received anything yet;
- ok: at least one device received a message (`last_success_at`) and is not failing.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor_app.notifications.models import PushPermissionState, PushSubscription


class Reach(enum.StrEnum):
    NO_DEVICE = "no_device"  # no active subscription at all
    BLOCKED = "blocked"  # no active subscription, and the browser reported permission denied
    FAILING = "failing"  # every active device is failing
    UNTESTED = "untested"  # devices, none has received anything yet
    OK = "ok"  # at least one device received a message and is not failing


@dataclass(frozen=True)
class Reachability:
    status: Reach
    devices: int
    last_success_at: datetime | None
    failing_since: datetime | None
    blocked_at: datetime | None = None

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
    blocked = session.execute(
        select(PushPermissionState.user_id, PushPermissionState.denied_at).where(
            PushPermissionState.user_id.in_(ids), PushPermissionState.denied_at.is_not(None)
        )
    ).all()
    for user_id, denied_at in blocked:
        current = result[user_id]
        if current.status is Reach.NO_DEVICE:
            result[user_id] = Reachability(Reach.BLOCKED, 0, None, None, denied_at)
        else:
            result[user_id] = Reachability(
                current.status,
                current.devices,
                current.last_success_at,
                current.failing_since,
                denied_at,
            )
    return result
