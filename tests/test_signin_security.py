"""Sign-in, two-factor and sessions against the attacks of the security review: open
redirects, re-enrolment from a password-only session, unlimited code guessing, lock-out as a
weapon, sessions that outlive a password change."""

from __future__ import annotations

import pyotp
import pytest
from flask import redirect
from sqlalchemy import select

from mentor_app.accounts.models import User, UserSession
from mentor_app.audit.models import AuditEvent
from mentor_app.notifications.models import OutboxMessage
from mentor_app.web import safe_next
from tests.conftest import PASSWORD, csrf_from, csrf_token, enrolment_key

EVIL_NEXT = [
    "%2F%09%2Fevil.example",  # "/<tab>/evil.example": the tab vanishes in the browser
    "/%0A/evil.example",
    "/%0D/evil.example",
    "%0A",
    "%0D%0ALocation:%20https://evil.example",
    "//evil.example/x",
    "/%5Cevil.example",  # "/\\evil.example": a backslash is a slash to a browser
    "%5C%5Cevil.example",
    "https://evil.example/",
    "/%20/evil.example",
    "/ok/..//evil.example",
    "javascript:alert(1)",
]


def password_step(client, email: str, password: str = PASSWORD, next_: str | None = None, ip=None):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/login"))
    path = "/login" + (f"?next={next_}" if next_ is not None else "")
    extra = {"environ_base": {"REMOTE_ADDR": ip}} if ip else {}
    return client.post(
        path, data={"email": email, "password": password, "csrf_token": token}, **extra
    )


def code_step(client, code: str):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/login/totp"))
    return client.post("/login/totp", data={"code": code, "csrf_token": token})


# --- open redirect ----------------------------------------------------------------------------


@pytest.mark.parametrize("next_", EVIL_NEXT)
def test_sign_in_never_redirects_off_site(app, actors, next_) -> None:  # type: ignore[no-untyped-def]
    _, email = actors.create("mentor")
    response = password_step(app.test_client(), email, next_=next_)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("next_", EVIL_NEXT)
def test_the_code_step_never_redirects_off_site(app, actors, clock, next_) -> None:  # type: ignore[no-untyped-def]
    clock.freeze()
    _, email = actors.create("consultant")
    client = app.test_client()
    assert password_step(client, email, next_=next_).status_code == 302
    response = code_step(client, actors.code(email))
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_same_site_next_is_kept(app, actors) -> None:  # type: ignore[no-untyped-def]
    _, email = actors.create("mentor")
    response = password_step(app.test_client(), email, next_="/guides/trauma-reminders")
    assert response.headers["Location"] == "/guides/trauma-reminders"


@pytest.mark.parametrize(
    "target",
    [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\\evil.example",
        "//x",
        "/a//b",
        "http:/x",
        "",
        None,
    ],
)
def test_safe_next_refuses_what_a_browser_reads_as_another_host(target) -> None:  # type: ignore[no-untyped-def]
    assert safe_next(target, "/home") == "/home"


def test_no_view_can_redirect_off_site(app) -> None:  # type: ignore[no-untyped-def]
    @app.get("/test-only/bad-redirect")
    def _bad():  # type: ignore[no-untyped-def]
        return redirect("//evil.example/phish")

    response = app.test_client().get("/test-only/bad-redirect")
    assert response.headers["Location"] == "/"


# --- enrolment --------------------------------------------------------------------------------


def _enrol(client, clock) -> list[str]:  # type: ignore[no-untyped-def]
    page = client.get("/account/2fa/setup")
    secret = enrolment_key(page)
    response = client.post(
        "/account/2fa/setup",
        data={"code": pyotp.TOTP(secret).at(clock()), "csrf_token": csrf_from(page)},
    )
    assert response.status_code == 200, response.status_code
    return [c.split("</code>")[0] for c in response.get_data(as_text=True).split("<code>")[1:]]


def test_a_password_only_session_cannot_reenrol_once_two_factor_is_on(
    app, actors, db, clock
) -> None:  # type: ignore[no-untyped-def]
    clock.freeze()
    user_id, email = actors.create("consultant", two_factor=False)
    a, b = app.test_client(), app.test_client()
    password_step(a, email)
    password_step(b, email)
    codes = _enrol(a, clock)
    secret_after_a = db.get(User, user_id).totp_secret
    page = b.get("/account/2fa/setup")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    assert "<svg" not in page.get_data(as_text=True)
    db.expire_all()
    assert db.get(User, user_id).totp_secret == secret_after_a
    assert a.get("/account/settings").status_code == 200  # A keeps its session…
    fresh = app.test_client()  # …and A's recovery codes still work
    password_step(fresh, email)
    assert code_step(fresh, codes[0]).status_code == 302


