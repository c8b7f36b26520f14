"""Who is asking, behind a reverse proxy: `PROXY_HOPS` trusted proxies, through werkzeug's
`ProxyFix`.

With `PROXY_HOPS=0` (the default) the app is reached directly and every `X-Forwarded-*` header
is ignored: anyone can send one, so trusting it would let a client choose its own address for
the rate limiter and the audit log. With `PROXY_HOPS=N` the app trusts the last N entries of
`X-Forwarded-For` (each proxy appends the address it saw, so the Nth from the right is the
client as the outermost trusted proxy saw it) and of `X-Forwarded-Proto`. Everything that asks
"who" or "over what" then reads the client's view, in one place: `request.remote_addr` (rate
limit keys, `web.client_ip()` for the audit log), `request.scheme` and `request.is_secure` (HSTS,
CSRF's same-origin check over HTTPS) and `url_for(..., _external=True)` (links in invitations).

`X-Forwarded-Host` is not trusted: a proxy that does not set it passes a client's copy through,
which would put an attacker's host into links. The proxy must pass the original `Host` header
instead (nginx: `proxy_set_header Host $host;`). See README, Deploying.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def hops_from(config: dict) -> int:
    """`PROXY_HOPS` as a whole number of proxies, 0 to 5; anything else stops the start."""
    raw = config.get("PROXY_HOPS", 0)
    try:
        hops = int(raw)
    except (TypeError, ValueError):
        hops = -1
    if not 0 <= hops <= 5 or isinstance(raw, bool):
        raise RuntimeError(f"PROXY_HOPS must be a whole number from 0 to 5, not {raw!r}")
    return hops


def init_app(app: Flask) -> None:
    hops = hops_from(app.config)
    app.config["PROXY_HOPS"] = hops
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
