"""Merging a duplicate request from its details screen (routes on the consults blueprint)."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from mentor_app.consults import access, duplicates
from mentor_app.consults.errors import ConsultError
from mentor_app.consults.forms import ActionForm
from mentor_app.consults.views import _refused, bp
from mentor_app.db import db_session
from mentor_app.web import client_ip, now

MAX_ID = 2**31 - 1


@bp.post("/<int:consult_id>/merge")
@login_required
def merge(consult_id: int):  # type: ignore[no-untyped-def]
    """Cancel this request and keep the older one (`into`, a form field) instead."""
    seen = access.get_consult_for(db_session(), current_user, consult_id, now())
    if seen.relation != "mentor":
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    into = request.form.get("into", "")
    if not into.isdigit() or not 0 < int(into) <= MAX_ID:
        abort(400, description=_("Choose the request to keep."))
    try:
        kept = duplicates.merge(
            db_session(), now(), seen.consult, int(into), current_user, client_ip()
        )
    except ConsultError as err:
        return _refused(err, consult_id)
    flash(_("This request was cancelled; here is the one you kept."), "success")
    return redirect(url_for("consults.detail", consult_id=kept.id), code=303)
