"""The standard workloads timed beside the peers: ``fastup bench`` (and the ``bench/`` suite).

Each workload is one operation on one input, run by fastup (into a preallocated ``out=`` and
allocating), by every installed peer (PyTorch, OpenCV, Pillow) at the same thread count, and by
a plain copy moving as many bytes as the operation reads and writes (the floor of a
memory-bound kernel). The oracle is timed on a reduced input (it is slow on purpose). Times are
medians over repeated rounds in one process, a round running each contender once in turn, so
that all of them see the same machine load: compare the ratios, not absolute times across runs.
"""

from __future__ import annotations

import json
import math
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any

import numpy as np

import fastup
from fastup import _bench_pipeline, _kernels, oracle
from fastup._bench_pipeline import PIPELINE_CASES, PipelineCase, SelfTimed

Runner = Callable[[], Any]


@dataclass(frozen=True)
class Case:
    """A resize workload: input shape (and the smaller one of ``--quick``), dtype, layout
    ('nchw': the resized axes last; 'nhwc': axes 1, 2; 'hwc': axes 0, 1) and the resize
    arguments (always a ``scale``, so that every shape works); ``no_peer``: why no peer can
    run it, if none can."""

    name: str
    shape: tuple[int, ...]
    quick_shape: tuple[int, ...]
    dtype: str
    layout: str
    kwargs: dict[str, Any]
    no_peer: str = ""


_NEAREST = dict(mode="nearest", coordinate_mode="asymmetric", nearest_mode="floor")  # PyTorch's

RESIZE_CASES = [
    *[
        Case(
            f"W1 NCHW x2 {label}",
            (8, 64, 128, 128),
            (2, 16, 64, 64),
            "float32",
            "nchw",
            dict(scale=(2.0, 2.0), **kw),
        )
        for label, kw in (
            ("nearest", _NEAREST),
            ("bilinear", dict(mode="linear")),
            ("bicubic", dict(mode="cubic")),
        )
    ],
    *[
        Case(
            f"W2 NHWC x2 {label}",
            (8, 128, 128, 64),
            (2, 64, 64, 16),
            "float32",
            "nhwc",
            dict(scale=(2.0, 2.0), **kw),
        )
        for label, kw in (
            ("nearest", _NEAREST),
            ("bilinear", dict(mode="linear")),
            ("bicubic", dict(mode="cubic")),
        )
    ],
    *[
        Case(
            f"W3 uint8 HWC x2 {label}",
            (1080, 1920, 3),
            (270, 480, 3),
            "uint8",
            "hwc",
            dict(scale=(2.0, 2.0), **kw),
        )
        for label, kw in (
            ("nearest", _NEAREST),
            ("bilinear", dict(mode="linear")),
            ("bicubic", dict(mode="cubic")),
        )
    ],
    Case(
        "W4 1-D x4 linear",
        (16, 32, 65536),
        (4, 8, 16384),
        "float32",
        "nchw",
        dict(scale=(4.0,), mode="linear"),
    ),
    Case(
        "W5 3-D x2 nearest",
        (1, 16, 64, 64, 64),
        (1, 4, 32, 32, 32),
        "float32",
        "nchw",
        dict(scale=(2.0, 2.0, 2.0), **_NEAREST),
    ),
    Case(
        "W5 3-D x2 trilinear",
        (1, 16, 64, 64, 64),
        (1, 4, 32, 32, 32),
        "float32",
        "nchw",
        dict(scale=(2.0, 2.0, 2.0), mode="linear"),
    ),
    Case(
        "W6 down 1/4 antialias",
        (8, 3, 512, 512),
        (2, 3, 256, 256),
        "float32",
        "nchw",
        dict(scale=(0.25, 0.25), mode="linear", antialias=True),
    ),
    Case(
        "W6 down 1/4 area",
        (8, 3, 512, 512),
        (2, 3, 256, 256),
        "float32",
        "nchw",
        dict(scale=(0.25, 0.25), mode="area"),
    ),
]

