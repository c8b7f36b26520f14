"""Sign-in, two-factor and sessions fit for phones that get lost."""

from __future__ import annotations

from datetime import timedelta

from mentor_app.accounts.models import User
from mentor_app.audit.models import AuditEvent
from tests.conftest import PASSWORD, csrf_from, csrf_token, enrolment_key


def _cookie(client) -> str:  # type: ignore[no-untyped-def]
    return client.get_cookie("mentor_session").value


def _replay(app, cookie: str):  # type: ignore[no-untyped-def]
    thief = app.test_client()
    thief.set_cookie("mentor_session", cookie)
    return thief.get("/account/settings")


def test_login_issues_a_new_session_id(app, actors) -> None:  # type: ignore[no-untyped-def]
    _, email = actors.create("mentor")
    client = app.test_client()
    client.get("/login")
    before = _cookie(client)
    actors.login(client, email)
    assert _cookie(client) != before
    assert client.get("/account/settings").status_code == 200


def test_same_error_for_unknown_email_and_wrong_password(app, actors) -> None:  # type: ignore[no-untyped-def]
    _, email = actors.create("mentor")
    client = app.test_client()
    texts = []
    for address, password in ((email, "wrong-password-123"), ("nobody@example.org", PASSWORD)):
        token = csrf_from(client.get("/login"))
        response = client.post(
            "/login", data={"email": address, "password": password, "csrf_token": token}
        )
        assert response.status_code == 401
        texts.append(response.get_data(as_text=True).replace(token, ""))
    assert "E-mail or password is not right." in texts[0]
    assert texts[0].count("not right") == texts[1].count("not right")


def test_cookie_replayed_after_logout_is_refused(app, actors) -> None:  # type: ignore[no-untyped-def]
    client, _ = actors.signed_in("mentor")
    stolen = _cookie(client)
    response = client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert "Clear-Site-Data" in response.headers
    assert _replay(app, stolen).status_code == 302  # back to sign-in


