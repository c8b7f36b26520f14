"""The guide figures the dashboard reads: overdue reviews and most-opened guides."""

from __future__ import annotations

from datetime import UTC, date, datetime

from mentor_app.dashboard import metrics as dashboard_metrics
from mentor_app.playbooks.metrics import PlaybookMetrics
from mentor_app.playbooks.models import Guide, GuideFeedback, GuideViewDay
from tests.playbooks.support import seed_library


def test_provider_is_wired(app) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(dashboard_metrics.GUIDE_METRICS_PROVIDER, PlaybookMetrics)


def test_usage_and_overdue_by_hand(app, db, clock, actors) -> None:  # type: ignore[no-untyped-def]
    seed_library(db, clock())
    mentor_id, _ = actors.create("mentor")
    other_id, _ = actors.create("mentor")
    grief = db.query(Guide).filter_by(slug="bereavement-illness-in-family").one()
    anger = db.query(Guide).filter_by(slug="confrontation-rupture").one()
    db.add_all(
        [
            GuideViewDay(guide_id=grief.id, day_on=date(2026, 3, 2), views=4),
            GuideViewDay(guide_id=grief.id, day_on=date(2026, 3, 30), views=3),
            GuideViewDay(guide_id=grief.id, day_on=date(2026, 4, 1), views=50),  # next month
            GuideViewDay(guide_id=anger.id, day_on=date(2026, 3, 15), views=2),
        ]
    )
    march = datetime(2026, 3, 10, tzinfo=UTC)
    for user_id, helpful in ((mentor_id, True), (other_id, False)):
        db.add(
            GuideFeedback(
                user_id=user_id,
                guide_id=grief.id,
                helpful=helpful,
                created_at=march,
                updated_at=march,
            )
        )
    anger.review_on = date(2026, 1, 1)
    db.commit()

    usage = PlaybookMetrics().usage(
        db, datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC), 10
    )
    assert [(u.slug, u.opened, u.helpful_yes, u.helpful_no) for u in usage] == [
        ("bereavement-illness-in-family", 7, 1, 1),
        ("confrontation-rupture", 2, 0, 0),
    ]
    overdue = PlaybookMetrics().overdue_for_review(db, date(2026, 3, 1))
    assert [o.slug for o in overdue] == ["confrontation-rupture"]
