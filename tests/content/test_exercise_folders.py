"""Check the seeded course's exercise folders: metadata, cases, reference and known mistakes."""

import copy
import inspect
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
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


def test_exercise_folders_are_exactly_the_course_exercises() -> None:
    folders = sorted(p.name for p in EXERCISES_DIR.iterdir() if p.is_dir())
    assert folders == SLUGS


@pytest.mark.parametrize("slug", SLUGS)
def test_folder_holds_every_file_and_a_main_variant_per_listed_mistake(slug: str) -> None:
    folder = EXERCISES_DIR / slug
    for name in ("exercise.yaml", "prompt.md", "starter.py", "reference.py", "cases.py"):
        assert (folder / name).is_file(), f"{slug}/{name} is missing"
    meta = yaml.safe_load((folder / "exercise.yaml").read_text())
    listed = sorted(m["slug"] for m in meta["mistakes"])
    assert listed == sorted(p.stem for p in (folder / "mistakes").glob("*.py"))
    assert len(set(listed)) == len(listed)
    further = {p.name for p in (folder / "mistakes").iterdir() if p.is_dir()}
    assert further <= set(listed), "a folder of further variants belongs to a listed mistake"


@pytest.mark.parametrize("slug", SLUGS)
def test_exercise_yaml_has_every_field_with_course_defaults(slug: str) -> None:
    meta = _exercise(slug).meta
    assert meta.keys() >= REQUIRED_FIELDS
    assert meta["lesson"] in LESSONS
    assert meta["entry_point"] == slug.replace("-", "_")
    assert (meta["rtol"], meta["atol"]) == (1e-5, 1e-8)
    assert meta["time_limit_ms"] == TIME_LIMIT_MS.get(slug, 2000)
    assert meta["memory_mb"] == 512
    assert meta["published"] is True
    assert isinstance(meta["order"], int)
    assert meta["returns"] and all(isinstance(r, str) for r in meta["returns"])
    for mistake in meta["mistakes"]:
        assert mistake["slug"] and mistake["title"]
        assert mistake["message"].count(".") >= 2, mistake["slug"]


def test_exercise_order_is_unique_within_each_lesson() -> None:
    positions = [(_exercise(s).meta["lesson"], _exercise(s).meta["order"]) for s in SLUGS]
    assert len(set(positions)) == len(positions)


@pytest.mark.parametrize("slug", SLUGS)
def test_cases_are_deterministic_typed_and_small(slug: str) -> None:
    folder = EXERCISES_DIR / slug
    first, second = _make_cases(folder), _make_cases(folder)
    assert _identical(first, second)
    assert 10 <= len(first) <= 20
    visible = [case["visible"] for case in first]
    assert visible[:2] == [True, True] and sum(visible) <= 3
    assert visible == sorted(visible, reverse=True), "visible examples come first"
    assert len({case["name"] for case in first}) == len(first)
    for case in first:
        assert set(case) == {"name", "visible", "args"}
        for array in _arrays(case["args"]):
            assert array.dtype in (np.float64, np.int64), (case["name"], array.dtype)
            assert all(n <= 12 for n in array.shape), case["name"]
            assert array.ndim < 2 or max(array.shape[1:]) <= 8, case["name"]


@pytest.mark.parametrize("slug", SLUGS)
def test_reference_returns_finite_values_of_the_contract_shapes(slug: str) -> None:
    exercise = _exercise(slug)
    for case, outcome in zip(exercise.cases, _outcomes(exercise, exercise.reference), strict=True):
        assert not outcome.raised, case["name"]
        assert not outcome.mutated, case["name"]
        components = _as_components(exercise, outcome.value)
        assert len(components) == len(exercise.meta["returns"])
        assert [_shape_tree(c) for c in components] == EXPECTED_SHAPES[slug](*case["args"])
        for component in components:
            if component is None or isinstance(component, str):
                continue  # grad-check names the wrong gradient, or None
            if isinstance(component, list) and all(isinstance(c, str) for c in component):
                continue  # the capstone's samples
            if isinstance(component, dict) and not _arrays(component):
                component = list(component.values())  # a dict of plain numbers
            for array in _arrays(component) or [np.asarray(component, dtype=float)]:
                assert np.all(np.isfinite(array)), case["name"]


@pytest.mark.parametrize(
    "slug,mistake,variant",
    [
        (s, m["slug"], index)
        for s in SLUGS
        for m in _exercise(s).meta["mistakes"]
        for index in range(len(_exercise(s).variants[m["slug"]]))
    ],
)
def test_every_variant_of_a_known_mistake_fails_at_least_one_case(
    slug: str, mistake: str, variant: int
) -> None:
    exercise = _exercise(slug)
    rtol, atol = _tolerances(exercise)
    expected = _outcomes(exercise, exercise.reference)
    got = _outcomes(exercise, exercise.variants[mistake][variant])
    failed = [
        case["name"]
        for case, ref, out in zip(exercise.cases, expected, got, strict=True)
        if out.raised or out.mutated or not _close(out.value, ref.value, rtol, atol, False)
    ]
    assert failed, f"{slug}: {mistake} (variant {variant}) passes every case"


