"""``wdproof sweep --workers N`` / ``--scheduler ADDRESS``: the chunks train on a Dask cluster and
the results equal a local run's bit for bit, also when a worker is killed mid-run or the run is
interrupted and resumed; without either option Dask is never imported; bad options exit 2 with
one line and train nothing."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from wdproof.numerics.sweep import distributed as sweep_dask
from wdproof.numerics.sweep import engine as sweep
from wdproof.numerics.sweep import store as sweep_store
from wdproof.numerics.sweep.config import preset
from wdproof.report.cli import main

distributed = pytest.importorskip("distributed")

TINY = preset("tiny")  # 3 variants x 1 seed x 3 lr x 4 wd, 60 steps: 6 chunks
CHUNKS = sweep.chunks(TINY)
ARGV = ["sweep", "--preset", "tiny", "--no-figures"]


@pytest.fixture(scope="module")
def local_run(tmp_path_factory) -> dict[str, np.ndarray]:
    """``results.npz`` of the tiny preset trained by the default path (threads, no Dask)."""
    out = tmp_path_factory.mktemp("local")
    directory = sweep_store.load_or_run(TINY, out).directory
    with np.load(directory / sweep_store.RESULTS_FILE) as stored:
        return dict(stored)


@pytest.fixture(scope="module")
def cluster():
    """A running 2-worker cluster (processes, one thread each) for ``--scheduler``."""
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
            silence_logs=logging.ERROR,
        ) as running,
        distributed.Client(running) as client,
    ):
        yield client


def assert_identical(out: Path, reference: dict[str, np.ndarray]) -> None:
    """Every array of ``<out>/tiny/results.npz`` equals the local run's, dtype and bits."""
    with np.load(out / "tiny" / sweep_store.RESULTS_FILE) as stored:
        assert sorted(stored.files) == sorted(reference)
        for name, expected in reference.items():
            assert stored[name].dtype == expected.dtype, name
            assert np.array_equal(stored[name], expected, equal_nan=True), name
            assert stored[name].tobytes() == expected.tobytes(), name
    assert sweep_store.check(TINY, out).status == "current"
    assert not (out / "tiny" / "chunks").exists()


def test_local_cluster_reproduces_the_local_run_bit_for_bit(local_run, tmp_path, capsys):
    assert main([*ARGV, "--out", str(tmp_path), "--workers", "2"]) == 0
    assert "2 Dask worker thread(s)" in capsys.readouterr().err
    assert_identical(tmp_path, local_run)


class KillOnce(distributed.WorkerPlugin):
    """SIGKILLs the worker that starts training ``victim`` (once: the marker file says so)."""

    def __init__(self, victim: str, marker: str) -> None:
        self.victim, self.marker = victim, marker

    def transition(self, key, start, finish, **kwargs) -> None:
        if finish == "executing" and self.victim in str(key):
            try:
                os.close(os.open(self.marker, os.O_CREAT | os.O_EXCL))
            except FileExistsError:
                return
            os.kill(os.getpid(), signal.SIGKILL)


def test_a_killed_worker_loses_only_its_chunk(cluster, local_run, tmp_path, monkeypatch):
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers cannot import tests/
    victim, marker = CHUNKS[2], tmp_path / "killed"  # starts once one of the first two is done
    cluster.register_plugin(KillOnce(victim.name, str(marker)), name="kill-once")
    real_save, saved = sweep_store.save_chunk, []

    def recording_save(path, digest, chunk, arrays):
        saved.append(chunk)
        real_save(path, digest, chunk, arrays)

    monkeypatch.setattr(sweep_store, "save_chunk", recording_save)
    try:
        scheduler = cluster.scheduler.address
        assert main([*ARGV, "--out", str(tmp_path), "--scheduler", scheduler]) == 0
    finally:
        cluster.unregister_worker_plugin("kill-once")
    assert marker.exists(), "no worker was killed"
    assert sorted(saved, key=CHUNKS.index) == CHUNKS  # every chunk stored once, the victim too
    assert_identical(tmp_path, local_run)


