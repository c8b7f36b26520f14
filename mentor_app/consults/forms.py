"""HTML forms of the consult pages. Every field has a type and a size limit; WTForms adds the
CSRF token. The JSON API validates the same fields itself (api.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

from mentor_app.consults.vocab import (
    DECLINE_REASONS,
    EXCLUSION_REASONS,
    MESSAGE_MAX,
    NOTE_MAX,
    OUTCOME_LABELS,
    REGION_MAX,
    URGENCY_HINTS,
    URGENCY_LABELS,
)
from mentor_app.validation import MAX_URL_ID, DateField

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


class StartForm(FlaskForm):
    """The no-JavaScript one-tap: the page carries a key the server made for this visit."""

    client_key = HiddenField(validators=[InputRequired(), Regexp(UUID_PATTERN)])
    topic = HiddenField(validators=[Optional(), Length(max=80)])
    submit = SubmitField(_l("Ask a psychologist now"))


def urgency_choices() -> list[tuple[str, str]]:
    return [(u, f"{URGENCY_LABELS[u]} — {URGENCY_HINTS[u]}") for u in URGENCY_LABELS]


class DetailsForm(FlaskForm):
    urgency = RadioField(_l("How soon do you need advice?"), validators=[InputRequired()])
    # Optional: a client that does not send it (an older page) leaves the topic as it is.
    topic = SelectField(_l("Topic"), validators=[Optional()])
    case_code = SelectField(_l("Case"), validators=[Optional()], validate_choice=True)
    language = SelectField(_l("Language for the consult"), validators=[InputRequired()])
    note = TextAreaField(
        _l("Short note (no names)"),
        validators=[Optional(), Length(max=NOTE_MAX)],
        render_kw={"maxlength": NOTE_MAX, "rows": 4},
    )
    callback_requested = BooleanField(_l("Please call me back"))
    callback_number = StringField(
        _l("Number to call"),
        validators=[Optional(), Length(max=24)],
        render_kw={"inputmode": "tel", "autocomplete": "tel", "type": "tel"},
    )
    submit = SubmitField(_l("Save details"))


class NoteOnlyForm(FlaskForm):
    """Once accepted, the mentor can still correct the note and the call-back."""

    note = TextAreaField(
        _l("Short note (no names)"),
        validators=[Optional(), Length(max=NOTE_MAX)],
        render_kw={"maxlength": NOTE_MAX, "rows": 3},
    )
    callback_requested = BooleanField(_l("Please call me back"))
    callback_number = StringField(
        _l("Number to call"),
        validators=[Optional(), Length(max=24)],
        render_kw={"inputmode": "tel", "autocomplete": "tel", "type": "tel"},
    )
    submit = SubmitField(_l("Save"))


class ActionForm(FlaskForm):
    """One-button actions (accept, cancel, hand back): the CSRF token is all they carry."""


class DeclineForm(FlaskForm):
    reason = SelectField(
        _l("Reason (optional)"),
        choices=[("", "—"), *[(k, v) for k, v in DECLINE_REASONS.items()]],
        validators=[Optional()],
    )
    decline_case = BooleanField(_l("Don't send me requests about this case again"))
    submit = SubmitField(_l("Decline"))


class MessageForm(FlaskForm):
    body = TextAreaField(
        _l("Message"),
        validators=[InputRequired(), Length(max=MESSAGE_MAX)],
        render_kw={"maxlength": MESSAGE_MAX, "rows": 3},
    )
    submit = SubmitField(_l("Send"))


class CloseForm(FlaskForm):
    outcome = RadioField(
        _l("Outcome"),
        choices=[(k, v) for k, v in OUTCOME_LABELS.items()],
        validators=[InputRequired()],
    )
    summary = TextAreaField(
        _l("Short summary for the mentor (no names)"),
        validators=[Optional(), Length(max=1000)],
        render_kw={"maxlength": 1000, "rows": 4},
    )
    client_agreed = SelectField(
        _l("Did the client agree to see you?"),
        choices=[("", "—"), ("yes", _l("Yes")), ("no", _l("No"))],
        validators=[Optional()],
    )
    follow_up_on = DateField(_l("Follow-up date (optional)"), validators=[Optional()])
    submit = SubmitField(_l("Close the consult"))


class RateForm(FlaskForm):
    helpful = RadioField(
        _l("Did this consult help?"),
        choices=[("yes", _l("It helped")), ("no", _l("It didn't help"))],
        validators=[InputRequired(message=_l("Choose whether it helped."))],
    )
    submit = SubmitField(_l("Send"))


class AssignForm(FlaskForm):
    # An id a database column can hold: a larger one would be a 500, not "not found".
    consultant_id = IntegerField(
        _l("Consultant"), validators=[InputRequired(), NumberRange(1, MAX_URL_ID)]
    )
    submit = SubmitField(_l("Offer to this consultant"))


class CaseForm(FlaskForm):
    language = SelectField(_l("Language the client speaks best"), validators=[InputRequired()])
    region = StringField(_l("Region (optional)"), validators=[Optional(), Length(max=REGION_MAX)])
    submit = SubmitField(_l("Create a new case code"))


class ExclusionForm(FlaskForm):
    consultant_id = SelectField(_l("Consultant"), coerce=int, validators=[InputRequired()])
    reason = SelectField(
        _l("Reason"),
        choices=[(k, v) for k, v in EXCLUSION_REASONS.items()],
        validators=[InputRequired()],
    )
    submit = SubmitField(_l("Keep this consultant away from the case"))
