"""The seeded course's exercise folders, loaded and run for the content tests."""

import copy
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

EXERCISES_DIR = Path(__file__).resolve().parents[2] / "content" / "rnn-from-scratch" / "exercises"

# The 13 coding exercises of COURSE.md, the gradient check and the capstone of issue 14, with
# the shapes their reference must return.


def _char_rnn_shapes(K: int, H: int) -> dict[str, tuple[int, ...]]:
    return {"U": (H, K), "W": (H, H), "V": (K, H), "b": (H,), "c": (K,)}


EXPECTED_SHAPES: dict[str, Callable[..., list[tuple[int, ...]]]] = {
    "fnn-forward": lambda x, W1, b1, W2, b2: [b1.shape, b2.shape],
    "fnn-backward": lambda x, t, W1, b1, W2, b2: [(), W1.shape, b1.shape, W2.shape, b2.shape],
    "rnn-step": lambda x_t, h_prev, U, W, b: [h_prev.shape],
    "rnn-forward": lambda xs, h0, U, W, V, b, c: [
        (xs.shape[0], h0.shape[0]),
        (xs.shape[0], c.shape[0]),
    ],
    "softmax": lambda z: [z.shape],
    "mse-loss": lambda ys, targets: [()],
    "cross-entropy-loss": lambda logits, labels: [()],
    "rnn-bptt": lambda xs, h0, U, W, V, b, c, targets: [
        (),
        U.shape,
        W.shape,
        V.shape,
        b.shape,
        c.shape,
    ],
    "many-to-one-forward": lambda xs, h0, U, W, V, b, c: [c.shape],
    "many-to-one-bptt": lambda xs, h0, U, W, V, b, c, label: [
        (),
        U.shape,
        W.shape,
        V.shape,
        b.shape,
        c.shape,
    ],
    "sgd-step": lambda params, grads, lr: [{name: p.shape for name, p in params.items()}],
    "clip-gradients": lambda grads, max_norm: [{name: g.shape for name, g in grads.items()}],
    "gradient-norms": lambda xs, h0, U, W, b: [(xs.shape[0],)],
    "grad-check": lambda xs, h0, params, targets, grads, eps: [
        {name: g.shape for name, g in grads.items()},
        {name: () for name in grads},
        (),
    ],
    "train-char-rnn": lambda text, settings: [
        (settings["num_steps"],),
        (),
        (len(settings["temperatures"]),),
        _char_rnn_shapes(len(set(text)), settings["hidden_size"]),
    ],
}
SLUGS = sorted(EXPECTED_SHAPES)
LESSONS = {
    "why-memory",
    "rnn-shapes",
    "forward-propagation",
    "measuring-error",
    "worked-example",
    "bptt",
    "learning",
    "vanishing-gradients",
    "language-modelling",
}
# The capstone trains a network in every case, so it gets a longer limit (README: its timings).
TIME_LIMIT_MS = {"train-char-rnn": 10000}
REQUIRED_FIELDS = {
    "title",
    "lesson",
    "order",
    "entry_point",
    "returns",
    "rtol",
    "atol",
    "time_limit_ms",
    "memory_mb",
    "published",
    "mistakes",
}
RNN_SLUGS = {
    "rnn-forward",
    "rnn-bptt",
    "many-to-one-forward",
    "many-to-one-bptt",
    "gradient-norms",
}


@dataclass(frozen=True)
class Outcome:
    """What one call produced: its value, or that it raised; and whether it changed its args."""

    raised: bool
    value: Any = None
    mutated: bool = False


@dataclass(frozen=True)
class Exercise:
    slug: str
    meta: dict[str, Any]
    reference: Callable[..., Any]
    mistakes: dict[str, Callable[..., Any]]
    cases: list[dict[str, Any]]
    # Every variant of each mistake: mistakes/<slug>.py first, then mistakes/<slug>/*.py.
    variants: dict[str, list[Callable[..., Any]]]


