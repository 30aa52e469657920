"""Transposed convolution (ConvTranspose2d N=8, C_in=64, C_out=32, 64x64 input, float32) beside
PyTorch in the same run: forward and backward, at 1 and 2 threads. extra_info gives GFLOP/s
(2 * N * C_in * C_out * H * W * k * k multiply-adds counted as 2 flops each)."""

from __future__ import annotations

import numpy as np
import pytest

import fastup

# name: (kernel, stride, padding, output_padding)
CONFIGS = {
    "k4s2p1-dcgan": (4, 2, 1, 0),
    "k3s2p1op1": (3, 2, 1, 1),
    "k2s2-unet": (2, 2, 0, 0),
}
N, C_IN, C_OUT, SIZE = 8, 64, 32, 64


@pytest.fixture(params=list(CONFIGS))
def problem(request):
    k, s, p, op = CONFIGS[request.param]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, C_IN, SIZE, SIZE)).astype(np.float32)
    w = rng.standard_normal((C_IN, C_OUT, k, k)).astype(np.float32)
    out_len = (SIZE - 1) * s - 2 * p + k + op
    g = rng.standard_normal((N, C_OUT, out_len, out_len)).astype(np.float32)
    flops = 2 * N * C_IN * C_OUT * SIZE * SIZE * k * k
    return request.param, x, w, g, dict(stride=s, padding=p, output_padding=op), flops


def _record(benchmark, name, flops, threads, library, direction):
    benchmark.extra_info.update(
        config=name, threads=threads, library=library, direction=direction, flops=flops
    )
    stats = getattr(benchmark, "stats", None)
    if stats is not None and getattr(stats, "stats", None) is not None and stats.stats.median:
        benchmark.extra_info["GFLOP/s"] = flops / stats.stats.median / 1e9


def test_fastup_forward(benchmark, problem, threads):
    name, x, w, _, kwargs, flops = problem
    benchmark.group = f"deconv-{name}-forward-{threads}T"
    benchmark(fastup.conv_transpose, x, w, workers=threads, **kwargs)
    _record(benchmark, name, flops, threads, "fastup", "forward")


def test_torch_forward(benchmark, problem, threads):
    torch = pytest.importorskip("torch")
    name, x, w, _, kwargs, flops = problem
    benchmark.group = f"deconv-{name}-forward-{threads}T"
    xt, wt = torch.from_numpy(x), torch.from_numpy(w)
    benchmark(torch.nn.functional.conv_transpose2d, xt, wt, **kwargs)
    _record(benchmark, name, flops, threads, "torch", "forward")


def test_fastup_backward(benchmark, problem, threads):
    name, x, w, g, kwargs, flops = problem
    benchmark.group = f"deconv-{name}-backward-{threads}T"
    benchmark(fastup.conv_transpose_backward, g, x, w, workers=threads, **kwargs)
    _record(benchmark, name, 2 * flops, threads, "fastup", "backward")


def test_torch_backward(benchmark, problem, threads):
    """Input and weight gradients through torch's autograd kernels (no forward in the timing)."""
    torch = pytest.importorskip("torch")
    name, x, w, g, kwargs, flops = problem
    benchmark.group = f"deconv-{name}-backward-{threads}T"
    xt, wt, gt = torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(g)
    s, p, op = kwargs["stride"], kwargs["padding"], kwargs["output_padding"]

    def backward():
        # grad_x of conv_transpose is a convolution of grad_out with the same weight
        grad_x = torch.nn.functional.conv2d(gt, wt, stride=s, padding=p)
        grad_w = torch.ops.aten.convolution_backward(
            gt, xt, wt, None, [s, s], [p, p], [1, 1], True, [op, op], 1, [False, True, False]
        )[1]
        return grad_x, grad_w

    benchmark(backward)
    _record(benchmark, name, 2 * flops, threads, "torch", "backward")
