"""Access rows for the installable app: the manifest and the offline page are public (the
service worker keeps the offline page for everyone). /sw.js is in notifications.py."""

from __future__ import annotations

from tests.test_access_matrix import expect

ROWS = [
    ("GET", "/manifest.webmanifest", expect(200, 200, 200, 200), "/manifest.webmanifest"),
    ("GET", "/offline", expect(200, 200, 200, 200), "/offline"),
]
