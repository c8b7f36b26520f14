"""The log watch itself (tests/log_guard.py): it is on for the whole run and it catches what
it must, so a clean run means something."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from tests import dashboard_factories as f
from tests import log_guard

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def test_the_guard_watches_the_whole_run() -> None:
    assert log_guard.GUARD in logging.getLogger().handlers
    assert logging.getLogger("mentor_app.anything").isEnabledFor(logging.DEBUG)


def test_the_guard_catches_planted_text_and_case_codes() -> None:
    log = logging.getLogger("mentor_app.test")
    log.debug("a quiet line about %s", f.NOTE)
    log.warning("case %s changed", "K-7F3Q")
    try:
        raise ValueError(f.CALLBACK)
    except ValueError:
        log.exception("it failed")
    caught = log_guard.GUARD.leaks()
    log_guard.GUARD.clear()
    assert len(caught) == 3


def test_the_guard_catches_whatever_a_test_stored(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    mentor, _ = actors.create("mentor")
    f.consult(db, mentor, T0, note="an unremarkable sentence", content=False)
    db.commit()
    logging.getLogger("mentor_app.test").info("saw: an unremarkable sentence")
    stored = log_guard.stored_free_text(app.extensions["mentor_db"].engine)
    caught = log_guard.GUARD.leaks(stored)
    log_guard.GUARD.clear()
    assert len(caught) == 1 and "an unremarkable sentence" in stored
