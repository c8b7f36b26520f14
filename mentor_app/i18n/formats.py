"""Dates and times as the reader's locale writes them, on the reader's clock (Babel's CLDR data).

`format_when`: a date with its time, as people read them in a list or a detail line: the
locale's medium date and short time, joined as the locale joins them:
"Nov 29, 2026, 1:49 PM" (en), "29 nov. 2026 13:49" (sv), "29.11.2026, 13:49" (de).
`format_day_time`: weekday, day and month with a 24-hour time, for shifts and on-call hours, in
the order and punctuation of each locale: "Sun, Nov 29, 13:49", "sön 29 nov. 13:49",
"So., 29. Nov., 13:49". `format_skeleton`: any CLDR skeleton ("Hm": 24-hour time).
Both convert an aware UTC instant into the viewer's zone (flask_babel's timezone selector) once,
here, at the edge.
"""

from __future__ import annotations

from datetime import datetime

from babel import Locale
from babel.dates import format_skeleton as _babel_skeleton
from babel.dates import get_datetime_format
from flask import Flask
from flask_babel import format_date, format_time, get_locale, get_timezone


def _locale() -> Locale:
    return get_locale() or Locale.parse("en")


def format_when(value: datetime | None) -> str:
    """An aware instant as date (medium) and time (short) in the viewer's zone; "" for None."""
    if value is None:
        return ""
    pattern = get_datetime_format("medium", locale=_locale())
    return pattern.replace("{1}", format_date(value, "medium")).replace(
        "{0}", format_time(value, "short")
    )


def format_skeleton(value: datetime | None, skeleton: str) -> str:
    """An aware instant through a CLDR skeleton ("Hm", "MMMEd") in the viewer's locale and
    zone; a skeleton the locale lacks is matched to its nearest one."""
    if value is None:
        return ""
    return _babel_skeleton(skeleton, value, tzinfo=get_timezone(), fuzzy=True, locale=_locale())


def format_day_time(value: datetime | None) -> str:
    """Weekday, day, month and 24-hour time in the viewer's locale and zone; "" for None."""
    if value is None:
        return ""
    pattern = get_datetime_format("medium", locale=_locale())
    return pattern.replace("{1}", format_skeleton(value, "MMMEd")).replace(
        "{0}", format_skeleton(value, "Hm")
    )


def init_app(app: Flask) -> None:
    from mentor_app.audit.labels import action_label
    from mentor_app.i18n.render import guide_title, role_word, shown_title, topic_word

    app.add_template_filter(topic_word, "topic_word")
    app.add_template_filter(shown_title, "shown_title")
    app.add_template_filter(guide_title, "guide_word")
    app.add_template_filter(role_word, "role_word")
    app.add_template_filter(action_label, "action_label")
    app.jinja_env.globals.update(
        format_when=format_when, format_day_time=format_day_time, format_skeleton=format_skeleton
    )
