"""One input layer for the whole app: JSON bodies, text, ids in URLs and dates people type.

Everything a request carries passes here before a view sees it (`init_app` installs a
`before_request` hook ahead of CSRF and sign-in), so no view can forget a rule:

- JSON bodies are parsed once, strictly (orjson: no lone surrogates, no NaN/Infinity, valid
  UTF-8), then checked: at most `MAX_DEPTH` levels of arrays/objects, no control characters
  other than tab and newline in any string or key, every number within ±`MAX_SAFE_INT` (the
  integers a browser's JavaScript can represent exactly). A refusal is a 400 with a message
  that says which rule.
- Form fields: no control characters other than tab, newline and carriage return (browsers
  send a textarea's line breaks as CR LF), no U+FFFD (text that did not arrive as UTF-8).
- The path and query string: no control characters at all (a NUL reaching PostgreSQL is a
  500; one reaching SQLite is stored). `next` is left to `web.safe_next`, which falls back to
  the home page instead of refusing the sign-in.
- Ids in URLs: the `int` converter only takes 1 … MAX_URL_ID (the largest INTEGER id), so an id
  no id column can hold is a 404 like any unknown id, on every route that takes one.
- Dates people type: `DATE_MIN` … `DATE_MAX` (`check_date`, and the form fields below).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import orjson
from flask import Flask, abort, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest, NotFound
from werkzeug.routing import IntegerConverter
from werkzeug.routing import ValidationError as RouteValidationError
from wtforms import DateField as _DateField
from wtforms import DateTimeLocalField as _DateTimeLocalField
from wtforms.validators import ValidationError

MAX_DEPTH = 20
MAX_SAFE_INT = 2**53 - 1
# Every id column is an INTEGER (32-bit on PostgreSQL, where SQLAlchemy also casts the bound
# value to it): a larger id in a URL is "integer out of range", a 500, and on SQLite one beyond
# 64 bits an OverflowError. tests/test_input_validation.py checks the columns stay INTEGER.
MAX_URL_ID = 2**31 - 1
# A sane range for any date a person types: wide enough for a credential verified decades ago
# or expiring far ahead, narrow enough that a day's arithmetic (± a day, a zone) never leaves
# what Python and the databases can hold.
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2199, 12, 31)

TOO_DEEP = _l("JSON may be nested at most %(depth)d levels deep.")
SURROGATE = _l("JSON text must be valid Unicode (no lone surrogates).")
NOT_JSON = _l("The body is not valid JSON.")
NUMBER_RANGE = _l("Numbers must lie between -%(max)d and %(max)d.")
CONTROL_IN_JSON = _l("Text may not contain control characters other than tab and newline.")
CONTROL_IN_FORM = _l("Text may not contain control characters.")
CONTROL_IN_ADDRESS = _l("The address holds characters that are not allowed.")

ALLOWED_IN_JSON = frozenset("\t\n")
ALLOWED_IN_FORMS = frozenset("\t\n\r")
METHODS_WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class InputError(BadRequest):
    """A 400 whose message says which rule the input broke (shown to the sender)."""

    custom_message = True

    def __init__(self, message: str) -> None:
        super().__init__(description=message)


# --- text -------------------------------------------------------------------------------------


def bad_character(text: str, allowed: frozenset[str] = ALLOWED_IN_JSON) -> bool:
    """True when `text` holds a control character not in `allowed`, a lone surrogate or
    U+FFFD. Control characters are Unicode category Cc: C0, DEL and C1."""
    for ch in text:
        if ch in allowed:
            continue
        code = ord(ch)
        if code < 0x20 or 0x7F <= code <= 0x9F or 0xD800 <= code <= 0xDFFF or code == 0xFFFD:
            return True
    return False


def clean_text(text: str) -> bool:
    """What services may use as a last check before storing a string from anywhere."""
    return not bad_character(text, ALLOWED_IN_FORMS)


# --- JSON -------------------------------------------------------------------------------------


def loads(raw: bytes | str) -> Any:
    """Parse and check a JSON document. Raises InputError with a clear message."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as err:
        reason = str(err).split(":", 1)[0]
        if "depth" in reason:
            raise InputError(str(TOO_DEEP) % {"depth": MAX_DEPTH}) from None
        if "surrogate" in reason:
            raise InputError(str(SURROGATE)) from None
        raise InputError(str(NOT_JSON)) from None
    check(value)
    return value


