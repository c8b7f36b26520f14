"""The notifications this domain sends itself, and the exact bytes a phone receives.

Every text here is generic by construction (ARCHITECTURE.md rule 6): no names, case codes,
notes or message text. The pushed JSON is {title, body, url, tag, id[, urgent]}: `id` is a short
hash of the outbox row's dedup key, so a message delivered twice (at-least-once delivery after a
worker crash) carries the same id and tag both times, and the service worker shows it once.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from flask_babel import force_locale
from flask_babel import gettext as _

from mentor_app.notifications.services import Message

# aes128gcm adds 86 header bytes and 17 per record (one record of at most 4096 bytes), so the
# plaintext must stay within 4096 - 86 - 17 for the encrypted push to fit in 4 KB.
MAX_PUSH_BYTES = 4096
MAX_PLAINTEXT = MAX_PUSH_BYTES - 86 - 17
MAX_URL = 512

TEST_TTL = timedelta(minutes=10)
UNDELIVERABLE_TTL = timedelta(hours=4)
SHIFT_WARNING_TTL = timedelta(hours=1)


class PayloadError(ValueError):
    """The stored payload cannot be pushed (too large, or not the agreed shape)."""


def message_id(dedup_key: str) -> str:
    return hashlib.sha256(dedup_key.encode()).hexdigest()[:16]


def push_payload(payload: dict, *, dedup_key: str, urgent: bool, fallback_tag: str) -> bytes:
    """The JSON the service worker receives: only the agreed keys, whatever the row holds."""
    url = payload.get("url") or "/"
    if not isinstance(url, str) or not url.startswith("/") or url.startswith("//"):
        raise PayloadError("url must be a path on this site")
    if len(url) > MAX_URL:
        raise PayloadError("url too long")
    data: dict[str, object] = {
        "title": str(payload.get("title") or "mentor_app"),
        "body": str(payload.get("body") or ""),
        "url": url,
        "tag": str(payload.get("tag") or fallback_tag),
        "id": message_id(dedup_key),
    }
    if urgent:
        data["urgent"] = True
    encoded = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    if len(encoded) > MAX_PLAINTEXT:
        raise PayloadError("payload larger than a 4 KB push")
    return encoded


def test_message(locale: str) -> Message:
    with force_locale(locale):
        return Message(
            title=_("Test notification"),
            body=_("Notifications reach this device."),
            url="/account/settings#notifications",
            tag="test",
        )


def undeliverable_message(locale: str, pool_url: str) -> Message:
    with force_locale(locale):
        return Message(
            title=_("A consultant alert could not be delivered"),
            body=_("Check who is reachable in the pool list."),
            url=pool_url,
            tag="undeliverable",
        )


def shift_warning_message(locale: str) -> Message:
    with force_locale(locale):
        return Message(
            title=_("Your on-call time starts soon"),
            body=_("Notifications cannot reach you. Open Settings to fix it before it starts."),
            url="/account/settings#notifications",
            tag="shift-warning",
        )
