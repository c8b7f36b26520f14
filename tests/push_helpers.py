"""A local push service for tests and benchmarks, and helpers to arrange push data.

`LocalPushService` is a threaded HTTP server on 127.0.0.1 that accepts `POST /push/<token>` the
way a browser vendor's push service does, and refuses what the strictest of them would
(Apple's, Mozilla's and Google's documented rules, RFC 8030/8291/8292):
- 403 for the `Authorization: vapid t=<JWT>, k=<key>` header unless the ES256 JWT verifies with
  `k`, `k` is the app's public key, `aud` is the endpoint's origin, `exp` is in the future and
  at most 24 h ahead, and `sub` is a real contact (Apple: a `mailto:` without spaces or angle
  brackets at a real domain, or an `https:` URL; not localhost, .local, .test, .example,
  .invalid or an IP address);
- 400 for a missing or non-integer `TTL`, an `Urgency` other than very-low/low/normal/high, a
  `Topic` outside the URL-safe base64 alphabet, longer than 32 characters or of a length that
  leaves remainder 1 when divided by 4 (Apple decodes it), or a `Content-Encoding` other than
  aes128gcm;
- 413 for a body over 4096 bytes (after encryption).
It decrypts the body with the subscription's own private key and auth secret (it made them),
so a test asserts on the plaintext the phone would see. Per token it can be told to answer with
other statuses (404, 410, 429 + Retry-After, 500, ...) or to hang.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import re
import secrets
import threading
import time
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from mentor_app.consults.models import Case, Consult
from mentor_app.notifications.models import OutboxMessage, PushUrgency
from mentor_app.notifications.services import Message, enqueue
from mentor_app.notifications.topics import push_topic

HANG = "hang"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Received:
    token: str
    headers: dict[str, str]
    status: int  # what the service answered
    body_size: int
    payload: dict | None
    plaintext: bytes
    problems: list[str]
    at: float = field(default_factory=time.perf_counter)


def verify_vapid(
    authorization: str, expected_key: str | None, origin: str, now: float
) -> tuple[list[str], dict]:
    """Problems with a VAPID Authorization header (RFC 8292), and its claims."""
    problems: list[str] = []
    scheme, _, params = authorization.partition(" ")
    if scheme.lower() != "vapid":
        return [f"scheme {scheme!r} is not vapid"], {}
    parts = dict(p.strip().split("=", 1) for p in params.split(",") if "=" in p)
    token, key = parts.get("t", ""), parts.get("k", "")
    if expected_key is not None and key != expected_key:
        problems.append("k is not the app's public key")
    try:
        header_b64, claims_b64, signature_b64 = token.split(".")
        header = json.loads(unb64url(header_b64))
        claims = json.loads(unb64url(claims_b64))
        signature = unb64url(signature_b64)
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
        der = encode_dss_signature(
            int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        )
        public.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    except (ValueError, InvalidSignature, json.JSONDecodeError) as err:
        return [*problems, f"JWT does not verify: {type(err).__name__}"], {}
    if header.get("alg") != "ES256":
        problems.append("alg is not ES256")
    if claims.get("aud") != origin:
        problems.append(f"aud {claims.get('aud')!r} is not {origin!r}")
    exp = claims.get("exp")
    if not isinstance(exp, int) or not now < exp <= now + 24 * 3600:
        problems.append("exp is not within 24 h")
    sub_problem = contact_problem(str(claims.get("sub", "")))
    if sub_problem:
        problems.append(f"sub {sub_problem}")
    return problems, claims


_NO_CONTACT_SUFFIXES = ("localhost", "local", "test", "example", "invalid")


def contact_problem(sub: str) -> str | None:
    """Apple's rule for the JWT `sub` (403 BadJwtToken otherwise), written independently of the
    app's own check so the two can disagree and a test notice."""
    if re.search(r"[\s<>]", sub):
        return "has spaces or angle brackets"
    if sub.startswith("mailto:"):
        _local, at, host = sub[len("mailto:") :].rpartition("@")
        if not at or not _local:
            return "is not a mailto: address"
    elif sub.startswith("https://"):
        host = sub[len("https://") :].split("/", 1)[0].split(":", 1)[0]
    else:
        return "is not a mailto: or https: contact"
    host = host.lower()
    try:
        ipaddress.ip_address(host.strip("[]"))
        return "names an IP address"
    except ValueError:
        pass
    if "." not in host or any(host == s or host.endswith("." + s) for s in _NO_CONTACT_SUFFIXES):
        return f"names an unreachable domain {host!r}"
    return None