# W8: the 16-bit floats beside W1's and W6's float32 rows (bfloat16 needs ml_dtypes)
RESIZE_CASES += [
    Case(f"W8 {dtype} {label}", shape, quick, dtype, "nchw", kwargs, no_peer=no_peer.format(dtype))
    for label, shape, quick, kwargs, no_peer in (
        (
            "NCHW x2 bilinear",
            (8, 64, 128, 128),
            (2, 16, 64, 64),
            dict(scale=(2.0, 2.0), mode="linear"),
            "",
        ),
        (
            "down 1/4 antialias",
            (8, 3, 512, 512),
            (2, 3, 256, 256),
            dict(scale=(0.25, 0.25), mode="linear", antialias=True),
            "PyTorch has no antialiased {} resize on the CPU, OpenCV no 16-bit floats",
        ),
    )
    for dtype in ("float16", "bfloat16")
]

# ConvTranspose2d N=8, C_in=64, C_out=32, 64x64: (kernel, stride, padding, output_padding)
DECONV_CASES = {"k4s2p1": (4, 2, 1, 0), "k3s2p1op1": (3, 2, 1, 1), "k2s2": (2, 2, 0, 0)}
DECONV_SHAPE, DECONV_QUICK, DECONV_C_OUT = (8, 64, 64, 64), (2, 32, 32, 32), 32


@dataclass
class Result:
    workload: str
    threads: int
    fastup_out: float | None
    fastup_alloc: float
    copy: float | None
    peers: dict[str, float] = field(default_factory=dict)
    oracle_speedup: float | None = None  # oracle time / fastup time on the reduced input
    peak_mb: float | None = None
    gflops: float | None = None
    spread: float = 0.0  # the widest interquartile range / median of the times compared
    no_peer: str = ""  # why no peer can run this workload, if none can

    def best_peer(self) -> tuple[str, float] | None:
        return min(self.peers.items(), key=lambda kv: kv[1]) if self.peers else None


# ----------------------------------------------------------------------------------------------
# inputs and axes
# ----------------------------------------------------------------------------------------------


def input_dtype(name: str) -> np.dtype | None:
    """The dtype of a workload (None: bfloat16 without ml_dtypes installed)."""
    if name == "bfloat16":
        ml_dtypes = _module("ml_dtypes")
        return None if ml_dtypes is None else np.dtype(ml_dtypes.bfloat16)
    return np.dtype(name)


def make_input(shape: Sequence[int], dtype: str) -> np.ndarray:
    rng = np.random.default_rng(0)
    kind = input_dtype(dtype)
    if kind is None:
        raise ValueError(f"workloads of dtype {dtype} need ml_dtypes (pip install ml_dtypes)")
    if kind.kind == "u":
        return rng.integers(0, 256, size=tuple(shape), dtype=kind)
    return rng.standard_normal(tuple(shape)).astype(np.float32).astype(kind)


def resized_axes(case: Case, ndim: int) -> tuple[int, ...]:
    if case.layout == "nhwc":
        return (1, 2)
    if case.layout == "hwc":
        return (0, 1)
    return tuple(range(ndim - len(case.kwargs["scale"]), ndim))


def out_shape(case: Case, x: np.ndarray) -> tuple[int, ...]:
    shape = list(x.shape)
    for a, s in zip(resized_axes(case, x.ndim), case.kwargs["scale"], strict=True):
        shape[a] = math.floor(shape[a] * s)
    return tuple(shape)


def run_fastup(case: Case, x: np.ndarray, workers: int, out: np.ndarray | None = None) -> Any:
    return fastup.resize(
        x, axes=resized_axes(case, x.ndim), workers=workers, out=out, **case.kwargs
    )


# ----------------------------------------------------------------------------------------------
# peers
# ----------------------------------------------------------------------------------------------


