"""Bad input gets a clear TypeError/ValueError/MemoryError naming the argument, never a crash,
and a caller's ``out`` is untouched when a call fails."""

import numpy as np
import pytest

import fastup

X = np.arange(2 * 3 * 8 * 8, dtype=np.float32).reshape(2, 3, 8, 8)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            dict(size=4, mode="cubc"),
            ValueError,
            r"fastup.resize: 'mode' must be one of 'nearest', 'linear', 'cubic', 'area', 'lanczos'.*"
            r"got 'cubc'",
        ),
        (dict(size=4, mode=3), TypeError, r"'mode' must be one of .*got 3"),
        (
            dict(size=4, coordinate_mode="half"),
            ValueError,
            r"'coordinate_mode' must be one of 'half_pixel', 'half_pixel_symmetric', "
            r"'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_crop_and_resize'; got 'half'",
        ),
        (
            dict(size=4, nearest_mode="round"),
            ValueError,
            r"'nearest_mode' must be one of 'round_prefer_floor', 'round_prefer_ceil', 'floor', "
            r"'ceil'; got 'round'",
        ),
        (
            dict(size=4, size_policy="fit"),
            ValueError,
            r"'size_policy' must be one of 'stretch', 'not_larger', 'not_smaller'; got 'fit'",
        ),
        (dict(), ValueError, r"give exactly one of 'size' and 'scale'; got neither"),
        (dict(size=4, scale=2.0), ValueError, r"give exactly one of 'size' and 'scale'; got both"),
        (dict(size=-1), ValueError, r"'size' must be non-negative; got -1"),
        (
            dict(size=4.0),
            TypeError,
            r"'size' must be an integer or a sequence of integers; got 4.0",
        ),
        (dict(size=(4, 2.5)), TypeError, r"'size' must be an integer or a sequence of integers"),
        (dict(size=True), TypeError, r"'size' must be an integer or a sequence of integers"),
        (dict(size="44"), TypeError, r"'size' must be an integer or a sequence of integers"),
        (dict(scale=0.0), ValueError, r"'scale' must be finite and > 0; got 0.0"),
        (dict(scale=-2.0), ValueError, r"'scale' must be finite and > 0"),
        (dict(scale=float("nan")), ValueError, r"'scale' must be finite and > 0; got nan"),
        (dict(scale=float("inf")), ValueError, r"'scale' must be finite and > 0; got inf"),
        (dict(scale="2"), TypeError, r"'scale' must be a number or a sequence of numbers"),
        (
            dict(scale=2.0, size_policy="not_larger"),
            ValueError,
            r"'size_policy' 'not_larger' applies to 'size'; with 'scale' it must be 'stretch'",
        ),
        (dict(size=(4, 4), axes=(2, 4)), ValueError, r"'axes' must be in the range \[-4, 3\]"),
        (dict(size=(4, 4), axes=(2, -2)), ValueError, r"'axes' must be distinct axes"),
        (
            dict(size=(4, 4), axes=(1, 2, 3)),
            ValueError,
            r"'axes' names 3 axes but 2 sizes/scales were given",
        ),
        (dict(size=(4, 4, 4, 4, 4)), ValueError, r"5 sizes/scales for an array of 4 dims"),
        (dict(size=4, axes=2.0), TypeError, r"'axes' must be an integer or a sequence of integers"),
        (
            dict(size=4, mode="nearest", antialias=True),
            ValueError,
            r"'antialias' needs mode 'linear', 'cubic' or 'lanczos'; got mode 'nearest'",
        ),
        (dict(size=4, mode="area", antialias=True), ValueError, r"got mode 'area'"),
        (dict(size=4, antialias="yes"), TypeError, r"'antialias' must be True or False; got 'yes'"),
        (dict(size=4, exclude_outside=2), TypeError, r"'exclude_outside' must be True or False"),
        (dict(size=4, cubic_a=float("nan")), ValueError, r"'cubic_a' must be finite; got nan"),
        (dict(size=4, cubic_a="a"), TypeError, r"'cubic_a' must be a real number"),
        (
            dict(size=4, coordinate_mode="tf_crop_and_resize"),
            ValueError,
            r"coordinate_mode='tf_crop_and_resize' needs 'roi'",
        ),
        (
            dict(size=(4, 4), coordinate_mode="tf_crop_and_resize", roi=[(0, 1)]),
            ValueError,
            r"'roi' must be a sequence of 2 \(start, end\) pairs",
        ),
        (
            dict(size=(4, 4), coordinate_mode="tf_crop_and_resize", roi=[(0, 1), (0, "x")]),
            TypeError,
            r"'roi' must be a real number",
        ),
        (
            dict(size=4, roi=[(0, 1)]),
            ValueError,
            r"'roi' is used with coordinate_mode='tf_crop_and_resize' only",
        ),
        (dict(size=4, workers=0), ValueError, r"'workers' must be a nonzero integer"),
        (dict(size=4, workers=1.5), TypeError, r"'workers' must be an integer; got 1.5"),
        (dict(size=4, workers=-100000), ValueError, r"'workers' must be at least -\d+"),
        (
            dict(size=(1 << 40, 1 << 40)),
            MemoryError,
            r"cannot allocate an output of shape \(2, 3, 1099511627776, 1099511627776\) and dtype "
            r"float32: [\d,]+ bytes",
        ),
        (dict(scale=1e300), MemoryError, r"scale 1e\+300 makes axis 2 of length 8 .* too large"),
    ],
)
def test_resize_argument_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        fastup.resize(X, **kwargs)


