"""Reading guides: the list, one guide, the offline index, and the reader's own bits.

Guide pages, the list and the index carry nothing about the reader, so the phone may keep them
(`mark_guide_cacheable`). What is about the reader (the "updated" note, their own feedback) comes
from /api/guides/<slug>/me, fetched by the page's script and never cached.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup

from mentor_app.db import db_session
from mentor_app.extensions import csrf
from mentor_app.playbooks import policy, services, translations
from mentor_app.playbooks.forms import FeedbackForm
from mentor_app.playbooks.models import Guide
from mentor_app.playbooks.render import heading_html, split_before
from mentor_app.security import json_error, mark_guide_cacheable
from mentor_app.validation import parse_id
from mentor_app.web import now

bp = Blueprint("playbooks", __name__)

QUERY_MAX = 200
# Section headings are stored in the guide's HTML under their FORMAT.md names; the reader sees
# them in their own language.
SECTION_LABELS = {
    "When this applies": _l("When this applies"),
    "First minute": _l("First minute"),
    "Steps": _l("Steps"),
    "Say": _l("Say"),
    "Avoid": _l("Avoid"),
    "Call a consultant when": _l("Call a consultant when"),
    "Related": _l("Related"),
    "Why": _l("Why"),
    "Sources": _l("Sources"),
}


def reader_language() -> str:
    """The language a reader gets guides in: `?lang=en|sv|de`, else their own setting.

    The one place that decides it here. Aborts with 400 for a `lang` the guides are not
    written in.
    """
    asked = request.args.get("lang")
    if asked is not None:
        if asked not in policy.LANGUAGES:
            abort(400, description=_("'lang' must be one of: en, sv, de."))
        return asked
    return own_language()


def own_language() -> str:
    """The request's language (the signed-in user's setting, else the device's choice, else
    the browser's: mentor_app.i18n.language), where guides are written in it; else English."""
    from mentor_app.i18n.language import request_language

    own = request_language()
    return own if own in policy.LANGUAGES else policy.SOURCE_LANGUAGE


def get_published_or_404(slug: str) -> Guide:
    guide = services.get_published(db_session(), slug)
    if guide is None:
        abort(404)
    return guide


def _cacheable(body: Any, status: int = 200) -> Response:
    return mark_guide_cacheable(make_response(body, status))


@bp.route("/guides", methods=["GET", "POST"])
@login_required
# Searching changes nothing, and a guide list the phone kept offline may hold an old token.
@csrf.exempt
def index():  # type: ignore[no-untyped-def]
    """The guide list; a search is a POST, so the words a mentor types (which may describe the
    client's situation) are in no URL: not in access logs, proxies, history or the cache. A GET
    never searches, whatever its query string says."""
    args = request.form if request.method == "POST" else request.args
    kind = args.get("kind", "")
    kind = kind if kind in policy.KINDS else ""
    tag = args.get("tag", "")[:40].strip()
    query = " ".join(request.form.get("q", "")[:QUERY_MAX].split())
    session = db_session()
    language = reader_language()
    guides = translations.reader_list(session, language)
    results, weak = None, False
    if query:
        # Shown (and filtered by tag) as the reader reads them: in their language.
        by_slug = {g.slug: g for g in guides}
        found, weak = services.search_guides(session, query, language)
        results = [by_slug[g.slug] for g in found if g.slug in by_slug]
        if not weak:  # the closest guides of a weak match are offered whatever the filter
            results = services.filter_guides(results, kind, tag)
    groups = services.group_by_kind(services.filter_guides(guides, kind, tag))
    page = render_template(
        "playbooks/list.html",
        groups=groups,
        results=results,
        weak=weak,
        query=query,
        kind=kind,
        tag=tag,
        tags=services.all_tags(guides),
        kinds=policy.KINDS,
        kind_labels=policy.KIND_LABELS,
    )
    if request.method == "POST":
        return make_response(page)  # holds the search words: never kept (no-store)
    return _cacheable(page)


