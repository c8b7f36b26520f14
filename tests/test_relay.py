"""The second channel through Apprise (issue 20 item 3), against a local HTTP endpoint: an
Apprise `json://` target on 127.0.0.1 receives the generic text of an offer whose push failed;
retries follow the outbox rules and end in the e-mail fallback; users cannot register a URL;
the test button sends through that channel only."""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from mentor_app.accounts.models import User
from mentor_app.notifications.models import DeliveryAttempt, OutboxMessage
from mentor_app.notifications.vapid import keys_for
from mentor_app.relay import templates
from mentor_app.relay.models import AlertChannel
from tests.conftest import csrf_token
from tests.push_helpers import (
    CASE_CODE,
    CONSULTANT_NAME,
    NOTE,
    LocalPushService,
    add_device,
    deliver,
    make_consult,
    offer,
    quick_user,
)

PHONE = "+46701234567"


class RelayEndpoint:
    """What an SMS gateway's HTTP API looks like to Apprise's json:// plugin."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict]] = []
        self.answers: deque[int] = deque()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                endpoint.received.append((self.path, json.loads(body)))
                status = endpoint.answers.popleft() if endpoint.answers else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def template(self) -> str:
        host, port = self.server.server_address[:2]
        return f"json://{host}:{port}/send/{{address}}?:to={{address}}"


@pytest.fixture
def endpoint(app) -> Iterator[RelayEndpoint]:  # type: ignore[no-untyped-def]
    relay = RelayEndpoint()
    relay.thread.start()
    app.config["ALERT_CHANNELS"] = json.dumps(
        {"sms": {"url": relay.template, "address": "phone", "label": "SMS"}}
    )
    app.config["PUBLIC_BASE_URL"] = "https://mentor.example.org"
    yield relay
    relay.server.shutdown()
    relay.server.server_close()


def choose_sms(db, user_id: int, now, address: str = PHONE) -> None:  # type: ignore[no-untyped-def]
    db.add(
        AlertChannel(
            user_id=user_id, channel="sms", address=address, created_at=now, updated_at=now
        )
    )
    db.commit()


def row_of(db, row_id: int) -> OutboxMessage:  # type: ignore[no-untyped-def]
    db.expire_all()
    return db.get(OutboxMessage, row_id)


def test_an_offer_whose_push_failed_arrives_on_the_second_channel_generic(
    app, db, clock, endpoint
) -> None:  # type: ignore[no-untyped-def]
    now = clock.freeze()
    _mentor, consult_id = make_consult(db, now)
    consultant = quick_user(db, "consultant", CONSULTANT_NAME)
    choose_sms(db, consultant, now)
    with app.app_context():
        public = keys_for(app).public_key
    with LocalPushService(expected_public_key=public) as push:
        add_device(db, consultant, push.subscription("phone"))
        push.script("phone", 410)  # the phone's subscription is gone
        row = offer(db, now, consultant, consult_id)
        deliver(app, now)  # push: 410, so the second channel takes over at once
        handed = row_of(db, row.id)
        assert handed.state == "pending" and handed.relay_at is not None
        deliver(app, handed.next_attempt_at)

    [(path, body)] = endpoint.received
    assert path == f"/send/{PHONE}" and body["to"] == PHONE
    assert body["title"] == "Urgent consult request"
    assert body["message"] == (
        f"Urgent · Swedish · bereavement\nhttps://mentor.example.org/consults/{consult_id}"
    )
    raw = json.dumps(body)
    assert CASE_CODE not in raw and NOTE[:20] not in raw and CONSULTANT_NAME not in raw
    sent = row_of(db, row.id)
    assert (sent.state, sent.channel, sent.relay_attempts) == ("sent", "apprise", 1)
    channels = db.scalars(
        select(DeliveryAttempt.channel).where(DeliveryAttempt.outbox_id == row.id)
    ).all()
    assert sorted(channels) == ["apprise", "push"]
    db.expire_all()
    assert db.get(AlertChannel, consultant).last_success_at is not None


def test_a_failing_second_channel_is_retried_with_backoff_then_e_mail_takes_over(
    app, db, clock, endpoint
) -> None:  # type: ignore[no-untyped-def]
    app.config["OUTBOX_MAX_ATTEMPTS"] = 3
    now = clock.freeze()
    _mentor, consult_id = make_consult(db, now)
    consultant = quick_user(db, "consultant", CONSULTANT_NAME)  # no push device at all
    choose_sms(db, consultant, now)
    endpoint.answers.extend([500, 503, 500])
    row = offer(db, now, consultant, consult_id)

    at = now
    for attempt in (1, 2):
        deliver(app, at)
        pending = row_of(db, row.id)
        assert (pending.state, pending.relay_attempts) == ("pending", attempt)
        assert pending.fallback_at is None
        assert pending.next_attempt_at > at  # backed off, not hammered
        db.expire_all()
        assert db.get(AlertChannel, consultant).failing_since is not None
        at = pending.next_attempt_at
        deliver(app, at - timedelta(milliseconds=1))  # not due yet: nothing is sent
        assert len(endpoint.received) == attempt
    deliver(app, at)  # the third failure spends the attempts: e-mail takes over
    assert len(endpoint.received) == 3
    over = row_of(db, row.id)
    assert over.fallback_at >= at and over.relay_attempts == 3
    deliver(app, over.next_attempt_at)  # the e-mail (console sender in tests) is sent
    assert (row_of(db, row.id).state, row_of(db, row.id).channel) == ("sent", "email")


def test_without_a_second_channel_nothing_changes(app, db, clock, endpoint) -> None:  # type: ignore[no-untyped-def]
    now = clock.freeze()
    _mentor, consult_id = make_consult(db, now)
    consultant = quick_user(db, "consultant", CONSULTANT_NAME)
    row = offer(db, now, consultant, consult_id)
    deliver(app, now)
    deliver(app, now)
    assert endpoint.received == []
    assert row_of(db, row.id).channel == "email"


@pytest.mark.parametrize(
    "typed",
    [
        "https://attacker.example/hook",
        "json://127.0.0.1:9/x",
        "+46 70/123",
        "0701234567",  # no country code
        "+46701234567?x=1",
        "",
    ],
)
def test_a_user_cannot_register_a_url_or_a_bad_number(app, actors, db, endpoint, typed) -> None:  # type: ignore[no-untyped-def]
    client, user_id = actors.signed_in("consultant")
    response = client.post(
        "/account/alert-channel",
        data={"channel": "sms", "address": typed, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 400
    db.expire_all()
    assert db.get(AlertChannel, user_id) is None


def test_a_channel_the_operator_did_not_allow_is_refused(app, actors, db, endpoint) -> None:  # type: ignore[no-untyped-def]
    client, user_id = actors.signed_in("consultant")
    response = client.post(
        "/account/alert-channel",
        data={"channel": "webhook", "address": PHONE, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 400
    assert db.get(AlertChannel, user_id) is None


def test_the_test_button_sends_through_the_second_channel_only(
    app, actors, db, clock, endpoint
) -> None:  # type: ignore[no-untyped-def]
    now = clock.freeze()
    client, user_id = actors.signed_in("consultant")
    page = client.get("/account/settings").get_data(as_text=True)
    assert 'id="alert-channel"' in page
    saved = client.post(
        "/account/alert-channel",
        data={"channel": "sms", "address": "+46 70-123 45 67", "csrf_token": csrf_token(client)},
    )
    assert saved.status_code == 302
    db.expire_all()
    assert db.get(AlertChannel, user_id).address == PHONE
    tested = client.post("/account/alert-channel/test", data={"csrf_token": csrf_token(client)})
    assert tested.status_code == 302
    [row] = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "relay_test")).all()
    assert row.relay_at == now

    deliver(app, now)

    [(_path, body)] = endpoint.received
    assert body["title"] == "Test notification"
    sent = row_of(db, row.id)
    assert (sent.state, sent.channel) == ("sent", "apprise")
    assert "Last received" in client.get("/account/settings").get_data(as_text=True)
    mine = client.get("/me/data.json").get_json()["second_channel"]
    assert (mine["channel"], mine["address"]) == ("sms", PHONE)
    with app.app_context():
        assert db.get(User, user_id) is not None


def test_a_failed_test_is_not_e_mailed_and_nobody_is_alerted(
    app, actors, db, clock, endpoint
) -> None:  # type: ignore[no-untyped-def]
    app.config["OUTBOX_MAX_ATTEMPTS"] = 1
    now = clock.freeze()
    consultant = quick_user(db, "consultant", CONSULTANT_NAME)
    choose_sms(db, consultant, now)
    endpoint.answers.append(500)
    from mentor_app.relay import services

    with app.app_context():
        session = app.extensions["mentor_db"].session()
        row_id = services.queue_test(session, now, consultant, "en").id
        session.commit()
        session.close()
    deliver(app, now)
    assert row_of(db, row_id).state == "dead"
    assert db.scalars(select(OutboxMessage).where(OutboxMessage.kind != "relay_test")).all() == []


@pytest.mark.parametrize(
    "raw",
    [
        '{"sms": "json://{address}/send"}',  # the user's address would choose the host
        '{"sms": "{address}://gw.example/send"}',
        '{"sms": "json://gw.example/send"}',  # no placeholder
        '{"SMS!": "json://gw.example/{address}"}',
        '{"sms": {"url": "json://gw.example/{address}", "address": "url"}}',
        "not json",
    ],
)
def test_operator_templates_that_would_let_an_address_steer_the_request_stop_the_start(
    raw,
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(templates.ChannelConfigError):
        templates.parse(raw)


def test_an_address_is_percent_encoded_into_the_template() -> None:
    [sms] = templates.parse('{"m": "json://gw.example/send/{address}"}').values()
    url = sms.url_for("@alice:matrix.org")
    assert url.startswith("json://gw.example/send/%40alice%3Amatrix.org?")
    assert "cto=4" in url and "rto=10" in url
