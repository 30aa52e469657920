"""Cross-checks of ``fastup.resize`` against peer libraries.

Each test reproduces one peer call -- PyTorch ``F.interpolate``, OpenCV ``cv2.resize``, Pillow
``Image.resize``, a one-node ONNX Runtime ``Resize`` -- through documented ``fastup.resize``
arguments only; ``docs/conventions.md`` tabulates the mappings and names the test behind each.
Every peer is optional (``pytest.importorskip``) and every input is deterministic
(``np.random.default_rng`` seeded from the case).

Tolerances (``_assert_close``): float32 within ``1e-5 * (max(x) - min(x))``, float64 within
``1e-12 * (max(x) - min(x))``, integer dtypes within 1 everywhere; ``nearest`` exactly (it copies
input values).

Where a peer's own arithmetic departs from the exact definition -- float32, double or 16.16
fixed-point source coordinates that land one pixel low at an exact tie -- a dedicated
``*_index_rounding`` test pins the peer's arithmetic on a minimal case, and the cross-check sizes
avoid such ties instead of loosening the comparison.
"""

from __future__ import annotations

import math
import zlib

import numpy as np
import pytest

import fastup

# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _data(shape: tuple[int, ...], dtype, *key: object, low: int = 0, high: int = 255) -> np.ndarray:
    """Deterministic test data: uniform in [-1, 1) for floats, integers in [low, high] for uint8,
    seeded from the shape, the dtype and ``key`` (so every parametrized case differs)."""
    dtype = np.dtype(dtype)
    rng = np.random.default_rng(zlib.crc32(repr((shape, dtype.str, key)).encode()))
    if dtype == np.uint8:
        return rng.integers(low, high, size=shape, endpoint=True, dtype=np.uint8)
    return rng.uniform(-1.0, 1.0, size=shape).astype(dtype)


def _assert_close(got: np.ndarray, expected: np.ndarray, x: np.ndarray) -> None:
    """fastup's ``got`` against the peer's ``expected`` for input ``x`` (see module docstring)."""
    got = np.asarray(got)
    expected = np.asarray(expected)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    assert got.dtype == x.dtype, (got.dtype, x.dtype)
    if x.dtype.kind in "iu":
        diff = np.abs(got.astype(np.int64) - expected.astype(np.int64))
        assert diff.max(initial=0) <= 1, (
            f"max |fastup - peer| = {diff.max()} at {np.unravel_index(diff.argmax(), diff.shape)}"
        )
    else:
        span = float(x.max() - x.min()) if x.size else 1.0
        rel = 1e-5 if x.dtype == np.float32 else 1e-12
        np.testing.assert_allclose(got, expected, rtol=0, atol=rel * span)


def _assert_equal(got: np.ndarray, expected: np.ndarray, x: np.ndarray) -> None:
    got = np.asarray(got)
    assert got.dtype == x.dtype, (got.dtype, x.dtype)
    np.testing.assert_array_equal(got, expected)


def _case_id(value: object) -> str:
    if isinstance(value, tuple) and value and all(isinstance(v, int) for v in value):
        return "x".join(map(str, value))
    if isinstance(value, type) or isinstance(value, np.dtype):
        return np.dtype(value).name
    return str(value)


# --------------------------------------------------------------------------------------------
# PyTorch: torch.nn.functional.interpolate on N, C, *spatial
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _interpolate(torch, x: np.ndarray, **kwargs) -> np.ndarray:
    return torch.nn.functional.interpolate(torch.from_numpy(x), **kwargs).numpy()


# (input spatial shape, output spatial shape): NCW, NCHW, NCDHW; up, down, mixed, prime and
# non-integer ratios, odd aspect ratios, length-1 axes, and torch's exact 2x nearest path.
# PyTorch computes nearest source indices in float32, which can miss an exact integer (see
# test_torch_nearest_index_rounding); these sizes have no such tie that torch gets wrong.
TORCH_SIZES = [
    ((7,), (13,)),
    ((13,), (7,)),
    ((37,), (64,)),
    ((64,), (37,)),
    ((1,), (5,)),
    ((5,), (1,)),
    ((7, 13), (13, 7)),
    ((37, 5), (64, 11)),
    ((13, 64), (7, 37)),
    ((3, 41), (17, 6)),
    ((8, 9), (16, 4)),
    ((8, 12), (4, 3)),  # even factors: every half_pixel source is a tie, exact in float32
    ((2, 97), (5, 29)),
    ((5, 7, 3), (9, 4, 7)),
    ((4, 9, 6), (7, 3, 11)),
]
TORCH_SIZES_2D = [s for s in TORCH_SIZES if len(s[0]) == 2]
FLOATS = [np.float32, np.float64]
_LINEAR_BY_RANK = {1: "linear", 2: "bilinear", 3: "trilinear"}


@pytest.mark.parametrize("dtype", FLOATS, ids=_case_id)
@pytest.mark.parametrize(("in_size", "out_size"), TORCH_SIZES, ids=_case_id)
def test_torch_nearest(torch, in_size, out_size, dtype):
    """mode='nearest' == asymmetric + floor (source index floor(o * in / out))."""
    x = _data((2, 3, *in_size), dtype, "nearest")
    expected = _interpolate(torch, x, size=out_size, mode="nearest")
    got = fastup.resize(
        x, out_size, mode="nearest", coordinate_mode="asymmetric", nearest_mode="floor"
    )
    _assert_equal(got, expected, x)


@pytest.mark.parametrize("dtype", FLOATS, ids=_case_id)
@pytest.mark.parametrize(("in_size", "out_size"), TORCH_SIZES, ids=_case_id)
def test_torch_nearest_exact(torch, in_size, out_size, dtype):
    """mode='nearest-exact' == half_pixel + round_prefer_ceil (floor((o + 0.5) * in / out))."""
    x = _data((2, 3, *in_size), dtype, "nearest-exact")
    expected = _interpolate(torch, x, size=out_size, mode="nearest-exact")
    got = fastup.resize(
        x, out_size, mode="nearest", coordinate_mode="half_pixel", nearest_mode="round_prefer_ceil"
    )
    _assert_equal(got, expected, x)


@pytest.mark.parametrize(("in_size", "out_size"), [((6,), (5,)), ((4, 6), (2, 5))], ids=_case_id)
def test_torch_nearest_downscale_by_one(torch, in_size, out_size):
    """6 -> 5 with floor: the source indices floor(o * 6 / 5) are 0, 1, 2, 3, 4, an index table
    that looks like the identity but drops the last input (regression: fastup once skipped it)."""
    x = _data((1, 2, *in_size), np.float32, "nearest-by-one")
    expected = _interpolate(torch, x, size=out_size, mode="nearest")
    got = fastup.resize(
        x, out_size, mode="nearest", coordinate_mode="asymmetric", nearest_mode="floor"
    )
    _assert_equal(got, expected, x)


