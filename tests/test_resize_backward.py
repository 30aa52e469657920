"""resize_backward is the exact adjoint of resize: the dot-product test for every mode and
convention, PyTorch autograd where installed, and the argument checks."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fastup

MODES = ["nearest", "linear", "cubic", "area", "lanczos"]
COORDINATE_MODES = [
    "half_pixel",
    "half_pixel_symmetric",
    "pytorch_half_pixel",
    "align_corners",
    "asymmetric",
    "tf_crop_and_resize",
]
CASES = [
    ((2, 3, 6, 9), dict(size=(7, 13))),
    ((2, 3, 11, 9), dict(size=(3, 2))),
    ((1, 2, 8, 10), dict(scale=(1.7, 0.45))),
    ((5, 31), dict(size=(12,))),
    ((6, 7, 3), dict(size=(13, 4), axes=(0, 1))),
    ((1, 1, 4, 5, 6), dict(scale=2.5)),
]


def _roi(kwargs, ndim):
    """A roi per resized axis: inside, beyond the input, and (with a size) reversed; a reversed
    roi with a scale would give no output (refused)."""
    values = kwargs.get("size", kwargs.get("scale"))
    count = len(values) if isinstance(values, tuple) else ndim - 2
    third = (0.5, 0.25) if "size" in kwargs else (0.25, 0.75)
    return [((0.1, 0.8), (-0.2, 1.1), third)[i % 3] for i in range(count)]


def _dot_product_error(shape, kwargs, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    y = fastup.resize(x, **kwargs)
    g = rng.standard_normal(y.shape).astype(dtype)
    gx = fastup.resize_backward(g, x.shape, **kwargs)
    assert gx.shape == x.shape and gx.dtype == np.dtype(dtype)
    lhs = np.vdot(y.astype(np.float64), g.astype(np.float64))
    rhs = np.vdot(x.astype(np.float64), gx.astype(np.float64))
    return abs(lhs - rhs) / max(1.0, abs(lhs))


@pytest.mark.parametrize("antialias", [False, True])
@pytest.mark.parametrize("coordinate_mode", COORDINATE_MODES)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", range(len(CASES)))
def test_adjoint_dot_product(case, mode, coordinate_mode, antialias):
    if antialias and mode in ("nearest", "area"):
        pytest.skip("no antialias for nearest and area")
    shape, kwargs = CASES[case]
    kwargs = dict(kwargs, mode=mode, coordinate_mode=coordinate_mode, antialias=antialias)
    if coordinate_mode == "tf_crop_and_resize":
        kwargs["roi"] = _roi(kwargs, len(shape))
    assert _dot_product_error(shape, kwargs) < 1e-13


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_adjoint_in_lower_precision(dtype):
    tolerance = {np.float32: 1e-5, np.float16: 1e-2}[dtype]
    for mode in MODES:
        assert _dot_product_error((2, 3, 9, 7), dict(size=(5, 14), mode=mode), dtype) < tolerance


@given(
    shape=st.tuples(st.integers(1, 9), st.integers(1, 9)),
    size=st.tuples(st.integers(1, 15), st.integers(1, 15)),
    mode=st.sampled_from(MODES),
    coordinate_mode=st.sampled_from(COORDINATE_MODES[:5]),
    exclude_outside=st.booleans(),
)
def test_adjoint_generated(shape, size, mode, coordinate_mode, exclude_outside):
    kwargs = dict(
        size=size, mode=mode, coordinate_mode=coordinate_mode, exclude_outside=exclude_outside
    )
    assert _dot_product_error(shape, kwargs) < 1e-13


def test_matches_the_oracle_adjoint():
    oracle = pytest.importorskip("fastup.oracle")
    if not hasattr(oracle, "resize_backward"):
        pytest.skip("oracle.resize_backward not available")
    rng = np.random.default_rng(3)
    for mode in MODES:
        for coordinate_mode in COORDINATE_MODES[:5]:
            kwargs = dict(size=(5, 11), mode=mode, coordinate_mode=coordinate_mode)
            g = rng.standard_normal((2, 3, 5, 11))
            np.testing.assert_allclose(
                fastup.resize_backward(g, (2, 3, 8, 6), **kwargs),
                oracle.resize_backward(g, (2, 3, 8, 6), **kwargs),
                rtol=1e-12,
                atol=1e-12,
            )


TORCH_MODES = [
    # (torch interpolate kwargs, fastup kwargs)
    (
        dict(mode="nearest"),
        dict(mode="nearest", coordinate_mode="asymmetric", nearest_mode="floor"),
    ),
    (dict(mode="nearest-exact"), dict(mode="nearest", nearest_mode="round_prefer_ceil")),
    (dict(mode="bilinear", align_corners=False), dict(mode="linear")),
    (
        dict(mode="bilinear", align_corners=True),
        dict(mode="linear", coordinate_mode="align_corners"),
    ),
    (dict(mode="bicubic", align_corners=False), dict(mode="cubic")),
    (
        dict(mode="bilinear", antialias=True, align_corners=False),
        dict(mode="linear", antialias=True, exclude_outside=True),
    ),
    (
        dict(mode="bicubic", antialias=True, align_corners=False),
        dict(mode="cubic", antialias=True, exclude_outside=True, cubic_a=-0.5),
    ),
    (dict(mode="area"), dict(mode="area")),
]


@pytest.mark.parametrize("size", [(14, 18), (3, 3), (21, 27)])
@pytest.mark.parametrize("index", range(len(TORCH_MODES)))
def test_matches_torch_autograd(index, size):
    torch = pytest.importorskip("torch")
    torch_kwargs, kwargs = TORCH_MODES[index]
    if torch_kwargs["mode"] == "area" and size != (3, 3) and size != (14, 18):
        pytest.skip("torch area is adaptive pooling: equal for integer factors only")
    rng = np.random.default_rng(index)
    x = rng.standard_normal((2, 3, 7, 9))
    if torch_kwargs["mode"] == "area":
        x = (
            rng.standard_normal((2, 3, 6, 9))
            if size == (3, 3)
            else rng.standard_normal((2, 3, 7, 9))
        )
    g = rng.standard_normal((2, 3) + size)
    xt = torch.tensor(x, requires_grad=True)
    torch.nn.functional.interpolate(xt, size=size, **torch_kwargs).backward(torch.tensor(g))
    np.testing.assert_allclose(
        fastup.resize_backward(g, x.shape, size, **kwargs), xt.grad.numpy(), rtol=1e-10, atol=1e-10
    )


def test_errors():
    g = np.zeros((2, 3, 4, 4))
    with pytest.raises(
        TypeError,
        match=r"fastup.resize_backward: 'grad_out' must have dtype float16, bfloat16, float32 or float64; got int32",
    ):
        fastup.resize_backward(g.astype(np.int32), (2, 3, 8, 8), (4, 4))
    with pytest.raises(
        ValueError,
        match=r"'grad_out' must have the shape resize returns for input_shape \(2, 3, 8, 8\): \(2, 3, 5, 5\); got \(2, 3, 4, 4\)",
    ):
        fastup.resize_backward(g, (2, 3, 8, 8), (5, 5))
    with pytest.raises(ValueError, match=r"'input_shape' must be non-negative lengths"):
        fastup.resize_backward(g, (2, 3, -8, 8), (4, 4))
    with pytest.raises(
        TypeError, match=r"'input_shape' must be an integer or a sequence of integers"
    ):
        fastup.resize_backward(g, "abc", (4, 4))
    with pytest.raises(ValueError, match=r"'mode' must be one of"):
        fastup.resize_backward(g, (2, 3, 8, 8), (4, 4), mode="smooth")
    out = np.full((2, 3, 8, 8), 5.0)
    with pytest.raises(
        ValueError, match=r"'out' must have shape \(2, 3, 8, 8\); got shape \(2, 3, 8, 9\)"
    ):
        fastup.resize_backward(g, (2, 3, 8, 8), (4, 4), out=np.zeros((2, 3, 8, 9)))
    result = fastup.resize_backward(g + 1, (2, 3, 8, 8), (4, 4), out=out)
    assert result is out
    np.testing.assert_allclose(out.sum(), (g + 1).sum())  # the linear weights sum to 1 per output


def test_thread_count_invariance():
    rng = np.random.default_rng(0)
    g = rng.standard_normal((4, 8, 90, 70)).astype(np.float32)
    for mode in MODES:
        kwargs = dict(size=(90, 70), mode=mode)
        one = fastup.resize_backward(g, (4, 8, 45, 140), workers=1, **kwargs)
        for n in (2, 3):
            np.testing.assert_array_equal(
                fastup.resize_backward(g, (4, 8, 45, 140), workers=n, **kwargs), one
            )
