"""Tests of the transposed-convolution family of ``fastup.oracle`` (``conv_transpose``, ``conv``,
``conv_transpose_backward``, ``resize_backward``, ``interpolation_kernel``, ``checkerboard``)
against facts that do not come from the fast path: small matrices written out by hand from the
definition (convolution is a matrix, deconvolution its transpose), the dense matrix built entry by
entry by ``oracle.conv_matrix``, the dot-product (adjoint) identity, PyTorch's ``F.conv*`` and
autograd, and the resize oracle itself for ``interpolation_kernel``.
"""

from __future__ import annotations

import itertools
import math
import zlib

import numpy as np
import pytest

from fastup import oracle

MODES = ("nearest", "linear", "cubic", "area", "lanczos")
COORDINATE_MODES = (
    "half_pixel",
    "half_pixel_symmetric",
    "pytorch_half_pixel",
    "align_corners",
    "asymmetric",
    "tf_crop_and_resize",
)


def _dot(a, b):
    return float(np.sum(np.asarray(a, dtype=np.float64) * np.asarray(b, dtype=np.float64)))


def _assert_same_dot(lhs_a, lhs_b, rhs_a, rhs_b, rtol=1e-12):
    lhs, rhs = _dot(lhs_a, lhs_b), _dot(rhs_a, rhs_b)
    scale = float(np.sum(np.abs(lhs_a) * np.abs(lhs_b))) + 1e-300
    assert abs(lhs - rhs) <= rtol * scale, (lhs, rhs)


# --------------------------------------------------------------------------------------------
# random configurations
# --------------------------------------------------------------------------------------------


def conv_config(seed):
    """A random valid conv configuration (1 to 3 spatial dims, groups, strides, dilations,
    asymmetric padding); conv output length >= 1 in every dim."""
    rng = np.random.default_rng(seed)
    nd = int(rng.integers(1, 4))
    groups = int(rng.choice([1, 1, 2, 3]))
    cig, cog = int(rng.integers(1, 3)), int(rng.integers(1, 3))
    N = int(rng.integers(1, 3))
    kmax = {1: 5, 2: 4, 3: 3}[nd]
    K = tuple(int(v) for v in rng.integers(1, kmax + 1, nd))
    s = tuple(int(v) for v in rng.integers(1, 4, nd))
    d = tuple(int(v) for v in rng.integers(1, 3, nd))
    pads = tuple((int(rng.integers(0, 3)), int(rng.integers(0, 3))) for _ in range(nd))
    lmax = {1: 12, 2: 7, 3: 5}[nd]
    L = []
    for k, di, (pb, pe) in zip(K, d, pads, strict=True):
        lo = max(1, di * (k - 1) + 1 - pb - pe)  # conv output length >= 1
        L.append(int(rng.integers(lo, max(lo, lmax) + 1)))
    x = rng.standard_normal((N, groups * cig) + tuple(L))
    w = rng.standard_normal((groups * cog, cig) + K)
    b = rng.standard_normal(groups * cog)
    return dict(x=x, w=w, b=b, stride=s, padding=pads, dilation=d, groups=groups, rng=rng)


def conv_out_lengths(L, K, s, pads, d):
    return tuple(
        (Li + pb + pe - di * (k - 1) - 1) // si + 1
        for Li, k, si, (pb, pe), di in zip(L, K, s, pads, d, strict=True)
    )


def back_to_length(L, K, s, pads, d):
    """The output_padding with which conv_transpose of conv's output has length L again."""
    return tuple(
        (Li + pb + pe - di * (k - 1) - 1) % si
        for Li, k, si, (pb, pe), di in zip(L, K, s, pads, d, strict=True)
    )


# --------------------------------------------------------------------------------------------
# convolution as a matrix, written out by hand
# --------------------------------------------------------------------------------------------


def test_matrix_1d_stride_1_padding_1():
    # w = [1, 2, 3], L = 4, stride 1, padding 1: xpad = [0, x0, x1, x2, x3, 0],
    # out[o] = 1*xpad[o] + 2*xpad[o+1] + 3*xpad[o+2], length (4 + 2 - 2 - 1)/1 + 1 = 4:
    #   out0 = 2 x0 + 3 x1                 -> [2, 3, 0, 0]
    #   out1 = 1 x0 + 2 x1 + 3 x2          -> [1, 2, 3, 0]
    #   out2 = 1 x1 + 2 x2 + 3 x3          -> [0, 1, 2, 3]
    #   out3 = 1 x2 + 2 x3                 -> [0, 0, 1, 2]
    # conv_transpose (stride 1, padding 1) is the transpose: the kernel flipped.
    M = np.array([[2, 3, 0, 0], [1, 2, 3, 0], [0, 1, 2, 3], [0, 0, 1, 2]], dtype=float)
    w = np.array([[[1.0, 2.0, 3.0]]])
    np.testing.assert_array_equal(oracle.conv_matrix((1, 4), w, padding=1), M)
    x = np.array([[1.0, -2.0, 5.0, 7.0]])
    np.testing.assert_array_equal(oracle.conv(x, w, padding=1)[0], M @ x[0])
    y = np.array([[3.0, 1.0, -1.0, 2.0]])
    np.testing.assert_array_equal(oracle.conv_transpose(y, w, padding=1)[0], M.T @ y[0])
    # by hand: M.T @ [3, 1, -1, 2] = [2*3 + 1, 3*3 + 2 - 1, 3 - 2 + 2, -3 + 4]
    np.testing.assert_array_equal(oracle.conv_transpose(y, w, padding=1)[0], [7, 10, 3, 1])


