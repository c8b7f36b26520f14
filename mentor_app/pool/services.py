"""Pool actions: profiles, credentials, limits, vetting, availability.

Services take the session and `now`, validate everything themselves (the JSON API and the
command line call them without a form), flush, and never commit. A refusal raises `PoolError`
before anything is written, so the request boundary rolls back and nothing is stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import available_timezones

from babel import Locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor_app.accounts.models import Role, User
from mentor_app.audit import services as audit
from mentor_app.pool import policy, vetting
from mentor_app.pool.models import (
    ConsultantExpertise,
    ConsultantLanguage,
    ConsultantProfile,
    ConsultantRegion,
    ExpertiseTag,
    OnCallWindow,
)
from mentor_app.pool.windows import refresh_windows

MAX_LANGUAGES = 12
MAX_REGIONS = 10
MAX_BIO = 600
MAX_REST_MINUTES = 24 * 60
MAX_SOFT_CAP = 500
MAX_OPEN_LIMIT = 50  # the table's check constraint
MAX_AVAILABLE_HOURS = 24
REGION_RE = re.compile(r"^[\w][\w .'-]{0,39}$")
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}$")
TAG_RE = re.compile(r"^[a-z][a-z0-9-]{1,39}$")

# The seed list (mentor_app/content/FORMAT.md); coordinators add, relabel and remove tags.
DEFAULT_TAGS = {
    "trauma": "Trauma",
    "depression": "Depression",
    "psychosis": "Psychosis",
    "personality-disorders": "Personality disorders",
    "adhd": "ADHD",
    "substance-use": "Substance use",
    "family-work": "Family work",
    "youth": "Youth",
    "ideology": "Ideology-specific knowledge",
}


class PoolError(ValueError):
    """A user-facing refusal; the message is safe to show."""


# --- reference data --------------------------------------------------------------------------


def ensure_default_tags(session: Session) -> int:
    """Adds any missing seed tag (demo data and tests; the migration does it in production)."""
    existing = set(session.scalars(select(ExpertiseTag.tag)))
    missing = [
        ExpertiseTag(tag=t, label=lbl) for t, lbl in DEFAULT_TAGS.items() if t not in existing
    ]
    session.add_all(missing)
    session.flush()
    return len(missing)


def tag_labels(session: Session) -> dict[str, str]:
    rows = session.execute(
        select(ExpertiseTag.tag, ExpertiseTag.label).order_by(ExpertiseTag.label)
    )
    return dict(rows.tuples().all())


def pool_languages(session: Session) -> list[str]:
    """Every language some consultant in the pool speaks (for filter menus)."""
    return sorted(set(session.scalars(select(ConsultantLanguage.language).distinct())))


def language_names(locale: str = "en") -> dict[str, str]:
    """ISO 639 codes Babel knows, with their names; the list a language code must be in."""
    return {code: name for code, name in Locale.parse(locale).languages.items() if "_" not in code}


def clean_languages(codes: list[str]) -> list[str]:
    known = language_names()
    result: list[str] = []
    for raw in codes:
        code = raw.strip().lower()
        if not LANGUAGE_RE.match(code):
            raise PoolError(
                f"'{raw[:12]}' is not a language code: use two or three letters (sv, de)."
            )
        if code not in known:
            raise PoolError(f"'{code}' is not a known language code.")
        if code not in result:
            result.append(code)
    if not result:
        raise PoolError("Give at least one language.")
    if len(result) > MAX_LANGUAGES:
        raise PoolError(f"At most {MAX_LANGUAGES} languages.")
    return result


def clean_regions(names: list[str]) -> list[str]:
    result: list[str] = []
    for raw in names:
        name = " ".join(raw.split())
        if not name:
            continue
        if not REGION_RE.match(name):
            raise PoolError("A region is 1–40 letters, digits, spaces or hyphens.")
        if name.lower() not in {r.lower() for r in result}:
            result.append(name)
    if len(result) > MAX_REGIONS:
        raise PoolError(f"At most {MAX_REGIONS} regions.")
    return result


def clean_tags(session: Session, tags: list[str]) -> list[str]:
    known = tag_labels(session)
    unknown = sorted({t for t in tags if t not in known})
    if unknown:
        raise PoolError(
            f"Unknown expertise tag(s): {', '.join(u[:40] for u in unknown)}. "
            f"Known: {', '.join(sorted(known)) or 'none yet'}."
        )
    return list(dict.fromkeys(tags))


def clean_timezone(name: str) -> str:
    if name != "UTC" and name not in _zones():
        raise PoolError(f"'{name[:64]}' is not a known time zone (e.g. Europe/Stockholm).")
    return name


_ZONES: set[str] = set()


def _zones() -> set[str]:
    if not _ZONES:
        _ZONES.update(available_timezones())
    return _ZONES


def _bounded(value: int | None, low: int, high: int, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise PoolError(f"{what} must be a whole number from {low} to {high}.")
    return value


# --- profiles --------------------------------------------------------------------------------


def get_profile(session: Session, user_id: int) -> ConsultantProfile | None:
    return session.get(ConsultantProfile, user_id)


def ensure_profile(session: Session, now: datetime, user: User) -> ConsultantProfile:
    """Every consultant has a profile; an invited one starts in state `invited`."""
    profile = session.get(ConsultantProfile, user.id)
    if profile is not None:
        return profile
    profile = ConsultantProfile(
        user_id=user.id,
        vetting_state=vetting.INVITED,
        timezone=user.timezone if user.timezone in _zones() else "Europe/Stockholm",
        created_at=now,
        updated_at=now,
    )
    session.add(profile)
    session.flush()
    _set_languages(profile, [c for c in user.language_list if LANGUAGE_RE.match(c)] or ["en"])
    session.flush()
    return profile


def ensure_all_profiles(session: Session, now: datetime) -> int:
    """Profiles for consultants who have none yet (invited before the pool knew them)."""
    missing = session.scalars(
        select(User).where(
            User.role == Role.CONSULTANT.value,
            ~select(ConsultantProfile.user_id).where(ConsultantProfile.user_id == User.id).exists(),
        )
    ).all()
    for user in missing:
        ensure_profile(session, now, user)
    return len(missing)


def lock_profile(session: Session, user_id: int) -> ConsultantProfile:
    """The profile, locked for this transaction (PostgreSQL) so two edits never interleave."""
    profile = session.get(ConsultantProfile, user_id, with_for_update=True, populate_existing=True)
    if profile is None:
        raise PoolError("No such consultant.")
    return profile


def _set_languages(profile: ConsultantProfile, codes: list[str]) -> None:
    _sync(profile.languages, "language", codes, lambda c: ConsultantLanguage(language=c))


def _sync(collection: list, key: str, wanted: list[str], make) -> None:  # type: ignore[no-untyped-def]
    """Removes rows no longer wanted and adds new ones, keeping rows that stay (replacing a
    row with a fresh one of the same primary key would delete and insert it in one flush)."""
    for row in [r for r in collection if getattr(r, key) not in wanted]:
        collection.remove(row)
    present = {getattr(r, key) for r in collection}
    collection.extend(make(value) for value in wanted if value not in present)


@dataclass
class Practical:
    """The fields a consultant keeps up to date themselves."""

    languages: list[str]
    expertise: list[str]
    regions: list[str]
    timezone: str
    bio: str
    quiet_from: time | None
    quiet_until: time | None
    rest_minutes_after_urgent: int | None
    takes_clients: bool


def update_practical(
    session: Session,
    now: datetime,
    actor: User,
    profile: ConsultantProfile,
    data: Practical,
    ip: str | None = None,
) -> list[str]:
    """Returns the names of the fields that changed."""
    languages = clean_languages(data.languages)
    expertise = clean_tags(session, data.expertise)
    regions = clean_regions(data.regions)
    zone = clean_timezone(data.timezone)
    bio = data.bio.strip()
    if len(bio) > MAX_BIO:
        raise PoolError(f"The bio is at most {MAX_BIO} characters.")
    if (data.quiet_from is None) != (data.quiet_until is None):
        raise PoolError("Give both ends of the quiet hours, or neither.")
    if data.quiet_from is not None and data.quiet_from == data.quiet_until:
        raise PoolError("Quiet hours must start and end at different times.")
    rest = _bounded(data.rest_minutes_after_urgent, 0, MAX_REST_MINUTES, "The rest period")
    profile = lock_profile(session, profile.user_id)
    changed = _diff(
        profile,
        languages=languages,
        expertise=expertise,
        regions=regions,
        timezone=zone,
        bio=bio,
        quiet=(data.quiet_from, data.quiet_until),
        rest=rest,
        takes_clients=bool(data.takes_clients),
    )
    if "languages" in changed:
        _set_languages(profile, languages)
    if "expertise" in changed:
        _sync(profile.expertise, "tag", expertise, lambda t: ConsultantExpertise(tag=t))
    if "regions" in changed:
        _sync(profile.regions, "region", regions, lambda r: ConsultantRegion(region=r))
    profile.timezone, profile.bio, profile.takes_clients = zone, bio, bool(data.takes_clients)
    profile.quiet_from, profile.quiet_until = data.quiet_from, data.quiet_until
    profile.rest_minutes_after_urgent = rest
    profile.updated_at = now
    if actor.id == profile.user_id:
        profile.last_active_at = now
    session.flush()
    if "timezone" in changed:
        refresh_windows(session, now, profile.user_id)
    if changed:
        record_audit(session, now, actor, profile, "pool.profile_updated", ip, {"fields": changed})
    return changed


def _diff(profile: ConsultantProfile, **new: object) -> list[str]:
    current = {
        "languages": sorted(x.language for x in profile.languages),
        "expertise": sorted(x.tag for x in profile.expertise),
        "regions": sorted(x.region for x in profile.regions),
        "timezone": profile.timezone,
        "bio": profile.bio,
        "quiet": (profile.quiet_from, profile.quiet_until),
        "rest": profile.rest_minutes_after_urgent,
        "takes_clients": profile.takes_clients,
    }
    result = []
    for name, value in new.items():
        compare = sorted(value) if isinstance(value, list) else value
        if current[name] != compare:
            result.append(name)
    return result


def clean_text(value: str | None, limit: int, what: str) -> str:
    value = " ".join((value or "").split())
    if len(value) > limit:
        raise PoolError(f"{what} is at most {limit} characters.")
    return value


def submit_credential(
    session: Session,
    now: datetime,
    actor: User,
    profile: ConsultantProfile,
    *,
    profession: str,
    register: str,
    number: str,
    ip: str | None = None,
) -> None:
    """A consultant states their credential; only before vetting (after it, a coordinator)."""
    if profile.vetting_state not in (vetting.INVITED, vetting.SUBMITTED):
        raise PoolError("Your credential is vetted; ask a coordinator to record a change.")
    profile = lock_profile(session, profile.user_id)
    profile.profession = clean_text(profession, 80, "Profession")
    profile.credential_register = clean_text(register, 80, "The register")
    profile.credential_number = clean_text(number, 40, "The credential number")
    profile.updated_at = profile.last_active_at = now
    session.flush()
    record_audit(session, now, actor, profile, "pool.credential_submitted", ip, {})


@dataclass
class Credential:
    profession: str
    register: str
    number: str
    verified_on: date | None
    expires_on: date | None
    training_completed_on: date | None


def record_credential(
    session: Session,
    now: datetime,
    coordinator: User,
    profile: ConsultantProfile,
    data: Credential,
    ip: str | None = None,
) -> list[str]:
    """A coordinator records what they verified. Expiry must fall after verification."""
    _require_coordinator(coordinator)
    today = now.date()
    if data.verified_on and data.verified_on > today:
        raise PoolError("The verification date cannot be in the future.")
    if data.training_completed_on and data.training_completed_on > today:
        raise PoolError("The training date cannot be in the future.")
    if data.expires_on is not None:
        if data.verified_on is None:
            raise PoolError("Record when the credential was verified before its expiry date.")
        if data.expires_on <= data.verified_on:
            raise PoolError("The credential must expire after the date it was verified.")
    values = {
        "profession": clean_text(data.profession, 80, "Profession"),
        "credential_register": clean_text(data.register, 80, "The register"),
        "credential_number": clean_text(data.number, 40, "The credential number"),
        "credential_verified_on": data.verified_on,
        "credential_expires_on": data.expires_on,
        "training_completed_on": data.training_completed_on,
    }
    profile = lock_profile(session, profile.user_id)
    changed = [name for name, value in values.items() if getattr(profile, name) != value]
    for name in changed:
        setattr(profile, name, values[name])
    if "credential_expires_on" in changed:
        profile.expiry_warned_on = None  # a new expiry date earns its own warning
    profile.updated_at = now
    session.flush()
    if changed:
        record_audit(
            session, now, coordinator, profile, "pool.credential_recorded", ip, {"fields": changed}
        )
    return changed


def update_limits(
    session: Session,
    now: datetime,
    coordinator: User,
    profile: ConsultantProfile,
    *,
    open_consult_limit: int,
    monthly_soft_cap: int | None,
    rest_minutes_after_urgent: int | None,
    ip: str | None = None,
) -> None:
    _require_coordinator(coordinator)
    limit = _bounded(open_consult_limit, 0, MAX_OPEN_LIMIT, "The open-consult limit")
    if limit is None:
        raise PoolError("Give the open-consult limit.")
    cap = _bounded(monthly_soft_cap, 1, MAX_SOFT_CAP, "The monthly soft cap")
    rest = _bounded(rest_minutes_after_urgent, 0, MAX_REST_MINUTES, "The rest period")
    profile = lock_profile(session, profile.user_id)
    profile.open_consult_limit, profile.monthly_soft_cap = limit, cap
    profile.rest_minutes_after_urgent = rest
    profile.updated_at = now
    session.flush()
    details = {"open_consult_limit": limit, "monthly_soft_cap": cap, "rest_minutes": rest}
    record_audit(session, now, coordinator, profile, "pool.limits_changed", ip, details)


# --- vetting ---------------------------------------------------------------------------------

STATE_AUDIT_ACTIONS = {
    "submit": "pool.submitted",
    "return": "pool.returned",
    "vet": "pool.vetted",
    "activate": "pool.activated",
    "suspend": "pool.suspended",
    "reactivate": "pool.reactivated",
}


def change_state(
    session: Session,
    now: datetime,
    actor: User,
    profile: ConsultantProfile,
    action: str,
    reason_code: str | None = None,
    note: str = "",
    ip: str | None = None,
) -> str:
    is_coordinator = actor.role == Role.COORDINATOR.value
    if not is_coordinator and actor.id != profile.user_id:
        raise PoolError("Only a coordinator can do this.")
    note = clean_text(note, 200, "The reason")
    profile = lock_profile(session, profile.user_id)
    facts = vetting.Facts(
        state=profile.vetting_state,
        has_credential=all(
            (profile.profession, profile.credential_register, profile.credential_number)
        ),
        verified_on=profile.credential_verified_on,
        expires_on=profile.credential_expires_on,
        operator_vetted=profile.vetted_by_operator,
    )
    try:
        target = vetting.check(action, facts, now.date(), is_coordinator, reason_code)
    except vetting.VettingError as err:
        raise PoolError(str(err)) from err
    before = profile.vetting_state
    profile.vetting_state = target
    if action == "vet":
        profile.vetted_by_id, profile.vetted_at = actor.id, now
    needs_reason = vetting.TRANSITIONS[action].needs_reason
    profile.state_reason_code = reason_code if needs_reason else None
    profile.state_reason = (note or None) if needs_reason else None
    profile.updated_at = now
    session.flush()
    details = {"from": before, "to": target}
    if needs_reason:
        details["reason_code"] = reason_code
    record_audit(session, now, actor, profile, STATE_AUDIT_ACTIONS[action], ip, details)
    return target


# --- availability ----------------------------------------------------------------------------


def set_availability(
    session: Session, now: datetime, profile: ConsultantProfile, available: bool, hours: int | None
) -> ConsultantProfile:
    """`available` True: on call for the next `hours` (1-24) whatever the shifts say, and any
    pause ends. False with `hours`: paused (off call) for that long, and "available now" ends.
    False without hours: "available now" ends and the usual shifts apply again (a running pause
    is left as it is)."""
    if isinstance(available, bool) is False:
        raise PoolError("'available' must be true or false.")
    if hours is not None:
        _bounded(hours, 1, MAX_AVAILABLE_HOURS, "'hours'")
    elif available:
        raise PoolError("Say for how many hours (1-24) you are available.")
    profile = lock_profile(session, profile.user_id)
    if available:
        profile.available_until = now + timedelta(hours=hours or 0)
        profile.paused_until = None
    else:
        profile.available_until = None
        if hours is not None:
            profile.paused_until = now + timedelta(hours=hours)
    profile.last_active_at = profile.updated_at = now
    session.flush()
    return profile


def resume_plan(session: Session, now: datetime, profile: ConsultantProfile) -> None:
    """Back to the weekly shifts: clears both "available now" and a pause."""
    profile = lock_profile(session, profile.user_id)
    profile.available_until = profile.paused_until = None
    profile.last_active_at = profile.updated_at = now
    session.flush()


@dataclass(frozen=True)
class Availability:
    available_until: datetime | None
    paused_until: datetime | None
    on_call_now: bool
    routable: bool  # active, vetted, credential valid

    def as_json(self) -> dict:
        return {
            "available": self.available_until is not None,
            "available_until": _iso(self.available_until),
            "paused_until": _iso(self.paused_until),
            "on_call_now": self.on_call_now,
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def availability(session: Session, now: datetime, profile: ConsultantProfile) -> Availability:
    """The switches as they stand now (expired ones read as off) and whether routing would
    count this consultant as on call right now."""
    from mentor_app.pool.queries import is_routable

    available = profile.available_until if _future(profile.available_until, now) else None
    paused = profile.paused_until if _future(profile.paused_until, now) else None
    windows = session.execute(
        select(OnCallWindow.starts_at, OnCallWindow.ends_at).where(
            OnCallWindow.consultant_id == profile.user_id,
            OnCallWindow.starts_at <= now,
            OnCallWindow.ends_at > now,
        )
    ).tuples()
    on_call = policy.is_on_call(now, list(windows), available, paused)
    routable = is_routable(session, profile, now)
    return Availability(available, paused, on_call and routable, routable)


def _future(value: datetime | None, now: datetime) -> bool:
    return value is not None and value > now


# --- helpers ---------------------------------------------------------------------------------


def _require_coordinator(user: User) -> None:
    if user.role != Role.COORDINATOR.value:
        raise PoolError("Only a coordinator can do this.")


def record_audit(
    session: Session,
    now: datetime,
    actor: User | None,
    profile: ConsultantProfile,
    action: str,
    ip: str | None,
    details: dict,
) -> None:
    audit.record(
        session,
        now,
        action,
        actor_id=actor.id if actor else None,
        object_type="consultant",
        object_id=profile.user_id,
        ip=ip,
        details=details,
    )
