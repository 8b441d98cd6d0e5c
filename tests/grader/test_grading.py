"""grader.grading through the real sandbox: verdicts, scores and feedback, on small exercises
written for these tests."""

import json

import numpy as np
import pytest

from exercises.specs import spec_from_folder
from grader.grading import (
    KnownMistake,
    grade,
)

from .small_exercises import (
    EXERCISES,
    SCALE_ADDED,
    SCALE_CASES,
    SGD_ADDED,
    SGD_REFERENCE,
    SOFTMAX_UNSTABLE,
    scale_spec,
    seq_spec,
    sgd_spec,
    softmax_spec,
    source,
)


def test_correct_code_passes_with_full_score():
    verdict = grade(scale_spec(), "def scale(x, a):\n    return a * x\n")
    assert verdict.status == "passed"
    assert verdict.score == 1.0
    assert [t.passed for t in verdict.tests] == [True, True, True]
    assert verdict.misconception is None


def test_to_dict_is_exactly_the_grade_json_object():
    data = grade(scale_spec(), "def scale(x, a):\n    return a * x\n").to_dict()
    assert set(data) == {"exercise", "status", "score", "tests", "misconception", "duration_ms"}
    assert data["exercise"] == "scale"
    assert all(set(test) == {"name", "passed", "message"} for test in data["tests"])
    json.dumps(data, allow_nan=False)


def test_detail_adds_values_for_visible_cases_only():
    verdict = grade(scale_spec(), "def scale(x, a):\n    return x * a * 1.5\n")
    data = verdict.to_dict(detail=True)
    assert {"misconception_slug", "message", "stdout"} <= set(data)
    example, hidden, marker = data["tests"]
    assert example["inputs"] == {"x": [1.0, 2.0, 3.0], "a": 2.0}
    assert example["expected"] == [2.0, 4.0, 6.0]
    assert example["actual"] == [3.0, 6.0, 9.0]
    assert "inputs" not in hidden and "expected" not in hidden and "actual" not in hidden
    json.dumps(data, allow_nan=False)


def test_hidden_inputs_and_expected_values_never_appear_in_a_verdict():
    verdict = grade(scale_spec(), "def scale(x, a):\n    return x * a + 1.0\n")
    text = json.dumps(verdict.to_dict(detail=True))
    for secret in ("123.456", "654.321", "370.368", "1962.96"):
        assert secret not in text
    assert verdict.tests[2].message.startswith("`y` differs from the expected value")


def test_wrong_values_fail_and_name_the_component():
    verdict = grade(scale_spec(), "def scale(x, a):\n    return x * a * 2\n")
    assert verdict.status == "failed"
    assert verdict.score == 0.0
    assert verdict.tests[0].message.startswith("`y` differs from the expected value")
    assert verdict.message == "0 of 3 checks passed; the first failing case is 'example'."


def test_known_mistake_is_named():
    verdict = grade(scale_spec(), "def scale(x, a):\n    y = a + x\n    return y\n")
    assert verdict.status == "failed"
    assert verdict.misconception == "You added a to x; scaling multiplies."
    assert verdict.misconception_slug == "added"


def test_a_different_wrong_answer_is_not_a_known_mistake():
    verdict = grade(scale_spec(), "def scale(x, a):\n    return x - a\n")
    assert verdict.status == "failed"
    assert verdict.misconception is None


def test_passing_code_never_gets_a_misconception():
    spec = scale_spec(mistakes=(SCALE_ADDED,))
    verdict = grade(spec, "def scale(x, a):\n    return x * a\n")
    assert verdict.misconception is None and verdict.misconception_slug is None


def test_syntax_error_is_an_error_verdict_with_one_test():
    verdict = grade(scale_spec(), "def scale(x, a)\n    return x\n")
    assert verdict.status == "error"
    assert verdict.score == 0.0
    assert len(verdict.tests) == 1 and not verdict.tests[0].passed
    assert verdict.tests[0].message
    assert verdict.message == verdict.tests[0].message


def test_missing_function_is_an_error_verdict():
    verdict = grade(scale_spec(), "def scal(x, a):\n    return x * a\n")
    assert verdict.status == "error"
    assert len(verdict.tests) == 1


def test_time_limit_is_an_error_verdict():
    spec = scale_spec(time_limit_ms=500)
    verdict = grade(spec, "def scale(x, a):\n    while True:\n        pass\n")
    assert verdict.status == "error"
    assert verdict.score == 0.0


def test_exception_on_some_cases_fails_those_cases_only():
    code = source(
        """
        def scale(x, a):
            if x.ndim == 2:
                raise ValueError("no matrices please")
            return x * a
        """
    )
    verdict = grade(scale_spec(), code)
    assert verdict.status == "failed"
    assert [t.passed for t in verdict.tests] == [True, False, True]
    # A hidden case says that it raised: not the class, line or message the code chose.
    assert verdict.tests[1].message == "Your function raised an exception on this hidden case."
    assert verdict.score == pytest.approx(2 / 3)


