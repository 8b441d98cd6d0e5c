"""A learner's whole visit in headless Chromium, against a live server, a real Redis and a real
Celery worker: sign up, read a lesson with rendered math, answer questions, submit code and
watch the verdict arrive without a reload, then see the course progress move.

Screenshots of every step go to test-artifacts/browser/ (desktop and 375 px wide).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.core.management import call_command

from courses.models import Course, Question, QuestionVariant
from courses.numeric import learner_seed
from tests.services import chromium_page, start_celery_worker, stop_process, worker_env

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "browser"
CONTENT = Path(settings.BASE_DIR) / "content" / "rnn-from-scratch"
PASSWORD = "Browser-test-pw-2024"


@pytest.fixture
def worker(broker) -> Iterator[None]:
    proc = start_celery_worker(worker_env(broker), concurrency=1, name="browser")
    yield
    stop_process(proc)


@pytest.fixture
def seeded_course() -> Course:
    call_command("import_course", str(CONTENT))
    return Course.objects.get(slug="rnn-from-scratch")


@pytest.fixture
def browser_page(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the test's own ORM reads are
    # still plain synchronous calls between browser steps.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with chromium_page(ARTIFACTS) as page:
        yield page


def shot(page, name: str, *, phone: bool = True, element=None) -> None:
    """Save a desktop screenshot of the page (or one element) and, if asked, one at 375 px."""
    if element is not None:
        element.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    else:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    if phone:
        size = page.viewport_size
        page.set_viewport_size({"width": 375, "height": 800})
        page.wait_for_timeout(200)
        page.screenshot(path=str(ARTIFACTS / f"{name}-375px.png"), full_page=True)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"{name}: the page scrolls sideways by {overflow} px at 375 px"
        page.set_viewport_size(size)


def expected_numeric(question: Question, user_id: int) -> float:
    """Return this learner's answer: their variant of the pool the worker computed (waited for)."""
    deadline = time.monotonic() + 60
    while not QuestionVariant.objects.filter(question=question).exists():
        assert time.monotonic() < deadline, "the worker did not compute the pool in 60 s"
        time.sleep(0.2)
    question.refresh_from_db()
    count = question.variants.count()
    variant = question.variants.get(index=learner_seed(user_id, question.id) % count)
    # Checked here against the question's own code, for this variant's seed.
    scope: dict = {}
    exec(question.parameters_code, scope)  # noqa: S102 - our own seeded course content
    params = scope["generate"](np.random.default_rng(variant.seed))
    assert params == variant.parameters
    scope = {}
    exec(question.answer_code, scope)  # noqa: S102
    assert float(scope["answer"](params)) == variant.answer
    return variant.answer


def replace_editor_text(page, code: str) -> None:
    page.locator(".django-ace-widget .ace_content").click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(code)


