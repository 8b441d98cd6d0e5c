"""grader.grading through the real sandbox, on small exercises written for these tests."""

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest

from exercises.specs import spec_from_folder
from grader.grading import (
    ExerciseBroken,
    ExerciseSpec,
    ExpectedOutputsCache,
    KnownMistake,
    expected_outputs,
    grade,
    self_check,
)
from grader.sandbox import Sandbox

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


HIDDEN_MARKERS = ("123.456", "654.321", "123.45", "654.32")

# Each learner tries to read the hidden marker case's inputs back through the verdict.
LEAKY_LEARNERS = {
    "print_args": """
        import sys
        def scale(x, a):
            print(repr(x), x.tolist(), a)
            print(x.tolist(), file=sys.stderr)
            return x * a
        """,
    "raise_with_args": """
        def scale(x, a):
            if x.ndim == 1 and x[0] > 100:
                raise ValueError(repr(x.tolist()))
            return x * a
        """,
    "exception_class_named_by_args": """
        def scale(x, a):
            if x.ndim == 1 and x[0] > 100:
                raise type("E" + str(x.tolist()), (ValueError,), {})("x")
            return x * a
        """,
    "write_to_the_fds": """
        import os, sys
        def scale(x, a):
            os.write(1, repr(x.tolist()).encode())
            sys.__stderr__.write(repr(x.tolist()))
            return x * a
        """,
    "keep_hidden_args_for_a_later_call": """
        SEEN = []
        def scale(x, a):
            SEEN.append(x.tolist())
            print(SEEN)
            if len(SEEN) == 3:
                raise RuntimeError(repr(SEEN))
            return x * a
        """,
    "read_the_pending_job_from_the_callers_frame": """
        import sys
        def scale(x, a):
            codec = sys.modules["unrolled_sandbox_codec"]
            frame = sys._getframe(1)
            while frame is not None:
                for value in frame.f_locals.get("frames") or ():
                    decoded = codec.decode(value)
                    if isinstance(decoded, list):
                        print([getattr(v, "tolist", lambda: v)() for v in decoded])
                frame = frame.f_back
            return x * a
        """,
    "forge_a_load_error_carrying_the_args": """
        import os, struct, sys
        def scale(x, a):
            if x.ndim == 1 and x[0] > 100:
                codec = sys.modules["unrolled_sandbox_codec"]
                summary = codec.encode({"status": "load_error", "message": repr(x.tolist())})
                os.write(4, struct.pack("<I", len(summary)) + summary + struct.pack("<I", 0))
                for fd in (1, 2, 4):
                    os.close(fd)
                os._exit(0)
            return x * a
        """,
    "forge_an_outcome_naming_the_args": """
        import os, struct, sys
        def frame(*parts):
            return b"".join(struct.pack("<I", len(p)) + p for p in parts)
        def scale(x, a):
            if x.ndim == 1 and x[0] > 100:
                codec = sys.modules["unrolled_sandbox_codec"]
                record = codec.encode({"ok": False, "exception": repr(x.tolist()),
                                       "exception_type": str(x.tolist()),
                                       "line": int(x[0] * 1000), "has_args": False})
                outcome = frame(record, b"", b"", repr(x.tolist()).encode())
                payload = frame(codec.encode({"status": "ok"}), repr(x.tolist()).encode(), outcome)
                os.write(4, payload)
                for fd in (1, 2, 4):
                    os.close(fd)
                os._exit(0)
            return x * a
        """,
}


@pytest.mark.parametrize("name", sorted(LEAKY_LEARNERS))
def test_hidden_inputs_never_come_back_in_the_verdict(name):
    verdict = grade(scale_spec(), source(LEAKY_LEARNERS[name]))
    text = json.dumps(verdict.to_dict(detail=True))
    for marker in HIDDEN_MARKERS:
        assert marker not in text, (marker, text)
    hidden_random = np.random.default_rng(3).normal(size=(4, 2))
    for value in hidden_random.ravel():
        assert f"{value:.6f}"[:-2] not in text
    # The visible example's own input may show, and does for the printing learners.
    if name == "print_args":
        assert "[1.0, 2.0, 3.0]" in text


def test_a_forged_hidden_outcome_is_reported_without_its_text():
    verdict = grade(scale_spec(), source(LEAKY_LEARNERS["forge_an_outcome_naming_the_args"]))
    # The forged payload holds one outcome: it stands for the first hidden case, the other
    # hidden case did not run. The claimed type is not a built-in, the line not in the code.
    messages = {t.name: t.message for t in verdict.tests}
    assert messages["hidden random"] == "Your function raised an exception on this hidden case."
    assert messages["hidden marker"] == "This case did not run."


def test_reference_that_raises_is_a_broken_exercise():
    spec = scale_spec(reference_code="def scale(x, a):\n    raise ValueError('oops')\n")
    with pytest.raises(ExerciseBroken, match="oops"):
        grade(spec, "def scale(x, a):\n    return x * a\n")


