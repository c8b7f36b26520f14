"""Home: what each role needs first when the app opens."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

bp = Blueprint("home", __name__)


@bp.get("/")
def index():  # type: ignore[no-untyped-def]
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    return _home()


@login_required
def _home():  # type: ignore[no-untyped-def]
    return render_template(f"home/{current_user.role}.html")
