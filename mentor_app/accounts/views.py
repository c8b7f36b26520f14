"""Sign in, the second step, sign out, and the user's own settings.

Two-factor enrolment is in enrolment.py, invitations in invitation_views.py (same blueprint).
"""

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
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from mentor_app.accounts import devices, forms, lockout, passwords, services
from mentor_app.accounts.models import Role, User
from mentor_app.audit import services as audit
from mentor_app.db import db_session
from mentor_app.extensions import limiter
from mentor_app.web import client_ip, now, safe_next

bp = Blueprint("accounts", __name__)

BAD_LOGIN = _l("E-mail or password is not right.")
PENDING_2FA_SECONDS = 300


# --- limits: per address, and per account unless this browser signed in as it before ----------


def _failed(response) -> bool:  # type: ignore[no-untyped-def]
    return response.status_code == 401


def per_account() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


def per_ip() -> str:
    return current_app.config["LOGIN_LIMIT_PER_IP"]


def _account_key() -> str:
    email = services.normalise_email(request.form.get("email", ""))[:254]
    if "login_user" not in g:
        g.login_user = services.find_user_by_email(db_session(), email) if email else None
    device = devices.known_device(g.login_user.id if g.login_user else None)
    return f"login-device:{device}" if device else f"login-account:{email}"


def _pending_key() -> str:
    uid = session.get("pending_uid")
    device = devices.known_device(uid if isinstance(uid, int) else None)
    return f"totp-device:{device}" if device else f"totp-account:{uid if uid else '-'}"


def lock_policy() -> lockout.LockPolicy:
    return lockout.LockPolicy.from_config(current_app.config)


def locked_message() -> str:
    hours = lock_policy().hours
    return ngettext(
        "Too many wrong codes: signing in with a code is locked for %(num)d hour, or until a "
        "coordinator unlocks it. We sent you an e-mail.",
        "Too many wrong codes: signing in with a code is locked for %(num)d hours, or until a "
        "coordinator unlocks it. We sent you an e-mail.",
        hours,
    )


# --- sign in ----------------------------------------------------------------------------------


def _begin(user: User, two_factor_done: bool) -> None:
    """A fresh session: nothing of the anonymous one survives (no fixation)."""
    session.clear()
    session["sid"] = services.start_session(db_session(), now(), user, two_factor_done)
    session.permanent = False
    if two_factor_done:
        devices.remember(user.id)
    # Put a new CSRF token in this response's cookie. Otherwise the first pages after sign-in
    # (the page itself and the service worker's precache, in parallel) each mint their own
    # token and the last cookie wins, so the page's token no longer matches: a 400 on the
    # mentor's first tap. The sign-in form already made a token for this request and keeps it
    # in `g` (for the old session); without dropping it, generate_csrf() would store nothing.
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    generate_csrf()


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(per_ip, methods=["POST"], deduct_when=_failed)
@limiter.limit(per_account, key_func=_account_key, methods=["POST"], deduct_when=_failed)
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
        commit_failure()
        flash(str(BAD_LOGIN), "error")
        status = 401
    elif request.method == "POST":
        status = 400
    if g.get("session_expired"):
        flash(_("You were signed out. Please sign in again."), "info")
    return render_template("accounts/login.html", form=form), status


def commit_failure() -> None:
    # Failed attempts answer 4xx, and the boundary rolls back 4xx: keep the audit row anyway.
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
@limiter.limit(per_ip, methods=["POST"], deduct_when=_failed)
@limiter.limit(per_account, key_func=_pending_key, methods=["POST"], deduct_when=_failed)
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
        check = lockout.second_factor(
            db_session(), now(), user, form.code.data, lock_policy(), client_ip()
        )
        if check is lockout.Check.OK:
            nxt = session.get("pending_next") or url_for("home.index")
            _begin(user, two_factor_done=True)
            audit.record(db_session(), now(), "login.succeeded", actor_id=user.id, ip=client_ip())
            return redirect(safe_next(nxt, url_for("home.index")))
        stage = "totp_locked" if check is lockout.Check.LOCKED else "totp"
        audit.record(
            db_session(),
            now(),
            "login.failed",
            actor_id=user.id,
            ip=client_ip(),
            details={"stage": stage},
        )
        commit_failure()
        if check is lockout.Check.LOCKED:
            flash(locked_message(), "error")
            status = 403
        else:
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


