"""conv_transpose, conv and conv_transpose_backward against the oracle, PyTorch and the matrix
picture; interpolation_kernel and checkerboard; thread invariance; argument errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fastup
from fastup import oracle

TOLERANCE = {np.float64: 1e-11, np.float32: 2e-5, np.float16: 1e-2}


def _close(fast, slow, dtype):
    assert fast.dtype == np.dtype(dtype)
    scale = max(1.0, float(np.max(np.abs(slow.astype(np.float64)), initial=0.0)))
    np.testing.assert_allclose(
        fast.astype(np.float64),
        slow.astype(np.float64),
        rtol=TOLERANCE[dtype],
        atol=TOLERANCE[dtype] * scale,
    )


@st.composite
def problems(draw):
    """A random valid transposed-convolution problem (and its conv twin)."""
    nd = draw(st.integers(1, 3))
    groups = draw(st.sampled_from([1, 2, 3]))
    c_in = groups * draw(st.integers(1, 3))
    c_out = groups * draw(st.integers(1, 3))
    kernel = tuple(draw(st.integers(1, 4)) for _ in range(nd))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    lengths = tuple(draw(st.integers(1, 7 if nd < 3 else 4)) for _ in range(nd))
    pads = []
    for k, d in zip(kernel, dilation, strict=True):
        limit = d * (k - 1)
        pads.append((draw(st.integers(0, limit)), draw(st.integers(0, limit))))
    output_padding = tuple(
        draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation, strict=True)
    )
    smallest = [
        (L - 1) * s - pb - pe + d * (k - 1) + 1
        for L, k, s, (pb, pe), d in zip(lengths, kernel, stride, pads, dilation, strict=True)
    ]
    if min(m + p for m, p in zip(smallest, output_padding, strict=True)) < 1:
        output_padding = tuple(max(s, d) - 1 for s, d in zip(stride, dilation, strict=True))
        if min(m + p for m, p in zip(smallest, output_padding, strict=True)) < 1:
            pads = [(0, 0)] * nd
    batched = draw(st.booleans())
    n = draw(st.integers(1, 2))
    bias = draw(st.booleans())
    return dict(
        nd=nd,
        groups=groups,
        c_in=c_in,
        c_out=c_out,
        kernel=kernel,
        stride=stride,
        dilation=dilation,
        lengths=lengths,
        padding=tuple(pads),
        output_padding=output_padding,
        batched=batched,
        n=n,
        bias=bias,
    )


def _arrays(p, dtype, seed=0):
    rng = np.random.default_rng(seed)
    lead = (p["n"], p["c_in"]) if p["batched"] else (p["c_in"],)
    x = rng.standard_normal(lead + p["lengths"]).astype(dtype)
    w = rng.standard_normal((p["c_in"], p["c_out"] // p["groups"]) + p["kernel"]).astype(dtype)
    b = rng.standard_normal(p["c_out"]).astype(dtype) if p["bias"] else None
    return x, w, b


def _kwargs(p):
    return dict(
        stride=p["stride"],
        padding=p["padding"],
        output_padding=p["output_padding"],
        groups=p["groups"],
        dilation=p["dilation"],
    )


@given(problem=problems(), dtype=st.sampled_from([np.float64, np.float32, np.float16]))
def test_conv_transpose_matches_oracle(problem, dtype):
    x, w, b = _arrays(problem, dtype)
    kwargs = _kwargs(problem)
    _close(
        fastup.conv_transpose(x, w, b, **kwargs), oracle.conv_transpose(x, w, b, **kwargs), dtype
    )


@given(problem=problems(), dtype=st.sampled_from([np.float64, np.float32]))
def test_conv_is_the_adjoint_of_conv_transpose(problem, dtype):
    """<conv(y, W), x> == <y, conv_transpose(x, W)>: the matrices are each other's transpose."""
    x, w, _ = _arrays(problem, dtype)
    kwargs = _kwargs(problem)
    y = fastup.conv_transpose(x, w, **kwargs)
    g = np.random.default_rng(1).standard_normal(y.shape).astype(dtype)
    conv_kwargs = dict(
        stride=problem["stride"],
        padding=problem["padding"],
        dilation=problem["dilation"],
        groups=problem["groups"],
    )
    crop = (Ellipsis,) + tuple(slice(0, L) for L in problem["lengths"])
    back = fastup.conv(g, w, **conv_kwargs)[crop]
    lhs = np.vdot(y.astype(np.float64), g.astype(np.float64))
    rhs = np.vdot(x.astype(np.float64), back.astype(np.float64))
    tolerance = 1e-4 if dtype == np.float32 else 1e-10
    assert abs(lhs - rhs) <= tolerance * max(1.0, abs(lhs))


