"""The authoring flow through the real admin pages in headless Chromium.

Screenshots go to test-artifacts/admin/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from accounts.demo import ensure_instructors_group
from config.celery import app as celery_app
from courses.models import Course, Lesson
from exercises.authoring import CheckState, check_state
from exercises.models import Exercise
from tests.exercises.course_folder import CASES, MISTAKE_NO_PLUS_ONE, REFERENCE
from tests.factories import teach
from tests.services import chromium_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "admin"
PASSWORD = "Admin-browser-pw-2024"

SET_CODE = """([name, code]) => {
  const textarea = document.querySelector(`textarea[name="${name}"]`);
  const widget = textarea.closest(".django-ace-editor").querySelector(".django-ace-widget");
  ace.edit(widget.firstElementChild).setValue(code, -1);
  return textarea.value === code;
}"""


@pytest.fixture
def eager_celery() -> Iterator[None]:
    """The live server runs the reference check in-process as soon as it is queued."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with chromium_page(ARTIFACTS) as page:
        yield page


def test_instructor_authors_an_exercise_in_the_browser(
    live_server: Any, page: Any, eager_celery: None
) -> None:
    course = Course.objects.create(slug="c", title="Course", published=True)
    lesson = Lesson.objects.create(course=course, slug="l", title="Lesson", body="Text.")
    instructor = User.objects.create_user("teacher", password=PASSWORD, is_staff=True)
    instructor.groups.add(ensure_instructors_group())
    teach(instructor, course)
    base = live_server.url

    page.goto(f"{base}/admin/login/?next=/admin/exercises/exercise/add/")
    page.fill("#id_username", "teacher")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#exercise_form")

    page.select_option("#id_lesson", str(lesson.pk))
    page.fill("#id_slug", "scale")  # before the title, which would prepopulate it
    page.fill("#id_title", "Scale and shift")
    page.fill("#id_entry_point", "scale")
    page.fill("#id_returns", "y")
    page.fill("#id_prompt", "Return $$y = k x + 1$$ for a vector $x \\in \\mathbb{R}^n$.")
    # The live preview typesets the math with MathJax (served from our static files).
    preview = page.locator("#id_prompt + .markdown-preview")
    preview.locator("mjx-container").first.wait_for()
    assert preview.locator("mjx-container").count() == 2
    for name, code in (
        ("reference_code", REFERENCE),
        ("cases_code", CASES),
        ("mistakes-0-code", MISTAKE_NO_PLUS_ONE),
    ):
        assert page.evaluate(SET_CODE, [name, code])
    page.fill("#id_mistakes-0-slug", "no-plus-one")
    page.fill("#id_mistakes-0-title", "Shift left out")
    page.fill("#id_mistakes-0-message", "You forgot to add one.")
    page.screenshot(path=str(ARTIFACTS / "01-add-exercise.png"), full_page=True)
    page.click("input[name=_continue]")
    page.wait_for_selector("#check-report")
    exercise = Exercise.objects.get(slug="scale")
    assert exercise.reference_code == REFERENCE

    # Publishing before the check is refused on the form.
    page.check("#id_published")
    page.click("input[name=_continue]")
    page.wait_for_selector(".errornote")
    assert "has not been checked yet" in page.locator(".field-published").inner_text()
    page.screenshot(path=str(ARTIFACTS / "02-publish-refused.png"), full_page=True)

    page.click("#check-reference-button")
    page.wait_for_selector("#check-cases")
    assert page.locator("#check-state").inner_text() == "Passed"
    assert page.locator("#check-cases td.pass").count() == 2
    assert page.locator("#check-mistakes td.pass").count() == 2
    assert "example, random" in page.locator("#check-mistakes").inner_text()
    page.locator("#check-report").screenshot(path=str(ARTIFACTS / "03-check-report.png"))

    page.check("#id_published")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    page.screenshot(path=str(ARTIFACTS / "04-published.png"), full_page=True)
    exercise.refresh_from_db()
    assert exercise.published and check_state(exercise) == CheckState.PASSED
