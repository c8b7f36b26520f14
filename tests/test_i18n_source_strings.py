"""English source strings that translate well (issue 16): plurals through ngettext, whole
sentences instead of glued fragments, context for words with two meanings, codes shown as
labels, and one small-count threshold. Each case is rendered in Swedish and German for n=1 and
n=2 from the real catalogues, compiled for this session."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import get_template_attribute, render_template
from flask_babel import force_locale, ngettext, pgettext
from flask_babel import gettext as _
from sqlalchemy import update

from mentor_app.accounts.models import User
from tests.conftest import csrf_token

SOURCE = Path(__file__).resolve().parent.parent / "mentor_app" / "translations"
LANGS = ("sv", "de")
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|\{(\w+)\}")


@pytest.fixture(scope="session")
def compiled_catalogues(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The .po files of the tree compiled to .mo in a directory of this session."""
    out = tmp_path_factory.mktemp("translations")
    for lang in LANGS:
        with open(SOURCE / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
            catalog = read_po(fh, locale=lang)
        target = out / lang / "LC_MESSAGES"
        target.mkdir(parents=True)
        with open(target / "messages.mo", "wb") as fh:
            write_mo(fh, catalog)
    return out


@pytest.fixture
def translated(app, compiled_catalogues: Path) -> Iterator:  # type: ignore[no-untyped-def]
    """The app reading the compiled catalogues. Flask-Babel caches translations per process,
    so the cache is emptied before and after (other tests may have cached none)."""
    from mentor_app.extensions import babel

    app.extensions["babel"].translation_directories = [str(compiled_catalogues)]
    with app.app_context():
        cache = babel.domain_instance.cache
    cache.clear()
    yield app
    cache.clear()


def _in(app, lang: str):  # type: ignore[no-untyped-def]
    """A request context whose language is `lang` (the caller enters both)."""
    return app.test_request_context("/"), force_locale(lang)


def _render(app, lang: str, template: str, **context) -> str:  # type: ignore[no-untyped-def]
    ctx, locale = _in(app, lang)
    with ctx, locale:
        return " ".join(render_template(template, **context).split())


def _say(app, lang: str, func, *args, **kwargs) -> str:  # type: ignore[no-untyped-def]
    ctx, locale = _in(app, lang)
    with ctx, locale:
        return str(func(*args, **kwargs))


# --- plurals ---------------------------------------------------------------------------------

SWITCH = {
    ("sv", "on", 1): "Du är i beredskap den närmaste timmen.",
    ("sv", "on", 2): "Du är i beredskap de kommande 2 timmarna.",
    ("de", "on", 1): "Sie sind in der nächsten Stunde in Rufbereitschaft.",
    ("de", "on", 2): "Sie sind in den nächsten 2 Stunden in Rufbereitschaft.",
    ("sv", "pause", 1): "Inga förfrågningar den närmaste timmen.",
    ("sv", "pause", 2): "Inga förfrågningar de kommande 2 timmarna.",
    ("de", "pause", 1): "Keine Anfragen in der nächsten Stunde.",
    ("de", "pause", 2): "Keine Anfragen in den nächsten 2 Stunden.",
}


@pytest.mark.parametrize(("lang", "action", "hours"), sorted(SWITCH))
def test_availability_switch_confirms_in_a_whole_sentence(  # type: ignore[no-untyped-def]
    translated, actors, clock, db, lang, action, hours
) -> None:
    clock.freeze(NOW)
    client, user_id = actors.signed_in("consultant")
    db.execute(update(User).where(User.id == user_id).values(locale=lang))
    db.commit()
    data = {"csrf_token": csrf_token(client), "action": action, "hours": str(hours)}
    response = client.post("/pool/me/availability", data=data, follow_redirects=True)
    assert response.status_code == 200
    page = " ".join(response.get_data(as_text=True).split())
    assert SWITCH[(lang, action, hours)] in page


@pytest.mark.parametrize(
    ("lang", "n", "expected"),
    [
        ("sv", 1, "1 förslag väntar på granskning. 1 guide är försenad för översyn."),
        ("sv", 2, "2 förslag väntar på granskning. 2 guider är försenade för översyn."),
        ("de", 1, "1 Vorschlag wartet auf Prüfung. Bei 1 Leitfaden ist die Überprüfung"),
        ("de", 2, "2 Vorschläge warten auf Prüfung. Bei 2 Leitfäden ist die Überprüfung"),
    ],
)
def test_guide_review_counts_on_the_coordinator_home(translated, lang, n, expected) -> None:  # type: ignore[no-untyped-def]
    counts = {"pending": n, "overdue": n}
    html = _render(
        translated, lang, "playbooks/_home_coordinator.html", guide_review_counts=lambda: counts
    )
    assert expected in html


@pytest.mark.parametrize(
    ("lang", "n", "start"),
    [
        ("sv", 1, "1 konsultation. Innehållet"),
        ("sv", 2, "2 konsultationer. Innehållet"),
        ("de", 1, "1 Fallberatung. Ihr Inhalt"),
        ("de", 2, "2 Fallberatungen. Ihr Inhalt"),
    ],
)
def test_consult_count_on_the_case_page(translated, lang, n, start) -> None:  # type: ignore[no-untyped-def]
    # The message of templates/consults/case.html for a coordinator who sees only the count.
    text = _say(
        translated,
        lang,
        ngettext,
        "%(num)s consult. Its content is for the case manager and the consultant.",
        "%(num)s consults. Their content is for the case manager and the consultant.",
        n,
    )
    assert text.startswith(start)


def test_tag_in_use_counts_consultants(translated, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from mentor_app.pool import tags

    session = SimpleNamespace(get=lambda _model, _key: object())  # the tag exists
    coordinator = SimpleNamespace(role="coordinator")

    def refusal(n: int) -> str:
        monkeypatch.setattr(tags, "usage", lambda _session: {"t": n})
        with pytest.raises(tags.PoolError) as err:
            tags.remove_tag(session, NOW, coordinator, "t")  # type: ignore[arg-type]
        return str(err.value)

    assert _say(translated, "sv", refusal, 1).startswith("1 konsult har den här taggen")
    assert _say(translated, "sv", refusal, 2).startswith("2 konsulter har den här taggen")
    assert _say(translated, "de", refusal, 1).startswith("1 Fachkraft hat dieses Schlagwort")
    assert _say(translated, "de", refusal, 2).startswith("2 Fachkräfte haben dieses Schlagwort")


# --- whole sentences -------------------------------------------------------------------------


def _consultant_home(hours: list[int]) -> dict:  # type: ignore[type-arg]
    availability = SimpleNamespace(
        paused_until=None, available_until=None, on_call_now=False, routable=True
    )
    return {"pool_consultant_home": lambda: {"availability": availability, "hours": hours}}


@pytest.mark.parametrize(
    ("lang", "label", "one", "two"),
    [
        ("sv", "Hur länge vill du vara tillgänglig nu?", "i 1 timme", "i 2 timmar"),
        ("de", "Wie lange möchten Sie ab jetzt verfügbar sein?", "für 1 Stunde", "für 2 Stunden"),
    ],
)
def test_availability_menus_are_whole_phrases(translated, lang, label, one, two) -> None:  # type: ignore[no-untyped-def]
    html = _render(translated, lang, "pool/_home_consultant.html", **_consultant_home([1, 2]))
    assert f'<label for="avail-hours">{label}</label>' in html
    assert f'<option value="1">{one}</option>' in html
    assert f'<option value="2" selected>{two}</option>' in html


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        ("sv", 'Akut fara? Ring <a href="tel:112">112</a>.'),
        ("de", 'Akute Gefahr? Rufen Sie <a href="tel:112">112</a> an.'),
    ],
)
def test_emergency_line_is_one_sentence_with_a_live_link(translated, lang, sentence) -> None:  # type: ignore[no-untyped-def]
    c = SimpleNamespace(
        waiting_notice=False, language_name="Svenska", guide_url=None, coordinators_alerted=False
    )
    html = _render(translated, lang, "consults/_waiting.html", c=c, emergency_number="112")
    assert sentence in html