def test_learner_flow(live_server, worker, seeded_course, browser_page):
    from django.contrib.auth.models import User

    page = browser_page
    base = live_server.url

    # 1. Sign up.
    page.goto(f"{base}/accounts/signup/")
    page.get_by_label("Username").fill("browser-learner")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    shot(page, "01-signup")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(f"{base}/")
    assert page.get_by_role("button", name="Log out").is_visible()
    user = User.objects.get(username="browser-learner")
    shot(page, "02-home")

    # 2. The course page before anything is done.
    page.get_by_role("link", name=seeded_course.title).click()
    before = int(page.locator("#course-progress").get_attribute("value"))
    assert before == 0
    shot(page, "03-course-before")

    # 3. A lesson with rendered math.
    lesson = seeded_course.lessons.get(slug="forward-propagation")
    page.goto(f"{base}{lesson.get_absolute_url()}")
    page.wait_for_selector("mjx-container", state="attached")
    assert page.locator("mjx-container").count() > 10
    assert page.locator("mjx-container[display=true]").count() >= 1
    assert "$$" not in page.locator("article.lesson").inner_text()
    shot(page, "04-lesson-math")

    # 4. A multiple-choice question: wrong, then right.
    question = lesson.questions.get(slug="role-of-g")
    section = page.locator(f"#question-{question.slug}")
    wrong = question.choices.filter(is_correct=False).first()
    right = question.choices.get(is_correct=True)
    page.evaluate("window.__noReload = true")
    section.locator(f"label[for=choice-{wrong.id}]").click()
    section.get_by_role("button", name="Check answer").click()
    section = page.locator(f"#question-{question.slug}")
    section.locator(".feedback.bad").wait_for()
    assert "Not right yet." in section.inner_text()
    assert section.locator(".explanation").count() == 0, "a wrong answer shows no explanation"
    shot(page, "05-question-wrong", phone=False, element=section)
    section.locator(f"label[for=choice-{right.id}]").click()
    section.get_by_role("button", name="Check answer").click()
    page.locator(f"#question-{question.slug} .feedback.ok").wait_for()
    assert "Correct." in page.locator(f"#question-{question.slug}").inner_text()
    assert page.locator(f"#question-{question.slug} .explanation").is_visible()
    assert page.evaluate("window.__noReload === true"), "answering reloaded the page"
    shot(page, "06-question-right", phone=False, element=page.locator(f"#question-{question.slug}"))

    # 5. A numeric question with this learner's own numbers.
    numeric = lesson.questions.get(slug="scalar-rnn-h2")
    value = expected_numeric(numeric, user.id)
    page.reload()  # the page may have been loaded while the worker was preparing the numbers
    section = page.locator(f"#question-{numeric.slug}")
    section.get_by_label("Your answer").fill(f"{value:.4f}")
    section.get_by_role("button", name="Check answer").click()
    page.locator(f"#question-{numeric.slug} .feedback.ok").wait_for()
    solution = page.locator(f"#question-{numeric.slug} .worked-solution")
    shown = solution.inner_text().replace("\n", "").replace("\u2212", "-")  # MathJax's minus
    assert f"{value:.4f}" in shown, "the worked solution uses my numbers"
    shot(page, "07-numeric-right", phone=False, element=page.locator(f"#question-{numeric.slug}"))
    assert math.isfinite(value)

    # 6. An exercise: a known mistake first, then the fix, verdicts arriving without reload.
    exercise = lesson.exercises.get(slug="rnn-forward")
    page.goto(f"{base}{exercise.get_absolute_url()}")
    page.locator(".django-ace-widget .ace_content").wait_for()
    page.wait_for_selector("mjx-container", state="attached")
    shot(page, "08-exercise")
    page.evaluate("window.__noReload = true")
    mistake = exercise.mistakes.get(slug="bias-c-left-out")
    replace_editor_text(page, mistake.code)
    page.get_by_role("button", name="Submit", exact=True).click()
    verdict = page.locator("#result .verdict.failed")
    verdict.wait_for(timeout=60_000)
    assert "output bias c" in verdict.locator(".misconception").inner_text()
    assert page.evaluate("window.__noReload === true"), "submitting reloaded the page"
    shot(page, "09-exercise-failed")
    shot(page, "09-verdict-failed", phone=False, element=verdict)

    replace_editor_text(page, exercise.reference_code)
    page.get_by_role("button", name="Submit", exact=True).click()
    verdict = page.locator("#result .verdict.passed")
    verdict.wait_for(timeout=60_000)
    assert "score 100%" in verdict.inner_text()
    assert page.evaluate("window.__noReload === true")
    shot(page, "10-exercise-passed")
    shot(page, "10-verdict-passed", phone=False, element=verdict)

    # 7. The history lists both submissions, live and after a reload; the course progress moved.
    rows = page.locator("table.history tbody tr")
    page.wait_for_function("document.querySelectorAll('table.history tbody tr').length === 2")
    assert page.locator("section[data-history]").is_visible()
    newest, older = rows.nth(0).inner_text().lower(), rows.nth(1).inner_text().lower()
    assert "passed" in newest and "100%" in newest and "open in editor" in newest
    assert "failed" in older
    assert page.evaluate("window.__noReload === true"), "the history needed a reload"
    page.reload()
    assert rows.count() == 2
    assert rows.nth(0).inner_text().lower() == newest
    page.goto(f"{base}{seeded_course.get_absolute_url()}")
    after = int(page.locator("#course-progress").get_attribute("value"))
    assert after == before + 4  # the lesson read, two questions right, one exercise passed
    assert page.locator("[data-count=exercises]").inner_text() == "1"
    assert page.locator("[data-count=questions]").inner_text() == "2"
    shot(page, "11-course-after")
