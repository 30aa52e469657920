"""Transposed convolution (ConvTranspose2d N=8, C_in=64, C_out=32, 64x64 input, float32) beside
PyTorch in the same run, forward and backward, at 1 and 2 threads: the W7 workloads of
``fastup bench`` (fastup._bench.DECONV_CASES). extra_info gives GFLOP/s."""

from __future__ import annotations

import numpy as np
import pytest

import fastup
from fastup import _bench


@pytest.fixture(params=list(_bench.DECONV_CASES))
def problem(request):
    k, s, p, op = _bench.DECONV_CASES[request.param]
    quick = request.config.getoption("benchmark_disable")
    x = _bench.make_input(_bench.DECONV_QUICK if quick else _bench.DECONV_SHAPE, "float32")
    w = _bench.make_input((x.shape[1], _bench.DECONV_C_OUT, k, k), "float32")
    kwargs = dict(stride=s, padding=p, output_padding=op)
    g = _bench.make_input(fastup.conv_transpose(x, w, **kwargs).shape, "float32")
    flops = 2 * x.shape[0] * x.shape[1] * _bench.DECONV_C_OUT * x.shape[2] * x.shape[3] * k * k
    return request.param, x, w, g, kwargs, flops


def _record(benchmark, name, flops, threads, library):
    benchmark.extra_info.update(config=name, threads=threads, library=library, flops=flops)
    stats = getattr(benchmark, "stats", None)
    if stats is not None and getattr(stats, "stats", None) is not None and stats.stats.median:
        benchmark.extra_info["GFLOP/s"] = flops / stats.stats.median / 1e9


def test_fastup_forward(benchmark, problem, threads):
    name, x, w, _, kwargs, flops = problem
    benchmark.group = f"W7 deconv {name} forward {threads}T"
    benchmark(fastup.conv_transpose, x, w, workers=threads, **kwargs)
    _record(benchmark, name, flops, threads, "fastup")


def test_torch_forward(benchmark, problem, threads):
    pytest.importorskip("torch")
    name, x, w, g, kwargs, flops = problem
    benchmark.group = f"W7 deconv {name} forward {threads}T"
    benchmark(_bench.torch_deconv(x, w, g, kwargs, backward=False))
    _record(benchmark, name, flops, threads, "torch")


def test_fastup_backward(benchmark, problem, threads):
    name, x, w, g, kwargs, flops = problem
    benchmark.group = f"W7 deconv {name} backward {threads}T"
    benchmark(fastup.conv_transpose_backward, g, x, w, workers=threads, **kwargs)
    _record(benchmark, name, 2 * flops, threads, "fastup")


def test_torch_backward(benchmark, problem, threads):
    """The three gradients through PyTorch's kernels (no forward in the timing)."""
    pytest.importorskip("torch")
    name, x, w, g, kwargs, flops = problem
    benchmark.group = f"W7 deconv {name} backward {threads}T"
    benchmark(_bench.torch_deconv(x, w, g, kwargs, backward=True))
    _record(benchmark, name, 2 * flops, threads, "torch")


def test_outputs_agree_with_torch(problem):
    """The benchmarked calls compute the same thing (so the timings compare like with like)."""
    torch = pytest.importorskip("torch")
    _, x, w, g, kwargs, _ = problem
    expected = torch.nn.functional.conv_transpose2d(
        torch.from_numpy(x), torch.from_numpy(w), **kwargs
    ).numpy()
    np.testing.assert_allclose(
        fastup.conv_transpose(x, w, **kwargs), expected, rtol=1e-4, atol=1e-3
    )