def test_period_errors_are_whole_messages(translated) -> None:  # type: ignore[no-untyped-def]
    from mentor_app.dashboard import metrics

    def error(start: str, end: str) -> str:
        with pytest.raises(metrics.PeriodError) as err:
            metrics.parse_period(start, end)
        return str(err.value)

    assert _say(translated, "sv", error, "x", "2026-01-01") == (
        "Startdatumet måste skrivas som 2026-03-31."
    )
    assert _say(translated, "sv", error, "2026-01-01", "2026-02-30") == "Slutdatumet finns inte."
    assert _say(translated, "de", error, "2026-01-01", "x") == (
        "Das Enddatum muss ein Datum wie 2026-03-31 sein."
    )
    assert _say(translated, "de", error, "2026-02-30", "2026-03-01") == (
        "Das Startdatum gibt es nicht."
    )


@pytest.mark.parametrize(
    ("lang", "named", "former"),
    [
        ("sv", "av Anna", "av en tidigare användare"),
        ("de", "von Anna", "von einem ehemaligen Konto"),
    ],
)
def test_by_a_former_user_is_its_own_message(translated, lang, named, former) -> None:  # type: ignore[no-untyped-def]
    def by(user_id: int) -> str:
        return str(
            get_template_attribute("playbooks/_macros.html", "by_name")({7: "Anna"}, user_id)
        )

    assert _say(translated, lang, by, 7) == named
    assert _say(translated, lang, by, 8) == former