def _agree(a: Outcome, b: Outcome, rtol: float, atol: float) -> bool:
    if a.raised or b.raised:
        return True  # the grader only matches on cases where both ran
    return a.mutated == b.mutated and (
        _close(a.value, b.value, rtol, atol, True) or _close(b.value, a.value, rtol, atol, True)
    )


@pytest.mark.parametrize("slug", SLUGS)
def test_known_mistakes_and_reference_are_pairwise_distinguishable(slug: str) -> None:
    exercise = _exercise(slug)
    rtol, atol = _tolerances(exercise)
    variants = {"reference": exercise.reference}
    for name, fns in exercise.variants.items():
        variants.update({f"{name}#{index}": fn for index, fn in enumerate(fns)})
    outcomes = {name: _outcomes(exercise, fn) for name, fn in variants.items()}
    for first, second in itertools.combinations(variants, 2):
        if first.split("#")[0] == second.split("#")[0]:
            continue  # two ways of writing one mistake may agree
        assert not all(
            _agree(a, b, rtol, atol) for a, b in zip(outcomes[first], outcomes[second], strict=True)
        ), f"{slug}: {first} and {second} agree on every case where both ran"


@pytest.mark.parametrize("slug", SLUGS)
def test_starter_defines_the_entry_point_with_the_reference_signature(slug: str) -> None:
    exercise = _exercise(slug)
    folder = EXERCISES_DIR / slug
    source = (folder / "starter.py").read_text()
    assert "import numpy as np" in source
    starter = _exec_entry_point(folder / "starter.py", exercise.meta["entry_point"])
    assert inspect.signature(starter) == inspect.signature(exercise.reference)
    assert starter.__doc__
    assert (folder / "prompt.md").read_text().count(exercise.meta["entry_point"]) >= 1


@pytest.mark.parametrize("slug", SLUGS)
def test_case_files_and_references_import_only_numpy(slug: str) -> None:
    folder = EXERCISES_DIR / slug
    paths = [folder / "cases.py", folder / "reference.py", *(folder / "mistakes").glob("*.py")]
    for path in paths:
        imports = [
            line for line in path.read_text().splitlines() if line.startswith(("import ", "from "))
        ]
        assert set(imports) <= {"import numpy as np"}, path


def _rnn_dims(args: list[Any]) -> tuple[int, int, int, bool]:
    xs, h0 = args[0], args[1]
    return xs.shape[0], xs.shape[1], h0.shape[0], bool(np.any(h0))


@pytest.mark.parametrize("slug", sorted(RNN_SLUGS | {"rnn-step"}))
def test_recurrent_cases_cover_the_course_edge_cases(slug: str) -> None:
    cases = _exercise(slug).cases
    if slug == "rnn-step":
        dims = [
            (1, len(c["args"][0]), len(c["args"][1]), bool(np.any(c["args"][1]))) for c in cases
        ]
    else:
        dims = [_rnn_dims(c["args"]) for c in cases]
    assert any(H == 1 for _, _, H, _ in dims)
    assert any(D == H and nonzero for _, D, H, nonzero in dims)
    assert any(D != H for _, D, H, _ in dims)
    if slug != "rnn-step":
        assert any(T == 1 for T, _, _, _ in dims)
        assert any(T == 12 for T, _, _, _ in dims)
    names = " ".join(c["name"] for c in cases)
    assert "zero weights" in names and "saturate" in names


def test_softmax_and_cross_entropy_cases_reach_1000_and_softmax_sees_rows() -> None:
    for slug in ("softmax", "cross-entropy-loss"):
        logits = [c["args"][0] for c in _exercise(slug).cases]
        assert any(np.max(z) >= 1000 for z in logits)
        assert any(np.min(z) <= -1000 for z in logits)
    softmax_inputs = [c["args"][0] for c in _exercise("softmax").cases]
    assert {z.ndim for z in softmax_inputs} == {1, 2}


def test_update_cases_cover_learning_rates_and_both_clipping_regimes() -> None:
    assert any(c["args"][2] not in (0.0, 1.0) for c in _exercise("sgd-step").cases)
    regimes = set()
    for case in _exercise("clip-gradients").cases:
        grads, max_norm = case["args"]
        norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
        regimes.add("zero" if norm == 0 else "clipped" if norm > max_norm else "kept")
    assert regimes == {"zero", "clipped", "kept"}