@pytest.mark.parametrize(
    ("mode", "in_len", "out_len", "o"),
    [
        # 11 * 26 / 22 = 13 exactly, but float32(26 / 22) = 1.18181813 < 26 / 22 and the float32
        # product 11 * 1.18181813 = 12.9999990, so torch copies input 12 where the exact
        # asymmetric + floor index is 13 (the smallest such case by max(in, out)).
        ("nearest", 26, 22, 11),
        # (11 + 0.5) * 14 / 23 = 7 exactly; float32: 11.5 * 0.608695626 = 6.99999952 -> 6.
        ("nearest-exact", 14, 23, 11),
    ],
)
def test_torch_nearest_index_rounding(torch, mode, in_len, out_len, o):
    """Known difference: torch's float32 source index is one low at these exact ties; fastup
    computes the index from the integers and follows the definition."""
    x = np.arange(in_len, dtype=np.float32).reshape(1, 1, in_len)
    peer = _interpolate(torch, x, size=out_len, mode=mode)[0, 0]
    if mode == "nearest":
        got = fastup.resize(
            x, out_len, mode="nearest", coordinate_mode="asymmetric", nearest_mode="floor"
        )[0, 0]
        exact = o * in_len // out_len
        position = np.float32(o)
    else:
        got = fastup.resize(
            x,
            out_len,
            mode="nearest",
            coordinate_mode="half_pixel",
            nearest_mode="round_prefer_ceil",
        )[0, 0]
        exact = (2 * o + 1) * in_len // (2 * out_len)
        position = np.float32(o + 0.5)
    assert got[o] == exact
    assert peer[o] == exact - 1
    assert peer[o] == math.floor(position * (np.float32(in_len) / np.float32(out_len)))
    others = np.arange(out_len) != o
    np.testing.assert_array_equal(got[others], peer[others])


@pytest.mark.parametrize("dtype", FLOATS, ids=_case_id)
@pytest.mark.parametrize("align_corners", [False, True], ids=["half_pixel", "align_corners"])
@pytest.mark.parametrize(("in_size", "out_size"), TORCH_SIZES, ids=_case_id)
def test_torch_linear(torch, in_size, out_size, align_corners, dtype):
    """linear / bilinear / trilinear: align_corners=False == half_pixel, True == align_corners."""
    x = _data((2, 3, *in_size), dtype, "linear", align_corners)
    mode = _LINEAR_BY_RANK[len(in_size)]
    expected = _interpolate(torch, x, size=out_size, mode=mode, align_corners=align_corners)
    got = fastup.resize(
        x, out_size, mode=mode, coordinate_mode="align_corners" if align_corners else "half_pixel"
    )
    _assert_close(got, expected, x)


@pytest.mark.parametrize("dtype", FLOATS, ids=_case_id)
@pytest.mark.parametrize("align_corners", [False, True], ids=["half_pixel", "align_corners"])
@pytest.mark.parametrize(("in_size", "out_size"), TORCH_SIZES_2D, ids=_case_id)
def test_torch_bicubic(torch, in_size, out_size, align_corners, dtype):
    """bicubic == cubic with a = -0.75, edge taps clamped (exclude_outside=False)."""
    x = _data((2, 3, *in_size), dtype, "bicubic", align_corners)
    expected = _interpolate(torch, x, size=out_size, mode="bicubic", align_corners=align_corners)
    got = fastup.resize(
        x,
        out_size,
        mode="cubic",
        cubic_a=-0.75,
        coordinate_mode="align_corners" if align_corners else "half_pixel",
    )
    _assert_close(got, expected, x)


_TORCH_AA = {
    "bilinear": dict(mode="linear"),
    "bicubic": dict(mode="cubic", cubic_a=-0.5),
}


@pytest.mark.parametrize("dtype", FLOATS, ids=_case_id)
@pytest.mark.parametrize("mode", list(_TORCH_AA))
@pytest.mark.parametrize(("in_size", "out_size"), TORCH_SIZES_2D, ids=_case_id)
def test_torch_antialias(torch, in_size, out_size, mode, dtype):
    """antialias=True == antialias + exclude_outside (+ cubic_a=-0.5 for bicubic), half_pixel;
    upscaled axes fall back to the plain kernel, with exclude_outside still applied."""
    x = _data((2, 3, *in_size), dtype, "aa", mode)
    expected = _interpolate(torch, x, size=out_size, mode=mode, antialias=True)
    got = fastup.resize(x, out_size, antialias=True, exclude_outside=True, **_TORCH_AA[mode])
    _assert_close(got, expected, x)


def test_torch_antialias_align_corners_has_no_fastup_equivalent(torch):
    """Known difference: with antialias=True and align_corners=True torch samples at
    (o + 0.5) * (in - 1) / (out - 1) - 0.5 with the kernel stretched by (in - 1) / (out - 1):
    neither half_pixel nor align_corners. Pin that formula so the docs stay right."""
    x = _data((1, 1, 1, 13), np.float64, "aa-ac")
    row = x[0, 0, 0]
    L, M = 13, 5
    scale = (L - 1) / (M - 1)
    expected = np.empty(M)
    for o in range(M):
        centre = (o + 0.5) * scale  # in pixel-edge coordinates
        taps = np.arange(L)
        w = np.maximum(0.0, 1.0 - np.abs((taps + 0.5 - centre) / scale))
        expected[o] = row @ (w / w.sum())
    peer = _interpolate(torch, x, size=(1, M), mode="bilinear", antialias=True, align_corners=True)[
        0, 0, 0
    ]
    np.testing.assert_allclose(peer, expected, rtol=0, atol=1e-12)
    for coordinate_mode in ("half_pixel", "align_corners"):
        got = fastup.resize(
            x,
            (1, M),
            mode="linear",
            antialias=True,
            exclude_outside=True,
            coordinate_mode=coordinate_mode,
        )[0, 0, 0]
        assert np.abs(got - peer).max() > 1e-3


# scale factors per spatial axis: integer, fractional, up and down on the same array
TORCH_SCALES = [(2.0, 2.0), (0.5, 0.5), (1.5, 0.75), (3.0, 0.3), (1.7, 2.3), (0.45, 1.25)]
_TORCH_SCALE_MODES = {
    "nearest": (
        dict(mode="nearest"),
        dict(mode="nearest", coordinate_mode="asymmetric", nearest_mode="floor"),
    ),
    "nearest-exact": (
        dict(mode="nearest-exact"),
        dict(mode="nearest", coordinate_mode="half_pixel", nearest_mode="round_prefer_ceil"),
    ),
    "bilinear": (dict(mode="bilinear"), dict(mode="linear")),
    "bilinear-align_corners": (
        dict(mode="bilinear", align_corners=True),
        dict(mode="linear", coordinate_mode="align_corners"),
    ),
    "bicubic": (dict(mode="bicubic"), dict(mode="cubic")),
    "bicubic-align_corners": (
        dict(mode="bicubic", align_corners=True),
        dict(mode="cubic", coordinate_mode="align_corners"),
    ),
    "bilinear-antialias": (
        dict(mode="bilinear", antialias=True),
        dict(mode="linear", antialias=True, exclude_outside=True),
    ),
    "bicubic-antialias": (
        dict(mode="bicubic", antialias=True),
        dict(mode="cubic", cubic_a=-0.5, antialias=True, exclude_outside=True),
    ),
}


