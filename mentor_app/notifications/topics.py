"""The push `Topic` header (RFC 8030 §5.4): one function makes every topic.

A topic lets the push service keep only the newest undelivered message with it ("taken by a
colleague" replaces a still-queued offer). The services are strict about its form: Apple's
decodes it as base64url and answers 400 to a character outside the URL-safe alphabet, to more
than 32 characters, or to a length that leaves remainder 1 when divided by 4 (no base64 text
has that length). So a topic is never a readable name: `push_topic(key)` hashes the collapse
key (for example "consult-17") and encodes 18 bytes of the digest as 24 base64url characters,
which passes every service's rule and says nothing about the key. `enqueue` refuses anything
that is not such a topic (ValueError).
"""

from __future__ import annotations

import base64
import hashlib
import re

TOPIC_LENGTH = 24  # characters: 18 digest bytes in base64url, no padding
_TOPIC_FORM = re.compile(r"[A-Za-z0-9_-]{1,32}")


def push_topic(key: str) -> str:
    """The Topic for everything that should collapse under `key` (e.g. "consult-17")."""
    digest = hashlib.sha256(f"mentor_app topic:{key}".encode()).digest()[:18]
    return base64.urlsafe_b64encode(digest).decode("ascii")


def is_valid_topic(topic: object) -> bool:
    """True when every push service accepts `topic`: the URL-safe base64 alphabet only,
    1 to 32 characters, and a length that is not 1 more than a multiple of 4."""
    return isinstance(topic, str) and bool(_TOPIC_FORM.fullmatch(topic)) and len(topic) % 4 != 1