@pytest.mark.parametrize("slug", ["sgd-step", "clip-gradients"])
def test_dict_exercises_use_the_course_keys(slug: str) -> None:
    for case in _exercise(slug).cases:
        dicts = [a for a in case["args"] if isinstance(a, dict)]
        for d in dicts:
            assert set(d) in ({"U", "W", "V", "b", "c"}, {"dU", "dW", "dV", "db", "dc"})


# Other ways learners write the same known mistake: the cases must still match the variant.
OTHER_SPELLINGS = [
    (
        "cross-entropy-loss",
        "no-max-subtraction",
        """
import numpy as np
def cross_entropy_loss(logits, labels):
    total = 0.0
    for t in range(len(labels)):
        total += np.log(np.sum(np.exp(logits[t]))) - logits[t, labels[t]]
    return total / len(labels)
""",
    ),
    (
        "cross-entropy-loss",
        "no-max-subtraction",
        """
import numpy as np
def cross_entropy_loss(logits, labels):
    log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return -log_probs[np.arange(len(labels)), labels].mean()
""",
    ),
    (
        "softmax",
        "wrong-axis",
        """
import numpy as np
def softmax(z):
    e = np.exp(z - np.max(z))
    return e / e.sum(axis=0)
""",
    ),
    (
        "softmax",
        "wrong-axis",
        """
import numpy as np
def softmax(z):
    m = z.max(axis=-1, keepdims=True)
    return np.exp(z - m) / np.exp(z - m).sum(axis=0, keepdims=True)
""",
    ),
    (
        "softmax",
        "whole-array",
        """
import numpy as np
def softmax(z):
    e = np.exp(z - np.max(z, axis=None))
    return e / np.sum(e, axis=None)
""",
    ),
    (
        "cross-entropy-loss",
        "log-of-underflowed-probability",
        """
import numpy as np
def cross_entropy_loss(logits, labels):
    losses = []
    for z, label in zip(logits, labels):
        p = np.exp(z - z.max())
        p = p / p.sum()
        losses.append(-np.log(p[label]))
    return np.mean(losses)
""",
    ),
    (
        "cross-entropy-loss",
        "summed-over-time",
        """
import numpy as np
def cross_entropy_loss(logits, labels):
    total = 0.0
    for z, label in zip(logits, labels):
        m = z.max()
        total += m + np.log(np.exp(z - m).sum()) - z[label]
    return total
""",
    ),
    (
        "mse-loss",
        "half-sum-of-squares",
        """
import numpy as np
def mse_loss(ys, targets):
    diff = (ys - targets).ravel()
    return diff @ diff / 2
""",
    ),
    (
        "mse-loss",
        "mean-over-time-only",
        """
import numpy as np
def mse_loss(ys, targets):
    return ((ys - targets) ** 2).sum() / len(ys)
""",
    ),
    (
        "sgd-step",
        "input-mutated",
        """
def sgd_step(params, grads, lr):
    for name in params:
        params[name] = params[name] - lr * grads["d" + name]
    return params
""",
    ),
    (
        "rnn-forward",
        "h0-included",
        """
import numpy as np
def rnn_forward(xs, h0, U, W, V, b, c):
    hs = np.zeros((len(xs) + 1, len(h0)))
    hs[0] = h0
    for t in range(len(xs)):
        hs[t + 1] = np.tanh(U @ xs[t] + W @ hs[t] + b)
    return hs, hs[1:] @ V.T + c
""",
    ),
    (
        "gradient-norms",
        "reversed-order",
        """
import numpy as np
def gradient_norms(xs, h0, U, W, b):
    hs, h = [], h0
    for x in xs:
        h = np.tanh(U @ x + W @ h + b)
        hs.append(h)
    norms = []
    for t in range(len(xs)):
        J = np.eye(len(h0))
        for s in range(len(xs) - 1, t, -1):
            J = J @ np.diag(1 - hs[s] ** 2) @ W
        norms.append(np.linalg.norm(J))
    return np.array(norms[::-1])
""",
    ),
]


@pytest.mark.parametrize("slug,mistake,source", OTHER_SPELLINGS)
def test_other_spellings_of_a_known_mistake_match_its_variant(
    slug: str, mistake: str, source: str
) -> None:
    exercise = _exercise(slug)
    rtol, atol = _tolerances(exercise)
    namespace: dict[str, Any] = {}
    exec(source, namespace)
    submission = _outcomes(exercise, namespace[exercise.meta["entry_point"]])
    matched = [
        all(
            _agree(a, b, rtol, atol)
            for a, b in zip(submission, _outcomes(exercise, fn), strict=True)
        )
        for fn in exercise.variants[mistake]
    ]
    assert any(matched)
