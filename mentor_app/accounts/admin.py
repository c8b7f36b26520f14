"""Coordinators manage accounts: invite, change role, disable, sign out everywhere."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from mentor_app.accounts import forms, lockout, recovery, services
from mentor_app.accounts.models import ROLE_VALUES, Invitation, User
from mentor_app.db import db_session
from mentor_app.security import roles_required
from mentor_app.web import client_ip, external_url, now

bp = Blueprint("users_admin", __name__, url_prefix="/admin/users")


def _user_or_404(user_id: int) -> User:
    user = db_session().get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.get("/")
@roles_required("coordinator")
def index():  # type: ignore[no-untyped-def]
    users = db_session().scalars(select(User).order_by(User.role, User.display_name)).all()
    invitations = (
        db_session()
        .scalars(
            select(Invitation)
            .where(Invitation.used_at.is_(None), Invitation.revoked_at.is_(None))
            .where(Invitation.expires_at > now())
            .order_by(Invitation.created_at.desc())
        )
        .all()
    )
    return render_template("accounts/admin_users.html", users=users, invitations=invitations)


@bp.route("/invite", methods=["GET", "POST"])
@roles_required("coordinator")
def invite():  # type: ignore[no-untyped-def]
    # "Invite a consultant" (the pool page) opens this form with the role already chosen.
    preset = request.args.get("role")
    form = forms.InviteForm(role=preset if preset in ROLE_VALUES else None)
    status = 200
    if form.validate_on_submit():
        try:
            invitation, token = services.invite(
                db_session(),
                now(),
                inviter=current_user,
                email=form.email.data,
                display_name=form.display_name.data,
                role=form.role.data,
                ttl=current_app.config["INVITE_TTL"],
                ip=client_ip(),
            )
        except services.AccountError as err:
            flash(str(err), "error")
            status = 400
        else:
            # The token travels after "#": never to a server, so never into a log.
            link = external_url(url_for("accounts.invitation")) + "#" + token
            return render_template("accounts/invite_created.html", invitation=invitation, link=link)
    elif form.is_submitted():
        status = 400
    return render_template("accounts/admin_invite.html", form=form), status


@bp.get("/<int:user_id>")
@roles_required("coordinator")
def detail(user_id: int):  # type: ignore[no-untyped-def]
    user = _user_or_404(user_id)
    return render_template(
        "accounts/admin_user.html",
        user=user,
        two_factor_locked=lockout.locked(user, now()),
        role_form=forms.RoleForm(role=user.role),
        action_form=forms.ActionForm(),
    )


@bp.post("/<int:user_id>/role")
@roles_required("coordinator")
def change_role(user_id: int):  # type: ignore[no-untyped-def]
    user = _user_or_404(user_id)
    form = forms.RoleForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.change_role(db_session(), now(), current_user, user, form.role.data, client_ip())
    except services.AccountError as err:
        flash(str(err), "error")
        return redirect(url_for(".detail", user_id=user.id)), 303
    flash(_("Role changed; the user must sign in again."), "success")
    return redirect(url_for(".detail", user_id=user.id))


@bp.post("/<int:user_id>/sign-out-everywhere")
@roles_required("coordinator")
def sign_out_everywhere(user_id: int):  # type: ignore[no-untyped-def]
    user = _user_or_404(user_id)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    services.sign_out_everywhere(db_session(), now(), current_user, user, client_ip())
    flash(_("Every session of this user has ended."), "success")
    return redirect(url_for(".detail", user_id=user.id))


@bp.post("/<int:user_id>/unlock-two-factor")
@roles_required("coordinator")
def unlock_two_factor(user_id: int):  # type: ignore[no-untyped-def]
    user = _user_or_404(user_id)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    lockout.unlock(db_session(), now(), current_user, user, client_ip())
    flash(_("Two-factor sign-in is unlocked for this user."), "success")
    return redirect(url_for(".detail", user_id=user.id))


@bp.post("/<int:user_id>/reset-two-factor")
@roles_required("coordinator")
def reset_two_factor(user_id: int):  # type: ignore[no-untyped-def]
    user = _user_or_404(user_id)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    try:
        recovery.reset_two_factor(db_session(), now(), current_user, user, client_ip())
    except services.AccountError as err:
        flash(str(err), "error")
        return redirect(url_for(".detail", user_id=user.id)), 303
    flash(_("Two-factor is reset; the user sets it up again at the next sign-in."), "success")
    return redirect(url_for(".detail", user_id=user.id))


@bp.post("/<int:user_id>/password-reset")
@roles_required("coordinator")
def send_password_reset(user_id: int):  # type: ignore[no-untyped-def]
    user = _user_or_404(user_id)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    if user.is_disabled:
        flash(_("This account is disabled: enable it first."), "error")
        return redirect(url_for(".detail", user_id=user.id)), 303
    recovery.send_reset_link(
        db_session(),
        now(),
        user,
        current_app.config["PASSWORD_RESET_TTL"],
        actor=current_user,
        ip=client_ip(),
    )
    flash(_("A password-reset link is on its way to the user's e-mail address."), "success")
    return redirect(url_for(".detail", user_id=user.id))


@bp.post("/<int:user_id>/disable")
@roles_required("coordinator")
def disable(user_id: int):  # type: ignore[no-untyped-def]
    return _set_disabled(user_id, True)


@bp.post("/<int:user_id>/enable")
@roles_required("coordinator")
def enable(user_id: int):  # type: ignore[no-untyped-def]
    return _set_disabled(user_id, False)


def _set_disabled(user_id: int, disabled: bool):  # type: ignore[no-untyped-def]
    user = _user_or_404(user_id)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    try:
        services.set_disabled(db_session(), now(), current_user, user, disabled, client_ip())
    except services.AccountError as err:
        flash(str(err), "error")
    return redirect(url_for(".detail", user_id=user.id))
