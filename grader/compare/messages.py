"""The learner-facing sentences: what a difference is called, and what a hidden case may say.

Each sentence is a Mismatch, tagged with the kind of difference, so a hidden case can show
the kind alone.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from grader.compare.values import SCALE_ATOL, is_sequence_output

# Names like `hs`, `ys`, `xs`: the course's notation for sequences whose first axis is time.
_SEQUENCE_NAME = re.compile(r"^[a-z]s$")
# An error below this fraction of the largest entry is rounding-sized (just past the scale).
_TINY_ERROR = 3 * SCALE_ATOL


class Mismatch(str):
    """A learner-facing sentence, tagged with the kind of difference it describes.

    Visible cases show the sentence; hidden cases show only the kind (see _HIDDEN), because
    anything else in the sentence (an error's size, an index, the learner's shape or type)
    is chosen by the learner's code, which saw the hidden inputs and could encode them.
    """

    kind: str

    def __new__(cls, kind: str, text: str) -> Mismatch:
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


def hidden_sentence(name: str, kind: str) -> str:
    return f"`{name}` {_HIDDEN.get(kind, _HIDDEN['values'])} on this hidden case."


def unreadable_sentence(name: str, visible: bool) -> str:
    return f"`{name}` {_UNREADABLE}." if visible else hidden_sentence(name, "unreadable")


def hidden_structure(expected: Any, returns: Sequence[str]) -> str:
    if is_sequence_output(expected):
        names = returns if len(returns) == len(expected) else ()
        what = f"a tuple of {len(expected)} values" + (f" ({', '.join(names)})" if names else "")
        return (
            f"Your function should return {what}; on this hidden case it returned something else."
        )
    return "Your function's output does not have the expected structure on this hidden case."


def describe(value: Any) -> str:
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
        return f"an array of shape {format_shape(value.shape)}"
    if isinstance(value, (bool, int, float, np.generic)):
        return "a number"
    return f"a value of type {type(value).__name__}"


def format_shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def _is_time_major(name: str) -> bool:
    """Whether a component named like `hs` or `ys` holds one row per time step."""
    return bool(_SEQUENCE_NAME.match(name))


def precision_note(learner: np.ndarray, expected: np.ndarray, name: str) -> str:
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


def value_message(
    learner: np.ndarray,
    expected: np.ndarray,
    wrong: np.ndarray,
    name: str,
) -> Mismatch:
    blown_up = wrong & ~np.isfinite(learner) & np.isfinite(expected)
    if expected.ndim == 0:
        if blown_up.any():
            return Mismatch(
                "nonfinite", f"`{name}` is {_nonfinite_word(learner)} {_blown_up_reason()}"
            )
        return Mismatch(
            "values", f"`{name}` is {_value(learner.item())}; expected {_value(expected.item())}."
        )
    if _is_time_major(name) and expected.ndim in (1, 2):
        step = int(np.argmax(wrong.reshape(wrong.shape[0], -1).any(axis=1)))
        location = f"{name}[{step}]"
        if blown_up[step].any():
            return Mismatch(
                "nonfinite",
                f"`{location}` contains {_nonfinite_word(learner[step])} {_blown_up_reason()}",
            )
        error = float(np.max(np.abs(learner[step] - expected[step])))
        return Mismatch(
            "values",
            f"`{location}` differs from the expected value (max abs error {_fmt(error)})"
            f"{_matching_steps(step)}.",
        )
    if blown_up.any():
        index = tuple(int(i) for i in np.argwhere(blown_up)[0])
        location = f"{name}[{', '.join(map(str, index))}]"
        return Mismatch(
            "nonfinite", f"`{location}` is {_nonfinite_word(learner[index])} {_blown_up_reason()}"
        )
    index = tuple(int(i) for i in np.argwhere(wrong)[0])
    finite = np.isfinite(learner) & np.isfinite(expected)
    error = float(np.max(np.abs(learner - expected)[finite])) if finite.any() else math.inf
    location = f"{name}[{', '.join(map(str, index))}]"
    return Mismatch(
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
