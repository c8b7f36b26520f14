"""Per-request timing: the latency histogram and the one JSON log line per request."""

from __future__ import annotations

import time
import uuid

from flask import Flask, Response, g, request

from mentor_app import requestlog
from mentor_app.metrics.instruments import REQUEST_SECONDS, status_class

UNMATCHED = "unmatched"  # no route: a 404's path is whatever the client typed, never a label


def _start() -> None:
    g.request_started = time.perf_counter()
    g.request_id = _request_id()


def _request_id() -> str:
    """The proxy's X-Request-ID when it is a plain token (nginx's $request_id), else a new one."""
    offered = request.headers.get("X-Request-ID", "")
    if 8 <= len(offered) <= 64 and offered.replace("-", "").isalnum():
        return offered
    return uuid.uuid4().hex


def _finish(response: Response) -> Response:
    started = g.pop("request_started", None)
    if started is None:
        return response
    seconds = time.perf_counter() - started
    endpoint = request.endpoint or UNMATCHED
    REQUEST_SECONDS.labels(endpoint, status_class(response.status_code)).observe(seconds)
    requestlog.log_request(endpoint, response.status_code, seconds, g.get("request_id"))
    if endpoint != "static":  # static files: every byte counts on a phone's cold load
        response.headers.setdefault("X-Request-ID", g.get("request_id", ""))
    return response


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)
