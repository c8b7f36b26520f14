"""E-mail-only account messages (issue 17): the reset e-mail carries a link that works, and no
account e-mail claims to be a fallback for a push that never existed."""

from __future__ import annotations

import re
from email import message_from_bytes

from mentor_app.notifications.email import compose
from tests.push_helpers import deliver
from tests.test_account_recovery import NEW_PASSWORD, _forgot, _use_link
from tests.test_push_email import smtp  # noqa: F401 - the fixture

FALLBACK_WORDS = "could not reach your devices"


def test_the_reset_email_carries_a_link_that_resets_the_password(app, actors, smtp) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    app.config["PUBLIC_BASE_URL"] = "https://mentor.example.org"
    _mentor_id, email = actors.create("mentor")
    assert _forgot(app.test_client(), email).status_code == 200

    deliver(app)

    [(recipients, raw)] = smtp.messages
    assert recipients == [email]
    text = message_from_bytes(raw).get_payload(decode=True).decode()
    found = re.search(r"https://mentor\.example\.org/password/reset#([A-Za-z0-9_-]+)", text)
    assert found, text
    assert FALLBACK_WORDS not in text
    assert _use_link(app, found.group(1)).status_code == 303  # the password is now changed
    assert _use_link(app, found.group(1), NEW_PASSWORD + "x").status_code != 303  # single use


def test_account_kinds_get_an_account_footer_and_pushes_keep_theirs(app) -> None:  # type: ignore[no-untyped-def]
    payload = {"title": "t", "body": "b", "url": "/login"}
    with app.app_context():
        for kind in ("account.password_reset", "account.2fa_locked", "safety.broadcast_mail"):
            mail = compose(1, "a@example.org", payload, "https://m.example.org", "en", kind=kind)
            assert FALLBACK_WORDS not in mail.text
            assert "https://m.example.org/login" in mail.text
        offer = compose(1, "a@example.org", payload, "https://m.example.org", "en", "consult_offer")
        assert FALLBACK_WORDS in offer.text


def test_make_run_gives_the_worker_an_address_for_links() -> None:
    from pathlib import Path

    makefile = (Path(__file__).resolve().parent.parent / "Makefile").read_text()
    assert "run: export PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)" in makefile
