"""axe-core (WCAG 2.0/2.1 A and AA rules) on every learner page, signed out and as a learner,
and on the admin pages staff use, each page under its own Content-Security-Policy.

axe-core comes from package.json (`make test` installs it into node_modules/). It is evaluated
into each page through DevTools after the page's own scripts and MathJax have run: the page's
CSP does not apply to DevTools evaluation, so the policy stays enforced for everything else and
`chromium_page` fails the test on any violation of it. Any axe violation fails, and so does any
console error (a missing favicon is one).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from courses.figures import Figure
from courses.models import Course, Enrollment, Question, Run
from courses.runs import enroll
from courses.services import answer_question, mark_lesson_read
from exercises.models import Exercise, ItemPolicy, KnownMistake, Submission
from exercises.services import record_grading_result
from exercises.specs import exercise_spec
from grader.grading.judge import grade
from tests.services import chromium_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "accessibility"
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "Axe-test-pw-2024"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
INLINE_SCRIPT = (
    "() => { const s = document.createElement('script');"
    " s.textContent = 'document.title = \"ran\"'; document.body.appendChild(s); }"
)
UNNAMED_IMAGE = (
    "() => document.querySelector('main').append(Object.assign(new Image(), {src: 'data:,'}))"
)


@dataclass
class Classroom:
    """The seeded course with a run of it, a learner's work there, and a superuser."""

    course: Course
    run: Run
    learner: User
    submission: Submission
    mistake: KnownMistake
    admin: User


@pytest.fixture
def seeded_course() -> Course:
    call_command("import_course", str(Path(settings.BASE_DIR) / "content" / "rnn-from-scratch"))
    return Course.objects.get(slug="rnn-from-scratch")


@pytest.fixture
def classroom(seeded_course: Course) -> Classroom:
    """A plain learner in a dated run, with a due date, a read lesson, an answer and a graded
    (wrong) submission, so that pages show progress, feedback, history and gradebook rows."""
    course = seeded_course
    run = Run.objects.create(
        course=course, slug="spring", title="Spring 2026", join_code="RNN-2026",
        starts_at=timezone.now() - timedelta(days=7), ends_at=timezone.now() + timedelta(days=60),
    )  # fmt: skip
    learner = User.objects.create_user("axe-learner", "learner@example.org", PASSWORD)
    enroll(user=learner, run=run, role=Enrollment.Role.LEARNER)
    softmax = Exercise.objects.get(lesson__course=course, slug="softmax")
    ItemPolicy.objects.create(run=run, exercise=softmax, due_at=timezone.now() + timedelta(days=14))
    mark_lesson_read(user=learner, lesson=course.lessons.order_by("order").first())
    question = Question.objects.filter(lesson__course=course, kind="single").first()
    wrong = question.choices.filter(is_correct=False).first()
    answer_question(user=learner, question=question, choice_ids=[wrong.pk])

    mistake = KnownMistake.objects.get(exercise=softmax, slug="wrong-axis")
    assert mistake.variants.exists(), "the known mistake has further variants to show"
    spec = exercise_spec(softmax)
    submission = Submission.objects.create(
        user=learner, exercise=softmax, code=mistake.code, status="running", run=run
    )
    record_grading_result(
        submission_id=submission.pk,
        verdict=grade(spec, mistake.code),
        exercise_version=spec.version,
    )
    submission.refresh_from_db()
    assert submission.misconception_slug == "wrong-axis", submission.message

    admin = User.objects.create_superuser("axe-admin", "axe@example.org", PASSWORD)
    return Classroom(course, run, learner, submission, mistake, admin)


@contextmanager
def audited_page(artifacts: Path) -> Iterator[Any]:
    """Yield a page of `chromium_page` (which fails on a CSP violation or a JavaScript error)
    that also keeps every console error, with its URL, in `page.problems`."""
    with chromium_page(artifacts) as page:
        problems: list[str] = []
        page.on("pageerror", lambda exc: problems.append(f"{page.url}: {exc}"))
        page.on(
            "console",
            lambda msg: problems.append(f"{page.url}: {msg.text}") if msg.type == "error" else None,
        )
        page.problems = problems
        yield page


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    assert AXE.is_file(), f"{AXE} is missing: run `make test` (or `npm install`) first"
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with audited_page(ARTIFACTS) as page:
        yield page


@functools.cache
def axe_source() -> str:
    return AXE.read_text()


