"""A known mistake is a set of variants: any variant names it; self-check checks each one."""

import textwrap

from grader.grading import ExerciseSpec, KnownMistake, grade, self_check


def source(text: str) -> str:
    return textwrap.dedent(text).lstrip()


REFERENCE = "import numpy as np\n\ndef softmax(z):\n    e = np.exp(z - z.max(axis=-1, keepdims=True))\n    return e / e.sum(axis=-1, keepdims=True)\n"
CASES = source(
    """
    import numpy as np

    def make_cases():
        rng = np.random.default_rng(5)
        return [
            {"name": "example", "visible": True, "args": [np.array([[1.0, 2.0], [0.0, 3.0]])]},
            {"name": "rows", "visible": False, "args": [rng.normal(size=(3, 4))]},
            {"name": "more rows", "visible": False, "args": [rng.normal(size=(5, 2))]},
        ]
    """
)
AXIS0 = "import numpy as np\n\ndef softmax(z):\n    e = np.exp(z - z.max(axis=0, keepdims=True))\n    return e / e.sum(axis=0, keepdims=True)\n"
MIXED = "import numpy as np\n\ndef softmax(z):\n    e = np.exp(z - z.max(axis=-1, keepdims=True))\n    return e / e.sum(axis=0, keepdims=True)\n"
WHOLE = (
    "import numpy as np\n\ndef softmax(z):\n    e = np.exp(z - z.max())\n    return e / e.sum()\n"
)
WRONG_AXIS = KnownMistake(
    slug="wrong-axis",
    title="Wrong axis",
    code=AXIS0,
    message="You normalised over the wrong axis.",
    variants=(("max-over-rows", MIXED),),
)
WHOLE_ARRAY = KnownMistake(
    slug="whole-array", title="Whole array", code=WHOLE, message="You normalised the whole array."
)


def spec(*mistakes: KnownMistake) -> ExerciseSpec:
    return ExerciseSpec(
        slug="softmax-variants",
        entry_point="softmax",
        reference_code=REFERENCE,
        cases_code=CASES,
        mistakes=mistakes,
        returns=("probs",),
    )


def test_a_submission_written_like_the_second_variant_is_named():
    learner = source(
        """
        import numpy as np

        def softmax(z):
            shifted = z - np.max(z, axis=1)[:, None]
            return np.exp(shifted) / np.exp(shifted).sum(axis=0)
        """
    )
    verdict = grade(spec(WRONG_AXIS, WHOLE_ARRAY), learner)
    assert verdict.status == "failed"
    assert verdict.misconception == "You normalised over the wrong axis."
    assert verdict.misconception_slug == "wrong-axis"


def test_the_main_variant_still_names_the_mistake():
    verdict = grade(spec(WRONG_AXIS, WHOLE_ARRAY), AXIS0)
    assert verdict.misconception_slug == "wrong-axis"


def test_self_check_reports_every_variant_and_passes_when_all_are_caught():
    report = self_check(spec(WRONG_AXIS, WHOLE_ARRAY))
    assert report.ok, report.to_dict()
    rows = [(m.slug, m.variant) for m in report.mistakes]
    assert rows == [
        ("wrong-axis", "wrong-axis.py"),
        ("wrong-axis", "wrong-axis/max-over-rows.py"),
        ("whole-array", "whole-array.py"),
    ]


def test_a_variant_that_passes_every_case_fails_the_self_check():
    harmless = KnownMistake(
        slug="wrong-axis",
        title="Wrong axis",
        code=AXIS0,
        message="m",
        variants=(("actually-right", REFERENCE),),
    )
    report = self_check(spec(harmless))
    assert not report.ok
    bad = [m for m in report.mistakes if not m.rejected]
    assert [m.variant for m in bad] == ["wrong-axis/actually-right.py"]


def test_a_variant_that_behaves_like_another_mistake_fails_the_self_check():
    confused = KnownMistake(
        slug="wrong-axis",
        title="Wrong axis",
        code=AXIS0,
        message="m",
        variants=(("really-whole-array", WHOLE),),
    )
    report = self_check(spec(WHOLE_ARRAY, confused))
    assert not report.ok
    row = next(m for m in report.mistakes if m.variant == "wrong-axis/really-whole-array.py")
    assert not row.recognised and row.shadowed_by == "whole-array"
    # ... and the other mistake is no longer distinguishable either.
    whole = next(m for m in report.mistakes if m.slug == "whole-array")
    assert not whole.recognised and whole.shadowed_by == "wrong-axis"


def test_variants_change_the_spec_version():
    plain = KnownMistake(slug="wrong-axis", title="Wrong axis", code=AXIS0, message="m")
    assert spec(plain).version != spec(WRONG_AXIS).version
