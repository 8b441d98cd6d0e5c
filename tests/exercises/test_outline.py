"""Course progress counts and the "continue where you left off" link."""

import pytest

from courses.services import answer_question, mark_lesson_read
from exercises.models import Submission
from exercises.outline import progress
from tests.factories import make_exercise, make_user

pytestmark = pytest.mark.django_db


def right_choice(question):
    return [question.choices.get(is_correct=True).id]


def test_new_learner_has_done_nothing(learner, small):
    counts = progress(user=learner, course=small.course)
    assert (counts.lessons_read, counts.lessons_total) == (0, 2)
    assert (counts.questions_correct, counts.questions_total) == (0, 3)
    assert (counts.exercises_passed, counts.exercises_total) == (0, 1)


def test_progress_counts_reads_correct_questions_and_passed_submissions(learner, small):
    mark_lesson_read(user=learner, lesson=small.lessons[0])
    mark_lesson_read(user=learner, lesson=small.lessons[0])
    answer_question(user=learner, question=small.single, choice_ids=right_choice(small.single))
    answer_question(user=learner, question=small.single, choice_ids=right_choice(small.single))
    partial = [small.multiple.choices.filter(is_correct=True).first().id]
    answer_question(user=learner, question=small.multiple, choice_ids=partial)
    Submission.objects.create(user=learner, exercise=small.exercise, code="", status="failed")
    Submission.objects.create(
        user=learner, exercise=small.exercise, code="", status="passed", kind="run"
    )
    counts = progress(user=learner, course=small.course)
    assert (counts.lessons_read, counts.questions_correct, counts.exercises_passed) == (1, 1, 0)
    Submission.objects.create(user=learner, exercise=small.exercise, code="", status="passed")
    Submission.objects.create(user=learner, exercise=small.exercise, code="", status="passed")
    counts = progress(user=learner, course=small.course)
    assert counts.exercises_passed == 1
    assert (counts.done, counts.total) == (3, 6)


def test_another_learners_work_does_not_count(learner, small):
    bob = make_user("bob")
    mark_lesson_read(user=bob, lesson=small.lessons[0])
    answer_question(user=bob, question=small.single, choice_ids=right_choice(small.single))
    assert progress(user=learner, course=small.course).done == 0


def test_unpublished_exercises_are_not_counted(learner, small):
    make_exercise(small.lessons[1], "draft", published=False)
    assert progress(user=learner, course=small.course).exercises_total == 1


def test_course_page_shows_the_progress_bar(alice, learner, small):
    mark_lesson_read(user=learner, lesson=small.lessons[0])
    page = alice.get(small.course.get_absolute_url()).content.decode()
    assert '<progress id="course-progress" max="6" value="1"' in page
    assert "1</strong> of 2 lessons read" in page
    assert "0</strong> of 3 questions answered correctly" in page
    assert "0</strong> of 1 exercises passed" in page


def test_continue_link_starts_with_the_first_lesson(alice, small):
    response = alice.get(small.course.get_absolute_url())
    assert response.context["next_item"].url == small.lessons[0].get_absolute_url()
    assert "Start the course" in response.content.decode()


def test_continue_link_points_at_the_first_unanswered_question_of_the_last_lesson(
    alice, learner, small
):
    mark_lesson_read(user=learner, lesson=small.lessons[0])
    answer_question(user=learner, question=small.single, choice_ids=right_choice(small.single))
    response = alice.get(small.course.get_absolute_url())
    assert response.context["next_item"].url.endswith("#question-multiple")
    assert "Continue where you left off" in response.content.decode()


def test_continue_link_moves_on_after_the_last_visited_lesson(alice, learner, small):
    mark_lesson_read(user=learner, lesson=small.lessons[1])
    next_item = alice.get(small.course.get_absolute_url()).context["next_item"]
    assert next_item.url == small.exercise.get_absolute_url()
    Submission.objects.create(user=learner, exercise=small.exercise, code="", status="passed")
    # Everything after the last visited lesson is done: wrap round to the first gap.
    next_item = alice.get(small.course.get_absolute_url()).context["next_item"]
    assert next_item.url == small.lessons[0].get_absolute_url()


def test_anonymous_course_page_has_no_progress_but_a_login_link(client, small):
    page = client.get(small.course.get_absolute_url()).content.decode()
    assert "<progress" not in page
    assert "/accounts/login/" in page