@bp.get("/guides/index.json")
@login_required
def index_json():  # type: ignore[no-untyped-def]
    document = services.index_document(db_session(), reader_language())
    if request.if_none_match.contains_weak(document.etag.strip('"')):
        response = Response(status=304)
    else:
        response = Response(document.body, mimetype="application/json")
    response.headers["ETag"] = document.etag
    return mark_guide_cacheable(response)


def localised_headings(body_html: str, language: str | None = None) -> str:
    """The stored HTML with each section heading in `language` (default: the page's)."""
    with force_locale(language) if language else nullcontext():
        labels = {name: str(SECTION_LABELS[name]) for name in policy.SECTIONS}
    for name in policy.SECTIONS:
        body_html = body_html.replace(heading_html(name), heading_html(name, labels[name]))
    return body_html


def _guide_page(guide: Guide, form: FeedbackForm, status: int = 200) -> Any:
    text = translations.reader_text(db_session(), guide, reader_language())
    revision = text.revision
    # The headings belong to the guide's text, so they are in its language.
    body_html = localised_headings(revision.body_html, text.language)
    with force_locale(text.language):
        first_minute_label = str(SECTION_LABELS[policy.FIRST_MINUTE])
    before_related, from_related = split_before(body_html, "Related")
    return render_template(
        "playbooks/guide.html",
        guide=guide,
        text=text,
        revision=revision,
        page_lang=text.language,
        first_minute_label=first_minute_label,
        before_related=Markup(before_related),  # noqa: S704 - rendered once, sanitised by nh3
        from_related=Markup(from_related),  # noqa: S704
        form=form,
        kind_label=policy.KIND_LABELS[guide.kind],
        may_edit=current_user.role in policy.EDITOR_ROLES,
    ), status


@bp.get("/guides/<slug>")
@login_required
def guide(slug: str):  # type: ignore[no-untyped-def]
    page, status = _guide_page(get_published_or_404(slug), FeedbackForm())
    return _cacheable(page, status)


@bp.post("/guides/<slug>/feedback")
@login_required
def feedback(slug: str):  # type: ignore[no-untyped-def]
    """The no-script way to answer "Did this help?" (the page's script uses the API)."""
    guide = get_published_or_404(slug)
    form = FeedbackForm()
    if not form.validate_on_submit():
        return _guide_page(guide, form, 400)
    services.give_feedback(
        db_session(), now(), current_user, guide, form.helpful.data == "yes", form.comment.data
    )
    flash(_("Thank you. Your answer helps us improve this guide."), "success")
    return redirect(url_for("playbooks.guide", slug=slug, _anchor="feedback"))


def _api_guide(slug: str) -> Guide | None:
    return services.get_published(db_session(), slug)


@bp.get("/api/guides/<slug>/me")
@login_required
def me(slug: str):  # type: ignore[no-untyped-def]
    """The reader's own view of a guide: what changed since they last read it, their answer."""
    guide = _api_guide(slug)
    if guide is None:
        return json_error(404, _("Not found."))
    shown = request.args.get("rev", "")
    shown_id = parse_id(shown)
    return jsonify(services.open_guide(db_session(), now(), current_user, guide, shown_id))


@bp.post("/api/guides/<slug>/feedback")
@login_required
def api_feedback(slug: str):  # type: ignore[no-untyped-def]
    guide = _api_guide(slug)
    if guide is None:
        return json_error(404, _("Not found."))
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return json_error(400, _("Send a JSON object."))
    helpful = data.get("helpful")
    comment = data.get("comment")
    if not isinstance(helpful, bool):
        return json_error(400, "'helpful' must be true or false.")
    if comment is not None and not isinstance(comment, str):
        return json_error(400, "'comment' must be text.")
    if comment is not None and len(comment) > policy.COMMENT_MAX:
        return json_error(400, f"'comment' may be at most {policy.COMMENT_MAX} characters.")
    if comment is not None and "\x00" in comment:
        return json_error(400, "'comment' is not valid text.")
    services.give_feedback(db_session(), now(), current_user, guide, helpful, comment)
    return jsonify({"helpful": helpful, "has_comment": bool((comment or "").strip())})
