"""The command line: JSON ledger, exit codes, one-line errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from wdproof.derivations.registry import claim_ids
from wdproof.report.cli import main


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "wdproof.report.cli", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_claims_json_lists_prop1_proved():
    result = run_cli("claims", "--json")
    assert result.returncode == 0, result.stderr
    ledger = {entry["id"]: entry for entry in json.loads(result.stdout)}
    prop1 = ledger["sgd-l2-equals-weight-decay"]
    assert prop1["verdict"] == "proved" == prop1["expected_verdict"]
    assert prop1["proof_form"].startswith("exact solution set")
    assert prop1["statement_kind"] == "solutions" and prop1["hypotheses"] == []
    assert prop1["steps_verified"] == prop1["steps"] > 0
    assert prop1["numeric_max_deviation"] <= 1e-12
    conditional = [e for e in ledger.values() if e["verdict"] == "conditional"]
    assert conditional and all(e["hypotheses"] for e in conditional)
    assert set(ledger) == set(claim_ids())


def test_verify_unknown_id_exits_2_with_one_line():
    result = run_cli("verify", "no-such-claim")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "no-such-claim" in lines[0]
    assert all(i in lines[0] for i in claim_ids())
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["bogus"],
        ["claims", "--nope"],
        [],
        ["report", "--out", ""],  # "" would be the current folder
        ["report", "--out", "  "],
        ["assign", "--out", ""],
    ],
)
def test_usage_errors_exit_2(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_verify_one_claim_passes(capsys):
    assert main(["verify", "sgd-l2-equals-weight-decay"]) == 0
    assert "1 passed, 0 failed" in capsys.readouterr().out


def test_assign_force_replaces_a_symlink_never_writes_through_it(tmp_path, capsys):
    """A planted ``optimizers.py -> ../outside`` link is replaced by a file; its target is kept."""
    outside = tmp_path / "someone-elses.py"
    outside.write_text("precious\n")
    out = tmp_path / "hw"
    out.mkdir()
    (out / "optimizers.py").symlink_to(outside)
    (out / "README.md").symlink_to(tmp_path / "dangling")
    assert main(["assign", "--out", str(out)]) == 2  # exists: refused without --force
    assert main(["assign", "--out", str(out), "--force"]) == 0
    assert outside.read_text() == "precious\n" and not (tmp_path / "dangling").exists()
    for name in ("optimizers.py", "README.md"):
        assert not (out / name).is_symlink() and (out / name).stat().st_size > 0
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "optimizers.py"]  # no temps
