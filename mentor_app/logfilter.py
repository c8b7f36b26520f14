"""Access-log lines without query strings.

Searches that may carry personal words go by POST (guides, case codes), but a query string can
still hold something personal: a coordinator filtering the pool by a colleague's name or the
audit log by an e-mail address, an old bookmark. The access logs this app's process writes
(werkzeug's development server, gunicorn's `gunicorn.access` when an operator turns it on)
therefore keep the path and drop everything after `?`. The proxy in front should do the same
(README, "Deploying").
"""

from __future__ import annotations

import logging
import re

ACCESS_LOGGERS = ("werkzeug", "gunicorn.access")
_QUERY = re.compile(r"\?[^\s\"]*")


def without_query(text: str) -> str:
    """`GET /guides?q=funeral HTTP/1.1` -> `GET /guides HTTP/1.1`."""
    return _QUERY.sub("", text)


class DropQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = without_query(record.msg)
        if isinstance(record.args, dict):  # gunicorn: atoms by name
            record.args = {
                k: ("" if k == "q" else without_query(v) if isinstance(v, str) else v)
                for k, v in record.args.items()
            }
        elif isinstance(record.args, tuple):  # werkzeug: the request line first
            record.args = tuple(without_query(a) if isinstance(a, str) else a for a in record.args)
        return True


def install() -> None:
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, DropQueryStrings) for f in logger.filters):
            logger.addFilter(DropQueryStrings())
