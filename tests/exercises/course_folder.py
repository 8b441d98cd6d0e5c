"""Course-folder tools for the authoring tests: a small course folder written from scratch.

A plain module; the `small_course` fixture (this folder, written to a temporary path) is in
tests/exercises/conftest.py.
"""

from pathlib import Path

REFERENCE = '''import numpy as np


def scale(x, k):
    """Return x times k, plus one."""
    return np.asarray(x) * k + 1.0
'''

MISTAKE_NO_PLUS_ONE = """import numpy as np


def scale(x, k):
    return np.asarray(x) * k
"""

CASES = """import numpy as np


def make_cases():
    rng = np.random.default_rng(3)
    return [
        {"name": "example", "visible": True, "args": [np.array([1.0, 2.0]), 3.0]},
        {"name": "random", "visible": False, "args": [rng.normal(size=4), 0.5]},
    ]
"""

SMALL_COURSE: dict[str, str] = {
    "course.yaml": (
        "slug: tiny\n"
        "title: A tiny course\n"
        "summary: >-\n"
        "  Two lessons, two questions and one exercise, enough to exercise every part of the "
        "folder format.\n"
        "published: true\n"
    ),
    "lessons/01-intro.md": "---\ntitle: 'Intro: why'\n---\nSome text with $x_t$ math.\n",
    "lessons/02-more.md": (
        "---\ntitle: More\n---\n$$\nh_t = \\tanh(W h_{t-1})\n$$\n\nTrailing text.\n"
    ),
    "questions/pick-one.yaml": (
        "slug: pick-one\n"
        "lesson: intro\n"
        "order: 1\n"
        "kind: single\n"
        "prompt: |\n"
        "  Which is right?\n"
        "  Really: $a$?\n"
        "explanation: Because.\n"
        "choices:\n"
        "  - text: 'Yes: this one'\n"
        "    correct: true\n"
        "    feedback: Right.\n"
        "  - text: 'No'\n"
        "    correct: false\n"
        "  - text: A long choice that goes on and on well past the folding width of the "
        "exported YAML files\n"
        "    correct: false\n"
        '    feedback: "  leading spaces and a trailing one "\n'
    ),
    "questions/number.yaml": (
        "slug: number\n"
        "lesson: more\n"
        "order: 2\n"
        "kind: numeric\n"
        "prompt: 'What is {u:.2f} squared?'\n"
        "tolerance: 0.001\n"
        "parameters: |\n"
        "  def generate(rng):\n"
        "      return {'u': round(float(rng.uniform(1, 2)), 2)}\n"
        "answer: |\n"
        "  def answer(p):\n"
        "      return p['u'] ** 2\n"
    ),
    "exercises/scale/exercise.yaml": (
        "title: Scale and shift\n"
        "lesson: more\n"
        "order: 1\n"
        "entry_point: scale\n"
        "returns: [y]\n"
        "rtol: 1.0e-5\n"
        "atol: 1.0e-8\n"
        "time_limit_ms: 2000\n"
        "memory_mb: 512\n"
        "published: false\n"
        "mistakes:\n"
        "  - slug: no-plus-one\n"
        "    title: Shift left out\n"
        "    message: |\n"
        "      You forgot to add one.\n"
    ),
    "exercises/scale/prompt.md": "Write `scale(x, k)` returning $k x + 1$.\n",
    "exercises/scale/starter.py": "import numpy as np\n\n\ndef scale(x, k):\n    pass\n",
    "exercises/scale/reference.py": REFERENCE,
    "exercises/scale/cases.py": CASES,
    "exercises/scale/mistakes/no-plus-one.py": MISTAKE_NO_PLUS_ONE,
}


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Write {relative path: text} under root and return root."""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def read_tree(root: Path) -> dict[str, bytes]:
    """Return every file under root as {relative path: bytes}."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }
