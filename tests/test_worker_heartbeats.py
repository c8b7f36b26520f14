"""Issue 14.5: worker heartbeats. A killed worker's claims are taken back as soon as its
heartbeat is older than WORKER_STALE_SECONDS (not after the 120 s lease); /healthz says
`worker: stale` when no worker completed a round in 30 s."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from mentor_app.notifications.delivery import recover_expired_claims
from mentor_app.notifications.models import OutboxMessage
from mentor_app.worker import heartbeats
from tests.push_helpers import quick_user, simple

LEASE = timedelta(seconds=120)
STALE = timedelta(seconds=15)


def _claimed(db, now, user_id: int, worker_id: int | None) -> int:  # type: ignore[no-untyped-def]
    row = simple(db, now, user_id)
    row.state, row.claimed_at, row.claimed_by = "sending", now, "w"
    row.claimed_worker_id = worker_id
    db.commit()
    return row.id


def test_beat_list_and_last_round(app, db, clock) -> None:  # type: ignore[no-untyped-def]
    now = clock.freeze()
    assert heartbeats.last_round_at(db) is None
    first = heartbeats.register(db, now, host="a", pid=1)
    second = heartbeats.register(db, now + timedelta(seconds=1), host="b", pid=2)
    db.commit()
    assert heartbeats.beat(db, now + timedelta(seconds=5), first.id, now + timedelta(seconds=4))
    db.commit()
    assert [(h.host, h.pid) for h in heartbeats.list_heartbeats(db)] == [("a", 1), ("b", 2)]
    assert heartbeats.last_round_at(db) == now + timedelta(seconds=4)
    heartbeats.forget(db, second.id)
    db.commit()
    assert not heartbeats.beat(db, now, second.id)


def test_a_silent_workers_claims_come_back_at_once(app, db, clock) -> None:  # type: ignore[no-untyped-def]
    now = clock.freeze()
    user_id = quick_user(db, "consultant")
    dead = heartbeats.register(db, now - timedelta(seconds=40), host="dead", pid=1)
    alive = heartbeats.register(db, now - timedelta(seconds=40), host="alive", pid=2)
    heartbeats.beat(db, now - timedelta(seconds=2), alive.id)
    heartbeats.beat(db, now - timedelta(seconds=16), dead.id)
    gone_id = 9999  # its row was removed
    db.commit()
    of_dead = _claimed(db, now - timedelta(seconds=20), user_id, dead.id)
    of_alive = _claimed(db, now - timedelta(seconds=20), user_id, alive.id)
    of_gone = _claimed(db, now - timedelta(seconds=5), user_id, gone_id)
    of_nobody = _claimed(db, now - timedelta(seconds=20), user_id, None)  # `worker --once`

    assert recover_expired_claims(db, now, LEASE, STALE) == 2
    db.commit()

    states = dict(db.execute(select(OutboxMessage.id, OutboxMessage.state)).all())
    assert states[of_dead] == "pending" and states[of_gone] == "pending"
    assert states[of_alive] == "sending" and states[of_nobody] == "sending"
    # The lease stays the backstop for a worker that is alive but stuck.
    assert recover_expired_claims(db, now + LEASE, LEASE, STALE) == 2


def test_healthz_reports_a_stale_worker(app, db, clock, client) -> None:  # type: ignore[no-untyped-def]
    now = clock.freeze()
    app.config.update(METRICS_TOKEN="monitoring-token", WORKER_HEALTH_REQUIRED=True)
    monitor = {"Authorization": "Bearer monitoring-token"}
    body = client.get("/healthz", headers=monitor).get_json()
    assert (body["status"], body["worker"]) == ("degraded", "stale")
    assert client.get("/healthz").get_json() == {"status": "degraded"}  # anonymous: status only

    row = heartbeats.register(db, now - timedelta(minutes=5), host="h", pid=1)
    heartbeats.beat(db, now, row.id, now - timedelta(seconds=31))
    db.commit()
    assert client.get("/healthz", headers=monitor).get_json()["worker"] == "stale"

    heartbeats.beat(db, now, row.id, now - timedelta(seconds=3))
    db.commit()
    body = client.get("/healthz", headers=monitor).get_json()
    assert (body["status"], body["worker"]) == ("ok", "ok")
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_outbox_figures_for_the_metrics(app, db, clock) -> None:  # type: ignore[no-untyped-def]
    from mentor_app.notifications import queue_stats

    now = clock.freeze()
    user_id = quick_user(db, "consultant")
    assert queue_stats.oldest_due_age(db, now) is None
    simple(db, now - timedelta(seconds=40), user_id)
    _claimed(db, now - timedelta(seconds=5), user_id, None)
    depth = queue_stats.depth_by_state(db)
    assert depth["pending"] == 1 and depth["sending"] == 1 and depth["obsolete"] == 0
    assert queue_stats.oldest_due_age(db, now) == 40.0


def test_a_workers_own_orphaned_claims_come_back_at_its_next_round(app, db, clock) -> None:  # type: ignore[no-untyped-def]
    """Its last round failed after claiming (the connection dropped before it recorded): alive,
    so only the lease would have freed them."""
    now = clock.freeze()
    user_id = quick_user(db, "consultant")
    me = heartbeats.register(db, now - timedelta(seconds=10), host="me", pid=1)
    heartbeats.beat(db, now, me.id)
    db.commit()
    orphan = _claimed(db, now - timedelta(seconds=3), user_id, me.id)
    assert recover_expired_claims(db, now, LEASE, STALE) == 0
    assert recover_expired_claims(db, now, LEASE, STALE, own=me.id) == 1
    db.commit()
    db.expire_all()
    assert db.get(OutboxMessage, orphan).state == "pending"
