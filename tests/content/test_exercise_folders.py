"""Check the seeded course's exercise folders: metadata, cases and reference."""

import inspect
from typing import Any

import numpy as np
import pytest
import yaml

from .exercise_folder_tools import (
    EXERCISES_DIR,
    EXPECTED_SHAPES,
    LESSONS,
    REQUIRED_FIELDS,
    RNN_SLUGS,
    SLUGS,
    TIME_LIMIT_MS,
    _arrays,
    _as_components,
    _exec_entry_point,
    _exercise,
    _identical,
    _make_cases,
    _outcomes,
    _shape_tree,
)


def test_exercise_folders_are_exactly_the_course_exercises() -> None:
    folders = sorted(p.name for p in EXERCISES_DIR.iterdir() if p.is_dir())
    assert folders == SLUGS


@pytest.mark.parametrize("slug", SLUGS)
def test_folder_holds_every_file_and_a_main_variant_per_listed_mistake(slug: str) -> None:
    folder = EXERCISES_DIR / slug
    for name in ("exercise.yaml", "prompt.md", "starter.py", "reference.py", "cases.py"):
        assert (folder / name).is_file(), f"{slug}/{name} is missing"
    meta = yaml.safe_load((folder / "exercise.yaml").read_text())
    listed = sorted(m["slug"] for m in meta["mistakes"])
    assert listed == sorted(p.stem for p in (folder / "mistakes").glob("*.py"))
    assert len(set(listed)) == len(listed)
    further = {p.name for p in (folder / "mistakes").iterdir() if p.is_dir()}
    assert further <= set(listed), "a folder of further variants belongs to a listed mistake"


@pytest.mark.parametrize("slug", SLUGS)
def test_exercise_yaml_has_every_field_with_course_defaults(slug: str) -> None:
    meta = _exercise(slug).meta
    assert meta.keys() >= REQUIRED_FIELDS
    assert meta["lesson"] in LESSONS
    assert meta["entry_point"] == slug.replace("-", "_")
    assert (meta["rtol"], meta["atol"]) == (1e-5, 1e-8)
    assert meta["time_limit_ms"] == TIME_LIMIT_MS.get(slug, 2000)
    assert meta["memory_mb"] == 512
    assert meta["published"] is True
    assert isinstance(meta["order"], int)
    assert meta["returns"] and all(isinstance(r, str) for r in meta["returns"])
    for mistake in meta["mistakes"]:
        assert mistake["slug"] and mistake["title"]
        assert mistake["message"].count(".") >= 2, mistake["slug"]


def test_exercise_order_is_unique_within_each_lesson() -> None:
    positions = [(_exercise(s).meta["lesson"], _exercise(s).meta["order"]) for s in SLUGS]
    assert len(set(positions)) == len(positions)


@pytest.mark.parametrize("slug", SLUGS)
def test_cases_are_deterministic_typed_and_small(slug: str) -> None:
    folder = EXERCISES_DIR / slug
    first, second = _make_cases(folder), _make_cases(folder)
    assert _identical(first, second)
    assert 10 <= len(first) <= 20
    visible = [case["visible"] for case in first]
    assert visible[:2] == [True, True] and sum(visible) <= 3
    assert visible == sorted(visible, reverse=True), "visible examples come first"
    assert len({case["name"] for case in first}) == len(first)
    for case in first:
        assert set(case) == {"name", "visible", "args"}
        for array in _arrays(case["args"]):
            assert array.dtype in (np.float64, np.int64), (case["name"], array.dtype)
            assert all(n <= 12 for n in array.shape), case["name"]
            assert array.ndim < 2 or max(array.shape[1:]) <= 8, case["name"]


@pytest.mark.parametrize("slug", SLUGS)
def test_reference_returns_finite_values_of_the_contract_shapes(slug: str) -> None:
    exercise = _exercise(slug)
    for case, outcome in zip(exercise.cases, _outcomes(exercise, exercise.reference), strict=True):
        assert not outcome.raised, case["name"]
        assert not outcome.mutated, case["name"]
        components = _as_components(exercise, outcome.value)
        assert len(components) == len(exercise.meta["returns"])
        assert [_shape_tree(c) for c in components] == EXPECTED_SHAPES[slug](*case["args"])
        for component in components:
            if component is None or isinstance(component, str):
                continue  # grad-check names the wrong gradient, or None
            if isinstance(component, list) and all(isinstance(c, str) for c in component):
                continue  # the capstone's samples
            if isinstance(component, dict) and not _arrays(component):
                component = list(component.values())  # a dict of plain numbers
            for array in _arrays(component) or [np.asarray(component, dtype=float)]:
                assert np.all(np.isfinite(array)), case["name"]


