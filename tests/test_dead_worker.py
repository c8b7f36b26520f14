"""A worker that says when it is dead (issue 20 item 2): with no worker round for 30 s (frozen
clock), /healthz says so and lists the workers, the coordinators' dashboard shows a red banner,
and after 5 minutes a web process e-mails each coordinator exactly once."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller

from mentor_app.worker import alarm, heartbeats

TOKEN = "metrics-token-for-tests-0123456789"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(app) -> Iterator[Inbox]:  # type: ignore[no-untyped-def]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(
        SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_STARTTLS=False, SMTP_USER=""
    )
    yield inbox
    controller.stop()


@pytest.fixture
def worker_ran(app, clock):  # type: ignore[no-untyped-def]
    """One worker that completed a round at t0 and then went silent; returns t0."""
    t0 = clock.freeze()
    session = app.extensions["mentor_db"].session()
    row = heartbeats.register(session, t0, host="web-1", pid=4242)
    heartbeats.beat(session, t0, row.id, round_at=t0)
    session.commit()
    session.close()
    app.config.update(
        METRICS_TOKEN=TOKEN,
        WORKER_HEALTH_REQUIRED=True,
        WORKER_ALARM=True,
        WORKER_ALARM_CHECK_SECONDS=0,
        PUBLIC_BASE_URL="https://mentor.example.org",
    )
    return t0


def health(client, token: str | None = TOKEN) -> dict:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get("/healthz", headers=headers).get_json()


def banner_shown(page: str) -> bool:
    """The banner's paragraph has text (empty, CSS hides it: `.worker-banner:empty`)."""
    start = page.index('class="worker-banner"')
    return not page[page.index(">", start) + 1 :].startswith("</p>")


def request_closed(client, path: str = "/healthz") -> None:  # type: ignore[no-untyped-def]
    """A request whose response is closed, as a server does once it is sent (the alarm check
    runs then)."""
    response = client.get(path)
    response.close()


def test_a_silent_worker_is_stale_after_30_s_on_healthz_and_the_dashboard(
    app, actors, clock, worker_ran
) -> None:  # type: ignore[no-untyped-def]
    coordinator, _id = actors.signed_in("coordinator")
    anonymous = app.test_client()

    clock.freeze(worker_ran + timedelta(seconds=29))
    assert health(anonymous, None) == {"status": "ok"}
    assert not banner_shown(coordinator.get("/dashboard/").get_data(as_text=True))
    live = coordinator.get("/api/dashboard/live").get_json()
    assert (live["workers_stalled"], live["worker_banner"]) == (False, "")

    clock.freeze(worker_ran + timedelta(seconds=31))
    assert health(anonymous, None) == {"status": "degraded"}  # anyone: the status only
    detail = health(anonymous)
    assert detail["worker"] == "stale"
    [worker] = detail["workers"]
    assert (worker["host"], worker["pid"]) == ("web-1", 4242)
    assert worker["last_round_at"] == worker_ran.isoformat()
    assert worker["seconds_since_round"] == 31
    page = coordinator.get("/dashboard/").get_data(as_text=True)
    assert banner_shown(page) and "Alerts are not being sent." in page
    live = coordinator.get("/api/dashboard/live").get_json()
    assert live["workers_stalled"] is True
    assert live["worker_banner"].startswith("Alerts are not being sent.")


def test_after_5_minutes_a_web_process_e_mails_each_coordinator_exactly_once(
    app, actors, db, clock, worker_ran, smtp
) -> None:  # type: ignore[no-untyped-def]
    _cora, cora_id = actors.signed_in("coordinator")
    actors.create("mentor")  # not told: mentors cannot fix a worker
    web = app.test_client()

    clock.freeze(worker_ran + timedelta(minutes=4, seconds=59))
    request_closed(web)
    assert smtp.messages == []

    clock.freeze(worker_ran + timedelta(minutes=5, seconds=1))
    request_closed(web)
    request_closed(web, "/login")
    clock.freeze(worker_ran + timedelta(minutes=20))
    request_closed(web)

    from mentor_app.accounts.models import User

    assert len(smtp.messages) == 1
    recipients, raw = smtp.messages[0]
    assert recipients == [db.get(User, cora_id).email]
    mail = message_from_bytes(raw)
    assert mail["Subject"] == "Alerts are not being sent"
    assert (
        "No worker has completed a round for 5 minutes." in mail.get_payload(decode=True).decode()
    )


def test_a_worker_that_recovers_and_dies_again_is_a_new_outage(
    app, actors, clock, worker_ran, smtp
) -> None:  # type: ignore[no-untyped-def]
    actors.signed_in("coordinator")
    context = app.app_context()  # the check runs in one, after a request (alarm.after_request)
    context.push()
    session = app.extensions["mentor_db"].session()
    try:
        at = worker_ran + timedelta(minutes=6)
        assert alarm.check(session, at, app) == 1
        assert alarm.check(session, at, app) == 0  # this outage was told already
        back = at + timedelta(seconds=5)
        row = heartbeats.list_heartbeats(session)[0]
        heartbeats.beat(session, back, row.id, round_at=back)
        session.commit()
        assert alarm.check(session, back + timedelta(minutes=1), app) == 0
        assert alarm.check(session, back + timedelta(minutes=5), app) == 1
    finally:
        session.close()
        context.pop()
    assert len(smtp.messages) == 2


def test_when_smtp_fails_the_alarm_is_tried_again(app, actors, clock, worker_ran) -> None:  # type: ignore[no-untyped-def]
    actors.signed_in("coordinator")
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_STARTTLS=False)
    with app.app_context():
        session = app.extensions["mentor_db"].session()
        try:
            assert alarm.check(session, worker_ran + timedelta(minutes=6), app) == 0
            assert session.get(alarm.WorkerAlarm, worker_ran.isoformat()) is None
        finally:
            session.close()