@pytest.mark.parametrize("recompute", [None, False], ids=["recompute=None", "recompute=False"])
@pytest.mark.parametrize("mode", list(_TORCH_SCALE_MODES))
@pytest.mark.parametrize("scale", TORCH_SCALES, ids=_case_id)
def test_torch_scale_factor(torch, scale, mode, recompute):
    """scale_factor= with recompute_scale_factor None/False == fastup scale= (output length
    floor(in * scale), coordinates from the scale itself, not from out / in)."""
    torch_kwargs, fastup_kwargs = _TORCH_SCALE_MODES[mode]
    x = _data((2, 3, 13, 10), np.float32, "scale", scale, mode)
    expected = _interpolate(
        torch, x, scale_factor=scale, recompute_scale_factor=recompute, **torch_kwargs
    )
    got = fastup.resize(x, scale=scale, **fastup_kwargs)
    if mode.startswith("nearest"):
        _assert_equal(got, expected, x)
    else:
        _assert_close(got, expected, x)


@pytest.mark.parametrize("mode", ["nearest", "bilinear", "bicubic-antialias"])
@pytest.mark.parametrize("scale", [(1.7, 2.3), (0.45, 1.25)], ids=_case_id)
def test_torch_scale_factor_recomputed(torch, scale, mode):
    """recompute_scale_factor=True: torch takes the lengths floor(in * scale) and then maps
    coordinates with out / in, which is fastup size= with those lengths."""
    torch_kwargs, fastup_kwargs = _TORCH_SCALE_MODES[mode]
    x = _data((2, 3, 13, 10), np.float32, "recompute", scale, mode)
    expected = _interpolate(
        torch, x, scale_factor=scale, recompute_scale_factor=True, **torch_kwargs
    )
    size = tuple(math.floor(n * s) for n, s in zip(x.shape[2:], scale, strict=True))
    got = fastup.resize(x, size, **fastup_kwargs)
    if mode == "nearest":
        _assert_equal(got, expected, x)
    else:
        _assert_close(got, expected, x)
        # and the scale= call (coordinates from the scale) is a different resize
        assert np.abs(got - fastup.resize(x, scale=scale, **fastup_kwargs)).max() > 1e-3


@pytest.mark.parametrize(
    ("shape", "scale", "mode"),
    [
        ((2, 3, 11), 1.7, "linear"),
        ((2, 3, 11), 0.6, "nearest"),
        ((1, 2, 5, 7, 3), 2.5, "trilinear"),
        ((1, 2, 5, 7, 3), 0.7, "nearest"),
    ],
    ids=_case_id,
)
def test_torch_scalar_scale_factor(torch, shape, scale, mode):
    """One float scale: fastup's default axes are every axis after N, C, as in torch."""
    x = _data(shape, np.float32, "scalar-scale", mode)
    expected = _interpolate(torch, x, scale_factor=scale, mode=mode)
    if mode == "nearest":
        got = fastup.resize(
            x, scale=scale, mode="nearest", coordinate_mode="asymmetric", nearest_mode="floor"
        )
        _assert_equal(got, expected, x)
    else:
        got = fastup.resize(x, scale=scale, mode=mode)
        _assert_close(got, expected, x)


# integer factors only: torch's 'area' is adaptive average pooling (uniform weights over whole
# input pixels), which is the exact-overlap average only when every box covers whole pixels
TORCH_AREA_SIZES = [
    ((12,), (4,)),
    ((12, 18), (4, 6)),
    ((12, 18), (6, 3)),
    ((8, 12, 6), (4, 3, 2)),
    ((4, 6), (8, 18)),  # integer upscaling: every box lies inside one input pixel
    ((12, 5), (3, 10)),  # down on one axis, up on the other
]


@pytest.mark.parametrize("dtype", FLOATS, ids=_case_id)
@pytest.mark.parametrize(("in_size", "out_size"), TORCH_AREA_SIZES, ids=_case_id)
def test_torch_area_integer_factors(torch, in_size, out_size, dtype):
    x = _data((2, 3, *in_size), dtype, "area")
    expected = _interpolate(torch, x, size=out_size, mode="area")
    got = fastup.resize(x, out_size, mode="area")
    _assert_close(got, expected, x)


def test_torch_area_non_integer_factor_differs(torch):
    """Known difference, 3 -> 2: torch averages whole pixels ([x0, x1] and [x1, x2]); fastup
    weighs the exact overlap of the 1.5-pixel boxes ([x0 + x1 / 2] and [x1 / 2 + x2], / 1.5)."""
    x = np.array([[[0.0, 3.0, 6.0]]])
    peer = _interpolate(torch, x, size=2, mode="area")[0, 0]
    got = fastup.resize(x, 2, mode="area")[0, 0]
    np.testing.assert_allclose(peer, [1.5, 4.5], rtol=0, atol=1e-12)
    np.testing.assert_allclose(got, [1.0, 5.0], rtol=0, atol=1e-12)


# --------------------------------------------------------------------------------------------
# OpenCV: cv2.resize on (H, W) and (H, W, C); dsize is (W, H)
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cv2():
    return pytest.importorskip("cv2")


def _cv2_resize(cv2, x: np.ndarray, out_hw: tuple[int, int], flag: int) -> np.ndarray:
    y = cv2.resize(x, (out_hw[1], out_hw[0]), interpolation=flag)
    return y.reshape(out_hw + x.shape[2:])  # cv2 drops a trailing channel axis of length 1


# (H, W) -> (H', W'). OpenCV's INTER_NEAREST computes floor(o * (1 / (out / in))) in double,
# which can miss an exact integer (test_cv2_nearest_index_rounding): every pair here is coprime,
# so o * in / out is never an integer for o > 0.
CV2_SIZES = [
    ((7, 10), (13, 17)),
    ((13, 16), (7, 9)),
    ((37, 40), (64, 67)),
    ((64, 67), (37, 39)),
    ((3, 5), (17, 19)),
    ((17, 20), (3, 7)),
    ((9, 31), (23, 4)),
]
CV2_CHANNELS = [None, 1, 3, 4]
CV2_DTYPES = [np.float32, np.uint8]
# cv2 flag name -> fastup arguments (axes=(0, 1) added by the tests)
_CV2_MODES = {
    "INTER_NEAREST": dict(mode="nearest", coordinate_mode="asymmetric", nearest_mode="floor"),
    "INTER_LINEAR": dict(mode="linear", coordinate_mode="half_pixel"),
    "INTER_CUBIC": dict(mode="cubic", cubic_a=-0.75),
}


