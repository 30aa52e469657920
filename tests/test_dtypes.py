"""The dtypes beyond the 8- to 32-bit ones: uint32, int64 and uint64 in every weighted mode
(computed in float64, rounded half to even, saturated), and ml_dtypes' bfloat16 in every mode
(computed in float32), against the oracle."""

from __future__ import annotations

import numpy as np
import pytest
from _arrays import assert_integers_close, awkward

import fastup
from fastup import oracle

WEIGHTED = ["linear", "cubic", "area", "lanczos"]
WIDE_INTS = [np.uint32, np.int64, np.uint64]


def full_range(shape, dtype, rng):
    """Values over the whole range of an integer dtype, its extremes included."""
    info = np.iinfo(dtype)
    x = rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)
    flat = x.reshape(-1)
    flat[::7] = info.max
    flat[3::11] = info.min
    return x


@pytest.mark.parametrize("dtype", WIDE_INTS, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("mode", WEIGHTED)
@pytest.mark.parametrize(
    ("shape", "kwargs"),
    [
        ((3, 9, 11), dict(size=(17, 6))),
        ((40,), dict(size=(13,))),
        ((2, 7, 5, 3), dict(scale=(1.5, 0.5), axes=(1, 2))),
    ],
)
def test_wide_integers_over_their_whole_range(dtype, mode, shape, kwargs):
    rng = np.random.default_rng(7)
    x = full_range(shape, dtype, rng)
    got = fastup.resize(x, mode=mode, **kwargs)
    want = oracle.resize(x, mode=mode, **kwargs)
    assert got.dtype == np.dtype(dtype) and got.shape == want.shape
    assert_integers_close(got, want)
    for workers in (1, 2):
        np.testing.assert_array_equal(fastup.resize(x, mode=mode, workers=workers, **kwargs), got)


@pytest.mark.parametrize("dtype", WIDE_INTS, ids=lambda d: np.dtype(d).name)
def test_wide_integers_saturate_at_their_bounds(dtype):
    """Cubic and Lanczos overshoot at a step from the minimum to the maximum: the result is
    clipped to the bounds exactly (a double of 2**63 or 2**64 does not convert to the type)."""
    info = np.iinfo(dtype)
    x = np.array([info.min] * 4 + [info.max] * 4 + [info.min] * 4, dtype)
    for mode in ("cubic", "lanczos"):
        got = fastup.resize(x, (37,), mode=mode)
        assert got.max() == info.max and got.min() == info.min
        np.testing.assert_array_equal(
            got == info.max, oracle.resize(x, (37,), mode=mode) == info.max
        )
        assert_integers_close(got, oracle.resize(x, (37,), mode=mode))


def test_wide_integers_are_within_1_up_to_2_to_46():
    """float64 holds every integer to 2**53; sums of rounded weights times values up to 2**46
    stay within 1 of the oracle's (beyond, within float64 units of the magnitude)."""
    x = np.arange(48, dtype=np.int64).reshape(6, 8) * (2**40 + 1) - 2**45
    for mode in WEIGHTED:
        got = fastup.resize(x, (11, 5), mode=mode)
        want = oracle.resize(x, (11, 5), mode=mode)
        difference = np.abs(got.astype(object) - want.astype(object)).max()
        assert difference <= 1, (mode, difference)


def test_arange_resizes_as_int64():
    """What np.arange gives (int64 on 64-bit Linux and macOS) takes every mode."""
    x = np.arange(12).reshape(3, 4)
    for mode in WEIGHTED + ["nearest"]:
        got = fastup.resize(x, (6, 8), mode=mode)
        assert got.dtype == x.dtype
        np.testing.assert_array_equal(got, oracle.resize(x, (6, 8), mode=mode))
    # linear half_pixel 0..3 -> 8: 0, .25, .75, ... rounded half to even
    np.testing.assert_array_equal(fastup.resize(np.arange(4), (8,))[:4], [0, 0, 1, 1])


@pytest.mark.parametrize("dtype", WIDE_INTS, ids=lambda d: np.dtype(d).name)
def test_wide_integers_in_awkward_layouts_and_out(dtype):
    rng = np.random.default_rng(3)
    for label, x in awkward((5, 6, 3), dtype, rng):
        got = fastup.resize(x, (9, 4), axes=(0, 1), mode="cubic")
        assert_integers_close(got, oracle.resize(x, (9, 4), axes=(0, 1), mode="cubic")), label
        out = np.full((9, 4, 3), 5, np.dtype(dtype))
        assert fastup.resize(x, (9, 4), axes=(0, 1), mode="cubic", out=out) is out
        np.testing.assert_array_equal(out, got)


def test_wide_integer_extrapolation_value_saturates():
    x = np.arange(8, dtype=np.uint64).reshape(2, 4)
    kwargs = dict(coordinate_mode="tf_crop_and_resize", roi=[(-1, 2), (0, 1)], mode="linear")
    got = fastup.resize(x, (6, 4), extrapolation_value=1e30, **kwargs)
    assert got[0, 0] == np.iinfo(np.uint64).max
    np.testing.assert_array_equal(got, oracle.resize(x, (6, 4), extrapolation_value=1e30, **kwargs))


# --------------------------------------------------------------------------------------------
# bfloat16
# --------------------------------------------------------------------------------------------

ml_dtypes = pytest.importorskip("ml_dtypes")
BF16 = np.dtype(ml_dtypes.bfloat16)


def bf16_values(shape, rng):
    return (rng.standard_normal(shape) * 50).astype(BF16)


def assert_bf16_close(got, want, scale):
    """bfloat16 keeps 8 significant bits: within 2 units of its last place of the value range
    (float32 sums, then one rounding, against float64 sums rounded once)."""
    assert got.dtype == BF16 and want.dtype == BF16 and got.shape == want.shape
    g, w = got.astype(np.float64), want.astype(np.float64)
    np.testing.assert_array_equal(np.isnan(g), np.isnan(w))
    finite = np.isfinite(w)
    np.testing.assert_allclose(g[finite], w[finite], rtol=2**-7, atol=2**-7 * scale)


@pytest.mark.parametrize("mode", WEIGHTED + ["nearest"])
@pytest.mark.parametrize(
    ("shape", "kwargs"),
    [
        ((2, 3, 9, 11), dict(size=(17, 6))),
        ((9, 11, 3), dict(size=(4, 20), axes=(0, 1))),
        ((2, 30, 40), dict(scale=(0.3, 0.45), antialias=True)),
        ((31,), dict(size=(50,))),
    ],
)
def test_bfloat16_matches_the_oracle(mode, shape, kwargs):
    if mode in ("nearest", "area") and kwargs.get("antialias"):
        kwargs = {k: v for k, v in kwargs.items() if k != "antialias"}
    x = bf16_values(shape, np.random.default_rng(11))
    got = fastup.resize(x, mode=mode, **kwargs)
    want = oracle.resize(x, mode=mode, **kwargs)
    if mode == "nearest":  # a gather: bit for bit
        np.testing.assert_array_equal(got.view(np.uint16), want.view(np.uint16))
    else:
        assert_bf16_close(got, want, float(np.abs(x.astype(np.float64)).max()))
        # computed in float32 and rounded once: what fastup gives for the float32 copy
        f32 = fastup.resize(x.astype(np.float32), mode=mode, **kwargs)
        np.testing.assert_array_equal(got.view(np.uint16), f32.astype(BF16).view(np.uint16))
    again = fastup.resize(x, mode=mode, **kwargs)  # the repeated-call path
    np.testing.assert_array_equal(again.view(np.uint16), got.view(np.uint16))


def test_bfloat16_layouts_out_threads_and_specials():
    rng = np.random.default_rng(2)
    base = bf16_values((2, 12, 10), rng)
    base[0, 3, 4] = np.nan
    base[1, 5, 5] = np.inf
    want = fastup.resize(np.ascontiguousarray(base), (7, 15), mode="cubic")
    for x in (np.asfortranarray(base), base[:, ::-1][:, ::-1], base.copy()):
        np.testing.assert_array_equal(
            fastup.resize(x, (7, 15), mode="cubic").view(np.uint16), want.view(np.uint16)
        )
    out = np.zeros((2, 7, 15), BF16)
    assert fastup.resize(base, (7, 15), mode="cubic", out=out, workers=2) is out
    np.testing.assert_array_equal(out.view(np.uint16), want.view(np.uint16))
    assert_bf16_close(want, oracle.resize(base, (7, 15), mode="cubic"), 100.0)


def test_bfloat16_extrapolation_and_backward():
    x = bf16_values((3, 8), np.random.default_rng(4))
    kwargs = dict(coordinate_mode="tf_crop_and_resize", roi=[(-0.5, 1.5)], axes=(1,))
    got = fastup.resize(x, (12,), extrapolation_value=-7.0, **kwargs)
    assert got.dtype == BF16 and (got.astype(np.float32) == -7).any()
    assert_bf16_close(got, oracle.resize(x, (12,), extrapolation_value=-7.0, **kwargs), 150.0)
    g = bf16_values((3, 12), np.random.default_rng(5))
    back = fastup.resize_backward(g, x.shape, (12,), axes=(1,))
    want = oracle.resize_backward(g, x.shape, (12,), axes=(1,))
    assert back.dtype == BF16
    assert_bf16_close(back, want, float(np.abs(want.astype(np.float64)).max()))


def test_other_void_dtypes_are_still_refused():
    with pytest.raises(TypeError, match="must hold numbers"):
        fastup.resize(np.zeros((3, 3), "V2"), (5, 5), mode="nearest")
    with pytest.raises(
        TypeError,
        match=r"'x' has dtype float8_e4m3fn; of ml_dtypes' types fastup takes bfloat16 only: "
        r"convert with x.astype\(np.float32\)",
    ):
        fastup.resize(np.zeros((3, 3), np.dtype(ml_dtypes.float8_e4m3fn)), (5, 5))


@pytest.mark.parametrize("half", ["float16", "bfloat16"])
@pytest.mark.parametrize(
    ("shape", "kwargs"),
    [
        ((5, 3, 12, 10), dict(size=(7, 23), mode="cubic")),
        ((7, 9, 8, 3), dict(scale=(0.5, 1.5), axes=(1, 2), mode="lanczos", antialias=True)),
        ((4, 6, 11), dict(size=(5,), axes=(2,), mode="area")),
        ((3, 2, 6, 5, 4), dict(size=(3, 9, 7), mode="linear")),
    ],
)
def test_half_floats_in_blocks_give_the_bits_of_one_float32_resize(
    monkeypatch, half, shape, kwargs
):
    """float16/bfloat16 are resized in blocks of planes (each widened, resized and narrowed
    while in the cache): blocks of one plane, of several with a shorter last one, and one block
    all give the float32 resize of the whole array, rounded once."""
    from fastup import _resize

    dtype = BF16 if half == "bfloat16" else np.dtype(np.float16)
    x = bf16_values(shape, np.random.default_rng(9)).astype(dtype)
    want = fastup.resize(x.astype(np.float32), **kwargs).astype(dtype)
    plane = 4 * int(np.prod(want.shape[1:]))
    for block_bytes in (1, plane * 2, 1 << 40):
        monkeypatch.setattr(_resize, "HALF_BLOCK_BYTES", block_bytes)
        for workers in (1, 2):
            got = fastup.resize(x, workers=workers, **kwargs)
            np.testing.assert_array_equal(got.view(np.uint16), want.view(np.uint16))
