"""Looking into the service worker from a test: its version, its caches, the offline queue."""

from __future__ import annotations

from typing import Any

# The active worker's answer, or null when none comes (a worker being replaced may not answer).
ASK_WORKER = """async ([message, waitMs]) => {
  const registration = await navigator.serviceWorker.ready;
  return await new Promise((resolve) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => resolve(null), waitMs);
    channel.port1.onmessage = (event) => { clearTimeout(timer); resolve(event.data); };
    registration.active.postMessage(message, [channel.port2]);
  });
}"""

# Every cache of the origin: name -> [{url, cacheControl, type, body (text responses)}].
CACHE_CONTENTS = """async () => {
  const out = {};
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    out[name] = [];
    for (const request of await cache.keys()) {
      const response = await cache.match(request, { ignoreVary: true });
      const type = response.headers.get("Content-Type") || "";
      const text = /^(text|application\\/(json|javascript|manifest))/.test(type);
      out[name].push({
        url: new URL(request.url).pathname + new URL(request.url).search,
        cacheControl: response.headers.get("Cache-Control") || "",
        type,
        body: text ? await response.text() : "",
      });
    }
  }
  return out;
}"""

QUEUE_CONTENTS = """async () => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open("mentor_app", 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore("consults", { keyPath: "client_key" });
      request.result.createObjectStore("session");
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const read = (name) => new Promise((resolve) => {
    const request = db.transaction(name).objectStore(name).getAll();
    request.onsuccess = () => resolve(request.result);
  });
  const result = { consults: await read("consults"), session: await read("session") };
  db.close();
  return result;
}"""


def controlled(page: Any) -> None:
    """Waits until a service worker is active and controls the page."""
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    if not page.evaluate("Boolean(navigator.serviceWorker.controller)"):
        page.reload()
        page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    assert page.evaluate("Boolean(navigator.serviceWorker.controller)")


def ask_worker(page: Any, message: dict[str, Any], wait_ms: int = 2000) -> Any:
    return page.evaluate(ASK_WORKER, [message, wait_ms])


def worker_version(page: Any) -> str | None:
    answer = ask_worker(page, {"type": "version"})
    return answer["version"] if answer else None


def warm_guides(page: Any) -> int:
    """Has the worker keep every published guide; returns how many it has."""
    controlled(page)
    answer = ask_worker(page, {"type": "warm-guides"}, 20_000)
    assert answer, "the service worker did not answer"
    return answer["guides"]


def cache_names(page: Any) -> list[str]:
    return page.evaluate("async () => await caches.keys()")


def cache_contents(page: Any) -> dict[str, list[dict[str, str]]]:
    return page.evaluate(CACHE_CONTENTS)


def queue_contents(page: Any) -> dict[str, list[Any]]:
    return page.evaluate(QUEUE_CONTENTS)


# Budgets for a cold load of a main page (compressed transfer, bytes): issue 6.
BUDGETS = {"total": 100 * 1024, "js": 30 * 1024, "css": 20 * 1024}


class TransferMeter:
    """Sums what a cold load of a page transfers, from the DevTools protocol: the HTTP cache is
    emptied and the service worker bypassed, so every file comes over the network, compressed
    as the server sends it (encodedDataLength: the bytes on the wire, headers included)."""

    def __init__(self, context: Any, page: Any) -> None:
        self.page = page
        self.cdp = context.new_cdp_session(page)
        self.kinds: dict[str, str] = {}
        self.sizes: dict[str, int] = {}
        self.cdp.on("Network.responseReceived", self._response)
        self.cdp.on("Network.loadingFinished", self._finished)
        self.cdp.send("Network.enable")
        self.cdp.send("Network.setBypassServiceWorker", {"bypass": True})

    def _response(self, event: dict[str, Any]) -> None:
        self.kinds[event["requestId"]] = event["type"]

    def _finished(self, event: dict[str, Any]) -> None:
        self.sizes[event["requestId"]] = int(event["encodedDataLength"])

    def cold_load(self, url: str) -> dict[str, int]:
        self.cdp.send("Network.clearBrowserCache")
        self.kinds.clear()
        self.sizes.clear()
        response = self.page.goto(url, wait_until="networkidle")
        assert response and response.status == 200, url
        self.page.wait_for_timeout(300)  # what the page's scripts fetch after load
        totals = {"total": 0, "js": 0, "css": 0, "requests": 0}
        for request_id, size in self.sizes.items():
            kind = self.kinds.get(request_id, "Other")
            totals["total"] += size
            totals["requests"] += 1
            if kind == "Script":
                totals["js"] += size
            elif kind == "Stylesheet":
                totals["css"] += size
        return totals


def create_consult(page: Any, topic: str = "trauma-reminders") -> str:
    """A consult request made through the real API from the signed-in page; returns its URL."""
    answer = page.evaluate(
        """async (topic) => {
          const token = document.querySelector('meta[name="csrf-token"]').content;
          const response = await fetch("/api/consults", {
            method: "POST",
            headers: { "Content-Type": "application/json", "X-CSRFToken": token },
            body: JSON.stringify({ client_key: crypto.randomUUID(), topic }),
          });
          return { status: response.status, body: await response.json() };
        }""",
        topic,
    )
    assert answer["status"] == 201, answer
    return answer["body"]["url"]