def test_matrix_1d_stride_2():
    # w = [1, 2, 3], L = 5, stride 2, no padding: length (5 - 2 - 1)//2 + 1 = 2,
    #   out0 = x0 + 2 x1 + 3 x2            -> [1, 2, 3, 0, 0]
    #   out1 = x2 + 2 x3 + 3 x4            -> [0, 0, 1, 2, 3]
    # conv_transpose of (y0, y1), stride 2: length (2 - 1)*2 + 2 + 1 = 5, y0 spreads
    # [1, 2, 3] from position 0 and y1 from position 2; they overlap at position 2:
    #   [y0, 2 y0, 3 y0 + y1, 2 y1, 3 y1] = M.T @ y
    M = np.array([[1, 2, 3, 0, 0], [0, 0, 1, 2, 3]], dtype=float)
    w = np.array([[[1.0, 2.0, 3.0]]])
    np.testing.assert_array_equal(oracle.conv_matrix((1, 5), w, stride=2), M)
    x = np.array([[[1.0, 2.0, 3.0, 4.0, 5.0]]])
    np.testing.assert_array_equal(oracle.conv(x, w, stride=2)[0, 0], [14.0, 26.0])
    y = np.array([[[1.0, 10.0]]])
    np.testing.assert_array_equal(oracle.conv_transpose(y, w, stride=2)[0, 0], [1, 2, 13, 20, 30])
    np.testing.assert_array_equal(oracle.conv_transpose(y, w, stride=2)[0, 0], M.T @ y[0, 0])
    # L = 6 gives the same conv output length; conv_transpose reaches 6 with output_padding 1,
    # and the extra position (no tap reaches it) is a zero row of M.T
    M6 = np.hstack([M, np.zeros((2, 1))])
    np.testing.assert_array_equal(oracle.conv_matrix((1, 6), w, stride=2), M6)
    np.testing.assert_array_equal(
        oracle.conv_transpose(y, w, stride=2, output_padding=1)[0, 0], M6.T @ y[0, 0]
    )


def test_matrix_1d_asymmetric_padding_and_dilation():
    # padding (1, 0), stride 2, w = [1, 2, 3], L = 4: xpad = [0, x0, x1, x2, x3], length 2:
    #   out0 = 2 x0 + 3 x1 -> [2, 3, 0, 0];  out1 = x1 + 2 x2 + 3 x3 -> [0, 1, 2, 3]
    w = np.array([[[1.0, 2.0, 3.0]]])
    M = np.array([[2, 3, 0, 0], [0, 1, 2, 3]], dtype=float)
    np.testing.assert_array_equal(oracle.conv_matrix((1, 4), w, stride=2, padding=[(1, 0)]), M)
    y = np.array([[[1.0, 10.0]]])
    # conv_transpose length (2-1)*2 - 1 - 0 + 2 + 0 + 1 = 4
    np.testing.assert_array_equal(
        oracle.conv_transpose(y, w, stride=2, padding=[(1, 0)])[0, 0], M.T @ y[0, 0]
    )
    # dilation 2, w = [1, 2], L = 4: taps o and o + 2, length 4 - 2 = 2:
    #   out0 = x0 + 2 x2 -> [1, 0, 2, 0];  out1 = x1 + 2 x3 -> [0, 1, 0, 2]
    w2 = np.array([[[1.0, 2.0]]])
    M2 = np.array([[1, 0, 2, 0], [0, 1, 0, 2]], dtype=float)
    np.testing.assert_array_equal(oracle.conv_matrix((1, 4), w2, dilation=2), M2)
    np.testing.assert_array_equal(oracle.conv_transpose(y, w2, dilation=2)[0, 0], M2.T @ y[0, 0])


def test_matrix_groups_by_hand():
    # two channels, groups=2, 1x1 kernels 2 and 3: the matrix is block diagonal diag(2 I, 3 I)
    w = np.array([[[2.0]], [[3.0]]])
    M = oracle.conv_matrix((2, 3), w, groups=2)
    np.testing.assert_array_equal(M, np.diag([2.0, 2, 2, 3, 3, 3]))


