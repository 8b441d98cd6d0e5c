"""A class in headless Chromium: the instructor opens a run and sets a deadline in the
admin, a learner joins with the code and sees the due date, the instructor and a TA read
the run's gradebook; the TA cannot change content.

Screenshots go to test-artifacts/classes/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from courses.models import Enrollment, Run
from exercises.models import ItemPolicy, Submission
from tests.factories import PASSWORD, make_small_course, make_staff, make_user, teach
from tests.services import chromium_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "classes"


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def admin_login(page: Any, base: str, username: str, next_url: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/admin/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")


def test_instructor_ta_and_learner_walk(live_server: Any, broker: str, monkeypatch: Any) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    small = make_small_course()
    make_staff(small.course, "prof")
    make_user("lea")
    base = live_server.url
    with chromium_page(ARTIFACTS) as page:
        # Instructor: open a run with a join code.
        admin_login(page, base, "prof", "/admin/courses/run/add/")
        page.select_option("#id_course", str(small.course.pk))
        page.fill("#id_slug", "spring-2027")
        page.fill("#id_title", "Spring 2027")
        page.fill("#id_time_zone", "Europe/Berlin")
        page.select_option("#id_enrollment", "code")
        page.fill("#id_join_code", "RNN-2027")
        shot(page, "01-instructor-adds-run")
        page.click("input[name=_save]")
        page.wait_for_selector("#result_list")
        run = Run.objects.get(slug="spring-2027")
        assert Enrollment.objects.get(run=run).role == Enrollment.Role.INSTRUCTOR
        shot(page, "02-instructor-runs")
        # ... and a deadline with a late penalty and results after the due date.
        page.goto(f"{base}/admin/exercises/itempolicy/add/")
        page.select_option("#id_run", str(run.pk))
        page.select_option("#id_exercise", str(small.exercise.pk))
        page.fill("#id_due_at_0", "2099-03-15")
        page.fill("#id_due_at_1", "22:00:00")
        page.select_option("#id_late", "penalty")
        page.fill("#id_penalty_per_day", "0.2")
        page.select_option("#id_hidden_results", "after_due")
        shot(page, "03-instructor-sets-deadline")
        page.click("input[name=_save]")
        page.wait_for_selector("#result_list")
        assert ItemPolicy.objects.get().late == ItemPolicy.Late.PENALTY

        # Learner: join with the code, see the due date in the run's zone, submit.
        page.context.clear_cookies()
        page.goto(f"{base}/accounts/login/?next={small.course.get_absolute_url()}")
        page.fill("#id_username", "lea")
        page.fill("#id_password", PASSWORD)
        page.locator("main button[type=submit], main input[type=submit]").first.click()
        page.fill("#join-code", "rnn-2027")
        page.click("form.join-run button")
        page.wait_for_selector("[data-run]")
        assert "Spring 2027" in page.locator("[data-run]").inner_text()
        due = "Sun 15 Mar 2099, 23:00 CET (Europe/Berlin)"
        assert due in page.locator("[data-due]").inner_text()
        shot(page, "04-learner-course-with-run-and-due-date")
        page.goto(f"{base}{small.exercise.get_absolute_url()}")
        assert due in page.locator("[data-deadline]").inner_text()
        page.click("button[value=submit]")
        for _ in range(100):  # the page has posted; no worker here: we grade it ourselves
            submission = Submission.objects.filter(run=run).first()
            if submission is not None:
                break
            page.wait_for_timeout(100)
        assert submission is not None and submission.late_penalty == 0
        Submission.objects.filter(id=submission.id).update(
            status=Submission.Status.PASSED, score=1.0, graded_at=timezone.now()
        )
        page.wait_for_selector("[data-withheld]")  # the hidden results wait for the due date
        shot(page, "05-learner-exercise-with-deadline")

        # Instructor: the run's gradebook and the learner's drill-down.
        admin_login(page, base, "prof", f"/admin/exercises/itempolicy/gradebook/{run.pk}/")
        page.wait_for_selector("#gradebook")
        assert "lea" in page.locator("#gradebook").inner_text()
        assert "100%" in page.locator("tr[data-learner=lea]").inner_text()
        shot(page, "06-instructor-gradebook")
        page.click("tr[data-learner=lea] a")
        page.wait_for_selector("#learner-submissions")
        shot(page, "07-instructor-drill-down")

        # TA: sees the gradebook, reads content but cannot change it.
        ta = make_staff(username="ta")
        teach(ta, small.course, role=Enrollment.Role.TA, run=run)
        admin_login(page, base, "ta", f"/admin/exercises/itempolicy/gradebook/{run.pk}/")
        page.wait_for_selector("#gradebook")
        shot(page, "08-ta-gradebook")
        page.goto(f"{base}/admin/exercises/exercise/{small.exercise.pk}/change/")
        assert page.locator("input[name=_save]").count() == 0
        shot(page, "09-ta-exercise-read-only")
