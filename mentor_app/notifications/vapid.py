"""The VAPID identity (RFC 8292): the key pair that signs every push request.

Where the keys come from:
- production: `VAPID_PRIVATE_KEY` (base64url of the raw 32-byte P-256 scalar, or a PEM) and,
  optionally, `VAPID_PUBLIC_KEY` (checked against the private key), plus `VAPID_SUBJECT`;
- development: generated once into `instance/vapid_private_key` (mode 0600) by `make run`
  (through `flask dev-keys`) or `flask --app mentor_app vapid-keys`, and read from there;
- tests: an in-memory pair per process when none is configured.

Keys are never committed and never logged: errors name the variable, never its value.
The public key is given to browsers as base64url of the raw uncompressed point (65 bytes, 0x04…),
which is what `pushManager.subscribe({applicationServerKey})` takes.
"""

from __future__ import annotations

import base64
import os
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask

KEY_FILE = "vapid_private_key"
# RFC 8292 allows at most 24 h; push services are stricter in practice, so claims live 12 h.
CLAIMS_LIFETIME = timedelta(hours=12)

_test_keys_lock = threading.Lock()
_test_keys: VapidKeys | None = None


class VapidConfigError(RuntimeError):
    """The configured keys are unusable (the message never contains a key)."""


@dataclass(frozen=True)
class VapidKeys:
    private_key: ec.EllipticCurvePrivateKey
    public_key: str  # base64url, raw uncompressed point
    subject: str

    def __repr__(self) -> str:  # never print the private key, even by accident
        return f"VapidKeys(public_key={self.public_key!r}, subject={self.subject!r})"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict base64url (padding optional); raises ValueError on anything else."""
    if not isinstance(text, str) or not text.isascii():
        raise ValueError("not base64url")
    stripped = text.rstrip("=")
    if any(c not in _B64URL_ALPHABET for c in stripped):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4))


_B64URL_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def public_key_b64(private_key: ec.EllipticCurvePrivateKey) -> str:
    raw = private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(raw)


def private_key_b64(private_key: ec.EllipticCurvePrivateKey) -> str:
    return b64url(private_key.private_numbers().private_value.to_bytes(32, "big"))


def new_private_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def parse_private_key(value: str) -> ec.EllipticCurvePrivateKey:
    value = value.strip()
    try:
        if value.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(value.encode(), password=None)
        else:
            raw = b64url_decode(value.replace("\n", ""))
            if len(raw) == 32:
                key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
            else:
                key = serialization.load_der_private_key(raw, password=None)
    except (ValueError, TypeError) as err:
        raise VapidConfigError("VAPID_PRIVATE_KEY is not a P-256 private key") from err
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise VapidConfigError("VAPID_PRIVATE_KEY is not a P-256 private key")
    return key


def _keys(private_key: ec.EllipticCurvePrivateKey, configured_public: str, subject: str):  # type: ignore[no-untyped-def]
    public = public_key_b64(private_key)
    if configured_public and configured_public.strip().rstrip("=") != public:
        raise VapidConfigError("VAPID_PUBLIC_KEY does not belong to VAPID_PRIVATE_KEY")
    if not subject.startswith(("mailto:", "https:")):
        raise VapidConfigError("VAPID_SUBJECT must be a mailto: or https: contact")
    return VapidKeys(private_key, public, subject)


def ensure_instance_key(instance_dir: Path) -> str | None:
    """Development: create instance/vapid_private_key once. Returns a line to print (public
    key only) when it made one, None when it was already there."""
    path = Path(instance_dir) / KEY_FILE
    if path.exists():
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    key = new_private_key()
    try:
        # O_EXCL: the web process and the worker may both get here first; one wins.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return None
    with os.fdopen(fd, "w") as handle:
        handle.write(private_key_b64(key) + "\n")
    return f"VAPID key pair generated into {path} (public key {public_key_b64(key)})"


def load_keys(config: dict, instance_path: str) -> VapidKeys | None:
    """The app's keys, or None when push is not configured (production without keys)."""
    global _test_keys
    subject = config.get("VAPID_SUBJECT") or ""
    configured = config.get("VAPID_PRIVATE_KEY") or ""
    if configured:
        return _keys(parse_private_key(configured), config.get("VAPID_PUBLIC_KEY") or "", subject)
    if config.get("TESTING"):
        with _test_keys_lock:
            if _test_keys is None:
                _test_keys = _keys(new_private_key(), "", subject or "mailto:tests@localhost")
            return _test_keys
    if config.get("GENERATE_INSTANCE_KEYS"):
        path = Path(instance_path) / KEY_FILE
        ensure_instance_key(Path(instance_path))
        return _keys(parse_private_key(path.read_text()), "", subject)
    return None


def keys_for(app: Flask) -> VapidKeys | None:
    """Cached per app; raises VapidConfigError when keys are configured but unusable."""
    cache = app.extensions.setdefault("mentor_vapid", {})
    if "keys" not in cache:
        cache["keys"] = load_keys(app.config, app.instance_path)
    return cache["keys"]


def origin(endpoint: str) -> str:
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


def claims_for(endpoint: str, subject: str, now: datetime) -> dict[str, str | int]:
    """Fresh claims for one send: audience = the push service's origin, expiry 12 h ahead."""
    return {
        "aud": origin(endpoint),
        "exp": int((now + CLAIMS_LIFETIME).timestamp()),
        "sub": subject,
    }
