import pandas as pd
import pytest

from spikeopt.errors import UnknownNameError
from spikeopt.run import DaskExecutor, ProcessExecutor, SerialExecutor, make_executor, optimize

from .conftest import comparable
from .objectives import DieOnce, always_die, identity, numba_threads, sphere

SPACE = {"x": (-1.0, 1.0), "y": (-1.0, 1.0), "z": (-1.0, 1.0)}


def run(executor, objective=sphere, **kw):
    return optimize(objective, SPACE, optimizer="de", budget=150, seed=4, executor=executor,
                    optimizer_options={"popsize": 15}, **kw)


@pytest.fixture(scope="module")
def processes():
    ex = ProcessExecutor(n_workers=2)
    yield ex
    ex.close()


@pytest.fixture(scope="module")
def reference():
    return comparable(run("serial").history)


def test_processes_give_the_serial_history(processes, reference):
    pd.testing.assert_frame_equal(comparable(run(processes).history), reference)
    # several chunks per worker too
    pd.testing.assert_frame_equal(comparable(run(processes, chunk_size=2).history), reference)


def test_dask_gives_the_serial_history(dask_executor, reference):
    assert dask_executor.n_workers == 2
    pd.testing.assert_frame_equal(comparable(run(dask_executor).history), reference)


def test_dask_connects_to_an_existing_scheduler(dask_executor, reference):
    ex = DaskExecutor(address=dask_executor.client.scheduler.address)
    try:
        pd.testing.assert_frame_equal(comparable(run(ex).history), reference)
    finally:
        ex.close()


def test_a_dead_worker_s_chunk_is_re_run(tmp_path, processes, reference):
    marker = tmp_path / "died"
    res = run(processes, DieOnce(marker))
    assert marker.exists()  # a worker really was killed
    assert (res.history["status"] == "ok").all()
    pd.testing.assert_frame_equal(comparable(res.history), reference)


def test_a_chunk_that_always_kills_its_worker_is_penalised(processes):
    res = optimize(always_die, SPACE, optimizer="random", budget=8, seed=0, executor=processes,
                   optimizer_options={"popsize": 4})
    assert (res.history["status"] == "worker-died").all()
    assert processes.map(identity, [5]) == [5]  # the executor recovers


def test_workers_use_one_numba_thread_each(processes):
    assert processes.map(numba_threads, [0, 1]) == [1, 1]


def test_make_executor():
    assert isinstance(make_executor("serial"), SerialExecutor)
    assert isinstance(make_executor(None), SerialExecutor)
    ex = SerialExecutor()
    assert make_executor(ex) is ex
    with pytest.raises(UnknownNameError, match="Unknown executor 'mpi'"):
        make_executor("mpi")
    ex = make_executor({"name": "processes", "n_workers": 3, "max_retries": 0})
    assert isinstance(ex, ProcessExecutor) and ex.n_workers == 3 and ex.max_retries == 0
    with pytest.raises(ValueError, match="Invalid options for the 'processes' executor"):
        make_executor({"name": "processes", "workers": 3})


@pytest.mark.slow
def test_dask_re_runs_the_chunk_of_a_killed_worker_process(tmp_path, reference):
    marker = tmp_path / "died"
    ex = DaskExecutor(n_workers=2, processes=True)
    try:
        assert ex.map(numba_threads, [0, 1]) == [1, 1]
        res = run(ex, DieOnce(marker))
    finally:
        ex.close()
    assert marker.exists()
    assert (res.history["status"] == "ok").all()
    pd.testing.assert_frame_equal(comparable(res.history), reference)
