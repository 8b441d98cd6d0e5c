"""Course v2 (issue 14): openers, one notation, the corrected numbers, figures and lesson 9."""

import re

import numpy as np
import pytest
import yaml

from courses.figures import FIGURE_NAME_RE, svg_problems
from tests.content.test_lessons import (
    COURSE_DIR,
    LESSON_FILES,
    RNN_EXPECTED,
    appears,
    read_body,
    rnn_quantities,
)
from tests.reference import load_reference
from tools import gradient_norms_figure

FIGURES_DIR = COURSE_DIR / "figures"
IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")
# Every text a learner reads: lessons, question files, exercise prompts and messages.
LEARNER_TEXTS = {
    **{name: read_body(name) for name in LESSON_FILES},
    **{
        f"questions/{p.name}": p.read_text(encoding="utf-8")
        for p in sorted((COURSE_DIR / "questions").glob("*.yaml"))
    },
    **{
        f"exercises/{p.parent.name}/{p.name}": p.read_text(encoding="utf-8")
        for pattern in ("*/prompt.md", "*/exercise.yaml")
        for p in sorted((COURSE_DIR / "exercises").glob(pattern))
    },
}


def softmax(logits) -> np.ndarray:
    return np.asarray(load_reference("softmax")(np.asarray(logits, dtype=float)))


@pytest.mark.parametrize("name", LESSON_FILES)
def test_every_lesson_opens_with_its_outcomes_and_assumptions(name):
    body = read_body(name)
    assert body.startswith("**After this lesson you can** ")
    first, second = body.split("\n\n")[:2]
    assert len(first.split()) >= 12
    assert second.startswith("**It assumes** ") and len(second.split()) >= 4


def test_prerequisites_are_stated_where_the_course_starts():
    opener = read_body("01-why-memory.md").split("\n\n")[1]
    for topic in ("backpropagation", "outer products", "Jacobians", "singular values"):
        assert topic in opener
    assert "Frobenius norm" in opener


@pytest.mark.parametrize("where", sorted(LEARNER_TEXTS))
def test_one_notation_logits_o_labels_ell_from_zero_targets_d(where):
    text = LEARNER_TEXTS[where]
    # z is the hidden pre-activation only: never the logits.
    assert not re.search(r"logits? \$z|softmax\(z_t\)|z_\{t,\s*[kj]\}", text), where
    # Labels are \ell, numbered from 0; the time index t is never a target.
    assert not re.search(r"\bl_t\b|l_\{t\}|p_\{t, ?l", text), where
    assert not re.search(r"lbrace 1|\\\{1, \\dots", text), where
    assert not re.search(r"class 1, the first|class 2, the second|class K\b", text), where
    assert not re.search(r"target \$t\$|\bt_k\b", text), where
    for definition in re.findall(r"(?<![\w\\])z_t &?= ([^,.$\\\n]+)", text):
        assert definition.strip() == "U x_t + W h_{t-1} + b", (where, definition)
    for definition in re.findall(r"o_t = ([^,$]+?)[,$ ]*(?:\\in|\$)", text):
        assert definition.strip() == "V h_t + c", (where, definition)


def test_labels_are_zero_based_in_lesson_4_and_lesson_6():
    assert "\\ell_t \\in \\lbrace 0, \\dots, K - 1 \\rbrace" in read_body("04-measuring-error.md")
    assert "\\ell \\in \\lbrace 0, \\dots, K - 1 \\rbrace" in read_body("06-bptt.md")


def test_lesson_4_numbers_recompute_and_the_gradient_is_derived():
    body = read_body("04-measuring-error.md")
    p1 = softmax([2.0, 0.0])
    grad = (p1 - np.array([1.0, 0.0])) / 2
    loss = load_reference("cross-entropy-loss")(
        np.array([[2.0, 0.0], [1.0, 1.0]]), np.array([0, 1])
    )
    shown = [p1[0], p1[1], grad[0], grad[1], np.log(p1[0]), np.log(0.5), loss]
    for value in shown:
        assert appears(f"{value:.4f}", body), f"{value:.4f} is not in lesson 4"
    assert "p_{t,k} - [k = \\ell_t]" in body, "the p - onehot gradient is derived"
    assert "computed* probability of the third class is exactly $0$" in body
    assert softmax([1000.0, 999.0, -1000.0])[2] == 0.0