def test_exception_on_a_visible_case_shows_its_message():
    code = "def scale(x, a):\n    raise KeyError('no scaling today')\n"
    verdict = grade(scale_spec(), code)
    assert verdict.tests[0].message == "Your function raised KeyError: 'no scaling today' (line 2)."
    assert verdict.tests[1].message == "Your function raised an exception on this hidden case."


def test_raised_case_counts_all_its_components_as_failed():
    code = source(
        """
        import numpy as np

        def run(xs, w):
            if xs.shape[0] == 5:
                raise RuntimeError("boom")
            hs = np.cumsum(xs * w, axis=0)
            return hs, float(hs.sum())
        """
    )
    verdict = grade(seq_spec(), code)
    assert [c.passed for c in verdict.tests[1].components] == [False, False]
    assert verdict.score == 0.5


def test_score_is_the_fraction_of_components_passed():
    code = source(
        """
        import numpy as np

        def run(xs, w):
            hs = np.cumsum(xs * w, axis=0)
            return hs, float(hs.sum()) + 1.0
        """
    )
    verdict = grade(seq_spec(), code)
    assert verdict.status == "failed"
    assert verdict.score == 0.5
    assert [c.name for c in verdict.tests[0].components] == ["hs", "total"]
    assert verdict.tests[0].message == "`total` is 7; expected 6."
    assert verdict.tests[1].message.startswith("`total` differs from the expected value")


def test_sequence_error_names_the_first_wrong_step():
    code = source(
        """
        import numpy as np

        def run(xs, w):
            hs = np.cumsum(xs * w, axis=0)
            hs[2:] += 0.41
            return hs, float(np.cumsum(xs * w, axis=0).sum())
        """
    )
    verdict = grade(seq_spec(), code)
    assert verdict.tests[0].message == (
        "`hs[2]` differs from the expected value (max abs error 0.41); steps 0–1 match."
    )


def test_wrong_shape_is_reported_before_values():
    code = "import numpy as np\n\ndef run(xs, w):\n    return np.zeros((7, 2)), 0.0\n"
    verdict = grade(seq_spec(), code)
    assert verdict.tests[0].components[0].message == "`hs` has shape (7, 2); expected (3, 2)."


def test_wrong_number_of_outputs_fails_every_component():
    verdict = grade(seq_spec(), "import numpy as np\n\ndef run(xs, w):\n    return xs * w\n")
    assert verdict.score == 0.0
    assert "should return a tuple of 2 values (hs, total)" in verdict.tests[0].message


def test_mutated_input_fails_the_case_with_its_own_message():
    code = source(
        """
        def sgd(params, grads, lr):
            params["W"] -= lr * grads["dW"]
            return {"W": params["W"], "b": params["b"] - lr * grads["db"]}
        """
    )
    verdict = grade(sgd_spec(mistakes=()), code)
    assert verdict.status == "failed"
    assert verdict.score == 0.0
    assert verdict.tests[0].message.startswith("Your function changed its input `params['W']`")


def test_mutation_mistake_is_recognised_through_args_after():
    code = source(
        """
        def sgd(params, grads, lr):
            for name, value in params.items():
                value -= lr * grads["d" + name]
            return params
        """
    )
    verdict = grade(sgd_spec(), code)
    assert verdict.misconception_slug == "input-mutated"


def test_correct_values_without_mutation_pass_and_gradient_added_is_recognised():
    assert grade(sgd_spec(), SGD_REFERENCE).status == "passed"
    verdict = grade(sgd_spec(), SGD_ADDED.code.replace("+ lr", "+ 1.0 * lr"))
    assert verdict.misconception_slug == "gradient-added"


def test_nan_from_an_unstable_softmax_is_reported_and_matched():
    verdict = grade(softmax_spec(), SOFTMAX_UNSTABLE.code.replace("np.exp(z)", "np.exp(1.0 * z)"))
    assert verdict.status == "failed"
    assert [t.passed for t in verdict.tests] == [True, False]
    assert "NaN" in verdict.tests[1].message
    assert verdict.misconception_slug == "no-max-subtraction"


def test_variant_that_raises_where_the_learner_raises_too_still_matches():
    spec = scale_spec(
        mistakes=(
            KnownMistake(
                "only-vectors",
                "Only vectors",
                source(
                    """
                    def scale(x, a):
                        if x.ndim != 1:
                            raise ValueError("expected a vector")
                        return x + a
                    """
                ),
                "Vectors only, and added.",
            ),
        )
    )
    code = "def scale(x, a):\n    assert x.ndim == 1\n    return a + x\n"
    verdict = grade(spec, code)
    assert verdict.misconception_slug == "only-vectors"


def test_visible_only_runs_only_the_examples():
    verdict = grade(scale_spec(), "def scale(x, a):\n    return x * a\n", visible_only=True)
    assert [t.name for t in verdict.tests] == ["example"]
    assert verdict.status == "passed"