def _cv2_shape(hw: tuple[int, int], channels: int | None) -> tuple[int, ...]:
    return hw if channels is None else (*hw, channels)


@pytest.mark.parametrize("dtype", CV2_DTYPES, ids=_case_id)
@pytest.mark.parametrize("channels", CV2_CHANNELS, ids=lambda c: "HW" if c is None else f"C{c}")
@pytest.mark.parametrize("flag", list(_CV2_MODES))
@pytest.mark.parametrize(("in_hw", "out_hw"), CV2_SIZES, ids=_case_id)
def test_cv2(cv2, in_hw, out_hw, flag, channels, dtype):
    x = _data(_cv2_shape(in_hw, channels), dtype, "cv2", flag)
    expected = _cv2_resize(cv2, x, out_hw, getattr(cv2, flag))
    got = fastup.resize(x, out_hw, axes=(0, 1), **_CV2_MODES[flag])
    if flag == "INTER_NEAREST":
        _assert_equal(got, expected, x)
    else:
        _assert_close(got, expected, x)


# INTER_AREA: the exact-overlap average when both axes shrink (integer factors take OpenCV's fast
# path); when both grow OpenCV uses 2-tap weights built from the same box overlaps, which is
# fastup's 'area' again. One axis up and the other down differs (test_cv2_area_mixed_differs).
CV2_AREA_SIZES = [
    ((13, 16), (7, 9)),
    ((64, 67), (37, 39)),
    ((17, 20), (3, 7)),
    ((24, 36), (8, 9)),
    ((24, 36), (12, 18)),
    ((7, 10), (13, 17)),
    ((5, 8), (10, 24)),
    ((9, 31), (23, 31)),
]


@pytest.mark.parametrize("dtype", CV2_DTYPES, ids=_case_id)
@pytest.mark.parametrize("channels", CV2_CHANNELS, ids=lambda c: "HW" if c is None else f"C{c}")
@pytest.mark.parametrize(("in_hw", "out_hw"), CV2_AREA_SIZES, ids=_case_id)
def test_cv2_area(cv2, in_hw, out_hw, channels, dtype):
    x = _data(_cv2_shape(in_hw, channels), dtype, "cv2-area")
    expected = _cv2_resize(cv2, x, out_hw, cv2.INTER_AREA)
    got = fastup.resize(x, out_hw, axes=(0, 1), mode="area")
    _assert_close(got, expected, x)


def test_cv2_area_mixed_differs(cv2):
    """Known difference: with one axis growing (here H, 2 -> 3), OpenCV's INTER_AREA is not an
    average on the shrinking axis (W, 31 -> 4) either: it interpolates two taps,
    x[sx] (1 - f) + x[sx + 1] f with sx = floor(o * 31 / 4), f = frac((o + 1) - (sx + 1) * 4 / 31).
    fastup's 'area' averages each 7.75-pixel box."""
    x = np.arange(31, dtype=np.float64)[None, :].repeat(2, axis=0)
    peer = _cv2_resize(cv2, x, (3, 4), cv2.INTER_AREA)[0]
    got = fastup.resize(x, (3, 4), axes=(0, 1), mode="area")[0]
    o = np.arange(4)
    sx = np.floor(o * 31 / 4)
    f = (o + 1) - (sx + 1) * 4 / 31
    np.testing.assert_allclose(peer, sx + f - np.floor(f), rtol=0, atol=1e-6)  # float weights
    j = np.arange(31)
    overlap = np.clip(
        np.minimum(j + 1, (o[:, None] + 1) * 31 / 4) - np.maximum(j, o[:, None] * 31 / 4), 0, None
    )
    np.testing.assert_allclose(got, overlap @ j / (31 / 4), rtol=0, atol=1e-12)


@pytest.mark.parametrize(("in_len", "out_len"), [(13, 29), (29, 13)])
def test_cv2_lanczos4_has_no_fastup_equivalent(cv2, in_len, out_len):
    """Known difference: INTER_LANCZOS4 is Lanczos-4 (sinc(t) sinc(t / 4), 8 taps, normalised,
    half_pixel, edge taps clamped, never stretched); fastup's 'lanczos' is Lanczos-3. Pin
    OpenCV's kernel with a float64 reference and show that fastup's lanczos is another one."""
    row = _data((in_len,), np.float64, "lanczos4")
    x = np.repeat(row[None].astype(np.float32), 2, axis=0)
    peer = _cv2_resize(cv2, x, (2, out_len), cv2.INTER_LANCZOS4)[0]
    expected = np.empty(out_len)
    for o in range(out_len):
        source = (o + 0.5) * in_len / out_len - 0.5
        taps = np.floor(source) + np.arange(-3, 5)
        t = taps - source
        w = np.sinc(t) * np.sinc(t / 4)
        expected[o] = row[np.clip(taps, 0, in_len - 1).astype(int)] @ (w / w.sum())
    np.testing.assert_allclose(peer, expected, rtol=0, atol=1e-5)
    lanczos3 = fastup.resize(row, out_len, mode="lanczos")
    assert np.abs(lanczos3 - expected).max() > 1e-2


@pytest.mark.parametrize("channels", CV2_CHANNELS, ids=lambda c: "HW" if c is None else f"C{c}")
@pytest.mark.parametrize(("in_hw", "out_hw"), CV2_SIZES, ids=_case_id)
def test_cv2_linear_exact(cv2, in_hw, out_hw, channels):
    """INTER_LINEAR_EXACT (uint8 only): the same half_pixel linear, bit-exact fixed point."""
    x = _data(_cv2_shape(in_hw, channels), np.uint8, "cv2-linear-exact")
    expected = _cv2_resize(cv2, x, out_hw, cv2.INTER_LINEAR_EXACT)
    got = fastup.resize(x, out_hw, axes=(0, 1), mode="linear")
    _assert_close(got, expected, x)


# INTER_NEAREST_EXACT (and Pillow's NEAREST) walk the source coordinate as a running double sum
# in / out * 0.5 + in / out + ... and truncate; only exact ties (even input lengths) can differ
# from half_pixel + round_prefer_ceil (test_cv2_nearest_exact_index_rounding), so the input
# lengths here are odd, or the ratio a power of two
CV2_ODD_SIZES = [
    ((7, 11), (13, 17)),
    ((13, 15), (7, 9)),
    ((37, 41), (64, 66)),
    ((65, 67), (37, 40)),
    ((3, 5), (17, 20)),
    ((9, 31), (24, 4)),
    # even factors 2 and 4: every source is a tie, and the running sum is exact (dyadic), so
    # these check the round-half-up of round_prefer_ceil
    ((8, 12), (4, 3)),
]


