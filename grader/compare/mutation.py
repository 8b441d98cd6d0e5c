"""Detect an input that the learner's call changed, and name it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from grader.compare.values import item_name


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


def _first_change(old: Any, new: Any, path: str) -> str | None:
    if isinstance(old, dict):
        if not isinstance(new, dict) or old.keys() != new.keys():
            return path
        for key in old:
            changed = _first_change(old[key], new[key], item_name(path, key))
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


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)
