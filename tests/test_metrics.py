"""/metrics (issue 20 item 1): refused without the bearer token; with it, a consult's tap,
delivery and accept move the counters and histograms by exactly what happened; no label value
ever carries a case code, a note or a user id."""

from __future__ import annotations

import uuid

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from mentor_app.accounts.models import User
from mentor_app.notifications.vapid import keys_for
from tests.consult_helpers import make_case, pool, post_json, route_due
from tests.push_helpers import LocalPushService, add_device, deliver

TOKEN = "metrics-token-for-tests-0123456789"
NOTE = "PLANTED-note: the anniversary of the trial is next week"
CASE = "K-PL4NTD"


def scrape(client) -> dict[tuple[str, tuple], float]:  # type: ignore[no-untyped-def]
    """Every sample of the exposition as {(name, sorted labels): value}."""
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def delta(after: dict, before: dict, name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


def test_metrics_is_404_without_a_token_configured(app, client) -> None:  # type: ignore[no-untyped-def]
    app.config["METRICS_TOKEN"] = ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer x"}).status_code == 404


@pytest.mark.parametrize(
    "header", [None, "Bearer wrong-token", f"Basic {TOKEN}", "Bearer", f"bearer  {TOKEN}x"]
)
def test_metrics_refuses_a_missing_or_wrong_token(app, client, header) -> None:  # type: ignore[no-untyped-def]
    app.config["METRICS_TOKEN"] = TOKEN
    headers = {"Authorization": header} if header else {}
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "mentor_" not in response.get_data(as_text=True)


def test_a_consult_moves_the_counters_and_no_label_carries_personal_text(
    app, actors, db, clock
) -> None:  # type: ignore[no-untyped-def]
    app.config["METRICS_TOKEN"] = TOKEN
    scraper = app.test_client()
    t0 = clock.freeze()  # the local push service checks VAPID expiry against the real clock
    consultants = pool(actors, db, t0, 2)
    with app.app_context():
        public = keys_for(app).public_key
    with LocalPushService(expected_public_key=public) as push:
        for n, consultant_id in enumerate(consultants):
            add_device(db, consultant_id, push.subscription(f"phone{n}"))
        mentor, mentor_id = actors.signed_in("mentor", languages=["sv"])
        make_case(db, mentor_id, t0, code=CASE)
        before = scrape(scraper)

        tap = {"client_key": str(uuid.uuid4()), "urgency": "urgent", "note": NOTE}
        response = post_json(mentor, "/api/consults", {**tap, "case_code": CASE})
        assert response.status_code == 201, response.get_json()
        consult_id = response.get_json()["id"]
        assert post_json(mentor, "/api/consults", {**tap, "case_code": CASE}).status_code == 200
        route_due(app)
        assert deliver(app, t0) == 2
        assert push.all_problems() == []

        clock.advance(seconds=90)
        consultant = app.test_client()
        actors.login(consultant, db.get(User, consultants[0]).email)
        accepted = post_json(consultant, f"/api/consults/{consult_id}/accept")
        assert accepted.status_code == 200, accepted.get_json()
        after = scrape(scraper)
        exposition = scraper.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(
            as_text=True
        )

    # One tap counted once (the replay is not a new consult).
    assert delta(after, before, "mentor_consults_created_total", urgency="urgent") == 1
    # Two offers pushed, each accepted by the local push service.
    assert (
        delta(after, before, "mentor_delivery_attempts_total", channel="push", result="sent") == 2
    )
    assert delta(after, before, "mentor_delivery_latency_seconds_count", channel="push") == 2
    # The accept, 90 s after the tap.
    assert (
        delta(after, before, "mentor_consult_time_to_accept_seconds_count", urgency="urgent") == 1
    )
    assert delta(after, before, "mentor_consult_time_to_accept_seconds_sum", urgency="urgent") == 90
    assert (
        delta(
            after,
            before,
            "mentor_consult_time_to_accept_seconds_bucket",
            urgency="urgent",
            le="60.0",
        )
        == 0
    )
    # Gauges read from the database at scrape time.
    assert after[("mentor_consults", (("status", "accepted"), ("urgency", "urgent")))] == 1
    assert after[("mentor_consults", (("status", "open"), ("urgency", "urgent")))] == 0
    assert after[("mentor_outbox_messages", (("channel", "push"), ("state", "sent")))] >= 2
    assert after[("mentor_outbox_oldest_due_age_seconds", ())] >= 0
    assert ("mentor_oncall_coverage_gap_hours", (("language", "sv"),)) in after
    assert after[("mentor_database_up", ())] == 1
    # The tap and its replay were timed under their endpoint's name, not their path.
    assert (
        delta(
            after,
            before,
            "mentor_http_request_duration_seconds_count",
            endpoint="consults_api.create",
            status_class="2xx",
        )
        == 2
    )

    # No label value anywhere carries the case code, the note, an id or a path.
    values = {
        value for (name, labels) in after if name.startswith("mentor_") for _k, value in labels
    }
    assert not [v for v in values if CASE in v or "PLANTED" in v or "anniversary" in v]
    assert not [v for v in values if v.isdigit() and int(v) in {mentor_id, consult_id}]
    assert CASE not in exposition and "anniversary" not in exposition


def test_a_404_path_is_never_a_label(app, client) -> None:  # type: ignore[no-untyped-def]
    app.config["METRICS_TOKEN"] = TOKEN
    assert client.get("/cases/K-PL4NTD/oops").status_code == 404
    after = scrape(client)
    endpoints = {dict(labels).get("endpoint") for (_n, labels) in after}
    assert "unmatched" in endpoints
    assert not [e for e in endpoints if e and "K-" in e]


def test_a_rolled_back_accept_is_not_counted(app, db, clock) -> None:  # type: ignore[no-untyped-def]
    from mentor_app.metrics import instruments

    session = app.extensions["mentor_db"].session()
    before = instruments.TIME_TO_ACCEPT.labels("soon")._sum.get()
    session.execute(text("SELECT 1"))  # a transaction under way, as in a request
    instruments.consult_accepted(session, "soon", 30.0)
    session.rollback()
    session.commit()
    assert instruments.TIME_TO_ACCEPT.labels("soon")._sum.get() == before
    session.execute(text("SELECT 1"))
    instruments.consult_accepted(session, "soon", 30.0)
    session.commit()
    assert instruments.TIME_TO_ACCEPT.labels("soon")._sum.get() == before + 30
    session.close()
