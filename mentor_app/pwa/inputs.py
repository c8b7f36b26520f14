"""The fingerprint of everything a kept page is made from, besides static files and guides.

A kept guide page or the offline page is rendered from templates, message catalogues and
settings (EMERGENCY_NUMBER is printed on the offline page). A deploy that changes only one of
those must still change the bytes of /sw.js, or phones keep the old page (the old emergency
number) offline for good. These inputs only change when the app starts, so they are hashed once
at start (`remember`) and the digest is folded into the worker's version (shell.cache_version).
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

EXTENSION_KEY = "mentor_sw_inputs"
# Settings never hashed: secrets (a version is public) and connection strings, which no page
# shows. Everything else may reach a page, so it counts.
SECRET_WORDS = ("SECRET", "PASSWORD", "TOKEN", "KEY", "DATABASE", "URI", "SMTP_USER")
TRANSLATION_SUFFIXES = (".mo", ".po")
# Plain data only: an object (a test's clock, a client) prints its memory address, which would
# make every restart look like a deploy.
PLAIN_TYPES = (str, int, float, bool, type(None), timedelta, list, tuple, dict, set, frozenset)


def _files_digest(digest: Any, folder: Path, suffixes: tuple[str, ...] = ()) -> None:
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or (suffixes and path.suffix not in suffixes):
            continue
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())


def _plain(value: object) -> object:
    """A value as JSON can hold it, the same in every process (sets are sorted)."""
    if isinstance(value, (set, frozenset)):
        return sorted(str(item) for item in value)
    return str(value) if not isinstance(value, (str, int, float, bool, type(None))) else value


def settings_seen_by_pages(config: dict[str, object]) -> dict[str, object]:
    """Every setting whose name is not a secret's, as plain values."""
    return {
        name: _plain(value)
        for name, value in config.items()
        if name.isupper()
        and isinstance(value, PLAIN_TYPES)
        and not any(word in name for word in SECRET_WORDS)
    }


def fingerprint(app: Flask) -> str:
    """A hex digest (16 characters) of the templates, the catalogues and the settings."""
    digest = hashlib.sha256()
    _files_digest(digest, Path(app.root_path).parent / (app.template_folder or "templates"))
    _files_digest(digest, Path(app.root_path) / "translations", TRANSLATION_SUFFIXES)
    settings = settings_seen_by_pages(dict(app.config))
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:16]


def remember(app: Flask) -> str:
    """Hashes the inputs now (at app start, or after a test's "deploy") and keeps the digest."""
    app.extensions[EXTENSION_KEY] = fingerprint(app)
    return app.extensions[EXTENSION_KEY]


def current(app: Flask) -> str:
    return app.extensions.get(EXTENSION_KEY) or remember(app)
