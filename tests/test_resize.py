"""fastup.resize against fastup.oracle.resize: every mode x coordinate mode x dtype x axes
choice over a registry of problems, awkward memory layouts, and Hypothesis-generated cases;
plus the properties every resize must have."""

from __future__ import annotations

import math

import numpy as np
import pytest
from _arrays import (
    FLOAT_DTYPES,
    NEAREST_DTYPES,
    WEIGHTED_DTYPES,
    assert_integers_close,
    awkward,
    random_values,
)
from hypothesis import given
from hypothesis import strategies as st

import fastup
from fastup import oracle

MODES = ["nearest", "linear", "cubic", "area", "lanczos"]
COORDINATE_MODES = [
    "half_pixel",
    "half_pixel_symmetric",
    "pytorch_half_pixel",
    "align_corners",
    "asymmetric",
    "tf_crop_and_resize",
]
ROIS = [(0.1, 0.85), (-0.2, 1.15), (0.3, 0.3), (1.0, 0.0)]

# name: (input shape, resize keyword arguments)
PROBLEMS = {
    "up_nchw": ((2, 3, 7, 11), dict(size=(13, 29))),
    "down_nchw": ((1, 2, 23, 17), dict(size=(7, 5))),
    "mixed_nchw": ((2, 1, 13, 6), dict(size=(5, 19))),
    "scale_nchw": ((1, 2, 9, 10), dict(scale=(1.7, 0.6))),
    "signal_1d": ((3, 31), dict(size=(47,))),
    "hwc": ((11, 7, 3), dict(size=(5, 16), axes=(0, 1))),
    "nhwc_scale": ((2, 9, 8, 4), dict(scale=(0.5, 2.5), axes=(1, 2))),
    "volume": ((1, 2, 5, 6, 7), dict(size=(9, 3, 11))),
    "from_length_1": ((2, 1, 1, 5), dict(size=(4, 3))),
    "to_length_1": ((1, 1, 6, 5), dict(size=(1, 1))),
    "axes_reversed": ((4, 5, 6), dict(size=(9, 3), axes=(2, 0))),
    "scalar_scale": ((1, 2, 6, 5), dict(scale=1.5)),
}


def with_roi(kwargs: dict, coordinate_mode: str, ndim: int) -> dict:
    kwargs = dict(kwargs, coordinate_mode=coordinate_mode)
    if coordinate_mode == "tf_crop_and_resize":
        values = kwargs.get("size", kwargs.get("scale"))
        count = len(values) if isinstance(values, tuple) else ndim - 2
        if "axes" in kwargs:
            count = len(kwargs["axes"])
        kwargs["roi"] = [ROIS[i % len(ROIS)] for i in range(count)]
        kwargs["extrapolation_value"] = -3.0
    return kwargs