def _module(name: str) -> Any:
    try:
        return __import__(name, fromlist=["_"])
    except ImportError:
        return None


def set_peer_threads(threads: int) -> None:
    torch, cv2 = _module("torch"), _module("cv2")
    if torch is not None:
        torch.set_num_threads(threads)
    if cv2 is not None:
        cv2.setNumThreads(threads)


def restore_peer_threads() -> Callable[[], None]:
    """A function that puts back the peers' thread counts as they are now (PyTorch's is also
    the OpenMP runtime's default when PyTorch shares fastup's runtime)."""
    torch, cv2 = _module("torch"), _module("cv2")
    counts = (
        torch.get_num_threads() if torch is not None else None,
        cv2.getNumThreads() if cv2 is not None else None,
    )

    def restore() -> None:
        if torch is not None and counts[0] is not None:
            torch.set_num_threads(counts[0])
        if cv2 is not None and counts[1] is not None:
            cv2.setNumThreads(counts[1])

    return restore


def installed_peers() -> dict[str, bool]:
    return {
        name: _module(mod) is not None
        for name, mod in (
            ("torch", "torch"),
            ("opencv", "cv2"),
            ("pillow", "PIL.Image"),
            ("pyvips", "pyvips"),
        )
    }


_TORCH_OPS = {
    "nearest": {1: "upsample_nearest1d", 2: "upsample_nearest2d", 3: "upsample_nearest3d"},
    "linear": {1: "upsample_linear1d", 2: "upsample_bilinear2d", 3: "upsample_trilinear3d"},
    "cubic": {2: "upsample_bicubic2d"},
}
_CV2_FLAGS = {
    "nearest": "INTER_NEAREST",
    "linear": "INTER_LINEAR",
    "cubic": "INTER_CUBIC",
    "area": "INTER_AREA",
}
_PIL_FILTERS = {"nearest": "NEAREST", "linear": "BILINEAR", "cubic": "BICUBIC"}


def peer_runners(case: Case, x: np.ndarray, threads: int) -> dict[str, Runner]:
    """The installed peers doing the same resize (each in its own fastest way: preallocated
    outputs where the API allows, OpenCV per plane on NCHW data)."""
    mode = case.kwargs["mode"]
    antialias = case.kwargs.get("antialias", False)
    target = out_shape(case, x)
    runners: dict[str, Runner] = {}
    torch, cv2, pil = _module("torch"), _module("cv2"), _module("PIL.Image")
    nspatial = len(case.kwargs["scale"])
    if case.no_peer:
        return runners
    if torch is not None and case.layout in ("nchw", "nhwc"):
        if case.dtype == "bfloat16":  # NumPy knows it only through ml_dtypes: share the bits
            xt = torch.from_numpy(x.view(np.int16)).view(torch.bfloat16)
        else:
            xt = torch.from_numpy(x)
        if case.layout == "nhwc":  # a channels_last tensor: torch's NHWC kernels
            xt = xt.permute(0, 3, 1, 2)
            size = target[1:3]
        else:
            size = target[-nspatial:]
        if antialias:
            runners["torch"] = lambda: torch.nn.functional.interpolate(
                xt, size=size, mode="bilinear", antialias=True, align_corners=False
            )
        elif mode == "area":
            runners["torch"] = lambda: torch.nn.functional.adaptive_avg_pool2d(xt, size)
        elif nspatial in _TORCH_OPS.get(mode, {}):
            op = getattr(torch._C._nn, _TORCH_OPS[mode][nspatial])
            out = torch.empty(tuple(xt.shape[:2]) + tuple(size), dtype=xt.dtype)
            if case.layout == "nhwc":
                out = out.contiguous(memory_format=torch.channels_last)
            if mode == "nearest":
                runners["torch"] = lambda: op(xt, list(size), out=out)
            else:
                runners["torch"] = lambda: op(xt, list(size), False, out=out)
    if (
        cv2 is not None
        and mode in _CV2_FLAGS
        and not antialias
        and nspatial == 2
        and (
            x.dtype.char in "BHhfd"  # OpenCV has no 16-bit floats in resize
        )
    ):
        flag = getattr(cv2, _CV2_FLAGS[mode])
        if case.layout == "hwc":
            dst = np.empty(target, x.dtype)
            runners["opencv"] = lambda: cv2.resize(
                x, (target[1], target[0]), dst=dst, interpolation=flag
            )
        elif case.layout == "nhwc" and x.shape[-1] <= 512:
            images, outs = x, np.empty(target, x.dtype)

            def per_image() -> None:
                for i in range(images.shape[0]):
                    cv2.resize(images[i], (target[2], target[1]), dst=outs[i], interpolation=flag)

            runners["opencv"] = per_image
        elif case.layout == "nchw":
            planes = x.reshape(-1, *x.shape[-2:])
            outs = np.empty((planes.shape[0],) + target[-2:], x.dtype)

            def per_plane() -> None:
                for i in range(planes.shape[0]):
                    cv2.resize(planes[i], (target[-1], target[-2]), dst=outs[i], interpolation=flag)

            runners["opencv"] = per_plane
    if pil is not None and threads == 1 and nspatial == 2 and x.dtype.kind in "uf":
        if case.layout == "hwc" and mode in _PIL_FILTERS:
            image = pil.fromarray(x)
            resample = getattr(pil.Resampling, _PIL_FILTERS[mode])
            runners["pillow"] = lambda: image.resize((target[1], target[0]), resample)
        elif case.layout == "nchw" and antialias:
            pictures = [pil.fromarray(p) for p in x.reshape(-1, *x.shape[-2:])]
            runners["pillow"] = lambda: [
                im.resize((target[-1], target[-2]), pil.Resampling.BILINEAR) for im in pictures
            ]
    return runners


