"""Search: the obvious guide comes first, for synonyms, typos, prefixes; and without script."""

from __future__ import annotations

import re

import pytest

from mentor_app.playbooks import search, services
from tests.playbooks.support import SEARCH_TABLE


def test_the_table_has_enough_pairs() -> None:
    assert len(SEARCH_TABLE) >= 20
    queries = [q for q, _ in SEARCH_TABLE]
    for required in ("death", "funeral", "grief", "angry", "shouting", "berevement"):
        assert required in queries


def test_search_table_server_side(library) -> None:  # type: ignore[no-untyped-def]
    misses = []
    for query, expected in SEARCH_TABLE:
        found = [g.slug for g in services.search_guides(library, query)]
        if not found or found[0] != expected:
            misses.append(f"{query!r}: expected {expected}, got {found[:3]}")
    assert not misses, "\n".join(misses)


def test_search_page_without_script(library, actors) -> None:  # type: ignore[no-untyped-def]
    client, _ = actors.signed_in("mentor")
    page = client.post("/guides", data={"q": "funeral"}).get_data(as_text=True)
    links = re.findall(r'class="guide-link" href="/guides/([a-z0-9-]+)"', page)
    assert links[0] == "bereavement-illness-in-family"
    page = client.post("/guides", data={"q": "shouting", "kind": "trigger"}).get_data(as_text=True)
    links = re.findall(r'class="guide-link" href="/guides/([a-z0-9-]+)"', page)
    assert "confrontation-rupture" not in links  # a rupture guide, filtered out by kind
    nothing = client.post("/guides", data={"q": "zzqqxx"}).get_data(as_text=True)
    assert "No guide matches" in nothing


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Über-Trauma!", "uber trauma"),
        ("  Straße, Ærø  ", "strasse aero"),
        ("psycho-education", "psycho education"),
        ("İstanbul", "istanbul"),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert search.fold(text) == folded


def test_query_words_drop_common_words_unless_nothing_else_is_left() -> None:
    assert search.query_words("what to say when angry") == ["say", "angry"]
    assert search.query_words("who are they") == ["who", "are", "they"]
    assert search.query_words("grief grief") == ["grief"]


@pytest.mark.parametrize(
    ("query", "word", "quality"),
    [
        ("grief", "grief", search.EXACT),
        ("ber", "bereavement", search.PREFIX),
        ("evicted", "eviction", search.STEM),
        ("grif", "grief", search.ONE_TYPO),  # 4 letters: one edit
        ("gfire", "grief", 0.0),  # 5 letters: two edits is too many
        ("berevement", "bereavement", search.ONE_TYPO),
        ("beravment", "bereavement", search.TWO_TYPOS),  # 9 letters: two edits
        ("trauam", "trauma", search.ONE_TYPO),  # swapped neighbours count once
        ("sad", "mad", 0.0),  # 3 letters: exact or prefix only
    ],
)
def test_match_quality(query: str, word: str, quality: float) -> None:
    assert search.match_quality(query, word) == quality


def test_ranking_prefers_title_then_keywords_then_body() -> None:
    entries = [
        _entry("in-body", body="a word about grief here"),
        _entry("in-keys", synonyms=["grief"]),
        _entry("in-title", title="Grief at home"),
        _entry("in-lead", first_minute="Talk about grief."),
    ]
    ranked = [slug for slug, _ in search.search(search.build(entries), "grief")]
    assert ranked == ["in-title", "in-keys", "in-lead", "in-body"]


def test_matching_every_word_beats_one_strong_word() -> None:
    entries = [
        _entry("both", synonyms=["missed", "meetings"]),
        _entry("one", title="Meetings", first_minute="meetings", body="meetings"),
    ]
    ranked = [slug for slug, _ in search.search(search.build(entries), "missed meetings")]
    assert ranked[0] == "both"


def _entry(slug: str, **fields: object) -> dict:
    entry = {
        "slug": slug,
        "title": "Untitled",
        "short_title": None,
        "topic": "none",
        "summary": "",
        "tags": [],
        "synonyms": [],
        "first_minute": "",
        "body": "",
    }
    entry.update(fields)
    return entry
