"""A small line chart written as SVG by hand (no plotting library): index curves by days from Chinese New Year."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

WIDTH, HEIGHT = 840, 380
LEFT, RIGHT, TOP, BOTTOM = 56, 200, 40, 44
COLOURS = ("#c0392b", "#2c7fb8", "#7f8c8d", "#27ae60")


@dataclass(frozen=True)
class Series:
    """One curve: a label and its (x, y) points; y may be missing (None) for a gap."""

    label: str
    points: Sequence[tuple[float, float | None]]
    dashed: bool = False


def line_chart(series: Sequence[Series], title: str, x_label: str, y_label: str, marks: Sequence[float] = ()) -> str:
    """The SVG text of a line chart with axes, grid, a legend and vertical marks at ``marks``."""
    xs = [x for s in series for x, _ in s.points]
    ys = [y for s in series for _, y in s.points if y is not None]
    x0, x1 = min(xs), max(xs)
    y0, y1 = 0.0, 10.0 * math.ceil(max(100.0, *ys) / 10)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(x: float) -> float:
        return LEFT + (x - x0) / ((x1 - x0) or 1) * plot_w

    def py(y: float) -> float:
        return TOP + plot_h - (y - y0) / (y1 - y0) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        'font-family="sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{LEFT}" y="22" font-size="15" font-weight="bold">{escape(title)}</text>',
    ]
    for tick in range(0, int(y1) + 1, 20):
        y = py(tick)
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
    step = max(1, round((x1 - x0) / 10))
    tick_x = int(x0) - int(x0) % step
    while tick_x <= x1:
        if tick_x >= x0:
            x = px(tick_x)
            parts.append(f'<line x1="{x:.1f}" y1="{TOP + plot_h}" x2="{x:.1f}" y2="{TOP + plot_h + 4}" stroke="#333"/>')
            parts.append(f'<text x="{x:.1f}" y="{TOP + plot_h + 17}" text-anchor="middle">{tick_x:+d}</text>')
        tick_x += step
    for mark in marks:
        x = px(mark)
        parts.append(
            f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{TOP + plot_h}" stroke="#999" stroke-dasharray="2,3"/>'
        )
    parts.append(f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" stroke="#333"/>')
    parts.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#333"/>')
    parts.append(
        f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 8}" text-anchor="middle">{escape(x_label)}</text>'
        f'<text transform="translate(16 {TOP + plot_h / 2}) rotate(-90)" text-anchor="middle">{escape(y_label)}</text>'
    )
    for i, s in enumerate(series):
        colour = COLOURS[i % len(COLOURS)]
        dash = ' stroke-dasharray="6,4"' if s.dashed else ""
        for run in _runs(s.points):
            path = " ".join(f"{'M' if k == 0 else 'L'}{px(x):.1f},{py(y):.1f}" for k, (x, y) in enumerate(run))
            parts.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
        ly = TOP + 14 + 20 * i
        lx = LEFT + plot_w + 12
        parts.append(f'<line x1="{lx}" y1="{ly}" x2="{lx + 22}" y2="{ly}" stroke="{colour}" stroke-width="2"{dash}/>')
        parts.append(f'<text x="{lx + 28}" y="{ly + 4}">{escape(s.label)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _runs(points: Sequence[tuple[float, float | None]]) -> list[list[tuple[float, float]]]:
    """Split a curve at its gaps."""
    runs: list[list[tuple[float, float]]] = [[]]
    for x, y in points:
        if y is None:
            runs.append([])
        else:
            runs[-1].append((x, y))
    return [r for r in runs if r]


def write_chart(path: Path, svg: str) -> None:
    """Write the SVG text to ``path``."""
    path.write_text(svg, encoding="utf-8")
