"""A push is rendered in its recipient's language when it is queued: a Swedish consultant's
phone decrypts Swedish, a German one's German, and neither carries a case code or note.

Two tests: one with the real catalogues (expected texts are the .po msgstrs, looked up now, so
it fails while the translators have not yet translated them, naming what is missing), and one
with a tiny catalogue of its own, which shows the mechanism whatever the .po files hold."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from mentor_app.consults import notify
from mentor_app.consults.models import Consult
from mentor_app.consults.policy import DEFAULT_WAVES
from mentor_app.db import get_db
from mentor_app.i18n import catalogues
from mentor_app.i18n.render import _translated_topics
from mentor_app.notifications.vapid import keys_for
from tests.consult_helpers import offer as record_offer
from tests.push_helpers import (
    CASE_CODE,
    NOTE,
    LocalPushService,
    add_device,
    deliver,
    make_consult,
    quick_user,
)

TOPIC = "bereavement-illness-in-family"
TITLE = "Urgent consult request"
URGENT = "Urgent"


@pytest.fixture
def push_service(app) -> Iterator[LocalPushService]:  # type: ignore[no-untyped-def]
    with app.app_context():
        public = keys_for(app).public_key
    with LocalPushService(expected_public_key=public) as service:
        yield service


def _offer_to_a_swede_and_a_german(app, db, clock, push_service) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    now = clock.freeze()
    _mentor_id, consult_id = make_consult(db, now)  # urgent, Swedish-speaking client, a note
    consult = db.get(Consult, consult_id)
    consult.topic = TOPIC
    db.commit()
    ids = {}
    for language in ("sv", "de"):
        ids[language] = quick_user(db, "consultant", locale=language)
        add_device(db, ids[language], push_service.subscription(f"phone-{language}"))
        # A standing offer: an offer push whose offer is gone is settled obsolete, not sent.
        record_offer(db, consult_id, ids[language], now)
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        # The request that causes the offers is English; each offer is in its reader's language.
        session = get_db(app).session()
        row = session.get(Consult, consult_id)
        for user_id in ids.values():
            notify.offer(session, now, row, user_id, now, DEFAULT_WAVES["urgent"])
        session.commit()
        session.close()
    assert deliver(app, now) == 2
    assert push_service.all_problems() == []
    got = {}
    for language in ("sv", "de"):
        [received] = push_service.delivered(f"phone-{language}")
        plaintext = received.plaintext.decode()
        assert CASE_CODE not in plaintext and NOTE not in plaintext
        assert "Test consultant" not in plaintext
        got[language] = received.payload
    return got


def _expected(language: str, translate) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """(title, body) a reader of `language` should see for the urgent offer."""
    swedish = Locale.parse(language).languages["sv"]
    topic = _translated_topics(language)[TOPIC]
    return translate(TITLE), " · ".join((translate(URGENT), swedish, topic))


def test_push_to_swedish_and_german_consultants_uses_the_real_catalogues(
    app, db, clock, push_service
) -> None:  # type: ignore[no-untyped-def]
    wanted = {}
    missing = []
    for language in ("sv", "de"):
        catalogue = catalogues.load_catalogue(language)

        def translate(msgid: str, catalogue=catalogue, language=language) -> str:  # type: ignore[no-untyped-def]
            message = catalogue.get(msgid)
            if message is None or not message.string or message.fuzzy:
                missing.append(f"{language}: {msgid!r}")
                return msgid
            return message.string

        wanted[language] = _expected(language, translate)
    got = _offer_to_a_swede_and_a_german(app, db, clock, push_service)
    if missing:
        pytest.fail("catalogues lack translations this push needs: " + ", ".join(missing))
    for language in ("sv", "de"):
        assert (got[language]["title"], got[language]["body"]) == wanted[language]
    assert got["sv"]["title"] != got["de"]["title"] != TITLE


@pytest.fixture
def tiny_catalogues(app, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Installs catalogues of our own ({language: {msgid: msgstr}}), merged over the real
    ones (Flask-Babel merges the directories in order, later ones winning); forgotten after."""
    babel = app.extensions["babel"]
    before = list(babel.translation_directories)

    def install(words: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        for language, pairs in words.items():
            catalogue = Catalog(locale=language)
            for msgid, msgstr in pairs.items():
                catalogue.add(msgid, msgstr)
            folder = tmp_path / language / "LC_MESSAGES"
            folder.mkdir(parents=True, exist_ok=True)
            with (folder / "messages.mo").open("wb") as handle:
                write_mo(handle, catalogue)
        babel.translation_directories.append(str(tmp_path))
        babel.instance.domain_instance.cache.clear()
        return words

    yield install
    babel.translation_directories[:] = before
    babel.instance.domain_instance.cache.clear()


OFFER_WORDS = {
    "sv": {TITLE: "Brådskande konsultförfrågan", URGENT: "Brådskande"},
    "de": {TITLE: "Dringende Konsultationsanfrage", URGENT: "Dringend"},
}


def test_each_recipient_gets_their_own_language(app, db, clock, push_service, tiny_catalogues):  # type: ignore[no-untyped-def]
    words = tiny_catalogues(OFFER_WORDS)
    got = _offer_to_a_swede_and_a_german(app, db, clock, push_service)
    for language in ("sv", "de"):
        assert (got[language]["title"], got[language]["body"]) == _expected(
            language, words[language].__getitem__
        )
    assert got["sv"]["body"].split(" · ")[1] == "svenska"
    assert got["de"]["body"].split(" · ")[1] == "Schwedisch"


def test_pool_notices_are_in_each_recipients_language(app, actors, db, tiny_catalogues) -> None:  # type: ignore[no-untyped-def]
    """The credential warning, queued by the worker: the consultant's in Swedish, the
    coordinator's in German, in the same step."""
    from datetime import UTC, date, datetime

    from sqlalchemy import select

    from mentor_app.accounts.models import User
    from mentor_app.notifications.models import OutboxMessage
    from mentor_app.pool import worker_steps
    from tests import pool_helpers

    words = tiny_catalogues(
        {
            "sv": {"Credential renewal due": "Dags att förnya legitimationen"},
            "de": {"A credential expires soon": "Ein Nachweis läuft bald ab"},
        }
    )
    coordinator, _ = actors.create("coordinator")
    consultant, _ = actors.create("consultant")
    db.get(User, coordinator).locale = "de"
    db.get(User, consultant).locale = "sv"
    pool_helpers.set_profile(db, consultant, credential_expires_on=date(2026, 7, 1))
    db.commit()
    with app.app_context():
        assert worker_steps.credential_expiry(db, datetime(2026, 6, 1, 6, tzinfo=UTC)) == 1
    db.commit()
    titles = {
        row.user_id: row.payload["title"]
        for row in db.scalars(select(OutboxMessage).where(OutboxMessage.user_id.is_not(None)))
    }
    assert titles[consultant] == words["sv"]["Credential renewal due"]
    assert titles[coordinator] == words["de"]["A credential expires soon"]
