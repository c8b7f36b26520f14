"""Bad input answers 4xx with a clear message, never a 500, and is never stored: JSON bodies,
ids in URLs, dates people type, control characters anywhere in a request."""

from __future__ import annotations

import logging
import re
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from mentor_app.consults.models import Consult, ConsultMessage
from mentor_app.pool.models import ShiftOverride
from mentor_app.validation import MAX_DEPTH
from tests.conftest import csrf_token
from tests.consult_helpers import make_consult, make_consultant, post_json

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
NOTE_WITH_NUL = "client\u0000 upset"


def count(db, model) -> int:  # type: ignore[no-untyped-def]
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model)) or 0


def raw_json(client, path: str, body: bytes, method: str = "POST", token: str = ""):  # type: ignore[no-untyped-def]
    return client.open(
        path,
        method=method,
        data=body,
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )


@pytest.fixture
def accepted(app, actors, db, clock):  # type: ignore[no-untyped-def]
    """A mentor and a consultant with an accepted consult between them."""
    clock.freeze(T0)
    mentor, mentor_id = actors.signed_in("mentor", languages=["sv"])
    consultant, consultant_id = actors.signed_in("consultant")
    make_consultant(db, consultant_id, T0)
    consult = make_consult(
        db, mentor_id, T0, status="accepted", consultant_id=consultant_id, accepted_at=T0
    )
    return mentor, consultant, consult.id


# --- JSON -------------------------------------------------------------------------------------


