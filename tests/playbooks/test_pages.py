"""Reading guides: pages, the offline index, caching, budgets, "what changed", feedback."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from mentor_app.accounts.models import User
from mentor_app.playbooks import editing, policy
from mentor_app.playbooks.models import Guide, GuideFeedback, GuideViewDay
from tests.conftest import csrf_from
from tests.playbooks.support import make_revision, publish_guide

GUIDE_PAGE_BUDGET = 30 * 1024
INDEX_BUDGET = 300 * 1024
CSRF_VALUE = re.compile(
    r'(name="csrf[-_]token" (?:content|value)=|id="csrf_token"[^>]*value=)"[^"]+"'
)


def test_anonymous_readers_are_sent_to_sign_in(library, client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/guides", "/guides/bereavement-illness-in-family", "/guides/index.json"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/api/guides/bereavement-illness-in-family/me").status_code == 401


def test_list_groups_by_kind_and_filters(library, actors) -> None:  # type: ignore[no-untyped-def]
    client, _ = actors.signed_in("consultant")
    page = client.get("/guides").get_data(as_text=True)
    headings = re.findall(r'<h2 id="kind-([a-z]+)">', page)
    assert headings == list(policy.KINDS)
    assert page.count('class="guide-link"') == len(library.scalars(select(Guide)).all())

    rupture = client.get("/guides?kind=rupture").get_data(as_text=True)
    assert re.findall(r'<h2 id="kind-([a-z]+)">', rupture) == ["rupture"]
    assert "/guides/confrontation-rupture" in rupture
    assert "/guides/bereavement-illness-in-family" not in rupture

    tagged = client.get("/guides?tag=grief").get_data(as_text=True)
    assert "/guides/bereavement-illness-in-family" in tagged
    assert "/guides/motivational-interviewing" not in tagged
    # Nonsense filters are ignored rather than failing.
    assert client.get("/guides?kind=%3Cscript%3E").status_code == 200


def test_guide_page_first_minute_first_and_consult_one_tap(library, actors, app) -> None:  # type: ignore[no-untyped-def]
    client, _ = actors.signed_in("mentor")
    response = client.get("/guides/bereavement-illness-in-family")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    main = page[page.index('<main id="main"') :]
    first_minute = main.index('class="first-minute"')
    assert first_minute < main.index('id="g-when-this-applies"') < main.index('id="g-steps"')
    assert main.index("<h1>") < first_minute
    with app.test_request_context():
        from mentor_app.ui import consult_start_url

        consult = consult_start_url(topic="bereavement-illness-in-family")
    assert page.count(f'href="{consult}" data-consult-button') == 2  # in the text and fixed
    assert ">Consult about this<" in page
    related = re.findall(r'<a href="/guides/([a-z0-9-]+)"', main[main.index('id="g-related"') :])
    assert "trauma-reminders" in related
    for slug in related:
        assert client.get(f"/guides/{slug}").status_code == 200


def test_guide_pages_and_index_are_cacheable_and_personal_bits_are_not(  # type: ignore[no-untyped-def]
    library, actors
) -> None:
    client, _ = actors.signed_in("mentor")
    for path in ("/guides", "/guides?q=grief", "/guides/trauma-reminders", "/guides/index.json"):
        assert client.get(path).headers["Cache-Control"] == "private, no-cache", path
    me = client.get("/api/guides/trauma-reminders/me")
    assert me.headers["Cache-Control"] == "no-store"


def test_guide_pages_hold_nothing_about_the_reader(library, actors) -> None:  # type: ignore[no-untyped-def]
    """Two mentors get the same page (but for the CSRF token), so a cached copy leaks nothing."""
    first, _ = actors.signed_in("mentor", name="Alice Unique-Name", email="alice@example.org")
    second, _ = actors.signed_in("mentor", name="Bob Other-Name", email="bob@example.org")
    first.post(
        "/api/guides/trauma-reminders/feedback",
        json={"helpful": False, "comment": "private words"},
        headers={"X-CSRFToken": csrf_from(first.get("/guides"))},
    )
    pages = []
    for client in (first, second):
        page = client.get("/guides/trauma-reminders").get_data(as_text=True)
        for private in ("Alice", "alice@", "Bob", "private words"):
            assert private not in page
        pages.append(CSRF_VALUE.sub(r"\1TOKEN", page))
    assert pages[0] == pages[1]


def test_index_json_versioned_with_etag_and_304(library, actors) -> None:  # type: ignore[no-untyped-def]
    client, _ = actors.signed_in("mentor")
    response = client.get("/guides/index.json")
    assert response.status_code == 200 and response.is_json
    etag = response.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    index = response.get_json()
    guides = library.scalars(select(Guide)).all()
    assert len(index["guides"]) == len(guides) >= 28
    assert re.fullmatch(r"[0-9a-f]{16}", index["version"])
    entry = next(g for g in index["guides"] if g["slug"] == "bereavement-illness-in-family")
    for field in ("slug", "kind", "title", "tags", "synonyms", "first_minute"):
        assert entry[field], field
    assert "funeral" in entry["synonyms"]
    assert "body" not in entry  # ranked from the search data, never shipped as text
    assert "<" not in entry["first_minute"]

    again = client.get("/guides/index.json", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "private, no-cache"
    other = client.get("/guides/index.json", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200


def test_index_changes_version_when_a_guide_is_published(library, actors, clock) -> None:  # type: ignore[no-untyped-def]
    client, _ = actors.signed_in("mentor")
    before = client.get("/guides/index.json")
    clock.advance(minutes=5)
    publish_guide(library, clock(), slug="brand-new-guide", title="Brand new guide")
    after = client.get("/guides/index.json", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.get_json()["version"] != before.get_json()["version"]
    assert "brand-new-guide" in {g["slug"] for g in after.get_json()["guides"]}


def test_budgets_guide_pages_and_index(library, actors) -> None:  # type: ignore[no-untyped-def]
    client, _ = actors.signed_in("coordinator")  # the biggest page: editors also get edit links
    sizes = {}
    for guide in library.scalars(select(Guide)):
        response = client.get(f"/guides/{guide.slug}")
        assert response.status_code == 200
        sizes[guide.slug] = len(response.data)
    largest = max(sizes, key=sizes.__getitem__)
    index_size = len(client.get("/guides/index.json").data)
    print(f"largest guide page: {largest} {sizes[largest]} bytes; index.json {index_size} bytes")
    assert sizes[largest] < GUIDE_PAGE_BUDGET
    assert index_size < INDEX_BUDGET


def test_what_changed_note_for_readers_of_an_older_version(  # type: ignore[no-untyped-def]
    app, db, actors, clock
) -> None:
    clock.freeze()
    guide = publish_guide(db, clock(), slug="changing-guide")
    first_revision = guide.current_revision_id
    client, _ = actors.signed_in("mentor")
    opened = client.get(f"/api/guides/changing-guide/me?rev={first_revision}").get_json()
    assert opened["updated"] == [] and opened["revision"] == first_revision

    coordinator_id, _ = actors.create("coordinator")
    clock.advance(minutes=10)
    revision = make_revision(
        db, clock(), guide, coordinator_id, policy.IN_REVIEW, note="New step 3."
    )
    editing.act(db, clock(), db.get(User, coordinator_id), revision, "publish")
    db.commit()

    # A phone still showing the old page (from its cache) is not told about it yet…
    stale = client.get(f"/api/guides/changing-guide/me?rev={first_revision}").get_json()
    assert stale["updated"] == [] and stale["current_revision"] == revision.id
    # …the fresh page is, once…
    fresh = client.get(f"/api/guides/changing-guide/me?rev={revision.id}").get_json()
    assert [u["note"] for u in fresh["updated"]] == ["New step 3."]
    assert (
        client.get(f"/api/guides/changing-guide/me?rev={revision.id}").get_json()["updated"] == []
    )
    # …and a reader who never opened the guide before sees no note at all.
    newcomer, _ = actors.signed_in("mentor")
    assert newcomer.get("/api/guides/changing-guide/me").get_json()["updated"] == []
    # Opening an old cached copy later does not wind the reader back.
    client.get(f"/api/guides/changing-guide/me?rev={first_revision}")
    assert (
        client.get(f"/api/guides/changing-guide/me?rev={revision.id}").get_json()["updated"] == []
    )


def test_mentor_opens_are_counted_per_day(library, actors, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze()
    mentor, _ = actors.signed_in("mentor")
    coordinator, _ = actors.signed_in("coordinator")
    for _ in range(3):
        mentor.get("/api/guides/trauma-reminders/me")
    coordinator.get("/api/guides/trauma-reminders/me")  # editors reading do not count
    guide = library.scalar(select(Guide).where(Guide.slug == "trauma-reminders"))
    row = library.scalar(select(GuideViewDay).where(GuideViewDay.guide_id == guide.id))
    assert row.views == 3 and row.day_on == clock().date()


def test_feedback_one_tap_without_script(library, actors) -> None:  # type: ignore[no-untyped-def]
    client, user_id = actors.signed_in("mentor")
    page = client.get("/guides/trauma-reminders")
    token = csrf_from(page)
    response = client.post(
        "/guides/trauma-reminders/feedback", data={"csrf_token": token, "helpful": "yes"}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("#feedback")
    response = client.post(
        "/guides/trauma-reminders/feedback",
        data={"csrf_token": token, "helpful": "no", "comment": "Too long for a stairwell."},
    )
    assert response.status_code == 302
    rows = library.scalars(select(GuideFeedback).where(GuideFeedback.user_id == user_id)).all()
    assert len(rows) == 1 and rows[0].helpful is False
    assert rows[0].comment == "Too long for a stairwell."
    bad = client.post(
        "/guides/trauma-reminders/feedback", data={"csrf_token": token, "helpful": "maybe"}
    )
    assert bad.status_code == 400
    no_token = client.post("/guides/trauma-reminders/feedback", data={"helpful": "yes"})
    assert no_token.status_code == 400
    me = client.get("/api/guides/trauma-reminders/me").get_json()
    assert me["feedback"] == {"helpful": False, "has_comment": True}


def test_feedback_api_validates_and_coordinators_see_counts(library, actors) -> None:  # type: ignore[no-untyped-def]
    url = "/api/guides/trauma-reminders/feedback"
    answers = [True, True, False]
    for helpful in answers:
        client, _ = actors.signed_in("mentor")
        headers = {"X-CSRFToken": csrf_from(client.get("/guides"))}
        assert client.post(url, json={"helpful": helpful}, headers=headers).status_code == 200
    for body in (
        {"helpful": "yes"},
        {"helpful": True, "comment": 5},
        {"helpful": True, "comment": "x" * 501},
        ["not", "a", "dict"],
    ):
        response = client.post(url, data=json.dumps(body), headers=headers,
                               content_type="application/json")  # fmt: skip
        assert response.status_code == 400 and "error" in response.get_json()
    assert client.post(url, json={"helpful": True}).status_code == 400  # no CSRF header

    coordinator, _ = actors.signed_in("coordinator")
    page = coordinator.get("/guide-editor/").get_data(as_text=True)
    row = page[page.index("/guide-editor/trauma-reminders/history") :]
    cells = re.findall(r"<td>(\d+)</td>", row)[:2]
    assert cells == ["2", "1"]
    history = coordinator.get("/guide-editor/trauma-reminders/history").get_data(as_text=True)
    assert "Yes: 2 · No: 1" in history


def test_mentor_home_has_search_and_triggers(library, actors) -> None:  # type: ignore[no-untyped-def]
    client, _ = actors.signed_in("mentor")
    page = client.get("/").get_data(as_text=True)
    assert 'data-guide-search-input="home-guide-results"' in page
    assert 'action="/guides"' in page
    triggers = library.scalars(select(Guide).where(Guide.kind == "trigger")).all()
    for guide in triggers:
        assert f'href="/guides/{guide.slug}"' in page
    assert 'href="/guides/confrontation-rupture"' not in page
    nav = client.get("/guides").get_data(as_text=True)
    assert 'href="/guides" aria-current="page">Guides<' in nav
    assert "Guide reviews" not in nav


def test_a_flash_reaches_the_reader_not_the_cache(library, actors) -> None:  # type: ignore[no-untyped-def]
    """The no-script feedback form thanks the reader on the guide page it returns to. The
    service worker warming its cache in the background (X-Background-Poll) must not take that
    message, and the one page that shows it must not be stored, or the cached guide would
    thank every later reader offline."""
    client, _ = actors.signed_in("mentor")
    token = csrf_from(client.get("/guides/trauma-reminders"))
    thanks = '<li class="flash flash-success">Thank you.'
    posted = client.post(
        "/guides/trauma-reminders/feedback", data={"csrf_token": token, "helpful": "yes"}
    )
    assert posted.status_code == 302
    background = client.get("/guides/trauma-reminders", headers={"X-Background-Poll": "1"})
    assert thanks not in background.get_data(as_text=True)
    assert background.headers["Cache-Control"] == "private, no-cache"
    shown = client.get("/guides/trauma-reminders")
    assert thanks in shown.get_data(as_text=True)
    assert shown.headers["Cache-Control"] == "no-store"
    again = client.get("/guides/trauma-reminders")
    assert thanks not in again.get_data(as_text=True)
    assert again.headers["Cache-Control"] == "private, no-cache"