@given(problem=problems(), dtype=st.sampled_from([np.float64, np.float32]))
def test_conv_matches_oracle(problem, dtype):
    x, w, b = _arrays(problem, dtype)
    conv_kwargs = dict(
        stride=problem["stride"],
        padding=problem["padding"],
        dilation=problem["dilation"],
        groups=problem["groups"],
    )
    y = fastup.conv_transpose(x, w, **_kwargs(problem))  # a valid input for conv with w
    # conv with w maps C_out channels back to C_in
    bias = None if b is None else np.linspace(-1, 1, problem["c_in"]).astype(dtype)
    _close(fastup.conv(y, w, bias, **conv_kwargs), oracle.conv(y, w, bias, **conv_kwargs), dtype)


@given(problem=problems(), dtype=st.sampled_from([np.float64, np.float32]))
def test_backward_matches_oracle(problem, dtype):
    x, w, _ = _arrays(problem, dtype)
    kwargs = _kwargs(problem)
    y = fastup.conv_transpose(x, w, **kwargs)
    g = np.random.default_rng(2).standard_normal(y.shape).astype(dtype)
    fast = fastup.conv_transpose_backward(g, x, w, **kwargs)
    slow = oracle.conv_transpose_backward(g, x, w, **kwargs)
    for f, s in zip(fast, slow, strict=True):
        assert f.shape == s.shape
        _close(f, s, dtype)


def test_seed_examples_as_matrices():
    """1-D, 4 -> 2 conv with k=3, s=1 and k=3, s=2, p=1: the conv is a matrix C; the transposed
    convolution multiplies by C^T (the seed's picture)."""
    w = np.array([[[1.0, 2.0, 3.0]]])
    x = np.array([[5.0, -1.0, 2.0, 4.0]])
    # stride 1, no padding: rows are the kernel sliding by one
    C = np.array([[1, 2, 3, 0], [0, 1, 2, 3]], dtype=float)
    np.testing.assert_allclose(fastup.conv(x, w), (C @ x[0])[None])
    y = np.array([[1.0, -2.0]])
    np.testing.assert_allclose(fastup.conv_transpose(y, w), (C.T @ y[0])[None])
    # stride 2, padding 1: input padded to [0, 5, -1, 2, 4, 0], windows start at 0 and 2
    C2 = np.array([[2, 3, 0, 0], [0, 1, 2, 3]], dtype=float)
    np.testing.assert_allclose(fastup.conv(x, w, stride=2, padding=1), (C2 @ x[0])[None])
    np.testing.assert_allclose(
        fastup.conv_transpose(y, w, stride=2, padding=1, output_padding=1), (C2.T @ y[0])[None]
    )
    M = oracle.conv_matrix((1, 4), w, stride=2, padding=1)
    np.testing.assert_array_equal(M, C2)


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_matches_torch_with_autograd(nd):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(nd)
    lengths = {1: (13,), 2: (9, 7), 3: (4, 5, 3)}[nd]
    kernel = {1: (4,), 2: (3, 4), 3: (2, 3, 2)}[nd]
    x = rng.standard_normal((2, 6) + lengths)
    w = rng.standard_normal((6, 2) + kernel)
    b = rng.standard_normal(4)
    kwargs = dict(stride=2, padding=1, output_padding=1, groups=2, dilation=1)
    xt = torch.tensor(x, requires_grad=True)
    wt = torch.tensor(w, requires_grad=True)
    bt = torch.tensor(b, requires_grad=True)
    yt = getattr(F, f"conv_transpose{nd}d")(xt, wt, bt, **kwargs)
    y = fastup.conv_transpose(x, w, b, **kwargs)
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = rng.standard_normal(y.shape)
    yt.backward(torch.tensor(g))
    gx, gw, gb = fastup.conv_transpose_backward(g, x, w, **kwargs)
    np.testing.assert_allclose(gx, xt.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gw, wt.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gb, bt.grad.numpy(), rtol=1e-12, atol=1e-12)
    wc = rng.standard_normal((4, 3) + kernel)
    conv = getattr(F, f"conv{nd}d")(
        torch.tensor(x),
        torch.tensor(wc),
        torch.tensor(b),
        stride=2,
        padding=1,
        dilation=2,
        groups=2,
    )
    np.testing.assert_allclose(
        fastup.conv(x, wc, b, stride=2, padding=1, dilation=2, groups=2),
        conv.numpy(),
        rtol=1e-12,
        atol=1e-12,
    )