URGENCIES = ("very-low", "low", "normal", "high")
MAX_BODY = 4096


def header_problems(headers: dict[str, str], body: bytes) -> list[tuple[int, str]]:
    """What the push services refuse in the request line and headers, with the status each
    answers: [(400 | 413, why), ...]."""
    problems: list[tuple[int, str]] = []
    ttl = headers.get("ttl")
    if ttl is None or not re.fullmatch(r"[0-9]+", ttl.strip()):
        problems.append((400, "TTL header missing or not an integer"))
    urgency = headers.get("urgency")
    if urgency is not None and urgency not in URGENCIES:
        problems.append((400, f"urgency {urgency!r} is not one of {URGENCIES}"))
    topic = headers.get("topic")
    if topic is not None and (
        not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", topic) or len(topic) % 4 == 1
    ):
        problems.append((400, f"topic {topic!r} is not 1-32 base64url characters"))
    if headers.get("content-encoding") != "aes128gcm":
        problems.append((400, "content-encoding is not aes128gcm"))
    if len(body) > MAX_BODY:
        problems.append((413, f"payload of {len(body)} bytes is over {MAX_BODY}"))
    return problems


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        return None  # a worker killed mid-request (the crash tests) is expected here


class LocalPushService:
    def __init__(self, expected_public_key: str | None = None, verify: bool = True) -> None:
        self.expected_public_key = expected_public_key
        self.verify = verify  # benchmarks switch the checks off to measure the sender alone
        self.keys: dict[str, tuple[ec.EllipticCurvePrivateKey, bytes]] = {}
        self.scripts: dict[str, deque[Any]] = defaultdict(deque)
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)
        self.release = threading.Event()
        self.server = _QuietServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # --- lifecycle

    def __enter__(self) -> LocalPushService:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    @property
    def origin(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    # --- arranging

    def subscription(self, token: str | None = None) -> dict:
        """A browser-like PushSubscription JSON for a new key pair this service keeps."""
        token = token or secrets.token_urlsafe(12)
        private = ec.generate_private_key(ec.SECP256R1())
        auth = secrets.token_bytes(16)
        self.keys[token] = (private, auth)
        public = private.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": f"{self.origin}/push/{token}",
            "expirationTime": None,
            "keys": {"p256dh": b64url(public), "auth": b64url(auth)},
        }

    def script(self, token: str, *responses: Any) -> None:
        """Next answers for a token: a status, (status, headers) or HANG; then 201."""
        with self.lock:
            self.scripts[token].extend(responses)

    # --- reading

    def delivered(self, token: str | None = None) -> list[Received]:
        with self.lock:
            return [
                r
                for r in self.received
                if 200 <= r.status < 300 and (token is None or r.token == token)
            ]

    def all_problems(self) -> list[str]:
        with self.lock:
            return [f"{r.token}: {p}" for r in self.received for p in r.problems]

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len([r for r in self.received if 200 <= r.status < 300]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.arrived.wait(left)
        return True

    # --- serving

    def _handle(
        self, token: str, headers: dict[str, str], body: bytes, arrived: float
    ) -> tuple[int, dict]:
        problems: list[str] = []
        refusal: int | None = None  # the status a real service would answer instead
        payload, plaintext = None, b""
        keys = self.keys.get(token)
        if self.verify:
            auth_problems, _claims = verify_vapid(
                headers.get("authorization", ""), self.expected_public_key, self.origin, time.time()
            )
            if auth_problems:
                problems.extend(auth_problems)
                refusal = 403
            for status, why in header_problems(headers, body):
                problems.append(why)
                refusal = refusal or status
        if keys is None:
            problems.append("unknown token")
        elif self.verify:
            try:
                plaintext = http_ece.decrypt(
                    body, private_key=keys[0], auth_secret=keys[1], version="aes128gcm"
                )
                payload = json.loads(plaintext)
            except Exception as err:
                problems.append(f"cannot decrypt: {type(err).__name__}")
        with self.lock:
            scripted = self.scripts[token].popleft() if self.scripts[token] else 201
        if scripted == HANG:
            self.release.wait(30)
            scripted = 201
        status, extra = scripted if isinstance(scripted, tuple) else (scripted, {})
        if problems and 200 <= status < 300:
            status = refusal or 400
        with self.arrived:
            self.received.append(
                Received(token, headers, status, len(body), payload, plaintext, problems, arrived)
            )
            self.arrived.notify_all()
        return status, extra

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = self.rfile.read(length)
                except ConnectionError:
                    return
                if len(body) < length:
                    return  # the sender died mid-request (crash tests): nothing arrived
                arrived = time.perf_counter()
                if not self.path.startswith("/push/"):
                    self._answer(404, {})
                    return
                token = self.path.removeprefix("/push/")
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, extra = service._handle(token, headers, body, arrived)
                self._answer(status, extra)

            def _answer(self, status: int, extra: dict) -> None:
                try:
                    self.send_response(status)
                    for name, value in extra.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def log_message(self, *_args: object) -> None:
                return None

        return Handler


# --- arranging data ---------------------------------------------------------------------------


def add_device(session, user_id: int, subscription: dict, label: str = "Test device"):  # type: ignore[no-untyped-def]
    from mentor_app.notifications.models import PushSubscription

    device = PushSubscription(
        user_id=user_id,
        endpoint=subscription["endpoint"],
        p256dh=subscription["keys"]["p256dh"],
        auth=subscription["keys"]["auth"],
        device_label=label,
        created_at=datetime.now(UTC),
    )
    session.add(device)
    session.commit()
    return device


def quick_user(session, role: str, name: str | None = None, **fields: Any) -> int:  # type: ignore[no-untyped-def]
    """A user row without password hashing (for tests that need many)."""
    from mentor_app.accounts.models import User

    user = User(
        email=f"{role}-{secrets.token_hex(5)}@example.org",
        display_name=name or f"Test {role}",
        role=role,
        created_at=datetime.now(UTC),
        **fields,
    )
    session.add(user)
    session.commit()
    return user.id


def deliver(app, now: datetime | None = None) -> int:  # type: ignore[no-untyped-def]
    """One delivery round in this process, as the worker's step runs it."""
    from mentor_app.db import get_db, utcnow
    from mentor_app.notifications import delivery

    with app.app_context():
        session = get_db(app).session()
        try:
            done = delivery.run_step(session, now or utcnow(), app)
            session.commit()
        finally:
            session.close()
    return done


# --- messages the way the consult domain queues them -------------------------------------------

CASE_CODE = "K-ZQ7X"
NOTE = "Brother Yusuf called from Malmo about the anniversary of the trial"
MENTOR_NAME = "Ingrid Vasquez-Lindholm"
CONSULTANT_NAME = "Dr Oskar Brannstrom"


def offer(session, now, consultant_id: int, consult_id: int) -> OutboxMessage:  # type: ignore[no-untyped-def]
    """An urgent consult offer, queued the way the consult domain does it."""
    row = enqueue(
        session,
        now,
        user_id=consultant_id,
        kind="consult_offer",
        message=Message(
            title="Urgent consult request",
            body="Urgent · Swedish · bereavement",
            url=f"/consults/{consult_id}",
            tag=f"consult-{consult_id}",
        ),
        dedup_key=f"offer:{consult_id}:{consultant_id}",
        consult_id=consult_id,
        urgency=PushUrgency.HIGH,
        ttl=timedelta(minutes=15),
        topic=push_topic(f"consult-{consult_id}"),
    )
    session.commit()
    return row


def simple(session, now, user_id: int, key: str | None = None, kind: str = "consult_update"):  # type: ignore[no-untyped-def]
    row = enqueue(
        session,
        now,
        user_id=user_id,
        kind=kind,
        message=Message("Consult update", "Open the app to see it", "/", "update"),
        dedup_key=key or f"t:{uuid.uuid4().hex}",
        topic=push_topic("update"),
    )
    session.commit()
    return row


def make_consult(db, now) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    mentor_id = quick_user(db, "mentor", MENTOR_NAME)
    case = Case(code=CASE_CODE, mentor_id=mentor_id, language="sv", created_at=now)
    db.add(case)
    db.flush()
    consult = Consult(
        mentor_id=mentor_id,
        client_key=str(uuid.uuid4()),
        case_id=case.id,
        urgency="urgent",
        topic="bereavement",
        language="sv",
        note=NOTE,
        created_at=now,
        updated_at=now,
    )
    db.add(consult)
    db.commit()
    return mentor_id, consult.id
