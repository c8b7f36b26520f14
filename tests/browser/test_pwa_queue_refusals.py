"""The offline queue tells a refused tap from a signed-out one, says what happened, and keeps
nothing for ever (static/js/offline-queue.js and the worker's sync in static/sw-cache.js).

- refused (a 4xx with a reason, here a request the server will never accept): not sent again,
  the mentor sees the server's reason with "Ask again" and "Dismiss";
- signed out (401, or a token from an earlier session): the tap waits for its owner's next
  signed-in page and is then sent;
- a tap not sent within a day is not sent at all and is shown as such; anything older than a
  week is gone.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.browser.conftest import sign_in, wait_until, watch
from tests.browser.pwa_helpers import queue_contents
from tests.browser.test_pwa_queue import GUIDE, queue_offline_tap

pytestmark = pytest.mark.browser

SET_TOPIC = """async (topic) => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open("mentor_app", 1);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const store = () => db.transaction("consults", "readwrite").objectStore("consults");
  const items = await new Promise((resolve) => {
    const request = store().getAll();
    request.onsuccess = () => resolve(request.result);
  });
  await new Promise((resolve) => {
    const tx = db.transaction("consults", "readwrite");
    for (const item of items) tx.objectStore("consults").put({ ...item, topic });
    tx.oncomplete = resolve;
  });
  db.close();
}"""

PUT_ITEMS = """async (items) => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open("mentor_app", 1);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  await new Promise((resolve) => {
    const tx = db.transaction("consults", "readwrite");
    for (const item of items) {
      tx.objectStore("consults").put({ ...item, created_at: Date.now() - item.age_ms });
    }
    tx.oncomplete = resolve;
  });
  db.close();
}"""

DAY_MS = 24 * 60 * 60 * 1000


def _consults(db, mentor_id: int) -> int:  # type: ignore[no-untyped-def]
    from mentor_app.consults.models import Consult

    return db.scalar(
        select(func.count()).select_from(Consult).where(Consult.mentor_id == mentor_id)
    )


def _real_problems(page) -> list[str]:  # type: ignore[no-untyped-def]
    # The browser logs every 4xx answer to a fetch; the refusal is the point of these tests.
    return [p for p in page.problems if "Failed to load resource" not in p]


def _posts(page) -> list[str]:  # type: ignore[no-untyped-def]
    sent: list[str] = []
    page.on(
        "request",
        lambda r: sent.append(r.url) if r.method == "POST" and "/api/consults" in r.url else None,
    )
    return sent


def test_a_refused_tap_leaves_the_queue_and_says_why(
    app, browser, library_server, actors, db
) -> None:  # type: ignore[no-untyped-def]
    context, mentor_id, _item = queue_offline_tap(browser, library_server, actors)
    page = watch(context.new_page())
    page.goto(f"{library_server}/guides/{GUIDE}")  # from the cache, still without signal
    # A request the server will never take (an address longer than any guide's, as an older
    # version of the app could have stored): it answers 400 with a reason, every time.
    page.evaluate(SET_TOPIC, "x" * 100)
    context.set_offline(False)

    notice = page.locator('[data-queue-status] [data-queue-notice="refused"]')
    notice.wait_for(timeout=10_000)
    text = notice.inner_text()
    assert "could not be sent: the server refused it." in text
    assert "Field topic has the wrong type or is too long." in text  # the server's reason
    assert notice.locator("a").get_attribute("href").startswith("/consults/start")
    [kept] = queue_contents(page)["consults"]
    assert (kept["state"], kept["status"]) == ("refused", 400)
    assert _consults(db, mentor_id) == 0

    posts = _posts(page)
    page.reload()  # not sent again, by the page or by the worker's sync
    page.locator('[data-queue-notice="refused"]').wait_for()
    page.wait_for_timeout(1500)
    assert posts == []

    page.locator('[data-queue-notice="refused"] button').click()  # Dismiss
    assert wait_until(page, lambda: queue_contents(page)["consults"] == [])
    assert page.locator("[data-queue-notice]").count() == 0
    assert _real_problems(page) == []
    context.close()


def test_a_signed_out_tap_waits_for_its_owner_and_is_then_sent(
    app, browser, library_server, actors, db
) -> None:  # type: ignore[no-untyped-def]
    context, mentor_id, item = queue_offline_tap(browser, library_server, actors)
    from mentor_app.accounts.models import User

    email = db.get(User, mentor_id).email
    context.clear_cookies()  # the session ended while the phone had no signal
    page = watch(context.new_page())
    page.goto(f"{library_server}/guides/{GUIDE}")
    context.set_offline(False)
    page.wait_for_timeout(1500)  # the page and the worker have tried
    [waiting] = queue_contents(page)["consults"]
    assert waiting["client_key"] == item["client_key"] and "state" not in waiting
    assert page.locator("[data-queue-notice]").count() == 0
    assert _consults(db, mentor_id) == 0

    sign_in(page, library_server, actors, email)
    assert wait_until(page, lambda: _consults(db, mentor_id) == 1, 10_000)
    assert wait_until(page, lambda: queue_contents(page)["consults"] == [])
    assert _real_problems(page) == []
    context.close()


def test_nothing_stays_for_ever(app, browser, library_server, actors, db) -> None:  # type: ignore[no-untyped-def]
    context, mentor_id, item = queue_offline_tap(browser, library_server, actors)
    page = watch(context.new_page())
    page.goto(f"{library_server}/guides/{GUIDE}")
    owner = item["owner"]
    page.evaluate(
        PUT_ITEMS,
        [
            # Queued two days ago and never sent: too late to send now.
            {**item, "age_ms": 2 * DAY_MS},
            # A week and more: gone, whoever's it was.
            {
                "client_key": "6b1f0c3e-2222-4c4c-9d9d-333344445555",
                "topic": "",
                "owner": owner,
                "attempts": 3,
                "state": "refused",
                "age_ms": 8 * DAY_MS,
            },
            {
                "client_key": "7c2a1d4f-3333-4d4d-8e8e-444455556666",
                "topic": "",
                "owner": "someone-else",
                "attempts": 0,
                "age_ms": 9 * DAY_MS,
            },
        ],
    )
    context.set_offline(False)
    page.reload()
    notice = page.locator('[data-queue-status] [data-queue-notice="expired"]')
    notice.wait_for(timeout=10_000)
    assert "could not be sent within a day" in notice.inner_text()
    page.wait_for_timeout(1000)
    [left] = queue_contents(page)["consults"]
    assert (left["client_key"], left["state"]) == (item["client_key"], "expired")
    assert _consults(db, mentor_id) == 0, "a day-old tap is not sent"
    assert _real_problems(page) == []
    context.close()
