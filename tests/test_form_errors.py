"""Forms show their errors where the eye is (issue 17, item 13): a summary at the top of the
form that came back, linked to the fields, taking the focus; what was typed stays."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from tests.conftest import csrf_token
from tests.consult_helpers import make_consult

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
SUMMARY = re.compile(r'<div class="error-summary"[^>]*autofocus[^>]*>(.*?)</div>', re.S)


def _summary(html: str) -> str:
    found = SUMMARY.search(html)
    assert found, "no error summary"
    return found.group(1)


def test_invite_form_errors_are_summarised_and_values_kept(actors) -> None:  # type: ignore[no-untyped-def]
    coordinator, _ = actors.signed_in("coordinator")
    page = coordinator.post(
        "/admin/users/invite",
        data={
            "csrf_token": csrf_token(coordinator),
            "email": "not-an-address",
            "display_name": "Typed Name",
            "role": "consultant",
        },
    )
    assert page.status_code == 400
    summary = _summary(page.text)
    assert 'href="#email"' in summary and "valid e-mail" in summary
    assert 'value="Typed Name"' in page.text and 'value="not-an-address"' in page.text
    assert page.text.count("autofocus") == 1  # the summary, nothing else, takes the focus


def test_rating_without_a_choice_says_so(actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(NOW)
    mentor, mentor_id = actors.signed_in("mentor")
    consult = make_consult(db, mentor_id, NOW, status="closed", closed_at=NOW)
    page = mentor.post(f"/consults/{consult.id}/rate", data={"csrf_token": csrf_token(mentor)})
    assert page.status_code == 400
    summary = _summary(page.text)
    assert "Choose whether it helped." in summary and 'href="#helpful-0"' in summary


def test_no_summary_without_errors(actors) -> None:  # type: ignore[no-untyped-def]
    coordinator, _ = actors.signed_in("coordinator")
    assert "error-summary" not in coordinator.get("/admin/users/invite").text


def test_a_settings_form_links_to_its_own_field(actors) -> None:  # type: ignore[no-untyped-def]
    consultant, _ = actors.signed_in("consultant")
    page = consultant.post(
        "/account/settings",
        data={"csrf_token": csrf_token(consultant), "phone-phone": "abc", "phone-submit": "1"},
    )
    assert page.status_code == 400
    assert 'href="#phone-phone"' in _summary(page.text)
