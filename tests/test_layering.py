"""The architecture's one direction: sessions/ and analysis/ import nothing of ours,
and ``improv --help`` stays light."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package, forbidden", [
    ("sessions", {"improv", "analysis"}),
    ("analysis", {"improv", "sessions"}),
])
def test_lower_packages_do_not_import_upwards(package, forbidden):
    for path in (ROOT / package).rglob("*.py"):
        assert not (_imports(path) & forbidden), f"{path} imports {_imports(path) & forbidden}"


def test_help_does_not_import_heavy_libraries():
    code = (
        "import sys\n"
        "from improv.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('librosa', 'matplotlib', 'numba', 'scipy', 'sounddevice', 'rtmidi') "
        "if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert "HEAVY []" in out.stdout, out.stdout + out.stderr
