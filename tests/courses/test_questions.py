"""Answering questions through the pages: scoring, feedback, shuffling, numeric tolerance."""

import math

import numpy as np
import pytest
from django.urls import reverse

from courses.models import QuestionAttempt, QuestionVariant
from courses.numeric import learner_seed
from courses.selectors import question_view

pytestmark = pytest.mark.django_db


def answer(client, question, data, **headers):
    return client.post(reverse("answer_question", args=[question.id]), data, **headers)


def choice_ids(question, *texts):
    return [c.id for c in question.choices.all() if c.text in texts]


def test_single_choice_right_and_wrong(alice, learner, small):
    wrong = answer(alice, small.single, {"choice": choice_ids(small.single, "Wrong")})
    assert wrong.status_code == 302
    assert wrong["Location"].endswith("#question-single")
    right = answer(alice, small.single, {"choice": choice_ids(small.single, "Right")})
    assert right.status_code == 302
    attempts = list(QuestionAttempt.objects.filter(user=learner).order_by("id"))
    assert [(a.score, a.is_correct) for a in attempts] == [(0.0, False), (1.0, True)]


@pytest.mark.parametrize(
    ("chosen", "score"),
    [
        (("A", "B", "C"), 1.0),
        (("A", "B"), 2 / 3),
        (("A",), 1 / 3),
        (("A", "D"), 0.0),
        (("A", "B", "D"), 1 / 3),
        (("D",), 0.0),
        (("A", "B", "C", "D"), 2 / 3),
    ],
)
def test_multiple_choice_partial_credit(alice, learner, small, chosen, score):
    response = answer(alice, small.multiple, {"choice": choice_ids(small.multiple, *chosen)})
    assert response.status_code == 302
    attempt = QuestionAttempt.objects.get(user=learner)
    assert attempt.score == pytest.approx(score)
    assert attempt.is_correct == (score == 1.0)
    assert set(attempt.chosen.values_list("text", flat=True)) == set(chosen)


def test_multiple_choice_page_states_the_partial_credit_rule(client, small):
    page = client.get(small.lessons[0].get_absolute_url()).content.decode()
    assert (
        "max(0, (correct options chosen − wrong options chosen) ÷ number of correct options)"
        in page
    )


def test_feedback_of_each_chosen_option_shown_after_a_wrong_answer(alice, small):
    answer(alice, small.multiple, {"choice": choice_ids(small.multiple, "A", "D")})
    page = alice.get(small.lessons[0].get_absolute_url()).content.decode()
    assert "Feedback on A." in page and "Feedback on D." in page
    assert "Feedback on B." not in page
    assert "Not right yet." in page


def explain_each(small) -> dict[str, str]:
    """Give each question of the small course its own explanation and return them by slug."""
    texts = {}
    for question in (small.single, small.multiple, small.numeric):
        question.explanation = f"Why {question.slug} is so."
        question.save(update_fields=["explanation"])
        texts[question.slug] = question.explanation
    return texts


def lesson_page(client, small) -> str:
    return client.get(small.lessons[0].get_absolute_url()).content.decode()


def test_explanation_hidden_until_the_answer_is_right(alice, small):
    why = explain_each(small)
    assert not any(text in lesson_page(alice, small) for text in why.values())
    answer(alice, small.single, {"choice": choice_ids(small.single, "Wrong")})
    page = lesson_page(alice, small)
    assert "Feedback on Wrong." in page and "Not right yet." in page
    assert why["single"] not in page
    assert "An explanation appears here once you have answered correctly." in page
    answer(alice, small.single, {"choice": choice_ids(small.single, "Right")})
    page = lesson_page(alice, small)
    assert why["single"] in page and "Feedback on Right." in page
    assert why["multiple"] not in page and why["numeric"] not in page


def test_partly_right_multiple_choice_keeps_the_explanation_hidden(alice, small):
    why = explain_each(small)
    answer(alice, small.multiple, {"choice": choice_ids(small.multiple, "A", "B")})
    page = lesson_page(alice, small)
    assert "Partly right" in page and "Feedback on B." in page
    assert why["multiple"] not in page
    answer(alice, small.multiple, {"choice": choice_ids(small.multiple, "A", "B", "C")})
    assert why["multiple"] in lesson_page(alice, small)


def test_explanation_stays_once_earned_even_after_a_later_wrong_answer(alice, small):
    why = explain_each(small)
    answer(alice, small.single, {"choice": choice_ids(small.single, "Right")})
    answer(alice, small.single, {"choice": choice_ids(small.single, "Wrong")})
    page = lesson_page(alice, small)
    assert "Not right yet." in page and "Feedback on Wrong." in page
    assert why["single"] in page


def test_another_learners_right_answer_does_not_show_me_the_explanation(alice, small, signed_in):
    from tests.factories import make_user

    why = explain_each(small)
    bob = signed_in(make_user("bob"))
    answer(bob, small.single, {"choice": choice_ids(small.single, "Right")})
    answer(alice, small.single, {"choice": choice_ids(small.single, "Wrong")})
    assert why["single"] in lesson_page(bob, small)
    assert why["single"] not in lesson_page(alice, small)


