"""gunicorn settings for mentor_app (`gunicorn -c deploy/gunicorn.conf.py`).

Sync workers, about two per core: on the two-core machine the one-tap request was answered
faster by 4 sync workers than by 4 x 4 threads (benchmarks/bench_consults.py). The app is built
once in the master (`preload_app`): workers fork with it in memory and start fast.

Metrics: with PROMETHEUS_MULTIPROC_DIR set (the systemd units and compose.yaml set it), each
process writes its counters to files there and /metrics adds them up; a worker process that
exits is marked dead so its live gauges go away. The directory lives under /run (emptied at
boot) and is shared with the `flask worker` processes, so it is never wiped while they run.

Logs: every line is JSON on stderr (LOG_FORMAT=json). The app writes one line per request
itself (route template, status, duration, request id, user id; never a query string), so
gunicorn's own access log is off; `GUNICORN_ACCESSLOG=-` turns it on, with the path only
(`%(U)s`, never the query string) and the app's query-string filter on it.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count()))
worker_class = "sync"
preload_app = True
# A request that takes longer than this is killed (the slowest page, the monthly report, takes
# well under a second); graceful_timeout lets in-flight requests finish on a reload.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30
keepalive = 5  # nginx keeps connections to the app open (upstream keepalive)
# Never recycle workers: each recycled pid leaves metric files behind in the multiprocess dir.
max_requests = 0
limit_request_line = 4094
# X-Forwarded-For/-Proto are the app's to trust (PROXY_HOPS, mentor_app/proxy.py); gunicorn
# itself only believes the scheme header from a proxy on this host.
forwarded_allow_ips = "127.0.0.1"
wsgi_app = "mentor_app:create_app()"

accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# gunicorn merges this over its defaults key by key: every part is given here (root included).
logconfig_dict = {
    "version": 1,
    "root": {"level": "INFO", "handlers": ["stderr"]},
    "disable_existing_loggers": False,
    "filters": {"no_query": {"()": "mentor_app.logfilter.DropQueryStrings"}},
    "formatters": {"json": {"()": "mentor_app.requestlog.json_formatter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["no_query"],
            "stream": "ext://sys.stderr",
        }
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        # With a logconfig gunicorn always writes access lines: kept quiet unless asked for.
        "gunicorn.access": {
            "handlers": ["stderr"],
            "level": "INFO" if accesslog else "WARNING",
            "propagate": False,
        },
    },
}


def child_exit(server, worker):  # gunicorn's hook signature
    """A web process ended: drop its live gauges from the multiprocess metrics."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
