"""gzip for text responses, so a page loads on one bar of signal.

A small after_request hook rather than a package: the app needs one encoding (gzip, which every
browser accepts), and the hook has to know two things of this app that a general package does
not: a strong ETag on a compressed body becomes weak (the bytes differ from the identity
representation; the guides index still answers 304, because its view compares weakly), and
static files are compressed once per file version, not once per request.
"""

from __future__ import annotations

import gzip
from collections import OrderedDict

from flask import Flask, Response, request

MIN_SIZE = 1024  # below this, the gzip header costs more than it saves
LEVEL = 6
TEXT_TYPES = {
    "application/javascript",
    "application/json",
    "application/manifest+json",
    "application/xml",
    "image/svg+xml",
    "text/css",
    "text/csv",
    "text/html",
    "text/javascript",
    "text/plain",
}
_STATIC_MEMO: OrderedDict[tuple[str, str], bytes] = OrderedDict()
_STATIC_MEMO_SIZE = 64


def _accepts_gzip() -> bool:
    return request.accept_encodings["gzip"] > 0


def _eligible(response: Response) -> bool:
    if response.status_code < 200 or response.status_code in (204, 206, 304):
        return False
    if response.headers.get("Content-Encoding") or response.mimetype not in TEXT_TYPES:
        return False
    if response.is_streamed and not response.direct_passthrough:
        return False  # a generator (a long export): sent as it is produced
    return _accepts_gzip()


def _compressed(data: bytes, response: Response) -> bytes:
    etag = response.headers.get("ETag", "")
    if not (request.path.startswith("/static/") and etag):
        return gzip.compress(data, LEVEL, mtime=0)
    key = (request.path, etag)
    found = _STATIC_MEMO.get(key)
    if found is None:
        found = gzip.compress(data, LEVEL, mtime=0)
        _STATIC_MEMO[key] = found
        if len(_STATIC_MEMO) > _STATIC_MEMO_SIZE:
            _STATIC_MEMO.popitem(last=False)
    return found


def compress(response: Response) -> Response:
    vary = {v.strip().lower() for v in response.headers.get("Vary", "").split(",") if v.strip()}
    if response.mimetype in TEXT_TYPES and "accept-encoding" not in vary:
        response.vary.add("Accept-Encoding")  # caches keep the two encodings apart
    if not _eligible(response):
        return response
    response.direct_passthrough = False  # static files: read the file into the body
    data = response.get_data()
    if len(data) < MIN_SIZE:
        return response
    response.set_data(_compressed(data, response))
    response.headers["Content-Encoding"] = "gzip"
    response.headers.pop("Accept-Ranges", None)  # byte ranges of the file, not of this body
    etag, weak = response.get_etag()
    if etag and not weak:
        response.set_etag(etag, weak=True)
    return response


def init_app(app: Flask) -> None:
    app.after_request(compress)
