"""`grader` is a plain library: importing every module of it loads no Django."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import grader

REPO = Path(__file__).resolve().parents[2]

IMPORT_ALL = """
import importlib, json, pkgutil, sys
import grader
names = [
    info.name
    for info in pkgutil.walk_packages(grader.__path__, "grader.")
    if not info.name.startswith("grader.management")
]
for name in names:
    importlib.import_module(name)
print(json.dumps({"imported": names, "django": sorted(m for m in sys.modules if m == "django" or m.startswith("django."))}))
"""


def test_every_grader_module_imports_without_django():
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL],
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result = json.loads(done.stdout)
    expected = {
        info.name
        for info in pkgutil.walk_packages(grader.__path__, "grader.")
        if not info.name.startswith("grader.management")
    }
    assert set(result["imported"]) == expected
    assert {"grader.compare", "grader.grading", "grader.sandbox.zygote"} <= expected
    assert result["django"] == []
