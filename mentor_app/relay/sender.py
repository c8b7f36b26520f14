"""Sending through Apprise: the only module that imports it.

A send never raises: it reports whether Apprise delivered, how long it took, and a short error
that never holds the address (Apprise answers only True/False; its own log lines may quote the
URL, which holds the address, so its logger is kept to errors and those stay out of our
records). A failed send counts as transient: the outbox retries it like a push, then falls
back to e-mail.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from mentor_app.errors import log_unexpected

log = logging.getLogger("mentor_app.relay")
# Apprise's warnings name the target URL, and so the user's number or handle.
logging.getLogger("apprise").setLevel(logging.CRITICAL)


@dataclass(frozen=True)
class RelayMessage:
    url: str  # the operator's template with the user's address in it
    channel: str  # the template's name (a metric label)
    title: str
    body: str


@dataclass(frozen=True)
class RelayResult:
    ok: bool
    latency_ms: int
    error: str | None = None


class RelaySender:
    def send(self, message: RelayMessage) -> RelayResult:
        started = time.perf_counter()

        def elapsed() -> int:
            return int((time.perf_counter() - started) * 1000)

        try:
            # Imported on first use: only workers send, and Apprise loads its ~100 plugins at
            # import (half a second that every web process would pay at boot).
            import apprise

            target = apprise.Apprise()
            if not target.add(message.url):
                return RelayResult(False, elapsed(), f"{message.channel}: template not usable")
            ok = target.notify(title=message.title, body=message.body)
        except Exception as err:
            log_unexpected(log, "apprise send failed unexpectedly")
            return RelayResult(False, elapsed(), f"{message.channel}: {type(err).__name__}")
        if ok:
            return RelayResult(True, elapsed())
        return RelayResult(False, elapsed(), f"{message.channel}: not delivered")
