"""Server-rendered SVG bar charts: no script, readable printed in black and white.

Each bar has its own fill pattern (solid, hatched, crossed, dotted...) and an outline, and its
value is written beside it, so nothing depends on colour. Everything is drawn in currentColor,
so the chart follows the page's text colour (dark mode, print). Only presentation attributes are
used: the Content-Security-Policy forbids style attributes. Each chart carries a <title> and a
<desc> listing every value; the page puts the same figures in a table beside it.

A suppressed or unknown value draws no bar (its length would give the count away): only its
label ("<5", "suppressed") is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# Sized for a phone held upright (one SVG unit is about one CSS pixel at 360 px); CSS caps the
# width on wide screens and in print.
WIDTH = 360
LABEL_WIDTH = 158
VALUE_WIDTH = 62
ROW_HEIGHT = 26
BAR_HEIGHT = 16
TOP = 4
FONT_SIZE = 12
MAX_LABEL_CHARS = 20


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: no bar (suppressed or unknown)
    display: str


def _patterns(prefix: str) -> list[tuple[str, str]]:
    """(id, svg) pairs: fills told apart by shape, not colour."""
    size = 'width="8" height="8" patternUnits="userSpaceOnUse"'
    line = 'stroke="currentColor" stroke-width="1.6"'
    bodies = [
        '<rect width="8" height="8" fill="currentColor"/>',
        f'<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" {line}/>',
        f'<path d="M0,0 l8,8 M8,0 l-8,8" {line}/>',
        '<circle cx="4" cy="4" r="1.8" fill="currentColor"/>',
        f'<path d="M0,4 h8" {line}/>',
        f'<path d="M4,0 v8" {line}/>',
        f'<path d="M-2,6 l4,4 M0,0 l8,8 M6,-2 l4,4" {line}/>',
    ]
    return [
        (f"{prefix}-p{i}", f'<pattern id="{prefix}-p{i}" {size}>{body}</pattern>')
        for i, body in enumerate(bodies)
    ]


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL_CHARS else label[: MAX_LABEL_CHARS - 1] + "…"


def bar_chart(chart_id: str, title: str, bars: Sequence[Bar], unit: str = "") -> Markup:
    """A horizontal bar chart as inline SVG. `chart_id` must be unique on the page."""
    prefix = "".join(ch if ch.isalnum() or ch == "-" else "-" for ch in chart_id)
    patterns = _patterns(prefix)
    drawable = [b.value for b in bars if b.value is not None]
    top_value = max(drawable, default=0.0)
    area = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = TOP * 2 + ROW_HEIGHT * max(len(bars), 1)
    summary = "; ".join(f"{b.label}: {b.display}" for b in bars) or "no data"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'aria-labelledby="{prefix}-title {prefix}-desc" font-size="{FONT_SIZE}" '
        f'font-family="system-ui, sans-serif" fill="currentColor">',
        f'<title id="{prefix}-title">{escape(title)}</title>',
        f'<desc id="{prefix}-desc">{escape(summary)}{escape(unit)}</desc>',
        "<defs>" + "".join(svg for _, svg in patterns) + "</defs>",
    ]
    for index, bar in enumerate(bars):
        y = TOP + index * ROW_HEIGHT
        middle = y + ROW_HEIGHT / 2
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{middle:.1f}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(_short(bar.label))}</text>'
        )
        length = 0.0
        if bar.value is not None and top_value > 0:
            length = max(area * bar.value / top_value, 1.5 if bar.value > 0 else 0.0)
        if length > 0:
            pattern_id = patterns[index % len(patterns)][0]
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y + (ROW_HEIGHT - BAR_HEIGHT) / 2:.1f}" '
                f'width="{length:.1f}" height="{BAR_HEIGHT}" fill="url(#{pattern_id})" '
                f'stroke="currentColor" stroke-width="1"/>'
            )
        parts.append(
            f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{middle:.1f}" '
            f'dominant-baseline="middle">{escape(bar.display)}</text>'
        )
    parts.append(
        f'<line x1="{LABEL_WIDTH}" y1="{TOP}" x2="{LABEL_WIDTH}" y2="{height - TOP}" '
        f'stroke="currentColor" stroke-width="1"/>'
    )
    parts.append("</svg>")
    # Every text that came from data went through escape() above; the rest is our own markup.
    return Markup("".join(parts))  # noqa: S704
