"""Every page, learner and admin, runs under the Content-Security-Policy without one violation
(chromium_page fails the test on any), and MathJax turns no TeX into links, styles or classes.

Screenshots go to test-artifacts/csp/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from accounts.demo import ensure_instructors_group
from tests.factories import make_small_course, teach
from tests.services import chromium_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "csp"
PASSWORD = "Csp-browser-pw-2024"
HOSTILE_TEX = (
    "Click $\\href{javascript:document.title='pwned'}{\\style{position:fixed;top:0;left:0;"
    "width:100vw;height:100vh;display:block}{here}}$ and "
    "$\\class{site-header}{x}$ and $\\require{html}\\cssId{main}{y}$ and "
    "$\\unicode{x41}$ and $a_t = \\tanh(W h_{t-1})$."
)


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with chromium_page(ARTIFACTS) as page:
        yield page


def log_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state("load")


def wait_for_math(page: Any) -> None:
    page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("MathJax.startup.promise")
    page.wait_for_selector("mjx-container")


def test_learner_and_admin_pages_show_no_csp_violation_and_tex_stays_math(
    live_server: Any, page: Any
) -> None:
    small = make_small_course()
    lesson = small.lessons[0]
    lesson.title = "Title with $\\href{javascript:alert(1)}{math}$"
    lesson.body = HOSTILE_TEX
    lesson.save()
    User.objects.create_user("reader", password=PASSWORD)
    teacher = User.objects.create_user("teacher", password=PASSWORD, is_staff=True)
    teacher.groups.add(ensure_instructors_group())
    teach(teacher, small.course)
    base = live_server.url

    # Learner pages.
    page.goto(f"{base}/accounts/signup/")
    log_in(page, base, "reader")
    page.goto(f"{base}/")
    page.goto(f"{base}{lesson.get_absolute_url()}")
    wait_for_math(page)
    assert page.locator("mjx-container").count() >= 4
    assert page.locator("a[href^='javascript']").count() == 0
    assert page.locator("mjx-container [href]").count() == 0
    assert page.locator("mjx-container [style*='fixed']").count() == 0
    assert page.locator("mjx-container .site-header, mjx-container #main").count() == 0
    page.mouse.click(640, 450)
    assert page.title() != "pwned"
    page.screenshot(path=str(ARTIFACTS / "lesson.png"), full_page=True)
    page.goto(f"{base}{small.exercise.get_absolute_url()}")
    page.wait_for_selector(".django-ace-widget .ace_content")
    page.goto(f"{base}/api/docs")
    page.wait_for_selector(".swagger-ui .info")
    page.goto(f"{base}/account/api-token/")
    page.click("main form button[type=submit]")
    page.focus("#token")
    assert page.evaluate("window.getSelection().toString() || document.activeElement.selectionEnd")

    # Admin pages, with the live preview, the Ace widgets and the numeric preview's script.
    page.goto(f"{base}/accounts/login/")
    page.context.clear_cookies()
    log_in(page, base, "teacher")
    page.goto(f"{base}/admin/")
    page.goto(f"{base}/admin/courses/lesson/{lesson.pk}/change/")
    page.wait_for_selector(".markdown-preview mjx-container")
    assert page.locator(".markdown-preview a[href^='javascript']").count() == 0
    page.goto(f"{base}/admin/courses/question/{small.numeric.pk}/change/")
    page.wait_for_selector(".django-ace-widget .ace_content")
    page.goto(f"{base}/admin/exercises/exercise/{small.exercise.pk}/change/")
    page.wait_for_selector(".django-ace-widget .ace_content")
    page.goto(f"{base}/admin/courses/course/{small.course.pk}/change/")
    page.screenshot(path=str(ARTIFACTS / "admin-course.png"), full_page=True)


def test_the_browser_reports_an_inline_script_as_a_csp_violation(live_server: Any) -> None:
    """The check above can fail: Chromium refuses an inline script and says so in the console."""
    from playwright.sync_api import sync_playwright

    from tests.services import CHROMIUM, CHROMIUM_ARGS, note_csp_violation

    violations: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.on("console", lambda message: note_csp_violation(message, violations))
        page.goto(f"{live_server.url}/")
        page.evaluate(
            "() => { const s = document.createElement('script');"
            " s.textContent = 'document.title = \"ran\"'; document.body.appendChild(s); }"
        )
        page.wait_for_timeout(300)
        title = page.title()
        browser.close()
    assert title != "ran"
    assert violations and "script" in violations[0]
