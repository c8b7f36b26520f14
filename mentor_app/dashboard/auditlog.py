"""Reading the audit log for coordinators: filters, pages, export. Never writes to it except to
record that it was exported or verified (the log itself is append-only)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from mentor_app import timeutil
from mentor_app.accounts.models import User
from mentor_app.accounts.services import find_user_by_email
from mentor_app.audit.models import AuditEvent
from mentor_app.validation import date_in_range, parse_id, range_message

PER_PAGE = 50
MAX_PAGE = 10_000
EXPORT_LIMIT = 100_000
_OBJECT_TYPE = re.compile(r"^[a-z_]{1,32}$")
_OBJECT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_ACTION = re.compile(r"^[a-z0-9_.-]{1,64}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class AuditFilter:
    user_id: int | None = None  # by this user, or about this user's account
    object_type: str | None = None
    object_id: str | None = None
    action: str | None = None  # the action or its beginning ("consult." = every consult action)
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    zone: str = "UTC"  # the days above are days of this zone: the viewer's (timeutil.py)

    def as_details(self) -> dict[str, object]:
        """For the audit row of an export: the filter's values (all validated codes)."""
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items()}


def parse_filter(
    session: Session, args: Mapping[str, str], zone: str = "UTC"
) -> tuple[AuditFilter, list]:
    """Validate query parameters. Bad ones are dropped and reported, never passed on. Dates
    are days of `zone` (the viewer's)."""
    errors: list = []
    values: dict[str, object] = {"zone": zone}
    user = (args.get("user") or "").strip()
    if user:
        values["user_id"] = _user_id(session, user, errors)
    for name, pattern, message in (
        ("object_type", _OBJECT_TYPE, _l("Object type: lower-case letters and _ only.")),
        ("object_id", _OBJECT_ID, _l("Object id: letters, digits and . _ : - only.")),
        ("action", _ACTION, _l("Action: lower-case letters, digits and . _ - only.")),
    ):
        raw = (args.get(name) or "").strip()
        if raw and pattern.fullmatch(raw):
            values[name] = raw
        elif raw:
            errors.append(message)
    for name in ("date_from", "date_to"):
        raw = (args.get(name) or "").strip()
        if raw:
            try:
                if not _DATE.fullmatch(raw):
                    raise ValueError(raw)
                values[name] = date.fromisoformat(raw)
            except ValueError:
                errors.append(_l("Dates look like 2026-03-31."))
                continue
            if not date_in_range(values[name]):  # type: ignore[arg-type]
                errors.append(range_message())
                values.pop(name)
    if (
        values.get("date_from")
        and values.get("date_to")
        and values["date_from"] > values["date_to"]
    ):  # type: ignore[operator]
        errors.append(_l("The first date must not be after the last."))
        values.pop("date_to")
    return AuditFilter(**values), errors  # type: ignore[arg-type]


def _user_id(session: Session, text: str, errors: list) -> int | None:
    if text.isdigit():
        user_id = parse_id(text)
        if user_id is None:
            errors.append(_l("No account has that number."))
        return user_id
    if "@" in text and len(text) <= 254:
        user = find_user_by_email(session, text)
        if user is not None:
            return user.id
        errors.append(_l("No account has that e-mail address."))
        return None
    errors.append(_l("User: an account number or an e-mail address."))
    return None


def parse_page(raw: str | None) -> int:
    if raw and raw.isdigit() and len(raw) <= 6:
        return min(max(int(raw), 1), MAX_PAGE)
    return 1


def _query(criteria: AuditFilter) -> Select:
    query = select(AuditEvent, User.display_name).outerjoin(User, User.id == AuditEvent.actor_id)
    if criteria.user_id is not None:
        query = query.where(
            or_(
                AuditEvent.actor_id == criteria.user_id,
                and_(
                    AuditEvent.object_type == "user",
                    AuditEvent.object_id == str(criteria.user_id),
                ),
            )
        )
    if criteria.object_type:
        query = query.where(AuditEvent.object_type == criteria.object_type)
    if criteria.object_id:
        query = query.where(AuditEvent.object_id == criteria.object_id)
    if criteria.action:
        query = query.where(AuditEvent.action.startswith(criteria.action, autoescape=True))
    if criteria.date_from:
        query = query.where(AuditEvent.at >= timeutil.day_start(criteria.date_from, criteria.zone))
    if criteria.date_to:
        end = timeutil.day_start(criteria.date_to + timedelta(days=1), criteria.zone)
        query = query.where(AuditEvent.at < end)
    return query.order_by(AuditEvent.id.desc())


@dataclass(frozen=True)
class Entry:
    event: AuditEvent
    actor_name: str | None

    @property
    def details_text(self) -> str:
        return details_text(self.event.details)


def details_text(details: dict | None) -> str:
    return ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in (details or {}).items())


def page_of(session: Session, criteria: AuditFilter, page: int) -> tuple[list[Entry], bool]:
    """One page (newest first) and whether there is another after it."""
    rows = session.execute(_query(criteria).limit(PER_PAGE + 1).offset((page - 1) * PER_PAGE)).all()
    entries = [Entry(event, name) for event, name in rows[:PER_PAGE]]
    return entries, len(rows) > PER_PAGE


def export_csv(session: Session, criteria: AuditFilter) -> tuple[str, int, bool]:
    """CSV text, how many rows it holds, and whether the limit cut it short."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        (
            "id",
            "seq",
            "at",
            "actor_id",
            "actor",
            "action",
            "object_type",
            "object_id",
            "ip",
            "details",
            "row_hash",
        )
    )
    count = 0
    rows = session.execute(
        _query(criteria).limit(EXPORT_LIMIT + 1).execution_options(yield_per=2000)
    )
    truncated = False
    for event, name in rows:
        if count == EXPORT_LIMIT:
            truncated = True
            break
        count += 1
        writer.writerow(
            tuple(
                _spreadsheet_safe(v)
                for v in (
                    event.id,
                    event.seq,
                    event.at.isoformat(),
                    event.actor_id,
                    name,
                    event.action,
                    event.object_type,
                    event.object_id,
                    event.ip,
                    details_text(event.details),
                    event.row_hash,
                )
            )
        )
    return buffer.getvalue(), count, truncated


def _spreadsheet_safe(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def last_verification(session: Session) -> AuditEvent | None:
    """The newest recorded chain check (by a coordinator or the daily worker step)."""
    return session.scalar(
        select(AuditEvent)
        .where(AuditEvent.action == "audit.verified")
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
