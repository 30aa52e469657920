"""fastup.resize beside the peers users would otherwise pick, on the same inputs: the standard
workloads of ``fastup bench`` (fastup._bench.RESIZE_CASES) under pytest-benchmark.

Each group is one workload at one thread count and holds fastup (allocating and ``out=``),
every installed peer, and a copy moving the same input + output bytes. ``extra_info`` records
shape, dtype, threads, bytes moved and GB/s. ``pytest bench/ --benchmark-disable`` runs each
once (the quick shapes) as a smoke test.
"""

from __future__ import annotations

import numpy as np
import pytest

from fastup import _bench

CASES = {case.name: case for case in _bench.RESIZE_CASES}


@pytest.fixture(params=list(CASES))
def workload(request):
    case = CASES[request.param]
    if _bench.input_dtype(case.dtype) is None:
        pytest.skip(f"{case.name}: needs ml_dtypes")
    quick = request.config.getoption("benchmark_disable")
    x = _bench.make_input(case.quick_shape if quick else case.shape, case.dtype)
    return case, x


def _record(benchmark, case, x, threads, library):
    target = _bench.out_shape(case, x)
    moved = x.nbytes + int(np.prod(target)) * x.itemsize
    benchmark.extra_info.update(
        shape=list(x.shape),
        out_shape=list(target),
        dtype=str(x.dtype),
        threads=threads,
        library=library,
        bytes_moved=moved,
    )
    stats = getattr(benchmark, "stats", None)
    if stats is not None and getattr(stats, "stats", None) is not None and stats.stats.median:
        benchmark.extra_info["GB/s"] = moved / stats.stats.median / 1e9


def test_fastup(benchmark, workload, threads):
    case, x = workload
    benchmark.group = f"{case.name} {threads}T"
    result = benchmark(_bench.run_fastup, case, x, threads)
    assert result.shape == _bench.out_shape(case, x)
    _record(benchmark, case, x, threads, "fastup")


def test_fastup_out(benchmark, workload, threads):
    case, x = workload
    benchmark.group = f"{case.name} {threads}T"
    out = np.empty(_bench.out_shape(case, x), x.dtype)
    benchmark(_bench.run_fastup, case, x, threads, out)
    _record(benchmark, case, x, threads, "fastup out=")


def test_copy_limit(benchmark, workload, threads):
    case, x = workload
    benchmark.group = f"{case.name} {threads}T"
    half = (x.nbytes + int(np.prod(_bench.out_shape(case, x))) * x.itemsize) // 2
    source, target = np.ones(half, np.uint8), np.empty(half, np.uint8)
    benchmark(np.copyto, target, source)
    _record(benchmark, case, x, threads, "copy")


@pytest.mark.parametrize("peer", ["torch", "opencv", "pillow"])
def test_peer(benchmark, workload, threads, peer):
    case, x = workload
    runners = _bench.peer_runners(case, x, threads)
    if peer not in runners:
        pytest.skip(f"{peer}: not installed or no equivalent call for {case.name}")
    benchmark.group = f"{case.name} {threads}T"
    benchmark(runners[peer])
    _record(benchmark, case, x, threads, peer)