def test_sign_out_everywhere_ends_other_sessions(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    victim_id, email = actors.create("mentor")
    phone = app.test_client()
    actors.login(phone, email)
    stolen = _cookie(phone)
    coordinator, _ = actors.signed_in("coordinator")
    response = coordinator.post(
        f"/admin/users/{victim_id}/sign-out-everywhere",
        data={"csrf_token": csrf_token(coordinator)},
    )
    assert response.status_code == 302
    assert _replay(app, stolen).status_code == 302
    assert phone.get("/account/settings").status_code == 302
    assert db.query(AuditEvent).filter_by(action="user.signed_out_everywhere").count() == 1


def test_disabling_a_user_ends_their_sessions(app, actors) -> None:  # type: ignore[no-untyped-def]
    victim_id, email = actors.create("mentor")
    phone = app.test_client()
    actors.login(phone, email)
    stolen = _cookie(phone)
    coordinator, _ = actors.signed_in("coordinator")
    coordinator.post(
        f"/admin/users/{victim_id}/disable", data={"csrf_token": csrf_token(coordinator)}
    )
    assert _replay(app, stolen).status_code == 302
    # and they cannot sign in again
    token = csrf_from(phone.get("/login"))
    response = phone.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 401


def test_idle_timeout(app, actors, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze()
    client, _ = actors.signed_in("mentor")
    clock.advance(minutes=29)
    assert client.get("/account/settings").status_code == 200
    stolen = _cookie(client)
    clock.advance(minutes=31)
    assert _replay(app, stolen).status_code == 302


def test_absolute_timeout(app, actors, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze()
    client, _ = actors.signed_in("mentor")
    for _ in range(26):  # active every 28 minutes for 12 h 8 min
        clock.advance(minutes=28)
        status = client.get("/account/settings").status_code
    assert status == 302


def test_timeouts_are_configurable(app, actors, clock) -> None:  # type: ignore[no-untyped-def]
    app.config["IDLE_TIMEOUT"] = timedelta(minutes=5)
    clock.freeze()
    client, _ = actors.signed_in("mentor")
    clock.advance(minutes=6)
    assert client.get("/account/settings").status_code == 302


def test_totp_code_works_once(app, actors, clock, db) -> None:  # type: ignore[no-untyped-def]
    clock.freeze()
    _, email = actors.create("consultant")
    code = actors.code(email)
    first = app.test_client()
    token = csrf_from(first.get("/login"))
    first.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    token = csrf_from(first.get("/login/totp"))
    assert first.post("/login/totp", data={"code": code, "csrf_token": token}).status_code == 302

    second = app.test_client()
    token = csrf_from(second.get("/login"))
    second.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    token = csrf_from(second.get("/login/totp"))
    response = second.post("/login/totp", data={"code": code, "csrf_token": token})
    assert response.status_code == 401
    assert second.get("/account/settings").status_code == 302


def test_consultant_without_two_factor_only_reaches_enrolment(app, actors, clock, db) -> None:  # type: ignore[no-untyped-def]
    import pyotp

    clock.freeze()
    _, email = actors.create("consultant", two_factor=False)
    client = app.test_client()
    token = csrf_from(client.get("/login"))
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.headers["Location"].endswith("/account/2fa/setup")
    for path in ("/", "/account/settings", "/admin/users/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/account/2fa/setup")
    page = client.get("/account/2fa/setup")
    assert page.status_code == 200
    assert "<svg" in page.get_data(as_text=True)
    secret = enrolment_key(page)
    with client.session_transaction() as sess:
        assert secret not in str(dict(sess))  # kept on the server, not in the cookie
    response = client.post(
        "/account/2fa/setup",
        data={"code": pyotp.TOTP(secret).at(clock()), "csrf_token": csrf_from(page)},
    )
    assert response.status_code == 200
    codes = [c for c in response.get_data(as_text=True).split("<code>")[1:]]
    assert len(codes) == 10
    assert client.get("/account/settings").status_code == 200
    user = db.query(User).filter_by(email=email).one()
    assert user.totp_enabled_at is not None


def test_recovery_code_works_once(app, actors, clock, db) -> None:  # type: ignore[no-untyped-def]
    import pyotp

    clock.freeze()
    _, email = actors.create("coordinator", two_factor=False)
    client = app.test_client()
    token = csrf_from(client.get("/login"))
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    page = client.get("/account/2fa/setup")
    secret = enrolment_key(page)
    body = client.post(
        "/account/2fa/setup",
        data={"code": pyotp.TOTP(secret).at(clock()), "csrf_token": csrf_from(page)},
    ).get_data(as_text=True)
    recovery = body.split("<code>")[1].split("</code>")[0]
    for expected in (302, 401):
        fresh = app.test_client()
        token = csrf_from(fresh.get("/login"))
        fresh.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
        token = csrf_from(fresh.get("/login/totp"))
        response = fresh.post("/login/totp", data={"code": recovery, "csrf_token": token})
        assert response.status_code == expected


def test_eleventh_wrong_password_is_throttled_from_a_new_ip(app, actors) -> None:  # type: ignore[no-untyped-def]
    _, email = actors.create("mentor")
    for attempt in range(10):
        client = app.test_client()
        token = csrf_from(client.get("/login"))
        response = client.post(
            "/login",
            data={"email": email, "password": f"wrong-{attempt}-password", "csrf_token": token},
            environ_base={"REMOTE_ADDR": f"10.0.0.{attempt + 1}"},
        )
        assert response.status_code == 401
    client = app.test_client()
    token = csrf_from(client.get("/login"))
    response = client.post(
        "/login",
        data={"email": email.upper(), "password": PASSWORD, "csrf_token": token},
        environ_base={"REMOTE_ADDR": "192.168.99.99"},
    )
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "60"  # the per-account window: a minute


def test_login_and_failures_are_audited(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    _, email = actors.create("mentor")
    client = app.test_client()
    token = csrf_from(client.get("/login"))
    client.post("/login", data={"email": email, "password": "nope-nope-nope", "csrf_token": token})
    actors.login(client, email)
    actions = [e.action for e in db.query(AuditEvent).order_by(AuditEvent.id)]
    assert actions == ["login.failed", "login.succeeded"]
    assert all("nope" not in str(e.details) for e in db.query(AuditEvent))


def test_open_redirect_refused(app, actors) -> None:  # type: ignore[no-untyped-def]
    _, email = actors.create("mentor")
    client = app.test_client()
    token = csrf_from(client.get("/login"))
    response = client.post(
        "/login?next=//evil.example/x",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_background_polls_do_not_keep_a_session_alive(app, actors, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze()
    client, _ = actors.signed_in("coordinator")
    for _ in range(3):  # a dashboard refreshing itself every 9 minutes, nobody touching it
        clock.advance(minutes=9)
        response = client.get("/api/dashboard/live", headers={"X-Background-Poll": "1"})
        assert response.status_code == 200
    clock.advance(minutes=4)  # 31 minutes since the last real activity
    assert client.get("/account/settings").status_code == 302
