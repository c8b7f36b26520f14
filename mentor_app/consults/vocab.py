"""Fixed vocabularies of the consult domain: what a field may hold, and how it is shown.

Reason codes are codes, never free text: they are shown to coordinators and kept in the audit
log, where nothing a person typed may end up.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from mentor_app.consults.models import ConsultStatus, OfferState, Outcome, Urgency

URGENCIES = tuple(u.value for u in Urgency)
STATUSES = tuple(s.value for s in ConsultStatus)
OUTCOMES = tuple(o.value for o in Outcome)
OFFER_STATES = tuple(s.value for s in OfferState)

NOTE_MAX = 500
MESSAGE_MAX = 1000
SUMMARY_MAX = 1000
REGION_MAX = 40

CLIENT_KEY_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}$")
CASE_CODE_RE = re.compile(r"^K-[0-9A-Z]{4,8}$")
# A phone number as people type it: digits, spaces, brackets, dashes, an optional leading +.
PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()\-]{4,22}[0-9]$")

URGENCY_LABELS = {
    "urgent": _l("Urgent"),
    "soon": _l("Soon"),
    "routine": _l("Routine"),
}
URGENCY_HINTS = {
    "urgent": _l("I need advice within minutes"),
    "soon": _l("Within the hour is fine"),
    "routine": _l("Today or tomorrow is fine"),
}
STATUS_LABELS = {
    "open": _l("Waiting for a consultant"),
    "accepted": _l("In progress"),
    "closed": _l("Closed"),
    "cancelled": _l("Cancelled"),
}
OUTCOME_LABELS = {
    "advice": _l("Advice given"),
    "see_client": _l("Recommends seeing the client"),
    "referral": _l("Referral to health care"),
    "urgent_risk": _l("Urgent risk"),
    "no_action": _l("No action needed"),
}
OFFER_STATE_LABELS = {
    "offered": _l("offered"),
    "accepted": _l("accepted"),
    "declined": _l("declined"),
    "withdrawn": _l("withdrawn"),
    "released": _l("handed back"),
}
# Why a consultant cannot be offered a consult now (the codes of consults/policy.py), as a
# coordinator reads them on the "offer directly" page.
ELIGIBILITY_REASON_LABELS = {
    "not_active": _l("not active"),
    "credential_expired": _l("credential expired"),
    "no_shared_language": _l("no shared language"),
    "excluded_for_case": _l("kept away from this case"),
    "declined_this": _l("declined this request"),
    "handed_back_this": _l("handed this request back"),
    "not_on_call": _l("not on call"),
    "at_limit": _l("at their limit of open consults"),
    "resting": _l("resting after an urgent consult"),
    "quiet_hours": _l("quiet hours"),
    "over_soft_cap": _l("over their monthly number"),
}
DECLINE_REASONS = {
    "busy": _l("Busy right now"),
    "outside_expertise": _l("Outside my expertise"),
    "language": _l("Language does not fit"),
    "conflict_of_interest": _l("Conflict of interest"),
    "other": _l("Other"),
}
EXCLUSION_REASONS = {
    "conflict_of_interest": _l("Conflict of interest"),
    "same_community": _l("Same community"),
    "other": _l("Other"),
}
# A consultant's own "no more requests from this case".
DECLINED_BY_CONSULTANT = "declined_by_consultant"

# Wave numbers as people read them; steps after the third are periodic re-offers.
WAVE_LABELS = {
    0: _l("not routed yet"),
    1: _l("first consultants"),
    2: _l("everyone eligible"),
    3: _l("coordinators alerted"),
}


def offer_state_label(state: str) -> str:
    """An offer's state code ("offered", "released", ...) as words; an unknown code as itself."""
    return str(OFFER_STATE_LABELS.get(state, state))


def eligibility_reason_label(code: str) -> str:
    """A policy reason code as words; an unknown code as itself."""
    return str(ELIGIBILITY_REASON_LABELS.get(code, code))


def wave_label(wave: int) -> str:
    return str(WAVE_LABELS.get(wave, _l("coordinators alerted, re-offering")))


# Names for the language codes people are likely to use; anything else shows as its code.
# Babel names most of them in the reader's locale; the lazy ones are those it does not name.
LANGUAGE_NAMES: dict[str, str | LazyString] = {
    "sv": "Swedish",
    "en": "English",
    "de": "German",
    "da": "Danish",
    "nb": "Norwegian",
    "no": "Norwegian",
    "fi": "Finnish",
    "nl": "Dutch",
    "fr": "French",
    "es": "Spanish",
    "it": "Italian",
    "pl": "Polish",
    "ar": "Arabic",
    "so": "Somali",
    "fa": "Persian",
    "prs": _l("Dari"),
    "ps": "Pashto",
    "ku": "Kurdish",
    "tr": "Turkish",
    "bs": "Bosnian",
    "sr": "Serbian",
    "hr": "Croatian",
    "sq": "Albanian",
    "ru": "Russian",
    "uk": "Ukrainian",
    "ti": "Tigrinya",
    "ur": "Urdu",
    "che": _l("Chechen"),
}


def language_name(code: str) -> str:
    """The language `code` as a word in the reader's locale ("svenska", "Schwedisch"); the
    English name above where Babel has none (e.g. "prs"), never the bare code if known."""
    from mentor_app.i18n.render import language_word

    return language_word(code, fallback=lambda c: str(LANGUAGE_NAMES.get(c, c.upper())))
