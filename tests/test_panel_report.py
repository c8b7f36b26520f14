"""The monthly panel report: page, CSV and charts, and what they must never contain."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from mentor_app.accounts.models import User
from mentor_app.audit.models import AuditEvent
from mentor_app.dashboard import charts
from tests import dashboard_factories as f

NOW = datetime(2026, 4, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def seeded(app, db, actors, clock):  # type: ignore[no-untyped-def]
    """March 2026 with content everywhere, plus a consult whose free-form fields hold the case
    code (region, topic): the report must still not show it."""
    clock.freeze(NOW)
    mentor, _ = actors.create("mentor", name="Mona Mentorsson")
    consultants = [actors.create("consultant", name=f"Volunteer Vega{i}")[0] for i in range(4)]
    case = f.case(db, mentor)
    f.seed_march(db, mentor, consultants, case_id=case.id)
    odd = f.consult(
        db,
        mentor,
        datetime(2026, 3, 20, tzinfo=UTC),
        topic=f.CASE_CODE,
        region=f.CASE_CODE,
        language=f.CASE_CODE[:8],
        consultant_id=consultants[0],
        accepted_after=30,
        status="closed",
        closed_after=timedelta(hours=1),
        outcome="advice",
    )
    f.declined_offer(db, odd, consultants[1])
    db.commit()
    names = [u.display_name for u in db.query(User)] + [u.email for u in db.query(User)]
    return mentor, names


def _forbidden(names: list[str]) -> list[str]:
    return [*f.SECRETS, "ZEBRA", *names]


def _assert_clean(text: str, forbidden: list[str]) -> None:
    lowered = text.lower()
    for needle in forbidden:
        assert needle.lower() not in lowered, f"{needle!r} leaked"


def test_report_page_csv_and_charts_hold_no_free_text(seeded, actors) -> None:  # type: ignore[no-untyped-def]
    _, names = seeded
    client, _ = actors.signed_in("coordinator", name="Cora Coordinatrix")
    page = client.get("/reports/monthly/2026-03")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    body = html.split('<main id="main"', 1)[1]  # the header names the signed-in coordinator
    forbidden = _forbidden(names)
    _assert_clean(body, forbidden)
    svgs = re.findall(r"<svg.*?</svg>", html, flags=re.S)
    assert len(svgs) >= 4
    for svg in svgs:
        _assert_clean(svg, forbidden)
        assert "<title" in svg and "<desc" in svg
        assert "style=" not in svg
    assert "style=" not in body
    assert "&lt;5" in body  # small counts shown as <5, in tables and chart labels
    exported = client.get("/reports/monthly/2026-03.csv")
    assert exported.status_code == 200
    assert exported.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in exported.headers["Content-Disposition"]
    assert exported.headers["Cache-Control"] == "no-store"
    text = exported.get_data(as_text=True)
    _assert_clean(text, [*forbidden, "Cora Coordinatrix"])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["section", "key", "value"]
    assert all(len(row) == 3 for row in rows)
    assert ["summary", "requests", "13"] in rows
    assert ["region", "other", "<5"] in rows


def test_csv_and_page_agree(seeded, actors) -> None:  # type: ignore[no-untyped-def]
    client, _ = actors.signed_in("coordinator")
    rows = list(csv.reader(io.StringIO(client.get("/reports/monthly/2026-03.csv").text)))
    html = client.get("/reports/monthly/2026-03").text
    cells = re.findall(r'<td class="num">([^<]*)</td>', html)
    for section, key, value in rows[1:]:
        if section == "report" or value in ("", "suppressed", "not_available"):
            continue
        shown = value.replace("<", "&lt;")
        assert any(c.startswith(shown) for c in cells), (section, key, value)


def test_csv_export_is_audited(seeded, actors, db) -> None:  # type: ignore[no-untyped-def]
    client, coordinator = actors.signed_in("coordinator")
    client.get("/reports/monthly/2026-03.csv")
    event = db.query(AuditEvent).filter_by(action="report.exported").one()
    assert (event.actor_id, event.object_id) == (coordinator, "2026-03")


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "1999-12", "2026-06"])
def test_bad_or_future_month_is_404(app, actors, clock, month) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(NOW)
    client, _ = actors.signed_in("coordinator")
    assert client.get(f"/reports/monthly/{month}").status_code == 404
    assert client.get(f"/reports/monthly/{month}.csv").status_code == 404
    assert client.get("/reports/monthly/2026-3").status_code == 404
    assert client.get("/reports/monthly/march").status_code == 404


def test_month_picker(app, actors, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(NOW)
    client, _ = actors.signed_in("coordinator")
    page = client.get("/reports/")
    assert page.status_code == 200 and 'type="month"' in page.text
    assert "/reports/monthly/2026-04" in page.text and "/reports/monthly/2025-05" in page.text
    picked = client.get("/reports/?month=2026-02")
    assert picked.status_code == 302 and picked.headers["Location"].endswith("/monthly/2026-02")
    assert client.get("/reports/?month=2026-07").status_code == 400
    assert client.get("/reports/?month=2026-03x").status_code == 400


def test_current_month_is_marked_incomplete(app, actors, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(NOW)
    client, _ = actors.signed_in("coordinator")
    assert "not over yet" in client.get("/reports/monthly/2026-04").text
    assert "not over yet" not in client.get("/reports/monthly/2026-03").text
    assert "month_complete,no" in client.get("/reports/monthly/2026-04.csv").text


def test_print_stylesheet_makes_a4() -> None:
    from pathlib import Path

    css = (Path(__file__).resolve().parent.parent / "static/css/app.css").read_text()
    print_block = css[css.rindex("@media print") :]
    assert "size: A4" in print_block and ".no-print" in print_block


# --- charts alone -------------------------------------------------------------------------------


def test_chart_draws_no_bar_for_suppressed_values_and_escapes_labels() -> None:
    svg = str(
        charts.bar_chart(
            "t",
            "Requests <by> urgency",
            [
                charts.Bar("urgent", 12, "12"),
                charts.Bar("<script>", None, "<5"),
                charts.Bar("routine", 0, "0"),
            ],
        )
    )
    assert svg.count("<rect") - svg.count('<rect width="8"') == 1  # one bar; pattern tiles aside
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "&lt;5" in svg
    assert 'role="img"' in svg and 'aria-labelledby="t-title t-desc"' in svg
    assert "Requests &lt;by&gt; urgency" in svg
    assert "urgent: 12; &lt;script&gt;: &lt;5; routine: 0" in svg  # the desc lists every value
    assert "style=" not in svg
    assert 'fill="url(#t-p0)"' in svg  # patterns, not colours


def test_chart_bars_use_distinct_patterns() -> None:
    svg = str(charts.bar_chart("c", "x", [charts.Bar(str(i), i + 1, str(i + 1)) for i in range(3)]))
    fills = re.findall(r'fill="url\(#(c-p\d)\)"', svg)
    assert fills == ["c-p0", "c-p1", "c-p2"]