def test_fetch_fragment_shows_the_explanation_only_for_a_right_answer(alice, small):
    why = explain_each(small)
    wrong = answer(
        alice,
        small.single,
        {"choice": choice_ids(small.single, "Wrong")},
        HTTP_X_REQUESTED_WITH="fetch",
    ).content.decode()
    assert "Feedback on Wrong." in wrong and why["single"] not in wrong
    right = answer(
        alice,
        small.single,
        {"choice": choice_ids(small.single, "Right")},
        HTTP_X_REQUESTED_WITH="fetch",
    ).content.decode()
    assert "Correct." in right and why["single"] in right


def test_numeric_explanation_follows_a_right_answer_only(alice, learner, small):
    why = explain_each(small)
    _, _, exact = expected_numeric(learner.id, small.numeric.id)
    fetch = {"HTTP_X_REQUESTED_WITH": "fetch"}
    wrong = answer(alice, small.numeric, {"answer": repr(exact + 1.0)}, **fetch).content.decode()
    assert "Not right yet." in wrong and why["numeric"] not in wrong
    assert why["numeric"] not in lesson_page(alice, small)
    right = answer(alice, small.numeric, {"answer": repr(exact)}, **fetch).content.decode()
    assert "Correct." in right and why["numeric"] in right
    assert why["numeric"] in lesson_page(alice, small)


def test_a_rejected_answer_does_not_show_the_explanation(alice, small):
    why = explain_each(small)
    response = answer(alice, small.numeric, {"answer": "twelve"})
    assert response.status_code == 400
    assert why["numeric"] not in response.content.decode()


def test_fetch_answer_returns_the_question_fragment_with_feedback(alice, small):
    response = answer(
        alice,
        small.single,
        {"choice": choice_ids(small.single, "Right")},
        HTTP_X_REQUESTED_WITH="fetch",
    )
    assert response.status_code == 200
    fragment = response.content.decode()
    assert fragment.lstrip().startswith("<section")
    assert "Correct." in fragment and "<html" not in fragment


def test_options_are_shuffled_per_learner_but_stable(small):
    from tests.factories import make_choice_question, make_user

    many = make_choice_question(
        small.lessons[0], "many", choices=tuple((f"option {i}", i == 0) for i in range(8))
    )
    users = [make_user() for _ in range(6)]
    orders = [[c.choice.text for c in question_view(u, many).choices] for u in users]
    again = [[c.choice.text for c in question_view(u, many).choices] for u in users]
    assert orders == again
    assert len({tuple(order) for order in orders}) > 1
    assert all(sorted(order) == sorted(orders[0]) for order in orders)


def expected_numeric(user_id, question_id):
    """Return the learner's a, b and answer, from the stored variant they are mapped to."""
    variants = QuestionVariant.objects.filter(question_id=question_id)
    variant = variants.get(index=learner_seed(user_id, question_id) % variants.count())
    a, b = variant.parameters["a"], variant.parameters["b"]
    assert variant.answer == pytest.approx(a * b + math.tanh(0.5), rel=1e-12)
    rng = np.random.default_rng(variant.seed)
    assert (round(float(rng.uniform(1, 5)), 2), int(rng.integers(2, 9))) == (a, b)
    return a, b, variant.answer


def test_numeric_prompt_shows_the_learners_own_parameters(alice, learner, small):
    a, b, _ = expected_numeric(learner.id, small.numeric.id)
    page = alice.get(small.lessons[0].get_absolute_url()).content.decode()
    assert f"\\(a = {a:.2f}\\)" in page
    assert f"\\(b = {b}\\)" in page


def test_anonymous_visitor_sees_the_first_variant_as_a_sample(client, small):
    a = small.numeric.variants.get(index=0).parameters["a"]
    page = client.get(small.lessons[0].get_absolute_url()).content.decode()
    assert f"\\(a = {a:.2f}\\)" in page
    assert "each learner gets their own" in page


@pytest.mark.parametrize(
    ("bands", "correct"),
    [(0.0, True), (0.95, True), (-0.95, True), (1.05, False), (-1.5, False), (10, False)],
)
def test_numeric_answer_checked_with_absolute_plus_relative_tolerance(
    alice, learner, small, bands, correct
):
    _, _, exact = expected_numeric(learner.id, small.numeric.id)
    band = small.numeric.absolute_tolerance + small.numeric.tolerance * abs(exact)
    typed = exact + bands * band
    response = answer(alice, small.numeric, {"answer": repr(typed)})
    assert response.status_code == 302
    attempt = QuestionAttempt.objects.get(user=learner)
    assert attempt.is_correct is correct
    assert attempt.numeric_answer == pytest.approx(typed)


def test_another_learners_numbers_do_not_answer_my_question(alice, learner, small):
    from tests.factories import make_user

    other = make_user()
    mine = expected_numeric(learner.id, small.numeric.id)
    theirs = expected_numeric(other.id, small.numeric.id)
    assert mine != theirs
    answer(alice, small.numeric, {"answer": repr(theirs[2])})
    assert QuestionAttempt.objects.get(user=learner).is_correct is False


def test_last_answer_is_shown_when_coming_back(alice, learner, small):
    answer(alice, small.numeric, {"answer": "12.5"})
    page = alice.get(small.lessons[0].get_absolute_url()).content.decode()
    assert 'value="12.5"' in page
    assert "You answered 12.5." in page
