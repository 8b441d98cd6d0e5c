"""Learners' submissions and answers are never destroyed through content edits: inline DELETE
boxes refuse, the delete pages say to unpublish instead, and the database itself protects."""

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import ProtectedError

from courses.models import Choice, Lesson, Question, QuestionAttempt
from courses.services import answer_question
from exercises.models import Exercise, Submission
from tests.factories import make_user

# Each test starts and ends with an empty cache (sign-up counts live there).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]


def inline_data(prefix: str, objects, fields, delete_pk: int) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(objects)),
        f"{prefix}-INITIAL_FORMS": str(len(objects)),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, obj in enumerate(objects):
        data[f"{prefix}-{i}-id"] = str(obj.pk)
        for name in fields:
            value = getattr(obj, name)
            if isinstance(value, bool):
                if value:
                    data[f"{prefix}-{i}-{name}"] = "on"
            else:
                data[f"{prefix}-{i}-{name}"] = str(value)
        if obj.pk == delete_pk:
            data[f"{prefix}-{i}-DELETE"] = "on"
    return data


def test_the_course_page_refuses_to_delete_a_lesson_with_submissions(instructor_client, small):
    Submission.objects.create(user=make_user(), exercise=small.exercise, code="x")
    course = small.course
    lessons = list(course.lessons.order_by("order", "id"))
    data = {"title": course.title, "slug": course.slug, "summary": course.summary,
            "order": course.order, "published": "on"}  # fmt: skip
    target = small.exercise.lesson
    data |= inline_data("lessons", lessons, ("order", "slug", "title"), target.pk)
    response = instructor_client.post(f"/admin/courses/course/{course.pk}/change/", data)
    assert response.status_code == 200
    assert "protected related objects: submission #" in response.text
    assert Lesson.objects.filter(pk=target.pk).exists()
    assert Submission.objects.count() == 1


def test_the_question_page_refuses_to_delete_a_chosen_option(instructor_client, small):
    question = small.single
    right = question.choices.get(is_correct=True)
    answer_question(user=make_user(), question=question, choice_ids=[right.id])
    data = {"lesson": question.lesson_id, "order": question.order, "slug": question.slug,
            "kind": question.kind, "prompt": question.prompt, "explanation": "",
            "tolerance": question.tolerance, "parameters_code": "", "answer_code": "",
            "absolute_tolerance": question.absolute_tolerance, "solution": ""}  # fmt: skip
    choices = list(question.choices.order_by("order", "id"))
    data |= inline_data("choices", choices, ("order", "text", "is_correct", "feedback"), right.pk)
    response = instructor_client.post(f"/admin/courses/question/{question.pk}/change/", data)
    assert response.status_code == 200
    assert "cannot be deleted here" in response.text
    assert Choice.objects.filter(pk=right.pk).exists()
    assert QuestionAttempt.objects.get().chosen.filter(pk=right.pk).exists()


def test_an_unchosen_option_can_still_be_deleted(instructor_client, small):
    question = small.single
    wrong = question.choices.get(is_correct=False)
    data = {"lesson": question.lesson_id, "order": question.order, "slug": question.slug,
            "kind": question.kind, "prompt": question.prompt, "explanation": "",
            "tolerance": question.tolerance, "parameters_code": "", "answer_code": "",
            "absolute_tolerance": question.absolute_tolerance, "solution": ""}  # fmt: skip
    choices = list(question.choices.order_by("order", "id"))
    data |= inline_data("choices", choices, ("order", "text", "is_correct", "feedback"), wrong.pk)
    data |= {"mistakes-TOTAL_FORMS": "0", "mistakes-INITIAL_FORMS": "0"}
    response = instructor_client.post(f"/admin/courses/question/{question.pk}/change/", data)
    assert response.status_code == 302
    assert not Choice.objects.filter(pk=wrong.pk).exists()


def test_the_delete_page_of_content_with_learner_work_says_to_unpublish(small):
    Submission.objects.create(user=make_user(), exercise=small.exercise, code="x")
    from django.test import Client

    root = Client()
    root.force_login(User.objects.create_superuser("root", password="pw"))
    for url in (
        f"/admin/exercises/exercise/{small.exercise.pk}/delete/",
        f"/admin/courses/course/{small.course.pk}/delete/",
    ):
        page = root.get(url)
        assert page.status_code == 200 and "Unpublish" in page.text
        assert root.post(url, {"post": "yes"}).status_code == 200
    assert Exercise.objects.filter(pk=small.exercise.pk).exists()
    assert Submission.objects.count() == 1


def test_the_database_protects_submissions_attempts_and_chosen_options(small):
    learner = make_user()
    Submission.objects.create(user=learner, exercise=small.exercise, code="x")
    right = small.single.choices.get(is_correct=True)
    answer_question(user=learner, question=small.single, choice_ids=[right.id])
    with pytest.raises(ProtectedError):
        small.exercise.delete()
    with pytest.raises(ProtectedError):
        Question.objects.get(pk=small.single.pk).delete()
    with pytest.raises(ProtectedError), transaction.atomic():
        right.delete()
    with pytest.raises(ProtectedError):
        small.course.delete()


def test_an_import_that_would_drop_an_exercise_with_submissions_is_refused(tmp_path):
    import shutil

    from django.core.management import CommandError, call_command

    from tests.exercises.course_folder import SMALL_COURSE, write_tree

    folder = write_tree(tmp_path / "course", SMALL_COURSE)
    call_command("import_course", str(folder))
    exercise = Exercise.objects.get(slug="scale")
    Submission.objects.create(user=make_user(), exercise=exercise, code="x")
    shutil.rmtree(folder / "exercises" / "scale")
    with pytest.raises(CommandError, match="Learners' work is never deleted by an import"):
        call_command("import_course", str(folder))
    assert Exercise.objects.filter(slug="scale").exists()
    assert Submission.objects.count() == 1
