"""Account recovery (issue 17, item 10): a coordinator resets someone's two-factor or sends a
password-reset link; anyone can ask for a link from the login page."""

from __future__ import annotations

import re

import pytest

from mentor_app.accounts.models import PasswordReset, RecoveryCode, User
from mentor_app.audit.models import AuditEvent
from mentor_app.notifications.models import OutboxMessage
from tests.conftest import PASSWORD, csrf_from, csrf_token

NEW_PASSWORD = "lantern-harbour-violet-ninety"


def _actions(db) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.action for e in db.query(AuditEvent).order_by(AuditEvent.id)]


def _signed_in(client) -> bool:  # type: ignore[no-untyped-def]
    return client.get("/account/settings").status_code == 200


def _reset_token(db, user_id: int) -> str:  # type: ignore[no-untyped-def]
    db.expire_all()
    row = (
        db.query(OutboxMessage)
        .filter_by(user_id=user_id, kind="account.password_reset")
        .order_by(OutboxMessage.id.desc())
        .first()
    )
    assert row is not None and row.fallback_at is not None  # by e-mail, not as a push
    path, token = row.payload["url"].split("#", 1)
    assert path == "/password/reset"
    return token


def _use_link(app, token: str, password: str = NEW_PASSWORD):  # type: ignore[no-untyped-def]
    """What the browser does with the link: open the page, post the #fragment, set a password."""
    client = app.test_client()
    page = client.get("/password/reset")
    opened = client.post(
        "/password/reset/open", data={"token": token, "csrf_token": csrf_from(page)}
    )
    if opened.status_code != 303:
        return opened
    page = client.get(opened.headers["Location"])
    return client.post(
        "/password/reset",
        data={"password": password, "confirm": password, "csrf_token": csrf_from(page)},
    )


def _coordinator_posts(coordinator, path: str):  # type: ignore[no-untyped-def]
    return coordinator.post(path, data={"csrf_token": csrf_token(coordinator)})


def test_two_factor_reset_ends_sessions_and_forces_enrolment(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    coordinator, _ = actors.signed_in("coordinator")
    consultant_id, email = actors.create("consultant")
    consultant = app.test_client()
    actors.login(consultant, email)
    assert _signed_in(consultant)

    response = _coordinator_posts(coordinator, f"/admin/users/{consultant_id}/reset-two-factor")
    assert response.status_code == 302

    assert not _signed_in(consultant)
    db.expire_all()
    user = db.get(User, consultant_id)
    assert not user.has_two_factor and user.totp_secret is None
    assert db.query(RecoveryCode).filter_by(user_id=consultant_id).count() == 0
    assert "user.2fa_reset" in _actions(db)
    # The password alone now leads to enrolment, not to the app.
    again = app.test_client()
    login = again.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf_from(again.get("/login"))},
    )
    assert login.headers["Location"].endswith("/account/2fa/setup")


def test_coordinator_cannot_reset_own_two_factor(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    coordinator, coordinator_id = actors.signed_in("coordinator")
    response = _coordinator_posts(coordinator, f"/admin/users/{coordinator_id}/reset-two-factor")
    assert response.status_code == 303
    db.expire_all()
    assert db.get(User, coordinator_id).has_two_factor


def test_reset_link_is_single_use_audited_and_signs_out_everywhere(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    coordinator, _ = actors.signed_in("coordinator")
    mentor_id, email = actors.create("mentor")
    mentor = app.test_client()
    actors.login(mentor, email)

    sent = _coordinator_posts(coordinator, f"/admin/users/{mentor_id}/password-reset")
    assert sent.status_code == 302
    token = _reset_token(db, mentor_id)
    assert _signed_in(mentor)  # sending alone changes nothing

    done = _use_link(app, token)
    assert done.status_code == 303 and done.headers["Location"].endswith("/login")
    assert not _signed_in(mentor)
    actors.login(app.test_client(), email, NEW_PASSWORD)
    assert _use_link(app, token).status_code == 410  # once only
    actions = _actions(db)
    assert "user.password_reset_sent" in actions and "user.password_reset" in actions


def test_reset_link_expires_after_an_hour(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze()
    coordinator, _ = actors.signed_in("coordinator")
    mentor_id, _email = actors.create("mentor")
    _coordinator_posts(coordinator, f"/admin/users/{mentor_id}/password-reset")
    token = _reset_token(db, mentor_id)
    clock.advance(hours=1, seconds=1)
    assert _use_link(app, token).status_code == 410


def test_a_new_link_replaces_the_old_one(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    coordinator, _ = actors.signed_in("coordinator")
    mentor_id, _email = actors.create("mentor")
    _coordinator_posts(coordinator, f"/admin/users/{mentor_id}/password-reset")
    first = _reset_token(db, mentor_id)
    _coordinator_posts(coordinator, f"/admin/users/{mentor_id}/password-reset")
    assert _use_link(app, first).status_code == 410
    assert _use_link(app, _reset_token(db, mentor_id)).status_code == 303


def _forgot(client, email: str):  # type: ignore[no-untyped-def]
    page = client.get("/password/forgot")
    return client.post("/password/forgot", data={"email": email, "csrf_token": csrf_from(page)})


def test_forgot_password_answers_the_same_for_any_address(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    mentor_id, email = actors.create("mentor")
    known = _forgot(app.test_client(), email)
    unknown = _forgot(app.test_client(), "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True).replace(
        csrf_from(unknown), csrf_from(known)
    )
    assert db.query(PasswordReset).filter_by(user_id=mentor_id).count() == 1
    assert db.query(OutboxMessage).filter_by(kind="account.password_reset").count() == 1
    assert _use_link(app, _reset_token(db, mentor_id)).status_code == 303


def test_forgot_password_is_rate_limited_per_address(app, actors) -> None:  # type: ignore[no-untyped-def]
    _id, email = actors.create("mentor")
    statuses = [_forgot(app.test_client(), email).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_the_login_page_links_to_forgot_password(client) -> None:  # type: ignore[no-untyped-def]
    assert 'href="/password/forgot"' in client.get("/login").get_data(as_text=True)


@pytest.mark.parametrize("token", ["", "x" * 101])
def test_bad_tokens_are_400(client, token: str) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/password/reset")
    response = client.post(
        "/password/reset/open", data={"token": token, "csrf_token": csrf_from(page)}
    )
    assert response.status_code == 400


def test_recovery_codes_can_be_copied_and_downloaded(app, actors, clock) -> None:  # type: ignore[no-untyped-def]
    import urllib.parse

    import pyotp

    from tests.conftest import enrolment_key

    client, _ = actors.signed_in("mentor")
    page = client.get("/account/2fa/setup")
    code = pyotp.TOTP(enrolment_key(page)).at(clock())
    shown = client.post("/account/2fa/setup", data={"code": code, "csrf_token": csrf_from(page)})
    html = shown.get_data(as_text=True)
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", html)
    assert len(codes) == 10
    href = re.search(r'download="[^"]+"\s+href="data:text/plain;charset=utf-8,([^"]+)"', html)
    assert href and urllib.parse.unquote(href.group(1)).split("\r\n") == codes
    assert 'id="copy-codes"' in html
