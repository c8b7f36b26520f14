"""Access rows for choosing the language: anyone may pick one for this device (the login page
switch); only a signed-in user may store it on their account through the API."""

from __future__ import annotations

from tests.test_access_matrix import expect

ROWS = [
    # An empty form names no language: 400 for everyone, nothing stored.
    ("POST", "/language", expect(400, 400, 400, 400), "/language"),
    ("POST", "/api/me/language", expect(401, 400, 400, 400), "/api/me/language"),
]
