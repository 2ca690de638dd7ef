"""Sweep chunks on a Dask cluster: ``wdproof sweep --scheduler ADDRESS`` or ``--workers N``.

The numerics do not move: each Dask task is :func:`~.engine.run_chunk` on one chunk, the
function the worker threads of :mod:`.parallel` call, on one torch thread as there. Everything
else stays in the client: :func:`~.store.load_or_run` picks the chunks still to train, and
:class:`DaskChunks` hands each finished chunk back to it as it completes, so its file is written
by the client with the store's own code and an interrupted run resumes from it. A worker that
dies mid-run loses only the chunk it was training: the scheduler runs that chunk again on
another worker (a chunk that kills ``distributed.scheduler.allowed-failures`` + 1 workers, 4 by
default, is given up), and a task that raises is retried :data:`RETRIES` times.

Bit-identical results: a chunk's numbers depend only on its configuration, the engine's code,
the torch build and the CPU kernels torch dispatches to. :func:`connect` compares every
worker's :func:`fingerprint` of the last three with the client's, and so does every task (for a
worker that joins later); a mismatch trains nothing there and exits 2 naming both, so a cluster
either reproduces the local run bit for bit or says why not.

Threads: every task sets ``torch.set_num_threads(1)`` (torch's intra-op pool, which also bounds
OpenMP and MKL inside torch), so a worker process uses at most as many cores as it has Dask
threads: start ``dask worker`` with ``--nthreads`` equal to its machine's cores (or
``--nworkers CORES --nthreads 1``). ``--workers N`` starts N processes of one thread each, with
``OMP_NUM_THREADS=MKL_NUM_THREADS=1`` in their environment.

Dask is imported here only, and only inside :func:`connect`: a sweep without ``--scheduler`` or
``--workers`` never imports it.
"""

from __future__ import annotations

import ast
import ctypes
import functools
import hashlib
import importlib.util
import logging
import os
import signal
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import numpy as np
import torch

from wdproof.numerics.errors import InputError
from wdproof.numerics.sweep import engine
from wdproof.numerics.sweep.config import SweepConfig
from wdproof.numerics.sweep.engine import Chunk
from wdproof.numerics.sweep.parallel import STOP_MESSAGE

#: Seconds to reach a scheduler, and then to wait for its first worker.
CONNECT_TIMEOUT_S = 5.0

#: Further tries of a chunk whose task raised (a dead worker is handled by the scheduler).
RETRIES = 2

#: Environment of the ``--workers N`` processes: one OpenMP/MKL thread, as the tasks set torch.
ONE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


class WorkerMismatch(InputError):
    """A worker would compute different bits than the client (other torch, CPU kernels, code)."""


@functools.cache
def fingerprint() -> str:
    """What besides the configuration decides a chunk's bits: the torch build, the CPU kernels it
    dispatches to (AVX2, AVX512, ...) and the source of the engine (:func:`engine_sources`,
    hashed)."""
    digest = hashlib.sha256()
    for path in engine_sources():
        digest.update("/".join(path.parts[-2:]).encode() + b"\0" + path.read_bytes())
    return (
        f"torch {torch.__version__} ({torch.backends.cpu.get_cpu_capability()}), "
        f"engine source {digest.hexdigest()[:12]}"
    )