def _exec_entry_point(path: Path, entry_point: str) -> Callable[..., Any]:
    namespace: dict[str, Any] = {"__name__": f"exercise_file_{path.stem}"}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    return namespace[entry_point]


def _make_cases(folder: Path) -> list[dict[str, Any]]:
    namespace: dict[str, Any] = {"__name__": "exercise_cases"}
    exec(compile((folder / "cases.py").read_text(), str(folder / "cases.py"), "exec"), namespace)
    return namespace["make_cases"]()


@cache
def _exercise(slug: str) -> Exercise:
    folder = EXERCISES_DIR / slug
    meta = yaml.safe_load((folder / "exercise.yaml").read_text())
    entry_point = meta["entry_point"]
    mistakes = {
        m["slug"]: _exec_entry_point(folder / "mistakes" / f"{m['slug']}.py", entry_point)
        for m in meta["mistakes"]
    }
    variants = {
        name: [main]
        + [
            _exec_entry_point(path, entry_point)
            for path in sorted((folder / "mistakes" / name).glob("*.py"))
        ]
        for name, main in mistakes.items()
    }
    reference = _exec_entry_point(folder / "reference.py", entry_point)
    return Exercise(slug, meta, reference, mistakes, _make_cases(folder), variants)


def _identical(a: Any, b: Any) -> bool:
    if isinstance(a, dict):
        return (
            isinstance(b, dict) and a.keys() == b.keys() and all(_identical(a[k], b[k]) for k in a)
        )
    if isinstance(a, list | tuple):
        return isinstance(b, list | tuple) and len(a) == len(b) and all(map(_identical, a, b))
    if isinstance(a, np.ndarray):
        return (
            isinstance(b, np.ndarray)
            and a.dtype == b.dtype
            and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
        )
    return type(a) is type(b) and a == b


def _call(fn: Callable[..., Any], args: list[Any]) -> Outcome:
    """Call fn on a private copy of args, as the grader would, and record what happened."""
    mine = copy.deepcopy(args)
    try:
        with np.errstate(all="ignore"):
            value = fn(*mine)
    except Exception:
        return Outcome(raised=True)
    return Outcome(raised=False, value=value, mutated=not _identical(mine, args))


def _close(actual: Any, expected: Any, rtol: float, atol: float, equal_nan: bool) -> bool:
    """Compare like the grader: structure, then shape, then values with the tolerances."""
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and actual.keys() == expected.keys()
            and all(_close(actual[k], expected[k], rtol, atol, equal_nan) for k in expected)
        )
    if isinstance(expected, tuple | list):
        return (
            isinstance(actual, tuple | list)
            and len(actual) == len(expected)
            and all(
                _close(a, e, rtol, atol, equal_nan) for a, e in zip(actual, expected, strict=True)
            )
        )
    try:
        actual_array = np.asarray(actual, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    expected_array = np.asarray(expected, dtype=np.float64)
    return actual_array.shape == expected_array.shape and bool(
        np.allclose(actual_array, expected_array, rtol=rtol, atol=atol, equal_nan=equal_nan)
    )


def _outcomes(exercise: Exercise, fn: Callable[..., Any]) -> list[Outcome]:
    return [_call(fn, case["args"]) for case in exercise.cases]


def _tolerances(exercise: Exercise) -> tuple[float, float]:
    return float(exercise.meta["rtol"]), float(exercise.meta["atol"])


def _arrays(value: Any) -> list[np.ndarray]:
    if isinstance(value, dict):
        return [a for v in value.values() for a in _arrays(v)]
    if isinstance(value, list | tuple):
        return [a for v in value for a in _arrays(v)]
    if isinstance(value, np.ndarray):
        return [value]
    return []


def _as_components(exercise: Exercise, value: Any) -> list[Any]:
    if len(exercise.meta["returns"]) == 1:
        return [value]
    assert isinstance(value, tuple), f"{exercise.slug} should return a tuple"
    return list(value)


def _shape_tree(value: Any) -> Any:
    if isinstance(value, dict):
        return {name: _shape_tree(v) for name, v in value.items()}
    return np.shape(value)
