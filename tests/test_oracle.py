"""Tests of ``fastup.oracle.resize`` against facts that come neither from the oracle nor from the
fast path: numbers derived by hand from the definitions (the derivation is in the comments),
algebraic identities (constants stay constant, scale 1 is the identity, integer-factor nearest is
``np.repeat``), and independent implementations (onnxruntime's Resize-19, PyTorch, OpenCV, Pillow).

Known disagreements of onnxruntime with the ONNX operator text are recorded as strict ``xfail``
tests, each with the reason and the spec wording it violates.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from _arrays import WEIGHTED_DTYPES

from fastup import oracle

resize = oracle.resize

MODES = ("nearest", "linear", "cubic", "area", "lanczos")
COORDINATE_MODES = (
    "half_pixel",
    "half_pixel_symmetric",
    "pytorch_half_pixel",
    "align_corners",
    "asymmetric",
    "tf_crop_and_resize",
)
NEAREST_MODES = ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil")


def weight_matrix(L, M, **kw):
    """The (M, L) weight matrix of one axis: resizing the identity along axis 0 gives its rows."""
    return resize(np.eye(L), M, axes=0, **kw)


def roi_for(coordinate_mode, n, roi=(0.0, 1.0)):
    return [roi] * n if coordinate_mode == "tf_crop_and_resize" else None


# --------------------------------------------------------------------------------------------
# hand-derived values
# --------------------------------------------------------------------------------------------


def test_linear_two_samples_to_four():
    # half_pixel, scale 2: x(o) = (o + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25.
    # -0.25 and 1.25 lie outside [0, 1]; their outside tap is clamped to the edge -> 0 and 1.
    out = resize(np.array([0.0, 1.0]), 4)
    np.testing.assert_array_equal(out, [0.0, 0.25, 0.75, 1.0])


def test_linear_integer_coordinate_picks_that_sample():
    # 10 -> 14 half_pixel: x(10) = (10.5) * 10/14 - 0.5 = 7.5 - 0.5 = 7 exactly (computed exactly
    # from the sizes), so output 10 is input 7 = 7**2 = 49 (onnx.reference gives 36 here).
    out = resize(np.arange(10.0) ** 2, 14)
    assert out[10] == 49.0
    # and every output is the linear interpolation of x**2 between its two neighbours
    xs = (np.arange(14) + 0.5) * 10 / 14 - 0.5
    xs = np.clip(xs, 0, 9)
    lo = np.floor(xs)
    expected = lo**2 + (xs - lo) * ((lo + 1) ** 2 - lo**2)
    np.testing.assert_allclose(out, expected, rtol=1e-14, atol=1e-13)


def test_align_corners_keeps_both_ends():
    # x(o) = o * (3 - 1) / (5 - 1) = 0, 0.5, 1, 1.5, 2
    out = resize(np.array([3.0, 7.0, -2.0]), 5, coordinate_mode="align_corners")
    np.testing.assert_array_equal(out, [3.0, 5.0, 7.0, 2.5, -2.0])
    for mode in ("linear", "cubic", "lanczos", "nearest"):
        x = np.random.default_rng(0).standard_normal(7)
        out = resize(x, 23, mode=mode, coordinate_mode="align_corners")
        assert out[0] == pytest.approx(x[0], abs=1e-14)
        assert out[-1] == pytest.approx(x[-1], abs=1e-14)


def test_cubic_weights_at_half():
    # asymmetric, 8 -> 16: x(7) = 7 / 2 = 3.5; taps j = 2..5 at t = 1.5, 0.5, 0.5, 1.5.
    # a = -0.75: k(0.5) = (a+2)/8 - (a+3)/4 + 1 = 0.15625 - 0.5625 + 1 = 0.59375,
    #            k(1.5) = a(3.375 - 11.25 + 12 - 4) = a * 0.125 = -0.09375.
    W = weight_matrix(8, 16, mode="cubic", coordinate_mode="asymmetric")
    np.testing.assert_array_equal(W[7], [0, 0, -0.09375, 0.59375, 0.59375, -0.09375, 0, 0])
    # a = -0.5: k(0.5) = 1.5/8 - 2.5/4 + 1 = 0.5625, k(1.5) = -0.5 * 0.125 = -0.0625
    W = weight_matrix(8, 16, mode="cubic", coordinate_mode="asymmetric", cubic_a=-0.5)
    np.testing.assert_array_equal(W[7], [0, 0, -0.0625, 0.5625, 0.5625, -0.0625, 0, 0])
    # at an integer coordinate (x(6) = 3) the cubic is exactly the sample
    np.testing.assert_array_equal(W[6], np.eye(8)[3])


def test_cubic_quarter_weights_edge_clamp_and_exclude():
    # half_pixel 4 -> 8: x(o) = o/2 - 0.25.  With a = -0.75:
    # k(0.25) = 1.25/64 - 2.25/16 + 1 = 0.87890625
    # k(0.75) = 1.25*27/64 - 2.25*9/16 + 1 = 0.26171875
    # k(1.25) = a*(125/64 - 125/16 + 10 - 4) = -0.10546875
    # k(1.75) = a*(343/64 - 245/16 + 14 - 4) = -0.03515625
    k025, k075, k125, k175 = 0.87890625, 0.26171875, -0.10546875, -0.03515625
    W = weight_matrix(4, 8, mode="cubic")
    # x(5) = 2.25: taps 1, 2, 3, 4 at distances 1.25, 0.25, 0.75, 1.75; tap 4 clamps to 3
    np.testing.assert_array_equal(W[5], [0, k125, k025, k075 + k175])
    # x(0) = -0.25: taps -2, -1, 0, 1 at distances 1.75, 0.75, 0.25, 1.25; -2, -1 clamp to 0
    np.testing.assert_array_equal(W[0], [k175 + k075 + k025, k125, 0, 0])
    # exclude_outside: taps -2, -1 dropped, [k025, k125] / (k025 + k125) = [225, -27] / 198
    W = weight_matrix(4, 8, mode="cubic", exclude_outside=True)
    np.testing.assert_allclose(W[0], [25 / 22, -3 / 22, 0, 0], rtol=1e-15)


def test_cubic_overshoot_saturates_for_integers():
    # [0, 0, 127, 127] half_pixel 4 -> 8, output 5 (x = 2.25, see above):
    # 127 * (k025 + k075 + k175) = 127 * 1.10546875 = 140.39453125 -> int8 saturates to 127
    x = np.array([0, 0, 127, 127])
    assert resize(x.astype(np.float64), 8, mode="cubic")[5] == 140.39453125
    assert resize(x.astype(np.int8), 8, mode="cubic")[5] == 127
    assert resize(x.astype(np.int16), 8, mode="cubic")[5] == 140
    # and below: output 2 (x = 0.75): taps -1..2 at 1.75, 0.75, 0.25, 1.25 -> 127 * k125
    assert resize(x.astype(np.float64), 8, mode="cubic")[2] == 127 * -0.10546875
    assert resize(x.astype(np.uint8), 8, mode="cubic")[2] == 0
    assert resize(x.astype(np.int8), 8, mode="cubic")[2] == -13  # rint(-13.39...)


def test_lanczos_weights_at_half():
    # asymmetric 8 -> 16, x(7) = 3.5: taps 1..6 at |t| = 2.5, 1.5, 0.5, 0.5, 1.5, 2.5.
    # sinc(t) sinc(t/3): t=0.5: (2/pi)(3/pi) = 6/pi^2;  t=1.5: (-2/(3 pi))(2/pi) = -(4/3)/pi^2;
    # t=2.5: (2/(5 pi))(3/(5 pi)) = (6/25)/pi^2.  Renormalised, pi^2 cancels.
    w = np.array([6 / 25, -4 / 3, 6, 6, -4 / 3, 6 / 25])
    W = weight_matrix(8, 16, mode="lanczos", coordinate_mode="asymmetric")
    np.testing.assert_allclose(W[7], np.r_[0, w / w.sum(), 0], rtol=1e-13, atol=1e-16)
    # at integer coordinates sinc vanishes exactly on the other taps
    np.testing.assert_array_equal(W[6], np.eye(8)[3])


def test_antialias_linear_rows():
    # half_pixel 8 -> 4 (scale 1/2), antialias: stretch 2, reach 2; x(o) = 2o + 0.5.
    # taps 2o-1 .. 2o+2 at t = (j - x) / 2 = -0.75, -0.25, 0.25, 0.75 -> 0.25, 0.75, 0.75, 0.25,
    # renormalised (sum 2) -> 1/8, 3/8, 3/8, 1/8.
    W = weight_matrix(8, 4, mode="linear", antialias=True)
    np.testing.assert_array_equal(W[1], [0, 1 / 8, 3 / 8, 3 / 8, 1 / 8, 0, 0, 0])
    # output 0: tap -1 (1/8) clamps to 0
    np.testing.assert_array_equal(W[0], [1 / 2, 3 / 8, 1 / 8, 0, 0, 0, 0, 0])
    # exclude_outside: tap -1 dropped, [3, 3, 1] / 7
    W = weight_matrix(8, 4, mode="linear", antialias=True, exclude_outside=True)
    np.testing.assert_allclose(W[0], [3 / 7, 3 / 7, 1 / 7, 0, 0, 0, 0, 0], rtol=1e-15)
    # without antialias: x = 2o + 0.5 -> two taps of 1/2
    W = weight_matrix(8, 4, mode="linear")
    np.testing.assert_array_equal(W[1], [0, 0, 0.5, 0.5, 0, 0, 0, 0])
    # antialias does nothing when upscaling
    np.testing.assert_array_equal(
        weight_matrix(4, 7, mode="cubic", antialias=True), weight_matrix(4, 7, mode="cubic")
    )


def test_area_hand_cases():
    # 4 -> 2: box width 2 centred on x = 0.5, 2.5 -> pairs averaged
    np.testing.assert_array_equal(resize(np.array([1.0, 2, 3, 5]), 2, mode="area"), [1.5, 4])
    # 3 -> 2: w = 1.5; x(0) = 0.25, box [-0.5, 1] -> a + b/2 over 1.5 = (2a + b)/3;
    #                   x(1) = 1.75, box [1, 2.5] -> (b/2 + c)/1.5 = (b + 2c)/3
    np.testing.assert_allclose(resize(np.array([3.0, 6, 12]), 2, mode="area"), [4, 10], rtol=1e-15)
    # 5 -> 2: w = 2.5, boxes [-0.5, 2) and [2, 4.5): (a + b + c/2)/2.5 and (c/2 + d + e)/2.5
    a, b, c, d, e = 1.0, 2.0, 4.0, 8.0, 16.0
    np.testing.assert_allclose(
        resize(np.array([a, b, c, d, e]), 2, mode="area"),
        [(a + b + c / 2) / 2.5, (c / 2 + d + e) / 2.5],
        rtol=1e-15,
    )
    # asymmetric, 2 -> 4: w = 1/2, x = o/2: boxes [-1/4, 1/4], [1/4, 3/4], [3/4, 5/4], [5/4, 7/4]
    # -> a, (a + b)/2, b, and the last one half outside: clamped (b) or dropped (still b)
    for ex in (False, True):
        out = resize(
            np.array([2.0, 6.0]), 4, mode="area", coordinate_mode="asymmetric", exclude_outside=ex
        )
        np.testing.assert_array_equal(out, [2, 4, 6, 6])
    # half_pixel 2 -> 3 upscaling: w = 2/3, x = (o + .5) * 2/3 - .5 = -1/6, 1/2, 7/6
    # box 0 = [-1/2, 1/6] -> a; box 1 = [1/6, 5/6] -> (a/3 + b/3) / (2/3); box 2 -> b
    np.testing.assert_allclose(resize(np.array([2.0, 6.0]), 3, mode="area"), [2, 4, 6], rtol=1e-15)


def test_area_box_entirely_outside_with_exclude_outside_takes_the_edge():
    # asymmetric scale 3, 2 -> 6: x(5) = 5/3, box [3/2, 11/6] lies beyond the input [-1/2, 3/2):
    # dropping it would leave nothing to renormalise (0/0), so the edge pixel takes the box,
    # exactly as without exclude_outside.  Output 4: x = 4/3, box [7/6, 3/2] is inside pixel 1.
    x = np.array([1.0, 2.0])
    for exclude_outside in (False, True):
        np.testing.assert_array_equal(
            resize(
                x, 6, mode="area", coordinate_mode="asymmetric", exclude_outside=exclude_outside
            ),
            [1, 1, 2, 2, 2, 2],
        )


def test_half_pixel_symmetric_with_a_fractional_output_width():
    # L = 2, scale 1.75: M = floor(3.5) = 3, adjustment = 3/3.5 = 6/7, offset = 1 * (1 - 6/7) = 1/7
    # x(o) = 1/7 + (o + .5)/1.75 - .5 = -1/14, 1/2, 15/14 -> (clamped) a, (a+b)/2, b: symmetric
    x = np.array([2.0, 6.0])
    np.testing.assert_allclose(
        resize(x, scale=1.75, axes=0, coordinate_mode="half_pixel_symmetric"),
        [2, 4, 6],
        rtol=1e-15,
    )
    # half_pixel: x = -3/14, 5/14, 13/14 -> a, a + 5/14 (b - a), a + 13/14 (b - a)
    np.testing.assert_allclose(
        resize(x, scale=1.75, axes=0), [2, 2 + 20 / 14, 2 + 52 / 14], rtol=1e-15
    )
    # with a size the two modes coincide (output_width is an integer)
    y = np.random.default_rng(3).standard_normal(9)
    np.testing.assert_array_equal(
        resize(y, 13, coordinate_mode="half_pixel_symmetric"), resize(y, 13)
    )


def test_float_scale_positions_are_float64_as_written():
    # half_pixel_symmetric, L = 5, scale 0.5 (M = 2), in float64 left to right:
    # 1 - 2/2.5 = 0.19999999999999996, 2.5 * that = 0.4999999999999999, + 0.5/0.5 = 1.5 (rounded),
    # - 0.5 = 1.0 -> floor 1.  (Grouping offset + ((o + 0.5)/scale - 0.5) would give
    # 0.9999999999999999 -> floor 0.)
    L, M, s = 5.0, 2.0, 0.5
    xs = [L / 2 * (1 - M / (s * L)) + (o + 0.5) / s - 0.5 for o in (0.0, 1.0)]
    assert xs == [1.0, 3.0]
    out = resize(
        np.arange(5),
        scale=0.5,
        axes=0,
        mode="nearest",
        coordinate_mode="half_pixel_symmetric",
        nearest_mode="floor",
    )
    np.testing.assert_array_equal(out, [1, 3])
    # tf_crop_and_resize (roi is a float, even with a size): float64 as written;
    # 0.1 * 7 + 8 * (0.85 - 0.1) * 7 / 15 == 3.5 in float64 -> round_prefer_ceil picks 4
    assert 0.1 * 7 + 8 * (0.85 - 0.1) * 7 / 15 == 3.5
    out = resize(
        np.arange(8),
        16,
        mode="nearest",
        coordinate_mode="tf_crop_and_resize",
        roi=[(0.1, 0.85)],
        nearest_mode="round_prefer_ceil",
    )
    assert out[8] == 4
    # area with scale 3.0: the box of output o is [o/3, (o+1)/3) in pixel-edge coordinates
    # (computed exactly from the scale, not from the rounded float64 x), so input 1 ([1, 2))
    # reaches exactly outputs 3, 4, 5
    x = np.arange(7.0)
    x[1] = np.nan
    out = resize(x, scale=3.0, axes=0, mode="area")
    np.testing.assert_array_equal(np.flatnonzero(np.isnan(out)), [3, 4, 5])
    np.testing.assert_array_equal(np.delete(out, [3, 4, 5]), np.repeat(x, 3)[np.r_[0:3, 6:21]])


def test_single_output_conventions():
    x = np.array([1.0, 2.0, 4.0, 8.0])
    # half_pixel: x = 0.5 * 4 - 0.5 = 1.5 -> (2 + 4)/2; pytorch_half_pixel and align_corners: 0
    assert resize(x, 1)[0] == 3.0
    assert resize(x, 1, coordinate_mode="pytorch_half_pixel")[0] == 1.0
    assert resize(x, 1, coordinate_mode="align_corners")[0] == 1.0
    # tf_crop_and_resize: 0.5 * (0.25 + 0.75) * 3 = 1.5
    assert resize(x, 1, coordinate_mode="tf_crop_and_resize", roi=[(0.25, 0.75)])[0] == 3.0
    # nearest: 1.5 rounds down (round_prefer_floor) or up (round_prefer_ceil)
    assert resize(x, 1, mode="nearest")[0] == 2.0
    assert resize(x, 1, mode="nearest", nearest_mode="round_prefer_ceil")[0] == 4.0


def test_tf_crop_and_resize_extrapolation():
    # L = 3, roi (-0.5, 1.5), M = 5: x = -0.5 * 2 + o * 2 * 2 / 4 = -1, 0, 1, 2, 3
    x = np.array([10.0, 20.0, 30.0])
    out = resize(
        x, 5, coordinate_mode="tf_crop_and_resize", roi=[(-0.5, 1.5)], extrapolation_value=-7.5
    )
    np.testing.assert_array_equal(out, [-7.5, 10, 20, 30, -7.5])
    for mode in MODES:
        out = resize(
            x,
            5,
            mode=mode,
            coordinate_mode="tf_crop_and_resize",
            roi=[(-0.5, 1.5)],
            extrapolation_value=-7.5,
        )
        assert out[0] == out[-1] == -7.5, mode
    # integers: the extrapolation value is rounded half to even and saturated
    xi = x.astype(np.uint8)
    for ev, want in ((-3.6, 0), (300.0, 255), (2.5, 2), (3.5, 4)):
        for mode in ("linear", "nearest"):
            out = resize(
                xi,
                5,
                mode=mode,
                coordinate_mode="tf_crop_and_resize",
                roi=[(-0.5, 1.5)],
                extrapolation_value=ev,
            )
            assert out.dtype == np.uint8 and out[0] == want, (mode, ev)
    # 2-D: an output outside along either axis is extrapolated
    img = np.arange(12.0).reshape(3, 4)
    out = resize(
        img,
        (5, 4),
        coordinate_mode="tf_crop_and_resize",
        roi=[(-0.5, 1.5), (0.0, 1.0)],
        extrapolation_value=-1,
    )
    np.testing.assert_array_equal(out[0], -1)
    np.testing.assert_array_equal(out[-1], -1)
    np.testing.assert_array_equal(out[1:4], img)
    # scale: the output length is floor(L * (end - start) * scale) = floor(8 * 0.5 * 2) = 8
    out = resize(
        np.arange(8.0), scale=2.0, axes=0, coordinate_mode="tf_crop_and_resize", roi=[(0.25, 0.75)]
    )
    assert out.shape == (8,)
    # x = 0.25 * 7 + o * 0.5 * 7 / 7 = 1.75 + o/2
    np.testing.assert_allclose(out, 1.75 + np.arange(8) / 2, rtol=1e-15)


def test_tf_crop_and_resize_scale_length():
    # floor(L * (end - start) * scale): floor(4 * 0.75 * 1.5) = 4, floor(8 * 1.5 * 0.75) = 9
    x = np.zeros((1, 1, 4, 8))
    out = resize(
        x,
        scale=(1.5, 0.75),
        axes=(2, 3),
        coordinate_mode="tf_crop_and_resize",
        roi=[(0.125, 0.875), (-0.25, 1.25)],
    )
    assert out.shape == (1, 1, 4, 9)
    # and the policy shape of test_ort_negative_axes_with_policy
    out = resize(np.zeros((1, 1, 4, 8)), 12, axes=-1, mode="nearest", size_policy="not_larger")
    assert out.shape == (1, 1, 4, 12)


def test_nan_reaches_exactly_the_outputs_whose_kernels_cover_it():
    # half_pixel 12 -> 24, linear: x(o) = o/2 - 0.25; tap 5 has a nonzero weight iff |5 - x| < 1,
    # i.e. 4.25 < o/2 < 6.25, o in 9..12.
    x = np.arange(12.0)
    x[5] = np.nan
    out = resize(x, 24)
    np.testing.assert_array_equal(np.flatnonzero(np.isnan(out)), [9, 10, 11, 12])
    # cubic: |5 - x| < 2 -> 3.25 < o/2 < 7.25 -> o in 7..14
    out = resize(x, 24, mode="cubic")
    np.testing.assert_array_equal(np.flatnonzero(np.isnan(out)), np.arange(7, 15))
    # inf at an integer coordinate: only the output sitting on it (x = 5 never happens here,
    # so use asymmetric 12 -> 24: x = o/2, |5 - o/2| < 1 -> o in 9..11)
    x[5] = np.inf
    out = resize(x, 24, coordinate_mode="asymmetric")
    assert np.isinf(out[10]) and np.all(np.isfinite(np.delete(out, [9, 10, 11])))
    assert np.isinf(out[9]) and np.isinf(out[11])
    # lanczos at integer coordinates (scale 2 asymmetric, even outputs) reads only its sample
    x = np.arange(12.0)
    x[5] = np.nan
    out = resize(x, 24, mode="lanczos", coordinate_mode="asymmetric")
    assert np.isnan(out[10]) and not np.isnan(out[8]) and not np.isnan(out[12])


def test_integer_rounding_is_half_to_even_and_saturating():
    # [0, 3] -> 4 half_pixel linear: 0, 0.75, 2.25, 3 -> 0, 1, 2, 3
    np.testing.assert_array_equal(resize(np.array([0, 3], np.uint8), 4), [0, 1, 2, 3])
    # [0, 1] -> 0, .25, .75, 1 -> 0, 0, 1, 1
    np.testing.assert_array_equal(resize(np.array([0, 1], np.int16), 4), [0, 0, 1, 1])
    # [0, 1] -> 3 align_corners: 0, 0.5, 1 -> 0, 0 (half to even), 1;  [1, 2]: 1.5 -> 2
    np.testing.assert_array_equal(
        resize(np.array([0, 1], np.int32), 3, coordinate_mode="align_corners"), [0, 0, 1]
    )
    np.testing.assert_array_equal(
        resize(np.array([1, 2], np.int8), 3, coordinate_mode="align_corners"), [1, 2, 2]
    )
    for dt in (np.uint8, np.int8, np.uint16, np.int16, np.int32, np.uint32, np.int64, np.uint64):
        info = np.iinfo(dt)
        x = np.array([info.min, info.max, info.min, info.max], dt)
        out = resize(x, 9, mode="lanczos")
        assert out.dtype == dt
        assert out.min() == info.min and out.max() == info.max  # ringing is clipped


# --------------------------------------------------------------------------------------------
# identities
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("coordinate_mode", COORDINATE_MODES)
@pytest.mark.parametrize("mode", MODES)
def test_scale_one_is_the_identity(mode, coordinate_mode):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 5, 7))
    x[1, 2, 3] = np.nan
    x[2, 4, 0] = np.inf
    x[0, 0, 6] = -np.inf
    roi = roi_for(coordinate_mode, 2)
    kws = [dict(exclude_outside=False), dict(exclude_outside=True)]
    if mode in ("linear", "cubic", "lanczos"):
        kws += [dict(antialias=True), dict(antialias=True, exclude_outside=True)]
    for kw in kws:
        for how in (dict(size=(5, 7)), dict(scale=(1.0, 1.0))):
            out = resize(x, **how, mode=mode, coordinate_mode=coordinate_mode, roi=roi, **kw)
            np.testing.assert_array_equal(out, x, err_msg=f"{how} {kw}")


CONSTANT_CASES = [
    dict(size=(4, 9)),
    dict(size=(2, 3)),
    dict(size=(1, 13)),
    dict(scale=(0.6, 2.2)),
    dict(scale=(1.7, 0.3)),
]


@pytest.mark.parametrize("coordinate_mode", COORDINATE_MODES)
@pytest.mark.parametrize("mode", MODES)
def test_constant_stays_constant(mode, coordinate_mode):
    x = np.full((2, 5, 7), -3.25)
    roi = roi_for(coordinate_mode, 2, (0.1, 0.9))
    kws = [dict(exclude_outside=False), dict(exclude_outside=True)]
    if mode in ("linear", "cubic", "lanczos"):
        kws += [dict(antialias=True), dict(antialias=True, exclude_outside=True)]
    for kw, how in itertools.product(kws, CONSTANT_CASES):
        out = resize(x, **how, mode=mode, coordinate_mode=coordinate_mode, roi=roi, **kw)
        assert out.shape[0] == 2
        np.testing.assert_allclose(out, -3.25, rtol=1e-13, err_msg=f"{how} {kw}")
    # integer constants survive exactly
    xi = np.full((5, 7), 200, np.uint8)
    out = resize(xi, (3, 11), mode=mode, coordinate_mode=coordinate_mode, roi=roi)
    np.testing.assert_array_equal(out, 200)


@pytest.mark.parametrize("factor", [1, 2, 3, 4, 5])
@pytest.mark.parametrize(
    "dtype",
    [
        np.float64,
        np.float32,
        np.float16,
        np.int64,
        np.uint64,
        np.int8,
        np.bool_,
        np.complex128,
        np.longdouble,
    ],
)
def test_nearest_integer_factor_is_repeat(dtype, factor):
    rng = np.random.default_rng(factor)
    x = (
        (rng.standard_normal((3, 6)) * 100).astype(dtype)
        if dtype is not np.bool_
        else (rng.random((3, 6)) > 0.5)
    )
    want = np.repeat(np.repeat(x, factor, axis=0), factor, axis=1)
    # asymmetric + floor: x = o / k -> floor = o // k
    got = resize(
        x,
        (3 * factor, 6 * factor),
        mode="nearest",
        coordinate_mode="asymmetric",
        nearest_mode="floor",
    )
    assert got.dtype == x.dtype
    np.testing.assert_array_equal(got, want)
    # half_pixel: x = (o + .5)/k - .5 = q + (r - (k-1)/2)/k with |.| < 1/2 -> every rounding
    # mode that rounds to nearest gives q
    for nm in ("round_prefer_ceil", "round_prefer_floor"):
        got = resize(x, scale=(float(factor), float(factor)), mode="nearest", nearest_mode=nm)
        np.testing.assert_array_equal(got, want)


def test_nearest_copies_bits():
    # NaN payloads, -0.0 and int64 values beyond 2**53 come through unchanged
    bits = np.array([0x7FF8000000000001, 0xFFF0000000000123, 0x8000000000000000, 1], np.uint64)
    x = bits.view(np.float64)
    out = resize(x, 8, mode="nearest", coordinate_mode="asymmetric", nearest_mode="floor")
    np.testing.assert_array_equal(out.view(np.uint64), np.repeat(bits, 2))
    big = np.array([2**62 + 1, -(2**62) - 1, 2**53 + 1], np.int64)
    np.testing.assert_array_equal(resize(big, 6, mode="nearest"), np.repeat(big, 2))


@pytest.mark.parametrize("nearest_mode", NEAREST_MODES)
def test_nearest_rounding_modes(nearest_mode):
    # asymmetric 4 -> 8: x = o/2 = 0, .5, 1, 1.5, 2, 2.5, 3, 3.5
    x = np.array([10, 11, 12, 13])
    got = resize(x, 8, mode="nearest", coordinate_mode="asymmetric", nearest_mode=nearest_mode)
    want = {
        "round_prefer_floor": [10, 10, 11, 11, 12, 12, 13, 13],
        "round_prefer_ceil": [10, 11, 11, 12, 12, 13, 13, 13],  # 3.5 -> 4, clamped to 3
        "floor": [10, 10, 11, 11, 12, 12, 13, 13],
        "ceil": [10, 11, 11, 12, 12, 13, 13, 13],
    }[nearest_mode]
    np.testing.assert_array_equal(got, want)
    # half_pixel 4 -> 3 (x = (o + .5) * 4/3 - .5 = 1/6, 3/2, 17/6): the tie at 3/2 is exact
    got = resize(x, 3, mode="nearest", nearest_mode=nearest_mode)
    want = {
        "round_prefer_floor": [10, 11, 13],
        "round_prefer_ceil": [10, 12, 13],
        "floor": [10, 11, 12],
        "ceil": [11, 12, 13],
    }[nearest_mode]
    np.testing.assert_array_equal(got, want)


def test_half_pixel_tie_from_a_size_is_exact():
    # 20 -> 6 half_pixel: x(o) = (o + .5) * 10/3 - .5 = 7/6, 4.5, 47/6, 67/6, 14.5, 107/6:
    # two exact ties (o = 1 and o = 4)
    x = np.arange(20)
    got = resize(x, 6, mode="nearest", nearest_mode="round_prefer_ceil")
    np.testing.assert_array_equal(got, [1, 5, 8, 11, 15, 18])
    got = resize(x, 6, mode="nearest", nearest_mode="round_prefer_floor")
    np.testing.assert_array_equal(got, [1, 4, 8, 11, 14, 18])


def test_separable_and_axis_order():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4, 6, 5))
    for mode in MODES:
        both = resize(x, (9, 3), axes=(0, 2), mode=mode)
        one_by_one = resize(resize(x, 9, axes=0, mode=mode), 3, axes=2, mode=mode)
        np.testing.assert_allclose(both, one_by_one, rtol=1e-13, atol=1e-14)
        swapped = resize(x, (3, 9), axes=(2, 0), mode=mode)
        np.testing.assert_allclose(swapped, both, rtol=1e-13, atol=1e-14)
        neg = resize(x, (3, 9), axes=(-1, -3), mode=mode)
        np.testing.assert_array_equal(neg, swapped)


# --------------------------------------------------------------------------------------------
# arguments
# --------------------------------------------------------------------------------------------


def test_default_axes():
    x = np.zeros((2, 3, 4, 5))
    assert resize(x, 7).shape == (2, 3, 4, 7)  # one int: last axis
    assert resize(x, (6, 7)).shape == (2, 3, 6, 7)  # the last len(size) axes
    assert resize(x, scale=2.0).shape == (2, 3, 8, 10)  # one float: after (N, C)
    assert resize(x, scale=(2.0,)).shape == (2, 3, 4, 10)
    assert resize(x, 9, axes=(0, 2)).shape == (9, 3, 9, 5)  # one int, explicit axes
    assert resize(x, scale=1.5, axes=(-1, 1)).shape == (2, 4, 4, 7)
    with pytest.raises(ValueError):
        resize(np.zeros((4, 5)), scale=2.0)  # scalar scale needs N, C + spatial
    assert resize(np.zeros((4, 5)), scale=2.0, axes=(0, 1)).shape == (8, 10)


def test_aliases():
    x = np.random.default_rng(2).standard_normal((3, 4, 5))
    for alias, mode in (
        ("bilinear", "linear"),
        ("trilinear", "linear"),
        ("bicubic", "cubic"),
        ("tricubic", "cubic"),
    ):
        np.testing.assert_array_equal(resize(x, (5, 7), mode=alias), resize(x, (5, 7), mode=mode))


def test_size_policy():
    x = np.zeros((4, 6))
    # not_larger: s = min(2/4, 2/6) = 1/3 -> floor(4/3 + .5) = 1, floor(6/3 + .5) = 2
    assert resize(x, (2, 2), size_policy="not_larger").shape == (1, 2)
    # not_smaller: s = 1/2 -> 2, 3
    assert resize(x, (2, 2), size_policy="not_smaller").shape == (2, 3)
    # round half up: (5, 10) with size (3, 5): s = min(0.6, 0.5) = 0.5 -> 2.5 + .5 -> 3, 5
    assert resize(np.zeros((5, 10)), (3, 5), size_policy="not_larger").shape == (3, 5)
    # the coordinate transform uses s, not M/L: (5,) -> s = 0.5 on axis 0 gives M = 3 and
    # half_pixel x = (o + .5) * 2 - .5 = 0.5, 2.5, 4.5 -> linear: midpoints (4.5 clamps to 4)
    y = np.array([[0.0], [2], [4], [6], [8]]) * np.ones((1, 10))
    out = resize(y, (3, 5), size_policy="not_larger", mode="linear")
    np.testing.assert_array_equal(out[:, 0], [1, 5, 8])
    with pytest.raises(ValueError):
        resize(x, scale=2.0, axes=(0, 1), size_policy="not_larger")


def test_output_length_from_scale_uses_float64_product():
    # 100 * 0.29 = 28.999999999999996 in float64 -> 28
    assert resize(np.zeros(100), scale=0.29, axes=0).shape == (28,)
    assert resize(np.zeros(5), scale=0.5, axes=0).shape == (2,)  # floor(2.5)


def test_dtypes_and_layout():
    rng = np.random.default_rng(4)
    base = rng.standard_normal((5, 6)) * 10
    for dt in WEIGHTED_DTYPES:
        x = base.astype(dt)
        out = resize(x, (7, 4), mode="cubic")
        assert out.dtype == dt and out.flags.c_contiguous
        want = resize(x.astype(np.float64), (7, 4), mode="cubic")
        if np.dtype(dt).kind == "f":
            np.testing.assert_array_equal(out, want.astype(dt))
        else:
            info = np.iinfo(dt)
            np.testing.assert_array_equal(out, np.clip(np.rint(want), info.min, info.max))
    for dt in (np.complex64, np.bool_, np.longdouble):
        with pytest.raises(TypeError):
            resize(np.zeros(4, dt), 8, mode="linear")
        assert resize(np.zeros(4, dt), 8, mode="nearest").dtype == dt
    with pytest.raises(TypeError):
        resize(np.array(["a", "b"]), 4, mode="nearest")
    # non-native byte order in, native out, same values
    x = base.astype(">f8")
    out = resize(x, (7, 4))
    assert out.dtype == np.dtype("=f8")
    np.testing.assert_array_equal(out, resize(base, (7, 4)))
    # non-contiguous input
    np.testing.assert_array_equal(
        resize(base.T, (7, 4)), resize(np.ascontiguousarray(base.T), (7, 4))
    )


def test_out_workers_and_inputs():
    x = np.arange(12.0).reshape(3, 4)
    buf = np.empty((5, 6))
    ret = resize(x, (5, 6), out=buf, workers=3)
    assert ret is buf
    np.testing.assert_array_equal(buf, resize(x, (5, 6)))
    with pytest.raises((ValueError, TypeError)):
        resize(x, (5, 6), out=np.empty((5, 5)))
    with pytest.raises((ValueError, TypeError)):
        resize(x, (5, 6), out=np.empty((5, 6), np.float32))
    before = x.copy()
    resize(x, (5, 6), mode="cubic")
    np.testing.assert_array_equal(x, before)  # input untouched
    np.testing.assert_array_equal(resize(x.tolist(), (5, 6)), resize(x, (5, 6)))


def test_empty():
    assert resize(np.zeros((2, 0, 4)), 5).shape == (2, 0, 5)  # empty non-resized axis
    for args, kwargs in (
        (((3, 4)), dict(size=(0, 5))),
        (((0, 4)), dict(size=(0, 5))),
        (((3,)), dict(scale=0.25, axes=0)),
        (((0, 4)), dict(size=(2, 5))),
    ):
        with pytest.raises(ValueError, match="length 0"):
            resize(np.zeros(args), **kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(),  # neither size nor scale
        dict(size=4, scale=2.0),
        dict(size=-1),
        dict(scale=0.0),
        dict(scale=-1.0),
        dict(scale=float("nan")),
        dict(size=4, mode="bogus"),
        dict(size=4, coordinate_mode="bogus"),
        dict(size=4, nearest_mode="bogus", mode="nearest"),
        dict(size=4, size_policy="bogus"),
        dict(size=4, mode="nearest", antialias=True),
        dict(size=4, mode="area", antialias=True),
        dict(size=4, coordinate_mode="tf_crop_and_resize"),  # roi missing
        dict(size=4, roi=[(0.0, 1.0)]),  # roi without tf_crop_and_resize
        dict(size=4, coordinate_mode="tf_crop_and_resize", roi=[(0.0, 1.0), (0.0, 1.0)]),
        dict(size=(4, 4, 4)),  # more sizes than axes
        dict(size=(4, 4), axes=(0, 0)),
        dict(size=(4, 4), axes=(0, 2)),
        dict(size=(4, 4), axes=(0,)),
    ],
)
def test_invalid_arguments(kwargs):
    with pytest.raises((ValueError, TypeError)):
        resize(np.zeros((3, 5)), **kwargs)


def test_invalid_argument_types():
    with pytest.raises(TypeError):
        resize(np.zeros(3), 2.5)
    with pytest.raises(TypeError):
        resize(np.zeros(3), scale="2", axes=0)
    with pytest.raises(TypeError):
        resize(np.zeros(3), size=True)


# --------------------------------------------------------------------------------------------
# independent implementations: PyTorch, OpenCV, Pillow
# --------------------------------------------------------------------------------------------


SIZES_2D = [(4, 5), (6, 6), (3, 13), (18, 20)]


def test_matches_pytorch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    img = np.random.default_rng(6).random((9, 13))
    t = torch.from_numpy(img)[None, None]
    for size in SIZES_2D:
        for tmode, mode, a in (("bilinear", "linear", -0.75), ("bicubic", "cubic", -0.75)):
            for ac, cm in ((False, "half_pixel"), (True, "align_corners")):
                want = F.interpolate(t, size=size, mode=tmode, align_corners=ac)[0, 0].numpy()
                got = resize(img, size, mode=mode, coordinate_mode=cm, cubic_a=a)
                np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
            # PyTorch's antialias drops outside taps (exclude_outside) and uses a = -0.5
            want = F.interpolate(t, size=size, mode=tmode, antialias=True, align_corners=False)[
                0, 0
            ].numpy()
            got = resize(img, size, mode=mode, antialias=True, exclude_outside=True, cubic_a=-0.5)
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
        # nearest-exact: floor((o + 0.5) * in/out) = half_pixel x rounded half up
        want = F.interpolate(t, size=size, mode="nearest-exact")[0, 0].numpy()
        got = resize(img, size, mode="nearest", nearest_mode="round_prefer_ceil")
        np.testing.assert_array_equal(got, want)


def test_area_matches_opencv_inter_area():
    cv2 = pytest.importorskip("cv2")
    img = np.random.default_rng(7).random((9, 13))
    for h, w in ((4, 5), (6, 6), (3, 13), (9, 4), (1, 2)):
        want = cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA)
        got = resize(img, (h, w), mode="area")
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_matches_pillow():
    Image = pytest.importorskip("PIL.Image")
    img = np.random.default_rng(8).random((9, 13)).astype(np.float32)
    im = Image.fromarray(img, mode="F")
    R = Image.Resampling
    for h, w in SIZES_2D + [(27, 40)]:
        for filt, mode, kw in (
            (R.LANCZOS, "lanczos", {}),
            (R.BICUBIC, "cubic", {"cubic_a": -0.5}),
            (R.BILINEAR, "linear", {}),
        ):
            want = np.asarray(im.resize((w, h), filt))
            # Pillow: antialiased (stretched) kernels, outside taps dropped
            got = resize(
                img.astype(np.float64),
                (h, w),
                mode=mode,
                antialias=True,
                exclude_outside=True,
                **kw,
            )
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------------------------------
# onnxruntime (Resize, opset 19)
# --------------------------------------------------------------------------------------------


def _ort_resize(x, *, sizes=None, scales=None, roi=None, axes=None, **attrs):
    """Run one Resize-19 node in onnxruntime (CPU) on float32 ``x``."""
    ort = pytest.importorskip("onnxruntime")
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    ort.set_default_logger_severity(3)
    x = np.asarray(x, np.float32)
    inits, names = [], ["X"]
    if roi is not None:
        r = np.asarray(roi, np.float32)
        inits.append(numpy_helper.from_array(np.concatenate([r[:, 0], r[:, 1]]), "roi"))
        names.append("roi")
    else:
        names.append("")
    if scales is not None:
        inits.append(numpy_helper.from_array(np.asarray(scales, np.float32), "scales"))
        names.append("scales")
    else:
        inits.append(numpy_helper.from_array(np.asarray(sizes, np.int64), "sizes"))
        names += ["", "sizes"]
    if axes is not None:
        attrs["axes"] = list(axes)
    node = helper.make_node("Resize", names, ["Y"], **attrs)
    graph = helper.make_graph(
        [node],
        "resize",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, list(x.shape))],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
    model.ir_version = 9
    del onnx
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"X": x})[0]


# Input (1, 2, 4, 8). Every size/scale ratio is dyadic (exact in float32), so onnxruntime's
# float32 coordinates land on the same side of every rounding tie as the exact ones (a correctly
# rounded single division is exact when the exact result is representable).
ORT_AXES_SIZES = {
    (2, 3): [(6, 12), (3, 2), (2, 10), (1, 5)],
    (3, 2): [(12, 6), (2, 3)],
    (-2, -1): [(3, 10)],
    (1, 3): [(3, 6)],
    (-1,): [(12,), (3,), (1,)],
}
ORT_AXES_SCALES = {
    (2, 3): [(1.5, 0.75), (0.5, 2.5), (0.625, 1.25)],
    (3, 2): [(0.75, 1.5)],
    (1, 3): [(2.0, 0.375)],
    (-1,): [(0.375,), (2.0,)],
}
ORT_CASES = [
    (mode, cm, nm, ex, aa)
    for mode in ("nearest", "linear", "cubic")
    for cm in COORDINATE_MODES
    for nm in (NEAREST_MODES if mode == "nearest" else NEAREST_MODES[:1])
    for ex in (False, True)
    for aa in ((False,) if mode == "nearest" else (False, True))
]


@pytest.mark.parametrize("mode,coordinate_mode,nearest_mode,exclude_outside,antialias", ORT_CASES)
def test_matches_onnxruntime(mode, coordinate_mode, nearest_mode, exclude_outside, antialias):
    x = np.random.default_rng(0).standard_normal((1, 2, 4, 8)).astype(np.float32)
    # onnxruntime refuses exclude_outside=1 unless mode is cubic or antialiased linear (see
    # test_ort_exclude_outside_restriction); for nearest and plain linear the definition gives
    # the same result either way (a linear tap outside [0, L) only occurs for x in (-1, 0) or
    # (L-1, L), where clamping and dropping-then-renormalising both give the edge sample), so
    # it is compared with exclude_outside=0 and the equality is asserted on the oracle.
    ort_exclude = exclude_outside and (mode == "cubic" or antialias)
    variants = [
        ("sizes", axes, v, pol)
        for axes, vs in ORT_AXES_SIZES.items()
        for v in vs
        for pol in ("stretch", "not_larger", "not_smaller")
    ]
    variants += [("scales", axes, v, "stretch") for axes, vs in ORT_AXES_SCALES.items() for v in vs]
    if mode != "nearest":
        # onnxruntime's linear/cubic kernels only resize the two innermost axes of a 4-D input
        # (test_ort_linear_on_the_channel_axis); nearest takes any axes
        variants = [v for v in variants if v[1] != (1, 3)]
    for i, (kind, axes, values, policy) in enumerate(variants):
        roi = None
        if coordinate_mode == "tf_crop_and_resize":
            if kind == "sizes":
                pairs = [(0.125, 0.875), (-0.25, 1.25)]
            else:
                # width 1: onnxruntime sizes the output floor(L * scale), ignoring the roi
                # (test_ort_tf_crop_and_resize_output_length); with end - start = 1 both agree
                pairs = [(0.0, 1.0), (-0.25, 0.75)]
            roi = [pairs[k % 2] for k in range(len(axes))]
        cubic_a = (-0.75, -0.5)[i % 2]
        # onnxruntime ignores negative axes with a policy (test_ort_negative_axes_with_policy)
        ort_axes = tuple(a % 4 for a in axes)
        want_ort = _ort_resize(
            x,
            **{kind: values},
            roi=roi,
            axes=ort_axes,
            mode=mode,
            coordinate_transformation_mode=coordinate_mode,
            nearest_mode=nearest_mode,
            exclude_outside=int(ort_exclude),
            antialias=int(antialias),
            keep_aspect_ratio_policy=policy,
            extrapolation_value=-7.0,
            cubic_coeff_a=cubic_a,
        )
        kw = dict(
            axes=axes,
            mode=mode,
            coordinate_mode=coordinate_mode,
            nearest_mode=nearest_mode,
            antialias=antialias,
            roi=roi,
            extrapolation_value=-7.0,
            size_policy=policy,
            cubic_a=cubic_a,
        )
        kw["size" if kind == "sizes" else "scale"] = values
        got = resize(x.astype(np.float64), exclude_outside=exclude_outside, **kw)
        msg = f"{kind}={values} axes={axes} policy={policy} roi={roi} a={cubic_a}"
        assert got.shape == want_ort.shape, msg
        if mode == "nearest":
            np.testing.assert_array_equal(got, want_ort, err_msg=msg)
        else:
            np.testing.assert_allclose(got, want_ort, rtol=1e-5, atol=1e-5, err_msg=msg)
        if ort_exclude != exclude_outside:
            np.testing.assert_array_equal(got, resize(x.astype(np.float64), **kw), err_msg=msg)


def test_ort_resolves_exact_ties_from_sizes():
    # 20 -> 6 half_pixel round_prefer_ceil has the exact ties x(1) = 4.5 and x(4) = 14.5 (see
    # test_half_pixel_tie_from_a_size_is_exact).  Older onnxruntime picked 14 for o = 4
    # (microsoft/onnxruntime#28291, onnx/onnx#7841, whose "expected" [1, 4, 8, 11, 15, 18] is
    # itself off at o = 1); onnxruntime 1.32 agrees with the exact values.
    x = np.arange(20, dtype=np.float32).reshape(1, 20)
    want = resize(x, 6, mode="nearest", nearest_mode="round_prefer_ceil")
    np.testing.assert_array_equal(want[0], [1, 5, 8, 11, 15, 18])
    got = _ort_resize(
        x,
        sizes=[6],
        axes=[1],
        mode="nearest",
        coordinate_transformation_mode="half_pixel",
        nearest_mode="round_prefer_ceil",
    )
    np.testing.assert_array_equal(got, want)


# Exact integer source coordinates (hand-derived) that float32 arithmetic misses by one ulp.
INTEGER_COORDINATE_CASES = [
    # (L, M, coordinate_mode, nearest_mode, o, index)
    # x(1) = 1 / (2/14) = 7 exactly; float32: 6.9999995 -> floor 6
    (14, 2, "asymmetric", "floor", 1, 7),
    # x(4) = 4.5 * 10/6 - 0.5 = 7 exactly; float32: 6.9999995 -> floor 6
    (10, 6, "half_pixel", "floor", 4, 7),
    # x(0) = 0.5 * 7 - 0.5 = 3 exactly; float32: 2.9999998 -> floor 2
    (7, 1, "half_pixel", "floor", 0, 3),
    # x(9) = 9.5 * 7/19 - 0.5 = 3 exactly; float32: 3.0000002 -> ceil 4
    (7, 19, "half_pixel", "ceil", 9, 3),
]


@pytest.mark.parametrize("L,M,coordinate_mode,nearest_mode,o,index", INTEGER_COORDINATE_CASES)
def test_exact_integer_coordinates(L, M, coordinate_mode, nearest_mode, o, index):
    out = resize(
        np.arange(L), M, mode="nearest", coordinate_mode=coordinate_mode, nearest_mode=nearest_mode
    )
    assert out[o] == index


@pytest.mark.xfail(
    strict=True,
    reason="onnxruntime computes scale = M/L in float32 and the source coordinate in float32, so "
    "an exact integer coordinate of the ONNX text (scale = length_resized / length_original) "
    "comes out one ulp low or high and floor/ceil step to the neighbouring index",
)
@pytest.mark.parametrize("L,M,coordinate_mode,nearest_mode,o,index", INTEGER_COORDINATE_CASES)
def test_ort_float32_coordinates_at_integers(L, M, coordinate_mode, nearest_mode, o, index):
    x = np.arange(L, dtype=np.float32).reshape(1, L)
    want = resize(x, M, mode="nearest", coordinate_mode=coordinate_mode, nearest_mode=nearest_mode)
    got = _ort_resize(
        x,
        sizes=[M],
        axes=[1],
        mode="nearest",
        coordinate_transformation_mode=coordinate_mode,
        nearest_mode=nearest_mode,
    )
    np.testing.assert_array_equal(got, want)


@pytest.mark.xfail(
    strict=True,
    reason="ONNX Resize: with scales, output_dimension = floor(input_dimension * (roi_end - "
    "roi_start) * scale); onnxruntime uses floor(input_dimension * scale) and ignores the roi "
    "(microsoft/onnxruntime#10727, onnx/onnx#5783: ONNX's own shape inference does the same)",
)
def test_ort_tf_crop_and_resize_output_length():
    x = np.zeros((1, 1, 4, 8), np.float32)
    roi = [(0.125, 0.875), (-0.25, 1.25)]
    # floor(4 * 0.75 * 1.5) = 4, floor(8 * 1.5 * 0.75) = 9 (test_tf_crop_and_resize_scale_length)
    want_shape = (1, 1, 4, 9)
    got = _ort_resize(
        x,
        scales=[1.5, 0.75],
        roi=roi,
        axes=[2, 3],
        mode="linear",
        coordinate_transformation_mode="tf_crop_and_resize",
    )
    assert got.shape == want_shape  # onnxruntime: (1, 1, 6, 6)


@pytest.mark.xfail(
    strict=True,
    reason="ONNX Resize axes: 'Negative value means counting dimensions from the back'; "
    "onnxruntime leaves the shape unchanged when keep_aspect_ratio_policy is not_larger/"
    "not_smaller and axes are negative (axes=[-1], sizes=[12] on length 8 gives 8, not 12; "
    "axes=[3] gives 12)",
)
def test_ort_negative_axes_with_policy():
    # s = 12/8 = 1.5, M = floor(1.5 * 8 + 0.5) = 12 (with axes=[3] onnxruntime agrees: see
    # test_matches_onnxruntime, which passes the axes non-negative)
    x = np.arange(32, dtype=np.float32).reshape(1, 1, 4, 8)
    got = _ort_resize(
        x, sizes=[12], axes=[-1], mode="nearest", keep_aspect_ratio_policy="not_larger"
    )
    assert got.shape == (1, 1, 4, 12)  # onnxruntime: (1, 1, 4, 8)


@pytest.mark.xfail(
    strict=True,
    raises=Exception,
    reason="onnxruntime rejects exclude_outside=1 unless mode is cubic or antialiased linear "
    "('exclude_outside can be set to 1 when (1) mode is CUBIC, or (2) mode is LINEAR when "
    "anti-aliasing is enabled'); the ONNX text allows it for every mode (for nearest and plain "
    "linear it changes nothing)",
)
@pytest.mark.parametrize("mode", ["nearest", "linear"])
def test_ort_exclude_outside_restriction(mode):
    x = np.random.default_rng(0).standard_normal((1, 1, 4, 8)).astype(np.float32)
    got = _ort_resize(x, sizes=[6, 12], axes=[2, 3], mode=mode, exclude_outside=1)
    want = resize(x.astype(np.float64), (6, 12), mode=mode, exclude_outside=True)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.xfail(
    strict=True,
    raises=Exception,
    reason="onnxruntime's CPU Resize refuses linear/cubic on a 4-D input unless the outer two "
    "(or outermost and innermost) scales are 1 ('Linear mode only supports ... 4-D inputs with "
    "the corresponding outermost 2 scale values being 1'); the ONNX text allows any axes",
)
@pytest.mark.parametrize("mode", ["linear", "cubic"])
def test_ort_linear_on_the_channel_axis(mode):
    x = np.random.default_rng(0).standard_normal((1, 2, 4, 8)).astype(np.float32)
    got = _ort_resize(x, sizes=[3, 6], axes=[1, 3], mode=mode)
    want = resize(x.astype(np.float64), (3, 6), axes=(1, 3), mode=mode)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_onnxruntime_rounds_keep_aspect_ratio_half_up():
    # (4, 6) with sizes (3, 9), not_larger: s = min(3/4, 9/6) = 0.75 -> 3, floor(4.5 + .5) = 5
    x = np.random.default_rng(9).standard_normal((1, 1, 4, 6)).astype(np.float32)
    got = _ort_resize(
        x, sizes=[3, 9], axes=[2, 3], mode="linear", keep_aspect_ratio_policy="not_larger"
    )
    want = resize(x.astype(np.float64), (3, 9), axes=(2, 3), size_policy="not_larger")
    assert want.shape == (1, 1, 3, 5)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    assert math.floor(0.75 * 6 + 0.5) == 5
