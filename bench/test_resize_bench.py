"""fastup.resize beside the peers users would otherwise pick, on the same inputs.

Each group is one workload at one thread count; it holds fastup (allocating and ``out=``), every
installed peer, and a plain copy moving the same input + output bytes (the memory-bound floor).
``extra_info`` records shape, dtype, threads, bytes moved and GB/s.
"""

from __future__ import annotations

import numpy as np
import pytest

import fastup

# name: (input shape, dtype, fastup kwargs, output shape)
WORKLOADS = {
    "W1-nchw-x2-nearest": (
        (8, 64, 128, 128),
        np.float32,
        dict(size=(256, 256), mode="nearest", coordinate_mode="asymmetric", nearest_mode="floor"),
        (8, 64, 256, 256),
    ),
    "W1-nchw-x2-bilinear": (
        (8, 64, 128, 128),
        np.float32,
        dict(size=(256, 256), mode="linear"),
        (8, 64, 256, 256),
    ),
    "W1-nchw-x2-bicubic": (
        (8, 64, 128, 128),
        np.float32,
        dict(size=(256, 256), mode="cubic"),
        (8, 64, 256, 256),
    ),
    "W3-hwc-uint8-x2-bilinear": (
        (1080, 1920, 3),
        np.uint8,
        dict(size=(2160, 3840), axes=(0, 1), mode="linear"),
        (2160, 3840, 3),
    ),
    "W6-nchw-down4-antialias": (
        (8, 3, 512, 512),
        np.float32,
        dict(size=(128, 128), mode="linear", antialias=True),
        (8, 3, 128, 128),
    ),
}


def _input(shape, dtype):
    rng = np.random.default_rng(0)
    if np.dtype(dtype).kind == "u":
        return rng.integers(0, 256, size=shape, dtype=dtype)
    return rng.standard_normal(shape).astype(dtype)


def _record(benchmark, x, out_shape, threads, library):
    moved = x.nbytes + int(np.prod(out_shape)) * x.itemsize
    benchmark.extra_info.update(
        shape=list(x.shape),
        out_shape=list(out_shape),
        dtype=str(x.dtype),
        threads=threads,
        library=library,
        bytes_moved=moved,
    )
    stats = getattr(benchmark, "stats", None)
    if stats is not None and getattr(stats, "stats", None) is not None and stats.stats.median:
        benchmark.extra_info["GB/s"] = moved / stats.stats.median / 1e9


@pytest.fixture(params=list(WORKLOADS))
def workload(request):
    shape, dtype, kwargs, out_shape = WORKLOADS[request.param]
    return request.param, _input(shape, dtype), kwargs, out_shape


def test_fastup(benchmark, workload, threads):
    name, x, kwargs, out_shape = workload
    benchmark.group = f"{name}-{threads}T"
    result = benchmark(fastup.resize, x, workers=threads, **kwargs)
    assert result.shape == out_shape
    _record(benchmark, x, out_shape, threads, "fastup")


def test_fastup_out(benchmark, workload, threads):
    name, x, kwargs, out_shape = workload
    benchmark.group = f"{name}-{threads}T"
    out = np.empty(out_shape, x.dtype)
    benchmark(fastup.resize, x, workers=threads, out=out, **kwargs)
    _record(benchmark, x, out_shape, threads, "fastup out=")


def test_copy_limit(benchmark, workload, threads):
    """np.copyto reading and writing as many bytes as the resize reads (input) and writes
    (output): the floor of a memory-bound kernel."""
    name, x, kwargs, out_shape = workload
    benchmark.group = f"{name}-{threads}T"
    half = (x.nbytes + int(np.prod(out_shape)) * x.itemsize) // 2
    source = np.ones(half, np.uint8)
    target = np.empty(half, np.uint8)
    benchmark(np.copyto, target, source)
    _record(benchmark, x, out_shape, threads, "copy")


_TORCH_MODES = {"nearest": "nearest", "linear": "bilinear", "cubic": "bicubic"}


def test_torch(benchmark, workload, threads):
    torch = pytest.importorskip("torch")
    name, x, kwargs, out_shape = workload
    if x.ndim != 4 or x.dtype != np.float32:
        pytest.skip("torch interpolate takes NCHW float here")
    benchmark.group = f"{name}-{threads}T"
    F = torch.nn.functional
    xt = torch.from_numpy(x)
    mode = _TORCH_MODES[kwargs["mode"]]
    extra = {} if mode == "nearest" else {"align_corners": False}
    if kwargs.get("antialias"):
        extra["antialias"] = True
    result = benchmark(F.interpolate, xt, size=kwargs["size"], mode=mode, **extra)
    assert tuple(result.shape) == out_shape
    _record(benchmark, x, out_shape, threads, "torch")


def test_opencv(benchmark, workload, threads):
    cv2 = pytest.importorskip("cv2")
    name, x, kwargs, out_shape = workload
    if kwargs.get("antialias"):
        pytest.skip("OpenCV has no antialiased linear resize")
    benchmark.group = f"{name}-{threads}T"
    flag = {"nearest": cv2.INTER_NEAREST, "linear": cv2.INTER_LINEAR, "cubic": cv2.INTER_CUBIC}[
        kwargs["mode"]
    ]
    height, width = kwargs["size"]
    if x.ndim == 3:  # one HWC image
        benchmark(cv2.resize, x, (width, height), interpolation=flag)
    else:  # NCHW: one call per plane, the way users loop
        planes = x.reshape(-1, *x.shape[-2:])
        out = np.empty((planes.shape[0], height, width), x.dtype)

        def per_plane():
            for i in range(planes.shape[0]):
                cv2.resize(planes[i], (width, height), dst=out[i], interpolation=flag)

        benchmark(per_plane)
    _record(benchmark, x, out_shape, threads, "opencv")


def test_pillow(benchmark, workload, threads):
    pil = pytest.importorskip("PIL.Image")
    name, x, kwargs, out_shape = workload
    if x.dtype != np.uint8 or x.ndim != 3 or threads != 1:
        pytest.skip("Pillow: one uint8 RGB image, single-threaded")
    benchmark.group = f"{name}-{threads}T"
    image = pil.fromarray(x)
    height, width = kwargs["size"]
    benchmark(image.resize, (width, height), pil.Resampling.BILINEAR)
    _record(benchmark, x, out_shape, threads, "pillow")
