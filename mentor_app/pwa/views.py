"""`/sw.js`: the service worker, served from the root so its scope is the whole app.

It stays tiny: it imports its parts from static/ by content-hashed URL, so a change to any part
changes the bytes of /sw.js and browsers install the new version. The push part lives in
static/sw-push.js; caching and offline come later in their own file, imported the same way.
"""

from __future__ import annotations

from flask import Blueprint, Response

from mentor_app.security import mark_public
from mentor_app.ui import static_url

bp = Blueprint("pwa", __name__)

# Files under static/ that make up the service worker, in import order.
SW_PARTS = ["sw-push.js"]


def service_worker_source() -> str:
    imports = ", ".join(f"'{static_url(part)}'" for part in SW_PARTS)
    return (
        "// mentor_app service worker: parts are imported by content-hashed URL.\n"
        f"importScripts({imports});\n"
    )


@bp.get("/sw.js")
def service_worker():  # type: ignore[no-untyped-def]
    response = Response(service_worker_source(), mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    # Always revalidated, so a new version is picked up on the next navigation.
    response.headers["Cache-Control"] = "no-cache"
    return mark_public(response)
