"""Catalogue completeness: every msgid the code and templates mark has a Swedish and a German
translation, not fuzzy, with the English placeholders, and all plural forms.

The per-language tests fail while the translators are still filling the catalogues; their
message opens with the counts per kind (missing, fuzzy, placeholders, plural forms)."""

from __future__ import annotations

import pytest
from babel.messages.catalog import Catalog

from mentor_app.i18n import catalogues
from mentor_app.i18n.catalogues import check, placeholders


@pytest.fixture(scope="module")
def template() -> Catalog:
    return catalogues.extract_template()


@pytest.mark.parametrize("language", catalogues.TRANSLATED_LANGUAGES)
def test_every_msgid_is_translated(template: Catalog, language: str) -> None:
    problems = check(template, catalogues.load_catalogue(language))
    if problems.count():
        pytest.fail(problems.report(), pytrace=False)


def test_extraction_finds_the_marked_strings(template: Catalog) -> None:
    # Guards the checker against an extraction that silently finds nothing.
    ids = {m.id for m in template}
    assert len(ids) > 500
    assert any(isinstance(i, tuple) for i in ids), "no ngettext plural extracted"


def _catalogue(language: str = "sv") -> Catalog:
    catalogue = Catalog(locale=language)
    catalogue.add("Hello %(name)s", "Hej %(name)s")
    return catalogue


def _template(*messages: object) -> Catalog:
    template = Catalog()
    for message in messages:
        template.add(message)
    return template


def test_placeholders_are_read_in_both_styles() -> None:
    assert placeholders("%(name)s has %(n)d, {count} and {{literal}}") == {
        "%name",
        "%n",
        "{count}",
    }


def test_a_complete_catalogue_has_no_problems() -> None:
    assert check(_template("Hello %(name)s"), _catalogue()).count() == 0


def test_missing_and_empty_entries_are_counted() -> None:
    catalogue = _catalogue()
    catalogue.add("Empty", "")
    problems = check(_template("Hello %(name)s", "Absent", "Empty"), catalogue)
    assert problems.missing == ["Absent", "Empty"]
    assert problems.report().startswith("sv: 2 of 3 msgids missing or empty")


def test_fuzzy_entries_fail() -> None:
    catalogue = _catalogue()
    catalogue.add("Save", "Spara", flags=["fuzzy"])
    assert check(_template("Save"), catalogue).fuzzy == ["Save"]


@pytest.mark.parametrize(
    "translation", ["Hej", "Hej %(namn)s", "Hej %(name)s och {extra}", "Hej {name}"]
)
def test_a_dropped_added_or_renamed_placeholder_fails(translation: str) -> None:
    catalogue = Catalog(locale="sv")
    catalogue.add("Hello %(name)s", translation)
    assert check(_template("Hello %(name)s"), catalogue).placeholders == ["Hello %(name)s"]


def test_brace_placeholders_are_checked_too() -> None:
    catalogue = Catalog(locale="de")
    catalogue.add("Wait {minutes} min", "Warten Sie {minuten} Min.")
    assert check(_template("Wait {minutes} min"), catalogue).placeholders


def test_plural_entries_need_every_form() -> None:
    plural = ("%(num)d hour", "%(num)d hours")
    catalogue = Catalog(locale="sv")
    catalogue.add(plural, ("en timme", ""))
    problems = check(_template(plural), catalogue)
    assert problems.plural_forms == ["%(num)d hour | %(num)d hours"]


def test_a_plural_singular_may_leave_out_the_count_but_not_the_plural() -> None:
    plural = ("%(num)d hour", "%(num)d hours")
    good = Catalog(locale="sv")
    good.add(plural, ("en timme", "%(num)d timmar"))
    assert check(_template(plural), good).count() == 0
    bad = Catalog(locale="sv")
    bad.add(plural, ("%(num)d timme", "flera timmar"))
    assert check(_template(plural), bad).placeholders


def test_new_strings_tsv_rows_keep_their_placeholders() -> None:
    """This branch's hand-over to the lead: every row has sv and de, with the English
    placeholders (merged with `make merge-new-strings TSV=NEW_STRINGS.tsv`)."""
    tsv = catalogues.PROJECT_ROOT / "NEW_STRINGS.tsv"
    if not tsv.exists():
        pytest.skip("no NEW_STRINGS.tsv on this branch (nothing waiting to be merged)")
    for line in tsv.read_text(encoding="utf-8").splitlines():
        msgid, sv, de = line.split("\t")
        assert sv and de, msgid
        assert placeholders(sv) == placeholders(msgid) == placeholders(de), msgid


def test_a_plural_message_takes_its_two_rows_from_new_strings(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # A plural handed over as two rows (singular, plural) fills both forms; it once became the
    # first characters of the singular's translation ("%", "(").
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    from mentor_app.i18n import catalogues

    one, many = "%(num)s request waits.", "%(num)s requests wait."
    template = Catalog()
    template.add((one, many))
    for language in catalogues.TRANSLATED_LANGUAGES:
        path = tmp_path / language / "messages.po"
        path.parent.mkdir()
        with path.open("wb") as handle:
            write_po(handle, Catalog(locale=language))
    monkeypatch.setattr(catalogues, "po_path", lambda language: tmp_path / language / "messages.po")
    monkeypatch.setattr(catalogues, "extract_template", lambda: template)
    tsv = tmp_path / "NEW_STRINGS.tsv"
    tsv.write_text(
        f"{one}\t%(num)s förfrågan väntar.\t%(num)s Anfrage wartet.\n"
        f"{many}\t%(num)s förfrågningar väntar.\t%(num)s Anfragen warten.\n",
        encoding="utf-8",
    )

    assert catalogues.merge_new_strings(tsv) == 2

    swedish = catalogues.load_catalogue("sv")[one]
    assert swedish.string == ("%(num)s förfrågan väntar.", "%(num)s förfrågningar väntar.")
    assert catalogues.load_catalogue("de")[one].string[1] == "%(num)s Anfragen warten."
