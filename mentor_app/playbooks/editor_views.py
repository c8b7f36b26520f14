"""Editing guides with review: coordinators edit and publish, consultants propose.

Mentors get 403 on every page here. Drafts are their author's own; what is handed in is the
coordinators' to publish, send back or decline (policy.py has the rules).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from babel import Locale
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from mentor_app import timeutil
from mentor_app.accounts.models import User
from mentor_app.db import db_session
from mentor_app.playbooks import editing, policy, services, translations
from mentor_app.playbooks import history as versions
from mentor_app.playbooks.forms import ActionForm, GuideTextForm, NewGuideForm, ReviewDateForm
from mentor_app.playbooks.models import Guide, GuideRevision
from mentor_app.playbooks.render import Rendered, render_guide
from mentor_app.security import json_error, roles_required
from mentor_app.web import client_ip, now

bp = Blueprint("guide_editor", __name__)

EDITORS = policy.EDITOR_ROLES
REVIEW_SOON_DAYS = 60
ACTION_MESSAGES = {
    "submit": _l("Handed in for review. A coordinator will publish it or send it back."),
    "discard": _l("Draft discarded."),
    "return": _l("Sent back to the author as a draft."),
    "publish": _l("Published. Everyone now reads this version."),
    "decline": _l("Declined. It stays in the history."),
}


def language_names() -> dict[str, str]:
    """The guide languages named in the viewer's own language, by Babel's locale data
    ("Schwedisch", "svenska"), capitalised as a label."""
    locale = get_locale() or Locale("en")
    names = {code: locale.languages.get(code, code) for code in policy.LANGUAGES}
    return {code: name[:1].upper() + name[1:] for code, name in names.items()}


def _names(revisions: list[GuideRevision]) -> dict[int, str]:
    """Display names of the people who wrote, published or decided these revisions."""
    ids = set()
    for r in revisions:
        ids |= {r.author_id, r.published_by_id, r.decided_by_id}
    ids.discard(None)
    if not ids:
        return {}
    rows = db_session().execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    return dict(rows.all())


def get_guide_for(user: Any, slug: str) -> Guide:
    """A guide an editor may work on: published, or unpublished with a version they may see."""
    if len(slug) > policy.SLUG_MAX or not policy.SLUG_RE.match(slug):
        abort(404)
    session = db_session()
    guide = session.scalar(select(Guide).where(Guide.slug == slug))
    if guide is None:
        abort(404)
    if not guide.is_published and not versions.visible_revisions(session, guide, user):
        abort(404)
    return guide


def get_revision_for(user: Any, revision_id: int) -> GuideRevision:
    revision = db_session().get(GuideRevision, revision_id)
    if revision is None:
        abort(404)
    if not policy.may_see_revision(user.role, revision.author_id == user.id, revision.state):
        abort(404)
    return revision


@bp.get("/guide-editor/")
@roles_required(*EDITORS)
def dashboard():  # type: ignore[no-untyped-def]
    session = db_session()
    today = timeutil.local_today(now(), timeutil.panel_zone())  # the team's calendar
    coordinator = current_user.role == "coordinator"
    overdue = services.review_due(session, today) if coordinator else []
    soon = []
    if coordinator:
        later = services.review_due(
            session, today.fromordinal(today.toordinal() + REVIEW_SOON_DAYS)
        )
        soon = [g for g in later if g not in overdue]
    return render_template(
        "playbooks/editor/dashboard.html",
        pending=versions.pending_reviews(session) if coordinator else [],
        mine=versions.own_revisions(session, current_user),
        overdue=overdue,
        soon=soon,
        guides=services.published_guides(session),
        figures=services.figures(session, today) if coordinator else {},
        coordinator=coordinator,
        kind_labels=policy.KIND_LABELS,
        language_names=language_names(),
        out_of_date=translations.out_of_date_count(session) if coordinator else 0,
    )


def _content(form: GuideTextForm) -> editing.Content:
    return editing.Content(
        title=form.title.data or "",
        short_title=form.short_title.data or None,
        subtitle=form.subtitle.data or None,
        summary=form.summary.data or "",
        tags=policy.parse_list(form.tags.data or ""),
        synonyms=policy.parse_list(form.synonyms.data or ""),
        body=form.body.data or "",
        note=form.note.data or "",
    )


def _fill_form(form: GuideTextForm, source: Any) -> None:
    form.title.data = source.title
    form.short_title.data = source.short_title or ""
    form.subtitle.data = source.subtitle or ""
    form.summary.data = source.summary
    form.tags.data = ", ".join(source.tags)
    form.synonyms.data = ", ".join(source.synonyms)
    form.body.data = source.body_md or editing.NEW_GUIDE_BODY
    # Only the editor's own draft carries its note; a new edit starts with an empty one.
    is_draft = isinstance(source, GuideRevision) and source.state == policy.DRAFT
    form.note.data = source.note if is_draft else ""


def _after_save(revision: GuideRevision, form: GuideTextForm):  # type: ignore[no-untyped-def]
    session = db_session()
    if form.submit_review.data:
        editing.act(session, now(), current_user, revision, "submit", client_ip())
        flash(str(ACTION_MESSAGES["submit"]), "success")
        return redirect(url_for(".revision", revision_id=revision.id))
    flash(_("Draft saved. Only you can see it until you hand it in."), "success")
    return redirect(url_for(".edit", slug=revision.guide.slug))


def _note_missing(form: GuideTextForm) -> bool:
    """Handing in needs a note for readers; say so before anything is saved."""
    if form.submit_review.data and not (form.note.data or "").strip():
        form.note.errors = [_("Write in one line what changed: readers will see it.")]
        return True
    return False


def _shown(rendered: Rendered, language: object = None) -> Rendered:
    """The rendering with its section headings in `language` (a translation's language, one
    of policy.LANGUAGES) or else the editor's own: stored HTML keeps the FORMAT.md names."""
    from mentor_app.playbooks.views import localised_headings

    wanted = language if language in policy.LANGUAGES else None
    return replace(rendered, body_html=localised_headings(rendered.body_html, wanted))


