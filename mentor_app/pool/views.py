"""Pool pages: the list and its export, one consultant's profile, vetting, and expertise tags.

Thin views: validate the form, call a service, redirect; on a refusal re-render with the
message and a 400 (the request boundary rolls back, so nothing is stored)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from mentor_app.accounts.models import Role, User
from mentor_app.audit.models import AuditEvent
from mentor_app.db import db_session
from mentor_app.pool import forms, listing, services, switches, tags, validation, vetting
from mentor_app.pool.access import get_profile_for, my_profile
from mentor_app.pool.models import VETTING_STATES, ConsultantProfile
from mentor_app.pool.queries import load_for
from mentor_app.security import roles_required
from mentor_app.web import client_ip, now

bp = Blueprint("pool", __name__, url_prefix="/pool")

HISTORY_LIMIT = 30


# --- the list --------------------------------------------------------------------------------


def _filters(source) -> listing.Filters:  # type: ignore[no-untyped-def]
    """Filters from query or form values; an unknown value is a 400, not silently ignored."""

    def pick(name: str, allowed) -> str | None:  # type: ignore[no-untyped-def]
        value = (source.get(name) or "").strip()
        if not value:
            return None
        if value not in allowed:
            abort(400)
        return value

    q = (source.get("q") or "").strip()
    if len(q) > 80:
        abort(400)
    return listing.Filters(
        language=pick("language", validation.language_names()),
        expertise=pick("expertise", validation.tag_labels(db_session())),
        state=pick("state", VETTING_STATES),
        credential=pick("credential", listing.CREDENTIAL_FILTERS),
        reach=pick("reach", listing.REACH_FILTERS),
        q=q or None,
        sort=pick("sort", listing.SORTS) or "load",
    )


PAGE_SIZE = 100


@bp.get("/")
@roles_required("coordinator")
def index():  # type: ignore[no-untyped-def]
    services.ensure_all_profiles(db_session(), now())
    filters = _filters(request.args)
    rows = listing.pool_rows(db_session(), now(), filters)
    page = request.args.get("page", "1")
    page_no = int(page) if page.isdigit() and 0 < int(page) < 10_000 else 1
    shown = rows[(page_no - 1) * PAGE_SIZE : page_no * PAGE_SIZE]
    return render_template(
        "pool/list.html",
        rows=shown,
        total=len(rows),
        page=page_no,
        pages=max(1, -(-len(rows) // PAGE_SIZE)),
        filters=filters,
        tag_labels=validation.tag_labels(db_session()),
        languages=validation.pool_languages(db_session()),
        states=vetting.STATE_LABELS,
        export_form=forms.ExportForm(),
    )


@bp.post("/export")
@roles_required("coordinator")
def export():  # type: ignore[no-untyped-def]
    form = forms.ExportForm()
    if not form.validate_on_submit():
        abort(400)
    filters = _filters(request.form)
    body = listing.export_csv(
        db_session(), now(), current_user, filters, bool(form.include_contact.data), client_ip()
    )
    stamp = now().strftime("%Y%m%d-%H%M")
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="consultant-pool-{stamp}.csv"'},
    )


# --- one consultant --------------------------------------------------------------------------


def _practical_form(profile: ConsultantProfile, **kwargs) -> forms.PracticalForm:  # type: ignore[no-untyped-def]
    form = forms.PracticalForm(
        data=None if request.method == "POST" else _practical_data(profile), **kwargs
    )
    form.expertise.choices = list(validation.tag_labels(db_session()).items())
    form.timezone.choices = validation.timezone_choices()
    return form


def _practical_data(profile: ConsultantProfile) -> dict:
    return {
        "languages": ", ".join(x.language for x in profile.languages),
        "expertise": [x.tag for x in profile.expertise],
        "regions": ", ".join(x.region for x in profile.regions),
        "timezone": profile.timezone,
        "bio": profile.bio,
        "quiet_from": profile.quiet_from,
        "quiet_until": profile.quiet_until,
        "rest_minutes_after_urgent": profile.rest_minutes_after_urgent,
        "takes_clients": profile.takes_clients,
    }


def _history(consultant_id: int) -> list[AuditEvent]:
    return list(
        db_session().scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == "consultant")
            .where(AuditEvent.object_id == str(consultant_id))
            .order_by(AuditEvent.id.desc())
            .limit(HISTORY_LIMIT)
        )
    )


def _render_profile(profile: ConsultantProfile, status: int = 200, **overrides):  # type: ignore[no-untyped-def]
    """The coordinator's page for one consultant, or the consultant's own page."""
    from mentor_app.notifications.reachability import reachability_for

    session = db_session()
    user = session.get(User, profile.user_id)
    is_coordinator = current_user.role == Role.COORDINATOR.value
    context = {
        "profile": profile,
        "person": user,
        "practical": overrides.get("practical") or _practical_form(profile),
        "state_form": overrides.get("state_form") or forms.StateForm(),
        "actions": vetting.allowed_actions(profile.vetting_state, is_coordinator),
        "reasons": vetting.REASON_CODES,
        "reason_labels": vetting.ALL_REASON_LABELS,
        "states": vetting.STATE_LABELS,
        "availability": switches.current_state(session, now(), profile),
        "reach": reachability_for(session, [profile.user_id])[profile.user_id],
        "load": load_for(session, now(), [profile.user_id]).get(profile.user_id),
        "credential_status": listing.credential_status(
            profile.credential_expires_on, profile.timezone, now()
        ),
        "vetted_by": session.get(User, profile.vetted_by_id) if profile.vetted_by_id else None,
        "tag_labels": validation.tag_labels(session),
    }
    if is_coordinator:
        context["credential_form"] = overrides.get("credential_form") or forms.CredentialForm(
            obj=profile
        )
        context["limits_form"] = overrides.get("limits_form") or forms.LimitsForm(obj=profile)
        context["history"] = _history(profile.user_id)
        return render_template("pool/profile.html", **context), status
    context["submission"] = overrides.get("submission") or forms.CredentialSubmissionForm(
        obj=profile
    )
    return render_template("pool/me.html", **context), status


def _back(profile: ConsultantProfile):  # type: ignore[no-untyped-def]
    if current_user.id == profile.user_id:
        return redirect(url_for("pool.me"))
    return redirect(url_for("pool.detail", user_id=profile.user_id))


@bp.get("/me")
@roles_required("consultant")
def me():  # type: ignore[no-untyped-def]
    return _render_profile(my_profile())


@bp.get("/<int:user_id>")
@roles_required("coordinator")
def detail(user_id: int):  # type: ignore[no-untyped-def]
    return _render_profile(get_profile_for(current_user, user_id))


@bp.post("/<int:user_id>/profile")
@roles_required("consultant", "coordinator")
def save_profile(user_id: int):  # type: ignore[no-untyped-def]
    profile = get_profile_for(current_user, user_id)
    form = _practical_form(profile)
    if not form.validate_on_submit():
        return _render_profile(profile, 400, practical=form)
    data = services.Practical(
        languages=forms.split_list(form.languages.data),
        expertise=list(form.expertise.data or []),
        regions=forms.split_list(form.regions.data),
        timezone=form.timezone.data,
        bio=form.bio.data or "",
        quiet_from=form.quiet_from.data,
        quiet_until=form.quiet_until.data,
        rest_minutes_after_urgent=form.rest_minutes_after_urgent.data,
        takes_clients=bool(form.takes_clients.data),
    )
    try:
        services.update_practical(db_session(), now(), current_user, profile, data, client_ip())
    except services.PoolError as err:
        flash(str(err), "error")
        return _render_profile(profile, 400, practical=form)
    flash(_("Profile saved."), "success")
    return _back(profile)


@bp.post("/me/credential")
@roles_required("consultant")
def submit_credential():  # type: ignore[no-untyped-def]
    profile = my_profile()
    form = forms.CredentialSubmissionForm()
    if not form.validate_on_submit():
        return _render_profile(profile, 400, submission=form)
    and_submit = "and_submit" in request.form  # "Submit for vetting": save and send, one step
    try:
        services.submit_credential(
            db_session(),
            now(),
            current_user,
            profile,
            profession=form.profession.data,
            register=form.credential_register.data,
            number=form.credential_number.data,
            ip=client_ip(),
        )
        if and_submit:
            services.change_state(
                db_session(), now(), current_user, profile, "submit", ip=client_ip()
            )
    except services.PoolError as err:
        # A 4xx rolls the whole request back; the form keeps what was typed.
        flash(str(err), "error")
        return _render_profile(profile, 400, submission=form)
    flash(_("Submitted for vetting.") if and_submit else _("Credential saved."), "success")
    return redirect(url_for("pool.me"))


@bp.post("/<int:user_id>/credential")
@roles_required("coordinator")
def record_credential(user_id: int):  # type: ignore[no-untyped-def]
    profile = get_profile_for(current_user, user_id)
    form = forms.CredentialForm()
    if not form.validate_on_submit():
        return _render_profile(profile, 400, credential_form=form)
    data = services.Credential(
        profession=form.profession.data or "",
        register=form.credential_register.data or "",
        number=form.credential_number.data or "",
        verified_on=form.credential_verified_on.data,
        expires_on=form.credential_expires_on.data,
        training_completed_on=form.training_completed_on.data,
    )
    and_vet = "and_vet" in request.form  # "Record and mark as vetted": one step
    try:
        services.record_credential(db_session(), now(), current_user, profile, data, client_ip())
        if and_vet:
            services.change_state(db_session(), now(), current_user, profile, "vet", ip=client_ip())
    except services.PoolError as err:
        # A 4xx rolls the whole request back (credential included); the form keeps the values.
        flash(str(err), "error")
        return _render_profile(profile, 400, credential_form=form)
    flash(_("Credential recorded and vetted.") if and_vet else _("Credential recorded."), "success")
    return _back(profile)


@bp.post("/<int:user_id>/limits")
@roles_required("coordinator")
def save_limits(user_id: int):  # type: ignore[no-untyped-def]
    profile = get_profile_for(current_user, user_id)
    form = forms.LimitsForm()
    if not form.validate_on_submit():
        return _render_profile(profile, 400, limits_form=form)
    try:
        services.update_limits(
            db_session(),
            now(),
            current_user,
            profile,
            open_consult_limit=form.open_consult_limit.data,
            monthly_soft_cap=form.monthly_soft_cap.data,
            rest_minutes_after_urgent=form.rest_minutes_after_urgent.data,
            ip=client_ip(),
        )
    except services.PoolError as err:
        flash(str(err), "error")
        return _render_profile(profile, 400, limits_form=form)
    flash(_("Limits saved."), "success")
    return _back(profile)


@bp.post("/<int:user_id>/state")
@roles_required("consultant", "coordinator")
def change_state(user_id: int):  # type: ignore[no-untyped-def]
    profile = get_profile_for(current_user, user_id)
    form = forms.StateForm()
    if not form.validate_on_submit():
        return _render_profile(profile, 400, state_form=form)
    try:
        services.change_state(
            db_session(),
            now(),
            current_user,
            profile,
            form.action.data,
            form.reason_code.data or None,
            form.note.data or "",
            client_ip(),
        )
    except services.PoolError as err:
        flash(str(err), "error")
        return _render_profile(profile, 400, state_form=form)
    flash(_("Now: %(state)s.", state=vetting.STATE_LABELS[profile.vetting_state]), "success")
    return _back(profile)


# --- expertise tags --------------------------------------------------------------------------


def _render_tags(status: int = 200, form: forms.TagForm | None = None):  # type: ignore[no-untyped-def]
    return (
        render_template(
            "pool/tags.html",
            tags=validation.tag_labels(db_session(), translated=False),
            usage=tags.usage(db_session()),
            form=form or forms.TagForm(),
            label_form=forms.LabelForm(),
            action_form=forms.ActionForm(),
        ),
        status,
    )


@bp.route("/tags", methods=["GET", "POST"])
@roles_required("coordinator")
def expertise_tags():  # type: ignore[no-untyped-def]
    if request.method == "GET":
        return _render_tags()
    form = forms.TagForm()
    if not form.validate_on_submit():
        return _render_tags(400, form)
    try:
        tags.add_tag(db_session(), now(), current_user, form.tag.data, form.label.data, client_ip())
    except services.PoolError as err:
        form.tag.errors = [str(err)]
        return _render_tags(400, form)
    flash(_("Tag added."), "success")
    return redirect(url_for("pool.expertise_tags"))


@bp.post("/tags/<tag>")
@roles_required("coordinator")
def relabel_tag(tag: str):  # type: ignore[no-untyped-def]
    form = forms.LabelForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        tags.relabel_tag(db_session(), now(), current_user, tag, form.label.data, client_ip())
    except LookupError:
        abort(404)
    except services.PoolError as err:
        flash(str(err), "error")
        return _render_tags(400)
    flash(_("Tag renamed."), "success")
    return redirect(url_for("pool.expertise_tags"))


@bp.post("/tags/<tag>/delete")
@roles_required("coordinator")
def remove_tag(tag: str):  # type: ignore[no-untyped-def]
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    try:
        tags.remove_tag(db_session(), now(), current_user, tag, client_ip())
    except LookupError:
        abort(404)
    except services.PoolError as err:
        flash(str(err), "error")
        return _render_tags(400)
    flash(_("Tag removed."), "success")
    return redirect(url_for("pool.expertise_tags"))
