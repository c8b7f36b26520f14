"""Refusals the safety services raise; the API turns them into {"error": ...} with a status."""

from __future__ import annotations


class SafetyError(Exception):
    """A user-facing refusal, already translated (gettext at the raise); the message never
    echoes what the user typed. `extra`: holder=<user id> (who took an alarm, for the 409);
    keep=True when the refusal recorded a fact that must be committed all the same."""

    status = 400

    def __init__(self, message: str, status: int | None = None, **extra: object) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra
        if status is not None:
            self.status = status


class Conflict(SafetyError):
    """The visit or alarm moved on meanwhile (ended, taken by someone else)."""

    status = 409