def test_stdout_is_captured():
    verdict = grade(scale_spec(), "def scale(x, a):\n    print('hello')\n    return x * a\n")
    assert "hello" in verdict.stdout


def test_visible_prints_are_shown_per_case_and_hidden_prints_are_not():
    code = "print('loading')\ndef scale(x, a):\n    print('x is', x.tolist())\n    return x * a\n"
    verdict = grade(scale_spec(), code)
    assert verdict.status == "passed"
    example, *hidden = verdict.tests
    assert example.stdout == "x is [1.0, 2.0, 3.0]\n"
    assert example.to_dict(detail=True)["stdout"] == example.stdout
    assert all(test.stdout == "" and "stdout" not in test.to_dict(detail=True) for test in hidden)
    assert verdict.stdout == (
        "loading\n[example]\nx is [1.0, 2.0, 3.0]\n[Output printed on hidden cases is not shown.]\n"
    )


def test_loading_output_is_shown_when_every_case_is_hidden():
    cases = SCALE_CASES.replace('"visible": True', '"visible": False')
    code = "print('loading')\ndef scale(x, a):\n    print(x)\n    return x * a\n"
    verdict = grade(scale_spec(cases_code=cases), code)
    assert verdict.status == "passed"
    assert verdict.stdout == "loading\n[Output printed on hidden cases is not shown.]\n"


def test_a_load_error_is_shown_in_full_when_every_case_is_hidden():
    cases = SCALE_CASES.replace('"visible": True', '"visible": False')
    verdict = grade(scale_spec(cases_code=cases), "def scale(x, a):\n    return x *\n")
    assert verdict.status == "error" and "SyntaxError" in verdict.message


def test_seeded_rnn_forward_names_steps_and_recognises_h0_included():
    spec = spec_from_folder(EXERCISES / "rnn-forward")
    wrong_bias = (
        (EXERCISES / "rnn-forward" / "reference.py")
        .read_text()
        .replace("V @ h + c", "V @ h + c + 0.5")
    )
    verdict = grade(spec, wrong_bias)
    assert verdict.status == "failed"
    assert [c.name for c in verdict.tests[0].components] == ["hs", "ys"]
    assert verdict.tests[0].components[0].passed
    assert verdict.tests[0].components[1].message.startswith("`ys[0]` differs")
    h0_code = (EXERCISES / "rnn-forward" / "mistakes" / "h0-included.py").read_text()
    assert grade(spec, h0_code).misconception_slug == "h0-included"


def test_seeded_rnn_step_reference_passes():
    spec = spec_from_folder(EXERCISES / "rnn-step")
    verdict = grade(spec, spec.reference_code)
    assert verdict.status == "passed", verdict.to_dict()


def test_numpy_scalar_return_is_accepted_for_a_float():
    code = source(
        """
        import numpy as np

        def run(xs, w):
            hs = np.cumsum(xs * w, axis=0)
            return hs, np.sum(hs)
        """
    )
    assert grade(seq_spec(), code).status == "passed"


def test_int_array_result_is_accepted_when_values_match():
    code = "import numpy as np\n\ndef scale(x, a):\n    return np.rint(x * a).astype(int)\n"
    spec = scale_spec(
        cases_code=source(
            """
            import numpy as np

            def make_cases():
                return [{"name": "ints", "visible": True, "args": [np.array([1.0, 2.0]), 3.0]}]
            """
        )
    )
    assert grade(spec, code).status == "passed"
    assert np.isclose(grade(spec, code).score, 1.0)


def test_outputs_larger_than_the_default_result_cap_are_graded():
    spec = scale_spec(
        cases_code=source(
            """
            import numpy as np

            def make_cases():
                x = np.arange(40000.0).reshape(200, 200)
                return [{"name": "big", "visible": False, "args": [x, 0.5]}]
            """
        ),
        mistakes=(),
    )
    assert grade(spec, "def scale(x, a):\n    return x * a\n").status == "passed"
    assert grade(spec, "def scale(x, a):\n    return x * a + 1\n").status == "failed"


def test_the_time_limit_covers_examples_and_hidden_cases_together():
    # 0.45 s per call: the one example (0.45 s) and the two hidden cases (0.9 s) each fit in
    # 1 s on their own, but not together.
    slow = "import time\n\ndef scale(x, a):\n    time.sleep(0.45)\n    return x * a\n"
    verdict = grade(scale_spec(slug="scale-slow", time_limit_ms=1000), slow)
    assert verdict.status == "error"
    assert "longer than 1 s on all the cases together" in verdict.tests[0].message


def test_code_within_the_time_limit_over_all_cases_passes():
    quick = "import time\n\ndef scale(x, a):\n    time.sleep(0.1)\n    return x * a\n"
    verdict = grade(scale_spec(slug="scale-quick", time_limit_ms=1000), quick)
    assert verdict.status == "passed", verdict.to_dict(detail=True)
