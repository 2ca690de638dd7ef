"""One spelling per concept (README glossary): the names the paper's distinction rests on.

``l2_coefficient`` is lambda', ``decay_rate`` is the decoupled lambda, ``DecayConvention`` the
switch between them; the retired spellings must not come back as identifiers, keyword
arguments, dictionary keys or string subscripts anywhere in the code or the tests.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SOURCES = sorted(
    path
    for folder in ("derivations", "numerics", "report", "tests", "benchmarks")
    for path in (REPO / folder).rglob("*.py")
)

#: Retired spellings: other names for lambda', lambda, beta_1/beta_2 and a bare "decay".
RETIRED = {
    "lam", "lam_l2", "l2", "L2_coef", "l2_coef", "lambda_l2", "lambda_prime", "lambda_",
    "beta_1", "beta_2", "decay", "wd_rate", "l2_decay",
}  # fmt: skip
#: ``wd`` is the sweep grid's axis and nothing else.
SWEEP_ONLY = {"wd"}
SWEEP_FILES = ("numerics/sweep/", "report/sweep_section.py", "report/cli/sweep.py", "sweep")


def names_in(tree: ast.AST):
    """``(name, line)`` for every identifier a reader would take as a concept's name."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            yield node.id, node.lineno
        elif isinstance(node, ast.arg):
            yield node.arg, node.lineno
        elif isinstance(node, ast.Attribute):
            yield node.attr, node.lineno
        elif isinstance(node, ast.keyword) and node.arg:
            yield node.arg, node.value.lineno
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            yield node.name, node.lineno
        elif isinstance(node, ast.Dict):
            for key in node.keys:
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    yield key.value, key.lineno
        elif isinstance(node, ast.Subscript) and isinstance(
            getattr(node.slice, "value", None), str
        ):
            yield node.slice.value, node.lineno


def retired_names(path: Path, root: Path = REPO) -> list[str]:
    relative = path.relative_to(root).as_posix()
    banned = RETIRED if any(s in relative for s in SWEEP_FILES) else RETIRED | SWEEP_ONLY
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [f"{relative}:{line} {name}" for name, line in names_in(tree) if name in banned]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_no_retired_spelling(path):
    assert retired_names(path) == []


def test_the_scan_finds_a_retired_spelling(tmp_path):
    # The check must be able to fail: each construct it reads, with a retired name.
    sample = tmp_path / "numerics" / "sample.py"
    sample.parent.mkdir()
    sample.write_text(
        "def f(lam, wd):\n"
        "    ce = {'beta_1': 0.9}\n"
        "    return ce['lambda_l2'], obj.decay, g(l2=1)\n"
    )
    found = {entry.split()[-1] for entry in retired_names(sample, root=tmp_path)}
    assert found == {"lam", "wd", "beta_1", "lambda_l2", "decay", "l2"}
