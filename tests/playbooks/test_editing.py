"""Editing with review: who may do what, proposals hidden until published, audit and history."""

from __future__ import annotations

import re
import threading

from sqlalchemy import select

from mentor_app.accounts.models import User
from mentor_app.audit.models import AuditEvent
from mentor_app.db import Database
from mentor_app.playbooks import editing, policy
from mentor_app.playbooks.models import Guide, GuideRevision
from tests.conftest import csrf_from, requires_postgres
from tests.playbooks.support import guide_body, make_revision, publish_guide


def _form(page_client, path: str, **fields: str) -> dict:  # type: ignore[no-untyped-def]
    """The edit form's current values (as the page filled them), with `fields` changed."""
    page = page_client.get(path).get_data(as_text=True)
    data = {"csrf_token": csrf_from(page_client.get(path))}
    for name in ("title", "short_title", "subtitle", "summary", "tags", "synonyms", "note"):
        match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page)
        data[name] = match.group(1) if match else ""
    body = re.search(r"<textarea[^>]*name=\"body\"[^>]*>\n?(.*?)</textarea>", page, re.S)
    data["body"] = body.group(1).replace("&#34;", '"').replace("&#39;", "'") if body else ""
    data = {
        k: v.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
        for k, v in data.items()
    }
    data.update(fields)
    return data


def _guide(db, slug: str = "test-guide") -> Guide:  # type: ignore[no-untyped-def]
    db.expire_all()
    return db.scalar(select(Guide).where(Guide.slug == slug))


def test_mentors_cannot_edit(app, db, actors, clock) -> None:  # type: ignore[no-untyped-def]
    publish_guide(db, clock())
    mentor, mentor_id = actors.signed_in("mentor")
    token = csrf_from(mentor.get("/guides"))
    assert mentor.get("/guide-editor/test-guide/edit").status_code == 403
    body = {"csrf_token": token, "title": "Mine now", "summary": "x", "body": guide_body(),
            "save": "1"}  # fmt: skip
    assert mentor.post("/guide-editor/test-guide/edit", data=body).status_code == 403
    assert mentor.post("/guide-editor/new", data=body).status_code == 403
    preview = mentor.post("/api/guide-editor/preview", json={"body": "x"},
                          headers={"X-CSRFToken": token})  # fmt: skip
    assert preview.status_code == 403
    other, _ = actors.create("consultant")
    revision = make_revision(db, clock(), _guide(db), other, policy.IN_REVIEW)
    for action in ("publish", "submit", "return"):
        response = mentor.post(
            f"/guide-editor/revisions/{revision.id}/{action}", data={"csrf_token": token}
        )
        assert response.status_code == 403
    assert db.scalar(select(GuideRevision).where(GuideRevision.author_id == mentor_id)) is None
    assert _guide(db).title == "A test guide"


def test_consultant_proposal_hidden_from_mentors_until_published(  # type: ignore[no-untyped-def]
    app, db, actors, clock
) -> None:
    publish_guide(db, clock())
    consultant, consultant_id = actors.signed_in("consultant")
    mentor, _ = actors.signed_in("mentor")
    coordinator, coordinator_id = actors.signed_in("coordinator")
    index_before = mentor.get("/guides/index.json").headers["ETag"]

    new_body = guide_body(first_minute="- Sit down with them.\n- Breathe.")
    form = _form(consultant, "/guide-editor/test-guide/edit", body=new_body,
                 note="Sit down first.", save="1")  # fmt: skip
    assert consultant.post("/guide-editor/test-guide/edit", data=form).status_code == 302
    draft = db.scalar(select(GuideRevision).where(GuideRevision.author_id == consultant_id))
    assert draft.state == policy.DRAFT
    # A draft is the author's own: the coordinator cannot open it yet.
    assert coordinator.get(f"/guide-editor/revisions/{draft.id}").status_code == 404

    form = _form(consultant, "/guide-editor/test-guide/edit", submit_review="1")
    assert "Sit down with them." in form["body"]  # the editor reopened their draft
    response = consultant.post("/guide-editor/test-guide/edit", data=form)
    assert response.status_code == 302
    db.expire_all()
    assert db.get(GuideRevision, draft.id).state == policy.IN_REVIEW

    for client in (mentor, consultant):
        page = client.get("/guides/test-guide").get_data(as_text=True)
        assert "Sit down with them." not in page
    assert (
        mentor.get("/guides/index.json", headers={"If-None-Match": index_before}).status_code == 304
    )
    assert "Sit down" not in mentor.post("/guides", data={"q": "sit"}).get_data(as_text=True)
    assert consultant.post(f"/guide-editor/revisions/{draft.id}/publish",
                           data={"csrf_token": csrf_from(consultant.get("/guides"))}
                           ).status_code == 403  # fmt: skip

    dashboard = coordinator.get("/guide-editor/").get_data(as_text=True)
    assert f"/guide-editor/revisions/{draft.id}" in dashboard
    review = coordinator.get(f"/guide-editor/revisions/{draft.id}").get_data(as_text=True)
    assert 'class="diff-line diff-add"' in review and "Sit down with them." in review
    token = csrf_from(coordinator.get("/guides"))
    published = coordinator.post(f"/guide-editor/revisions/{draft.id}/publish",
                                 data={"csrf_token": token})  # fmt: skip
    assert published.status_code == 302

    assert "Sit down with them." in mentor.get("/guides/test-guide").get_data(as_text=True)
    guide = _guide(db)
    assert guide.current_revision_id == draft.id
    event = db.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "guide.publish", AuditEvent.actor_id == coordinator_id
        )
    )
    assert event.object_id == str(guide.id) and event.details["revision"] == draft.number
    history = coordinator.get("/guide-editor/test-guide/history").get_data(as_text=True)
    assert "Version 2" in history and "Sit down first." in history
    assert "by Test consultant" in history and "by Test coordinator" in history