def test_an_interrupted_cluster_run_resumes_locally(cluster, local_run, tmp_path, monkeypatch):
    real_save, saved = sweep_store.save_chunk, []

    def interrupt_after_first(path, digest, chunk, arrays):
        real_save(path, digest, chunk, arrays)
        saved.append(chunk)
        if len(saved) == 1:
            raise KeyboardInterrupt

    monkeypatch.setattr(sweep_store, "save_chunk", interrupt_after_first)
    assert main([*ARGV, "--out", str(tmp_path), "--scheduler", cluster.scheduler.address]) == 130
    chunk_files = list((tmp_path / "tiny" / "chunks").glob("*/*.npz"))
    assert len(chunk_files) == len(saved) >= 1
    monkeypatch.setattr(sweep_store, "save_chunk", real_save)
    real_run, trained = sweep.run_chunk, []
    monkeypatch.setattr(
        sweep, "run_chunk", lambda c, chunk, s=None: trained.append(chunk) or real_run(c, chunk, s)
    )
    assert main([*ARGV, "--out", str(tmp_path)]) == 0
    assert sorted(trained + saved, key=CHUNKS.index) == CHUNKS  # nothing trained twice
    assert_identical(tmp_path, local_run)


def test_without_cluster_options_dask_is_never_imported(tmp_path):
    script = (
        "import sys\n"
        "from wdproof.report.cli import main\n"
        f"assert main({[*ARGV, '--out', str(tmp_path)]!r}) == 0\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert (tmp_path / "tiny" / sweep_store.RESULTS_FILE).exists()


BAD_OPTIONS = [
    (["--workers", "0"], "--workers must be at least 1"),
    (["--workers", "-2"], "--workers must be at least 1"),
    (["--workers", "2", "--scheduler", "tcp://127.0.0.1:8786"], "not both"),
    (["--scheduler", " "], "needs the scheduler's address"),
    (["--scheduler", "tcp://127.0.0.1:1"], "cannot reach the Dask scheduler"),
    (["--scheduler", "no-port"], "cannot reach the Dask scheduler"),
    (["--workers", "two"], "invalid int"),
]


@pytest.mark.parametrize(
    ("options", "needle"), BAD_OPTIONS, ids=[" ".join(o) for o, _ in BAD_OPTIONS]
)
def test_bad_cluster_options_exit_2_with_one_line(options, needle, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sweep_dask, "CONNECT_TIMEOUT_S", 1.0)
    monkeypatch.setattr(sweep, "run_chunk", lambda *a, **k: pytest.fail("trained on bad options"))
    assert main([*ARGV, "--out", str(tmp_path), *options]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert needle in err


def test_missing_dask_exits_2_with_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    assert main([*ARGV, "--out", str(tmp_path), "--workers", "2"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "pip install 'dask[distributed]'" in err


def test_a_scheduler_without_workers_exits_2_with_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sweep_dask, "CONNECT_TIMEOUT_S", 1.0)
    with distributed.LocalCluster(
        n_workers=0, processes=False, dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR
    ) as empty:
        assert main([*ARGV, "--out", str(tmp_path), "--scheduler", empty.scheduler_address]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "has no worker" in err, err


def test_the_fingerprint_covers_the_engine_and_only_it():
    names = {"/".join(path.parts[-2:]) for path in sweep_dask.engine_sources()}
    assert {"sweep/engine.py", "sweep/batched_adam.py", "optimizers/conventions.py"} <= names
    assert not names & {"sweep/store.py", "sweep/plots.py", "sweep/distributed.py"}


def test_a_worker_with_other_numerics_is_refused(cluster, tmp_path, capsys, monkeypatch):
    """Checked for every worker on connecting (before training) and by every task (a worker that
    joins later)."""
    other = "torch 0.0 (NONE), engine source x"
    monkeypatch.setattr(sweep_dask, "fingerprint", lambda: other)  # here, not on the workers
    monkeypatch.setattr(sweep, "run_chunk", lambda *a, **k: pytest.fail("trained"))
    assert main([*ARGV, "--out", str(tmp_path), "--scheduler", cluster.scheduler.address]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "would not be bit-identical" in err, err
    task = cluster.submit(sweep_dask.train_chunk, TINY, CHUNKS[0], other, pure=False)
    with pytest.raises(sweep_dask.WorkerMismatch, match="would not be bit-identical"):
        task.result()