def test_asymmetric_padding_matches_torch_crop():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 3, 6, 5)).astype(np.float32)
    w = rng.standard_normal((3, 2, 4, 4)).astype(np.float32)
    full = torch.nn.functional.conv_transpose2d(torch.tensor(x), torch.tensor(w), stride=2).numpy()
    got = fastup.conv_transpose(x, w, stride=2, padding=((1, 2), (0, 3)))
    np.testing.assert_allclose(got, full[:, :, 1:-2, 0:-3], rtol=1e-5, atol=1e-5)


def test_output_size_picks_output_padding():
    x = np.ones((1, 1, 5, 5), np.float32)
    w = np.ones((1, 1, 3, 3), np.float32)
    assert fastup.conv_transpose(x, w, stride=2, padding=1, output_size=(10, 9)).shape == (
        1,
        1,
        10,
        9,
    )
    assert fastup.conv_transpose(x, w, stride=2, padding=1, output_size=(1, 1, 9, 10)).shape == (
        1,
        1,
        9,
        10,
    )
    with pytest.raises(
        ValueError,
        match=r"'output_size' \(11, 9\) is unreachable: the reachable sizes range from \(9, 9\) to \(10, 10\)",
    ):
        fastup.conv_transpose(x, w, stride=2, padding=1, output_size=(11, 9))


def test_unbatched_and_out():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 8, 8)).astype(np.float32)
    w = rng.standard_normal((3, 4, 4, 4)).astype(np.float32)
    expected = fastup.conv_transpose(x[None], w, stride=2, padding=1)[0]
    out = np.full(expected.shape, np.nan, np.float32)
    assert fastup.conv_transpose(x, w, stride=2, padding=1, out=out) is out
    np.testing.assert_array_equal(out, expected)
    # an out whose elements are not aligned (a byte buffer at an odd offset), for both kernels
    odd = np.zeros(out.nbytes + 1, np.uint8)[1:].view(np.float32).reshape(out.shape)
    assert not odd.flags.aligned
    assert fastup.conv_transpose(x, w, stride=2, padding=1, out=odd) is odd
    np.testing.assert_array_equal(odd, expected)
    back = np.zeros(x.nbytes + 1, np.uint8)[1:].view(np.float32).reshape(x.shape)
    assert fastup.conv(expected, w, stride=2, padding=1, out=back) is back
    np.testing.assert_array_equal(back, fastup.conv(expected, w, stride=2, padding=1))


@pytest.mark.parametrize("needs", [("input",), ("weight",), ("bias",), ("input", "bias")])
def test_backward_needs(needs):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 5, 5))
    w = rng.standard_normal((3, 2, 3, 3))
    g = rng.standard_normal(fastup.conv_transpose(x, w, stride=2).shape)
    full = fastup.conv_transpose_backward(g, x, w, stride=2)
    part = fastup.conv_transpose_backward(g, x, w, stride=2, needs=needs)
    for name, f, p in zip(("input", "weight", "bias"), full, part, strict=True):
        if name in needs:
            np.testing.assert_array_equal(p, f)
        else:
            assert p is None