# ----------------------------------------------------------------------------------------------
# timing
# ----------------------------------------------------------------------------------------------


def median_time(run: Runner, repeat: int) -> float:
    """Median wall time of ``repeat`` runs after one warm-up run."""
    return median_times({"run": run}, repeat)["run"]


# a row whose times spread more than this between rounds (interquartile range / median) is
# marked in the table as not to be trusted
SPREAD_LIMIT = 0.25


def warm_up(threads: int, seconds: float) -> None:
    """Keep a team of ``threads`` busy for about ``seconds`` before timing: an idle virtual
    machine parks its other cores, and the first calls on them take milliseconds longer (8-24
    ms measured for calls of 0.1-0.3 ms) while they come back."""
    if threads < 2:
        return
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        _kernels.team_probe(threads)


def median_times(runs: dict[str, Runner], repeat: int, threads: int = 1) -> dict[str, float]:
    """Median wall time of each runner over ``repeat`` rounds (``round_times``)."""
    return {name: statistics.median(t) for name, t in round_times(runs, repeat, threads).items()}


def spread(times: Sequence[float]) -> float:
    """How far the times of one runner spread between rounds: interquartile range / median."""
    if len(times) < 3:
        return 0.0
    q1, _, q3 = statistics.quantiles(times, n=4, method="inclusive")
    return (q3 - q1) / statistics.median(times)


def round_times(runs: dict[str, Runner], repeat: int, threads: int = 1) -> dict[str, list[float]]:
    """Wall times of each runner in ``repeat`` rounds, after one warm-up run each (and, for a
    team of ``threads``, a warm-up of its cores before every round). A round runs every runner
    once, one after the other, in an order of its own: on a shared machine whose load drifts,
    all runners see the same load, so their ratios hold even when the times do not."""
    warm_up(threads, 0.2)
    for run in runs.values():
        run()
    times: dict[str, list[float]] = {name: [] for name in runs}
    names = list(runs)
    for r in range(repeat):
        warm_up(threads, 0.01)
        # each round in another order (a fixed one per round): no runner always runs first
        # or last, nor always right after the same one (a runner that follows another reader
        # of the same input finds it in the caches: with a fixed cyclic order fastup's
        # allocating call always followed its out= call, and looked up to 1.7x faster than it
        # at 2 threads)
        order = names[:]
        random.Random(r).shuffle(order)
        for name in order:
            run = runs[name]
            start = time.perf_counter()
            value = run()
            elapsed = time.perf_counter() - start
            times[name].append(value if isinstance(run, SelfTimed) else elapsed)
    return times