@pytest.mark.parametrize("dtype", CV2_DTYPES, ids=_case_id)
@pytest.mark.parametrize("channels", CV2_CHANNELS, ids=lambda c: "HW" if c is None else f"C{c}")
@pytest.mark.parametrize(("in_hw", "out_hw"), CV2_ODD_SIZES, ids=_case_id)
def test_cv2_nearest_exact(cv2, in_hw, out_hw, channels, dtype):
    x = _data(_cv2_shape(in_hw, channels), dtype, "cv2-nearest-exact")
    expected = _cv2_resize(cv2, x, out_hw, cv2.INTER_NEAREST_EXACT)
    got = fastup.resize(
        x,
        out_hw,
        axes=(0, 1),
        mode="nearest",
        coordinate_mode="half_pixel",
        nearest_mode="round_prefer_ceil",
    )
    _assert_equal(got, expected, x)


@pytest.mark.parametrize(
    ("fy", "fx", "flag"),
    [
        (1.7, 0.43, "INTER_LINEAR"),
        (2.4, 1.3, "INTER_CUBIC"),
        (0.55, 1.5, "INTER_NEAREST"),
        (0.42, 0.3, "INTER_AREA"),
        (1.25, 2.2, "INTER_AREA"),
    ],
    ids=_case_id,
)
def test_cv2_fx_fy(cv2, fy, fx, flag):
    """dsize=None with fx, fy: OpenCV maps coordinates with fx, fy themselves (fastup scale=) and
    takes the output length round(in * f); the input lengths (13, 10) here make round == floor."""
    x = _data((13, 10, 3), np.float32, "cv2-fxfy", flag)
    assert all(n * f % 1 < 0.5 for n, f in zip(x.shape[:2], (fy, fx), strict=True))
    expected = cv2.resize(x, None, fx=fx, fy=fy, interpolation=getattr(cv2, flag))
    kwargs = dict(mode="area") if flag == "INTER_AREA" else _CV2_MODES[flag]
    got = fastup.resize(x, scale=(fy, fx), axes=(0, 1), **kwargs)
    if flag == "INTER_NEAREST":
        _assert_equal(got, expected, x)
    else:
        _assert_close(got, expected, x)


def test_cv2_nearest_downscale_by_one(cv2):
    """9 x 6 -> 8 x 5: floor source indices 0 .. L-2 (see test_torch_nearest_downscale_by_one)."""
    x = _data((9, 6, 3), np.uint8, "cv2-by-one")
    expected = _cv2_resize(cv2, x, (8, 5), cv2.INTER_NEAREST)
    got = fastup.resize(
        x, (8, 5), axes=(0, 1), mode="nearest", coordinate_mode="asymmetric", nearest_mode="floor"
    )
    _assert_equal(got, expected, x)


def test_cv2_nearest_index_rounding(cv2):
    """Known difference, 14 -> 18: 9 * 14 / 18 = 7 exactly, but OpenCV's INTER_NEAREST computes
    floor(9 * (1.0 / (18 / 14))) = floor(6.999...) = 6 in double; fastup copies input 7."""
    x = np.arange(14, dtype=np.float32)[None, :].repeat(2, axis=0)
    peer = _cv2_resize(cv2, x, (2, 18), cv2.INTER_NEAREST)[0]
    got = fastup.resize(
        x, (2, 18), axes=(0, 1), mode="nearest", coordinate_mode="asymmetric", nearest_mode="floor"
    )[0]
    assert got[9] == 7
    assert peer[9] == 6 == math.floor(9 * (1.0 / (18 / 14)))
    others = np.arange(18) != 9
    np.testing.assert_array_equal(got[others], peer[others])


def test_cv2_nearest_exact_index_rounding(cv2):
    """Known difference, 4 -> 6: source of output 4 is (4 + 0.5) * 4 / 6 = 3 exactly, a tie that
    half_pixel + round_prefer_ceil takes up (input 3); OpenCV's running sum
    2/3 * 0.5 + 4 * (2/3) = 2.999... in double truncates to 2."""
    x = np.arange(4, dtype=np.float32)[None, :].repeat(2, axis=0)
    peer = _cv2_resize(cv2, x, (2, 6), cv2.INTER_NEAREST_EXACT)[0]
    got = fastup.resize(
        x,
        (2, 6),
        axes=(0, 1),
        mode="nearest",
        coordinate_mode="half_pixel",
        nearest_mode="round_prefer_ceil",
    )[0]
    np.testing.assert_array_equal(got, [0, 1, 1, 2, 3, 3])
    np.testing.assert_array_equal(peer, [0, 1, 1, 2, 2, 3])


# --------------------------------------------------------------------------------------------
# Pillow: Image.resize on L, RGB (uint8) and F (float32) images; size is (W, H)
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def Image():
    return pytest.importorskip("PIL.Image")


PIL_SIZES = [
    ((7, 10), (13, 17)),
    ((13, 16), (7, 9)),
    ((37, 40), (64, 66)),
    ((64, 67), (37, 39)),
    ((3, 6), (17, 19)),
    ((17, 20), (3, 5)),
    ((100, 7), (9, 31)),
]
# Pillow filter -> fastup arguments; every Pillow filter drops outside taps and renormalises,
# and stretches the kernel by in / out when downscaling
_PIL_MODES = {
    "BILINEAR": dict(mode="linear"),
    "BICUBIC": dict(mode="cubic", cubic_a=-0.5),
    "LANCZOS": dict(mode="lanczos"),
}
_PIL_COMMON = dict(antialias=True, exclude_outside=True, coordinate_mode="half_pixel")


def _pil_resize(Image, x: np.ndarray, out_hw: tuple[int, int], flt: str) -> np.ndarray:
    image = Image.fromarray(x)
    return np.asarray(image.resize((out_hw[1], out_hw[0]), resample=getattr(Image, flt)))


@pytest.mark.parametrize("flt", list(_PIL_MODES))
@pytest.mark.parametrize(("in_hw", "out_hw"), PIL_SIZES, ids=_case_id)
def test_pillow_float(Image, in_hw, out_hw, flt):
    """Mode 'F' (float32): Pillow computes in double with float32 storage."""
    x = _data(in_hw, np.float32, "pil-F", flt)
    expected = _pil_resize(Image, x, out_hw, flt)
    got = fastup.resize(x, out_hw, axes=(0, 1), **_PIL_MODES[flt], **_PIL_COMMON)
    _assert_close(got, expected, x)


@pytest.mark.parametrize("channels", [None, 3], ids=["L", "RGB"])
@pytest.mark.parametrize(("in_hw", "out_hw"), PIL_SIZES, ids=_case_id)
def test_pillow_uint8_bilinear(Image, in_hw, out_hw, channels):
    x = _data(_cv2_shape(in_hw, channels), np.uint8, "pil-u8-bilinear")
    expected = _pil_resize(Image, x, out_hw, "BILINEAR")
    got = fastup.resize(x, out_hw, axes=(0, 1), mode="linear", **_PIL_COMMON)
    _assert_close(got, expected, x)


