"""grader.grading through the real sandbox: broken exercises, the expected-outputs cache,
self-checks and the course folder reader."""

import json

import pytest

from exercises.specs import spec_from_folder
from grader.grading import (
    ExerciseBroken,
    ExpectedOutputsCache,
    KnownMistake,
    expected_outputs,
    grade,
    self_check,
)
from grader.sandbox import Sandbox

from .small_exercises import (
    SCALE_ADDED,
    SCALE_CASES,
    SCALE_REFERENCE,
    scale_spec,
    source,
)


def test_reference_that_raises_is_a_broken_exercise():
    spec = scale_spec(reference_code="def scale(x, a):\n    raise ValueError('oops')\n")
    with pytest.raises(ExerciseBroken, match="oops"):
        grade(spec, "def scale(x, a):\n    return x * a\n")


def test_cases_that_fail_are_a_broken_exercise():
    spec = scale_spec(cases_code="def make_cases():\n    return 1 / 0\n")
    with pytest.raises(ExerciseBroken):
        grade(spec, "def scale(x, a):\n    return x * a\n")


def test_expected_outputs_are_cached_by_version_and_clearable():
    spec = scale_spec(slug="scale-cache")
    expected_outputs.clear()
    assert spec not in expected_outputs
    grade(spec, "def scale(x, a):\n    return x * a\n")
    assert spec in expected_outputs
    assert scale_spec(slug="scale-cache") in expected_outputs
    expected_outputs.clear()
    assert len(expected_outputs) == 0


def test_version_changes_with_every_field():
    base = scale_spec()
    assert base.version == scale_spec().version
    for change in (
        {"slug": "other"},
        {"reference_code": SCALE_REFERENCE + "\n"},
        {"cases_code": SCALE_CASES + "\n"},
        {"mistakes": ()},
        {"rtol": 1e-4},
        {"atol": 1e-6},
        {"time_limit_ms": 1000},
        {"memory_mb": 256},
        {"returns": ()},
    ):
        assert scale_spec(**change).version != base.version, change


def test_self_check_of_a_sound_exercise_is_ok():
    report = self_check(scale_spec())
    assert report.ok
    assert [c.passed for c in report.cases] == [True, True, True]
    (mistake,) = report.mistakes
    assert mistake.rejected and mistake.recognised
    assert mistake.exposed_by == ["example", "hidden random", "hidden marker"]
    json.dumps(report.to_dict(), allow_nan=False)


def test_self_check_flags_a_mistake_the_cases_do_not_expose():
    harmless = KnownMistake("same", "Same", "def scale(x, a):\n    return a * x\n", "m")
    report = self_check(scale_spec(mistakes=(SCALE_ADDED, harmless)))
    assert not report.ok
    assert not report.mistakes[1].rejected and not report.mistakes[1].recognised


def test_self_check_flags_a_shadowed_mistake():
    twin = KnownMistake("twin", "Twin", "def scale(x, a):\n    return a + x\n", "m")
    report = self_check(scale_spec(mistakes=(SCALE_ADDED, twin)))
    assert not report.ok
    assert report.mistakes[1].rejected and not report.mistakes[1].recognised
    assert report.mistakes[1].shadowed_by == "added"


def test_self_check_flags_a_reference_that_returns_nan():
    spec = scale_spec(
        reference_code="import numpy as np\n\ndef scale(x, a):\n    return x * a * np.nan\n",
        mistakes=(),
    )
    report = self_check(spec)
    assert not report.ok
    assert not any(c.passed for c in report.cases)


def test_self_check_flags_a_reference_that_mutates_its_input():
    reference = "def scale(x, a):\n    x *= a\n    return x.copy()\n"
    report = self_check(scale_spec(reference_code=reference, mistakes=()))
    assert not report.ok
    assert "changed its input `x`" in report.cases[0].message


def test_self_check_reports_a_broken_reference_without_raising():
    spec = scale_spec(reference_code="def scale(x, a):\n    raise ValueError('oops')\n")
    report = self_check(spec)
    assert not report.ok
    assert "oops" in report.problem


def test_the_course_folder_reader_gives_the_spec_of_an_exercise_folder(tmp_path):
    folder = tmp_path / "course" / "exercises" / "scale"
    (folder / "mistakes").mkdir(parents=True)
    (folder / "exercise.yaml").write_text(
        source(
            """
            title: Scale
            lesson: scaling
            entry_point: scale
            returns: y
            rtol: 1.0e-4
            atol: 1.0e-6
            time_limit_ms: 1500
            memory_mb: 256
            mistakes:
              - slug: added
                title: Added instead of multiplied
                message: You added a to x; scaling multiplies.
            """
        )
    )
    (folder / "prompt.md").write_text("Multiply `x` by `a`.\n")
    (folder / "reference.py").write_text(SCALE_REFERENCE)
    (folder / "cases.py").write_text(SCALE_CASES)
    (folder / "mistakes" / "added.py").write_text(SCALE_ADDED.code)
    spec = spec_from_folder(folder)
    assert spec == scale_spec(rtol=1e-4, atol=1e-6, time_limit_ms=1500, memory_mb=256)
    assert grade(spec, "def scale(x, a):\n    return x + a\n").misconception_slug == "added"


def test_expected_outputs_cache_evicts_the_least_recently_used_spec():
    cache = ExpectedOutputsCache(maxsize=2)
    first, second, third = (scale_spec(slug=f"lru-{n}", mistakes=()) for n in range(3))
    sandbox = Sandbox.shared()
    cache.get(first, sandbox)
    cache.get(second, sandbox)
    cache.get(first, sandbox)
    cache.get(third, sandbox)
    assert first in cache and third in cache
    assert second not in cache
