"""Guides in three languages: sync, readers, the offline index, and the translation editor.

Every guide gets a published Swedish and German translation from mentor_app/content/<lang>/;
a reader gets their language (or `?lang=`), English with a note where a translation is missing;
an English edit flags the translations "out of date"; a coordinator edits, publishes and marks a
translation reviewed through the same review workflow; mentors cannot edit.
"""

from __future__ import annotations

import re
import shutil
import tomllib

import pytest
from sqlalchemy import func, select

from mentor_app.accounts.models import User
from mentor_app.audit.models import AuditEvent
from mentor_app.playbooks import editing, policy, translations
from mentor_app.playbooks.loader import CONTENT_DIR, guide_files, split_front_matter
from mentor_app.playbooks.models import Guide, GuideRevision, GuideTranslation
from mentor_app.playbooks.render import parse_sections
from mentor_app.playbooks.sync import sync_library
from tests.conftest import csrf_from
from tests.playbooks.test_pages import GUIDE_PAGE_BUDGET

SLUG = "bereavement-illness-in-family"

INDEX_GZIP_BUDGET = 160 * 1024  # bytes on the wire, any language; fetched once per change


def _front(language: str, slug: str = SLUG) -> dict:
    text = (CONTENT_DIR / language / f"{slug}.md").read_text(encoding="utf-8")
    split = split_front_matter(text)
    assert split is not None
    return tomllib.loads(split[0])


def _guide(db, slug: str = SLUG) -> Guide:  # type: ignore[no-untyped-def]
    db.expire_all()
    return db.scalar(select(Guide).where(Guide.slug == slug))


def _reader(actors, db, language: str, role: str = "mentor"):  # type: ignore[no-untyped-def]
    client, user_id = actors.signed_in(role)
    db.get(User, user_id).locale = language
    db.commit()
    return client, user_id


def _html_lang(page: str) -> str:
    match = re.search(r'<html lang="([a-z]+)">', page)
    assert match, "the page names its language"
    return match.group(1)


def test_every_guide_has_published_swedish_and_german_versions(library) -> None:  # type: ignore[no-untyped-def]
    english = {p.stem for p in guide_files()}
    guides = {g.id: g for g in library.scalars(select(Guide))}
    for language in policy.TRANSLATION_LANGUAGES:
        rows = library.scalars(
            select(GuideTranslation).where(GuideTranslation.language == language)
        ).all()
        published = {guides[r.guide_id].slug for r in rows if r.current_revision_id}
        print(f"{language}: {len(published)} of {len(english)} guides published")
        assert sorted(english - published) == [], f"missing {language} translations"
        for row in rows:
            revision = row.current_revision
            assert revision.language == language and revision.state == policy.PUBLISHED
            sections = parse_sections(revision.body_md)
            assert sections.problems == [], (guides[row.guide_id].slug, sections.problems)
            assert list(sections.sections) == list(policy.SECTIONS)
            first_minute = [line for line in revision.first_minute_text.splitlines() if line]
            assert 1 <= len(first_minute) <= policy.FIRST_MINUTE_MAX_LINES
            # Each follows the English text published now, and starts unreviewed.
            assert revision.source_revision_id == guides[row.guide_id].current_revision_id
            assert row.review_state == policy.UNREVIEWED


@pytest.fixture
def content_copy(tmp_path):  # type: ignore[no-untyped-def]
    folder = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, folder)
    return folder


def test_sync_skips_unchanged_translations_and_publishes_changed_ones(  # type: ignore[no-untyped-def]
    app, db, clock, content_copy
) -> None:
    first = sync_library(db, clock(), content_copy)
    db.commit()
    total = len(guide_files())
    assert first.translations.counts[("sv", "new")] == total
    assert first.translations.counts[("de", "new")] == total
    revisions = db.scalar(select(func.count()).select_from(GuideRevision))

    again = sync_library(db, clock(), content_copy)
    db.commit()
    assert again.translations.counts[("sv", "unchanged")] == total
    assert db.scalar(select(func.count()).select_from(GuideRevision)) == revisions

    path = content_copy / "sv" / f"{SLUG}.md"
    path.write_text(path.read_text(encoding="utf-8").replace("## Steps\n", "## Steps\n0. Nytt.\n"))
    clock.advance(hours=1)
    changed = sync_library(db, clock(), content_copy)
    db.commit()
    assert changed.translations.counts[("sv", "updated")] == 1
    text = translations.reader_text(db, _guide(db), "sv")
    assert "Nytt." in text.revision.body_md and text.language == "sv"
    assert not any(s.out_of_date for s in translations.translation_statuses(db, _guide(db)))

    # The English file moves on; the translation files still name the old English text.
    english = content_copy / f"{SLUG}.md"
    english.write_text(
        english.read_text(encoding="utf-8").replace("## Steps\n", "## Steps\n0. New.\n")
    )
    clock.advance(hours=1)
    moved = sync_library(db, clock(), content_copy)
    db.commit()
    assert moved.updated == [SLUG] and moved.translations.counts[("sv", "unchanged")] == total
    statuses = translations.translation_statuses(db, _guide(db))
    assert [s.out_of_date for s in statuses] == [True, True]
    assert all(s.follows is not None and s.follows.id != s.english.id for s in statuses)


