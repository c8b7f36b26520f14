"""Editing guide translations: the same drafts, review and publishing as English text.

A translation draft follows the English revision published when it is saved; the editor shows
which one, and whether the English moved on since ("translation out of date"). Coordinators
mark a published translation reviewed by a native-speaking professional (audited). Mentors get
403 on every page here, as in editor_views.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mentor_app.db import db_session
from mentor_app.playbooks import editing, policy, translations
from mentor_app.playbooks.editor_views import (
    ACTION_MESSAGES,
    EDITORS,
    _content,
    _editor_page,
    _fill_form,
    _note_missing,
    bp,
    get_guide_for,
    language_names,
)
from mentor_app.playbooks.forms import ActionForm, GuideTextForm
from mentor_app.playbooks.models import Guide
from mentor_app.security import roles_required
from mentor_app.validation import parse_id
from mentor_app.web import client_ip, now


def translation_language_or_404(language: str) -> str:
    if language not in policy.TRANSLATION_LANGUAGES:
        abort(404)
    return language


def _published_guide_for(user: Any, slug: str) -> Guide:
    """Only a published guide has an English text to translate."""
    guide = get_guide_for(user, slug)
    if not guide.is_published:
        abort(404)
    return guide


def _context(guide: Guide, language: str, draft: Any) -> dict[str, Any]:
    status = next(
        s for s in translations.translation_statuses(db_session(), guide) if s.language == language
    )
    return {
        "guide": guide,
        "draft": draft,
        "language": language,
        "language_name": language_names()[language],
        "translation_status": status,
    }


@bp.route("/guide-editor/<slug>/translations/<language>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_translation(slug: str, language: str):  # type: ignore[no-untyped-def]
    """Write a translation: the author's draft, else the published translation, else the
    English text to start from."""
    language = translation_language_or_404(language)
    session = db_session()
    guide = _published_guide_for(current_user, slug)
    draft = editing.own_draft(session, current_user, guide, language)
    form = GuideTextForm()
    context = _context(guide, language, draft)
    template = "playbooks/editor/edit.html"
    if request.method == "GET":
        status = context["translation_status"]
        _fill_form(form, draft or status.revision or guide.current_revision)
        return _editor_page(template, form, 200, **context)
    if not form.validate_on_submit():
        return _editor_page(template, form, 400, **context)
    if form.preview.data:
        return _editor_page(template, form, 200, **context)
    if _note_missing(form):
        return _editor_page(template, form, 400, **context)
    try:
        revision = editing.save_draft(session, now(), current_user, guide, _content(form), language)
    except editing.EditError as err:
        return _editor_page(template, form, 400, error=err, **context)
    if form.submit_review.data:
        editing.act(session, now(), current_user, revision, "submit", client_ip())
        flash(str(ACTION_MESSAGES["submit"]), "success")
        return redirect(url_for(".revision", revision_id=revision.id))
    flash(_("Draft saved. Only you can see it until you hand it in."), "success")
    return redirect(url_for(".edit_translation", slug=slug, language=language))


@bp.post("/guide-editor/<slug>/translations/<language>/reviewed")
@roles_required("coordinator")
def mark_reviewed(slug: str, language: str):  # type: ignore[no-untyped-def]
    """The published translation (the revision the coordinator saw) was checked by a
    native-speaking professional."""
    language = translation_language_or_404(language)
    guide = _published_guide_for(current_user, slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    revision_id = parse_id(request.form.get("revision_id", ""))
    if revision_id is None:
        abort(400)
    try:
        translations.mark_reviewed(
            db_session(), now(), current_user, guide, language, revision_id, client_ip()
        )
    except translations.ReviewConflict:
        message = _("Another version of this translation was published meanwhile. Check it first.")
        flash(message, "error")
        return redirect(url_for(".history", slug=slug))
    flash(_("Marked as reviewed by a native-speaking professional."), "success")
    return redirect(url_for(".history", slug=slug))
