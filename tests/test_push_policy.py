"""The delivery rules alone (no database, no network)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mentor_app.notifications import policy
from mentor_app.notifications.policy import Decision, Next, Outcome

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)


def retry_policy(max_attempts: int = 6, jitter: float = 0.5) -> policy.RetryPolicy:
    return policy.RetryPolicy(max_attempts, 2.0, 300.0, lambda: jitter)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (201, Outcome.DELIVERED),
        (202, Outcome.DELIVERED),
        (404, Outcome.GONE),
        (410, Outcome.GONE),
        (429, Outcome.RATE_LIMITED),
        (500, Outcome.TRANSIENT),
        (503, Outcome.TRANSIENT),
        (None, Outcome.TRANSIENT),
        (400, Outcome.FAULT),
        (403, Outcome.FAULT),
        (413, Outcome.FAULT),
        (301, Outcome.FAULT),
    ],
)
def test_classify(status: int | None, outcome: Outcome) -> None:
    assert policy.classify(status) is outcome


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert policy.parse_retry_after("120", NOW) == 120.0
    assert policy.parse_retry_after("Mon, 02 Mar 2026 12:05:00 GMT", NOW) == 300.0
    assert policy.parse_retry_after("Mon, 02 Mar 2026 11:00:00 GMT", NOW) == 0.0
    assert policy.parse_retry_after("soon", NOW) is None
    assert policy.parse_retry_after(None, NOW) is None


@given(attempt=st.integers(1, 30), jitter=st.floats(0, 1))
def test_backoff_grows_is_capped_and_jitters_within_half(attempt: int, jitter: float) -> None:
    delay = policy.backoff_seconds(attempt, 2.0, 300.0, lambda: jitter)
    step = min(300.0, 2.0 * 2 ** (attempt - 1))
    assert step / 2 <= delay <= step


def test_delivered_to_one_device_and_nothing_to_retry_is_sent() -> None:
    decision = policy.after_push_round(
        [(Outcome.DELIVERED, None), (Outcome.GONE, None)],
        delivered_before=False,
        attempts=1,
        policy=retry_policy(),
        now=NOW,
        expires_at=LATER,
    )
    assert decision == Decision(Next.SENT)


def test_a_transient_failure_is_retried_even_when_another_device_has_it() -> None:
    decision = policy.after_push_round(
        [(Outcome.DELIVERED, None), (Outcome.TRANSIENT, None)],
        delivered_before=False,
        attempts=1,
        policy=retry_policy(jitter=0.0),
        now=NOW,
        expires_at=LATER,
    )
    assert decision == Decision(Next.RETRY, NOW + timedelta(seconds=1))


def test_rate_limit_waits_for_retry_after_when_longer_than_backoff() -> None:
    decision = policy.after_push_round(
        [(Outcome.RATE_LIMITED, 600.0)],
        delivered_before=False,
        attempts=1,
        policy=retry_policy(),
        now=NOW,
        expires_at=LATER,
    )
    assert decision == Decision(Next.RETRY, NOW + timedelta(seconds=600))


def test_no_retry_past_expiry_or_the_limit() -> None:
    past_expiry = policy.after_push_round(
        [(Outcome.RATE_LIMITED, 7200.0)],
        delivered_before=False,
        attempts=1,
        policy=retry_policy(),
        now=NOW,
        expires_at=LATER,
    )
    assert past_expiry == Decision(Next.FALLBACK)
    spent = policy.after_push_round(
        [(Outcome.TRANSIENT, None)],
        delivered_before=True,
        attempts=6,
        policy=retry_policy(),
        now=NOW,
        expires_at=LATER,
    )
    assert spent == Decision(Next.SENT)


def test_faults_and_gone_devices_go_to_the_fallback() -> None:
    decision = policy.after_push_round(
        [(Outcome.FAULT, None), (Outcome.GONE, None)],
        delivered_before=False,
        attempts=1,
        policy=retry_policy(),
        now=NOW,
        expires_at=LATER,
    )
    assert decision == Decision(Next.FALLBACK)


def test_email_decisions() -> None:
    rp = retry_policy(max_attempts=3, jitter=0.0)
    assert (
        policy.after_email(ok=True, transient=False, attempts=1, policy=rp, now=NOW).next
        is Next.SENT
    )
    retry = policy.after_email(ok=False, transient=True, attempts=1, policy=rp, now=NOW)
    assert retry == Decision(Next.RETRY, NOW + timedelta(seconds=1))
    assert (
        policy.after_email(ok=False, transient=True, attempts=3, policy=rp, now=NOW).next
        is Next.DEAD
    )
    assert (
        policy.after_email(ok=False, transient=False, attempts=1, policy=rp, now=NOW).next
        is Next.DEAD
    )


def test_who_falls_back_and_who_is_escalated() -> None:
    assert policy.falls_back_to_email("consult_offer", True)
    assert not policy.falls_back_to_email("consult_offer", False)
    assert not policy.falls_back_to_email("test", True)
    assert policy.escalates("consult_offer", "consultant")
    assert policy.escalates("consult_unanswered", "coordinator")
    assert not policy.escalates("consult_accepted", "mentor")
    assert not policy.escalates("undeliverable", "coordinator")
    assert not policy.escalates("test", "consultant")


def test_the_pushed_json_has_only_the_agreed_keys_and_fits_in_4_kb() -> None:
    import json

    from mentor_app.notifications import messages

    stored = {"title": "T", "body": "B", "url": "/consults/3", "tag": "c-3", "note": "secret"}
    data = json.loads(messages.push_payload(stored, dedup_key="k", urgent=False, fallback_tag="m1"))
    assert data == {"title": "T", "body": "B", "url": "/consults/3", "tag": "c-3", "id": data["id"]}
    assert data["id"] == messages.message_id("k") and len(data["id"]) == 16
    untagged = messages.push_payload({"title": "T"}, dedup_key="k", urgent=True, fallback_tag="m1")
    assert json.loads(untagged)["tag"] == "m1" and json.loads(untagged)["urgent"] is True
    for url in ("https://elsewhere.example/x", "//elsewhere.example/x", "/" + "a" * 600):
        with pytest.raises(messages.PayloadError):
            messages.push_payload({"url": url}, dedup_key="k", urgent=False, fallback_tag="m")
    with pytest.raises(messages.PayloadError):
        messages.push_payload({"body": "x" * 5000}, dedup_key="k", urgent=False, fallback_tag="m")
