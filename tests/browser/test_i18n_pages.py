"""The main pages in Swedish and German, per role, on a 360 px phone: no English sentence left
(visible text compared with the English msgids the catalogues translate), nothing scrolls
sideways, and no button clips its (long German) words.

The "no English" check fails while a page shows a msgid the catalogue does not translate yet;
its message names the page, the language and the English fragments found."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import pytest

from mentor_app.accounts.models import User
from mentor_app.i18n import catalogues
from tests.browser.conftest import PHONE, sign_in, watch
from tests.browser.pwa_helpers import create_consult
from tests.browser.test_pwa_layout import closed_consult

pytestmark = pytest.mark.browser

PAGES: dict[str, list[str]] = {
    "mentor": [
        "/",
        "/guides",
        "/guides/bereavement-illness-in-family",
        "/consults/start",
        "/account/settings",
        "{consult}",
    ],
    "consultant": ["/", "/consults/", "/consults/{record}", "/pool/me", "/account/settings"],
    "coordinator": [
        "/",
        "/dashboard/",
        "/pool/",
        "/pool/coverage",
        "/reports/monthly/2026-03",
        "/audit/",
        "/consults/{record}",
    ],
}
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]|\{\w+\}|%[sd]")
MIN_WORDS = 3  # shorter msgids ("Save", "Open") could be anyone's word, or a proper name

PAGE_FACTS = """() => {
  const root = document.documentElement;
  const clipped = [];
  const buttons = 'button, .button, input[type=submit], .consult-fab, nav a';
  for (const el of document.querySelectorAll(buttons)) {
    const style = getComputedStyle(el);
    if (!el.clientWidth || style.visibility === 'hidden' || style.display === 'none') continue;
    if (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1
        && style.overflow !== 'visible') {
      clipped.push(`"${(el.innerText || el.value || '').trim().slice(0, 40)}" `
        + `${el.scrollWidth}>${el.clientWidth}`);
    }
  }
  return { lang: root.lang, overflow: root.scrollWidth - root.clientWidth, clipped,
           text: document.body.innerText };
}"""


@lru_cache(maxsize=2)
def english_fragments(language: str) -> tuple[str, ...]:
    """Literal runs of English (between placeholders) of every msgid that `language`
    translates to something else, with at least MIN_WORDS words: text that must not be seen."""
    translated = catalogues.load_catalogue(language)
    found = set()
    for message in catalogues.extract_template():
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        own = translated.get(message.id)
        strings = own.string if own is not None else ""
        forms = strings if isinstance(strings, tuple | list) else (strings,)
        for msgid in ids:
            if any(form == msgid for form in forms):
                continue  # the same in both languages (a proper name, a code)
            for part in PLACEHOLDER.split(msgid):
                part = " ".join(part.split()).strip(" .,:;·—–-()")
                if len(part.split()) >= MIN_WORDS:
                    found.add(part)
    return tuple(sorted(found, key=len, reverse=True))


def english_in(text: str, language: str) -> list[str]:
    visible = " ".join(text.split())
    return [fragment for fragment in english_fragments(language) if fragment in visible]


def _set_language(db: Any, user_id: int, language: str) -> None:
    db.get(User, user_id).locale = language
    db.commit()


@pytest.mark.parametrize("role", ["mentor", "consultant", "coordinator"])
def test_main_pages_in_swedish_and_german(browser, library_server, app, db, actors, role) -> None:  # type: ignore[no-untyped-def]
    user_id, email = actors.create(role)
    consultant_id = user_id if role == "consultant" else actors.create("consultant")[0]
    mentor_id = user_id if role == "mentor" else actors.create("mentor")[0]
    ids: dict[str, Any] = {"record": closed_consult(db, mentor_id, consultant_id)}
    context = browser.new_context(viewport=PHONE)
    page = watch(context.new_page())
    sign_in(page, library_server, actors, email)
    if role == "mentor":
        ids["consult"] = create_consult(page)
    english: list[str] = []
    layout: list[str] = []
    for language in ("sv", "de"):
        _set_language(db, user_id, language)
        for path in (p.format(**ids) for p in PAGES[role]):
            response = page.goto(library_server + path)
            assert response and response.status == 200, (path, response and response.status)
            facts = page.evaluate(PAGE_FACTS)
            assert facts["lang"] == language, (path, facts["lang"])
            english += [f"{language} {path}: {f!r}" for f in english_in(facts["text"], language)]
            if facts["overflow"] > 0:
                layout.append(f"{language} {path}: scrolls sideways by {facts['overflow']} px")
            layout += [f"{language} {path}: clipped button {c}" for c in facts["clipped"]]
    context.close()
    assert not layout, "\n".join(layout)
    assert not english, f"{len(english)} English sentences on {role} pages:\n" + "\n".join(
        english[:40]
    )
    assert page.problems == []  # type: ignore[attr-defined]


def test_the_english_check_finds_english() -> None:
    """The comparison itself: an untranslated sentence is found, its translation is not."""
    catalogue = catalogues.load_catalogue("de")
    message = next(
        m
        for m in catalogue
        if isinstance(m.id, str) and m.string and len(m.id.split()) >= 4 and "%" not in m.id
    )
    assert english_in(f"Start … {message.id} … Ende", "de") != []
    assert message.id not in english_in(f"Start … {message.string} … Ende", "de")


def test_offline_page_speaks_the_language_of_the_pages(browser, live_server, actors, db) -> None:  # type: ignore[no-untyped-def]
    """The worker keeps the offline page in every language and shows the one in the language
    of the pages it last served: a German user offline reads German, then Swedish after a
    switch, without a new worker."""
    from tests.browser.conftest import signed_in_page
    from tests.browser.pwa_helpers import controlled

    page, user_id = signed_in_page(browser, live_server, actors, "mentor")
    offline_title = {
        language: catalogues.load_catalogue(language).get("No connection right now").string
        for language in ("sv", "de")
    }
    for language in ("de", "sv"):
        _set_language(db, user_id, language)
        page.goto(f"{live_server}/account/settings")
        controlled(page)
        page.reload()  # served through the worker now: it notes the page's language
        page.context.set_offline(True)
        page.goto(f"{live_server}/account/settings")
        assert page.locator("main h1").inner_text() == offline_title[language]
        assert page.evaluate("document.documentElement.lang") == language
        page.context.set_offline(False)
    page.context.close()
