"""The rooms of the code and what each may import (docs/architecture.md).

Every import counts, also one inside a function (the lazy imports that keep ``improv --help``
fast): a room that reaches into another room it should not know about fails here, with the
file and the import named.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: room -> the rooms of this project it may import (its own room always).  A room is a package
#: folder; ``improv`` alone means the top-level modules of improv/ (errors, config, demo).
ALLOWED: dict[str, set[str]] = {
    "sessions": set(),
    "analysis": set(),
    "improv": {"sessions", "analysis"},
    "improv.capture": {"improv", "sessions"},
    "improv.analyze": {"improv", "sessions", "analysis"},
    "improv.playback": {"improv", "improv.capture", "sessions"},
    "improv.reports": {"improv", "improv.analyze", "sessions", "analysis"},
    "improv.archive": {"improv", "improv.analyze", "sessions", "analysis"},
    "improv.web": {"improv", "improv.analyze", "improv.capture", "improv.playback",
                   "improv.reports", "sessions", "analysis"},
    "improv.cli": {"improv", "improv.analyze", "improv.archive", "improv.capture",
                   "improv.playback", "improv.reports", "improv.web", "sessions", "analysis"},
}
OURS = ("improv", "sessions", "analysis")


def room_of_module(name: str) -> str | None:
    """The room a dotted module name lives in, or None for a third-party module."""
    parts = name.split(".")
    if parts[0] not in OURS:
        return None
    if parts[0] == "improv" and len(parts) > 1 and f"improv.{parts[1]}" in ALLOWED:
        return f"improv.{parts[1]}"
    return parts[0]


def room_of_file(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    if rel.parts == ("improv", "__main__"):  # ``python -m improv`` is the command line
        return "improv.cli"
    return room_of_module(".".join(rel.parts)) or ""


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, dotted module) of every import in a file, relative imports resolved."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    if path.name == "__init__.py":
        package = ".".join(path.relative_to(ROOT).parts[:-1])
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            # ``from improv import capture`` names a room as a module
            out += [(node.lineno, f"{module}.{a.name}") for a in node.names]
    return out


def _sources():
    for package in OURS:
        yield from sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", list(_sources()), ids=lambda p: str(p.relative_to(ROOT)))
def test_room_imports_only_what_it_may(path):
    room = room_of_file(path)
    allowed = ALLOWED[room] | {room}
    wrong = []
    for line, module in imported_modules(path):
        target = room_of_module(module)
        if target is None:
            continue
        if target not in allowed:
            wrong.append(f"line {line}: {module} ({target})")
    assert not wrong, (f"{room} may import {sorted(allowed)}; {path.name} imports "
                       + "; ".join(wrong))


def test_every_room_is_listed():
    rooms = {room_of_file(p) for p in _sources()}
    assert rooms <= set(ALLOWED), rooms - set(ALLOWED)


def test_no_import_cycle_between_modules():
    graph: dict[str, set[str]] = {}
    for path in _sources():
        rel = path.relative_to(ROOT).with_suffix("")
        name = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
        deps = set()
        for _, module in imported_modules(path):
            if module.split(".")[0] in OURS:
                # the longest prefix that is a module of ours
                parts = module.split(".")
                for n in range(len(parts), 0, -1):
                    cand = ".".join(parts[:n])
                    if (ROOT / Path(*parts[:n])).with_suffix(".py").exists() or \
                            (ROOT / Path(*parts[:n]) / "__init__.py").exists():
                        deps.add(cand)
                        break
        graph[name] = deps - {name}
    # a package's __init__ importing its own submodules is not a cycle of design
    for name, deps in graph.items():
        graph[name] = {d for d in deps if not d.startswith(name + ".")}
    seen, stack, cycles = set(), [], []

    def visit(node):
        if node in stack:
            cycles.append(stack[stack.index(node):] + [node])
            return
        if node in seen:
            return
        seen.add(node)
        stack.append(node)
        for d in sorted(graph.get(node, ())):
            visit(d)
        stack.pop()

    for node in sorted(graph):
        visit(node)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles[:5])
