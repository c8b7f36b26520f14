"""Every published guide is a consult topic, however it was written, and a one-tap never fails
for its topic: an unknown or withdrawn topic becomes "general" (mentor_app/consults/topics.py)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from mentor_app.consults.models import Consult
from mentor_app.notifications.models import OutboxMessage
from mentor_app.playbooks.models import Guide
from tests.conftest import csrf_from
from tests.consult_helpers import make_consultant, post_json, route_due
from tests.playbooks.support import guide_body, seed_library


def _tap(mentor, topic: str):  # type: ignore[no-untyped-def]
    return post_json(mentor, "/api/consults", {"client_key": str(uuid.uuid4()), "topic": topic})


def _publish_in_the_app(actors, db) -> str:  # type: ignore[no-untyped-def]
    """A coordinator writes a new guide in the app and publishes it; returns its slug."""
    coordinator, _ = actors.signed_in("coordinator")
    data = {
        "csrf_token": csrf_from(coordinator.get("/guide-editor/new")),
        "slug": "eviction-notice", "kind": "trigger", "topic": "eviction",
        "title": "An eviction notice", "summary": "When the client may lose their home.",
        "tags": "housing", "synonyms": "evicted, losing the flat",
        "body": guide_body(), "note": "New guide.", "submit_review": "1",
    }  # fmt: skip
    response = coordinator.post("/guide-editor/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[-1000:]
    guide = db.scalar(select(Guide).where(Guide.slug == "eviction-notice"))
    from mentor_app.playbooks.models import GuideRevision

    revision = db.scalar(select(GuideRevision).where(GuideRevision.guide_id == guide.id))
    token = csrf_from(coordinator.get("/guides"))
    published = coordinator.post(
        f"/guide-editor/revisions/{revision.id}/publish", data={"csrf_token": token}
    )
    assert published.status_code == 302
    return "eviction-notice"


def test_a_guide_made_in_the_app_is_a_topic_once_published(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    now = clock.freeze()
    consultant_id, _ = actors.create("consultant")
    make_consultant(db, consultant_id, now, languages=("en",))
    slug = _publish_in_the_app(actors, db)
    mentor, _ = actors.signed_in("mentor", languages=["en"])
    page = mentor.get(f"/guides/{slug}").get_data(as_text=True)
    assert f"/consults/start?topic={slug}" in page  # "Consult about this"

    response = _tap(mentor, slug)
    assert response.status_code == 201, response.get_json()
    consult = db.get(Consult, response.get_json()["id"])
    assert consult.topic == slug
    view = mentor.get(f"/api/consults/{consult.id}").get_json()
    assert view["topic_label"] == "eviction"
    assert view["guide_url"] == f"/guides/{slug}"
    route_due(app)
    db.expire_all()
    [pushed] = db.scalars(
        select(OutboxMessage.payload).where(OutboxMessage.kind == "consult.offer")
    ).all()
    assert pushed["body"] == "Soon · English · eviction"


def test_every_published_guide_is_a_topic(actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    seed_library(db, clock.freeze())
    _publish_in_the_app(actors, db)
    mentor, _ = actors.signed_in("mentor")
    guides = db.scalars(select(Guide).where(Guide.current_revision_id.is_not(None))).all()
    assert len(guides) > 20
    for guide in guides:
        response = _tap(mentor, guide.slug)
        assert response.status_code == 201, (guide.slug, response.get_json())
        view = mentor.get(response.get_json()["url"].replace("/consults", "/api/consults"))
        assert view.get_json()["topic"] == guide.slug
        assert view.get_json()["topic_label"] == guide.topic[:40]


def test_an_unknown_or_withdrawn_topic_becomes_general(actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    seed_library(db, clock.freeze())
    mentor, _ = actors.signed_in("mentor")
    unpublished = db.scalar(select(Guide).where(Guide.slug == "trauma-reminders"))
    unpublished.current_revision_id = None  # no longer shown to readers
    unpublished.state = "draft"
    db.commit()
    for topic in ("no-such-guide", "trauma-reminders", "Not A Slug!", ""):
        response = _tap(mentor, topic)
        assert response.status_code == 201, (topic, response.get_json())
        assert db.get(Consult, response.get_json()["id"]).topic == "general", topic
    # The no-script start page says the same.
    page = mentor.get("/consults/start?topic=no-such-guide")
    assert page.status_code == 200
