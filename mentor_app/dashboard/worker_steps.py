"""The dashboard's daily worker steps: retention, and a check of the audit chain.

Both are safe with several workers: purging only touches rows still due, and verifying only
reads. Each run leaves one audit row with counts (never content), so the log shows that
retention ran even on days with nothing to delete.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from mentor_app.audit import services as audit
from mentor_app.dashboard import retention, stale
from mentor_app.worker.loop import register

DAY = 24 * 60 * 60.0
HOUR = 60 * 60.0


def _policy() -> retention.RetentionPolicy:
    if has_app_context():
        return retention.RetentionPolicy.from_config(current_app.config)
    return retention.RetentionPolicy()


@register("retention-purge", every=DAY)
def purge_expired_content(session: Session, now: datetime) -> int:
    counts = retention.purge(session, now, _policy())
    return counts.consults + counts.messages + counts.subscriptions


@register("close-stale-consults", every=HOUR)
def close_stale_consults(session: Session, now: datetime) -> int:
    return stale.close_stale(session, now, _policy())


@register("audit-verify", every=DAY)
def verify_audit_chain(session: Session, now: datetime) -> int:
    result = audit.verify(session)
    audit.record(
        session,
        now,
        "audit.verified",
        object_type="audit_log",
        details={
            "ok": result.ok,
            "checked": result.checked,
            "unsealed": result.unsealed,
            "problems": len(result.problems),
            "by": "worker",
        },
    )
    # Idle-loop accounting: a check is not "work done", so the worker may sleep afterwards.
    return 0
