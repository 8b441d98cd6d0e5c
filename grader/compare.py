"""Compare a learner's outputs with the reference's and say, in one sentence, where they differ.

Plain Python and NumPy: no Django, no sandbox. Every function takes decoded values (arrays,
Python scalars, None, and tuples, lists or dicts of those) and never executes anything.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

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
# Names like `hs`, `ys`, `xs`: the course's notation for sequences whose first axis is time.
_SEQUENCE_NAME = re.compile(r"^[a-z]s$")
_JSON_MAX_ELEMENTS = 2000
_SIGNIFICANT_DIGITS = 6
# The absolute tolerance of a component grows with its largest entry: atol_eff = max(atol,
# SCALE_ATOL * max|expected|). 1e-5 is about 84 float32 epsilons. Measured on the seeded course
# (tests/grader/test_tolerances.py): the float32 version of every reference needs at most
# 2.2e-6 (gradient-norms, a product of 12 Jacobians), while the closest known mistake needs
# 0.37 to pass, so results right to float32 precision pass and no mistake comes near.
SCALE_ATOL = 1e-5
# An error below this fraction of the largest entry is rounding-sized (just past the scale).
_TINY_ERROR = 3 * SCALE_ATOL


class _Mismatch(str):
    """A learner-facing sentence, tagged with the kind of difference it describes.

    Visible cases show the sentence; hidden cases show only the kind (see _HIDDEN), because
    anything else in the sentence (an error's size, an index, the learner's shape or type)
    is chosen by the learner's code, which saw the hidden inputs and could encode them.
    """

    kind: str

    def __new__(cls, kind: str, text: str) -> _Mismatch:
        mismatch = super().__new__(cls, text)
        mismatch.kind = kind
        return mismatch


_HIDDEN = {
    "structure": "does not have the expected type or structure",
    "none": "is None (is a `return` missing?)",
    "shape": "has the wrong shape",
    "kind": "does not hold the expected kind of values",
    "values": "differs from the expected value",
    "nonfinite": (
        "contains NaN or inf where the expected value is finite: something overflowed or "
        "divided by zero (for example exp of a large number; subtract the max first)"
    ),
    "unreadable": "holds values the grader cannot compare",
}
_UNREADABLE = "holds values the grader cannot compare (use arrays of real numbers)"


def _hidden_sentence(name: str, kind: str) -> str:
    return f"`{name}` {_HIDDEN.get(kind, _HIDDEN['values'])} on this hidden case."


@dataclass(frozen=True)
class ComponentResult:
    """The verdict on one returned component (one check) of one case."""

    name: str
    passed: bool
    message: str

    def to_dict(self) -> dict[str, Any]:
        """Return the component as a JSON-friendly dict."""
        return {"name": self.name, "passed": self.passed, "message": self.message}


@dataclass(frozen=True)
class Tolerances:
    """How close a learner's value must be to the expected one (as in `np.allclose`)."""

    rtol: float = 1e-5
    atol: float = 1e-8
    # Scale-aware absolute tolerance: atol_eff = max(atol, scale * max|expected|) per component.
    scale: float = SCALE_ATOL

    def effective_atol(self, expected: np.ndarray) -> float:
        """Return the absolute tolerance of one component: `atol`, or more for large values."""
        if self.scale <= 0 or expected.size == 0:
            return self.atol
        magnitudes = np.abs(expected)
        magnitudes = magnitudes[np.isfinite(magnitudes)]
        largest = float(magnitudes.max()) if magnitudes.size else 0.0
        return max(self.atol, self.scale * largest)


def component_names(expected: Any, returns: Sequence[str] = ()) -> list[str]:
    """Return the names of the checks that `expected` splits into (one per returned component)."""
    return [name for name, _ in split_components(expected, returns)]


