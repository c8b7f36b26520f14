"""The audit viewer for coordinators: filter, page, export, verify the chain. No edit, no delete:
there is no route that changes an audit row."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from mentor_app.audit import services as audit
from mentor_app.dashboard import auditlog
from mentor_app.db import db_session
from mentor_app.security import roles_required
from mentor_app.web import client_ip, now, viewer_zone

bp = Blueprint("audit_log", __name__, url_prefix="/audit")
FILTER_FIELDS = ("user", "object_type", "object_id", "action", "date_from", "date_to")
MAX_PROBLEMS_SHOWN = 5


class VerifyForm(FlaskForm):
    """Only the CSRF token: one button."""


@bp.get("/")
@roles_required("coordinator")
def index():  # type: ignore[no-untyped-def]
    session = db_session()
    criteria, errors = auditlog.parse_filter(session, request.args, viewer_zone())
    page = auditlog.parse_page(request.args.get("page"))
    entries, has_next = auditlog.page_of(session, criteria, page)
    kept = {k: request.args[k][:254] for k in FILTER_FIELDS if request.args.get(k)}
    return render_template(
        "dashboard/audit.html",
        entries=entries,
        errors=errors,
        page=page,
        has_next=has_next,
        filters=kept,
        last_check=auditlog.last_verification(session),
        verify_form=VerifyForm(),
    ), (400 if errors else 200)


@bp.get("/export.csv")
@roles_required("coordinator")
def export():  # type: ignore[no-untyped-def]
    session = db_session()
    criteria, errors = auditlog.parse_filter(session, request.args, viewer_zone())
    if errors:
        abort(400)
    body, count, truncated = auditlog.export_csv(session, criteria)
    audit.record(
        session,
        now(),
        "audit.exported",
        actor_id=current_user.id,
        object_type="audit_log",
        ip=client_ip(),
        details={**criteria.as_details(), "rows": count, "truncated": truncated},
    )
    response = make_response(body)
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    stamp = now().strftime("%Y%m%dT%H%MZ")
    response.headers["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    return response


@bp.post("/verify")
@roles_required("coordinator")
def verify():  # type: ignore[no-untyped-def]
    if not VerifyForm().validate_on_submit():
        abort(400)
    session = db_session()
    result = audit.verify(session)
    audit.record(
        session,
        now(),
        "audit.verified",
        actor_id=current_user.id,
        object_type="audit_log",
        ip=client_ip(),
        details={
            "ok": result.ok,
            "checked": result.checked,
            "unsealed": result.unsealed,
            "problems": len(result.problems),
            "by": "coordinator",
        },
    )
    if result.ok:
        flash(
            _(
                "The audit chain verifies: %(checked)d sealed entries unchanged; %(unsealed)d "
                "newer entries wait to be sealed.",
                checked=result.checked,
                unsealed=result.unsealed,
            ),
            "success",
        )
    else:
        flash(_("The audit chain does NOT verify. Tell your data-protection officer."), "error")
        for problem in result.problems[:MAX_PROBLEMS_SHOWN]:
            flash(problem, "error")
    return redirect(url_for(".index"))
