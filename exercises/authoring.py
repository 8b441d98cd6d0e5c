"""Authoring services: the reference check's state, recording it, and publishing exercises.

An exercise may be published only while its last reference check passed on exactly the
version being published (`ExerciseSpec.version`: reference, cases, known mistakes, limits).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from exercises import tasks
from exercises.models import Exercise
from exercises.specs import exercise_spec
from grader.grading import KnownMistake

if TYPE_CHECKING:
    from grader.grading import ExerciseSpec

# A check still marked pending after this long is taken as lost (worker gone) and shown as
# stale, so an instructor can run it again.
CHECK_PENDING_FOR = timedelta(minutes=5)


class CheckState:
    """Where an exercise's reference check stands, as shown in the admin."""

    UNCHECKED = "unchecked"
    RUNNING = "running"
    PASSED = "passed"
    FAILED = "failed"
    STALE = "stale"

    LABELS = {
        UNCHECKED: "Not checked yet",
        RUNNING: "Check running…",
        PASSED: "Passed",
        FAILED: "Failed",
        STALE: "Stale: changed since the last check",
    }


def spec_for(exercise: Exercise, mistakes: Iterable[Any] | None = None) -> ExerciseSpec:
    """Return the grader's spec of `exercise`, optionally with other known mistakes."""
    spec = exercise_spec(exercise)
    if mistakes is None:
        return spec
    # A form that is not saved yet supplies its own known mistakes (the exercise is saved).
    return dataclasses.replace(
        spec,
        mistakes=tuple(
            KnownMistake(
                slug=m.slug,
                title=m.title,
                code=m.code,
                message=m.message,
                variants=_stored_variants(m),
            )
            for m in mistakes
        ),
    )


def _stored_variants(mistake: Any) -> tuple[tuple[str, str], ...]:
    """Return the saved further variants of a known mistake row (none for an unsaved one)."""
    if getattr(mistake, "pk", None) is None:
        return ()
    return tuple(mistake.variants.values_list("name", "code"))


def pending_check(exercise: Exercise) -> dict[str, Any] | None:
    """Return the marker of a check queued and not finished yet, or None."""
    pending = (exercise.check_report or {}).get("pending")
    if not isinstance(pending, dict):
        return None
    try:
        queued_at = timezone.datetime.fromisoformat(pending["queued_at"])
    except (KeyError, TypeError, ValueError):
        return None
    if timezone.now() - queued_at > CHECK_PENDING_FOR:
        return None
    return pending


def check_state(exercise: Exercise, spec: ExerciseSpec | None = None) -> str:
    """Return the CheckState of `exercise` as stored now."""
    if pending_check(exercise) is not None:
        return CheckState.RUNNING
    if exercise.check_status == Exercise.Check.UNCHECKED or not exercise.checked_version:
        return CheckState.UNCHECKED
    version = (spec or spec_for(exercise)).version
    if exercise.checked_version != version:
        return CheckState.STALE
    if exercise.check_status == Exercise.Check.PASSED:
        return CheckState.PASSED
    return CheckState.FAILED


def publish_problem(exercise: Exercise, spec: ExerciseSpec | None = None) -> str | None:
    """Return why `exercise` (as given, maybe unsaved) cannot be published, or None."""
    if exercise.pk is None:
        return "Save the exercise and run “Check reference” before publishing it."
    state = check_state(exercise, spec)
    if state == CheckState.PASSED:
        return None
    reasons = {
        CheckState.UNCHECKED: "its reference has not been checked yet",
        CheckState.RUNNING: "its reference check is still running",
        CheckState.FAILED: "its last reference check failed",
        CheckState.STALE: (
            "its reference, cases, known mistakes or limits changed since the last check"
        ),
    }
    return (
        f"{exercise.slug} cannot be published: {reasons[state]}. "
        "Run “Check reference” and publish once it passes."
    )


def publish_exercise(*, exercise: Exercise) -> Exercise:
    """Publish `exercise` if its reference check passed on its current version."""
    with transaction.atomic():
        exercise = Exercise.objects.select_for_update().get(pk=exercise.pk)
        problem = publish_problem(exercise)
        if problem is not None:
            raise ValidationError(problem)
        if not exercise.published:
            exercise.published = True
            exercise.save(update_fields=["published", "updated_at"])
    return exercise


def unpublish_exercise(*, exercise: Exercise) -> Exercise:
    """Hide `exercise` from learners."""
    with transaction.atomic():
        Exercise.objects.filter(pk=exercise.pk).update(published=False, updated_at=timezone.now())
    exercise.refresh_from_db()
    return exercise


def request_reference_check(*, exercises: Iterable[Exercise]) -> int:
    """Mark each exercise's check pending and queue it on the bulk queue; return how many."""
    ids = [exercise.pk for exercise in exercises]
    queued_at = timezone.now().isoformat()
    with transaction.atomic():
        for exercise in Exercise.objects.select_for_update().filter(pk__in=ids):
            report = dict(exercise.check_report or {})
            report["pending"] = {"queued_at": queued_at}
            Exercise.objects.filter(pk=exercise.pk).update(check_report=report)
            tasks.check_exercise_reference.delay_on_commit(exercise.pk)
    return len(ids)


def record_reference_check(*, exercise_id: int, version: str, report: dict[str, Any]) -> bool:
    """Store a finished reference check for spec `version`; False if the exercise is gone."""
    status = Exercise.Check.PASSED if report.get("ok") else Exercise.Check.FAILED
    with transaction.atomic():
        updated = Exercise.objects.filter(pk=exercise_id).update(
            check_status=status,
            checked_version=version,
            check_report=report,
            updated_at=timezone.now(),
        )
    return updated == 1


def summarise_report(report: dict[str, Any]) -> str:
    """Return one sentence saying why a reference check failed (or that it passed)."""
    if report.get("ok"):
        return "the reference passes every case and every known mistake is caught and named"
    if report.get("problem"):
        return str(report["problem"])
    reasons = [
        f"the reference fails case {case['name']!r}: {case['message']}"
        for case in report.get("cases", [])
        if not case.get("passed")
    ]
    if not report.get("cases"):
        reasons.append("there are no cases")
    for mistake in report.get("mistakes", []):
        name = f"known mistake {mistake['slug']!r}"
        variant = mistake.get("variant") or ""
        if variant and variant != f"{mistake['slug']}.py":
            name += f" (variant {variant})"
        if mistake.get("problem"):
            reasons.append(f"{name} did not run: {mistake['problem']}")
        elif not mistake.get("rejected"):
            reasons.append(f"{name} passes every case")
        elif not mistake.get("recognised"):
            other = mistake.get("shadowed_by")
            suffix = f" (it is taken for {other!r})" if other else ""
            reasons.append(f"{name} is not recognised{suffix}")
    return "; ".join(reasons)
