"""Tolerances and closeness of numeric values, finiteness, and JSON-friendly copies of outputs.

Also the shared reading of an output's structure: which values are numbers, which are
sequences of components, and how a component inside one is named.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

_JSON_MAX_ELEMENTS = 2000
_SIGNIFICANT_DIGITS = 6
# The absolute tolerance of a component grows with its largest entry: atol_eff = max(atol,
# SCALE_ATOL * max|expected|). 1e-5 is about 84 float32 epsilons. Measured on the seeded course
# (tests/grader/test_tolerances.py): the float32 version of every reference needs at most
# 2.2e-6 (gradient-norms, a product of 12 Jacobians), while the closest known mistake needs
# 0.37 to pass, so results right to float32 precision pass and no mistake comes near.
SCALE_ATOL = 1e-5


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
    if is_sequence_output(a) or is_sequence_output(b):
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
        return bool(isclose(left, right, tolerances, equal_nan=True).all())


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


def item_name(base: str, key: Any) -> str:
    return f"{base}[{key!r}]"


def is_numeric(value: Any) -> bool:
    return isinstance(value, (bool, int, float, complex, np.generic, np.ndarray))


def is_sequence_output(value: Any) -> bool:
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


def isclose(
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
