"""The service worker keeps the guides in the user's language, and only that one: when the
user's language changes, the guides kept in the old language are dropped and fetched again."""

from __future__ import annotations

import json
import re

import pytest

from mentor_app.accounts.models import User
from tests.browser.conftest import signed_in_page
from tests.browser.pwa_helpers import ask_worker, cache_contents, controlled

pytestmark = pytest.mark.browser


def _kept_guides(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """url -> the language a kept guide response is in (the index's, or the page's html lang)."""
    kept = {}
    for name, entries in cache_contents(page).items():
        if "-guides-" not in name:
            continue
        for entry in entries:
            if entry["url"] == "/guides/index.json":
                kept[entry["url"]] = json.loads(entry["body"])["language"]
            elif entry["url"].startswith("/guides/"):
                match = re.search(r'<html lang="([a-z]+)">', entry["body"])
                kept[entry["url"]] = match.group(1) if match else "?"
    return kept


def _set_language(db, user_id: int, language: str) -> None:  # type: ignore[no-untyped-def]
    db.get(User, user_id).locale = language
    db.commit()


def test_guides_are_kept_in_the_users_language_only(browser, library_server, actors, db) -> None:  # type: ignore[no-untyped-def]
    base = library_server
    page, user_id = signed_in_page(browser, base, actors, "mentor")
    _set_language(db, user_id, "sv")
    page.goto(f"{base}/guides")
    controlled(page)
    answer = ask_worker(page, {"type": "warm-guides", "language": "sv"}, 30_000)
    assert answer and answer["guides"] > 20
    kept = _kept_guides(page)
    assert kept["/guides/index.json"] == "sv"
    assert set(kept.values()) == {"sv"}, kept

    _set_language(db, user_id, "de")
    page.goto(f"{base}/guides")
    answer = ask_worker(page, {"type": "warm-guides", "language": "de"}, 30_000)
    assert answer and answer["guides"] > 20
    kept = _kept_guides(page)
    assert kept["/guides/index.json"] == "de"
    assert set(kept.values()) == {"de"}, kept  # nothing Swedish left

    # The German page on a 360 px phone: its review-state line shows, nothing scrolls sideways.
    page.goto(f"{base}/guides/bereavement-illness-in-family")
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.locator('[data-review-state="unreviewed"]').is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.problems == []  # type: ignore[attr-defined]
    page.context.close()