def test_a_broken_translation_file_changes_nothing(app, db, clock, content_copy) -> None:  # type: ignore[no-untyped-def]
    path = content_copy / "de" / f"{SLUG}.md"
    path.write_text(path.read_text(encoding="utf-8").replace("## Steps\n", "## Schritte\n"))
    report = sync_library(db, clock(), content_copy)
    assert not report.ok
    assert any(p.startswith(f"de/{SLUG}.md") for p in report.problems)
    assert db.scalar(select(func.count()).select_from(Guide)) == 0


def test_reader_gets_their_language_or_english_with_a_note(library, actors) -> None:  # type: ignore[no-untyped-def]
    swedish, _ = _reader(actors, library, "sv")
    page = swedish.get(f"/guides/{SLUG}").get_data(as_text=True)
    assert _html_lang(page) == "sv"
    assert _front("sv")["title"] in page
    assert 'data-review-state="unreviewed"' in page and "data-guide-fallback" not in page
    shown = int(re.search(r'data-revision="(\d+)"', page).group(1))
    me = swedish.get(f"/api/guides/{SLUG}/me?rev={shown}").json
    assert me["revision"] == shown == me["current_revision"]  # the Swedish text is current

    german = swedish.get(f"/guides/{SLUG}?lang=de").get_data(as_text=True)
    assert len(german.encode()) < GUIDE_PAGE_BUDGET
    assert _html_lang(german) == "de" and _front("de")["title"] in german
    english = swedish.get(f"/guides/{SLUG}?lang=en").get_data(as_text=True)
    assert _html_lang(english) == "en" and "data-review-state" not in english
    assert swedish.get(f"/guides/{SLUG}?lang=fr").status_code == 400

    # No published German translation: the English text, with a one-line note.
    guide = _guide(library)
    row = library.scalar(
        select(GuideTranslation).where(
            GuideTranslation.guide_id == guide.id, GuideTranslation.language == "de"
        )
    )
    row.current_revision_id = None
    library.commit()
    german_reader, _ = _reader(actors, library, "de")
    fallback = german_reader.get(f"/guides/{SLUG}").get_data(as_text=True)
    assert _html_lang(fallback) == "en" and "data-guide-fallback" in fallback
    assert guide.title in fallback


def test_guide_list_shows_titles_in_the_readers_language(library, actors) -> None:  # type: ignore[no-untyped-def]
    client, _ = _reader(actors, library, "de")
    page = client.get("/guides").get_data(as_text=True)
    assert _front("de")["title"] in page
    assert _guide(library).title not in page
    home = client.get("/").get_data(as_text=True)  # the mentor's triggers
    assert _front("de")["title"] in home and _guide(library).title not in home


def test_server_search_in_the_readers_language(library, actors) -> None:  # type: ignore[no-untyped-def]
    client, _ = _reader(actors, library, "sv")
    word = _front("sv")["synonyms"][0]
    token = csrf_from(client.get("/guides"))
    page = client.post("/guides", data={"q": word, "csrf_token": token}).get_data(as_text=True)
    results = page[page.index('id="guide-results"') :]
    first = re.search(r'href="/guides/([a-z0-9-]+)"', results)
    assert first and first.group(1) == SLUG, word
    assert _front("sv")["title"] in results


def test_index_json_per_language_with_its_own_etag(library, actors) -> None:  # type: ignore[no-untyped-def]
    client, _ = _reader(actors, library, "sv")
    own = client.get("/guides/index.json")
    assert own.json["language"] == "sv"
    entry = next(g for g in own.json["guides"] if g["slug"] == SLUG)
    assert entry["title"] == _front("sv")["title"] and entry["is_fallback"] is False
    tags = {}
    for language in policy.LANGUAGES:
        response = client.get(f"/guides/index.json?lang={language}")
        assert response.json["language"] == language
        assert len(response.json["guides"]) == len(guide_files())
        tags[language] = response.headers["ETag"]
        # A Swedish or German index carries the English ranking data too (an English query
        # still finds guides offline), so the budget is on what a phone downloads: gzipped.
        zipped = client.get(
            f"/guides/index.json?lang={language}", headers={"Accept-Encoding": "gzip"}
        )
        assert zipped.headers.get("Content-Encoding") == "gzip", language
        assert len(zipped.get_data()) < INDEX_GZIP_BUDGET, language
        repeat = client.get(
            f"/guides/index.json?lang={language}", headers={"If-None-Match": tags[language]}
        )
        assert repeat.status_code == 304
    assert len(set(tags.values())) == 3
    assert own.headers["ETag"] == tags["sv"]
    assert client.get("/guides/index.json?lang=xx").status_code == 400


