"""What the service worker keeps, and the version that tells browsers to replace it.

The app shell is every file under static/css, static/js and static/icons, named by its
content-hashed URL, plus the offline page. The cache version is a hash of those URLs (so of the
files' contents), of the service worker's own parts, and of the published guides' index: a
deploy that changes any file, or a guide published since, changes the bytes of /sw.js, the
browser installs the new worker, and the new worker deletes the old caches when it activates.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import current_app, url_for

from mentor_app.db import db_session
from mentor_app.i18n.language import SUPPORTED_LANGUAGES
from mentor_app.ui import static_url

# Files under static/ that make up the service worker, in import order: push (notifications)
# and cache (offline). Each keeps to its own events.
SW_PARTS = ["sw-push.js", "sw-cache.js"]
SHELL_FOLDERS = ("css", "js", "icons")


def shell_files(static_folder: Path) -> list[str]:
    """Paths (relative to static/) of the files every page may need offline."""
    found = []
    for folder in SHELL_FOLDERS:
        base = static_folder / folder
        if not base.is_dir():
            continue
        for path in base.rglob("*"):
            if path.is_file() and not path.name.startswith("."):
                found.append(path.relative_to(static_folder).as_posix())
    return sorted(found)


def guides_version() -> str:
    """A version of the published guides in every language ("" when the guides domain is
    absent): a published translation is a new version too."""
    try:
        from mentor_app.playbooks import translations
    except ImportError:  # pragma: no cover - the guides domain is part of the app
        return ""
    return translations.published_version(db_session())


def cache_version(urls: list[str], guides: str) -> str:
    digest = hashlib.sha256("\n".join([*urls, f"guides:{guides}"]).encode())
    return digest.hexdigest()[:16]


def worker_config() -> dict[str, object]:
    """What /sw.js hands its parts: the version, the shell to precache, the offline page."""
    static_folder = Path(current_app.static_folder or "")
    shell = [static_url(name) for name in shell_files(static_folder)]
    parts = [static_url(part) for part in SW_PARTS]
    return {
        "version": cache_version([*parts, *shell], guides_version()),
        "shell": shell,
        "offline": url_for("pwa.offline"),
        "offlinePages": {code: url_for("pwa.offline", lang=code) for code in SUPPORTED_LANGUAGES},
        "parts": parts,
    }