# --- settings ---------------------------------------------------------------------------------


def _settings_key() -> str:
    return f"password-check:{current_user.get_id()}"


def _not_a_password_check() -> bool:
    return "pw-submit" not in request.form


def _password_check_failed(_response) -> bool:  # type: ignore[no-untyped-def]
    return bool(g.get("password_check_failed"))


@bp.route("/account/settings", methods=["GET", "POST"])
@login_required
# The current-password check is a sign-in in disguise: the same per-account limit, audited.
@limiter.limit(
    per_account,
    key_func=_settings_key,
    methods=["POST"],
    deduct_when=_password_check_failed,
    exempt_when=_not_a_password_check,
)
def settings():  # type: ignore[no-untyped-def]
    user: User = current_user
    prefs = forms.PreferencesForm(
        languages=current_app.config["LANGUAGES"],
        locale=user.locale,
        timezone=user.timezone,
        prefix="prefs",
    )
    pw = forms.ChangePasswordForm(prefix="pw")
    phone = forms.PhoneForm(prefix="phone", phone=user.phone) if _may_have_phone(user) else None
    status = 200
    if request.method == "POST":
        if phone is not None and "phone-submit" in request.form:
            if phone.validate():
                user.phone = (phone.phone.data or "").strip() or None
                flash(_("Saved."), "success")
                return redirect(url_for("accounts.settings"))
            status = 400
        elif "prefs-submit" in request.form:
            if prefs.validate():
                user.locale = prefs.locale.data
                user.timezone = prefs.timezone.data
                flash(_("Saved."), "success")
                return redirect(url_for("accounts.settings"))
            status = 400
        elif "pw-submit" in request.form:
            if pw.validate():
                return _change_password(user, pw) or _settings_page(prefs, pw, 400, phone)
            status = 400
        else:
            status = 400
    return _settings_page(prefs, pw, status, phone)


def _may_have_phone(user: User) -> bool:
    """Consultants and coordinators may leave a number for colleagues; mentors are reached
    through their consults (a call-back number per request)."""
    return user.role != Role.MENTOR


def _settings_page(prefs, pw, status: int, phone=None):  # type: ignore[no-untyped-def]
    return (
        render_template(
            "accounts/settings.html",
            prefs=prefs,
            pw=pw,
            phone=phone,
            optional_2fa=current_user.role == Role.MENTOR,
            action_form=forms.ActionForm(),
        ),
        status,
    )


def _change_password(user: User, pw: forms.ChangePasswordForm):  # type: ignore[no-untyped-def]
    try:
        services.change_password(
            db_session(),
            now(),
            user,
            pw.current.data,
            pw.password.data,
            client_ip(),
            keep=g.get("user_session"),
        )
    except services.WrongPassword as err:
        g.password_check_failed = True
        commit_failure()
        flash(str(err), "error")
        return None
    except services.AccountError as err:
        flash(str(err), "error")
        return None
    flash(_("Password changed. You were signed out on every other device."), "success")
    return redirect(url_for("accounts.settings"))


@bp.post("/account/sessions/sign-out-others")
@login_required
def sign_out_others():  # type: ignore[no-untyped-def]
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    ended = services.sign_out_others(
        db_session(), now(), current_user, g.get("user_session"), client_ip()
    )
    flash(
        ngettext(
            "You were signed out on %(num)d other device.",
            "You were signed out on %(num)d other devices.",
            ended,
        )
        if ended
        else _("You were not signed in on any other device."),
        "success",
    )
    return redirect(url_for("accounts.settings"))