@pytest.mark.parametrize("seed", range(30))
def test_conv_is_its_matrix_and_conv_transpose_the_transpose(seed):
    cfg = conv_config(seed)
    x, w = cfg["x"][0], cfg["w"]
    s, pads, d, g = cfg["stride"], cfg["padding"], cfg["dilation"], cfg["groups"]
    if x.size * w.shape[0] > 3000:  # keep the dense matrix small
        x = x[(slice(None),) + tuple(slice(0, min(n, 4)) for n in x.shape[1:])]
        L = x.shape[1:]
        if any(
            Li + pb + pe < di * (k - 1) + 1
            for Li, (pb, pe), di, k in zip(L, pads, d, w.shape[2:], strict=True)
        ):
            pytest.skip("shrunk input too small")
    M = oracle.conv_matrix(x.shape, w, stride=s, padding=pads, dilation=d, groups=g)
    y = oracle.conv(x, w, stride=s, padding=pads, dilation=d, groups=g)
    np.testing.assert_allclose(y.ravel(), M @ x.ravel(), rtol=1e-12, atol=1e-12)
    op = back_to_length(x.shape[1:], w.shape[2:], s, pads, d)
    r = cfg["rng"].standard_normal(y.shape)
    xt = oracle.conv_transpose(
        r, w, stride=s, padding=pads, output_padding=op, dilation=d, groups=g
    )
    assert xt.shape == x.shape
    np.testing.assert_allclose(xt.ravel(), M.T @ r.ravel(), rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------------------------
# the adjoint identity
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(60))
def test_conv_transpose_is_the_adjoint_of_conv(seed):
    cfg = conv_config(seed)
    x, w = cfg["x"], cfg["w"]
    kw = dict(stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"])
    g = cfg["groups"]
    y = oracle.conv(x, w, groups=g, **kw)
    r = cfg["rng"].standard_normal(y.shape)
    L = x.shape[2:]
    op = back_to_length(L, w.shape[2:], cfg["stride"], cfg["padding"], cfg["dilation"])
    xt = oracle.conv_transpose(r, w, output_padding=op, groups=g, **kw)
    assert xt.shape == x.shape
    _assert_same_dot(y, r, x, xt)
    # output_size picks the same output_padding (spatial only, and with N, C too)
    np.testing.assert_array_equal(oracle.conv_transpose(r, w, groups=g, output_size=L, **kw), xt)
    np.testing.assert_array_equal(
        oracle.conv_transpose(r, w, groups=g, output_size=x.shape, **kw), xt
    )
    # unbatched
    np.testing.assert_array_equal(oracle.conv(x[0], w, groups=g, **kw), y[0])
    np.testing.assert_array_equal(
        oracle.conv_transpose(r[0], w, output_padding=op, groups=g, **kw), xt[0]
    )


@pytest.mark.parametrize("seed", range(40))
def test_conv_transpose_with_any_output_padding_is_the_adjoint_of_cropped_conv(seed):
    # conv_transpose with output_padding op (anything below max(stride, dilation)): the output
    # has length M = min + op; conv of a length-M signal has length L + op // stride, and
    # conv_transpose is the adjoint of conv followed by keeping the first L outputs.
    cfg = conv_config(1000 + seed)
    rng = cfg["rng"]
    w, g = cfg["w"], cfg["groups"]
    s, pads, d = cfg["stride"], cfg["padding"], cfg["dilation"]
    # conv_transpose input: the conv output of cfg's x (so lengths are valid)
    y = rng.standard_normal(
        (2, w.shape[0]) + conv_out_lengths(cfg["x"].shape[2:], w.shape[2:], s, pads, d)
    )
    op = tuple(int(rng.integers(0, max(si, di))) for si, di in zip(s, d, strict=True))
    try:
        xt = oracle.conv_transpose(
            y, w, stride=s, padding=pads, output_padding=op, dilation=d, groups=g
        )
    except ValueError as e:
        assert "non-positive" in str(e)
        return
    u = rng.standard_normal(xt.shape)
    cu = oracle.conv(u, w, stride=s, padding=pads, dilation=d, groups=g)
    assert all(c >= n for c, n in zip(cu.shape[2:], y.shape[2:], strict=True))
    cu = cu[(Ellipsis,) + tuple(slice(0, n) for n in y.shape[2:])]
    _assert_same_dot(xt, u, y, cu)
    # output_size reaches the same result
    np.testing.assert_array_equal(
        oracle.conv_transpose(
            y, w, stride=s, padding=pads, dilation=d, groups=g, output_size=xt.shape[2:]
        ),
        xt,
    )


# --------------------------------------------------------------------------------------------
# PyTorch
# --------------------------------------------------------------------------------------------


def _torch_conv_transpose(x, w, b, s, pads, op, d, g):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    fn = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[w.ndim - 3]
    T = torch.from_numpy
    bt = None if b is None else T(b)
    if all(pb == pe for pb, pe in pads):
        return fn(
            T(x),
            T(w),
            bt,
            stride=s,
            padding=tuple(p for p, _ in pads),
            output_padding=op,
            groups=g,
            dilation=d,
        ).numpy()
    # asymmetric: no padding, then crop pad_begin / pad_end from the two ends
    full = fn(T(x), T(w), bt, stride=s, padding=0, output_padding=op, groups=g, dilation=d).numpy()
    crop = tuple(slice(pb, n - pe) for (pb, pe), n in zip(pads, full.shape[2:], strict=True))
    return full[(Ellipsis,) + crop]


def _torch_conv(x, w, b, s, pads, d, g):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    fn = (F.conv1d, F.conv2d, F.conv3d)[w.ndim - 3]
    T = torch.from_numpy
    bt = None if b is None else T(b)
    flat = [v for pb_pe in reversed(pads) for v in pb_pe]  # F.pad: last dim first
    xp = F.pad(T(x), flat)
    return fn(xp, T(w), bt, stride=s, padding=0, dilation=d, groups=g).numpy()


@pytest.mark.parametrize("seed", range(50))
def test_matches_torch(seed):
    pytest.importorskip("torch")
    cfg = conv_config(2000 + seed)
    rng = cfg["rng"]
    x, w, b, g = cfg["x"], cfg["w"], cfg["b"], cfg["groups"]
    s, pads, d = cfg["stride"], cfg["padding"], cfg["dilation"]
    if seed % 3 == 0:  # symmetric padding goes to torch directly
        pads = tuple((pb, pb) for pb, _ in pads)
        if any(
            Li + 2 * pb < di * (k - 1) + 1
            for Li, (pb, _), di, k in zip(x.shape[2:], pads, d, w.shape[2:], strict=True)
        ):
            pads = tuple((2, 2) for _ in pads)
    bias = None if seed % 4 == 1 else b
    got = oracle.conv(x, w, bias, s, pads, d, g)
    want = _torch_conv(x, w, bias, s, pads, d, g)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)

    # conv_transpose: weight (C_in, C_out/g, *K) = w, which maps conv's C_out back to C_in,
    # with bias of length C_in and a random output_padding
    y = rng.standard_normal(got.shape)
    bt = None if bias is None else rng.standard_normal(x.shape[1])
    op = tuple(int(rng.integers(0, max(si, di))) for si, di in zip(s, d, strict=True))
    try:
        got_t = oracle.conv_transpose(y, w, bt, s, pads, op, g, d)
    except ValueError as e:
        assert "non-positive" in str(e)
        return
    want_t = _torch_conv_transpose(y, w, bt, s, pads, op, d, g)
    assert got_t.shape == want_t.shape
    np.testing.assert_allclose(got_t, want_t, rtol=1e-12, atol=1e-12)


def test_matches_torch_unequal_groups_and_float32():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(5)
    # groups=3, 6 input channels, 2 output channels per group (onnx.reference breaks here)
    x = rng.standard_normal((2, 6, 5, 4)).astype(np.float32)
    w = rng.standard_normal((6, 2, 3, 2)).astype(np.float32)
    b = rng.standard_normal(6).astype(np.float32)
    got = oracle.conv_transpose(x, w, b, stride=(2, 1), padding=(1, 0), groups=3, dilation=(1, 2))
    want = F.conv_transpose2d(
        torch.from_numpy(x).double(),
        torch.from_numpy(w).double(),
        torch.from_numpy(b).double(),
        stride=(2, 1),
        padding=(1, 0),
        groups=3,
        dilation=(1, 2),
    ).numpy()
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, want.astype(np.float32))  # float64 result, rounded once