def test_every_publish_is_audited_and_in_the_history(library, actors, clock) -> None:  # type: ignore[no-untyped-def]
    publishes = library.scalars(select(AuditEvent).where(AuditEvent.action == "guide.publish"))
    published = library.scalars(
        select(GuideRevision).where(GuideRevision.state == policy.PUBLISHED)
    ).all()
    assert len(list(publishes)) == len(published) >= 28
    assert all(r.published_at is not None for r in published)


def test_coordinator_edits_hand_in_and_publish(app, db, actors, clock) -> None:  # type: ignore[no-untyped-def]
    publish_guide(db, clock())
    coordinator, coordinator_id = actors.signed_in("coordinator")
    form = _form(coordinator, "/guide-editor/test-guide/edit", title="A sharper title",
                 submit_review="1")  # fmt: skip
    missing_note = coordinator.post("/guide-editor/test-guide/edit", data=form)
    assert missing_note.status_code == 400
    assert "Write in one line what changed" in missing_note.get_data(as_text=True)
    assert db.scalar(select(GuideRevision).where(GuideRevision.author_id == coordinator_id)) is None

    form["note"] = "Sharper title."
    response = coordinator.post("/guide-editor/test-guide/edit", data=form)
    assert response.status_code == 302
    revision_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = coordinator.get(f"/guide-editor/revisions/{revision_id}").get_data(as_text=True)
    assert "/publish" in page and "/decline" in page
    token = csrf_from(coordinator.get("/guides"))
    assert coordinator.post(f"/guide-editor/revisions/{revision_id}/publish",
                            data={"csrf_token": token}).status_code == 302  # fmt: skip
    assert _guide(db).title == "A sharper title"
    assert _guide(db).edited_in_app_at is not None
    # Publishing twice is refused, kindly.
    again = coordinator.post(f"/guide-editor/revisions/{revision_id}/publish",
                             data={"csrf_token": token})  # fmt: skip
    assert again.status_code == 409


