"""Case pages: a mentor's caseload ("My cases"), one case with its consults and exclusions.

Case managers (the mentor holding the case) and coordinators may keep a consultant away from a
case; consultants never see case pages.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from mentor_app.accounts.models import User
from mentor_app.consults import cases
from mentor_app.consults.access import summary
from mentor_app.consults.errors import ConsultError
from mentor_app.consults.forms import ActionForm, CaseForm, ExclusionForm
from mentor_app.consults.models import Case, CaseExclusion
from mentor_app.consults.vocab import EXCLUSION_REASONS, LANGUAGE_NAMES, language_name
from mentor_app.db import db_session
from mentor_app.security import roles_required
from mentor_app.web import client_ip, now

bp = Blueprint("cases", __name__, url_prefix="/cases")
SEARCH_LIMIT = 200


def _case_form() -> CaseForm:
    form = CaseForm()
    languages = list(dict.fromkeys([*current_user.language_list, *LANGUAGE_NAMES]))
    form.language.choices = [(code, language_name(code)) for code in languages]
    return form


@bp.route("/", methods=["GET", "POST"])
@roles_required("mentor", "coordinator")
def index():  # type: ignore[no-untyped-def]
    session = db_session()
    if current_user.role == "coordinator":
        return _all_cases()
    form = _case_form()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                case = cases.create_case(
                    session,
                    now(),
                    current_user,
                    language=form.language.data,
                    region=form.region.data or "",
                    ip=client_ip(),
                )
            except ConsultError as err:
                form.form_errors.append(err.message)
            else:
                flash(_("New case code %(code)s created.", code=case.code), "success")
                return redirect(url_for("cases.detail", case_id=case.id), code=303)
        status = 400
    caseload = cases.caseload(session, current_user.id, include_closed=True)
    return render_template("consults/cases.html", caseload=caseload, form=form), status


def _all_cases():  # type: ignore[no-untyped-def]
    """Every case, newest first; a search by code is a POST (CSRF-checked), so a client's code
    is in no URL, access log or browser history. A GET never filters."""
    session = db_session()
    code = ""
    if request.method == "POST":
        if not ActionForm().validate_on_submit():
            abort(400)
        code = (request.form.get("code") or "").strip().upper()[:16]
    query = (
        select(Case, User.display_name, func.count(CaseExclusion.id))
        .join(User, User.id == Case.mentor_id)
        .outerjoin(CaseExclusion, CaseExclusion.case_id == Case.id)
        .group_by(Case.id, User.display_name)
        .order_by(Case.created_at.desc())
        .limit(SEARCH_LIMIT)
    )
    if code:
        query = query.where(Case.code.like(f"{code}%"))
    rows = session.execute(query).all()
    return render_template("consults/cases_all.html", rows=rows, code=code)


def _case_page(case: Case, status: int = 200, form: ExclusionForm | None = None):  # type: ignore[no-untyped-def]
    session = db_session()
    form = form or _exclusion_form(case)
    # Which consults concern which case is content: the case manager sees the list, a
    # coordinator only how many there were.
    of_case = cases.consults_of_case(session, case.id)
    mine = current_user.id == case.mentor_id
    consults = [summary(c, session) for c in of_case] if mine else []
    manager = session.get(User, case.mentor_id)
    return (
        render_template(
            "consults/case.html",
            case=case,
            manager=manager,
            consults=consults,
            consult_count=len(of_case),
            exclusions=cases.exclusions(session, case.id),
            reasons=EXCLUSION_REASONS,
            form=form,
            action_form=ActionForm(),
        ),
        status,
    )


def _exclusion_form(case: Case) -> ExclusionForm:
    form = ExclusionForm()
    form.consultant_id.choices = [
        (cid, name) for cid, name in cases.excludable_consultants(db_session(), case.id)
    ]
    return form


@bp.get("/<int:case_id>")
@roles_required("mentor", "coordinator")
def detail(case_id: int):  # type: ignore[no-untyped-def]
    case = cases.get_case_for(db_session(), current_user, case_id)
    return _case_page(case)


@bp.post("/<int:case_id>/exclusions")
@roles_required("mentor", "coordinator")
def add_exclusion(case_id: int):  # type: ignore[no-untyped-def]
    session = db_session()
    case = cases.get_case_for(session, current_user, case_id)
    form = _exclusion_form(case)
    if not form.validate_on_submit():
        return _case_page(case, 400, form)
    try:
        cases.add_exclusion(
            session,
            now(),
            case,
            current_user,
            form.consultant_id.data,
            form.reason.data,
            client_ip(),
        )
    except ConsultError as err:
        form.form_errors.append(err.message)
        return _case_page(case, 400, form)
    flash(_("That consultant will not be offered requests about this case."), "success")
    return redirect(url_for("cases.detail", case_id=case.id), code=303)


@bp.post("/<int:case_id>/exclusions/<int:exclusion_id>/delete")
@roles_required("mentor", "coordinator")
def remove_exclusion(case_id: int, exclusion_id: int):  # type: ignore[no-untyped-def]
    session = db_session()
    case = cases.get_case_for(session, current_user, case_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    cases.remove_exclusion(session, now(), case, current_user, exclusion_id)
    flash(_("Exclusion removed."), "success")
    return redirect(url_for("cases.detail", case_id=case.id), code=303)


@bp.post("/<int:case_id>/close")
@roles_required("mentor", "coordinator")
def close(case_id: int):  # type: ignore[no-untyped-def]
    return _set_closed(case_id, True)


@bp.post("/<int:case_id>/reopen")
@roles_required("mentor", "coordinator")
def reopen(case_id: int):  # type: ignore[no-untyped-def]
    return _set_closed(case_id, False)


def _set_closed(case_id: int, closed: bool):  # type: ignore[no-untyped-def]
    session = db_session()
    case = cases.get_case_for(session, current_user, case_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    cases.set_closed(session, now(), case, current_user, closed)
    flash(_("Case closed.") if closed else _("Case reopened."), "success")
    return redirect(url_for("cases.detail", case_id=case.id), code=303)
