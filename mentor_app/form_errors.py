"""The error summary at the top of every form (issue 17, item 13).

`error_summary(form)` is a Jinja global, placed right after each form's hidden tag: when the
form came back with errors it renders a box listing them, each linked to its field, and the
box takes the focus (`autofocus`, so no script is needed and a screen reader starts there).
The fields keep what was typed: the form object re-rendered is the one that was posted.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, render_template
from markupsafe import Markup


@dataclass(frozen=True)
class Problem:
    label: str
    message: str
    target: str | None  # the id to link to; None for a hidden field (an expired form, say)


def problems(form: object) -> list[Problem]:
    """Every error of `form`, in field order, then the form-wide ones."""
    found: list[Problem] = []
    for field in form or ():  # type: ignore[attr-defined]
        errors = field.errors if isinstance(field.errors, list | tuple) else []
        hidden = field.type in ("HiddenField", "CSRFTokenField")
        # Radio buttons are rendered one by one: link to the first.
        target = f"{field.id}-0" if field.type == "RadioField" else field.id
        for message in errors:
            found.append(Problem(str(field.label.text), str(message), None if hidden else target))
    for message in getattr(form, "form_errors", []) or []:
        found.append(Problem("", str(message), None))
    return found


def error_summary(form: object) -> Markup:
    found = problems(form)
    if not found:
        return Markup("")
    # The template escapes every message and label itself (autoescape on .html).
    return Markup(render_template("_error_summary.html", problems=found))  # noqa: S704


def init_app(app: Flask) -> None:
    app.add_template_global(error_summary)