def test_enrolling_ends_every_other_session(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze()
    _, email = actors.create("mentor")
    here, elsewhere = app.test_client(), app.test_client()
    password_step(here, email)
    password_step(elsewhere, email)
    _enrol(here, clock)
    assert elsewhere.get("/account/settings").status_code == 302
    assert here.get("/account/settings").status_code == 200
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "user.2fa_enabled"))
    assert event.details == {"other_sessions_ended": 1}


def test_the_enrolment_secret_never_leaves_the_server_in_a_cookie(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    _, email = actors.create("consultant", two_factor=False)
    client = app.test_client()
    password_step(client, email)
    secret = enrolment_key(client.get("/account/2fa/setup"))
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    data = app.session_interface.get_signing_serializer(app).loads(cookie)
    assert secret not in repr(data)
    stored = db.scalar(select(UserSession.enrol_secret).where(UserSession.ended_at.is_(None)))
    assert stored and secret not in stored  # encrypted at rest too


def test_moving_two_factor_needs_password_and_code_again(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze()
    client, user_id = actors.signed_in("coordinator")
    email = db.get(User, user_id).email
    other = app.test_client()
    clock.advance(seconds=30)
    actors.login(other, email)
    clock.advance(seconds=30)
    page = client.get("/account/2fa/setup")
    assert page.status_code == 200 and "<svg" not in page.get_data(as_text=True)
    wrong = client.post(
        "/account/2fa/setup",
        data={
            "reauth-password": "not-my-password-at-all",
            "reauth-code": actors.code(email),
            "reauth-submit": "1",
            "csrf_token": csrf_from(page),
        },
    )
    assert wrong.status_code == 401
    assert db.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "login.failed", AuditEvent.actor_id == user_id
        )
    ).details == {"stage": "reauth"}
    right = client.post(
        "/account/2fa/setup",
        data={
            "reauth-password": PASSWORD,
            "reauth-code": actors.code(email),
            "reauth-submit": "1",
            "csrf_token": csrf_from(page),
        },
    )
    assert right.status_code == 303
    old_secret = actors.secrets[email]
    _enrol(client, clock)
    assert other.get("/account/settings").status_code == 302  # the other session ended
    clock.advance(seconds=90)
    stale = app.test_client()
    password_step(stale, email)
    assert code_step(stale, pyotp.TOTP(old_secret).at(clock())).status_code == 401


# --- the second step's lock -------------------------------------------------------------------


@pytest.fixture
def generous_limits(app):  # type: ignore[no-untyped-def]
    """The per-minute limits would stop the guessing first; the lock is what is under test."""
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "1000 per minute"
    app.config["LOGIN_LIMIT_PER_IP"] = "1000 per minute"


def _guess_wrong(app, email: str, times: int) -> list[int]:  # type: ignore[no-untyped-def]
    client = app.test_client()
    password_step(client, email)
    return [code_step(client, "000000").status_code for _ in range(times)]


def test_twenty_wrong_codes_lock_the_second_step(app, actors, db, clock, generous_limits) -> None:  # type: ignore[no-untyped-def]
    clock.freeze()
    user_id, email = actors.create("consultant")
    statuses = _guess_wrong(app, email, 20)
    assert statuses[:19] == [401] * 19 and statuses[19] == 403
    client = app.test_client()
    password_step(client, email)
    refused = code_step(client, actors.code(email))  # even the right code
    assert refused.status_code == 403
    assert "locked" in refused.get_data(as_text=True)
    db.expire_all()
    assert [
        e.details for e in db.scalars(select(AuditEvent).filter_by(action="user.2fa_locked"))
    ] == [{"failures": 20, "hours": 24}]
    notice = db.scalar(select(OutboxMessage).where(OutboxMessage.user_id == user_id))
    assert notice.kind == "account.2fa_locked"
    assert notice.fallback_at is not None  # straight to e-mail


def test_a_coordinator_unlocks_the_second_step(app, actors, db, clock, generous_limits) -> None:  # type: ignore[no-untyped-def]
    clock.freeze()
    user_id, email = actors.create("consultant")
    _guess_wrong(app, email, 20)
    coordinator, _ = actors.signed_in("coordinator")
    assert "Unlock two-factor sign-in" in coordinator.get(f"/admin/users/{user_id}").get_data(
        as_text=True
    )
    response = coordinator.post(
        f"/admin/users/{user_id}/unlock-two-factor", data={"csrf_token": csrf_token(coordinator)}
    )
    assert response.status_code == 302
    client = app.test_client()
    password_step(client, email)
    assert code_step(client, actors.code(email)).status_code == 302
    assert db.scalar(select(AuditEvent).filter_by(action="user.2fa_unlocked")) is not None


