"""Is the GIL released while fastup computes? Two Python threads, each making one
single-threaded (``workers=1``) call, against one such call alone.

With the GIL released, the two calls run side by side on two cores and the pair takes about as
long as one call: ``extra_info["ratio"]`` (pair / single, medians) near 1. Holding the GIL
would serialise them: a ratio near 2. On one core the ratio is 2 either way, so the benchmark
skips there. Two controls calibrate it on a shared, memory-bound machine: ``process_ratio``,
the same pair of calls in two forked processes (no GIL at all: what the hardware allows), and
the workload ``python-loop-control``, which holds the GIL (ratio ~2 or more). Released GIL:
``ratio`` close to ``process_ratio``, well below the control's.

    pytest bench/test_gil_bench.py --benchmark-only -s
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import threading
import time

import numpy as np
import pytest

import fastup
from fastup import _threads


def _resize_call():
    x = np.random.default_rng(0).standard_normal((8, 16, 128, 128)).astype(np.float32)
    return lambda: fastup.resize(x, (256, 256), mode="cubic", workers=1)


def _conv_transpose_call():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 16, 128, 128)).astype(np.float32)
    w = rng.standard_normal((16, 16, 4, 4)).astype(np.float32)
    return lambda: fastup.conv_transpose(x, w, stride=2, padding=1, workers=1)


def _uint8_resize_call():
    img = np.random.default_rng(0).integers(0, 256, (720, 1280, 3), dtype=np.uint8)
    return lambda: fastup.resize(img, (1440, 2560), axes=(0, 1), mode="linear", workers=1)


def _python_loop_call():
    return lambda: sum(i * i for i in range(300_000))


WORKLOADS = {
    "resize-f32-cubic": _resize_call,
    "conv_transpose-f32-k4s2": _conv_transpose_call,
    "resize-uint8-hwc-linear": _uint8_resize_call,
    "python-loop-control": _python_loop_call,
}


def _loop(fn, n):
    for _ in range(n):
        fn()


def _process_pair(fn, n: int = 5) -> float:
    """Seconds per pair of calls made by two forked processes at once."""
    ctx = multiprocessing.get_context("fork")
    children = [ctx.Process(target=_loop, args=(fn, n)) for _ in range(2)]
    start = time.perf_counter()
    for c in children:
        c.start()
    for c in children:
        c.join(120)
    return (time.perf_counter() - start) / n


def _pair(fn, times: list[float]) -> None:
    """Run ``fn`` in two threads released together; record the wall time of the pair."""
    barrier = threading.Barrier(3)

    def worker():
        barrier.wait()
        fn()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    times.append(time.perf_counter() - start)


@pytest.mark.parametrize("workload", list(WORKLOADS))
def test_two_threads_take_about_one_call(benchmark, workload):
    if _threads.usable_cpus() < 2:
        pytest.skip("needs 2 CPUs")
    fn = WORKLOADS[workload]()
    fn()  # warm up: tables, page faults
    singles = []
    for _ in range(9):
        start = time.perf_counter()
        fn()
        singles.append(time.perf_counter() - start)
    pairs: list[float] = []
    benchmark.pedantic(_pair, args=(fn, pairs), rounds=9, iterations=1, warmup_rounds=1)
    if len(pairs) > 1:
        pairs = pairs[1:]  # the warm-up round (absent with --benchmark-disable)
    single, pair = statistics.median(singles), statistics.median(pairs)
    ratio = pair / single
    process_ratio = _process_pair(fn) / single if hasattr(os, "fork") else float("nan")
    benchmark.extra_info.update(
        workload=workload,
        single_call_s=round(single, 5),
        two_threads_s=round(pair, 5),
        ratio=round(ratio, 3),
        process_ratio=round(process_ratio, 3),
        cpus=_threads.usable_cpus(),
        meaning="pair / single: ~1 = GIL released (calls overlap), ~2 = serialised",
    )
    print(
        f"\n{workload}: one call {single * 1e3:.1f} ms, two threads {pair * 1e3:.1f} ms, "
        f"ratio {ratio:.2f} (two processes {process_ratio:.2f})"
    )
