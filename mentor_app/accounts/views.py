"""Sign in, two-factor, sign out, invitations and the user's own settings."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from mentor_app.accounts import forms, passwords, services, totp
from mentor_app.accounts.models import Role, User
from mentor_app.audit import services as audit
from mentor_app.db import db_session
from mentor_app.extensions import limiter
from mentor_app.web import client_ip, now, safe_next

bp = Blueprint("accounts", __name__)

BAD_LOGIN = "E-mail or password is not right."
PENDING_2FA_SECONDS = 300


def _account_key() -> str:
    return "login-account:" + services.normalise_email(request.form.get("email", ""))[:254]


def _pending_key() -> str:
    return f"totp-account:{session.get('pending_uid', '-')}"


def _failed(response) -> bool:  # type: ignore[no-untyped-def]
    return response.status_code == 401


def _per_account() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


def _per_ip() -> str:
    return current_app.config["LOGIN_LIMIT_PER_IP"]


def _begin(user: User, two_factor_done: bool) -> None:
    """A fresh session: nothing of the anonymous one survives (no fixation)."""
    session.clear()
    session["sid"] = services.start_session(db_session(), now(), user, two_factor_done)
    session.permanent = False
    # Put a new CSRF token in this response's cookie. Otherwise the first pages after sign-in
    # (the page itself and the service worker's precache, in parallel) each mint their own
    # token and the last cookie wins, so the page's token no longer matches: a 400 on the
    # mentor's first tap. The sign-in form already made a token for this request and keeps it
    # in `g` (for the old session); without dropping it, generate_csrf() would store nothing.
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    generate_csrf()


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_per_ip, methods=["POST"], deduct_when=_failed)
@limiter.limit(_per_account, key_func=_account_key, methods=["POST"], deduct_when=_failed)
def login():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = forms.LoginForm()
    status = 200
    if form.validate_on_submit():
        user = services.find_user_by_email(db_session(), form.email.data)
        ok = passwords.verify_password(user.password_hash if user else None, form.password.data)
        if ok and user is not None and not user.is_disabled:
            return _after_password(user)
        audit.record(
            db_session(),
            now(),
            "login.failed",
            actor_id=user.id if user else None,
            ip=client_ip(),
            details={"stage": "password"},
        )
        _commit_failure()
        flash(_(BAD_LOGIN), "error")
        status = 401
    elif request.method == "POST":
        status = 400
    if g.get("session_expired"):
        flash(_("You were signed out. Please sign in again."), "info")
    return render_template("accounts/login.html", form=form), status


def _commit_failure() -> None:
    # Failed attempts answer 401, and the boundary rolls back 4xx: keep the audit row anyway.
    db_session().commit()


def _after_password(user: User):  # type: ignore[no-untyped-def]
    nxt = safe_next(request.args.get("next"), url_for("home.index"))
    if user.has_two_factor:
        session.clear()
        session["pending_uid"] = user.id
        session["pending_at"] = int(now().timestamp())
        session["pending_next"] = nxt
        return redirect(url_for("accounts.login_totp"))
    _begin(user, two_factor_done=not user.role_enum.requires_two_factor)
    audit.record(db_session(), now(), "login.succeeded", actor_id=user.id, ip=client_ip())
    if user.role_enum.requires_two_factor:
        return redirect(url_for("accounts.enrol_totp"))
    return redirect(nxt)


@bp.route("/login/totp", methods=["GET", "POST"])
@limiter.limit(_per_ip, methods=["POST"], deduct_when=_failed)
@limiter.limit(_per_account, key_func=_pending_key, methods=["POST"], deduct_when=_failed)
def login_totp():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    uid = session.get("pending_uid")
    started = session.get("pending_at", 0)
    if not isinstance(uid, int) or now().timestamp() - started > PENDING_2FA_SECONDS:
        session.clear()
        flash(_("Please sign in again."), "info")
        return redirect(url_for("accounts.login"))
    user = db_session().get(User, uid)
    if user is None or user.is_disabled:
        session.clear()
        return redirect(url_for("accounts.login"))
    form = forms.TotpForm()
    status = 200
    if form.validate_on_submit():
        if services.verify_totp(db_session(), now(), user, form.code.data):
            nxt = session.get("pending_next") or url_for("home.index")
            _begin(user, two_factor_done=True)
            audit.record(db_session(), now(), "login.succeeded", actor_id=user.id, ip=client_ip())
            return redirect(safe_next(nxt, url_for("home.index")))
        audit.record(
            db_session(),
            now(),
            "login.failed",
            actor_id=user.id,
            ip=client_ip(),
            details={"stage": "totp"},
        )
        _commit_failure()
        flash(_("That code did not work. Codes work once; wait for the next one."), "error")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("accounts/totp.html", form=form), status


@bp.get("/api/csrf-token")
@login_required
def fresh_csrf_token():  # type: ignore[no-untyped-def]
    """This session's CSRF token, for a page whose own copy is out of date (a guide the service
    worker kept from an earlier session): its script asks here once and sends again."""
    return jsonify({"token": generate_csrf()})


@bp.route("/logout", methods=["POST"])
def logout():  # type: ignore[no-untyped-def]
    token = session.get("sid")
    if isinstance(token, str):
        services.end_session(db_session(), now(), token)
        if current_user.is_authenticated:
            audit.record(db_session(), now(), "logout", actor_id=current_user.id, ip=client_ip())
    session.clear()
    response = make_response(redirect(url_for("accounts.login")))
    # The browser's HTTP cache goes. Not "storage": it would also unregister the service worker
    # and wipe its app shell (the app would no longer open without signal) and the queue of
    # unsent consult requests. The worker drops what it kept for this user itself (the guides
    # and the stored CSRF token) when it sees this POST; see static/sw-cache.js.
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


@bp.route("/account/2fa/setup", methods=["GET", "POST"])
@login_required
def enrol_totp():  # type: ignore[no-untyped-def]
    user: User = current_user
    record = g.get("user_session")
    if user.has_two_factor and record is not None and record.two_factor_done:
        flash(_("Two-factor authentication is already on."), "info")
        return redirect(url_for("accounts.settings"))
    secret = session.get("enrol_secret")
    if not isinstance(secret, str):
        secret = totp.new_secret()
        session["enrol_secret"] = secret
    form = forms.EnrolForm()
    status = 200
    if form.validate_on_submit():
        codes = services.enable_totp(db_session(), now(), user, secret, form.code.data, client_ip())
        if codes is not None:
            session.pop("enrol_secret", None)
            if record is not None:
                record.two_factor_done = True
            return render_template("accounts/recovery_codes.html", codes=codes)
        flash(_("That code did not match. Check the time on your phone and try again."), "error")
        status = 400
    uri = totp.provisioning_uri(secret, user.email)
    return (
        render_template(
            "accounts/enrol.html",
            form=form,
            qr=totp.qr_svg(uri),
            secret=secret,
            required=user.role_enum.requires_two_factor,
        ),
        status,
    )


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invite(token: str):  # type: ignore[no-untyped-def]
    if len(token) > 100:
        abort(404)
    invitation = services.open_invitation(db_session(), now(), token)
    if invitation is None:
        return render_template("accounts/invite_invalid.html"), 410
    form = forms.SetPasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(
                db_session(), now(), token, form.password.data, client_ip()
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


@bp.route("/account/settings", methods=["GET", "POST"])
@login_required
def settings():  # type: ignore[no-untyped-def]
    user: User = current_user
    prefs = forms.PreferencesForm(
        languages=current_app.config["LANGUAGES"],
        locale=user.locale,
        timezone=user.timezone,
        prefix="prefs",
    )
    pw = forms.ChangePasswordForm(prefix="pw")
    status = 200
    if request.method == "POST":
        if "prefs-submit" in request.form:
            if prefs.validate():
                user.locale = prefs.locale.data
                user.timezone = prefs.timezone.data
                flash(_("Saved."), "success")
                return redirect(url_for("accounts.settings"))
            status = 400
        elif "pw-submit" in request.form:
            if pw.validate():
                try:
                    services.change_password(
                        db_session(), now(), user, pw.current.data, pw.password.data, client_ip()
                    )
                except services.AccountError as err:
                    flash(str(err), "error")
                    status = 400
                else:
                    flash(_("Password changed."), "success")
                    return redirect(url_for("accounts.settings"))
            else:
                status = 400
        else:
            status = 400
    return (
        render_template(
            "accounts/settings.html", prefs=prefs, pw=pw, optional_2fa=user.role == Role.MENTOR
        ),
        status,
    )
