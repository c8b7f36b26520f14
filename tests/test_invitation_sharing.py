"""Invitations on a phone (issue 17, item 11): the role preset from "Invite a consultant", Copy
and Share on the created link, an otpauth:// link at enrolment, and number-pad code fields."""

from __future__ import annotations

import re

from tests.conftest import csrf_token

CODE_FIELD = re.compile(r"<input[^>]*name=\"(?:reauth-)?code\"[^>]*>")


def test_invite_a_consultant_presets_the_role(actors) -> None:  # type: ignore[no-untyped-def]
    coordinator, _ = actors.signed_in("coordinator")
    pool = coordinator.get("/pool/").get_data(as_text=True)
    assert 'href="/admin/users/invite?role=consultant"' in pool
    page = coordinator.get("/admin/users/invite?role=consultant").get_data(as_text=True)
    assert re.search(
        r'<option[^>]*selected[^>]*value="consultant"|value="consultant" selected', page
    )
    # An unknown role in the address is ignored, not an error.
    assert coordinator.get("/admin/users/invite?role=admin").status_code == 200


def test_created_invitation_offers_copy_and_share(actors) -> None:  # type: ignore[no-untyped-def]
    coordinator, _ = actors.signed_in("coordinator")
    page = coordinator.post(
        "/admin/users/invite",
        data={
            "email": "share.me@example.org",
            "display_name": "Share Me",
            "role": "consultant",
            "csrf_token": csrf_token(coordinator),
        },
    ).get_data(as_text=True)
    assert 'id="copy-link"' in page and 'id="share-link"' in page
    assert "js/invite-share" in page


def test_enrolment_offers_an_otpauth_link_and_a_number_pad(app, actors) -> None:  # type: ignore[no-untyped-def]
    client, _ = actors.signed_in("mentor")
    page = client.get("/account/2fa/setup").get_data(as_text=True)
    link = re.search(r'href="(otpauth://totp/[^"]+)"', page)
    assert link and "secret=" in link.group(1)
    field = CODE_FIELD.search(page).group(0)
    assert 'inputmode="numeric"' in field and 'autocomplete="one-time-code"' in field


def test_every_code_field_is_a_one_time_code_number_pad(app, actors) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import PASSWORD, csrf_from

    _id, email = actors.create("consultant")
    client = app.test_client()
    client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf_from(client.get("/login"))},
    )
    pages = [client.get("/login/totp").get_data(as_text=True)]
    signed_in, _ = actors.signed_in("consultant")
    pages.append(signed_in.get("/account/2fa/setup").get_data(as_text=True))  # re-auth first
    for page in pages:
        field = CODE_FIELD.search(page).group(0)
        assert 'inputmode="numeric"' in field, field
        assert 'autocomplete="one-time-code"' in field, field
        assert "data-code-letters" in page  # recovery codes have letters: a switch to them
