"""The guide translations in mentor_app/content/<lang>/ keep the contract they are loaded by.

A translation is one file per English guide, `content/<lang>/<slug>.md`, with front matter that
names the English revision it follows (`source_sha256`: the English file's bytes) and its
review state, then the same nine sections as the English guide, headed by the same English `##`
headings (structural keys; the page shows translated labels). What a mentor reads in a hard
moment obeys the same limits as in English (First minute, two-minute first read, short title),
list items stay as many as in English (Steps numbering, each Say and Avoid phrasing), the
emergency line stays first, Related links name the target guide by its translated title, and
the literature keeps its bibliographic entries.

Every language folder present is checked; `REQUIRED_LANGUAGES` must be present. Each test on the
real files prints what it examined, and the tests on altered copies show that a missing file, a
missing section and a stale hash are each reported (the checks cannot pass by construction).
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

from mentor_app.playbooks import policy
from mentor_app.playbooks.loader import CONTENT_DIR, guide_files, parse_guide, split_front_matter
from mentor_app.playbooks.render import first_read_words, parse_sections, related_slugs

LANGUAGES = ("sv", "de")
# Written on this branch; `de` joins this tuple once content/de/ is merged.
REQUIRED_LANGUAGES = ("sv", "de")
REQUIRED_KEYS = (
    "slug", "language", "source_sha256", "review_state", "title", "topic", "summary", "tags",
    "synonyms",
)  # fmt: skip
OPTIONAL_KEYS = ("subtitle",)
# "unreviewed": translated, not yet reviewed by a native-speaking professional.
REVIEW_STATES = ("unreviewed", "reviewed")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
# The emergency line a reader sees first under "Call a consultant when", per language.
EMERGENCY = {"sv": re.compile(r"\bring 112\b", re.I), "de": re.compile(r"\b112\b")}
# The quotation marks each language uses (translations/GLOSSARY.md); no straight ASCII quotes.
OPENING_QUOTE = {"sv": "”", "de": "„"}
ITEM_RE = re.compile(r"^(?:[-*+]|\d+\.)\s", re.M)
NUMBERED_RE = re.compile(r"^(\d+)\.\s", re.M)
LINK_RE = re.compile(r"\[([^\]]+)\]\(/guides/([^)\s#?]+)\)")
ITALIC_RE = re.compile(r"\*([^*]+)\*")
AUTHOR_YEAR_RE = re.compile(r"^- (.+?\(\d{4}\))")
HTML_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^>]*)?>")


@dataclass
class Translation:
    slug: str
    meta: dict
    sections: dict[str, str]
    body: str


@dataclass
class Report:
    """Everything the checks found for one language folder."""

    language: str
    translations: dict[str, Translation] = field(default_factory=dict)
    problems: dict[str, list[str]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)

    def add(self, slug: str, problem: str) -> None:
        self.problems.setdefault(slug, []).append(problem)

    def lines(self) -> list[str]:
        return [f"{slug}: {p}" for slug, found in sorted(self.problems.items()) for p in found]


def english_guides(content: Path) -> dict[str, tuple[str, dict[str, str], str]]:
    """slug → (sha256 of the file's bytes, sections, subtitle or '') for every English guide."""
    guides = {}
    for path in guide_files(content):
        source, problems = parse_guide(path)
        assert source is not None and problems == [], f"{path.name}: {problems}"
        sections = parse_sections(source.body).sections
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        guides[source.slug] = (digest, sections, source.subtitle or "")
    return guides


def read_translation(path: Path, language: str, report: Report) -> Translation | None:
    slug = path.stem
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        report.add(slug, "not UTF-8")
        return None
    split = split_front_matter(text)
    if split is None:
        report.add(slug, "no front matter between +++ lines at the top")
        return None
    try:
        meta = tomllib.loads(split[0])
    except tomllib.TOMLDecodeError as err:
        report.add(slug, f"front matter is not valid TOML: {err}")
        return None
    parsed = parse_sections(split[1])
    for problem in parsed.problems:
        report.add(slug, problem)
    return Translation(slug, meta, parsed.sections, split[1])


def check_front_matter(item: Translation, english_sha: str, subtitle: str, report: Report) -> None:
    meta, slug = item.meta, item.slug
    missing = [k for k in REQUIRED_KEYS if k not in meta]
    unknown = sorted(set(meta) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS))
    if missing:
        report.add(slug, f"front matter lacks {', '.join(missing)}")
    if unknown:
        report.add(slug, f"front matter has keys that belong to the English guide: {unknown}")
    if meta.get("slug") != slug:
        report.add(slug, f"slug {meta.get('slug')!r} differs from the file name")
    if meta.get("language") != report.language:
        report.add(slug, f"language {meta.get('language')!r} in the {report.language}/ folder")
    if meta.get("review_state") not in REVIEW_STATES:
        report.add(slug, f"review_state {meta.get('review_state')!r} not in {REVIEW_STATES}")
    sha = meta.get("source_sha256")
    if not isinstance(sha, str) or not SHA256_RE.match(sha):
        report.add(slug, "source_sha256 is not 64 lower-case hex digits")
    elif sha != english_sha:
        report.stale.append(slug)
        report.add(slug, "stale: source_sha256 does not match the current English file")
    limits = {
        "title": policy.TITLE_MAX,
        "subtitle": policy.SUBTITLE_MAX,
        "topic": policy.TOPIC_MAX,
        "summary": policy.SUMMARY_MAX,
    }
    for key, limit in limits.items():
        value = meta.get(key)
        if key == "subtitle" and value is None:
            continue
        if not isinstance(value, str) or not value.strip():
            report.add(slug, f"'{key}' must be a non-empty text")
        elif len(value) > limit:
            report.add(slug, f"'{key}' has {len(value)} characters; at most {limit}")
    if bool(subtitle) != ("subtitle" in meta):
        report.add(slug, "subtitle: present in one language only (the English guide decides)")
    for key, limit in (("tags", policy.MAX_TAGS), ("synonyms", policy.MAX_SYNONYMS)):
        values = meta.get(key)
        if not (isinstance(values, list) and values and all(isinstance(v, str) for v in values)):
            report.add(slug, f"'{key}' must be a non-empty list of texts")
            continue
        for problem in policy.list_problems(values, limit, key):
            report.add(slug, problem)


