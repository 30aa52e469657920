"""The uint8 resample of two neighbouring axes in fixed point (``_resample_fixed.h``, planned
by ``_kernels.FixedPlan``): every order of the passes, every W-pass kernel and every
instruction-set copy computes the same integers, those of its definition (below, in NumPy);
the result is within the plan's error bound of the exact one; and ``fastup.resize`` takes this
route for uint8 images."""

import os
import subprocess
import sys

import numpy as np
import pytest

import fastup
from fastup import _kernels, oracle
from fastup._resize import _get_plan
from fastup._tables import AxisSpec, weight_table

# W-pass kernels of FixedPlan (its ``hkind``): output-parallel blocks (H first only), tap-
# parallel per pixel, one output at a time, short output-parallel blocks (H first, few taps),
# output-parallel blocks of 64-byte windows (H first, AVX512_VBMI machines; elsewhere 'op'),
# channel vectors (many elements per pixel: each output pixel's taps summed as rows)
_KINDS = {"op": 0, "g1": 1, "one": 2, "short": 3, "vop": 4, "cv": 5}


def _table(n_in, n_out, mode, antialias=True):
    t = weight_table(
        AxisSpec(n_in, n_out, n_out / n_in, True),
        "half_pixel",
        mode,
        antialias=antialias,
        exclude_outside=antialias,
        cubic_a=-0.5 if antialias else -0.75,
    )
    return t.start, t.weights


def _mulhrs(a, b):
    """pmulhrsw: a * b / 2**15 rounded half up."""
    return (a * b + (1 << 14)) >> 15


def _definition(x, ys, xs, info):
    """The integers the plan computes (``_resample_fixed.h``), in int64 NumPy: a first pass
    along the axis the plan takes first, rounded to an int16 intermediate, then the other; a
    short pass rounds each product (pmulhrsw) instead of the sum."""
    x = x.astype(np.int64)
    qx, qy = info["qx"].astype(np.int64), info["qy"].astype(np.int64)

    def along_w(a, k, short):
        taps = a[:, :, xs[:, None] + np.arange(qx.shape[1]), :]
        if short:
            return _mulhrs(taps << 7, qx[None, None, :, :, None]).sum(axis=3)
        return ((taps * qx[None, None, :, :, None]).sum(axis=3) + (1 << (k - 1))) >> k

    def along_h(a, k, short):
        taps = a[:, ys[:, None] + np.arange(qy.shape[1])]
        if short:
            total = _mulhrs(taps, qy[None, :, :, None, None]).sum(axis=2)
            assert np.abs(total).max() <= 32767, "the short sums fit int16"
            return _mulhrs(total, 1 << (16 - info["S"]))
        return ((taps * qy[None, :, :, None, None]).sum(axis=2) + (1 << (k - 1))) >> k

    if info["vfirst"]:
        mid = along_h(x, info["k1"], False)
        assert np.abs(mid).max() <= 32767, "the intermediate fits int16"
        return np.clip(along_w(mid, info["k2"], False), 0, 255).astype(np.uint8)
    mid = along_w(x, info["k1"], info["short1"])
    assert np.abs(mid).max() <= 32767, "the intermediate fits int16"
    return np.clip(along_h(mid, info["k2"], info["short2"]), 0, 255).astype(np.uint8)


def _exact(x, ys, yw, xs, xw):
    mid = (x[:, :, xs[:, None] + np.arange(xw.shape[1]), :] * xw[None, None, :, :, None]).sum(3)
    return (mid[:, ys[:, None] + np.arange(yw.shape[1])] * yw[None, :, :, None, None]).sum(2)