@pytest.mark.parametrize("slug", SLUGS)
def test_starter_defines_the_entry_point_with_the_reference_signature(slug: str) -> None:
    exercise = _exercise(slug)
    folder = EXERCISES_DIR / slug
    source = (folder / "starter.py").read_text()
    assert "import numpy as np" in source
    starter = _exec_entry_point(folder / "starter.py", exercise.meta["entry_point"])
    assert inspect.signature(starter) == inspect.signature(exercise.reference)
    assert starter.__doc__
    assert (folder / "prompt.md").read_text().count(exercise.meta["entry_point"]) >= 1


@pytest.mark.parametrize("slug", SLUGS)
def test_case_files_and_references_import_only_numpy(slug: str) -> None:
    folder = EXERCISES_DIR / slug
    paths = [folder / "cases.py", folder / "reference.py", *(folder / "mistakes").glob("*.py")]
    for path in paths:
        imports = [
            line for line in path.read_text().splitlines() if line.startswith(("import ", "from "))
        ]
        assert set(imports) <= {"import numpy as np"}, path


def _rnn_dims(args: list[Any]) -> tuple[int, int, int, bool]:
    xs, h0 = args[0], args[1]
    return xs.shape[0], xs.shape[1], h0.shape[0], bool(np.any(h0))


@pytest.mark.parametrize("slug", sorted(RNN_SLUGS | {"rnn-step"}))
def test_recurrent_cases_cover_the_course_edge_cases(slug: str) -> None:
    cases = _exercise(slug).cases
    if slug == "rnn-step":
        dims = [
            (1, len(c["args"][0]), len(c["args"][1]), bool(np.any(c["args"][1]))) for c in cases
        ]
    else:
        dims = [_rnn_dims(c["args"]) for c in cases]
    assert any(H == 1 for _, _, H, _ in dims)
    assert any(D == H and nonzero for _, D, H, nonzero in dims)
    assert any(D != H for _, D, H, _ in dims)
    if slug != "rnn-step":
        assert any(T == 1 for T, _, _, _ in dims)
        assert any(T == 12 for T, _, _, _ in dims)
    names = " ".join(c["name"] for c in cases)
    assert "zero weights" in names and "saturate" in names


def test_softmax_and_cross_entropy_cases_reach_1000_and_softmax_sees_rows() -> None:
    for slug in ("softmax", "cross-entropy-loss"):
        logits = [c["args"][0] for c in _exercise(slug).cases]
        assert any(np.max(z) >= 1000 for z in logits)
        assert any(np.min(z) <= -1000 for z in logits)
    softmax_inputs = [c["args"][0] for c in _exercise("softmax").cases]
    assert {z.ndim for z in softmax_inputs} == {1, 2}


def test_update_cases_cover_learning_rates_and_both_clipping_regimes() -> None:
    assert any(c["args"][2] not in (0.0, 1.0) for c in _exercise("sgd-step").cases)
    regimes = set()
    for case in _exercise("clip-gradients").cases:
        grads, max_norm = case["args"]
        norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
        regimes.add("zero" if norm == 0 else "clipped" if norm > max_norm else "kept")
    assert regimes == {"zero", "clipped", "kept"}


@pytest.mark.parametrize("slug", ["sgd-step", "clip-gradients"])
def test_dict_exercises_use_the_course_keys(slug: str) -> None:
    for case in _exercise(slug).cases:
        dicts = [a for a in case["args"] if isinstance(a, dict)]
        for d in dicts:
            assert set(d) in ({"U", "W", "V", "b", "c"}, {"dU", "dW", "dV", "db", "dc"})


# Other ways learners write the same known mistake: the cases must still match the variant.