def _editor_page(template: str, form: GuideTextForm, status: int, **context: Any):  # type: ignore[no-untyped-def]
    preview = None
    if form.preview.data and form.body.data:
        preview = _shown(render_guide(form.body.data), context.get("language"))
    return render_template(
        template,
        form=form,
        preview=preview,
        first_read_max_words=policy.FIRST_READ_MAX_WORDS,
        **context,
    ), status


@bp.route("/guide-editor/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new():  # type: ignore[no-untyped-def]
    form = NewGuideForm()
    if request.method == "GET":
        form.body.data = editing.NEW_GUIDE_BODY
        return _editor_page("playbooks/editor/new.html", form, 200)
    if not form.validate_on_submit():
        return _editor_page("playbooks/editor/new.html", form, 400)
    if form.preview.data:
        return _editor_page("playbooks/editor/new.html", form, 200)
    if _note_missing(form):
        return _editor_page("playbooks/editor/new.html", form, 400)
    try:
        revision = editing.create_guide(
            db_session(),
            now(),
            current_user,
            slug=form.slug.data,
            kind=form.kind.data,
            topic=form.topic.data.strip(),
            content=_content(form),
            ip=client_ip(),
        )
        return _after_save(revision, form)
    except editing.EditError as err:
        return _editor_page("playbooks/editor/new.html", form, 400, error=err)


@bp.route("/guide-editor/<slug>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit(slug: str):  # type: ignore[no-untyped-def]
    session = db_session()
    guide = get_guide_for(current_user, slug)
    draft = editing.own_draft(session, current_user, guide)
    form = GuideTextForm()
    context = {"guide": guide, "draft": draft}
    if request.method == "GET":
        visible = versions.visible_revisions(session, guide, current_user)
        _fill_form(form, draft or guide.current_revision or visible[0])
        return _editor_page("playbooks/editor/edit.html", form, 200, **context)
    if not form.validate_on_submit():
        return _editor_page("playbooks/editor/edit.html", form, 400, **context)
    if form.preview.data:
        return _editor_page("playbooks/editor/edit.html", form, 200, **context)
    if _note_missing(form):
        return _editor_page("playbooks/editor/edit.html", form, 400, **context)
    try:
        revision = editing.save_draft(session, now(), current_user, guide, _content(form))
        return _after_save(revision, form)
    except editing.EditError as err:
        return _editor_page("playbooks/editor/edit.html", form, 400, error=err, **context)


@bp.get("/guide-editor/<slug>/history")
@roles_required(*EDITORS)
def history(slug: str):  # type: ignore[no-untyped-def]
    session = db_session()
    guide = get_guide_for(current_user, slug)
    coordinator = current_user.role == "coordinator"
    today = timeutil.local_today(now(), timeutil.panel_zone())
    figures = services.figures(session, today).get(guide.id) if coordinator else None
    revisions = versions.visible_revisions(session, guide, current_user)
    return render_template(
        "playbooks/editor/history.html",
        guide=guide,
        revisions=revisions,
        names=_names(revisions),
        date_form=ReviewDateForm(review_on=guide.review_on),
        figures=figures,
        comments=services.recent_comments(session, guide) if coordinator else [],
        coordinator=coordinator,
        statuses=translations.translation_statuses(session, guide) if guide.is_published else [],
        language_names=language_names(),
        action_form=ActionForm(),
    )


@bp.post("/guide-editor/<slug>/review-date")
@roles_required("coordinator")
def review_date(slug: str):  # type: ignore[no-untyped-def]
    guide = get_guide_for(current_user, slug)
    form = ReviewDateForm()
    if not form.validate_on_submit():
        abort(400)
    editing.set_review_date(
        db_session(), now(), current_user, guide, form.review_on.data, client_ip()
    )
    flash(_("Review date saved."), "success")
    return redirect(url_for(".history", slug=slug))


@bp.get("/guide-editor/revisions/<int:revision_id>")
@roles_required(*EDITORS)
def revision(revision_id: int):  # type: ignore[no-untyped-def]
    return _revision_page(get_revision_for(current_user, revision_id))


def _revision_page(shown: GuideRevision, status: int = 200):  # type: ignore[no-untyped-def]
    session = db_session()
    before = versions.previous_published(session, shown)
    is_author = shown.author_id == current_user.id
    actions = [
        a for a in policy.ACTIONS if policy.may(a, shown.state, current_user.role, is_author)
    ]
    guide = shown.guide
    published_now = editing.current_revision_id(session, guide, shown.language)
    stale = (
        shown.state in {policy.DRAFT, policy.IN_REVIEW} and shown.base_revision_id != published_now
    )
    return render_template(
        "playbooks/editor/revision.html",
        revision=shown,
        guide=guide,
        before=before,
        lines=versions.diff(before, shown),
        actions=actions,
        action_form=ActionForm(),
        stale=stale,
        may_edit=policy.may_edit_draft(current_user.role, is_author, shown.state),
        names=_names([shown]),
        language_name=language_names().get(shown.language),
        follows=translations.follows(db_session(), shown),
    ), status


@bp.post("/guide-editor/revisions/<int:revision_id>/<action>")
@roles_required(*EDITORS)
def act(revision_id: int, action: str):  # type: ignore[no-untyped-def]
    if action not in policy.ACTIONS:
        abort(404)
    if action in {"publish", "decline"} and current_user.role not in policy.PUBLISHER_ROLES:
        abort(403)
    shown = get_revision_for(current_user, revision_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        editing.act(db_session(), now(), current_user, shown, action, client_ip())
    except editing.EditError as err:
        db_session().expire_all()  # show the revision as it is now, not as we tried to make it
        for problem in [str(err), *err.problems]:
            flash(problem, "error")
        return _revision_page(get_revision_for(current_user, revision_id), 409)
    flash(str(ACTION_MESSAGES[action]), "success")
    if action == "discard":
        return redirect(url_for(".dashboard"))
    return redirect(url_for(".revision", revision_id=revision_id))


@bp.post("/api/guide-editor/preview")
@roles_required(*EDITORS)
def preview():  # type: ignore[no-untyped-def]
    """Live preview: the same rendering and checks as saving, nothing stored."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return json_error(400, _("Send a JSON object."))
    body = data.get("body")
    slug = data.get("slug", "")
    if not isinstance(body, str) or not body.strip():
        return json_error(400, "'body' must be non-empty text.")
    if len(body) > policy.BODY_MAX or "\x00" in body:
        return json_error(400, f"'body' must be text of at most {policy.BODY_MAX} characters.")
    if not isinstance(slug, str) or len(slug) > policy.SLUG_MAX:
        return json_error(400, "'slug' must be a guide address.")
    rendered = _shown(render_guide(body), data.get("language"))
    content = editing.Content(title="-", summary="-", body=body)
    problems = editing.content_problems(db_session(), content, slug)
    return jsonify(
        {
            "first_minute_html": rendered.first_minute_html,
            "body_html": rendered.body_html,
            "problems": problems,
        }
    )
