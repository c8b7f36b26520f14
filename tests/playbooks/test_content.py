"""The guide library: every file parses and follows FORMAT.md; seed-demo and playbooks-sync
publish it, idempotently, and never silently overwrite a coordinator's newer edit."""

from __future__ import annotations

import shutil
from collections import Counter

import pytest
from sqlalchemy import func, select

from mentor_app import demo
from mentor_app.accounts.models import User
from mentor_app.audit.models import AuditEvent
from mentor_app.playbooks import editing, policy
from mentor_app.playbooks.loader import guide_files, load_library, parse_guide
from mentor_app.playbooks.models import Guide, GuideRevision
from mentor_app.playbooks.render import parse_sections, render_guide
from mentor_app.playbooks.sync import sync_library

MINIMUM_PER_KIND = {"trigger": 11, "rupture": 7, "approach": 7, "team": 3}


def test_every_content_file_parses_with_all_sections() -> None:
    files = guide_files()
    assert len(files) >= 28
    for path in files:
        source, problems = parse_guide(path)
        assert source is not None and problems == [], f"{path.name}: {problems}"
        sections = parse_sections(source.body).sections
        assert list(sections) == list(policy.SECTIONS), path.name
        first_minute = [line for line in sections["First minute"].split("\n") if line.strip()]
        assert 1 <= len(first_minute) <= 3, path.name
        assert "RAN" in sections["Sources"], f"{path.name} does not cite the seed paper"
        rendered = render_guide(source.body)
        assert rendered.problems == [] and rendered.first_minute_text


def test_library_is_consistent_and_counts_per_kind() -> None:
    library = load_library()
    assert library.problems == []
    counts = Counter(g.kind for g in library.guides)
    print("guides per kind:", dict(sorted(counts.items())), "total", len(library.guides))
    for kind, minimum in MINIMUM_PER_KIND.items():
        assert counts[kind] >= minimum, (kind, counts[kind])
    assert len({g.slug for g in library.guides}) == len(library.guides)
    assert all(len(g.short_title or g.title) <= 60 for g in library.guides), "phone titles"


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
    assert publishes == len(published)


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
    assert current.number == 2 and current.origin == policy.ORIGIN_FILE
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
    ],
)  # fmt: skip
def test_format_problems_are_named(body: str, problem: str) -> None:
    problems = parse_sections(body).problems
    assert any(problem in p for p in problems), problems