def data_scale(x: np.ndarray) -> float:
    finite = np.asarray(x, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    return float(np.max(np.abs(finite))) if finite.size else 1.0


def assert_matches_oracle(fast: np.ndarray, x: np.ndarray, mode: str, **kwargs) -> None:
    slow = oracle.resize(x, mode=mode, **kwargs)
    native = x.dtype.newbyteorder("=")
    assert fast.dtype == native and slow.dtype == native
    assert fast.shape == slow.shape
    assert fast.flags.c_contiguous
    if mode == "nearest":  # a pure gather: bit for bit
        if native == np.dtype(np.longdouble) and native.itemsize > 8:
            np.testing.assert_array_equal(fast, slow)  # long double bytes include padding
        else:
            np.testing.assert_array_equal(fast.view(np.uint8), slow.view(np.uint8))
        return
    if native.kind in "iu":
        assert_integers_close(fast, slow)
        return
    tolerance = {np.float16: 2e-3, np.float32: 2e-5, np.float64: 1e-11}[native.type]
    scale = data_scale(x)
    np.testing.assert_allclose(
        fast.astype(np.float64),
        slow.astype(np.float64),
        rtol=tolerance,
        atol=tolerance * scale,
        equal_nan=True,
    )


@pytest.mark.parametrize("dtype", WEIGHTED_DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("coordinate_mode", COORDINATE_MODES)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("problem", list(PROBLEMS))
def test_registry_matches_oracle(problem, mode, coordinate_mode, dtype):
    shape, kwargs = PROBLEMS[problem]
    kwargs = with_roi(kwargs, coordinate_mode, len(shape))
    x = random_values(shape, dtype, np.random.default_rng(abs(hash(problem)) % 2**32))
    assert_matches_oracle(fastup.resize(x, mode=mode, **kwargs), x, mode, **kwargs)


@pytest.mark.parametrize("antialias", [False, True])
@pytest.mark.parametrize("exclude_outside", [False, True])
@pytest.mark.parametrize("mode", ["linear", "cubic", "lanczos", "area"])
@pytest.mark.parametrize("problem", ["down_nchw", "mixed_nchw", "scale_nchw", "volume", "hwc"])
@pytest.mark.parametrize("coordinate_mode", ["half_pixel", "align_corners", "asymmetric"])
def test_kernel_options_match_oracle(problem, mode, exclude_outside, antialias, coordinate_mode):
    if antialias and mode == "area":
        pytest.skip("area has no antialias option")
    shape, kwargs = PROBLEMS[problem]
    kwargs = dict(
        kwargs,
        coordinate_mode=coordinate_mode,
        exclude_outside=exclude_outside,
        antialias=antialias,
        cubic_a=-0.5,
    )
    x = random_values(shape, np.float64, np.random.default_rng(5))
    assert_matches_oracle(fastup.resize(x, mode=mode, **kwargs), x, mode, **kwargs)


@pytest.mark.parametrize("dtype", NEAREST_DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize(
    "nearest_mode", ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"]
)
@pytest.mark.parametrize("coordinate_mode", COORDINATE_MODES)
def test_nearest_every_dtype_bit_for_bit(dtype, nearest_mode, coordinate_mode):
    for problem in ("up_nchw", "down_nchw", "nhwc_scale", "axes_reversed", "volume"):
        shape, kwargs = PROBLEMS[problem]
        kwargs = with_roi(kwargs, coordinate_mode, len(shape))
        if np.dtype(dtype).kind == "b":
            kwargs["extrapolation_value"] = 1.0
        x = random_values(shape, dtype, np.random.default_rng(7))
        fast = fastup.resize(x, mode="nearest", nearest_mode=nearest_mode, **kwargs)
        assert_matches_oracle(fast, x, "nearest", nearest_mode=nearest_mode, **kwargs)


@pytest.mark.parametrize(
    "dtype",
    [np.float32, np.float64, np.uint8, np.int16, np.float16, np.complex64],
    ids=lambda d: np.dtype(d).name,
)
@pytest.mark.parametrize("mode", MODES)
def test_awkward_layouts(mode, dtype):
    if mode != "nearest" and np.dtype(dtype).kind == "c":
        pytest.skip("complex is for nearest only")
    rng = np.random.default_rng(11)
    for problem in ("up_nchw", "hwc", "axes_reversed"):
        shape, kwargs = PROBLEMS[problem]
        for label, x in awkward(shape, dtype, rng):
            before = x.copy()
            fast = fastup.resize(x, mode=mode, **kwargs)
            np.testing.assert_array_equal(x, before, err_msg=label)
            assert_matches_oracle(fast, x, mode, **kwargs)


def test_out_argument_is_filled_and_returned():
    x = random_values((2, 3, 9, 7), np.float32, np.random.default_rng(0))
    for mode in MODES:
        out = np.full((2, 3, 4, 12), np.nan, np.float32)
        result = fastup.resize(x, (4, 12), mode=mode, out=out)
        assert result is out
        np.testing.assert_array_equal(out, fastup.resize(x, (4, 12), mode=mode))


def test_accepts_array_likes():
    torch = pytest.importorskip("torch")
    values = [[1.0, 2.0], [3.0, 4.0]]
    expected = fastup.resize(np.array(values), (3, 5))
    np.testing.assert_array_equal(fastup.resize(values, (3, 5)), expected)
    np.testing.assert_array_equal(
        fastup.resize(torch.tensor(values, dtype=torch.float64), (3, 5)), expected
    )


def test_empty_batches_and_empty_resized_axes():
    """An empty axis that is not resized gives an empty result of the right shape (every mode,
    both functions); a resized axis of input or output length 0 is refused, naming the axis
    (PyTorch, OpenCV and Pillow refuse it too)."""
    x = np.ones((0, 3, 4, 4), np.float32)
    for mode in ("nearest", "linear", "cubic", "area", "lanczos"):
        assert fastup.resize(x, (8, 8), mode=mode).shape == (0, 3, 8, 8)
        assert oracle.resize(x, (8, 8), mode=mode).shape == (0, 3, 8, 8)
    assert fastup.resize_backward(np.ones((0, 3, 8, 8)), x.shape, (8, 8)).shape == x.shape
    for f in (fastup.resize, oracle.resize):
        with pytest.raises(ValueError, match=r"axis 1 of length 5 would be resized to length 0"):
            f(np.ones((2, 5)), (0,))
        with pytest.raises(ValueError, match=r"axis 1 of length 2 would be resized to length 0"):
            f(np.ones((3, 2)), scale=(0.1,))
        with pytest.raises(ValueError, match=r"cannot resize axis 0: it has length 0"):
            f(np.ones((0, 4)), (3, 5))
    with pytest.raises(ValueError, match=r"\(scale 0.1: floor\(2 \* 0.1\) = 0\)"):
        fastup.resize(np.ones((3, 2)), scale=(0.1,))
    with pytest.raises(ValueError, match=r"would be resized to length 0"):
        fastup.resize_backward(np.ones((2, 0)), (2, 5), (0,))


def test_api_documented_example_x_squared():
    """API.md: 10 -> 14 samples of x**2, linear, half_pixel: 49 where onnx.reference gives 36."""
    result = fastup.resize(np.arange(10.0) ** 2, (14,))
    assert result[10] == 49.0


@given(
    ndim=st.integers(1, 4),
    data=st.data(),
    mode=st.sampled_from(MODES),
    coordinate_mode=st.sampled_from(COORDINATE_MODES),
    dtype=st.sampled_from([np.float64, np.float32, np.uint8, np.int32]),
    use_scale=st.booleans(),
    exclude_outside=st.booleans(),
    antialias=st.booleans(),
)
def test_generated_cases_match_oracle(
    ndim, data, mode, coordinate_mode, dtype, use_scale, exclude_outside, antialias
):
    shape = tuple(data.draw(st.lists(st.integers(1, 9), min_size=ndim, max_size=ndim)))
    axes = data.draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    kwargs = dict(
        axes=axes,
        coordinate_mode=coordinate_mode,
        exclude_outside=exclude_outside,
        antialias=antialias and mode in ("linear", "cubic", "lanczos"),
    )
    if use_scale:
        kwargs["scale"] = data.draw(
            st.lists(
                st.sampled_from([0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0, 1 / 3]),
                min_size=len(axes),
                max_size=len(axes),
            )
        )
    else:
        kwargs["size"] = data.draw(
            st.lists(st.integers(1, 12), min_size=len(axes), max_size=len(axes))
        )
    if coordinate_mode == "tf_crop_and_resize":
        kwargs["roi"] = [data.draw(st.sampled_from(ROIS)) for _ in axes]
    x = random_values(shape, dtype, np.random.default_rng(data.draw(st.integers(0, 2**16))))
    try:
        got = fastup.resize(x, mode=mode, **kwargs)
    except ValueError as exc:  # a small scale of a short axis: no output element
        if "reversed roi" in str(exc):  # a scale of a reversed roi: a negative length
            with pytest.raises(ValueError, match=r"output length -[0-9.]+ along axis"):
                oracle.resize(x, mode=mode, **kwargs)
            return
        assert "would be resized to length 0" in str(exc)
        with pytest.raises(ValueError, match="would be resized to length 0"):
            oracle.resize(x, mode=mode, **kwargs)
        return
    assert_matches_oracle(got, x, mode, **kwargs)


# ------------------------------------------------------------------------------------------
# properties
# ------------------------------------------------------------------------------------------


@given(
    value=st.floats(-1e6, 1e6),
    mode=st.sampled_from(MODES),
    coordinate_mode=st.sampled_from(COORDINATE_MODES[:5]),
    size=st.tuples(st.integers(1, 20), st.integers(1, 20)),
    shape=st.tuples(st.integers(1, 9), st.integers(1, 9)),
    exclude_outside=st.booleans(),
    antialias=st.booleans(),
)
def test_constant_stays_constant(
    value, mode, coordinate_mode, size, shape, exclude_outside, antialias
):
    x = np.full(shape, value)
    result = fastup.resize(
        x,
        size,
        mode=mode,
        coordinate_mode=coordinate_mode,
        exclude_outside=exclude_outside,
        antialias=antialias and mode in ("linear", "cubic", "lanczos"),
    )
    np.testing.assert_allclose(result, value, rtol=1e-12, atol=1e-300)
    as_uint8 = fastup.resize(np.full(shape, 200, np.uint8), size, mode=mode)
    assert np.all(as_uint8 == 200)


@given(
    mode=st.sampled_from(MODES),
    coordinate_mode=st.sampled_from(COORDINATE_MODES),
    dtype=st.sampled_from([np.float32, np.float64, np.uint8, np.int16, np.float16]),
    shape=st.tuples(st.integers(1, 6), st.integers(1, 9), st.integers(1, 9)),
)
def test_same_size_is_the_identity(mode, coordinate_mode, dtype, shape):
    x = random_values(shape, dtype, np.random.default_rng(0))
    kwargs = {}
    if coordinate_mode == "tf_crop_and_resize":
        kwargs["roi"] = [(0.0, 1.0), (0.0, 1.0)]
    result = fastup.resize(x, shape[1:], mode=mode, coordinate_mode=coordinate_mode, **kwargs)
    np.testing.assert_array_equal(result, x)
    np.testing.assert_array_equal(fastup.resize(x, scale=(1.0, 1.0), mode=mode), x)


@given(
    factors=st.tuples(st.integers(1, 5), st.integers(1, 5)),
    shape=st.tuples(st.integers(1, 5), st.integers(1, 7), st.integers(1, 7)),
    dtype=st.sampled_from([np.uint8, np.float32, np.bool_, np.int64, np.complex128]),
    variant=st.sampled_from(
        [
            ("half_pixel", "round_prefer_floor"),
            ("half_pixel", "round_prefer_ceil"),
            ("asymmetric", "floor"),
            ("pytorch_half_pixel", "round_prefer_ceil"),
        ]
    ),
)
def test_integer_factor_nearest_is_repeat(factors, shape, dtype, variant):
    x = random_values(shape, dtype, np.random.default_rng(1))
    coordinate_mode, nearest_mode = variant
    size = (shape[1] * factors[0], shape[2] * factors[1])
    if coordinate_mode == "pytorch_half_pixel" and 1 in size:
        return  # pytorch_half_pixel maps a length-1 output to the first sample, not the middle
    expected = np.repeat(np.repeat(x, factors[0], axis=1), factors[1], axis=2)
    result = fastup.resize(
        x,
        size,
        axes=(1, 2),
        mode="nearest",
        coordinate_mode=coordinate_mode,
        nearest_mode=nearest_mode,
    )
    np.testing.assert_array_equal(result, expected)
    by_scale = fastup.resize(
        x,
        scale=[float(f) for f in factors],
        axes=(1, 2),
        mode="nearest",
        coordinate_mode=coordinate_mode,
        nearest_mode=nearest_mode,
    )
    np.testing.assert_array_equal(by_scale, expected)


@given(
    shape=st.lists(st.integers(0, 40), min_size=1, max_size=4),
    scale=st.floats(0.01, 8.0),
    mode=st.sampled_from(MODES),
)
def test_output_shape_formula(shape, scale, mode):
    """floor(length * scale) along each axis; an axis resized to or from length 0 is refused."""
    x = np.zeros(shape, np.float32)
    axes = list(range(len(shape)))
    want = tuple(math.floor(n * scale) for n in shape)
    if 0 in want:
        with pytest.raises(ValueError, match="length 0"):
            fastup.resize(x, scale=[scale] * len(shape), axes=axes, mode=mode)
        return
    result = fastup.resize(x, scale=[scale] * len(shape), axes=axes, mode=mode)
    assert result.shape == want


@pytest.mark.parametrize(
    ("policy", "size", "expected"),
    [
        # 30 x 40 into 20 x 20: not_larger scale = min(20/30, 20/40) = 0.5 -> 15 x 20;
        # not_smaller scale = max(...) = 2/3 -> round_half_up(20.0) x round_half_up(26.67) = 20 x 27
        ("stretch", (20, 20), (20, 20)),
        ("not_larger", (20, 20), (15, 20)),
        ("not_smaller", (20, 20), (20, 27)),
        # 30 x 40 into 5 x 100: not_larger = 1/6 -> 5 x round(6.67)=7; not_smaller = 2.5 -> 75 x 100
        ("not_larger", (5, 100), (5, 7)),
        ("not_smaller", (5, 100), (75, 100)),
    ],
)
def test_size_policy_shapes(policy, size, expected):
    x = np.zeros((30, 40), np.float32)
    assert fastup.resize(x, size, size_policy=policy).shape == expected
    assert_matches_oracle(
        fastup.resize(x, size, size_policy=policy), x, "linear", size=size, size_policy=policy
    )


@pytest.mark.parametrize("mode", MODES)
def test_nan_reaches_exactly_the_outputs_that_use_it(mode):
    x = np.zeros(16)
    x[7] = np.nan
    result = fastup.resize(x, (32,), mode=mode)
    slow = oracle.resize(x, (32,), mode=mode)
    np.testing.assert_array_equal(np.isnan(result), np.isnan(slow))
    assert 0 < np.isnan(result).sum() < 32


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_float_results_keep_the_dtype(dtype):
    x = random_values((3, 8, 8), dtype, np.random.default_rng(0))
    for mode in MODES:
        assert fastup.resize(x, (5, 11), mode=mode).dtype == np.dtype(dtype)


def test_half_pixel_symmetric_follows_onnx_order_of_operations():
    # 5 -> floor(2.5) = 2, adjustment 2/2.5, offset 2.5 * 0.2 = 0.5: x(0) = 0.5 + 0.5/0.5 - 0.5
    # = 1 exactly when evaluated as (offset + (o + .5) / scale) - .5, so floor gives 1
    x = np.arange(5.0)
    kwargs = dict(scale=0.5, axes=0, coordinate_mode="half_pixel_symmetric")
    np.testing.assert_array_equal(
        fastup.resize(x, mode="nearest", nearest_mode="floor", **kwargs), [1, 3]
    )
    x[0] = np.nan  # x(0) == 1 exactly: the NaN at 0 has weight 0 and must not leak
    np.testing.assert_array_equal(fastup.resize(x, mode="linear", **kwargs), [1, 3])


def test_area_exclude_outside_never_drops_a_whole_box():
    # asymmetric x3: the last box [3/2, 11/6] lies beyond the input; the edge pixel takes it
    for exclude_outside in (False, True):
        result = fastup.resize(
            np.array([1.0, 2.0]),
            scale=3.0,
            axes=0,
            mode="area",
            coordinate_mode="asymmetric",
            exclude_outside=exclude_outside,
        )
        np.testing.assert_allclose(result, [1, 1, 2, 2, 2, 2], rtol=1e-15)


def test_area_keeps_small_genuine_overlaps():
    # scale 0.9999999999 on 10 samples: box 0 is [0, 1.0000000001), a 1e-10 overlap with pixel 1
    x = np.zeros(10)
    x[1] = np.nan
    assert np.isnan(fastup.resize(x, scale=0.9999999999, axes=0, mode="area")[0])
    assert not np.isnan(fastup.resize(x, scale=1.0, axes=0, mode="area")[0])


@pytest.mark.parametrize("mode", ["linear", "cubic", "lanczos", "area"])
@pytest.mark.parametrize("coordinate_mode", ["half_pixel", "align_corners", "tf_crop_and_resize"])
def test_long_axis_tables_built_in_blocks_are_the_same(monkeypatch, mode, coordinate_mode):
    """Tables of long axes are built block by block (bounded temporaries): the same tables."""
    from fastup import _tables

    spec = _tables.AxisSpec(
        300, 1001, 1001 / 300, True, (0.1, 0.9) if coordinate_mode == "tf_crop_and_resize" else None
    )
    build = _tables.weight_table.__wrapped__  # the uncached builder
    whole = build(spec, coordinate_mode, mode, antialias=mode != "area", exclude_outside=True)
    monkeypatch.setattr(_tables, "_TABLE_BLOCK", 97)
    blocks = build(spec, coordinate_mode, mode, antialias=mode != "area", exclude_outside=True)
    np.testing.assert_array_equal(blocks.start, whole.start)
    np.testing.assert_array_equal(blocks.weights, whole.weights)
    assert (blocks.outside is None) == (whole.outside is None)
    if whole.outside is not None:
        np.testing.assert_array_equal(blocks.outside, whole.outside)


def test_long_plans_keep_their_prepared_kernels_with_kept_tables(monkeypatch):
    """A long 1-D resize made again reuses its prepared kernel (the AVX2 tables along W, made
    from the weights in about the time of the resize), for the last two long plans
    whose tables are kept; a plan whose tables are too large to keep makes it every call.
    The results are the same bits either way."""
    from fastup import _resize, _tables

    x = np.random.default_rng(3).random((1, 2, 9000), dtype=np.float32)
    kw = dict(scale=4.0, axes=2, mode="linear")
    plan = _resize.resize_plan("resize", x.shape, x.dtype, **kw)
    assert not plan.small
    first = fastup.resize(x, **kw)
    jobs = plan.jobs(plan.active)
    assert jobs is not None and len(jobs) == 1  # filled by the call
    job = jobs[0]
    again = fastup.resize(x, **kw)
    assert plan.jobs(plan.active)[0] is job
    np.testing.assert_array_equal(again, first)
    for n in (9001, 9002):  # two more long plans: this one's kernel goes
        fastup.resize(np.resize(x, (1, 2, n)), **kw)
    assert plan.jobs(plan.active) == {}
    monkeypatch.setattr(_tables, "_LONG_CACHE_BYTES", 1000)
    assert plan.jobs(plan.active) is None
    fresh = fastup.resize(x, **kw)
    np.testing.assert_array_equal(fresh, first)
    head = oracle.resize(x[..., :1024], **kw)[..., :4000]  # reads x[..., :1001]
    np.testing.assert_allclose(first[..., :4000], head, rtol=1e-6)


def test_a_long_plan_asks_for_its_tables_once_per_call(monkeypatch):
    """A long 1-D resize keeps no tables with its plan (those over fastup._tables' bound are
    built again for every call): its first call, which also plans the steps, and every later
    one ask for them once. The result is the oracle's."""
    from fastup import _resize

    asked = []
    build = _resize.weight_table

    def counting(*args, **kwargs):
        asked.append(args[0])
        return build(*args, **kwargs)

    monkeypatch.setattr(_resize, "weight_table", counting)
    x = np.random.default_rng(4).random((1, 2, 9003), dtype=np.float32)
    kw = dict(scale=4.0, axes=2, mode="linear")
    plan = _resize.resize_plan("resize", x.shape, x.dtype, **kw)
    assert not plan.small and "steps" not in vars(plan)
    got = fastup.resize(x, **kw)
    assert len(asked) == 1
    fastup.resize(x, **kw)
    assert len(asked) == 2
    head = oracle.resize(x[..., :1024], **kw)[..., :4000]  # reads x[..., :1001]
    np.testing.assert_allclose(got[..., :4000], head, rtol=1e-6)


def _as_map(table, v):
    """A weight table applied to the vector v."""
    taps = table.start[:, None] + np.arange(table.taps)
    return (table.weights * v[taps]).sum(axis=1)


_ALIGNED = {"align_corners"}  # x(o) = o (L - 1) / (M - 1): a period when (L - 1) / (M - 1) has one
_CENTRED = {"half_pixel", "asymmetric", "pytorch_half_pixel", "half_pixel_symmetric"}


@pytest.mark.parametrize(
    ("in_len", "out_len", "scale", "exact", "periodic"),
    [
        (7000, 28000, 4.0, True, _CENTRED),  # x4: a period of 4 outputs, 1 input
        (20000, 30000, 1.5, True, _CENTRED),  # 3 outputs, 2 inputs
        (160000, 20000, 0.125, True, _CENTRED | _ALIGNED),  # 1 output, 8 inputs; 2857, 22857
        (30000, 45000, 1.5, False, _CENTRED),  # from a scale: (o + 0.5) / 1.5
        (100000, 30000, 0.3, True, _CENTRED),  # 3 outputs, 10 inputs
        (6000, 60000, 10.0, False, _CENTRED),
        (7001, 28001, 28001 / 7001, True, _ALIGNED),  # (L - 1) / (M - 1) = 1/4
        (20001, 30001, 30001 / 20001, True, _ALIGNED),  # 2/3
    ],
)
@pytest.mark.parametrize("coordinate_mode", sorted(_ALIGNED | _CENTRED))
def test_long_axes_that_repeat_are_built_from_one_period(
    monkeypatch, in_len, out_len, scale, exact, periodic, coordinate_mode
):
    """A long axis whose coordinates repeat (x(o + P) = x(o) + Q) is built from its ends and
    one period: the same map as the formulas evaluated at every output (within their rounding
    at large coordinates), and nearest the same indices, in every mode; the axes without a
    short period the same way as before."""
    from fastup import _tables

    spec = _tables.AxisSpec(in_len, out_len, scale, exact)
    assert spec.out_len > _tables.SMALL_LENGTH
    repeats = _tables._repeats(spec, coordinate_mode, 5.0)
    assert (repeats is not None) == (coordinate_mode in periodic)
    v = np.random.default_rng(in_len).random(in_len)
    kinds = [
        ("linear", {}),
        ("cubic", {}),
        ("lanczos", {}),
        ("area", {}),
        ("linear", dict(antialias=True)),
        ("cubic", dict(antialias=True, exclude_outside=True, cubic_a=-0.5)),
    ]
    build, near = _tables.weight_table.__wrapped__, _tables.nearest_table.__wrapped__
    repeated = [build(spec, coordinate_mode, m, **kw) for m, kw in kinds]
    indices = [near(spec, coordinate_mode, n) for n in _tables.NEAREST_MODES]
    monkeypatch.setattr(_tables, "_PERIOD_MAX", 0)  # every output from the formulas
    assert _tables._repeats(spec, coordinate_mode, 5.0) is None
    for table, (mode, kw) in zip(repeated, kinds, strict=True):
        want = build(spec, coordinate_mode, mode, **kw)
        assert table.outside is None and table.weights.shape[0] == out_len
        assert np.all(table.start >= 0) and np.all(table.start + table.taps <= in_len)
        np.testing.assert_allclose(_as_map(table, v), _as_map(want, v), rtol=0, atol=1e-9)
    for table, nearest_mode in zip(indices, _tables.NEAREST_MODES, strict=True):
        np.testing.assert_array_equal(table.index, near(spec, coordinate_mode, nearest_mode).index)


def test_repeated_outputs_have_the_weights_of_exact_arithmetic():
    """Far outputs repeat the period's weights, computed from small coordinates: linear x1.5
    from a scale, output o has x(o) = (2o + 1) / 3 - 1/2 and the weights 1 - f, f (f its
    fraction), within the rounding of a coordinate of a few units (1e-15); the formula
    evaluated at those outputs, (o + 0.5) / 1.5 - 0.5 rounded near 2e6, is off by up to an
    ulp of that (2e-10)."""
    from fractions import Fraction

    from fastup import _tables

    L, M = 2_000_000, 3_000_000
    spec = _tables.AxisSpec(L, M, 1.5, False)
    table = _tables.weight_table.__wrapped__(spec, "half_pixel", "linear")
    far = np.arange(M - 3000, M - 100)
    x = [Fraction(2 * int(o) + 1, 3) - Fraction(1, 2) for o in far]
    exact = np.array([float(v - math.floor(v)) for v in x])
    np.testing.assert_array_equal(table.start[far], [math.floor(v) for v in x])
    np.testing.assert_allclose(table.weights[far, 1], exact, rtol=0, atol=1e-15)
    np.testing.assert_allclose(table.weights[far, 0], 1 - exact, rtol=0, atol=1e-15)
    taps, formula, _, _ = _tables._tap_weights(
        spec, "half_pixel", "linear", -0.75, False, far * 1.0
    )
    assert np.abs(formula[:, 1] - exact).max() > 1e-11  # what the period's copies avoid


@pytest.mark.parametrize(
    ("shape", "size", "axes", "dtype"),
    [
        ((1, 1024, 1024), (2048, 2048), (1, 2), np.float32),
        ((1000, 1500, 3), (2000, 3000), (0, 1), np.uint8),
        # 3-D: whole planes repeat (x2 along D), rows of 512 bytes
        ((2, 64, 64, 64), (128, 128, 128), (1, 2, 3), np.float32),
        # uneven factors, rows of 110 floats (not whole cache lines), planes kept per thread
        ((4, 60, 70, 50), (130, 150, 110), (1, 2, 3), np.float32),
        # rows of 3 * 301 bytes, D shrinks while H and W grow
        ((50, 101, 220, 3), (47, 400, 301), (0, 1, 2), np.uint8),
    ],
)
@pytest.mark.parametrize("workers", [1, 3])
def test_nearest_large_outputs_are_streamed_exactly(shape, size, axes, dtype, workers):
    """Outputs of 16 MiB and more are gathered row by row into a buffer and streamed out with
    non-temporal stores (AVX2) when their pages are in memory (a reused out=), written with
    ordinary stores when they are fresh (an allocated result), each source row once per plane
    (and once per repeated plane of a 3-D upscale): every value and every duplicated row as
    numpy indexing gives, either way."""
    rng = np.random.default_rng(5)
    x = rng.integers(0, 250, shape).astype(dtype)
    kwargs = dict(mode="nearest", coordinate_mode="asymmetric", nearest_mode="floor")
    got = fastup.resize(x, size, axes=axes, workers=workers, **kwargs)
    picks = [np.arange(n) for n in x.shape]
    for a, n in zip(axes, size, strict=True):
        picks[a] = np.arange(n) * x.shape[a] // n  # floor(o * in / out)
    assert got.nbytes >= 16 << 20
    np.testing.assert_array_equal(got, x[np.ix_(*picks)])
    out = np.full(got.shape, 7, dtype)  # its pages touched: streamed
    fastup.resize(x, size, axes=axes, workers=workers, out=out, **kwargs)
    np.testing.assert_array_equal(out, got)


@pytest.mark.parametrize("mode", ["linear", "cubic"])
@pytest.mark.parametrize("offset", [0, 1, 16, 45])
def test_uint8_large_outputs_are_streamed_to_the_same_values(mode, offset):
    """A uint8 output of 16 MiB and more is written with non-temporal stores (AVX2), the whole
    cache lines of each row streamed and the partial lines at its ends stored, into an ``out``
    whose pages are in memory and that starts ``offset`` bytes into a cache line: the same
    bytes as each plane resized alone (outputs too small to be streamed)."""
    rng = np.random.default_rng(11)
    x = rng.integers(0, 256, (6, 800, 1001), dtype=np.uint8)
    size = (1600, 2002)
    flat = np.full(6 * 1600 * 2002 + offset, 7, np.uint8)  # touched: streamed
    out = flat[offset:].reshape(6, *size)
    assert out.nbytes >= 16 << 20
    fastup.resize(x, size, axes=(1, 2), mode=mode, workers=2, out=out)
    for p in range(6):
        alone = fastup.resize(x[p], size, axes=(0, 1), mode=mode, workers=2)
        np.testing.assert_array_equal(out[p], alone)


@pytest.mark.parametrize("mode", ["nearest", "linear", "cubic"])
@pytest.mark.parametrize("nbytes", [4096, 20 << 20])  # small, and streamed
def test_unaligned_out_gets_the_same_values(mode, nbytes):
    """An ``out`` whose float32 elements are not aligned (a view of a byte buffer at an odd
    offset) is filled with the same values as an allocated result: the kernels write an
    aligned scratch array, copied into ``out``."""
    side = int(math.isqrt(nbytes // 4 // 4 // 2))
    x = random_values((2, 2, side, side), np.float32, np.random.default_rng(3))
    buf = np.zeros(x.nbytes * 4 + 1, np.uint8)
    out = buf[1:].view(np.float32).reshape(2, 2, 2 * side, 2 * side)
    assert not out.flags.aligned
    got = fastup.resize(x, scale=(2.0, 2.0), mode=mode, out=out)
    assert got is out
    np.testing.assert_array_equal(out, fastup.resize(x, scale=(2.0, 2.0), mode=mode))
    back = np.zeros(x.nbytes + 1, np.uint8)[1:].view(np.float32).reshape(x.shape)
    fastup.resize_backward(out, x.shape, scale=(2.0, 2.0), mode=mode, out=back)
    np.testing.assert_array_equal(
        back, fastup.resize_backward(out.copy(), x.shape, scale=(2.0, 2.0), mode=mode)
    )


@pytest.mark.parametrize("workers", [1, 2, 3])
@pytest.mark.parametrize(
    ("shape", "size"),
    [((3, 5, 6, 7), (10, 12, 9)), ((2, 4, 3, 8), (7, 3, 16)), ((1, 6, 5, 4), (3, 11, 4))],
)
def test_nearest_3d_repeated_planes_in_cache(shape, size, workers):
    """Small 3-D nearest outputs (written in place, not streamed): a row gathered once is copied
    to every later row and repeated plane that reads it, also when a thread's share of rows
    begins or ends inside a plane."""
    rng = np.random.default_rng(6)
    x = rng.standard_normal(shape).astype(np.float32)
    kw = dict(mode="nearest", coordinate_mode="asymmetric", nearest_mode="floor")
    got = fastup.resize(x, size, axes=(1, 2, 3), workers=workers, **kw)
    picks = [np.arange(shape[0])] + [
        np.arange(n) * m // n for m, n in zip(shape[1:], size, strict=True)
    ]
    np.testing.assert_array_equal(got, x[np.ix_(*picks)])


@pytest.mark.parametrize("factor", [2, 3, 4, 8])
@pytest.mark.parametrize("mode", ["linear", "cubic"])
@pytest.mark.parametrize("coordinate_mode", ["half_pixel", "align_corners", "asymmetric"])
def test_integer_upscales_along_w_match_the_oracle(factor, mode, coordinate_mode):
    """Rows long enough (C = 1, W x factor >= 8 + 16 x factor) for the AVX2 loop's integer
    upscale by 2, 4 or 8 (8 x factor outputs at a time in the interior), along W alone and
    fused with H, and factors and conventions whose tables are not periodic that way."""
    rng = np.random.default_rng(factor)
    x = rng.standard_normal((2, 3, 6, 37)).astype(np.float32)
    kwargs = dict(mode=mode, coordinate_mode=coordinate_mode)
    one = fastup.resize(x[:, :, 0], scale=(factor,), **kwargs)
    assert_matches_oracle(one, x[:, :, 0], scale=(factor,), **kwargs)
    two = fastup.resize(x, scale=(2, factor), **kwargs)
    assert_matches_oracle(two, x, scale=(2, factor), **kwargs)


# --------------------------------------------------------------------------------------------
# repeated calls: the plan of an earlier call with the same shape, layout and arguments
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "dtype", "size", "kwargs"),
    [
        ((16, 16), np.float32, (32, 32), {}),
        ((32, 32, 3), np.uint8, (64, 64), dict(axes=(0, 1))),
        ((2, 3, 9, 10), np.float64, (5, 7), dict(mode="cubic")),
        ((20, 30), np.uint16, (7, 11), dict(mode="nearest")),
        (
            (12, 14),
            np.float32,
            (6, 7),
            dict(coordinate_mode="tf_crop_and_resize", roi=((0.1, 0.9), (0.0, 1.2))),
        ),
    ],
)
def test_repeated_calls_take_the_plan_of_the_first(shape, dtype, size, kwargs):
    """A second call with the same shape, dtype, strides and arguments skips the checks and
    the tables (a plan remembered by key): the same bytes as the first call, as a call whose
    arguments cannot be remembered (a list size), and as a call on a layout that must be
    normalised first (Fortran order, byte-swapped, a misaligned view)."""
    from fastup import _resize

    rng = np.random.default_rng(len(shape))
    x = random_values(shape, dtype, rng)
    first = fastup.resize(x, size, workers=1, **kwargs)
    remembered = [k for k in _resize._REPEATED if k[0] == x.shape and k[1] == x.dtype]
    assert remembered, "the first call's plan is remembered"
    np.testing.assert_array_equal(fastup.resize(x, size, workers=1, **kwargs), first)
    np.testing.assert_array_equal(fastup.resize(x, size, **kwargs), first)  # default threads
    np.testing.assert_array_equal(fastup.resize(x, list(size), workers=2, **kwargs), first)
    np.testing.assert_array_equal(fastup.resize(np.asfortranarray(x), size, **kwargs), first)
    swapped = x.astype(x.dtype.newbyteorder(">"))
    np.testing.assert_array_equal(fastup.resize(swapped, size, **kwargs), first)
    raw = np.zeros(x.nbytes + 1, np.uint8)
    odd = raw[1:].view(x.dtype).reshape(shape)
    odd[...] = x
    assert not odd.flags.aligned or x.itemsize == 1
    np.testing.assert_array_equal(fastup.resize(odd, size, **kwargs), first)
    with pytest.raises(ValueError, match="'workers' must be a nonzero integer"):
        fastup.resize(x, size, workers=0, **kwargs)
    # out= on a repeated call: filled like the first call's result, and refused as on the
    # first call when it does not fit (shape, dtype, read-only, overlapping the input)
    out = np.full(first.shape, 7, first.dtype)
    assert fastup.resize(x, size, out=out, **kwargs) is out
    np.testing.assert_array_equal(out, first)
    with pytest.raises(ValueError, match="'out' must have shape"):
        fastup.resize(x, size, out=np.empty(first.shape + (1,), first.dtype), **kwargs)
    other = np.float64 if first.dtype != np.float64 else np.float32
    with pytest.raises(TypeError, match="'out' must have dtype"):
        fastup.resize(x, size, out=np.empty(first.shape, other), **kwargs)
    out.flags.writeable = False
    with pytest.raises(ValueError, match="'out' must be writeable"):
        fastup.resize(x, size, out=out, **kwargs)
    both = np.zeros(x.nbytes + first.nbytes, np.uint8)
    inside = both[: x.nbytes].view(x.dtype).reshape(x.shape)
    inside[...] = x
    fastup.resize(inside, size, **kwargs)  # the layout of x: its plan is remembered
    half = x.nbytes // 2 // first.itemsize * first.itemsize  # aligned, inside the input
    clash = both[half : half + first.nbytes].view(first.dtype)
    with pytest.raises(ValueError, match="'out' must not overlap the input"):
        fastup.resize(inside, size, out=clash.reshape(first.shape), **kwargs)
    apart = both[x.nbytes :].view(first.dtype).reshape(first.shape)
    np.testing.assert_array_equal(fastup.resize(inside, size, out=apart, **kwargs), first)
    # outs the repeated call cannot write directly take the long way, which refuses them as on
    # the first call (not C-contiguous) or fills them (a misaligned view)
    for strided in (
        np.asfortranarray(np.zeros(first.shape, first.dtype)),
        np.zeros(first.shape + (2,), first.dtype)[..., 0],
    ):
        if strided.flags.c_contiguous:  # one element wide: no other order
            continue
        with pytest.raises(ValueError, match="'out' must be C-contiguous"):
            fastup.resize(x, size, out=strided, **kwargs)
    misaligned = np.zeros(first.nbytes + 1, np.uint8)[1:].view(first.dtype).reshape(first.shape)
    assert fastup.resize(x, size, out=misaligned, **kwargs) is misaligned
    np.testing.assert_array_equal(misaligned, first)


@pytest.mark.parametrize(
    ("shape", "dtype", "size", "kwargs"),
    [
        ((16, 16), np.float32, (32, 32), {}),
        ((32, 32, 3), np.uint8, (64, 64), dict(axes=(0, 1))),
        ((24, 20, 4), np.uint8, (9, 7), dict(axes=(0, 1), mode="cubic", antialias=True)),
    ],
)
def test_a_repeated_call_of_one_kernel_is_checked_and_run_in_one_step(
    monkeypatch, shape, dtype, size, kwargs
):
    """A repeated call whose plan is one prepared kernel (a fused float step, a uint8
    fixed-point plan) runs it from ``_kernels.run_ready`` (the checks and the kernel on the
    same buffers), allocating or into out=; outs it refuses go the long way."""
    from fastup import _kernels

    rng = np.random.default_rng(7)
    x = random_values(shape, dtype, rng)
    first = fastup.resize(x, size, workers=1, **kwargs)
    done = []
    real = _kernels.run_ready

    def counted(*args):
        done.append(real(*args))
        return done[-1]

    monkeypatch.setattr(_kernels, "run_ready", counted)
    np.testing.assert_array_equal(fastup.resize(x, size, workers=1, **kwargs), first)
    out = np.zeros_like(first)
    assert fastup.resize(x, size, out=out, workers=2, **kwargs) is out
    np.testing.assert_array_equal(out, first)
    assert done == [True, True]
    strided = np.zeros(first.shape + (2,), first.dtype)[..., 0]
    with pytest.raises(ValueError, match="'out' must be C-contiguous"):
        fastup.resize(x, size, out=strided, **kwargs)
    assert done == [True, True, False]
    assert not strided.any()
