"""Pages for "Forgot your password?" and for a password-reset link (same blueprint as sign-in).

The link is `PUBLIC_BASE_URL/password/reset#<token>`. As with invitations, the page's script
(static/js/invite.js, shared) moves the fragment into a form posted to /password/reset/open;
the server keeps only the reset's id in the signed session, and the new-password form is at
/password/reset. So the token is in no address a server sees and in no log.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from mentor_app.accounts import forms, recovery, services
from mentor_app.accounts.views import bp
from mentor_app.db import db_session
from mentor_app.extensions import limiter
from mentor_app.web import client_ip, now

SESSION_KEY = "password_reset_id"


def _reset_limit_per_ip() -> str:
    return current_app.config["PASSWORD_RESET_LIMIT_PER_IP"]


def _reset_limit_per_account() -> str:
    return current_app.config["PASSWORD_RESET_LIMIT_PER_ACCOUNT"]


def _address_key() -> str:
    return "reset-account:" + services.normalise_email(request.form.get("email", ""))[:254]


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_reset_limit_per_ip, methods=["POST"])
@limiter.limit(_reset_limit_per_account, key_func=_address_key, methods=["POST"])
def forgot_password():  # type: ignore[no-untyped-def]
    form = forms.ForgotPasswordForm()
    if form.validate_on_submit():
        recovery.request_reset(
            db_session(),
            now(),
            form.email.data,
            current_app.config["PASSWORD_RESET_TTL"],
            client_ip(),
        )
        # The same page whether or not the address has an account.
        return render_template("accounts/forgot_sent.html")
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/forgot.html", form=form), status


@bp.post("/password/reset/open")
@limiter.limit("20 per minute")
def open_password_reset():  # type: ignore[no-untyped-def]
    form = forms.OpenResetForm()
    if not form.validate_on_submit():
        return render_template("accounts/reset_open.html", form=form), 400
    reset = recovery.open_reset(db_session(), now(), form.token.data.strip().lstrip("#"))
    if reset is None:
        session.pop(SESSION_KEY, None)
        return render_template("accounts/reset_invalid.html"), 410
    session[SESSION_KEY] = reset.id
    return redirect(url_for("accounts.password_reset"), 303)


@bp.route("/password/reset", methods=["GET", "POST"])
def password_reset():  # type: ignore[no-untyped-def]
    reset = recovery.open_reset_by_id(db_session(), now(), session.get(SESSION_KEY))
    if reset is None:
        if request.method == "POST":
            return render_template("accounts/reset_invalid.html"), 410
        return render_template("accounts/reset_open.html", form=forms.OpenResetForm())
    form = forms.SetPasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            recovery.complete_reset(db_session(), now(), reset, form.password.data, client_ip())
        except services.AccountError as err:
            flash(str(err), "error")
            status = 400
        else:
            session.clear()
            flash(_("Your password is changed and every session has ended. Sign in."), "success")
            return redirect(url_for("accounts.login"), 303)
    elif request.method == "POST":
        status = 400
    return render_template("accounts/reset.html", form=form), status
