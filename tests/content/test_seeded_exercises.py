"""Every exercise of the seeded course must pass its own "check reference"."""

from pathlib import Path

import pytest

from exercises.specs import spec_from_folder
from grader.grading import self_check

EXERCISES = Path(__file__).resolve().parents[2] / "content" / "rnn-from-scratch" / "exercises"
FOLDERS = sorted(p for p in EXERCISES.glob("*") if (p / "exercise.yaml").is_file())
# COURSE.md lists 13 coding exercises; issue 14 adds the gradient check and the capstone.
EXPECTED_EXERCISES = 15


def test_the_seeded_course_has_every_exercise():
    assert len(FOLDERS) >= EXPECTED_EXERCISES, [p.name for p in FOLDERS]


@pytest.mark.parametrize("folder", FOLDERS, ids=[p.name for p in FOLDERS])
def test_seeded_exercise_passes_self_check(folder):
    report = self_check(spec_from_folder(folder))
    assert report.ok, report.to_dict()
