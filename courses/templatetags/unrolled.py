"""Template filters for learner pages: Markdown with math, and small display helpers."""

import re

from django import template
from django.utils.html import escape
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


_BACKTICKS = re.compile(r"`([^`\n]+)`")
_WRAPPED_LINE_BREAK = re.compile(r"(?<!\n)\n(?!\n)")


@register.filter
def feedback(text: str) -> SafeString:
    """Escape grader feedback, join its wrapped lines, and show `backticked` names as code."""
    escaped = str(escape(_WRAPPED_LINE_BREAK.sub(" ", (text or "").strip())))
    return mark_safe(_BACKTICKS.sub(r"<code>\1</code>", escaped))  # noqa: S308 - escaped above


@register.filter
def visible_cases(tests: list[dict]) -> list[dict]:
    """Return the visible (example) cases of a submission's tests."""
    return [t for t in tests or [] if isinstance(t, dict) and t.get("visible")]


@register.filter
def hidden_cases(tests: list[dict]) -> list[dict]:
    """Return the hidden cases of a submission's tests."""
    return [t for t in tests or [] if isinstance(t, dict) and not t.get("visible")]


@register.filter
def passed_count(tests: list[dict]) -> int:
    """Count the passed cases."""
    return sum(1 for t in tests or [] if isinstance(t, dict) and t.get("passed"))