def items(text: str) -> list[str]:
    return ITEM_RE.findall(text)


def check_body(item: Translation, english: dict[str, str], report: Report) -> None:
    slug, sections = item.slug, item.sections
    headings = re.findall(r"^## (.+?)\s*$", item.body, re.M)
    if headings != list(policy.SECTIONS):
        report.add(slug, f"the ## headings are not the nine English ones in order: {headings}")
    words = first_read_words(sections)
    if words > policy.FIRST_READ_MAX_WORDS:
        report.add(slug, f"first read has {words} words; at most {policy.FIRST_READ_MAX_WORDS}")
    for name in policy.SECTIONS:
        if name not in sections or name not in english:
            continue
        have, want = len(items(sections[name])), len(items(english[name]))
        if have != want:
            report.add(slug, f"'{name}' has {have} list items; the English guide has {want}")
    steps = [int(n) for n in NUMBERED_RE.findall(sections.get("Steps", ""))]
    if steps != list(range(1, len(steps) + 1)) or not steps:
        report.add(slug, f"Steps are not numbered 1…n: {steps}")
    call = sections.get("Call a consultant when", "").split("\n")[0]
    if not (call.startswith("- **") and EMERGENCY[report.language].search(call)):
        report.add(slug, "the first item of 'Call a consultant when' is not the emergency line")
    if '"' in item.body:
        quote = OPENING_QUOTE[report.language]
        report.add(slug, f"straight quotation marks; this language quotes with {quote}…")
    if HTML_RE.search(item.body):
        report.add(slug, "raw HTML in the body")
    check_sources(item, english.get("Sources", ""), report)


