"""Account forms. Every field has a length limit; WTForms adds the CSRF token."""

from __future__ import annotations

from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError

from mentor_app.accounts.models import ROLE_VALUES
from mentor_app.accounts.passwords import MAX_LENGTH
from mentor_app.consults.vocab import PHONE_RE

# A plain shape check: an invitation e-mail is read by a person before anyone relies on it.
EMAIL_SHAPE = Regexp(
    r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$", message=_l("Enter a valid e-mail address.")
)

ROLE_CHOICES = [(r, r.capitalize()) for r in ROLE_VALUES]


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[InputRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=MAX_LENGTH)])
    submit = SubmitField(_l("Sign in"))


class TotpForm(FlaskForm):
    code = StringField(
        _l("Code from your authenticator app, or a recovery code"),
        validators=[InputRequired(), Length(max=32)],
        # Digits first (the phone shows its number pad); a recovery code has letters, so the
        # page offers a switch to a full keyboard (static/js/code-field.js).
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True},
    )
    submit = SubmitField(_l("Verify"))


class EnrolForm(FlaskForm):
    code = StringField(
        _l("6-digit code"),
        validators=[InputRequired(), Length(min=6, max=8)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    submit = SubmitField(_l("Turn on two-factor"))


class ReauthForm(FlaskForm):
    """Proving it is still you before replacing two-factor: password and a current code."""

    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    code = StringField(
        _l("Code from your authenticator app, or a recovery code"),
        validators=[InputRequired(), Length(max=32)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    submit = SubmitField(_l("Continue"))


class OpenInvitationForm(FlaskForm):
    """The invitation's code, which the page's script takes from the link's #fragment (the
    fragment never reaches a server or a log); without script it can be pasted."""

    token = StringField(
        _l("Invitation code"),
        validators=[InputRequired(), Length(max=100)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Open the invitation"))


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password (at least 12 characters)"),
        validators=[InputRequired(), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat it"),
        validators=[InputRequired(), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Set password"))

    def validate_confirm(self, field: PasswordField) -> None:
        if field.data != self.password.data:
            raise ValidationError(_l("The two passwords differ."))


class ChangePasswordForm(SetPasswordForm):
    current = PasswordField(
        _l("Current password"),
        validators=[InputRequired(), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[InputRequired(), Length(max=254), EMAIL_SHAPE])
    display_name = StringField(_l("Name"), validators=[InputRequired(), Length(min=1, max=80)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, validators=[InputRequired()])
    submit = SubmitField(_l("Create invitation"))


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, validators=[InputRequired()])
    submit = SubmitField(_l("Change role"))


class ActionForm(FlaskForm):
    """A bare form for one-button POST actions (CSRF only)."""

    submit = SubmitField()


def _timezone_choices() -> list[tuple[str, str]]:
    zones = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))
    return [("UTC", "UTC"), *((z, z.replace("_", " ")) for z in zones)]


class PreferencesForm(FlaskForm):
    locale = SelectField(_l("Language"), validators=[InputRequired()])
    timezone = SelectField(_l("Time zone"), validators=[InputRequired()])
    submit = SubmitField(_l("Save"))

    def __init__(self, *args: object, languages: dict[str, str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.locale.choices = list(languages.items())
        self.timezone.choices = _timezone_choices()


class PhoneForm(FlaskForm):
    """Consultants and coordinators: a number colleagues can call (optional)."""

    phone = StringField(
        _l("Phone number (optional)"),
        validators=[
            Optional(),
            Length(max=24),
            Regexp(PHONE_RE, message=_l("Enter the number with digits (a leading + is fine).")),
        ],
        render_kw={"inputmode": "tel", "autocomplete": "tel", "type": "tel"},
    )
    submit = SubmitField(_l("Save number"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("E-mail"),
        validators=[InputRequired(), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )
    submit = SubmitField(_l("Send me a link"))


class OpenResetForm(FlaskForm):
    """The reset link's code, taken from the #fragment by the page's script (or pasted)."""

    token = StringField(
        _l("Code from the link"),
        validators=[InputRequired(), Length(max=100)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Open the link"))
