"""The installable app: `/sw.js` at the root scope, `/manifest.webmanifest`, and `/offline`.

/sw.js stays tiny: it hands its parts the cache version and the app shell, then imports the
parts from static/ by content-hashed URL. Anything that changes the version (a static file, a
published guide) changes the bytes of /sw.js, so browsers install the new worker.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from mentor_app.pwa import shell
from mentor_app.security import mark_public
from mentor_app.ui import consult_start_url, static_url

bp = Blueprint("pwa", __name__)

# The colours of static/css/app.css (light theme): the header and the page background.
THEME_COLOUR = "#1d4e5f"
BACKGROUND_COLOUR = "#f6f7f5"


def _revalidated(response: Response) -> Response:
    # Nothing user-specific, but always revalidated: a deploy shows on the next load.
    response.headers["Cache-Control"] = "no-cache"
    return mark_public(response)


def service_worker_source() -> str:
    config = shell.worker_config()
    imports = ", ".join(f"'{url}'" for url in config.pop("parts"))  # type: ignore[attr-defined]
    return (
        "// mentor_app service worker. The version changes with any static file or published\n"
        "// guide, so a deploy installs a new worker and the old caches are deleted.\n"
        f"self.MENTOR_SW = {json.dumps(config, separators=(',', ':'))};\n"
        f"importScripts({imports});\n"
    )


@bp.get("/sw.js")
def service_worker():  # type: ignore[no-untyped-def]
    response = Response(service_worker_source(), mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    return _revalidated(response)


def manifest_document() -> dict[str, object]:
    def icon(name: str, size: int, purpose: str = "any") -> dict[str, str]:
        return {
            "src": static_url(f"icons/{name}"),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": purpose,
        }

    app_icon = [icon("app-192.png", 192)]
    return {
        "id": "/",
        "name": "mentor_app — " + _("Mentor support"),
        "short_name": "mentor_app",
        "description": _("Guides for hard moments, and a psychologist one tap away."),
        "start_url": url_for("home.index"),
        "scope": "/",
        "display": "standalone",
        "orientation": "any",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [
            icon("app-192.png", 192),
            icon("app-512.png", 512),
            icon("app-maskable-512.png", 512, "maskable"),
        ],
        "shortcuts": [
            {
                "name": _("Consult a psychologist"),
                "short_name": _("Consult"),
                "url": consult_start_url(),
                "icons": app_icon,
            },
            {
                "name": _("Visit check-in and SOS"),
                "short_name": _("Safety"),
                "url": url_for("home.index") + "#safety",
                "icons": app_icon,
            },
            {
                "name": _("Guides"),
                "short_name": _("Guides"),
                "url": url_for("playbooks.index"),
                "icons": app_icon,
            },
        ],
    }


@bp.get("/manifest.webmanifest")
def manifest():  # type: ignore[no-untyped-def]
    body = json.dumps(manifest_document(), ensure_ascii=False, separators=(",", ":"))
    return _revalidated(Response(body, mimetype="application/manifest+json"))


@bp.get("/offline")
def offline():  # type: ignore[no-untyped-def]
    """What a navigation shows when there is no network and no cached copy. The service worker
    keeps it for everyone, so it is rendered as for a stranger: no name, no token, no role.
    `?lang=en|sv|de` renders it in that language: the worker keeps one per language and shows
    the one in the language of the pages it last served (static/sw-cache.js)."""
    from mentor_app.i18n.language import request_language, supported

    language = supported(request.args.get("lang")) or request_language()
    with force_locale(language):
        page = render_template("pwa/offline.html", public_page=True)
    response = Response(page, mimetype="text/html")
    response.headers["Content-Language"] = language
    return _revalidated(response)