def test_device_dates_and_former_coordinator_are_whole_messages(translated) -> None:  # type: ignore[no-untyped-def]
    assert _say(translated, "de", _, "added %(date)s", date="2026-06-01") == (
        "hinzugefügt am 2026-06-01"
    )
    assert _say(translated, "sv", _, "last used %(date)s", date="2026-06-01") == (
        "senast använd 2026-06-01"
    )
    assert _say(translated, "sv", _, "by a former coordinator, %(when)s", when="1 juni") == (
        "av en tidigare samordnare, 1 juni"
    )


# --- context, codes, labels, threshold -------------------------------------------------------


def test_decline_means_different_things_for_a_request_and_a_proposal(translated) -> None:  # type: ignore[no-untyped-def]
    assert _say(translated, "sv", _, "Decline") == "Tacka nej"
    assert _say(translated, "sv", pgettext, "guide proposal", "Decline") == "Avslå"

    def state(code: str) -> str:
        return str(get_template_attribute("playbooks/_macros.html", "state_label")(code)).strip()

    assert _say(translated, "sv", state, "declined") == "Avslagen"
    assert _say(translated, "de", state, "declined") == "Abgelehnt"


def test_codes_are_shown_as_labels(translated) -> None:  # type: ignore[no-untyped-def]
    from mentor_app.consults import policy, vocab

    assert _say(translated, "sv", vocab.offer_state_label, "released") == "lämnad tillbaka"
    assert _say(translated, "de", vocab.eligibility_reason_label, "not_on_call") == (
        "nicht in Rufbereitschaft"
    )
    codes = {
        value
        for name, value in vars(policy).items()
        if name.isupper() and isinstance(value, str) and value == value.lower()
    }
    assert codes and codes <= set(vocab.ELIGIBILITY_REASON_LABELS)


def test_guide_kinds_follow_the_glossary(translated) -> None:  # type: ignore[no-untyped-def]
    from mentor_app.playbooks.policy import KIND_LABELS

    def labels() -> list[str]:
        return [str(KIND_LABELS[k]) for k in ("trigger", "rupture", "approach", "team")]

    assert _say(translated, "sv", labels) == str(
        ["Triggande händelser", "Laga sprickan", "Arbetssätt", "Team"]
    )
    assert _say(translated, "de", labels) == str(
        ["Auslöser", "Beziehung wieder aufbauen", "Arbeitsweisen", "Team"]
    )


def test_small_count_threshold_is_one_number(translated) -> None:  # type: ignore[no-untyped-def]
    from mentor_app.dashboard import report

    assert f"<{report.SMALL_CELL}" == report.SMALL
    assert translated.jinja_env.globals["small_cell"] == report.SMALL_CELL
    for name in ("dashboard/report.html", "dashboard/metrics.html"):
        source = translated.jinja_loader.get_source(translated.jinja_env, name)[0]
        assert "n=small_cell" in source and "5" not in re.findall(r"below (\S+)", source)[0]


# --- the catalogues --------------------------------------------------------------------------


def _names(text: str) -> set[str]:
    return {a or b for a, b in PLACEHOLDER.findall(text)}


@pytest.mark.parametrize("lang", LANGS)
def test_catalogue_has_no_empty_or_fuzzy_entry_and_keeps_placeholders(lang: str) -> None:
    with open(SOURCE / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
        catalog = read_po(fh, locale=lang)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated: {ids[0]!r}")
            continue
        for index, text in enumerate(strings):
            wanted = _names(ids[-1])
            # A singular may say "the next hour" without the number; nothing else may differ.
            allowed = {frozenset(wanted)} | ({frozenset(_names(ids[0]))} if index == 0 else set())
            if frozenset(_names(text)) not in allowed:
                problems.append(f"placeholders differ: {ids[0]!r} -> {text!r}")
    assert not problems, "\n".join(problems)
