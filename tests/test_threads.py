"""Thread-count rules, bit-identical results for any thread count, and fork safety."""

import multiprocessing
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import fastup
from fastup import _threads

MODES = ["nearest", "linear", "cubic", "area", "lanczos"]


def _run_python(code: str, **env: str) -> str:
    environment = {
        k: v for k, v in os.environ.items() if k not in ("FASTUP_NUM_THREADS", "OMP_NUM_THREADS")
    }
    environment.update(env)
    done = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_default_follows_environment():
    code = "import fastup; print(fastup.get_workers())"
    assert _run_python(code, FASTUP_NUM_THREADS="5", OMP_NUM_THREADS="1") == "5"
    if not fastup.show_config(print_=False)["openmp"]:
        # a serial build has no OpenMP runtime to read OMP_NUM_THREADS: one thread
        assert _run_python(code, OMP_NUM_THREADS="3") == "1"
        return
    assert _run_python(code, OMP_NUM_THREADS="1") == "1"
    assert _run_python(code, OMP_NUM_THREADS="3") == "3"
    cpus = _threads.usable_cpus()
    assert _run_python(code) == str(cpus)


def test_fastup_num_threads(monkeypatch):
    monkeypatch.setenv("FASTUP_NUM_THREADS", "3")
    assert fastup.get_workers() == 3


def test_threadpoolctl_limit_is_honoured(monkeypatch):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    if not fastup.show_config(print_=False)["openmp"]:
        pytest.skip("serial build")
    monkeypatch.setenv("FASTUP_NUM_THREADS", "4")
    before = fastup.get_workers()
    with threadpoolctl.threadpool_limits(limits=1, user_api="openmp"):
        assert fastup.get_workers() == 1
    assert fastup.get_workers() == before == 4


def test_workers_argument_values():
    cpus = _threads.usable_cpus()
    assert _threads.resolve("resize", 3) == 3
    assert _threads.resolve("resize", np.int64(2)) == 2
    assert _threads.resolve("resize", -1) == cpus
    if cpus > 1:
        assert _threads.resolve("resize", -2) == cpus - 1
    with pytest.raises(ValueError, match="'workers' must be a nonzero integer"):
        _threads.resolve("resize", 0)
    with pytest.raises(ValueError, match=f"'workers' must be at least -{cpus}"):
        _threads.resolve("resize", -cpus - 1)
    with pytest.raises(TypeError, match="'workers' must be an integer"):
        _threads.resolve("resize", "2")


def test_set_workers_is_thread_local_and_nests():
    start = fastup.get_workers()
    seen = {}
    with fastup.set_workers(3):
        assert fastup.get_workers() == 3
        with fastup.set_workers(1):
            assert fastup.get_workers() == 1
            worker = threading.Thread(target=lambda: seen.setdefault("other", fastup.get_workers()))
            worker.start()
            worker.join()
        assert fastup.get_workers() == 3
    assert fastup.get_workers() == start
    assert seen["other"] == _threads.process_default()


def test_set_workers_plain_call_persists_in_this_thread():
    def body():
        fastup.set_workers(2)
        seen["after"] = fastup.get_workers()

    seen = {}
    worker = threading.Thread(target=body)
    worker.start()
    worker.join()
    assert seen["after"] == 2
    assert fastup.get_workers() == _threads.process_default()


def test_set_workers_rejects_bad_values():
    with pytest.raises(ValueError, match="fastup.set_workers: 'workers' must be a nonzero integer"):
        fastup.set_workers(0)
    with pytest.raises(TypeError, match="fastup.set_workers: 'workers' must be a nonzero integer"):
        fastup.set_workers(None)


def test_small_work_runs_on_one_thread():
    assert _threads.team_size(8, 1000) == 1
    assert _threads.team_size(1, 1 << 30) == 1
    if fastup.show_config(print_=False)["openmp"]:
        assert _threads.team_size(2, 1 << 20) == 2
        cpus = _threads.usable_cpus()
        assert _threads.team_size(64, 3 * _threads.MIN_WORK_PER_THREAD) == min(3, cpus)
        assert _threads.team_size(10**6, 1 << 40) == cpus  # never more threads than CPUs