def test_the_lock_passes_after_its_back_off(app, actors, clock, generous_limits) -> None:  # type: ignore[no-untyped-def]
    clock.freeze()
    _, email = actors.create("coordinator")
    _guess_wrong(app, email, 20)
    clock.advance(hours=23, minutes=59)
    client = app.test_client()
    password_step(client, email)
    assert code_step(client, actors.code(email)).status_code == 403
    clock.advance(minutes=2)
    client = app.test_client()
    password_step(client, email)
    assert code_step(client, actors.code(email)).status_code == 302


def test_a_right_code_starts_the_count_again(app, actors, db, clock, generous_limits) -> None:  # type: ignore[no-untyped-def]
    clock.freeze()
    user_id, email = actors.create("consultant")
    _guess_wrong(app, email, 19)
    client = app.test_client()
    password_step(client, email)
    assert code_step(client, actors.code(email)).status_code == 302
    db.expire_all()
    assert db.get(User, user_id).totp_failures == 0


# --- lock-out as a weapon ---------------------------------------------------------------------


def test_a_known_device_gets_past_a_strangers_failed_sign_ins(app, actors, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze()
    _, email = actors.create("consultant")
    phone = app.test_client()
    actors.login(phone, email)  # signed in here before: the device cookie
    phone.post("/logout", data={"csrf_token": csrf_token(phone)})
    for attempt in range(10):  # someone else, from ten addresses
        stranger = app.test_client()
        response = password_step(stranger, email, f"wrong-{attempt}-guess", ip=f"10.9.0.{attempt}")
        assert response.status_code == 401
    new_laptop = app.test_client()
    assert password_step(new_laptop, email, ip="10.9.1.1").status_code == 429  # the limit stays
    clock.advance(seconds=31)
    response = password_step(phone, email, ip="10.9.2.2")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/totp")
    assert code_step(phone, actors.code(email)).status_code == 302


def test_a_forged_device_cookie_counts_for_nothing(app, actors) -> None:  # type: ignore[no-untyped-def]
    _, email = actors.create("mentor")
    for attempt in range(10):
        password_step(app.test_client(), email, f"wrong-{attempt}", ip=f"10.8.0.{attempt}")
    forger = app.test_client()
    forger.set_cookie("mentor_device", "eyJ1IjoxLCJkIjoieCJ9.forged.signature")
    assert password_step(forger, email, ip="10.8.1.1").status_code == 429


# --- sessions after a password change ---------------------------------------------------------


def _change_password(client, current: str, new: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/account/settings",
        data={
            "pw-current": current,
            "pw-password": new,
            "pw-confirm": new,
            "pw-submit": "1",
            "csrf_token": csrf_token(client),
        },
        follow_redirects=True,
    )


def test_changing_the_password_ends_every_other_session(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    _, email = actors.create("mentor")
    here, lost_phone = app.test_client(), app.test_client()
    actors.login(here, email)
    actors.login(lost_phone, email)
    page = _change_password(here, PASSWORD, "pelican-umbrella-syntax-forty")
    assert page.status_code == 200
    assert "signed out on every other device" in page.get_data(as_text=True)
    assert lost_phone.get("/account/settings").status_code == 302
    assert here.get("/account/settings").status_code == 200


def test_sign_out_my_other_devices(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze()
    _, email = actors.create("consultant")
    here, lost_phone, old_laptop = app.test_client(), app.test_client(), app.test_client()
    for client in (here, lost_phone, old_laptop):
        actors.login(client, email)
        clock.advance(seconds=30)
    settings = here.get("/account/settings").get_data(as_text=True)
    assert "Sign out my other devices" in settings
    response = here.post(
        "/account/sessions/sign-out-others",
        data={"csrf_token": csrf_token(here)},
        follow_redirects=True,
    )
    assert "signed out on 2 other devices" in response.get_data(as_text=True)
    assert lost_phone.get("/account/settings").status_code == 302
    assert old_laptop.get("/account/settings").status_code == 302
    assert here.get("/account/settings").status_code == 200
    assert db.scalar(select(AuditEvent).filter_by(action="user.signed_out_other_devices"))


def test_the_current_password_check_is_throttled_and_audited(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    client, user_id = actors.signed_in("mentor")
    for attempt in range(10):
        response = _change_password(client, f"guess-number-{attempt}", "pelican-umbrella-syntax")
        assert response.status_code == 400
    response = _change_password(client, PASSWORD, "pelican-umbrella-syntax-forty")
    assert response.status_code == 429
    failed = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "login.failed", AuditEvent.actor_id == user_id
        )
    ).all()
    assert len(failed) == 10 and all(e.details == {"stage": "settings"} for e in failed)
    # other settings still work meanwhile
    prefs = client.post(
        "/account/settings",
        data={
            "prefs-locale": "sv",
            "prefs-timezone": "Europe/Stockholm",
            "prefs-submit": "1",
            "csrf_token": csrf_token(client),
        },
    )
    assert prefs.status_code == 302
