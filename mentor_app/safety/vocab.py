"""Labels for the safety vocabulary (kinds, states, outcomes, timeline steps), translated."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "missed": _l("Missed check-in"),
    "duress": _l("Duress PIN"),
    "sos": _l("SOS"),
}
STATE_LABELS = {
    "raised": _l("raised"),
    "notifying": _l("waiting for someone to take it"),
    "exhausted": _l("nobody has taken it"),
    "acknowledged": _l("taken"),
    "resolved": _l("resolved"),
}
OUTCOME_LABELS = {
    "safe": _l("Mentor safe"),
    "emergency": _l("Emergency services called"),
    "other": _l("Other"),
}
TIMELINE_LABELS = {
    "alarm_raised": _l("Alarm raised"),
    "alarm_tier": _l("Colleagues alerted"),
    "alarm_acknowledged": _l("Taken"),
    "alarm_resolved": _l("Resolved"),
    # Written before the check-in time was told apart too: true of every check-in in an alarm.
    "alarm_checked_in": _l("The mentor checked in (the alarm stays open)"),
    "alarm_checked_in_late": _l(
        "The mentor checked in after the check-in time (the alarm stays open)"
    ),
    "alarm_duress_check_in": _l(
        "DURESS: the mentor checked in with the duress PIN. Their screen shows an ordinary "
        "check-in."
    ),
    "alarm_extend_tapped": _l("The mentor tapped extend (the alarm stays open)"),
}


def label(table: dict, key: str) -> str:
    return str(table.get(key, key))
