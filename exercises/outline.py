"""Reads that combine courses and exercises: the course outline, progress, open exercises.

`courses` knows nothing of exercises, so what a learner sees of both together is read here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, Q, QuerySet

from courses.models import Course, Lesson, LessonRead, Question, QuestionAttempt, Run
from courses.runs import current_run, taught_courses
from exercises.models import Exercise, Submission


def visible_exercises(user: AbstractBaseUser) -> QuerySet[Exercise]:
    """Return the exercises `user` may open: published in a published course, and every
    exercise of the courses they teach."""
    exercises = Exercise.objects.select_related("lesson__course")
    if getattr(user, "is_superuser", False):
        return exercises
    published = Q(published=True, lesson__course__published=True)
    if getattr(user, "is_staff", False):
        return exercises.filter(published | Q(lesson__course__in=taught_courses(user)))
    return exercises.filter(published)


def course_outline(user: AbstractBaseUser, course: Course) -> list[Lesson]:
    """Return the course's lessons with their questions and open exercises prefetched."""
    return list(
        course.lessons.prefetch_related(
            "questions",
            Prefetch("exercises", queryset=visible_exercises(user), to_attr="open_exercises"),
        )
    )


@dataclass
class OutlineItem:
    kind: str  # "lesson", "question" or "exercise"
    title: str
    url: str
    done: bool
    lesson_id: int


def outline_items(
    user: AbstractBaseUser, lessons: list[Lesson], run: Run | None = None
) -> list[OutlineItem]:
    """Flatten the outline into lesson, its questions, its exercises, in course order.

    Questions and exercises count as done in the learner's run (`run`, else their current
    run of the lessons' course); a lesson read is read in every run.
    """
    if run is None and lessons:
        run = current_run(user, lessons[0].course)
    read: set[int] = set()
    correct: set[int] = set()
    passed: set[int] = set()
    if user.is_authenticated:
        lesson_ids = [lesson.id for lesson in lessons]
        read = set(
            LessonRead.objects.filter(user=user, lesson_id__in=lesson_ids).values_list(
                "lesson_id", flat=True
            )
        )
        correct = set(
            QuestionAttempt.objects.filter(
                user=user, run=run, question__lesson_id__in=lesson_ids, is_correct=True
            ).values_list("question_id", flat=True)
        )
        passed = set(
            Submission.objects.filter(
                user=user,
                run=run,
                exercise__lesson_id__in=lesson_ids,
                kind=Submission.Kind.SUBMIT,
                status=Submission.Status.PASSED,
            ).values_list("exercise_id", flat=True)
        )
    items = []
    for lesson in lessons:
        url = lesson.get_absolute_url()
        items.append(OutlineItem("lesson", lesson.title, url, lesson.id in read, lesson.id))
        for number, question in enumerate(lesson.questions.all(), start=1):
            items.append(
                OutlineItem(
                    "question",
                    f"{lesson.title}: question {number}",
                    f"{url}#question-{question.slug}",
                    question.id in correct,
                    lesson.id,
                )
            )
        for exercise in lesson.open_exercises:
            items.append(
                OutlineItem(
                    "exercise",
                    exercise.title,
                    exercise.get_absolute_url(),
                    exercise.id in passed,
                    lesson.id,
                )
            )
    return items


def continue_item(
    user: AbstractBaseUser, course: Course, items: list[OutlineItem]
) -> OutlineItem | None:
    """Return the first item not done from the last lesson visited on (wrapping), or None."""
    if not items:
        return None
    start = 0
    if user.is_authenticated:
        last = (
            LessonRead.objects.filter(user=user, lesson__course=course)
            .order_by("-read_at", "-id")
            .values_list("lesson_id", flat=True)
            .first()
        )
        if last is not None:
            start = next((i for i, item in enumerate(items) if item.lesson_id == last), 0)
    for item in items[start:] + items[:start]:
        if not item.done:
            return item
    return None


@dataclass(frozen=True)
class Progress:
    lessons_read: int
    lessons_total: int
    questions_correct: int
    questions_total: int
    exercises_passed: int
    exercises_total: int

    @property
    def done(self) -> int:
        return self.lessons_read + self.questions_correct + self.exercises_passed

    @property
    def total(self) -> int:
        return self.lessons_total + self.questions_total + self.exercises_total


def progress(*, user: AbstractBaseUser, course: Course, run: Run | None = None) -> Progress:
    """Count what `user` has done in `course` (in `run`, else their current run): lessons
    read, questions right, exercises passed."""
    run = run or current_run(user, course)
    lessons = Lesson.objects.filter(course=course)
    questions = Question.objects.filter(lesson__course=course)
    exercises = Exercise.objects.filter(lesson__course=course, published=True)
    if user.is_authenticated:
        lessons_read = LessonRead.objects.filter(user=user, lesson__course=course).count()
        questions_correct = (
            QuestionAttempt.objects.filter(
                user=user, run=run, question__in=questions, is_correct=True
            )
            .values("question")
            .distinct()
            .count()
        )
        exercises_passed = (
            Submission.objects.filter(
                user=user,
                run=run,
                exercise__in=exercises,
                kind=Submission.Kind.SUBMIT,
                status=Submission.Status.PASSED,
            )
            .values("exercise")
            .distinct()
            .count()
        )
    else:
        lessons_read = questions_correct = exercises_passed = 0
    return Progress(
        lessons_read=lessons_read,
        lessons_total=lessons.count(),
        questions_correct=questions_correct,
        questions_total=questions.count(),
        exercises_passed=exercises_passed,
        exercises_total=exercises.count(),
    )
