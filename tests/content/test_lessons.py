"""Tests for the seeded course's lessons: order, titles, math that survives Markdown, numbers."""

import ast
import copy
import html
import inspect
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import markdown
import numpy as np
import pytest
import yaml

from tests.reference import load_reference

COURSE_DIR = Path(__file__).resolve().parents[2] / "content" / "rnn-from-scratch"
LESSONS_DIR = COURSE_DIR / "lessons"
EXERCISES_DIR = COURSE_DIR / "exercises"
LESSON_FILES = [
    "01-why-memory.md",
    "02-rnn-shapes.md",
    "03-forward-propagation.md",
    "04-measuring-error.md",
    "05-worked-example.md",
    "06-bptt.md",
    "07-learning.md",
    "08-vanishing-gradients.md",
    "09-language-modelling.md",
]

PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
FENCED_CODE = re.compile(r"^```.*?^```[ \t]*$", re.S | re.M)
CODE_SPAN = re.compile(r"`[^`\n]+`")
HTML_CODE = re.compile(r"<pre>.*?</pre>|<code>.*?</code>", re.S)
# Display math may span lines; inline math must stay on one line.
MATH = re.compile(r"\$\$(?s:.+?)\$\$|\$[^$\n]+\$")
TEX_COMMAND = re.compile(r"\\[A-Za-z]+")
TAG = re.compile(r"<[^>]+>")


def split_front_matter(text: str) -> tuple[dict, str]:
    """Return the YAML front matter and the Markdown body of a lesson."""
    match = re.match(r"---\n(.*?)\n---\n", text, re.S)
    assert match, "a lesson starts with YAML front matter between --- lines"
    return yaml.safe_load(match.group(1)), text[match.end() :]


def render(body: str) -> str:
    """Render lesson Markdown the way the site does."""
    return markdown.markdown(body, extensions=["fenced_code", "tables"])


def read_body(name: str) -> str:
    """Return the Markdown body of one lesson file."""
    return split_front_matter((LESSONS_DIR / name).read_text(encoding="utf-8"))[1]


def source_math(body: str) -> list[str]:
    """Return the math fragments of Markdown source, code excluded."""
    prose = CODE_SPAN.sub("", FENCED_CODE.sub("", body))
    return MATH.findall(prose)


def html_math(page: str) -> list[str]:
    """Return the math fragments of rendered HTML as the browser's text sees them."""
    return [html.unescape(fragment) for fragment in MATH.findall(HTML_CODE.sub("", page))]


def test_the_course_has_exactly_the_nine_lessons_in_order():
    assert sorted(p.name for p in LESSONS_DIR.glob("*.md")) == LESSON_FILES


@pytest.mark.parametrize("name", LESSON_FILES)
def test_lesson_has_a_title_and_a_check_yourself_section(name):
    meta, body = split_front_matter((LESSONS_DIR / name).read_text(encoding="utf-8"))
    assert isinstance(meta.get("title"), str) and meta["title"].strip()
    assert "\n## Check yourself\n" in body


@pytest.mark.parametrize("name", LESSON_FILES)
def test_every_math_fragment_survives_markdown_intact(name):
    body = read_body(name)
    expected = source_math(body)
    assert expected, "every lesson has some math"
    assert html_math(render(body)) == expected


@pytest.mark.parametrize("name", LESSON_FILES)
def test_no_tex_and_no_stray_dollar_outside_math(name):
    page = MATH.sub("", HTML_CODE.sub("", render(read_body(name))))
    text = html.unescape(TAG.sub("", page))
    assert TEX_COMMAND.findall(text) == []
    assert "$" not in text


@pytest.mark.parametrize("name", LESSON_FILES)
def test_no_control_characters(name):
    # A TeX command written with one backslash in a Python string, such as "\a" of "\approx",
    # turns into an invisible control character.
    text = (LESSONS_DIR / name).read_text(encoding="utf-8")
    assert [c for c in text if ord(c) < 32 and c != "\n"] == []


@pytest.mark.parametrize("name", LESSON_FILES)
def test_display_math_delimiters_sit_on_their_own_lines(name):
    prose = FENCED_CODE.sub("", read_body(name))
    for line in prose.splitlines():
        if "$$" in line:
            assert line.strip() == "$$", line


@pytest.mark.parametrize("name", LESSON_FILES)
def test_python_snippets_compile(name):
    for block in PYTHON_BLOCK.findall(read_body(name)):
        compile(block, name, "exec")


def entry_points() -> dict[str, str]:
    """Return the entry point of every seeded exercise, by exercise slug."""
    return {
        path.parent.name: yaml.safe_load(path.read_text(encoding="utf-8"))["entry_point"]
        for path in sorted(EXERCISES_DIR.glob("*/exercise.yaml"))
    }


