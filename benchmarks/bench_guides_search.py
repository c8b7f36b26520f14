"""Guide search speed and the offline index's weight, on the seeded library.

Run with `make bench` (or `.venv/bin/python benchmarks/bench_guides_search.py`). Prints figures;
never fails on a timing.
"""

from __future__ import annotations

import gzip
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mentor_app.db import Database, utcnow
from mentor_app.models import metadata
from mentor_app.playbooks import search, services
from mentor_app.playbooks.sync import sync_library

QUERIES = ["death", "berevement", "angry client", "missed meetings", "ber", "psycologist",
           "released from prison", "what do I say when they shout"]  # fmt: skip


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        database = Database(url)
        metadata.create_all(database.engine)
        with database.session() as session:
            started = time.perf_counter()
            report = sync_library(session, utcnow())
            session.commit()
            print(f"sync of {len(report.created)} guides: {time.perf_counter() - started:.2f} s")
            document = services.index_document(session)
            print(
                f"index.json: {len(document.body)} bytes, "
                f"{len(gzip.compress(document.body))} bytes gzipped"
            )
            started = time.perf_counter()
            docs = search.build(document.entries)
            print(f"build search documents: {(time.perf_counter() - started) * 1000:.1f} ms")
            rounds = 5
            started = time.perf_counter()
            for _ in range(rounds):
                for query in QUERIES:
                    search.search(docs, query)
            per_query = (time.perf_counter() - started) * 1000 / (rounds * len(QUERIES))
            print(f"search, server side: {per_query:.1f} ms per query (mean of {len(QUERIES)})")
        database.engine.dispose()


if __name__ == "__main__":
    main()
