"""The daily usage chart as inline SVG: bars for this month, a line for the month compared with (no JavaScript)."""

from __future__ import annotations

from html import escape

WIDTH = 620
HEIGHT = 170
LEFT = 10
TOP = 22
PLOT_HEIGHT = 120
DAYS = 31


def _x(day: int) -> float:
    return LEFT + (day - 1) * (WIDTH - 2 * LEFT) / DAYS


def _y(value: int, peak: int) -> float:
    return TOP + PLOT_HEIGHT - (PLOT_HEIGHT * max(value, 0) / peak if peak else 0)


def daily_chart(previous: dict[int, int], current: dict[int, int], labels: tuple[str, str]) -> str:
    """Amounts per day of month in minor units; empty string when there is nothing to draw."""
    if not previous and not current:
        return ""
    peak = max([*previous.values(), *current.values(), 1])
    bar = (WIDTH - 2 * LEFT) / DAYS - 2
    bars = "".join(
        f'<rect class="bar" x="{_x(day):.1f}" y="{_y(value, peak):.1f}" width="{bar:.1f}" '
        f'height="{TOP + PLOT_HEIGHT - _y(value, peak):.1f}"><title>{day}: {value}</title></rect>'
        for day, value in sorted(current.items())
    )
    points = " ".join(f"{_x(day) + bar / 2:.1f},{_y(value, peak):.1f}" for day, value in sorted(previous.items()))
    line = f'<polyline class="previous" fill="none" stroke="#c0392b" stroke-width="2" points="{points}"/>'
    legend = (
        f'<text x="{LEFT}" y="14" font-size="11"><tspan fill="#2c7be5">■</tspan> {escape(labels[1])}</text>'
        f'<text x="{LEFT + 200}" y="14" font-size="11" fill="#c0392b">— {escape(labels[0])}</text>'
    )
    axis = "".join(f'<text x="{_x(day):.1f}" y="{HEIGHT - 8}" font-size="9">{day}</text>' for day in (1, 8, 15, 22, 29))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="usage-chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(labels[1])}">'
        f'<g fill="#2c7be5">{bars}</g>{line if previous else ""}{legend}{axis}</svg>'
    )
