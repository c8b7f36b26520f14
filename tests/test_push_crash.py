"""Crash safety with real worker processes: SIGKILL between claiming and recording, 20 times;
and three workers on PostgreSQL sharing 1,000 due messages."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mentor_app.notifications.jobs import TEST_STOP_ENV
from mentor_app.notifications.messages import message_id
from mentor_app.notifications.models import DeliveryAttempt, OutboxMessage, PushUrgency
from mentor_app.notifications.services import Message, enqueue
from mentor_app.notifications.topics import push_topic
from mentor_app.notifications.vapid import keys_for, private_key_b64
from tests.conftest import requires_postgres
from tests.push_helpers import LocalPushService, add_device, quick_user

ROOT = Path(__file__).resolve().parent.parent
POINTS = ["after_claim", "mid_send", "after_send"]


def worker_env(app, instance: Path, **extra: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with app.app_context():
        keys = keys_for(app)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("VAPID_", "OUTBOX_", "SMTP_", "MENTOR_APP_"))
    }
    env.update(
        DATABASE_URL=app.config["DATABASE_URL"],
        MENTOR_APP_ENV="testing",
        MENTOR_APP_INSTANCE=str(instance),
        VAPID_PRIVATE_KEY=private_key_b64(keys.private_key),
        VAPID_SUBJECT=keys.subject,
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


def start_worker(env: dict[str, str], log_path: Path) -> subprocess.Popen:
    log = log_path.open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "mentor_app", "worker"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def process_state(pid: int) -> str:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return "gone"
    return stat.rsplit(")", 1)[1].split()[0]


def unsent(db) -> int:  # type: ignore[no-untyped-def]
    db.expire_all()
    return db.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.state != "sent")
    )


def queue(db, now, users: list[int], per_user: int) -> list[str]:  # type: ignore[no-untyped-def]
    keys = []
    for user_id in users:
        for n in range(per_user):
            key = f"crash:{user_id}:{n}:{uuid.uuid4().hex[:6]}"
            enqueue(
                db,
                now,
                user_id=user_id,
                kind="consult_offer" if n % 2 else "consult_update",
                message=Message("Consult request", "Urgent · Swedish · trauma", "/", f"c-{n}"),
                dedup_key=key,
                urgency=PushUrgency.HIGH if n % 2 else PushUrgency.NORMAL,
                topic=push_topic(f"c-{n}"),
            )
            keys.append(key)
    db.commit()
    return keys


def test_sigkill_between_claim_and_record_loses_nothing(app, db, clock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    now = clock()
    with LocalPushService() as push:
        users = [quick_user(db, "consultant") for _ in range(3)]
        for user_id in users:
            add_device(db, user_id, push.subscription(f"u{user_id}"))
        keys = queue(db, now, users, per_user=20)
        log_path = tmp_path / "worker.log"
        base = {"OUTBOX_LEASE_SECONDS": "1", "OUTBOX_BATCH_SIZE": "2"}

        stops: list[str] = []
        for run in range(20):
            point = POINTS[run % 3]
            count = (run // 3) % 3 + 1
            env = worker_env(app, tmp_path, **base, **{TEST_STOP_ENV: f"{point}:{count}"})
            proc = start_worker(env, log_path)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                state = process_state(proc.pid)
                if state == "T":
                    stops.append(point)
                    break
                assert proc.poll() is None, log_path.read_text()[-3000:]
                time.sleep(0.02)
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)

        # Every run was killed at its chosen point, before its results were recorded.
        assert len(stops) == 20, log_path.read_text()[-3000:]
        assert unsent(db) > 0

        final = start_worker(worker_env(app, tmp_path, **base), log_path)
        deadline = time.monotonic() + 90
        while unsent(db) and time.monotonic() < deadline:
            time.sleep(0.1)
        final.send_signal(signal.SIGTERM)
        assert final.wait(20) == 0
        assert unsent(db) == 0, log_path.read_text()[-3000:]

        delivered = push.delivered()
        assert push.all_problems() == []

    by_id: dict[str, set[bytes]] = defaultdict(set)
    copies: dict[str, int] = defaultdict(int)
    for received in delivered:
        by_id[received.payload["id"]].add(received.plaintext)
        copies[received.payload["id"]] += 1
    expected = {message_id(key) for key in keys}
    # Every committed message arrived...
    assert set(by_id) == expected
    # ...and a repeat (a kill after sending, before recording) is the same message, same id and
    # tag, which the service worker shows once.
    assert all(len(versions) == 1 for versions in by_id.values())
    after_sending = sum(1 for p in stops if p != "after_claim")
    assert sum(c - 1 for c in copies.values()) <= 2 * after_sending  # batch size 2


@requires_postgres()
@pytest.mark.postgres
def test_three_workers_on_postgresql_send_each_message_exactly_once(
    app, db, clock, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    now = clock()
    with LocalPushService() as push:
        users = [quick_user(db, "consultant") for _ in range(100)]
        for user_id in users:
            add_device(db, user_id, push.subscription(f"u{user_id}"))
        keys = queue(db, now, users, per_user=10)
        assert len(keys) == 1000
        log_path = tmp_path / "workers.log"
        env = worker_env(app, tmp_path, OUTBOX_BATCH_SIZE="20")
        workers = [start_worker(env, log_path) for _ in range(3)]
        try:
            assert push.wait_for(1000, timeout=180), log_path.read_text()[-3000:]
            deadline = time.monotonic() + 30
            while unsent(db) and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            for proc in workers:
                proc.send_signal(signal.SIGTERM)
            codes = [proc.wait(30) for proc in workers]
        time.sleep(0.2)
        delivered = push.delivered()
        assert push.all_problems() == []

    assert codes == [0, 0, 0]
    assert unsent(db) == 0
    ids = [r.payload["id"] for r in delivered]
    assert len(ids) == 1000
    assert set(ids) == {message_id(key) for key in keys}
    assert db.scalar(select(func.count()).select_from(DeliveryAttempt)) == 1000
