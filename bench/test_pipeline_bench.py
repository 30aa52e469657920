"""The image-pipeline workloads of ``fastup bench`` (fastup._bench_pipeline.PIPELINE_CASES: one
photo per call, antialiased shrinks and upscales, other channel counts, the cost of one small
call) under pytest-benchmark, beside the installed peers.

Each group is one workload at one thread count: fastup allocating and with ``out=``, every
installed peer (Pillow or, when it is the installed PIL, Pillow-SIMD; PyTorch; OpenCV; pyvips)
and a copy of the same bytes. ``extra_info`` records Mpx/s of source pixels. Pillow-SIMD in
its own environment is timed by ``fastup bench --pillow-simd PYTHON`` only.
"""

from __future__ import annotations

import numpy as np
import pytest

from fastup import _bench_pipeline

CASES = {case.name: case for case in _bench_pipeline.PIPELINE_CASES}


@pytest.fixture(params=list(CASES))
def workload(request):
    case = CASES[request.param]
    quick = request.config.getoption("benchmark_disable")
    shape, size = (case.quick_shape, case.quick_size) if quick else (case.shape, case.size)
    return case, _bench_pipeline.photo(shape, case.dtype), size


def _record(benchmark, case, x, size, threads, library):
    benchmark.extra_info.update(
        shape=list(x.shape), size=list(size), threads=threads, library=library, calls=case.calls
    )
    stats = getattr(benchmark, "stats", None)
    if stats is not None and getattr(stats, "stats", None) is not None and stats.stats.median:
        pixels = x.shape[0] * x.shape[1] * case.calls
        benchmark.extra_info["Mpx/s"] = pixels / stats.stats.median / 1e6


def test_fastup(benchmark, workload, threads):
    case, x, size = workload
    benchmark.group = f"{case.name} {threads}T"
    benchmark(_bench_pipeline.run_fastup(case, x, size, threads))
    _record(benchmark, case, x, size, threads, "fastup")


def test_fastup_out(benchmark, workload, threads):
    case, x, size = workload
    benchmark.group = f"{case.name} {threads}T"
    out = np.empty(size + x.shape[2:], x.dtype)
    benchmark(_bench_pipeline.run_fastup(case, x, size, threads, out))
    _record(benchmark, case, x, size, threads, "fastup out=")


def test_copy_limit(benchmark, workload, threads):
    case, x, size = workload
    benchmark.group = f"{case.name} {threads}T"
    half = (x.nbytes + int(np.prod(size + x.shape[2:])) * x.itemsize) // 2
    source, target = np.ones(half, np.uint8), np.empty(half, np.uint8)
    benchmark(_bench_pipeline.repeat(lambda: np.copyto(target, source), case.calls))
    _record(benchmark, case, x, size, threads, "copy")


@pytest.mark.parametrize("peer", ["pillow", "pillow-simd", "torch", "opencv", "pyvips"])
def test_peer(benchmark, workload, threads, peer):
    case, x, size = workload
    runners = _bench_pipeline.peer_runners(case, x, size, threads)
    if peer not in runners:
        pytest.skip(f"{peer}: not installed or no equivalent call for {case.name}")
    benchmark.group = f"{case.name} {threads}T"
    benchmark(runners[peer])
    _record(benchmark, case, x, size, threads, peer)
