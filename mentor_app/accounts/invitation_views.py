"""Opening an invitation and choosing a password, without the token in any address.

The link a coordinator sends is `PUBLIC_BASE_URL/invite#<token>`: a fragment never travels to a
server, so it is in no access log, proxy log or Referer. The page's script (static/js/invite.js)
reads it, clears it from the address bar, and posts it to /invite/open; without script, the
code after `#` can be pasted into the same form. The server then keeps only the invitation's
id in the signed session ("exchanged for a cookie") and the password form is at /invite.
Links of the older shape (/invite/<token>) are exchanged the same way on first open and
redirected, so the token leaves the address bar and the browser history at once.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for

from mentor_app.accounts import forms, services
from mentor_app.accounts.views import _begin, bp
from mentor_app.db import db_session
from mentor_app.extensions import limiter
from mentor_app.web import client_ip, now

SESSION_KEY = "invitation_id"
TOKEN_MAX = 100


def _opened():  # type: ignore[no-untyped-def]
    return services.open_invitation_by_id(db_session(), now(), session.get(SESSION_KEY))


def _exchange(token: str):  # type: ignore[no-untyped-def]
    invitation = services.open_invitation(db_session(), now(), token)
    if invitation is None:
        session.pop(SESSION_KEY, None)
        return render_template("accounts/invite_invalid.html"), 410
    session[SESSION_KEY] = invitation.id
    return redirect(url_for("accounts.invitation"), 303)


@bp.post("/invite/open")
@limiter.limit("20 per minute")
def open_invitation():  # type: ignore[no-untyped-def]
    form = forms.OpenInvitationForm()
    if not form.validate_on_submit():
        return render_template("accounts/invite_open.html", form=form), 400
    return _exchange(form.token.data.strip().lstrip("#"))


@bp.get("/invite/<token>")
@limiter.limit("20 per minute")
def legacy_invitation_link(token: str):  # type: ignore[no-untyped-def]
    if len(token) > TOKEN_MAX:
        abort(404)
    return _exchange(token)


@bp.route("/invite", methods=["GET", "POST"])
def invitation():  # type: ignore[no-untyped-def]
    invitation = _opened()
    if invitation is None:
        if request.method == "POST":
            return render_template("accounts/invite_invalid.html"), 410
        return render_template("accounts/invite_open.html", form=forms.OpenInvitationForm())
    form = forms.SetPasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.accept_opened(
                db_session(), now(), invitation, form.password.data, client_ip()
            )
        except services.AccountError as err:
            flash(str(err), "error")
            status = 400
        else:
            _begin(user, two_factor_done=not user.role_enum.requires_two_factor)
            if user.role_enum.requires_two_factor:
                return redirect(url_for("accounts.enrol_totp"))
            return redirect(url_for("home.index"))
    elif request.method == "POST":
        status = 400
    return render_template("accounts/invite.html", form=form, invitation=invitation), status
