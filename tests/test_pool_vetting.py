"""Vetting: the state machine through the pages, who may do what, and the audit trail."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from mentor_app.audit.models import AuditEvent
from mentor_app.pool import vetting
from mentor_app.pool.models import ConsultantProfile
from tests.conftest import csrf_token
from tests.pool_helpers import set_profile

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def post(client, path: str, **data):  # type: ignore[no-untyped-def]
    return client.post(path, data={"csrf_token": csrf_token(client), **data})


def audit_actions(db, consultant_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    return list(
        db.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_type == "consultant")
            .where(AuditEvent.object_id == str(consultant_id))
            .order_by(AuditEvent.id)
        )
    )


def invited(db, consultant_id: int) -> None:  # type: ignore[no-untyped-def]
    set_profile(db, consultant_id, vetting_state=vetting.INVITED, vetted_at=None)
    set_profile(db, consultant_id, vetted_by_operator=False)
    db.commit()


def test_full_vetting_path(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(NOW)
    consultant, consultant_id = actors.signed_in("consultant")
    coordinator, coordinator_id = actors.signed_in("coordinator")
    invited(db, consultant_id)
    own_page = consultant.get("/pool/me").get_data(as_text=True)
    assert "Submit for vetting" in own_page and "Registration number" in own_page

    # Submitting without a credential is refused with a reason.
    refused = post(consultant, f"/pool/{consultant_id}/state", action="submit")
    assert refused.status_code == 400
    assert "profession" in refused.get_data(as_text=True)
    assert (
        post(
            consultant,
            "/pool/me/credential",
            profession="Psychologist",
            credential_register="National register",
            credential_number="PS-1234",
        ).status_code
        == 302
    )
    assert post(consultant, f"/pool/{consultant_id}/state", action="submit").status_code == 302
    # The consultant cannot vet themself.
    self_vet = post(consultant, f"/pool/{consultant_id}/state", action="vet")
    assert self_vet.status_code == 400 and "coordinator" in self_vet.get_data(as_text=True)

    # Vetting needs the verification date recorded first.
    assert post(coordinator, f"/pool/{consultant_id}/state", action="vet").status_code == 400
    assert (
        post(
            coordinator,
            f"/pool/{consultant_id}/credential",
            profession="Psychologist",
            credential_register="National register",
            credential_number="PS-1234",
            credential_verified_on="2026-05-30",
            credential_expires_on="2028-05-30",
        ).status_code
        == 302
    )
    assert post(coordinator, f"/pool/{consultant_id}/state", action="vet").status_code == 302
    profile = db.get(ConsultantProfile, consultant_id)
    db.refresh(profile)
    assert profile.vetting_state == vetting.VETTED
    assert (profile.vetted_by_id, profile.vetted_at) == (coordinator_id, NOW)

    assert post(coordinator, f"/pool/{consultant_id}/state", action="activate").status_code == 302
    # Suspending needs a reason code; the short note stays on the profile, not in the log.
    assert post(coordinator, f"/pool/{consultant_id}/state", action="suspend").status_code == 400
    assert (
        post(
            coordinator,
            f"/pool/{consultant_id}/state",
            action="suspend",
            reason_code="on_leave",
            note="Parental leave until spring",
        ).status_code
        == 302
    )
    db.refresh(profile)
    assert (profile.vetting_state, profile.state_reason_code) == ("suspended", "on_leave")
    assert profile.state_reason == "Parental leave until spring"
    assert (
        post(
            coordinator,
            f"/pool/{consultant_id}/state",
            action="reactivate",
            reason_code="back_from_leave",
        ).status_code
        == 302
    )
    db.refresh(profile)
    assert profile.vetting_state == vetting.ACTIVE

    assert audit_actions(db, consultant_id) == [
        "pool.credential_submitted",
        "pool.submitted",
        "pool.credential_recorded",
        "pool.vetted",
        "pool.activated",
        "pool.suspended",
        "pool.reactivated",
    ]
    suspended = db.scalar(select(AuditEvent).where(AuditEvent.action == "pool.suspended"))
    assert suspended.actor_id == coordinator_id
    assert suspended.details == {"from": "active", "to": "suspended", "reason_code": "on_leave"}
    assert "leave until" not in str(suspended.details)


def test_only_coordinators_vet_suspend_activate(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    consultant, consultant_id = actors.signed_in("consultant")
    mentor, _ = actors.signed_in("mentor")
    other, _ = actors.signed_in("consultant")
    before = audit_actions(db, consultant_id)
    for action, extra in [("suspend", {"reason_code": "on_leave"}), ("vet", {}), ("activate", {})]:
        own = post(consultant, f"/pool/{consultant_id}/state", action=action, **extra)
        assert own.status_code == 400  # refused by the rules, with the reason shown
        assert post(other, f"/pool/{consultant_id}/state", action=action).status_code == 404
        assert post(mentor, f"/pool/{consultant_id}/state", action=action).status_code == 403
    assert (
        post(consultant, f"/pool/{consultant_id}/limits", open_consult_limit="9").status_code == 403
    )
    assert post(consultant, f"/pool/{consultant_id}/credential").status_code == 403
    assert db.get(ConsultantProfile, consultant_id).vetting_state == vetting.ACTIVE
    assert audit_actions(db, consultant_id) == before


def test_expiry_must_come_after_verification(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(NOW)
    coordinator, _ = actors.signed_in("coordinator")
    consultant_id, _ = actors.create("consultant")
    cases = [
        ("2026-05-01", "2026-04-30", "must expire after"),
        ("2026-05-01", "2026-05-01", "must expire after"),
        ("", "2027-01-01", "verified"),
        ("2026-07-01", "2027-07-01", "future"),
    ]
    for verified, expires, message in cases:
        response = post(
            coordinator,
            f"/pool/{consultant_id}/credential",
            credential_number="X-1",
            credential_verified_on=verified,
            credential_expires_on=expires,
        )
        assert response.status_code == 400, (verified, expires)
        assert message in response.get_data(as_text=True)
    profile = db.get(ConsultantProfile, consultant_id)
    assert (profile.credential_number, profile.credential_expires_on) == ("", None)
    assert (
        db.scalar(select(func.count()).where(AuditEvent.action == "pool.credential_recorded")) == 0
    )


def test_an_expired_credential_blocks_activation(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(NOW)
    coordinator, _ = actors.signed_in("coordinator")
    consultant_id, _ = actors.create("consultant")
    set_profile(
        db,
        consultant_id,
        vetting_state=vetting.SUSPENDED,
        credential_verified_on=date(2024, 1, 1),
        credential_expires_on=date(2026, 5, 31),
    )
    db.commit()
    response = post(
        coordinator, f"/pool/{consultant_id}/state", action="reactivate", reason_code="other"
    )
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)
    assert db.get(ConsultantProfile, consultant_id).vetting_state == vetting.SUSPENDED
    # The profile page says so, and so does the list.
    page = coordinator.get(f"/pool/{consultant_id}").get_data(as_text=True)
    assert "expired: not routed" in page
    listing = coordinator.get("/pool/?credential=expired").get_data(as_text=True)
    assert "credential expired" in listing


def test_return_for_changes(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    coordinator, _ = actors.signed_in("coordinator")
    consultant_id, _ = actors.create("consultant")
    set_profile(db, consultant_id, vetting_state=vetting.SUBMITTED)
    db.commit()
    assert (
        post(
            coordinator,
            f"/pool/{consultant_id}/state",
            action="return",
            reason_code="credential_incomplete",
        ).status_code
        == 302
    )
    assert db.get(ConsultantProfile, consultant_id).vetting_state == vetting.INVITED


def test_invited_consultant_gets_a_profile_on_first_visit(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    from mentor_app.accounts.models import User

    coordinator, _ = actors.signed_in("coordinator")
    consultant_id, _ = actors.create("consultant")
    db.delete(db.get(ConsultantProfile, consultant_id))  # as if invited before the pool existed
    db.commit()
    assert db.get(User, consultant_id) is not None
    assert coordinator.get("/pool/").status_code == 200
    profile = db.get(ConsultantProfile, consultant_id)
    assert profile is not None and profile.vetting_state == vetting.INVITED
