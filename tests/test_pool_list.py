"""The pool list (filters, load, sort), the CSV export and the expertise list."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from mentor_app.audit.models import AuditEvent
from mentor_app.consults.models import Consult
from mentor_app.notifications.models import PushSubscription
from mentor_app.pool import vetting
from mentor_app.pool.models import ExpertiseTag
from tests import pool_helpers
from tests.conftest import csrf_token

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def seed(actors, db) -> dict[str, int]:  # type: ignore[no-untyped-def]
    mentor_id, _ = actors.create("mentor")
    ids = {}
    for name, languages in [("Busy", ["sv"]), ("Calm", ["de", "en"]), ("=Formula", ["sv"])]:
        ids[name], _ = actors.create(
            "consultant",
            name=name,
            languages=languages,
            email=f"{name.strip('=').lower()}@example.org",
        )
    pool_helpers.set_expertise(db, ids["Calm"], ["youth"])
    pool_helpers.set_profile(db, ids["=Formula"], vetting_state=vetting.SUSPENDED)
    pool_helpers.set_profile(db, ids["Calm"], credential_expires_on=date(2026, 6, 20))
    db.add(
        PushSubscription(
            user_id=ids["Calm"], endpoint="https://push.example.org/c", p256dh="k", auth="a",
            created_at=NOW, last_success_at=NOW,
        )
    )  # fmt: skip
    for n in range(3):
        accepted = NOW - timedelta(days=n)
        db.add(
            Consult(
                mentor_id=mentor_id, client_key=f"k{n}", language="sv", status="accepted",
                consultant_id=ids["Busy"], accepted_at=accepted, created_at=accepted,
                updated_at=accepted,
            )
        )  # fmt: skip
    db.commit()
    return ids


def names(html: str, candidates: list[str]) -> list[str]:
    """The candidates in the order they appear on the page."""
    found = [(html.find(f">{c}</a>"), c) for c in candidates]
    return [c for position, c in sorted(found) if position >= 0]


def test_filters_and_load_sort(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(NOW)
    coordinator, _ = actors.signed_in("coordinator")
    seed(actors, db)
    everyone = ["Busy", "Calm", "=Formula"]
    page = coordinator.get("/pool/").get_data(as_text=True)
    assert names(page, everyone)[0] == "Busy"  # who carries the most comes first
    assert "3/3" in page  # three open of a limit of three
    assert names(coordinator.get("/pool/?language=de").get_data(as_text=True), everyone) == ["Calm"]
    assert names(coordinator.get("/pool/?expertise=youth").get_data(as_text=True), everyone) == [
        "Calm"
    ]
    suspended = coordinator.get("/pool/?state=suspended").get_data(as_text=True)
    assert names(suspended, everyone) == ["=Formula"]
    reachable = coordinator.get("/pool/?reach=reachable").get_data(as_text=True)
    assert names(reachable, everyone) == ["Calm"]
    no_device = coordinator.get("/pool/?reach=no_device").get_data(as_text=True)
    assert names(no_device, everyone) == ["Busy", "=Formula"]
    expiring = coordinator.get("/pool/?credential=expiring").get_data(as_text=True)
    assert names(expiring, everyone) == ["Calm"] and "expires soon" in expiring
    by_name = coordinator.get("/pool/?sort=name").get_data(as_text=True)
    assert names(by_name, everyone) == ["=Formula", "Busy", "Calm"]
    for bad in ("state=gone", "reach=maybe", "sort=random", "language=" + "x" * 9, "q=" + "a" * 81):
        assert coordinator.get(f"/pool/?{bad}").status_code == 400


def export(client, **data):  # type: ignore[no-untyped-def]
    return client.post("/pool/export", data={"csrf_token": csrf_token(client), **data})


def test_export_without_and_with_contact_details(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(NOW)
    coordinator, coordinator_id = actors.signed_in("coordinator")
    seed(actors, db)
    plain = export(coordinator)
    assert plain.status_code == 200 and plain.mimetype == "text/csv"
    assert "attachment" in plain.headers["Content-Disposition"]
    assert plain.headers["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(plain.get_data(as_text=True))))
    assert "email" not in rows[0] and "@" not in plain.get_data(as_text=True)
    assert rows[0]["name"] == "Busy" and rows[0]["open_consults"] == "3"
    formula = next(r for r in rows if "Formula" in r["name"])
    assert formula["name"] == "'=Formula"  # never a live spreadsheet formula

    german = list(
        csv.DictReader(io.StringIO(export(coordinator, language="de").get_data(as_text=True)))
    )
    assert [r["name"] for r in german] == ["Calm"]

    with_contact = export(coordinator, include_contact="y")
    contact_rows = list(csv.DictReader(io.StringIO(with_contact.get_data(as_text=True))))
    assert {r["email"] for r in contact_rows} == {
        "busy@example.org",
        "calm@example.org",
        "formula@example.org",
    }

    events = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "pool.exported").order_by(AuditEvent.id)
    ).all()
    assert [e.details["include_contact"] for e in events] == [False, False, True]
    assert events[1].details == {"rows": 1, "include_contact": False, "language": "de"}
    assert all(e.actor_id == coordinator_id for e in events)


def test_only_coordinators_export(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    for role in ("mentor", "consultant"):
        client, _ = actors.signed_in(role)
        assert export(client, include_contact="y").status_code == 403
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "pool.exported")) is None


def test_expertise_list_is_managed_by_coordinators(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    coordinator, _ = actors.signed_in("coordinator")
    consultant, consultant_id = actors.signed_in("consultant")
    token = csrf_token(coordinator)
    added = coordinator.post(
        "/pool/tags",
        data={"csrf_token": token, "tag": "eating-disorders", "label": "Eating disorders"},
    )
    assert added.status_code == 302
    assert db.get(ExpertiseTag, "eating-disorders").label == "Eating disorders"
    for bad in (
        {"tag": "Eating Disorders", "label": "x"},
        {"tag": "trauma", "label": "Again"},
        {"tag": "ok-tag", "label": ""},
    ):
        assert coordinator.post("/pool/tags", data={"csrf_token": token, **bad}).status_code == 400
    assert (
        coordinator.post(
            "/pool/tags/eating-disorders", data={"csrf_token": token, "label": "Eating and food"}
        ).status_code
        == 302
    )
    db.expire_all()
    assert db.get(ExpertiseTag, "eating-disorders").label == "Eating and food"
    pool_helpers.set_expertise(db, consultant_id, ["eating-disorders"])
    db.commit()
    in_use = coordinator.post("/pool/tags/eating-disorders/delete", data={"csrf_token": token})
    assert in_use.status_code == 400 and "remove it from their profile" in in_use.get_data(
        as_text=True
    )
    pool_helpers.set_expertise(db, consultant_id, [])
    db.commit()
    assert (
        coordinator.post(
            "/pool/tags/eating-disorders/delete", data={"csrf_token": token}
        ).status_code
        == 302
    )
    assert db.get(ExpertiseTag, "eating-disorders") is None
    consultant_token = csrf_token(consultant)
    assert (
        consultant.post(
            "/pool/tags", data={"csrf_token": consultant_token, "tag": "x-y", "label": "X"}
        ).status_code
        == 403
    )
    actions = list(
        db.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "expertise_tag"))
    )
    assert actions == ["pool.tag_added", "pool.tag_relabelled", "pool.tag_removed"]


def test_profile_page_for_coordinators(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(NOW)
    coordinator, _ = actors.signed_in("coordinator")
    ids = seed(actors, db)
    page = coordinator.get(f"/pool/{ids['Busy']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "3 open · 3 in the last 30 days" in html
    assert "by the operator" in html
