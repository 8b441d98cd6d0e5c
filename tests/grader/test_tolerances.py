"""Scale-aware tolerances: float32 results right to float32 precision pass, mistakes still fail.

The measurement runs over the whole seeded course: every reference recomputed in float32 must
pass, and every known-mistake variant must fail even with a hundred times the scale factor.
"""

import copy
import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from grader.compare import SCALE_ATOL, Tolerances, compare_output, compare_value, find_mutation

EXERCISES = Path(__file__).resolve().parents[2] / "content" / "rnn-from-scratch" / "exercises"
# grad-check's contract is a float64 central difference (eps = 1e-5): in float32 it is noise.
FLOAT64_ONLY = {"grad-check"}
HEADROOM = 100


def _load(path: Path, name: str) -> Any:
    namespace: dict[str, Any] = {"__name__": f"tolerance_{path.stem}"}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    return namespace[name]


def _float32(value: Any) -> Any:
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value.astype(np.float32)
    if isinstance(value, float):
        return np.float32(value)
    if isinstance(value, dict):
        return {key: _float32(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_float32(item) for item in value]
    return value


def _exercise(folder: Path) -> tuple[dict[str, Any], Any, list[dict[str, Any]]]:
    meta = yaml.safe_load((folder / "exercise.yaml").read_text())
    reference = _load(folder / "reference.py", meta["entry_point"])
    cases = _load(folder / "cases.py", "make_cases")()
    return meta, reference, cases


def _fails(meta: dict[str, Any], fn: Any, cases: list[dict[str, Any]], reference: Any, tol) -> bool:
    for case in cases:
        args = copy.deepcopy(case["args"])
        expected = reference(*copy.deepcopy(case["args"]))
        try:
            with np.errstate(all="ignore"):
                actual = fn(*args)
        except Exception:
            continue
        if find_mutation(case["args"], args, ()) is not None:
            return True
        results = compare_output(
            actual, expected, returns=tuple(meta["returns"]), tolerances=tol, visible=True
        )
        if not all(result.passed for result in results):
            return True
    return False


FOLDERS = sorted(p for p in EXERCISES.iterdir() if (p / "exercise.yaml").is_file())
VARIANTS = [
    (folder, path) for folder in FOLDERS for path in sorted((folder / "mistakes").glob("**/*.py"))
]


@pytest.mark.parametrize(
    "folder", [f for f in FOLDERS if f.name not in FLOAT64_ONLY], ids=lambda p: p.name
)
def test_float32_version_of_every_seeded_reference_passes(folder):
    meta, reference, cases = _exercise(folder)
    tolerances = Tolerances(rtol=meta["rtol"], atol=meta["atol"])
    for case in cases:
        expected = reference(*copy.deepcopy(case["args"]))
        with np.errstate(all="ignore"):
            actual = reference(*_float32(copy.deepcopy(case["args"])))
        results = compare_output(
            actual, expected, returns=tuple(meta["returns"]), tolerances=tolerances, visible=True
        )
        assert all(r.passed for r in results), (case["name"], [r.message for r in results])


@pytest.mark.parametrize(
    "folder,variant",
    VARIANTS,
    ids=[f"{f.name}/{p.relative_to(f / 'mistakes')}" for f, p in VARIANTS],
)
def test_no_known_mistake_variant_passes_even_with_a_hundred_times_the_scale(folder, variant):
    meta, reference, cases = _exercise(folder)
    fn = _load(variant, meta["entry_point"])
    loose = Tolerances(rtol=meta["rtol"], atol=meta["atol"], scale=HEADROOM * SCALE_ATOL)
    assert _fails(meta, fn, cases, reference, loose)


def test_the_float32_textbook_case_passes_where_a_fixed_atol_failed():
    expected = np.array([[1.4, 0.5], [-0.7, 2.0e-9]])
    actual = (expected + np.array([[0, 0], [0, 3.4e-8]])).astype(np.float32)
    fixed = dataclasses.replace(Tolerances(), scale=0.0)
    assert compare_value(actual, expected, "ys", tolerances=fixed, visible=True) is not None
    assert compare_value(actual, expected, "ys", visible=True) is None


def test_scale_is_per_component_not_per_output():
    big, small = np.array([1000.0]), np.array([1e-3, 0.0])
    off = (big, small + np.array([0.0, 5e-4]))
    results = compare_output(off, (big, small), returns=("a", "b"), visible=True)
    assert [r.passed for r in results] == [True, False]


def test_a_failing_float32_array_is_named_as_float32():
    expected = np.array([1.0, 2.0])
    message = compare_value(np.array([1.0, 2.1], dtype=np.float32), expected, "h", visible=True)
    assert "float32" in message and "max abs error" in message


def test_a_rounding_sized_error_says_so_and_a_real_error_does_not():
    expected = np.array([1.0, 2.0, 3.0])
    tight = Tolerances(rtol=0.0, atol=1e-12, scale=0.0)
    tiny = compare_value(expected + 1e-7, expected, "h", tolerances=tight, visible=True)
    assert "tiny" in tiny and "precision" in tiny
    real = compare_value(expected + 0.5, expected, "h", tolerances=tight, visible=True)
    assert "tiny" not in real and "float32" not in real


def test_hidden_case_message_says_nothing_about_precision():
    expected = np.array([1.0, 2.0])
    message = compare_value(np.array([1.0, 2.1], dtype=np.float32), expected, "h")
    assert message == "`h` differs from the expected value on this hidden case."
