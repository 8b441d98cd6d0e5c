"""Compare a returned value with the reference's, component by component, in a fixed order.

Structure and type, then shape, then dtype kind, then values within the exercise's tolerances;
the first difference found becomes one sentence (see messages).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.compare.messages import (
    Mismatch,
    describe,
    format_shape,
    hidden_sentence,
    hidden_structure,
    precision_note,
    unreadable_sentence,
    value_message,
)
from grader.compare.values import Tolerances, is_numeric, is_sequence_output, isclose, item_name

_REAL_KINDS = "biuf"
_KIND_WORDS = {
    "c": "complex numbers",
    "O": "Python objects",
    "U": "strings",
    "S": "bytes",
    "M": "dates",
    "m": "time deltas",
    "V": "raw records",
}


@dataclass(frozen=True)
class ComponentResult:
    """The verdict on one returned component (one check) of one case."""

    name: str
    passed: bool
    message: str

    def to_dict(self) -> dict[str, Any]:
        """Return the component as a JSON-friendly dict."""
        return {"name": self.name, "passed": self.passed, "message": self.message}


def component_names(expected: Any, returns: Sequence[str] = ()) -> list[str]:
    """Return the names of the checks that `expected` splits into (one per returned component)."""
    return [name for name, _ in split_components(expected, returns)]


def split_components(expected: Any, returns: Sequence[str] = ()) -> list[tuple[str, Any]]:
    """Split a reference output into named components: tuple items, dict entries, or itself."""
    if is_sequence_output(expected):
        if len(returns) == len(expected):
            return list(zip(returns, expected, strict=True))
        return [(f"output[{i}]", item) for i, item in enumerate(expected)]
    base = returns[0] if len(returns) == 1 else "output"
    if isinstance(expected, dict):
        return [(item_name(base, key), value) for key, value in expected.items()]
    return [(base, expected)]


def compare_output(
    actual: Any,
    expected: Any,
    *,
    returns: Sequence[str] = (),
    tolerances: Tolerances = Tolerances(),
    visible: bool = False,
) -> list[ComponentResult]:
    """Compare a whole returned value component by component, in the reference's order."""
    components = split_components(expected, returns)
    try:
        structure_problem = _structure_problem(actual, expected, returns)
        if structure_problem is not None and not visible:
            structure_problem = hidden_structure(expected, returns)
        if structure_problem is not None:
            return [ComponentResult(name, False, structure_problem) for name, _ in components]
        if is_sequence_output(expected):
            actual_items: list[Any] = list(actual)
        elif isinstance(expected, dict):
            actual_items = [actual[key] for key in expected]
        else:
            actual_items = [actual]
    except Exception:  # the learner's value is data from a hostile process: never crash on it
        return [
            ComponentResult(name, False, unreadable_sentence(name, visible))
            for name, _ in components
        ]
    results = []
    for (name, expected_item), actual_item in zip(components, actual_items, strict=True):
        message = compare_value(
            actual_item,
            expected_item,
            name,
            tolerances=tolerances,
            visible=visible,
        )
        results.append(ComponentResult(name, message is None, message or ""))
    return results


def compare_value(
    actual: Any,
    expected: Any,
    name: str,
    *,
    tolerances: Tolerances = Tolerances(),
    visible: bool = False,
) -> str | None:
    """Return None when `actual` matches `expected`, else one sentence naming the first difference.

    The checks run in a fixed order: structure and type, then shape, then dtype kind, then
    values with `np.isclose(rtol, atol_eff, equal_nan=False)`, where `atol_eff` grows with the
    component's largest expected entry (Tolerances.effective_atol). On a hidden case (`visible`
    false) the sentence says only which component failed and how, nothing the learner's
    code chose. An unexpected value fails with a sentence; it never raises.
    """
    try:
        mismatch = _compare(actual, expected, name, tolerances, visible)
    except Exception:
        return unreadable_sentence(name, visible)
    if mismatch is None:
        return None
    if not visible:
        return hidden_sentence(name, getattr(mismatch, "kind", "values"))
    return str(mismatch)


def _compare(
    actual: Any,
    expected: Any,
    name: str,
    tolerances: Tolerances,
    visible: bool,
) -> Mismatch | None:
    if expected is None:
        if actual is None:
            return None
        return Mismatch("structure", f"`{name}` should be None; got {describe(actual)}.")
    if isinstance(expected, dict):
        return _compare_dict(actual, expected, name, tolerances, visible)
    if is_sequence_output(expected):
        return _compare_sequence(actual, expected, name, tolerances, visible)
    if is_numeric(expected):
        return _compare_numeric(actual, expected, name, tolerances, visible)
    if type(actual) is type(expected) and actual == expected:
        return None
    return Mismatch("values", f"`{name}` is {actual!r}; expected {expected!r}.")


def _structure_problem(actual: Any, expected: Any, returns: Sequence[str]) -> str | None:
    """Check the top level only: a wrong container fails every component with one message."""
    if is_sequence_output(expected):
        names = returns if len(returns) == len(expected) else ()
        what = f"a tuple of {len(expected)} values" + (f" ({', '.join(names)})" if names else "")
        if not isinstance(actual, (tuple, list)):
            return f"Your function should return {what}; it returned {describe(actual)}."
        if len(actual) != len(expected):
            return f"Your function should return {what}; it returned {len(actual)} values."
        return None
    if isinstance(expected, dict):
        base = returns[0] if len(returns) == 1 else "output"
        return _dict_keys_problem(actual, expected, base)
    return None


def _dict_keys_problem(actual: Any, expected: dict, name: str) -> Mismatch | None:
    expected_keys = ", ".join(repr(key) for key in expected)
    if not isinstance(actual, dict):
        return Mismatch(
            "structure",
            f"`{name}` should be a dict with keys {expected_keys}; got {describe(actual)}.",
        )
    missing = [key for key in expected if key not in actual]
    if missing:
        return Mismatch(
            "structure",
            f"`{name}` is missing the key {missing[0]!r} (expected keys {expected_keys}).",
        )
    extra = [key for key in actual if key not in expected]
    if extra:
        return Mismatch(
            "structure",
            f"`{name}` has an unexpected key {extra[0]!r} (expected keys {expected_keys}).",
        )
    return None


def _compare_dict(
    actual: Any,
    expected: dict,
    name: str,
    tolerances: Tolerances,
    visible: bool,
) -> Mismatch | None:
    problem = _dict_keys_problem(actual, expected, name)
    if problem is not None:
        return problem
    for key, expected_item in expected.items():
        message = _compare(actual[key], expected_item, item_name(name, key), tolerances, visible)
        if message is not None:
            return message
    return None


def _compare_sequence(
    actual: Any,
    expected: tuple | list,
    name: str,
    tolerances: Tolerances,
    visible: bool,
) -> Mismatch | None:
    if not isinstance(actual, (tuple, list)):
        return Mismatch(
            "structure",
            f"`{name}` should be a tuple of {len(expected)} values; got {describe(actual)}.",
        )
    if len(actual) != len(expected):
        return Mismatch(
            "structure", f"`{name}` should hold {len(expected)} values; got {len(actual)}."
        )
    for index, (actual_item, expected_item) in enumerate(zip(actual, expected, strict=True)):
        message = _compare(actual_item, expected_item, f"{name}[{index}]", tolerances, visible)
        if message is not None:
            return message
    return None


def _learner_array(
    actual: Any, expected: np.ndarray, name: str
) -> tuple[np.ndarray | None, Mismatch | None]:
    """Turn the learner's value into an array, or say why it is not one."""
    what = (
        "a single number"
        if expected.ndim == 0
        else f"an array of shape {format_shape(expected.shape)}"
    )
    if actual is None:
        return None, Mismatch(
            "none", f"`{name}` is None; expected {what} (is a `return` missing?)."
        )
    if isinstance(actual, np.ndarray):
        return actual, None
    if isinstance(actual, (bool, int, float, complex, np.generic)):
        return np.asarray(actual), None
    if isinstance(actual, list):
        try:
            array = np.asarray(actual)
        except ValueError:
            return None, Mismatch(
                "structure", f"`{name}` should be {what}; got a list that is not rectangular."
            )
        if array.dtype.kind in _REAL_KINDS:
            return array, None
    return None, Mismatch("structure", f"`{name}` should be {what}; got {describe(actual)}.")


def _compare_numeric(
    actual: Any,
    expected_value: Any,
    name: str,
    tolerances: Tolerances,
    visible: bool,
) -> Mismatch | None:
    expected = np.asarray(expected_value)
    learner, problem = _learner_array(actual, expected, name)
    if learner is None:
        return problem
    if expected.ndim == 0 and learner.ndim != 0:
        return Mismatch(
            "shape",
            f"`{name}` should be a single number; got an array of shape {format_shape(learner.shape)}.",
        )
    if learner.shape != expected.shape:
        return Mismatch(
            "shape",
            f"`{name}` has shape {format_shape(learner.shape)}; expected {format_shape(expected.shape)}.",
        )
    kind = learner.dtype.kind
    if kind not in _REAL_KINDS and not (kind == "c" and expected.dtype.kind == "c"):
        return Mismatch(
            "kind", f"`{name}` holds {_KIND_WORDS.get(kind, kind)}; expected real numbers."
        )
    if kind in "fc" and learner.dtype.itemsize > (8 if kind == "f" else 16):
        # float128 / complex256 are judged by their values, at the reference's precision;
        # a value beyond float64's range becomes inf and is reported as not finite.
        with np.errstate(all="ignore"):
            learner = learner.astype(np.float64 if kind == "f" else np.complex128)
    if kind in "biu":
        learner = learner.astype(np.float64)
    if expected.dtype.kind in "biu":
        expected = expected.astype(np.float64)
    with np.errstate(all="ignore"):
        close = isclose(learner, expected, tolerances, equal_nan=False)
        if close.all():
            return None
        mismatch = value_message(learner, expected, ~close, name)
        return Mismatch(mismatch.kind, mismatch + precision_note(learner, expected, name))
