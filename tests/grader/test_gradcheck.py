"""Gradient-check feedback: a failing gradient is checked against the learner's own loss."""

from pathlib import Path

import pytest

from exercises.specs import spec_from_folder
from grader.grading import expected_outputs, grade
from grader.grading.gradcheck import ENTRIES_PER_PARAMETER, gradient_parameters
from grader.sandbox import Sandbox

EXERCISES = Path(__file__).resolve().parents[2] / "content" / "rnn-from-scratch" / "exercises"


def spec(slug: str):
    return spec_from_folder(EXERCISES / slug)


def reference(slug: str) -> str:
    return (EXERCISES / slug / "reference.py").read_text()


def test_gradient_exercises_are_recognised_by_their_returns():
    sandbox = Sandbox.shared()
    found = {
        slug: gradient_parameters(expected_outputs.get(spec(slug), sandbox))
        for slug in ("fnn-backward", "rnn-bptt", "many-to-one-bptt", "rnn-forward", "mse-loss")
    }
    assert found["rnn-bptt"] == {"dU": 2, "dW": 3, "dV": 4, "db": 5, "dc": 6}
    assert found["fnn-backward"] == {"dW1": 2, "db1": 3, "dW2": 4, "db2": 5}
    assert set(found["many-to-one-bptt"]) == {"dU", "dW", "dV", "db", "dc"}
    assert found["rnn-forward"] == {} and found["mse-loss"] == {}


@pytest.mark.parametrize("slug", ["rnn-bptt", "many-to-one-bptt"])
def test_gradient_through_w_not_its_transpose_is_not_the_gradient_of_its_own_loss(slug):
    code = reference(slug).replace("W.T @ dz", "W @ dz")
    verdict = grade(spec(slug), code)
    assert verdict.status == "failed"
    assert "your `dW` is not the gradient of your own loss (relative error" in verdict.message
    shown = next(t for t in verdict.tests if t.visible and not t.passed)
    assert "Gradient check on" in shown.message
    # The named misconception is still there, and the JSON keeps its shape.
    assert verdict.misconception_slug == "w-instead-of-w-transposed"
    assert set(verdict.to_dict()) == {
        "exercise", "status", "score", "tests", "misconception", "duration_ms"
    }  # fmt: skip


def test_consistent_gradients_of_a_wrong_loss_blame_the_loss():
    code = (
        reference("rnn-bptt")
        .replace("np.mean((ys - targets) ** 2)", "0.5 * np.sum((ys - targets) ** 2)")
        .replace("2.0 * (ys - targets) / ys.size", "(ys - targets)")
    )
    verdict = grade(spec("rnn-bptt"), code)
    assert verdict.status == "failed"
    assert (
        "your `dU`, `dW`, `dV`, `db` and `dc` match your own loss; your loss itself is wrong"
        in verdict.message
    )
    assert "not the gradient" not in verdict.message


def test_a_float32_loss_is_too_coarse_to_judge_and_gets_no_note():
    # Rounding a loss near 1 to float32 moves it by ~6e-8, which central differences with
    # h = 1e-5 turn into ~6e-3 of gradient: the check cannot tell right from wrong here.
    code = (
        reference("rnn-bptt")
        .replace("np.mean((ys - targets) ** 2)", "np.float32(0.5 * np.sum((ys - targets) ** 2))")
        .replace("2.0 * (ys - targets) / ys.size", "(ys - targets)")
    )
    verdict = grade(spec("rnn-bptt"), code)
    assert verdict.status == "failed"
    assert "not the gradient of your own loss" not in verdict.message
    assert "Gradient check on" not in verdict.message


def test_fnn_backward_gets_the_check_too():
    code = reference("fnn-backward").replace("W2.T @", "1.5 * W2.T @", 1)
    assert code != reference("fnn-backward")
    verdict = grade(spec("fnn-backward"), code)
    assert verdict.status == "failed"
    assert "is not the gradient of your own loss" in verdict.message


def test_no_check_when_the_submission_passes_or_the_exercise_has_no_gradients():
    assert "Gradient check" not in grade(spec("rnn-bptt"), reference("rnn-bptt")).message
    wrong_forward = reference("rnn-forward").replace("+ c", "")
    verdict = grade(spec("rnn-forward"), wrong_forward)
    assert verdict.status == "failed" and "Gradient check" not in verdict.message


def test_a_backward_pass_that_raises_in_the_check_just_gets_no_note():
    # Each run is a fresh process: the two examples pass this guard, the check's calls do not.
    code = (
        reference("rnn-bptt")
        .replace("W.T @ dz", "W @ dz")
        .replace(
            "    T = xs.shape[0]\n",
            "    CALLS.append(1)\n    if len(CALLS) > 3:\n        raise ValueError\n"
            "    T = xs.shape[0]\n",
            1,
        )
    )
    verdict = grade(spec("rnn-bptt"), "CALLS = []\n" + code)
    assert verdict.status == "failed"
    assert "Gradient check" not in verdict.message


def test_the_check_is_bounded():
    assert ENTRIES_PER_PARAMETER <= 8
