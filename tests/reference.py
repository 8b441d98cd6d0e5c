"""The seeded course's reference implementations, loaded from their exercise folders (tests only).

The content tests (lesson checks, numeric questions, the gradient checks against PyTorch) call
these functions instead of keeping their own copies, so the course has one reference
implementation. The folders are read by the course-folder reader; the files are trusted
repository content, so they are executed in this process.
"""

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from exercises.course_files import read_exercise_folder

REPO_ROOT = Path(__file__).resolve().parents[1]
SEEDED_COURSE_DIR = REPO_ROOT / "content" / "rnn-from-scratch"


def exercise_dir(slug: str) -> Path:
    """Return the folder of the seeded course's exercise `slug`."""
    folder = SEEDED_COURSE_DIR / "exercises" / slug
    if not (folder / "exercise.yaml").is_file():
        raise LookupError(f"the seeded course has no exercise {slug!r}")
    return folder


@cache
def load_reference(slug: str) -> Callable[..., Any]:
    """Return the entry point defined by the reference.py of the seeded exercise `slug`."""
    folder = exercise_dir(slug)
    exercise = read_exercise_folder(folder)
    path = folder / "reference.py"
    namespace: dict[str, Any] = {"__name__": f"reference_{slug.replace('-', '_')}"}
    exec(compile(exercise.reference_code, str(path), "exec"), namespace)
    return namespace[exercise.entry_point]
