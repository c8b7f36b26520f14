"""The guide library: every file parses and follows FORMAT.md; seed-demo and playbooks-sync
publish it, idempotently, and never silently overwrite a coordinator's newer edit. The format
(nine sections with a folded Why, short titles, a two-minute first read) holds for files and for
guides written in the app editor alike. Fidelity to the sources: test_fidelity.py."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mentor_app import demo
from mentor_app.accounts.models import User
from mentor_app.audit.models import AuditEvent
from mentor_app.playbooks import editing, policy
from mentor_app.playbooks.loader import guide_files, load_library, parse_guide
from mentor_app.playbooks.models import Guide, GuideRevision
from mentor_app.playbooks.render import first_read_words, parse_sections, render_guide
from mentor_app.playbooks.sync import sync_library
from tests.conftest import csrf_from
from tests.playbooks.support import guide_body

MINIMUM_PER_KIND = {"trigger": 17, "rupture": 8, "approach": 11, "team": 6}
MINIMUM_GUIDES = 40
# Guides other engineers and consults refer to by these addresses.
NEW_GUIDES = (
    "intent-to-harm-disclosure",
    "mentor-own-safety",
    "extremist-content-online",
    "religious-ideological-questions",
    "family-pressure-relatives",
    "intelligence-service-suspicion",
    "recall-breach-rearrest",
    "alcohol-drugs-overdose",
    "media-exposure-doxxing",
    "victims-restorative-contact",
    "no-therapist-waiting-list",
    "unfamiliar-ideology-milieu",
    "team-training-supervision",
)
# The addresses the library had before these were added: URLs and consults point at them.
EARLIER_GUIDES = (
    "after-being-upfront", "anniversaries-trials-media", "bereavement-illness-in-family",
    "community-rejection-stigma", "confrontation-rupture", "contact-from-former-group",
    "depression-hopelessness", "discharge-self-management-plan", "empathic-confrontation",
    "family-conflict-breakup", "impulsive-choices-adhd", "losing-work-housing-benefits",
    "mental-illness-flaring", "motivational-interviewing", "new-identity-belonging",
    "not-opening-with-ideology", "psycho-education-timing",
    "recurring-conflict-personality-disorder", "release-day-first-weeks",
    "repairing-family-community-ties", "solution-focused-questions",
    "staying-in-lanes-commitment", "suspected-false-compliance", "thinking-skills-and-stigma",
    "transparency-goals-roles", "trauma-reminders", "trust-shaken-information-sharing",
    "when-to-consult-psychologist", "withdrawal-rupture",
)  # fmt: skip


def test_every_content_file_parses_with_all_sections() -> None:
    files = guide_files()
    assert len(files) >= MINIMUM_GUIDES
    for path in files:
        source, problems = parse_guide(path)
        assert source is not None and problems == [], f"{path.name}: {problems}"
        sections = parse_sections(source.body).sections
        assert list(sections) == list(policy.SECTIONS), path.name
        first_minute = [line for line in sections["First minute"].split("\n") if line.strip()]
        assert 1 <= len(first_minute) <= 3, path.name
        assert "RAN" in sections["Sources"], f"{path.name} does not cite the seed paper"
        assert sections["Why"].strip(), f"{path.name} has no Why"
        rendered = render_guide(source.body)
        assert rendered.problems == [] and rendered.first_minute_text


def test_library_is_consistent_and_counts_per_kind() -> None:
    library = load_library()
    assert library.problems == []
    counts = Counter(g.kind for g in library.guides)
    print("guides per kind:", dict(sorted(counts.items())), "total", len(library.guides))
    assert len(library.guides) >= MINIMUM_GUIDES
    for kind, minimum in MINIMUM_PER_KIND.items():
        assert counts[kind] >= minimum, (kind, counts[kind])
    assert len({g.slug for g in library.guides}) == len(library.guides)
    slugs = {g.slug for g in library.guides}
    assert set(EARLIER_GUIDES) <= slugs, "an existing address disappeared"
    assert set(NEW_GUIDES) <= slugs
    assert all(len(g.title) <= policy.TITLE_MAX for g in library.guides), "phone titles"


@pytest.mark.parametrize("slug", NEW_GUIDES)
def test_each_new_guide_passes_the_format_checks(slug: str) -> None:
    path = guide_files()[0].parent / f"{slug}.md"
    source, problems = parse_guide(path)
    assert source is not None and problems == [], problems
    sections = parse_sections(source.body).sections
    words = first_read_words(sections)
    print(f"{slug}: {words} words read first, title {len(source.title)} characters")
    assert list(sections) == list(policy.SECTIONS)
    assert words <= policy.FIRST_READ_MAX_WORDS
    assert len(source.title) <= policy.TITLE_MAX
    assert source.kind in policy.KINDS and source.topic and source.expertise
    assert re.search(r"^\d+\. ", sections["Steps"], re.M)
    assert "emergency number" in sections["Call a consultant when"].split("\n")[0]
    assert sections["Why"].strip() and "RAN" in sections["Sources"]
    assert re.findall(r"\]\(/guides/", sections["Related"]), "links to related guides"


def test_related_links_show_the_title_of_the_guide_they_open() -> None:
    guides = {g.slug: g for g in load_library().guides}
    links = 0
    for guide in guides.values():
        related = parse_sections(guide.body).sections["Related"]
        for text, slug in re.findall(r"\[([^\]]+)\]\(/guides/([a-z0-9-]+)\)", related):
            links += 1
            assert text == guides[slug].title, f"{guide.slug} → {slug}: {text!r}"
    print("related links:", links)
    assert links >= 3 * len(guides)


def test_the_loader_refuses_a_long_title_and_a_long_first_read(tmp_path: Path) -> None:
    slug = "bereavement-illness-in-family"  # a guide without a subtitle
    text = (guide_files()[0].parent / f"{slug}.md").read_text()
    assert "\nsubtitle = " not in text
    title = re.search(r'^title = "(.*)"$', text, re.M).group(1)
    long_title = text.replace(f'title = "{title}"', f'title = "{"x" * 61}"', 1)
    (tmp_path / f"{slug}.md").write_text(long_title)
    _, problems = parse_guide(tmp_path / f"{slug}.md")
    assert "'title' is longer than 60 characters." in problems
    padded = text.replace("## Steps\n", "## Steps\n" + "word " * 120 + "\n\n", 1)
    (tmp_path / f"{slug}.md").write_text(padded)
    _, problems = parse_guide(tmp_path / f"{slug}.md")
    assert any("at most 350" in p for p in problems), problems
    with_subtitle = text.replace("+++\n\n", f'subtitle = "{"y" * 161}"\n+++\n\n', 1)
    (tmp_path / f"{slug}.md").write_text(with_subtitle)
    _, problems = parse_guide(tmp_path / f"{slug}.md")
    assert "'subtitle' is longer than 160 characters." in problems


def test_seed_demo_publishes_every_guide(app, db, clock) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():  # password hashing reads the app's configuration
        lines = demo.seed_demo(db, clock())
    db.commit()
    published = db.scalars(select(Guide).where(Guide.current_revision_id.is_not(None))).all()
    assert len(published) == len(guide_files())
    assert all(g.state == policy.GUIDE_PUBLISHED for g in published)
    assert f"Guides: {len(published)} published." in lines
    publishes = db.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "guide.publish")
    )
    # One publication per guide and language: English, Swedish, German.
    assert publishes == len(published) * len(policy.LANGUAGES)
    assert f"Guide translations: {len(published)} sv, {len(published)} de." in lines


def test_sync_is_idempotent(library, clock) -> None:  # type: ignore[no-untyped-def]
    revisions = library.scalar(select(func.count()).select_from(GuideRevision))
    report = sync_library(library, clock())
    library.commit()
    assert report.created == [] and report.updated == [] and report.warnings == []
    assert len(report.unchanged) == len(guide_files())
    assert library.scalar(select(func.count()).select_from(GuideRevision)) == revisions


@pytest.fixture
def content_copy(tmp_path):  # type: ignore[no-untyped-def]
    folder = tmp_path / "content"
    shutil.copytree(guide_files()[0].parent, folder)
    return folder


def _edit_file(folder, slug: str, old: str, new: str) -> None:  # type: ignore[no-untyped-def]
    path = folder / f"{slug}.md"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_changed_file_becomes_a_new_published_revision(  # type: ignore[no-untyped-def]
    app, db, clock, content_copy
) -> None:
    sync_library(db, clock(), content_copy)
    db.commit()
    _edit_file(content_copy, "trauma-reminders", "## Steps\n", "## Steps\n0. A new first step.\n")
    clock.advance(days=1)
    report = sync_library(db, clock(), content_copy)
    db.commit()
    assert report.updated == ["trauma-reminders"]
    guide = db.scalar(select(Guide).where(Guide.slug == "trauma-reminders"))
    assert "A new first step." in guide.body_html
    current = db.get(GuideRevision, guide.current_revision_id)
    # Numbers run across a guide's languages: 1 English, 2 and 3 its translations, then 4.
    assert current.number == 2 + len(policy.TRANSLATION_LANGUAGES)
    assert current.origin == policy.ORIGIN_FILE and current.language == "en"
    assert current.note == "Updated: Steps."


def test_sync_never_silently_overwrites_a_coordinator_edit(  # type: ignore[no-untyped-def]
    app, db, clock, actors, content_copy
) -> None:
    sync_library(db, clock(), content_copy)
    db.commit()
    coordinator_id, _ = actors.create("coordinator")
    coordinator = db.get(User, coordinator_id)
    guide = db.scalar(select(Guide).where(Guide.slug == "trauma-reminders"))
    clock.advance(hours=1)
    content = editing.Content.of(guide)
    content.body = content.body.replace("## Avoid\n", '## Avoid\n- "Coordinator\'s line."\n')
    content.note = "A line from the team."
    draft = editing.save_draft(db, clock(), coordinator, guide, content)
    editing.act(db, clock(), coordinator, draft, "submit")
    editing.act(db, clock(), coordinator, draft, "publish")
    db.commit()

    _edit_file(content_copy, "trauma-reminders", "## Steps\n", "## Steps\n0. From the file.\n")
    clock.advance(hours=1)
    report = sync_library(db, clock(), content_copy)
    db.commit()
    assert report.updated == []
    assert len(report.warnings) == 1 and report.warnings[0].startswith("trauma-reminders:")
    db.expire_all()
    guide = db.scalar(select(Guide).where(Guide.slug == "trauma-reminders"))
    assert "Coordinator&#x27;s line" in guide.body_html or "Coordinator's line" in guide.body_html

    runner = app.test_cli_runner()
    result = runner.invoke(args=["playbooks-sync", "--dir", str(content_copy)])
    assert result.exit_code == 0
    assert "WARNING: trauma-reminders" in result.output

    result = runner.invoke(
        args=["playbooks-sync", "--dir", str(content_copy), "--force", "--slug", "trauma-reminders"]
    )
    assert result.exit_code == 0, result.output
    assert "overwritten (--force): trauma-reminders" in result.output
    db.expire_all()
    guide = db.scalar(select(Guide).where(Guide.slug == "trauma-reminders"))
    assert "From the file." in guide.body_html
    forced = db.scalar(
        select(AuditEvent).where(AuditEvent.action == "guide.sync_overwrote_app_edit")
    )
    assert forced is not None and forced.object_id == str(guide.id)
    # Settled: the next sync has nothing to say.
    again = runner.invoke(args=["playbooks-sync", "--dir", str(content_copy)])
    assert "WARNING" not in again.output


def test_a_broken_file_changes_nothing(app, db, clock, content_copy) -> None:  # type: ignore[no-untyped-def]
    _edit_file(content_copy, "trauma-reminders", "## Say\n", "## Say it\n")
    _edit_file(content_copy, "withdrawal-rupture", "(/guides/", "(/guides/x")
    result = app.test_cli_runner().invoke(args=["playbooks-sync", "--dir", str(content_copy)])
    assert result.exit_code != 0
    assert "trauma-reminders.md: Unknown section 'Say it'" in result.output
    assert "withdrawal-rupture.md: 'Related' links to a guide that does not exist" in result.output
    assert db.scalar(select(func.count()).select_from(Guide)) == 0


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("## When this applies\nx\n## Steps\nx\n", "Missing section(s): First minute"),
        ("intro\n" + "\n".join(f"## {s}\nx" for s in policy.SECTIONS), "text before the first"),
        ("\n".join(f"## {s}\nx" for s in reversed(policy.SECTIONS)), "in this order"),
        (
            "\n".join(f"## {s}\n" + ("- a\n- b\n- c\n- d" if s == "First minute" else "x")
                      for s in policy.SECTIONS),
            "at most 3",
        ),
        ("\n".join(f"## {s}\nx" for s in policy.SECTIONS) + "\n# Big\n", "use ### for headings"),
        ("\n".join(f"## {s}\n" for s in policy.SECTIONS), "is empty"),
        ("\n".join(f"## {s}\nx" for s in policy.SECTIONS if s != "Why"), "Missing section(s): Why"),
        (
            "\n".join(f"## {s}\n" + ("w " * 346 if s == "Steps" else "x") for s in policy.SECTIONS),
            "has 351 words; at most 350",
        ),
    ],
)  # fmt: skip
def test_format_problems_are_named(body: str, problem: str) -> None:
    problems = parse_sections(body).problems
    assert any(problem in p for p in problems), problems


def test_350_words_read_first_are_accepted() -> None:
    # Five one-word sections plus 345 words of steps: exactly the limit.
    body = "\n".join(f"## {s}\n" + ("w " * 345 if s == "Steps" else "x") for s in policy.SECTIONS)
    assert parse_sections(body).problems == []


def test_the_editor_holds_guides_to_the_same_format(app, db, actors, clock) -> None:  # type: ignore[no-untyped-def]
    coordinator, _ = actors.signed_in("coordinator")
    page = coordinator.get("/guide-editor/new").get_data(as_text=True)
    assert "Nine sections" in page and 'name="subtitle"' in page
    # The template a new guide starts from has every section, in order; only the text is missing.
    template = parse_sections(editing.NEW_GUIDE_BODY)
    assert [p for p in template.problems if "is empty" not in p] == []
    assert list(template.sections) == list(policy.SECTIONS)
    data = {
        "csrf_token": csrf_from(coordinator.get("/guide-editor/new")),
        "slug": "sudden-move", "kind": "trigger", "topic": "moving",
        "title": "A sudden move", "subtitle": "Having to leave a flat within days",
        "summary": "Having to move at short notice.", "tags": "housing", "synonyms": "moving house",
        "body": guide_body(), "note": "New guide.", "save": "1",
    }  # fmt: skip
    too_long = coordinator.post("/guide-editor/new", data=dict(data, title="A" * 61))
    assert too_long.status_code == 400
    no_why = guide_body().replace("## Why\n- A test reason.\n\n", "")
    assert "## Why" not in no_why
    refused = coordinator.post("/guide-editor/new", data=dict(data, body=no_why))
    assert refused.status_code == 400
    assert "Missing section(s): Why." in refused.get_data(as_text=True)
    wordy = guide_body(extra="\n3. " + "word " * 340)
    refused = coordinator.post("/guide-editor/new", data=dict(data, body=wordy))
    assert refused.status_code == 400 and "at most 350" in refused.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Guide)) == 0
    accepted = coordinator.post("/guide-editor/new", data=data)
    assert accepted.status_code == 302, accepted.get_data(as_text=True)[-1500:]
    revision = db.scalar(select(GuideRevision))
    assert revision.subtitle == "Having to leave a flat within days"
    assert '<details><summary><h2 id="g-why-h">Why</h2></summary>' in revision.body_html
    problems = editing.content_problems(db, editing.Content.of(revision), "sudden-move")
    assert problems == []


def test_guide_page_folds_why_and_sources_and_shows_the_subtitle(library, actors) -> None:  # type: ignore[no-untyped-def]
    client, _ = actors.signed_in("mentor")
    page = client.get("/guides/contact-from-former-group").get_data(as_text=True)
    main = page[page.index('<main id="main"') :]
    assert (
        '<p class="guide-subtitle">Including music and other hobbies tied to the group</p>' in main
    )
    for name, anchor in (("Why", "g-why"), ("Sources", "g-sources")):
        section = re.search(rf'<section class="guide-section guide-folded" id="{anchor}"[^>]*>'
                            r"<details>(.*?)</details></section>", main, re.S)  # fmt: skip
        assert section, name
        assert section.group(1).startswith(f'<summary><h2 id="{anchor}-h">{name}</h2></summary>')
    # Folded means closed until opened; what is read first is not folded.
    assert "<details open" not in main
    assert main.index('id="g-call-a-consultant-when"') < main.index("data-consult-button")
    assert main.index('id="g-related"') < main.index('id="g-why"') < main.index('id="g-sources"')
    assert not re.search(r'<details>\s*<summary><h2 id="g-(steps|say|avoid)', main)
