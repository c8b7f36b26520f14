"""Prometheus metrics for the operator (issue 20): instruments, the scrape-time database
collector and the token-guarded `/metrics` route.

Multiprocess: gunicorn runs several web processes and the worker is another one. With
`PROMETHEUS_MULTIPROC_DIR` set (to an empty directory, wiped at every start, writable by the
web and worker processes; see deploy/README.md) before Python starts, every process writes its
counters and histograms to files there and `/metrics` adds them up. Without it (development,
tests) the numbers are this process's own.

Labels are closed sets only: endpoint names, status classes, states, channels, urgencies,
languages from the configured list. Never a user id, a case code or anything a person typed.
"""
