"""No user-visible English outside `_()`/trans: templates (text nodes and the attributes a
person reads or hears) and Python (flash, abort, JSON "error", service errors a view shows)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mentor_app.i18n.catalogues import PROJECT_ROOT
from mentor_app.i18n.unmarked import scan_python, scan_template

TEMPLATES = sorted((PROJECT_ROOT / "templates").rglob("*.html"))
PYTHON = sorted((PROJECT_ROOT / "mentor_app").rglob("*.py"))


def _report(found: dict[str, list[tuple[int, str]]]) -> str:
    total = sum(len(v) for v in found.values())
    lines = [f"{total} unmarked user-visible strings in {len(found)} files:"]
    for name, items in found.items():
        lines += [f"  {name}:{line}: {text[:110]}" for line, text in items[:6]]
        if len(items) > 6:
            lines.append(f"  {name}: … and {len(items) - 6} more")
    return "\n".join(lines)


def test_templates_have_no_bare_text() -> None:
    found = {str(p.relative_to(PROJECT_ROOT)): scan_template(p) for p in TEMPLATES}
    found = {k: v for k, v in found.items() if v}
    if found:
        pytest.fail(_report(found), pytrace=False)


def test_python_messages_are_marked() -> None:
    found = {str(p.relative_to(PROJECT_ROOT)): list(scan_python(p)) for p in PYTHON}
    found = {k: v for k, v in found.items() if v}
    if found:
        pytest.fail(_report(found), pytrace=False)


# --- the scanners themselves ------------------------------------------------------------------


def _template(tmp_path: Path, source: str) -> list[str]:
    path = tmp_path / "t.html"
    path.write_text(source, encoding="utf-8")
    return [text for _line, text in scan_template(path)]


def test_marked_text_passes(tmp_path: Path) -> None:
    source = (
        "<h1>{{ _('Settings') }}</h1><p>{% trans n=3 %}You have {{ n }} cases{% endtrans %}</p>"
        '<input type="submit" value="{{ _(\'Save\') }}" title="{{ _(\'Save it\') }}">'
        "<script>const a = 'not shown';</script><p>mentor_app · SOS</p>"
        "<span data-x='{{ y }}' data-z=\"{{ w }}\"></span>"
    )
    assert _template(tmp_path, source) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<p>Welcome back</p>", "Welcome back"),
        ("<p>{{ name }} has left</p>", "… has left"),
        ('<input placeholder="Search here">', 'input placeholder="Search here"'),
        ('<button aria-label="Close menu">×</button>', 'button aria-label="Close menu"'),
        ('<img alt="Logo of the app" src="x">', 'img alt="Logo of the app"'),
        ('<input type="submit" value="Send now">', 'input value="Send now"'),
        ('<a title="Open {{ x }}">{{ _("y") }}</a>', 'a title="Open …"'),
    ],
)
def test_bare_text_is_found(tmp_path: Path, source: str, expected: str) -> None:
    assert _template(tmp_path, source) == [expected]


def test_python_scan_finds_unmarked_messages(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(
        "flash('Saved the changes.')\n"
        "flash(_('Saved the changes.'))\n"
        "abort(400, description='That is not allowed.')\n"
        "x = {'error': 'Choose a language.', 'code': 'bad_language'}\n"
        "y = {'error': _('Choose a language.')}\n"
        "raise Invalid('Write a message first.')\n"
        "raise Invalid(_l('Write a message first.'))\n",
        encoding="utf-8",
    )
    assert sorted(line for line, _text in scan_python(path)) == [1, 3, 4, 6]
