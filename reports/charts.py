"""Server-rendered SVG charts: no JavaScript, so they print and go into PDF.

The drawing is WIDTH units wide and scales with the page, so its text sizes are
chosen for the narrowest screen: on a 360 px phone the chart is about 300 px
wide, which keeps TEXT-unit labels at least 10 px tall (the stylesheet stops the
chart from growing past about 540 px on wide screens).
"""

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

PALETTE = ["#0b6e4f", "#d97706", "#175cd3", "#9333ea", "#b42318"]
WIDTH = 400
TEXT = 14
TITLE = 16
# The average advance of a character in the sans-serif fonts the office uses,
# as a share of the font size: enough to keep labels apart, not a measurement.
CHAR_WIDTH = 0.62
MARGIN = 8


@dataclass
class Series:
    label: str
    values: list[int]


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _text_width(text: str, size: float = TEXT) -> float:
    return len(text) * size * CHAR_WIDTH


def _has_data(series: list[Series]) -> bool:
    return any(value for item in series for value in item.values)


def _open(title: str, height: float, kind: str) -> list[str]:
    # Two charts on one page need two ids for their titles.
    title_id = f"chart-{kind}-{slugify(title)}"
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0f}" '
        f'width="100%" role="img" aria-labelledby="{title_id}" class="chart">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<text x="{MARGIN}" y="{TITLE + 2}" font-size="{TITLE}" font-weight="600">'
        f"{escape(title)}</text>",
    ]


def grouped_bars(title: str, categories: list[str], series: list[Series]) -> SafeString:
    """Vertical bars: one group per category (year), one bar per series (kind).

    Nothing (an empty string) when every value is zero: a chart of nothing
    says less than the page's "no data yet".
    """
    if not categories or not _has_data(series):
        return mark_safe("")
    peak = max(v for s in series for v in s.values)
    group_width = (WIDTH - 2 * MARGIN) / len(categories)
    bar_width = max(min(group_width / (len(series) + 1), 40), 4)
    widest_value = max(_text_width(_number(v)) for s in series for v in s.values)
    # A value wider than its bar stands upright above it, and needs the room.
    upright = widest_value > bar_width
    value_room = (widest_value if upright else TEXT) + 6
    top = TITLE + 12 + value_room
    plot_height = 170
    axis = top + plot_height
    legend, legend_height = _legend(series, axis + TEXT + 14)
    parts = _open(title, axis + TEXT + 14 + legend_height, "bars")
    parts.append(
        f'<line x1="{MARGIN}" y1="{axis}" x2="{WIDTH - MARGIN}" y2="{axis}" '
        f'stroke="#5b6675"/>'
    )
    for g, category in enumerate(categories):
        x0 = MARGIN + g * group_width + (group_width - bar_width * len(series)) / 2
        for s_index, item in enumerate(series):
            value = item.values[g]
            bar = value / peak * plot_height
            x = x0 + s_index * bar_width
            y = axis - bar
            middle = x + (bar_width - 2) / 2
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_width - 2:.1f}" '
                f'height="{bar:.1f}" fill="{PALETTE[s_index % len(PALETTE)]}">'
                f"<title>{escape(item.label)} {escape(category)}: {_number(value)}</title>"
                f"</rect>",
            )
            if upright:
                parts.append(
                    f'<text transform="translate({middle + TEXT / 3:.1f} {y - 4:.1f}) '
                    f'rotate(-90)" font-size="{TEXT}">{_number(value)}</text>'
                )
            else:
                parts.append(
                    f'<text x="{middle:.1f}" y="{y - 4:.1f}" font-size="{TEXT}" '
                    f'text-anchor="middle">{_number(value)}</text>'
                )
        parts.append(
            f'<text x="{MARGIN + g * group_width + group_width / 2:.1f}" '
            f'y="{axis + TEXT + 4}" font-size="{TEXT}" text-anchor="middle">'
            f"{escape(category)}</text>"
        )
    parts.append(legend)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above is escaped


def horizontal_bars(title: str, labels: list[str], series: list[Series]) -> SafeString:
    """Stacked horizontal bars: one bar per region, one segment per series.

    Each region's name stands above its bar, so long names take no width from
    the bars. Nothing (an empty string) when every value is zero.
    """
    if not labels or not _has_data(series):
        return mark_safe("")
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    peak = max(totals)
    plot_width = WIDTH - 2 * MARGIN - _text_width(_number(peak)) - 6
    bar_height, top = 15, TITLE + 18
    row_height = TEXT + 3 + bar_height + 7
    rows_end = top + row_height * len(labels)
    legend, legend_height = _legend(series, rows_end + 8)
    parts = _open(title, rows_end + 8 + legend_height, "rows")
    for i, label in enumerate(labels):
        y = top + i * row_height
        parts.append(
            f'<text x="{MARGIN}" y="{y + TEXT}" font-size="{TEXT}">{escape(label)}</text>'
        )
        bar_y = y + TEXT + 3
        x = MARGIN
        for s_index, item in enumerate(series):
            segment = item.values[i] / peak * plot_width
            if segment > 0:
                parts.append(
                    f'<rect x="{x:.1f}" y="{bar_y}" width="{segment:.1f}" '
                    f'height="{bar_height}" fill="{PALETTE[s_index % len(PALETTE)]}">'
                    f"<title>{escape(label)}, {escape(item.label)}: "
                    f"{_number(item.values[i])}</title></rect>"
                )
            x += segment
        parts.append(
            f'<text x="{x + 4:.1f}" y="{bar_y + bar_height - 3}" font-size="{TEXT}">'
            f"{_number(totals[i])}</text>"
        )
    parts.append(legend)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above is escaped


def _legend(series: list[Series], top: float) -> tuple[str, float]:
    """The series' colours and names, wrapped onto as many lines as they need;
    returns the drawing and its height."""
    items, x, line = [], MARGIN, 0
    line_height = TEXT + 8
    for index, item in enumerate(series):
        width = 16 + _text_width(item.label) + 22
        if x > MARGIN and x + width > WIDTH - MARGIN:
            x, line = MARGIN, line + 1
        y = top + line * line_height + TEXT
        items.append(
            f'<rect x="{x:.1f}" y="{y - 11}" width="12" height="12" '
            f'fill="{PALETTE[index % len(PALETTE)]}"/>'
            f'<text x="{x + 16:.1f}" y="{y}" font-size="{TEXT}">{escape(item.label)}</text>'
        )
        x += width
    return "".join(items), (line + 1) * line_height + 4
