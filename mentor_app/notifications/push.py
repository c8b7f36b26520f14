"""Web Push over HTTP (RFC 8030/8291/8292): the only module that imports pywebpush.

One send = fresh VAPID claims (aud = the endpoint's origin, exp 12 h ahead, sub = the contact),
the payload encrypted with the subscription's keys (aes128gcm), and one POST with TTL, Urgency
and Topic headers and a timeout of at most 10 s. A send never raises: it reports the status
(or that none came), how long it took and a short error, and delivery.py decides what follows.

Sends run in a worker's thread pool, so each thread keeps its own requests.Session (keep-alive
connections to the same push service are reused across sends). Redirects are refused: a push
service never redirects, and following one would let an endpoint point the worker elsewhere.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime

import requests
from py_vapid import Vapid02
from pywebpush import WebPusher, WebPushException

from mentor_app.errors import log_unexpected
from mentor_app.notifications import policy
from mentor_app.notifications.vapid import VapidKeys, claims_for

MAX_ERROR = 300
log = logging.getLogger("mentor_app.notifications")


@dataclass(frozen=True)
class PushTarget:
    subscription_id: int
    endpoint: str
    p256dh: str
    auth: str


@dataclass(frozen=True)
class PushRequest:
    data: bytes  # the JSON payload, encrypted per target
    ttl: int
    urgency: str
    topic: str | None


@dataclass(frozen=True)
class PushResult:
    status_code: int | None
    latency_ms: int
    error: str | None = None
    retry_after: str | None = None
    local_fault: bool = False  # we could not even build the request: retrying will not help

    @property
    def outcome(self) -> policy.Outcome:
        if self.local_fault:
            return policy.Outcome.FAULT
        return policy.classify(self.status_code)


def _short(text: str) -> str:
    return " ".join(text.split())[:MAX_ERROR]


class PushSender:
    def __init__(self, keys: VapidKeys, timeout: float) -> None:
        self._signer = Vapid02(private_key=keys.private_key)
        self._subject = keys.subject
        self._timeout = min(timeout, 10.0)
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.max_redirects = 0
            self._local.session = session
        return session

    def send(self, target: PushTarget, request: PushRequest, now: datetime) -> PushResult:
        started = time.perf_counter()

        def elapsed() -> int:
            return int((time.perf_counter() - started) * 1000)

        try:
            headers = dict(self._signer.sign(claims_for(target.endpoint, self._subject, now)))
            headers["Urgency"] = request.urgency
            if request.topic:
                headers["Topic"] = request.topic
            pusher = WebPusher(
                {
                    "endpoint": target.endpoint,
                    "keys": {"p256dh": target.p256dh, "auth": target.auth},
                },
                requests_session=self._session(),
            )
            response = pusher.send(
                request.data,
                headers=headers,
                ttl=max(1, request.ttl),
                content_encoding="aes128gcm",
                timeout=self._timeout,
            )
        except requests.Timeout:
            return PushResult(None, elapsed(), f"timeout after {self._timeout:g} s")
        except requests.TooManyRedirects as err:
            status = err.response.status_code if err.response is not None else None
            return PushResult(status, elapsed(), "redirect refused", local_fault=status is None)
        except requests.ConnectionError as err:
            # str(err) would carry the endpoint (a capability URL): keep only the kind.
            return PushResult(None, elapsed(), f"connection failed ({type(err).__name__})")
        except requests.RequestException as err:
            return PushResult(None, elapsed(), f"request failed ({type(err).__name__})")
        except (WebPushException, ValueError, TypeError) as err:
            return PushResult(None, elapsed(), _short(f"cannot encode: {err}"), local_fault=True)
        except Exception as err:  # e.g. py_vapid refusing the claims: never retry blindly
            log_unexpected(log, "push send failed unexpectedly")
            return PushResult(
                None, elapsed(), f"internal error ({type(err).__name__})", local_fault=True
            )
        status = response.status_code
        if 200 <= status < 300:
            return PushResult(status, elapsed())
        body = _short(response.text or "")
        return PushResult(
            status,
            elapsed(),
            _short(f"{status} {response.reason or ''} {body}"),
            retry_after=response.headers.get("Retry-After"),
        )
