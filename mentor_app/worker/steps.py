"""Steps every deployment runs. Domains register theirs in their own `worker_steps` modules."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from mentor_app.audit import services as audit
from mentor_app.worker.loop import register


@register("audit-seal", every=5.0)
def seal_audit_log(session: Session, now: datetime) -> int:
    return audit.seal(session)
