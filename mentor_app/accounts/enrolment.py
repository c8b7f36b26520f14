"""Setting up two-factor, and replacing it (a new phone).

Who may do what:
- No second factor yet: a session signed in with the password may enrol (that is the only way
  to get one). The first enrolment is a conditional update: of two sessions enrolling at once,
  one wins.
- A second factor is on: only a session that passed it may replace it, and only within
  REAUTH_WINDOW of proving password and a current code again (throttled like sign-in; wrong
  codes count towards the lock in lockout.py). A session that never passed it (signed in with
  the password before the factor was turned on elsewhere) is ended and sent to sign in.
- Enrolling or replacing ends every other session of the user and is audited.
The secret being set up lives in this session's server-side row, encrypted, never in a cookie.
"""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from mentor_app.accounts import devices, forms, lockout, services, totp
from mentor_app.accounts.models import User, UserSession
from mentor_app.accounts.views import bp, commit_failure, lock_policy, locked_message, per_account
from mentor_app.audit import services as audit
from mentor_app.db import db_session
from mentor_app.extensions import limiter
from mentor_app.web import client_ip, now

REAUTH_WINDOW = timedelta(minutes=5)


def _reauth_key() -> str:
    return f"reauth:{current_user.get_id()}"


def _reauth_failed(_response) -> bool:  # type: ignore[no-untyped-def]
    return bool(g.get("reauth_failed"))


def _not_a_reauth() -> bool:
    return "reauth-submit" not in request.form


@bp.route("/account/2fa/setup", methods=["GET", "POST"])
@login_required
@limiter.limit(
    per_account,
    key_func=_reauth_key,
    methods=["POST"],
    deduct_when=_reauth_failed,
    exempt_when=_not_a_reauth,
)
def enrol_totp():  # type: ignore[no-untyped-def]
    user: User = current_user
    record: UserSession | None = g.get("user_session")
    if record is None:
        abort(403)
    if user.has_two_factor and not record.two_factor_done:
        # This session proved the password only; the factor was turned on since (elsewhere).
        services.end_session(db_session(), now(), session.get("sid", ""), "two_factor_required")
        session.clear()
        flash(_("Two-factor authentication is on for this account. Sign in with your code."))
        return redirect(url_for("accounts.login"))
    if user.has_two_factor and not _recently_reauthenticated(record):
        return _reauthenticate(user, record)
    return _enrol(user, record, replacing=user.has_two_factor)


def _recently_reauthenticated(record: UserSession) -> bool:
    at = record.reauthenticated_at
    return at is not None and now() - at <= REAUTH_WINDOW


def _reauthenticate(user: User, record: UserSession):  # type: ignore[no-untyped-def]
    form = forms.ReauthForm(prefix="reauth")
    status = 200
    if request.method == "POST" and "reauth-submit" in request.form:
        status = 400
        if form.validate():
            status = _check_again(user, record, form)
            if status == 303:
                return redirect(url_for("accounts.enrol_totp"), 303)
    return render_template("accounts/reauth.html", form=form), status


def _check_again(user: User, record: UserSession, form: forms.ReauthForm) -> int:
    session_, at, ip = db_session(), now(), client_ip()
    if not services.check_password(session_, at, user, form.password.data, ip, "reauth"):
        g.reauth_failed = True
        commit_failure()
        flash(_("That password is not right."), "error")
        return 401
    check = lockout.second_factor(session_, at, user, form.code.data, lock_policy(), ip)
    if check is not lockout.Check.OK:
        g.reauth_failed = True
        audit.record(
            session_, at, "login.failed", actor_id=user.id, ip=ip, details={"stage": "reauth"}
        )
        commit_failure()
        if check is lockout.Check.LOCKED:
            flash(locked_message(), "error")
            return 403
        flash(_("That code did not work. Codes work once; wait for the next one."), "error")
        return 401
    record.reauthenticated_at = at
    return 303


def _pending_secret(record: UserSession) -> str:
    secret = totp.decrypt_secret(record.enrol_secret) if record.enrol_secret else None
    if secret is None:
        secret = totp.new_secret()
        record.enrol_secret = totp.encrypt_secret(secret)
        db_session().flush()
    return secret


def _enrol(user: User, record: UserSession, replacing: bool):  # type: ignore[no-untyped-def]
    secret = _pending_secret(record)
    form = forms.EnrolForm()
    status = 200
    if form.validate_on_submit():
        try:
            codes = services.enable_totp(
                db_session(),
                now(),
                user,
                secret,
                form.code.data,
                client_ip(),
                keep=record,
                replacing=replacing,
            )
        except services.AccountError as err:
            # Another session enrolled first: this one never proved that factor.
            services.end_session(db_session(), now(), session.get("sid", ""), "two_factor_required")
            session.clear()
            flash(str(err), "error")
            return redirect(url_for("accounts.login"))
        if codes is not None:
            record.enrol_secret = None
            record.two_factor_done = True
            record.reauthenticated_at = None
            devices.remember(user.id)
            flash(_("Every other session of your account has ended."), "info")
            return render_template("accounts/recovery_codes.html", codes=codes)
        flash(_("That code did not match. Check the time on your phone and try again."), "error")
        status = 400
    elif request.method == "POST":
        status = 400
    uri = totp.provisioning_uri(secret, user.email)
    return (
        render_template(
            "accounts/enrol.html",
            form=form,
            qr=totp.qr_svg(uri),
            otpauth_uri=uri,
            secret=secret,
            required=user.role_enum.requires_two_factor,
            replacing=replacing,
        ),
        status,
    )
