"""fastup.dask.resize: bit for bit fastup.resize of the whole array, whatever the chunking.

The chunkings are random, and some are aimed at the ways the core's bits depend on the shape
it is handed (see fastup/dask.py): a uint8 image's fixed-point plan with its channels split
(weight bits from the table rows present), float32 dot products along a row whose tail moves
(8x antialiased shrinks, chunks smaller than the kernel), the gathering kernels' choice for a
few channels, and sums of rows against gathers when the elements after an axis are split."""

from __future__ import annotations

import subprocess
import sys
import warnings
import zlib

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
pytest.importorskip("dask")

import fastup  # noqa: E402
import fastup.dask  # noqa: E402
from fastup._tables import AxisSpec, weight_table  # noqa: E402


def _bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a).view(np.uint8)


def check(x, size, *, chunks, out_chunks=None, scheduler="sync", **kw):
    """The dask resize of x (chunked by ``chunks``) equals the in-memory one, bytes and all."""
    want = fastup.resize(x, size, **kw)
    lazy = fastup.dask.resize(da.from_array(x, chunks=chunks), size, chunks=out_chunks, **kw)
    assert lazy.shape == want.shape and lazy.dtype == want.dtype
    got = lazy.compute(scheduler=scheduler)
    assert got.dtype == want.dtype and got.shape == want.shape
    assert np.array_equal(_bits(got), _bits(want)), (x.shape, size, kw, chunks, out_chunks)
    return lazy


def random_chunks(rng, n):
    kind = rng.integers(0, 5)
    if kind == 0:
        return (n,)
    if kind == 1 and n <= 8:
        return (1,) * n
    cuts = sorted({int(c) for c in rng.integers(1, max(2, n), int(rng.integers(1, 5)))})
    edges = [0] + [c for c in cuts if 0 < c < n] + [n]
    return tuple(b - a for a, b in zip(edges, edges[1:], strict=False))


def random_data(rng, shape, dtype):
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return (rng.standard_normal(shape) * 50).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(max(info.min, -1000), min(info.max, 1000), shape, endpoint=True).astype(
        dtype
    )