def test_return_decline_and_discard(app, db, actors, clock) -> None:  # type: ignore[no-untyped-def]
    guide = publish_guide(db, clock())
    consultant, consultant_id = actors.signed_in("consultant")
    coordinator, _ = actors.signed_in("coordinator")
    token_c = csrf_from(consultant.get("/guides"))
    token_k = csrf_from(coordinator.get("/guides"))
    proposal = make_revision(db, clock(), guide, consultant_id, policy.IN_REVIEW)
    # The author withdraws it to keep working…
    assert consultant.post(f"/guide-editor/revisions/{proposal.id}/return",
                           data={"csrf_token": token_c}).status_code == 302  # fmt: skip
    db.expire_all()
    assert db.get(GuideRevision, proposal.id).state == policy.DRAFT
    # …and drops it.
    assert consultant.post(f"/guide-editor/revisions/{proposal.id}/discard",
                           data={"csrf_token": token_c}).status_code == 302  # fmt: skip
    db.expire_all()
    assert db.get(GuideRevision, proposal.id).state == policy.DECLINED

    second = make_revision(db, clock(), guide, consultant_id, policy.IN_REVIEW)
    assert coordinator.post(f"/guide-editor/revisions/{second.id}/decline",
                            data={"csrf_token": token_k}).status_code == 302  # fmt: skip
    db.expire_all()
    assert db.get(GuideRevision, second.id).state == policy.DECLINED
    assert _guide(db).current_revision_id != second.id
    actions = [e.action for e in db.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert {"guide.return", "guide.discard", "guide.decline"} <= set(actions)
    # Without the CSRF token nothing moves.
    third = make_revision(db, clock(), guide, consultant_id, policy.IN_REVIEW)
    assert coordinator.post(f"/guide-editor/revisions/{third.id}/publish").status_code == 400
    db.expire_all()
    assert db.get(GuideRevision, third.id).state == policy.IN_REVIEW


def test_new_guide_proposed_then_published(app, db, actors, clock) -> None:  # type: ignore[no-untyped-def]
    publish_guide(db, clock(), slug="existing-guide")
    consultant, _ = actors.signed_in("consultant")
    mentor, _ = actors.signed_in("mentor")
    coordinator, _ = actors.signed_in("coordinator")
    data = {
        "csrf_token": csrf_from(consultant.get("/guide-editor/new")),
        "slug": "sudden-move", "kind": "trigger", "topic": "moving",
        "title": "A sudden move", "summary": "Having to move at short notice.",
        "tags": "housing, change", "synonyms": "moving house, relocation",
        "body": guide_body(related="- [Existing](/guides/existing-guide)"),
        "note": "New guide.", "submit_review": "1",
    }  # fmt: skip
    response = consultant.post("/guide-editor/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    assert mentor.get("/guides/sudden-move").status_code == 404
    guide = _guide(db, "sudden-move")
    assert guide.state == policy.GUIDE_IN_REVIEW and not guide.is_published
    revision = db.scalar(select(GuideRevision).where(GuideRevision.guide_id == guide.id))
    token = csrf_from(coordinator.get("/guides"))
    assert coordinator.post(f"/guide-editor/revisions/{revision.id}/publish",
                            data={"csrf_token": token}).status_code == 302  # fmt: skip
    assert mentor.get("/guides/sudden-move").status_code == 200
    assert _guide(db, "sudden-move").state == policy.GUIDE_PUBLISHED
    duplicate = consultant.post("/guide-editor/new", data=dict(data, slug="sudden-move"))
    assert duplicate.status_code == 400


def test_review_dates_and_overdue_list(app, db, actors, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze()
    publish_guide(db, clock(), slug="old-guide", title="Old guide")
    publish_guide(db, clock(), slug="fresh-guide", title="Fresh guide")
    coordinator, coordinator_id = actors.signed_in("coordinator")
    token = csrf_from(coordinator.get("/guides"))
    yesterday = clock().date().toordinal() - 1
    from datetime import date

    for slug, when in (("old-guide", date.fromordinal(yesterday)),
                       ("fresh-guide", date.fromordinal(yesterday + 400))):  # fmt: skip
        data = {"csrf_token": token, "review_on": when.isoformat()}
        response = coordinator.post(f"/guide-editor/{slug}/review-date", data=data)
        assert response.status_code == 302
    page = coordinator.get("/guide-editor/").get_data(as_text=True)
    overdue = page[page.index('id="overdue-h"') : page.index('id="mine-h"')]
    assert "Old guide" in overdue and "Fresh guide" not in overdue
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "guide.review_date_set"))
    assert event.actor_id == coordinator_id
    home = coordinator.get("/").get_data(as_text=True)
    assert "1 guide is overdue for review." in home
    consultant, _ = actors.signed_in("consultant")
    assert consultant.post("/guide-editor/old-guide/review-date",
                           data={"csrf_token": csrf_from(consultant.get("/guides")),
                                 "review_on": "2030-01-01"}).status_code == 403  # fmt: skip


def test_preview_endpoint_renders_and_reports_problems(app, db, actors, clock) -> None:  # type: ignore[no-untyped-def]
    publish_guide(db, clock())
    coordinator, _ = actors.signed_in("coordinator")
    headers = {"X-CSRFToken": csrf_from(coordinator.get("/guides"))}
    good = coordinator.post("/api/guide-editor/preview", json={"body": guide_body(),
                            "slug": "test-guide"}, headers=headers).get_json()  # fmt: skip
    assert good["problems"] == [] and "<li>Breathe.</li>" in good["first_minute_html"]
    bad = coordinator.post("/api/guide-editor/preview", json={"body": "## Steps\n1. x"},
                           headers=headers).get_json()  # fmt: skip
    assert any("Missing section" in p for p in bad["problems"])
    for body in ({"body": 3}, {"body": "x" * (policy.BODY_MAX + 1)}, {}):
        response = coordinator.post("/api/guide-editor/preview", json=body, headers=headers)
        assert response.status_code == 400
    assert coordinator.post("/api/guide-editor/preview", json={"body": "x"}).status_code == 400


@requires_postgres()
def test_concurrent_drafts_get_distinct_numbers(app, db, actors, clock) -> None:  # type: ignore[no-untyped-def]
    guide_id = publish_guide(db, clock()).id
    authors = [actors.create("consultant")[0] for _ in range(6)]
    barrier = threading.Barrier(len(authors))
    errors: list[BaseException] = []

    def write(author_id: int) -> None:
        database = Database(app.config["DATABASE_URL"])
        try:
            with database.session() as session:
                guide = session.get(Guide, guide_id)
                author = session.get(User, author_id)
                content = editing.Content.of(guide)
                content.note = "Parallel edit."
                barrier.wait()
                editing.save_draft(session, clock(), author, guide, content)
                session.commit()
        except BaseException as err:
            errors.append(err)
        finally:
            database.engine.dispose()

    threads = [threading.Thread(target=write, args=(a,)) for a in authors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = db.scalars(
        select(GuideRevision.number).where(GuideRevision.guide_id == guide_id)
    ).all()
    assert sorted(numbers) == list(range(1, len(authors) + 2))
