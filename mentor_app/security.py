"""Response headers, role checks, and the helpers that decide who may see which object."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Response, abort, current_app, g, jsonify, request
from flask_login import current_user

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger(__name__)

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)

# Paths whose responses carry no personal data and may be cached (by the service worker too).
PUBLIC_CACHEABLE_PREFIXES = ("/static/",)
GUIDE_PREFIX = "/guides"


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def json_error(status: int, message: str) -> tuple[Response, int]:
    return jsonify({"error": message}), status


def _cache_policy(response: Response) -> None:
    path = request.path
    if path.startswith(PUBLIC_CACHEABLE_PREFIXES):
        return  # static files set their own long-lived headers
    guide = response.headers.get("X-Cache-Policy") == "guide"
    personal = g.get("page_had_flashes") or g.get("page_is_personal")
    if guide and response.status_code in (200, 304) and not personal:
        # Guides hold no personal data; the PWA caches them for offline reading.
        del response.headers["X-Cache-Policy"]
        response.headers["Cache-Control"] = "private, no-cache"
        return
    response.headers.pop("X-Cache-Policy", None)
    if response.headers.get("X-Cache-Public") == "1":
        del response.headers["X-Cache-Public"]
        return
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"


def add_security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    # same-origin, not no-referrer: over HTTPS the CSRF check needs a same-origin Referer,
    # and no other site ever learns a URL of ours.
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    # Geolocation only on a page with a running visit's SOS button (safety/domain.py sets the
    # flag while rendering it): the position is read once, when the mentor sends an SOS.
    geolocation = "(self)" if g.get("page_offers_sos") else "()"
    response.headers["Permissions-Policy"] = f"camera=(), microphone=(), geolocation={geolocation}"
    if current_app.config.get("HSTS") and request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    _cache_policy(response)
    return response


def keep_redirects_on_site(response: Response) -> Response:
    """Every redirect the app answers stays on this site, whichever view built it: a Location
    that would leave it (or that a browser would read as another host) becomes the home page.
    Views pick targets with `web.safe_next`; this is the net under all of them."""
    from mentor_app.web import is_same_site

    location = response.headers.get("Location")
    if location is not None and 300 <= response.status_code < 400 and not is_same_site(location):
        log.warning("a redirect off this site was replaced (endpoint %s)", request.endpoint)
        response.headers["Location"] = "/"
    return response


def cookie_name(base: str) -> str:
    """The name for a cookie the app sets: `__Host-<base>` in production (Secure, Path=/, no
    Domain: a sibling subdomain or a plain-http page cannot plant or overwrite it)."""
    return f"__Host-{base}" if current_app.config.get("COOKIE_HOST_PREFIX") else base


def mark_guide_cacheable(response: Response) -> Response:
    response.headers["X-Cache-Policy"] = "guide"
    return response


def mark_public(response: Response) -> Response:
    """For responses with nothing user-specific (manifest, service worker, health)."""
    response.headers["X-Cache-Public"] = "1"
    return response


def roles_required(*roles: str) -> Callable[[F], F]:
    """Signed in, two-factor complete (checked in before_request), and one of `roles`."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
    app.after_request(keep_redirects_on_site)
