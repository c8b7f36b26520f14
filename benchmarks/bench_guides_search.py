"""Guide search: accuracy on the labelled queries, server and offline, and speed.

Run with `make bench` (or `.venv/bin/python benchmarks/bench_guides_search.py`). Prints, per
language, top-1 and top-3 accuracy on the tuning and the held-out half of
tests/playbooks/queries/<language>.tsv, ranked on the server (mentor_app/playbooks/search) and
offline (static/js/guides-rank.js run by node on the same data), then the latency and the
weight of the ranking data. Never fails on a figure.

Then the same figures for tests/playbooks/queries/fresh_<language>.tsv, labelled "fresh
(independent, never tuned on)": queries written by someone who never saw the search code, the
lexicons, the tuning queries or the guides' tags and synonyms. They measure generalisation only.

`--misses` also lists the tuning half's misses (never the held-out half's: tune on tuning only).
`--tuning-only` leaves the fresh set out (use it while changing the search).
`--fresh-misses` lists the fresh set's top-3 misses, for reading the kinds of miss in a report;
never tune on them (a tuned-on fresh set is no longer independent and must be rewritten).
"""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mentor_app.db import Database, utcnow  # noqa: E402
from mentor_app.models import metadata  # noqa: E402
from mentor_app.playbooks import search  # noqa: E402
from mentor_app.playbooks.search import rank  # noqa: E402
from mentor_app.playbooks.sync import sync_library  # noqa: E402
from tests.playbooks.fresh_set import LABEL as FRESH_LABEL  # noqa: E402
from tests.playbooks.fresh_set import load_fresh  # noqa: E402
from tests.playbooks.query_set import HELD_OUT, TUNING, load  # noqa: E402

NODE_RANK = """
import {rank} from %s;
import {readFileSync} from "node:fs";
const input = JSON.parse(readFileSync(0, "utf8"));
const started = performance.now();
const top3 = input.queries.map((q) => rank(input.datas, q).slice(0, 3).map((h) => h.slug));
const ms = (performance.now() - started) / input.queries.length;
process.stdout.write(JSON.stringify({top3, ms}));
"""


def offline_top3(datas: list, queries: list[str]) -> dict | None:
    """{"top3": the JS ranker's top 3 per query, "ms": per query}, run by node; None when node
    is absent."""
    node = shutil.which("node")
    if node is None:
        return None
    module = json.dumps((ROOT / "static" / "js" / "guides-rank.js").as_uri())
    script = NODE_RANK % module
    result = subprocess.run(
        [node, "--input-type=module", "-e", script],
        input=json.dumps({"datas": datas, "queries": queries}),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def figures(items: list, ranked: list[list[str]]) -> str:
    top1 = sum(item.first_ok(r) for item, r in zip(items, ranked, strict=True))
    top3 = sum(item.top3_ok(r) for item, r in zip(items, ranked, strict=True))
    n = len(items) or 1
    return f"top-1 {100 * top1 / n:5.1f} %  top-3 {100 * top3 / n:5.1f} %  (n={len(items)})"


def report_set(language: str, label: str, items: list, datas: list) -> list[list[str]]:
    """Print top-1/top-3 of `items` ranked on the server and offline (node); return the
    server's top 3 per item."""
    queries = [item.query for item in items]
    server = [[h.slug for h in rank.rank(datas, q)[:3]] for q in queries]
    print(f"[{language}] {label:8} server : {figures(items, server)}")
    result = offline_top3(datas, queries)
    if result is None:
        print(f"[{language}] {label:8} offline: node not found")
    else:
        offline = result["top3"]
        same = sum(a == b for a, b in zip(server, offline, strict=True))
        print(f"[{language}] {label:8} offline: {figures(items, offline)}; same top 3 as "
              f"the server for {same}/{len(items)}; {result['ms']:.2f} ms per query "
              "in node")  # fmt: skip
    return server


def report_fresh(language: str, datas: list, show_misses: bool) -> None:
    """Figures for the independent set; with `show_misses`, its top-3 misses (for reading only:
    the set is never tuned on)."""
    fresh = load_fresh(language)
    server = report_set(language, FRESH_LABEL, fresh, datas)
    if not show_misses:
        return
    for item, r in zip(fresh, server, strict=True):
        if not item.top3_ok(r):
            first = r[0] if r else "(nothing)"
            print(f"    fresh top-3 miss {item.query!r}: want {item.expected}, first {first}")


def report_language(  # type: ignore[no-untyped-def]
    session, language: str, show_misses: bool, show_fresh_misses: bool, fresh: bool = True
) -> None:
    started = time.perf_counter()
    datas = search.ranking_data(session, language)
    built = (time.perf_counter() - started) * 1000
    size = len(json.dumps(datas, separators=(",", ":"), ensure_ascii=False).encode())
    zipped = len(gzip.compress(json.dumps(datas, separators=(",", ":")).encode()))
    print(f"[{language}] ranking data: {size} bytes, {zipped} gzipped; built in {built:.0f} ms")
    for half in (TUNING, HELD_OUT):
        items = load(language, half)
        server = report_set(language, half, items, datas)
        if show_misses and half == TUNING:
            for item, r in zip(items, server, strict=True):
                if not item.first_ok(r):
                    print(f"    miss {item.query!r}: want {item.expected}, got {r}")
    if fresh:
        report_fresh(language, datas, show_fresh_misses)
    queries = [item.query for item in load(language)]
    started = time.perf_counter()
    for query in queries:
        search.found(datas, query)
    per_query = (time.perf_counter() - started) * 1000 / len(queries)
    print(
        f"[{language}] server latency, ranking: {per_query:.2f} ms per query "
        f"(mean of {len(queries)})"
    )
    started = time.perf_counter()
    for query in queries[:20]:
        search.find(session, language, query)
    whole = (time.perf_counter() - started) * 1000 / 20
    print(f"[{language}] server latency, with reading the guides: {whole:.1f} ms per query")


def main() -> None:
    show_misses = "--misses" in sys.argv
    show_fresh_misses = "--fresh-misses" in sys.argv
    # While changing the search, `--tuning-only` keeps the independent set out of sight.
    fresh = "--tuning-only" not in sys.argv
    languages = [a for a in sys.argv[1:] if not a.startswith("--")] or ["en", "sv", "de"]
    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite:///{folder}/bench.db")
        metadata.create_all(database.engine)
        with database.session() as session:
            report = sync_library(session, utcnow())
            session.commit()
            print(f"library: {len(report.created)} guides")
            for language in languages:
                report_language(session, language, show_misses, show_fresh_misses, fresh)
        database.engine.dispose()


if __name__ == "__main__":
    main()
