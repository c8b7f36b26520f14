"""The app's hot paths side by side with a baseline app, in one run (run by `make bench`).

Two gunicorn servers (4 sync workers each, BENCH_WORKERS) on the same PostgreSQL schema: the app
(development settings, the rate limiter on Redis, as in service) and benchmarks/
side_by_side_baseline.py (a trivial JSON endpoint; the same doing N round trips and a commit).
A mentor signs in through the real form (GET /login, POST /login, then /api/csrf-token). wrk, a
separate process, drives one case at a time at 1 and at 50 concurrent connections; the order of
the cases rotates each round. Prints per case p50/p95/p99 (ms) and requests/s, and per round the
ratio of each case to the trivial endpoint (p50 at 1 concurrent) and to the endpoint with the
same essential round trips (requests/s at 50), as min/median/max over the rounds.

Never fails on a figure. The machine may be shared: read the ratios, not the absolute numbers.
Environment: BENCH_DATABASE_URL (default the local PostgreSQL `test`), BENCH_ROUNDS (default 2),
BENCH_SECONDS per wrk run (default 3), BENCH_WORKERS (4), REDIS_URL (redis://127.0.0.1:6379/0).
Skips (prints why) when wrk, PostgreSQL or Redis is absent.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_consults import SECRET, bench_app, free_port, fresh_database, pg_available  # noqa: E402

from mentor_app.accounts import services as accounts  # noqa: E402
from mentor_app.playbooks.sync import sync_library  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "3"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
PASSWORD = "bench-password-long-enough-42"  # noqa: S105 - a throwaway benchmark account
SEARCH = "angry client"

# The wrk script: one request shape per case, fresh client keys for the tap, and a last line
# with the latency percentiles (microseconds), the request count and the duration.
WRK_SCRIPT = """
wrk.method = os.getenv("B_METHOD")
wrk.path = os.getenv("B_PATH")
if os.getenv("B_BODY") ~= "" then wrk.body = os.getenv("B_BODY") end
local n = 0
function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
end
function request()
  if os.getenv("B_TAP") == "1" then
    n = n + 1
    local key = string.format("%08x-%04x-4%03x-8%03x-%012x", math.random(0, 0x7fffffff),
      math.random(0, 0xffff), math.random(0, 0xfff), math.random(0, 0xfff), n)
    return wrk.format(nil, nil, nil, '{"client_key":"' .. key .. '"}')
  end
  return wrk.format()
end
function done(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d %d %d\\n", latency:percentile(50),
    latency:percentile(95), latency:percentile(99), summary.requests, summary.duration,
    summary.errors.status))
end
"""


def seed(url: str) -> tuple[str, str]:
    """A mentor with a password, and the guide library; returns (mentor e-mail, a guide slug)."""
    app = bench_app(url)
    now = datetime.now(UTC)
    with app.app_context(), app.extensions["mentor_db"].session() as session:
        email = "mentor@bench.example"
        accounts.create_user(
            session,
            now,
            email=email,
            display_name="Bench Mentor",
            role="mentor",
            password=PASSWORD,
            languages=["sv", "en"],
        )
        report = sync_library(session, now)
        session.commit()
    app.extensions["mentor_db"].engine.dispose()
    return email, sorted(report.created)[0]


def sign_in(port: int, email: str) -> tuple[str, str]:
    """Signs in through the form like a browser; returns (Cookie header, CSRF token)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{port}"
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if token is None:
        token = re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
    form = {"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
    opener.open(f"{base}/login", data=urllib.parse.urlencode(form).encode()).read()
    csrf = json.loads(opener.open(f"{base}/api/csrf-token").read())["token"]
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, csrf


@contextmanager
def gunicorn(app: str, env: dict[str, str], health: str) -> Iterator[int]:
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        *("-w", str(WORKERS), "-b", f"127.0.0.1:{port}", "--log-level", "warning"),
        *("--pythonpath", str(ROOT / "benchmarks"), app),
    ]
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env})
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if urllib.request.urlopen(f"http://127.0.0.1:{port}{health}", timeout=2).status:
                    break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError(f"gunicorn for {app} did not start")
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def wrk(script: str, port: int, case: dict, connections: int) -> dict[str, float]:
    """One wrk run; returns p50/p95/p99 in ms, requests/s and the count of 4xx/5xx answers."""
    env = {**os.environ, "B_METHOD": case["method"], "B_PATH": case["path"]}
    env["B_TAP"] = "1" if case.get("tap") else "0"
    env["B_BODY"] = case.get("body", "")
    command = ["wrk", "-t", "1" if connections == 1 else "2", "-c", str(connections)]
    command += ["-d", f"{SECONDS}s", "--timeout", "10s", "-s", script]
    for name, value in case.get("headers", {}).items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run(
        [*command, f"http://127.0.0.1:{port}"], env=env, capture_output=True, text=True
    )
    out = done.stdout
    if "RESULT" not in out or "Non-2xx" in out or "Socket errors" in out:
        print(f"    ! {case['path']} at {connections}: {out.strip()[-300:]} {done.stderr[-300:]}")
    drain(port, case["port_health"])
    fields = [int(v) for v in out.rsplit("RESULT", 1)[1].split()]
    p50, p95, p99, count, duration, errors = fields
    return {
        "p50": p50 / 1000,
        "p95": p95 / 1000,
        "p99": p99 / 1000,
        "rps": count / (duration / 1e6),
        "errors": errors,
    }