def check(value: Any) -> None:
    """Depth, characters and number range of an already parsed JSON value (iterative, so a
    deep value cannot exhaust the stack here)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise InputError(str(TOO_DEEP) % {"depth": MAX_DEPTH})
            if isinstance(item, dict):
                for key, child in item.items():
                    _check_string(key)
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, str):
            _check_string(item)
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int | float) and abs(item) > MAX_SAFE_INT:
            raise InputError(str(NUMBER_RANGE) % {"max": MAX_SAFE_INT})


def _check_string(text: str) -> None:
    if bad_character(text, ALLOWED_IN_JSON):
        raise InputError(str(CONTROL_IN_JSON))


# --- the request hook -------------------------------------------------------------------------


def _json_body() -> None:
    raw = request.get_data(cache=True)
    if not raw:
        return
    value = loads(raw)
    # Flask's get_json() would parse the body again with the standard json module, which lets
    # lone surrogates and NUL escapes through; hand it the checked value instead.
    request._cached_json = (value, value)  # type: ignore[attr-defined]


def _form_fields() -> None:
    from urllib.parse import unquote_to_bytes

    if request.mimetype == "application/x-www-form-urlencoded":
        raw = request.get_data(cache=True)
        try:
            unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            abort(400)
    for key, values in request.form.lists():
        if bad_character(key, ALLOWED_IN_FORMS):
            abort(400)
        for value in values:
            if bad_character(value, ALLOWED_IN_FORMS):
                raise InputError(str(CONTROL_IN_FORM))


def _address() -> None:
    if bad_character(request.path, frozenset()):
        abort(404)
    for key, values in request.args.lists():
        if key == "next":
            continue  # web.safe_next drops a bad target and signs in all the same
        if bad_character(key, frozenset()) or any(bad_character(v, frozenset()) for v in values):
            raise InputError(str(CONTROL_IN_ADDRESS))


def refuse_bad_input() -> None:
    """The app's first `before_request` hook (ahead of CSRF, which reads the form)."""
    _address()
    if request.method not in METHODS_WITH_BODY:
        if request.is_json:
            _json_body()
        return
    if request.is_json:
        if not request.path.startswith("/api/"):
            # HTML forms take form data only; JSON goes to /api/.
            abort(415)
        _json_body()
    elif request.mimetype in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        _form_fields()


# --- ids in URLs ------------------------------------------------------------------------------


def parse_id(text: str | None) -> int | None:
    """An id typed or passed in a query string, or None when it is not one a column can hold."""
    if not text or not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    value = int(text)
    return value if 1 <= value <= MAX_URL_ID else None


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` that only takes ids an id column can hold (1 … MAX_URL_ID): beyond that
    PostgreSQL answers "integer out of range" and SQLite (past 64 bits) OverflowError, both
    500s. Installed as the app's `int` converter, so every route that takes an id gets it. Out
    of range is a plain 404 (raised here: werkzeug's own refusal would answer 405 where the
    same path exists for another method)."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs["max"] = min(kwargs.get("max") or MAX_URL_ID, MAX_URL_ID)
        super().__init__(url_map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        try:
            return super().to_python(value)
        except RouteValidationError:
            raise NotFound() from None


# --- dates ------------------------------------------------------------------------------------

DATE_RANGE_MESSAGE = _l("Enter a date between %(first)s and %(last)s.")


def date_in_range(value: date | datetime | None) -> bool:
    if value is None:
        return True
    day = value.date() if isinstance(value, datetime) else value
    return DATE_MIN <= day <= DATE_MAX


def check_date(value: date | datetime | None) -> None:
    """Raises InputError (400) for a date outside DATE_MIN … DATE_MAX."""
    if not date_in_range(value):
        raise InputError(str(range_message()))


def range_message() -> str:
    return str(DATE_RANGE_MESSAGE) % {"first": DATE_MIN.isoformat(), "last": DATE_MAX.isoformat()}


class _SaneRange:
    def pre_validate(self, form: Any) -> None:  # wtforms calls this before the validators
        if not date_in_range(self.data):  # type: ignore[attr-defined]
            raise ValidationError(range_message())


class DateField(_SaneRange, _DateField):
    """A date a person types, refused outside DATE_MIN … DATE_MAX. Use instead of WTForms'."""


class DateTimeLocalField(_SaneRange, _DateTimeLocalField):
    """A local date and time a person types, refused outside DATE_MIN … DATE_MAX."""


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(refuse_bad_input)