def test_cases_that_fail_are_a_broken_exercise():
    spec = scale_spec(cases_code="def make_cases():\n    return 1 / 0\n")
    with pytest.raises(ExerciseBroken):
        grade(spec, "def scale(x, a):\n    return x * a\n")


def test_expected_outputs_are_cached_by_version_and_clearable():
    spec = scale_spec(slug="scale-cache")
    expected_outputs.clear()
    assert spec not in expected_outputs
    grade(spec, "def scale(x, a):\n    return x * a\n")
    assert spec in expected_outputs
    assert scale_spec(slug="scale-cache") in expected_outputs
    expected_outputs.clear()
    assert len(expected_outputs) == 0


def test_version_changes_with_every_field():
    base = scale_spec()
    assert base.version == scale_spec().version
    for change in (
        {"slug": "other"},
        {"reference_code": SCALE_REFERENCE + "\n"},
        {"cases_code": SCALE_CASES + "\n"},
        {"mistakes": ()},
        {"rtol": 1e-4},
        {"atol": 1e-6},
        {"time_limit_ms": 1000},
        {"memory_mb": 256},
        {"returns": ()},
    ):
        assert scale_spec(**change).version != base.version, change


def test_self_check_of_a_sound_exercise_is_ok():
    report = self_check(scale_spec())
    assert report.ok
    assert [c.passed for c in report.cases] == [True, True, True]
    (mistake,) = report.mistakes
    assert mistake.rejected and mistake.recognised
    assert mistake.exposed_by == ["example", "hidden random", "hidden marker"]
    json.dumps(report.to_dict(), allow_nan=False)


def test_self_check_flags_a_mistake_the_cases_do_not_expose():
    harmless = KnownMistake("same", "Same", "def scale(x, a):\n    return a * x\n", "m")
    report = self_check(scale_spec(mistakes=(SCALE_ADDED, harmless)))
    assert not report.ok
    assert not report.mistakes[1].rejected and not report.mistakes[1].recognised


def test_self_check_flags_a_shadowed_mistake():
    twin = KnownMistake("twin", "Twin", "def scale(x, a):\n    return a + x\n", "m")
    report = self_check(scale_spec(mistakes=(SCALE_ADDED, twin)))
    assert not report.ok
    assert report.mistakes[1].rejected and not report.mistakes[1].recognised
    assert report.mistakes[1].shadowed_by == "added"


def test_self_check_flags_a_reference_that_returns_nan():
    spec = scale_spec(
        reference_code="import numpy as np\n\ndef scale(x, a):\n    return x * a * np.nan\n",
        mistakes=(),
    )
    report = self_check(spec)
    assert not report.ok
    assert not any(c.passed for c in report.cases)


def test_self_check_flags_a_reference_that_mutates_its_input():
    reference = "def scale(x, a):\n    x *= a\n    return x.copy()\n"
    report = self_check(scale_spec(reference_code=reference, mistakes=()))
    assert not report.ok
    assert "changed its input `x`" in report.cases[0].message


def test_self_check_reports_a_broken_reference_without_raising():
    spec = scale_spec(reference_code="def scale(x, a):\n    raise ValueError('oops')\n")
    report = self_check(spec)
    assert not report.ok
    assert "oops" in report.problem


def test_the_course_folder_reader_gives_the_spec_of_an_exercise_folder(tmp_path):
    folder = tmp_path / "course" / "exercises" / "scale"
    (folder / "mistakes").mkdir(parents=True)
    (folder / "exercise.yaml").write_text(
        source(
            """
            title: Scale
            lesson: scaling
            entry_point: scale
            returns: y
            rtol: 1.0e-4
            atol: 1.0e-6
            time_limit_ms: 1500
            memory_mb: 256
            mistakes:
              - slug: added
                title: Added instead of multiplied
                message: You added a to x; scaling multiplies.
            """
        )
    )
    (folder / "prompt.md").write_text("Multiply `x` by `a`.\n")
    (folder / "reference.py").write_text(SCALE_REFERENCE)
    (folder / "cases.py").write_text(SCALE_CASES)
    (folder / "mistakes" / "added.py").write_text(SCALE_ADDED.code)
    spec = spec_from_folder(folder)
    assert spec == scale_spec(rtol=1e-4, atol=1e-6, time_limit_ms=1500, memory_mb=256)
    assert grade(spec, "def scale(x, a):\n    return x + a\n").misconception_slug == "added"


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


def test_expected_outputs_cache_evicts_the_least_recently_used_spec():
    cache = ExpectedOutputsCache(maxsize=2)
    first, second, third = (scale_spec(slug=f"lru-{n}", mistakes=()) for n in range(3))
    sandbox = Sandbox.shared()
    cache.get(first, sandbox)
    cache.get(second, sandbox)
    cache.get(first, sandbox)
    cache.get(third, sandbox)
    assert first in cache and third in cache
    assert second not in cache


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