def drain(port: int, health: str) -> None:
    """Waits out the requests wrk left queued when it stopped (sync workers answer them after
    wrk has gone): the next run would otherwise start behind them."""
    for _ in range(WORKERS):
        urllib.request.urlopen(f"http://127.0.0.1:{port}{health}", timeout=60).read()


def cases(app_port: int, base_port: int, cookie: str, csrf: str, slug: str, etag: str) -> dict:
    signed = {"Cookie": cookie}
    tap_headers = {**signed, "X-CSRFToken": csrf, "Content-Type": "application/json"}
    tap_headers["Accept"] = "application/json"
    query = urllib.parse.quote_plus(SEARCH)
    plan = {
        "trivial": {"port": base_port, "method": "GET", "path": "/trivial"},
        "trips4": {"port": base_port, "method": "POST", "path": "/trips?n=4"},
        "trips9": {"port": base_port, "method": "POST", "path": "/trips?n=9"},
        "tap": {
            "port": app_port,
            "method": "POST",
            "path": "/api/consults",
            "headers": tap_headers,
            "tap": True,
        },
        "guide": {"port": app_port, "method": "GET", "path": f"/guides/{slug}", "headers": signed},
        # A search is a POST (the words stay out of URLs); it needs no CSRF token.
        "search": {
            "port": app_port,
            "method": "POST",
            "path": "/guides",
            "body": f"q={query}",
            "headers": {**signed, "Content-Type": "application/x-www-form-urlencoded"},
        },
        "index304": {
            "port": app_port,
            "method": "GET",
            "path": "/guides/index.json",
            "headers": {**signed, "If-None-Match": etag},
        },
    }
    for case in plan.values():
        case["port_health"] = "/trivial" if case["port"] == base_port else "/healthz"
    return plan


def index_etag(port: int, cookie: str) -> str:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/guides/index.json", headers={"Cookie": cookie}
    )
    return urllib.request.urlopen(request).headers["ETag"]


def spread(values: list[float]) -> str:
    return f"{min(values):6.1f} / {statistics.median(values):6.1f} / {max(values):6.1f}"


def report(rounds: list[dict]) -> None:
    names = list(rounds[0])
    print("\n  case        p50@1 ms  p95@1   p99@1   p50@50  p99@50   req/s@50   errors")
    for name in names:
        r1 = [r[name][1] for r in rounds]
        r50 = [r[name][50] for r in rounds]
        errors = sum(r[name][1]["errors"] + r[name][50]["errors"] for r in rounds)

        def mid(runs: list[dict], key: str) -> float:
            return statistics.median(x[key] for x in runs)

        print(
            f"  {name:<10} {mid(r1, 'p50'):8.2f} {mid(r1, 'p95'):7.2f} {mid(r1, 'p99'):7.2f}"
            f" {mid(r50, 'p50'):7.2f} {mid(r50, 'p99'):7.2f} {mid(r50, 'rps'):10.0f} {errors:8d}"
        )
    print("\n  ratios per round, min / median / max")
    print("  case        p50@1 / trivial        req/s@50 / trips4")
    for name in names:
        slow = [r[name][1]["p50"] / r["trivial"][1]["p50"] for r in rounds]
        share = [r[name][50]["rps"] / r["trips4"][50]["rps"] for r in rounds]
        print(f"  {name:<10} {spread(slow)}   {spread(share)}")


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL")
    if shutil.which("wrk") is None or not pg_available():
        print("  skipped: needs wrk (apt-get install wrk) and PostgreSQL")
        return
    try:
        import redis

        redis.Redis.from_url(REDIS_URL).ping()
    except Exception as error:  # any failure: no Redis to measure with
        print(f"  skipped: no Redis at {REDIS_URL} ({error})")
        return
    del url
    with fresh_database("postgresql") as db_url, tempfile.TemporaryDirectory() as folder:
        email, slug = seed(db_url)
        script = Path(folder) / "case.lua"
        script.write_text(WRK_SCRIPT)
        app_env = {
            "MENTOR_APP_ENV": "development",
            "SECRET_KEY": SECRET,
            "DATABASE_URL": db_url,
            "MENTOR_APP_INSTANCE": folder,
            "RATELIMIT_STORAGE_URI": REDIS_URL,
            "CONSULT_CREATE_LIMIT": "10000000 per hour",
        }
        base_env = {"DATABASE_URL": db_url}
        with (
            gunicorn("mentor_app:create_app()", app_env, "/healthz") as app_port,
            gunicorn("side_by_side_baseline:create_app()", base_env, "/trivial") as base_port,
        ):
            cookie, csrf = sign_in(app_port, email)
            etag = index_etag(app_port, cookie)
            plan = cases(app_port, base_port, cookie, csrf, slug, etag)
            rounds = []
            names = list(plan)
            for name in names:  # every worker loads its caches and connections first
                wrk(str(script), plan[name]["port"], plan[name], 8)
            for n in range(ROUNDS):
                order = names[n % len(names) :] + names[: n % len(names)]
                result: dict = {name: {} for name in names}
                for name in order:
                    for connections in (1, 50):
                        result[name][connections] = wrk(
                            str(script), plan[name]["port"], plan[name], connections
                        )
                rounds.append(result)
                print(f"  round {n + 1} of {ROUNDS} done (order: {', '.join(order)})")
            report(rounds)


if __name__ == "__main__":
    main()
