"""The independent query set: tests/playbooks/queries/fresh_<language>.tsv.

Written by someone who never saw the search code, the lexicons, the tuning queries or the guides'
tags and synonyms, from each guide's title, subtitle and "When this applies" alone. It measures
how the search generalises; it is never tuned on. Only the benchmark and the test that guards
this rule import this module (tests/playbooks/test_fresh_queries.py checks that).
"""

from __future__ import annotations

from tests.playbooks.query_set import QUERY_DIR, Labelled, read

LANGUAGES = ("en", "sv", "de")
LABEL = "fresh (independent, never tuned on)"


def path_of(language: str):  # type: ignore[no-untyped-def]
    """Path of the independent set for `language` ("en", "sv" or "de")."""
    return QUERY_DIR / f"fresh_{language}.tsv"


def load_fresh(language: str) -> list[Labelled]:
    """The independent queries of `language`, in file order."""
    return read(path_of(language))
