"""Tests for the seeded course's questions: format, feedback, counts, numeric answers."""

import ast
import html
import math
import re
from pathlib import Path

import markdown
import numpy as np
import pytest
import yaml

from tests.reference import load_reference

COURSE_DIR = Path(__file__).resolve().parents[2] / "content" / "rnn-from-scratch"
QUESTIONS_DIR = COURSE_DIR / "questions"
LESSON_SLUGS = [p.stem[3:] for p in sorted((COURSE_DIR / "lessons").glob("*.md"))]
REQUIRED_FIELDS = {"slug", "lesson", "order", "kind", "prompt"}
CHOICE_KINDS = {"single", "multiple"}
SEEDS = range(10)
# Catalogue topics that must each have a question (COURSE.md).
REQUIRED_SLUGS = {
    "role-of-g",
    "shared-parameters",
    "initial-state",
    "shape-sentiment",
    "shape-music-generation",
    "shape-ner-tagging",
    "shape-translation",
    "bptt-sums-over-time",
    "vanishing-causes",
    "clipping-effects",
    "scalar-rnn-h2",
    "scalar-rnn-y2",
    "scalar-rnn-mse",
    "scalar-rnn-dv",
    "scalar-rnn-dw",
    "fnn-output",
    "fnn-sgd-update",
}

HTML_CODE = re.compile(r"<pre>.*?</pre>|<code>.*?</code>", re.S)
CODE_SPAN = re.compile(r"`[^`\n]+`")
MATH = re.compile(r"\$\$(?s:.+?)\$\$|\$[^$\n]+\$")


def load_questions() -> dict[str, dict]:
    """Return every question of the course by file name."""
    return {
        path.name: yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in sorted(QUESTIONS_DIR.glob("*.yaml"))
    }


QUESTIONS = load_questions()
CHOICE_QUESTIONS = {n: q for n, q in QUESTIONS.items() if q.get("kind") in CHOICE_KINDS}
NUMERIC_QUESTIONS = {q["slug"]: q for q in QUESTIONS.values() if q.get("kind") == "numeric"}


def math_survives_markdown(text: str) -> bool:
    """Return whether every math fragment of the text reaches the HTML unchanged."""
    page = HTML_CODE.sub("", markdown.markdown(text, extensions=["fenced_code", "tables"]))
    rendered = [html.unescape(fragment) for fragment in MATH.findall(page)]
    return rendered == MATH.findall(CODE_SPAN.sub("", text))


def run_definition(code: str, name: str):
    """Execute a question's trusted code and return the function it defines."""
    namespace: dict = {}
    exec(compile(code, name, "exec"), namespace)
    return namespace[name]


def draw_parameters(question: dict, seed: int) -> dict:
    """Return the numbers one learner gets for a numeric question."""
    return run_definition(question["parameters"], "generate")(np.random.default_rng(seed))


def test_there_are_questions_for_every_lesson():
    assert len(LESSON_SLUGS) == 9
    assert {q["lesson"] for q in QUESTIONS.values()} == set(LESSON_SLUGS)


def test_counts_meet_the_catalogue():
    kinds = [q["kind"] for q in QUESTIONS.values()]
    assert kinds.count("single") + kinds.count("multiple") >= 20
    assert kinds.count("multiple") >= 5
    assert kinds.count("numeric") >= 6
    assert not REQUIRED_SLUGS - {q["slug"] for q in QUESTIONS.values()}


def test_role_of_g_names_the_output_activation():
    question = QUESTIONS["role-of-g.yaml"]
    assert question["kind"] == "single"
    assert question["lesson"] == "forward-propagation"
    assert "$y_t = g(V h_t + c)$" in question["prompt"]
    [correct] = [c for c in question["choices"] if c["correct"]]
    assert "output activation" in correct["text"] and "softmax" in correct["text"]


def test_orders_are_unique_within_each_lesson():
    seen = [(q["lesson"], q["order"]) for q in QUESTIONS.values()]
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize("name", sorted(QUESTIONS))
def test_question_has_the_required_fields(name):
    question = QUESTIONS[name]
    assert not REQUIRED_FIELDS - question.keys()
    assert question["slug"] == name.removesuffix(".yaml")
    assert question["lesson"] in LESSON_SLUGS
    assert isinstance(question["order"], int) and question["order"] >= 1
    assert question["kind"] in CHOICE_KINDS | {"numeric"}
    assert question["prompt"].strip()


@pytest.mark.parametrize("name", sorted(CHOICE_QUESTIONS))
def test_choice_question_has_feedback_on_every_choice(name):
    question = CHOICE_QUESTIONS[name]
    choices = question["choices"]
    assert 3 <= len(choices) <= 5
    for choice in choices:
        assert set(choice) == {"text", "correct", "feedback"}
        assert isinstance(choice["text"], str) and choice["text"].strip()
        assert isinstance(choice["correct"], bool)
        assert isinstance(choice["feedback"], str) and len(choice["feedback"].split()) >= 5
    assert len({choice["text"] for choice in choices}) == len(choices)
    correct = sum(choice["correct"] for choice in choices)
    if question["kind"] == "single":
        assert correct == 1
    else:
        assert correct >= 1
    assert "parameters" not in question and "answer" not in question


@pytest.mark.parametrize("name", sorted(CHOICE_QUESTIONS))
def test_choice_question_math_survives_markdown(name):
    question = CHOICE_QUESTIONS[name]
    texts = [question["prompt"], question.get("explanation") or ""]
    texts += [
        part for choice in question["choices"] for part in (choice["text"], choice["feedback"])
    ]
    for text in texts:
        assert math_survives_markdown(text), text


