"""Instructor content cannot script the page: Markdown keeps no javascript: or data: link, no
style or on* attribute, no script, frame, form or SVG; titles are text; the admin's previews
sanitise the same way and only for authors."""

import pytest
from django.test import Client

from courses.rendering import render_markdown
from tests.factories import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

PAYLOADS = [
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java&#115;cript:alert(1))",
    "[x](&#x6A;avascript:alert(1))",
    '<a href="  javascript:alert(1)">x</a>',
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/svg+xml,<svg onload=alert(1)>)",
    '<a href="vbscript:msgbox(1)">x</a>',
    '<img src="x" onerror="alert(1)">',
    '<p style="background:url(javascript:alert(1))" onclick="alert(1)">s</p>',
    "<script>alert(1)</script>",
    "<svg><script>alert(1)</script></svg>",
    '<iframe src="https://evil.example/"></iframe>',
    '<form action="https://evil.example/"><input name="password"></form>',
    '<object data="x"></object><embed src="x">',
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    '<math><mtext><a href="javascript:alert(1)">x</a></mtext></math>',
]


@pytest.mark.parametrize("source", PAYLOADS)
def test_markdown_keeps_no_script_url_attribute_or_active_element(source):
    html = render_markdown(source).lower()
    for bad in ("javascript:", "vbscript:", "data:", "<script", "<iframe", "<form", "<svg",
                "<object", "<embed", "<base", "<meta", "onerror", "onclick", "onload",
                "style="):  # fmt: skip
        assert bad not in html, (source, html)


def test_titles_are_text(alice, small):
    lesson = small.lessons[0]
    lesson.title = '<img src=x onerror="alert(1)"> \\(\\href{javascript:alert(1)}{x}\\)'
    lesson.save()
    page = alice.get(lesson.get_absolute_url()).content.decode()
    assert "<img src=x" not in page and "&lt;img src=x" in page


def test_the_markdown_preview_sanitises_and_is_for_authors_only(instructor_client, learner):
    url = "/admin/courses/lesson/preview/"
    html = instructor_client.post(url, {"text": PAYLOADS[0] + "\n\n" + PAYLOADS[8]}).json()["html"]
    assert "javascript:" not in html and "onerror" not in html
    assert instructor_client.get(url).status_code == 405
    plain = Client()
    plain.force_login(learner)
    assert plain.post(url, {"text": "x"}).status_code == 302  # to the admin's login
    staff = make_user("staff-without-rights", is_staff=True)
    plain.force_login(staff)
    assert plain.post(url, {"text": "x"}).status_code == 403
