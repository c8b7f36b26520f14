"""The coordinators' open-consult list on a 360 px phone: each request is a card whose cells
carry their column's name, nothing scrolls sideways, both as served and after the list
refreshes itself (rows rebuilt by open_consults.js); and that refresh does not count as the
coordinator being active."""

from __future__ import annotations

import uuid

import pytest

from tests.browser.conftest import signed_in_page, wait_until
from tests.consult_helpers import make_consultant, post_json, route_due

pytestmark = pytest.mark.browser

# Sideways overflow of the list's scroll box, and the label shown before each cell's value.
LAYOUT = """() => {
  const wrap = document.querySelector('[data-open-consults]').closest('.table-wrap');
  const cells = [...document.querySelectorAll('[data-rows] td[data-label]')];
  return {
    overflow: wrap.scrollWidth - wrap.clientWidth,
    labels: cells.map((td) => getComputedStyle(td, '::before').content),
    rows: document.querySelectorAll('[data-rows] tr').length,
  };
}"""


def open_requests(app, db, clock, actors, count: int) -> None:  # type: ignore[no-untyped-def]
    """`count` open requests, each offered to three consultants with long names."""
    for n in range(3):
        consultant_id, _ = actors.create(
            "consultant", name=f"Consultant with a rather long name {n}", languages=["sv"]
        )
        make_consultant(db, consultant_id, clock())
    mentor, _ = actors.signed_in("mentor", languages=["sv"])
    for _ in range(count):
        answer = post_json(mentor, "/api/consults", {"client_key": str(uuid.uuid4())})
        assert answer.status_code == 201
    route_due(app)


def test_open_requests_are_cards_on_a_phone(browser, live_server, app, db, clock, actors) -> None:  # type: ignore[no-untyped-def]
    open_requests(app, db, clock, actors, 2)
    page, _ = signed_in_page(browser, live_server, actors, "coordinator", height=640)
    polls: list[dict[str, str]] = []
    page.on("request", lambda r: "/api/consults/open" in r.url and polls.append(r.headers))
    page.clock.install()
    page.goto(f"{live_server}/consults/open")
    served = page.evaluate(LAYOUT)
    assert served["rows"] == 2
    assert served["overflow"] <= 0, "the list scrolls sideways"
    assert served["labels"][:4] == ['"Age"', '"Wave"', '"Offered to"', '"Declined"']
    open_requests(app, db, clock, actors, 1)
    page.clock.fast_forward(16_000)  # the list refreshes every 15 s
    assert wait_until(page, lambda: page.evaluate(LAYOUT)["rows"] == 3)
    refreshed = page.evaluate(LAYOUT)
    assert refreshed["overflow"] <= 0, "the refreshed list scrolls sideways"
    assert refreshed["labels"] == served["labels"] + served["labels"][:4]
    # A screen left open must still sign out when idle: its polls say they are not activity.
    assert polls and all(h.get("x-background-poll") == "1" for h in polls)
    assert page.problems == []  # type: ignore[attr-defined]
    page.context.close()
