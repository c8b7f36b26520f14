"""The labelled queries in tests/playbooks/queries/<language>.tsv, and their fixed split.

A line is `query<TAB>expected slug[<TAB>acceptable second]`; `#` starts a comment line. The
split is fixed once, by the query text alone: the first byte of its SHA-256 (UTF-8) even →
tuning half, odd → held-out half. Tuning (lexicons, weights) looks at the tuning half only.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

QUERY_DIR = Path(__file__).resolve().parent / "queries"
TUNING, HELD_OUT = "tuning", "held-out"


@dataclass(frozen=True)
class Labelled:
    query: str
    expected: str
    second: str | None  # also acceptable first (a query that fits two guides), or None

    @property
    def half(self) -> str:
        digest = hashlib.sha256(self.query.encode("utf-8")).digest()
        return TUNING if digest[0] % 2 == 0 else HELD_OUT

    def first_ok(self, ranked: list[str]) -> bool:
        return bool(ranked) and ranked[0] in (self.expected, self.second)

    def top3_ok(self, ranked: list[str]) -> bool:
        return self.expected in ranked[:3]


def read(path: Path) -> list[Labelled]:
    """Every labelled query in the file at `path` (format above), in file order."""
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        query, expected, *rest = line.split("\t")
        second = rest[0].strip() if rest and rest[0].strip() else None
        found.append(Labelled(query.strip(), expected.strip(), second))
    return found


def load(language: str, half: str | None = None) -> list[Labelled]:
    """The labelled queries of `language` ("en", "sv", "de"), all or one half."""
    found = read(QUERY_DIR / f"{language}.tsv")
    return [item for item in found if half is None or item.half == half]
