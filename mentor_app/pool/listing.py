"""The pool list and its CSV export: who is in the pool, in what state, carrying how much."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor_app import timeutil
from mentor_app.accounts.models import Role, User
from mentor_app.audit import services as audit
from mentor_app.notifications.reachability import Reach, Reachability, reachability_for
from mentor_app.pool import vetting
from mentor_app.pool.models import ConsultantProfile
from mentor_app.pool.queries import (
    NO_LOAD,
    Load,
    load_for,
    matching_conditions,
    on_call_consultant_ids,
)

EXPIRY_WARNING = timedelta(days=30)
DAY = timedelta(days=1)
CREDENTIAL_FILTERS = ("expired", "expiring", "no_expiry")
REACH_FILTERS = ("reachable", "unreachable", *(r.value for r in Reach))
SORTS = ("load", "name", "last_active", "expiry")


@dataclass(frozen=True)
class Filters:
    language: str | None = None
    expertise: str | None = None
    state: str | None = None
    credential: str | None = None
    reach: str | None = None
    q: str | None = None
    sort: str = "load"

    def as_details(self) -> dict:
        """For the audit log: which filters were used (codes only, never the name search)."""
        return {
            k: v
            for k, v in (
                ("language", self.language),
                ("expertise", self.expertise),
                ("state", self.state),
                ("credential", self.credential),
                ("reach", self.reach),
                ("name_search", bool(self.q) or None),
            )
            if v
        }


@dataclass(frozen=True)
class PoolRow:
    user_id: int
    name: str
    email: str
    state: str
    languages: list[str]
    expertise: list[str]
    regions: list[str]
    profession: str
    expires_on: date | None
    credential_status: str  # none | valid | expiring | expired
    vetted_by_operator: bool
    takes_clients: bool
    load: Load
    on_call_now: bool
    last_active_at: datetime | None
    reach: Reachability
    limit: int


def credential_status(expires_on: date | None, zone: str, now: datetime) -> str:
    """none | valid | expiring (within 30 days) | expired, judged on the consultant's own
    calendar (`zone`), as routing judges it (mentor_app/timeutil.py)."""
    if expires_on is None:
        return "none"
    today = timeutil.local_today(now, zone)
    if vetting.credential_expired(expires_on, today):
        return "expired"
    if expires_on - today <= EXPIRY_WARNING:
        return "expiring"
    return "valid"


def soon_or_lapsed(now: datetime):  # type: ignore[no-untyped-def]
    """A coarse SQL cut for "expiring or expired" (every zone's date is within a day of
    UTC's); `credential_status` then decides exactly."""
    return ConsultantProfile.credential_expires_on <= (now + EXPIRY_WARNING + DAY).date()


def _reach_matches(wanted: str | None, reach: Reachability) -> bool:
    if not wanted:
        return True
    if wanted == "reachable":
        return reach.reachable
    if wanted == "unreachable":
        return not reach.reachable
    return reach.status.value == wanted


def pool_rows(session: Session, now: datetime, filters: Filters) -> list[PoolRow]:
    query = (
        select(ConsultantProfile, User)
        .join(User, User.id == ConsultantProfile.user_id)
        .where(User.role == Role.CONSULTANT.value)
        .where(*matching_conditions(filters.language, filters.expertise))
    )
    if filters.state:
        query = query.where(ConsultantProfile.vetting_state == filters.state)
    expires = ConsultantProfile.credential_expires_on
    if filters.credential in ("expired", "expiring"):
        query = query.where(soon_or_lapsed(now))  # exactly: by each row's status below
    elif filters.credential == "no_expiry":
        query = query.where(expires.is_(None))
    if filters.q:
        query = query.where(func.lower(User.display_name).contains(filters.q.lower()))
    pairs = session.execute(query).tuples().all()
    ids = [p.user_id for p, _ in pairs]
    reach = reachability_for(session, ids)
    loads = load_for(session, now, ids)
    on_call = set(on_call_consultant_ids(session, now))
    rows = []
    for profile, user in pairs:
        if not _reach_matches(filters.reach, reach[user.id]):
            continue
        status = credential_status(profile.credential_expires_on, profile.timezone, now)
        if filters.credential in ("expired", "expiring") and status != filters.credential:
            continue
        rows.append(
            PoolRow(
                user_id=user.id,
                name=user.display_name,
                email=user.email,
                state=profile.vetting_state,
                languages=sorted(x.language for x in profile.languages),
                expertise=sorted(x.tag for x in profile.expertise),
                regions=sorted(x.region for x in profile.regions),
                profession=profile.profession,
                expires_on=profile.credential_expires_on,
                credential_status=status,
                vetted_by_operator=profile.vetted_by_operator,
                takes_clients=profile.takes_clients,
                load=loads.get(user.id, NO_LOAD),
                on_call_now=user.id in on_call,
                last_active_at=_latest(profile.last_active_at, user.last_login_at),
                reach=reach[user.id],
                limit=profile.open_consult_limit,
            )
        )
    return _sorted(rows, filters.sort)


def _latest(*values: datetime | None) -> datetime | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _sorted(rows: list[PoolRow], sort: str) -> list[PoolRow]:
    by_name = sorted(rows, key=lambda r: (r.name.lower(), r.user_id))
    if sort == "name":
        return by_name
    if sort == "last_active":
        return sorted(
            by_name, key=lambda r: -(r.last_active_at.timestamp() if r.last_active_at else 0)
        )
    if sort == "expiry":
        return sorted(by_name, key=lambda r: (r.expires_on is None, r.expires_on or date.max))
    # Default: who carries the most first (open consults, then the last 30 days).
    return sorted(by_name, key=lambda r: (-r.load.open, -r.load.recent))


# --- CSV -------------------------------------------------------------------------------------

CSV_COLUMNS = [
    "name",
    "state",
    "on_call_now",
    "languages",
    "expertise",
    "regions",
    "profession",
    "takes_clients",
    "credential_expires_on",
    "credential_status",
    "vetted_by_operator",
    "open_consults",
    "open_consult_limit",
    "consults_last_30_days",
    "last_active_at",
    "reachability",
]


def _safe(value: object) -> str:
    """Spreadsheet programs run cells that start like a formula; make them plain text."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_csv(
    session: Session,
    now: datetime,
    coordinator: User,
    filters: Filters,
    include_contact: bool,
    ip: str | None = None,
) -> str:
    if coordinator.role != Role.COORDINATOR.value:
        raise PermissionError("coordinators only")
    rows = pool_rows(session, now, filters)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS + (["email"] if include_contact else []))
    for r in rows:
        line = [
            r.name,
            r.state,
            "yes" if r.on_call_now else "no",
            " ".join(r.languages),
            " ".join(r.expertise),
            "; ".join(r.regions),
            r.profession,
            "yes" if r.takes_clients else "no",
            r.expires_on.isoformat() if r.expires_on else "",
            r.credential_status,
            "yes" if r.vetted_by_operator else "no",
            r.load.open,
            r.limit,
            r.load.recent,
            r.last_active_at.isoformat(timespec="minutes") if r.last_active_at else "",
            r.reach.status.value,
        ]
        if include_contact:
            line.append(r.email)
        writer.writerow([_safe(v) for v in line])
    audit.record(
        session,
        now,
        "pool.exported",
        actor_id=coordinator.id,
        object_type="pool",
        ip=ip,
        details={"rows": len(rows), "include_contact": include_contact, **filters.as_details()},
    )
    return out.getvalue()
