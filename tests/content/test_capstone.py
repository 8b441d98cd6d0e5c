"""The capstone `train-char-rnn`: its reference against PyTorch, and grading it end to end."""

from pathlib import Path

import numpy as np
import pytest
import torch

from exercises.specs import spec_from_folder
from tests.reference import exercise_dir, load_reference

FOLDER = exercise_dir("train-char-rnn")
SECOND_SOLUTION = Path(__file__).resolve().parents[1] / "content" / "capstone_second_solution.py"


def _cases() -> list[dict]:
    namespace: dict = {"__name__": "capstone_cases"}
    exec(compile((FOLDER / "cases.py").read_text(), str(FOLDER / "cases.py"), "exec"), namespace)
    return namespace["make_cases"]()


def _course_run() -> tuple[str, dict]:
    text, settings = _cases()[1]["args"]
    return text, settings


def _torch_losses(text: str, settings: dict) -> list[float]:
    """Train with torch autograd: truncated BPTT, h carried across chunks, global-norm clipping."""
    chars = sorted(set(text))
    data = [chars.index(ch) for ch in text]
    H, K, L = settings["hidden_size"], len(chars), settings["seq_length"]
    rng = np.random.default_rng(settings["seed"])
    params = [
        torch.tensor(rng.normal(0.0, 0.1, shape), dtype=torch.float64, requires_grad=True)
        for shape in ((H, K), (H, H), (K, H))
    ]
    params += [torch.zeros(n, dtype=torch.float64, requires_grad=True) for n in (H, K)]
    U, W, V, b, c = params
    losses, h, pos = [], torch.zeros(H, dtype=torch.float64), 0
    for _ in range(settings["num_steps"]):
        if pos + L + 1 > len(data):
            h, pos = torch.zeros(H, dtype=torch.float64), 0
        inputs = torch.nn.functional.one_hot(torch.tensor(data[pos : pos + L]), K).double()
        labels = torch.tensor(data[pos + 1 : pos + L + 1])
        logits = []
        for x_t in inputs:
            h = torch.tanh(U @ x_t + W @ h + b)
            logits.append(V @ h + c)
        loss = torch.nn.functional.cross_entropy(torch.stack(logits), labels)
        for p in params:
            p.grad = None
        loss.backward()
        # clip_grad_norm_ adds 1e-6 to the norm; the course's rule has no such term.
        norm = torch.sqrt(sum((p.grad**2).sum() for p in params))
        scale = min(1.0, settings["max_norm"] / norm.item())
        with torch.no_grad():
            for p in params:
                p -= settings["learning_rate"] * scale * p.grad
        losses.append(loss.item())
        h, pos = h.detach(), pos + L
    return losses


@pytest.mark.parametrize("index", range(len(_cases())))
def test_reference_training_matches_torch_autograd(index: int) -> None:
    text, settings = _cases()[index]["args"]
    settings = {**settings, "num_steps": min(settings["num_steps"], 60)}
    losses = load_reference("train-char-rnn")(text, settings)[0]
    np.testing.assert_allclose(losses, _torch_losses(text, settings), rtol=1e-9, atol=1e-12)


def test_course_run_learns_and_its_learning_rate_diverges_without_clipping() -> None:
    text, settings = _course_run()
    reference = load_reference("train-char-rnn")
    losses, first_below, samples, _ = reference(text, settings)
    assert losses[0] == pytest.approx(np.log(len(set(text))), abs=0.05)  # a guess: log K
    assert losses[-50:].mean() < settings["target_loss"] < losses[:50].mean()
    assert first_below is not None and losses[first_below - 1] < settings["target_loss"]
    assert "favourite" in samples[0]  # the cool sample writes the training text back
    unclipped, never_below, _, _ = reference(text, {**settings, "max_norm": np.inf})
    assert never_below is None
    assert unclipped[-50:].mean() > unclipped[0] > losses[-50:].mean()


def test_an_independent_correct_solution_passes_the_capstone() -> None:
    from grader.grading import grade

    verdict = grade(spec_from_folder(FOLDER), SECOND_SOLUTION.read_text())
    assert verdict.status == "passed", verdict.to_dict(detail=True)


def test_the_no_clipping_mistake_is_named_with_its_message() -> None:
    from grader.grading import grade

    verdict = grade(spec_from_folder(FOLDER), (FOLDER / "mistakes" / "no-clipping.py").read_text())
    assert verdict.status == "failed"
    assert verdict.misconception_slug == "no-clipping"
    example = verdict.to_dict(detail=True)["tests"][1]
    assert example["visible"] and not example["passed"]
    assert example["components"][1] == {
        "name": "first_below",
        "passed": False,
        "message": example["components"][1]["message"],
    }


def test_lesson_9_links_the_capstone_and_its_numbers_recompute() -> None:
    body = (FOLDER.parents[1] / "lessons" / "09-language-modelling.md").read_text()
    assert "(/exercises/train-char-rnn/)" in body
    assert "## Global-norm clipping" in body and "Truncated BPTT" in body
    text, settings = _course_run()
    reference = load_reference("train-char-rnn")
    losses = reference(text, settings)[0]
    unclipped = reference(text, {**settings, "max_norm": np.inf})[0]
    K = len(set(text))
    assert f"$\\eta = {settings['learning_rate']:g}$ with $G = {settings['max_norm']:g}$" in body
    assert f"starts at ${losses[0]:.2f}$" in body
    assert f"close to $\\log {K} \\approx {np.log(K):.2f}$ for the {K} characters" in body
    assert f"the last 50 updates is ${losses[-50:].mean():.2f}$" in body
    # A diverging run's figures depend on the processor's rounding: the lesson quotes none.
    assert "climbs above where it started and never falls below the target" in body
    assert unclipped[-50:].mean() > unclipped[0]
