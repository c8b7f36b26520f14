"""Per-call time of what a guide request asks the search package for (run by `make bench`):
the offline index document (/guides/index.json, 200 or 304 alike) and a search, in process
over the whole guide library on SQLite, 15 calls after one warm-up. Never fails on a figure.
Since issue 19 both are built once per published change and language; a call that finds them
current costs one version query."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mentor_app.db import Database, utcnow  # noqa: E402
from mentor_app.models import metadata  # noqa: E402
from mentor_app.playbooks import search, services  # noqa: E402
from mentor_app.playbooks.sync import sync_library  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{folder}/bench.db")
        metadata.create_all(db.engine)
        with db.session() as session:
            sync_library(session, utcnow())
            session.commit()
            calls = [
                ("index_document sv", lambda: services.index_document(session, "sv")),
                ("find sv 'angry client'", lambda: search.find(session, "sv", "angry client")),
                ("find en 'angry client'", lambda: search.find(session, "en", "angry client")),
            ]
            for name, call in calls:
                call()
                runs = []
                for _ in range(15):
                    began = time.perf_counter()
                    call()
                    runs.append((time.perf_counter() - began) * 1000)
                print(
                    f"  {name:<24} median {statistics.median(runs):7.2f} ms"
                    f"  min {min(runs):7.2f} ms"
                )
        db.engine.dispose()


if __name__ == "__main__":
    main()
