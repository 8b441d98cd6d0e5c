"""Deadlines and policies per item and run, through the pages and the API; the gradebook."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from courses.models import Enrollment, Run
from courses.runs import default_run, enroll
from exercises.gradebook import override_grade, run_gradebook, run_gradebook_csv
from exercises.models import GradeOverride, ItemPolicy, Submission
from exercises.policies import late_penalty, local_due
from exercises.services import create_api_token
from tests.factories import make_small_course, make_staff, make_user, teach

pytestmark = pytest.mark.django_db
CODE = "def add_one(x):\n    return x + 1\n"
TESTS = [
    {"name": "example", "visible": True, "passed": True, "message": ""},
    {"name": "secret-case", "visible": False, "passed": False, "message": "differs"},
]


@pytest.fixture
def setting():
    small = make_small_course()
    run = Run.objects.create(
        course=small.course,
        slug="spring",
        title="Spring 2027",
        join_code="x",
        time_zone="America/New_York",
    )
    learner = make_user("lea")
    enroll(user=learner, run=run)
    client = Client()
    client.force_login(learner)
    token = create_api_token(user=learner)
    api = Client(headers={"Authorization": f"Bearer {token}"})
    return small, run, learner, client, api


def policy(run, exercise, **fields) -> ItemPolicy:
    return ItemPolicy.objects.create(run=run, exercise=exercise, **fields)


def grade(submission_id: int, score: float) -> None:
    Submission.objects.filter(id=submission_id).update(
        status=Submission.Status.FAILED, score=score, tests=TESTS, graded_at=timezone.now()
    )


def api_submit(api: Client, slug: str, kind: str = "submit"):
    return api.post(
        f"/api/exercises/{slug}/submissions",
        {"code": CODE, "kind": kind},
        content_type="application/json",
    )


def test_the_due_date_shows_in_the_runs_time_zone_on_course_and_item_pages(setting):
    small, run, _, client, _ = setting
    # 2027-03-15 03:30 UTC is 23:30 the evening before in New York (EDT, UTC-4).
    policy(run, small.exercise, due_at=datetime(2027, 3, 15, 3, 30, tzinfo=UTC))
    due = "Sun 14 Mar 2027, 23:30 EDT (America/New_York)"
    assert due in client.get(small.course.get_absolute_url()).content.decode()
    page = client.get(small.exercise.get_absolute_url()).content.decode()
    assert f"Due {due}" in page and "No graded submissions after it" in page
    # A self-paced learner (default run) sees no deadline.
    other = Client()
    other.force_login(make_user())
    assert "Due " not in other.get(small.exercise.get_absolute_url()).content.decode()


def test_a_closed_due_date_refuses_graded_submissions_but_not_runs(setting):
    small, run, learner, client, api = setting
    policy(run, small.exercise, due_at=timezone.now() - timedelta(minutes=1))
    response = api_submit(api, small.exercise.slug)
    assert response.status_code == 403
    assert "due date has passed" in response.json()["detail"]
    assert api_submit(api, small.exercise.slug, kind="run").status_code == 202
    page = client.post(small.exercise.get_absolute_url(), {"code": CODE, "kind": "submit"})
    assert page.status_code == 403 and "due date has passed" in page.content.decode()
    assert list(Submission.objects.values_list("kind", "run")) == [("run", run.id)]


def test_late_work_is_accepted_with_a_penalty_judged_at_acceptance(setting):
    small, run, learner, _, api = setting
    rule = policy(
        run,
        small.exercise,
        due_at=timezone.now() - timedelta(days=1, hours=2),
        late=ItemPolicy.Late.PENALTY,
        penalty_per_day=0.25,
    )
    assert late_penalty(rule, rule.due_at + timedelta(seconds=1)) == 0.25
    assert late_penalty(rule, rule.due_at + timedelta(days=5)) == 1.0
    response = api_submit(api, small.exercise.slug)
    assert response.status_code == 202
    submission = Submission.objects.get(id=response.json()["id"])
    assert submission.late_penalty == 0.5  # two started days
    grade(submission.id, 0.8)
    cell = run_gradebook(run).rows[0].cells[-1]
    assert cell.score == pytest.approx(0.4) and cell.late


def test_limit_and_cooldown_with_clear_messages(setting):
    small, run, _, client, api = setting
    policy(run, small.exercise, max_submissions=2, cooldown_s=600)
    assert api_submit(api, small.exercise.slug).status_code == 202
    response = api_submit(api, small.exercise.slug)
    assert response.status_code == 429 and "Wait" in response.json()["detail"]
    assert 590 <= int(response["Retry-After"]) <= 600
    assert api_submit(api, small.exercise.slug, kind="run").status_code == 202
    Submission.objects.update(created_at=timezone.now() - timedelta(hours=1))
    assert api_submit(api, small.exercise.slug).status_code == 202
    Submission.objects.update(created_at=timezone.now() - timedelta(hours=1))
    response = api_submit(api, small.exercise.slug)
    assert response.status_code == 403
    assert "used all 2 graded submissions" in response.json()["detail"]
    page = client.post(
        small.exercise.get_absolute_url(),
        {"code": CODE, "kind": "submit"},
        HTTP_X_REQUESTED_WITH="fetch",
    )
    assert page.status_code == 403 and "used all 2" in page.json()["error"]


def test_a_platform_fault_is_not_an_attempt_but_a_faulty_submission_is(setting):
    small, run, _, _, api = setting
    policy(run, small.exercise, max_submissions=2)
    graded = api_submit(api, small.exercise.slug).json()["id"]
    grade(graded, 0.5)
    ours = api_submit(api, small.exercise.slug).json()["id"]
    Submission.objects.filter(id=ours).update(
        status=Submission.Status.ERROR, fault=Submission.Fault.PLATFORM, graded_at=timezone.now()
    )
    # One attempt used of two: our outage does not take the second one.
    last = api_submit(api, small.exercise.slug)
    assert last.status_code == 202
    # Code that could not be graded is the learner's attempt, and the limit is reached.
    Submission.objects.filter(id=last.json()["id"]).update(
        status=Submission.Status.ERROR, fault=Submission.Fault.SUBMISSION
    )
    response = api_submit(api, small.exercise.slug)
    assert response.status_code == 403 and "used all 2" in response.json()["detail"]


LIVE_CACHE = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "policies"}


def test_hidden_results_wait_for_the_due_date_on_pages_and_api(setting, settings):
    small, run, _, client, api = setting
    settings.CACHES = {**settings.CACHES, "live": LIVE_CACHE}  # polls may get 304s
    rule = policy(
        run,
        small.exercise,
        due_at=timezone.now() + timedelta(days=1),
        hidden_results=ItemPolicy.HiddenResults.AFTER_DUE,
    )
    submission_id = api_submit(api, small.exercise.slug).json()["id"]
    grade(submission_id, 0.5)
    withheld = api.get(f"/api/submissions/{submission_id}")
    body = withheld.json()
    assert body["score"] is None and [t["name"] for t in body["tests"]] == ["example"]
    # It changes with the clock, not with the row: no tag a poll could revalidate later.
    assert not withheld.has_header("ETag")
    assert "after the due date" in body["message"]
    page = client.get(f"{small.exercise.get_absolute_url()}?submission={submission_id}")
    text = page.content.decode()
    assert "secret-case" not in text and "score 50%" not in text and "after due" in text
    fragment = client.get(f"/exercises/{small.exercise.slug}/submissions/{submission_id}/")
    assert "secret-case" not in fragment.content.decode()
    # Once due, everything is shown.
    rule.due_at = timezone.now() - timedelta(seconds=1)
    rule.save()
    revalidated = api.get(
        f"/api/submissions/{submission_id}", HTTP_IF_NONE_MATCH=withheld.get("ETag", '"none"')
    )
    assert revalidated.status_code == 200
    body = revalidated.json()
    assert body["score"] == 0.5 and "secret-case" in [t["name"] for t in body["tests"]]
    text = client.get(f"{small.exercise.get_absolute_url()}?submission={submission_id}")
    assert "secret-case" in text.content.decode() and "score 50%" in text.content.decode()


def test_gradebook_best_or_last_overrides_audited_and_csv(setting):
    small, run, learner, _, api = setting
    rule = policy(run, small.exercise, counting=ItemPolicy.Counting.BEST)
    first = api_submit(api, small.exercise.slug).json()["id"]
    second = api_submit(api, small.exercise.slug).json()["id"]
    grade(first, 0.9)
    grade(second, 0.3)
    assert run_gradebook(run).rows[0].cells[-1].score == pytest.approx(0.9)
    rule.counting = ItemPolicy.Counting.LAST
    rule.save()
    assert run_gradebook(run).rows[0].cells[-1].score == pytest.approx(0.3)
    instructor = make_staff(run=run, course=None, username="prof")
    staff = Client()
    staff.force_login(instructor)
    url = f"/admin/exercises/itempolicy/gradebook/{run.pk}/learner/{learner.pk}/"
    page = staff.get(url).content.decode()
    assert CODE.split("\n")[0] in page and "secret-case" in page  # drill-down: code, verdicts
    refused = staff.post(url, {"exercise": small.exercise.pk, "score": "0.7", "reason": " "})
    assert refused.status_code == 400 and "Give a reason" in refused.content.decode()
    staff.post(url, {"exercise": small.exercise.pk, "score": "0.7", "reason": "Typo in spec"})
    override_grade(
        run=run,
        user=learner,
        exercise=small.exercise,
        score=0.75,
        reason="Regrade",
        set_by=instructor,
    )
    assert list(GradeOverride.objects.values_list("score", "reason", "set_by__username")) == [
        (0.75, "Regrade", "prof"),
        (0.7, "Typo in spec", "prof"),
    ]
    cell = run_gradebook(run).rows[0].cells[-1]
    assert cell.score == 0.75 and cell.overridden
    assert run_gradebook_csv(run).splitlines()[1] == "lea,0.75,,,,0.75"
    assert "Typo in spec" in staff.get(url).content.decode()
    book = staff.get(f"/admin/exercises/itempolicy/gradebook/{run.pk}/").content.decode()
    assert "lea" in book and "override" in book
    assert staff.get(f"/admin/exercises/itempolicy/gradebook/{run.pk}.csv").status_code == 200


def test_the_drill_down_and_overrides_are_only_for_the_runs_learners(setting):
    small, run, learner, _, _ = setting
    instructor = make_staff(run=run, username="prof")
    teach(instructor, small.course)  # also teaches the self-paced run
    outsider = make_user("outsider")  # works in the self-paced run, not in Spring
    Submission.objects.create(user=outsider, exercise=small.exercise, code=CODE)
    staff = Client()
    staff.force_login(instructor)
    spring = f"/admin/exercises/itempolicy/gradebook/{run.pk}/learner"
    for someone in (outsider, instructor):
        page = staff.get(f"{spring}/{someone.pk}/")
        assert page.status_code == 404 and someone.username not in page.content.decode()
        override = {"exercise": small.exercise.pk, "score": "1", "reason": "Not theirs"}
        assert staff.post(f"{spring}/{someone.pk}/", override).status_code == 404
    assert staff.get(f"{spring}/{learner.pk}/").status_code == 200
    # Nobody enrolls in the self-paced run: whoever worked there is its learner.
    self_paced = default_run(small.course)
    url = f"/admin/exercises/itempolicy/gradebook/{self_paced.pk}/learner/{outsider.pk}/"
    assert staff.get(url).status_code == 200
    with pytest.raises(ValidationError, match="not a learner of this run"):
        override_grade(
            run=run, user=outsider, exercise=small.exercise, score=1.0, reason="r",
            set_by=instructor,
        )  # fmt: skip
    assert not GradeOverride.objects.exists()


def arabic_indic(number: int) -> str:
    """Return `number` in Arabic-Indic digits, which int() reads as the same number."""
    return "".join(chr(0x660 + int(digit)) for digit in str(number))


@pytest.mark.parametrize("raw", ["²", "١", "id-in-arabic-indic", "1²", " 1", "-1", "9" * 30])
def test_an_override_names_its_exercise_in_ascii_digits_only(setting, raw):
    small, run, learner, _, _ = setting
    if raw == "id-in-arabic-indic":
        raw = arabic_indic(small.exercise.pk)
    instructor = make_staff(run=run, username="prof")
    staff = Client()
    staff.force_login(instructor)
    url = f"/admin/exercises/itempolicy/gradebook/{run.pk}/learner/{learner.pk}/"
    response = staff.post(url, {"exercise": raw, "score": "1", "reason": "Typo in spec"})
    assert response.status_code == 400 and "Choose an exercise" in response.content.decode()
    assert not GradeOverride.objects.exists()
    response = staff.post(url, {"exercise": str(small.exercise.pk), "score": "1", "reason": "r"})
    assert response.status_code == 302 and GradeOverride.objects.get().exercise == small.exercise


FORMULA_NAMES = ["+A1+B1", "-2+3", "@A1", "=cmd", "\tA1", "\r=A1"]


def test_the_gradebook_csv_never_starts_a_cell_with_a_formula(setting):
    small, run, learner, _, _ = setting
    for name in FORMULA_NAMES:
        enroll(user=make_user(name), run=run)
    instructor = make_staff(run=run, username="prof")
    staff = Client()
    staff.force_login(instructor)
    response = staff.get(f"/admin/exercises/itempolicy/gradebook/{run.pk}.csv")
    assert response.content.decode() == run_gradebook_csv(run)
    rows = list(csv.reader(io.StringIO(run_gradebook_csv(run), newline="")))
    names = {row[0] for row in rows[1:]}
    assert names == {"lea"} | {"'" + name for name in FORMULA_NAMES}
    for row in rows:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row), row


def test_local_due_names_the_zone_in_winter_too():
    small = make_small_course()
    run = Run.objects.create(
        course=small.course, slug="w", title="W", join_code="w", time_zone="Europe/Berlin"
    )
    rule = policy(run, small.exercise, due_at=datetime(2027, 1, 10, 22, 0, tzinfo=UTC))
    assert local_due(rule) == "Sun 10 Jan 2027, 23:00 CET (Europe/Berlin)"
    assert Enrollment.objects.count() == 0
