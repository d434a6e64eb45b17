"""The page's entry module and what it imports come in one round trip: index.html preloads
every module app.js imports (a missing line makes the browser fetch it only after app.js)."""

from __future__ import annotations

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[3] / "improv" / "web" / "static"


def test_every_module_app_js_imports_is_preloaded():
    imports = set(re.findall(r"^import [^;]* from '\./([\w.]+\.js)';", (STATIC / "app.js")
                             .read_text(), flags=re.M))
    preloaded = set(re.findall(r'<link rel="modulepreload" href="/static/([\w.]+\.js)">',
                               (STATIC / "index.html").read_text()))
    assert {"import.js", "demo.js", "api.js"} <= imports
    assert imports - preloaded == set()
    assert all((STATIC / name).is_file() for name in preloaded)