def check_sources(item: Translation, english: str, report: Report) -> None:
    """Bibliographic entries stay as they are: authors, year and every italic title."""
    translated = item.sections.get("Sources", "")
    for line in english.split("\n"):
        kept = AUTHOR_YEAR_RE.findall(line) + ITALIC_RE.findall(line)
        for part in kept:
            if part not in translated:
                report.add(item.slug, f"Sources lost the bibliographic text {part!r}")


def check_related(report: Report, english_slugs: set[str]) -> None:
    for item in report.translations.values():
        related = item.sections.get("Related", "")
        links = LINK_RE.findall(related)
        if len(links) != len(related_slugs(item.sections)) or not links:
            report.add(item.slug, "Related has links that are not [Title](/guides/<slug>)")
        for text, target in links:
            if target not in english_slugs:
                report.add(item.slug, f"Related links to a guide that does not exist: {target}")
            elif target == item.slug:
                report.add(item.slug, "Related links the guide to itself")
            elif target not in report.translations:
                report.add(item.slug, f"Related links to {target}, which has no translation")
            elif text != report.translations[target].meta.get("title"):
                title = report.translations[target].meta.get("title")
                report.add(item.slug, f"Related link text {text!r} is not {target}'s {title!r}")


def check_language(language: str, content: Path = CONTENT_DIR) -> Report:
    """Every check of the contract for `content/<language>/`, against the English files."""
    report = Report(language)
    english = english_guides(content)
    folder = content / language
    for slug in sorted(english):
        if not (folder / f"{slug}.md").is_file():
            report.missing.append(slug)
            report.add(slug, f"no {language} translation")
    for path in guide_files(folder):
        if path.stem not in english:
            report.add(path.stem, "a translation of a guide that has no English file")
            continue
        item = read_translation(path, language, report)
        if item is None:
            continue
        sha, sections, subtitle = english[path.stem]
        check_front_matter(item, sha, subtitle, report)
        check_body(item, sections, report)
        report.translations[item.slug] = item
    check_related(report, set(english))
    return report


PRESENT = [lang for lang in LANGUAGES if (CONTENT_DIR / lang).is_dir()]


@cache
def current(language: str) -> Report:
    """The report on the files as they are (computed once per test run)."""
    return check_language(language)


def test_required_languages_are_present() -> None:
    absent = [lang for lang in LANGUAGES if lang not in PRESENT]
    print("translation folders present:", PRESENT, "absent:", absent)
    assert set(REQUIRED_LANGUAGES) <= set(PRESENT), f"missing content/{REQUIRED_LANGUAGES}/"


@pytest.mark.parametrize("language", PRESENT)
def test_every_guide_has_a_translation_that_keeps_the_contract(language: str) -> None:
    report = current(language)
    english = len(guide_files())
    states: dict[str, int] = {}
    for item in report.translations.values():
        state = str(item.meta.get("review_state"))
        states[state] = states.get(state, 0) + 1
    print(
        f"{language}: {len(report.translations)} of {english} guides translated, "
        f"review states {dict(sorted(states.items()))}, missing {len(report.missing)}, "
        f"stale {len(report.stale)}: {', '.join(report.stale) or 'none'}"
    )
    assert report.missing == [], f"{language}: no translation for {report.missing}"
    assert report.stale == [], f"{language}: translations behind the English file: {report.stale}"
    assert report.problems == {}, "\n".join(report.lines())
    assert len(report.translations) == english