def test_nul_in_a_note_is_refused_not_stored(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(T0)
    mentor, _ = actors.signed_in("mentor", languages=["sv"])
    response = post_json(
        mentor, "/api/consults", {"client_key": str(uuid.uuid4()), "note": NOTE_WITH_NUL}
    )
    assert response.status_code == 400
    assert "control characters" in response.get_json()["error"]
    assert count(db, Consult) == 0


def test_nul_in_details_and_messages_is_refused(accepted, db) -> None:  # type: ignore[no-untyped-def]
    mentor, _consultant, consult_id = accepted
    details = post_json(mentor, f"/api/consults/{consult_id}/details", {"note": NOTE_WITH_NUL})
    message = post_json(mentor, f"/api/consults/{consult_id}/messages", {"body": "hi\u0000"})
    assert (details.status_code, message.status_code) == (400, 400)
    assert db.get(Consult, consult_id).note is None
    assert count(db, ConsultMessage) == 0


@pytest.mark.parametrize(
    ("body", "says"),
    [
        pytest.param(b"[" * 1000 + b"]" * 1000, "nested", id="1000-brackets"),
        pytest.param(
            b'{"a":' * (MAX_DEPTH + 1) + b"1" + b"}" * (MAX_DEPTH + 1), "nested", id="deep-object"
        ),
        pytest.param(b'{"note": "\\ud800"}', "surrogate", id="lone-high-surrogate"),
        pytest.param(b'{"body": "\\udfff tail"}', "surrogate", id="lone-low-surrogate"),
        pytest.param(b'{"hours": 1' + b"0" * 40 + b"}", "Numbers", id="huge-integer"),
        pytest.param(b'{"hours": 9007199254740993}', "Numbers", id="beyond-2**53"),
        pytest.param(b'{"note": "bell \\u0007"}', "control characters", id="bell"),
        pytest.param(b'{"k\\u0000ey": 1}', "control characters", id="nul-in-key"),
        pytest.param(b'{"note": "\\u0085 next"}', "control characters", id="c1-control"),
        pytest.param(b'{"oops": ', "not valid JSON", id="truncated"),
    ],
)
def test_bad_json_is_a_clear_400_everywhere(app, accepted, body, says) -> None:  # type: ignore[no-untyped-def]
    """Every JSON endpoint in the URL map, signed in or not (the renewal needs no session)."""
    mentor, _consultant, consult_id = accepted
    anonymous = app.test_client()
    token = csrf_token(mentor)
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        for method in sorted(rule.methods - {"GET", "HEAD", "OPTIONS"}):
            path = rule.rule.replace("<int:consult_id>", str(consult_id)).replace(
                "<slug>", "bereavement-illness-in-family"
            )
            for client in (mentor, anonymous):
                response = raw_json(client, path, body, method, token)
                assert response.status_code == 400, (method, path, response.status_code)
                assert says in response.get_json()["error"], (path, response.get_json())


def test_tab_and_newline_are_fine_in_json(accepted, db) -> None:  # type: ignore[no-untyped-def]
    mentor, _consultant, consult_id = accepted
    response = post_json(
        mentor, f"/api/consults/{consult_id}/messages", {"body": "line one\n\tline two"}
    )
    assert response.status_code == 201
    assert db.scalar(select(ConsultMessage.body)) == "line one\n\tline two"


# --- ids in URLs ------------------------------------------------------------------------------


def id_routes(app, value: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(method, path) for every route taking an `<int:…>` id, with `value` as every id."""
    found = []
    for rule in app.url_map.iter_rules():
        if "<int:" not in rule.rule:
            continue
        path = re.sub(r"<int:\w+>", value, rule.rule)
        path = re.sub(r"<any\(([\w]+)[^>]*>", r"\1", path)
        path = re.sub(r"<\w+>", "x", path)
        found += [(m, path) for m in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


@pytest.mark.parametrize("bad_id", ["9223372036854775808", "99999999999999999999999", "0"])
def test_ids_beyond_64_bits_are_404_on_every_route(app, actors, bad_id) -> None:  # type: ignore[no-untyped-def]
    routes = id_routes(app, bad_id)
    assert len(routes) > 30
    for role in ("mentor", "consultant", "coordinator"):
        client, _ = actors.signed_in(role)
        token = csrf_token(client)
        for method, path in routes:
            response = client.open(path, method=method, data={"csrf_token": token})
            assert response.status_code == 404, (role, method, path, response.status_code)


@pytest.mark.parametrize("value", ["2147483647", "2147483648", "9223372036854775807"])
def test_large_ids_are_ordinary_unknown_ids(app, actors, value) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL casts a bound id to INTEGER: 2**31 was a 500 there."""
    coordinator, _ = actors.signed_in("coordinator")
    for path in (f"/consults/{value}", f"/api/consults/{value}", f"/admin/users/{value}"):
        assert coordinator.get(path).status_code == 404


def test_every_id_column_is_an_integer_the_url_bound_fits() -> None:
    from sqlalchemy import BigInteger, Integer

    from mentor_app.models import metadata
    from mentor_app.validation import MAX_URL_ID

    for table in metadata.sorted_tables:
        for column in table.primary_key.columns:
            if isinstance(column.type, Integer):
                assert not isinstance(column.type, BigInteger), f"{table.name}.{column.name}"
    assert MAX_URL_ID == 2**31 - 1


def test_control_characters_in_the_address_never_reach_the_database(app, actors) -> None:  # type: ignore[no-untyped-def]
    coordinator, _ = actors.signed_in("coordinator")
    assert coordinator.get("/guides/a%00b").status_code == 404
    assert coordinator.get("/pool/tags/x%00y/delete").status_code in (404, 405)
    assert coordinator.get("/invite/abc%00def").status_code == 404
    assert coordinator.get("/consults/?status=%00").status_code == 400
    assert coordinator.get("/guides?kind=%00").status_code == 400


# --- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "date_to=9999-12-31",
        "date_from=0001-01-01",
        "date_from=0001-01-01&date_to=9999-12-31",
    ],
)
def test_audit_filter_and_export_refuse_dates_out_of_range(app, actors, query) -> None:  # type: ignore[no-untyped-def]
    coordinator, _ = actors.signed_in("coordinator")
    page = coordinator.get(f"/audit/?{query}")
    assert page.status_code == 400
    assert "Enter a date between 1900-01-01 and 2199-12-31." in page.get_data(as_text=True)
    assert coordinator.get(f"/audit/export.csv?{query}").status_code == 400


