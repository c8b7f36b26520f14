"""Every route × every role: the expected status.

Each domain adds a module under tests/access_rows/ defining ROWS (same shape as FOUNDATION_ROWS)
and, if its paths have placeholders, PLACEHOLDERS = {name: callable(app, actors, db, clients)}.

A POST is sent with a valid CSRF token and an empty body, so a permitted role gets a 400 (the
form is incomplete) and nothing changes; a refused role gets 403, or a redirect to sign in.
Placeholders: {me} is the signed-in user's id, {other} another user's id, {invite} an open
invitation token.
"""

from __future__ import annotations

import pytest

from tests.conftest import csrf_from, csrf_token

ANON, MENTOR, CONSULTANT, COORDINATOR = "anonymous", "mentor", "consultant", "coordinator"
ROLES = (ANON, MENTOR, CONSULTANT, COORDINATOR)


def expect(anon: int, mentor: int, consultant: int, coordinator: int) -> dict[str, int]:
    return {ANON: anon, MENTOR: mentor, CONSULTANT: consultant, COORDINATOR: coordinator}


SIGNED_IN_PAGE = expect(302, 200, 200, 200)
COORDINATOR_PAGE = expect(302, 403, 403, 200)
COORDINATOR_POST = expect(302, 403, 403, 400)
COORDINATOR_ACTION = expect(
    302, 403, 403, 302
)  # one-button actions: the CSRF token is all they take

# (method, path, expected statuses, url rule it covers)
FOUNDATION_ROWS: list[tuple[str, str, dict[str, int], str]] = [
    ("GET", "/", expect(302, 200, 200, 200), "/"),
    ("GET", "/login", expect(200, 302, 302, 302), "/login"),
    ("POST", "/login", expect(400, 302, 302, 302), "/login"),
    ("GET", "/login/totp", expect(302, 302, 302, 302), "/login/totp"),
    ("GET", "/healthz", expect(200, 200, 200, 200), "/healthz"),
    ("GET", "/account/settings", SIGNED_IN_PAGE, "/account/settings"),
    ("GET", "/api/csrf-token", expect(401, 200, 200, 200), "/api/csrf-token"),
    ("POST", "/account/settings", expect(302, 400, 400, 400), "/account/settings"),
    # Mentors may turn it on; a consultant or coordinator moving it to a new phone is first
    # asked for password and code again.
    ("GET", "/account/2fa/setup", expect(302, 200, 200, 200), "/account/2fa/setup"),
    (
        "POST",
        "/account/sessions/sign-out-others",
        expect(302, 302, 302, 302),
        "/account/sessions/sign-out-others",
    ),
    # An old-style link is exchanged for the session and leaves the address bar at once.
    ("GET", "/invite/{invite}", expect(303, 303, 303, 303), "/invite/<token>"),
    ("GET", "/invite", expect(200, 200, 200, 200), "/invite"),
    ("POST", "/invite", expect(400, 400, 400, 400), "/invite"),
    ("POST", "/invite/open", expect(400, 400, 400, 400), "/invite/open"),
    # Recovery pages are public: a locked-out person is not signed in.
    ("GET", "/password/forgot", expect(200, 200, 200, 200), "/password/forgot"),
    ("POST", "/password/forgot", expect(400, 400, 400, 400), "/password/forgot"),
    ("GET", "/password/reset", expect(200, 200, 200, 200), "/password/reset"),
    ("POST", "/password/reset", expect(410, 410, 410, 410), "/password/reset"),
    ("POST", "/password/reset/open", expect(400, 400, 400, 400), "/password/reset/open"),
    ("GET", "/admin/users/", COORDINATOR_PAGE, "/admin/users/"),
    ("GET", "/admin/users/invite", COORDINATOR_PAGE, "/admin/users/invite"),
    ("POST", "/admin/users/invite", COORDINATOR_POST, "/admin/users/invite"),
    ("GET", "/admin/users/{other}", COORDINATOR_PAGE, "/admin/users/<int:user_id>"),
    ("GET", "/admin/users/999999", expect(302, 403, 403, 404), "/admin/users/<int:user_id>"),
    ("POST", "/admin/users/{other}/role", COORDINATOR_POST, "/admin/users/<int:user_id>/role"),
    (
        "POST",
        "/admin/users/{other}/sign-out-everywhere",
        COORDINATOR_ACTION,
        "/admin/users/<int:user_id>/sign-out-everywhere",
    ),
    (
        "POST",
        "/admin/users/{other}/unlock-two-factor",
        COORDINATOR_ACTION,
        "/admin/users/<int:user_id>/unlock-two-factor",
    ),
    (
        "POST",
        "/admin/users/{other}/reset-two-factor",
        COORDINATOR_ACTION,
        "/admin/users/<int:user_id>/reset-two-factor",
    ),
    (
        "POST",
        "/admin/users/{other}/password-reset",
        COORDINATOR_ACTION,
        "/admin/users/<int:user_id>/password-reset",
    ),
    (
        "POST",
        "/admin/users/{other}/disable",
        COORDINATOR_ACTION,
        "/admin/users/<int:user_id>/disable",
    ),
    (
        "POST",
        "/admin/users/{other}/enable",
        COORDINATOR_ACTION,
        "/admin/users/<int:user_id>/enable",
    ),
]

