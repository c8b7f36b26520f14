"""Recording audit events and sealing them into a tamper-evident hash chain.

Requests only insert rows (cheap, no lock). The worker's `seal` step gives each unsealed row the
next position in the chain and a SHA-256 over its content and the previous row's hash, under one
lock, so concurrent requests never fork the chain, and records the new head as a checkpoint.
`verify` recomputes the chain: an edited or deleted sealed row breaks it, and rows cut off the end
(or a chain recomputed after an edit) disagree with the checkpoints.

Nothing in the app updates or deletes audit rows; only `seal` fills the three chain columns of
rows that have none yet.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from mentor_app.audit.models import AuditCheckpoint, AuditEvent

GENESIS = "0" * 64
_SEAL_LOCK_KEY = 0x6D656E746F72  # arbitrary, stable advisory-lock id


def record(
    session: Session,
    now: datetime,
    action: str,
    *,
    actor_id: int | None = None,
    object_type: str | None = None,
    object_id: object = None,
    ip: str | None = None,
    details: dict | None = None,
) -> None:
    # A plain INSERT, not an ORM object: nearly every write records one, and nothing reads the
    # row back in the same transaction.
    session.execute(
        insert(AuditEvent).values(
            at=now,
            actor_id=actor_id,
            action=action,
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            ip=ip,
            details=details or {},
        )
    )


def _canonical(event: AuditEvent) -> bytes:
    body = {
        "id": event.id,
        "at": event.at.isoformat(),
        "actor_id": event.actor_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "ip": event.ip,
        "details": event.details,
        "seq": event.seq,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def row_hash(event: AuditEvent, prev_hash: str) -> str:
    return hashlib.sha256(prev_hash.encode() + _canonical(event)).hexdigest()


def seal(session: Session, batch: int = 1000) -> int:
    """Chain every unsealed row (oldest id first). Returns how many were sealed."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SEAL_LOCK_KEY})
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.row_hash)
        .where(AuditEvent.seq.is_not(None))
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    seq, prev = (last[0], last[1]) if last else (0, GENESIS)
    pending = session.scalars(
        select(AuditEvent).where(AuditEvent.seq.is_(None)).order_by(AuditEvent.id).limit(batch)
    ).all()
    for event in pending:
        seq += 1
        event.seq = seq
        event.prev_hash = prev
        event.row_hash = row_hash(event, prev)
        prev = event.row_hash
    if pending:
        session.add(AuditCheckpoint(seq=seq, row_hash=prev, event_at=pending[-1].at))
    session.flush()
    return len(pending)


@dataclass
class VerifyResult:
    checked: int
    unsealed: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(session: Session) -> VerifyResult:
    problems: list[str] = []
    prev = GENESIS
    expected_seq = 1
    checked = 0
    checkpoints = dict(session.execute(select(AuditCheckpoint.seq, AuditCheckpoint.row_hash)).all())
    rows = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.seq.is_not(None))
        .order_by(AuditEvent.seq)
        .execution_options(yield_per=2000)
    )
    for event in rows:
        checked += 1
        if event.seq != expected_seq:
            problems.append(f"row(s) missing before chain position {event.seq} (id {event.id})")
        if event.prev_hash != prev:
            problems.append(f"chain broken at position {event.seq} (id {event.id})")
        if event.row_hash != row_hash(event, event.prev_hash or ""):
            problems.append(f"row changed at position {event.seq} (id {event.id})")
        recorded = checkpoints.get(event.seq or 0)
        if recorded is not None and recorded != event.row_hash:
            problems.append(
                f"chain rewritten: position {event.seq} differs from its sealing checkpoint"
            )
        prev = event.row_hash or ""
        expected_seq = (event.seq or 0) + 1
    last_checkpoint = max(checkpoints, default=0)
    if last_checkpoint >= expected_seq:
        problems.append(
            f"row(s) missing at the end of the chain: positions {expected_seq} to "
            f"{last_checkpoint} were sealed and are gone"
        )
    unsealed = session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.seq.is_(None))
    )
    return VerifyResult(checked=checked, unsealed=unsealed or 0, problems=problems)


def head(session: Session) -> tuple[int, str]:
    """The chain's last position and hash (GENESIS at 0 when nothing is sealed yet)."""
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.row_hash)
        .where(AuditEvent.seq.is_not(None))
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    return (last[0], last[1]) if last else (0, GENESIS)
