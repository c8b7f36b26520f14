"""Turning metrics into tables for a page and for CSV, with small counts suppressed.

One builder (`build_tables`) serves the coordinators' metrics page (exact figures) and the
monthly panel report (`suppress=True`): what the page shows, the charts draw and the CSV holds
come from the same cells, so they cannot disagree.

Suppression, for the report: any cell counting fewer than SMALL_CELL consults (or consultants,
or guide answers) shows "<" and SMALL_CELL ("<5"), zero included; a median, percentile or share
computed from fewer than SMALL_CELL consults, or a share whose part is fewer than SMALL_CELL,
shows "suppressed".
Topics, languages and regions with fewer than SMALL_CELL consults are merged into "other", so a
rare category is not named at all. Category keys that do not look like a plain code are merged
into "other" too: nothing typed freely can reach the report.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, replace
from typing import Any

from babel import Locale
from babel.numbers import format_percent
from flask_babel import format_decimal, get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from mentor_app.dashboard import charts
from mentor_app.dashboard import metrics as m
from mentor_app.i18n.render import guide_title

# The one small-count threshold: the report's cells, its CSV and every page's explanation use it.
SMALL_CELL = 5
SMALL = f"<{SMALL_CELL}"
SUPPRESSED = "suppressed"
OTHER = "other"
_CATEGORY_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,79}$")
_LANGUAGE_KEY = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")

URGENCY_LABELS = {"urgent": _l("Urgent"), "soon": _l("Soon"), "routine": _l("Routine")}
OUTCOME_LABELS = {
    "advice": _l("Advice given"),
    "see_client": _l("Consultant recommends seeing the client"),
    "referral": _l("Referral to health care"),
    "urgent_risk": _l("Urgent risk"),
    "none": _l("None (no action, no outcome, or cancelled)"),
    "in_progress": _l("Still open or in progress"),
}


@dataclass(frozen=True)
class Cell:
    display: str  # what the page and the chart label show
    csv: str  # what the CSV holds
    value: float | None  # bar length; None when suppressed or unknown (no bar is drawn)


@dataclass(frozen=True)
class Row:
    key: str
    label: Any
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Column:
    key: str
    label: Any


@dataclass(frozen=True)
class Table:
    id: str
    title: Any
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    chart_column: int | None = None  # which column the bar chart draws, if any
    available: bool = True  # False: the figures come from a domain not wired in yet
    note: Any = None


class Cells:
    """Makes cells, suppressing small figures when asked to."""

    def __init__(self, suppress: bool) -> None:
        self.suppress = suppress

    def count(self, n: int) -> Cell:
        if self.suppress and n < SMALL_CELL:
            return Cell(SMALL, SMALL, None)
        return Cell(str(n), str(n), float(n))

    def minutes(self, seconds: float | None, basis: int) -> Cell:
        if seconds is None:
            return Cell("–", "", None)
        if self.suppress and basis < SMALL_CELL:
            return Cell(_l("suppressed"), SUPPRESSED, None)
        minutes = seconds / 60.0
        # Shown in the reader's locale ("12,5 min"); the CSV keeps the machine form ("12.5").
        shown = format_decimal(minutes, "#,##0.0")
        return Cell(_l("%(minutes)s min", minutes=shown), f"{minutes:.1f}", minutes)

    def percent(self, part: int, whole: int) -> Cell:
        if whole == 0:
            return Cell("–", "", None)
        if self.suppress and (whole < SMALL_CELL or part < SMALL_CELL):
            return Cell(_l("suppressed"), SUPPRESSED, None)
        value = 100.0 * part / whole
        # The locale's own percent form with one decimal: "25.0%", "25,0 %".
        locale = get_locale() or Locale.parse("en")
        pattern = locale.percent_formats[None].pattern.replace("#,##0", "#,##0.0", 1)
        shown = format_percent(value / 100, pattern, locale=locale)
        return Cell(shown, f"{value:.1f}", value)


def safe_category(key: str, pattern: re.Pattern[str] = _CATEGORY_KEY) -> str:
    return key if pattern.fullmatch(key or "") else OTHER


def collapse(counts: dict[str, int], suppress: bool, pattern: re.Pattern[str]) -> dict[str, int]:
    """Biggest first; unsafe keys (and, when suppressing, small ones) merged into "other"."""
    kept: dict[str, int] = {}
    other = 0
    for key, count in counts.items():
        safe = safe_category(key, pattern)
        if safe == OTHER or (suppress and count < SMALL_CELL):
            other += count
        else:
            kept[safe] = kept.get(safe, 0) + count
    ordered = dict(sorted(kept.items(), key=lambda item: (-item[1], item[0])))
    if other:
        ordered[OTHER] = other
    return ordered


def build_tables(metrics: m.Metrics, suppress: bool) -> list[Table]:
    cells = Cells(suppress)
    return [
        _summary(metrics, cells),
        _breakdown(
            "urgency", _l("Requests by urgency"), _urgency_counts(metrics), cells, chart=True
        ),
        _categories("topic", _l("Requests by topic"), metrics.by_topic, cells, chart=True),
        _categories("language", _l("Requests by language"), metrics.by_language, cells),
        _categories("region", _l("Requests by region"), metrics.by_region, cells),
        _accept(metrics, cells),
        _outcomes(metrics, cells),
        _load(metrics, cells),
        _guides(metrics, cells),
        *([_safety(metrics.safety, cells)] if metrics.safety is not None else []),
    ]


SAFETY_LABELS = {
    "visits": _l("Visits with a check-in"),
    "missed": _l("Alarms: missed check-in"),
    "duress": _l("Alarms: duress PIN"),
    "sos": _l("Alarms: SOS"),
}


def _safety(figures: m.SafetyFigures, cells: Cells) -> Table:
    """Counts suppressed below SMALL_CELL like the rest; the time to acknowledge from at
    least SMALL_CELL acknowledged alarms."""
    rows = [
        Row(
            "visits",
            SAFETY_LABELS["visits"],
            (cells.count(figures.visits), Cell("", "", None), Cell("", "", None)),
        )
    ]
    for kind in ("missed", "duress", "sos"):
        count = cells.count(figures.alarms.get(kind, 0))
        rows.append(Row(kind, SAFETY_LABELS[kind], (count, Cell("", "", None), Cell("", "", None))))
    rows.append(
        Row(
            "acknowledged",
            _l("Time to acknowledge an alarm"),
            (
                cells.count(figures.acknowledged),
                cells.minutes(figures.ack_median_seconds, figures.acknowledged),
                cells.minutes(figures.ack_p90_seconds, figures.acknowledged),
            ),
        )
    )
    return Table(
        "safety",
        _l("Mentor safety"),
        (
            Column("count", _l("Count")),
            Column("median_minutes", _l("Median")),
            Column("p90_minutes", _l("90th percentile")),
        ),
        tuple(rows),
    )


def _urgency_counts(metrics: m.Metrics) -> list[tuple[str, Any, int]]:
    return [(u, URGENCY_LABELS[u], metrics.by_urgency.get(u, 0)) for u in m.URGENCIES]


def _breakdown(
    table_id: str, title: Any, rows: list[tuple[str, Any, int]], cells: Cells, chart: bool = False
) -> Table:
    return Table(
        table_id,
        title,
        (Column("consults", _l("Requests")),),
        tuple(Row(key, label, (cells.count(n),)) for key, label, n in rows),
        chart_column=0 if chart else None,
    )


def _categories(
    table_id: str, title: Any, counts: dict[str, int], cells: Cells, chart: bool = False
) -> Table:
    pattern = _LANGUAGE_KEY if table_id == "language" else _CATEGORY_KEY
    merged = collapse(counts, cells.suppress, pattern)
    rows = [(key, _l("Other") if key == OTHER else key, n) for key, n in merged.items()]
    table = _breakdown(table_id, title, rows, cells, chart)
    if cells.suppress:
        note = _l("Fewer than 5 requests each, or not a plain code, are counted under Other.")
        table = replace(table, note=note)
    return table


def _summary(metrics: m.Metrics, cells: Cells) -> Table:
    accepted = metrics.accept.get(m.ALL, m.AcceptTimes(0, None, None)).count
    rows = [
        ("requests", _l("Requests"), cells.count(metrics.total)),
        ("accepted", _l("Accepted by a consultant"), cells.count(accepted)),
        ("reached_coordinator", _l("Reached the coordinator step"), None),
        ("reached_coordinator_share", _l("Share that reached the coordinator step"), None),
        ("rated", _l("Rated by the mentor"), cells.count(metrics.rated)),
        ("rated_helpful", _l("Rated helpful"), cells.count(metrics.rated_helpful)),
        ("rated_helpful_share", _l("Share rated helpful"), None),
    ]
    filled = {
        "reached_coordinator": cells.count(metrics.reached_coordinator),
        "reached_coordinator_share": cells.percent(metrics.reached_coordinator, metrics.total),
        "rated_helpful_share": cells.percent(metrics.rated_helpful, metrics.rated),
    }
    return Table(
        "summary",
        _l("Summary"),
        (Column("value", _l("Value")),),
        tuple(Row(key, label, (cell or filled[key],)) for key, label, cell in rows),
    )


def _accept(metrics: m.Metrics, cells: Cells) -> Table:
    rows = []
    for key in (*m.URGENCIES, m.ALL):
        times = metrics.accept.get(key, m.AcceptTimes(0, None, None))
        label = URGENCY_LABELS.get(key, _l("All urgencies"))
        rows.append(
            Row(
                key,
                label,
                (
                    cells.count(times.count),
                    cells.minutes(times.median_seconds, times.count),
                    cells.minutes(times.p90_seconds, times.count),
                ),
            )
        )
    return Table(
        "time_to_accept",
        _l("Time to accept"),
        (
            Column("accepted", _l("Accepted")),
            Column("median_minutes", _l("Median")),
            Column("p90_minutes", _l("90th percentile")),
        ),
        tuple(rows),
        chart_column=1,
    )


def _outcomes(metrics: m.Metrics, cells: Cells) -> Table:
    rows = [(k, OUTCOME_LABELS[k], metrics.outcomes.get(k, 0)) for k in m.OUTCOME_CATEGORIES]
    return _breakdown("outcome", _l("Outcomes"), rows, cells, chart=True)


LOAD_LABELS = {
    "1": _l("1 consult"),
    "2-3": _l("2–3 consults"),
    "4-6": _l("4–6 consults"),
    "7-10": _l("7–10 consults"),
    "11+": _l("11 or more consults"),
}


def _load(metrics: m.Metrics, cells: Cells) -> Table:
    rows = tuple(
        Row(key, LOAD_LABELS.get(key, key), (cells.count(n),)) for key, n in metrics.load.items()
    )
    return Table(
        "consultant_load",
        _l("Consultant load"),
        (Column("consultants", _l("Consultants")),),
        rows,
        chart_column=0,
    )


def _guides(metrics: m.Metrics, cells: Cells) -> Table:
    columns = (
        Column("opened", _l("Opened")),
        Column("helpful_yes", _l("Helped")),
        Column("helpful_no", _l("Did not help")),
    )
    title = _l("Guides most opened")
    if metrics.guides is None:
        return Table("guides", title, columns, (), available=False)
    rows = tuple(
        Row(
            safe_category(g.slug),
            guide_title(g.slug, g.title) if safe_category(g.slug) != OTHER else _l("Other"),
            (cells.count(g.opened), cells.count(g.helpful_yes), cells.count(g.helpful_no)),
        )
        for g in metrics.guides
    )
    return Table("guides", title, columns, rows)


# --- CSV ------------------------------------------------------------------------------------


def csv_rows(month: str, period: m.Period, complete: bool, tables: list[Table]) -> list[tuple]:
    """Tidy rows (section, key, value): one figure per row; keys are codes, never labels."""
    rows: list[tuple[str, str, str]] = [
        ("report", "month", month),
        ("report", "first_day", period.first_day.isoformat()),
        ("report", "last_day", period.last_day.isoformat()),
        ("report", "consults_counted_by", "created_at"),
        ("report", "time_zone", period.zone),
        ("report", "small_counts_below", str(SMALL_CELL)),
        ("report", "month_complete", "yes" if complete else "no"),
    ]
    for table in tables:
        if not table.available:
            rows.append((table.id, "status", "not_available"))
            continue
        for index, column in enumerate(table.columns):
            section = table.id if len(table.columns) == 1 else f"{table.id}.{column.key}"
            rows.extend((section, row.key, row.cells[index].csv) for row in table.rows)
    return rows


def to_csv(rows: list[tuple]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(("section", "key", "value"))
    for row in rows:
        writer.writerow(tuple(_spreadsheet_safe(str(v)) for v in row))
    return buffer.getvalue()


def _spreadsheet_safe(value: str) -> str:
    """A cell a spreadsheet would run as a formula is quoted ("<5" is safe as it is)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def table_chart(table: Table, id_prefix: str = "chart") -> Markup | None:
    """The table's bar chart (one column of it), or None when the table has none."""
    if table.chart_column is None or not table.available or not table.rows:
        return None
    bars = [
        charts.Bar(
            str(row.label),
            row.cells[table.chart_column].value,
            str(row.cells[table.chart_column].display),
        )
        for row in table.rows
    ]
    column = table.columns[table.chart_column]
    return charts.bar_chart(f"{id_prefix}-{table.id}", f"{table.title}: {column.label}", bars)
