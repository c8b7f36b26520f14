"""Pool forms. Each field has a type and a length; the services check the rules again."""

from __future__ import annotations

from datetime import time

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from mentor_app.pool import vetting
from mentor_app.pool.policy import END_OF_DAY
from mentor_app.pool.validation import MAX_BIO, MAX_OPEN_LIMIT, MAX_REST_MINUTES, MAX_SOFT_CAP
from mentor_app.validation import DateField, DateTimeLocalField

WEEKDAY_NAMES = [
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
]


def _quarter_hours(first: int, last: int) -> list[tuple[str, str]]:
    values = []
    for minutes in range(first, last + 1, 15):
        label = f"{minutes // 60:02d}:{minutes % 60:02d}"
        values.append((label, label))
    return values


START_CHOICES = _quarter_hours(0, 24 * 60 - 15)
END_CHOICES = _quarter_hours(15, 24 * 60)


def parse_clock(value: str) -> time:
    """ "HH:MM" from the choices above; "24:00" is the end of the day."""
    if value == "24:00":
        return END_OF_DAY
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def clock_label(value: time | None) -> str:
    if value is None:
        return ""
    return "24:00" if value == END_OF_DAY else f"{value:%H:%M}"


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def split_list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").replace(";", ",").split(",") if part.strip()]


class PracticalForm(FlaskForm):
    languages = StringField(
        _l("Languages you can consult in"),
        validators=[InputRequired(), Length(max=100)],
        description=_l("Two- or three-letter codes separated by commas, e.g. sv, en, ar."),
    )
    expertise = MultiCheckboxField(_l("Expertise"), choices=[], validate_choice=True)
    regions = StringField(
        _l("Regions you know well"),
        validators=[Optional(), Length(max=300)],
        description=_l("Separated by commas, e.g. Stockholm, Uppsala."),
    )
    timezone = SelectField(_l("Time zone of your shifts"), validators=[InputRequired()])
    bio = TextAreaField(
        _l("Short bio (shown to a mentor after you accept)"),
        validators=[Optional(), Length(max=MAX_BIO)],
    )
    quiet_from = TimeField(_l("Quiet hours from"), validators=[Optional()])
    quiet_until = TimeField(_l("Quiet hours until"), validators=[Optional()])
    rest_minutes_after_urgent = IntegerField(
        _l("Rest after an urgent consult (minutes)"),
        validators=[Optional(), NumberRange(0, MAX_REST_MINUTES)],
    )
    takes_clients = BooleanField(_l("I can take on clients for sessions or therapy"))
    submit = SubmitField(_l("Save profile"))


class CredentialSubmissionForm(FlaskForm):
    profession = StringField(_l("Profession"), validators=[InputRequired(), Length(max=80)])
    credential_register = StringField(
        _l("Register your credential is in"), validators=[InputRequired(), Length(max=80)]
    )
    credential_number = StringField(
        _l("Registration number"), validators=[InputRequired(), Length(max=40)]
    )
    submit = SubmitField(_l("Save credential"))


class CredentialForm(FlaskForm):
    profession = StringField(_l("Profession"), validators=[Optional(), Length(max=80)])
    credential_register = StringField(_l("Register"), validators=[Optional(), Length(max=80)])
    credential_number = StringField(
        _l("Registration number"), validators=[Optional(), Length(max=40)]
    )
    credential_verified_on = DateField(_l("Verified on"), validators=[Optional()])
    credential_expires_on = DateField(_l("Expires on"), validators=[Optional()])
    training_completed_on = DateField(_l("Training completed on"), validators=[Optional()])
    submit = SubmitField(_l("Record credential"))


class LimitsForm(FlaskForm):
    open_consult_limit = IntegerField(
        _l("Open consults at once"), validators=[InputRequired(), NumberRange(0, MAX_OPEN_LIMIT)]
    )
    monthly_soft_cap = IntegerField(
        _l("Monthly soft cap (consults)"), validators=[Optional(), NumberRange(1, MAX_SOFT_CAP)]
    )
    rest_minutes_after_urgent = IntegerField(
        _l("Rest after an urgent consult (minutes)"),
        validators=[Optional(), NumberRange(0, MAX_REST_MINUTES)],
    )
    submit = SubmitField(_l("Save limits"))


class StateForm(FlaskForm):
    action = SelectField(
        _l("Action"),
        choices=[(a, t.label) for a, t in vetting.TRANSITIONS.items()],
        validators=[InputRequired()],
    )
    reason_code = SelectField(
        _l("Reason"),
        choices=[("", "—"), *vetting.ALL_REASON_LABELS.items()],
        validators=[Optional()],
    )
    note = StringField(_l("Short note (optional)"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Apply"))


class WeeklyShiftForm(FlaskForm):
    weekday = SelectField(
        _l("Day"),
        choices=[(str(i), name) for i, name in enumerate(WEEKDAY_NAMES)],
        validators=[InputRequired()],
    )
    starts = SelectField(_l("From"), choices=START_CHOICES, validators=[InputRequired()])
    ends = SelectField(_l("Until"), choices=END_CHOICES, validators=[InputRequired()])
    submit = SubmitField(_l("Add shift"))


class OverrideForm(FlaskForm):
    kind = SelectField(
        _l("Change"),
        choices=[("cover", _l("Extra cover (on call)")), ("off", _l("Time off"))],
        validators=[InputRequired()],
    )
    starts_at = DateTimeLocalField(
        _l("From"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()]
    )
    ends_at = DateTimeLocalField(_l("Until"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()])
    submit = SubmitField(_l("Add change"))


class HolidayForm(FlaskForm):
    starts_on = DateField(_l("First day away"), validators=[InputRequired()])
    ends_on = DateField(_l("Last day away"), validators=[InputRequired()])
    label = StringField(_l("Label (optional)"), validators=[Optional(), Length(max=80)])
    submit = SubmitField(_l("Add holiday"))


class AvailabilityForm(FlaskForm):
    action = SelectField(
        choices=[("on", "on"), ("off", "off"), ("pause", "pause"), ("resume", "resume")],
        validators=[InputRequired()],
    )
    hours = SelectField(
        _l("How many hours"),
        choices=[
            (str(h), lazy_ngettext("for %(num)s hour", "for %(num)s hours", h))
            for h in range(1, 25)
        ],
        validators=[Optional()],
        default="2",
    )


class TagForm(FlaskForm):
    tag = StringField(_l("Tag"), validators=[InputRequired(), Length(max=40)])
    label = StringField(_l("Label"), validators=[InputRequired(), Length(max=80)])
    submit = SubmitField(_l("Add tag"))


class LabelForm(FlaskForm):
    label = StringField(_l("Label"), validators=[InputRequired(), Length(max=80)])
    submit = SubmitField(_l("Rename"))


class ExportForm(FlaskForm):
    include_contact = BooleanField(_l("Include e-mail addresses (recorded in the audit log)"))
    submit = SubmitField(_l("Download CSV"))


class ActionForm(FlaskForm):
    """A bare form for one-button POST actions (CSRF only)."""

    submit = SubmitField()
