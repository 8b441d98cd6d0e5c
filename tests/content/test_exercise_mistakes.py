"""Check the seeded course's known mistakes: every variant is caught and matched."""

import itertools
from typing import Any

import pytest

from .exercise_folder_tools import (
    SLUGS,
    Outcome,
    _close,
    _exercise,
    _outcomes,
    _tolerances,
)


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