def test_published_guide_texts_for_search(library) -> None:  # type: ignore[no-untyped-def]
    texts = translations.published_guide_texts(library, "de")
    assert len(texts) == len(guide_files())
    assert all(t.language == "de" and not t.is_fallback for t in texts)
    bereavement = next(t for t in texts if t.slug == SLUG)
    assert bereavement.title == _front("de")["title"] and bereavement.search_text
    with pytest.raises(ValueError):
        translations.published_guide_texts(library, "fr")


def _english_edit(db, clock, actors) -> None:  # type: ignore[no-untyped-def]
    coordinator_id, _ = actors.create("coordinator")
    coordinator = db.get(User, coordinator_id)
    guide = _guide(db)
    content = editing.Content.of(guide)
    content.body = content.body.replace("## Avoid\n", '## Avoid\n- "A new line."\n')
    content.note = "A new line to avoid."
    draft = editing.save_draft(db, clock(), coordinator, guide, content)
    editing.act(db, clock(), coordinator, draft, "submit")
    editing.act(db, clock(), coordinator, draft, "publish")
    db.commit()


def test_english_edit_flags_translations_out_of_date(library, clock, actors) -> None:  # type: ignore[no-untyped-def]
    assert translations.out_of_date_count(library) == 0
    _english_edit(library, clock, actors)
    statuses = translations.translation_statuses(library, _guide(library))
    assert [s.out_of_date for s in statuses] == [True, True]
    assert translations.out_of_date_count(library) == 2
    coordinator, _ = actors.signed_in("coordinator")
    history = coordinator.get(f"/guide-editor/{SLUG}/history").get_data(as_text=True)
    assert history.count("data-out-of-date") == 2
    dashboard = coordinator.get("/guide-editor/").get_data(as_text=True)
    assert "data-translations-out-of-date" in dashboard


def _translation_form(client, path: str, **fields: str) -> dict:  # type: ignore[no-untyped-def]
    page = client.get(path)
    text = page.get_data(as_text=True)
    data = {"csrf_token": csrf_from(page)}
    for name in ("title", "short_title", "subtitle", "summary", "tags", "synonyms"):
        match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', text)
        data[name] = match.group(1) if match else ""
    body = re.search(r"<textarea[^>]*name=\"body\"[^>]*>\n?(.*?)</textarea>", text, re.S)
    data["body"] = body.group(1) if body else ""
    entities = {"&#34;": '"', "&#39;": "'", "&lt;": "<", "&gt;": ">", "&amp;": "&"}
    for name, value in data.items():
        for entity, char in entities.items():
            value = value.replace(entity, char)
        data[name] = value
    data.update(fields)
    return data


