"""A watch on every log record of the test run: none may carry a note, a message, a case code
or a callback number.

One handler sits on the root logger for the whole session (installed by conftest.py). The app's
own loggers (`mentor_app.*`, which includes the Flask app's logger) are opened down to DEBUG,
so their quietest lines are checked too; other libraries keep their default threshold
(WARNING), which keeps SQLAlchemy from logging every statement and the run cheap. Each record
is formatted once (with its traceback, if any) and kept until its test ends. Then it is checked
against:
- the strings the factories plant (tests/dashboard_factories.py: SECRETS), and anything a test
  plants under the prefix `PLANTED-`;
- anything shaped like a case code (K- and 4 to 8 letters or digits);
- for tests that used the app: every note, message, callback number, outcome summary, decline
  reason, case code and guide comment the test left in the database (6 characters or more),
  read just before the tables are emptied. So whatever a test stores, no log line may repeat it.
"""

from __future__ import annotations

import logging
import re

from sqlalchemy import select
from sqlalchemy.engine import Engine

from tests.dashboard_factories import SECRETS

PLANTED = (*SECRETS, "PLANTED-")
CASE_CODE = re.compile(r"\bK-[0-9A-Z]{4,8}\b")
MIN_STORED = 6
APP_LOGGERS = ("mentor_app",)


class LogGuard(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seen: list[tuple[str, str]] = []
        self._formatter = logging.Formatter()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # a broken format string still must not leak its arguments
            text = f"{record.msg!r} {record.args!r}"
        if record.exc_info:
            text += "\n" + self._formatter.formatException(record.exc_info)
        if record.stack_info:
            text += "\n" + record.stack_info
        self.seen.append((record.name, text))

    def leaks(self, stored: list[str] = ()) -> list[str]:  # type: ignore[assignment]
        found = []
        for name, text in self.seen:
            hits = [m for m in PLANTED if m in text]
            hits += CASE_CODE.findall(text)
            hits += [value for value in stored if value in text]
            if hits:
                found.append(f"{name}: {text[:300]!r} carries {sorted(set(hits))[:3]}")
        return found

    def clear(self) -> None:
        self.seen.clear()


GUARD = LogGuard()


def install() -> list[tuple[logging.Logger, int]]:
    logging.getLogger().addHandler(GUARD)
    previous = []
    for name in APP_LOGGERS:
        logger = logging.getLogger(name)
        previous.append((logger, logger.level))
        logger.setLevel(logging.DEBUG)
    return previous


def uninstall(previous: list[tuple[logging.Logger, int]]) -> None:
    logging.getLogger().removeHandler(GUARD)
    for logger, level in previous:
        logger.setLevel(level)


def stored_free_text(engine: Engine) -> list[str]:
    """Every piece of free text a test left in the database (long enough to be telling)."""
    from mentor_app.consults.models import Case, Consult, ConsultMessage, ConsultOffer
    from mentor_app.playbooks.models import GuideFeedback

    columns = (
        Consult.note,
        Consult.callback_number,
        Consult.outcome_summary,
        ConsultMessage.body,
        ConsultOffer.decline_reason,
        Case.code,
        GuideFeedback.comment,
    )
    values: set[str] = set()
    with engine.connect() as conn:
        for column in columns:
            for (value,) in conn.execute(select(column).where(column.is_not(None)).distinct()):
                if isinstance(value, str) and len(value.strip()) >= MIN_STORED:
                    values.add(value.strip())
    return sorted(values)