@pytest.mark.parametrize("seed", range(30))
def test_backward_matches_torch_autograd(seed):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    cfg = conv_config(3000 + seed)
    rng = cfg["rng"]
    w, g = cfg["w"], cfg["groups"]
    s, pads, d = cfg["stride"], cfg["padding"], cfg["dilation"]
    x = rng.standard_normal(oracle.conv(cfg["x"], w, None, s, pads, d, g).shape)
    op = tuple(int(rng.integers(0, max(si, di))) for si, di in zip(s, d, strict=True))
    try:
        y = oracle.conv_transpose(x, w, None, s, pads, op, g, d)
    except ValueError as e:  # padding larger than the reach of the kernel: drop the padding
        assert "non-positive" in str(e)
        pads = tuple((0, 0) for _ in s)
        y = oracle.conv_transpose(x, w, None, s, pads, op, g, d)
    go = rng.standard_normal(y.shape)
    gx, gw, gb = oracle.conv_transpose_backward(go, x, w, s, pads, op, g, d)

    xt = torch.tensor(x, requires_grad=True)
    wt = torch.tensor(w, requires_grad=True)
    bt = torch.zeros(y.shape[1], dtype=torch.float64, requires_grad=True)
    fn = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[w.ndim - 3]
    full = fn(xt, wt, bt, stride=s, padding=0, output_padding=op, groups=g, dilation=d)
    crop = tuple(slice(pb, n - pe) for (pb, pe), n in zip(pads, full.shape[2:], strict=True))
    yt = full[(Ellipsis,) + crop]
    np.testing.assert_allclose(yt.detach().numpy(), y, rtol=1e-12, atol=1e-12)
    (yt * torch.from_numpy(go)).sum().backward()
    np.testing.assert_allclose(gx, xt.grad.numpy(), rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(gw, wt.grad.numpy(), rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(gb, bt.grad.numpy(), rtol=1e-11, atol=1e-11)
    # grad_x is the convolution of grad_out with the same weight, cropped to the input length
    cg = oracle.conv(go, w, None, s, pads, d, g)
    cg = cg[(Ellipsis,) + tuple(slice(0, n) for n in x.shape[2:])]
    np.testing.assert_allclose(gx, cg, rtol=1e-12, atol=1e-12)
    # grad_bias is the sum of grad_out over N and space
    np.testing.assert_allclose(gb, go.sum(axis=(0,) + tuple(range(2, go.ndim))), rtol=1e-12)


def test_backward_needs_unbatched_and_dtypes():
    rng = np.random.default_rng(9)
    x = rng.standard_normal((3, 4, 5)).astype(np.float32)
    w = rng.standard_normal((3, 2, 2, 3)).astype(np.float32)
    y = oracle.conv_transpose(x, w, stride=2, padding=((0, 1), (1, 0)))
    go = rng.standard_normal(y.shape).astype(np.float32)
    gx, gw, gb = oracle.conv_transpose_backward(go, x, w, stride=2, padding=((0, 1), (1, 0)))
    assert gx.shape == x.shape and gw.shape == w.shape and gb.shape == (2,)
    assert gx.dtype == gw.dtype == gb.dtype == np.float32
    full = oracle.conv_transpose_backward(
        go[None].astype(np.float64),
        x[None].astype(np.float64),
        w.astype(np.float64),
        stride=2,
        padding=((0, 1), (1, 0)),
    )
    np.testing.assert_array_equal(gx, full[0][0].astype(np.float32))
    np.testing.assert_array_equal(gw, full[1].astype(np.float32))
    only_w = oracle.conv_transpose_backward(
        go, x, w, stride=2, padding=((0, 1), (1, 0)), needs=("weight",)
    )
    assert only_w[0] is None and only_w[2] is None
    np.testing.assert_array_equal(only_w[1], gw)
    only_b = oracle.conv_transpose_backward(
        go, x, w, stride=2, padding=((0, 1), (1, 0)), needs="bias"
    )
    assert only_b[0] is None and only_b[1] is None
    assert (
        oracle.conv_transpose_backward(go, x, w, stride=2, padding=((0, 1), (1, 0)), needs=())[0]
        is None
    )


# --------------------------------------------------------------------------------------------
# dtypes, layouts, out=, inputs untouched
# --------------------------------------------------------------------------------------------


def test_dtypes_out_and_inputs():
    rng = np.random.default_rng(3)
    x64 = rng.standard_normal((1, 2, 6))
    w64 = rng.standard_normal((2, 3, 3))
    ref = oracle.conv_transpose(x64, w64, stride=2)
    for dt in (np.float16, np.float32):
        x, w = x64.astype(dt), w64.astype(dt)
        before = x.copy(), w.copy()
        got = oracle.conv_transpose(x, w, stride=2)
        assert got.dtype == dt and got.flags.c_contiguous
        exact = oracle.conv_transpose(x.astype(np.float64), w.astype(np.float64), stride=2)
        np.testing.assert_array_equal(got, exact.astype(dt))  # float64, cast once
        np.testing.assert_array_equal(x, before[0])
        np.testing.assert_array_equal(w, before[1])
    big_endian = x64.astype(">f8")
    np.testing.assert_array_equal(oracle.conv_transpose(big_endian, w64, stride=2), ref)
    out = np.empty_like(ref)
    assert oracle.conv_transpose(x64, w64, stride=2, out=out, workers=3) is out
    np.testing.assert_array_equal(out, ref)
    # non-contiguous inputs, torch tensors
    xs = np.repeat(x64, 2, axis=2)[:, :, ::2]
    np.testing.assert_array_equal(oracle.conv_transpose(xs, w64, stride=2), ref)
    torch = pytest.importorskip("torch")
    np.testing.assert_array_equal(
        oracle.conv_transpose(torch.from_numpy(x64), torch.from_numpy(w64), stride=2), ref
    )
    wc = rng.standard_normal((4, 2, 3))
    c = oracle.conv(x64.astype(np.float16), wc.astype(np.float16), padding=1)
    assert c.dtype == np.float16 and c.shape == (1, 4, 6)
    # a zero batch works
    assert oracle.conv_transpose(np.zeros((0, 2, 6)), w64, stride=2).shape == (0, 3, 13)
    assert oracle.conv(np.zeros((0, 2, 6)), wc).shape == (0, 4, 4)


def test_output_padding_beyond_stride_with_dilation():
    # stride 1, dilation 3: output_padding 1 and 2 (< dilation) are allowed and only add
    # positions at the end that no tap reaches past the full output (they hold the bias)
    x = np.array([[[1.0, 2.0]]])
    w = np.array([[[1.0, 1.0]]])
    base = oracle.conv_transpose(x, w, dilation=3)
    # full: positions j + 3q: 1 at 0, 2 at 1, 1 at 3, 2 at 4
    np.testing.assert_array_equal(base[0, 0], [1, 2, 0, 1, 2])
    got = oracle.conv_transpose(x, w, np.array([0.5]), dilation=3, output_padding=2)
    np.testing.assert_array_equal(got[0, 0], [1.5, 2.5, 0.5, 1.5, 2.5, 0.5, 0.5])


# --------------------------------------------------------------------------------------------
# resize_backward
# --------------------------------------------------------------------------------------------


def _roi(coordinate_mode, n, roi=(0.1, 0.8)):
    return [roi] * n if coordinate_mode == "tf_crop_and_resize" else None


def _resize_cases():
    for mode, cm in itertools.product(MODES, COORDINATE_MODES):
        yield mode, cm, dict(size=(7, 4))  # up along one axis, down along the other
        yield mode, cm, dict(scale=(1.7, 0.6))
        yield mode, cm, dict(size=(3, 9), exclude_outside=True)
        if mode in ("linear", "cubic", "lanczos"):
            yield mode, cm, dict(size=(2, 5), antialias=True)
            yield mode, cm, dict(scale=(0.45, 0.7), antialias=True, exclude_outside=True)
        if mode == "nearest":
            for nm in ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil"):
                yield mode, cm, dict(size=(9, 3), nearest_mode=nm)
        if mode == "cubic":
            yield mode, cm, dict(size=(8, 3), cubic_a=-0.5)
        if cm != "tf_crop_and_resize":
            yield mode, cm, dict(size=(6, 6), size_policy="not_smaller")


@pytest.mark.parametrize(
    "mode,coordinate_mode,kw", list(_resize_cases()), ids=lambda v: str(v).replace(" ", "")
)
def test_resize_backward_is_the_adjoint(mode, coordinate_mode, kw):
    rng = np.random.default_rng(zlib.crc32(f"{mode} {coordinate_mode} {kw}".encode()))
    x = rng.standard_normal((2, 5, 6))
    kw = dict(
        kw, axes=(1, 2), mode=mode, coordinate_mode=coordinate_mode, roi=_roi(coordinate_mode, 2)
    )
    y = oracle.resize(x, **kw)
    g = rng.standard_normal(y.shape)
    gx = oracle.resize_backward(g, x.shape, **kw)
    assert gx.shape == x.shape and gx.dtype == np.float64
    _assert_same_dot(y, g, x, gx)


@pytest.mark.parametrize("mode", MODES)
def test_resize_backward_is_the_transposed_weight_matrix(mode):
    # one axis: resize of the identity gives the (M, L) matrix W column by column;
    # resize_backward of the identity (M, M) along axis 0 must give W.T
    for L, M in ((4, 7), (7, 3), (5, 5)):
        W = oracle.resize(np.eye(L), M, axes=0, mode=mode)
        B = oracle.resize_backward(np.eye(M), (L, M), M, axes=0, mode=mode)
        np.testing.assert_array_equal(B, W.T)


def test_resize_backward_nearest_scatters_by_hand():
    # 2 -> 5 nearest, half_pixel: x(o) = (o + 0.5) * 2/5 - 0.5 = -0.3, 0.1, 0.5, 0.9, 1.3
    # round_prefer_floor -> 0, 0, 0, 1, 1: input 0 collects g0 + g1 + g2, input 1 g3 + g4
    g = np.array([1.0, 2.0, 4.0, 8.0, 16.0])
    np.testing.assert_array_equal(oracle.resize_backward(g, (2,), 5, mode="nearest"), [7, 24])
    np.testing.assert_array_equal(
        oracle.resize_backward(g, (2,), 5, mode="nearest", nearest_mode="round_prefer_ceil"),
        [3, 28],
    )


def test_resize_backward_extrapolated_outputs_contribute_nothing():
    # tf_crop_and_resize with a roi reaching outside: those outputs are extrapolation_value,
    # constant in x, so their gradient is dropped; resize is then affine and the adjoint
    # identity holds for resize(x) - resize(0)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 6))
    for mode in MODES:
        kw = dict(
            mode=mode,
            coordinate_mode="tf_crop_and_resize",
            roi=[(-0.4, 1.3), (0.2, 1.5)],
            extrapolation_value=3.5,
        )
        y = oracle.resize(x, (8, 7), **kw)
        y0 = oracle.resize(np.zeros_like(x), (8, 7), **kw)
        assert np.any(y0 == 3.5)
        g = rng.standard_normal(y.shape)
        gx = oracle.resize_backward(g, x.shape, (8, 7), **kw)
        _assert_same_dot(y - y0, g, x, gx)
        # gradient on the extrapolated outputs only: nothing reaches x
        only_outside = np.where(y0 == 3.5, g, 0.0)
        np.testing.assert_array_equal(
            oracle.resize_backward(only_outside, x.shape, (8, 7), **kw), 0.0
        )


def test_resize_backward_dtypes_out_and_empty():
    rng = np.random.default_rng(2)
    g = rng.standard_normal((1, 1, 6, 4))
    ref = oracle.resize_backward(g, (1, 1, 3, 2), scale=2.0, mode="cubic")
    for dt in (np.float16, np.float32):
        got = oracle.resize_backward(g.astype(dt), (1, 1, 3, 2), scale=2.0, mode="cubic")
        assert got.dtype == dt
        exact = oracle.resize_backward(
            g.astype(dt).astype(np.float64), (1, 1, 3, 2), scale=2.0, mode="cubic"
        )
        np.testing.assert_array_equal(got, exact.astype(dt))
    out = np.empty((1, 1, 3, 2))
    assert oracle.resize_backward(g, (1, 1, 3, 2), scale=2.0, mode="cubic", out=out) is out
    np.testing.assert_array_equal(out, ref)
    # an empty axis that is not resized; a resized axis to or from length 0 is refused
    assert oracle.resize_backward(np.zeros((0, 4)), (0, 4), 4).shape == (0, 4)
    with pytest.raises(ValueError, match="would be resized to length 0"):
        oracle.resize_backward(np.zeros((3, 0)), (3, 4), 0)
    with pytest.raises(ValueError, match="it has length 0"):
        oracle.resize_backward(np.zeros((3, 4)), (3, 0), 4)


def test_resize_backward_matches_torch_autograd():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(4)
    x = rng.standard_normal((1, 2, 5, 4))
    for torch_mode, kw in (
        ("bilinear", dict(mode="linear")),
        ("bicubic", dict(mode="cubic")),
        ("nearest", dict(mode="nearest", coordinate_mode="asymmetric", nearest_mode="floor")),
        ("area", dict(mode="area")),
    ):
        for size in ((10, 12), (3, 2)):
            if torch_mode == "area" and size == (3, 2):
                continue  # torch's adaptive pooling is not a box of width 1/scale when 5 -> 3
            xt = torch.tensor(x, requires_grad=True)
            extra = {} if torch_mode in ("nearest", "area") else {"align_corners": False}
            yt = F.interpolate(xt, size=size, mode=torch_mode, **extra)
            g = rng.standard_normal(tuple(yt.shape))
            (yt * torch.from_numpy(g)).sum().backward()
            np.testing.assert_allclose(
                oracle.resize(x, size, **kw), yt.detach().numpy(), rtol=1e-12, atol=1e-12
            )
            np.testing.assert_allclose(
                oracle.resize_backward(g, x.shape, size, **kw),
                xt.grad.numpy(),
                rtol=1e-11,
                atol=1e-11,
            )


# --------------------------------------------------------------------------------------------
# interpolation_kernel
# --------------------------------------------------------------------------------------------


def test_interpolation_kernel_hand_values():
    # linear, stride 2: K = 2*2 = 4, c = 1.5, w = 1 - |q - 1.5|/2, p = (4 - 2)/2 = 1 (FCN)
    w, p = oracle.interpolation_kernel(2, "linear", ndim=1, dtype=np.float64)
    np.testing.assert_array_equal(w, [[[0.25, 0.75, 0.75, 0.25]]])
    assert p == (1,)
    # stride 3: K = 5, c = 2, w = 1 - |q - 2|/3, p = 1
    w, p = oracle.interpolation_kernel(3, "bilinear", ndim=1, dtype=np.float64)
    np.testing.assert_allclose(w[0, 0], [1 / 3, 2 / 3, 1, 2 / 3, 1 / 3], rtol=1e-15)
    assert p == (1,)
    # 2-D: the outer product; float32 default dtype
    w, p = oracle.interpolation_kernel((2, 3))
    assert w.shape == (1, 1, 4, 5) and w.dtype == np.float32 and p == (1, 1)
    np.testing.assert_allclose(
        w[0, 0], np.outer([0.25, 0.75, 0.75, 0.25], [1 / 3, 2 / 3, 1, 2 / 3, 1 / 3]), rtol=1e-7
    )
    # nearest / area: a repeat
    for mode in ("nearest", "area"):
        w, p = oracle.interpolation_kernel(3, mode, ndim=3, dtype=np.float16)
        np.testing.assert_array_equal(w, np.ones((1, 1, 3, 3, 3), np.float16))
        assert p == (0, 0, 0)
    # cubic, stride 2: K = 8, t = (3.5 - q)/2 = +-1.75, +-1.25, +-0.75, +-0.25 with a = -0.75
    a = -0.75

    def keys(t):
        t = abs(t)
        if t <= 1:
            return (a + 2) * t**3 - (a + 3) * t**2 + 1
        return a * t**3 - 5 * a * t**2 + 8 * a * t - 4 * a

    w, p = oracle.interpolation_kernel(2, "cubic", ndim=1, dtype=np.float64)
    np.testing.assert_allclose(w[0, 0], [keys((3.5 - q) / 2) for q in range(8)], rtol=1e-15)
    assert p == (3,)
    # every phase of every kernel sums to 1 (a constant stays constant)
    for mode, s in itertools.product(MODES, (1, 2, 3, 4, 5)):
        w, p = oracle.interpolation_kernel(s, mode, ndim=1, dtype=np.float64)
        K = w.shape[-1]
        for r in range(s):
            assert math.isclose(w[0, 0, r::s].sum(), 1.0, rel_tol=1e-14)
        assert (K - 2 * p[0] - s) == 0 or mode in ("nearest", "area")


def _interior(L, s, support):
    """Resize outputs of an L -> s*L half_pixel upscale whose taps all lie in [0, L)."""
    keep = []
    for o in range(s * L):
        x = (o + 0.5) / s - 0.5
        lo, hi = math.floor(x - support) + 1, math.ceil(x + support) - 1
        keep.append(lo >= 0 and hi <= L - 1)
    return np.array(keep)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "ndim,strides", [(1, 1), (1, 2), (1, 3), (1, 4), (1, 5), (2, (2, 3)), (2, 4), (3, (3, 2, 1))]
)
def test_interpolation_kernel_reproduces_resize_in_the_interior(mode, ndim, strides):
    rng = np.random.default_rng(7)
    support = {"nearest": 0.5, "area": 0.5, "linear": 1, "cubic": 2, "lanczos": 3}[mode]
    L = {1: 13, 2: 8, 3: 7}[ndim]
    C = 2
    x = rng.standard_normal((1, C) + (L,) * ndim)
    w, p = oracle.interpolation_kernel(strides, mode, ndim=ndim, dtype=np.float64)
    s = (strides,) * ndim if np.ndim(strides) == 0 else strides
    got = oracle.conv_transpose(x, np.tile(w, (C, 1) + (1,) * ndim), stride=s, padding=p, groups=C)
    assert got.shape == (1, C) + tuple(si * L for si in s)
    want = oracle.resize(x, scale=[float(v) for v in s], mode=mode)
    assert want.shape == got.shape
    if mode in ("nearest", "area"):  # a repeat: exact everywhere, borders included
        np.testing.assert_array_equal(got, want)
        return
    mask = np.ones(got.shape[2:], dtype=bool)
    for i, si in enumerate(s):
        shape = [1] * ndim
        shape[i] = si * L
        mask = mask & _interior(L, si, support).reshape(shape)
    assert mask.any()
    np.testing.assert_allclose(got[..., mask], want[..., mask], rtol=1e-12, atol=1e-13)


# --------------------------------------------------------------------------------------------
# checkerboard
# --------------------------------------------------------------------------------------------


def test_checkerboard_known_cases():
    np.testing.assert_array_equal(oracle.checkerboard(3, 2), [2, 1])  # uneven: artifacts
    np.testing.assert_array_equal(oracle.checkerboard(4, 2), [2, 2])  # even: none
    np.testing.assert_array_equal(oracle.checkerboard(3, 1), [3])
    np.testing.assert_array_equal(oracle.checkerboard(5, 3), [2, 2, 1])
    np.testing.assert_array_equal(oracle.checkerboard(1, 2), [1, 0])  # holes
    # dilation 2, stride 2: every tap lands on phase 0
    np.testing.assert_array_equal(oracle.checkerboard(3, 2, dilation=2), [3, 0])
    # dilation 3, stride 2: taps at 0, 3, 6, 9 -> phases 0, 1, 0, 1
    np.testing.assert_array_equal(oracle.checkerboard(4, 2, dilation=3), [2, 2])
    # dilation 2, stride 4: taps 0, 2, 4 -> phases 0, 2, 0
    np.testing.assert_array_equal(oracle.checkerboard(3, 4, dilation=2), [2, 0, 1, 0])
    # 2-D: outer product of the per-dim counts
    cb = oracle.checkerboard((3, 4), 2)
    np.testing.assert_array_equal(cb, [[4, 4], [2, 2]])
    assert cb.dtype.kind == "i"
    np.testing.assert_array_equal(
        oracle.checkerboard((3, 3, 3), (2, 2, 1)), np.multiply.outer(np.outer([2, 1], [2, 1]), [3])
    )


@pytest.mark.parametrize("k,s,d", [(3, 2, 1), (4, 2, 1), (5, 3, 2), (2, 3, 1), (4, 3, 2)])
def test_checkerboard_counts_a_transposed_convolution_of_ones(k, s, d):
    # conv_transpose of a long constant with a kernel of ones: away from the ends, output
    # position u (uncropped) holds the number of taps reaching it, periodic in u mod s
    y = oracle.conv_transpose(np.ones((1, 1, 20)), np.ones((1, 1, k)), stride=s, dilation=d)[0, 0]
    cb = oracle.checkerboard(k, s, d)
    u0 = s * ((d * (k - 1)) // s + 1)
    for u in range(u0, u0 + 2 * s):
        assert y[u] == cb[u % s]


# --------------------------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------------------------

X1 = np.zeros((1, 2, 5))
W1 = np.zeros((2, 3, 3))  # conv_transpose: 2 -> 3 channels; conv: 3 outputs from 2 inputs? no


@pytest.mark.parametrize(
    "call,exc,match",
    [
        (lambda: oracle.conv_transpose(X1.astype(np.int32), W1), TypeError, "float16, float32"),
        (lambda: oracle.conv_transpose(X1.astype(bool), W1), TypeError, "float16, float32"),
        (lambda: oracle.conv_transpose(X1.astype(complex), W1), TypeError, "float16, float32"),
        (lambda: oracle.conv_transpose(X1, W1.astype(np.float32)), TypeError, "weight has dtype"),
        (
            lambda: oracle.conv_transpose(X1, W1, np.zeros(3, np.float32)),
            TypeError,
            "bias has dtype",
        ),
        (lambda: oracle.conv_transpose(X1, np.zeros((2, 3))), ValueError, "weight must have 3"),
        (
            lambda: oracle.conv_transpose(X1, np.zeros((2, 3, 1, 1, 1, 1))),
            ValueError,
            "weight must have 3",
        ),
        (lambda: oracle.conv_transpose(np.zeros((1, 1, 2, 5)), W1), ValueError, "needs x of"),
        (
            lambda: oracle.conv_transpose(np.zeros((1, 3, 5)), W1),
            ValueError,
            "expects 2 input channels",
        ),
        (lambda: oracle.conv_transpose(X1, W1, groups=3), ValueError, "not divisible by groups"),
        (lambda: oracle.conv_transpose(X1, W1, groups=0), ValueError, "groups must be >= 1"),
        (
            lambda: oracle.conv_transpose(X1, W1, np.zeros(2)),
            ValueError,
            r"bias must have shape \(3,\)",
        ),
        (lambda: oracle.conv_transpose(X1, W1, padding=-1), ValueError, "padding must be >= 0"),
        (
            lambda: oracle.conv_transpose(X1, W1, padding=[(0, -1)]),
            ValueError,
            "padding must be >= 0",
        ),
        (
            lambda: oracle.conv_transpose(X1, W1, padding=(1, 2)),
            ValueError,
            r"padding must be an int, 1 int\(s\)",
        ),
        (lambda: oracle.conv_transpose(X1, W1, padding=[(1, 2, 3)]), ValueError, "padding entries"),
        (
            lambda: oracle.conv_transpose(X1, W1, padding="same"),
            TypeError,
            "padding must be an int",
        ),
        (lambda: oracle.conv_transpose(X1, W1, stride=0), ValueError, "stride must be >= 1"),
        (lambda: oracle.conv_transpose(X1, W1, stride=1.5), TypeError, "stride must be an int"),
        (
            lambda: oracle.conv_transpose(X1, W1, stride=(1, 2)),
            ValueError,
            r"stride must be an int or 1 int\(s\)",
        ),
        (lambda: oracle.conv_transpose(X1, W1, dilation=0), ValueError, "dilation must be >= 1"),
        (
            lambda: oracle.conv_transpose(X1, W1, stride=2, output_padding=2),
            ValueError,
            "output_padding must be smaller than stride or dilation",
        ),
        (
            lambda: oracle.conv_transpose(X1, W1, output_padding=-1),
            ValueError,
            "output_padding must be >= 0",
        ),
        (
            lambda: oracle.conv_transpose(X1, W1, stride=2, output_size=[10]),
            ValueError,
            r"reachable sizes range from \(11,\) to \(12,\)",
        ),
        (
            lambda: oracle.conv_transpose(X1, W1, stride=2, output_size=[13]),
            ValueError,
            "reachable sizes range",
        ),
        (
            lambda: oracle.conv_transpose(X1, W1, stride=2, output_size=[1, 11]),
            ValueError,
            "output_size must give the 1 spatial length",
        ),
        (
            lambda: oracle.conv_transpose(X1, W1, stride=2, output_size=[1, 4, 11]),
            ValueError,
            "names the non-spatial dims",
        ),
        (
            lambda: oracle.conv_transpose(X1, W1, stride=2, output_padding=1, output_size=[11]),
            ValueError,
            "contradicts output_size",
        ),
        (
            lambda: oracle.conv_transpose(np.zeros((1, 2, 1)), np.zeros((2, 3, 1)), padding=1),
            ValueError,
            "non-positive",
        ),
        (lambda: oracle.conv_transpose(np.zeros((1, 2, 0)), W1), ValueError, "empty"),
        (lambda: oracle.conv_transpose(X1, np.zeros((2, 0, 3))), ValueError, "empty"),
        (
            lambda: oracle.conv_transpose(X1, W1, out=np.zeros((1, 3, 6))),
            ValueError,
            "out has shape",
        ),
        (
            lambda: oracle.conv_transpose(X1, W1, out=np.zeros((1, 3, 7), np.float32)),
            TypeError,
            "out has dtype",
        ),
        (
            lambda: oracle.conv(X1, np.zeros((3, 1, 3))),
            ValueError,
            r"expects 1 input channels \(weight.shape\[1\] \* groups\)",
        ),
        (
            lambda: oracle.conv(X1, np.zeros((3, 1, 3)), groups=2),
            ValueError,
            "3 output channels .* not divisible by groups=2",
        ),
        (lambda: oracle.conv(X1, np.zeros((3, 2, 7))), ValueError, "non-positive"),
        (
            lambda: oracle.conv(X1, np.zeros((3, 2, 3)), padding=[-1]),
            ValueError,
            "padding must be >= 0",
        ),
        (lambda: oracle.conv(X1.astype(np.int64), np.zeros((3, 2, 3))), TypeError, "float16"),
        (
            lambda: oracle.conv(X1, np.zeros((3, 2, 3)), np.zeros((2,))),
            ValueError,
            "bias must have shape",
        ),
        (
            lambda: oracle.conv_transpose_backward(np.zeros((1, 3, 7)), X1, W1, needs=("grad",)),
            ValueError,
            "needs may name",
        ),
        (
            lambda: oracle.conv_transpose_backward(np.zeros((1, 3, 8)), X1, W1),
            ValueError,
            "grad_out has shape",
        ),
        (
            lambda: oracle.conv_transpose_backward(np.zeros((1, 3, 7), np.float32), X1, W1),
            TypeError,
            "grad_out has dtype",
        ),
        (
            lambda: oracle.conv_transpose_backward(np.zeros((1, 3, 7)), X1, W1, output_padding=1),
            ValueError,
            "output_padding must be smaller",
        ),
        (lambda: oracle.resize_backward(np.zeros(4, np.int32), (2,), 4), TypeError, "float16"),
        (lambda: oracle.resize_backward(np.zeros(5), (2,), 4), ValueError, "grad_out has shape"),
        (
            lambda: oracle.resize_backward(np.zeros(4), (-2,), 4),
            ValueError,
            "input_shape must be non-negative",
        ),
        (lambda: oracle.resize_backward(np.zeros(4), (2.5,), 4), TypeError, "input_shape"),
        (
            lambda: oracle.resize_backward(np.zeros(4), (2,), 4, mode="box"),
            ValueError,
            "mode must be one of",
        ),
        (
            lambda: oracle.resize_backward(np.zeros(4), (2,), 4, scale=2.0),
            ValueError,
            "exactly one of size and scale",
        ),
        (
            lambda: oracle.resize_backward(np.zeros(4), (2,), 4, mode="area", antialias=True),
            ValueError,
            "antialias applies",
        ),
        (lambda: oracle.interpolation_kernel(2, "box"), ValueError, "mode must be one of"),
        (lambda: oracle.interpolation_kernel(2, ndim=4), ValueError, "ndim must be 1, 2 or 3"),
        (lambda: oracle.interpolation_kernel(0), ValueError, "stride must be >= 1"),
        (lambda: oracle.interpolation_kernel(1.5), TypeError, "stride must be an int"),
        (
            lambda: oracle.interpolation_kernel((2, 3), ndim=3),
            ValueError,
            r"stride must be an int or 3 int\(s\)",
        ),
        (
            lambda: oracle.interpolation_kernel(2, dtype=np.int32),
            TypeError,
            "dtype must be float16",
        ),
        (lambda: oracle.checkerboard(0, 2), ValueError, "kernel_size must be >= 1"),
        (lambda: oracle.checkerboard(3, 0), ValueError, "stride must be >= 1"),
        (lambda: oracle.checkerboard(3, 2, dilation=0), ValueError, "dilation must be >= 1"),
        (lambda: oracle.checkerboard((3, 3), (2, 2, 2)), ValueError, "same length"),
        (lambda: oracle.checkerboard(3.0, 2), TypeError, "kernel_size must be an int"),
        (lambda: oracle.conv_matrix((1, 2, 5), np.zeros((1, 2, 3))), ValueError, "unbatched"),
    ],
)
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
