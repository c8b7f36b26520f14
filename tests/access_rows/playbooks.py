"""Access rows for the guides: reading (every signed-in role) and editing with review."""

from __future__ import annotations

from mentor_app.playbooks import policy
from mentor_app.playbooks.models import Guide
from tests.playbooks.support import make_revision, publish_guide
from tests.test_access_matrix import CONSULTANT, expect

READ_PAGE = expect(302, 200, 200, 200)
READ_API = expect(401, 200, 200, 200)
EDITOR_PAGE = expect(302, 403, 200, 200)
EDITOR_POST = expect(302, 403, 400, 400)
RULE_ACT = "/guide-editor/revisions/<int:revision_id>/<action>"
RULE_REVISION = "/guide-editor/revisions/<int:revision_id>"
RULE_TRANSLATE = "/guide-editor/<slug>/translations/<language>/edit"
RULE_REVIEWED = "/guide-editor/<slug>/translations/<language>/reviewed"

ROWS = [
    ("GET", "/guides", READ_PAGE, "/guides"),
    ("GET", "/guides?q=funeral&kind=trigger", READ_PAGE, "/guides"),
    ("POST", "/guides", READ_PAGE, "/guides"),  # a search: read-only, so no CSRF needed
    ("GET", "/guides/index.json", READ_PAGE, "/guides/index.json"),
    ("GET", "/guides/{slug}", READ_PAGE, "/guides/<slug>"),
    ("GET", "/guides/no-such-guide", expect(302, 404, 404, 404), "/guides/<slug>"),
    ("POST", "/guides/{slug}/feedback", expect(302, 400, 400, 400), "/guides/<slug>/feedback"),
    ("GET", "/api/guides/{slug}/me", READ_API, "/api/guides/<slug>/me"),
    ("GET", "/api/guides/no-such-guide/me", expect(401, 404, 404, 404), "/api/guides/<slug>/me"),
    (
        "POST",
        "/api/guides/{slug}/feedback",
        expect(401, 400, 400, 400),
        "/api/guides/<slug>/feedback",
    ),
    ("GET", "/guide-editor/", EDITOR_PAGE, "/guide-editor/"),
    ("GET", "/guide-editor/new", EDITOR_PAGE, "/guide-editor/new"),
    ("POST", "/guide-editor/new", EDITOR_POST, "/guide-editor/new"),
    ("GET", "/guide-editor/{slug}/edit", EDITOR_PAGE, "/guide-editor/<slug>/edit"),
    ("POST", "/guide-editor/{slug}/edit", EDITOR_POST, "/guide-editor/<slug>/edit"),
    (
        "GET",
        "/guide-editor/no-such-guide/edit",
        expect(302, 403, 404, 404),
        "/guide-editor/<slug>/edit",
    ),
    ("GET", "/guide-editor/{slug}/history", EDITOR_PAGE, "/guide-editor/<slug>/history"),
    (
        "POST",
        "/guide-editor/{slug}/review-date",
        expect(302, 403, 403, 400),
        "/guide-editor/<slug>/review-date",
    ),
    ("GET", "/guide-editor/{slug}/translations/sv/edit", EDITOR_PAGE, RULE_TRANSLATE),
    ("POST", "/guide-editor/{slug}/translations/de/edit", EDITOR_POST, RULE_TRANSLATE),
    (
        "GET",
        "/guide-editor/{slug}/translations/xx/edit",
        expect(302, 403, 404, 404),
        RULE_TRANSLATE,
    ),
    (
        "POST",
        "/guide-editor/{slug}/translations/sv/reviewed",
        expect(302, 403, 403, 400),
        RULE_REVIEWED,
    ),
    # Drafts are their author's own (the signed-in consultant wrote {own_draft}).
    ("GET", "/guide-editor/revisions/{own_draft}", expect(302, 403, 200, 404), RULE_REVISION),
    ("GET", "/guide-editor/revisions/{in_review}", expect(302, 403, 404, 200), RULE_REVISION),
    ("GET", "/guide-editor/revisions/999999", expect(302, 403, 404, 404), RULE_REVISION),
    ("POST", "/guide-editor/revisions/{own_draft}/submit", expect(302, 403, 302, 404), RULE_ACT),
    ("POST", "/guide-editor/revisions/{own_draft2}/discard", expect(302, 403, 302, 404), RULE_ACT),
    ("POST", "/guide-editor/revisions/{in_review2}/return", expect(302, 403, 404, 302), RULE_ACT),
    ("POST", "/guide-editor/revisions/{in_review3}/decline", expect(302, 403, 403, 302), RULE_ACT),
    ("POST", "/guide-editor/revisions/{in_review}/publish", expect(302, 403, 403, 302), RULE_ACT),
    ("POST", "/guide-editor/revisions/{in_review}/nonsense", expect(302, 403, 404, 404), RULE_ACT),
    (
        "POST",
        "/api/guide-editor/preview",
        expect(401, 403, 400, 400),
        "/api/guide-editor/preview",
    ),
]


def _guide(app, actors, db, clients):  # type: ignore[no-untyped-def]
    existing = db.query(Guide).filter_by(slug="matrix-guide").one_or_none()
    return existing or publish_guide(db, actors.clock(), slug="matrix-guide")


def _slug(app, actors, db, clients):  # type: ignore[no-untyped-def]
    return _guide(app, actors, db, clients).slug


def _own_draft(app, actors, db, clients):  # type: ignore[no-untyped-def]
    guide = _guide(app, actors, db, clients)
    return make_revision(db, actors.clock(), guide, clients[CONSULTANT][1]).id


def _in_review(app, actors, db, clients):  # type: ignore[no-untyped-def]
    author_id, _ = actors.create("consultant")
    guide = _guide(app, actors, db, clients)
    return make_revision(db, actors.clock(), guide, author_id, policy.IN_REVIEW).id


PLACEHOLDERS = {
    "slug": _slug,
    "own_draft": _own_draft,
    "own_draft2": _own_draft,
    "in_review": _in_review,
    "in_review2": _in_review,
    "in_review3": _in_review,
}