def test_lesson_5_reads_the_two_terms_of_du_correctly():
    body = read_body("05-worked-example.md")
    assert "step 1 wants a larger output" not in body
    assert "the order in which\nyou write the five assignments does not matter" in body
    assert "np.float64" not in body and "round(float(loss), 4)" in body


def test_lesson_6_table_and_many_to_one_recursion():
    body = read_body("06-bptt.md")
    computed = rnn_quantities()
    rows = {
        "y_2": ("y2", "error 2"),
        "h_2": ("h2", "dL/dh2"),
        "z_2": ("z2", "dL/dz2"),
        "y_1": ("y1", "error 1"),
        "h_1": ("h1", "dL/dh1"),
        "z_1": (None, "dL/dz1"),
    }
    for node, (value, gradient) in rows.items():
        shown_value = "0.5" if value is None else RNN_EXPECTED[value]
        row = f"| ${node}$ | {shown_value} | {RNN_EXPECTED[gradient]} |"
        assert row in body, row
        assert f"{computed[gradient]:.4f}" == RNN_EXPECTED[gradient]
    assert "\\partial \\mathcal{L} / \\partial h_t = W^\\top \\delta_{t+1}" in body
    assert "\\partial \\mathcal{L} / \\partial y_t = 0$ for $t \\lt T$" in body


def test_lesson_8_states_the_exact_conditions_and_its_numbers_recompute():
    body = read_body("08-vanishing-gradients.md")
    assert "sufficient** for vanishing" in body and "**necessary** for exploding" in body
    assert "spectral radius" in body
    assert "stretches some direction by more than 1 and the states" not in body
    W = np.array([[0.5, 2.0], [0.0, 0.5]])
    assert f"{np.linalg.norm(W, 2):.3f}" == "2.118" and "about $2.118$" in body
    power = np.linalg.matrix_power(W, 20)
    assert np.allclose(power, [[0.5**20, 4 * 20 * 0.5**20], [0, 0.5**20]])
    assert f"{np.linalg.norm(power, 2):.1e}" == "7.6e-05" and "7.6 \\cdot 10^{-5}" in body
    assert max(abs(np.linalg.eigvals(W))) == 0.5
    columns = gradient_norms_figure.gradient_norm_columns()
    for shown in (columns[0.5][0], columns[1.5][0], columns[0.5][-1]):
        assert appears(f"{shown:.4f}", body)
    assert columns[0.5][0] < 0.02 < 10 < columns[1.5][0], "the figure shows vanishing and exploding"


def test_vanishing_causes_puts_the_distance_under_its_condition():
    question = yaml.safe_load((COURSE_DIR / "questions" / "vanishing-causes.yaml").read_text())
    [distance] = [c for c in question["choices"] if "T - t" in c["text"]]
    assert distance["correct"] and "when every factor shrinks" in distance["text"]
    assert "explode" in distance["feedback"]


def test_softmax_properties_says_a_computed_probability_can_be_exactly_zero():
    question = yaml.safe_load((COURSE_DIR / "questions" / "softmax-properties.yaml").read_text())
    [positive] = [c for c in question["choices"] if "positive" in c["text"]]
    assert positive["correct"] and "exactly 0" in positive["feedback"]
    assert "(1000, 999, -1000)" in positive["feedback"], "the example lesson 4 computes"
    assert softmax([1000.0, 999.0, -1000.0])[2] == 0.0


def test_encoder_sketch_draws_arrows_between_hidden_states_only():
    body = read_body("02-rnn-shapes.md")
    sketch = body.split("**encoder** RNN", 1)[1].split("```text", 1)[1].split("```", 1)[0]
    rows = sketch.strip("\n").splitlines()
    [input_row] = [row for row in rows if "x1" in row]
    [state_row] = [row for row in rows if "h1" in row]
    assert "->" not in input_row, "no arrow between inputs"
    assert re.search(r"h1 -> h2 -> h3 ==> s1 -> s2", state_row), state_row


def test_numeric_questions_all_have_explanations():
    for path in (COURSE_DIR / "questions").glob("*.yaml"):
        question = yaml.safe_load(path.read_text(encoding="utf-8"))
        if question["kind"] == "numeric":
            assert len(question.get("explanation", "").split()) >= 20, path.name


