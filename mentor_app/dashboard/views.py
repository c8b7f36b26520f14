"""Coordinator pages: the live dashboard, metrics over any period, the monthly panel report."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.routing import BaseConverter, BuildError

from mentor_app import timeutil
from mentor_app.audit import services as audit
from mentor_app.dashboard import live as live_view
from mentor_app.dashboard import metrics as m
from mentor_app.dashboard import queries
from mentor_app.dashboard import report as rep
from mentor_app.db import db_session
from mentor_app.security import roles_required
from mentor_app.web import client_ip, now

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
reports_bp = Blueprint("reports", __name__, url_prefix="/reports")

DEFAULT_METRICS_DAYS = 30


class YearMonthConverter(BaseConverter):
    """YYYY-MM in the path; whether it is a real, reportable month is the view's question."""

    regex = r"\d{4}-\d{2}"


CONSULT_PAGE = "consults.detail"


def consult_url(consult_id: int) -> str | None:
    """The consult's own page, when the consult domain provides one."""
    if CONSULT_PAGE not in current_app.view_functions:
        return None
    try:
        return url_for(CONSULT_PAGE, consult_id=consult_id)
    except BuildError:  # the endpoint exists but takes other arguments
        return None


@bp.get("/")
@roles_required("coordinator")
def index():  # type: ignore[no-untyped-def]
    snapshot = live_view.snapshot(db_session(), now(), current_user.timezone)
    return render_template(
        "dashboard/index.html",
        live=snapshot,
        age_buckets=live_view.AGE_BUCKETS,
        urgencies=m.URGENCIES,
        consult_url=consult_url,
        age_text=age_text,
        poll_seconds=current_app.config["DASHBOARD_POLL_SECONDS"],
        urgency_labels={k: str(v) for k, v in rep.URGENCY_LABELS.items()},
        reach_labels={k: str(v) for k, v in live_view.REACH_LABELS.items()},
        worker_banner=live_view.worker_banner,
    )


def age_text(minutes: int) -> str:
    if minutes < 60:
        return _("%(m)d min", m=minutes)
    if minutes < 24 * 60:
        return _("%(h)d h %(m)02d min", h=minutes // 60, m=minutes % 60)
    return _("%(d)d d %(h)d h", d=minutes // (24 * 60), h=(minutes // 60) % 24)


@bp.get("/metrics")
@roles_required("coordinator")
def metrics_page():  # type: ignore[no-untyped-def]
    # Days of the panel's calendar, as in the monthly report (mentor_app/timeutil.py).
    zone = timeutil.panel_zone()
    today = timeutil.local_today(now(), zone)
    default_start = today - timedelta(days=DEFAULT_METRICS_DAYS - 1)
    start = request.args.get("start") or default_start.isoformat()
    end = request.args.get("end") or today.isoformat()
    try:
        period = m.parse_period(start, end, zone)
    except m.PeriodError as err:
        shown = {"start": start[:10], "end": end[:10]}  # echoed back into the form, escaped
        return render_template("dashboard/metrics.html", error=str(err), zone=zone, **shown), 400
    figures = queries.compute(db_session(), period)
    return render_template(
        "dashboard/metrics.html",
        period=period,
        zone=zone,
        start=period.first_day.isoformat(),
        end=period.last_day.isoformat(),
        tables=rep.build_tables(figures, suppress=False),
        chart=rep.table_chart,
        definitions=m.DEFINITIONS,
    )


# --- the monthly panel report ------------------------------------------------------------------


def _panel_today():  # type: ignore[no-untyped-def]
    return timeutil.local_today(now(), timeutil.panel_zone())


def _reportable(month: str) -> m.Period:
    period = m.parse_month(month, timeutil.panel_zone())
    if period is None or period.first_day > _panel_today():
        abort(404)
    return period


def _report(month: str) -> tuple[m.Period, list[rep.Table], bool]:
    period = _reportable(month)
    figures = queries.compute(db_session(), period)
    complete = now() >= period.end_at
    return period, rep.build_tables(figures, suppress=True), complete


def _recent_months(count: int = 12) -> list[str]:
    months = []
    today = _panel_today()
    year, month = today.year, today.month
    for _i in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months


@reports_bp.get("/", endpoint="index")
@roles_required("coordinator")
def report_index():  # type: ignore[no-untyped-def]
    chosen = (request.args.get("month") or "").strip()
    if chosen:
        period = m.parse_month(chosen, timeutil.panel_zone())
        if period is not None and period.first_day <= _panel_today():
            return redirect(url_for(".monthly", month=chosen))
        return render_template(
            "dashboard/report_index.html",
            months=_recent_months(),
            error=_("Choose a month like 2026-03, not in the future."),
        ), 400
    return render_template("dashboard/report_index.html", months=_recent_months(), error=None)


@reports_bp.get("/monthly/<yearmonth:month>")
@roles_required("coordinator")
def monthly(month: str):  # type: ignore[no-untyped-def]
    period, tables, complete = _report(month)
    return render_template(
        "dashboard/report.html",
        month=month,
        period=period,
        tables=tables,
        complete=complete,
        chart=rep.table_chart,
        definitions=m.DEFINITIONS,
    )


@reports_bp.get("/monthly/<yearmonth:month>.csv")
@roles_required("coordinator")
def monthly_csv(month: str):  # type: ignore[no-untyped-def]
    period, tables, complete = _report(month)
    body = rep.to_csv(rep.csv_rows(month, period, complete, tables))
    audit.record(
        db_session(),
        now(),
        "report.exported",
        actor_id=current_user.id,
        object_type="report",
        object_id=month,
        ip=client_ip(),
        details={"format": "csv"},
    )
    response = make_response(body)
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="panel-report-{month}.csv"'
    return response
