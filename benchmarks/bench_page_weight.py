"""Page weights (printed figures; the budgets are checked by tests/browser/test_pwa_weight.py).

1. A cold load of each main page in Debian's Chromium (empty HTTP cache, service worker
   bypassed): bytes on the wire, compressed, in total, for JavaScript and for CSS, and requests.
   Budgets: total <= 100 KB, JS <= 30 KB, CSS <= 20 KB.
2. What the service worker downloads once per version to work offline: the app shell and,
   for a signed-in user, every published guide page, the list and the search index (gzip).

    .venv/bin/python benchmarks/bench_page_weight.py          # or: make bench
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config import TestingConfig  # noqa: E402
from mentor_app import create_app  # noqa: E402
from mentor_app.db import Database, utcnow  # noqa: E402
from mentor_app.models import metadata  # noqa: E402
from mentor_app.playbooks.sync import sync_library  # noqa: E402
from mentor_app.pwa import shell  # noqa: E402
from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS, PHONE, serve, sign_in  # noqa: E402
from tests.browser.pwa_helpers import BUDGETS, TransferMeter  # noqa: E402
from tests.browser.test_pwa_weight import CONSULT_PAGES, PAGES  # noqa: E402
from tests.conftest import Actors, Clock  # noqa: E402


def make_app(workdir: Path):  # type: ignore[no-untyped-def]
    class Config(TestingConfig):
        DATABASE_URL = f"sqlite:///{workdir / 'bench.db'}"

    database = Database(Config.DATABASE_URL)
    metadata.create_all(database.engine)
    with database.session() as session:
        sync_library(session, utcnow())
        session.commit()
    database.engine.dispose()
    app = create_app(Config)
    app.config["CLOCK"] = Clock()
    return app


def kb(size: int) -> str:
    return f"{size / 1024:6.1f} KB"


def page_weights(app) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    actors = Actors(app, app.config["CLOCK"])
    print(f"{'page':44} {'total':>9} {'JS':>9} {'CSS':>9} requests")
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        for base in serve(app):
            for role, paths in PAGES.items():
                context = browser.new_context(viewport=PHONE)
                page = context.new_page()
                if role != "anonymous":
                    sign_in(page, base, actors, actors.create(role)[1])
                meter = TransferMeter(context, page)
                extra = CONSULT_PAGES.get(role, []) if "consults" in app.blueprints else []
                for path in paths + extra:
                    w = meter.cold_load(base + path)
                    flag = " OVER" if any(w[k] > v for k, v in BUDGETS.items()) else ""
                    print(
                        f"{role + ' ' + path:44} {kb(w['total'])} {kb(w['js'])} {kb(w['css'])}"
                        f" {w['requests']:8}{flag}"
                    )
                context.close()
        browser.close()


def precache_weight(app) -> None:  # type: ignore[no-untyped-def]
    actors = Actors(app, app.config["CLOCK"])
    client = app.test_client()
    actors.login(client, actors.create("mentor")[1])
    gzip = {"Accept-Encoding": "gzip"}
    with app.test_request_context():
        config = shell.worker_config()
    shell_bytes = sum(len(client.get(u, headers=gzip).data) for u in config["shell"])  # type: ignore[union-attr]
    shell_bytes += len(client.get("/offline", headers=gzip).data)
    index = client.get("/guides/index.json", headers=gzip)
    slugs = [g["slug"] for g in client.get("/guides/index.json").get_json()["guides"]]
    pages = ["/guides", *(f"/guides/{s}" for s in slugs)]
    guide_bytes = sum(len(client.get(p, headers=gzip).data) for p in pages)
    print("\nservice worker precache, once per version (gzip bodies):")
    print(f"  app shell ({len(config['shell']) + 1} files)        {kb(shell_bytes)}")  # type: ignore[arg-type]
    print(f"  guides index                      {kb(len(index.data))}")
    print(f"  guide list + {len(slugs)} guide pages      {kb(guide_bytes)}")


def main() -> None:
    if not Path(CHROMIUM).exists():
        print(f"needs {CHROMIUM}")
        return
    with tempfile.TemporaryDirectory() as workdir:
        app = make_app(Path(workdir))
        page_weights(app)
        precache_weight(app)
        app.extensions["mentor_db"].engine.dispose()


if __name__ == "__main__":
    main()
