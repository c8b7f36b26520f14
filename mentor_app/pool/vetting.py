"""The vetting state machine and its reason codes. Pure: no database, no clock.

invited → submitted (credentials sent) → vetted (checked by a coordinator) → active (routable).
A coordinator can send a submission back, suspend a vetted or active consultant, and reactivate
a suspended one. Reasons are codes (safe for the audit log); a short free-text note may go with
them on the profile, never into the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from mentor_app.pool.models import VettingState

INVITED, SUBMITTED, VETTED, ACTIVE, SUSPENDED = (
    VettingState.INVITED.value,
    VettingState.SUBMITTED.value,
    VettingState.VETTED.value,
    VettingState.ACTIVE.value,
    VettingState.SUSPENDED.value,
)

STATE_LABELS = {
    INVITED: _l("Invited"),
    SUBMITTED: _l("Credentials submitted"),
    VETTED: _l("Vetted"),
    ACTIVE: _l("Active"),
    SUSPENDED: _l("Suspended"),
}


@dataclass(frozen=True)
class Transition:
    action: str
    label: object
    sources: tuple[str, ...]
    target: str
    coordinator_only: bool = True
    needs_reason: bool = False


TRANSITIONS = {
    t.action: t
    for t in (
        Transition("submit", _l("Submit for vetting"), (INVITED,), SUBMITTED, False),
        Transition("return", _l("Send back for changes"), (SUBMITTED,), INVITED, True, True),
        Transition("vet", _l("Mark as vetted"), (SUBMITTED,), VETTED),
        Transition("activate", _l("Activate"), (VETTED,), ACTIVE),
        Transition("suspend", _l("Suspend"), (VETTED, ACTIVE), SUSPENDED, True, True),
        Transition("reactivate", _l("Reactivate"), (SUSPENDED,), ACTIVE, True, True),
    )
}

REASON_CODES = {
    "return": {
        "credential_incomplete": _l("Credential details incomplete"),
        "credential_unverifiable": _l("Credential could not be verified"),
        "training_missing": _l("Training not completed"),
        "other": _l("Other"),
    },
    "suspend": {
        "credential_lapsed": _l("Credential lapsed"),
        "on_leave": _l("On leave"),
        "own_request": _l("At the consultant's request"),
        "conduct_review": _l("Conduct under review"),
        "unreachable": _l("Repeatedly unreachable"),
        "other": _l("Other"),
    },
    "reactivate": {
        "review_complete": _l("Review complete"),
        "back_from_leave": _l("Back from leave"),
        "credential_renewed": _l("Credential renewed"),
        "own_request": _l("At the consultant's request"),
        "other": _l("Other"),
    },
}
ALL_REASON_LABELS = {
    code: label for codes in REASON_CODES.values() for code, label in codes.items()
}


class VettingError(ValueError):
    """A refused transition; the message is safe to show."""


@dataclass(frozen=True)
class Facts:
    """What the rules need to know about a profile."""

    state: str
    has_credential: bool  # profession, register and number filled in
    verified_on: date | None
    expires_on: date | None
    # Provisioned on the command line: vetted by the operator, no credential dates needed.
    operator_vetted: bool = False


def credential_expired(expires_on: date | None, today: date) -> bool:
    """A credential is valid through its expiry date and expired from the day after."""
    return expires_on is not None and expires_on < today


def allowed_actions(state: str, is_coordinator: bool) -> list[Transition]:
    return [
        t
        for t in TRANSITIONS.values()
        if state in t.sources and (is_coordinator or not t.coordinator_only)
    ]


def check(
    action: str, facts: Facts, today: date, is_coordinator: bool, reason_code: str | None
) -> str:
    """The new state if `action` is allowed now; raises VettingError with the reason if not."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise VettingError("Unknown action.")
    if transition.coordinator_only and not is_coordinator:
        raise VettingError("Only a coordinator can do this.")
    if facts.state not in transition.sources:
        raise VettingError(f"A consultant who is {facts.state} cannot be moved with '{action}'.")
    if transition.needs_reason and reason_code not in REASON_CODES.get(action, {}):
        raise VettingError("Choose a reason.")
    if action == "submit" and not facts.has_credential:
        raise VettingError("Fill in profession, credential register and number first.")
    if action == "vet" and facts.verified_on is None:
        raise VettingError("Record the date the credential was verified first.")
    if transition.target == ACTIVE:
        if facts.verified_on is None and not facts.operator_vetted:
            raise VettingError("The credential has not been verified.")
        if credential_expired(facts.expires_on, today):
            raise VettingError("The credential has expired; record the renewal first.")
    return transition.target