@pytest.mark.parametrize("channels", [None, 3], ids=["L", "RGB"])
@pytest.mark.parametrize("flt", ["BICUBIC", "LANCZOS"])
@pytest.mark.parametrize(("in_hw", "out_hw"), PIL_SIZES, ids=_case_id)
def test_pillow_uint8_in_range(Image, in_hw, out_hw, flt, channels):
    """uint8 BICUBIC / LANCZOS, one fastup call, on values in [48, 207]: no overshoot reaches
    0 or 255, so Pillow's 8-bit intermediate (see the xfail below) never clips."""
    x = _data(_cv2_shape(in_hw, channels), np.uint8, "pil-u8-mid", flt, low=48, high=207)
    expected = _pil_resize(Image, x, out_hw, flt)
    got = fastup.resize(x, out_hw, axes=(0, 1), **_PIL_MODES[flt], **_PIL_COMMON)
    _assert_close(got, expected, x)


@pytest.mark.xfail(
    strict=True,
    reason="Pillow resamples uint8 images in two passes, horizontal first, and stores the "
    "intermediate as an 8-bit image (clip8 in libImaging/Resample.c), so BICUBIC / LANCZOS "
    "overshoot is clipped to [0, 255] between the passes; fastup keeps the intermediate "
    "unclipped, with fraction bits. Reproduced by two fastup calls "
    "(test_pillow_uint8_two_pass).",
)
@pytest.mark.parametrize("channels", [None, 3], ids=["L", "RGB"])
@pytest.mark.parametrize("flt", ["BICUBIC", "LANCZOS"])
@pytest.mark.parametrize(
    ("in_hw", "out_hw"), [((7, 10), (13, 17)), ((37, 40), (64, 66))], ids=_case_id
)
def test_pillow_uint8_full_range_one_call(Image, in_hw, out_hw, flt, channels):
    x = _data(_cv2_shape(in_hw, channels), np.uint8, "pil-u8-full", flt)
    expected = _pil_resize(Image, x, out_hw, flt)
    got = fastup.resize(x, out_hw, axes=(0, 1), **_PIL_MODES[flt], **_PIL_COMMON)
    _assert_close(got, expected, x)


def _pillow_vertical_first(Image, in_hw, out_hw) -> bool:
    """Which pass Pillow runs first on these sizes. Width first, except that since Pillow 13
    (python-pillow/Pillow#9549) an image whose height shrinks much more than its width is
    resized vertically first; of PIL_SIZES that is 100 x 7 -> 9 x 31 only."""
    major = int(Image.__version__.split(".")[0])
    return major >= 13 and (in_hw, out_hw) == ((100, 7), (9, 31))


@pytest.mark.parametrize("channels", [None, 3], ids=["L", "RGB"])
@pytest.mark.parametrize("flt", list(_PIL_MODES))
@pytest.mark.parametrize(("in_hw", "out_hw"), PIL_SIZES, ids=_case_id)
def test_pillow_uint8_two_pass(Image, in_hw, out_hw, flt, channels):
    """Pillow's uint8 path as it runs: one axis into a uint8 image, then the other."""
    x = _data(_cv2_shape(in_hw, channels), np.uint8, "pil-u8-two-pass", flt)
    expected = _pil_resize(Image, x, out_hw, flt)
    kwargs = dict(**_PIL_MODES[flt], **_PIL_COMMON)
    if _pillow_vertical_first(Image, in_hw, out_hw):
        got = fastup.resize(
            fastup.resize(x, out_hw[0], axes=0, **kwargs), out_hw[1], axes=1, **kwargs
        )
    else:
        got = fastup.resize(
            fastup.resize(x, out_hw[1], axes=1, **kwargs), out_hw[0], axes=0, **kwargs
        )
    _assert_close(got, expected, x)


PIL_BOX_SIZES = [((16, 20), (4, 5)), ((12, 12), (4, 6)), ((9, 15), (3, 5)), ((4, 5), (8, 15))]


@pytest.mark.parametrize(("in_hw", "out_hw"), PIL_BOX_SIZES, ids=_case_id)
def test_pillow_box_integer_factors(Image, in_hw, out_hw):
    """BOX weighs whole input pixels whose centres fall in the box, so it is 'area' only for
    integer factors (up or down)."""
    x = _data(in_hw, np.float32, "pil-box")
    expected = _pil_resize(Image, x, out_hw, "BOX")
    got = fastup.resize(x, out_hw, axes=(0, 1), mode="area")
    _assert_close(got, expected, x)


@pytest.mark.parametrize("channels", [None, 3], ids=["L", "RGB"])
@pytest.mark.parametrize(("in_hw", "out_hw"), CV2_ODD_SIZES, ids=_case_id)
def test_pillow_nearest(Image, in_hw, out_hw, channels):
    """NEAREST == half_pixel + round_prefer_ceil away from exact ties (odd input lengths; the
    running-sum arithmetic of test_cv2_nearest_exact_index_rounding is Pillow's)."""
    x = _data(_cv2_shape(in_hw, channels), np.uint8, "pil-nearest")
    expected = _pil_resize(Image, x, out_hw, "NEAREST")
    got = fastup.resize(
        x,
        out_hw,
        axes=(0, 1),
        mode="nearest",
        coordinate_mode="half_pixel",
        nearest_mode="round_prefer_ceil",
    )
    _assert_equal(got, expected, x)


def test_pillow_nearest_index_rounding(Image):
    """Known difference, 4 -> 6, as OpenCV's INTER_NEAREST_EXACT: Pillow's running double sum
    puts output 4 at 2.999... and copies input 2; the exact source 3 is a tie taken up."""
    x = np.arange(4, dtype=np.uint8)[None, :].repeat(2, axis=0)
    peer = _pil_resize(Image, x, (2, 6), "NEAREST")[0]
    got = fastup.resize(
        x,
        (2, 6),
        axes=(0, 1),
        mode="nearest",
        coordinate_mode="half_pixel",
        nearest_mode="round_prefer_ceil",
    )[0]
    np.testing.assert_array_equal(got, [0, 1, 1, 2, 3, 3])
    np.testing.assert_array_equal(peer, [0, 1, 1, 2, 2, 3])


