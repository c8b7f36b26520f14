"""The safety rules, pure (no database, no clock): timings of a visit and of the alarm ladder,
what a PIN, a "where" line and a visit length may be, and the retention cut-off.

A visit (times from its due time `due`, grace `g` = SAFETY_GRACE_MINUTES, default 10 min):
- `due`: "Check-in due" pushed to the mentor; the grace period starts.
- `due + g/2`: a second reminder ("Check-in overdue").
- `due + g`: a MISSED alarm is raised, exactly once.
"I'm safe" (no PIN if none is set, else the safety PIN) ends the visit at any point before the
alarm; the duress PIN ends it the same way on the mentor's screen and raises a DURESS alarm.
Extending moves the due time to max(due, now) + minutes and starts the timers again.
Extending after the visit's alarm was raised (missed check-in, SOS) changes nothing: the alarm
stays until a responder resolves it (a tap on "extend" shows the phone is in someone's hand,
not that the mentor is safe, and must never silently cancel an alarm). The mentor gets 409
saying so, and the tap goes into the alarm's timeline ("alarm_extend_tapped") for the
responders. A visit ended with either PIN answers "This visit has ended.", as any ended visit.

SOS: with a visit running it is that visit's SOS (its timers stop). From the home screen
shortcut or the mentor home with no visit running it is an alarm of its own (`visit_id` NULL,
so no case code and no "where" line); a second press while it is open returns the same alarm.

The ladder (times from the alarm's `raised` instant, `t` = ALARM_ACK_TIMEOUT_SECONDS, 120 s):
- tier 1 at `raised`: the mentor's safety contacts and the coordinators on call now (pool
  shifts and overrides); if that is nobody, every coordinator.
- tier 2 at `raised + t`: every coordinator (and the contacts; nobody is told twice).
- tier 3 at `raised + 2t`: EXHAUSTED. Every coordinator and every safety contact gets a push
  and an e-mail (one of each), and the alarm stays at the top of every coordinator's page.
The first acknowledgement wins and stops the ladder: a tier whose time has not come when the
alarm is acknowledged is never sent, and unsent messages of earlier tiers are cancelled.
Resolving (mentor safe / emergency services called / other, with a short note) ends it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

DEFAULT_GRACE_MINUTES = 10.0
DEFAULT_ACK_TIMEOUT_SECONDS = 120.0
LAST_TIER = 3
MIN_VISIT_MINUTES = 1
MAX_VISIT_MINUTES = 12 * 60
PRESET_MINUTES = (30, 60, 90, 120)
WHERE_MAX = 120
NOTE_MAX = 500
PHONE_RE = re.compile(r"^\+?[0-9 ()\-]{5,30}$")
PIN_RE = re.compile(r"^[0-9]{4,8}$")
OUTCOMES = ("safe", "emergency", "other")
# The numbers a refusal may name: services translate a problem below as
# gettext(problem, **LIMITS) (this module stays free of Flask; N_ only marks for extraction).
LIMITS = {"low": MIN_VISIT_MINUTES, "high": MAX_VISIT_MINUTES, "where_max": WHERE_MAX}


def N_(msgid: str) -> str:
    """Marks `msgid` for extraction (babel's default keyword) and returns it untranslated."""
    return msgid


@dataclass(frozen=True)
class Timings:
    grace: timedelta = timedelta(minutes=DEFAULT_GRACE_MINUTES)
    ack_timeout: timedelta = timedelta(seconds=DEFAULT_ACK_TIMEOUT_SECONDS)

    def __post_init__(self) -> None:
        if self.grace <= timedelta(0) or self.ack_timeout <= timedelta(0):
            raise ValueError("SAFETY_GRACE_MINUTES and ALARM_ACK_TIMEOUT_SECONDS must be > 0")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Timings:
        """Both settings accept fractions (a test runs the whole ladder in seconds)."""
        return cls(
            timedelta(minutes=float(config.get("SAFETY_GRACE_MINUTES", DEFAULT_GRACE_MINUTES))),
            timedelta(
                seconds=float(config.get("ALARM_ACK_TIMEOUT_SECONDS", DEFAULT_ACK_TIMEOUT_SECONDS))
            ),
        )

    def reminder_at(self, due_at: datetime) -> datetime:
        return due_at + self.grace / 2

    def alarm_at(self, due_at: datetime) -> datetime:
        return due_at + self.grace

    def tier_at(self, raised_at: datetime, tier: int) -> datetime:
        """When tier `tier` (1..3) goes out."""
        return raised_at + self.ack_timeout * (tier - 1)

    def after_tier(self, raised_at: datetime, tier: int) -> datetime | None:
        """The next timer once `tier` is out: the next tier's time, or None after the last."""
        return None if tier >= LAST_TIER else self.tier_at(raised_at, tier + 1)


def extended_due(due_at: datetime, now: datetime, minutes: int) -> datetime:
    """Extending counts from now if the due time already passed, else from the due time."""
    return max(due_at, now) + timedelta(minutes=minutes)


def visit_minutes_problem(minutes: object) -> str | None:
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        return N_("Choose how many minutes the visit takes, as a whole number.")
    if not MIN_VISIT_MINUTES <= minutes <= MAX_VISIT_MINUTES:
        return N_("A visit takes between %(low)d and %(high)d minutes.")
    return None


def pin_problem(pin: str) -> str | None:
    return None if PIN_RE.match(pin) else N_("A PIN is 4 to 8 digits.")


def phone_problem(phone: str) -> str | None:
    return None if PHONE_RE.match(phone) else N_("Enter a phone number (digits, spaces, +, -).")


def one_line(value: str | None) -> str | None:
    """Free text as one line (a "where", a case code): control characters and runs of
    whitespace become single spaces; None when nothing is left."""
    if value is None:
        return None
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in value).split())
    return text or None


def note_cutoff(now: datetime, retention_days: int) -> datetime:
    """Alarms resolved at or before this instant lose their note (whole days, as consults)."""
    return now - timedelta(days=retention_days)
