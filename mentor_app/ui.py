"""Template helpers shared by every page: navigation per role, settings sections, static URLs.

Domains register their navigation entries and settings sections here when their blueprint is
registered, so base.html never needs to know which domains exist.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, get_flashed_messages, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.routing import BuildError


@dataclass(frozen=True)
class NavEntry:
    endpoint: str
    label: Any
    roles: tuple[str, ...]
    order: int = 50


NAV: list[NavEntry] = [
    NavEntry("users_admin.index", _l("People"), ("coordinator",), order=90),
]
SETTINGS_SECTIONS: list[str] = []
# role -> templates included on that role's home page, in order
HOME_SECTIONS: dict[str, list[str]] = {"mentor": [], "consultant": [], "coordinator": []}


def register_nav(entry: NavEntry) -> None:
    if entry not in NAV:
        NAV.append(entry)


def register_settings_section(template: str) -> None:
    if template not in SETTINGS_SECTIONS:
        SETTINGS_SECTIONS.append(template)


def register_home_section(role: str, template: str) -> None:
    if template not in HOME_SECTIONS[role]:
        HOME_SECTIONS[role].append(template)


def nav_items() -> list[dict[str, Any]]:
    if not current_user.is_authenticated:
        return []
    items = []
    for entry in sorted(NAV, key=lambda e: e.order):
        if current_user.role in entry.roles and entry.endpoint in current_app.view_functions:
            items.append({"url": url_for(entry.endpoint), "label": entry.label})
    return items


def consult_start_url(topic: str | None = None) -> str:
    """Where the mentor's consult button goes; the consult domain provides `consults.start`."""
    try:
        return url_for("consults.start", topic=topic) if topic else url_for("consults.start")
    except BuildError:
        return url_for("home.index")


@lru_cache(maxsize=256)
def _file_hash(path: str, mtime: float) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def static_url(filename: str) -> str:
    """A static URL carrying the file's content hash, so it can be cached for a year."""
    folder = Path(current_app.static_folder or "")
    path = folder / filename
    try:
        version = _file_hash(str(path), path.stat().st_mtime)
    except OSError:
        return url_for("static", filename=filename)
    return url_for("static", filename=filename, v=version)


def page_flashes() -> list[tuple[str, str]]:
    """The flash messages this page shows, taken from the session.

    A service worker's background fetch (header X-Background-Poll, e.g. warming the guides
    cache) must not take them: the user would never see them. And a page that shows one is
    personal, so it is never stored (security._cache_policy reads `g.page_had_flashes`), or a
    cached guide would repeat "Published" or "Signed out" offline, to anyone on the phone."""
    if request.headers.get("X-Background-Poll") == "1":
        return []
    messages = get_flashed_messages(with_categories=True)
    if messages:
        g.page_had_flashes = True
    return messages


def init_app(app: Flask) -> None:
    @app.context_processor
    def _ui() -> dict[str, Any]:
        return {
            "nav_items": nav_items,
            "settings_sections": lambda: list(SETTINGS_SECTIONS),
            "home_sections": lambda role: list(HOME_SECTIONS.get(role, [])),
            "consult_start_url": consult_start_url,
            "static_url": static_url,
            "page_flashes": page_flashes,
        }

    @app.after_request
    def _static_cache(response):  # type: ignore[no-untyped-def]
        from flask import request

        if request.path.startswith("/static/") and response.status_code == 200:
            if request.args.get("v"):
                response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
            else:
                response.headers["Cache-Control"] = "public, max-age=300"
        return response
