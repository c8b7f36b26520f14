"""English left on Swedish and German pages (issue 16): each check renders a page or a label in
sv and de and asserts the English words the trial user saw are gone."""

from __future__ import annotations

import pytest

from mentor_app.i18n.language import LANGUAGE_COOKIE
from tests.conftest import csrf_from

LANGUAGES = ("sv", "de")


def in_language(client, language: str):  # type: ignore[no-untyped-def]
    client.set_cookie(LANGUAGE_COOKIE, language)
    return client


def signed_in(actors, db, role: str, language: str):  # type: ignore[no-untyped-def]
    """A client signed in as a new `role` whose own language setting is `language`."""
    from mentor_app.accounts.models import User

    client, user_id = actors.signed_in(role)
    db.get(User, user_id).locale = language
    db.commit()
    return client, user_id


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_wrong_password_is_refused_in_the_readers_language(client, actors, language) -> None:  # type: ignore[no-untyped-def]
    _, email = actors.create("mentor")
    in_language(client, language)
    token = csrf_from(client.get("/login"))
    page = client.post("/login", data={"email": email, "password": "wrong", "csrf_token": token})
    assert page.status_code == 401
    assert "E-mail or password is not right." not in page.get_data(as_text=True)


@pytest.mark.parametrize(("language", "word"), [("sv", "Samordnare"), ("de", "Koordinator:in")])
def test_the_role_badge_is_translated(actors, db, language, word) -> None:  # type: ignore[no-untyped-def]
    coordinator, _ = signed_in(actors, db, "coordinator", language)
    page = coordinator.get("/").get_data(as_text=True)
    assert f">{word}</span>" in page and ">Coordinator</span>" not in page
    users = coordinator.get("/admin/users/").get_data(as_text=True)
    assert f"<td>{word}</td>" in users and "<td>coordinator</td>" not in users


@pytest.mark.parametrize(
    ("language", "dari", "chechen"),
    [("sv", "dari", "tjetjenska"), ("de", "Dari", "Tschetschenisch")],
)
def test_languages_babel_does_not_name_are_translated(app, language, dari, chechen) -> None:  # type: ignore[no-untyped-def]
    from mentor_app.consults.vocab import language_name
    from mentor_app.pool.domain import language_name as pool_language_name

    with app.test_request_context("/", headers={"Accept-Language": language}):
        assert language_name("che") == chechen
        assert pool_language_name("prs") == dari  # not "prs" on the pool filters
        assert pool_language_name("sv") == language_name("sv")


@pytest.mark.parametrize("language", LANGUAGES)
def test_seed_expertise_is_translated_and_a_coordinators_label_kept(app, db, language) -> None:  # type: ignore[no-untyped-def]
    from mentor_app.pool import validation
    from mentor_app.pool.models import ExpertiseTag

    validation.ensure_default_tags(db)
    db.add(ExpertiseTag(tag="gangs", label="Gang exit"))
    db.commit()
    with app.test_request_context("/", headers={"Accept-Language": language}):
        shown = validation.tag_labels(db)
        stored = validation.tag_labels(db, translated=False)
    assert shown["gangs"] == "Gang exit"
    for tag in ("family-work", "ideology", "personality-disorders"):
        assert shown[tag] != stored[tag] == validation.DEFAULT_TAGS[tag]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_monthly_report_counts_small_numbers_under_the_word_its_note_names(
    app, language
) -> None:  # type: ignore[no-untyped-def]
    from flask_babel import gettext

    with app.test_request_context("/", headers={"Accept-Language": language}):
        other = gettext("Other")
        note = gettext("Fewer than 5 requests each, or not a plain code, are counted under Other.")
    assert other in note


@pytest.mark.parametrize(
    ("language", "viewed"), [("sv", "Konsultation visad"), ("de", "Fallberatung angesehen")]
)
def test_audit_actions_show_a_translated_label_with_the_code_kept(
    actors, db, language, viewed
) -> None:  # type: ignore[no-untyped-def]
    from mentor_app.audit.labels import action_label

    coordinator, _ = signed_in(actors, db, "coordinator", language)
    page = coordinator.get("/audit/").get_data(as_text=True)
    assert 'title="login.succeeded">' in page  # the code is still there for the filter
    assert ">login.succeeded<" not in page
    with coordinator.application.test_request_context("/", headers={"Accept-Language": language}):
        assert action_label("consult.viewed") == viewed
        assert action_label("safety.alarm_viewed") not in {"safety.alarm_viewed", "Alarm viewed"}
        assert action_label("some.new_code") == "some.new_code"


@pytest.mark.parametrize(
    ("language", "title"),
    [("sv", "Klienten säger att hen tänker skada någon"), ("de", "Klient:in kündigt an")],
)
def test_the_monthly_report_names_guides_in_the_readers_language(app, language, title) -> None:  # type: ignore[no-untyped-def]
    from mentor_app.dashboard import metrics as m
    from mentor_app.dashboard import report

    english = "The client says they intend to harm someone"
    usage = m.GuideUsage("intent-to-harm-disclosure", english, 9, 3, 1)
    metrics = type("Metrics", (), {"guides": [usage]})()
    with app.test_request_context("/", headers={"Accept-Language": language}):
        table = report._guides(metrics, report.Cells(suppress=False))
        shown = str(table.rows[0].label)
    assert shown.startswith(title)
