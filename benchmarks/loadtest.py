"""The load test (`make loadtest`): N mentors tapping and consultants accepting as offers
arrive, for a fixed time, against gunicorn + PostgreSQL + 2 workers on this machine.

Everything runs here, on 127.0.0.1: a fresh PostgreSQL schema (dropped afterwards), gunicorn
(4 sync workers, as deployed), two `flask worker` processes, a local push service that every
consultant's one device points at, and locust (headless, benchmarks/locustfile.py) in its own
process. After the run the outbox is drained (up to LOADTEST_DRAIN seconds) and the figures are
read from locust's records, the push service and the database:

- taps (new consults), consults in the database, replays answered with another consult;
- duplicates: a consult in the database twice for one tap, a consult accepted by two people,
  or one message delivered to one device twice;
- 5xx answers; lost messages (outbox rows not sent, dead or cancelled after the drain);
- tap latency p50/p95 and tap -> first push request p50/p95.

Settings (environment): LOADTEST_MENTORS (20), LOADTEST_CONSULTANTS (10), LOADTEST_SECONDS
(90), LOADTEST_DRAIN (60), BENCH_DATABASE_URL (the PostgreSQL to use; default the test server).
With the defaults it finishes in under 3 minutes. It prints figures and exits 1 only when the
run itself could not happen or a duplicate, a 5xx or a lost message was seen.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_consults import (  # noqa: E402
    SECRET,
    bench_app,
    fresh_database,
    gunicorn,
    percentile,
    pg_available,
    worker_process,
)
from itsdangerous import URLSafeTimedSerializer  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from mentor_app.accounts import services as accounts  # noqa: E402
from mentor_app.consults.models import Consult, ConsultOffer  # noqa: E402
from mentor_app.notifications.models import DeliveryAttempt, OutboxMessage  # noqa: E402
from mentor_app.notifications.topics import push_topic  # noqa: E402
from mentor_app.notifications.vapid import keys_for, private_key_b64  # noqa: E402
from mentor_app.pool.models import ConsultantLanguage, ConsultantProfile  # noqa: E402
from tests.push_helpers import LocalPushService, add_device  # noqa: E402

MENTORS = int(os.environ.get("LOADTEST_MENTORS", "20"))
CONSULTANTS = int(os.environ.get("LOADTEST_CONSULTANTS", "10"))
SECONDS = int(os.environ.get("LOADTEST_SECONDS", "90"))
DRAIN = int(os.environ.get("LOADTEST_DRAIN", "60"))
LIVE = ("pending", "sending")


def signed_in(app, session, user, now: datetime) -> list[str]:  # type: ignore[no-untyped-def]
    """A session cookie and CSRF token for `user`, as a browser holds them after signing in."""
    import hashlib

    token = accounts.start_session(session, now, user, two_factor_done=True)
    raw = hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324 - Flask-WTF's own format
    cookie = app.session_interface.get_signing_serializer(app)
    csrf = URLSafeTimedSerializer(SECRET, salt="wtf-csrf-token")
    return [cookie.dumps({"sid": token, "csrf_token": raw}), csrf.dumps(raw)]


def seed(url: str, service: LocalPushService) -> dict:
    app = bench_app(url)
    now = datetime.now(UTC)
    people: dict[str, list] = {"mentors": [], "consultants": []}
    with app.test_request_context():
        session = app.extensions["mentor_db"].session()
        for n in range(CONSULTANTS):
            user = accounts.create_user(
                session,
                now,
                email=f"c{n}@load.example",
                display_name=f"C {n}",
                role="consultant",
                password=None,
                languages=["sv", "en"],
            )
            session.add(
                ConsultantProfile(
                    user_id=user.id,
                    vetting_state="active",
                    timezone="Europe/Stockholm",
                    open_consult_limit=50,
                    available_until=now + timedelta(hours=6),
                    vetted_at=now,
                    vetted_by_operator=True,
                    created_at=now,
                    updated_at=now,
                )
            )
            session.flush()
            session.add_all(ConsultantLanguage(user_id=user.id, language=c) for c in ("sv", "en"))
            add_device(session, user.id, service.subscription(f"phone-{n}"))
            people["consultants"].append(signed_in(app, session, user, now))
        accounts.create_user(
            session,
            now,
            email="k@load.example",
            display_name="K",
            role="coordinator",
            password=None,
        )
        for n in range(MENTORS):
            user = accounts.create_user(
                session,
                now,
                email=f"m{n}@load.example",
                display_name=f"M {n}",
                role="mentor",
                password=None,
                languages=["sv", "en"],
            )
            people["mentors"].append(signed_in(app, session, user, now))
        session.commit()
        session.close()
        keys = keys_for(app)
    os.environ["VAPID_PRIVATE_KEY"] = private_key_b64(keys.private_key)
    os.environ["VAPID_SUBJECT"] = keys.subject
    app.extensions["mentor_db"].engine.dispose()
    return people


def run_locust(port: int, credentials: Path, out: Path) -> int:
    env = {
        **os.environ,
        "LOADTEST_CREDENTIALS": str(credentials),
        "LOADTEST_OUT": str(out),
        "LOADTEST_CONSULTANTS": str(CONSULTANTS),
    }
    command = [
        str(Path(sys.executable).parent / "locust"),
        "-f",
        str(ROOT / "benchmarks" / "locustfile.py"),
        "--headless",
        "--only-summary",
        "-u",
        str(MENTORS + CONSULTANTS),
        "-r",
        str(max(1, MENTORS + CONSULTANTS)),
        "-t",
        f"{SECONDS}s",
        "--stop-timeout",
        "10",
        "--host",
        f"http://127.0.0.1:{port}",
        "--loglevel",
        "WARNING",
    ]
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode


def drain(url: str) -> float:
    """Wait until no outbox row is pending or being sent (or DRAIN seconds); returns seconds."""
    app = bench_app(url)
    began = time.monotonic()
    session = app.extensions["mentor_db"].session()
    try:
        while time.monotonic() - began < DRAIN:
            live = session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.state.in_(LIVE))
            )
            session.rollback()
            if not live:
                break
            time.sleep(0.5)
    finally:
        session.close()
        app.extensions["mentor_db"].engine.dispose()
    return time.monotonic() - began


def database_figures(url: str) -> dict:
    app = bench_app(url)
    session = app.extensions["mentor_db"].session()
    try:
        scalar = session.scalar
        figures = {
            "consults": scalar(select(func.count()).select_from(Consult)),
            "accepted": scalar(
                select(func.count()).select_from(Consult).where(Consult.accepted_at.is_not(None))
            ),
            "double_taps": scalar(
                select(func.count()).select_from(
                    select(Consult.mentor_id, Consult.client_key)
                    .group_by(Consult.mentor_id, Consult.client_key)
                    .having(func.count() > 1)
                    .subquery()
                )
            ),
            "double_accepts": scalar(
                select(func.count()).select_from(
                    select(ConsultOffer.consult_id)
                    .where(ConsultOffer.state == "accepted")
                    .group_by(ConsultOffer.consult_id)
                    .having(func.count() > 1)
                    .subquery()
                )
            ),
            "double_deliveries": scalar(
                select(func.count()).select_from(
                    select(DeliveryAttempt.outbox_id, DeliveryAttempt.subscription_id)
                    .where(DeliveryAttempt.status_code.between(200, 299))
                    .group_by(DeliveryAttempt.outbox_id, DeliveryAttempt.subscription_id)
                    .having(func.count() > 1)
                    .subquery()
                )
            ),
            "messages": scalar(select(func.count()).select_from(OutboxMessage)),
            "lost": scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.state.not_in(("sent", "cancelled")))
            ),
            "states": dict(
                session.execute(
                    select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
                )
                .tuples()
                .all()
            ),
        }
        # Where the time goes: the tap's row -> its first offer (routing), an offer's outbox
        # row -> sent (delivery).
        first_offer = (
            select(ConsultOffer.consult_id, func.min(ConsultOffer.offered_at).label("at"))
            .group_by(ConsultOffer.consult_id)
            .subquery()
        )
        figures["routing"] = [
            (at - created).total_seconds()
            for created, at in session.execute(
                select(Consult.created_at, first_offer.c.at).join(
                    first_offer, first_offer.c.consult_id == Consult.id
                )
            ).tuples()
        ]
        figures["delivery"] = [
            (sent - created).total_seconds()
            for created, sent in session.execute(
                select(OutboxMessage.created_at, OutboxMessage.sent_at).where(
                    OutboxMessage.kind == "consult.offer", OutboxMessage.sent_at.is_not(None)
                )
            ).tuples()
        ]
        session.execute(text("SELECT 1"))
        return figures
    finally:
        session.close()
        app.extensions["mentor_db"].engine.dispose()


def first_pushes(service: LocalPushService, consult_ids: list[int]) -> dict[int, float]:
    """{consult id: when the first push about it reached the push service}. Topics are hashes
    of the collapse key (notifications/topics.py), so each consult's is computed here."""
    by_topic = {push_topic(topic_for_id(i)): i for i in consult_ids}
    first: dict[int, float] = {}
    for received in service.delivered():
        consult_id = by_topic.get(received.headers.get("topic", ""))
        if consult_id is not None:
            first[consult_id] = min(first.get(consult_id, received.at), received.at)
    return first


