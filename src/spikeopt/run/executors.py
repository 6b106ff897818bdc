"""Executors: where chunks of a population are evaluated.

One small interface (:class:`Executor`): ``map(fn, items, timeout=None)``
returns one result per item, in order, and never loses an item. If a worker
dies, the items it held are run again (at most ``max_retries`` times; after
that the item's result is a :class:`Lost` marker that the runner turns into a
penalty). ``timeout`` is a hard limit in seconds for the whole call: items
still running then are abandoned (worker processes are killed) and come back
as :class:`Lost` with status ``"timeout"``.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import sys
import time
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from .._imports import optional_import
from ..errors import InvalidParameterError, UnknownNameError

__all__ = [
    "Executor",
    "Lost",
    "SerialExecutor",
    "ProcessExecutor",
    "DaskExecutor",
    "make_executor",
]


@dataclass
class Lost:
    """An item that produced no result: ``status`` is "worker-died" or "timeout"."""

    status: str
    reason: str


class Executor:
    """Interface: ``map`` and ``close``; ``n_workers`` sets the default chunking."""

    n_workers: int = 1
    name = "executor"

    def map(self, fn, items: list, *, timeout: float | None = None) -> list:  # pragma: no cover
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class SerialExecutor(Executor):
    """Everything in the calling process, one item after another."""

    name = "serial"

    def map(self, fn, items, *, timeout=None):
        return [fn(it) for it in items]


def _call_with_path(path: list, payload: bytes):
    """Worker-side trampoline: extend ``sys.path`` like the parent's before
    unpickling the task (forkserver workers start from the server's path)."""
    for p in path:
        if p not in sys.path:
            sys.path.append(p)
    fn, item = pickle.loads(payload)
    return fn(item)


def _call_one_thread(fn, item):
    """Run ``fn(item)`` in a dask worker's task thread with one numba thread
    (numba's thread count is per calling thread, so it is set where the task runs)."""
    import numba

    numba.set_num_threads(1)
    return fn(item)


def limit_threads(n: int) -> None:
    """Worker initialiser: at most ``n`` threads for numba's parallel kernels
    and for BLAS/OpenMP pools, so that W workers on W cores do not each start
    a thread per core."""
    try:
        import numba

        numba.set_num_threads(min(int(n), numba.config.NUMBA_NUM_THREADS))
    except ImportError:  # pragma: no cover - numba is a core dependency
        pass
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(int(n))
    except ImportError:  # pragma: no cover - optional
        pass


def _dumps(fn, item) -> bytes:
    try:
        return pickle.dumps((fn, item), protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        raise InvalidParameterError(
            "The processes executor sends the objective to worker processes, so it must be "
            "picklable: a module-level function or an instance of a module-level class "
            f"(not a lambda or a local function). Pickling failed: {exc}"
        ) from exc


def _check_workers(n, where):
    if n is None:
        return max(1, min(2, os.cpu_count() or 1))
    if int(n) < 1 or int(n) != n:
        raise InvalidParameterError(
            f"The 'n_workers' parameter of {where} must be an integer >= 1. Got {n!r} instead."
        )
    return int(n)


class ProcessExecutor(Executor):
    """Items go to a pool of worker processes (``concurrent.futures``).

    A worker that dies (segfault, ``os._exit``, OOM kill) breaks the pool; the
    pool is rebuilt and every unfinished item is submitted again.

    Parameters
    ----------
    n_workers : int, optional
        Default ``min(2, cpu_count)``.
    max_retries : int
        Rebuilds allowed per ``map`` call before unfinished items are marked lost.
    threads_per_worker : int or None
        Threads each worker may use in numba kernels and BLAS (default 1:
        the parallelism comes from the workers); None leaves the defaults.
    start_method : str
        ``multiprocessing`` start method; ``"forkserver"`` (default on POSIX)
        is safe next to threads; its server preloads the main script and
        spikeopt, and each task carries the parent's ``sys.path``. The
        objective must be picklable (a module-level function or an object of
        a module-level class).
    """

    name = "processes"

    def __init__(self, n_workers: int | None = None, *, max_retries: int = 2,
                 threads_per_worker: int | None = 1, start_method: str | None = None):
        self.n_workers = _check_workers(n_workers, "ProcessExecutor")
        self.threads_per_worker = threads_per_worker
        self.max_retries = int(max_retries)
        methods = multiprocessing.get_all_start_methods()
        self.start_method = start_method or ("forkserver" if "forkserver" in methods else "spawn")
        self._pool: ProcessPoolExecutor | None = None

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            ctx = multiprocessing.get_context(self.start_method)
            if self.start_method == "forkserver":
                ctx.set_forkserver_preload(["__main__", "spikeopt"])
            init = None if self.threads_per_worker is None else limit_threads
            args = () if init is None else (self.threads_per_worker,)
            self._pool = ProcessPoolExecutor(self.n_workers, mp_context=ctx, initializer=init,
                                             initargs=args)
        return self._pool

    def _kill_pool(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        # concurrent.futures offers no public way to stop a running task;
        # killing the workers is the only hard stop.
        for p in list(getattr(pool, "_processes", {}).values()):
            p.kill()
        pool.shutdown(wait=True, cancel_futures=True)

    def map(self, fn, items, *, timeout=None):
        results: list = [None] * len(items)
        todo = list(range(len(items)))
        deadline = None if timeout is None else time.monotonic() + timeout
        rebuilds = 0
        while todo:
            pool = self._get_pool()
            futures = {}
            try:
                for i in todo:
                    futures[i] = pool.submit(_call_with_path, list(sys.path), _dumps(fn, items[i]))
            except BrokenProcessPool:
                pass
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            done, _ = wait(futures.values(), timeout=left, return_when=FIRST_EXCEPTION)
            if len(done) < len(futures):  # a broken pool fails the rest shortly
                done, _ = wait(futures.values(), timeout=None if left is None else
                               max(0.0, deadline - time.monotonic()))
            broken, timed_out = [], []
            for i in todo:
                f = futures.get(i)
                if f is None:
                    broken.append(i)
                elif not f.done():
                    timed_out.append(i)
                else:
                    exc = f.exception()
                    if isinstance(exc, BrokenProcessPool):
                        broken.append(i)
                    elif exc is not None:
                        raise exc
                    else:
                        results[i] = f.result()
            if timed_out:
                self._kill_pool()
                for i in timed_out:
                    results[i] = Lost("timeout", f"chunk exceeded the hard limit of {timeout:g} s")
            if broken:
                self._kill_pool()
                rebuilds += 1
                if rebuilds > self.max_retries:
                    for i in broken:
                        results[i] = Lost("worker-died",
                                          f"worker process died {rebuilds} times on this chunk")
                    broken = []
            todo = broken
        return results

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskExecutor(Executor):
    """Items go to a ``dask.distributed`` cluster.

    With ``address=None`` a ``LocalCluster`` of ``n_workers`` single-threaded
    workers is started (and closed by :meth:`close`; numba and BLAS in its
    worker processes are limited to one thread); otherwise the executor
    connects to the scheduler at ``address``, so one config runs on a laptop
    or a cluster. Dask itself re-runs the tasks of a worker that dies; when it
    gives up (``KilledWorker``) the item is submitted again up to
    ``max_retries`` times.
    """

    name = "dask"

    def __init__(self, address: str | None = None, *, n_workers: int | None = None,
                 processes: bool = True, max_retries: int = 2, client=None):
        distributed = optional_import("dask.distributed", extra="dask",
                                      purpose="The dask executor", package="dask[distributed]")
        self._distributed = distributed
        self.address = address
        self.max_retries = int(max_retries)
        self._cluster = None
        if client is not None:
            self.client, self._own_client = client, False
        elif address is not None:
            self.client, self._own_client = distributed.Client(address), True
        else:
            n = _check_workers(n_workers, "DaskExecutor")
            import dask

            # dask's nanny sets OMP/MKL/OpenBLAS threads to 1 before it spawns a
            # worker process (by writing them into *this* process's environment).
            # numba's thread count is limited in each task instead (_call_one_thread):
            # NUMBA_NUM_THREADS in the parent's environment makes numba refuse to
            # compile there once its thread pool runs ("Cannot set NUMBA_NUM_THREADS
            # to a different value once the threads have been launched"). The nanny
            # also sets glibc's MALLOC_TRIM_THRESHOLD_ to 64 KiB, which makes every
            # numpy temporary above that size an mmap/munmap with fresh pages:
            # measured 2.5x slower numpy work (bench/executors.py), so leave glibc's
            # default. The statistical profiler (a stack walk every 10 ms) is off too.
            environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}))
            environ.pop("MALLOC_TRIM_THRESHOLD_", None)
            saved = dict(os.environ)
            try:
                with dask.config.set({"distributed.nanny.pre-spawn-environ": environ,
                                      "distributed.worker.profile.enabled": False}):
                    self._cluster = distributed.LocalCluster(
                        n_workers=n, threads_per_worker=1, processes=processes,
                        dashboard_address=":0", silence_logs=40,
                    )
            finally:  # undo the nanny's changes to this process's environment
                os.environ.clear()
                os.environ.update(saved)
            self.client, self._own_client = distributed.Client(self._cluster), True
        self.n_workers = max(1, len(self.client.scheduler_info().get("workers", {})) or 1)

    def map(self, fn, items, *, timeout=None):
        dd = self._distributed
        results: list = [None] * len(items)
        todo = list(range(len(items)))
        deadline = None if timeout is None else time.monotonic() + timeout
        tries = 0
        while todo:
            futures = {i: self.client.submit(_call_one_thread, fn, items[i], pure=False)
                       for i in todo}
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            _wait_quiet(dd, list(futures.values()), left)
            retry = []
            for i, f in futures.items():
                if not f.done():
                    f.cancel()
                    results[i] = Lost("timeout", f"chunk exceeded the hard limit of {timeout:g} s")
                elif f.status == "error":
                    exc = f.exception()
                    if isinstance(exc, dd.KilledWorker):
                        retry.append(i)
                    else:
                        raise exc
                else:
                    results[i] = f.result()
            tries += 1
            if retry and tries > self.max_retries:
                for i in retry:
                    results[i] = Lost("worker-died", "dask workers died on this chunk")
                retry = []
            todo = retry
        return results

    def close(self) -> None:
        if self._own_client:
            self.client.close()
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


