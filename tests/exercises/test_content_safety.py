"""Content cannot reach the page's HTML through MathJax, clobber the page's ids, or put a
formula into an instructor's spreadsheet."""

import csv
import io
from pathlib import Path

import pytest
from django.conf import settings

from courses.rendering import render_markdown
from exercises.models import Submission
from exercises.stats import gradebook_csv, spreadsheet_safe
from tests.factories import make_user

# Each test starts and ends with an empty cache (sign-up counts live there).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

MATHJAX_CONFIG = Path(settings.BASE_DIR) / "static" / "js" / "mathjax-config.js"


def test_mathjax_loads_ui_safe_and_never_the_html_package(client, small):
    config = MATHJAX_CONFIG.read_text()
    assert 'load: ["ui/safe"]' in config
    assert "autoload: { html: [] }" in config
    assert "require: { allow: { html: false } }" in config
    assert "safeProtocols: { http: true, https: true, mailto: true" in config
    assert "javascript: false" in config
    page = client.get(small.lessons[0].get_absolute_url()).text
    assert "js/mathjax-config.js" in page and "mathjax/es5/tex-chtml.js" in page
    assert page.index("js/mathjax-config.js") < page.index("mathjax/es5/tex-chtml.js")


@pytest.mark.parametrize("heading", ["## Result", '<h2 id="result">Result</h2>', "# main"])
def test_heading_ids_from_content_are_prefixed(heading):
    html = render_markdown(heading)
    assert 'id="md-' in html
    assert 'id="result"' not in html and 'id="main"' not in html


def test_a_heading_in_a_prompt_does_not_clobber_the_live_verdict(alice, small):
    small.exercise.prompt = "## Result\n\nWrite it."
    small.exercise.save()
    page = alice.get(small.exercise.get_absolute_url()).text
    assert page.count('id="result"') == 1
    assert 'id="md-result"' in page


@pytest.mark.parametrize(
    "cell", ['=HYPERLINK("x")', "+A1+B1", "-2+3", "@A1", "\tTAB", "\rCR", "|cmd", "%x"]
)
def test_cells_that_could_start_a_formula_get_an_apostrophe(cell):
    assert spreadsheet_safe(cell) == "'" + cell


def test_the_gradebook_neutralises_usernames(small):
    for name in ("+A1+B1", "-2+3", "@A1", "=1+1", "plain", "x\r=A1"):
        Submission.objects.create(
            user=make_user(name), exercise=small.exercise, code="x",
            status=Submission.Status.PASSED, score=1.0,
        )  # fmt: skip
    # newline="" as a spreadsheet reads it: a bare CR inside a cell would start a new row.
    rows = list(csv.reader(io.StringIO(gradebook_csv(small.course), newline="")))
    learners = {row[0] for row in rows[1:]}
    assert learners == {"'+A1+B1", "'-2+3", "'@A1", "'=1+1", "plain", "x\r=A1"}
