"""Unit tests for grader.compare: plain values in, verdicts and sentences out."""

import json

import numpy as np
import pytest

from grader.compare import (
    Tolerances,
    all_finite,
    compare_output,
    compare_value,
    component_names,
    find_mutation,
    outputs_match,
    to_jsonable,
)

HS = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9], [1.0, 1.1, 1.2]])


def test_matching_arrays_pass():
    assert compare_value(HS + 1e-9, HS, "hs") is None


def test_values_outside_tolerance_fail():
    assert compare_value(HS + 1e-3, HS, "hs") is not None


def test_tolerances_come_from_the_exercise():
    loose = Tolerances(rtol=1e-2, atol=1e-2)
    assert compare_value(HS + 1e-3, HS, "hs", tolerances=loose) is None


def test_wrong_shape_names_both_shapes():
    message = compare_value(np.zeros((4, 3)), np.zeros((3, 3)), "dW", visible=True)
    assert message == "`dW` has shape (4, 3); expected (3, 3)."


def test_one_dimensional_shape_is_written_with_a_trailing_comma():
    message = compare_value(np.zeros(4), np.zeros(3), "h_t", visible=True)
    assert message == "`h_t` has shape (4,); expected (3,)."


def test_shape_is_checked_before_values():
    message = compare_value(np.full((5, 3), np.nan), HS, "hs", visible=True)
    assert "shape" in message and "NaN" not in message


def test_time_major_output_names_first_differing_step_and_matching_steps():
    wrong = HS.copy()
    wrong[2, 1] += 0.41
    wrong[3, 0] += 5.0
    message = compare_value(wrong, HS, "hs", visible=True)
    assert (
        message == "`hs[2]` differs from the expected value (max abs error 0.41); steps 0–1 match."
    )


def test_time_major_difference_at_step_one_says_step_zero_matches():
    wrong = HS.copy()
    wrong[1, 0] += 0.5
    assert compare_value(wrong, HS, "ys", visible=True).endswith("; step 0 matches.")


def test_time_major_difference_at_first_step_says_so():
    wrong = HS.copy()
    wrong[0, 0] += 0.5
    message = compare_value(wrong, HS, "hs", visible=True)
    assert message.startswith("`hs[0]` differs") and "first step" in message


def test_other_arrays_report_first_index_and_max_error():
    expected = np.arange(6.0).reshape(2, 3)
    wrong = expected.copy()
    wrong[0, 2] += 0.1
    wrong[1, 1] -= 0.5
    message = compare_value(wrong, expected, "dW", visible=True)
    assert message == (
        "`dW` differs from the expected value (max abs error 0.5); "
        "the first differing entry is `dW[0, 2]`."
    )


def test_nan_where_expected_is_finite_says_it_blew_up():
    expected = np.array([[0.5, 0.5], [0.25, 0.75]])
    wrong = expected.copy()
    wrong[1] = np.nan
    message = compare_value(wrong, expected, "probs", visible=True)
    assert message.startswith("`probs[1, 0]` is NaN where the expected value is finite")
    assert "overflow" in message


def test_inf_in_a_sequence_is_reported_at_its_step():
    wrong = HS.copy()
    wrong[3, 2] = np.inf
    message = compare_value(wrong, HS, "ys", visible=True)
    assert message.startswith("`ys[3]` contains inf where the expected value is finite")


def test_inf_equal_to_expected_inf_passes():
    expected = np.array([1.0, np.inf])
    assert compare_value(expected.copy(), expected, "z") is None


def test_nan_never_equals_nan_when_grading():
    expected = np.array([1.0, np.nan])
    assert compare_value(expected.copy(), expected, "z") is not None


@pytest.mark.parametrize("value", [0.5, np.float64(0.5), np.float32(0.5), np.array(0.5), 1])
def test_scalar_accepts_python_float_numpy_scalar_and_zero_d_array(value):
    expected = 1.0 if value == 1 else 0.5
    assert compare_value(value, expected, "loss", tolerances=Tolerances(1e-5, 1e-8)) is None


