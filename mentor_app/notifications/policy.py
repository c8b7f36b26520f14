"""Delivery rules, pure: how a push service's answer is read, how long to wait before trying
again, and what becomes of a message after a round of sends. No I/O, no clock: `now` is given.

The rules (ARCHITECTURE.md rule 7):
- 2xx: the push service has the message.
- 404/410: the subscription is gone; that device is disabled, the others still get it.
- 429: wait at least Retry-After (seconds or an HTTP date), then try again.
- 5xx, timeouts, connection errors: exponential backoff with jitter, up to a limit.
- 400/403/413 (and any other answer): our request is wrong; retrying will not help. Logged as a
  fault and not retried.
A message no device accepted goes to the e-mail fallback (when the user allows it), and a
message no channel delivered is dead.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime


class Outcome(enum.StrEnum):
    DELIVERED = "delivered"
    GONE = "gone"
    RATE_LIMITED = "rate_limited"
    TRANSIENT = "transient"
    FAULT = "fault"


RETRYABLE = frozenset({Outcome.RATE_LIMITED, Outcome.TRANSIENT})

# Kinds that test push itself, or whose e-mail is a row of its own (the exhausted alarm
# broadcast): no e-mail instead, and nobody else is told when they fail.
PUSH_ONLY_KINDS = frozenset({"test", "safety.broadcast"})
# The second channel's test button: sent through that channel only.
RELAY_ONLY_KINDS = frozenset({"relay_test"})
# Kinds whose failure must not alert coordinators (the alert about an alert would loop, and a
# warning that someone is unreachable is, by nature, likely to be undeliverable).
NO_ESCALATION_KINDS = frozenset(
    {
        "test",
        "relay_test",
        "undeliverable",
        "shift_unreachable",
        "safety.broadcast",
        "safety.broadcast_mail",
    }
)
ESCALATING_ROLES = frozenset({"consultant", "coordinator"})


def classify(status_code: int | None) -> Outcome:
    """A push service's answer; None means no answer at all (timeout, connection error)."""
    if status_code is None:
        return Outcome.TRANSIENT
    if 200 <= status_code < 300:
        return Outcome.DELIVERED
    if status_code in (404, 410):
        return Outcome.GONE
    if status_code == 429:
        return Outcome.RATE_LIMITED
    if status_code >= 500 or status_code == 408:
        return Outcome.TRANSIENT
    return Outcome.FAULT


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from `now`: Retry-After is either delay-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


def backoff_seconds(attempt: int, base: float, cap: float, random: Callable[[], float]) -> float:
    """Exponential backoff with "equal jitter": between half and all of base·2^(n-1), capped.
    Never sooner than half the step, so a burst of failures spreads out but still backs off."""
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    return ceiling / 2 + random() * ceiling / 2


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    base: float
    cap: float
    random: Callable[[], float]

    def delay(self, attempt: int) -> float:
        return backoff_seconds(attempt, self.base, self.cap, self.random)


class Next(enum.StrEnum):
    SENT = "sent"  # at least one device has it; nothing left worth retrying
    RETRY = "retry"  # try again at `at` (devices that already have it are skipped)
    FALLBACK = "fallback"  # no device has it and push has nothing more to try
    DEAD = "dead"  # no channel delivered it


@dataclass(frozen=True)
class Decision:
    next: Next
    at: datetime | None = None


def after_push_round(
    outcomes: Sequence[tuple[Outcome, float | None]],
    *,
    delivered_before: bool,
    attempts: int,
    policy: RetryPolicy,
    now: datetime,
    expires_at: datetime,
) -> Decision:
    """What to do with a message after one round of pushes to its devices.

    `outcomes` has one (outcome, retry-after seconds) per device tried; `attempts` counts this
    round. Devices that failed in a retryable way are tried again unless the retries are spent
    or the next try would come after the message has expired anyway.
    """
    delivered = delivered_before or any(o is Outcome.DELIVERED for o, _ in outcomes)
    retryable = [(o, ra) for o, ra in outcomes if o in RETRYABLE]
    if retryable and attempts < policy.max_attempts:
        wait = policy.delay(attempts)
        waits = [ra for o, ra in retryable if o is Outcome.RATE_LIMITED and ra is not None]
        wait = max([wait, *waits])
        at = now + timedelta(seconds=wait)
        if at < expires_at:
            return Decision(Next.RETRY, at)
    return Decision(Next.SENT) if delivered else Decision(Next.FALLBACK)


def after_email(
    *, ok: bool, transient: bool, attempts: int, policy: RetryPolicy, now: datetime
) -> Decision:
    if ok:
        return Decision(Next.SENT)
    if transient and attempts < policy.max_attempts:
        return Decision(Next.RETRY, now + timedelta(seconds=policy.delay(attempts)))
    return Decision(Next.DEAD)


def falls_back_to_email(kind: str, user_allows: bool) -> bool:
    return user_allows and kind not in PUSH_ONLY_KINDS and kind not in RELAY_ONLY_KINDS


def goes_to_relay(kind: str) -> bool:
    """After push, before e-mail: may this kind use the user's second channel?"""
    return kind not in PUSH_ONLY_KINDS


def escalates(kind: str, role: str) -> bool:
    """Are coordinators told when this message could not be delivered by any channel?"""
    return role in ESCALATING_ROLES and kind not in NO_ESCALATION_KINDS
