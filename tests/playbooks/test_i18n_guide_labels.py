"""Guides and topics in the reader's language (issue 16): titles, topic labels, headings and
jump links on the pages a Swedish or German user saw in English."""

from __future__ import annotations

import re

from flask_babel import force_locale, gettext

from mentor_app.accounts.models import User
from tests.conftest import csrf_from

ENGLISH_TITLE = "After you had to be upfront"
HARM_TOPIC = {"sv": "avsikt att skada", "de": "Gewaltabsicht"}


def signed_in(actors, db, role: str, language: str):  # type: ignore[no-untyped-def]
    client, user_id = actors.signed_in(role)
    db.get(User, user_id).locale = language
    db.commit()
    return client, user_id


def translated(app, language: str, msgid: str) -> str:  # type: ignore[no-untyped-def]
    with app.test_request_context("/"), force_locale(language):
        return gettext(msgid)


def test_topics_show_their_translated_label(app, library, actors) -> None:  # type: ignore[no-untyped-def]
    for language in ("sv", "de"):  # one library for both: seeding it is the slow part
        topics_in(app, library, actors, language)


def topics_in(app, library, actors, language: str) -> None:  # type: ignore[no-untyped-def]
    mentor, _ = signed_in(actors, library, "mentor", language)
    start = mentor.get("/consults/start?topic=intent-to-harm-disclosure").get_data(as_text=True)
    assert "The client says they intend to harm someone" not in start
    assert HARM_TOPIC[language] in start
    created = mentor.post(
        "/consults/start",
        data={
            "csrf_token": csrf_from(mentor.get("/consults/start")),
            "client_key": "0b6c0a1e-9d0e-4a59-9a43-2f0b8a6a1c11",
            "topic": "intent-to-harm-disclosure",
        },
    )
    assert created.status_code == 303, created.get_data(as_text=True)[-500:]
    detail = mentor.get(created.headers["Location"]).get_data(as_text=True)
    options = dict(re.findall(r'<option[^>]*value="([a-z-]+)"[^>]*>([^<]+)</option>', detail))
    assert options["intent-to-harm-disclosure"] == HARM_TOPIC[language]
    assert options["general"] == translated(app, language, "general") != "general"


def test_guide_editor_lists_translated_titles_and_previews_translated_headings(
    app, library, actors
) -> None:  # type: ignore[no-untyped-def]
    for language in ("sv", "de"):
        editor_in(app, library, actors, language)
    jump_link_and_headings(app, library, actors)


def editor_in(app, library, actors, language: str) -> None:  # type: ignore[no-untyped-def]
    coordinator, _ = signed_in(actors, library, "coordinator", language)
    dashboard = coordinator.get("/guide-editor/").get_data(as_text=True)
    assert ENGLISH_TITLE not in dashboard
    token = csrf_from(coordinator.get("/guides"))
    body = "## When this applies\n\nA.\n\n## First minute\n\n- Sit.\n\n## Steps\n\n1. Go."
    preview = coordinator.post(
        "/api/guide-editor/preview", json={"body": body}, headers={"X-CSRFToken": token}
    ).get_json()
    assert ">When this applies<" not in preview["body_html"]
    assert ">Steps<" not in preview["body_html"]
    assert translated(app, language, "Steps") in preview["body_html"]


def jump_link_and_headings(app, library, actors) -> None:  # type: ignore[no-untyped-def]
    """The guide's jump link is named for its section; the history page's headings differ."""
    coordinator, _ = signed_in(actors, library, "coordinator", "sv")
    guide = coordinator.get("/guides/after-being-upfront").get_data(as_text=True)
    link = re.search(r'href="#g-call-a-consultant-when">([^<]+)<', guide)
    assert link and link.group(1) == translated(app, "sv", "Call a consultant when")
    history = coordinator.get("/guide-editor/after-being-upfront/history")
    assert history.status_code == 200
    text = history.get_data(as_text=True)
    heading = re.search(r'<h2 id="review-h">([^<]+)</h2>', text)
    assert heading and heading.group(1) != translated(app, "sv", "Review by")