# (H, W) -> (Ho, Wo): upscales, shrinks (wide antialiased kernels), mixed, tiny, and rows
# shorter than one vector
_SHAPES = [
    ((37, 53), (74, 106)),
    ((37, 53), (29, 101)),
    ((40, 300), (5, 37)),
    ((16, 16), (32, 32)),
    ((9, 61), (13, 200)),
    ((20, 20), (20, 60)),
    ((3, 7), (5, 9)),
    ((10, 5), (3, 40)),
    ((64, 256), (8, 9)),
]
# (vfirst, W-pass kernel, short second pass): the plan chosen by cost, and every kernel of
# both orders with long and short second passes
_PLANS = [
    (-1, None, -1),
    (0, "op", 0),
    (0, "op", 1),
    (0, "g1", 0),
    (0, "g1", 1),
    (0, "one", 0),
    (0, "short", 0),
    (0, "short", 1),
    (0, "vop", 0),
    (0, "vop", 1),
    (1, "g1", -1),
    (1, "one", -1),
]


@pytest.mark.parametrize("c", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("mode", ["linear", "cubic", "lanczos", "area"])
@pytest.mark.parametrize(("size", "out"), _SHAPES)
def test_every_plan_computes_its_definition(c, mode, size, out):
    """Each order and W-pass kernel gives exactly the integers of the definition (whatever
    the blocks, tails and lanes), within the plan's error bound of the exact result; a
    constant image stays constant; the thread count changes nothing."""
    (h, w), (ho, wo) = size, out
    if mode == "area" and (ho > h or wo > w):
        pytest.skip("area grows like linear")
    rng = np.random.default_rng(c * 7919 + h * w + ho * wo)
    ys, yw = _table(h, ho, mode)
    xs, xw = _table(w, wo, mode, antialias=mode != "area")
    x = rng.integers(0, 256, (2, h, w, c), dtype=np.uint8)
    exact = np.clip(_exact(x.astype(np.float64), ys, yw, xs, xw), 0, 255)
    for vfirst, kind, vshort in _PLANS:
        plan = _kernels.FixedPlan(
            ys, yw, xs, xw, 2, h, w, c, ho, wo, vfirst, _KINDS.get(kind, -1), vshort
        )
        assert plan.suits
        info = plan.info()
        assert info["error"] <= 0.3 and 1 <= info["S"] <= 7
        out_1 = np.empty((2, ho, wo, c), np.uint8)
        plan.run(x, out_1, 1)
        np.testing.assert_array_equal(out_1, _definition(x, ys, xs, info))
        assert np.abs(out_1 - exact).max() <= 0.5 + info["error"]
        out_3 = np.empty_like(out_1)
        plan.run(x, out_3, 3)
        np.testing.assert_array_equal(out_3, out_1)
        flat = np.full_like(x, 201)
        plan.run(flat, out_1, 1)
        assert np.all(out_1 == 201)


@pytest.mark.parametrize("c", [16, 17, 40])
@pytest.mark.parametrize("mode", ["linear", "lanczos"])
@pytest.mark.parametrize(("size", "out"), [_SHAPES[0], _SHAPES[2], _SHAPES[4], _SHAPES[6]])
def test_many_elements_per_pixel_on_channel_vectors(c, mode, size, out):
    """Many elements per pixel (NHWC feature maps, multispectral images): the W pass on
    channel vectors in both orders (and its choice by cost), against the definition."""
    (h, w), (ho, wo) = size, out
    rng = np.random.default_rng(c + h * w)
    ys, yw = _table(h, ho, mode)
    xs, xw = _table(w, wo, mode)
    x = rng.integers(0, 256, (2, h, w, c), dtype=np.uint8)
    kinds = set()
    for vfirst, kind, vshort in ((0, "cv", 0), (0, "cv", 1), (1, "cv", -1), (-1, None, -1)):
        plan = _kernels.FixedPlan(
            ys, yw, xs, xw, 2, h, w, c, ho, wo, vfirst, _KINDS.get(kind, -1), vshort
        )
        info = plan.info()
        kinds.add(info["hkind"])
        got = np.empty((2, ho, wo, c), np.uint8)
        plan.run(x, got, 2)
        np.testing.assert_array_equal(got, _definition(x, ys, xs, info))
    assert "one" not in kinds, "a vector pass is chosen by cost for many elements per pixel"


@pytest.mark.parametrize(("kind", "kinds"), [("op", (0, 1, 2)), ("short", (0, 2)), ("vop", (0, 2))])
def test_the_blocks_of_the_output_parallel_passes_are_all_reached(kind, kinds):
    """The OP pass has three kinds of blocks of 16 outputs (one at a time, a window per lane
    of 4, one window for all 16), the SHORT pass two (one at a time, a window per lane of 8):
    the cases above reach each of them, and short first passes with short and long second
    passes."""
    if kind == "vop" and _kernels.simd_isa() != "avx512":
        pytest.skip("the 64-byte windows are for AVX512_VBMI machines")
    seen = [0, 0, 0]
    shorts = set()
    for c in (1, 2, 3, 4):
        for (h, w), (ho, wo) in _SHAPES:
            ys, yw = _table(h, ho, "linear")
            xs, xw = _table(w, wo, "cubic")
            info = _kernels.FixedPlan(ys, yw, xs, xw, 1, h, w, c, ho, wo, 0, _KINDS[kind]).info()
            if info["hkind"] != kind:  # vop where the machine has no AVX512_VBMI
                continue
            seen = [a + b for a, b in zip(seen, info["blocks"], strict=True)]
            shorts.add((info["short1"], info["short2"]))
    assert all(seen[k] > 0 for k in kinds), seen
    if kind == "short":
        assert {(True, True), (True, False)} <= shorts


def test_weights_are_rounded_and_sum_to_one():
    """Each window's int16 weights are its weights times 2**bits, rounded, with the rounding
    of the window moved onto its largest weight: they sum to exactly 2**bits."""
    for (h, w), (ho, wo) in _SHAPES:
        for mode in ("linear", "cubic", "lanczos"):
            ys, yw = _table(h, ho, mode)
            xs, xw = _table(w, wo, mode)
            info = _kernels.FixedPlan(ys, yw, xs, xw, 1, h, w, 3, ho, wo).info()
            for q, wt, bits in ((info["qx"], xw, info["bx"]), (info["qy"], yw, info["by"])):
                assert np.all(q.astype(np.int64).sum(axis=1) == 1 << bits)
                off = np.abs(q - wt * 2.0**bits)
                largest = wt.argmax(axis=1)
                others = np.ones_like(off, dtype=bool)
                others[np.arange(len(wt)), largest] = False
                assert off[others].max(initial=0) <= 0.5
                assert off[~others].max() <= 0.5 * wt.shape[1] + 0.5


@pytest.mark.parametrize("weights", [[300.0, -299.0], [3000.0, -2999.0, 0.0]])
def test_tables_beyond_the_fixed_point_take_the_float_route(weights):
    """Weights too large for int16 at a useful precision: the plan says so (``suits`` is
    False), and ``fastup.resize`` still computes the result, within 1, in float32."""
    t = len(weights)
    xs = np.minimum(np.arange(20) // 2, 9 - t + 1).astype(np.intp)
    xw = np.tile(np.array(weights), (20, 1))
    ys, yw = np.arange(4, dtype=np.intp), np.ones((4, 1))
    assert not _kernels.FixedPlan(ys, yw, xs, xw, 1, 4, 10, 3, 4, 20).suits
    x = np.random.default_rng(0).integers(0, 256, (30, 40, 3), dtype=np.uint8)
    plan = _get_plan(
        "resize",
        x.shape,
        x.dtype,
        (60, 80),
        None,
        (0, 1),
        "cubic",
        "half_pixel",
        "round_prefer_floor",
        -900.0,
        False,
        False,
        None,
        0.0,
        "stretch",
    )
    assert plan.fixed is None
    got = fastup.resize(x, (60, 80), axes=(0, 1), mode="cubic", cubic_a=-900.0)
    want = oracle.resize(x, (60, 80), axes=(0, 1), mode="cubic", cubic_a=-900.0)
    assert np.abs(got.astype(int) - want.astype(int)).max() <= 1


@pytest.mark.parametrize(
    ("shape", "size", "kwargs"),
    [
        ((160, 256, 3), (20, 32), dict(mode="linear", antialias=True)),
        ((160, 256, 3), (128, 205), dict(mode="cubic", antialias=True, cubic_a=-0.5)),
        ((75, 100, 4), (201, 130), dict(mode="lanczos")),
        ((75, 100), (45, 60), dict(mode="area")),
        ((2, 3, 40, 50), (80, 100), dict(mode="linear")),
    ],
)
def test_resize_takes_the_fixed_point_route_for_uint8_images(shape, size, kwargs):
    """uint8 images (HWC, grey, NCHW planes) resized along both axes run in fixed point, the
    bytes of its definition, within 1 of the float64 oracle for any thread count."""
    rng = np.random.default_rng(len(shape))
    x = rng.integers(0, 256, shape, dtype=np.uint8)
    axes = (0, 1) if len(shape) == 3 else (-2, -1)
    plan = _get_plan(
        "resize",
        x.shape,
        x.dtype,
        size,
        None,
        axes,
        kwargs["mode"],
        "half_pixel",
        "round_prefer_floor",
        kwargs.get("cubic_a", -0.75),
        False,
        kwargs.get("antialias", False),
        None,
        0.0,
        "stretch",
    )
    assert plan.fixed is not None
    got = fastup.resize(x, size, axes=axes, workers=1, **kwargs)
    for workers in (2, 3):
        np.testing.assert_array_equal(
            fastup.resize(x, size, axes=axes, workers=workers, **kwargs), got
        )
    want = oracle.resize(x, size, axes=axes, **kwargs)
    assert np.abs(got.astype(int) - want.astype(int)).max() <= 1


_COPIES = """
import hashlib
import numpy as np
from fastup import _kernels
from fastup._tables import AxisSpec, weight_table
def table(n_in, n_out, mode, antialias=True):
    t = weight_table(AxisSpec(n_in, n_out, n_out / n_in, True), "half_pixel", mode,
                     antialias=antialias)
    return t.start, t.weights
rng = np.random.default_rng(7)
digest = hashlib.sha256()
for c in (1, 2, 3, 4, 5, 40):
    x = rng.integers(0, 256, (2, 37, 300, c), dtype=np.uint8)
    for mode in ("linear", "cubic", "lanczos"):
        for ho, wo in ((74, 601), (29, 101), (5, 37)):
            ys, yw = table(37, ho, mode)
            xs, xw = table(300, wo, mode)
            for vfirst, kind, vshort in (
                (-1, -1, -1), (0, 0, 0), (0, 1, 1), (0, 3, 1), (0, 4, 0), (1, 1, -1),
                (0, 5, 0), (1, 5, -1)
            ):
                plan = _kernels.FixedPlan(ys, yw, xs, xw, 2, 37, 300, c, ho, wo, vfirst, kind,
                                          vshort)
                out = np.empty((2, ho, wo, c), np.uint8)
                plan.run(x, out, 2)
                digest.update(out.tobytes())
    # V first over windows with gaps between them (linear, not antialiased: 2 rows each)
    ys, yw = table(37, 9, "linear", antialias=False)
    xs, xw = table(300, 70, "lanczos")
    plan = _kernels.FixedPlan(ys, yw, xs, xw, 2, 37, 300, c, 9, 70, 1, 1, -1)
    out = np.empty((2, 9, 70, c), np.uint8)
    plan.run(x, out, 2)
    digest.update(out.tobytes())
print(digest.hexdigest())
"""


def test_every_instruction_set_copy_gives_the_same_bytes():
    """Fixed-point sums are exact integers: the portable copy, the AVX2 copy (its sums of rows
    in tiles of 2 output rows) and the AVX-512 copy (where the machine has them: with VNNI,
    tiles of 4 and, V first with 2-4 elements per pixel, planes; without, one row at a time)
    give the same bytes."""
    settings = [
        {},
        {"FASTUP_DISABLE_AVX2": "1"},
        {"FASTUP_DISABLE_AVX512": "1"},
        {"FASTUP_DISABLE_VNNI": "1"},
    ]
    digests = {}
    for extra in settings:
        run = subprocess.run(
            [sys.executable, "-c", _COPIES],
            env=dict(os.environ, **extra),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert run.returncode == 0, run.stderr[-3000:]
        digests[tuple(extra)] = run.stdout.strip()
    assert len(set(digests.values())) == 1, digests


def _cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def _vnni():
    """Whether V first may take VNNI tiles and planes on this machine (AVX512_VNNI and
    AVX512_VBMI, not disabled); None where /proc/cpuinfo cannot be read."""
    flags = _cpu_flags()
    if not flags:
        return None
    return (
        _kernels.simd_isa() == "avx512"
        and {"avx512_vnni", "avx512vbmi", "avx512bw"} <= flags
        and os.environ.get("FASTUP_DISABLE_VNNI", "") in ("", "0")
    )


@pytest.mark.parametrize("c", [1, 2, 3, 4, 5])
def test_planes_where_the_machine_has_vnni(c):
    """V first with 2-4 elements per pixel, AVX512_VNNI + AVX512_VBMI machines sum the rows of
    each plane of elements (and resample each plane along W); the AVX2 copy splits RGB rows
    into planes for the W pass: the route is taken exactly there, and computes the
    definition's integers like every other route."""
    ys, yw = _table(64, 8, "lanczos")
    xs, xw = _table(256, 37, "lanczos")
    plan = _kernels.FixedPlan(ys, yw, xs, xw, 2, 64, 256, c, 8, 37, 1, _KINDS["g1"], -1)
    info = plan.info()
    vnni = _vnni()
    avx2 = _kernels.simd_isa() in ("avx2", "avx512")
    if vnni is not None:  # Linux: exactly where the machine has the instructions
        assert info["planar"] == ((vnni and 2 <= c <= 4) or (avx2 and c == 3))
    else:  # elsewhere: at least never for other pixel sizes
        assert not info["planar"] or 2 <= c <= 4
    x = np.random.default_rng(c).integers(0, 256, (2, 64, 256, c), dtype=np.uint8)
    out = np.empty((2, 8, 37, c), np.uint8)
    plan.run(x, out, 2)
    np.testing.assert_array_equal(out, _definition(x, ys, xs, info))


def test_rgb_planes_from_rows_in_pixel_order():
    """RGB rows whose output rows cannot share tiles (each window: all 400 rows) are summed one
    at a time in pixel order and split into planes for the W pass, on every AVX2 machine."""
    ys, yw = _table(400, 2, "lanczos")
    xs, xw = _table(250, 37, "lanczos")
    plan = _kernels.FixedPlan(ys, yw, xs, xw, 1, 400, 250, 3, 2, 37, 1, _KINDS["g1"], -1)
    info = plan.info()
    if _vnni() is not None:
        assert info["planar"] == (_kernels.simd_isa() in ("avx2", "avx512"))
    x = np.random.default_rng(5).integers(0, 256, (1, 400, 250, 3), dtype=np.uint8)
    out = np.empty((1, 2, 37, 3), np.uint8)
    plan.run(x, out, 1)
    np.testing.assert_array_equal(out, _definition(x, ys, xs, info))


@pytest.mark.parametrize(
    ("c", "n_out", "taps", "planar"),
    [(3, 90, 9, True), (3, 100, 8, False), (4, 90, 9, False), (2, 60, 13, True)],
)
def test_planes_from_fewer_taps_for_rgb(c, n_out, taps, planar):
    """Three elements per pixel take planes from 9 taps along W (on every AVX2 machine), two
    and four from 12 (where the machine has VNNI); every plan computes the definition's
    integers."""
    ys, yw = _table(64, 24, "cubic")
    xs, xw = _table(190, n_out, "cubic")
    assert xw.shape[1] == taps
    plan = _kernels.FixedPlan(ys, yw, xs, xw, 1, 64, 190, c, 24, n_out, 1, _KINDS["g1"], -1)
    info = plan.info()
    vnni = _vnni()
    avx2 = _kernels.simd_isa() in ("avx2", "avx512")
    if vnni is not None:
        assert info["planar"] == (planar and (vnni or (avx2 and c == 3)))
    else:
        assert not info["planar"] or planar
    x = np.random.default_rng(taps).integers(0, 256, (1, 64, 190, c), dtype=np.uint8)
    out = np.empty((1, 24, n_out, c), np.uint8)
    plan.run(x, out, 1)
    np.testing.assert_array_equal(out, _definition(x, ys, xs, info))