def audit(page: Any) -> list[str]:
    """Run axe on the page as it is now and return one line per violating node."""
    # DevTools evaluation, not a <script>: the page's CSP would (rightly) refuse an inline one.
    page.evaluate(axe_source())
    # No CSSOM preload: axe would fetch each stylesheet again and resolve Django's
    # `@import url('widgets.css')` against the page instead of the sheet (a request for
    # /admin/…/widgets.css that the scoped admin rightly answers 404).
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, preload: false})",
        WCAG_TAGS,
    )
    return [
        f"{v['id']} ({v['impact']}) at {node['target']}"
        for v in result["violations"]
        for node in v["nodes"]
    ]


def violations(page: Any, url: str) -> list[str]:
    """Open `url`, let MathJax finish, run axe and return one line per violating node."""
    response = page.goto(url)
    assert response is not None and response.ok, f"{url} answered {response and response.status}"
    page.wait_for_load_state("networkidle")
    if page.locator("script[src*=mathjax]").count():
        page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise")
        page.evaluate("MathJax.startup.promise")
    return [f"{url}: {line}" for line in audit(page)]


def log_in(page: Any, login_url: str, username: str) -> None:
    page.goto(login_url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("load")


def learner_urls(base: str, course: Course) -> list[str]:
    lessons = [f"{base}{lesson.get_absolute_url()}" for lesson in course.lessons.all()]
    exercises = [
        f"{base}{exercise.get_absolute_url()}"
        for exercise in Exercise.objects.filter(lesson__course=course).order_by("slug")
    ]
    return [f"{base}/", f"{base}{course.get_absolute_url()}", *lessons, *exercises]


def test_no_wcag_violation_or_console_error_on_any_learner_page(live_server, classroom, page):
    base = live_server.url
    found: list[str] = []
    signed_out = learner_urls(base, classroom.course)
    for url in [*signed_out, f"{base}/accounts/signup/", f"{base}/accounts/login/"]:
        found += violations(page, url)

    log_in(page, f"{base}/accounts/login/", classroom.learner.username)
    assert page.get_by_role("button", name="Log out").is_visible()
    # A plain learner: no way into the admin.
    assert page.get_by_role("link", name="Admin", exact=True).count() == 0
    for url in [*signed_out, f"{base}/account/api-token/"]:
        found += violations(page, url)

    page.screenshot(path=str(ARTIFACTS / "last-page.png"), full_page=True)
    # The learner's run, progress and work were on the pages when axe ran.
    page.goto(f"{base}{classroom.course.get_absolute_url()}")
    assert page.locator("[data-due]").count() == 1
    page.goto(f"{base}{classroom.submission.exercise.get_absolute_url()}")
    assert page.locator(f"tr[data-history-row='{classroom.submission.pk}']").count() == 1

    assert not found, "\n".join(found)
    assert not page.problems, "\n".join(page.problems)


def admin_urls(base: str, classroom: Classroom) -> list[str]:
    """The admin index, and the changelist and a change page of each kind of seeded content,
    of runs and of learners' work, with the run's gradebook and the statistics pages."""
    course, run = classroom.course, classroom.run
    lesson = course.lessons.get(slug="language-modelling")
    choice_question = Question.objects.filter(lesson__course=course, kind="single").first()
    numeric_question = Question.objects.filter(lesson__course=course, kind="numeric").first()
    exercise = Exercise.objects.get(lesson__course=course, slug="train-char-rnn")
    figure = Figure.objects.filter(course=course).first()
    urls = [f"{base}/admin/"]
    for app, model in (
        ("courses", "course"),
        ("courses", "lesson"),
        ("courses", "question"),
        ("courses", "figure"),
        ("exercises", "exercise"),
        ("exercises", "knownmistake"),
        ("courses", "run"),
        ("exercises", "submission"),
    ):
        urls.append(f"{base}/admin/{app}/{model}/")
    for app, model, pk in (
        ("courses", "course", course.pk),
        ("courses", "lesson", lesson.pk),
        ("courses", "question", choice_question.pk),
        ("courses", "question", numeric_question.pk),
        ("courses", "figure", figure.pk),
        ("exercises", "exercise", exercise.pk),
        ("exercises", "knownmistake", classroom.mistake.pk),
        # A run's enrollments are edited inline on its page (Enrollment has no admin of its own).
        ("courses", "run", run.pk),
        ("exercises", "submission", classroom.submission.pk),
    ):
        urls.append(f"{base}/admin/{app}/{model}/{pk}/change/")
    gradebook = f"{base}/admin/exercises/itempolicy/gradebook/{run.pk}/"
    return [
        *urls,
        gradebook,
        f"{gradebook}learner/{classroom.learner.pk}/",
        f"{base}/admin/exercises/exercise/{classroom.submission.exercise_id}/stats/",
        f"{base}/admin/courses/question/{choice_question.pk}/stats/",
    ]


def test_no_wcag_violation_or_console_error_on_the_admin_pages(live_server, classroom, page):
    base = live_server.url
    exercise = Exercise.objects.get(lesson__course=classroom.course, slug="train-char-rnn")
    assert exercise.check_report.get("cases"), "the import stores the self-check report"
    log_in(page, f"{base}/admin/login/", classroom.admin.username)
    assert page.url == f"{base}/admin/"
    found: list[str] = []
    for url in admin_urls(base, classroom):
        found += violations(page, url)
        name = url.removeprefix(f"{base}/admin/").strip("/").replace("/", "-") or "index"
        page.screenshot(path=str(ARTIFACTS / f"admin-{name}.png"), full_page=True)
    # The pages showed the learner's work when axe ran.
    page.goto(f"{base}/admin/exercises/itempolicy/gradebook/{classroom.run.pk}/")
    assert page.locator("#gradebook tr[data-learner='axe-learner']").count() == 1
    page.goto(f"{base}/admin/courses/run/{classroom.run.pk}/change/")
    assert page.locator("#enrollments-group").get_by_text("axe-learner").count() >= 1
    # Django's split date/time inputs are named after their field.
    assert page.locator("#id_starts_at_0").get_attribute("aria-label") == "Starts at, date"
    assert page.locator("#id_ends_at_1").get_attribute("aria-label") == "Ends at, time"
    page.goto(f"{base}/admin/exercises/knownmistake/{classroom.mistake.pk}/change/")
    assert page.locator("#variants-group .inline-related.has_original").count() >= 1
    # The self-check table was on the exercise page, with its pass cells, when axe ran.
    page.goto(f"{base}/admin/exercises/exercise/{exercise.pk}/change/")
    assert page.locator("#check-report td.pass").count() > 0
    assert (
        page.locator("#check-report td.pass").first.evaluate("cell => getComputedStyle(cell).color")
        == "rgb(17, 99, 41)"
    )
    toggles = page.locator("a.django-ace-max_min")
    assert toggles.count() >= 3
    assert toggles.first.get_attribute("aria-label") == "Toggle full-screen editor"
    # Inline and changelist inputs are named by their column and their row.
    question = Question.objects.filter(lesson__course=classroom.course, kind="single").first()
    page.goto(f"{base}/admin/courses/question/{question.pk}/change/")
    first_choice = question.choices.order_by("order", "pk").first()
    assert page.locator("#id_choices-0-text").get_attribute("aria-label") == (
        f"Text, {' '.join(str(first_choice).split())}"
    )
    page.locator("#choices-group .add-row a").click()
    added = page.locator("#choices-group tbody tr.form-row:not(.empty-form)").last
    assert added.locator("textarea, input[type=text]").first.get_attribute("aria-label")
    page.goto(f"{base}/admin/courses/lesson/")
    label = page.locator("#id_form-0-order").get_attribute("aria-label")
    assert label == f"Order, {classroom.course.lessons.order_by('order').first()}", label
    assert not found, "\n".join(found)
    assert not page.problems, "\n".join(page.problems)


def test_axe_runs_under_the_csp_and_a_csp_violation_still_fails_the_page(live_server, monkeypatch):
    """The audits above are not vacuous: axe gets into a page under its real CSP and reports
    what it finds, while an inline script is refused and fails the page helper."""
    assert AXE.is_file(), f"{AXE} is missing: run `make test` (or `npm install`) first"
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    url = f"{live_server.url}/accounts/login/"
    # The helper's own check runs as the page closes: it must raise, naming the violation.
    with (
        pytest.raises(AssertionError, match="CSP violation: .*inline script"),
        # Its own folder: chromium_page empties it, and the screenshots above stay.
        audited_page(ARTIFACTS / "csp-check") as page,
    ):
        clean = violations(page, url)
        page.evaluate(INLINE_SCRIPT)
        page.wait_for_timeout(300)
        title = page.title()
        problems = list(page.problems)
        page.evaluate(UNNAMED_IMAGE)
        provoked = audit(page)
    assert clean == []
    assert title != "ran", "the page's CSP refused the inline script"
    assert any("inline script" in problem for problem in problems), problems
    assert any(line.startswith("image-alt ") for line in provoked), provoked