MODES = ["nearest", "linear", "cubic", "area", "lanczos"]
DTYPES = ["float32", "float64", "uint8", "uint16", "int16"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", MODES)
def test_random_chunkings(mode, dtype):
    rng = np.random.default_rng(zlib.crc32(f"{mode}-{dtype}".encode()))
    for _ in range(4):
        ndim = int(rng.integers(1, 4))
        shape = tuple(int(n) for n in rng.integers(2, 28, ndim))
        k = int(rng.integers(1, ndim + 1))
        axes = tuple(int(a) for a in rng.choice(ndim, k, replace=False))  # any order, gaps
        factors = rng.choice([1 / 8, 0.3, 0.5, 0.75, 1.5, 2.0, 3.0], k)
        size = [max(1, int(round(shape[a] * f))) for a, f in zip(axes, factors, strict=True)]
        kw = {"mode": mode, "axes": axes}
        if mode in ("linear", "cubic", "lanczos"):
            kw["antialias"] = bool(rng.random() < 0.6)
            kw["exclude_outside"] = bool(rng.random() < 0.3)
        kw["coordinate_mode"] = str(
            rng.choice(["half_pixel", "align_corners", "asymmetric", "pytorch_half_pixel"])
        )
        x = random_data(rng, shape, dtype)
        out_shape = fastup.resize(x, size, **kw).shape
        out_chunks = tuple(random_chunks(rng, n) for n in out_shape) if rng.random() < 0.5 else None
        chunks = tuple(random_chunks(rng, n) for n in shape)
        check(x, size, chunks=chunks, out_chunks=out_chunks, **kw)


@pytest.mark.parametrize("dtype", ["uint8", "int16", "int32", "bool"])
def test_majority_labels(dtype):
    rng = np.random.default_rng(7)
    x = rng.integers(0, 5, (23, 31, 2)).astype(dtype)
    for size, chunks in [((7, 9), (5, (10, 1, 20), 1)), ((46, 12), (1, 31, 2)), ((3, 4), 4)]:
        check(x, size, axes=(0, 1), mode="majority", chunks=chunks)
    check(x, (46, 62), axes=(0, 1), mode="majority", chunks=7, out_chunks=1)  # 1-tap rows


@pytest.mark.parametrize(
    ("shape", "size", "chunks", "out_chunks", "kw"),
    [
        # kept from the random search: a chunk's own fixed-point plan picks other weight bits
        ((8, 19, 2), (16, 13), ((8,), (6, 5, 3, 4, 1), (2,)), ((4, 8, 4), (2, 2, 1, 6, 2), 1),
         {"mode": "lanczos"}),
        ((14, 68, 16), (2, 136), ((1, 4, 9), (11, 41, 13, 3), (2, 8, 3, 3)), None,
         {"mode": "lanczos", "antialias": True, "exclude_outside": True}),
        # an HWC image with its channels split, every weighted mode
        ((37, 45, 3), (29, 61), (9, 11, 1), None, {"mode": "linear"}),
        ((37, 45, 3), (10, 12), (9, 11, (2, 1)), None, {"mode": "cubic", "antialias": True}),
        ((37, 45, 4), (13, 50), (20, 7, (1, 3)), None, {"mode": "area"}),
        ((37, 45, 3), (5, 6), (37, (40, 5), 1), 2, {"mode": "lanczos", "antialias": True}),
    ],
)  # fmt: skip
def test_uint8_image_fixed_point(shape, size, chunks, out_chunks, kw):
    x = np.random.default_rng(3).integers(0, 256, shape, dtype=np.uint8)
    check(x, size, axes=(0, 1), chunks=chunks, out_chunks=out_chunks, **kw)


@pytest.mark.parametrize("dtype", ["float32", "uint16", "float16"])
def test_wide_kernels_dot_products(dtype):
    """8x and 16x antialiased shrinks of one element per pixel (dot products of 8 lanes, the
    row's tail summed in another order), input chunks smaller than the kernel and output
    chunks of every length modulo 8."""
    rng = np.random.default_rng(11)
    x = random_data(rng, (9, 203), dtype)
    for size, chunks, out_chunks in [
        ((9, 25), (4, 5), (5, (3, 5, 1, 7, 9))),
        ((9, 12), (9, 3), (2, 1)),
        ((1, 13), (2, 16), (1, (8, 5))),
        ((18, 101), (9, 100), (7, (1, 9, 30, 61))),
    ]:
        for mode in ("linear", "lanczos"):
            check(x, size, mode=mode, antialias=True, chunks=chunks, out_chunks=out_chunks)


@pytest.mark.parametrize("dtype", ["float32", "int8", "uint16"])
def test_few_channels_gathering_kernels(dtype):
    """Channels-last float32 rows with 2 and 4 taps: the kernel the core picks for a row
    depends on its length and on how many blocks of 8 outputs must gather."""
    rng = np.random.default_rng(5)
    for shape, size, axes, chunks, out_chunks in [
        ((19, 67, 3), (201,), (1,), ((3, 2, 10, 4), (35, 32), (2, 1)), (7, (14, 47, 101, 39), 3)),
        ((5, 22, 5), (44,), (1,), ((3, 2), (10, 1, 11), (3, 1, 1)), (2, (10, 5, 12, 17), 1)),
        ((12, 80, 3), (7, 23), (0, 1), (5, 9, 1), (3, 3, (2, 1))),
        ((12, 80, 2), (30, 50), (0, 1), (5, 13, 1), (4, 5, 1)),
    ]:
        x = random_data(rng, shape, dtype)
        for mode in ("linear", "cubic"):
            check(x, size, axes=axes, mode=mode, chunks=chunks, out_chunks=out_chunks)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
def test_rows_or_gathers_when_inner_axes_split(dtype):
    """A pass along axis 0 sums whole rows of the 20 elements after it; a chunk holds 5."""
    x = random_data(np.random.default_rng(2), (50, 20), dtype)
    for mode in ("linear", "area", "lanczos"):
        check(x, (17,), axes=(0,), mode=mode, chunks=(9, 5), out_chunks=(4, 5))
        check(x, (120,), axes=(0,), mode=mode, chunks=(50, (1, 4, 15)))


def test_three_axes():
    """Three resized axes: steps of one and of two axes, in the whole array's order."""
    rng = np.random.default_rng(9)
    x = random_data(rng, (40, 24, 30), "float32")
    check(x, (10, 48, 33), mode="cubic", antialias=True, chunks=(40, 24, 3))
    check(x, (10, 48, 33), mode="cubic", antialias=True, chunks=(5, 6, 30), out_chunks=(1, 48, 2))
    check(x, (80, 6, 15), axes=(0, 1, 2), mode="linear", chunks=(7, 24, 1))


def test_tf_crop_and_resize_with_roi():
    rng = np.random.default_rng(4)
    x = random_data(rng, (30, 26, 3), "float32")
    roi = [(-0.3, 0.6), (0.2, 1.4)]
    for mode in ("nearest", "linear", "cubic"):
        lazy = check(
            x,
            (40, 19),
            axes=(0, 1),
            mode=mode,
            coordinate_mode="tf_crop_and_resize",
            roi=roi,
            extrapolation_value=-2.5,
            chunks=(7, 5, 3),
            out_chunks=(6, 4, 3),
        )
    # output chunks wholly outside the input read nothing
    graph = dict(lazy.__dask_graph__())
    deps = _input_dependencies(lazy, graph)
    assert any(len(d) == 0 for d in deps.values())
    u8 = random_data(rng, (30, 26), "uint8")
    check(
        u8,
        (21, 40),
        mode="linear",
        coordinate_mode="tf_crop_and_resize",
        roi=roi,
        extrapolation_value=300,
        chunks=(4, 9),
    )


def test_single_chunk_and_one_element_chunks():
    rng = np.random.default_rng(6)
    x = random_data(rng, (12, 10), "float64")
    check(x, (5, 23), mode="cubic", chunks=-1)
    check(x, (5, 23), mode="cubic", chunks=1)
    check(x, (5, 23), mode="cubic", chunks=1, out_chunks=1)
    check(x, (5, 23), mode="area", chunks=-1, out_chunks=1)


def test_threaded_scheduler():
    rng = np.random.default_rng(8)
    x = random_data(rng, (64, 48, 3), "uint8")
    check(x, (20, 31), axes=(0, 1), mode="lanczos", antialias=True, chunks=(16, 9, 2),
          scheduler="threads")  # fmt: skip
    y = random_data(rng, (2, 40, 50), "float32")
    check(y, (97, 13), mode="cubic", antialias=True, chunks=(1, 7, 11), scheduler="threads")


def test_processes_scheduler():
    x = random_data(np.random.default_rng(1), (12, 14, 3), "uint8")
    check(x, (5, 9), axes=(0, 1), mode="cubic", antialias=True, chunks=(5, 4, 2),
          scheduler="processes")  # fmt: skip


def test_non_native_byte_order_and_empty_batch():
    x = random_data(np.random.default_rng(1), (6, 11), "float32").astype(">f4")
    check(x, (9,), mode="linear", chunks=(2, 4))
    empty = np.zeros((0, 8), np.float32)
    lazy = fastup.dask.resize(da.from_array(empty), (3,))
    assert lazy.compute().shape == fastup.resize(empty, (3,)).shape == (0, 3)


def _input_dependencies(lazy, graph):
    """For each output block key, the input block keys its task depends on."""
    import dask.core

    return {
        key: {d for d in dask.core.get_dependencies(graph, key) if isinstance(d, tuple)}
        for key in graph
        if isinstance(key, tuple) and key[0] == lazy.name
    }


@pytest.mark.parametrize("antialias", [False, True])
def test_each_chunk_reads_only_its_region(antialias):
    """A 2x shrink of 1-D chunks of 8: each output chunk's task names exactly the input blocks
    that the rows of the core's table for its outputs touch."""
    n, block = 96, 8
    x = np.arange(n, dtype=np.float32)
    lazy = fastup.dask.resize(da.from_array(x, chunks=block), (n // 2,), antialias=antialias)
    table = weight_table(
        AxisSpec(n, n // 2, 0.5, True), "half_pixel", "linear", antialias=antialias
    )
    assert lazy.chunks == ((block,) * (n // 2 // block),)
    graph = dict(lazy.__dask_graph__())
    deps = _input_dependencies(lazy, graph)
    in_name = da.from_array(x, chunks=block).name
    for (_, j), got in deps.items():
        rows = slice(j * block, (j + 1) * block)
        first = int(table.start[rows].min())
        last = int((table.start[rows] + table.taps).max()) - 1
        want = {(in_name, i) for i in range(first // block, last // block + 1)}
        assert got == want
        # taps 2o, 2o + 1; antialiased 2o - 1 .. 2o + 2 (clamped at the ends)
        edge = j in (0, n // 2 // block - 1)
        assert len(want) == (2 if not antialias else 3 if edge else 4)
    assert np.array_equal(lazy.compute(), fastup.resize(x, (n // 2,), antialias=antialias))


def test_chunks_argument():
    x = random_data(np.random.default_rng(0), (30, 40, 3), "float32")
    arr = da.from_array(x, chunks=(10, 16, 3))
    want = fastup.resize(x, (15, 100), axes=(0, 1))
    default = fastup.dask.resize(arr, (15, 100), axes=(0, 1))
    assert default.chunks == ((10, 5), (16,) * 6 + (4,), (3,))
    for chunks, expected in [
        (7, ((7, 7, 1), (7,) * 14 + (2,), (3,))),
        ((5, None, 1), ((5, 5, 5), (16,) * 6 + (4,), (1, 1, 1))),
        ({1: 50}, ((10, 5), (50, 50), (3,))),
        ((-1, (30, 70), 3), ((15,), (30, 70), (3,))),
    ]:
        lazy = fastup.dask.resize(arr, (15, 100), axes=(0, 1), chunks=chunks)
        assert lazy.chunks == expected
        assert np.array_equal(lazy.compute(), want)
    assert fastup.dask.resize(arr, (15, 100), axes=(0, 1), chunks="auto").compute().shape == (
        15,
        100,
        3,
    )


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"size": (4, 4), "mode": "cubc"}, ValueError),
        ({"size": (4, 4), "scale": 2.0}, ValueError),
        ({"size": (0, 4)}, ValueError),
        ({"size": (4, 4), "axes": (0, 0)}, ValueError),
        ({"size": (4, 4), "mode": "nearest", "antialias": True}, ValueError),
        ({"size": (4, 4), "cubic_a": "x"}, TypeError),
        ({"size": (4, 4), "coordinate_mode": "tf_crop_and_resize"}, ValueError),
        ({"size": (4, 4), "mode": "majority"}, TypeError),
        ({"size": "4"}, TypeError),
    ],
)
def test_errors_are_the_cores_and_eager(kwargs, error):
    x = np.zeros((6, 8), np.float32)
    with pytest.raises(error) as core:
        fastup.resize(x, **kwargs)
    with pytest.raises(error) as lazy:  # when the graph is built: nothing is computed
        fastup.dask.resize(da.from_array(x, chunks=3), **kwargs)
    assert str(lazy.value) == str(core.value)


def test_errors_of_its_own():
    with pytest.raises(TypeError, match="'array' must be a dask.array.Array"):
        fastup.dask.resize(np.zeros((4, 4)), (2, 2))
    with pytest.raises(TypeError, match="must hold numbers"):
        fastup.dask.resize(da.from_array(np.array(["a", "b"])), (4,))
    with pytest.raises(TypeError, match="supports the dtypes"):
        fastup.dask.resize(da.from_array(np.zeros(4, complex)), (8,))
    with pytest.raises(ValueError, match="unknown chunk sizes"):
        x = da.from_array(np.arange(10.0), chunks=3)
        fastup.dask.resize(x[x > 3], (4,))


def test_channels_last_warning_as_the_core():
    photo = np.zeros((8, 10, 3), np.uint8)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fastup.dask.resize(da.from_array(photo, chunks=4), (4, 5))
    assert [w.category for w in caught] == [fastup.ChannelsLastWarning]


def test_import_fastup_does_not_import_dask():
    code = "import sys, fastup; fastup.resize([1.0, 2.0], 3); assert 'dask' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
