"""HTML pages of consults: the one-tap start (no-JavaScript fallback), the consult page for
each role, the lists, and the coordinator's live list and direct offer."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from mentor_app.consults import (
    access,
    cases,
    duplicates,
    live,
    routing,
    services,
    timeline,
    topics,
)
from mentor_app.consults.errors import ConsultError
from mentor_app.consults.forms import (
    ActionForm,
    AssignForm,
    CloseForm,
    DeclineForm,
    DetailsForm,
    MessageForm,
    NoteOnlyForm,
    RateForm,
    StartForm,
    urgency_choices,
)
from mentor_app.consults.policy import OVERRIDABLE, Request, reasons
from mentor_app.consults.vocab import LANGUAGE_NAMES, language_name
from mentor_app.db import db_session
from mentor_app.i18n.render import topic_label
from mentor_app.security import roles_required
from mentor_app.web import client_ip, now

bp = Blueprint("consults", __name__, url_prefix="/consults")


def _refused(err: ConsultError, consult_id: int | None = None):  # type: ignore[no-untyped-def]
    """A kind page: what happened, and where to go from here."""
    return (
        render_template("consults/refused.html", message=err.message, consult_id=consult_id),
        err.status,
    )


# --- the one tap ----------------------------------------------------------------------------


@bp.route("/start", methods=["GET", "POST"])
@roles_required("mentor")
def start():  # type: ignore[no-untyped-def]
    topic = topics.resolve(request.args.get("topic") or request.form.get("topic"), db_session())
    form = StartForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_template("consults/start.html", form=form, topic=topic), 400
        try:
            consult, _created = services.create(
                db_session(),
                now(),
                current_user,
                client_key=form.client_key.data,
                topic=topic.slug,
                ip=client_ip(),
                via="form",
            )
        except ConsultError as err:
            return _refused(err)
        return redirect(url_for("consults.detail", consult_id=consult.id), code=303)
    form.client_key.data = str(uuid.uuid4())
    form.topic.data = topic.slug
    return render_template("consults/start.html", form=form, topic=topic)


# --- lists ----------------------------------------------------------------------------------


@bp.get("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    if current_user.role == "coordinator":
        return redirect(url_for("consults.open_list"))
    items = live.mine(db_session(), current_user, now())
    facts = {}
    if current_user.role == "mentor":  # date and case code tell two similar rows apart
        facts = duplicates.row_facts(db_session(), current_user.id, [i["id"] for i in items])
    return render_template("consults/index.html", items=items, facts=facts)


@bp.get("/open")
@roles_required("coordinator")
def open_list():  # type: ignore[no-untyped-def]
    at = now()
    rows = live.open_list(db_session(), at)
    recent = live.mine(db_session(), current_user, at)[:30]
    return render_template("consults/open.html", rows=rows, recent=recent, now=at)


# --- one consult ----------------------------------------------------------------------------


def _details_form(seen: access.Access) -> DetailsForm | NoteOnlyForm:
    consult = seen.consult
    if consult.status != "open":
        form = NoteOnlyForm(
            data={
                "note": consult.note or "",
                "callback_requested": consult.callback_requested,
                "callback_number": consult.callback_number or "",
            }
        )
        return form
    session = db_session()
    caseload = cases.caseload(session, current_user.id)
    current_code = consult.case.code if consult.case else ""
    form = DetailsForm(
        data={
            "urgency": consult.urgency,
            "topic": consult.topic,
            "case_code": current_code,
            "language": consult.language,
            "note": consult.note or "",
            "callback_requested": consult.callback_requested,
            "callback_number": consult.callback_number or "",
        }
    )
    form.urgency.choices = urgency_choices()
    known = topics.all_topics()
    current = topics.resolve(consult.topic, session)
    known.setdefault(current.slug, current)
    form.topic.choices = [
        (slug, topic_label(slug, t.label)) for slug, t in sorted(known.items(), key=_topic_order)
    ]
    form.case_code.choices = [
        ("", _("No case code")),
        *[(c.code, c.code) for c in caseload],
        ("new", _("New case: make a code for me")),
    ]
    if current_code and current_code not in {c.code for c in caseload}:
        form.case_code.choices.insert(1, (current_code, current_code))
    languages = list(dict.fromkeys([*current_user.language_list, consult.language]))
    languages += [code for code in LANGUAGE_NAMES if code not in languages]
    form.language.choices = [(code, language_name(code)) for code in languages]
    return form


def _topic_order(item: tuple[str, topics.Topic]) -> tuple[bool, str]:
    return item[0] != topics.GENERAL, item[1].label.lower()  # "general" first, then by label


def _page(seen: access.Access, status: int = 200, **forms):  # type: ignore[no-untyped-def]
    session, at = db_session(), now()
    view = access.view_model(session, seen, at)
    context = {
        "c": view,
        "seen": seen,
        "action_form": ActionForm(),
        "decline_form": forms.get("decline_form") or DeclineForm(),
        "message_form": forms.get("message_form") or MessageForm(),
        "close_form": forms.get("close_form") or CloseForm(),
        "rate_form": forms.get("rate_form") or RateForm(),
    }
    if seen.relation == "mentor" and "details" in view["actions"]:
        context["details_form"] = forms.get("details_form") or _details_form(seen)
    context["timeline"] = timeline.build(session, seen)
    if seen.relation == "mentor" and seen.consult.status == "open":
        context["twins"] = [
            (access.summary(twin, session), twin.created_at, twin.case.code if twin.case else None)
            for twin in duplicates.twins(session, seen.consult)
        ]
    return render_template("consults/detail.html", **context), status


@bp.get("/<int:consult_id>")
@login_required
def detail(consult_id: int):  # type: ignore[no-untyped-def]
    seen = access.get_consult_for(db_session(), current_user, consult_id, now())
    access.record_view(db_session(), now(), seen, "page", client_ip())
    return _page(seen)


def _done(consult_id: int, message: str | None = None, anchor: str = ""):  # type: ignore[no-untyped-def]
    if message:
        flash(message, "success")
    return redirect(url_for("consults.detail", consult_id=consult_id) + anchor, code=303)


@bp.post("/<int:consult_id>/details")
@login_required
def details(consult_id: int):  # type: ignore[no-untyped-def]
    seen = access.get_consult_for(db_session(), current_user, consult_id, now())
    if seen.relation != "mentor":
        abort(403)
    form = _details_form(seen)
    if not form.validate_on_submit():
        return _page(seen, 400, details_form=form)
    change = services.DetailsChange(
        note=form.note.data,
        callback_requested=form.callback_requested.data,
        callback_number=form.callback_number.data,
    )
    if isinstance(form, DetailsForm):
        change.urgency = form.urgency.data
        change.case_code = form.case_code.data or ""
        change.language = form.language.data
        if form.topic.data:
            change.topic = form.topic.data
    try:
        services.update_details(
            db_session(), now(), seen.consult, current_user, change, client_ip()
        )
    except ConsultError as err:
        if err.status == 400:
            form.form_errors.append(err.message)
            return _page(seen, 400, details_form=form)
        return _refused(err, consult_id)
    return _done(consult_id, _("Details saved."))


def _act(consult_id: int, check, action, done_message: str, anchor: str = ""):  # type: ignore[no-untyped-def]
    """A one-button action: visible to this user, allowed by `check`, CSRF-checked."""
    seen = access.get_consult_for(db_session(), current_user, consult_id, now())
    if not check(seen):
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        action(seen)
    except ConsultError as err:
        return _refused(err, consult_id)
    return _done(consult_id, done_message, anchor)


def _holds_offer(seen: access.Access) -> bool:
    return seen.relation != "mentor" and seen.offer is not None


@bp.post("/<int:consult_id>/accept")
@login_required
def accept(consult_id: int):  # type: ignore[no-untyped-def]
    return _act(
        consult_id,
        _holds_offer,
        lambda s: services.accept(
            db_session(), now(), s.consult, current_user.id, current_user.role
        ),
        _("You accepted this consult. The mentor has been told."),
    )


@bp.post("/<int:consult_id>/release")
@login_required
def release(consult_id: int):  # type: ignore[no-untyped-def]
    return _act(
        consult_id,
        lambda s: s.relation != "mentor" and s.consult.consultant_id == current_user.id,
        lambda s: services.release(db_session(), now(), s.consult, current_user.id),
        _("You handed this consult back; it is being offered to others."),
    )


@bp.post("/<int:consult_id>/cancel")
@login_required
def cancel(consult_id: int):  # type: ignore[no-untyped-def]
    return _act(
        consult_id,
        lambda s: s.relation == "mentor",
        lambda s: services.cancel(db_session(), now(), s.consult, current_user, client_ip()),
        _("Your request was cancelled."),
    )


@bp.post("/<int:consult_id>/decline")
@login_required
def decline(consult_id: int):  # type: ignore[no-untyped-def]
    seen = access.get_consult_for(db_session(), current_user, consult_id, now())
    if not _holds_offer(seen):
        abort(403)
    form = DeclineForm()
    if not form.validate_on_submit():
        return _page(seen, 400, decline_form=form)
    try:
        services.decline(
            db_session(),
            now(),
            seen.consult,
            current_user.id,
            form.reason.data or None,
            bool(form.decline_case.data),
        )
    except ConsultError as err:
        return _refused(err, consult_id)
    flash(_("Declined. Thank you for answering."), "success")
    return redirect(url_for("home.index"), code=303)


@bp.post("/<int:consult_id>/messages")
@login_required
def message(consult_id: int):  # type: ignore[no-untyped-def]
    seen = access.get_consult_for(db_session(), current_user, consult_id, now())
    if current_user.id not in (seen.consult.mentor_id, seen.consult.consultant_id):
        abort(403)
    form = MessageForm()
    if not form.validate_on_submit():
        return _page(seen, 400, message_form=form)
    try:
        services.post_message(db_session(), now(), seen.consult, current_user, form.body.data)
    except ConsultError as err:
        return _refused(err, consult_id)
    return _done(consult_id, anchor="#thread")


@bp.post("/<int:consult_id>/close")
@login_required
def close(consult_id: int):  # type: ignore[no-untyped-def]
    seen = access.get_consult_for(db_session(), current_user, consult_id, now())
    if seen.consult.consultant_id != current_user.id:
        abort(403)
    form = CloseForm()
    if not form.validate_on_submit():
        return _page(seen, 400, close_form=form)
    agreed = {"yes": True, "no": False}.get(form.client_agreed.data or "")
    data = services.CloseInput(
        outcome=form.outcome.data,
        summary=form.summary.data,
        client_agreed=agreed if form.outcome.data == "see_client" else None,
        follow_up_on=form.follow_up_on.data,
    )
    try:
        services.close(db_session(), now(), seen.consult, current_user, data)
    except ConsultError as err:
        if err.status == 400:
            form.form_errors.append(err.message)
            return _page(seen, 400, close_form=form)
        return _refused(err, consult_id)
    return _done(consult_id, _("Consult closed. Thank you."))


@bp.post("/<int:consult_id>/rate")
@login_required
def rate(consult_id: int):  # type: ignore[no-untyped-def]
    seen = access.get_consult_for(db_session(), current_user, consult_id, now())
    if seen.relation != "mentor":
        abort(403)
    form = RateForm()
    if not form.validate_on_submit():
        return _page(seen, 400, rate_form=form)
    try:
        services.rate(db_session(), now(), seen.consult, current_user, form.helpful.data == "yes")
    except ConsultError as err:
        return _refused(err, consult_id)
    return _done(consult_id, _("Thank you for telling us."))


@bp.route("/<int:consult_id>/assign", methods=["GET", "POST"])
@roles_required("coordinator")
def assign(consult_id: int):  # type: ignore[no-untyped-def]
    session, at = db_session(), now()
    seen = access.get_consult_for(session, current_user, consult_id, at)
    form = AssignForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                services.assign(session, at, seen.consult, current_user.id, form.consultant_id.data)
            except ConsultError as err:
                if err.status != 400:
                    return _refused(err, consult_id)
                flash(err.message, "error")
            else:
                return _done(consult_id, _("Offered. The consultant has been notified."))
        status = 400
    access.record_view(session, at, seen, "assign", client_ip())
    request_facts = Request(seen.consult.urgency, at)
    options = []
    for candidate, name in routing.assignable_candidates(session, at, seen.consult).values():
        found = reasons(candidate, request_facts)
        blocking = [r for r in found if r not in OVERRIDABLE]
        options.append(
            {
                "id": candidate.consultant_id,
                "name": name,
                "reasons": found,
                "blocked": bool(blocking) or candidate.offer_state == "offered",
                "offer_state": candidate.offer_state,
                "open_consults": candidate.open_consults,
                "open_limit": candidate.open_limit,
                "recent": candidate.consults_last_30_days,
                "expertise": candidate.expertise_matches,
                "continuity": candidate.advised_case or candidate.advised_mentor,
            }
        )
    options.sort(key=lambda o: (o["blocked"], len(o["reasons"]), not o["continuity"], o["name"]))
    view = access.view_model(session, seen, at)
    return (
        render_template("consults/assign.html", c=view, options=options[:60], form=form),
        status,
    )
