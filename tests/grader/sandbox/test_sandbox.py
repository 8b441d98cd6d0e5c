"""Running code in the sandbox: values, exceptions, mutations, output, cases."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from grader.sandbox import CasesError, Limits, Sandbox

RNN_STEP = textwrap.dedent(
    """
    import numpy as np

    def rnn_step(x, h_prev, U, W, b):
        return np.tanh(U @ x + W @ h_prev + b)
    """
)


def test_array_result_matches_in_process_call(sandbox):
    rng = np.random.default_rng(0)
    args = [rng.normal(size=3), rng.normal(size=4), rng.normal(size=(4, 3)),
            rng.normal(size=(4, 4)), rng.normal(size=4)]  # fmt: skip
    result = sandbox.run(RNN_STEP, "rnn_step", [args, args])
    assert result.status == "ok", result.error
    assert len(result.outcomes) == 2
    expected = np.tanh(args[2] @ args[0] + args[3] @ args[1] + args[4])
    for outcome in result.outcomes:
        assert outcome.ok and outcome.exception is None
        np.testing.assert_array_equal(outcome.value, expected)
    assert result.duration_ms > 0


def test_tuple_comes_back_as_tuple_and_list_as_list(sandbox):
    code = "import numpy as np\ndef f(n):\n    return (np.zeros(n), [np.ones(n)]), [1, 2]\n"
    value = sandbox.run(code, "f", [[2]]).outcomes[0].value
    assert type(value) is tuple and type(value[0]) is tuple and type(value[0][1]) is list
    assert type(value[1]) is list


def test_scalars_dicts_and_numpy_scalars_round_trip(sandbox):
    code = (
        "import numpy as np\n"
        "def f(d):\n"
        "    return {'sum': d['a'] + d['b'], 'np': np.float64(0.5), 'none': None,"
        " 'flag': True, 'text': 'ok'}\n"
    )
    value = sandbox.run(code, "f", [[{"a": 1, "b": 2}]]).outcomes[0].value
    assert value == {"sum": 3, "np": 0.5, "none": None, "flag": True, "text": "ok"}
    assert type(value["np"]) is np.float64


def test_exception_in_one_call_names_type_message_and_line(sandbox):
    code = "def f(x):\n    if x == 2:\n        raise ValueError('two is bad')\n    return x\n"
    result = sandbox.run(code, "f", [[1], [2], [3]])
    assert result.status == "ok"
    first, second, third = result.outcomes
    assert first.ok and first.value == 1
    assert not second.ok and second.exception == "ValueError: two is bad (line 3)"
    assert third.ok and third.value == 3


def test_numpy_error_reports_the_learners_line(sandbox):
    code = "import numpy as np\n\ndef f(a, b):\n    return a @ b\n"
    outcome = sandbox.run(code, "f", [[np.ones((3, 4)), np.ones(3)]]).outcomes[0]
    assert not outcome.ok
    assert outcome.exception.startswith("ValueError: matmul")
    assert outcome.exception.endswith("(line 4)")


def test_args_after_shows_mutation_and_each_call_gets_fresh_copies(sandbox):
    code = "def f(a):\n    a += 1\n    return float(a.sum())\n"
    arr = np.zeros(3)
    result = sandbox.run(code, "f", [[arr], [arr]])
    assert [o.value for o in result.outcomes] == [3.0, 3.0]
    np.testing.assert_array_equal(result.outcomes[0].args_after[0], np.ones(3))
    np.testing.assert_array_equal(arr, np.zeros(3))


def test_stdout_and_stderr_are_captured_per_call(sandbox):
    code = (
        "import sys\n"
        "print('loading')\n"
        "def f(x):\n"
        "    print('out', x)\n"
        "    print('err', x, file=sys.stderr)\n"
        "    return x\n"
    )
    result = sandbox.run(code, "f", [[1], [2]])
    assert result.status == "ok"
    assert result.load_stdout == "loading\n"
    assert [o.stdout for o in result.outcomes] == ["out 1\nerr 1\n", "out 2\nerr 2\n"]
    assert result.stdout == ""


def test_a_call_that_raises_keeps_what_it_printed(sandbox):
    code = "def f(x):\n    print('before', x)\n    raise ValueError('boom')\n"
    (outcome,) = sandbox.run(code, "f", [[5]]).outcomes
    assert not outcome.ok and outcome.stdout == "before 5\n"
    assert outcome.exception == "ValueError: boom (line 3)"
    assert outcome.exception_type == "ValueError" and outcome.exception_line == 3


def test_exception_type_is_the_nearest_builtin_class(sandbox):
    code = (
        "class Secret(KeyError):\n"
        "    pass\n"
        "def f(x):\n"
        "    raise type('Name' + str(x), (Secret,), {})()\n"
    )
    (outcome,) = sandbox.run(code, "f", [[1234]]).outcomes
    assert outcome.exception_type == "KeyError" and outcome.exception_line == 4
    assert "Name1234" in outcome.exception


def test_writes_straight_to_the_file_descriptors_are_kept_apart(sandbox):
    code = "import os, sys\ndef f():\n    os.write(1, b'raw')\n    sys.__stdout__.write('!')\n"
    result = sandbox.run(code, "f", [[]])
    assert result.outcomes[0].stdout == ""
    assert result.stdout == "raw!"


def test_a_stream_kept_from_loading_cannot_add_to_the_load_output(sandbox):
    code = "import sys\nKEPT = sys.stdout\nprint('hi')\ndef f(x):\n    KEPT.write(str(x))\n"
    result = sandbox.run(code, "f", [[99]])
    assert result.load_stdout == "hi\n"
    assert result.outcomes[0].stdout == ""


def test_printed_text_is_capped_across_the_run_and_the_run_still_succeeds(sandbox):
    code = "print('x' * 600)\ndef f():\n    print('y' * 1_000_000)\n    return 7\n"
    result = sandbox.run(code, "f", [[], []], limits=Limits(stdout_bytes=1000))
    assert result.status == "ok" and [o.value for o in result.outcomes] == [7, 7]
    assert result.load_stdout == "x" * 600 + "\n"
    first, second = (o.stdout for o in result.outcomes)
    assert first.startswith("y" * 399) and "output truncated" in first
    assert second.startswith("\n[output truncated") and len(second) < 100


def test_fd_output_is_capped_and_the_run_still_succeeds(sandbox):
    code = "import os\ndef f():\n    os.write(1, b'x' * 100_000)\n    return 7\n"
    result = sandbox.run(code, "f", [[]], limits=Limits(stdout_bytes=1000))
    assert result.status == "ok" and result.outcomes[0].value == 7
    assert result.stdout.startswith("x" * 1000)
    assert "output truncated" in result.stdout and len(result.stdout) < 1200


def test_output_printed_before_a_load_error_is_kept(sandbox):
    result = sandbox.run("print('so far')\nraise KeyError('k')\n", "f", [[]])
    assert result.status == "error" and result.error_kind == "load"
    assert result.load_stdout == "so far\n"


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("def f(:\n    pass\n", "Your code could not be loaded: SyntaxError"),
        ("x = 1\n", "does not define `f`"),
        ("f = 3\n", "is not a function"),
        ("import numpy\nraise KeyError('boom')\ndef f():\n    pass\n", "KeyError: 'boom' (line 2)"),
        ("import no_such_module\n", "ModuleNotFoundError"),
        ("import sys\nsys.exit(3)\n", "SystemExit: 3"),
    ],
)
def test_code_that_cannot_load_is_an_error_with_a_sentence(sandbox, code, words):
    result = sandbox.run(code, "f", [[]])
    assert result.status == "error"
    assert words in result.error
    assert result.outcomes == []


def test_syntax_error_names_the_line(sandbox):
    result = sandbox.run("x = 1\ny = (\n", "f", [[]])
    assert result.status == "error" and "(line 2)" in result.error


def test_unsupported_return_value_fails_that_call_only(sandbox):
    code = "def f(k):\n    return object() if k else 1\n"
    result = sandbox.run(code, "f", [[True], [False]])
    assert result.status == "ok"
    assert not result.outcomes[0].ok and "object cannot be returned" in result.outcomes[0].exception
    assert result.outcomes[1].ok and result.outcomes[1].value == 1


def test_make_cases_returns_the_list(sandbox):
    cases_code = textwrap.dedent(
        """
        import numpy as np

        def make_cases():
            rng = np.random.default_rng(7)
            return [{"name": f"case {i}", "visible": i == 0, "args": [rng.normal(size=2), i]}
                    for i in range(3)]
        """
    )
    cases = sandbox.make_cases(cases_code)
    assert [c["name"] for c in cases] == ["case 0", "case 1", "case 2"]
    assert cases[0]["visible"] is True and cases[1]["visible"] is False
    expected = np.random.default_rng(7).normal(size=2)
    np.testing.assert_array_equal(cases[0]["args"][0], expected)


@pytest.mark.parametrize(
    ("cases_code", "words"),
    [
        ("def make_cases():\n    return 5\n", "list of dicts"),
        ("def make_cases():\n    raise ValueError('no')\n", "ValueError: no"),
        ("def other():\n    pass\n", "does not define `make_cases`"),
    ],
)
def test_broken_cases_code_raises_cases_error(sandbox, cases_code, words):
    with pytest.raises(CasesError, match=words):
        sandbox.make_cases(cases_code)


def test_shared_sandbox_is_one_per_process_and_restarts_after_zygote_death():
    box = Sandbox.shared()
    assert Sandbox.shared() is box
    hello = box.start()
    box._process.kill()  # the zygote dies between runs
    box._process.wait()
    result = box.run("def f():\n    return 1\n", "f", [[]])
    assert result.status == "ok" and result.outcomes[0].value == 1
    assert box.hello is not hello


def test_sandbox_works_from_a_plain_python_process_without_django(tmp_path):
    script = tmp_path / "use.py"
    script.write_text(
        "import sys\n"
        "from grader.sandbox import Sandbox\n"
        "r = Sandbox.shared().run('def f(a):\\n    return a * 2\\n', 'f', [[21]])\n"
        "assert 'django' not in sys.modules\n"
        "print(r.outcomes[0].value)\n"
    )
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    root = os.path.dirname(root)  # tests/grader/sandbox/ is three folders down
    out = subprocess.run(
        [sys.executable, str(script)], cwd=root, env={**os.environ, "PYTHONPATH": root},
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert out.stdout.strip() == "42"


def test_replacement_standby_is_forked_while_the_job_runs(sandbox):
    sandbox.run("def f():\n    return 1\n", "f", [[]])
    result = sandbox.run("import time\ndef f():\n    time.sleep(0.3)\n    return 2\n", "f", [[]])
    assert result.outcomes[0].value == 2
    # Both standbys were announced before the job's own child ended.
    assert len(sandbox._ready) == 2


def test_learner_code_can_import_numpy_submodules_the_zygote_never_loaded(sandbox):
    # Also where the checkout (and so the venv) lives under /tmp, which the mount
    # namespace would otherwise hide.
    code = (
        "def f():\n"
        "    import numpy.polynomial, numpy.testing, fractions, statistics\n"
        "    return numpy.polynomial.polynomial.polyval(2.0, [1.0, 1.0])\n"
    )
    result = sandbox.run(code, "f", [[]])
    assert result.status == "ok", result.error
    assert result.outcomes[0].ok, result.outcomes[0].exception
    assert result.outcomes[0].value == 3.0
