"""Every page, every role, on a 360 × 640 phone: nothing scrolls sideways, every tap target is at
least 44 px, the consult button sits where a thumb reaches, and no request leaves the app's
origin (system fonts only, no third party)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from mentor_app.accounts import services as accounts
from mentor_app.accounts.models import User
from mentor_app.playbooks.models import Guide
from tests.browser.conftest import PHONE, sign_in, watch
from tests.browser.pwa_helpers import create_consult

pytestmark = pytest.mark.browser

PAGES: dict[str, list[str]] = {
    "anonymous": ["/login", "/offline", "/invite/{invite}"],
    "mentor": [
        "/",
        "/guides",
        "/guides?q=funeral",
        "/guides/bereavement-illness-in-family",
        "/account/settings",
        "/account/2fa/setup",
        "/me/data",
        "/consults/{record}/record",
    ],
    "consultant": [
        "/",
        "/guides/trauma-reminders",
        "/pool/me",
        "/pool/me/shifts",
        "/guide-editor/",
        "/guide-editor/new",
        "/guide-editor/trauma-reminders/edit",
        "/account/settings",
    ],
    "coordinator": [
        "/",
        "/dashboard/",
        "/dashboard/metrics",
        "/pool/",
        "/pool/{consultant}",
        "/pool/{consultant}/shifts",
        "/pool/coverage",
        "/pool/coverage/hour?at={hour}",
        "/pool/tags",
        "/reports/",
        "/reports/monthly/2026-03",
        "/audit/",
        "/admin/users/",
        "/admin/users/invite",
        "/admin/users/{consultant}",
        "/guide-editor/",
        "/guide-editor/trauma-reminders/history",
        "/guide-editor/revisions/{revision}",
        "/account/settings",
    ],
}

# Pages that exist once the consult feature (issue 4) is merged.
CONSULT_PAGES = {
    "mentor": ["/consults/start", "/consults/start?topic=trauma-reminders", "/consults/"],
    "consultant": ["/consults/", "/consults/{record}"],
    "coordinator": ["/consults/open", "/consults/{record}"],
}

# Offenders on the page: sideways overflow, and visible controls smaller than 44 × 44 px.
# Links inside running text are exempt (WCAG 2.5.8 names them: their size is the line's).
LAYOUT_PROBLEMS = """() => {
  const root = document.documentElement;
  const small = [];
  const controls = 'a[href], button, input:not([type=hidden]), select, textarea, summary';
  for (const el of document.querySelectorAll(controls)) {
    let box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!box.width || !box.height || style.visibility === 'hidden' || box.right < 0) continue;
    if (el.tagName === 'A' && style.display === 'inline') {
      const line = (el.parentElement.textContent || '').trim().length;
      if (line > (el.textContent || '').trim().length + 8) continue;
    }
    if (el.type === 'checkbox' || el.type === 'radio') {
      box = (el.closest('label, li, .choice, .pool-checkbox') || el).getBoundingClientRect();
    }
    if (box.height < 43.5 || box.width < 43.5) {
      const name = (el.textContent || el.name || el.id || '').trim().replace(/\\s+/g, ' ');
      small.push(`${el.tagName.toLowerCase()}.${el.className} "${name.slice(0, 30)}" `
        + `${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return { overflow: root.scrollWidth - root.clientWidth, small };
}"""


def arrange(app: Any, db: Any, clock: Any, actors: Any) -> dict[str, Any]:
    """What the pages with an id in their path need."""
    consultant_id, _ = actors.create("consultant")
    coordinator_id, _ = actors.create("coordinator")
    with app.app_context():
        session = app.extensions["mentor_db"].session()
        _, token = accounts.invite(
            session,
            clock(),
            inviter=session.get(User, coordinator_id),
            email="new.mentor@example.org",
            display_name="New mentor",
            role="mentor",
            ttl=timedelta(hours=1),
        )
        session.commit()
        session.close()
    guide = db.scalars(select(Guide).where(Guide.slug == "trauma-reminders")).one()
    hour = (clock() + timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    return {
        "consultant": consultant_id,
        "invite": token,
        "revision": guide.current_revision_id,
        "hour": hour.isoformat().replace("+00:00", "Z"),
    }


def closed_consult(db: Any, mentor_id: int, consultant_id: int) -> int:
    """A consult taken by `consultant_id` and closed with an outcome (thread, note, callback)."""
    from tests import dashboard_factories as f

    row = f.consult(
        db,
        mentor_id,
        datetime(2026, 3, 3, 9, tzinfo=UTC),
        status="closed",
        accepted_after=120,
        consultant_id=consultant_id,
        closed_after=timedelta(hours=1),
        outcome="advice",
    )
    db.commit()
    return row.id


def pages_for(app: Any, role: str) -> list[str]:
    pages = list(PAGES[role])
    if "consults" in app.blueprints:
        pages += CONSULT_PAGES.get(role, [])
    return pages


def check_page(page: Any, base: str, path: str, problems: list[str]) -> None:
    response = page.goto(base + path)
    assert response and response.status == 200, (path, response and response.status)
    found = page.evaluate(LAYOUT_PROBLEMS)
    if found["overflow"] > 0:
        problems.append(f"{path}: scrolls sideways by {found['overflow']} px")
    problems.extend(f"{path}: small tap target {s}" for s in found["small"])
    fab = page.locator(".consult-fab")
    if fab.count() and fab.is_visible():
        box = fab.bounding_box()
        if not (box["y"] >= PHONE["height"] * 0.75 and box["y"] + box["height"] <= PHONE["height"]):
            problems.append(f"{path}: consult button out of thumb reach at y={box['y']}")


@pytest.mark.parametrize("role", ["anonymous", "mentor", "consultant", "coordinator"])
def test_every_page_fits_a_phone(browser, library_server, app, db, clock, actors, role) -> None:  # type: ignore[no-untyped-def]
    ids = arrange(app, db, clock, actors)
    context = browser.new_context(viewport=PHONE)
    page = watch(context.new_page())
    foreign: list[str] = []
    page.on("request", lambda r: r.url.startswith(library_server) or foreign.append(r.url))
    if role != "anonymous":
        user_id, email = actors.create(role)
        sign_in(page, library_server, actors, email)
        mentor_id = user_id if role == "mentor" else actors.create("mentor")[0]
        taker = user_id if role == "consultant" else ids["consultant"]
        ids["record"] = closed_consult(db, mentor_id, taker)
    problems: list[str] = []
    paths = [path.format(**ids) for path in pages_for(app, role)]
    if role == "mentor" and "consults" in app.blueprints:
        paths.append(create_consult(page))  # a consult's own page
    for path in paths:
        check_page(page, library_server, path, problems)
    assert not problems, "\n".join(problems)
    assert foreign == [], "requests to another origin"
    assert page.problems == []  # type: ignore[attr-defined]
    context.close()
