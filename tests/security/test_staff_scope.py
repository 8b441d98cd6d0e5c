"""Staff see what they teach, and nothing of another course: not its question answers through
the admin's previews, not its unpublished lessons or exercises on the learner pages or the API.
(Any LMS instructor becomes staff on their first launch, so "staff" alone proves nothing.)"""

import pytest
from django.test import Client

from tests.factories import (
    make_course,
    make_exercise,
    make_lesson,
    make_numeric_question,
    make_staff,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(db):
    """Another, unpublished course: a lesson, a numeric question and an exercise."""
    course = make_course("draft-course", published=False)
    lesson = make_lesson(course, "draft-lesson")
    return {
        "course": course,
        "lesson": lesson,
        "numeric": make_numeric_question(lesson, "draft-numeric"),
        "exercise": make_exercise(lesson, "draft-exercise", published=False),
    }


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def preview(client: Client, question) -> tuple[int, object]:
    response = client.post("/admin/courses/question/numeric-preview/", {"question": question.pk})
    return response.status_code, response


def test_the_numeric_preview_of_another_courses_question_is_not_found(small, draft):
    teacher = signed_in(make_staff(small.course))
    status, response = preview(teacher, draft["numeric"])
    assert status == 404
    assert str(draft["numeric"].variants.get(index=0).answer) not in response.content.decode()
    # Their own course's question still previews.
    status, response = preview(teacher, small.numeric)
    assert status == 200 and response.json()["count"] > 0
