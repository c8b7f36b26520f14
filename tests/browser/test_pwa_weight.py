"""Weight budgets: a cold load of each main page (empty cache, no service worker) transfers at
most 100 KB in total, 30 KB of JavaScript and 20 KB of CSS, compressed. The figures per page
are printed by benchmarks/bench_page_weight.py."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE, sign_in, watch
from tests.browser.pwa_helpers import BUDGETS, TransferMeter

pytestmark = pytest.mark.browser

PAGES = {
    "anonymous": ["/login", "/offline"],
    "mentor": ["/", "/guides", "/guides/bereavement-illness-in-family", "/account/settings"],
    "consultant": ["/", "/pool/me"],
    "coordinator": ["/", "/dashboard/", "/pool/", "/pool/coverage", "/reports/monthly/2026-03"],
}
CONSULT_PAGES = {"mentor": ["/consults/start"], "coordinator": ["/consults/open"]}


@pytest.mark.parametrize("role", ["anonymous", "mentor", "consultant", "coordinator"])
def test_cold_loads_stay_within_the_budgets(browser, library_server, app, actors, role) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE)
    page = watch(context.new_page())
    if role != "anonymous":
        _, email = actors.create(role)
        sign_in(page, library_server, actors, email)
    meter = TransferMeter(context, page)
    over = []
    paths = PAGES[role] + (CONSULT_PAGES.get(role, []) if "consults" in app.blueprints else [])
    for path in paths:
        weight = meter.cold_load(library_server + path)
        assert weight["css"] > 0 and weight["js"] > 0, (path, weight)  # it did measure
        over += [
            f"{path}: {k} {weight[k]} > {limit}"
            for k, limit in BUDGETS.items()
            if weight[k] > limit
        ]
    assert not over, "\n".join(over)
    assert page.problems == []  # type: ignore[attr-defined]
    context.close()