@pytest.mark.parametrize("kernel", [(4, 2, 1, 0), (3, 2, 1, 1), (2, 2, 0, 0), (3, 1, 1, 0)])
def test_bit_identical_for_any_thread_count(kernel):
    k, s, p, op = kernel
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 16, 24, 20)).astype(np.float32)
    w = rng.standard_normal((16, 8, k, k)).astype(np.float32)
    one = fastup.conv_transpose(x, w, stride=s, padding=p, output_padding=op, workers=1)
    g = rng.standard_normal(one.shape).astype(np.float32)
    back = fastup.conv_transpose_backward(
        g, x, w, stride=s, padding=p, output_padding=op, workers=1
    )
    conv_one = fastup.conv(one, w, stride=s, padding=p, workers=1)
    for n in (2, 3):
        np.testing.assert_array_equal(
            fastup.conv_transpose(x, w, stride=s, padding=p, output_padding=op, workers=n), one
        )
        for a, b in zip(
            back,
            fastup.conv_transpose_backward(
                g, x, w, stride=s, padding=p, output_padding=op, workers=n
            ),
            strict=True,
        ):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(fastup.conv(one, w, stride=s, padding=p, workers=n), conv_one)
    # one sample (unbatched): the threads split each step of it instead of taking samples
    back_u = fastup.conv_transpose_backward(
        g[0], x[0], w, stride=s, padding=p, output_padding=op, workers=1
    )
    conv_u = fastup.conv(one[0], w, stride=s, padding=p, workers=1)
    np.testing.assert_array_equal(conv_u, conv_one[0])
    np.testing.assert_array_equal(back_u[0], back[0][0])
    for n in (2, 3):
        np.testing.assert_array_equal(
            fastup.conv(one[0], w, stride=s, padding=p, workers=n), conv_u
        )
        for a, b in zip(
            back_u,
            fastup.conv_transpose_backward(
                g[0], x[0], w, stride=s, padding=p, output_padding=op, workers=n
            ),
            strict=True,
        ):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("mode", ["nearest", "linear", "cubic", "lanczos", "area"])
@pytest.mark.parametrize("stride", [1, 2, 3, 4, (2, 3)])
def test_interpolation_kernel_reproduces_resize_in_the_interior(mode, stride):
    weight, padding = fastup.interpolation_kernel(stride, mode, ndim=2, dtype=np.float64)
    s = stride if isinstance(stride, tuple) else (stride, stride)
    x = np.random.default_rng(0).standard_normal((1, 1, 14, 13))
    up = fastup.conv_transpose(x, weight, stride=s, padding=padding)
    ref = fastup.resize(x, scale=tuple(float(v) for v in s), axes=(2, 3), mode=mode)
    assert up.shape == ref.shape
    margin = [4 * v for v in s]  # away from the clamped borders (lanczos reaches 3 inputs)
    inner = (..., slice(margin[0], -margin[0]), slice(margin[1], -margin[1]))
    np.testing.assert_allclose(up[inner], ref[inner], rtol=1e-12, atol=1e-12)
    slow_w, slow_p = oracle.interpolation_kernel(stride, mode, ndim=2, dtype=np.float64)
    assert tuple(slow_p) == tuple(padding)
    np.testing.assert_allclose(weight, slow_w, rtol=1e-12, atol=1e-15)


def test_fcn_bilinear_kernel():
    weight, padding = fastup.interpolation_kernel(2, "linear", ndim=1)
    np.testing.assert_allclose(weight[0, 0], [0.25, 0.75, 0.75, 0.25])
    assert padding == (1,) and weight.dtype == np.float32


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((3, 2), [2, 1]),  # uneven: the checkerboard of Odena et al.
        ((4, 2), [2, 2]),  # even
        ((2, 2), [1, 1]),
        ((3, 2, 2), [3, 0]),  # dilation 2 keeps every tap on one phase
        ((5, 3), [2, 2, 1]),
        (((3, 4), (2, 2)), [[4, 4], [2, 2]]),
    ],
)
def test_checkerboard(args, expected):
    np.testing.assert_array_equal(fastup.checkerboard(*args), expected)
    np.testing.assert_array_equal(oracle.checkerboard(*args), expected)


