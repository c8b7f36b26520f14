"""The offline index and the search data are built once per published change and language in
each process, not per request: a request that finds them current costs one query."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from mentor_app.playbooks import search, services
from mentor_app.playbooks.search import index
from tests.playbooks.support import publish_guide


@pytest.fixture
def builds(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    """The languages whose ranking data got built, in order; the process caches start empty."""
    monkeypatch.setattr(search, "_BUILT", {}, raising=False)
    monkeypatch.setattr(services, "_INDEX_DOCUMENTS", {}, raising=False)
    built: list[str] = []
    real = index.build

    def counting(documents, language, words):  # type: ignore[no-untyped-def]
        built.append(language)
        return real(documents, language, words)

    monkeypatch.setattr(index, "build", counting)
    return built


@contextmanager
def statements(session) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    seen: list[str] = []
    engine = session.get_bind()

    def note(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_index_and_search_data_are_built_once_per_language(library, builds) -> None:  # type: ignore[no-untyped-def]
    first = services.index_document(library, "sv")
    assert sorted(builds) == ["en", "sv"]
    with statements(library) as seen:
        again = services.index_document(library, "sv")
        found = search.find(library, "sv", "arg klient")
    assert again is first  # the same bytes and ETag, not a rebuild
    assert len(seen) == 2  # one version check each
    assert found.hits
    services.index_document(library, "de")
    search.find(library, "en", "angry client")
    assert sorted(builds) == ["de", "en", "sv"]  # English once, shared by every reader


def test_a_published_change_rebuilds_what_readers_get(library, builds, clock) -> None:  # type: ignore[no-untyped-def]
    before = services.index_document(library, "en")
    assert not any(h.slug == "test-guide" for h in search.find(library, "en", "zebra").hits)
    publish_guide(library, clock(), title="Zebra crossing on the way to a meeting")
    after = services.index_document(library, "en")
    assert after.etag != before.etag
    assert builds == ["en", "en"]
    assert search.find(library, "en", "zebra crossing").hits[0].slug == "test-guide"