def _wait_quiet(dd, futures, timeout):
    try:
        dd.wait(futures, timeout=timeout)
    except TimeoutError:  # the caller marks unfinished futures
        pass


_NAMES = {"serial": SerialExecutor, "processes": ProcessExecutor, "dask": DaskExecutor}


def make_executor(spec) -> Executor:
    """``None``/"serial", "processes", "dask", a dict such as
    ``{"name": "dask", "address": "tcp://host:8786"}`` or
    ``{"name": "processes", "n_workers": 4}`` (as in a config file), or an
    executor object."""
    if spec is None:
        return SerialExecutor()
    if isinstance(spec, Executor):
        return spec
    if isinstance(spec, str) and spec in _NAMES:
        return _NAMES[spec]()
    if isinstance(spec, dict) and spec.get("name") in _NAMES:
        kw = {k: v for k, v in spec.items() if k != "name"}
        try:
            return _NAMES[spec["name"]](**kw)
        except TypeError as exc:
            raise InvalidParameterError(f"Invalid options for the {spec['name']!r} executor: "
                                        f"{exc}") from None
    raise UnknownNameError(
        f"Unknown executor {spec!r}; choose one of {sorted(_NAMES)} or pass an executor object "
        "(e.g. ProcessExecutor(n_workers=4), DaskExecutor(address='tcp://host:8786'))."
    )
