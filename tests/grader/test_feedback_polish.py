"""Feedback that hides nothing: raised cases next to a named mistake, mutation and wrong values."""

from pathlib import Path

from exercises.specs import spec_from_folder
from grader.grading import grade

EXERCISES = Path(__file__).resolve().parents[2] / "content" / "rnn-from-scratch" / "exercises"


def folder(slug: str) -> Path:
    return EXERCISES / slug


def test_a_named_mistake_also_says_the_code_raised_on_some_cases():
    # W applied to the input only has valid shapes when D = H: it raises on the other cases.
    code = (folder("rnn-step") / "mistakes" / "w-applied-to-input.py").read_text()
    verdict = grade(spec_from_folder(folder("rnn-step")), code)
    assert verdict.misconception_slug == "w-applied-to-input"
    assert "Besides the known mistake, your code raised an exception on" in verdict.message
    raised = [t for t in verdict.tests if "raised" in t.message]
    assert f"on {len(raised)} of the {len(verdict.tests)} cases" in verdict.message


def test_a_named_mistake_without_exceptions_says_nothing_about_them():
    code = (folder("rnn-step") / "mistakes" / "bias-left-out.py").read_text()
    verdict = grade(spec_from_folder(folder("rnn-step")), code)
    assert verdict.misconception_slug == "bias-left-out"
    assert "raised" not in verdict.message


def test_a_case_that_mutates_and_is_wrong_reports_both():
    code = (
        "def sgd_step(params, grads, lr):\n"
        "    for name in params:\n"
        "        params[name] += lr * grads['d' + name]\n"
        "    return params\n"
    )
    verdict = grade(spec_from_folder(folder("sgd-step")), code)
    first = verdict.tests[0]
    assert first.visible and not first.passed
    assert first.message.startswith("Your function changed its input")
    assert "Also: `params['U']` differs from the expected value" in first.message


def test_a_case_that_only_mutates_reports_the_mutation_alone():
    code = (folder("sgd-step") / "mistakes" / "input-mutated.py").read_text()
    verdict = grade(spec_from_folder(folder("sgd-step")), code)
    assert verdict.misconception_slug == "input-mutated"
    assert "Also:" not in verdict.tests[0].message


def test_in_place_mistakes_speak_of_the_same_arrays():
    for slug in ("sgd-step", "clip-gradients"):
        spec = spec_from_folder(folder(slug))
        message = next(m.message for m in spec.mistakes if m.slug == "input-mutated")
        assert "returned the same\narrays" in message and "same\ndict" not in message