def test_checkerboard_matches_a_real_deconvolution():
    """The counts are what a transposed convolution of ones with a kernel of ones produces."""
    x = np.ones((1, 1, 10, 10))
    for k, s in [(3, 2), (4, 2), (5, 3), (3, 3)]:
        y = fastup.conv_transpose(x, np.ones((1, 1, k, k)), stride=s)
        interior = y[0, 0, 2 * k : 2 * k + s, 2 * k : 2 * k + s]
        expected = fastup.checkerboard((k, k), (s, s))
        np.testing.assert_array_equal(
            interior, np.roll(expected, (-(2 * k) % s, -(2 * k) % s), axis=(0, 1))
        )


X = np.zeros((2, 4, 5, 5), np.float32)
W = np.zeros((4, 3, 3, 3), np.float32)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda: fastup.conv_transpose(X, W.astype(np.float64)),
            TypeError,
            r"'weight' must have the dtype of 'x' \(float32\); got float64",
        ),
        (
            lambda: fastup.conv_transpose(X.astype(np.int32), W),
            TypeError,
            r"'x' must have dtype float16, float32 or float64; got int32",
        ),
        (
            lambda: fastup.conv_transpose(X, W[0, 0]),
            ValueError,
            r"'weight' must have 3, 4 or 5 dims \(1, 2 or 3 spatial dims\); got shape \(3, 3\)",
        ),
        (
            lambda: fastup.conv_transpose(X[0, 0], W),
            ValueError,
            r"'x' must have 4 dims \(N, C, \*spatial\) or 3 \(C, \*spatial\)",
        ),
        (lambda: fastup.conv_transpose(X, W[:3]), ValueError, r"'weight' must have C_in = 4 rows"),
        (
            lambda: fastup.conv_transpose(X, W, groups=3),
            ValueError,
            r"'weight' must have C_in = 4 rows|'groups' \(3\) must divide",
        ),
        (
            lambda: fastup.conv_transpose(X, W[:, :3], groups=3),
            ValueError,
            r"'groups' \(3\) must divide the input channels \(4\)",
        ),
        (
            lambda: fastup.conv_transpose(X, W, groups=0),
            ValueError,
            r"'groups' must be >= 1; got 0",
        ),
        (
            lambda: fastup.conv_transpose(X, W, stride=0),
            ValueError,
            r"'stride' must be >= 1; got 0",
        ),
        (
            lambda: fastup.conv_transpose(X, W, stride=(1, 2, 3)),
            ValueError,
            r"'stride' must be an int or 2 ints \(one per spatial dim\)",
        ),
        (
            lambda: fastup.conv_transpose(X, W, padding=-1),
            ValueError,
            r"'padding' must be non-negative",
        ),
        (
            lambda: fastup.conv_transpose(X, W, padding="same"),
            TypeError,
            r"'padding' must be an int, 2 ints, or 2 \(begin, end\) pairs",
        ),
        (
            lambda: fastup.conv_transpose(X, W, stride=2, output_padding=2),
            ValueError,
            r"'output_padding' must be smaller than max\(stride, dilation\) in every dim",
        ),
        (
            lambda: fastup.conv_transpose(X, W, padding=5),
            ValueError,
            r"the output would have spatial shape \(-3, -3\): the padding \(\(5, 5\), \(5, 5\)\) removes everything",
        ),
        (
            lambda: fastup.conv_transpose(X, W, np.zeros(4, np.float32)),
            ValueError,
            r"'bias' must have shape \(3,\); got shape \(4,\)",
        ),
        (
            lambda: fastup.conv_transpose(X, W, stride=2, output_size=(11, 11), output_padding=1),
            ValueError,
            r"'output_padding' \(1, 1\) contradicts 'output_size' \(11, 11\) \(which "
            r"needs output_padding \(0, 0\)\)",
        ),
        (
            lambda: fastup.conv(X, np.zeros((2, 4, 7, 7), np.float32)),
            ValueError,
            r"the output would have spatial shape \(-1, -1\): the \(dilated\) kernel",
        ),
        (
            lambda: fastup.conv(X, np.zeros((2, 3, 3, 3), np.float32)),
            ValueError,
            r"'weight' must have C_in / groups = 4 / 1 columns",
        ),
        (
            lambda: fastup.conv_transpose_backward(np.zeros((2, 3, 6, 6), np.float32), X, W),
            ValueError,
            r"'grad_out' must have the shape of conv_transpose's output \(2, 3, 7, 7\)",
        ),
        (
            lambda: fastup.conv_transpose_backward(
                np.zeros((2, 3, 7, 7), np.float32), X, W, needs=("grads",)
            ),
            ValueError,
            r"'needs' must be a collection of 'input', 'weight', 'bias'",
        ),
        (lambda: fastup.interpolation_kernel(2, "smooth"), ValueError, r"'mode' must be one of"),
        (lambda: fastup.interpolation_kernel(0), ValueError, r"'stride' must be >= 1"),
        (lambda: fastup.checkerboard(0, 2), ValueError, r"'kernel_size' must be >= 1"),
    ],
)
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_column_chunks_give_the_same_result(monkeypatch):
    """Large problems run in column chunks of a fixed budget; force tiny chunks and compare."""
    from fastup import _deconv

    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 4, 9, 7))
    w = rng.standard_normal((4, 3, 3, 3))
    b = rng.standard_normal(3)
    kwargs = dict(stride=2, padding=1, output_padding=1)
    whole = fastup.conv_transpose(x, w, b, **kwargs)
    g = rng.standard_normal(whole.shape)
    back = fastup.conv_transpose_backward(g, x, w, **kwargs)
    conv = fastup.conv(whole, w, stride=2, padding=1)
    monkeypatch.setattr(_deconv, "_CHUNK_ELEMENTS", 50)
    np.testing.assert_allclose(fastup.conv_transpose(x, w, b, **kwargs), whole, rtol=1e-13)
    for a, c in zip(fastup.conv_transpose_backward(g, x, w, **kwargs), back, strict=True):
        np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fastup.conv(whole, w, stride=2, padding=1), conv, rtol=1e-13)