def split_components(expected: Any, returns: Sequence[str] = ()) -> list[tuple[str, Any]]:
    """Split a reference output into named components: tuple items, dict entries, or itself."""
    if _is_sequence_output(expected):
        if len(returns) == len(expected):
            return list(zip(returns, expected, strict=True))
        return [(f"output[{i}]", item) for i, item in enumerate(expected)]
    base = returns[0] if len(returns) == 1 else "output"
    if isinstance(expected, dict):
        return [(_item_name(base, key), value) for key, value in expected.items()]
    return [(base, expected)]


def compare_output(
    actual: Any,
    expected: Any,
    *,
    returns: Sequence[str] = (),
    tolerances: Tolerances = Tolerances(),
    visible: bool = False,
    time_major: Sequence[str] | None = None,
) -> list[ComponentResult]:
    """Compare a whole returned value component by component, in the reference's order."""
    components = split_components(expected, returns)
    try:
        structure_problem = _structure_problem(actual, expected, returns)
        if structure_problem is not None and not visible:
            structure_problem = _hidden_structure(expected, returns)
        if structure_problem is not None:
            return [ComponentResult(name, False, structure_problem) for name, _ in components]
        if _is_sequence_output(expected):
            actual_items: list[Any] = list(actual)
        elif isinstance(expected, dict):
            actual_items = [actual[key] for key in expected]
        else:
            actual_items = [actual]
    except Exception:  # the learner's value is data from a hostile process: never crash on it
        return [
            ComponentResult(name, False, _unreadable_sentence(name, visible))
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
            time_major=time_major,
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
    time_major: Sequence[str] | None = None,
) -> str | None:
    """Return None when `actual` matches `expected`, else one sentence naming the first difference.

    The checks run in a fixed order: structure and type, then shape, then dtype kind, then
    values with `np.isclose(rtol, atol_eff, equal_nan=False)`, where `atol_eff` grows with the
    component's largest expected entry (Tolerances.effective_atol). On a hidden case (`visible`
    false) the sentence says only which component failed and how, nothing the learner's
    code chose. An unexpected value fails with a sentence; it never raises.
    """
    try:
        mismatch = _compare(actual, expected, name, tolerances, visible, time_major)
    except Exception:
        return _unreadable_sentence(name, visible)
    if mismatch is None:
        return None
    if not visible:
        return _hidden_sentence(name, getattr(mismatch, "kind", "values"))
    return str(mismatch)


def _unreadable_sentence(name: str, visible: bool) -> str:
    return f"`{name}` {_UNREADABLE}." if visible else _hidden_sentence(name, "unreadable")


def _hidden_structure(expected: Any, returns: Sequence[str]) -> str:
    if _is_sequence_output(expected):
        names = returns if len(returns) == len(expected) else ()
        what = f"a tuple of {len(expected)} values" + (f" ({', '.join(names)})" if names else "")
        return (
            f"Your function should return {what}; on this hidden case it returned something else."
        )
    return "Your function's output does not have the expected structure on this hidden case."


def _compare(
    actual: Any,
    expected: Any,
    name: str,
    tolerances: Tolerances,
    visible: bool,
    time_major: Sequence[str] | None,
) -> _Mismatch | None:
    if expected is None:
        if actual is None:
            return None
        return _Mismatch("structure", f"`{name}` should be None; got {_describe(actual)}.")
    if isinstance(expected, dict):
        return _compare_dict(actual, expected, name, tolerances, visible, time_major)
    if _is_sequence_output(expected):
        return _compare_sequence(actual, expected, name, tolerances, visible, time_major)
    if _is_numeric(expected):
        return _compare_numeric(actual, expected, name, tolerances, visible, time_major)
    if type(actual) is type(expected) and actual == expected:
        return None
    return _Mismatch("values", f"`{name}` is {actual!r}; expected {expected!r}.")


