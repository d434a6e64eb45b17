"""The page's modules come in one round trip: index.html preloads every module reachable from
app.js through static imports. A module reached only through another (meters.js through
record.js) was fetched after that one had arrived, a round trip later on every page load, as
the browser loads a module's static imports before running any of it. No module outside the
graph is preloaded either (it would be fetched for nothing)."""

from __future__ import annotations

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[3] / "improv" / "web" / "static"

#: A static import or re-export of a module beside it: ``import {a} from './x.js';``,
#: ``import './x.js';``, ``export {a} from './x.js';`` (never ``import('./x.js')``).
STATIC_IMPORT = re.compile(r"^(?:import|export)\b[^;()]*?'\./([\w.]+\.js)';", flags=re.M)


def static_imports(source: str) -> set[str]:
    """The modules ``source`` imports statically, by file name."""
    return set(STATIC_IMPORT.findall(source))


def reachable(entry: str) -> set[str]:
    """Every module reachable from ``entry`` through static imports, ``entry`` not counted."""
    seen: set[str] = set()
    todo = [entry]
    while todo:
        for name in static_imports((STATIC / todo.pop()).read_text()):
            if name not in seen and name != entry:
                seen.add(name)
                todo.append(name)
    return seen


def test_static_imports_are_read_as_the_browser_does():
    source = ("import { a, b } from './x.js';\nimport {\n  c,\n} from './y.js';\n"
              "import './z.js';\nexport { d } from './w.js';\n"
              "const later = () => import('./lazy.js');\n// a word about './note.js';\n")
    assert static_imports(source) == {"x.js", "y.js", "z.js", "w.js"}


def test_every_module_reachable_from_app_js_is_preloaded():
    modules = reachable("app.js")
    preloaded = re.findall(r'<link rel="modulepreload" href="/static/([\w.]+\.js)">',
                           (STATIC / "index.html").read_text())
    # app.js's own imports, and those further down (record.js's, session.js's)
    assert {"api.js", "import.js", "demo.js", "meters.js", "record_setup.js", "live.js",
            "tagchips.js", "timeline.js", "goals.js"} <= modules
    assert len(preloaded) == len(set(preloaded))  # each once
    assert modules - set(preloaded) == set(), "not preloaded"
    assert set(preloaded) - modules == set(), "preloaded, not imported"
    assert all((STATIC / name).is_file() for name in modules)
