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
import ipaddress
import logging
import os
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask

log = logging.getLogger("mentor_app.notifications")

KEY_FILE = "vapid_private_key"
# Development's subject when VAPID_SUBJECT is unset and PUBLIC_BASE_URL is not a public https
# address: a well-formed contact at a documentation domain. Apple accepts its form; production
# refuses it (it reaches nobody) and must name a real contact.
DEVELOPMENT_SUBJECT = "mailto:admin@example.org"
# Names that can never be a reachable contact (RFC 2606, RFC 6761, mDNS, common LAN suffixes).
_UNREACHABLE_SUFFIXES = (
    "localhost",
    "local",
    "test",
    "example",
    "invalid",
    "internal",
    "lan",
    "home.arpa",
    "arpa",
)
# Documentation domains: well-formed, so a push service takes them, but nobody reads the mail.
_PLACEHOLDER_DOMAINS = ("example.com", "example.org", "example.net")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_LOCAL_PART = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}")
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


def _host_problem(host: str) -> str | None:
    """Why `host` cannot be a public contact's domain, or None."""
    host = host.lower().rstrip(".")
    try:
        ipaddress.ip_address(host.strip("[]"))
        return "it names an IP address, not a domain"
    except ValueError:
        pass
    for suffix in _UNREACHABLE_SUFFIXES:
        if host == suffix or host.endswith("." + suffix):
            return f"its domain is {suffix} or ends in .{suffix}, which nobody outside can reach"
    labels = host.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        return "its domain is not a full domain name (like example-agency.org)"
    if not labels[-1].isalpha():
        return "its domain does not end in a real top-level domain"
    return None


def subject_problem(subject: str, *, placeholders_allowed: bool = False) -> str | None:
    """Why push services would refuse `subject` as the VAPID `sub` claim, or None.

    Apple's service answers 403 (BadJwtToken) unless the subject is a contact it can use: a
    `mailto:` address without spaces or angle brackets at a real-looking domain, or an `https:`
    URL of a public host. Refused here: anything else, localhost and the reserved names
    (.local, .test, .example, .invalid, ...), IP addresses, and, unless `placeholders_allowed`
    (development), the documentation domains example.com/.org/.net, which reach nobody."""
    subject = subject or ""
    if subject != subject.strip() or any(c.isspace() or c in "<>" for c in subject):
        return "it contains spaces or angle brackets"
    if subject.startswith("mailto:"):
        local, at, domain = subject.removeprefix("mailto:").rpartition("@")
        if not at or not _LOCAL_PART.fullmatch(local) or "?" in domain:
            return "it is not a plain mailto: address (mailto:someone@your-agency.org)"
        host = domain
    elif subject.startswith("https://"):
        parts = urlsplit(subject)
        if not parts.hostname or parts.username or parts.password:
            return "it is not an https:// address of a host"
        host = parts.hostname
    else:
        return "it is neither a mailto: address nor an https:// URL"
    problem = _host_problem(host)
    placeholder = host.lower().rstrip(".") in _PLACEHOLDER_DOMAINS
    if problem is None and placeholder and not placeholders_allowed:
        problem = f"{host} is a documentation placeholder that reaches nobody"
    return problem


def default_subject(public_base_url: str) -> str:
    """Development's subject: the app's own address when it is a public https one, otherwise
    DEVELOPMENT_SUBJECT."""
    parts = urlsplit(public_base_url or "")
    if parts.scheme == "https" and parts.hostname and _host_problem(parts.hostname) is None:
        return f"https://{parts.hostname}"
    return DEVELOPMENT_SUBJECT


def check_subject_at_startup(config: dict) -> None:
    """Production refuses to start with a subject push services would refuse (raises
    RuntimeError saying why); other environments log a warning."""
    subject = config.get("VAPID_SUBJECT") or ""
    production = config.get("ENV_NAME") == "production"
    if production and not subject and not config.get("VAPID_PRIVATE_KEY"):
        return  # push is off in this deployment: no identity to check
    if not subject and not production:
        return  # development and tests use default_subject()
    problem = subject_problem(subject, placeholders_allowed=not production)
    if problem is None:
        return
    message = (
        f"VAPID_SUBJECT is not a contact push services accept: {problem}. Apple's push "
        "service refuses every message signed with it (403 BadJwtToken). Set it to "
        "mailto:<a monitored address at your organisation's domain> or https://<your public "
        "site>."
    )
    if production:
        raise RuntimeError(message)
    log.warning("%s", message)


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
    if not subject and config.get("ENV_NAME") != "production":
        subject = default_subject(config.get("PUBLIC_BASE_URL") or "")
    configured = config.get("VAPID_PRIVATE_KEY") or ""
    if configured:
        return _keys(parse_private_key(configured), config.get("VAPID_PUBLIC_KEY") or "", subject)
    if config.get("TESTING"):
        with _test_keys_lock:
            if _test_keys is None:
                _test_keys = _keys(new_private_key(), "", subject)
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