def find_mutation(
    before: Sequence[Any],
    after: Sequence[Any] | None,
    arg_names: Sequence[str],
    *,
    visible: bool = True,
) -> str | None:
    """Return a message naming the first input the call changed, or None if none changed.

    On a hidden case only the argument is named, not which part of it changed.
    """
    if after is None:
        return None
    try:
        pairs = list(zip(before, after, strict=False))
    except Exception:
        pairs = []
    for index, (old, new) in enumerate(pairs):
        name = arg_names[index] if index < len(arg_names) else f"args[{index}]"
        try:
            changed = _first_change(old, new, name)
        except Exception:  # what came back is not even comparable: it is not the input
            changed = name
        if changed is not None and not visible:
            changed = name
        if changed is not None:
            return (
                f"Your function changed its input `{changed}`; "
                "return new arrays instead of modifying the arguments."
            )
    return None


def inputs_changed(before: Sequence[Any], after: Sequence[Any] | None) -> bool:
    """Return whether any argument differs after the call."""
    return find_mutation(before, after, ()) is not None


def outputs_match(a: Any, b: Any, *, tolerances: Tolerances = Tolerances()) -> bool:
    """Return whether two outputs agree for known-mistake matching.

    Same structure and shapes, values close, NaN equal to NaN and inf to inf of the same sign.
    Values that cannot be compared do not match.
    """
    try:
        return _outputs_match(a, b, tolerances)
    except Exception:
        return False


def _outputs_match(a: Any, b: Any, tolerances: Tolerances) -> bool:
    if isinstance(a, dict) or isinstance(b, dict):
        if not (isinstance(a, dict) and isinstance(b, dict)) or a.keys() != b.keys():
            return False
        return all(_outputs_match(a[key], b[key], tolerances) for key in a)
    if _is_sequence_output(a) or _is_sequence_output(b):
        if not (isinstance(a, (tuple, list)) and isinstance(b, (tuple, list))) or len(a) != len(b):
            return False
        return all(_outputs_match(x, y, tolerances) for x, y in zip(a, b, strict=True))
    if a is None or b is None:
        return a is None and b is None
    left, right = _as_real_array(a), _as_real_array(b)
    if left is None or right is None:
        return bool(a == b) if type(a) is type(b) else False
    if left.shape != right.shape:
        return False
    if left.dtype.kind not in "biufc" or right.dtype.kind not in "biufc":
        return bool(np.array_equal(left, right))
    with np.errstate(all="ignore"):
        return bool(_close(left, right, tolerances, equal_nan=True).all())


def all_finite(value: Any) -> bool:
    """Return whether every number in a (possibly nested) output is finite (False if unsure)."""
    try:
        return _all_finite(value)
    except Exception:
        return False


def _all_finite(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_all_finite(item) for item in value.values())
    if isinstance(value, (tuple, list)):
        return all(_all_finite(item) for item in value)
    array = _as_real_array(value)
    if array is None:
        return True
    return bool(np.isfinite(array).all())


def to_jsonable(value: Any) -> Any:
    """Return a JSON-friendly copy: arrays as rounded nested lists, NaN and inf as strings."""
    try:
        return _jsonable(value, 0)
    except Exception:
        return "(this value cannot be shown)"


def _jsonable(value: Any, depth: int) -> Any:
    if depth > 64:
        return "(nested too deeply to show)"
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, dict):
        return {str(key): _jsonable(item, depth + 1) for key, item in value.items()}
    if isinstance(value, (tuple, list)):
        return [_jsonable(item, depth + 1) for item in value]
    if isinstance(value, np.ndarray):
        if value.size > _JSON_MAX_ELEMENTS:
            return {"shape": list(value.shape), "note": "too large to show"}
        return _jsonable(value.tolist(), depth + 1)
    if isinstance(value, np.generic):
        item = value.item()
        if isinstance(item, np.generic):
            # float128 and complex256 have no Python type: .item() returns them unchanged.
            if isinstance(item, np.complexfloating):
                item = complex(item)
            elif isinstance(item, np.floating):
                item = float(item)
            else:
                return repr(item)
        return _jsonable(item, depth + 1)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return _round_float(value)
    if isinstance(value, complex):
        return {"real": _round_float(value.real), "imag": _round_float(value.imag)}
    return repr(value)