@pytest.mark.parametrize("language", PRESENT)
def test_what_is_read_first_stays_within_the_limits(language: str) -> None:
    report = current(language)
    longest = max(first_read_words(t.sections) for t in report.translations.values())
    title = max(len(t.meta["title"]) for t in report.translations.values())
    lines = max(
        len([x for x in t.sections["First minute"].split("\n") if x.strip()])
        for t in report.translations.values()
    )
    print(f"{language}: longest first read {longest} words, title {title} characters, "
          f"First minute at most {lines} lines")  # fmt: skip
    assert longest <= policy.FIRST_READ_MAX_WORDS
    assert title <= policy.TITLE_MAX
    assert lines <= policy.FIRST_MINUTE_MAX_LINES


# The checks on altered copies: each fault is reported by name, so the checks above can fail.


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    language = REQUIRED_LANGUAGES[0]
    folder = tmp_path / "content"
    folder.mkdir()
    for path in guide_files():
        shutil.copy(path, folder / path.name)
    shutil.copytree(CONTENT_DIR / language, folder / language)
    assert current(language).problems == {}, "the copy starts from clean files"
    return folder


def _first_translation(folder: Path) -> Path:
    return guide_files(folder / REQUIRED_LANGUAGES[0])[0]


def test_a_missing_translation_is_named(content_copy: Path) -> None:
    path = _first_translation(content_copy)
    path.unlink()
    report = check_language(REQUIRED_LANGUAGES[0], content_copy)
    assert report.missing == [path.stem]
    # Guides whose Related links point at it are named too.
    assert any("has no translation" in p for found in report.problems.values() for p in found)


def test_a_missing_or_repeated_section_is_named(content_copy: Path) -> None:
    path = _first_translation(content_copy)
    text = path.read_text(encoding="utf-8")
    start = text.index("\n## Avoid\n")
    end = text.index("\n## Call a consultant when\n")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    problems = check_language(REQUIRED_LANGUAGES[0], content_copy).problems[path.stem]
    assert any("Missing section(s): Avoid" in p for p in problems), problems
    path.write_text(text.replace("\n## Say\n", "\n## Say\n- ”x”\n\n## Steps\n1. x\n"), "utf-8")
    problems = check_language(REQUIRED_LANGUAGES[0], content_copy).problems[path.stem]
    assert any("appears twice" in p for p in problems), problems


def test_a_stale_hash_names_the_guide(content_copy: Path) -> None:
    slug = _first_translation(content_copy).stem
    english = content_copy / f"{slug}.md"
    english.write_text(english.read_text() + "\n", encoding="utf-8")  # any change to the bytes
    report = check_language(REQUIRED_LANGUAGES[0], content_copy)
    assert report.stale == [slug]


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('review_state = "unreviewed"', 'review_state = "done"', "review_state"),
        ("\nlanguage = ", "\nkind = \"trigger\"\nlanguage = ", "belong to the English guide"),
        ("\n## Related\n", "\n## Related\n- [Fel titel](/guides/trauma-reminders)\n",
         "list items"),
        ("\n## Call a consultant when\n- **", "\n## Call a consultant when\n- ", "emergency line"),
        ("\n## First minute\n", "\n## First minute\n- Ett.\n- Två.\n- Tre.\n", "lines; at most 3"),
    ],
)  # fmt: skip
def test_other_breaches_are_named(content_copy: Path, old: str, new: str, problem: str) -> None:
    path = _first_translation(content_copy)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    problems = check_language(REQUIRED_LANGUAGES[0], content_copy).problems.get(path.stem, [])
    assert any(problem in p for p in problems), problems


def test_a_related_link_must_use_the_translated_title(content_copy: Path) -> None:
    path = _first_translation(content_copy)
    text = path.read_text(encoding="utf-8")
    text_link = LINK_RE.search(text.split("\n## Related\n")[1])
    assert text_link is not None
    path.write_text(text.replace(f"[{text_link.group(1)}]", "[Some English title]", 1), "utf-8")
    problems = check_language(REQUIRED_LANGUAGES[0], content_copy).problems[path.stem]
    assert any("is not" in p and text_link.group(2) in p for p in problems), problems
