"""The second channel's form in Settings: a channel the operator allows, and an address."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length


class AlertChannelForm(FlaskForm):
    channel = SelectField(_l("Channel"), validators=[InputRequired()])
    address = StringField(
        _l("Your number or handle"),
        validators=[InputRequired(), Length(max=64)],
        description=_l("Only the number or the name you use there, never a web address."),
    )
