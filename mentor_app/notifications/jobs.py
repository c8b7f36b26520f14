"""What one delivery round works with: its settings, the claimed rows as plain data (so the
sends need no database), and the crash-test checkpoints."""

from __future__ import annotations

import os
import random
import signal
import socket
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app

from mentor_app.notifications import policy
from mentor_app.notifications.email import EmailResult, OutgoingEmail
from mentor_app.notifications.push import PushRequest, PushResult, PushTarget
from mentor_app.relay.sender import RelayMessage, RelayResult
from mentor_app.worker import heartbeats

WORKER_ID = f"{socket.gethostname()[:40]}:{os.getpid()}"
TEST_STOP_ENV = "MENTOR_APP_TEST_WORKER_STOP"


@dataclass(frozen=True)
class Settings:
    batch_size: int
    lease: timedelta
    push_retry: policy.RetryPolicy
    email_retry: policy.RetryPolicy
    threads: int
    public_base_url: str
    worker_id: str = WORKER_ID
    # This process's heartbeat id when it runs the worker loop (None: tests, `worker --once`).
    heartbeat_id: int | None = None
    # A claim whose worker's heartbeat is older than this is taken back (see heartbeats.py).
    stale: timedelta = timedelta(seconds=15)

    @classmethod
    def from_config(cls, config: dict) -> Settings:
        base = float(config["OUTBOX_BACKOFF_BASE_SECONDS"])
        cap = float(config["OUTBOX_BACKOFF_CAP_SECONDS"])
        return cls(
            batch_size=max(1, int(config["OUTBOX_BATCH_SIZE"])),
            lease=timedelta(seconds=float(config["OUTBOX_LEASE_SECONDS"])),
            push_retry=policy.RetryPolicy(
                int(config["OUTBOX_MAX_ATTEMPTS"]), base, cap, random.random
            ),
            email_retry=policy.RetryPolicy(
                int(config["EMAIL_MAX_ATTEMPTS"]), base, cap, random.random
            ),
            threads=max(1, int(config["PUSH_SEND_THREADS"])),
            public_base_url=config.get("PUBLIC_BASE_URL") or "",
            heartbeat_id=heartbeats.current_worker_id(),
            stale=timedelta(seconds=float(config.get("WORKER_STALE_SECONDS", 15.0))),
        )


@dataclass
class Job:
    """One claimed row, as plain data the send phase can use without the database."""

    outbox_id: int
    claimed_at: datetime
    kind: str
    user_id: int
    role: str
    email_fallback: bool
    attempts: int
    email_attempts: int
    expires_at: datetime
    delivered_before: bool
    push: PushRequest | None = None
    targets: list[PushTarget] = field(default_factory=list)
    email: OutgoingEmail | None = None
    push_results: list[tuple[PushTarget, PushResult]] = field(default_factory=list)
    email_result: EmailResult | None = None
    relay_attempts: int = 0
    # The user's second channel, when they have one this row may use: sent now (`relay`, the
    # row is in its relay stage) or next, should push give up (`relay_next`).
    relay: RelayMessage | None = None
    relay_next: RelayMessage | None = None
    relay_result: RelayResult | None = None


_reached: Counter[str] = Counter()


def checkpoint(point: str) -> None:
    """Tests only (TESTING and MENTOR_APP_TEST_WORKER_STOP="point:n"): the n-th time this
    process reaches `point`, it stops itself (SIGSTOP) so the test can SIGKILL it right there."""
    spec = os.environ.get(TEST_STOP_ENV)
    if not spec or not current_app.config.get("TESTING"):
        return
    name, _, count = spec.partition(":")
    if name != point:
        return
    _reached[point] += 1
    if _reached[point] == int(count or 1):
        os.kill(os.getpid(), signal.SIGSTOP)
