"""`GET /metrics`: the Prometheus exposition, for `Authorization: Bearer <METRICS_TOKEN>` only.

No token configured: 404, as if the route did not exist (nothing to guess at). Wrong or
missing token: 401 with `WWW-Authenticate: Bearer`. The same check guards /healthz's details.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from flask import Blueprint, Response, abort, current_app
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from mentor_app.extensions import csrf, limiter
from mentor_app.health.views import may_see_details
from mentor_app.metrics.collector import DatabaseCollector
from mentor_app.web import now

bp = Blueprint("metrics", __name__)


class _ThisProcess(Collector):
    """The default registry's metrics (this process's own) inside a per-scrape registry."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def scrape_registry() -> CollectorRegistry:
    """A registry for one scrape: every process's instruments (multiprocess mode) or this
    process's, and the database gauges as of now."""
    registry = CollectorRegistry(auto_describe=False)
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        MultiProcessCollector(registry, path=directory)
    else:
        registry.register(_ThisProcess())
    database = current_app.extensions["mentor_db"]
    registry.register(
        DatabaseCollector(database.session, now(), sorted(current_app.config["LANGUAGES"]))
    )
    return registry


@bp.get("/metrics")
@limiter.exempt
@csrf.exempt
def metrics():  # type: ignore[no-untyped-def]
    if not current_app.config.get("METRICS_TOKEN"):
        abort(404)
    if not may_see_details():
        return Response(
            "A bearer token is required.\n",
            status=401,
            mimetype="text/plain",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    body = generate_latest(scrape_registry())
    return Response(body, mimetype=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
