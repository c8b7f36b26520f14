"""The counters and histograms the processes update as things happen.

Every label value comes from a fixed set (see `closed`), so no label can ever carry an id, a
case code or free text, and the number of time series stays bounded. Values are observed only
after the transaction that caused them committed (`after_commit`): a rolled-back accept is not
counted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prometheus_client import Counter, Histogram
from sqlalchemy import event
from sqlalchemy.orm import Session

from mentor_app import requestlog

REQUEST_SECONDS = Histogram(
    "mentor_http_request_duration_seconds",
    "Time to answer a request, by Flask endpoint and status class.",
    ["endpoint", "status_class"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
DELIVERY_ATTEMPTS = Counter(
    "mentor_delivery_attempts_total",
    "Delivery attempts by channel and result (sent, gone, retry, fault).",
    ["channel", "result"],
)
SEND_SECONDS = Histogram(
    "mentor_delivery_latency_seconds",
    "How long one send took (push service, Apprise target or SMTP server), by channel.",
    ["channel"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
CONSULTS_CREATED = Counter(
    "mentor_consults_created_total", "Consult requests created (replays not counted).", ["urgency"]
)
TIME_TO_ACCEPT = Histogram(
    "mentor_consult_time_to_accept_seconds",
    "From the tap to the accept, by urgency.",
    ["urgency"],
    buckets=(10, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600),
)
WORKER_STEPS = Counter(
    "mentor_worker_steps_total", "Worker steps run, by step name and result.", ["step", "result"]
)

CHANNELS = ("push", "apprise", "email")
RESULTS = ("sent", "gone", "retry", "fault")
URGENCIES = ("urgent", "soon", "routine")
OTHER = "other"


def closed(value: object, allowed: Iterable[str]) -> str:
    """`value` when it is one of `allowed`, else "other": a label never takes a stray value."""
    return value if isinstance(value, str) and value in allowed else OTHER


def status_class(status: int) -> str:
    """200 -> "2xx"."""
    return f"{status // 100}xx" if 100 <= status < 600 else OTHER


# --- counting after commit --------------------------------------------------------------------

_PENDING = "mentor_metrics_pending"


def on_commit(session: Session, observe: Callable[[], None]) -> None:
    """Run `observe` once `session` commits; drop it if the session rolls back."""
    session.info.setdefault(_PENDING, []).append(observe)


@event.listens_for(Session, "after_commit")
def _observe_committed(session: Session) -> None:
    for observe in session.info.pop(_PENDING, []):
        observe()


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction: object) -> None:
    # A savepoint rolled back (a replayed tap) leaves the outer transaction and what it will
    # commit alone; only the outermost rollback discards.
    if not getattr(previous_transaction, "nested", False):
        session.info.pop(_PENDING, None)


def consult_created(session: Session, urgency: str) -> None:
    label = closed(urgency, URGENCIES)
    on_commit(session, lambda: CONSULTS_CREATED.labels(label).inc())


def consult_accepted(session: Session, urgency: str, waited_seconds: float) -> None:
    label = closed(urgency, URGENCIES)
    on_commit(session, lambda: TIME_TO_ACCEPT.labels(label).observe(max(0.0, waited_seconds)))


def delivery_attempt(session: Session, channel: str, result: str, seconds: float | None) -> None:
    """One send's result; counted when the round's record phase commits."""
    ch, res = closed(channel, CHANNELS), closed(result, RESULTS)

    def observe() -> None:
        DELIVERY_ATTEMPTS.labels(ch, res).inc()
        if seconds is not None:
            SEND_SECONDS.labels(ch).observe(max(0.0, seconds))

    on_commit(session, observe)


def observe_step(step: str, done: int, failed: bool, seconds: float) -> None:
    """One worker step: counted, and logged (INFO when it did something or failed, else DEBUG:
    an idle worker polls several times a second)."""
    WORKER_STEPS.labels(step, "failed" if failed else "worked" if done else "idle").inc()
    requestlog.log_step(step, done, failed, seconds)
