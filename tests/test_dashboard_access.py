"""Who sees what (the access matrix checks every route too; this states the rule plainly)."""

from __future__ import annotations

import pytest

COORDINATOR_ONLY = [
    "/dashboard/",
    "/dashboard/metrics",
    "/api/dashboard/live",
    "/reports/",
    "/reports/monthly/2025-01",
    "/reports/monthly/2025-01.csv",
    "/audit/",
    "/audit/export.csv",
]


@pytest.mark.parametrize("path", COORDINATOR_ONLY)
def test_only_coordinators(app, actors, path: str) -> None:  # type: ignore[no-untyped-def]
    coordinator, _ = actors.signed_in("coordinator")
    assert coordinator.get(path).status_code == 200
    for role in ("mentor", "consultant"):
        other, _ = actors.signed_in(role)
        assert other.get(path).status_code == 403, role
    anonymous = app.test_client().get(path)
    assert anonymous.status_code == (401 if path.startswith("/api/") else 302)


def test_my_data_is_always_ones_own(app, actors) -> None:  # type: ignore[no-untyped-def]
    first, first_id = actors.signed_in("mentor")
    second, second_id = actors.signed_in("consultant")
    assert first.get("/me/data.json").get_json(force=True)["profile"]["id"] == first_id
    assert second.get("/me/data.json").get_json(force=True)["profile"]["id"] == second_id
    # No address takes a user id: asking for someone else's data is not even expressible.
    assert first.get(f"/me/data.json?user={second_id}").get_json(force=True)["profile"]["id"] == (
        first_id
    )
    assert first.get(f"/me/{second_id}/data.json").status_code == 404