def test_scalar_scale_needs_spatial_axes():
    with pytest.raises(ValueError, match=r"with one scale and no 'axes'.*x has 2 dims; pass axes="):
        fastup.resize(np.zeros((4, 4)), scale=2.0)


def test_empty_axis_to_nonzero_length():
    with pytest.raises(ValueError, match=r"fastup.resize: cannot resize axis 1: it has length 0"):
        fastup.resize(np.zeros((2, 0)), (3,), axes=(1,))


@pytest.mark.parametrize("dtype", [np.bool_, np.complex64, np.longdouble])
def test_weighted_modes_reject_other_dtypes(dtype):
    with pytest.raises(
        TypeError,
        match=r"mode 'linear' supports the dtypes float16, bfloat16 \(ml_dtypes\), float32, "
        r"float64, uint8, int8, uint16, int16, int32, uint32, int64, uint64; got "
        + np.dtype(dtype).name,
    ):
        fastup.resize(np.zeros((3, 3), dtype=dtype), (5, 5))


@pytest.mark.parametrize(
    ("x", "match"),
    [
        (np.array([["a", "b"]]), r"'x' must hold numbers; got an array of dtype <U1"),
        (
            np.array([[object()]], dtype=object),
            r"'x' must hold numbers; got an array of dtype object",
        ),
        ([[1, 2], [3]], r"'x' must be an array or array-like"),
    ],
)
def test_non_numeric_input(x, match):
    with pytest.raises(TypeError, match=match):
        fastup.resize(x, (3, 3), mode="nearest")


def test_extrapolation_value_must_be_finite_for_integers():
    with pytest.raises(
        ValueError, match=r"'extrapolation_value' must be finite for an array of dtype uint8"
    ):
        fastup.resize(
            np.zeros((4, 4), np.uint8),
            (3, 3),
            coordinate_mode="tf_crop_and_resize",
            roi=[(0, 1), (0, 1)],
            extrapolation_value=float("nan"),
        )


def _sentinel(shape, dtype=np.float32):
    return np.full(shape, 7, dtype=dtype)


@pytest.mark.parametrize(
    ("out", "error", "match"),
    [
        (
            _sentinel((2, 3, 5, 5)),
            ValueError,
            r"'out' must have shape \(2, 3, 4, 4\); got shape \(2, 3, 5, 5\)",
        ),
        (
            _sentinel((2, 3, 4, 4), np.float64),
            TypeError,
            r"'out' must have dtype float32; got dtype float64",
        ),
        (_sentinel((2, 3, 4, 8))[..., ::2], ValueError, r"'out' must be C-contiguous"),
        (
            [[0.0]],
            TypeError,
            r"'out' must be a numpy.ndarray \(not a matrix or a masked array\); got \[\[0.0\]\]",
        ),
    ],
)
def test_out_checks(out, error, match):
    before = np.array(out, copy=True)
    with pytest.raises(error, match=match):
        fastup.resize(X, (4, 4), out=out)
    np.testing.assert_array_equal(np.asarray(out), before)


def test_out_readonly():
    out = _sentinel((2, 3, 4, 4))
    out.flags.writeable = False
    with pytest.raises(ValueError, match=r"'out' must be writeable; got a read-only array"):
        fastup.resize(X, (4, 4), out=out)
    assert np.all(out == 7)


def test_out_overlapping_input():
    buf = np.arange(2 * 3 * 8 * 8, dtype=np.float32).reshape(2, 3, 8, 8)
    before = buf.copy()
    out = buf.reshape(-1)[: 2 * 3 * 4 * 4].reshape(2, 3, 4, 4)  # C-contiguous, inside buf
    with pytest.raises(ValueError, match=r"'out' must not overlap the input"):
        fastup.resize(buf, (4, 4), out=out)
    np.testing.assert_array_equal(buf, before)


