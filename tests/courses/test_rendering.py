"""render_markdown: math kept for MathJax, code highlighted, dangerous HTML removed."""

import pytest

from courses.rendering import render_markdown


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("$a_{t} * b_{t} * c$", "\\(a_{t} * b_{t} * c\\)"),
        ("$$\\sum_{t=1}^{T} x_t$$", '<div class="math display">\\[\\sum_{t=1}^{T} x_t\\]</div>'),
        ("$x < y$", "\\(x &lt; y\\)"),
        (
            "$$\n\\begin{aligned} a &= b \\\\ c &= d \\end{aligned}\n$$",
            "\\[\\begin{aligned} a &amp;= b \\\\ c &amp;= d \\end{aligned}\\]",
        ),
        ("$\\hat{y}_t = \\mathcal{L}$", "\\(\\hat{y}_t = \\mathcal{L}\\)"),
    ],
)
def test_math_is_kept_intact_inside_mathjax_delimiters(source, expected):
    assert expected in render_markdown(source)


def test_underscores_in_math_do_not_become_emphasis():
    html = render_markdown("Compare $a_t$ and $b_t$ here.")
    assert "<em>" not in html
    assert "\\(a_t\\)" in html and "\\(b_t\\)" in html


def test_prices_and_escaped_dollars_stay_text():
    html = render_markdown("It costs $5 and $10, or \\$3 each.")
    assert "\\(" not in html
    assert "$5 and $10" in html
    assert "&#36;3" in html or "$3" in html


def test_dollars_inside_code_are_not_math():
    html = render_markdown('Use `$x$` or\n\n```python\nprice = "$5 $6"\n```\n')
    assert "<code>$x$</code>" in html
    assert "\\(" not in html


def test_code_blocks_are_highlighted_with_css_classes():
    html = render_markdown("```python\ndef f(x):\n    return x\n```\n")
    assert '<div class="codehilite">' in html
    assert '<span class="k">def</span>' in html


def test_tables_render():
    html = render_markdown("| a | b |\n|:--|--:|\n| 1 | $x$ |\n")
    assert "<table>" in html and 'align="right"' in html and "\\(x\\)" in html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="#" onclick="alert(1)">x</a>',
        "$</span><script>alert(1)</script>$",
        '<iframe src="https://example.org"></iframe>',
    ],
)
def test_dangerous_html_is_stripped(source):
    html = render_markdown(source)
    assert "<script" not in html
    assert "onerror" not in html and "onclick" not in html
    assert "javascript:" not in html
    assert "<iframe" not in html


def test_math_with_html_is_escaped_not_interpreted():
    html = render_markdown("$<b>bold</b>$")
    assert "<b>" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


def test_seeded_lessons_leave_no_dollar_math_outside_delimiters():
    from pathlib import Path

    from django.conf import settings

    lessons = sorted(Path(settings.BASE_DIR, "content/rnn-from-scratch/lessons").glob("*.md"))
    assert lessons
    for path in lessons:
        body = path.read_text().split("---", 2)[-1]
        html = render_markdown(body)
        assert "$$" not in html, path.name
        assert "\\(" in html or "\\[" in html, path.name


def test_grader_feedback_joins_wrapped_lines_and_keeps_paragraphs():
    from courses.templatetags.unrolled import feedback

    html = feedback("Your `h_t` misses\nthe bias b.\n\nSee <the lesson>.\n")
    assert html == "Your <code>h_t</code> misses the bias b.\n\nSee &lt;the lesson&gt;."
