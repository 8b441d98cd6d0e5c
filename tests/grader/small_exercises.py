"""Small exercises written for the grader tests, and the helpers building them."""

import textwrap
from pathlib import Path

from grader.grading import (
    ExerciseSpec,
    KnownMistake,
)

EXERCISES = Path(__file__).resolve().parents[2] / "content" / "rnn-from-scratch" / "exercises"


def source(text: str) -> str:
    """Return dedented Python source."""
    return textwrap.dedent(text).lstrip()


SCALE_REFERENCE = source(
    """
    import numpy as np

    def scale(x, a):
        return x * a
    """
)
SCALE_CASES = source(
    """
    import numpy as np

    def make_cases():
        rng = np.random.default_rng(3)
        return [
            {"name": "example", "visible": True, "args": [np.array([1.0, 2.0, 3.0]), 2.0]},
            {"name": "hidden random", "visible": False, "args": [rng.normal(size=(4, 2)), 0.5]},
            {"name": "hidden marker", "visible": False,
             "args": [np.array([123.456, 654.321]), 3.0]},
        ]
    """
)
SCALE_ADDED = KnownMistake(
    slug="added",
    title="Added instead of multiplied",
    code="def scale(x, a):\n    return x + a\n",
    message="You added a to x; scaling multiplies.",
)


def scale_spec(**overrides) -> ExerciseSpec:
    """Return the tiny `scale(x, a)` exercise with one known mistake."""
    fields = {
        "slug": "scale",
        "entry_point": "scale",
        "reference_code": SCALE_REFERENCE,
        "cases_code": SCALE_CASES,
        "mistakes": (SCALE_ADDED,),
        "returns": ("y",),
    }
    fields.update(overrides)
    return ExerciseSpec(**fields)


SEQ_REFERENCE = source(
    """
    import numpy as np

    def run(xs, w):
        hs = np.cumsum(xs * w, axis=0)
        return hs, float(hs.sum())
    """
)
SEQ_CASES = source(
    """
    import numpy as np

    def make_cases():
        rng = np.random.default_rng(5)
        return [
            {"name": "example", "visible": True, "args": [np.ones((3, 2)), 0.5]},
            {"name": "hidden", "visible": False, "args": [rng.normal(size=(5, 2)), 2.0]},
        ]
    """
)


def seq_spec(**overrides) -> ExerciseSpec:
    """Return a two-output exercise whose first output is a sequence over time."""
    fields = {
        "slug": "seq",
        "entry_point": "run",
        "reference_code": SEQ_REFERENCE,
        "cases_code": SEQ_CASES,
        "returns": ("hs", "total"),
    }
    fields.update(overrides)
    return ExerciseSpec(**fields)


SGD_REFERENCE = source(
    """
    def sgd(params, grads, lr):
        return {k: params[k] - lr * grads["d" + k] for k in params}
    """
)
SGD_CASES = source(
    """
    import numpy as np

    def make_cases():
        rng = np.random.default_rng(11)
        def case(name, visible):
            params = {"W": rng.normal(size=(2, 2)), "b": rng.normal(size=2)}
            grads = {"dW": rng.normal(size=(2, 2)), "db": rng.normal(size=2)}
            return {"name": name, "visible": visible, "args": [params, grads, 0.1]}
        return [case("example", True), case("hidden", False)]
    """
)
SGD_MUTATED = KnownMistake(
    slug="input-mutated",
    title="Input mutated",
    code=source(
        """
        def sgd(params, grads, lr):
            for k in params:
                params[k] -= lr * grads["d" + k]
            return params
        """
    ),
    message="You changed params in place.",
)
SGD_ADDED = KnownMistake(
    slug="gradient-added",
    title="Gradient added",
    code=source(
        """
        def sgd(params, grads, lr):
            return {k: params[k] + lr * grads["d" + k] for k in params}
        """
    ),
    message="You added the gradient.",
)


def sgd_spec(**overrides) -> ExerciseSpec:
    """Return an SGD step exercise whose inputs must not be mutated."""
    fields = {
        "slug": "sgd",
        "entry_point": "sgd",
        "reference_code": SGD_REFERENCE,
        "cases_code": SGD_CASES,
        "mistakes": (SGD_MUTATED, SGD_ADDED),
        "returns": ("new_params",),
    }
    fields.update(overrides)
    return ExerciseSpec(**fields)


SOFTMAX_REFERENCE = source(
    """
    import numpy as np

    def softmax(z):
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    """
)
SOFTMAX_CASES = source(
    """
    import numpy as np

    def make_cases():
        return [
            {"name": "example", "visible": True, "args": [np.array([1.0, 2.0, 3.0])]},
            {"name": "large entries", "visible": False,
             "args": [np.array([[1000.0, 999.0], [0.5, -1000.0]])]},
        ]
    """
)
SOFTMAX_UNSTABLE = KnownMistake(
    slug="no-max-subtraction",
    title="No max subtraction",
    code=source(
        """
        import numpy as np

        def softmax(z):
            e = np.exp(z)
            return e / e.sum(axis=-1, keepdims=True)
        """
    ),
    message="Subtract the max before exponentiating.",
)


def softmax_spec() -> ExerciseSpec:
    """Return a softmax exercise with entries at ±1000 and the unstable variant."""
    return ExerciseSpec(
        slug="softmax-mini",
        entry_point="softmax",
        reference_code=SOFTMAX_REFERENCE,
        cases_code=SOFTMAX_CASES,
        mistakes=(SOFTMAX_UNSTABLE,),
        returns=("probs",),
    )