LAYOUTS = {
    # name: (shape, resize kwargs)
    "nchw": ((2, 3, 67, 91), dict(size=(150, 43))),
    "nhwc": ((2, 67, 91, 3), dict(size=(150, 43), axes=(1, 2))),
    "1d": ((4, 5, 20011), dict(size=(30011,))),
    "volume": ((1, 2, 23, 31, 37), dict(scale=1.7)),
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint8, np.int32])
def test_bit_identical_for_any_thread_count(layout, mode, dtype):
    shape, kwargs = LAYOUTS[layout]
    rng = np.random.default_rng(1)
    x = (rng.standard_normal(shape) * 60 + 100).astype(dtype)
    serial = fastup.resize(x, mode=mode, workers=1, **kwargs)
    for n in (2, 3, 7):
        np.testing.assert_array_equal(fastup.resize(x, mode=mode, workers=n, **kwargs), serial)


def _child_resize(queue, x, unprotect):
    if unprotect:  # what a bare OpenMP module would do: enter a parallel region after fork
        _threads._state["serial_after_fork"] = False
    queue.put(fastup.resize(x, (96, 80), mode="cubic", workers=2))


def _run_child(context_name, x, unprotect=False, timeout=60):
    ctx = multiprocessing.get_context(context_name)
    queue = ctx.Queue()
    child = ctx.Process(target=_child_resize, args=(queue, x, unprotect))
    child.start()
    try:  # read before joining: a child cannot exit while its queue still holds data
        result = queue.get(timeout=timeout)
    except Exception:  # queue.Empty: the child hung (or died)
        result = None
    child.join(10 if result is not None else 0)
    if child.is_alive():
        child.kill()
        child.join()
        return None
    assert child.exitcode == 0
    return result


@pytest.fixture(scope="module")
def big_input():
    return np.random.default_rng(2).standard_normal((4, 16, 64, 64)).astype(np.float32)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_forked_child_after_threaded_parent(big_input):
    expected = fastup.resize(big_input, (96, 80), mode="cubic", workers=2)
    if fastup.show_config(print_=False)["openmp"]:
        assert _threads._state["team_started"]
    result = _run_child("fork", big_input)
    assert result is not None, "the forked child hung"
    np.testing.assert_array_equal(result, expected)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_fork_protection_is_what_prevents_the_hang(big_input):
    """Without the serial-after-fork rule, GNU libgomp hangs the child: this is the failure
    the previous test guards against."""
    config = fastup.show_config(print_=False)
    if not any("libgomp" in path for path in config["openmp_runtimes"]):
        pytest.skip("only GNU libgomp hangs after fork")
    fastup.resize(big_input, (96, 80), workers=2)
    assert _run_child("fork", big_input, unprotect=True, timeout=8) is None


@pytest.mark.parametrize("context_name", ["spawn", "forkserver"])
def test_spawned_children(big_input, context_name):
    if context_name not in multiprocessing.get_all_start_methods():
        pytest.skip(f"{context_name} unavailable")
    expected = fastup.resize(big_input, (96, 80), mode="cubic", workers=2)
    result = _run_child(context_name, big_input)
    assert result is not None
    np.testing.assert_array_equal(result, expected)


def test_concurrent_python_threads_get_the_serial_result():
    rng = np.random.default_rng(3)
    inputs = [rng.standard_normal((3, 40, 50)).astype(np.float32) for _ in range(4)]
    expected = [fastup.resize(a, (77, 31), mode="cubic", workers=1) for a in inputs]
    results = {}

    def work(i):
        for _ in range(5):
            results[i] = fastup.resize(inputs[i % 4], (77, 31), mode="cubic", workers=2)

    workers = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    for i in range(8):
        np.testing.assert_array_equal(results[i], expected[i % 4])
