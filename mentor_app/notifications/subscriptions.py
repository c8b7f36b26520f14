"""Devices that receive push: validating a browser's PushSubscription and keeping the table.

Services take the session and `now`, flush, and never commit (the request commits).
"""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor_app.audit import services as audit
from mentor_app.notifications.models import PushPermissionState, PushSubscription
from mentor_app.notifications.vapid import b64url_decode

MAX_ENDPOINT = 1024
MAX_KEY_TEXT = 128
# A user rarely has more than a phone, a tablet and a computer or two. Past this, the device
# that has gone longest without receiving anything makes room (it is very likely gone).
MAX_DEVICES = 10
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class InvalidSubscription(ValueError):
    """The message is safe to show: it names the problem, never the value."""


@dataclass(frozen=True)
class SubscriptionInput:
    endpoint: str
    p256dh: str
    auth: str


@dataclass(frozen=True)
class EndpointRules:
    allow_loopback: bool = False
    host_suffixes: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, config: dict) -> EndpointRules:
        hosts = tuple(
            h.strip().lower().lstrip(".")
            for h in (config.get("PUSH_ENDPOINT_HOSTS") or "").split(",")
            if h.strip()
        )
        return cls(bool(config.get("PUSH_ALLOW_LOOPBACK")), hosts)


def _host_allowed(host: str, suffixes: tuple[str, ...]) -> bool:
    return not suffixes or any(host == s or host.endswith("." + s) for s in suffixes)


def check_endpoint(endpoint: object, rules: EndpointRules) -> str:
    if not isinstance(endpoint, str) or not endpoint:
        raise InvalidSubscription("endpoint is required")
    if len(endpoint) > MAX_ENDPOINT:
        raise InvalidSubscription("endpoint is too long")
    if not endpoint.isascii() or any(c.isspace() or ord(c) < 32 for c in endpoint):
        raise InvalidSubscription("endpoint is not a URL")
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as err:
        raise InvalidSubscription("endpoint is not a URL") from err
    if not host or parts.username is not None or parts.password is not None or parts.fragment:
        raise InvalidSubscription("endpoint is not a push service URL")
    if parts.scheme == "http" and host in LOOPBACK_HOSTS and rules.allow_loopback:
        return endpoint
    if parts.scheme != "https":
        raise InvalidSubscription("endpoint must be an https: URL")
    if rules.host_suffixes and (_is_ip(host) or not _host_allowed(host, rules.host_suffixes)):
        raise InvalidSubscription("endpoint is not a known push service")
    return endpoint


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _key(value: object, name: str, size: int) -> bytes:
    if not isinstance(value, str) or not value or len(value) > MAX_KEY_TEXT:
        raise InvalidSubscription(f"keys.{name} is missing or too long")
    try:
        raw = b64url_decode(value)
    except ValueError as err:
        raise InvalidSubscription(f"keys.{name} is not base64url") from err
    if len(raw) != size:
        raise InvalidSubscription(f"keys.{name} must be {size} bytes")
    return raw


def parse_subscription(data: object, rules: EndpointRules) -> SubscriptionInput:
    """The browser's `PushSubscription.toJSON()`: endpoint, keys.p256dh, keys.auth and an
    optional expirationTime (ignored: push services report expiry with 404/410)."""
    if not isinstance(data, dict):
        raise InvalidSubscription("send the subscription as a JSON object")
    endpoint = check_endpoint(data.get("endpoint"), rules)
    expiration = data.get("expirationTime")
    if expiration is not None and (
        isinstance(expiration, bool) or not isinstance(expiration, int | float)
    ):
        raise InvalidSubscription("expirationTime must be a number or null")
    keys = data.get("keys")
    if not isinstance(keys, dict):
        raise InvalidSubscription("keys are required")
    p256dh = _key(keys.get("p256dh"), "p256dh", 65)
    if p256dh[0] != 0x04:
        raise InvalidSubscription("keys.p256dh must be an uncompressed P-256 point")
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), p256dh)
    except ValueError as err:
        raise InvalidSubscription("keys.p256dh is not a point on P-256") from err
    _key(keys.get("auth"), "auth", 16)
    return SubscriptionInput(endpoint, keys["p256dh"].rstrip("="), keys["auth"].rstrip("="))


def parse_endpoint_only(data: object) -> str:
    if not isinstance(data, dict):
        raise InvalidSubscription("send a JSON object")
    endpoint = data.get("endpoint")
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > MAX_ENDPOINT:
        raise InvalidSubscription("endpoint is required")
    return endpoint


def active_devices(session: Session, user_id: int) -> list[PushSubscription]:
    return list(
        session.scalars(
            select(PushSubscription)
            .where(PushSubscription.user_id == user_id, PushSubscription.disabled_at.is_(None))
            .order_by(PushSubscription.created_at, PushSubscription.id)
        )
    )


