"""Import a course folder: an idempotent upsert by slug, in one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from courses import figures
from courses.models import Choice, Course, Lesson, Question, QuestionMistake
from exercises import tasks
from exercises.course_files.read import read_course_folder
from exercises.course_files.schema import CourseData, CourseFolderError, ExerciseData, QuestionData
from exercises.models import Exercise, KnownMistake, MistakeVariant
from exercises.signals import variant_requests_deferred


@dataclass
class ImportSummary:
    """What an import did, counted per kind of record."""

    course: Course
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    checked: dict[str, int] = field(default_factory=dict)

    def count(self, bucket: dict[str, int], kind: str, n: int = 1) -> None:
        bucket[kind] = bucket.get(kind, 0) + n

    def lines(self) -> list[str]:
        """Return one human-readable line per kind of change."""
        out = []
        for label, bucket in (
            ("created", self.created),
            ("updated", self.updated),
            ("removed", self.removed),
            ("reference checked", self.checked),
        ):
            if bucket:
                parts = ", ".join(f"{n} {kind}" for kind, n in sorted(bucket.items()))
                out.append(f"{label}: {parts}")
        return out


def import_course(*, path: str | Path) -> ImportSummary:
    """Upsert the course folder at `path` by slug in one transaction; raise CourseFolderError."""
    data = read_course_folder(path)
    with transaction.atomic():
        _check_against_database(data)
        course, created = Course.objects.get_or_create(
            slug=data.slug, defaults={"title": data.title}
        )
        summary = ImportSummary(course=course)
        if created:
            summary.count(summary.created, "course")
        values = {"title": data.title, "summary": data.summary, "published": data.published}
        if created or any(getattr(course, k) != v for k, v in values.items()):
            Course.objects.filter(pk=course.pk).update(**values)
            course.refresh_from_db()
            if not created:
                summary.count(summary.updated, "course")
        lessons = _import_lessons(course, data, summary)
        with variant_requests_deferred():
            _import_questions(course, data, lessons, summary)
        # One request for the whole course: the bulk worker computes every stale pool (and
        # beat catches up if no broker runs now, e.g. `make run` imports before starting it).
        tasks.prepare_variant_pools.delay_on_commit(course.pk)
        _import_exercises(course, data, lessons, summary)
        figures.import_figures(course, data.figures, summary)
        _check_published_exercises(data, summary)
    return summary


def _check_against_database(data: CourseData) -> None:
    taken = (
        Exercise.objects.filter(slug__in=[e.slug for e in data.exercises])
        .exclude(lesson__course__slug=data.slug)
        .select_related("lesson__course")
    )
    problems = [
        f"exercises/{exercise.slug}: the slug is already used by an exercise of course "
        f"{exercise.lesson.course.slug!r} (exercise slugs are unique across courses)"
        for exercise in taken
    ]
    if problems:
        raise CourseFolderError(problems)


def _upsert(model_label: str, summary: ImportSummary, instance: Any, values: dict) -> Any:
    changed = instance.pk is None or any(
        getattr(instance, name) != value for name, value in values.items()
    )
    for name, value in values.items():
        setattr(instance, name, value)
    if instance.pk is None:
        instance.save()
        summary.count(summary.created, model_label)
    elif changed:
        instance.save()
        summary.count(summary.updated, model_label)
    return instance


def _remove(model_label: str, summary: ImportSummary, rows: Iterable[Any]) -> None:
    """Delete the rows the folder no longer has, counting them."""
    for row in rows:
        row.delete()
        summary.count(summary.removed, model_label)


def _import_lessons(course: Course, data: CourseData, summary: ImportSummary) -> dict[str, Lesson]:
    existing = {lesson.slug: lesson for lesson in course.lessons.all()}
    lessons = {}
    for item in data.lessons:
        lesson = existing.pop(item.slug, None) or Lesson(course=course, slug=item.slug)
        lessons[item.slug] = _upsert(
            "lessons",
            summary,
            lesson,
            {"title": item.title, "body": item.body, "order": item.order},
        )
    _remove("lessons", summary, existing.values())
    return lessons


def _import_questions(
    course: Course, data: CourseData, lessons: dict[str, Lesson], summary: ImportSummary
) -> None:
    # Looked up by slug across the course (a file name is unique there), so a question moved
    # to another lesson keeps its id and its learners' attempts.
    existing: dict[str, Question] = {}
    for question in Question.objects.filter(lesson__course=course).order_by("id"):
        if question.slug in existing:
            question.delete()
            summary.count(summary.removed, "questions")
        else:
            existing[question.slug] = question
    for item in data.questions:
        question = existing.pop(item.slug, None) or Question(slug=item.slug)
        _upsert(
            "questions",
            summary,
            question,
            {
                "lesson": lessons[item.lesson],
                "order": item.order,
                "kind": item.kind,
                "prompt": item.prompt,
                "explanation": item.explanation,
                "tolerance": item.tolerance,
                "absolute_tolerance": item.absolute_tolerance,
                "parameters_code": item.parameters_code,
                "answer_code": item.answer_code,
                "solution": item.solution,
            },
        )
        _import_choices(question, item, summary)
        _import_question_mistakes(question, item, summary)
    _remove("questions", summary, existing.values())


def _import_question_mistakes(
    question: Question, item: QuestionData, summary: ImportSummary
) -> None:
    existing = {m.slug: m for m in question.mistakes.all()}
    for position, data in enumerate(item.mistakes):
        mistake = existing.pop(data.slug, None) or QuestionMistake(
            question=question, slug=data.slug
        )
        _upsert(
            "question mistakes",
            summary,
            mistake,
            {"message": data.message, "code": data.code, "order": position},
        )
    _remove("question mistakes", summary, existing.values())


def _import_choices(question: Question, item: QuestionData, summary: ImportSummary) -> None:
    # Replaced in order, reusing rows by position so that learners' chosen options survive an
    # edit of a choice's wording.
    current = list(question.choices.order_by("order", "id"))
    for position, choice_data in enumerate(item.choices):
        choice = current[position] if position < len(current) else Choice(question=question)
        _upsert(
            "choices",
            summary,
            choice,
            {
                "text": choice_data.text,
                "is_correct": choice_data.correct,
                "feedback": choice_data.feedback,
                "order": position,
            },
        )
    _remove("choices", summary, current[len(item.choices) :])


def _import_exercises(
    course: Course, data: CourseData, lessons: dict[str, Lesson], summary: ImportSummary
) -> None:
    existing = {e.slug: e for e in Exercise.objects.filter(lesson__course=course)}
    for item in data.exercises:
        exercise = existing.pop(item.slug, None) or Exercise(slug=item.slug)
        _upsert(
            "exercises",
            summary,
            exercise,
            {
                "lesson": lessons[item.lesson],
                "title": item.title,
                "order": item.order,
                "entry_point": item.entry_point,
                "returns": item.returns,
                "prompt": item.prompt,
                "starter_code": item.starter_code,
                "reference_code": item.reference_code,
                "cases_code": item.cases_code,
                "rtol": item.rtol,
                "atol": item.atol,
                "time_limit_ms": item.time_limit_ms,
                "memory_mb": item.memory_mb,
                "published": item.published,
            },
        )
        _import_mistakes(exercise, item, summary)
    _remove("exercises", summary, existing.values())


def _import_mistakes(exercise: Exercise, item: ExerciseData, summary: ImportSummary) -> None:
    existing = {m.slug: m for m in exercise.mistakes.all()}
    for position, mistake_data in enumerate(item.mistakes):
        mistake = existing.pop(mistake_data.slug, None) or KnownMistake(
            exercise=exercise, slug=mistake_data.slug
        )
        _upsert(
            "known mistakes",
            summary,
            mistake,
            {
                "title": mistake_data.title,
                "message": mistake_data.message,
                "code": mistake_data.code,
                "order": position,
            },
        )
        _import_variants(mistake, mistake_data.variants, summary)
    _remove("known mistakes", summary, existing.values())


def _import_variants(
    mistake: KnownMistake, variants: list[tuple[str, str]], summary: ImportSummary
) -> None:
    existing = {v.name: v for v in mistake.variants.all()}
    for position, (name, code) in enumerate(variants):
        variant = existing.pop(name, None) or MistakeVariant(mistake=mistake, name=name)
        _upsert("mistake variants", summary, variant, {"code": code, "order": position})
    _remove("mistake variants", summary, existing.values())


def _check_published_exercises(data: CourseData, summary: ImportSummary) -> None:
    """Run the reference check of each published exercise whose last check is not current.

    A published exercise whose check fails makes the whole import fail: learners must never
    see an exercise whose reference does not pass its own cases.
    """
    from exercises.authoring import CheckState, check_state, summarise_report
    from exercises.grading import check_exercise_reference
    from grader.sandbox import SandboxUnavailable

    problems = []
    for item in data.exercises:
        if not item.published:
            continue
        exercise = Exercise.objects.get(slug=item.slug)
        if check_state(exercise) == CheckState.PASSED:
            continue
        try:
            report = check_exercise_reference(exercise_id=exercise.pk)
        except SandboxUnavailable as exc:
            problems.append(
                f"exercises/{item.slug}: could not run its reference check ({exc}); "
                "import it with published: false or try again"
            )
            continue
        summary.count(summary.checked, "exercises")
        if not report.ok:
            problems.append(
                f"exercises/{item.slug}/exercise.yaml: field 'published': true, but the "
                f"reference check fails: {summarise_report(report.to_dict())}"
            )
    if problems:
        raise CourseFolderError(problems)
