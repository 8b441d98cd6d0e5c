"""Template filters for learner pages: Markdown with math, and small display helpers."""

from django import template
from django.utils.safestring import SafeString, mark_safe

from courses.rendering import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    """Render Markdown with math to sanitised HTML."""
    return mark_safe(render_markdown(text))  # noqa: S308 - nh3 has sanitised it


@register.filter
def percent(value: float | None) -> str:
    """Format a 0..1 score as a whole percentage."""
    if value is None:
        return "–"
    return f"{round(float(value) * 100)}%"