def test_scalar_rejects_a_one_element_array():
    message = compare_value(np.array([0.5]), 0.5, "loss", visible=True)
    assert message == "`loss` should be a single number; got an array of shape (1,)."


def test_visible_scalar_mismatch_shows_both_values():
    assert compare_value(0.52, 0.61, "loss", visible=True) == "`loss` is 0.52; expected 0.61."


def test_hidden_scalar_mismatch_shows_neither_value_nor_error():
    message = compare_value(0.52, 0.61341, "loss", visible=False)
    assert message == "`loss` differs from the expected value on this hidden case."


def test_int_result_where_float_expected_passes_when_values_match():
    assert compare_value(np.array([1, 2, 3]), np.array([1.0, 2.0, 3.0]), "y") is None


@pytest.mark.parametrize(
    ("actual", "word"),
    [
        (np.array([1.0 + 0j, 2.0]), "complex numbers"),
        (np.array([1.0, 2.0], dtype=object), "Python objects"),
        (np.array(["1", "2"]), "strings"),
    ],
)
def test_complex_object_and_string_results_fail_on_dtype(actual, word):
    message = compare_value(actual, np.array([1.0, 2.0]), "y", visible=True)
    assert message == f"`y` holds {word}; expected real numbers."


def test_list_of_numbers_is_accepted_as_an_array():
    assert compare_value([[0.1, 0.2, 0.3]] * 2, np.array([[0.1, 0.2, 0.3]] * 2), "x") is None


def test_ragged_list_is_explained():
    message = compare_value([[1.0], [1.0, 2.0]], np.zeros((2, 2)), "x", visible=True)
    assert "not rectangular" in message


def test_none_result_hints_at_a_missing_return():
    message = compare_value(None, np.zeros(3), "h_t", visible=True)
    assert message.startswith("`h_t` is None") and "return" in message


def test_tuple_where_one_array_expected_is_a_structure_failure():
    message = compare_value((np.zeros(3), np.zeros(3)), np.zeros(3), "h_t", visible=True)
    assert message == "`h_t` should be an array of shape (3,); got a tuple of 2 values."


def test_tuple_components_take_their_names_from_the_contract():
    expected = (HS, HS[:, :2])
    results = compare_output((HS, HS[:, :2] + 1), expected, returns=["hs", "ys"], visible=True)
    assert [(r.name, r.passed) for r in results] == [("hs", True), ("ys", False)]
    assert results[1].message.startswith("`ys[0]` differs")


def test_tuple_components_fall_back_to_positions():
    assert component_names((1.0, HS)) == ["output[0]", "output[1]"]
    assert component_names((1.0, HS), returns=["only_one"]) == ["output[0]", "output[1]"]


def test_single_output_is_named_by_the_contract_or_output():
    assert component_names(HS, returns=["h_t"]) == ["h_t"]
    assert component_names(HS) == ["output"]


def test_a_list_of_plain_numbers_is_one_component():
    assert component_names([0.1, 0.2, 0.3]) == ["output"]


def test_wrong_tuple_length_fails_every_component():
    results = compare_output((HS,), (HS, HS), returns=["hs", "ys"], visible=True)
    assert [r.passed for r in results] == [False, False]
    assert results[0].message == (
        "Your function should return a tuple of 2 values (hs, ys); it returned 1 values."
    )


def test_list_is_accepted_for_a_tuple_return():
    results = compare_output([HS, HS], (HS, HS), returns=["hs", "ys"], visible=True)
    assert all(r.passed for r in results)


def test_array_where_tuple_expected_fails_every_component():
    results = compare_output(HS, (HS, HS), visible=True)
    assert [r.passed for r in results] == [False, False]
    assert "it returned an array of shape (4, 3)" in results[0].message


def test_dict_outputs_are_compared_key_by_key():
    expected = {"U": np.ones((2, 2)), "b": np.zeros(2)}
    actual = {"U": np.ones((2, 2)), "b": np.ones(2)}
    results = compare_output(actual, expected, returns=["new_params"], visible=True)
    assert [(r.name, r.passed) for r in results] == [
        ("new_params['U']", True),
        ("new_params['b']", False),
    ]


