"""The architecture as an import graph: derivations -> numerics -> report, one way.

``derivations`` (the claims and the proof kernel) imports neither ``numerics`` nor ``report``;
``numerics`` (torch confirmations, grading, sweep) never imports ``report``. Read from the
source with :mod:`ast`, so a lazy import inside a function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = {"derivations": 0, "numerics": 1, "report": 2}


def imported_layers(path: Path) -> set[tuple[str, int]]:
    """``(wdproof layer, line)`` for every ``wdproof.<layer>`` import in ``path``."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "wdproof" and len(parts) > 1:
                found.add((parts[1], node.lineno))
    return found


def test_the_checker_sees_imports_at_any_depth(tmp_path):
    """A top-level and a lazy (in-function) import are both found, so the test below can fail."""
    module = tmp_path / "module.py"
    module.write_text("import wdproof.report.cli\n\ndef f():\n    from wdproof.numerics import x\n")
    assert imported_layers(module) == {("report", 1), ("numerics", 4)}


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_no_module_imports_a_higher_layer(layer):
    violations = [
        f"{path.relative_to(ROOT)}:{line} imports wdproof.{target}"
        for path in sorted((ROOT / layer).rglob("*.py"))
        for target, line in sorted(imported_layers(path))
        if LAYERS.get(target, -1) > LAYERS[layer]
    ]
    assert not violations, violations


def test_report_modules_render_and_never_run_torch():
    """``report/`` renders what ``numerics`` measured; no module of it imports torch."""
    offenders = []
    for path in sorted((ROOT / "report").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(name == "torch" or name.startswith("torch.") for name in names):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, offenders
