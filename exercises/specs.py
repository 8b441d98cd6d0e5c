"""The grader's description of a stored exercise (`ExerciseSpec`), and a cache of them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from exercises.course_files.read import read_exercise_folder
from exercises.models import Exercise, KnownMistake, MistakeVariant
from grader.grading import ExerciseSpec
from grader.grading import KnownMistake as SpecMistake
from grader.lru import LruCache

MISTAKE_FIELDS = ("slug", "title", "code", "message")


def exercise_spec(exercise: Exercise) -> ExerciseSpec:
    """Return the plain grader's description of `exercise` and its known mistakes."""
    mistakes = tuple(
        SpecMistake(
            slug=m.slug,
            title=m.title,
            code=m.code,
            message=m.message,
            variants=tuple((v.name, v.code) for v in m.variants.all()),
        )
        for m in exercise.mistakes.prefetch_related("variants")
    )
    return _spec(exercise, mistakes)


def _variants_by_mistake(exercise_id: int) -> dict[int, tuple[tuple[str, str], ...]]:
    found: dict[int, list[tuple[str, str]]] = {}
    rows = MistakeVariant.objects.filter(mistake__exercise_id=exercise_id).order_by(
        "mistake_id", "order", "id"
    )
    for mistake_id, name, code in rows.values_list("mistake_id", "name", "code"):
        found.setdefault(mistake_id, []).append((name, code))
    return {key: tuple(value) for key, value in found.items()}


def _spec(exercise: Exercise, mistakes: tuple[SpecMistake, ...]) -> ExerciseSpec:
    return ExerciseSpec(
        slug=exercise.slug,
        entry_point=exercise.entry_point,
        reference_code=exercise.reference_code,
        cases_code=exercise.cases_code,
        mistakes=mistakes,
        rtol=exercise.rtol,
        atol=exercise.atol,
        time_limit_ms=exercise.time_limit_ms,
        memory_mb=exercise.memory_mb,
        returns=tuple(exercise.returns or ()),
    )


class SpecCache(LruCache[ExerciseSpec]):
    """The specs of recently graded exercises in this process, keyed by what they are made of.

    The key is the exercise's id and `updated_at` plus its known mistakes' rows, so an edit
    to the exercise or to any of its mistakes (which does not always touch the exercise's
    `updated_at`) gives a new spec. A hit saves building the spec and hashing its version.
    """

    def get(self, exercise: Exercise) -> ExerciseSpec:
        """Return the spec of `exercise` as stored now (two queries: its mistakes and variants)."""
        variants = _variants_by_mistake(exercise.id)
        rows = tuple(
            (*row, variants.get(mistake_id, ()))
            for mistake_id, *row in KnownMistake.objects.filter(exercise_id=exercise.id)
            .order_by("order", "id")
            .values_list("id", *MISTAKE_FIELDS)
        )
        updated_at: datetime = exercise.updated_at

        def build() -> ExerciseSpec:
            spec = _spec(exercise, tuple(SpecMistake(*row) for row in rows))
            spec.version  # noqa: B018 -- hash once, outside the lock, then every hit reuses it
            return spec

        return self.get_or_build((exercise.id, updated_at, rows), build)


specs = SpecCache()


def spec_from_folder(path: str | Path) -> ExerciseSpec:
    """Return the spec of an `exercises/<slug>/` folder, read by the course-folder reader."""
    data = read_exercise_folder(path)
    return ExerciseSpec(
        slug=data.slug,
        entry_point=data.entry_point,
        reference_code=data.reference_code,
        cases_code=data.cases_code,
        mistakes=tuple(
            SpecMistake(
                slug=m.slug,
                title=m.title,
                code=m.code,
                message=m.message,
                variants=tuple(m.variants),
            )
            for m in data.mistakes
        ),
        rtol=data.rtol,
        atol=data.atol,
        time_limit_ms=data.time_limit_ms,
        memory_mb=data.memory_mb,
        returns=tuple(data.returns),
    )
