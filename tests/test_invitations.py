"""Invitation-only accounts: single-use links that expire in 72 hours; strong passwords."""

from __future__ import annotations

import re

import pytest

from mentor_app.accounts import passwords
from mentor_app.accounts.models import Invitation, User
from mentor_app.audit.models import AuditEvent
from tests.conftest import csrf_from, csrf_token

STRONG = "pelican-umbrella-syntax-forty"


def _invite(client, email="new.person@example.org", role="consultant") -> str:  # type: ignore[no-untyped-def]
    response = client.post(
        "/admin/users/invite",
        data={
            "email": email,
            "display_name": "New Person",
            "role": role,
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 200
    return re.search(r'value="(http[^"]+/invite#[^"]+)"', response.get_data(as_text=True)).group(1)


def _accept(app, link: str, password: str = STRONG):  # type: ignore[no-untyped-def]
    """What the invitee's browser does: open /invite, post the #fragment, choose a password."""
    client = app.test_client()
    token = link.split("#", 1)[1]
    page = client.get("/invite")
    opened = client.post("/invite/open", data={"token": token, "csrf_token": csrf_from(page)})
    if opened.status_code != 303:
        return client, opened
    page = client.get(opened.headers["Location"])
    return client, client.post(
        "/invite", data={"password": password, "confirm": password, "csrf_token": csrf_from(page)}
    )


def test_invite_then_accept_forces_two_factor_for_consultants(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    coordinator, _ = actors.signed_in("coordinator")
    link = _invite(coordinator)
    _client, response = _accept(app, link)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/2fa/setup")
    user = db.query(User).filter_by(email="new.person@example.org").one()
    assert user.role == "consultant"
    assert user.password_hash.startswith("$argon2id$")
    actions = {e.action for e in db.query(AuditEvent)}
    assert {"invitation.created", "invitation.accepted"} <= actions


def test_invitation_link_works_once(app, actors) -> None:  # type: ignore[no-untyped-def]
    coordinator, _ = actors.signed_in("coordinator")
    link = _invite(coordinator, role="mentor")
    _, first = _accept(app, link)
    assert first.status_code == 302
    _, second = _accept(app, link)
    assert second.status_code == 410


def test_invitation_expires_after_72_hours(app, actors, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze()
    coordinator, _ = actors.signed_in("coordinator")
    link = _invite(coordinator, role="mentor")
    clock.advance(hours=72, seconds=1)
    _, response = _accept(app, link)
    assert response.status_code == 410


@pytest.mark.parametrize("password", ["short-pw", "password1234", "qwertyuiopasdf", "x" * 129])
def test_weak_passwords_are_refused(app, actors, db, password) -> None:  # type: ignore[no-untyped-def]
    coordinator, _ = actors.signed_in("coordinator")
    link = _invite(coordinator, role="mentor")
    _, response = _accept(app, link, password)
    assert response.status_code == 400
    assert db.query(User).filter_by(email="new.person@example.org").count() == 0
    assert db.query(Invitation).filter(Invitation.used_at.is_not(None)).count() == 0


def test_password_policy_bounds(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        assert passwords.password_problems("a" * 11)
        assert passwords.password_problems("x" * 129)
        assert passwords.password_problems(STRONG) == []
        assert passwords.password_problems("Password12345") != []


def test_no_open_sign_up(app) -> None:  # type: ignore[no-untyped-def]
    rules = {r.rule for r in app.url_map.iter_rules()}
    assert not any("register" in r or "signup" in r for r in rules)


def test_role_change_is_audited_and_signs_out(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    coordinator, _ = actors.signed_in("coordinator")
    target_id, email = actors.create("mentor")
    phone = app.test_client()
    actors.login(phone, email)
    response = coordinator.post(
        f"/admin/users/{target_id}/role",
        data={"role": "consultant", "csrf_token": csrf_token(coordinator)},
    )
    assert response.status_code == 302
    assert phone.get("/account/settings").status_code == 302
    event = db.query(AuditEvent).filter_by(action="user.role_changed").one()
    assert event.details == {"from": "mentor", "to": "consultant"}
