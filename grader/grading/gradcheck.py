"""Gradient-check feedback: are a failing submission's gradients those of its own loss?

A gradient exercise returns `loss` first and then `d<name>` for some of its arguments (e.g.
`rnn_bptt` returns loss, dU, dW, dV, db, dc for its arguments U, W, V, b, c). When such a
submission fails, the learner's own function is called again in the sandbox on one failing
visible case with single entries of each parameter nudged by ±h, and the central difference of
the loss it returns is compared with the gradient it returns. That tells the learner whether
the backward pass or the loss itself is wrong.

Plain Python: no Django. Only visible inputs go to the learner's code, so every value that
comes back may be shown; the comparison happens here, in the trusted process.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from grader.grading.prepare import PreparedExercise, run_limits
from grader.grading.spec import TestResult
from grader.sandbox import Sandbox

# At most this many entries of each parameter are nudged: 2 calls per entry, so the check
# costs at most 2 * ENTRIES_PER_PARAMETER calls per wrong gradient.
ENTRIES_PER_PARAMETER = 6
STEP = 1e-5
# Central differences of a float64 loss with h = 1e-5 are good to ~1e-9 relative here (round-off
# eps/h, truncation h^2); a gradient within the grader's own rtol of them counts as matching.
MATCHES_BELOW = 1e-5
_TIME_LIMIT_S = 1.0
_OUTPUT_BYTES = 4 * 1024 * 1024


def gradient_parameters(prepared: PreparedExercise) -> dict[str, int]:
    """Return {gradient name: index of its argument}, or {} if this is no gradient exercise."""
    returns = prepared.spec.returns
    if len(returns) < 2 or returns[0] != "loss":
        return {}
    found = {}
    for name in returns[1:]:
        if not name.startswith("d") or name[1:] not in prepared.arg_names:
            return {}
        found[name] = prepared.arg_names.index(name[1:])
    return found


def gradient_feedback(
    prepared: PreparedExercise, sandbox: Sandbox, code: str, tests: list[TestResult]
) -> tuple[int, str] | None:
    """Return (index into `tests`, sentences) about the learner's wrong gradients, or None.

    Runs only for a gradient exercise with a failing visible case where some gradient failed;
    whatever goes wrong in the check (the code raises, times out, returns NaN) gives None.
    """
    parameters = gradient_parameters(prepared)
    if not parameters:
        return None
    failing = [
        (position, test, [c.name for c in test.components if not c.passed and c.name in parameters])
        for position, test in enumerate(tests)
        if test.visible
    ]
    position, test, wrong = next((item for item in failing if item[2]), (0, None, []))
    if test is None:
        return None
    case = next((c for c in prepared.cases if c.name == test.name and c.visible), None)
    if case is None:
        return None
    loss_right = any(c.name == "loss" and c.passed for c in test.components)
    try:
        sentences = _check(prepared, sandbox, code, case.args, parameters, wrong, loss_right)
    except Exception:  # values from the learner's process: a check that cannot run says nothing
        return None
    if not sentences:
        return None
    return position, (
        f"Gradient check on {test.name!r} (central differences of the loss your own code "
        "returns): " + "; ".join(sentences) + "."
    )


def _check(
    prepared: PreparedExercise,
    sandbox: Sandbox,
    code: str,
    args: list[Any],
    parameters: dict[str, int],
    wrong: list[str],
    loss_right: bool,
) -> list[str]:
    calls: list[list[Any]] = [list(args)]
    nudged: list[tuple[str, tuple[int, ...]]] = []
    for name in wrong:
        array = args[parameters[name]]
        if not isinstance(array, np.ndarray) or array.dtype.kind != "f" or array.size == 0:
            continue
        for flat in _entries(array.size):
            index = np.unravel_index(flat, array.shape)
            for sign in (1.0, -1.0):
                changed = list(args)
                moved = array.copy()
                moved[index] += sign * STEP
                changed[parameters[name]] = moved
                calls.append(changed)
            nudged.append((name, tuple(int(i) for i in index)))
    if len(calls) == 1:
        return []
    limits = dataclasses.replace(
        run_limits(prepared.spec, _OUTPUT_BYTES),
        time_limit_s=min(_TIME_LIMIT_S, prepared.spec.time_limit_ms / 1000),
    )
    run = sandbox.run(code, prepared.spec.entry_point, calls, limits=limits)
    if run.status != "ok" or len(run.outcomes) != len(calls):
        return []
    if not all(outcome.ok for outcome in run.outcomes):
        return []
    returned = _named(prepared, run.outcomes[0].value)
    losses = [_loss(outcome.value) for outcome in run.outcomes[1:]]
    if all(loss == float(np.float32(loss)) for loss in losses):
        # A loss computed in float32 (whatever type it is returned as) moves by ~1e-7 of
        # itself when rounded; central differences turn that into errors far above
        # MATCHES_BELOW, so the check could not tell a right gradient from a wrong one.
        return []
    numeric: dict[str, list[float]] = {}
    analytic: dict[str, list[float]] = {}
    for number, (name, index) in enumerate(nudged):
        plus, minus = losses[2 * number], losses[2 * number + 1]
        numeric.setdefault(name, []).append((plus - minus) / (2 * STEP))
        gradient = np.asarray(returned[name])
        if gradient.shape == args[parameters[name]].shape and gradient.dtype.kind in "biuf":
            analytic.setdefault(name, []).append(float(gradient[index]))
    sentences = []
    matching = []
    for name in numeric:
        if name not in analytic:
            continue  # a gradient of the wrong shape: its own message says so
        error = _relative_error(np.array(analytic[name]), np.array(numeric[name]))
        if not np.isfinite(error):
            continue
        if error > MATCHES_BELOW:
            sentences.append(
                f"your `{name}` is not the gradient of your own loss (relative error {error:.2g})"
            )
        else:
            matching.append(f"`{name}`")
    if matching and not loss_right:
        names = _join_names(matching)
        verb = "matches" if len(matching) == 1 else "match"
        sentences.append(f"your {names} {verb} your own loss; your loss itself is wrong")
    return sentences


def _join_names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _entries(size: int) -> list[int]:
    """Return up to ENTRIES_PER_PARAMETER flat indices spread over the array."""
    if size <= ENTRIES_PER_PARAMETER:
        return list(range(size))
    return sorted({int(i) for i in np.linspace(0, size - 1, ENTRIES_PER_PARAMETER)})


def _named(prepared: PreparedExercise, value: Any) -> dict[str, Any]:
    if not isinstance(value, (tuple, list)) or len(value) != len(prepared.spec.returns):
        raise ValueError("not the expected tuple")
    return dict(zip(prepared.spec.returns, value, strict=True))


def _loss(value: Any) -> float:
    if not isinstance(value, (tuple, list)) or not value:
        raise ValueError("no loss")
    loss = np.asarray(value[0], dtype=np.float64)
    if loss.size != 1 or not np.isfinite(loss).all():
        raise ValueError("the loss is not one finite number")
    return float(loss.reshape(()))


def _relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    scale = max(float(np.linalg.norm(analytic)), float(np.linalg.norm(numeric)))
    difference = float(np.linalg.norm(analytic - numeric))
    if scale < 1e-7:
        return 0.0 if difference < 1e-6 else np.inf
    return difference / scale