def _round_float(x: float) -> float | str:
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return float(f"{x:.{_SIGNIFICANT_DIGITS}g}")


def _item_name(base: str, key: Any) -> str:
    return f"{base}[{key!r}]"


def _is_numeric(value: Any) -> bool:
    return isinstance(value, (bool, int, float, complex, np.generic, np.ndarray))


def _is_sequence_output(value: Any) -> bool:
    """Tuples are always split; lists only when they hold more than plain numbers."""
    if isinstance(value, tuple):
        return True
    if isinstance(value, list):
        return not _is_number_list(value)
    return False


def _is_number_list(value: Any) -> bool:
    if isinstance(value, list):
        return all(_is_number_list(item) for item in value)
    return isinstance(value, (bool, int, float, np.generic)) or (
        isinstance(value, np.ndarray) and value.ndim == 0
    )


def _describe(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, dict):
        return "a dict"
    if isinstance(value, tuple):
        return f"a tuple of {len(value)} values"
    if isinstance(value, list):
        return f"a list of {len(value)} values"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, np.ndarray):
        return f"an array of shape {_shape(value.shape)}"
    if isinstance(value, (bool, int, float, np.generic)):
        return "a number"
    return f"a value of type {type(value).__name__}"


def _shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def _structure_problem(actual: Any, expected: Any, returns: Sequence[str]) -> str | None:
    """Check the top level only: a wrong container fails every component with one message."""
    if _is_sequence_output(expected):
        names = returns if len(returns) == len(expected) else ()
        what = f"a tuple of {len(expected)} values" + (f" ({', '.join(names)})" if names else "")
        if not isinstance(actual, (tuple, list)):
            return f"Your function should return {what}; it returned {_describe(actual)}."
        if len(actual) != len(expected):
            return f"Your function should return {what}; it returned {len(actual)} values."
        return None
    if isinstance(expected, dict):
        base = returns[0] if len(returns) == 1 else "output"
        return _dict_keys_problem(actual, expected, base)
    return None


def _dict_keys_problem(actual: Any, expected: dict, name: str) -> _Mismatch | None:
    expected_keys = ", ".join(repr(key) for key in expected)
    if not isinstance(actual, dict):
        return _Mismatch(
            "structure",
            f"`{name}` should be a dict with keys {expected_keys}; got {_describe(actual)}.",
        )
    missing = [key for key in expected if key not in actual]
    if missing:
        return _Mismatch(
            "structure",
            f"`{name}` is missing the key {missing[0]!r} (expected keys {expected_keys}).",
        )
    extra = [key for key in actual if key not in expected]
    if extra:
        return _Mismatch(
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
    time_major: Sequence[str] | None,
) -> _Mismatch | None:
    problem = _dict_keys_problem(actual, expected, name)
    if problem is not None:
        return problem
    for key, expected_item in expected.items():
        message = _compare(
            actual[key], expected_item, _item_name(name, key), tolerances, visible, time_major
        )
        if message is not None:
            return message
    return None


def _compare_sequence(
    actual: Any,
    expected: tuple | list,
    name: str,
    tolerances: Tolerances,
    visible: bool,
    time_major: Sequence[str] | None,
) -> _Mismatch | None:
    if not isinstance(actual, (tuple, list)):
        return _Mismatch(
            "structure",
            f"`{name}` should be a tuple of {len(expected)} values; got {_describe(actual)}.",
        )
    if len(actual) != len(expected):
        return _Mismatch(
            "structure", f"`{name}` should hold {len(expected)} values; got {len(actual)}."
        )
    for index, (actual_item, expected_item) in enumerate(zip(actual, expected, strict=True)):
        message = _compare(
            actual_item, expected_item, f"{name}[{index}]", tolerances, visible, time_major
        )
        if message is not None:
            return message
    return None


