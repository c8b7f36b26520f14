"""Pool actions: profiles, credentials, limits and vetting.

Services take the session and `now`, validate everything themselves (the JSON API and the
command line call them without a form), flush, and never commit. A refusal raises `PoolError`
before anything is written, so the request boundary rolls back and nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor_app import timeutil
from mentor_app.accounts.models import Role, User
from mentor_app.audit import services as audit
from mentor_app.pool import vetting
from mentor_app.pool.models import (
    ConsultantExpertise,
    ConsultantLanguage,
    ConsultantProfile,
    ConsultantRegion,
)
from mentor_app.pool.validation import (
    LANGUAGE_RE,
    MAX_BIO,
    MAX_OPEN_LIMIT,
    MAX_REST_MINUTES,
    MAX_SOFT_CAP,
    PoolError,
    bounded,
    clean_languages,
    clean_regions,
    clean_tags,
    clean_text,
    clean_timezone,
    known_zones,
)
from mentor_app.pool.vetting_notice import announce_submission
from mentor_app.pool.windows import refresh_windows

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
        timezone=user.timezone if user.timezone in known_zones() else "Europe/Stockholm",
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
        raise PoolError(_("No such consultant."))
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
        raise PoolError(_("The bio is at most %(n)s characters.", n=MAX_BIO))
    if (data.quiet_from is None) != (data.quiet_until is None):
        raise PoolError(_("Give both ends of the quiet hours, or neither."))
    if data.quiet_from is not None and data.quiet_from == data.quiet_until:
        raise PoolError(_("Quiet hours must start and end at different times."))
    rest = bounded(data.rest_minutes_after_urgent, 0, MAX_REST_MINUTES, _("The rest period"))
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
        # The credential lapses at midnight in the consultant's zone: a new zone moves it.
        _settle_standing(session, now, profile.user_id, "credential")
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
        raise PoolError(_("Your credential is vetted; ask a coordinator to record a change."))
    profile = lock_profile(session, profile.user_id)
    profile.profession = clean_text(profession, 80, _("Profession"))
    profile.credential_register = clean_text(register, 80, _("The register"))
    profile.credential_number = clean_text(number, 40, _("The credential number"))
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
    # The credential's dates are on the consultant's calendar (mentor_app/timeutil.py).
    today = timeutil.local_today(now, profile.timezone)
    if data.verified_on and data.verified_on > today:
        raise PoolError(_("The verification date cannot be in the future."))
    if data.training_completed_on and data.training_completed_on > today:
        raise PoolError(_("The training date cannot be in the future."))
    if data.expires_on is not None:
        if data.verified_on is None:
            raise PoolError(_("Record when the credential was verified before its expiry date."))
        if data.expires_on <= data.verified_on:
            raise PoolError(_("The credential must expire after the date it was verified."))
    values = {
        "profession": clean_text(data.profession, 80, _("Profession")),
        "credential_register": clean_text(data.register, 80, _("The register")),
        "credential_number": clean_text(data.number, 40, _("The credential number")),
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
        _settle_standing(session, now, profile.user_id, "credential")
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
    limit = bounded(open_consult_limit, 0, MAX_OPEN_LIMIT, _("The open-consult limit"))
    if limit is None:
        raise PoolError(_("Give the open-consult limit."))
    cap = bounded(monthly_soft_cap, 1, MAX_SOFT_CAP, _("The monthly soft cap"))
    rest = bounded(rest_minutes_after_urgent, 0, MAX_REST_MINUTES, _("The rest period"))
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
        raise PoolError(_("Only a coordinator can do this."))
    note = clean_text(note, 200, _("The reason"))
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
        today = timeutil.local_today(now, profile.timezone)
        target = vetting.check(action, facts, today, is_coordinator, reason_code)
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
    _settle_standing(session, now, profile.user_id, STATE_AUDIT_ACTIONS[action])
    if target == vetting.SUBMITTED:
        announce_submission(session, now, profile.user_id)
    return target


# --- helpers ---------------------------------------------------------------------------------


def _settle_standing(session: Session, now: datetime, user_id: int, why: str) -> None:
    """In the same transaction as the change: if the consultant lost standing by it, their
    offers are withdrawn and consults they handle go back to routing (consults/standing.py)."""
    from mentor_app.consults import standing

    standing.settle(session, now, user_id, why=why)


def _require_coordinator(user: User) -> None:
    if user.role != Role.COORDINATOR.value:
        raise PoolError(_("Only a coordinator can do this."))


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
