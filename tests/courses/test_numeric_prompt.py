"""Numeric prompts print plain numbers and strings only: no attribute or item access, no
conversions, bounded widths; NumPy values become plain numbers; the preview never 500s."""

import numpy as np
import pytest

from courses.numeric import PromptError, fill_prompt, format_prompt, plain_parameters

# Each test starts and ends with an empty cache (sign-up counts live there).
pytestmark = pytest.mark.usefixtures("empty_cache")

PARAMETERS = {"a": np.float64(1.23456), "n": np.int64(7), "s": "tanh", "v": np.arange(3)}
SECRET_PROBE = "{a.ctypes.__init__.__globals__[sys].modules[django.conf].settings.SECRET_KEY}"


def test_plain_fields_and_format_specs_are_filled():
    text = fill_prompt("$a = {a:.2f}$, n = {n:>4d}, {s}, {{literal}}", PARAMETERS)
    assert text == "$a = 1.23$, n =    7, tanh, {literal}"


@pytest.mark.parametrize(
    "prompt",
    [
        SECRET_PROBE,
        "{a.real}",
        "{a[0]}",
        "{v}",
        "{a!r}",
        "{a:>100000000}",
        "{a:.99f}",
        "{a:{n}}",
        "{missing}",
        "{0}",
        "{}",
        "{",
        "{s:d}",
    ],
)
def test_any_other_field_is_refused_and_the_prompt_is_left_as_written(prompt):
    with pytest.raises(PromptError):
        fill_prompt(prompt, PARAMETERS)
    assert format_prompt(prompt, PARAMETERS) == prompt


def test_numpy_values_become_plain_python_values():
    plain = plain_parameters(PARAMETERS)
    assert plain == {"a": 1.23456, "n": 7, "s": "tanh", "v": [0, 1, 2]}
    assert type(plain["a"]) is float and type(plain["n"]) is int


def test_a_learner_never_sees_a_secret_through_the_prompt(alice, small, settings):
    small.numeric.prompt = f"Value: {SECRET_PROBE}"
    small.numeric.save()
    page = alice.get(small.lessons[0].get_absolute_url())
    assert page.status_code == 200
    assert settings.SECRET_KEY not in page.text


def test_the_preview_with_an_array_parameter_explains_instead_of_failing(instructor_client, small):
    from exercises.question_variants import compute_question_variants

    question = small.numeric
    question.parameters_code = (
        "import numpy as np\n\ndef generate(rng):\n"
        "    return {'v': np.arange(3.0), 'k': np.int64(2)}\n"
    )
    question.answer_code = "def answer(p):\n    return sum(p['v']) * p['k']\n"
    question.save()
    question.mistakes.all().delete()
    assert compute_question_variants(question_id=question.pk) == "computed"
    response = instructor_client.post(
        "/admin/courses/question/numeric-preview/",
        {"question": str(question.pk), "variant": "3", "prompt": "Sum {v} and {a.__class__}"},
    )
    assert response.status_code == 200
    data = response.json()
    assert "cannot be printed" in data["error"]
    assert data["parameters"] == {"v": [0.0, 1.0, 2.0], "k": 2}


@pytest.mark.parametrize("raw", ["²", "１２", "-1", "1e3", "9" * 30])
def test_the_preview_refuses_a_number_that_is_not_plain_digits(instructor_client, small, raw):
    for data in ({"question": raw}, {"question": str(small.numeric.pk), "variant": raw}):
        response = instructor_client.post(
            "/admin/courses/question/numeric-preview/", {"prompt": "x", **data}
        )
        assert response.status_code == 200
        assert "whole number" in response.json()["error"]
