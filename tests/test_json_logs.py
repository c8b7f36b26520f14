"""Structured logs (issue 20 item 4): one JSON line per request and per worker step, with the
request id, route template, status, duration and user id, and nothing a person typed."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from mentor_app import requestlog
from mentor_app.worker.loop import NamedStep, Worker
from tests.consult_helpers import make_case, make_consult


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """What the JSON handler (the one LOG_FORMAT=json installs) writes, line by line."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(requestlog.json_formatter())
    loggers = [requestlog.REQUEST_LOG, requestlog.STEP_LOG]
    for logger in loggers:
        logger.addHandler(handler)
    yield out
    for logger in loggers:
        logger.removeHandler(handler)


def records(out: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def test_a_request_is_one_json_line_without_what_was_typed(
    app, actors, db, clock, json_lines
) -> None:  # type: ignore[no-untyped-def]
    now = clock.freeze()
    mentor, mentor_id = actors.signed_in("mentor")
    case = make_case(db, mentor_id, now, code="K-PLNT42")
    consult = make_consult(db, mentor_id, now, case_id=case.id, note="PLANTED-note words")
    json_lines.truncate(0)
    json_lines.seek(0)

    response = mentor.get(
        f"/consults/{consult.id}?q=PLANTED-search&case=K-PLNT42",
        headers={"X-Request-ID": "abcdef0123456789"},
    )
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "abcdef0123456789"

    [line] = [r for r in records(json_lines) if r.get("endpoint") != "static"]
    assert line["message"] == "request"
    assert line["logger"] == "mentor_app.requests"
    assert line["request_id"] == "abcdef0123456789"
    assert line["route"] == "/consults/<int:consult_id>"
    assert (line["method"], line["status"], line["user_id"]) == ("GET", 200, mentor_id)
    assert isinstance(line["duration_ms"], float)
    raw = json_lines.getvalue()
    assert "PLANTED" not in raw and "K-PLNT42" not in raw and "?" not in raw


def test_a_forged_request_id_is_replaced(app, client, json_lines) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"})
    [line] = records(json_lines)
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert "<" not in line["request_id"] and len(line["request_id"]) == 32
    assert line["user_id"] is None


def test_a_worker_step_that_did_something_is_one_json_line(app, json_lines) -> None:  # type: ignore[no-untyped-def]
    previous = requestlog.STEP_LOG.level
    requestlog.STEP_LOG.setLevel(logging.INFO)  # idle steps are DEBUG: not asked for here
    try:
        worker = Worker(
            app.extensions["mentor_db"],
            steps=[NamedStep("busy", lambda s, n: 3), NamedStep("idle", lambda s, n: 0)],
        )
        worker.run_once()
    finally:
        requestlog.STEP_LOG.setLevel(previous)
    [line] = records(json_lines)
    assert (line["message"], line["step"], line["done"], line["failed"]) == (
        "worker step",
        "busy",
        3,
        False,
    )
    assert line["duration_ms"] >= 0


def test_log_format_json_installs_one_handler_with_the_query_filter(app) -> None:  # type: ignore[no-untyped-def]
    from mentor_app.logfilter import DropQueryStrings

    root = logging.getLogger()
    level = root.level
    app.config["LOG_FORMAT"] = "json"
    try:
        requestlog.configure(app)
        requestlog.configure(app)  # twice: still one
        mine = [h for h in root.handlers if getattr(h, "mentor_json", False)]
        assert len(mine) == 1
        assert any(isinstance(f, DropQueryStrings) for f in mine[0].filters)
    finally:
        for handler in [h for h in root.handlers if getattr(h, "mentor_json", False)]:
            root.removeHandler(handler)
        root.setLevel(level)