@pytest.mark.parametrize(
    ("actual", "fragment"),
    [
        ({"U": 1.0}, "is missing the key 'b'"),
        ({"U": 1.0, "b": 1.0, "c": 1.0}, "has an unexpected key 'c'"),
        ([1.0, 1.0], "should be a dict with keys 'U', 'b'"),
    ],
)
def test_dict_key_problems_fail_every_component(actual, fragment):
    results = compare_output(actual, {"U": 1.0, "b": 1.0}, visible=True)
    assert [r.passed for r in results] == [False, False]
    assert fragment in results[0].message


def test_nested_dict_in_a_tuple_names_the_key():
    expected = (1.0, {"dW": np.zeros(2)})
    message = compare_value((1.0, {"dW": np.ones(2)}), expected, "out", visible=True)
    assert message.startswith("`out[1]['dW']` differs")


def test_mutation_names_the_changed_entry():
    before = [{"W": np.ones((2, 2)), "b": np.zeros(2)}, {"dW": np.ones((2, 2))}, 0.1]
    after = [{"W": np.zeros((2, 2)), "b": np.zeros(2)}, {"dW": np.ones((2, 2))}, 0.1]
    message = find_mutation(before, after, ["params", "grads", "lr"])
    assert message.startswith("Your function changed its input `params['W']`")


def test_unchanged_inputs_including_nan_are_not_a_mutation():
    before = [np.array([1.0, np.nan]), [1, 2], 3.0]
    after = [np.array([1.0, np.nan]), (1, 2), 3.0]
    assert find_mutation(before, after, ["x", "y", "z"]) is None


def test_mutation_without_names_uses_positions():
    message = find_mutation([np.zeros(2)], [np.ones(2)], [])
    assert "`args[0]`" in message


def test_missing_args_after_is_not_a_mutation():
    assert find_mutation([np.zeros(2)], None, ["x"]) is None


def test_outputs_match_treats_nan_as_equal_to_nan():
    a = (np.array([np.nan, 1.0]), 2.0)
    b = (np.array([np.nan, 1.0 + 1e-9]), 2.0)
    assert outputs_match(a, b)


def test_outputs_match_requires_same_sign_infinities_and_same_shapes():
    assert outputs_match(np.array([np.inf]), np.array([np.inf]))
    assert not outputs_match(np.array([np.inf]), np.array([-np.inf]))
    assert not outputs_match(np.zeros((2, 3)), np.zeros((3, 2)))


def test_outputs_match_requires_same_structure():
    assert not outputs_match((1.0, 2.0), (1.0, 2.0, 3.0))
    assert not outputs_match({"a": 1.0}, {"b": 1.0})
    assert not outputs_match(None, 1.0)
    assert outputs_match({"a": [1.0, 2.0]}, {"a": np.array([1.0, 2.0])})


def test_all_finite_looks_inside_containers():
    assert all_finite((1.0, {"a": np.ones(2)}))
    assert not all_finite((1.0, {"a": np.array([1.0, np.inf])}))


def test_to_jsonable_is_valid_json_with_rounded_numbers():
    value = (np.array([1 / 3, np.nan, -np.inf]), {"k": np.float32(2.5)}, 7, None)
    result = to_jsonable(value)
    assert result == [[0.333333, "NaN", "-inf"], {"k": 2.5}, 7, None]
    json.dumps(result, allow_nan=False)


def test_to_jsonable_summarises_huge_arrays():
    assert to_jsonable(np.zeros((100, 100))) == {"shape": [100, 100], "note": "too large to show"}


def test_visible_scalar_mismatch_shows_enough_digits_to_see_the_difference():
    assert compare_value(0.52134, 0.52139, "loss", visible=True) == (
        "`loss` is 0.52134; expected 0.52139."
    )


def test_boolean_outputs_are_compared_as_numbers():
    assert compare_value(np.array([True, False]), np.array([True, False]), "mask") is None
    message = compare_value(np.array([True, True]), np.array([True, False]), "mask", visible=True)
    assert message.startswith("`mask` differs from the expected value (max abs error 1)")