def test_out_untouched_when_a_later_argument_fails():
    out = _sentinel((2, 3, 4, 4))
    with pytest.raises(ValueError):
        fastup.resize(X, (4, 4), out=out, workers=0)
    with pytest.raises(ValueError):
        fastup.resize(X, (4, 4), out=out, mode="nope")
    assert np.all(out == 7)


def test_input_is_never_modified():
    x = np.random.default_rng(0).standard_normal((2, 3, 9, 7)).astype(np.float32)
    before = x.copy()
    for mode in ("nearest", "linear", "cubic", "area", "lanczos"):
        fastup.resize(x, (5, 13), mode=mode)
    np.testing.assert_array_equal(x, before)


def test_invalid_environment_thread_count(monkeypatch):
    monkeypatch.setenv("FASTUP_NUM_THREADS", "many")
    with pytest.raises(
        ValueError, match=r"FASTUP_NUM_THREADS must be a positive integer; got 'many'"
    ):
        fastup.resize(X, (4, 4))


# --------------------------------------------------------------------------------------------
# ndarray subclasses (API.md section 1): their data as a plain ndarray, or a TypeError
# --------------------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
def test_matrix_and_memmap_are_resized_as_plain_arrays(tmp_path):
    """np.matrix and np.memmap inputs are resized as the plain ndarray of their data (a matrix
    used to fail inside a kernel: 'Buffer has wrong number of dimensions'); the result is a
    plain ndarray, and equal to the oracle's."""
    data = np.arange(20.0).reshape(4, 5)
    m = np.matrix(data)
    for mode in ("nearest", "linear", "cubic"):
        got = fastup.resize(m, (7, 3), mode=mode)
        assert type(got) is np.ndarray
        np.testing.assert_array_equal(got, fastup.resize(data, (7, 3), mode=mode))
        np.testing.assert_allclose(fastup.oracle.resize(m, (7, 3), mode=mode), got, atol=1e-12)
    grad = fastup.resize_backward(np.matrix(np.ones((7, 3))), (4, 5), (7, 3))
    assert type(grad) is np.ndarray and grad.shape == (4, 5)
    mm = np.memmap(tmp_path / "x.dat", dtype=np.float32, mode="w+", shape=(1, 2, 6, 8))
    mm[:] = np.random.default_rng(0).standard_normal(mm.shape)
    got = fastup.resize(mm, (12, 16))
    assert type(got) is np.ndarray
    np.testing.assert_array_equal(got, fastup.resize(np.array(mm), (12, 16)))
    w = np.ones((2, 3, 3, 3), np.float32)
    np.testing.assert_array_equal(
        fastup.conv_transpose(mm, w), fastup.conv_transpose(np.array(mm), w)
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda m: fastup.resize(m, (4, 4)),
        lambda m: fastup.resize_backward(m, (2, 2, 2, 2), (3, 3)),
        lambda m: fastup.conv_transpose(m, np.ones((2, 1, 2, 2))),
        lambda m: fastup.conv(m, np.ones((1, 2, 2, 2))),
        lambda m: fastup.conv_transpose_backward(np.ones((1, 1, 4, 4)), m, np.ones((2, 1, 3, 3))),
        lambda m: fastup.oracle.resize(m, (4, 4)),
    ],
    ids=["resize", "resize_backward", "conv_transpose", "conv", "backward", "oracle"],
)
def test_masked_arrays_are_refused_with_what_to_do(call):
    """A masked array's mask would be dropped silently (it used to fail inside a kernel or
    give 'cannot reshape array'): a TypeError that says to pass .filled()."""
    masked = np.ma.masked_array(np.ones((1, 2, 3, 3)), mask=np.zeros((1, 2, 3, 3), bool))
    with pytest.raises(TypeError, match=r"masked array.*filled"):
        call(masked)


def test_masked_out_is_refused():
    out = np.ma.masked_array(np.zeros((4, 4)))
    with pytest.raises(
        TypeError, match=r"'out' must be a numpy.ndarray \(not a matrix or a masked"
    ):
        fastup.resize(np.ones((2, 2)), (4, 4), out=out)


def test_scale_of_a_reversed_roi_names_the_negative_length():
    with pytest.raises(
        ValueError,
        match=r"fastup.resize: a scale of a reversed roi \(start > end\) gives axis 0 of length 4 "
        r"a negative length \(floor\(4 \* \(0 - 1\) \* 1.5\) = -6\); pass 'size'",
    ):
        fastup.resize(
            np.zeros(4), scale=[1.5], axes=[0], coordinate_mode="tf_crop_and_resize", roi=[(1, 0)]
        )
    # with a size, a reversed roi flips the axis
    flipped = fastup.resize(
        np.arange(4.0), [4], axes=[0], coordinate_mode="tf_crop_and_resize", roi=[(1, 0)]
    )
    assert flipped[0] > flipped[-1]