@pytest.mark.parametrize("slug", sorted(NUMERIC_QUESTIONS))
def test_numeric_question_is_well_formed(slug):
    question = NUMERIC_QUESTIONS[slug]
    assert question["tolerance"] == 0.001
    assert "choices" not in question
    for field in ("parameters", "answer"):
        for node in ast.walk(ast.parse(question[field])):
            if isinstance(node, ast.Import):
                assert {alias.name for alias in node.names} <= {"numpy", "math"}
            assert not isinstance(node, ast.ImportFrom)


def scalar_rnn(p: dict, steps: int) -> tuple:
    """Return rnn_forward's arguments for a scalar RNN question's parameters."""
    xs = np.array([[p[f"x{t}"]] for t in range(1, steps + 1)])
    weights = [np.array([[p["u"]]]), np.array([[p["w"]]]), np.array([[p.get("v", 1.0)]])]
    biases = [np.array([p["b"]]), np.array([p.get("c", 0.0)])]
    return (xs, np.zeros(1), *weights, *biases)


def scalar_targets(p: dict, steps: int) -> np.ndarray:
    """Return a scalar RNN question's targets as a (T, 1) array."""
    return np.array([[p[f"d{t}"]] for t in range(1, steps + 1)])


def fnn(p: dict) -> tuple:
    """Return fnn_forward's arguments for a 1-1-1 feedforward question's parameters."""
    return (
        np.array([p["x"]]),
        np.array([[p["w1"]]]),
        np.array([p["b1"]]),
        np.array([[p["w2"]]]),
        np.array([p["b2"]]),
    )


def rnn_sgd_new_w(p: dict) -> np.ndarray:
    """Return w after one SGD step, with BPTT and the update from the reference."""
    args = scalar_rnn(p, 2)
    loss, *grads = load_reference("rnn-bptt")(*args, scalar_targets(p, 2))
    params = dict(zip("UWVbc", args[2:], strict=True))
    grads = dict(zip(["dU", "dW", "dV", "db", "dc"], grads, strict=True))
    return load_reference("sgd-step")(params, grads, p["lr"])["W"]


def fnn_sgd_new_w1(p: dict) -> np.ndarray:
    """Return w1 after one SGD step with the reference gradient."""
    x, W1, b1, W2, b2 = fnn(p)
    dW1 = load_reference("fnn-backward")(x, np.array([p["d"]]), W1, b1, W2, b2)[1]
    return W1 - p["lr"] * dW1


# Each numeric question's value, computed by the reference implementation.
REFERENCE_ANSWERS = {
    "scalar-rnn-h2": lambda p: load_reference("rnn-forward")(*scalar_rnn(p, 2))[0][1],
    "scalar-rnn-y2": lambda p: load_reference("rnn-forward")(*scalar_rnn(p, 2))[1][1],
    "scalar-rnn-mse": lambda p: load_reference("rnn-bptt")(*scalar_rnn(p, 3), scalar_targets(p, 3))[
        0
    ],
    "scalar-rnn-dv": lambda p: load_reference("rnn-bptt")(*scalar_rnn(p, 2), scalar_targets(p, 2))[
        3
    ],
    "scalar-rnn-dw": lambda p: load_reference("rnn-bptt")(*scalar_rnn(p, 2), scalar_targets(p, 2))[
        2
    ],
    "fnn-output": lambda p: load_reference("fnn-forward")(*fnn(p))[1],
    "fnn-sgd-update": fnn_sgd_new_w1,
    "rnn-sgd-update": rnn_sgd_new_w,
    "temperature-probability": lambda p: load_reference("softmax")(
        np.array([p["o0"], p["o1"], p["o2"]]) / p["tau"]
    )[0],
}


def test_every_numeric_question_is_checked_against_the_reference():
    assert set(NUMERIC_QUESTIONS) == set(REFERENCE_ANSWERS)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("slug", sorted(NUMERIC_QUESTIONS))
def test_numeric_parameters_are_plain_rounded_and_deterministic(slug, seed):
    question = NUMERIC_QUESTIONS[slug]
    p = draw_parameters(question, seed)
    assert p == draw_parameters(question, seed)
    assert p and all(type(value) in (float, int) for value in p.values()), p
    assert all(round(value, 2) == value for value in p.values()), p
    assert str(-0.0) not in {str(value) for value in p.values()}, "no negative zero"


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("slug", sorted(NUMERIC_QUESTIONS))
def test_numeric_prompt_formats_with_the_learners_numbers(slug, seed):
    question = NUMERIC_QUESTIONS[slug]
    p = draw_parameters(question, seed)
    prompt = question["prompt"].format(**p)
    assert "{" not in prompt and "}" not in prompt
    fields = set(re.findall(r"\{(\w+)", question["prompt"]))
    assert fields == set(p), "the prompt shows every number the answer uses"
    assert math_survives_markdown(prompt)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("slug", sorted(NUMERIC_QUESTIONS))
def test_numeric_answer_matches_the_reference(slug, seed):
    question = NUMERIC_QUESTIONS[slug]
    p = draw_parameters(question, seed)
    given = run_definition(question["answer"], "answer")(dict(p))
    assert isinstance(given, float | int | np.floating)
    expected = float(np.asarray(REFERENCE_ANSWERS[slug](p)).reshape(-1)[0])
    assert math.isfinite(given) and abs(given) > 1e-3, "no degenerate answer"
    assert given == pytest.approx(expected, rel=1e-9)
