"""The guide figures the coordinator's dashboard and panel report show.

Implements `mentor_app.dashboard.metrics.GuideMetricsProvider`; wired in `domain.init_app`.
Opens are the per-day counter of mentors' opens (see services.count_open), so a range is
counted in whole days of the panel's calendar (`PANEL_TIMEZONE`); "did this help?" answers
are counted when given in the range.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor_app import timeutil
from mentor_app.dashboard.metrics import GuideOverdue, GuideUsage
from mentor_app.playbooks import services
from mentor_app.playbooks.models import Guide, GuideFeedback, GuideViewDay


class PlaybookMetrics:
    def overdue_for_review(self, session: Session, today: date) -> list[GuideOverdue]:
        return [
            GuideOverdue(slug=g.slug, title=g.short_title or g.title, review_by=g.review_on)
            for g in services.review_due(session, today)
            if g.review_on is not None
        ]

    def usage(
        self, session: Session, start_at: datetime, end_at: datetime, limit: int
    ) -> list[GuideUsage]:
        opened = (
            select(GuideViewDay.guide_id, func.sum(GuideViewDay.views).label("opened"))
            .where(
                GuideViewDay.day_on >= timeutil.local_date(start_at, timeutil.panel_zone()),
                GuideViewDay.day_on < timeutil.local_date(end_at, timeutil.panel_zone()),
            )
            .group_by(GuideViewDay.guide_id)
            .order_by(func.sum(GuideViewDay.views).desc(), GuideViewDay.guide_id)
            .limit(limit)
            .subquery()
        )
        rows = session.execute(
            select(Guide.id, Guide.slug, Guide.title, Guide.short_title, opened.c.opened)
            .join(opened, opened.c.guide_id == Guide.id)
            .order_by(opened.c.opened.desc(), Guide.slug)
        ).all()
        answers = self._answers(session, [r.id for r in rows], start_at, end_at)
        return [
            GuideUsage(
                slug=r.slug,
                title=r.short_title or r.title,
                opened=int(r.opened or 0),
                helpful_yes=answers.get((r.id, True), 0),
                helpful_no=answers.get((r.id, False), 0),
            )
            for r in rows
        ]

    @staticmethod
    def _answers(
        session: Session, guide_ids: list[int], start_at: datetime, end_at: datetime
    ) -> dict[tuple[int, bool], int]:
        if not guide_ids:
            return {}
        rows = session.execute(
            select(GuideFeedback.guide_id, GuideFeedback.helpful, func.count())
            .where(
                GuideFeedback.guide_id.in_(guide_ids),
                GuideFeedback.updated_at >= start_at,
                GuideFeedback.updated_at < end_at,
            )
            .group_by(GuideFeedback.guide_id, GuideFeedback.helpful)
        )
        return {(guide_id, bool(helpful)): count for guide_id, helpful, count in rows}
