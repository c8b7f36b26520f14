"""Setting a user's language (the session is the caller's; flush, never commit)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from mentor_app.accounts.models import User
from mentor_app.i18n.language import SUPPORTED_LANGUAGES, supported


class LanguageError(ValueError):
    """The requested language is not one the app speaks; the message is safe to show."""


def choose_language(code: object) -> str:
    """`code` exactly as one of SUPPORTED_LANGUAGES; raises LanguageError otherwise."""
    if not isinstance(code, str) or code not in SUPPORTED_LANGUAGES:
        raise LanguageError(_l("Choose English, Svenska or Deutsch."))
    return supported(code) or "en"


def set_user_language(session: Session, now: datetime, user: User, code: object) -> str:
    """Store `code` as the user's language; returns it. `now` is unused today but kept so the
    signature matches every other service (a future audit line would need it)."""
    del now
    language = choose_language(code)
    user.locale = language
    session.flush()
    return language