# --------------------------------------------------------------------------------------------
# ONNX Runtime: one-node Resize (opset 19) models, float32
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ort_resize():
    onnx = pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    from onnx import TensorProto, helper

    def run(x, *, sizes=None, scales=None, roi=None, **attributes):
        rank = x.ndim
        n = len(sizes if sizes is not None else scales)
        inputs = [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None] * rank)]
        feeds = {"X": x}
        names = ["X", "", "", ""]
        if roi is not None:
            names[1] = "roi"
            feeds["roi"] = np.asarray(roi, np.float32)
            inputs.append(helper.make_tensor_value_info("roi", TensorProto.FLOAT, [2 * n]))
        if sizes is not None:
            names[3] = "sizes"
            feeds["sizes"] = np.asarray(sizes, np.int64)
            inputs.append(helper.make_tensor_value_info("sizes", TensorProto.INT64, [n]))
        else:
            names[2] = "scales"
            feeds["scales"] = np.asarray(scales, np.float32)
            inputs.append(helper.make_tensor_value_info("scales", TensorProto.FLOAT, [n]))
        while names[-1] == "":
            names.pop()
        node = helper.make_node("Resize", names, ["Y"], **attributes)
        graph = helper.make_graph(
            [node],
            "resize",
            inputs,
            [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [None] * rank)],
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
        model.ir_version = 9
        onnx.checker.check_model(model)
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        session = ort.InferenceSession(
            model.SerializeToString(), options, providers=["CPUExecutionProvider"]
        )
        return session.run(None, feeds)[0]

    return run


def _f32(values):
    """The float32 values an ONNX scales tensor really holds, as Python floats."""
    return [float(np.float32(v)) for v in values]


_ORT_COORDS = [
    "half_pixel",
    "half_pixel_symmetric",
    "pytorch_half_pixel",
    "align_corners",
    "asymmetric",
]
# (X shape, sizes or scales) on axes (2, 3): up on one axis and down on the other. ONNX Runtime
# computes source coordinates in float32, so an exact nearest tie can go either way; the scales
# (1.85, 0.65) keep every source coordinate of 7 -> 12 and 10 -> 6 at least 0.01 away from the
# ties of every coordinate mode and nearest mode (with (1.7, 0.45), half_pixel 7 -> 11 puts
# output 8 at 8.5 / 1.7 - 0.5 = 4.5 exactly: float32 arithmetic lands on the tie, the float64
# value of float32(1.7) just below it).
# "ties": 7 -> 14 and 10 -> 5 put many sources exactly on ties (x.5 or integers), exactly
# representable in float32, so the four nearest modes all differ there.
_ORT_SPECS = {
    "sizes": ((2, 3, 7, 10), dict(sizes=(13, 4))),
    "scales": ((2, 3, 7, 10), dict(scales=(1.85, 0.65))),
    "ties": ((2, 3, 7, 10), dict(sizes=(14, 5))),
}


def _ort_cases():
    cases = []
    for coord in _ORT_COORDS:
        for nearest in ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil"):
            cases.append(
                dict(mode="nearest", coordinate_transformation_mode=coord, nearest_mode=nearest)
            )
        for antialias, exclude in ((0, 0), (1, 0), (1, 1)):  # ORT: exclude needs antialias here
            cases.append(
                dict(
                    mode="linear",
                    coordinate_transformation_mode=coord,
                    antialias=antialias,
                    exclude_outside=exclude,
                )
            )
        for a, antialias, exclude in ((-0.75, 0, 0), (-0.5, 0, 1), (-0.5, 1, 1), (-0.75, 1, 0)):
            cases.append(
                dict(
                    mode="cubic",
                    coordinate_transformation_mode=coord,
                    cubic_coeff_a=a,
                    antialias=antialias,
                    exclude_outside=exclude,
                )
            )
    return cases


def _ort_id(attrs: dict) -> str:
    short = {
        "coordinate_transformation_mode": "",
        "nearest_mode": "",
        "cubic_coeff_a": "a=",
        "antialias": "aa=",
        "exclude_outside": "ex=",
        "keep_aspect_ratio_policy": "",
        "extrapolation_value": "ev=",
        "mode": "",
    }
    return "-".join(f"{short.get(k, k + '=')}{v}" for k, v in attrs.items())


def _fastup_kwargs(attrs: dict) -> dict:
    """ONNX attribute names -> fastup keywords (the values carry over unchanged)."""
    names = {
        "mode": "mode",
        "coordinate_transformation_mode": "coordinate_mode",
        "nearest_mode": "nearest_mode",
        "cubic_coeff_a": "cubic_a",
        "exclude_outside": "exclude_outside",
        "antialias": "antialias",
        "keep_aspect_ratio_policy": "size_policy",
        "extrapolation_value": "extrapolation_value",
        "axes": "axes",
    }
    kwargs = {names[k]: v for k, v in attrs.items()}
    for flag in ("exclude_outside", "antialias"):
        if flag in kwargs:
            kwargs[flag] = bool(kwargs[flag])
    if "cubic_a" in kwargs:
        kwargs["cubic_a"] = float(np.float32(kwargs["cubic_a"]))
    return kwargs


@pytest.mark.parametrize("spec", list(_ORT_SPECS))
@pytest.mark.parametrize("attrs", _ort_cases(), ids=_ort_id)
def test_onnxruntime(ort_resize, attrs, spec):
    shape, given = _ORT_SPECS[spec]
    x = _data(shape, np.float32, "ort", _ort_id(attrs), spec)
    expected = ort_resize(x, axes=[2, 3], **given, **attrs)
    if "scales" in given:
        got = fastup.resize(x, scale=_f32(given["scales"]), axes=(2, 3), **_fastup_kwargs(attrs))
    else:
        got = fastup.resize(x, given["sizes"], axes=(2, 3), **_fastup_kwargs(attrs))
    if attrs["mode"] == "nearest":
        _assert_equal(got, expected, x)
    else:
        _assert_close(got, expected, x)


# tf_crop_and_resize: roi per axis (start, end) in normalised coordinates; ONNX packs it as
# [starts..., ends...]. Values are exact in float32.
_ORT_CROPS = [
    dict(mode="linear", roi=((0.25, 0.875), (-0.25, 1.25)), sizes=(9, 8), extrapolation_value=-7.0),
    dict(mode="linear", roi=((0.875, 0.125), (0.5, 0.5)), sizes=(6, 1), extrapolation_value=0.0),
    dict(
        mode="cubic",
        roi=((-0.5, 1.5), (0.125, 0.625)),
        sizes=(11, 5),
        extrapolation_value=2.5,
        cubic_coeff_a=-0.5,
    ),
    dict(
        mode="nearest",
        roi=((0.125, 1.125), (-0.375, 0.75)),
        sizes=(5, 12),
        extrapolation_value=9.0,
        nearest_mode="round_prefer_ceil",
    ),
]


@pytest.mark.parametrize("case", _ORT_CROPS, ids=lambda c: f"{c['mode']}-{c['roi']}")
def test_onnxruntime_tf_crop_and_resize(ort_resize, case):
    case = dict(case)
    roi = case.pop("roi")
    sizes, scales = case.pop("sizes", None), case.pop("scales", None)
    x = _data((2, 3, 7, 10), np.float32, "ort-crop", repr(roi))
    flat_roi = [r[0] for r in roi] + [r[1] for r in roi]
    expected = ort_resize(
        x,
        axes=[2, 3],
        roi=flat_roi,
        sizes=sizes,
        scales=scales,
        coordinate_transformation_mode="tf_crop_and_resize",
        **case,
    )
    kwargs = _fastup_kwargs(case)
    got = fastup.resize(
        x,
        sizes,
        scale=None if scales is None else _f32(scales),
        axes=(2, 3),
        coordinate_mode="tf_crop_and_resize",
        roi=roi,
        **kwargs,
    )
    assert got.shape == expected.shape
    if case["mode"] == "nearest":
        _assert_equal(got, expected, x)
    else:
        _assert_close(got, expected, x)
    assert (got == np.float32(case["extrapolation_value"])).any() == (
        any(min(r) < 0 or max(r) > 1 for r in roi)
    )


