"""Guide search: the labelled queries (tuning half), the shared file of expected top 3,
languages, phrases, compounds, typos, field weights, and the weak-match page."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentor_app.playbooks import search, services
from mentor_app.playbooks.search import index, rank
from mentor_app.playbooks.search.text import phrase_tokens
from tests.playbooks.expected_results import EXPECTED_FILE, expected, library_datas, top3
from tests.playbooks.query_set import HELD_OUT, TUNING, load

# Targets on the tuning half (the held-out half is only measured, by the benchmark).
TOP1 = {"en": 0.90, "sv": 0.90, "de": 0.90}
TOP3_EN = 0.98


@pytest.fixture(scope="module")
def datas() -> dict[str, list[dict[str, Any]]]:
    """The ranking data per reader language, built once for this module."""
    return library_datas()


def test_the_query_sets_cover_every_guide_as_required(datas) -> None:  # type: ignore[no-untyped-def]
    slugs = set(datas["en"][0]["slugs"])
    assert len(slugs) >= 40
    for language, per_guide in (("en", 8), ("sv", 2), ("de", 2)):
        items = load(language)
        counts = {slug: 0 for slug in slugs}
        for item in items:
            assert item.expected in slugs, (language, item)
            assert item.second is None or item.second in slugs, (language, item)
            counts[item.expected] += 1
        short = {slug: n for slug, n in counts.items() if n < per_guide}
        assert not short, (language, short)
        queries = [item.query for item in items]
        assert len(queries) == len(set(queries)), language  # one half per query text
        halves = {item.half for item in items}
        assert halves == {TUNING, HELD_OUT}


@pytest.mark.parametrize("language", ["en", "sv", "de"])
def test_tuning_half_finds_the_expected_guide(datas, language: str) -> None:  # type: ignore[no-untyped-def]
    items = load(language, TUNING)
    misses, top3_misses = [], 0
    for item in items:
        ranked = top3(datas[language], item.query)
        if not item.first_ok(ranked):
            misses.append(f"{item.query!r}: want {item.expected}, got {ranked}")
        top3_misses += not item.top3_ok(ranked)
    assert 1 - len(misses) / len(items) >= TOP1[language], "\n".join(misses)
    if language == "en":
        assert 1 - top3_misses / len(items) >= TOP3_EN


def test_the_shared_expected_file_matches_the_server(datas) -> None:  # type: ignore[no-untyped-def]
    """Regenerate with `python -m tests.playbooks.expected_results` after changing a guide, a
    lexicon or the ranking; the browser test checks the offline ranker against the same file."""
    wanted = json.loads(EXPECTED_FILE.read_text(encoding="utf-8"))
    found = expected(datas)
    for language in found:
        moved = [
            f"{query!r}: file {wanted[language].get(query)}, now {slugs}"
            for query, slugs in found[language].items()
            if wanted[language].get(query) != slugs
        ]
        assert not moved, "\n".join(moved[:20])


@pytest.mark.parametrize(
    ("language", "query", "slug"),
    [
        ("de", "Trauerfall", "bereavement-illness-in-family"),
        ("de", "Krebsdiagnose beim Vater", "bereavement-illness-in-family"),  # Krebs|diagnose
        ("de", "Trauerbegleitung", "bereavement-illness-in-family"),  # one known part
        ("sv", "självmordstankar", "depression-hopelessness"),
        ("sv", "familjebråk", "family-conflict-breakup"),  # compound: familj|bråk
        ("sv", "my client's father died", "bereavement-illness-in-family"),  # English
        ("de", "he is hearing voices", "mental-illness-flaring"),  # English
        ("en", "his mum passed away", "bereavement-illness-in-family"),
        ("en", "when to do psychoeducation", "psycho-education-timing"),  # closed compound
        ("en", "berevement", "bereavement-illness-in-family"),  # typo
        ("en", "ber", "bereavement-illness-in-family"),  # as you type
    ],
)
def test_finds_per_language(datas, language: str, query: str, slug: str) -> None:  # type: ignore[no-untyped-def]
    assert top3(datas[language], query)[0] == slug


def test_a_swedish_query_searches_the_swedish_text(datas) -> None:  # type: ignore[no-untyped-def]
    words = rank.query_words("hans pappa har dött", datas["sv"])
    assert words == ["pappa", "dott"]  # Swedish stop words gone
    assert [rank.resolve(w, datas["sv"])[0] for w in words] == [0, 0]  # found in Swedish


def test_a_whole_sentence_ranks_by_its_meaningful_words(datas) -> None:  # type: ignore[no-untyped-def]
    en = datas["en"]
    assert rank.query_words("what should I do when my client is angry with me", en) == ["angry"]
    assert rank.query_words("who are they", en) == ["who", "are", "they"]  # nothing else left


def _entry(slug: str, **fields: object) -> dict:
    entry = {"slug": slug, "title": "Untitled", "short_title": None, "subtitle": None,
             "summary": "", "tags": [], "synonyms": [], "first_minute": "", "body": ""}  # fmt: skip
    entry.update(fields)
    return entry


def _ranked(entries: list[dict], query: str, language: str = "en") -> list[str]:
    return [hit.slug for hit in rank.rank([index.build(entries, language, {})], query)]


def test_multi_word_names_match_only_as_phrases() -> None:
    entries = [
        _entry("passed-on", synonyms=["passed on"], body="Nothing about days."),
        _entry("passed-away", synonyms=["passed away"]),
        _entry("first-day", synonyms=["first day"]),
        _entry("in-bed", body="He lies in bed all day."),
        _entry("turned-down", synonyms=["turned him down"]),
        _entry("who-am-i", synonyms=["who am I"]),
    ]
    assert _ranked(entries, "passed away") == ["passed-away"]
    assert _ranked(entries, "first day") == ["first-day"]
    # small words belong to the phrase: "turned" alone is not "turned him down"
    assert _ranked(entries, "the clinic turned him down") == ["turned-down"]
    assert _ranked(entries, "he turned up") == []
    assert _ranked(entries, "who am I now") == ["who-am-i"]


def test_ranking_prefers_names_then_summary_then_body() -> None:
    entries = [
        _entry("in-body", body="a word about grief here"),
        _entry("in-keys", synonyms=["grief"]),
        _entry("in-lead", summary="Talk about grief."),
    ]
    assert _ranked(entries, "grief") == ["in-keys", "in-lead", "in-body"]


def test_matching_every_word_beats_one_strong_word() -> None:
    entries = [
        _entry("both", synonyms=["missed", "meetings"]),
        _entry("one", title="Meetings", summary="meetings", body="meetings"),
    ]
    assert _ranked(entries, "missed meetings")[0] == "both"


def test_weak_matches_offer_three_closest_guides(datas) -> None:  # type: ignore[no-untyped-def]
    nothing = search.found(datas["en"], "zzqqxx")
    assert nothing.weak and len(nothing.hits) == 3
    strong = search.found(datas["en"], "funeral")
    assert not strong.weak and strong.hits[0].slug == "bereavement-illness-in-family"
    vague = search.found(datas["en"], "the weather today")
    assert vague.weak and 1 <= len(vague.hits) <= 3
    many = search.found(datas["en"], "client")
    assert len(many.hits) <= rank.RESULTS_MAX  # never twenty weak results


def test_weak_match_page_says_so_and_offers_help(library, actors) -> None:  # type: ignore[no-untyped-def]
    client, _ = actors.signed_in("mentor")
    page = client.post("/guides", data={"q": "zzqqxx"}).get_data(as_text=True)
    assert "Nothing matches “zzqqxx” well" in page
    results = page.split('id="guide-results"', 1)[1].split("</ol>", 1)[0]
    assert len(re.findall(r'class="guide-link" href="/guides/[a-z0-9-]+"', results)) == 3
    help_block = page.split("data-guide-weak-help", 1)[1].split("</div>", 1)[0]
    assert 'href="/consults/start' in help_block and "data-consult-button" in help_block
    assert 'Immediate danger? Call <a href="tel:112">112</a>.' in help_block


def test_search_page_without_script(library, actors) -> None:  # type: ignore[no-untyped-def]
    client, _ = actors.signed_in("mentor")
    page = client.post("/guides", data={"q": "funeral"}).get_data(as_text=True)
    links = re.findall(r'class="guide-link" href="/guides/([a-z0-9-]+)"', page)
    assert links[0] == "bereavement-illness-in-family"
    assert "guide-weak-heading" not in page and "Best matches for “funeral”" in page
    page = client.post("/guides", data={"q": "shouting", "kind": "trigger"}).get_data(as_text=True)
    links = re.findall(r'class="guide-link" href="/guides/([a-z0-9-]+)"', page)
    assert "confrontation-rupture" not in links  # a rupture guide, filtered out by kind


def test_search_documents_come_from_the_published_guides_and_translations(library) -> None:  # type: ignore[no-untyped-def]
    english = search.search_documents(library, "en")
    swedish = search.search_documents(library, "sv")
    assert {d["slug"] for d in swedish} <= {d["slug"] for d in english}
    grief = next(d for d in swedish if d["slug"] == "bereavement-illness-in-family")
    assert grief["title"].startswith("Dödsfall") and grief["body"] and grief["first_minute"]
    guides, weak = services.search_guides(library, "dödsfall i familjen", "sv")
    assert guides[0].slug == "bereavement-illness-in-family" and not weak


def test_index_json_carries_the_readers_ranking_data(library, actors) -> None:  # type: ignore[no-untyped-def]
    client, _ = actors.signed_in("mentor")
    english = client.get("/guides/index.json").get_json()["search"]
    assert [data["language"] for data in english] == ["en"]
    swedish = client.get("/guides/index.json?lang=sv").get_json()["search"]
    assert [data["language"] for data in swedish] == ["sv", "en"]
    assert "sjalvmord" in swedish[0]["stems"]  # the stem table the browser looks words up in


def test_lexicons_name_only_existing_guides(datas) -> None:  # type: ignore[no-untyped-def]
    slugs = set(datas["en"][0]["slugs"])
    for language in ("en", "sv", "de"):
        words = search.lexicon(language)
        assert set(words) <= slugs, (language, set(words) - slugs)
        assert len(words) == len(slugs), (language, slugs - set(words))
        too_long = [
            n
            for names in words.values()
            for n in names
            if len(phrase_tokens(n, language)) > rank.PHRASE_MAX
        ]
        assert not too_long, (language, too_long)  # a phrase is matched up to PHRASE_MAX
        assert rank.PHRASE_MAX == 6


@settings(max_examples=30, deadline=None)
@given(query=st.text(max_size=200))
def test_any_text_ranks_without_error(datas, query: str) -> None:  # type: ignore[no-untyped-def]
    for language in ("en", "de"):
        found = search.found(datas[language], query)
        assert 1 <= len(found.hits) <= rank.RESULTS_MAX  # never empty, never a long tail


def test_generic_single_names_weigh_less_among_the_keys() -> None:
    """A one-word name found in most guides' bodies ("help") says little about the guide: its
    weight among the names is damped; a phrase and a rare word keep theirs."""
    keys = {"help": [0, 2000, 1, 1000], "help at home": [0, 3000], "overdos": [1, 2500]}
    bodies = [{"help", "home"}, {"help", "overdos"}, {"help"}]
    index._damp_generic(keys, bodies)
    factor = index.GENERIC_FACTOR
    assert keys == {
        "help": [0, round(2000 * factor), 1, round(1000 * factor)],
        "help at home": [0, 3000],
        "overdos": [1, 2500],
    }
    assert factor < 1


@pytest.mark.parametrize(
    ("language", "query"),
    [
        ("de", "er spricht von Suizid"),
        ("sv", "han pratar om självmord"),
        ("en", "he talks about suicide"),
    ],
)
def test_a_verb_of_reporting_does_not_outweigh_the_situation(datas, language, query) -> None:  # type: ignore[no-untyped-def]
    """ "spricht" once made the guide on threats to others (whose text repeats it) come first."""
    assert top3(datas[language], query)[0] == "depression-hopelessness"


@pytest.mark.parametrize(
    ("language", "query", "slug"),
    [
        # Revenge on whoever informed: "grass", "golare", "Verräter" alone mean suspicion of
        # the mentor; with "get", "ta", "rächen" they are a threat to someone.
        ("en", "he says he'll get the guy who grassed on him", "intent-to-harm-disclosure"),
        ("en", "he'll make whoever snitched pay for it", "intent-to-harm-disclosure"),
        ("sv", "han ska ta den som golade", "intent-to-harm-disclosure"),
        ("sv", "han vill sätta åt tjallaren", "intent-to-harm-disclosure"),
        ("de", "er will sich an dem rächen, der ihn verpfiffen hat", "intent-to-harm-disclosure"),
        ("de", "er will mit dem Verräter abrechnen", "intent-to-harm-disclosure"),
        # Lying in bed, not getting up.
        ("en", "she just lies in bed", "depression-hopelessness"),
        ("en", "he doesn't get out of bed any more", "depression-hopelessness"),
        ("sv", "hon ligger bara i sängen", "depression-hopelessness"),
        ("sv", "han stiger inte upp på morgonen", "depression-hopelessness"),
        ("de", "sie liegt nur im Bett", "depression-hopelessness"),
        ("de", "er kommt morgens nicht mehr hoch", "depression-hopelessness"),
        # Unreachable for days.
        ("en", "he has been unreachable for days", "withdrawal-rupture"),
        ("en", "haven't heard from her in days", "withdrawal-rupture"),
        ("sv", "han har inte gått att nå på flera dagar", "withdrawal-rupture"),
        ("sv", "vi har inte hört något från henne på flera dagar", "withdrawal-rupture"),
        ("de", "er ist seit Tagen nicht erreichbar", "withdrawal-rupture"),
        ("de", "ich habe nichts von ihm gehört", "withdrawal-rupture"),
    ],
)
def test_everyday_phrasings_of_threats_bed_and_silence_find_their_guide(  # type: ignore[no-untyped-def]
    datas, language: str, query: str, slug: str
) -> None:
    """A new user's queries (issues 15, 16) and more of the same kinds: a confident first hit,
    never "Nothing matches well"."""
    result = search.found(datas[language], query)
    assert not result.weak
    assert result.hits[0].slug == slug
