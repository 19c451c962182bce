"""Charts as SVG (pygal, rendered on the server, no script): the same picture on the
dashboard, in the report page and in the PDF. One palette everywhere; each category,
channel or root cause keeps its colour across charts."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

if TYPE_CHECKING:
    from pygal.style import Style

# pygal is imported where a chart is drawn, not with the URLconf: it is about a third of a
# second of every server process's start, and most processes never draw one.

PALETTE = (
    "#1d4ed8",  # blue
    "#d97706",  # amber
    "#059669",  # green
    "#dc2626",  # red
    "#7c3aed",  # violet
    "#0891b2",  # cyan
    "#db2777",  # pink
    "#65a30d",  # lime
    "#475569",  # slate
)


@functools.cache
def _style() -> Style:
    from pygal.style import Style

    return Style(
        background="white",
        plot_background="white",
        foreground="#1f2937",
        foreground_strong="#111827",
        foreground_subtle="#6b7280",
        colors=PALETTE,
        font_family="DejaVu Sans, sans-serif",
        label_font_size=12,
        major_label_font_size=12,
        title_font_size=15,
        legend_font_size=12,
        value_font_size=11,
    )


def _config(**kw: Any) -> dict[str, Any]:
    return {
        "style": _style(),
        "js": [],  # no script from a CDN: static SVG
        "disable_xml_declaration": True,
        "width": 720,
        "height": 320,
        "explicit_size": False,
        "print_values": False,
        "show_legend": False,
        "no_data_text": _("Belum ada data"),
        **kw,
    }


def bar(title: str, rows: list[tuple[str, float]], *, unit: str = "") -> str:
    """Horizontal bars, one colour per label, largest first."""
    import pygal

    chart = pygal.HorizontalBar(**_config(title=title, print_values=True))
    for index, (label, value) in enumerate(rows[:12]):
        chart.add(
            label,
            [{"value": value, "color": PALETTE[index % len(PALETTE)], "label": label}],
            formatter=lambda v: f"{v:g}{unit}",
        )
    chart.config.show_legend = True
    chart.config.legend_at_bottom = True
    return str(chart.render(is_unicode=True))


def line(title: str, labels: list[str], series: dict[str, list[float | None]]) -> str:
    import pygal

    chart = pygal.Line(
        **_config(title=title, show_legend=len(series) > 1, legend_at_bottom=True, dots_size=3)
    )
    chart.x_labels = labels
    for name, values in series.items():
        chart.add(name, values)
    return str(chart.render(is_unicode=True))


def heat_cells(grid: list[list[int]]) -> list[list[tuple[int, str]]]:
    """Weekday by hour counts with a background colour each (an HTML table renders it)."""
    top = max((max(row) for row in grid), default=0) or 1
    out = []
    for row in grid:
        cells = []
        for n in row:
            strength = n / top
            # from white to the palette's blue
            r = int(255 - strength * (255 - 0x1D))
            g = int(255 - strength * (255 - 0x4E))
            b = int(255 - strength * (255 - 0xD8))
            cells.append((n, f"#{r:02x}{g:02x}{b:02x}"))
        out.append(cells)
    return out


WEEKDAYS = [  # said with gettext where shown
    gettext_noop("Senin"),
    gettext_noop("Selasa"),
    gettext_noop("Rabu"),
    gettext_noop("Kamis"),
    gettext_noop("Jumat"),
    gettext_noop("Sabtu"),
    gettext_noop("Minggu"),
]