def topic_for_id(consult_id: int) -> str:
    return f"consult-{consult_id}"  # consults/notify.py: topic_for


def ms(values: list[float], q: float) -> str:
    return f"{percentile(values, q) * 1000:.0f} ms" if values else "-"


def main() -> int:
    if not pg_available():
        print("loadtest: no PostgreSQL at BENCH_DATABASE_URL; nothing measured")
        return 1
    print(
        f"== load test: {MENTORS} mentors tapping, {CONSULTANTS} consultants accepting, "
        f"{SECONDS} s, gunicorn (4 sync) + PostgreSQL + 2 workers"
    )
    with ExitStack() as stack, tempfile.TemporaryDirectory() as folder:
        url = stack.enter_context(fresh_database("postgresql"))
        service = stack.enter_context(LocalPushService(verify=False))
        credentials = Path(folder) / "credentials.json"
        credentials.write_text(json.dumps(seed(url, service)))
        out = Path(folder) / "records.jsonl"
        out.touch()
        stack.enter_context(worker_process(url))
        stack.enter_context(worker_process(url))
        port = stack.enter_context(gunicorn(url))
        code = run_locust(port, credentials, out)
        drained = drain(url)
        records = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
        taps = [r for r in records if r["kind"] == "tap"]
        pushes = first_pushes(service, [t["id"] for t in taps])
        figures = database_figures(url)
    replays = [r for r in records if r["kind"] == "replay"]
    server_errors = [r for r in records if r["kind"] == "5xx"]
    to_push = [pushes[t["id"]] - t["began"] for t in taps if t["id"] in pushes]
    duplicates = (
        figures["double_taps"]
        + figures["double_accepts"]
        + figures["double_deliveries"]
        + sum(1 for r in replays if not r["same"])
    )
    print(f"  taps                 {len(taps)} (+{len(replays)} replays of a tap)")
    print(f"  consults             {figures['consults']} ({figures['accepted']} accepted)")
    print(
        f"  duplicates           {duplicates} (double consults {figures['double_taps']}, "
        f"double accepts {figures['double_accepts']}, double deliveries "
        f"{figures['double_deliveries']}, replays answered otherwise "
        f"{sum(1 for r in replays if not r['same'])})"
    )
    print(f"  5xx                  {len(server_errors)}")
    print(
        f"  lost messages        {figures['lost']} of {figures['messages']} "
        f"(outbox after a {drained:.0f} s drain: {figures['states']})"
    )
    tap_seconds = [t["seconds"] for t in taps]
    print(f"  tap                  p50 {ms(tap_seconds, 0.5)}, p95 {ms(tap_seconds, 0.95)}")
    print(
        f"  tap -> first push    p50 {ms(to_push, 0.5)}, p95 {ms(to_push, 0.95)} "
        f"({len(to_push)} of {len(taps)} taps pushed)"
    )
    print(
        f"    of which routing   p50 {ms(figures['routing'], 0.5)}, "
        f"p95 {ms(figures['routing'], 0.95)} (tap -> first offer written by a worker)"
    )
    print(
        f"    and delivery       p50 {ms(figures['delivery'], 0.5)}, "
        f"p95 {ms(figures['delivery'], 0.95)} (offer queued -> push service answered)"
    )
    if code != 0:
        print(f"  (locust exited {code}: see its summary above)")
    return 1 if duplicates or server_errors or figures["lost"] or not taps else 0


if __name__ == "__main__":
    sys.exit(main())