def defined_names(block: str) -> set[str]:
    """Return the names a snippet binds to a function: `def` at any depth, or a lambda."""
    names = set()
    for node in ast.walk(ast.parse(block)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def test_every_exercise_has_an_entry_point():
    assert len(entry_points()) == 15
    assert {"softmax", "mse_loss", "sgd_step", "clip_gradients"} <= set(entry_points().values())


def test_defined_names_sees_defs_and_lambdas():
    block = "def softmax(z):\n    def inner():\n        pass\nmse_loss = lambda a, b: 0\n"
    assert defined_names(block) == {"softmax", "inner", "mse_loss"}


@pytest.mark.parametrize("name", LESSON_FILES)
def test_no_snippet_defines_an_exercise_entry_point(name):
    exercise_of = {entry: slug for slug, entry in entry_points().items()}
    for block in PYTHON_BLOCK.findall(read_body(name)):
        clashes = sorted(defined_names(block) & exercise_of.keys())
        assert not clashes, f"{name} writes out the solution of {[exercise_of[c] for c in clashes]}"


def test_the_worked_example_snippets_are_among_those_checked():
    blocks = PYTHON_BLOCK.findall(read_body("05-worked-example.md"))
    assert blocks, "lesson 5 has a snippet; if it is removed, drop this test"
    assert all(defined_names(block).isdisjoint(entry_points().values()) for block in blocks)


def snippet_functions(block: str) -> dict[str, Callable[..., Any]]:
    """Run a snippet's imports and top-level `def`s only, and return the functions."""
    tree = ast.parse(block)
    tree.body = [
        node
        for node in tree.body
        if isinstance(node, ast.Import | ast.ImportFrom | ast.FunctionDef)
    ]
    namespace: dict[str, Any] = {}
    exec(compile(tree, "<lesson snippet>", "exec"), namespace)
    return {
        node.name: namespace[node.name] for node in tree.body if isinstance(node, ast.FunctionDef)
    }


def same_output(actual: Any, expected: Any) -> bool:
    """Return whether two outputs agree the way the grader compares them (shapes first)."""
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and actual.keys() == expected.keys()
            and all(same_output(actual[k], expected[k]) for k in expected)
        )
    if isinstance(expected, tuple | list):
        return (
            isinstance(actual, tuple | list)
            and len(actual) == len(expected)
            and all(same_output(a, e) for a, e in zip(actual, expected, strict=True))
        )
    try:
        a, e = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    except (TypeError, ValueError):
        return False
    return a.shape == e.shape and bool(np.allclose(a, e, rtol=1e-5, atol=1e-8, equal_nan=True))


def solves(function: Callable[..., Any], slug: str) -> bool:
    """Return whether `function` gives the reference output on every case of exercise `slug`."""
    try:
        inspect.signature(function).bind(*[None] * len(exercise_cases(slug)[0]["args"]))
    except TypeError:
        return False
    reference = load_reference(slug)
    for case in exercise_cases(slug):
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            expected = reference(*copy.deepcopy(case["args"]))
            try:
                actual = function(*copy.deepcopy(case["args"]))
            except Exception:
                return False
        if not same_output(actual, expected):
            return False
    return True


_CASES: dict[str, list[dict]] = {}


def exercise_cases(slug: str) -> list[dict]:
    """Return the cases of a seeded exercise, built once."""
    if slug not in _CASES:
        namespace: dict[str, Any] = {}
        path = EXERCISES_DIR / slug / "cases.py"
        exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
        _CASES[slug] = namespace["make_cases"]()
    return _CASES[slug]


STABLE_SOFTMAX_RENAMED = """
import numpy as np

def probs(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
"""
NAIVE_SOFTMAX = """
import numpy as np

def probs(z):
    return np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)
"""


def test_solves_recognises_a_renamed_solution_and_rejects_a_near_miss():
    assert solves(snippet_functions(STABLE_SOFTMAX_RENAMED)["probs"], "softmax")
    assert not solves(snippet_functions(NAIVE_SOFTMAX)["probs"], "softmax")
    assert not solves(snippet_functions(STABLE_SOFTMAX_RENAMED)["probs"], "mse-loss")


@pytest.mark.parametrize("name", LESSON_FILES)
def test_no_snippet_function_solves_an_exercise_under_another_name(name):
    for block in PYTHON_BLOCK.findall(read_body(name)):
        for function_name, function in snippet_functions(block).items():
            solved = [slug for slug in entry_points() if solves(function, slug)]
            assert not solved, f"{name}: {function_name} is a working solution of {solved}"