def get_device_for(session: Session, user_id: int, device_id: int) -> PushSubscription | None:
    """A device of this user (None for anyone else's: the view answers 404)."""
    device = session.get(PushSubscription, device_id)
    if device is None or device.user_id != user_id or device.disabled_at is not None:
        return None
    return device


def register(
    session: Session,
    now: datetime,
    *,
    user_id: int,
    data: SubscriptionInput,
    label: str,
    ip: str | None,
) -> tuple[PushSubscription, bool]:
    """Store or refresh a subscription; returns (row, created). An endpoint known for another
    user is moved to this one: the device changed hands, and the audit log says so."""
    row = session.scalar(select(PushSubscription).where(PushSubscription.endpoint == data.endpoint))
    created = False
    if row is None:
        row = PushSubscription(user_id=user_id, endpoint=data.endpoint, created_at=now)
        session.add(row)
        created = True
    elif row.user_id != user_id:
        audit.record(
            session,
            now,
            "push.subscription_reassigned",
            actor_id=user_id,
            object_type="push_subscription",
            object_id=row.id,
            ip=ip,
            details={"previous_user_id": row.user_id},
        )
        row.user_id = user_id
        row.created_at = now
        row.last_success_at = None
        created = True
    elif row.disabled_at is not None:
        created = True  # a device back from the dead counts as added again
    row.p256dh, row.auth = data.p256dh, data.auth
    if created or not row.device_label:
        row.device_label = label[:80]
    row.disabled_at = None
    row.disabled_reason = None
    row.failing_since = None
    session.flush()
    if created:
        audit.record(
            session,
            now,
            "push.subscription_added",
            actor_id=user_id,
            object_type="push_subscription",
            object_id=row.id,
            ip=ip,
            details={"device": row.device_label},
        )
        _make_room(session, now, user_id, keep=row.id)
    clear_denied(session, now, user_id)
    return row, created


def _make_room(session: Session, now: datetime, user_id: int, keep: int) -> None:
    devices = [d for d in active_devices(session, user_id) if d.id != keep]
    overflow = len(devices) + 1 - MAX_DEVICES
    if overflow <= 0:
        return
    oldest_first = sorted(devices, key=lambda d: (d.last_success_at or d.created_at, d.id))
    for device in oldest_first[:overflow]:
        disable(session, now, device, "device limit")


def disable(session: Session, now: datetime, device: PushSubscription, reason: str) -> None:
    device.disabled_at = now
    device.disabled_reason = reason[:40]
    session.flush()


def remove(
    session: Session, now: datetime, device: PushSubscription, *, actor_id: int, ip: str | None
) -> None:
    disable(session, now, device, "removed by user")
    audit.record(
        session,
        now,
        "push.subscription_removed",
        actor_id=actor_id,
        object_type="push_subscription",
        object_id=device.id,
        ip=ip,
    )


def remove_by_endpoint(
    session: Session, now: datetime, *, user_id: int, endpoint: str, ip: str | None
) -> bool:
    row = session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    if row is None or row.user_id != user_id or row.disabled_at is not None:
        return False
    remove(session, now, row, actor_id=user_id, ip=ip)
    return True


def renew(
    session: Session,
    now: datetime,
    *,
    old_endpoint: str,
    old_auth: str,
    data: SubscriptionInput,
    ip: str | None,
) -> PushSubscription | None:
    """The browser replaced a subscription (`pushsubscriptionchange`, often long after the last
    sign-in, so without a session). The old endpoint and its auth secret, which only that
    browser and this server know, prove it is the same device. None when they do not match."""
    old = session.scalar(select(PushSubscription).where(PushSubscription.endpoint == old_endpoint))
    if old is None or not hmac.compare_digest(old.auth.encode(), old_auth.rstrip("=").encode()):
        return None
    if old.disabled_reason in ("removed by user",):
        return None  # the user turned this device off; a renewal must not undo that
    new, _created = register(
        session, now, user_id=old.user_id, data=data, label=old.device_label, ip=ip
    )
    if new.id != old.id and old.disabled_at is None:
        disable(session, now, old, "replaced")
    return new


def report_permission(session: Session, now: datetime, user_id: int, state: str) -> None:
    """What the page found in `Notification.permission` ("denied", "granted", "default")."""
    row = session.get(PushPermissionState, user_id)
    if row is None:
        row = PushPermissionState(user_id=user_id, updated_at=now)
        session.add(row)
    if state == "denied":
        row.denied_at = row.denied_at or now
    else:
        row.denied_at = None
    row.updated_at = now
    session.flush()


def clear_denied(session: Session, now: datetime, user_id: int) -> None:
    row = session.get(PushPermissionState, user_id)
    if row is not None and row.denied_at is not None:
        row.denied_at = None
        row.updated_at = now
        session.flush()
