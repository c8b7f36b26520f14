"""Guide forms. Every field has a limit; the guide text itself is checked by editing.py."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import AnyOf, InputRequired, Length, Optional, Regexp

from mentor_app.playbooks import policy
from mentor_app.validation import DateField


class FeedbackForm(FlaskForm):
    comment = TextAreaField(
        _l("Anything to add? (optional, no names or case details)"),
        validators=[Optional(), Length(max=policy.COMMENT_MAX)],
        render_kw={"maxlength": policy.COMMENT_MAX, "rows": 3},
    )
    # Sent by one of two buttons (name="helpful", value yes/no): one tap answers.
    helpful = StringField(validators=[InputRequired(), AnyOf(["yes", "no"])])


class GuideTextForm(FlaskForm):
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=policy.TITLE_MAX)])
    short_title = StringField(
        _l("Short title for small screens (optional)"),
        validators=[Optional(), Length(max=policy.SHORT_TITLE_MAX)],
    )
    subtitle = StringField(
        _l("Subtitle (optional)"),
        validators=[Optional(), Length(max=policy.SUBTITLE_MAX)],
    )
    summary = StringField(
        _l("One-line summary"), validators=[InputRequired(), Length(max=policy.SUMMARY_MAX)]
    )
    tags = StringField(_l("Tags, separated by commas"), validators=[Optional(), Length(max=600)])
    synonyms = StringField(
        _l("Words people search for, separated by commas"),
        validators=[Optional(), Length(max=2000)],
    )
    body = TextAreaField(
        _l("Text (Markdown, the nine sections)"),
        validators=[InputRequired(), Length(max=policy.BODY_MAX)],
        render_kw={"rows": 24, "spellcheck": "true", "data-guide-source": True},
    )
    note = StringField(
        _l("What changed, in one line (shown to readers who read the older version)"),
        validators=[Optional(), Length(max=policy.NOTE_MAX)],
    )
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save draft"))
    submit_review = SubmitField(_l("Save and hand in for review"))


class NewGuideForm(GuideTextForm):
    slug = StringField(
        _l("Address (lower-case words with hyphens, e.g. sudden-move)"),
        validators=[
            InputRequired(),
            Length(max=policy.SLUG_MAX),
            Regexp(policy.SLUG_RE.pattern, message=_l("Use lower-case words with hyphens.")),
        ],
    )
    kind = SelectField(
        _l("Kind"),
        choices=[(k, policy.KIND_LABELS[k]) for k in policy.KINDS],
        validators=[InputRequired()],
    )
    topic = StringField(
        _l("Topic (one or two words)"),
        validators=[InputRequired(), Length(max=policy.TOPIC_MAX)],
    )


class ActionForm(FlaskForm):
    """A one-button step (submit, publish, …): the CSRF token is all it takes."""


class ReviewDateForm(FlaskForm):
    review_on = DateField(_l("Review by"), validators=[InputRequired()])
    submit = SubmitField(_l("Set review date"))
