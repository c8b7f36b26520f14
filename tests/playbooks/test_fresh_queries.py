"""The independent query set (tests/playbooks/queries/fresh_<language>.tsv) is sound and untouched.

The set measures how the search generalises, so these tests check only its shape (every guide
covered, every slug real, no malformed line) and that nothing but the benchmark reads it: a set
that tuning code reads is no longer independent. Accuracy on it is printed by
benchmarks/bench_guides_search.py and deliberately never asserted here.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from tests.playbooks.fresh_set import LANGUAGES, load_fresh, path_of

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "mentor_app" / "content"
PER_GUIDE = {"en": 2, "sv": 1, "de": 1}  # queries per guide and language
SLUG_LINE = re.compile(r'^slug\s*=\s*"([^"]+)"', re.MULTILINE)

# Files allowed to name the independent set; everything else under these folders must not.
READERS = {
    "benchmarks/bench_guides_search.py",
    "tests/playbooks/fresh_set.py",
    "tests/playbooks/test_fresh_queries.py",
}
SCANNED = ("mentor_app", "static", "tests", "benchmarks", "migrations", "templates")
SCANNED_FILES = ("Makefile", "pyproject.toml", "config.py")
MENTIONS = re.compile(r"fresh_(en|sv|de)\b|fresh_\{|fresh_set|load_fresh|queries/fresh")


def english_slugs() -> set[str]:
    """The slug in the front matter of every English guide file (FORMAT.md is no guide)."""
    slugs = set()
    for path in CONTENT.glob("*.md"):
        found = SLUG_LINE.search(path.read_text(encoding="utf-8"))
        if found:
            slugs.add(found.group(1))
    return slugs


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_line_has_a_query_and_one_or_two_slugs(language: str) -> None:
    path = path_of(language)
    assert path.is_file(), f"missing {path}"
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        assert len(fields) in (2, 3), f"{path.name}:{number}: want 2 or 3 tab-separated fields"
        assert all(field.strip() == field and field for field in fields), (
            f"{path.name}:{number}: an empty field or stray spaces"
        )


@pytest.mark.parametrize("language", LANGUAGES)
def test_slugs_are_real_and_every_guide_is_covered(language: str) -> None:
    slugs = english_slugs()
    items = load_fresh(language)
    named = {item.expected for item in items} | {item.second for item in items if item.second}
    assert named <= slugs, f"unknown slugs: {sorted(named - slugs)}"
    assert all(item.second != item.expected for item in items)
    counts = Counter(item.expected for item in items)
    wrong = {slug: counts[slug] for slug in slugs if counts[slug] != PER_GUIDE[language]}
    assert not wrong, f"want {PER_GUIDE[language]} queries per guide; got {wrong}"
    queries = [item.query.casefold() for item in items]
    assert len(queries) == len(set(queries)), "a query appears twice"


def test_the_guide_count_is_what_the_set_was_written_for() -> None:
    # A new guide needs fresh queries written the same blind way, not a tuned guess.
    assert len(english_slugs()) == len(load_fresh("de"))


def test_only_the_benchmark_reads_the_independent_set() -> None:
    files = [ROOT / name for name in SCANNED_FILES]
    for folder in SCANNED:
        files += [p for p in (ROOT / folder).rglob("*") if p.is_file()]
    readers = set()
    for path in files:
        if path.suffix in (".tsv", ".pyc", ".mo", ".png", ".gz") or "__pycache__" in path.parts:
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        if MENTIONS.search(text):
            readers.add(path.relative_to(ROOT).as_posix())
    assert readers <= READERS, f"tuning must not read the fresh set: {sorted(readers - READERS)}"
    assert "benchmarks/bench_guides_search.py" in readers  # the scan does find a real reader
