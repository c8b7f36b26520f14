"""The load test's users (run by benchmarks/loadtest.py; not on its own).

Mentors tap (POST /api/consults with a fresh client key, now and then the same key again, as a
phone retrying does) with a few seconds between taps; consultants poll their offers and accept
each as it arrives. Every tap and every 5xx is written to LOADTEST_OUT (JSON lines) for the
orchestrator, which joins taps with the push service's arrivals. Times are `perf_counter`
(CLOCK_MONOTONIC on Linux: the same clock in every process of the machine).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
import uuid

from locust import HttpUser, between, events, task

CREDENTIALS = json.loads(open(os.environ["LOADTEST_CREDENTIALS"]).read())  # noqa: SIM115
OUT = open(os.environ["LOADTEST_OUT"], "a", buffering=1)  # noqa: SIM115
COOKIE = "mentor_session"
_mentors = itertools.count()
_consultants = itertools.count()


def write(record: dict) -> None:
    OUT.write(json.dumps(record) + "\n")


@events.request.add_listener
def _count_server_errors(name, response, **_kwargs):  # type: ignore[no-untyped-def]
    status = getattr(response, "status_code", 0) or 0
    if status >= 500:
        write({"kind": "5xx", "name": name, "status": status})


class SignedIn(HttpUser):
    abstract = True

    def sign_in(self, credential: list[str]) -> None:
        cookie, token = credential
        self.client.cookies.set(COOKIE, cookie)
        self.client.headers.update(
            {"X-CSRFToken": token, "Accept": "application/json", "Content-Type": "application/json"}
        )


class Mentor(SignedIn):
    wait_time = between(2, 6)

    def on_start(self) -> None:
        self.sign_in(CREDENTIALS["mentors"][next(_mentors) % len(CREDENTIALS["mentors"])])
        self.last_key: str | None = None
        self.last_id: int | None = None

    @task
    def tap(self) -> None:
        replay = self.last_key is not None and random.random() < 0.1
        key = self.last_key if replay else str(uuid.uuid4())
        body = json.dumps({"client_key": key, "urgency": random.choice(["urgent", "soon"])})
        began = time.perf_counter()
        with self.client.post(
            "/api/consults", data=body, name="tap", catch_response=True
        ) as response:
            elapsed = time.perf_counter() - began
            if response.status_code not in (200, 201):
                response.failure(f"tap answered {response.status_code}")
                return
            consult_id = response.json()["id"]
        if replay:
            # A replay must answer the first tap's consult, never make a second one.
            write({"kind": "replay", "same": consult_id == self.last_id})
            return
        self.last_key, self.last_id = key, consult_id
        write({"kind": "tap", "id": consult_id, "began": began, "seconds": elapsed})


class Consultant(SignedIn):
    fixed_count = int(os.environ.get("LOADTEST_CONSULTANTS", "10"))
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        pool = CREDENTIALS["consultants"]
        self.sign_in(pool[next(_consultants) % len(pool)])

    @task
    def accept_offers(self) -> None:
        response = self.client.get("/api/consults?status=open", name="offers")
        if response.status_code != 200:
            return
        for item in response.json()["consults"]:
            if item.get("offer_state") == "offered":
                with self.client.post(
                    f"/api/consults/{item['id']}/accept",
                    data="{}",
                    name="accept",
                    catch_response=True,
                ) as answer:
                    if answer.status_code == 409:  # someone else was first: as it should be
                        answer.success()
                    taken = answer.status_code == 200
                if taken:  # advice given: closing keeps the consultant under their open limit
                    self.client.post(
                        f"/api/consults/{item['id']}/close",
                        data=json.dumps({"outcome": "advice"}),
                        name="close",
                    )
                break
