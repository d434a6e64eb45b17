"""The examples in the docstrings are run: an example that no longer shows what the code does
is a failing test, not a misleading line of documentation (one in analysis.dialogue.coupling
showed a gain of 0.5 the estimator never gave, session 30)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("analysis", "sessions", "improv")


def _modules_with_examples() -> list[str]:
    """The modules of the project's packages whose source holds a ``>>>`` example (found
    from the files, so that no module is imported only to be listed)."""
    found = []
    for package in PACKAGES:
        for info in pkgutil.walk_packages([str(ROOT / package)], prefix=f"{package}."):
            path = ROOT / (info.name.replace(".", "/") + ("/__init__.py" if info.ispkg
                                                          else ".py"))
            if path.is_file() and ">>> " in path.read_text(encoding="utf-8"):
                found.append(info.name)
    return sorted(found)


MODULES = _modules_with_examples()


def test_the_examples_are_found():
    assert len(MODULES) >= 20 and "analysis.dialogue.coupling" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_show_what_the_code_does(name):
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = finder.find(module, name)
    assert tests, f"{name}: '>>> ' in the source but no example found"
    report = []
    for test in tests:
        runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)
