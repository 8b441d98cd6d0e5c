"""Read a course folder's files without leaving it, and parse them without running them.

A symbolic link, or a path that resolves outside the folder, is a problem line, never read;
YAML is loaded safely and Python is only parsed with `ast`.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import yaml


def _link_problem(root: Path, path: Path) -> str | None:
    """Say why `path` may not be read as part of the course folder `root`, or None.

    `root` is resolved; every step below it must be a plain file or folder, not a link, and
    the path must resolve inside the folder.
    """
    where = path.relative_to(root).as_posix()
    current = root
    for part in path.relative_to(root).parts:
        current = current / part
        if current.is_symlink():
            return f"{current.relative_to(root).as_posix()}: is a symbolic link (not allowed in a course folder)"
    if not path.resolve().is_relative_to(root):
        return f"{where}: resolves outside the course folder"
    return None


def _read_text(problems: list[str], root: Path, path: Path, *, required: bool = True) -> str | None:
    where = path.relative_to(root).as_posix()
    refused = _link_problem(root, path)
    if refused is not None:
        problems.append(refused)
        return None
    if not path.is_file():
        if required:
            problems.append(f"{where}: file is missing")
        return None
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.append(f"{where}: not UTF-8 text ({exc.reason} at byte {exc.start})")
        return None


def _parse_yaml(
    problems: list[str], where: str, text: str, *, line_offset: int = 0
) -> dict[str, Any] | None:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = f", line {mark.line + 1 + line_offset}" if mark is not None else ""
        reason = getattr(exc, "problem", None) or str(exc)
        problems.append(f"{where}{line}: invalid YAML: {reason}")
        return None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problems.append(f"{where}: must be a YAML mapping of fields, not {type(data).__name__}")
        return None
    return data


def _check_python(
    problems: list[str], where: str, source: str, names: tuple[str, ...], why: str
) -> None:
    """Parse `source` (never run it) and check that it defines each of `names` at top level."""
    try:
        tree = ast.parse(source, filename=where)
    except SyntaxError as exc:
        problems.append(f"{where}, line {exc.lineno}: syntax error: {exc.msg}")
        return
    defined: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, ast.Assign):
            defined.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            defined.update(alias.asname or alias.name.split(".")[0] for alias in node.names)
    for name in names:
        if name and name not in defined:
            problems.append(f"{where}: does not define {name}() ({why})")


def _visible_entries(problems: list[str], root: Path, folder: Path) -> list[Path]:
    """Return the entries of `folder` worth reading; a link among them is a problem, skipped."""
    refused = _link_problem(root, folder)
    if refused is not None:
        problems.append(refused)
        return []
    if not folder.is_dir():
        return []
    entries = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.name == "__pycache__":
            continue
        refused = _link_problem(root, path)
        if refused is not None:
            problems.append(refused)
            continue
        entries.append(path)
    return entries


def _split_front_matter(problems: list[str], where: str, text: str) -> tuple[str | None, str]:
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n") != "---":
        problems.append(f"{where}, line 1: must start with YAML front matter between '---' lines")
        return None, ""
    for index in range(1, len(lines)):
        if lines[index].rstrip("\r\n") == "---":
            return "".join(lines[1:index]), "".join(lines[index + 1 :])
    problems.append(f"{where}: the front matter is not closed by a '---' line")
    return None, ""
