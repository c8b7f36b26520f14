"""Forms of the notifications section in Settings (WTForms adds the CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.validators import InputRequired


class ActionForm(FlaskForm):
    """A one-button action: the CSRF token is all it takes."""


class EmailFallbackForm(FlaskForm):
    # A required choice, not a checkbox: an empty post must not quietly switch it off.
    email_fallback = RadioField(
        _l("When notifications cannot reach any of my devices"),
        choices=[("on", _l("Send me an e-mail instead")), ("off", _l("Do not e-mail me"))],
        validators=[InputRequired()],
    )
