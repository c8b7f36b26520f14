"""Access rows for issue 20: /metrics (404 while METRICS_TOKEN is unset, as in the matrix's
app; tests/test_metrics.py covers the token) and the second channel's Settings actions (with
no ALERT_CHANNELS configured: nothing to choose, 404; no channel to test, 400; removing
nothing is harmless, 302)."""

from __future__ import annotations

from tests.test_access_matrix import expect

ROWS = [
    ("GET", "/metrics", expect(404, 404, 404, 404), "/metrics"),
    ("POST", "/account/alert-channel", expect(302, 404, 404, 404), "/account/alert-channel"),
    (
        "POST",
        "/account/alert-channel/remove",
        expect(302, 302, 302, 302),
        "/account/alert-channel/remove",
    ),
    (
        "POST",
        "/account/alert-channel/test",
        expect(302, 400, 400, 400),
        "/account/alert-channel/test",
    ),
]
