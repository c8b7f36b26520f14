"""Issue 14.3: two workers recording results for overlapping devices never deadlock. Each
round, two recorders released by a barrier settle rows whose devices they touch in opposite
orders (every device answers 410: each is disabled and audited, which used to flush part-way
through). 200 rounds on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from mentor_app.notifications.jobs import Job, Settings
from mentor_app.notifications.models import OutboxMessage, PushSubscription
from mentor_app.notifications.outcomes import record
from mentor_app.notifications.push import PushResult, PushTarget
from mentor_app.notifications.sending import Channels
from tests.conftest import requires_postgres
from tests.push_helpers import LocalPushService, add_device, quick_user, simple

pytestmark = [requires_postgres(), pytest.mark.postgres]

ROUNDS = 200


def test_two_recorders_on_shared_devices_never_deadlock(app, db) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC).replace(microsecond=0)
    user_id = quick_user(db, "consultant", email_fallback=False)
    with LocalPushService() as push:
        devices = [add_device(db, user_id, push.subscription(f"d{n}")) for n in range(2)]
    targets = [PushTarget(d.id, d.endpoint, d.p256dh, d.auth) for d in devices]
    rows = {name: [simple(db, now, user_id).id for _ in range(2)] for name in ("A", "B")}
    # A records device 1 then device 0; B device 0 then device 1.
    order = {"A": [targets[1], targets[0]], "B": [targets[0], targets[1]]}
    base = Settings.from_config(app.config)
    settings = {name: Settings(**{**base.__dict__, "worker_id": name}) for name in rows}
    gone = PushResult(410, 3, "410 Gone")

    def jobs_for(name: str) -> list[Job]:
        return [
            Job(
                outbox_id=row_id,
                claimed_at=now,
                kind="consult_update",
                user_id=user_id,
                role="consultant",
                email_fallback=False,
                attempts=0,
                email_attempts=0,
                expires_at=now + timedelta(hours=1),
                delivered_before=False,
                push_results=[(target, gone)],
            )
            for row_id, target in zip(rows[name], order[name], strict=True)
        ]

    start = threading.Barrier(2, timeout=30)
    failures: list[str] = []

    def recorder(name: str) -> None:
        with app.app_context():
            session = app.extensions["mentor_db"].session()
            try:
                start.wait()
                record(session, now, jobs_for(name), settings[name], Channels(None, None))
                session.commit()
            except Exception as err:
                failures.append(f"{name}: {type(getattr(err, 'orig', err)).__name__}")
                session.rollback()
            finally:
                session.close()

    for _round in range(ROUNDS):
        for name, ids in rows.items():
            db.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids))
                .values(state="sending", claimed_by=name, claimed_at=now)
            )
        db.execute(update(PushSubscription).values(disabled_at=None, disabled_reason=None))
        db.commit()
        threads = [threading.Thread(target=recorder, args=(name,)) for name in rows]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert not failures, f"round {_round}: {failures}"
