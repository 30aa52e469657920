"""Reliability in data pipelines (issue #5): forked workers (multiprocessing, PyTorch DataLoader),
concurrent Python threads, thread-count rules not covered by test_threads.py, outputs too large
to allocate, memory and reference stability over many calls, NaN/inf propagation, arrays of more
than 2**31 elements (``-m slow``), and the regression tests of the bugs these checks found
(``xfail(strict=True)`` until fixed).

The bad-argument property test is in test_fuzz_arguments.py; the GIL-release measurement is a
benchmark (bench/test_gil_bench.py); coverage-guided fuzzing is in fuzz/.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import queue
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

import fastup
import fastup.oracle
from fastup import _kernels, _threads

HAS_FORK = hasattr(os, "fork")


OPENMP = fastup.show_config(print_=False)["openmp"]
CHILD_TIMEOUT = 60  # seconds a forked or spawned child may take before it counts as hung


# --------------------------------------------------------------------------------------------
# shared inputs: every public computing function, with arguments big enough that workers=2
# starts an OpenMP team (so the fork protection is exercised), and their serial results
# --------------------------------------------------------------------------------------------


def _problem(seed: int = 0, big: bool = True) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    n, c, h = (2, 16, 48) if big else (1, 3, 7)
    return {
        "x": rng.standard_normal((n, c, h, h + 5)).astype(np.float32),
        "img": rng.integers(0, 256, (h + 3, h + 11, 3), dtype=np.uint8),
        "w": rng.standard_normal((c, 8, 4, 4)).astype(np.float32),
        "b": rng.standard_normal(8).astype(np.float32),
    }


def _compute(p: dict[str, np.ndarray], workers: int | None) -> dict[str, np.ndarray]:
    """Every computing function once, on the arrays of ``_problem``."""
    x, img, w, b = p["x"], p["img"], p["w"], p["b"]
    h, wd = x.shape[-2:]
    y = fastup.conv_transpose(x, w, b, stride=2, padding=1, workers=workers)
    gx, gw, gb = fastup.conv_transpose_backward(
        np.ones_like(y), x, w, stride=2, padding=1, workers=workers
    )
    return {
        "resize_cubic": fastup.resize(x, (2 * h + 1, 2 * wd - 3), mode="cubic", workers=workers),
        "resize_nearest": fastup.resize(x, scale=1.7, mode="nearest", workers=workers),
        "resize_area": fastup.resize(x, (h // 3, wd // 2), mode="area", workers=workers),
        "resize_uint8_lanczos": fastup.resize(
            img, (2 * img.shape[0], 3 * img.shape[1]), axes=(0, 1), mode="lanczos", workers=workers
        ),
        "resize_antialias": fastup.resize(x, (h // 2, wd // 3), antialias=True, workers=workers),
        "resize_backward": fastup.resize_backward(
            np.ones((*x.shape[:2], 2 * h, 2 * wd), np.float32),
            x.shape,
            (2 * h, 2 * wd),
            mode="cubic",
            workers=workers,
        ),
        "conv_transpose": y,
        "conv": fastup.conv(y, w, None, stride=2, padding=1, workers=workers),
        "grad_x": gx,
        "grad_w": gw,
        "grad_b": gb,
    }


@pytest.fixture(scope="module")
def problem():
    return _problem()


@pytest.fixture(scope="module")
def serial(problem):
    return _compute(problem, workers=1)


def _assert_same(got: dict[str, np.ndarray], expected: dict[str, np.ndarray]) -> None:
    assert got.keys() == expected.keys()
    for key in expected:
        assert got[key].dtype == expected[key].dtype, key
        np.testing.assert_array_equal(got[key], expected[key], err_msg=key)


# --------------------------------------------------------------------------------------------
# fork, spawn, forkserver, DataLoader
# --------------------------------------------------------------------------------------------


def _child_compute(results, problem):
    results.put((_threads._state["serial_after_fork"], _compute(problem, workers=2)))


def _in_child(context_name: str, problem: dict[str, np.ndarray]):
    """(serial_after_fork, results) from a child process, or None when it hung or died."""
    ctx = multiprocessing.get_context(context_name)
    results = ctx.Queue()
    child = ctx.Process(target=_child_compute, args=(results, problem))
    child.start()
    try:  # read before joining: a child cannot exit while its queue still holds data
        got = results.get(timeout=CHILD_TIMEOUT)
    except queue.Empty:
        got = None
    child.join(10 if got is not None else 0)
    if child.is_alive():
        child.kill()
        child.join()
        return None
    assert child.exitcode == 0
    return got


@pytest.mark.skipif(not HAS_FORK, reason="no fork on this platform")
def test_every_function_in_a_child_forked_after_a_threaded_parent(problem, serial):
    threaded = _compute(problem, workers=2)  # the parent starts OpenMP teams
    _assert_same(threaded, serial)
    if OPENMP:
        assert _threads._state["team_started"]
    got = _in_child("fork", problem)
    assert got is not None, f"the forked child hung (no result within {CHILD_TIMEOUT} s)"
    serial_after_fork, results = got
    assert serial_after_fork == OPENMP  # the child knows not to enter an OpenMP region
    _assert_same(results, serial)


@pytest.mark.parametrize("context_name", ["spawn", "forkserver"])
def test_every_function_in_spawned_children(problem, serial, context_name):
    if context_name not in multiprocessing.get_all_start_methods():
        pytest.skip(f"{context_name} unavailable")
    _compute(problem, workers=2)
    got = _in_child(context_name, problem)
    assert got is not None, f"the {context_name} child hung"
    serial_after_fork, results = got
    assert not serial_after_fork  # a fresh process uses threads as usual
    _assert_same(results, serial)


class _FastupDataset:
    """A map-style dataset whose items are computed by fastup in the DataLoader workers."""

    def __init__(self, problem):
        self.problem = problem

    def __len__(self):
        return 6

    def __getitem__(self, i):
        x = self.problem["x"] + np.float32(i)
        y = fastup.conv_transpose(x, self.problem["w"], self.problem["b"], stride=2, padding=1)
        z = fastup.resize(x, (96, 80), mode="cubic")
        return i, os.getpid(), _threads._state["serial_after_fork"], y, z


@pytest.mark.skipif(not HAS_FORK, reason="no fork on this platform")
def test_torch_dataloader_workers_after_a_threaded_parent(problem):
    torch_data = pytest.importorskip("torch.utils.data")
    dataset = _FastupDataset(problem)
    expected = {}
    for i in range(len(dataset)):  # the parent computes with threads first
        x = problem["x"] + np.float32(i)
        expected[i] = (
            fastup.conv_transpose(x, problem["w"], problem["b"], stride=2, padding=1, workers=2),
            fastup.resize(x, (96, 80), mode="cubic", workers=2),
        )
    if OPENMP:
        assert _threads._state["team_started"]
    loader = torch_data.DataLoader(
        dataset,
        batch_size=None,
        num_workers=2,
        multiprocessing_context="fork",
        timeout=CHILD_TIMEOUT,  # a hung worker raises RuntimeError instead of hanging the test
    )
    seen = set()
    pids = set()
    for i, pid, serial_after_fork, y, z in loader:
        i = int(i)
        seen.add(i)
        pids.add(int(pid))
        assert bool(serial_after_fork) == OPENMP
        np.testing.assert_array_equal(np.asarray(y), expected[i][0])
        np.testing.assert_array_equal(np.asarray(z), expected[i][1])
    assert seen == set(range(len(dataset)))
    assert os.getpid() not in pids and len(pids) >= 1


def _run_python(code: str, timeout: float = 120, **env: str) -> str:
    environment = {
        k: v for k, v in os.environ.items() if k not in ("FASTUP_NUM_THREADS", "OMP_NUM_THREADS")
    }
    environment.update(env)
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.skipif(not HAS_FORK or not OPENMP, reason="needs fork and an OpenMP build")
def test_child_forked_before_any_threaded_call_keeps_its_threads():
    """A fresh process: a child forked before the parent's first thread team uses threads;
    one forked after runs serially. Both give the serial result."""
    code = """
        import multiprocessing as mp, numpy as np, fastup
        from fastup import _threads

        x = np.random.default_rng(0).standard_normal((4, 16, 64, 64)).astype(np.float32)
        expected = fastup.resize(x, (96, 80), mode="cubic", workers=1)
        assert not _threads._state["team_started"]

        def child(q):
            y = fastup.resize(x, (96, 80), mode="cubic", workers=2)
            q.put((_threads._state["serial_after_fork"], _threads._state["team_started"],
                   bool(np.array_equal(y, expected))))

        ctx = mp.get_context("fork")
        for step in ("before", "after"):
            q = ctx.Queue()
            p = ctx.Process(target=child, args=(q,))
            p.start()
            print(step, *q.get(timeout=60))
            p.join(10)
            fastup.resize(x, (96, 80), mode="cubic", workers=2)  # the parent's first team
    """
    lines = _run_python(code).splitlines()
    assert lines == ["before False True True", "after True True True"]


# --------------------------------------------------------------------------------------------
# Python threads
# --------------------------------------------------------------------------------------------


def test_eight_threads_on_shared_and_private_inputs(problem, serial):
    """8 Python threads call every function at once, half of them on one shared read-only
    input, half on private copies, with 1, 2 or the default number of OpenMP threads each:
    every result equals the single-threaded one bit for bit, and no input changes."""
    shared = {k: v.copy() for k, v in problem.items()}
    for v in shared.values():
        v.flags.writeable = False
    before = {k: v.copy() for k, v in shared.items()}
    n_threads, rounds = 8, 3
    barrier = threading.Barrier(n_threads)
    failures: list[str] = []

    def work(t: int) -> None:
        inputs = shared if t % 2 == 0 else {k: v.copy() for k, v in problem.items()}
        workers = (1, 2, None)[t % 3]
        barrier.wait()
        for _ in range(rounds):
            got = _compute(inputs, workers)
            for key in serial:
                if not np.array_equal(got[key], serial[key]):
                    failures.append(f"thread {t}: {key} differs")

    threads = [threading.Thread(target=work, args=(t,)) for t in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert failures == []
    for k in shared:
        np.testing.assert_array_equal(shared[k], before[k])


def test_threads_with_different_set_workers_do_not_interfere():
    """Each thread's set_workers applies to its own calls only, while they run together."""
    x = np.random.default_rng(5).standard_normal((4, 16, 64, 64)).astype(np.float32)
    expected = fastup.resize(x, (80, 96), mode="lanczos", workers=1)
    seen: dict[int, list[int]] = {}
    barrier = threading.Barrier(4)
    lock = threading.Lock()

    def work(n: int) -> None:
        with fastup.set_workers(n):
            barrier.wait()
            for _ in range(3):
                assert fastup.get_workers() == n
                np.testing.assert_array_equal(fastup.resize(x, (80, 96), mode="lanczos"), expected)
            with lock:
                seen[n] = [fastup.get_workers()]

    threads = [threading.Thread(target=work, args=(n,)) for n in (1, 2, 3, 4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert seen == {1: [1], 2: [2], 3: [3], 4: [4]}
    assert fastup.get_workers() == _threads.process_default()


# --------------------------------------------------------------------------------------------
# thread-count rules (the gaps left by test_threads.py)
# --------------------------------------------------------------------------------------------


@pytest.fixture
def requested(monkeypatch):
    """The thread counts fastup asks ``team_size`` for, call by call."""
    calls: list[int] = []
    original = _threads.team_size

    def spy(nthreads, work):
        calls.append(nthreads)
        return original(nthreads, work)

    monkeypatch.setattr(_threads, "team_size", spy)
    return calls


def _one_call(index: int, workers):
    p = _problem(1, big=False)
    x, w, b = p["x"], p["w"], p["b"]
    y = np.ones((1, 8, 16, 26), np.float32)  # the shape of conv_transpose(x, w, stride=2)
    calls = [
        lambda: fastup.resize(x, (9, 4), mode="cubic", workers=workers),
        lambda: fastup.resize(x, (9, 4), mode="nearest", workers=workers),
        lambda: fastup.resize_backward(
            np.ones((1, 3, 9, 4), np.float32), x.shape, (9, 4), workers=workers
        ),
        lambda: fastup.conv_transpose(x, w, b, stride=2, workers=workers),
        lambda: fastup.conv(y, w, stride=2, workers=workers),
        lambda: fastup.conv_transpose_backward(y, x, w, stride=2, workers=workers),
    ]
    return calls[index]()


@pytest.mark.parametrize(
    "index",
    range(6),
    ids=["resize", "resize-nearest", "resize_backward", "conv_transpose", "conv", "backward"],
)
def test_workers_argument_reaches_the_kernels(requested, index):
    """workers= beats set_workers, which beats the environment; -1 is every CPU."""
    cpus = _threads.usable_cpus()
    for workers, inner, expected in [(None, 3, 3), (1, 3, 1), (2, 1, 2), (-1, 1, cpus)]:
        requested.clear()
        with fastup.set_workers(inner):
            _one_call(index, workers)
        assert requested and set(requested) == {expected}, (workers, inner, requested)


def test_environment_rules(monkeypatch):
    monkeypatch.setenv("FASTUP_NUM_THREADS", " 3 ")
    assert fastup.get_workers() == 3
    monkeypatch.setenv("FASTUP_NUM_THREADS", "")
    assert fastup.get_workers() == _kernels.omp_max_threads()
    monkeypatch.setenv("FASTUP_NUM_THREADS", "64")  # more than the CPUs is allowed
    assert fastup.get_workers() == 64
    for bad in ("0", "-1", "2.5", "two"):
        monkeypatch.setenv("FASTUP_NUM_THREADS", bad)
        with pytest.raises(ValueError, match="FASTUP_NUM_THREADS must be a positive integer"):
            fastup.get_workers()
        with fastup.set_workers(2):  # an explicit count does not read the environment
            assert fastup.get_workers() == 2
        assert fastup.resize(np.ones((2, 2)), (3, 3), workers=1).shape == (3, 3)


@pytest.mark.skipif(not OPENMP, reason="serial build")
def test_omp_num_threads_list_and_fastup_num_threads_precedence():
    code = "import fastup; print(fastup.get_workers())"
    assert _run_python(code, OMP_NUM_THREADS="2,1") == "2"  # nested list: the outer level
    assert _run_python(code, OMP_NUM_THREADS="1", FASTUP_NUM_THREADS="2") == "2"


@pytest.mark.skipif(not OPENMP, reason="serial build")
def test_threadpoolctl_limit_rules(monkeypatch, requested):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    if _kernels.omp_max_threads() < 2:
        pytest.skip("a limit of 1 is no limit on one CPU")
    monkeypatch.delenv("FASTUP_NUM_THREADS", raising=False)
    infos = threadpoolctl.threadpool_info()
    assert any(i["user_api"] == "openmp" for i in infos)  # threadpoolctl sees fastup's runtime
    default = fastup.get_workers()
    x = np.ones((8, 64, 64), np.float32)
    with threadpoolctl.threadpool_limits(limits=1, user_api="openmp"):
        assert fastup.get_workers() == 1
        requested.clear()
        fastup.resize(x, (128, 128))
        assert set(requested) == {1}
        requested.clear()
        fastup.resize(x, (128, 128), workers=2)  # an explicit count wins
        assert set(requested) == {2}
        with fastup.set_workers(2):  # and so does set_workers
            assert fastup.get_workers() == 2
        monkeypatch.setenv("FASTUP_NUM_THREADS", "4")  # the limit caps the environment
        assert fastup.get_workers() == 1
        monkeypatch.delenv("FASTUP_NUM_THREADS")
    assert fastup.get_workers() == default


def test_set_workers_nesting_restores_on_exceptions():
    start = fastup.get_workers()
    with pytest.raises(RuntimeError):
        with fastup.set_workers(2):
            with fastup.set_workers(3):
                assert fastup.get_workers() == 3
                raise RuntimeError("inside")
    assert fastup.get_workers() == start
    with fastup.set_workers(2):
        with pytest.raises(ValueError):
            fastup.set_workers(0)  # a rejected value changes nothing
        assert fastup.get_workers() == 2
        with fastup.set_workers(-1):
            assert fastup.get_workers() == _threads.usable_cpus()
        assert fastup.get_workers() == 2
    assert fastup.get_workers() == start


def test_workers_one_never_starts_a_team():
    code = """
        import numpy as np, fastup
        from fastup import _threads
        x = np.ones((4, 16, 64, 64), np.float32)
        fastup.resize(x, (128, 128), workers=1)
        fastup.conv_transpose(x, np.ones((16, 8, 4, 4), np.float32), stride=2, workers=1)
        with fastup.set_workers(1):
            fastup.resize(x, (128, 128), mode="nearest")
        print(_threads._state["team_started"])
    """
    assert _run_python(code) == "False"


# --------------------------------------------------------------------------------------------
# outputs too large to allocate: refused before any kernel runs, with the size
# --------------------------------------------------------------------------------------------


@pytest.fixture
def no_kernels(monkeypatch):
    """Fail the test if any compiled kernel is entered."""

    def forbidden(*args, **kwargs):
        raise AssertionError("a kernel ran before the output size was checked")

    for name in ("gemm", "unfolded_products", "col2im", "resample", "gather"):
        monkeypatch.setattr(_kernels, name, forbidden)


_HUGE_CASES = {
    "resize": lambda: fastup.resize(np.ones((2, 3, 8, 8), np.float32), (1 << 24, 1 << 24)),
    "resize_scale": lambda: fastup.resize(np.ones((2, 3, 8, 8), np.float32), scale=1e7),
    "resize_backward": lambda: fastup.resize_backward(
        np.ones((1, 1), np.float32), (1 << 40, 1 << 40), (1, 1)
    ),
    "conv_transpose": lambda: fastup.conv_transpose(
        np.ones((1, 2, 4, 4), np.float32), np.ones((2, 3, 3, 3), np.float32), stride=1 << 22
    ),
    "conv_transpose_3d": lambda: fastup.conv_transpose(
        np.ones((2, 5, 5, 5), np.float64), np.ones((2, 4, 3, 3, 3), np.float64), stride=4096
    ),
    "conv_transpose_output_size": lambda: fastup.conv_transpose(
        np.ones((1, 1, 4, 4), np.float16),
        np.ones((1, 1, 3, 3), np.float16),
        stride=1 << 30,
        output_size=(3 * (1 << 30) + 3, 3 * (1 << 30) + 3),
    ),
    "conv": lambda: fastup.conv(
        np.ones((1, 2, 4, 4), np.float32), np.ones((3, 2, 3, 3), np.float32), padding=1 << 22
    ),
}


@pytest.mark.parametrize("name", list(_HUGE_CASES))
def test_too_large_outputs_fail_before_any_kernel(no_kernels, name):
    with pytest.raises(MemoryError, match=r"fastup\.\w+: .*[\d,]+ bytes") as info:
        _HUGE_CASES[name]()
    message = str(info.value)
    assert "shape" in message or "long" in message, message


def test_conv_transpose_backward_allocates_only_what_its_inputs_imply():
    """Its outputs have the shapes of x and weight, which exist: nothing can be too large; a
    grad_out of the wrong (huge) shape is a ValueError naming the expected shape."""
    with pytest.raises(
        ValueError,
        match=r"'grad_out' must have the shape of conv_transpose's "
        r"output \(1, 3, 12582915, 12582915\)",
    ):
        fastup.conv_transpose_backward(
            np.ones((1, 3, 6, 6), np.float32),
            np.ones((1, 2, 4, 4), np.float32),
            np.ones((2, 3, 3, 3), np.float32),
            stride=1 << 22,
        )


# --------------------------------------------------------------------------------------------
# memory: RSS and the inputs' reference counts stay put over 10,000 calls
# --------------------------------------------------------------------------------------------


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _failing(call):
    def run():
        try:
            call()
        except (TypeError, ValueError, MemoryError):
            return
        raise AssertionError("expected an error")

    return run


def _memory_cases():
    p = _problem(2, big=False)
    x, w, b, img = p["x"], p["w"], p["b"], p["img"]
    y = fastup.conv_transpose(x, w, b, stride=2)
    g = np.ones_like(y)
    r = fastup.resize(x, (9, 4), mode="cubic")
    out = np.empty_like(r)
    gr = np.ones_like(r)
    cases = {
        "resize": lambda: fastup.resize(x, (9, 4), mode="cubic"),
        "resize_uint8_area": lambda: fastup.resize(img, (5, 13), axes=(0, 1), mode="area"),
        "resize_out": lambda: fastup.resize(x, (9, 4), mode="cubic", out=out),
        "resize_backward": lambda: fastup.resize_backward(gr, x.shape, (9, 4), mode="cubic"),
        "conv_transpose": lambda: fastup.conv_transpose(x, w, b, stride=2),
        "conv": lambda: fastup.conv(y, w, stride=2),
        "conv_transpose_backward": lambda: fastup.conv_transpose_backward(g, x, w, stride=2),
        "interpolation_kernel": lambda: fastup.interpolation_kernel(2, "cubic"),
        "checkerboard": lambda: fastup.checkerboard((3, 4), 2),
        "get_workers": fastup.get_workers,
        "set_workers": lambda: fastup.set_workers(1).__exit__(),
        "resize_error": _failing(lambda: fastup.resize(x, (9, 4), out=g)),
        "conv_transpose_error": _failing(lambda: fastup.conv_transpose(x, w, b, groups=2)),
        "huge_error": _failing(lambda: fastup.conv_transpose(x, w, b, stride=1 << 30)),
    }
    return cases, [x, w, b, img, y, g, r, out, gr]


def test_memory_and_references_stable_over_10000_calls(record_property):
    cases, arrays = _memory_cases()
    for call in cases.values():  # warm up: table caches, allocator pools, imports
        for _ in range(300):
            call()
    gc.collect()
    refs = [sys.getrefcount(a) for a in arrays]
    rss_before = _rss_bytes()
    for call in cases.values():
        for _ in range(10_000):
            call()
    gc.collect()
    rss_after = _rss_bytes()
    record_property("rss_before_mib", rss_before / 2**20)
    record_property("rss_after_mib", rss_after / 2**20)
    print(
        f"RSS before {rss_before / 2**20:.1f} MiB, after {len(cases)} x 10,000 calls "
        f"{rss_after / 2**20:.1f} MiB"
    )
    assert [sys.getrefcount(a) for a in arrays] == refs
    # one leaked output per call would be >= 10,000 * ~100 bytes * 14 functions = 14 MB
    assert rss_after - rss_before < 8 * 2**20, (rss_before, rss_after)


# --------------------------------------------------------------------------------------------
# NaN / inf: taps with an exact zero weight are not read
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["nearest", "linear", "cubic", "area", "lanczos"])
@pytest.mark.parametrize(
    ("shape", "size", "extra"),
    [
        ((1, 1, 9, 10), (19, 7), {}),
        ((1, 1, 9, 10), (18, 20), {}),  # exact x2: half the linear taps have weight 0
        ((1, 1, 12, 9), (4, 3), {}),
        ((1, 1, 9, 10), (19, 7), {"exclude_outside": True}),
        ((1, 1, 9, 10), (19, 7), {"coordinate_mode": "align_corners"}),
        ((1, 1, 12, 12), (5, 7), {"antialias": True}),
    ],
)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nonfinite_values_reach_exactly_the_outputs_whose_kernels_cover_them(
    mode, shape, size, extra, bad
):
    if extra.get("antialias") and mode in ("nearest", "area"):
        pytest.skip("antialias is for linear, cubic, lanczos")
    rng = np.random.default_rng(7)
    for position in [(0, 0), (shape[2] // 2, shape[3] // 3), (shape[2] - 1, shape[3] - 1)]:
        x = rng.uniform(1, 2, shape)
        x[(0, 0, *position)] = bad
        hot = np.zeros(shape)
        hot[(0, 0, *position)] = 1.0
        reached = fastup.oracle.resize(hot, size, mode=mode, **extra) != 0
        with np.errstate(invalid="ignore"):
            got = fastup.resize(x, size, mode=mode, **extra)
        np.testing.assert_array_equal(~np.isfinite(got), reached, err_msg=str(position))
        if mode == "nearest":
            assert (
                np.all(got[reached] == bad) if not np.isnan(bad) else np.isnan(got[reached]).all()
            )
        # the other outputs are unaffected by the bad value
        clean = x.copy()
        clean[(0, 0, *position)] = 1.5
        np.testing.assert_array_equal(
            got[~reached], fastup.resize(clean, size, mode=mode, **extra)[~reached]
        )


def test_nonfinite_values_in_convolutions_stay_local():
    x = np.ones((1, 1, 6, 6), np.float32)
    x[0, 0, 0, 0] = np.nan
    w = np.ones((1, 1, 2, 2), np.float32)
    y = fastup.conv_transpose(x, w, stride=2)
    assert np.isnan(y[0, 0, :2, :2]).all() and np.isfinite(y[0, 0, 2:, :]).all()
    z = fastup.conv(np.where(np.isnan(y), np.inf, y), w, stride=2)
    assert np.isinf(z[0, 0, 0, 0]) and np.isfinite(z.ravel()[1:]).all()


# --------------------------------------------------------------------------------------------
# more than 2**31 elements (by hand: pytest -m slow tests/test_reliability.py)
# --------------------------------------------------------------------------------------------


def _free_gib() -> float:
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 2**20
    return 0.0


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["linear", "nearest"])
def test_uint8_output_of_three_times_2_31_elements(mode):
    """(3, 8192, 8192) uint8 -> (3, 32768, 32768): 3 * 2**30 elements, flat offsets past
    2**31 and 2**32 - 1. The far end (last channel, last rows and columns) equals the oracle
    on the corner of the input it depends on."""
    if _free_gib() < 8:
        pytest.skip("needs 8 GiB of free memory")
    rng = np.random.default_rng(11)
    x = rng.integers(0, 256, (3, 8192, 8192), dtype=np.uint8)
    y = fastup.resize(x, (32768, 32768), axes=(1, 2), mode=mode)
    assert y.shape == (3, 32768, 32768) and y.size == 3 * 2**30 and y.dtype == np.uint8
    k = 16  # the last k input rows/columns determine the last 4k - 8 output rows/columns
    for c in (0, 2):
        corner = fastup.oracle.resize(x[c, -k:, -k:], (4 * k, 4 * k), mode=mode)
        far = y[c, -(4 * k - 8) :, -(4 * k - 8) :].astype(np.int16)
        want = corner[8:, 8:].astype(np.int16)
        tolerance = 0 if mode == "nearest" else 1
        assert np.abs(far - want).max() <= tolerance
        # and the near end, for good measure
        near = fastup.oracle.resize(x[c, :k, :k], (4 * k, 4 * k), mode=mode)
        assert (
            np.abs(
                y[c, : 4 * k - 8, : 4 * k - 8].astype(np.int16) - near[:-8, :-8].astype(np.int16)
            ).max()
            <= tolerance
        )
    # every row of the last plane was written (an int32 offset would leave a zero stripe or
    # wrap around onto the first plane)
    row_max = y[2].max(axis=1)
    assert row_max.min() > 128
    del y


@pytest.mark.slow
def test_conv_transpose_output_of_more_than_2_31_elements():
    """float32 (1, 1, 23200, 23200) -> stride 2, kernel 2: (1, 1, 46400, 46400), 2.15e9
    elements (8.6 GB). The last rows equal conv_transpose of the last input rows."""
    if _free_gib() < 14:
        pytest.skip("needs 14 GiB of free memory")
    n = 23200
    x = np.empty((1, 1, n, n), np.float32)
    x[...] = np.arange(n, dtype=np.float32)[:, None] % 97 + 1  # row pattern
    x[0, 0, :, -1] = 5
    w = np.array([[[[1, 2], [3, 4]]]], np.float32)
    y = fastup.conv_transpose(x, w, stride=2)
    assert y.shape == (1, 1, 2 * n, 2 * n) and y.size > 2**31
    tail = fastup.conv_transpose(np.ascontiguousarray(x[:, :, -3:, -3:]), w, stride=2)
    np.testing.assert_array_equal(y[0, 0, -6:, -6:], tail[0, 0])
    head = fastup.conv_transpose(np.ascontiguousarray(x[:, :, :3, :3]), w, stride=2)
    np.testing.assert_array_equal(y[0, 0, :6, :6], head[0, 0])
    assert y[0, 0, -1].min() > 0  # the last row was written
    del y


# --------------------------------------------------------------------------------------------
# regressions: bugs found by these checks and by the fuzzers (xfail until fixed)
# --------------------------------------------------------------------------------------------


def _run_limited(code: str, limit_gib: int = 4, timeout: float = 120):
    """Run ``code`` in a child whose address space is capped, as batch systems often do."""
    prologue = (
        "import resource\n"
        f"resource.setrlimit(resource.RLIMIT_AS, ({limit_gib} << 30, resource.RLIM_INFINITY))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", prologue + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.skipif(not OPENMP, reason="serial build")
# Regression (fixed): a huge workers= count is not capped: fastup asks libgomp for one thread per
# 64k multiply-adds (1024 threads here); with an address-space limit libgomp prints 'Thread
# creation failed' and exits the process (no Python exception)
def test_huge_worker_count_does_not_kill_the_process():
    done = _run_limited(
        """
        import numpy as np, fastup
        x = np.ones((64, 512, 512), np.float32)
        try:
            fastup.resize(x, (1024, 1024), workers=10**6)
            print("ok")
        except ValueError as exc:
            print("ValueError", exc)
        """
    )
    assert done.returncode == 0, done.stderr


# Regression (fixed): stride/dilation >= 2**63 (reachable when the shapes make the output small)
# raises OverflowError 'Python int too large to convert to C long' from np.array(..., intp) in
# _Geometry.table, without the function or argument name
@pytest.mark.parametrize(
    "call",
    [
        lambda: fastup.conv(
            np.ones((1, 1, 4, 4), np.float32), np.ones((1, 1, 2, 2), np.float32), stride=2**63
        ),
        lambda: fastup.conv_transpose(
            np.ones((1, 1, 1, 1), np.float32), np.ones((1, 1, 2, 2), np.float32), stride=2**64
        ),
        lambda: fastup.conv_transpose(
            np.ones((1, 1, 4, 4), np.float32), np.ones((1, 1, 1, 1), np.float32), dilation=2**64
        ),
        lambda: fastup.conv_transpose_backward(
            np.ones((1, 1, 2, 2), np.float32),
            np.ones((1, 1, 1, 1), np.float32),
            np.ones((1, 1, 2, 2), np.float32),
            stride=2**64,
        ),
    ],
    ids=["conv-stride", "conv_transpose-stride", "conv_transpose-dilation", "backward-stride"],
)
def test_enormous_stride_or_dilation_is_a_named_error_or_works(call):
    try:
        call()
    except (TypeError, ValueError, MemoryError) as exc:
        assert str(exc).startswith("fastup.")


# Regression (fixed): conv and conv_transpose_backward with batch size 0 raise ValueError 'cannot
# reshape array of size 0 into shape (0,3,newaxis)' (no function name), while conv_transpose
# returns an empty (0, C_out, ...) array
@pytest.mark.parametrize("which", ["conv", "conv_transpose_backward"])
def test_empty_batch_in_conv_and_backward(which):
    x = np.ones((0, 2, 4, 4), np.float32)
    w = np.ones((2, 3, 3, 3), np.float32)
    assert fastup.conv_transpose(x, w).shape == (0, 3, 6, 6)
    if which == "conv":
        assert fastup.conv(x, np.ones((3, 2, 3, 3), np.float32)).shape == (0, 3, 2, 2)
    else:
        gx, gw, gb = fastup.conv_transpose_backward(np.ones((0, 3, 6, 6), np.float32), x, w)
        assert gx.shape == x.shape and np.all(gw == 0) and np.all(gb == 0)


# Regression (fixed): checkerboard((), ()) and checkerboard([], 2) raise IndexError 'list index out
# of range'
@pytest.mark.parametrize("args", [((), ()), ([], 2), (3, [])])
def test_checkerboard_empty_sequences(args):
    with pytest.raises((TypeError, ValueError), match=r"fastup\.checkerboard: "):
        fastup.checkerboard(*args)


# Regression (fixed): an empty output still builds the per-axis tables of its other axes: size=(0,
# 2**31) allocates 16 GiB of float64 coordinates (MemoryError from NumPy, or the OOM killer without
# an address-space limit) instead of returning the empty array
# (A resized axis of output length 0 is refused since, before any table is built.)
def test_empty_output_with_a_huge_axis_builds_no_table():
    done = _run_limited(
        """
        import numpy as np, fastup
        try:
            fastup.resize(np.ones((1, 1, 4, 4), np.float32), (0, 2**31))
        except ValueError as exc:
            print("refused:", "axis 2 of length 4 would be resized to length 0" in str(exc))
        z = fastup.resize(np.ones((0, 4), np.float32), (2**31,), mode="nearest")
        print(z.shape)
        """
    )
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.split("\n")[0].strip() == "refused: True"
    assert done.stdout.split("\n")[1].strip() == "(0, 2147483648)"


# Regression (fixed): tf_crop_and_resize with extreme finite roi: coordinates overflow to inf/NaN
# and fastup returns NaN (with RuntimeWarnings 'invalid value encountered', errors under this
# project's filterwarnings) where the oracle raises ValueError 'source coordinate ... is not
# finite'
def test_roi_whose_coordinates_overflow():
    x = np.ones((4, 4), np.float32)
    kwargs = dict(coordinate_mode="tf_crop_and_resize", roi=[(-1e308, 1e308), (0, 1)])
    with pytest.raises(ValueError, match=r"fastup\.resize: .*'roi'"):
        fastup.resize(x, (3, 3), **kwargs)


# Regression (fixed): roi end 1e300 gave RuntimeWarning 'invalid value encountered in cast' in
# the tables. roi values are now bounded (a named ValueError); one far outside within the
# bound gives the right values without a warning.
def test_roi_far_outside_gives_no_warning():
    import warnings

    x = np.ones((4, 4), np.float32)
    with pytest.raises(ValueError, match=r"fastup\.resize: 'roi' must be made of values within"):
        fastup.resize(x, (3, 3), coordinate_mode="tf_crop_and_resize", roi=[(0, 1e300), (0, 1)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = fastup.resize(x, (3, 3), coordinate_mode="tf_crop_and_resize", roi=[(0, 1e6), (0, 1)])
    np.testing.assert_array_equal(y, [[1, 1, 1], [0, 0, 0], [0, 0, 0]])


# Regression (fixed): cubic_a is accepted for any finite value; |cubic_a| ~ 1e308 overflows the
# kernel polynomial: RuntimeWarnings and an all-NaN result for finite input (the oracle returns
# finite values)
def test_extreme_cubic_a_is_rejected_or_finite():
    import warnings

    x = np.ones((1, 1, 4, 4), np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            y = fastup.resize(x, (7, 7), mode="cubic", cubic_a=1e308)
        except ValueError as exc:
            assert "'cubic_a'" in str(exc)
            return
    assert np.isfinite(y).all()


# Regression (fixed): an np.matrix out= fails with ValueError 'Buffer has wrong number of
# dimensions (expected 1, got 2)' from the kernel, without naming fastup.resize or 'out' (out is
# left untouched)
@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
def test_matrix_out_gets_a_named_error():
    out = np.matrix(np.full((5, 5), 7, np.float32))
    with pytest.raises((TypeError, ValueError), match=r"fastup\.resize: 'out'"):
        fastup.resize(np.ones((3, 3), np.float32), (5, 5), out=out)
    assert (out == 7).all()


# Regression (fixed): interpolation_kernel and checkerboard pass NumPy's errors through:
# dtype='foo' -> TypeError 'data type 'foo' not understood', stride=2**40 -> MemoryError 'Unable to
# allocate 16.0 TiB ...' (no function or argument name)
@pytest.mark.parametrize(
    "call",
    [
        lambda: fastup.interpolation_kernel(2, dtype="foo"),
        lambda: fastup.interpolation_kernel(2**40),
        lambda: fastup.checkerboard(3, 2**40),
    ],
    ids=["ik-dtype", "ik-huge-stride", "checkerboard-huge-stride"],
)
def test_helper_errors_name_the_function(call):
    with pytest.raises((TypeError, ValueError, MemoryError), match=r"^fastup\.\w+: '"):
        call()


# Regression (fixed): size=() with size_policy 'not_larger'/'not_smaller' raises ValueError 'min()
# arg is an empty sequence' / 'max() ...' (no function or argument name)
@pytest.mark.parametrize("policy", ["not_larger", "not_smaller"])
def test_empty_size_with_a_size_policy(policy):
    x = np.ones((2, 2), np.float32)
    try:
        y = fastup.resize(x, (), size_policy=policy)
    except (TypeError, ValueError) as exc:
        assert str(exc).startswith("fastup.resize: ")
    else:
        np.testing.assert_array_equal(y, x)


# Regression (fixed): mode='area' with an output length of 0 raises ZeroDivisionError (width = L /
# M); so does half_pixel_symmetric with a size_policy that gives 0. (An output length of 0 along
# a resized axis is refused since, with a named ValueError, before any table.)
@pytest.mark.parametrize(
    "kwargs",
    [
        dict(mode="area"),
        dict(mode="area", size_policy="not_larger"),
        dict(coordinate_mode="half_pixel_symmetric", size_policy="not_larger"),
    ],
    ids=["area", "area-not_larger", "half_pixel_symmetric-not_larger"],
)
def test_zero_output_length(kwargs):
    with pytest.raises(ValueError, match="axis 1 of length 2 would be resized to length 0"):
        fastup.resize(np.ones((1, 2), np.float32), (0,), **kwargs)


# Regression (fixed): bytes pass as a sequence of ints in conv/conv_transpose/backward (stride,
# padding, dilation, output_padding, output_size), interpolation_kernel and checkerboard:
# stride=b'\x02\x02' is (2, 2), checkerboard(b'2', 1) is [50]; resize and the oracle reject bytes
# with TypeError
@pytest.mark.parametrize(
    "call",
    [
        lambda: fastup.conv_transpose(
            np.ones((1, 1, 4, 4), np.float32), np.ones((1, 1, 3, 3), np.float32), stride=b"\x02\x02"
        ),
        lambda: fastup.checkerboard(b"2", 1),
        lambda: fastup.interpolation_kernel(b"\x02", ndim=1),
    ],
    ids=["conv_transpose-stride", "checkerboard", "interpolation_kernel"],
)
def test_bytes_are_not_integers(call):
    with pytest.raises(TypeError, match=r"^fastup\.\w+: "):
        call()


# Regression (fixed): checkerboard(2**63 - 1, 1) returns array([0]) (np.arange(2**63 - 1) is empty)
# instead of [2**63 - 1] or a named error
def test_checkerboard_of_a_huge_kernel_is_not_silently_wrong():
    try:
        counts = fastup.checkerboard(2**63 - 1, 1)
    except (ValueError, MemoryError) as exc:
        assert str(exc).startswith("fastup.checkerboard: ")
    else:
        assert counts.tolist() == [2**63 - 1]


# Regression (fixed): conv_transpose on float16 with an empty batch and a huge stride: the empty
# float16 output is allocated, then the float32 scratch np.empty raises ValueError 'array is too
# big; ...' (NumPy's message, no function name)
def test_empty_float16_conv_transpose_with_a_huge_length():
    x = np.ones((0, 1, 2), np.float16)
    w = np.ones((1, 1, 1), np.float16)
    try:
        # length (2 - 1) * 2**62 - 2 + 1: 2**63 - 2 bytes of float16, too many for float32
        y = fastup.conv_transpose(x, w, stride=2**62, padding=1)
    except (ValueError, MemoryError) as exc:
        assert str(exc).startswith("fastup.conv_transpose: ")
    else:
        assert y.shape == (0, 1, 2**62 - 1)


# Regression (fixed): the per-axis tables of a long axis were built in one go, with float64
# (M, taps) temporaries: uint8 4 -> 20,000,000 peaked at 2.7 GB (linear) and 8 GB (lanczos).
# They are now built in blocks: 1.3 GB and 2.0 GB peak RSS (the kept tables: start, float64 and
# float32 weights), and 20 MB of output fits in 2 GiB of address space.
@pytest.mark.parametrize("mode", ["linear", "lanczos"])
def test_long_axis_tables_fit_in_modest_memory(mode):
    done = _run_limited(
        f"""
        import numpy as np, fastup
        y = fastup.resize(np.ones(4, np.uint8), (20_000_000,), mode={mode!r})
        print(y.shape, int(y.min()), int(y.max()))
        """,
        limit_gib=2,
    )
    assert done.returncode == 0, done.stderr[-400:]
    assert done.stdout.strip() == "(20000000,) 1 1"


# Regression (fixed): antialias with a tiny scale stretches the kernel by 1/scale: scale 5e-324
# raises OverflowError 'cannot convert float infinity to integer', 1e-300 raises ValueError
# 'Maximum allowed size exceeded' (NumPy's), though the output is empty. (An output length of 0
# is refused since: a named ValueError before any table.)
@pytest.mark.parametrize("scale", [5e-324, 1e-300])
def test_antialias_with_a_tiny_scale(scale):
    with pytest.raises(ValueError, match=r"axis 0 of length 3 would be resized to length 0"):
        fastup.resize(np.ones(3, np.float32), scale=(scale,), axes=(0,), antialias=True)


# Regression (fixed): tf_crop_and_resize on int64/uint64 (nearest) with an extrapolation_value
# beyond the dtype: clip(rint(v), iinfo.min, iinfo.max) is computed in float64, where
# iinfo(int64).max rounds up to 2**63, so the cast wraps: 1e19 fills -2**63 (int64) and 0 (uint64)
# instead of saturating, with RuntimeWarning 'invalid value encountered in cast' (an error under
# this project's filterwarnings)
@pytest.mark.parametrize(("dtype", "value"), [(np.int64, 1e19), (np.uint64, 1e20)])
def test_extrapolation_value_saturates_for_64_bit_integers(dtype, value):
    import warnings

    x = np.ones((1, 2), dtype)
    kwargs = dict(mode="nearest", coordinate_mode="tf_crop_and_resize", roi=[(0, 1), (0, 2)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = fastup.resize(x, (1, 4), extrapolation_value=value, **kwargs)
    assert y.tolist() == [[1, 1, np.iinfo(dtype).max, np.iinfo(dtype).max]]


# Regression (fixed): the extrapolation fill was converted after the kernels wrote out=, so a
# failing conversion (int64 with extrapolation_value=1e19 wrapped, with a RuntimeWarning) left
# the caller's out written. The fill is now converted first, saturating, without warnings.
def test_extrapolation_fill_is_converted_before_out_is_written():
    import warnings

    x = np.ones((1, 2), np.int64)
    out = np.full((1, 4), 7, np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fastup.resize(
            x,
            (1, 4),
            mode="nearest",
            coordinate_mode="tf_crop_and_resize",
            roi=[(0, 1), (0, 2)],
            extrapolation_value=1e19,
            out=out,
        )
    assert out.tolist() == [[1, 1, np.iinfo(np.int64).max, np.iinfo(np.int64).max]]


# Regression (fixed): the table (and plan) caches are bounded by count (256 entries), not bytes,
# and a table costs ~40 bytes per output sample: resizing (1, 1000) float32 to 1,000,000 + i
# samples 60 times (4 MB outputs, all freed) leaves 2.5 GB resident; 256 such shapes would hold ~10
# GB
def test_caches_do_not_hold_large_tables():
    code = """
        import gc, numpy as np, fastup
        def rss():
            with open("/proc/self/statm") as f:
                return int(f.read().split()[1]) * 4096
        x = np.ones((1, 1000), np.float32)
        fastup.resize(x, (10,))
        before = rss()
        for i in range(30):
            fastup.resize(x, (200_000 + i,))
        gc.collect()
        print((rss() - before) // 2**20)
    """
    held_mib = int(_run_python(code))
    assert held_mib < 64, f"{held_mib} MiB held by caches after 30 calls"


# Regression (fixed, found by the long Hypothesis profile): checkerboard((2**32, 2**32), (1, 1))
# multiplied the per-dim counts into an int64 that wrapped to 0; kernels of 2**63 taps or more
# in all are now refused by name.
def test_checkerboard_total_taps_fit_int64():
    with pytest.raises(ValueError, match=r"fastup\.checkerboard: 'kernel_size' must be a kernel"):
        fastup.checkerboard(2**32, (1, 1))
    assert fastup.checkerboard((2**31, 2**31), (1, 1)).tolist() == [[2**62]]