# Run after everything else: it ends the session.
FINAL_ROUTES = [("POST", "/logout", expect(302, 302, 302, 302), "/logout")]

# Rules deliberately outside the matrix, with the reason.
NOT_IN_MATRIX = {
    "/static/<path:filename>": "public files",
}


def _domain_modules() -> list:
    import importlib
    import pkgutil

    import tests.access_rows as package

    return [
        importlib.import_module(f"{package.__name__}.{info.name}")
        for info in pkgutil.iter_modules(package.__path__)
    ]


ROUTES = list(FOUNDATION_ROWS)
PLACEHOLDER_FIXTURES: dict = {}
for _module in _domain_modules():
    ROUTES.extend(getattr(_module, "ROWS", []))
    PLACEHOLDER_FIXTURES.update(getattr(_module, "PLACEHOLDERS", {}))


def test_every_route_is_in_the_matrix(app) -> None:  # type: ignore[no-untyped-def]
    covered = {rule for *_, rule in ROUTES + FINAL_ROUTES} | set(NOT_IN_MATRIX)
    missing = sorted(r.rule for r in app.url_map.iter_rules() if r.rule not in covered)
    assert not missing, f"routes without an access-matrix row: {missing}"


@pytest.fixture
def world(app, actors, db):  # type: ignore[no-untyped-def]
    from mentor_app.accounts import services
    from mentor_app.accounts.models import User

    clients = {ANON: (app.test_client(), None)}
    for role in (MENTOR, CONSULTANT, COORDINATOR):
        clients[role] = actors.signed_in(role)
    other_id, _ = actors.create("mentor")
    coordinator = db.get(User, clients[COORDINATOR][1])
    _, token = services.invite(
        db,
        actors.clock(),
        inviter=coordinator,
        email="new@example.org",
        display_name="New",
        role="mentor",
        ttl=app.config["INVITE_TTL"],
    )
    db.commit()
    values = {"other": other_id, "invite": token}
    for name, make in PLACEHOLDER_FIXTURES.items():
        values[name] = make(app, actors, db, clients)
    return clients, values


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(world, role: str) -> None:  # type: ignore[no-untyped-def]
    clients, values = world
    client, user_id = clients[role]
    token = csrf_token(client) if role != ANON else csrf_from(client.get("/login"))
    failures = []
    for method, template, expected, _rule in ROUTES + FINAL_ROUTES:
        path = template.format(me=user_id, **values)
        if method == "GET":
            response = client.get(path)
        else:
            if role == ANON:  # visiting /login/totp clears an anonymous session: fresh token
                token = csrf_from(client.get("/login"))
            headers = {"X-CSRFToken": token}
            data = {"csrf_token": token}
            if path.startswith("/api/"):
                response = client.open(path, method=method, json={}, headers=headers)
            else:
                response = client.open(path, method=method, data=data)
        if response.status_code != expected[role]:
            failures.append(f"{method} {path}: {response.status_code} != {expected[role]}")
        assert response.status_code != 500
    assert not failures, "\n".join(failures)
