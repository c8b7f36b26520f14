"""The shared file of expected search results: tests/playbooks/search_expected.json.

    python -m tests.playbooks.expected_results     (rewrites the file)

It maps, per reader language, every labelled query (and a few more) to the top 3 slugs the
server ranks for it on the published library. The server test (tests/playbooks/test_search.py)
and the browser test (tests/browser/test_guides_browser.py, which runs static/js/guides-rank.js
on /guides/index.json) both compare with it, so the two rankers cannot drift apart. Regenerate
it after changing a guide, a lexicon or the ranking, and read the diff: it shows what moved.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from mentor_app.db import Database, utcnow
from mentor_app.models import metadata
from mentor_app.playbooks import search
from mentor_app.playbooks.search import rank
from mentor_app.playbooks.sync import sync_library
from tests.playbooks.query_set import load

EXPECTED_FILE = Path(__file__).resolve().parent / "search_expected.json"
LANGUAGES = ("en", "sv", "de")
# Beyond the labelled queries: typing, nonsense (weak), and another language than the reader's.
EXTRA = {
    "en": ["ber", "funer", "shoutin", "zzqqxx", "passed away", "first day"],
    "sv": ["my client's father died", "hearing voices", "självmordstankar", "zzqqxx"],
    "de": ["my client's father died", "Trauerfall", "Suizidgedanken", "zzqqxx"],
}


def queries(language: str) -> list[str]:
    found: list[str] = []
    for query in [item.query for item in load(language)] + EXTRA[language]:
        if query not in found:
            found.append(query)
    return found


def library_datas() -> dict[str, list[dict[str, Any]]]:
    """The ranking data per reader language for the library in mentor_app/content, built on a
    throwaway SQLite database (as the app publishes it)."""
    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite:///{folder}/library.db")
        metadata.create_all(database.engine)
        try:
            with database.session() as session:
                report = sync_library(session, utcnow())
                assert report.ok, report.problems
                session.commit()
                return {lang: search.ranking_data(session, lang) for lang in LANGUAGES}
        finally:
            database.engine.dispose()


def top3(datas: list[dict[str, Any]], query: str) -> list[str]:
    return [hit.slug for hit in rank.rank(datas, query)[:3]]


def expected(datas_by_language: dict[str, list[dict[str, Any]]]) -> dict[str, dict]:
    return {
        lang: {query: top3(datas_by_language[lang], query) for query in queries(lang)}
        for lang in LANGUAGES
    }


def main() -> None:
    found = expected(library_datas())
    text = json.dumps(found, ensure_ascii=False, indent=1, sort_keys=True)
    EXPECTED_FILE.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {EXPECTED_FILE} ({sum(len(v) for v in found.values())} queries)")


if __name__ == "__main__":
    main()