def test_many_to_one_forward_comes_after_the_softmax():
    meta = yaml.safe_load((COURSE_DIR / "exercises/many-to-one-forward/exercise.yaml").read_text())
    softmax_meta = yaml.safe_load((COURSE_DIR / "exercises/softmax/exercise.yaml").read_text())
    assert meta["lesson"] == softmax_meta["lesson"] == "measuring-error"
    assert meta["order"] > softmax_meta["order"]
    assert "`many-to-one-forward` with lesson 4" in read_body("02-rnn-shapes.md")


def test_the_sushi_completion_and_next_token_prediction_are_taught():
    for name in ("01-why-memory.md", "02-rnn-shapes.md", "09-language-modelling.md"):
        body = read_body(name)
        assert "sushi" in body and "Japanese" in body, name
    assert "next-token prediction" in read_body("01-why-memory.md")


def test_lesson_9_temperature_table_recomputes():
    body = read_body("09-language-modelling.md")
    for tau in (0.5, 1, 2):
        probs = softmax(np.array([2.0, 1.0, 0.0]) / tau)
        row = ", ".join(f"{p:.4f}" for p in probs)
        assert f"| {row} |" in body, row
    text = "My favourite dish is sushi. So, my favourite cuisine is Japanese."
    assert f"It uses {len(set(text))} distinct characters" in body
    assert f"$K = {len(set(text))}$" in body
    assert f"$\\log {len(set(text))} \\approx {np.log(len(set(text))):.2f}$" in body


def figure_references() -> list[tuple[str, str, str]]:
    return [
        (name, alt, src) for name in LESSON_FILES for alt, src in IMAGE.findall(read_body(name))
    ]


def test_figures_are_referenced_with_alt_text_and_exist():
    references = figure_references()
    shipped = sorted(p.name for p in FIGURES_DIR.iterdir())
    assert len(shipped) >= 4
    assert sorted({src.removeprefix("figures/") for _, _, src in references}) == shipped
    lessons_with_figures = {name for name, _, _ in references}
    assert {
        "02-rnn-shapes.md",
        "03-forward-propagation.md",
        "06-bptt.md",
        "08-vanishing-gradients.md",
    } <= lessons_with_figures
    for name, alt, src in references:
        assert src.startswith("figures/") and FIGURE_NAME_RE.match(src.removeprefix("figures/"))
        assert len(alt.split()) >= 25, f"{name}: the alt text of {src} is too short to stand in"


@pytest.mark.parametrize("path", sorted(FIGURES_DIR.glob("*.svg")), ids=lambda p: p.name)
def test_every_figure_is_a_safe_titled_svg(path):
    text = path.read_text(encoding="utf-8")
    assert svg_problems(text) == []
    assert "<title" in text and "<desc" in text


def test_the_gradient_norm_figure_is_generated_from_the_reference():
    columns = gradient_norms_figure.gradient_norm_columns()
    svg = gradient_norms_figure.render_svg(columns)
    assert (FIGURES_DIR / "gradient-norms.svg").read_text(encoding="utf-8") == svg
    assert columns[1.0][-1] == pytest.approx(np.sqrt(2))
    assert f"{columns[1.5][0]:.4f}" in svg


@pytest.mark.parametrize(
    ("svg", "problem"),
    [
        ('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "<script>"),
        ('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "'onload'"),
        (
            '<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>',
            "<foreignObject>",
        ),
        (
            '<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
            '<use x:href="https://example.org/a.svg#b"/></svg>',
            "links outside",
        ),
        ('<svg xmlns="http://www.w3.org/2000/svg"><a href="javascript:1"/></svg>', "outside"),
        (
            '<svg xmlns="http://www.w3.org/2000/svg"><rect fill="url(http://e.org/x)"/></svg>',
            "refers outside",
        ),
        ('<!DOCTYPE svg [<!ENTITY a "b">]><svg xmlns="http://www.w3.org/2000/svg"/>', "ENTITY"),
        ("<svg><rect/></svg>", "SVG namespace"),
        ("<svg", "not well-formed"),
    ],
)
def test_unsafe_or_broken_svgs_are_refused(svg, problem):
    problems = svg_problems(svg)
    assert any(problem in p for p in problems), problems


def test_a_local_marker_reference_is_allowed():
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg"><defs><marker id="m"/></defs>'
        '<path d="M0,0" marker-end="url(#m)"/><use href="#m"/></svg>'
    )
    assert svg_problems(svg) == []