@pytest.mark.parametrize("groups", [1, 2])
def test_batches_share_out_by_sample_with_the_same_results(groups, monkeypatch):
    """A batch is shared out among the threads sample by sample (each sample unfolded or
    scattered, and multiplied, on one thread), the weight gradients added in sample order:
    identical results for 1, 2 and 3 threads and for any block of samples held at once, forward
    and backward; both match the oracle."""
    from fastup import _deconv, oracle

    rng = np.random.default_rng(7)
    x = rng.standard_normal((5, 8, 9, 7)).astype(np.float32)
    w = rng.standard_normal((8, 6 // groups, 3, 3)).astype(np.float32)
    kwargs = dict(stride=2, padding=1, output_padding=1, groups=groups)
    g = rng.standard_normal(fastup.conv_transpose(x, w, **kwargs).shape).astype(np.float32)
    first = fastup.conv_transpose_backward(g, x, w, workers=1, **kwargs)
    for n in (2, 3):
        for a, b in zip(
            first, fastup.conv_transpose_backward(g, x, w, workers=n, **kwargs), strict=True
        ):
            np.testing.assert_array_equal(a, b)
    forward = fastup.conv_transpose(x, w, workers=1, **kwargs)
    for n in (2, 3):
        np.testing.assert_array_equal(fastup.conv_transpose(x, w, workers=n, **kwargs), forward)
    np.testing.assert_allclose(
        forward,
        oracle.conv_transpose(x.astype(np.float64), w.astype(np.float64), **kwargs),
        rtol=1e-4,
        atol=1e-4,
    )
    monkeypatch.setattr(_deconv, "_SAMPLE_BLOCK", 1)  # one sample's gradient at a time
    for a, b in zip(
        first, fastup.conv_transpose_backward(g, x, w, workers=2, **kwargs), strict=True
    ):
        np.testing.assert_array_equal(a, b)
    want = oracle.conv_transpose_backward(
        g.astype(np.float64), x.astype(np.float64), w.astype(np.float64), **kwargs
    )
    for a, b in zip(first, want, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-3)