def copy_runner(nbytes: int) -> Runner:
    """np.copyto reading and writing ``nbytes`` in all (half read, half written)."""
    half = max(1, nbytes // 2)
    source = np.ones(half, np.uint8)
    target = np.empty(half, np.uint8)
    return lambda: np.copyto(target, source)


def peak_megabytes(run: Runner) -> float:
    """Peak memory NumPy allocated during one call (output included), in MB."""
    tracemalloc.start()
    try:
        run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 1e6


def _small(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """A reduced copy for the oracle: 2 elements of unresized axes, 24 of resized ones."""
    index = tuple(slice(0, 24) if a in axes else slice(0, 2) for a in range(x.ndim))
    return np.ascontiguousarray(x[index])


def bench_resize(case: Case, threads: Sequence[int], quick: bool, repeat: int) -> list[Result]:
    x = make_input(case.quick_shape if quick else case.shape, case.dtype)
    target = out_shape(case, x)
    out = np.empty(target, x.dtype)
    moved = x.nbytes + out.nbytes
    small = _small(x, resized_axes(case, x.ndim))
    fast_small = median_time(lambda: run_fastup(case, small, 1), repeat)
    slow_small = median_time(
        lambda: oracle.resize(small, axes=resized_axes(case, small.ndim), **case.kwargs), 1
    )
    peak = peak_megabytes(lambda: run_fastup(case, x, 1))
    results = []
    copy = copy_runner(moved)
    for n in threads:
        set_peer_threads(n)
        fast = (partial(run_fastup, case, x, n, out), partial(run_fastup, case, x, n), copy)
        results.append(
            _timed(
                case.name,
                n,
                fast,
                peer_runners(case, x, n),
                repeat,
                1,
                slow_small / fast_small,
                peak,
            )
        )
    for result in results:
        result.no_peer = case.no_peer
    return results


def _timed(
    name: str,
    n: int,
    fast: tuple[Runner, Runner, Runner],
    peers: dict[str, Runner],
    repeat: int,
    calls: int,
    speedup: float,
    peak: float,
) -> Result:
    """The Result of one workload at ``n`` threads: fastup into ``out=``, fastup allocating
    and the copy (``fast``), and the peers, timed in interleaved rounds; times per call of
    ``calls`` calls per run."""
    runs: dict[str, Runner] = {" out": fast[0], " alloc": fast[1], " copy": fast[2], **peers}
    rounds = round_times(runs, repeat, n)
    times = {k: statistics.median(v) / calls for k, v in rounds.items()}
    result = Result(
        name,
        n,
        fastup_out=times[" out"],
        fastup_alloc=times[" alloc"],
        copy=times[" copy"],
        oracle_speedup=speedup,
        peak_mb=peak,
    )
    for peer in peers:
        result.peers[peer] = times[peer]
    result.spread = _row_spread(result, rounds, [" out", " alloc"])
    return result


def _row_spread(result: Result, rounds: dict[str, list[float]], own: list[str]) -> float:
    """The widest spread among fastup's times and the best peer's (what the ratio rests on)."""
    best = result.best_peer()
    names = own + ([best[0]] if best is not None else [])
    return max(spread(rounds[name]) for name in names)


def bench_pipeline(
    case: PipelineCase,
    threads: Sequence[int],
    quick: bool,
    repeat: int,
    child: _bench_pipeline.PillowSimdChild | None,
) -> list[Result]:
    """One image-pipeline workload (``fastup._bench_pipeline``): times per call of
    ``case.calls`` calls in a row."""
    shape, size = (case.quick_shape, case.quick_size) if quick else (case.shape, case.size)
    x = _bench_pipeline.photo(shape, case.dtype)
    out = np.empty(size + shape[2:], x.dtype)
    calls = case.calls
    small_shape = (min(shape[0], 48), min(shape[1], 64)) + shape[2:]
    small_size = tuple(
        max(1, round(n * m / d)) for n, m, d in zip(small_shape[:2], size, shape[:2], strict=True)
    )
    small = np.ascontiguousarray(x[: small_shape[0], : small_shape[1]])
    fast_small = median_time(lambda: fastup.resize(small, small_size, **case.kwargs()), repeat)
    slow_small = median_time(lambda: oracle.resize(small, small_size, **case.kwargs()), 1)
    peak = peak_megabytes(lambda: fastup.resize(x, size, workers=1, **case.kwargs()))
    copy = copy_runner(x.nbytes + out.nbytes)
    simd = child.runner(case, x, size) if child is not None else None
    results = []
    for n in threads:
        set_peer_threads(n)
        peers: dict[str, Runner] = dict(_bench_pipeline.peer_runners(case, x, size, n))
        if simd is not None:
            peers["pillow-simd"] = simd
        fast = (
            _bench_pipeline.run_fastup(case, x, size, n, out),
            _bench_pipeline.run_fastup(case, x, size, n),
            _bench_pipeline.repeat(copy, calls),
        )
        results.append(
            _timed(case.name, n, fast, peers, repeat, calls, slow_small / fast_small, peak)
        )
    return results


def torch_deconv(
    x: np.ndarray, w: np.ndarray, g: np.ndarray, kwargs: dict[str, Any], backward: bool
) -> Runner | None:
    """PyTorch's ConvTranspose2d on the same arrays (None without PyTorch): the forward, or the
    three gradients fastup.conv_transpose_backward returns (input by conv2d, weight by
    convolution_backward, bias by a sum), with no forward in the timing."""
    torch = _module("torch")
    if torch is None:
        return None
    xt, wt, gt = torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(g)
    s, p, op = kwargs["stride"], kwargs["padding"], kwargs["output_padding"]
    if not backward:
        return lambda: torch.nn.functional.conv_transpose2d(xt, wt, **kwargs)

    def gradients() -> Any:
        grad_x = torch.nn.functional.conv2d(gt, wt, stride=s, padding=p)
        grad_w = torch.ops.aten.convolution_backward(
            gt, xt, wt, None, [s, s], [p, p], [1, 1], True, [op, op], 1, [False, True, False]
        )[1]
        return grad_x, grad_w, gt.sum(dim=(0, 2, 3))

    return gradients


def bench_deconv(
    name: str, threads: Sequence[int], quick: bool, repeat: int, backward: bool
) -> list[Result]:
    k, s, p, op = DECONV_CASES[name]
    x = make_input(DECONV_QUICK if quick else DECONV_SHAPE, "float32")
    w = make_input((x.shape[1], DECONV_C_OUT, k, k), "float32")
    kwargs: dict[str, Any] = dict(stride=s, padding=p, output_padding=op)
    y = fastup.conv_transpose(x, w, **kwargs)
    g = make_input(y.shape, "float32")
    flops = 2 * x.shape[0] * x.shape[1] * DECONV_C_OUT * x.shape[2] * x.shape[3] * k * k
    flops *= 2 if backward else 1
    xs, ws, gs = x[:1, :4, :12, :12].copy(), w[:4, :4].copy(), None
    if backward:
        gs = make_input(fastup.conv_transpose(xs, ws, **kwargs).shape, "float32")

        def fast_small() -> Any:
            return fastup.conv_transpose_backward(gs, xs, ws, workers=1, **kwargs)

        def slow_small() -> Any:
            return oracle.conv_transpose_backward(gs, xs, ws, **kwargs)
    else:

        def fast_small() -> Any:
            return fastup.conv_transpose(xs, ws, workers=1, **kwargs)

        def slow_small() -> Any:
            return oracle.conv_transpose(xs, ws, **kwargs)

    speedup = median_time(slow_small, 1) / median_time(fast_small, repeat)
    peer = torch_deconv(x, w, g, kwargs, backward)
    results = []
    for n in threads:
        set_peer_threads(n)
        runs: dict[str, Runner] = {
            " fastup": partial(fastup.conv_transpose_backward, g, x, w, workers=n, **kwargs)
            if backward
            else partial(fastup.conv_transpose, x, w, workers=n, **kwargs)
        }
        if peer is not None:
            runs["torch"] = peer
        rounds = round_times(runs, repeat, n)
        times = {k: statistics.median(v) for k, v in rounds.items()}
        fast = times[" fastup"]
        result = Result(
            f"W7 deconv {name} {'backward' if backward else 'forward'}",
            n,
            fastup_out=None,
            fastup_alloc=fast,
            copy=None,
            oracle_speedup=speedup,
            gflops=flops / fast / 1e9,
        )
        if peer is not None:
            result.peers["torch"] = times["torch"]
        result.spread = _row_spread(result, rounds, [" fastup"])
        results.append(result)
    return results


# ----------------------------------------------------------------------------------------------
# the command
# ----------------------------------------------------------------------------------------------


def _fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.3g} us"
    return f"{seconds * 1e3:.2f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _ratios(r: Result, peer: float) -> str:
    """fastup / peer, with out= and allocating (one number when only one form was timed)."""
    if r.fastup_out is None:
        return f"{r.fastup_alloc / peer:.2f}"
    return f"{r.fastup_out / peer:.2f} / {r.fastup_alloc / peer:.2f}"


def _best_peer_cell(r: Result) -> str:
    best = r.best_peer()
    if best is not None:
        return f"{best[0]} {_fmt_time(best[1])}"
    return "none has it" if r.no_peer else "none installed"


def notes(results: Sequence[Result]) -> list[str]:
    """The lines under the table: rows whose times spread too far to trust, workloads no peer
    can run."""
    lines = []
    wide = [f"{r.workload} {r.threads}T" for r in results if r.spread > SPREAD_LIMIT]
    if wide:
        lines.append(
            f"? the times of {', '.join(wide)} spread by more than {SPREAD_LIMIT:.0%} between "
            f"rounds (interquartile range / median): the machine was busy, do not trust these "
            f"ratios; run them again (--only)."
        )
    seen = set()
    for r in results:
        if r.no_peer and r.no_peer not in seen:
            seen.add(r.no_peer)
            lines.append(f"none has it: {r.no_peer}.")
    return lines


def table(results: Sequence[Result], markdown: bool = False) -> str:
    header = [
        "workload",
        "T",
        "fastup out=",
        "fastup",
        "peak MB",
        "best peer",
        "fastup/peer (out= / alloc)",
        "fastup/copy",
        "vs oracle",
        "GFLOP/s",
    ]
    rows = []
    for r in results:
        best = r.best_peer()
        fast = r.fastup_out if r.fastup_out is not None else r.fastup_alloc
        rows.append(
            [
                r.workload,
                str(r.threads),
                _fmt_time(r.fastup_out),
                _fmt_time(r.fastup_alloc),
                "-" if r.peak_mb is None else f"{r.peak_mb:.0f}",
                _best_peer_cell(r),
                ("-" if best is None else _ratios(r, best[1]))
                + (" ?" if r.spread > SPREAD_LIMIT else ""),
                "-" if r.copy is None else f"{fast / r.copy:.2f}",
                "-" if r.oracle_speedup is None else f"{r.oracle_speedup:.0f}x faster",
                "-" if r.gflops is None else f"{r.gflops:.0f}",
            ]
        )
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(lines)


def _matches(only: str, name: str) -> bool:
    """``--only``: a substring of the name, ignoring case unless ``only`` has capitals ("P"
    picks the P workloads, not "k4s2p1")."""
    return only in name if only != only.lower() else only in name.lower()


def run(
    quick: bool = False,
    workers: int | None = None,
    json_path: str | None = None,
    markdown: bool = False,
    only: str | None = None,
    stream: Any = None,
    pillow_simd: str | None = None,
) -> list[Result]:
    """Time every workload (those whose name contains ``only``) at 1 and 2 threads (or at
    ``workers``), print a progress line per step to stderr and the table to ``stream``.
    ``pillow_simd``: a Python with Pillow-SIMD, timed in a child process (default: the
    environment variable ``FASTUP_BENCH_PILLOW_SIMD``)."""
    stream = sys.stdout if stream is None else stream
    threads = [workers] if workers is not None else [1, 2]
    repeat = 3 if quick else 7
    jobs: list[tuple[str, Callable[[], list[Result]]]] = []
    unavailable = []
    for case in RESIZE_CASES:
        if input_dtype(case.dtype) is None:
            unavailable.append(case.name)
            continue
        jobs.append((case.name, partial(bench_resize, case, threads, quick, repeat)))
    for name in DECONV_CASES:
        for backward in (False, True):
            label = f"W7 deconv {name} {'backward' if backward else 'forward'}"
            jobs.append((label, partial(bench_deconv, name, threads, quick, repeat, backward)))
    pipeline_jobs = [(case.name, case) for case in PIPELINE_CASES]
    if only:
        jobs = [(label, job) for label, job in jobs if _matches(only, label)]
        pipeline_jobs = [(n, c) for n, c in pipeline_jobs if _matches(only, n)]
    child = _bench_pipeline.pillow_simd_child(pillow_simd) if pipeline_jobs else None
    for label, case in pipeline_jobs:
        jobs.append((label, partial(bench_pipeline, case, threads, quick, repeat, child)))
    if not jobs:
        names = [c.name for c in RESIZE_CASES] + [c.name for c in PIPELINE_CASES]
        raise ValueError(
            f"no workload name contains {only!r}; the workloads: W7 deconv ..., " + ", ".join(names)
        )
    missing = [name for name, ok in installed_peers().items() if not ok]
    if missing:
        print(f"fastup bench: not installed, skipped: {', '.join(missing)}", file=sys.stderr)
    if unavailable and (not only or any(_matches(only, n) for n in unavailable)):
        print(
            f"fastup bench: ml_dtypes not installed, skipped: {', '.join(unavailable)}",
            file=sys.stderr,
        )
    results: list[Result] = []
    restore = restore_peer_threads()
    try:
        for i, (label, job) in enumerate(jobs, 1):
            bar = "#" * (20 * i // len(jobs))
            print(f"\r[{bar:<20}] {i}/{len(jobs)} {label:<40}", end="", file=sys.stderr, flush=True)
            results.extend(job())
    finally:
        versions = _bench_pipeline.peer_versions(child)
        if child is not None:
            child.close()
        restore()  # the caller's thread counts, as they were
    print(file=sys.stderr)
    print(table(results, markdown), file=stream)
    for line in notes(results):
        print(line, file=stream)
    config = fastup.show_config(print_=False)
    print(
        f"\nfastup {config['version']}, OpenMP {config['openmp_version'] or 'off'}, SIMD "
        f"{config['simd']}, {config['threads']['usable_cpus']} CPUs; "
        f"{'quick shapes' if quick else 'full shapes'}; medians of {repeat} rounds; "
        f"peers: {versions or 'none'}.",
        file=stream,
    )
    if json_path:
        with open(json_path, "w") as f:
            json.dump(
                {"quick": quick, "config": config, "results": [asdict(r) for r in results]},
                f,
                indent=1,
                default=str,
            )
    return results
