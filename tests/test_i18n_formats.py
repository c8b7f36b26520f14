"""Dates and times through Babel, in the reader's locale and on the reader's clock.

A Swedish reader sees "29 nov. 2026 13:49", a German one "29.11.2026, 13:49", whatever the zone;
the hour shown is the hour of the reader's zone, never UTC's; language names are words."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from flask_babel import force_locale
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentor_app.consults.vocab import language_name
from mentor_app.i18n.formats import format_day_time, format_when

ZONES = [
    "Europe/Stockholm",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Australia/Adelaide",
    "Asia/Kathmandu",
    "America/St_Johns",
    "America/Los_Angeles",
    "UTC",
]
SHAPES = {
    "sv": re.compile(r"^(\d{1,2}) [a-zåäö]+\.? (\d{4}) (\d{2}):(\d{2})$"),
    "de": re.compile(r"^(\d{2})\.(\d{2})\.(\d{4}), (\d{2}):(\d{2})$"),
}
instants = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)


class Viewer:
    """Stands in for flask_babel's timezone selector: the zone the test draws."""

    zone = "UTC"


@pytest.fixture
def viewer(app):  # type: ignore[no-untyped-def]
    babel = app.extensions["babel"]
    before = babel.timezone_selector
    babel.timezone_selector = lambda: Viewer.zone
    with app.test_request_context("/"):
        yield Viewer
    babel.timezone_selector = before


def _render(language: str, zone: str, value: datetime, how=format_when) -> str:  # type: ignore[no-untyped-def]
    from flask import g

    Viewer.zone = zone
    g.pop("_flask_babel", None)  # the zone is chosen once per request: forget it
    from flask_babel import refresh

    refresh()
    with force_locale(language):
        return how(value)


def test_the_issue_examples(viewer) -> None:  # type: ignore[no-untyped-def]
    at = datetime(2026, 11, 29, 12, 49, tzinfo=UTC)
    assert _render("sv", "Europe/Stockholm", at) == "29 nov. 2026 13:49"
    assert _render("de", "Europe/Berlin", at) == "29.11.2026, 13:49"
    assert _render("en", "Europe/Stockholm", at) == "Nov 29, 2026, 1:49\u202fPM"
    assert _render("sv", "Europe/Stockholm", at, format_day_time) == "sön 29 nov. 13:49"
    assert _render("de", "Europe/Berlin", at, format_day_time) == "So., 29. Nov., 13:49"


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(at=instants, zone=st.sampled_from(ZONES), language=st.sampled_from(["sv", "de"]))
def test_dates_are_the_readers_local_date_and_24_hour_clock(viewer, at, zone, language) -> None:  # type: ignore[no-untyped-def]
    shown = _render(language, zone, at)
    local = at.astimezone(ZoneInfo(zone))
    match = SHAPES[language].match(shown)
    assert match, f"{shown!r} is not the {language} medium date with a 24-hour time"
    assert shown.endswith(f"{local:%H}:{local:%M}")
    assert str(local.year) in shown and str(local.day) in shown
    assert shown.startswith(format_date(local.date(), "medium", locale=language))


def test_language_names_are_words_in_the_readers_language(app) -> None:  # type: ignore[no-untyped-def]
    with app.test_request_context("/"):
        with force_locale("sv"):
            assert language_name("de") == "tyska"
            assert language_name("prs") == "dari"  # Babel has no name: our own word
        with force_locale("de"):
            assert language_name("sv") == "Schwedisch"
        with force_locale("en"):
            assert language_name("ar") == "Arabic"


@pytest.mark.parametrize(
    ("language", "zone", "expected"),
    [
        ("sv", "Europe/Stockholm", "29 nov. 2026 13:49"),
        ("de", "Europe/Berlin", "29.11.2026, 13:49"),
    ],
)
def test_a_page_shows_the_readers_format_and_clock(actors, db, language, zone, expected) -> None:  # type: ignore[no-untyped-def]
    from mentor_app.accounts.models import User

    client, user_id = actors.signed_in("consultant")
    user = db.get(User, user_id)
    user.locale, user.timezone = language, zone
    user.totp_enabled_at = datetime(2026, 11, 29, 12, 49, 30, tzinfo=UTC)
    db.commit()
    html = client.get("/account/settings").get_data(as_text=True)
    assert expected in html
    assert "12:49" not in html  # never the UTC clock beside the local one


@pytest.mark.parametrize(
    ("language", "share", "minutes"),
    [("en", "25.0%", "12.5 min"), ("sv", "25,0\xa0%", "12,5 min"), ("de", "25,0\xa0%", "12,5 min")],
)
def test_report_numbers_are_in_the_readers_locale(app, language, share, minutes) -> None:  # type: ignore[no-untyped-def]
    from mentor_app.dashboard.report import Cells

    cells = Cells(suppress=False)
    with app.test_request_context("/"), force_locale(language):
        assert cells.percent(10, 40).display == share
        assert cells.percent(10, 40).csv == "25.0"  # the CSV stays machine-readable
        assert str(cells.minutes(750, 40).display) == minutes