def _as_real_array(value: Any) -> np.ndarray | None:
    """Return `value` as an ndarray if it is a number, an array or a list of numbers."""
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, (bool, int, float, complex, np.generic)):
        return np.asarray(value)
    if isinstance(value, list) and _is_number_list(value):
        try:
            return np.asarray(value)
        except ValueError:
            return None
    return None


def _learner_array(
    actual: Any, expected: np.ndarray, name: str
) -> tuple[np.ndarray | None, _Mismatch | None]:
    """Turn the learner's value into an array, or say why it is not one."""
    what = (
        "a single number" if expected.ndim == 0 else f"an array of shape {_shape(expected.shape)}"
    )
    if actual is None:
        return None, _Mismatch(
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
            return None, _Mismatch(
                "structure", f"`{name}` should be {what}; got a list that is not rectangular."
            )
        if array.dtype.kind in _REAL_KINDS:
            return array, None
    return None, _Mismatch("structure", f"`{name}` should be {what}; got {_describe(actual)}.")


def _is_time_major(name: str, time_major: Sequence[str] | None) -> bool:
    if time_major is not None:
        return name in time_major
    return bool(_SEQUENCE_NAME.match(name))


def _compare_numeric(
    actual: Any,
    expected_value: Any,
    name: str,
    tolerances: Tolerances,
    visible: bool,
    time_major: Sequence[str] | None,
) -> _Mismatch | None:
    expected = np.asarray(expected_value)
    learner, problem = _learner_array(actual, expected, name)
    if learner is None:
        return problem
    if expected.ndim == 0 and learner.ndim != 0:
        return _Mismatch(
            "shape",
            f"`{name}` should be a single number; got an array of shape {_shape(learner.shape)}.",
        )
    if learner.shape != expected.shape:
        return _Mismatch(
            "shape",
            f"`{name}` has shape {_shape(learner.shape)}; expected {_shape(expected.shape)}.",
        )
    kind = learner.dtype.kind
    if kind not in _REAL_KINDS and not (kind == "c" and expected.dtype.kind == "c"):
        return _Mismatch(
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
        close = _close(learner, expected, tolerances, equal_nan=False)
        if close.all():
            return None
        mismatch = _value_message(learner, expected, ~close, name, time_major)
        return _Mismatch(mismatch.kind, mismatch + _precision_note(learner, expected, name))


def _precision_note(learner: np.ndarray, expected: np.ndarray, name: str) -> str:
    """Say when a difference looks like lost precision rather than a wrong formula."""
    notes = []
    if learner.dtype.kind in "fc" and learner.dtype.itemsize < (
        8 if learner.dtype.kind == "f" else 16
    ):
        notes.append(
            f" `{name}` holds {learner.dtype.name} numbers: values are judged to about "
            f"{SCALE_ATOL:g} of the largest expected entry, which float32 rounding meets; this "
            "difference is larger (if the formula is right, compute in float64)."
        )
    finite = np.isfinite(learner) & np.isfinite(expected)
    if finite.all() and expected.size:
        largest = float(np.max(np.abs(expected)))
        error = float(np.max(np.abs(learner - expected)))
        if largest > 0 and 0 < error <= _TINY_ERROR * largest:
            notes.append(
                f" The error is tiny next to the values ({_fmt(error / largest)} of the largest "
                "entry): look for lost precision (float16 or float32 steps, a difference of "
                "nearly equal numbers) rather than a wrong formula."
            )
    return "".join(notes)


def _value_message(
    learner: np.ndarray,
    expected: np.ndarray,
    wrong: np.ndarray,
    name: str,
    time_major: Sequence[str] | None,
) -> _Mismatch:
    blown_up = wrong & ~np.isfinite(learner) & np.isfinite(expected)
    if expected.ndim == 0:
        if blown_up.any():
            return _Mismatch(
                "nonfinite", f"`{name}` is {_nonfinite_word(learner)} {_blown_up_reason()}"
            )
        return _Mismatch(
            "values", f"`{name}` is {_value(learner.item())}; expected {_value(expected.item())}."
        )
    if _is_time_major(name, time_major) and expected.ndim in (1, 2):
        step = int(np.argmax(wrong.reshape(wrong.shape[0], -1).any(axis=1)))
        location = f"{name}[{step}]"
        if blown_up[step].any():
            return _Mismatch(
                "nonfinite",
                f"`{location}` contains {_nonfinite_word(learner[step])} {_blown_up_reason()}",
            )
        error = float(np.max(np.abs(learner[step] - expected[step])))
        return _Mismatch(
            "values",
            f"`{location}` differs from the expected value (max abs error {_fmt(error)})"
            f"{_matching_steps(step)}.",
        )
    if blown_up.any():
        index = tuple(int(i) for i in np.argwhere(blown_up)[0])
        location = f"{name}[{', '.join(map(str, index))}]"
        return _Mismatch(
            "nonfinite", f"`{location}` is {_nonfinite_word(learner[index])} {_blown_up_reason()}"
        )
    index = tuple(int(i) for i in np.argwhere(wrong)[0])
    finite = np.isfinite(learner) & np.isfinite(expected)
    error = float(np.max(np.abs(learner - expected)[finite])) if finite.any() else math.inf
    location = f"{name}[{', '.join(map(str, index))}]"
    return _Mismatch(
        "values",
        f"`{name}` differs from the expected value (max abs error {_fmt(error)}); "
        f"the first differing entry is `{location}`.",
    )


def _matching_steps(step: int) -> str:
    if step == 0:
        return ", already at the first step"
    if step == 1:
        return "; step 0 matches"
    return f"; steps 0–{step - 1} match"


def _nonfinite_word(values: np.ndarray) -> str:
    return "NaN" if np.isnan(values).any() else "inf"


def _blown_up_reason() -> str:
    return (
        "where the expected value is finite: something overflowed or divided by zero "
        "(for example exp of a large number; subtract the max first)."
    )


def _fmt(error: float) -> str:
    # Two significant digits say how far off a value is without handing out hidden answers.
    return f"{error:.2g}"


def _value(x: float) -> str:
    return f"{x:.6g}"


def _first_change(old: Any, new: Any, path: str) -> str | None:
    if isinstance(old, dict):
        if not isinstance(new, dict) or old.keys() != new.keys():
            return path
        for key in old:
            changed = _first_change(old[key], new[key], _item_name(path, key))
            if changed is not None:
                return changed
        return None
    if isinstance(old, (tuple, list)):
        if not isinstance(new, (tuple, list)) or len(old) != len(new):
            return path
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            changed = _first_change(a, b, f"{path}[{index}]")
            if changed is not None:
                return changed
        return None
    if isinstance(old, np.ndarray) or isinstance(new, np.ndarray):
        if type(old) is not type(new):
            return path
        a, b = old, new
        if a.shape != b.shape or a.dtype.kind != b.dtype.kind:
            return path
        if (a == b).all():
            return None
        if a.dtype.kind in "fc" and ((a == b) | (np.isnan(a) & np.isnan(b))).all():
            return None
        return path
    if old != new and not (_is_nan(old) and _is_nan(new)):
        return path
    return None


def _close(
    actual: np.ndarray, expected: np.ndarray, tolerances: Tolerances, *, equal_nan: bool
) -> np.ndarray:
    """Return `np.isclose(actual, expected, ...)` for same-shape arrays, without its overhead."""
    # Same rule as np.isclose: |a - e| <= atol + rtol * |e|, and equal infinities are close.
    if actual.dtype.kind not in "fc" or expected.dtype.kind not in "fc":
        actual, expected = actual.astype(np.float64), expected.astype(np.float64)
    bound = tolerances.effective_atol(expected) + tolerances.rtol * np.abs(expected)
    # An infinite bound would let -inf pass for inf; infinities are matched by equality below.
    close = (np.abs(actual - expected) <= bound) & np.isfinite(bound)
    if not close.all():
        close |= actual == expected
        if equal_nan:
            close |= np.isnan(actual) & np.isnan(expected)
    return close


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)
