"""The translation catalogues: extraction (as `make messages` does it), checks, compilation.

English is the source language; `mentor_app/translations/<lang>/LC_MESSAGES/messages.po` hold
Swedish and German. The tests use these functions to say, per language, which msgids are
missing, empty, fuzzy, have placeholders that differ from the English, or lack plural forms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS_DIR = PROJECT_ROOT / "mentor_app" / "translations"
TRANSLATED_LANGUAGES = ("sv", "de")
# The same keywords as pybabel with BABEL_KEYWORDS in the Makefile: its defaults (which include
# N_, "mark now, translate for the recipient later") plus this project's lazy forms.
KEYWORDS: dict[str, tuple | None] = {
    **DEFAULT_KEYWORDS,
    "_": (1,),
    "gettext": (1,),
    "_l": (1,),
    "lazy_gettext": (1,),
    "ngettext": (1, 2),
    "lazy_ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
}
# `%(name)s` (gettext, Jinja's trans blocks) and `{name}` (str.format style).
PERCENT_PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]")
BRACE_PLACEHOLDER = re.compile(r"(?<!\{)\{(\w+)\}(?!\})")


def po_path(language: str) -> Path:
    return TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po"


def extract_template() -> Catalog:
    """Every msgid marked in the code and templates, as `make messages` extracts them."""
    with (TRANSLATIONS_DIR / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    template = Catalog(fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(PROJECT_ROOT), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def load_catalogue(language: str) -> Catalog:
    with po_path(language).open("rb") as handle:
        return read_po(handle, locale=language)


def placeholders(text: str) -> set[str]:
    """The named placeholders in `text`: {"%(name)s" → "%name", "{name}" → "{name}"}."""
    return {f"%{n}" for n in PERCENT_PLACEHOLDER.findall(text)} | {
        f"{{{n}}}" for n in BRACE_PLACEHOLDER.findall(text)
    }


@dataclass
class Problems:
    """What is wrong with one language's catalogue, each a list of msgids (as text)."""

    language: str
    total: int = 0
    missing: list[str] = field(default_factory=list)  # absent from the .po, or empty msgstr
    fuzzy: list[str] = field(default_factory=list)
    placeholders: list[str] = field(default_factory=list)
    plural_forms: list[str] = field(default_factory=list)

    def count(self) -> int:
        return len(self.missing) + len(self.fuzzy) + len(self.placeholders) + len(self.plural_forms)

    def report(self, show: int = 15) -> str:
        """A short, readable summary: counts first, then the first few msgids of each kind."""
        lines = [
            f"{self.language}: {len(self.missing)} of {self.total} msgids missing or empty, "
            f"{len(self.fuzzy)} fuzzy, {len(self.placeholders)} with placeholders that differ "
            f"from the English, {len(self.plural_forms)} lacking plural forms"
        ]
        for kind in ("missing", "fuzzy", "placeholders", "plural_forms"):
            items = getattr(self, kind)
            for msgid in items[:show]:
                lines.append(f"  {kind}: {msgid!r}")
            if len(items) > show:
                lines.append(f"  {kind}: … and {len(items) - show} more")
        return "\n".join(lines)


def _ids(message: Message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def _forms(message: Message) -> tuple[str, ...]:
    if isinstance(message.string, tuple | list):
        return tuple(s or "" for s in message.string)
    return (message.string or "",)


def placeholder_mismatch(message: Message) -> bool:
    """True when a translation adds or drops a named placeholder.

    A plural's first (singular) form may leave out the count ("en timme" for "%(num)d hour"),
    so it need only use placeholders the English uses; every other form must match the
    English plural exactly.
    """
    ids = _ids(message)
    forms = _forms(message)
    if len(ids) == 1:
        return any(form and placeholders(form) != placeholders(ids[0]) for form in forms)
    allowed = placeholders(ids[0]) | placeholders(ids[1])
    if forms[0] and not placeholders(forms[0]) <= allowed:
        return True
    return any(form and placeholders(form) != placeholders(ids[1]) for form in forms[1:])


def check(template: Catalog, catalogue: Catalog) -> Problems:
    """Compare one language's catalogue with the extracted template."""
    problems = Problems(language=str(catalogue.locale))
    for expected in sorted(template, key=lambda m: str(m.id)):
        if not expected.id:
            continue
        problems.total += 1
        label = " | ".join(_ids(expected))
        found = catalogue.get(expected.id, context=expected.context)
        if found is None or not any(_forms(found)):
            problems.missing.append(label)
            continue
        if found.fuzzy:
            problems.fuzzy.append(label)
        if isinstance(expected.id, tuple):
            forms = _forms(found)
            if len(forms) != catalogue.num_plurals or not all(forms):
                problems.plural_forms.append(label)
        elif not _forms(found)[0]:
            problems.missing.append(label)
        if placeholder_mismatch(found):
            problems.placeholders.append(label)
    return problems


def compile_catalogues(only_if_stale: bool = True) -> list[Path]:
    """Write messages.mo beside each messages.po (fuzzy entries left out, as pybabel does).

    Returns the .mo paths written. With `only_if_stale`, a .mo newer than its .po is kept.
    """
    written = []
    for language in TRANSLATED_LANGUAGES:
        source = po_path(language)
        target = source.with_suffix(".mo")
        if only_if_stale and target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
            continue
        catalogue = load_catalogue(language)
        with target.open("wb") as handle:
            write_mo(handle, catalogue, use_fuzzy=False)
        written.append(target)
    return written


def merge_new_strings(tsv: Path) -> int:
    """Bring the catalogues up to the extracted template and fill them from a
    NEW_STRINGS.tsv (msgid<TAB>sv<TAB>de per line), as each branch hands its new msgids over.
    A plural message takes two rows, its singular and its plural msgid.
    Writes the .po files in the layout `make translations` uses; returns the rows merged."""
    from babel.messages.pofile import write_po

    rows = [
        line.rstrip("\n").split("\t")
        for line in tsv.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    bad = [row[0] for row in rows if len(row) != 3 or not all(row)]
    if bad:
        raise ValueError(f"rows without msgid, sv and de: {bad[:5]}")
    template = extract_template()
    for column, language in enumerate(TRANSLATED_LANGUAGES, start=1):
        catalogue = load_catalogue(language)
        catalogue.update(template, no_fuzzy_matching=True)
        given = {row[0]: row[column] for row in rows}
        for message in catalogue:
            if isinstance(message.id, tuple):  # (singular, plural): both rows are needed
                if all(part in given for part in message.id):
                    message.string = tuple(given[part] for part in message.id)
            elif message.id in given:
                message.string = given[message.id]
        with po_path(language).open("wb") as handle:
            write_po(handle, catalogue, width=0, sort_output=True, include_lineno=False)
    return len(rows)
