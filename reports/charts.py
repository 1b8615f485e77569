"""Server-rendered SVG charts: no JavaScript, so they print and go into PDF."""

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ["#0b6e4f", "#d97706", "#175cd3", "#9333ea", "#b42318"]


@dataclass
class Series:
    label: str
    values: list[int]


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def grouped_bars(
    title: str, categories: list[str], series: list[Series], *, width: int = 640
) -> SafeString:
    """Vertical bars: one group per category (year), one bar per series (kind)."""
    height, top, bottom, left = 300, 40, 60, 40
    plot_height = height - top - bottom
    peak = max([v for s in series for v in s.values] + [1])
    group_width = (width - left - 10) / max(len(categories), 1)
    bar_width = max(min(group_width / (len(series) + 1), 40), 4)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="chart-title" class="chart">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<text x="{left}" y="20" font-size="14" font-weight="600">{escape(title)}</text>',
        f'<line x1="{left}" y1="{top + plot_height}" x2="{width - 10}" '
        f'y2="{top + plot_height}" stroke="#5b6675"/>',
    ]
    for g, category in enumerate(categories):
        x0 = left + g * group_width + (group_width - bar_width * len(series)) / 2
        for s_index, item in enumerate(series):
            value = item.values[g]
            bar = value / peak * plot_height
            x = x0 + s_index * bar_width
            y = top + plot_height - bar
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_width - 2:.1f}" '
                f'height="{bar:.1f}" fill="{PALETTE[s_index % len(PALETTE)]}">'
                f"<title>{escape(item.label)} {escape(category)}: {_number(value)}</title>"
                f"</rect>",
            )
            parts.append(
                f'<text x="{x + (bar_width - 2) / 2:.1f}" y="{y - 3:.1f}" '
                f'font-size="10" text-anchor="middle">{_number(value)}</text>'
            )
        parts.append(
            f'<text x="{left + g * group_width + group_width / 2:.1f}" '
            f'y="{top + plot_height + 16}" font-size="12" text-anchor="middle">'
            f"{escape(category)}</text>"
        )
    parts.append(_legend(series, left, height - 20))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above is escaped


def horizontal_bars(
    title: str, labels: list[str], series: list[Series], *, width: int = 640
) -> SafeString:
    """Stacked horizontal bars: one bar per region, one segment per series."""
    row_height, top, left = 26, 40, 190
    height = top + row_height * len(labels) + 40
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    peak = max([*totals, 1])
    plot_width = width - left - 70
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="chart-title-h" class="chart">',
        f'<title id="chart-title-h">{escape(title)}</title>',
        f'<text x="10" y="20" font-size="14" font-weight="600">{escape(title)}</text>',
    ]
    for i, label in enumerate(labels):
        y = top + i * row_height
        parts.append(
            f'<text x="{left - 6}" y="{y + 15}" font-size="12" text-anchor="end">'
            f"{escape(label)}</text>"
        )
        x = left
        for s_index, item in enumerate(series):
            segment = item.values[i] / peak * plot_width
            if segment > 0:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y + 3}" width="{segment:.1f}" height="18" '
                    f'fill="{PALETTE[s_index % len(PALETTE)]}"><title>{escape(label)}, '
                    f"{escape(item.label)}: {_number(item.values[i])}</title></rect>"
                )
            x += segment
        parts.append(
            f'<text x="{x + 4:.1f}" y="{y + 16}" font-size="11">{_number(totals[i])}</text>'
        )
    parts.append(_legend(series, 10, height - 14))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above is escaped


def _legend(series: list[Series], x: float, y: float) -> str:
    items = []
    for index, item in enumerate(series):
        offset = x + index * 150
        items.append(
            f'<rect x="{offset}" y="{y - 10}" width="12" height="12" '
            f'fill="{PALETTE[index % len(PALETTE)]}"/>'
            f'<text x="{offset + 16}" y="{y}" font-size="12">{escape(item.label)}</text>'
        )
    return "".join(items)
