"""The refusals consult services raise; views turn them into a status and a kind message."""

from __future__ import annotations


class ConsultError(Exception):
    """A user-facing refusal. `status` is the HTTP status a view should answer with; the
    message is safe to show (it never echoes what the user typed)."""

    status = 400

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class Invalid(ConsultError):
    status = 400


class Forbidden(ConsultError):
    status = 403


class Conflict(ConsultError):
    """The consult moved on (taken, cancelled, closed) while the user was looking at it."""

    status = 409
