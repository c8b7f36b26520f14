"""Issue 14.6: fault trials on PostgreSQL, each under a minute. Real worker processes deliver
the consult traffic (offers, accepts, "taken" replacements) to a strict local push service
while workers are SIGKILLed at chosen points, or every database connection is terminated.
After the drain: every committed outbox row terminal, nothing lost, no offer delivered after
its replacement, duplicates only with the same id and tag, no unexpected error (500)."""

from __future__ import annotations

import pytest

from tests import chaos_helpers
from tests.conftest import requires_postgres

pytestmark = [requires_postgres(), pytest.mark.postgres]


def _assert_clean(figures: chaos_helpers.Figures) -> None:
    report = "\n".join(figures.lines())
    assert figures.taps > 0 and figures.received > 0, report
    assert figures.unsettled == 0, report
    assert figures.lost == 0, report
    assert figures.stale_offers == 0, report
    assert figures.duplicates_differing == 0, report
    assert figures.unexpected_errors == 0, report


def test_workers_killed_at_each_point_three_times(app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    figures = chaos_helpers.run(
        app,
        tmp_path,
        seconds=10,
        rate=6,
        kill_points=list(chaos_helpers.POINTS) * 3,
        drops=0,
        stale_seconds=2,
        drain_timeout=40,
    )
    _assert_clean(figures)
    assert figures.kills == 9, "\n".join(figures.lines())


def test_every_connection_terminated_mid_burst(app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    figures = chaos_helpers.run(
        app,
        tmp_path,
        seconds=8,
        rate=10,
        kill_points=[],
        drops=5,
        stale_seconds=2,
        drain_timeout=40,
    )
    _assert_clean(figures)
    assert figures.drops == 5
