"""Fuzzing every JSON endpoint and every id-taking URL: never a 500, never a stored control
character. The endpoints come from the URL map, so a new one is fuzzed without a change here."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import String, Text, select

from mentor_app.models import metadata
from mentor_app.playbooks.models import Guide
from mentor_app.validation import bad_character
from tests.conftest import csrf_token
from tests.consult_helpers import make_consult, make_consultant, offer
from tests.test_input_validation import id_routes

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# The field names the endpoints know, so that bodies often get past "unknown field" and reach
# the deeper checks and the services.
FIELDS = [
    "client_key", "urgency", "topic", "note", "case_code", "language", "callback_requested",
    "callback_number", "reason", "decline_case", "body", "outcome", "summary", "client_agreed",
    "follow_up_on", "helpful", "consultant_id", "available", "hours", "comment", "slug",
    "endpoint", "keys", "p256dh", "auth", "expirationTime", "oldEndpoint", "oldAuth",
    "subscription", "permission",
]  # fmt: skip
FUZZ = settings(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

any_char = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, categories=None)
texts = st.text(any_char, max_size=40) | st.sampled_from(
    ["\x00", "a\x00b", "\ud800", "x\udfff", "\x1b[31m", "\u0085", "ok\n\tfine", "2026-13-45"]
)
long_texts = st.integers(0, 300_000).map(lambda n: "a" * n)
numbers = (
    st.integers()
    | st.integers(min_value=2**53, max_value=2**200)
    | st.integers(min_value=-(2**200), max_value=-(2**53))
    | st.floats(allow_nan=False, allow_infinity=False)
)
scalars = st.none() | st.booleans() | numbers | texts
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(FIELDS) | texts, children, max_size=4)
    ),
    max_leaves=12,
)
objects = st.dictionaries(st.sampled_from(FIELDS), values | long_texts, max_size=6)


def _serialise(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=True).encode()


deep = st.integers(1, 1500).map(lambda n: b"[" * n + b"]" * n) | st.integers(1, 1500).map(
    lambda n: b'{"a":' * n + b"1" + b"}" * n
)
nasty = st.builds(
    lambda a, c, b: a + c + b,
    st.text(max_size=4),
    st.sampled_from(["\x00", "\x07", "\x1b", "\x7f", "\x85", "\ud800", "\udfff", "\r"]),
    st.text(max_size=4),
)
fuzzed_value = st.one_of(nasty, numbers, long_texts, values, texts)


def bodies_for(base: dict | None) -> st.SearchStrategy[bytes]:
    """Arbitrary JSON, and (where a valid body is known) that body with one field replaced by
    something nasty, or with an extra field: so the fuzz also reaches the services."""
    generic = objects.map(_serialise) | values.map(_serialise) | deep
    if base is None:
        return generic
    fresh = st.fixed_dictionaries({k: st.just(v) for k, v in base.items()})
    if "client_key" in base:  # a new tap each time, or it is only a replay
        fresh = fresh.map(lambda d: d).flatmap(
            lambda d: st.uuids().map(lambda u: {**d, "client_key": str(u)})
        )
    replaced = st.tuples(fresh, st.sampled_from(sorted(base)), fuzzed_value).map(
        lambda t: {**t[0], t[1]: t[2]}
    )
    extra = st.tuples(fresh, texts, fuzzed_value).map(lambda t: {**t[0], t[1]: t[2]})
    return st.one_of(replaced.map(_serialise), extra.map(_serialise), generic)


# Bodies the endpoints accept, by rule. An endpoint missing here is still fuzzed (generic JSON).
VALID = {
    "/api/consults": {"client_key": "", "note": "worried", "urgency": "soon", "topic": "general"},
    "/api/consults/<int:consult_id>/details": {
        "note": "more", "callback_requested": True, "callback_number": "+46 70 123 45 67",
    },
    "/api/consults/<int:consult_id>/messages": {"body": "hello"},
    "/api/consults/<int:consult_id>/decline": {"reason": "busy", "decline_case": False},
    "/api/consults/<int:consult_id>/close": {
        "outcome": "advice", "summary": "talked", "follow_up_on": "2026-03-20",
    },
    "/api/consults/<int:consult_id>/rate": {"helpful": True},
    "/api/guides/<slug>/feedback": {"helpful": True, "comment": "useful"},
    "/api/me/availability": {"available": True, "hours": 2},
    "/api/push/permission": {"permission": "granted"},
    "/api/me/language": {"language": "sv"},
    "/api/guide-editor/preview": {"body": "## First minute\n\nSit down.", "slug": "fuzz-guide"},
}  # fmt: skip


def json_endpoints(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    found = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            found += [(m, rule.rule) for m in sorted(rule.methods & BODY_METHODS)]
    return found


@pytest.fixture
def stage(app, actors, db, clock):  # type: ignore[no-untyped-def]
    """Each role signed in; an accepted consult, an open one offered to the consultant, a
    published guide: so the fuzzed bodies reach the real checks, not just "not found"."""
    clock.freeze(T0)
    mentor, mentor_id = actors.signed_in("mentor", languages=["sv"])
    consultant, consultant_id = actors.signed_in("consultant")
    coordinator, _ = actors.signed_in("coordinator")
    make_consultant(db, consultant_id, T0)
    held = make_consult(
        db, mentor_id, T0, status="accepted", consultant_id=consultant_id, accepted_at=T0
    )
    waiting = make_consult(db, mentor_id, T0)
    offer(db, waiting.id, consultant_id, T0)
    db.add(
        Guide(
            slug="fuzz-guide", kind="trigger", topic="general", state="published", title="F",
            summary="s", created_at=T0, updated_at=T0,
        )
    )  # fmt: skip
    db.commit()
    clients = [(c, csrf_token(c)) for c in (mentor, consultant, coordinator)]
    clients.append((app.test_client(), ""))
    return {"clients": clients, "ids": [held.id, waiting.id]}


def _fill(rule: str, consult_id: int) -> str:
    path = re.sub(r"<int:\w+>", str(consult_id), rule)
    return re.sub(r"<\w+>", "fuzz-guide", path)


def assert_nothing_stored_with_control_characters(db) -> None:  # type: ignore[no-untyped-def]
    db.expire_all()
    found = []
    for table in metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, String | Text):
                continue
            for (value,) in db.execute(select(column).where(column.is_not(None))):
                if isinstance(value, str) and bad_character(value, frozenset("\t\n\r")):
                    found.append(f"{table.name}.{column.name}: {value[:40]!r}")
    assert not found, found


def _fuzz_endpoint(client, token: str, method: str, rule: str, ids: list[int]) -> None:  # type: ignore[no-untyped-def]
    @FUZZ
    @given(consult_id=st.sampled_from(ids), body=bodies_for(VALID.get(rule)))
    def run(consult_id, body) -> None:  # type: ignore[no-untyped-def]
        response = client.open(
            _fill(rule, consult_id),
            method=method,
            data=body,
            content_type="application/json",
            headers={"X-CSRFToken": token},
        )
        status = response.status_code
        assert status < 500 or status == 503, (method, rule, status, body[:200])

    run()


def _fuzz_ids(client, token: str, method: str, template: str, ids: list[int]) -> None:  # type: ignore[no-untyped-def]
    values = (
        st.integers(min_value=2**63 - 2, max_value=2**80)
        | st.integers(min_value=-(2**70), max_value=2**70)
        | st.sampled_from(ids)
    )

    @settings(FUZZ, max_examples=5)
    @given(value=values)
    def run(value) -> None:  # type: ignore[no-untyped-def]
        path = template.replace("{id}", str(value))
        response = client.open(path, method=method, data={"csrf_token": token})
        status = response.status_code
        assert status < 500 or status == 503, (method, path, status)

    run()


def test_fuzz_every_json_endpoint(app, db, stage) -> None:  # type: ignore[no-untyped-def]
    endpoints = json_endpoints(app)
    assert len(endpoints) >= 15  # the consult, push, guide, availability and editor APIs
    for method, rule in endpoints:
        for client, token in stage["clients"]:
            _fuzz_endpoint(client, token, method, rule, stage["ids"])
    assert_nothing_stored_with_control_characters(db)


def test_fuzz_every_id_taking_url(app, db, stage) -> None:  # type: ignore[no-untyped-def]
    routes = id_routes(app, "{id}")
    assert len(routes) > 30
    for method, template in routes:
        for client, token in stage["clients"]:
            _fuzz_ids(client, token, method, template, stage["ids"])
    assert_nothing_stored_with_control_characters(db)
