"""Markdown with math to safe HTML: the one place lesson, question and prompt text is rendered.

Math in `$…$` and `$$…$$` is lifted out before Markdown runs (so `_` and `*` inside a
formula never become emphasis), then put back HTML-escaped inside `\\(…\\)` and `\\[…\\]`,
the only delimiters MathJax is configured to read: a lone dollar sign in prose stays text.
"""

from __future__ import annotations

import functools
import html
import re

import markdown
import nh3

# One pass over the source finds, in order of precedence: fenced code, inline code (both kept
# verbatim), escaped dollars, display math and inline math. Inline math follows Pandoc's rule
# (no space just inside the dollars, no digit right after the closing one), so "$5 and $10"
# stays prose.
_TOKENS = re.compile(
    r"""
    (?P<fence>^[ \t]*(?P<ticks>`{3,}|~{3,})[^\n]*\n.*?^[ \t]*(?P=ticks)[ \t]*$)
  | (?P<code>(?P<bt>`+).+?(?<!`)(?P=bt)(?!`))
  | (?P<escaped>\\\$)
  | \$\$(?P<display>.+?)\$\$
  | \$(?P<inline>[^\s$](?:[^$\n]|\n(?!\s*\n))*?(?<![\s\\]))\$(?!\d)
    """,
    re.VERBOSE | re.DOTALL | re.MULTILINE,
)

_PLACEHOLDER = "UNROLLEDMATH{}X"
_PLACEHOLDER_RE = re.compile(r"(<p>\s*)?UNROLLEDMATH(\d+)X(\s*</p>)?")

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre",
    "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "ul",
}  # fmt: skip
_ATTRIBUTES = {
    "*": {"class"},
    **{f"h{level}": {"class", "id"} for level in range(1, 7)},
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
_EXTENSIONS = ["fenced_code", "tables", "codehilite", "sane_lists", "toc"]
_EXTENSION_CONFIGS = {
    "codehilite": {"css_class": "codehilite", "guess_lang": False},
    "tables": {"use_align_attribute": True},
    "toc": {"permalink": False},
}


# Heading ids (made by Markdown's toc extension, or written in raw HTML) share the page with
# the site's own ids ("result", "main", "question-…"): every id from content gets this prefix.
HEADING_ID_PREFIX = "md-"


def _prefix_ids(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "id":
        return value if value.startswith(HEADING_ID_PREFIX) else HEADING_ID_PREFIX + value
    return value


def _protect_math(text: str) -> tuple[str, list[tuple[str, bool]]]:
    spans: list[tuple[str, bool]] = []

    def replace(match: re.Match[str]) -> str:
        if match.group("fence") is not None or match.group("code") is not None:
            return match.group(0)
        if match.group("escaped") is not None:
            return "&#36;"
        display = match.group("display") is not None
        spans.append((match.group("display") if display else match.group("inline"), display))
        return _PLACEHOLDER.format(len(spans) - 1)

    return _TOKENS.sub(replace, text), spans


def _restore_math(rendered: str, spans: list[tuple[str, bool]]) -> str:
    def replace(match: re.Match[str]) -> str:
        index = int(match.group(2))
        if index >= len(spans):
            return match.group(0)
        tex, display = spans[index]
        tex = html.escape(tex.strip(), quote=False)
        opened, closed = match.group(1) or "", match.group(3) or ""
        if display:
            block = f'<div class="math display">\\[{tex}\\]</div>'
            # A formula alone in its paragraph becomes a block of its own.
            if opened and closed:
                return block
            return f'{opened}<span class="math display">\\[{tex}\\]</span>{closed}'
        return f'{opened}<span class="math inline">\\({tex}\\)</span>{closed}'

    return _PLACEHOLDER_RE.sub(replace, rendered)


# Lesson bodies, prompts, choices and feedback are few and change rarely, but a lesson page
# renders dozens of them: rendering is a pure function of the text, so keep recent results.
@functools.lru_cache(maxsize=4096)
def render_markdown(text: str) -> str:
    """Return sanitised HTML for Markdown `text`, with math left in MathJax delimiters."""
    protected, spans = _protect_math(text or "")
    rendered = markdown.markdown(
        protected, extensions=_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS
    )
    return nh3.clean(
        _restore_math(rendered, spans),
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        attribute_filter=_prefix_ids,
    )