_CROP_WITH_SCALES = dict(
    mode="nearest", nearest_mode="floor", coordinate_transformation_mode="tf_crop_and_resize"
)


@pytest.mark.xfail(
    strict=True,
    reason="ONNX Runtime (and onnx.reference) ignore the roi in the output length: "
    "floor(7 * 2.0) = 14 rows, where the Resize-19 text says "
    "floor(input_dimension * (roi_end - roi_start) * scale) = floor(7 * 0.5 * 2.0) = 7 "
    "(onnx/onnx#5783, microsoft/onnxruntime#10727); fastup follows the operator text",
)
def test_onnxruntime_tf_crop_and_resize_scales_length(ort_resize):
    x = _data((1, 2, 7, 10), np.float32, "ort-crop-scales")
    expected = ort_resize(
        x, axes=[2, 3], roi=[0.25, 0.0, 0.75, 1.0], scales=(2.0, 0.5), **_CROP_WITH_SCALES
    )
    got = fastup.resize(
        x,
        scale=(2.0, 0.5),
        axes=(2, 3),
        roi=((0.25, 0.75), (0.0, 1.0)),
        **_fastup_kwargs(_CROP_WITH_SCALES),
    )
    _assert_equal(got, expected, x)


def test_onnxruntime_tf_crop_and_resize_scales_as_sizes(ort_resize):
    """To reproduce ONNX Runtime's tf_crop_and_resize with scales, give fastup the lengths it
    computes, size = floor(length * scale): the coordinates use only the roi and the lengths."""
    x = _data((1, 2, 7, 10), np.float32, "ort-crop-scales")
    expected = ort_resize(
        x, axes=[2, 3], roi=[0.25, 0.0, 0.75, 1.0], scales=(2.0, 0.5), **_CROP_WITH_SCALES
    )
    assert expected.shape == (1, 2, 14, 5)
    got = fastup.resize(
        x, (14, 5), axes=(2, 3), roi=((0.25, 0.75), (0.0, 1.0)), **_fastup_kwargs(_CROP_WITH_SCALES)
    )
    _assert_equal(got, expected, x)


def test_onnxruntime_scales_length_float32(ort_resize):
    """ONNX Runtime computes the output length in float32: float32(0.7) * 10 rounds to 7.0, so
    10 -> 7, while the exact product with the float32 value, 6.99999988, floors to 6. fastup
    computes floor(length * scale) in float64 on the scale it is given: pass the decimal the
    model was written with (0.7), not np.float32(0.7) (or pass size=)."""
    x = _data((1, 2, 5, 10), np.float32, "ort-length")
    expected = ort_resize(x, axes=[3], scales=(0.7,), mode="linear")
    assert expected.shape[3] == 7
    assert fastup.resize(x, scale=_f32((0.7,)), axes=3).shape[3] == 6
    got = fastup.resize(x, scale=0.7, axes=3, mode="linear")
    _assert_close(got, expected, x)


@pytest.mark.parametrize("policy", ["not_larger", "not_smaller"])
@pytest.mark.parametrize("mode", ["nearest", "linear", "cubic"])
def test_onnxruntime_keep_aspect_ratio_policy(ort_resize, policy, mode):
    x = _data((1, 2, 9, 14), np.float32, "ort-policy", policy, mode)
    expected = ort_resize(
        x, axes=[2, 3], sizes=(20, 20), mode=mode, keep_aspect_ratio_policy=policy
    )
    got = fastup.resize(x, (20, 20), axes=(2, 3), mode=mode, size_policy=policy)
    assert got.shape[2:] == ((13, 20) if policy == "not_larger" else (20, 31))
    if mode == "nearest":
        _assert_equal(got, expected, x)
    else:
        _assert_close(got, expected, x)


# axes: one axis, reversed order, negative, 1-D, 3-D and 5-D inputs, a channels-last layout.
# ONNX Runtime's CPU Resize takes 'linear' on 2-D to 5-D inputs only and 'cubic' on 2-D and 4-D
# (outer two axes unscaled) only, so those cases run the modes it has.
_ALL = ("nearest", "linear", "cubic")
_ORT_AXES = [
    ((2, 3, 7, 10), [3], dict(sizes=(23,)), _ALL),
    ((2, 3, 7, 10), [3, 2], dict(sizes=(4, 13)), _ALL),
    ((2, 3, 7, 10), [-1, -2], dict(scales=(0.75, 2.5)), _ALL),
    ((11,), [0], dict(sizes=(29,)), ("nearest",)),
    ((1, 2, 5, 7, 3), [2, 3, 4], dict(sizes=(9, 4, 7)), ("nearest", "linear")),
    ((7, 10, 3), [0, 1], dict(sizes=(13, 4)), ("nearest", "linear")),
    ((9, 14), [0, 1], dict(sizes=(4, 31)), _ALL),
]
_ORT_AXES_CASES = [(s, a, g, m) for s, a, g, modes in _ORT_AXES for m in modes]


@pytest.mark.parametrize(
    ("shape", "axes", "given", "mode"),
    _ORT_AXES_CASES,
    ids=[f"{'x'.join(map(str, s))}-axes{a}-{m}" for s, a, _, m in _ORT_AXES_CASES],
)
def test_onnxruntime_axes(ort_resize, shape, axes, given, mode):
    x = _data(shape, np.float32, "ort-axes", repr(axes), mode)
    expected = ort_resize(x, axes=axes, mode=mode, **given)
    if "scales" in given:
        got = fastup.resize(x, scale=_f32(given["scales"]), axes=axes, mode=mode)
    else:
        got = fastup.resize(x, given["sizes"], axes=axes, mode=mode)
    if mode == "nearest":
        _assert_equal(got, expected, x)
    else:
        _assert_close(got, expected, x)


def test_onnxruntime_nearest_floor_downscale_by_one(ort_resize):
    """half_pixel + floor, 6 -> 5 and 7 -> 6: index tables 0 .. L-2 (see the torch test)."""
    x = _data((1, 2, 6, 7), np.float32, "ort-by-one")
    attrs = dict(mode="nearest", coordinate_transformation_mode="half_pixel", nearest_mode="floor")
    expected = ort_resize(x, axes=[2, 3], sizes=(5, 6), **attrs)
    got = fastup.resize(x, (5, 6), axes=(2, 3), **_fastup_kwargs(attrs))
    _assert_equal(got, expected, x)
