"""Guides in a real browser (Playwright + Debian's Chromium) against the real app.

- static/js/guides-rank.js ranks exactly as mentor_app/playbooks/search does (the shared file
  tests/playbooks/search_expected.json), and the page searches as you type, also with the
  network gone, and offers help when nothing matches well;
- a mentor on a 360 px phone sees the First minute block first, in large text, with related
  guides and the consult button within reach;
- the "updated: what changed" note and one-tap feedback work through the page's script;
- the editor's live preview shows sanitised HTML and the problems.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from mentor_app.accounts.models import User
from mentor_app.playbooks import editing, policy
from mentor_app.playbooks.models import Guide, GuideFeedback
from tests.browser.conftest import signed_in_page
from tests.playbooks.expected_results import EXPECTED_FILE
from tests.playbooks.support import make_revision

pytestmark = pytest.mark.browser


@pytest.fixture
def live(library_server: str) -> str:
    """The app serving the test database on a free port, with the guide library published."""
    return library_server


def test_offline_ranker_gives_the_shared_expected_results(browser, live, actors) -> None:  # type: ignore[no-untyped-def]
    """static/js/guides-rank.js on /guides/index.json?lang=… gives, for every query of
    tests/playbooks/search_expected.json, the top 3 the server test also checks."""
    expected = json.loads(EXPECTED_FILE.read_text(encoding="utf-8"))
    # The service worker keeps the reader's own index (whatever the query string): this test
    # asks for each language from the server itself.
    page, _ = signed_in_page(browser, live, actors, "mentor", service_workers="block")
    page.goto(f"{live}/guides")
    in_browser = page.evaluate(
        """async (expected) => {
            const src = document.querySelector('script[src*="guides-search"]').src;
            const ranker = await import(new URL("guides-rank.js", src).href);  // the page's own
            const found = {};
            for (const [language, queries] of Object.entries(expected)) {
                const response = await fetch(`/guides/index.json?lang=${language}`);
                const datas = (await response.json()).search;
                found[language] = Object.fromEntries(Object.keys(queries).map(
                    (q) => [q, ranker.rank(datas, q).slice(0, 3).map((hit) => hit.slug)]));
            }
            return found;
        }""",
        expected,
    )
    for language, queries in expected.items():
        moved = [
            f"{query!r}: file {slugs}, browser {in_browser[language][query]}"
            for query, slugs in queries.items()
            if in_browser[language][query] != slugs
        ]
        assert not moved, f"{language}: " + "\n".join(moved[:20])
    assert page.problems == []  # type: ignore[attr-defined]


def test_results_as_you_type_and_offline(browser, live, actors) -> None:  # type: ignore[no-untyped-def]
    page, _ = signed_in_page(browser, live, actors, "mentor")
    page.goto(f"{live}/guides")
    search_box = page.locator("[data-guide-search-input]")
    search_box.click()  # loads the index
    page.wait_for_timeout(300)
    search_box.press_sequentially("funer")
    first = page.locator("#guide-results .guide-link").first
    first.wait_for()
    assert first.get_attribute("href") == "/guides/bereavement-illness-in-family"
    search_box.fill("")
    search_box.dispatch_event("input")
    page.locator("#kind-trigger").wait_for()  # the full list is back

    page.context.set_offline(True)
    search_box.press_sequentially("shoutin")
    page.wait_for_timeout(300)
    first = page.locator("#guide-results .guide-link").first
    assert first.get_attribute("href") == "/guides/confrontation-rupture"
    search_box.fill("zzqqxx")  # nothing matches well, offline too: closest guides and help
    search_box.dispatch_event("input")
    page.locator("#guide-results [data-guide-weak-help]").wait_for()
    assert page.locator("#guide-results .guide-link").count() == 3
    assert "Nothing matches well" in page.locator("#guide-results h2").inner_text()
    assert page.locator("#guide-results [data-guide-weak-help] a[data-consult-button]").count()
    assert page.locator("#guide-results .guide-weak-emergency a[href^='tel:']").count()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "no sideways scrolling"
    page.context.set_offline(False)

    page.goto(f"{live}/")  # the mentor's home page searches the same way
    home_box = page.locator("[data-guide-search-input]")
    home_box.press_sequentially("grief")
    page.locator("#home-guide-results ol .guide-link").first.wait_for()
    href = page.locator("#home-guide-results ol .guide-link").first.get_attribute("href")
    assert href == "/guides/bereavement-illness-in-family"
    assert page.problems == []  # type: ignore[attr-defined]


def test_mentor_reads_a_guide_on_a_360px_phone(browser, live, actors) -> None:  # type: ignore[no-untyped-def]
    page, _ = signed_in_page(browser, live, actors, "mentor", width=360)
    page.goto(f"{live}/guides/bereavement-illness-in-family")
    first_minute = page.locator(".first-minute").bounding_box()
    when = page.locator("#g-when-this-applies").bounding_box()
    title = page.locator("main h1").bounding_box()
    assert title["y"] < first_minute["y"] < when["y"]
    assert first_minute["y"] < 740, "the First minute block starts on the first screen"
    size = page.evaluate("getComputedStyle(document.querySelector('.first-minute li')).fontSize")
    assert float(size.rstrip("px")) >= 18
    body_size = page.evaluate("getComputedStyle(document.querySelector('#g-steps li')).fontSize")
    assert float(body_size.rstrip("px")) >= 16
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "no sideways scrolling"

    fab = page.locator(".consult-fab")
    box = fab.bounding_box()
    assert fab.is_visible() and box["y"] + box["height"] <= 740 and box["height"] >= 44
    assert "Consult about this" in fab.inner_text()
    for link in page.locator("#g-related a").all():
        link_box = link.bounding_box()
        assert link_box["height"] >= 44 and link_box["width"] >= 200
    in_text = page.locator(".guide-consult a").bounding_box()
    assert in_text["height"] >= 44
    page.locator("#g-related a").first.click()
    page.wait_for_load_state()
    assert "/guides/" in page.url and "bereavement" not in page.url
    assert page.problems == []  # type: ignore[attr-defined]


def test_updated_note_and_one_tap_feedback(browser, live, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    page, mentor_id = signed_in_page(browser, live, actors, "mentor")
    page.goto(f"{live}/guides/trauma-reminders")
    page.wait_for_timeout(300)  # the page's script records the reading
    assert page.locator("[data-guide-updated]").is_hidden()

    coordinator_id, _ = actors.create("coordinator")
    guide = db.scalar(select(Guide).where(Guide.slug == "trauma-reminders"))
    revision = make_revision(
        db, clock(), guide, coordinator_id, policy.IN_REVIEW, note="Shorter first minute."
    )
    editing.act(db, clock(), db.get(User, coordinator_id), revision, "publish")
    db.commit()

    page.reload()
    note = page.locator("[data-guide-updated]")
    note.wait_for(state="visible")
    assert "Shorter first minute." in note.inner_text()

    page.locator("button[name=helpful][value=yes]").click()
    page.locator("[data-feedback-status]").filter(has_text="Thank you").wait_for()
    assert page.locator("button[name=helpful][value=yes]").get_attribute("aria-pressed") == "true"
    assert page.url.endswith("/guides/trauma-reminders")  # no page load: one tap, in place
    saved = db.scalar(select(GuideFeedback).where(GuideFeedback.user_id == mentor_id))
    assert saved is not None and saved.helpful is True
    page.reload()
    page.wait_for_timeout(300)
    assert page.locator("[data-guide-updated]").is_hidden()  # shown once
    assert page.locator("button[name=helpful][value=yes]").get_attribute("aria-pressed") == "true"
    assert page.problems == []  # type: ignore[attr-defined]


def test_editor_live_preview_is_sanitised(browser, live, actors) -> None:  # type: ignore[no-untyped-def]
    page, _ = signed_in_page(browser, live, actors, "coordinator", width=1024)
    page.goto(f"{live}/guide-editor/trauma-reminders/edit")
    preview = page.locator("[data-guide-preview]")
    preview.wait_for(state="visible")
    source = page.locator("textarea[name=body]")
    text = source.input_value().replace(
        "## Steps\n", "## Steps\n0. <script>window.hacked=1</script> [x](javascript:alert(1))\n", 1
    )
    source.fill(text.replace("## Sources", "## Sauces"))
    source.dispatch_event("input")
    problems = page.locator("[data-guide-problems]")
    problems.filter(has_text="Unknown section").wait_for(state="visible")
    page.locator("[data-guide-preview] #g-steps").filter(has_text="window.hacked").wait_for()
    assert page.evaluate("window.hacked") is None
    assert page.locator("[data-guide-preview] script").count() == 0
    assert page.locator('[data-guide-preview] a[href^="javascript"]').count() == 0
    assert page.problems == []  # type: ignore[attr-defined]


@pytest.fixture
def library_db(db):  # type: ignore[no-untyped-def]
    return db