def scalar(value: float) -> np.ndarray:
    """Return a (1,) array."""
    return np.array([value])


def matrix(value: float) -> np.ndarray:
    """Return a (1, 1) array."""
    return np.array([[value]])


def item(value) -> float:
    """Return the single number held by a scalar, (1,) or (1, 1) value."""
    return float(np.asarray(value).reshape(-1)[0])


# Lesson 5, part 1: the 1-1-1 feedforward network.
FNN_INPUTS = {"x": 0.5, "W1": 0.8, "b1": 0.1, "W2": 1.5, "b2": -0.2, "target": 1.0}
# Lesson 5, part 2: the 1-1-1 recurrent network over two steps, h0 = 0.
RNN_INPUTS = {"U": 0.8, "W": 0.5, "V": 1.5, "b": 0.1, "c": -0.2}
RNN_XS = [0.5, 1.0]
RNN_TARGETS = [1.0, 0.5]
LEARNING_RATE = 0.1

# What the lesson shows for each quantity: change the lesson or the reference and this breaks.
FNN_EXPECTED = {
    "h": "0.4621",
    "y": "0.4932",
    "y - target": "-0.5068",
    "loss": "0.2569",
    "dL/dy": "-1.0136",
    "dL/dh": "-1.5205",
    "1 - h^2": "0.7864",
    "dW2": "-0.4684",
    "db2": "-1.0136",
    "dW1": "-0.5979",
    "db1": "-1.1958",
    "W1 after": "0.8598",
    "b1 after": "0.2196",
    "W2 after": "1.5468",
    "b2 after": "-0.0986",
    "loss after": "0.0462",
}
RNN_EXPECTED = {
    "h1": "0.4621",
    "h2": "0.8114",
    "z2": "1.1311",
    "y1": "0.4932",
    "y2": "1.0171",
    "error 1": "-0.5068",
    "error 2": "0.5171",
    "squared error 1": "0.2569",
    "squared error 2": "0.2674",
    "loss": "0.2621",
    "dV step 1": "-0.2342",
    "dV step 2": "0.4195",
    "dL/dh2": "0.7756",
    "v dL/dy1": "-0.7602",
    "w dL/dz2": "0.1325",
    "1 - h2^2": "0.3417",
    "dL/dz2": "0.2650",
    "dL/dh1": "-0.6277",
    "1 - h1^2": "0.7864",
    "dL/dz1": "-0.4937",
    "dU step 1": "-0.2468",
    "dU from error 1": "-0.2989",
    "dU from error 2": "0.3171",
    "dU": "0.0182",
    "dW": "0.1225",
    "dV": "0.1853",
    "db": "-0.2287",
    "dc": "0.0102",
    "U after": "0.7982",
    "W after": "0.4878",
    "V after": "1.4815",
    "b after": "0.1229",
    "c after": "-0.2010",
    "loss after": "0.2521",
}


def fnn_quantities() -> dict[str, float]:
    """Recompute lesson 5's feedforward numbers with the reference implementation."""
    fnn_forward = load_reference("fnn-forward")
    fnn_backward = load_reference("fnn-backward")
    p = FNN_INPUTS
    args = [scalar(p["x"]), matrix(p["W1"]), scalar(p["b1"]), matrix(p["W2"]), scalar(p["b2"])]
    h, y = (item(v) for v in fnn_forward(*args))
    loss, dW1, db1, dW2, db2 = (
        item(v) for v in fnn_backward(args[0], scalar(p["target"]), *args[1:])
    )
    dy = 2 * (y - p["target"])
    new = {
        "W1": p["W1"] - LEARNING_RATE * dW1,
        "b1": p["b1"] - LEARNING_RATE * db1,
        "W2": p["W2"] - LEARNING_RATE * dW2,
        "b2": p["b2"] - LEARNING_RATE * db2,
    }
    new_args = [scalar(p["x"]), matrix(new["W1"]), scalar(new["b1"])]
    new_args += [matrix(new["W2"]), scalar(new["b2"])]
    loss_after = item(fnn_backward(new_args[0], scalar(p["target"]), *new_args[1:])[0])
    return {
        "h": h,
        "y": y,
        "y - target": y - p["target"],
        "loss": loss,
        "dL/dy": dy,
        "dL/dh": dy * p["W2"],
        "1 - h^2": 1 - h**2,
        "dW2": dW2,
        "db2": db2,
        "dW1": dW1,
        "db1": db1,
        **{f"{name} after": value for name, value in new.items()},
        "loss after": loss_after,
    }


