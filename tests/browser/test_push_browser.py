"""Push in a real browser (Debian's Chromium through Playwright): the service worker shows
what a push service delivers, and the Settings button subscribes and registers the device."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select

from mentor_app.notifications.models import PushSubscription
from tests.browser.conftest import wait_until
from tests.conftest import PASSWORD
from tests.push_helpers import LocalPushService, deliver

pytestmark = pytest.mark.browser

# Headless Chromium has no push service: the browser's half is replaced by one that answers
# with a subscription pointing at the local push service.
FAKE_SUBSCRIBE = """
(() => {
  const fake = __FAKE__;
  PushManager.prototype.subscribe = async function () {
    return {
      endpoint: fake.endpoint,
      expirationTime: null,
      options: { userVisibleOnly: true, applicationServerKey: null },
      toJSON() { return fake; },
      getKey() { return null; },
      unsubscribe: async () => true,
    };
  };
})();
"""

SHOWN = (
    "async () => (await (await navigator.serviceWorker.ready).getNotifications())"
    ".map(n => [n.title, n.body, n.tag])"
)


@pytest.fixture
def base_url(live_server: str) -> str:
    return live_server


def test_a_pushed_message_shows_and_the_same_tag_replaces_it(base_url, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context()
    context.grant_permissions(["notifications"], origin=base_url)
    page = context.new_page()
    page.goto(base_url + "/login")
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")

    cdp = context.new_cdp_session(page)
    registrations: list[dict] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    wait_until(page, lambda: registrations)
    [registration] = [
        r for r in registrations if r["scopeURL"] == base_url + "/" and not r["isDeleted"]
    ]

    def push(payload: dict) -> None:
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {
                "origin": base_url,
                "registrationId": registration["registrationId"],
                "data": json.dumps(payload),
            },
        )

    offer = {
        "title": "Urgent consult request",
        "body": "Urgent · Swedish · bereavement",
        "url": "/consults/7",
        "tag": "consult-7",
        "id": "a1b2c3d4e5f60718",
        "urgent": True,
    }
    push(offer)
    shown = wait_until(page, lambda: page.evaluate(SHOWN))
    assert shown == [["Urgent consult request", "Urgent · Swedish · bereavement", "consult-7"]]

    taken = {**offer, "title": "Taken by a colleague", "body": "No action needed", "id": "ffff"}
    taken.pop("urgent")
    push(taken)
    replaced = wait_until(
        page, lambda: (n := page.evaluate(SHOWN)) and n[0][0] == "Taken by a colleague" and n
    )
    assert replaced == [["Taken by a colleague", "No action needed", "consult-7"]]

    # At-least-once delivery: a repeat of an id already shown is ignored.
    push({**taken, "title": "Repeat that must not show"})
    page.wait_for_timeout(700)
    assert page.evaluate(SHOWN) == [["Taken by a colleague", "No action needed", "consult-7"]]
    context.close()


def test_the_enable_button_subscribes_and_a_test_message_arrives(
    app, db, actors, base_url, browser
) -> None:  # type: ignore[no-untyped-def]
    user_id, email = actors.create("mentor")
    with LocalPushService() as service:
        subscription = service.subscription("browser")
        context = browser.new_context()
        context.grant_permissions(["notifications"], origin=base_url)
        context.add_init_script(FAKE_SUBSCRIBE.replace("__FAKE__", json.dumps(subscription)))
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda err: errors.append(str(err)))
        page.on(
            "console",
            lambda msg: (
                msg.type == "error"
                and not msg.text.startswith("Failed to load resource")  # listed by status below
                and errors.append(msg.text)
            ),
        )
        page.on(
            "response",
            lambda r: (
                r.status >= 400
                and not r.url.endswith("/favicon.ico")  # the PWA issue adds icons
                and errors.append(f"{r.status} {r.url}")
            ),
        )
        page.goto(base_url + "/login")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(base_url + "/")

        page.goto(base_url + "/account/settings")
        button = page.locator("[data-push-enable-button]")
        button.wait_for(state="visible")
        button.click()
        page.locator(".device-list").wait_for(state="visible")
        assert "Chrome on Linux" in page.inner_text(".device-list")

        device = db.scalars(select(PushSubscription)).one()
        assert (device.user_id, device.endpoint) == (user_id, subscription["endpoint"])

        page.click("[data-push-test]")
        page.wait_for_url("**/account/settings#notifications")
        deadline = time.monotonic() + 10
        while not service.delivered("browser") and time.monotonic() < deadline:
            deliver(app)
            time.sleep(0.1)
        [got] = service.delivered("browser")
        assert service.all_problems() == []
        assert got.payload["title"] == "Test notification"
        assert got.payload["tag"] == "test"
        assert errors == []  # no script error, no CSP violation
        context.close()
