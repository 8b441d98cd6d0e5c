"""Small server-rendered SVG charts (no JavaScript): a line chart with a log-scale y axis."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

WIDTH, HEIGHT = 560, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 48
COLOURS = ("#cf222e", "#0b5cad")
DASHES = ("", "6 4")
MAX_MARKERS = 60


def numbers(value: Any) -> list[float | None]:
    """Return `value` as a flat list of positive finite floats (None where a point cannot show)."""
    while isinstance(value, list) and len(value) == 1 and isinstance(value[0], list):
        value = value[0]
    if not isinstance(value, list):
        return []
    out: list[float | None] = []
    for item in value:
        if isinstance(item, int | float) and not isinstance(item, bool):
            number = float(item)
            out.append(number if math.isfinite(number) and number > 0 else None)
        else:
            out.append(None)
    return out


def log_line_chart(
    series: Sequence[tuple[str, list[float | None]]],
    *,
    title: str,
    x_label: str,
    y_label: str,
    point_label: str = "t",
) -> SafeString:
    """Return an inline SVG line chart of `series` against 1..n, log-scale y, with a legend.

    Each point is a circle with a tooltip (`point_label` = its number) while there are at most
    MAX_MARKERS of them; a longer series is drawn as its line alone.
    """
    points = [y for _, ys in series for y in ys if y is not None]
    count = max((len(ys) for _, ys in series), default=0)
    if not points or count == 0:
        return mark_safe("")
    low = math.floor(math.log10(min(points)))
    high = math.ceil(math.log10(max(points)))
    if high == low:
        high += 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    # format_html escapes every argument into a string, so coordinates are formatted here.
    def x_of(index: int) -> str:
        return f"{LEFT + (plot_w * index / (count - 1) if count > 1 else plot_w / 2):.1f}"

    def y_of(value: float) -> str:
        return f"{TOP + plot_h * (high - math.log10(value)) / (high - low):.1f}"

    parts: list[SafeString] = []
    step = max(1, math.ceil((high - low) / 6))
    for exponent in range(low, high + 1, step):
        y = y_of(10.0**exponent)
        parts.append(format_html(
            '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#d0d7de"/>'
            '<text x="{}" y="{}" text-anchor="end" font-size="12">1e{}</text>',
            LEFT, WIDTH - RIGHT, y, y, LEFT - 6, f"{float(y) + 4:.1f}", exponent,
        ))  # fmt: skip
    label_every = max(1, math.ceil(count / 12))
    for index in range(0, count, label_every):
        parts.append(format_html(
            '<text x="{}" y="{}" text-anchor="middle" font-size="12">{}</text>',
            x_of(index), HEIGHT - BOTTOM + 16, index + 1,
        ))  # fmt: skip
    parts.append(format_html(
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#57606a"/>'
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#57606a"/>'
        '<text x="{}" y="{}" text-anchor="middle" font-size="13">{}</text>'
        '<text transform="translate(14 {}) rotate(-90)" text-anchor="middle" font-size="13">{}</text>',
        LEFT, WIDTH - RIGHT, HEIGHT - BOTTOM, HEIGHT - BOTTOM, LEFT, LEFT, TOP, HEIGHT - BOTTOM,
        f"{LEFT + plot_w / 2:.1f}", HEIGHT - 8, x_label, f"{TOP + plot_h / 2:.1f}", y_label,
    ))  # fmt: skip
    for number, (name, ys) in enumerate(series):
        colour, dash = COLOURS[number % 2], DASHES[number % 2]
        segments: list[list[str]] = [[]]
        for index, value in enumerate(ys):
            if value is None:
                segments.append([])
            else:
                segments[-1].append(f"{x_of(index)},{y_of(value)}")
        for segment in segments:
            if len(segment) > 1:
                parts.append(format_html(
                    '<polyline fill="none" stroke="{}" stroke-width="2" stroke-dasharray="{}" points="{}"/>',
                    colour, dash, " ".join(segment),
                ))  # fmt: skip
        if count <= MAX_MARKERS:
            parts.append(format_html_join(
                "", '<circle cx="{}" cy="{}" r="3" fill="{}"><title>{}: {} = {}, {}</title></circle>',
                ((x_of(i), y_of(v), colour, name, point_label, i + 1, f"{v:.3g}")
                 for i, v in enumerate(ys) if v is not None),
            ))  # fmt: skip
        legend_y = TOP + 8 + 18 * number
        parts.append(format_html(
            '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="2" stroke-dasharray="{}"/>'
            '<text x="{}" y="{}" font-size="13">{}</text>',
            WIDTH - RIGHT - 150, WIDTH - RIGHT - 124, legend_y, legend_y, colour, dash,
            WIDTH - RIGHT - 118, legend_y + 4, name,
        ))  # fmt: skip
    return format_html(
        '<svg viewBox="0 0 {} {}" role="img" aria-label="{}" font-family="system-ui, sans-serif" xmlns="http://www.w3.org/2000/svg">'
        "<title>{}</title>{}</svg>",
        WIDTH, HEIGHT, title, title, mark_safe("".join(parts)),  # noqa: S308 - built by format_html
    )  # fmt: skip


@register.simple_tag
def norms_plot(test: dict) -> SafeString:
    """Plot a visible case's gradient norms: the learner's against the reference's."""
    expected = numbers(test.get("expected"))
    actual = numbers(test.get("actual"))
    return log_line_chart(
        [("your norms", actual), ("reference", expected)],
        title=f"Gradient norms for {test.get('name', 'this case')}",
        x_label="time step t",
        y_label="‖∂h_T / ∂h_t‖ (log scale)",
    )


def _component(value: Any, index: int) -> Any:
    """Return item `index` of a returned tuple as shown on a page (a list), or None."""
    if isinstance(value, list) and len(value) > index:
        return value[index]
    return None


@register.simple_tag
def loss_curve_plot(test: dict) -> SafeString:
    """Plot a visible capstone case's loss per update: the learner's against the reference's."""
    return log_line_chart(
        [
            ("your losses", numbers(_component(test.get("actual"), 0))),
            ("reference", numbers(_component(test.get("expected"), 0))),
        ],
        title=f"Loss per update for {test.get('name', 'this case')}",
        x_label="update",
        y_label="chunk loss (log scale)",
        point_label="update",
    )


@register.simple_tag
def samples_table(test: dict) -> SafeString:
    """Show a visible capstone case's samples next to the reference's, one row per temperature."""
    settings = (test.get("inputs") or {}).get("settings")
    temperatures = settings.get("temperatures") if isinstance(settings, dict) else None
    expected = _component(test.get("expected"), 2)
    if not isinstance(temperatures, list) or not isinstance(expected, list):
        return mark_safe("")
    actual = _component(test.get("actual"), 2)
    actual = actual if isinstance(actual, list) else []
    rows = []
    for index, tau in enumerate(temperatures):
        mine = actual[index] if index < len(actual) and isinstance(actual[index], str) else None
        reference = expected[index] if index < len(expected) else ""
        rows.append((tau, "(no sample)" if mine is None else mine, reference))
    return format_html(
        '<table class="samples"><caption>Text sampled after training</caption>'
        '<thead><tr><th scope="col">τ</th><th scope="col">your sample</th>'
        '<th scope="col">reference</th></tr></thead><tbody>{}</tbody></table>',
        format_html_join("", '<tr><th scope="row">{}</th><td>{}</td><td>{}</td></tr>', rows),
    )