def test_coordinator_publishes_and_marks_reviewed_a_translation(library, clock, actors) -> None:  # type: ignore[no-untyped-def]
    _english_edit(library, clock, actors)
    version_before = translations.published_version(library)  # the service worker's part
    coordinator, coordinator_id = actors.signed_in("coordinator")
    path = f"/guide-editor/{SLUG}/translations/sv/edit"
    form = _translation_form(coordinator, path)
    assert form["title"] == _front("sv")["title"]  # starts from the published translation
    form["body"] = form["body"].replace("## Avoid\n", "## Avoid\n- ”En ny rad.”\n")
    form.update(note="Ny rad under Undvik.", submit_review="1")
    response = coordinator.post(path, data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    draft = library.scalar(
        select(GuideRevision).where(
            GuideRevision.author_id == coordinator_id, GuideRevision.language == "sv"
        )
    )
    assert draft.state == policy.IN_REVIEW
    page = coordinator.get(f"/guide-editor/revisions/{draft.id}").get_data(as_text=True)
    token = csrf_from(coordinator.get(f"/guide-editor/revisions/{draft.id}"))
    assert "data-translation-follows" in page
    published = coordinator.post(
        f"/guide-editor/revisions/{draft.id}/publish", data={"csrf_token": token}
    )
    assert published.status_code == 302

    guide = _guide(library)
    statuses = {s.language: s for s in translations.translation_statuses(library, guide)}
    assert statuses["sv"].revision.id == draft.id and not statuses["sv"].out_of_date
    assert statuses["de"].out_of_date  # still behind the English edit
    assert translations.published_version(library) != version_before
    reader, _ = _reader(actors, library, "sv")
    assert "En ny rad." in reader.get(f"/guides/{SLUG}").get_data(as_text=True)
    # The English readers' text and history are untouched by the translation.
    assert guide.current_revision.language == "en"

    reviewed = coordinator.post(
        f"/guide-editor/{SLUG}/translations/sv/reviewed",
        data={"csrf_token": token, "revision_id": str(draft.id)},
    )
    assert reviewed.status_code == 302
    assert statuses["sv"].translation.review_state == policy.UNREVIEWED  # as loaded before
    library.expire_all()
    row = library.get(GuideTranslation, statuses["sv"].translation.id)
    assert row.review_state == policy.REVIEWED and row.reviewed_by_id == coordinator_id
    event = library.scalar(
        select(AuditEvent).where(AuditEvent.action == "guide.translation_reviewed")
    )
    assert event is not None and event.actor_id == coordinator_id
    page = reader.get(f"/guides/{SLUG}").get_data(as_text=True)
    assert 'data-review-state="reviewed"' in page
    # Marking an older text reviewed is refused (another was published meanwhile).
    stale = coordinator.post(
        f"/guide-editor/{SLUG}/translations/de/reviewed",
        data={"csrf_token": token, "revision_id": str(draft.id)},
    )
    assert stale.status_code == 302
    library.expire_all()
    de_row = library.get(GuideTranslation, statuses["de"].translation.id)
    assert de_row.review_state == policy.UNREVIEWED


def test_mentors_cannot_edit_translations_and_consultants_cannot_publish(  # type: ignore[no-untyped-def]
    library, actors
) -> None:
    mentor, mentor_id = actors.signed_in("mentor")
    token = csrf_from(mentor.get("/guides"))
    path = f"/guide-editor/{SLUG}/translations/de/edit"
    assert mentor.get(path).status_code == 403
    body = {"csrf_token": token, "title": "Meins", "summary": "x", "body": "x", "save": "1"}
    assert mentor.post(path, data=body).status_code == 403
    reviewed = {"csrf_token": token, "revision_id": "1"}
    assert (
        mentor.post(f"/guide-editor/{SLUG}/translations/de/reviewed", data=reviewed).status_code
        == 403
    )
    assert library.scalar(select(GuideRevision).where(GuideRevision.author_id == mentor_id)) is None

    consultant, consultant_id = actors.signed_in("consultant")
    assert consultant.get(f"/guide-editor/{SLUG}/translations/fr/edit").status_code == 404
    form = _translation_form(consultant, path, note="Klarer.", submit_review="1")
    assert consultant.post(path, data=form).status_code == 302
    proposal = library.scalar(select(GuideRevision).where(GuideRevision.author_id == consultant_id))
    assert proposal.language == "de" and proposal.state == policy.IN_REVIEW
    consultant_token = csrf_from(consultant.get(f"/guide-editor/revisions/{proposal.id}"))
    publish = consultant.post(
        f"/guide-editor/revisions/{proposal.id}/publish", data={"csrf_token": consultant_token}
    )
    assert publish.status_code == 403
    reviewed["csrf_token"] = consultant_token
    assert (
        consultant.post(f"/guide-editor/{SLUG}/translations/de/reviewed", data=reviewed).status_code
        == 403
    )


def test_sync_never_silently_replaces_a_translation_published_in_the_app(  # type: ignore[no-untyped-def]
    app, db, clock, actors, content_copy
) -> None:
    sync_library(db, clock(), content_copy)
    db.commit()
    coordinator_id, _ = actors.create("coordinator")
    coordinator = db.get(User, coordinator_id)
    guide = _guide(db)
    clock.advance(hours=1)
    content = editing.Content.of(translations.reader_text(db, guide, "sv").revision)
    content.body = content.body.replace("## Avoid\n", "## Avoid\n- ”Teamets rad.”\n")
    content.note = "En rad från teamet."
    draft = editing.save_draft(db, clock(), coordinator, guide, content, "sv")
    editing.act(db, clock(), coordinator, draft, "submit")
    editing.act(db, clock(), coordinator, draft, "publish")
    db.commit()

    path = content_copy / "sv" / f"{SLUG}.md"
    path.write_text(path.read_text(encoding="utf-8").replace("## Steps\n", "## Steps\n0. Fil.\n"))
    clock.advance(hours=1)
    report = sync_library(db, clock(), content_copy)
    db.commit()
    assert report.translations.counts[("sv", "updated")] == 0
    assert [w for w in report.warnings if w.startswith(f"sv/{SLUG}:")]
    assert "Teamets rad." in translations.reader_text(db, _guide(db), "sv").revision.body_md

    forced = sync_library(db, clock(), content_copy, force=True, only={SLUG})
    db.commit()
    assert forced.translations.counts[("sv", "updated")] == 1
    assert "Fil." in translations.reader_text(db, _guide(db), "sv").revision.body_md
    overwrote = db.scalar(
        select(AuditEvent).where(AuditEvent.action == "guide.sync_overwrote_app_edit")
    )
    assert overwrote is not None and overwrote.details["language"] == "sv"