def engine_sources(module: str = engine.__name__) -> list[Path]:
    """The source files of ``module`` and of every wdproof module it imports, transitively (read
    with :mod:`ast`, lazy imports included), sorted: the code a chunk's numbers come from, and
    nothing else (an edit to the store or the plots changes no bits)."""
    todo, found = [module], {}
    while todo:
        name = todo.pop()
        if name in found or not name.startswith("wdproof."):
            continue
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):  # a class or function imported from a module
            spec = None
        found[name] = Path(spec.origin) if spec and (spec.origin or "").endswith(".py") else None
        if found[name] is None:
            continue
        for node in ast.walk(ast.parse(found[name].read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                todo += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                todo += [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    return sorted(path for path in found.values() if path is not None)


def _mismatch(worker: str, theirs: str | BaseException, ours: str) -> str:
    if isinstance(theirs, BaseException):
        return (
            f"Dask worker {worker} cannot run the sweep engine ({type(theirs).__name__}: "
            f"{' '.join(str(theirs).split())}); install this commit there with make"
        )
    return (
        f"Dask worker {worker} runs {theirs}, this machine {ours}: its chunks would not be "
        f"bit-identical; install the same commit and torch there"
    )


def _worker_fingerprint() -> str:
    """:func:`fingerprint` as computed on a worker (what :func:`connect` asks every worker)."""
    return fingerprint()


#: glibc's ``mallopt`` parameters, and the largest thresholds its dynamic rule reaches (64-bit).
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
MMAP_THRESHOLD_MAX = 32 * 2**20


@functools.cache
def _undo_nanny_malloc_trim() -> None:
    """Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536`` (to hand memory back to
    the OS), which also freezes glibc's mmap threshold at 128 KiB: every tensor above it is then
    mapped and unmapped afresh each step, and a chunk of the default preset trains 2.5x slower
    (measured: 5.5 s against 2.2 s). Set both thresholds where glibc's own dynamic rule would
    take them. Only allocation changes, never a bit of the results."""
    if "MALLOC_TRIM_THRESHOLD_" not in os.environ or not sys.platform.startswith("linux"):
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc
        return
    mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_MAX)
    mallopt(M_TRIM_THRESHOLD, 2 * MMAP_THRESHOLD_MAX)


_thread_setup = threading.Lock()


def train_chunk(config: SweepConfig, chunk: Chunk, client_fingerprint: str) -> dict:
    """The Dask task: :func:`~.engine.run_chunk` on one torch thread, on a worker whose
    :func:`fingerprint` equals the client's (:class:`WorkerMismatch` otherwise)."""
    here = fingerprint()
    if here != client_fingerprint:
        from distributed import get_worker

        raise WorkerMismatch(_mismatch(get_worker().address, here, client_fingerprint))
    _undo_nanny_malloc_trim()
    torch.set_num_threads(1)
    with _thread_setup:  # the CPU-feature detection race described in parallel.run_chunks
        torch.set_flush_denormal(True)
        torch.set_flush_denormal(False)
    return engine.run_chunk(config, chunk)


class DaskChunks:
    """Trains chunks on the cluster behind ``client``; the ``run_chunks`` of
    :func:`~.store.load_or_run`, with the signature of :func:`.parallel.run_chunks`."""

    def __init__(self, client, local: bool) -> None:
        self.client = client
        self.local = local  # the workers share this machine's cores

    @property
    def threads(self) -> int:
        """Worker threads in the cluster now (chunks it trains at once)."""
        return sum(self.client.nthreads().values())

    def __call__(
        self,
        config: SweepConfig,
        todo: list[Chunk],
        on_done: Callable[[Chunk, dict[str, np.ndarray]], None],
        on_step: Callable[[int], None] | None = None,
        workers: int | None = None,  # unused: the cluster decides; kept for the signature
    ) -> None:
        """Submit ``todo`` and call ``on_done(chunk, arrays)`` here as each chunk completes.

        Progress comes per chunk: ``on_step`` is called once per step of a chunk when it
        completes (the steps themselves run on the workers). On an interrupt or failure the
        chunks that have completed are still handed to ``on_done``, the rest are cancelled,
        and the exception is re-raised, as :func:`.parallel.run_chunks` does.
        """
        from distributed import as_completed

        token = uuid.uuid4().hex[:8]
        futures = {
            self.client.submit(
                train_chunk,
                config,
                chunk,
                fingerprint(),
                key=f"wdproof-sweep-{chunk.name}-{token}",
                retries=RETRIES,
                pure=False,
            ): chunk
            for chunk in todo
        }
        handed_over = set()
        try:
            for future in as_completed(futures):
                handed_over.add(future)  # once, even if on_done is interrupted
                on_done(futures[future], future.result())
                if on_step is not None:
                    for t in range(config.steps):  # the chunk's steps, all run on a worker
                        on_step(t)
        except BaseException as err:
            if isinstance(err, KeyboardInterrupt):
                print(STOP_MESSAGE, file=sys.stderr, flush=True)
            try:
                for future, chunk in futures.items():
                    if future not in handed_over and future.status == "finished":
                        on_done(chunk, future.result())
            finally:
                self.client.cancel(list(futures))
            raise


@contextmanager
def _workers_ignore_sigint() -> Iterator[None]:
    """Worker processes started meanwhile ignore SIGINT (they inherit SIG_IGN, not a blocked
    mask). A Ctrl-C in a terminal goes to the whole process group: the sweep stops and closes the
    cluster, rather than each worker dying with a traceback. SIGINT is blocked here meanwhile,
    so one pressed now is delivered when this ends (Linux keeps a blocked signal pending even
    while it is ignored). A worker the nanny restarts later does not ignore it."""
    if threading.current_thread() is not threading.main_thread() or sys.platform == "win32":
        yield
        return
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    handler = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


@contextmanager
def connect(scheduler: str | None = None, workers: int | None = None) -> Iterator[DaskChunks]:
    """A :class:`DaskChunks` on the scheduler at ``scheduler``, or on a local cluster of
    ``workers`` processes of one thread each, closed on exit.

    InputError (one line) when dask is not installed, the scheduler cannot be reached within
    :data:`CONNECT_TIMEOUT_S` seconds, it has no worker by then, or a worker's
    :func:`fingerprint` differs from this machine's.
    """
    if (scheduler is None) == (workers is None) or (workers is not None and workers < 1):
        raise ValueError("connect needs a scheduler address or a number of workers >= 1")
    try:
        from distributed import Client, LocalCluster
    except ImportError as err:
        raise InputError(
            f"--scheduler and --workers need dask.distributed, which is not installed "
            f"({err}); install it with: pip install 'dask[distributed]'"
        ) from None
    with ExitStack() as stack:
        if workers is not None:
            with _workers_ignore_sigint():
                cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address="127.0.0.1:0",  # any free port: 8787 may be taken
                    silence_logs=logging.ERROR,
                    env=ONE_THREAD_ENV,
                )
            stack.callback(cluster.close)
            client = Client(cluster)
            where = f"a local Dask cluster of {workers} worker(s)"
        else:
            where = f"the Dask scheduler at {scheduler}"
            try:
                client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
            except Exception as err:  # noqa: BLE001 (refused, timed out, bad address, garbage)
                message = " ".join(str(err).split()) or type(err).__name__
                raise InputError(
                    f"cannot reach {where} ({message}); "
                    f"start one with 'dask scheduler' and give its address, tcp://HOST:8786"
                ) from None
        stack.callback(client.close)
        try:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
        except TimeoutError:
            raise InputError(
                f"{where} has no worker after {CONNECT_TIMEOUT_S:g} s; "
                f"start some with 'dask worker {scheduler}'"
            ) from None
        ours = fingerprint()  # checked here for the workers there now, by each task for later ones
        for address, theirs in client.run(_worker_fingerprint, on_error="return").items():
            if theirs != ours:
                raise WorkerMismatch(_mismatch(address, theirs, ours))
        yield DaskChunks(client, local=workers is not None)
