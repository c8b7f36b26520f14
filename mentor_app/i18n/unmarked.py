"""Finds user-visible English that is not marked for translation.

Templates: the Jinja source is lexed; every Jinja tag, expression and `{% trans %}` block
becomes an opaque marker, and the HTML that is left is parsed. A text node, or a `title`,
`placeholder`, `aria-label`, `alt` attribute (or the `value` of a button-like `<input>`) that
still holds letters outside the markers is bare English.

Python: `flash()`, `abort()`, `json_error()` and JSON `{"error": ...}` given a literal sentence
rather than `_()`/`_l()`, and service errors raised with one.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

from jinja2 import Environment

MARK = "\x00"
WORDS = re.compile(r"[A-Za-zÀ-ÿ_]{2,}")
# A macro that returns attributes (`data-x="…" data-y='…'`) is not visible text.
ATTRIBUTES_ONLY = re.compile(r"""^\s*([\w-]+=("[^"]*"|'[^']*')\s*)+$""")
TEXT_ATTRIBUTES = frozenset({"title", "placeholder", "aria-label", "alt"})
BUTTON_INPUTS = frozenset({"submit", "button", "reset"})
SKIPPED_ELEMENTS = frozenset({"script", "style", "code", "pre", "svg"})
# Proper names, units and codes that read the same in every language.
ALLOWED = frozenset(
    {
        "mentor_app",
        "English",
        "Svenska",
        "Deutsch",
        "TOTP",
        "SOS",
        "CSV",
        "JSON",
        "PDF",
        "URL",
        "OK",
        "ok",
        "ID",
    }
)


def _jinja_env() -> Environment:
    return Environment(extensions=["jinja2.ext.i18n"], autoescape=True)  # lexing only


def html_without_jinja(source: str) -> str:
    """The template's HTML with every Jinja construct (and whole trans blocks) as MARK."""
    out: list[str] = []
    depth = 0  # inside {% trans %} … {% endtrans %}
    in_block: list[str] = []
    for _line, kind, value in _jinja_env().lex(source):
        if kind == "block_begin":
            in_block = []
            continue
        if kind == "block_end":
            name = in_block[0] if in_block else ""
            if name == "trans":
                depth += 1
            elif name == "endtrans":
                depth -= 1
            out.append(MARK)
            in_block = []
            continue
        if kind == "name":
            in_block.append(value)
        if kind == "data" and depth == 0:
            out.append(value)
        elif kind == "variable_end":
            out.append(MARK)
    return "".join(out)


def _bare(text: str | None) -> str | None:
    """The English left in `text` once markers and allowed words are removed, or None."""
    if not text:
        return None
    words = [w for w in WORDS.findall(text.replace(MARK, " ")) if w not in ALLOWED]
    if not words:
        return None
    # Entities and the odd letter pair in a symbol are not sentences.
    if all(len(w) < 3 for w in words) and len(words) < 2:
        return None
    return " ".join(text.replace(MARK, "…").split())


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self.skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED_ELEMENTS:
            self.skipping.append(tag)
        values = dict(attrs)
        for name, value in attrs:
            checked = name in TEXT_ATTRIBUTES or (
                name == "value" and tag == "input" and values.get("type") in BUTTON_INPUTS
            )
            bare = _bare(value) if checked else None
            if bare:
                self.found.append((self.getpos()[0], f'{tag} {name}="{bare}"'))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in SKIPPED_ELEMENTS:
            self.skipping.pop()

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data: str) -> None:
        if self.skipping or ATTRIBUTES_ONLY.match(data.replace(MARK, "")):
            return
        bare = _bare(data)
        if bare:
            self.found.append((self.getpos()[0], bare))


def scan_template(path: Path) -> list[tuple[int, str]]:
    """(line in the marker-stripped HTML, bare text) for one template."""
    scanner = _Scanner()
    scanner.feed(html_without_jinja(path.read_text(encoding="utf-8")))
    scanner.close()
    return scanner.found


# --- Python -----------------------------------------------------------------------------------

MESSAGE_CALLS = frozenset({"flash", "abort", "json_error", "_forbid"})
# Exceptions whose message a view shows to the person (flash, JSON "error", an error page).
USER_FACING_ERRORS = frozenset(
    {"Invalid", "Conflict", "ConsultError", "PoolError", "EditError", "InvalidSubscription"}
)
MARKERS = frozenset({"_", "_l", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext", "pgettext"})


def _is_sentence(node: ast.AST) -> bool:
    """A literal that reads as English to a person: a capitalised phrase with a space.

    House convention: messages for the calling code (a malformed push subscription, a field
    of the wrong type) start in lower case ("endpoint is required") and stay English; those
    for people start with a capital."""
    if isinstance(node, ast.JoinedStr):
        node = ast.Constant(
            "".join(v.value for v in node.values if isinstance(v, ast.Constant) and v.value)
        )
    if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
        return False
    text = node.value.strip()
    return " " in text and text[:1].isupper() and bool(WORDS.search(text))


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def scan_python(path: Path) -> Iterator[tuple[int, str]]:
    """(line, what) for each unmarked message in one Python file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _call_name(node) in MESSAGE_CALLS:
            args = list(node.args) + [k.value for k in node.keywords if k.arg == "description"]
            for arg in args:
                if _is_sentence(arg):
                    yield node.lineno, f"{_call_name(node)}({ast.unparse(arg)[:70]})"
        elif isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            name = _call_name(node.exc)
            if name in USER_FACING_ERRORS and node.exc.args and _is_sentence(node.exc.args[0]):
                yield node.lineno, f"raise {name}({ast.unparse(node.exc.args[0])[:70]})"
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                is_error = isinstance(key, ast.Constant) and key.value in ("error", "message")
                if is_error and _is_sentence(value):
                    yield node.lineno, f'"{key.value}": {ast.unparse(value)[:70]}'