def test_override_from_year_one_is_refused(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(T0)
    client, user_id = actors.signed_in("consultant")
    for first, last in (
        ("0001-01-01T00:00", "0001-01-01T10:00"),
        ("9999-12-31T20:00", "9999-12-31T23:59"),
    ):
        response = client.post(
            f"/pool/{user_id}/overrides",
            data={
                "csrf_token": csrf_token(client),
                "kind": "cover",
                "starts_at": first,
                "ends_at": last,
            },
        )
        assert response.status_code == 400
        assert "Enter a date between" in response.get_data(as_text=True)
    assert count(db, ShiftOverride) == 0


@pytest.mark.parametrize(
    "path",
    [
        "/pool/coverage/hour?at=0001-01-01T00:00%2B14:00",
        "/pool/coverage/hour?at=9999-12-31T23:00-12:00",
        "/dashboard/metrics?start=0001-01-01&end=0001-01-02",
        "/dashboard/metrics?start=9999-12-30&end=9999-12-31",
    ],
)
def test_other_typed_dates_out_of_range_are_400(app, actors, clock, path) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(T0)
    coordinator, _ = actors.signed_in("coordinator")
    assert coordinator.get(path).status_code == 400


def test_every_date_field_in_every_form_checks_the_range() -> None:
    """New forms are covered too: any WTForms date field in the app must be the checked one."""
    import importlib
    import pkgutil

    import wtforms

    import mentor_app
    from mentor_app import validation

    checked = (validation.DateField, validation.DateTimeLocalField)
    unchecked = []
    for info in pkgutil.walk_packages(mentor_app.__path__, "mentor_app."):
        if not info.name.endswith("forms"):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if not isinstance(value, type) or not issubclass(value, wtforms.Form):
                continue
            for field_name, field in vars(value).items():
                kind = getattr(field, "field_class", None)
                dated = kind and issubclass(kind, wtforms.DateField | wtforms.DateTimeLocalField)
                if dated and not issubclass(kind, checked):
                    unchecked.append(f"{info.name}.{name}.{field_name}")
    assert unchecked == []


# --- what the error handler and the engine log -------------------------------------------------


def test_unexpected_errors_log_no_request_data(app, caplog) -> None:  # type: ignore[no-untyped-def]
    secret = "PLANTED-NOTE-in-an-exception-4411"

    @app.get("/test-only/boom")
    def _boom():  # type: ignore[no-untyped-def]
        raise ValueError(f"invalid literal: {secret}")

    app.config["TESTING_EXPECTS_500"] = True
    with caplog.at_level(logging.DEBUG):
        response = app.test_client().get("/test-only/boom?note=" + secret)
    assert response.status_code == 500
    text = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "ValueError" in text and "_boom" in text  # the stack is there…
    assert secret not in text  # …what it was about is not


def test_sql_errors_never_carry_their_parameters(app, db, clock) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import IntegrityError

    from mentor_app.accounts.models import User

    db.add(User(email="dup@example.org", display_name="A", role="mentor", created_at=clock()))
    db.commit()
    with app.app_context():
        session = app.extensions["mentor_db"].session()
        session.add(
            User(email="dup@example.org", display_name="PLANTED-NAME", role="x", created_at=clock())
        )
        with pytest.raises(IntegrityError) as caught:
            session.commit()
        session.close()
    # The statement's values are hidden (PostgreSQL's own DETAIL may name the duplicate key;
    # the error handler logs no exception message at all, see the test above).
    assert "PLANTED-NAME" not in str(caught.value)
    assert "hide_parameters=True" in str(caught.value)


@pytest.mark.parametrize("value", [["granted"], {"a": 1}, 5, None])
def test_a_permission_of_the_wrong_type_is_400(app, actors, value) -> None:  # type: ignore[no-untyped-def]
    """Found by the fuzz test: a list is unhashable, and `in` a set of names raised."""
    client, _ = actors.signed_in("mentor")
    response = post_json(client, "/api/push/permission", {"permission": value})
    assert response.status_code == 400


def test_ids_in_query_strings_are_bounded_too(app, actors) -> None:  # type: ignore[no-untyped-def]
    """The audit filter's account number and a guide's shown revision reach INTEGER columns."""
    coordinator, _ = actors.signed_in("coordinator")
    assert coordinator.get("/audit/?user=999999999999").status_code == 400
    assert coordinator.get("/audit/export.csv?user=99999999999").status_code == 400
    response = coordinator.get("/api/guides/no-such-guide/me?rev=99999999999")
    assert response.status_code == 404
