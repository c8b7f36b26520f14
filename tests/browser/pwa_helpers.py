"""Looking into the service worker from a test: its version, its caches, the offline queue."""

from __future__ import annotations

from typing import Any

ASK_WORKER = """async (message) => {
  const registration = await navigator.serviceWorker.ready;
  return await new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => resolve(event.data);
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


def ask_worker(page: Any, message: dict[str, Any]) -> Any:
    return page.evaluate(ASK_WORKER, message)


def worker_version(page: Any) -> str:
    return ask_worker(page, {"type": "version"})["version"]


def warm_guides(page: Any) -> int:
    """Has the worker keep every published guide; returns how many it has."""
    controlled(page)
    return ask_worker(page, {"type": "warm-guides"})["guides"]


def cache_contents(page: Any) -> dict[str, list[dict[str, str]]]:
    return page.evaluate(CACHE_CONTENTS)


def queue_contents(page: Any) -> dict[str, list[Any]]:
    return page.evaluate(QUEUE_CONTENTS)
