"""Consultants provisioned outside the vetting workflow: by the `create-user` command."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from mentor_app.accounts.models import Role, User
from mentor_app.accounts.services import AccountError
from mentor_app.audit import services as audit
from mentor_app.pool import services, validation, vetting
from mentor_app.pool.models import ConsultantExpertise


def create_user_hook(session: Session, now: datetime, user: User, expertise: list[str]) -> None:
    """A consultant created on the command line counts as vetted by the operator who ran it:
    active at once, languages from the account, no credential expiry until one is recorded."""
    if user.role != Role.CONSULTANT.value:
        if expertise:
            raise AccountError("--expertise is only for consultants.")
        return
    try:
        tags = validation.clean_tags(session, expertise)
        validation.clean_languages(user.language_list)
    except services.PoolError as err:
        raise AccountError(str(err)) from err
    profile = services.ensure_profile(session, now, user)
    profile.vetting_state = vetting.ACTIVE
    profile.vetted_by_operator = True
    profile.vetted_at = now
    profile.expertise = [ConsultantExpertise(tag=t) for t in tags]
    session.flush()
    audit.record(
        session,
        now,
        "pool.vetted_by_operator",
        object_type="consultant",
        object_id=user.id,
        details={"via": "create-user command", "expertise": tags, "languages": user.language_list},
    )
