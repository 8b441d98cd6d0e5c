"""Runs, enrollment, staff roles per run, and the data migration into the default run."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from courses.figures import Figure
from courses.models import Enrollment, QuestionAttempt, Run
from courses.runs import current_run, default_run, enroll, join_run
from courses.services import answer_question
from exercises.models import GradeOverride, ItemPolicy, Submission
from exercises.outline import progress
from tests.factories import make_small_course, make_staff, make_user

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_self_paced_learners_work_in_the_default_run_and_a_join_code_moves_them():
    small = make_small_course()
    learner = make_user()
    run = default_run(small.course)
    assert run.is_default and run.enrollment == Run.Enrollment.OPEN
    right = small.single.choices.get(is_correct=True)
    first = answer_question(user=learner, question=small.single, choice_ids=[right.id])
    assert first.run == run
    spring = Run.objects.create(
        course=small.course, slug="spring", title="Spring 2027", join_code="RNN-42"
    )
    with pytest.raises(ValidationError, match="join code"):
        join_run(user=learner, course=small.course, code="wrong")
    join_run(user=learner, course=small.course, code="rnn-42")
    assert current_run(learner, small.course) == spring
    # Progress is per run: the answer in the self-paced run does not count in Spring.
    assert progress(user=learner, course=small.course).questions_correct == 0
    assert progress(user=learner, course=small.course, run=run).questions_correct == 1
    second = answer_question(user=learner, question=small.single, choice_ids=[right.id])
    assert second.run == spring


def test_the_course_page_joins_with_a_code_and_names_the_run(client):
    small = make_small_course()
    Run.objects.create(course=small.course, slug="s", title="Spring 2027", join_code="abc")
    learner = make_user()
    client.force_login(learner)
    page = client.get(small.course.get_absolute_url()).content.decode()
    assert "Join code" in page and "Your run" not in page
    response = client.post(f"/courses/{small.course.slug}/join/", {"code": "nope"}, follow=True)
    assert "No current run of this course has that join code" in response.content.decode()
    response = client.post(f"/courses/{small.course.slug}/join/", {"code": "abc"}, follow=True)
    page = response.content.decode()
    assert "You are in Spring 2027" in page and "Your run: <strong>Spring 2027" in page


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_existing_answers_and_submissions_into_the_default_run():
    executor = MigrationExecutor(connection)
    before = [("courses", "0004_figures"), ("exercises", "0005_mistake_variants")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    course = old.get_model("courses", "Course").objects.create(slug="old", title="Old")
    lesson = old.get_model("courses", "Lesson").objects.create(course=course, slug="l", body="")
    question = old.get_model("courses", "Question").objects.create(lesson=lesson, slug="q")
    user = old.get_model("auth", "User").objects.create(username="veteran")
    old.get_model("courses", "QuestionAttempt").objects.create(user=user, question=question)
    exercise = old.get_model("exercises", "Exercise").objects.create(
        lesson=lesson, slug="old-ex", entry_point="f", reference_code="", cases_code=""
    )
    old.get_model("exercises", "Submission").objects.create(user=user, exercise=exercise, code="")
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    run = Run.objects.get(course_id=course.id)
    assert run.is_default and run.enrollment == Run.Enrollment.OPEN
    assert QuestionAttempt.objects.get(user_id=user.id).run_id == run.id
    assert Submission.objects.get(user_id=user.id).run_id == run.id


@pytest.fixture
def two_courses():
    a = make_small_course("course-a")
    a.exercise.slug = "add-one-a"  # exercise slugs are unique across courses
    a.exercise.save()
    b = make_small_course("course-b")
    learner_a, learner_b = make_user("learner-a"), make_user("learner-b")
    for small, learner in ((a, learner_a), (b, learner_b)):
        Submission.objects.create(user=learner, exercise=small.exercise, code="x = 1\n")
        right = small.single.choices.get(is_correct=True)
        answer_question(user=learner, question=small.single, choice_ids=[right.id])
    instructor = make_staff(a.course, "prof-a")
    ta = make_staff(a.course, "ta-a", role=Enrollment.Role.TA)
    return a, b, instructor, ta


def test_an_instructor_of_course_a_sees_nothing_of_course_b(two_courses):
    a, b, instructor, _ = two_courses
    client = client_for(instructor)
    lists = {
        "/admin/courses/course/": ("course-a", "course-b"),
        "/admin/courses/lesson/": (f"/{a.lessons[0].pk}/", f"/{b.lessons[0].pk}/"),
        "/admin/exercises/exercise/": (f"/{a.exercise.pk}/", f"/{b.exercise.pk}/"),
        "/admin/exercises/submission/": ("learner-a", "learner-b"),
        "/admin/courses/questionattempt/": ("learner-a", "learner-b"),
        "/admin/courses/run/": (f"/{default_run(a.course).pk}/", f"/{default_run(b.course).pk}/"),
    }
    for url, (mine, theirs) in lists.items():
        page = client.get(url)
        assert page.status_code == 200, url
        assert mine in page.content.decode() and theirs not in page.content.decode(), url
    run_b = default_run(b.course)
    submission_b = Submission.objects.get(exercise=b.exercise)
    for url in (
        f"/admin/courses/course/{b.course.pk}/change/",
        f"/admin/courses/lesson/{b.lessons[0].pk}/change/",
        f"/admin/exercises/exercise/{b.exercise.pk}/change/",
        f"/admin/exercises/exercise/{b.exercise.pk}/stats/",
        f"/admin/courses/question/{b.single.pk}/stats/",
        f"/admin/exercises/submission/{submission_b.pk}/change/",
        f"/admin/courses/run/{run_b.pk}/change/",
        f"/admin/exercises/itempolicy/gradebook/{run_b.pk}/",
        f"/admin/exercises/itempolicy/gradebook/{run_b.pk}.csv",
        f"/admin/exercises/itempolicy/gradebook/{run_b.pk}/learner/{submission_b.user_id}/",
    ):
        response = client.get(url)
        assert response.status_code in (403, 404), url
        assert "learner-b" not in response.content.decode(), url
    response = client.post(f"/admin/exercises/exercise/{b.exercise.pk}/check/", follow=False)
    assert response.status_code == 404
    # Their own course's pages work.
    run_a = default_run(a.course)
    assert client.get(f"/admin/exercises/itempolicy/gradebook/{run_a.pk}/").status_code == 200
    assert client.get(f"/admin/exercises/exercise/{a.exercise.pk}/change/").status_code == 200
    assert client.get(f"/admin/exercises/exercise/{a.exercise.pk}/stats/").status_code == 200


def rows_of(small, learner, instructor) -> dict[str, Model]:
    """Return one row of the course per model the admin registers in our apps."""
    run = default_run(small.course)
    return {
        "courses.course": small.course,
        "courses.lesson": small.lessons[0],
        "courses.question": small.single,
        "courses.figure": Figure.objects.create(course=small.course, name="f.svg", svg="<svg/>"),
        "courses.run": run,
        "courses.questionattempt": QuestionAttempt.objects.get(user=learner),
        "exercises.exercise": small.exercise,
        "exercises.knownmistake": small.exercise.mistakes.first(),
        "exercises.submission": Submission.objects.get(user=learner),
        "exercises.itempolicy": ItemPolicy.objects.create(run=run, exercise=small.exercise),
        "exercises.gradeoverride": GradeOverride.objects.create(
            run=run, user=learner, exercise=small.exercise, score=1, reason="r", set_by=instructor
        ),
    }


def admin_url(label: str, page: str, pk: int) -> str:
    return reverse(f"admin:{label.replace('.', '_')}_{page}", args=[pk])


def test_every_admin_page_of_another_courses_row_is_not_found(two_courses):
    a, b, instructor, ta = two_courses
    theirs = rows_of(b, User.objects.get(username="learner-b"), make_staff(b.course))
    mine = rows_of(a, User.objects.get(username="learner-a"), instructor)
    registered = {
        model._meta.label_lower
        for model in admin.site._registry
        if model._meta.app_label in ("courses", "exercises")
    }
    assert registered == set(theirs), "a newly registered model needs a row here"
    leaks = []
    for user in (instructor, ta):
        client = client_for(user)
        for label, row in theirs.items():
            for page in ("change", "delete", "history"):
                url = admin_url(label, page, row.pk)
                response = client.get(url)
                if response.status_code not in (403, 404):
                    leaks.append((user.username, url, response.status_code))
            # Deleting by POST is refused too, and the row stays.
            response = client.post(admin_url(label, "delete", row.pk), {"post": "yes"})
            if response.status_code not in (403, 404) or not type(row).objects.filter(pk=row.pk):
                leaks.append((user.username, f"POST delete {label}", response.status_code))
    assert leaks == []
    # The same pages of their own course open (figures are the superuser's).
    client = client_for(instructor)
    for label, row in mine.items():
        expected = 403 if label == "courses.figure" else 200
        for page in ("change", "history"):
            assert client.get(admin_url(label, page, row.pk)).status_code == expected, label


def test_a_ta_sees_submissions_stats_and_gradebook_but_changes_no_content(two_courses):
    a, _, _, ta = two_courses
    client = client_for(ta)
    run_a = default_run(a.course)
    assert "learner-a" in client.get("/admin/exercises/submission/").content.decode()
    assert client.get(f"/admin/exercises/exercise/{a.exercise.pk}/stats/").status_code == 200
    book = client.get(f"/admin/exercises/itempolicy/gradebook/{run_a.pk}/")
    assert book.status_code == 200 and "learner-a" in book.content.decode()
    change = client.get(f"/admin/exercises/exercise/{a.exercise.pk}/change/")
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()  # read-only view
    title = a.exercise.title
    response = client.post(
        f"/admin/exercises/exercise/{a.exercise.pk}/change/", {"title": "Hacked"}
    )
    assert response.status_code == 403
    a.exercise.refresh_from_db()
    assert a.exercise.title == title
    assert client.post(f"/admin/courses/lesson/{a.lessons[0].pk}/delete/").status_code == 403
    assert client.get("/admin/exercises/exercise/add/").status_code == 403
    learner = Submission.objects.get(exercise=a.exercise).user
    override = client.post(
        f"/admin/exercises/itempolicy/gradebook/{run_a.pk}/learner/{learner.pk}/",
        {"exercise": a.exercise.pk, "score": "1", "reason": "TA tries"},
    )
    assert override.status_code == 403


def test_a_runs_staff_see_its_people_but_not_those_of_the_courses_other_runs():
    small = make_small_course()
    spring = Run.objects.create(course=small.course, slug="spring", title="Spring", join_code="s")
    autumn = Run.objects.create(course=small.course, slug="autumn", title="Autumn", join_code="a")
    enroll(user=make_user("spring-learner"), run=spring)
    enroll(user=make_user("autumn-learner"), run=autumn)
    instructor = make_staff(run=spring, username="prof-spring")
    ta = make_staff(run=spring, username="ta-spring", role=Enrollment.Role.TA)
    for user in (instructor, ta):
        client = client_for(user)
        page = client.get(f"/admin/courses/run/{spring.pk}/change/")
        assert page.status_code == 200 and "spring-learner" in page.content.decode()
        other = client.get(f"/admin/courses/run/{autumn.pk}/change/")
        assert other.status_code == 200  # the course's author may see the run's dates
        assert "autumn-learner" not in other.content.decode(), user
    # Nor can the instructor put themselves into the other run through its page.
    form = {
        "course": small.course.pk, "slug": "autumn", "title": "Autumn", "time_zone": "UTC",
        "enrollment": "code", "join_code": "a",
        "enrollments-TOTAL_FORMS": 1, "enrollments-INITIAL_FORMS": 0,
        "enrollments-MIN_NUM_FORMS": 0, "enrollments-MAX_NUM_FORMS": 1000,
        "enrollments-0-user": instructor.pk, "enrollments-0-role": "instructor",
        "enrollments-0-source": "staff",
    }  # fmt: skip
    response = client_for(instructor).post(f"/admin/courses/run/{autumn.pk}/change/", form)
    assert response.status_code == 302
    assert list(autumn.enrollments.values_list("user__username", flat=True)) == ["autumn-learner"]