def rnn_quantities() -> dict[str, float]:
    """Recompute lesson 5's recurrent numbers with the reference implementation."""
    rnn_forward = load_reference("rnn-forward")
    rnn_bptt = load_reference("rnn-bptt")
    sgd_step = load_reference("sgd-step")
    xs = np.array(RNN_XS).reshape(-1, 1)
    targets = np.array(RNN_TARGETS).reshape(-1, 1)
    h0 = np.zeros(1)
    p = RNN_INPUTS
    params = {"U": matrix(p["U"]), "W": matrix(p["W"]), "V": matrix(p["V"])}
    params |= {"b": scalar(p["b"]), "c": scalar(p["c"])}
    order = ["U", "W", "V", "b", "c"]

    hs, ys = rnn_forward(xs, h0, *(params[k] for k in order))
    h1, h2 = (float(v) for v in np.asarray(hs).reshape(-1))
    y1, y2 = (float(v) for v in np.asarray(ys).reshape(-1))
    loss, *grads = rnn_bptt(xs, h0, *(params[k] for k in order), targets)
    grads = dict(zip(["dU", "dW", "dV", "db", "dc"], grads, strict=True))
    dU, dW, dV, db, dc = (item(grads[k]) for k in grads)
    new = sgd_step(params, grads, LEARNING_RATE)
    loss_after = rnn_bptt(xs, h0, *(new[k] for k in order), targets)[0]

    e1, e2 = y1 - RNN_TARGETS[0], y2 - RNN_TARGETS[1]
    # With h0 = 0 the step-1 term of dW vanishes, so dW alone gives dL/dz2, and db the rest.
    dz2 = dW / h1
    dz1 = db - dz2
    return {
        "h1": h1,
        "h2": h2,
        "z2": float(np.arctanh(h2)),
        "y1": y1,
        "y2": y2,
        "error 1": e1,
        "error 2": e2,
        "squared error 1": e1**2,
        "squared error 2": e2**2,
        "loss": float(loss),
        "dV step 1": e1 * h1,
        "dV step 2": e2 * h2,
        "dL/dh2": dz2 / (1 - h2**2),
        "v dL/dy1": p["V"] * e1,
        "w dL/dz2": p["W"] * dz2,
        "1 - h2^2": 1 - h2**2,
        "dL/dz2": dz2,
        "dL/dh1": dz1 / (1 - h1**2),
        "1 - h1^2": 1 - h1**2,
        "dL/dz1": dz1,
        "dU step 1": dz1 * RNN_XS[0],
        # The same dU sorted by the error each part comes from, not by the step that used U.
        "dU from error 1": p["V"] * e1 * (1 - h1**2) * RNN_XS[0],
        "dU from error 2": p["W"] * dz2 * (1 - h1**2) * RNN_XS[0] + dz2 * RNN_XS[1],
        "dU": dU,
        "dW": dW,
        "dV": dV,
        "db": db,
        "dc": dc,
        **{f"{k} after": item(new[k]) for k in order},
        "loss after": float(loss_after),
    }


def appears(number: str, text: str) -> bool:
    """Return whether the number occurs in the text as a whole number, sign included."""
    return re.search(rf"(?<![\d.\-]){re.escape(number)}(?!\d)", text) is not None


@pytest.mark.parametrize(
    ("expected", "compute"), [(FNN_EXPECTED, fnn_quantities), (RNN_EXPECTED, rnn_quantities)]
)
def test_worked_example_numbers_match_the_reference_and_the_text(expected, compute):
    text = read_body("05-worked-example.md")
    computed = compute()
    assert computed.keys() == expected.keys()
    for name, shown in expected.items():
        assert f"{computed[name]:.4f}" == shown, f"{name}: reference gives {computed[name]:.6f}"
        assert appears(shown, text), f"{name} = {shown} is not in lesson 5"


def test_every_four_decimal_number_in_the_worked_example_is_checked():
    shown = set(re.findall(r"-?\d+\.\d{4}(?!\d)", read_body("05-worked-example.md")))
    assert shown == set(FNN_EXPECTED.values()) | set(RNN_EXPECTED.values())


def test_worked_example_states_its_inputs():
    text = read_body("05-worked-example.md")
    fnn = FNN_INPUTS
    assert (
        "| " + " | ".join(str(fnn[k]) for k in ["x", "W1", "b1", "W2", "b2", "target"]) + " |"
        in text
    )
    rnn = [RNN_INPUTS[k] for k in ["U", "W", "V", "b", "c"]] + RNN_XS + RNN_TARGETS
    assert "| " + " | ".join(str(v) for v in rnn) + " |" in text
    assert f"$\\eta = {LEARNING_RATE}$" in text
