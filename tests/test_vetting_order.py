"""Vetting in the order it is done (issue 17, item 12): the credential above "mark as vetted",
recording and vetting in one step, a submission that keeps what was typed, and coordinators
told (through the outbox, generically) when a consultant submits."""

from __future__ import annotations

from datetime import UTC, datetime

from mentor_app.notifications.models import OutboxMessage
from mentor_app.pool import vetting
from mentor_app.pool.models import ConsultantProfile
from tests.pool_helpers import set_profile
from tests.test_pool_vetting import audit_actions, invited, post

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
CREDENTIAL = {
    "profession": "Psychologist",
    "credential_register": "National register",
    "credential_number": "PS-1234",
}


def _submitted(db, consultant_id: int) -> None:  # type: ignore[no-untyped-def]
    invited(db, consultant_id)
    set_profile(db, consultant_id, vetting_state=vetting.SUBMITTED)
    db.commit()


def _state(db, consultant_id: int) -> str:  # type: ignore[no-untyped-def]
    db.expire_all()
    return db.get(ConsultantProfile, consultant_id).vetting_state


def test_credential_comes_before_mark_as_vetted(actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(NOW)
    _c, consultant_id = actors.signed_in("consultant")
    coordinator, _ = actors.signed_in("coordinator")
    _submitted(db, consultant_id)
    page = coordinator.get(f"/pool/{consultant_id}").get_data(as_text=True)
    assert page.index('id="cred-h"') < page.index('id="vetting-h"')
    assert "Record credential and mark as vetted" in page


def test_record_credential_and_vet_in_one_step(actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(NOW)
    _c, consultant_id = actors.signed_in("consultant")
    coordinator, _ = actors.signed_in("coordinator")
    _submitted(db, consultant_id)
    done = post(
        coordinator,
        f"/pool/{consultant_id}/credential",
        **CREDENTIAL,
        credential_verified_on="2026-05-30",
        and_vet="1",
    )
    assert done.status_code == 302
    assert _state(db, consultant_id) == vetting.VETTED
    assert audit_actions(db, consultant_id)[-2:] == ["pool.credential_recorded", "pool.vetted"]


def test_a_refused_vet_keeps_the_typed_credential_and_saves_nothing(actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(NOW)
    _c, consultant_id = actors.signed_in("consultant")
    coordinator, _ = actors.signed_in("coordinator")
    _submitted(db, consultant_id)
    # No verification date: vetting is refused, so the whole step is.
    refused = post(coordinator, f"/pool/{consultant_id}/credential", **CREDENTIAL, and_vet="1")
    assert refused.status_code == 400
    assert 'value="PS-1234"' in refused.get_data(as_text=True)
    assert _state(db, consultant_id) == vetting.SUBMITTED
    assert "pool.credential_recorded" not in audit_actions(db, consultant_id)


def test_consultant_submits_in_one_step_and_coordinators_are_told(actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(NOW)
    consultant, consultant_id = actors.signed_in("consultant", name="Very Secret Name")
    _coordinator, coordinator_id = actors.signed_in("coordinator")
    invited(db, consultant_id)
    page = consultant.get("/pool/me").get_data(as_text=True)
    assert 'name="and_submit"' in page
    done = post(consultant, "/pool/me/credential", **CREDENTIAL, and_submit="1")
    assert done.status_code == 302
    assert _state(db, consultant_id) == vetting.SUBMITTED
    rows = db.query(OutboxMessage).filter_by(kind="pool.submitted").all()
    assert [r.user_id for r in rows] == [coordinator_id]
    payload = str(rows[0].payload)
    assert "Very Secret" not in payload and "PS-1234" not in payload and "Psycholog" not in payload


def test_a_submission_with_a_missing_field_keeps_what_was_typed(actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(NOW)
    consultant, consultant_id = actors.signed_in("consultant")
    invited(db, consultant_id)
    refused = post(
        consultant,
        "/pool/me/credential",
        profession="Psychologist",
        credential_register="National register",
        credential_number="",
        and_submit="1",
    )
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert 'value="Psychologist"' in html and 'value="National register"' in html
    assert _state(db, consultant_id) == vetting.INVITED
    assert db.query(OutboxMessage).filter_by(kind="pool.submitted").count() == 0
