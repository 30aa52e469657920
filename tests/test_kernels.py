"""The compiled building blocks on their own: the matrix product (every shape class, stride
and transpose, accumulation, thread invariance) and the table-window checks."""

import itertools
import operator
import os
import subprocess
import sys

import numpy as np
import pytest
from _arrays import assert_integers_close
from hypothesis import given
from hypothesis import strategies as st

from fastup import _kernels


@given(
    m=st.integers(1, 40),
    k=st.integers(1, 300),
    n=st.integers(1, 150),
    dtype=st.sampled_from([np.float32, np.float64]),
    transpose_a=st.booleans(),
    transpose_b=st.booleans(),
    accumulate=st.booleans(),
)
def test_gemm_matches_float64_product(m, k, n, dtype, transpose_a, transpose_b, accumulate):
    rng = np.random.default_rng(m * 1000 + k * 10 + n)
    a = rng.standard_normal((k, m) if transpose_a else (m, k)).astype(dtype)
    b = rng.standard_normal((n, k) if transpose_b else (k, n)).astype(dtype)
    a = a.T if transpose_a else a
    b = b.T if transpose_b else b
    c = rng.standard_normal((m, n)).astype(dtype)
    expected = a.astype(np.float64) @ b.astype(np.float64) + (c if accumulate else 0)
    _kernels.gemm(a, b, c, accumulate, 1)
    tolerance = 1e-5 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(c, expected, rtol=tolerance, atol=tolerance * np.sqrt(k))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gemm_is_thread_invariant_and_writes_only_its_block(dtype):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((97, 333)).astype(dtype)
    b = rng.standard_normal((333, 1001)).astype(dtype)
    big = np.full((97, 1200), 7.0, dtype)
    view = big[:, 100:1101]  # unit column stride, row stride 1200
    _kernels.gemm(a, b, view, False, 1)
    one = view.copy()
    for n in (2, 3, 5):
        view[...] = 0
        _kernels.gemm(a, b, view, False, n)
        np.testing.assert_array_equal(view, one)
    assert np.all(big[:, :100] == 7) and np.all(big[:, 1101:] == 7)


def test_gemm_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="gemm: shape mismatch"):
        _kernels.gemm(np.zeros((3, 4)), np.zeros((5, 2)), np.zeros((3, 2)), False, 1)


def _isa_with(**env: str) -> str:
    code = "from fastup import _kernels; print(_kernels.simd_isa())"
    run = subprocess.run(
        [sys.executable, "-c", code], env=dict(os.environ, **env), capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


def test_simd_isa_is_reported_and_can_be_turned_off():
    isa = _kernels.simd_isa()
    assert isa in ("avx512", "avx2", "generic")
    assert _isa_with(FASTUP_DISABLE_AVX2="1") == "generic"
    assert _isa_with(FASTUP_DISABLE_AVX2="1", FASTUP_DISABLE_AVX512="0") == "generic"
    assert _isa_with(FASTUP_DISABLE_AVX512="1") == ("avx2" if isa == "avx512" else isa)


_GEMM_CASES = """
import hashlib
import numpy as np
import fastup
from fastup import _kernels
rng = np.random.default_rng(8)
digest = hashlib.sha256()
for dt in (np.float32, np.float64):
    for m, k, n in ((70, 300, 530), (6, 32, 32), (13, 700, 99), (1, 5, 3), (97, 257, 1025)):
        a = rng.standard_normal((m, k)).astype(dt)
        b = rng.standard_normal((k, n)).astype(dt)
        for bt in (b, np.asfortranarray(b)):
            c = np.zeros((m, n), dt)
            _kernels.gemm(a, bt, c, False, 2)
            digest.update(c.tobytes())
    x = rng.standard_normal((3, 40, 21, 23)).astype(dt)
    w = rng.standard_normal((40, 24, 3, 3)).astype(dt)
    for xs in (x, x[:1]):  # a batch, and one sample (split among the threads)
        y = fastup.conv_transpose(xs, w, stride=2, padding=1, workers=2)
        digest.update(y.tobytes())
        for g in fastup.conv_transpose_backward(y, xs, w, stride=2, padding=1, workers=2):
            digest.update(np.asarray(g).tobytes())
print(digest.hexdigest())
"""


def test_gemm_avx512_and_avx2_copies_give_the_same_bits():
    """The AVX-512 matrix product is the AVX2 one on vectors twice as wide: every element the
    same fused multiply-adds in the same order, so the products (and the convolutions built on
    them) have the same bits on either kind of machine."""
    if _kernels.simd_isa() != "avx512":
        pytest.skip("no AVX-512 on this machine")
    digests = set()
    for off in ("0", "1"):
        run = subprocess.run(
            [sys.executable, "-c", _GEMM_CASES],
            env=dict(os.environ, FASTUP_DISABLE_AVX512=off),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert run.returncode == 0, run.stderr[-3000:]
        digests.add(run.stdout.strip())
    assert len(digests) == 1


def test_resample_refuses_windows_outside_the_input():
    src = np.zeros((2, 5), np.float32)
    dst = np.zeros((2, 3), np.float32)
    weights = np.ones((3, 2), np.float32)
    careful = np.zeros(0, np.intp)
    with pytest.raises(ValueError, match="a table window reaches outside the input"):
        _kernels.resample(
            src, dst, np.array([0, 2, 4], np.intp), weights, careful, 2, 5, 3, 1, False, 1
        )
    with pytest.raises(ValueError, match="careful output indices must be increasing, in range"):
        _kernels.resample(
            src,
            dst,
            np.array([0, 1, 2], np.intp),
            weights,
            np.array([3], np.intp),
            2,
            5,
            3,
            1,
            False,
            1,
        )


# --------------------------------------------------------------------------------------------
# resample2d: the fused two-axis resample, against dense per-axis matrices
# --------------------------------------------------------------------------------------------

_INTS = {np.uint8: (0, 255), np.int8: (-128, 127), np.uint16: (0, 65535), np.int16: (-32768, 32767)}


def _table(rng, n_in, n_out, taps, zeros=False):
    """Random windows (any order) of ``taps`` inside [0, n_in), random weights; with
    ``zeros`` some weights are exactly 0."""
    taps = min(taps, n_in)
    start = rng.integers(0, n_in - taps + 1, n_out).astype(np.intp)
    weights = rng.uniform(-0.5, 1.5, (n_out, taps)).astype(np.float32)
    if zeros:
        weights[rng.random(weights.shape) < 0.3] = 0
    return start, weights


def _dense(start, weights, n_in):
    m = np.zeros((start.shape[0], n_in))
    for o, (s, w) in enumerate(zip(start, weights, strict=True)):
        m[o, s : s + w.shape[0]] += w
    return m


def _reference(x, ys, yw, xs, xw):
    """float64 result of the fused pass, from dense matrices (no table: rows as they are)."""
    P, H, W, C = x.shape
    my = np.eye(H) if ys is None else _dense(ys, yw, H)
    return np.einsum("yh,phwc,xw->pyxc", my, x.astype(np.float64), _dense(xs, xw, W))


def _careful(xs, xw):
    return np.flatnonzero((xw == 0).any(axis=1)).astype(np.intp)


def _run(x, out, ys, yw, xs, xw, careful, vfirst, nthreads):
    P, H, W, C = x.shape
    Ho, Wo = out.shape[1], out.shape[2]
    _kernels.resample2d(x, out, ys, yw, xs, xw, careful, P, H, W, C, Ho, Wo, vfirst, nthreads)


def _check(out, expected, dtype):
    if dtype in _INTS:
        lo, hi = _INTS[dtype]
        want = np.clip(np.rint(expected), lo, hi)
        assert np.abs(out.astype(np.float64) - want).max(initial=0) <= 1
    else:
        scale = 1 + np.abs(expected).max(initial=0)
        np.testing.assert_allclose(out, expected, rtol=0, atol=2e-5 * scale)


@given(
    planes=st.integers(1, 3),
    h=st.integers(1, 12),
    w=st.integers(1, 40),
    c=st.sampled_from([1, 2, 3, 4, 5, 7, 8, 15, 16, 17]),
    ho=st.integers(1, 14),
    wo=st.integers(1, 70),
    ty=st.integers(1, 6),
    tx=st.integers(1, 9),
    table_h=st.booleans(),
    vfirst=st.booleans(),
    src=st.sampled_from([np.uint8, np.int8, np.uint16, np.int16, np.float32]),
    dst=st.sampled_from([np.uint8, np.int16, np.float32]),
    zeros=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_resample2d_matches_dense_matrices(
    planes, h, w, c, ho, wo, ty, tx, table_h, vfirst, src, dst, zeros, seed
):
    rng = np.random.default_rng(seed)
    lo, hi = _INTS.get(src, (-100, 100))
    x = rng.integers(lo, hi, (planes, h, w, c), endpoint=True).astype(src)
    xs, xw = _table(rng, w, wo, tx, zeros)
    ys, yw = _table(rng, h, ho, ty, zeros) if table_h else (None, None)
    ho = ho if table_h else h
    careful = _careful(xs, xw) if src == np.float32 else np.zeros(0, np.intp)
    out = np.empty((planes, ho, wo, c), dst)
    _run(x, out, ys, yw, xs, xw, careful, vfirst, 1)
    _check(out, _reference(x, ys, yw, xs, xw), dst)
    again = np.empty_like(out)
    _run(x, again, ys, yw, xs, xw, careful, vfirst, 3)
    np.testing.assert_array_equal(again, out)


@pytest.mark.parametrize("c", [1, 3, 4])
@pytest.mark.parametrize("factor", [0.3, 0.9, 1.7, 2.0, 4.0])
@pytest.mark.parametrize("taps", [1, 2, 4, 6])
def test_resample2d_regular_tables_every_window_path(c, factor, taps):
    """Monotone windows like a real resize: blocks of 8 outputs within 8 floats, within 16,
    and beyond (one output at a time), and the scalar tail."""
    rng = np.random.default_rng(c * 100 + taps)
    w = 61
    wo = max(1, int(w * factor))
    xs = np.clip(np.floor((np.arange(wo) + 0.5) / factor - 0.5).astype(np.intp), 0, w - taps)
    xw = rng.uniform(0, 1, (wo, taps)).astype(np.float32)
    x = rng.standard_normal((2, 3, w, c)).astype(np.float32)
    out = np.empty((2, 3, wo, c), np.float32)
    _run(x, out, None, None, xs, xw, np.zeros(0, np.intp), False, 1)
    _check(out, _reference(x, None, None, xs, xw), np.float32)


def test_resample2d_never_reads_through_a_zero_weight():
    """NaN and inf behind exact-zero weights (both axes, both orders) stay out of the result."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((1, 6, 10, 3)).astype(np.float32)
    x[0, 5, :, :] = np.nan  # row 5 only has zero weights
    x[0, :, 9, :] = np.inf  # column 9 only has zero weights
    xs = np.array([0, 3, 7, 8], np.intp)
    xw = np.array([[0.5, 0.5], [0.25, 0.75], [1.0, 0.0], [1.0, 0.0]], np.float32)
    ys = np.array([0, 2, 4], np.intp)
    yw = np.array([[0.5, 0.5], [0.1, 0.9], [1.0, 0.0]], np.float32)
    expected = _reference(np.nan_to_num(x, nan=0, posinf=0), ys, yw, xs, xw)
    for vfirst in (False, True):
        out = np.empty((1, 3, 4, 3), np.float32)
        _run(x, out, ys, yw, xs, xw, _careful(xs, xw), vfirst, 1)
        assert np.isfinite(out).all()
        _check(out, expected, np.float32)


@pytest.mark.parametrize("tx", [7, 8, 13, 17, 40])
@pytest.mark.parametrize("ty", [3, 5, 9, 300])
@pytest.mark.parametrize("vfirst", [False, True])
def test_resample2d_wide_windows_of_one_element_per_pixel(tx, ty, vfirst):
    """Large shrinks of planes (C = 1): along W, windows of 8 taps or more are dot products
    (8 taps per fused multiply-add, the last group's loads masked to the window), including
    outputs short of a group of 8 and a NaN behind zero weights; along H, sums of any number
    of rows in registers, more than 256 of them one row at a time; against float64 products."""
    rng = np.random.default_rng(tx * 1000 + ty)
    h, w, wo = max(ty + 3, 12), 3 * tx + 11, 13
    ho = 5
    xs = np.linspace(0, w - tx, wo).astype(np.intp)
    xw = rng.uniform(0.0, 1.0, (wo, tx)).astype(np.float32)
    column = xs[4] + tx // 2  # NaN, read through zero weights only: those outputs recomputed
    for o in range(wo):
        if xs[o] <= column < xs[o] + tx:
            xw[o, column - xs[o]] = 0.0
    ys = np.linspace(0, h - ty, ho).astype(np.intp)
    yw = rng.uniform(0.0, 1.0, (ho, ty)).astype(np.float32)
    x = rng.standard_normal((2, h, w, 1)).astype(np.float32)
    x[:, :, column, :] = np.nan
    expected = _reference(np.nan_to_num(x, nan=0), ys, yw, xs, xw)
    for nthreads in (1, 2):
        out = np.empty((2, ho, wo, 1), np.float32)
        _run(x, out, ys, yw, xs, xw, _careful(xs, xw), vfirst, nthreads)
        _check(out, expected, np.float32)


@pytest.mark.parametrize("taps", [2, 3, 4])
@pytest.mark.parametrize("offset", [0, 1, 4, 13])
def test_resample2d_large_float32_output_is_streamed_to_the_same_values(taps, offset):
    """A float32 output of 16 MiB or more is written with non-temporal stores (AVX2; sums of
    2 and 4 rows straight from the registers, the whole cache lines of each row streamed and
    the partial lines at its ends stored): the values equal those of the same planes resampled
    one by one (ordinary stores), also for rows that start ``offset`` floats into a cache line
    (NumPy's large arrays start 16 bytes in) and rows with a zero H weight."""
    rng = np.random.default_rng(2 + taps)
    x = rng.standard_normal((4, 256, 300, 1)).astype(np.float32)
    xs = np.minimum(np.arange(2047) * 300 // 2047, 298).astype(np.intp)
    xw = rng.uniform(0, 1, (2047, 2)).astype(np.float32)
    ys = np.minimum(np.arange(513) // 2, 256 - taps).astype(np.intp)
    yw = rng.uniform(0, 1, (513, taps)).astype(np.float32)
    yw[::7, 1] = 0  # some rows sum fewer input rows
    flat = np.full(4 * 513 * 2047 + offset, 7.0, np.float32)  # 16 MiB and more, touched
    out = flat[offset:].reshape(4, 513, 2047, 1)
    _run(x, out, ys, yw, xs, xw, np.zeros(0, np.intp), False, 2)
    for p in range(4):
        one = np.empty((1, 513, 2047, 1), np.float32)
        _run(x[p : p + 1], one, ys, yw, xs, xw, np.zeros(0, np.intp), False, 1)
        np.testing.assert_array_equal(out[p], one[0])
    # and right: the first plane against float64 products of the dense per-axis matrices
    plane = _dense(ys, yw, 256) @ x[0, :, :, 0].astype(np.float64) @ _dense(xs, xw, 300).T
    _check(out[0, :, :, 0], plane, np.float32)


@pytest.mark.parametrize("c", [16, 20, 24, 40, 64])
@pytest.mark.parametrize("taps", [1, 2, 3, 4, 7])
@pytest.mark.parametrize("vfirst", [False, True])
def test_resample2d_many_elements_per_pixel(c, taps, vfirst):
    """Many interleaved elements (NHWC feature maps): along W each output pixel's elements are
    summed in registers, 32 and then 8 at a time (AVX2, C a multiple of 8; C = 20 takes the
    loops of the other copies), the outputs with a zero weight in their window from their
    nonzero taps alone (a NaN behind that weight stays out); against float64 products, and
    the same for 1 and 2 threads."""
    rng = np.random.default_rng(c * 10 + taps)
    h, w, ho, wo = 9, 23, 7, 31
    xs, xw = _table(rng, w, wo, taps, zeros=True)
    column = xs[4] + taps // 2  # read only through zero weights: a NaN there stays out
    for o in range(wo):
        if xs[o] <= column < xs[o] + taps:
            xw[o, column - xs[o]] = 0.0
    ys, yw = _table(rng, h, ho, 2)
    x = rng.standard_normal((2, h, w, c)).astype(np.float32)
    x[:, :, column, :] = np.nan
    expected = _reference(np.nan_to_num(x, nan=0), ys, yw, xs, xw)
    first = None
    for nthreads in (1, 2):
        out = np.empty((2, ho, wo, c), np.float32)
        _run(x, out, ys, yw, xs, xw, _careful(xs, xw), vfirst, nthreads)
        _check(out, expected, np.float32)
        if first is None:
            first = out
        else:
            np.testing.assert_array_equal(out, first)


@pytest.mark.parametrize("taps", [2, 4])
def test_resample2d_streamed_many_elements_fetch_the_next_row_ahead(taps):
    """NHWC x2 upscales into 16 MiB and more (W first, AVX2): while an output row is streamed
    out, the input row that the next output row resamples first is fetched into the cache.
    The values equal those of the same planes resampled one by one (not streamed, nothing
    fetched ahead) and the float64 products."""
    rng = np.random.default_rng(50 + taps)
    x = rng.standard_normal((5, 64, 64, 64)).astype(np.float32)
    start = np.clip(np.floor((np.arange(128) + 0.5) / 2 - 0.5) - (taps // 2 - 1), 0, 64 - taps)
    start = start.astype(np.intp)
    weights = rng.uniform(-0.2, 1, (128, taps)).astype(np.float32)
    flat = np.full(5 * 128 * 128 * 64 + 4, 7.0, np.float32)  # 16 MiB and more, touched
    out = flat[4:].reshape(5, 128, 128, 64)
    _run(x, out, start, weights, start, weights, np.zeros(0, np.intp), False, 2)
    for p in range(5):
        one = np.empty((1, 128, 128, 64), np.float32)
        _run(x[p : p + 1], one, start, weights, start, weights, np.zeros(0, np.intp), False, 1)
        np.testing.assert_array_equal(out[p], one[0])
    _check(out[1:2], _reference(x[1:2], start, weights, start, weights), np.float32)


@pytest.mark.parametrize("c", [1, 3])
@pytest.mark.parametrize("offset", [0, 1, 4])
def test_resample2d_long_rows_along_w_alone_are_streamed_in_chunks(c, offset):
    """W alone into a float32 output of 16 MiB or more: each row is resampled a chunk of
    pixels at a time into a small buffer and streamed out, the outputs with a zero weight in
    their window recomputed per chunk (a NaN behind that weight stays out). Equal to the same
    rows resampled one plane at a time (ordinary stores) and to the dense product."""
    rng = np.random.default_rng(40 + c + offset)
    wo = 3 * 1024 + 5  # chunks of 1024 pixels and a short last one
    x = rng.standard_normal((1400, 1, 800, c)).astype(np.float32)
    x[:, :, 799] = np.nan  # read only through zero weights: must not leak
    xs = np.minimum(np.arange(wo) * 800 // wo, 798).astype(np.intp)
    xw = rng.uniform(0, 1, (wo, 2)).astype(np.float32)
    xw[xs == 798, 1] = 0
    xw[1500, 0] = 0  # a careful output in the middle of a chunk
    careful = np.flatnonzero((xw == 0).any(axis=1)).astype(np.intp)
    flat = np.full(1400 * wo * c + offset, 7.0, np.float32)  # 16 MiB and more, touched
    out = flat[offset:].reshape(1400, 1, wo, c)
    _run(x, out, None, None, xs, xw, careful, False, 1)
    assert not np.isnan(out).any()
    for p in (0, 700, 1399):
        one = np.empty((1, 1, wo, c), np.float32)
        _run(x[p : p + 1], one, None, None, xs, xw, careful, False, 1)
        np.testing.assert_array_equal(out[p], one[0])
    dense = _dense(xs, xw, 800)
    clean = np.nan_to_num(x[0, 0].astype(np.float64), nan=0.0)
    _check(out[0, 0], dense @ clean, np.float32)


@pytest.mark.parametrize("factor", [2, 4, 8])
@pytest.mark.parametrize("taps", [2, 4])
@pytest.mark.parametrize("table_h", [False, True])
def test_resample2d_integer_upscales_along_w_match_dense_matrices(factor, taps, table_h):
    """One element per pixel, a W table of an integer upscale by F (outputs F j + p reading from
    a_p + j with the weights of output 8 + p) from output 8 on, up to a break in the pattern:
    the AVX2 loop takes the upscale 8 F outputs at a time there and blocks of 8 elsewhere.
    Against the dense product, with a NaN read only through a zero weight at the edge; and bit
    for bit against the same table with the pattern broken at output 9 (blocks of 8 everywhere),
    away from output 9."""
    rng = np.random.default_rng(factor * 10 + taps * 2 + table_h)
    wo = 24 * factor + 100
    w = wo // factor + 12
    groups = np.arange(wo) // factor
    xs = np.clip(groups - (factor == 2) + (np.arange(wo) % factor >= factor // 2), 0, w - taps)
    xs = xs.astype(np.intp)
    xs[wo - 29] = xs[wo - 30]  # the upscale stops there
    xw = np.tile(rng.uniform(-0.5, 1.0, (factor, taps)), (wo // factor + 1, 1))[:wo]
    xw = xw.astype(np.float32)
    xw[:8] = rng.uniform(-0.5, 1.0, (8, taps))  # the edge: other weights
    xw[xs == 0, 0] = 0.0  # the outputs whose window starts at input 0 (all in the edge)
    x = rng.standard_normal((2, 9, w, 1)).astype(np.float32)
    x[:, :, 0] = np.nan  # read only through those zero weights
    careful = np.flatnonzero((xw == 0).any(axis=1)).astype(np.intp)
    ys = yw = None
    ho = 9
    if table_h:
        ho = 17
        ys = np.minimum(np.arange(ho) // 2, 7).astype(np.intp)
        yw = rng.uniform(0, 1, (ho, 2)).astype(np.float32)
    out = np.empty((2, ho, wo, 1), np.float32)
    _run(x, out, ys, yw, xs, xw, careful, False, 1)
    clean = np.nan_to_num(x[..., 0].astype(np.float64), nan=0.0)
    dense_w = _dense(xs, xw, w)
    for p in range(2):
        rows = clean[p] if ys is None else _dense(ys, yw, 9) @ clean[p]
        _check(out[p, :, :, 0], rows @ dense_w.T, np.float32)
    broken = xw.copy()
    broken[9, -1] += 0.25
    blocks = np.empty_like(out)
    _run(x, blocks, ys, yw, xs, broken, careful, False, 1)
    keep = np.arange(wo) != 9
    np.testing.assert_array_equal(out[:, :, keep], blocks[:, :, keep])
    assert not np.array_equal(out[:, :, 9], blocks[:, :, 9])


def test_resample2d_refuses_bad_tables():
    x = np.zeros((1, 4, 5, 1), np.float32)
    out = np.zeros((1, 2, 3, 1), np.float32)
    xs, xw = np.array([0, 2, 4], np.intp), np.ones((3, 2), np.float32)
    ys, yw = np.array([0, 2], np.intp), np.ones((2, 2), np.float32)
    none = np.zeros(0, np.intp)
    with pytest.raises(ValueError, match="a W table window reaches outside the input"):
        _kernels.resample2d(x, out, ys, yw, xs, xw, none, 1, 4, 5, 1, 2, 3, False, 1)
    xs = np.array([0, 1, 3], np.intp)
    with pytest.raises(ValueError, match="an H table window reaches outside the input"):
        _kernels.resample2d(x, out, np.array([0, 3]), yw, xs, xw, none, 1, 4, 5, 1, 2, 3, False, 1)
    with pytest.raises(ValueError, match="careful output indices"):
        _kernels.resample2d(x, out, ys, yw, xs, xw, np.array([5]), 1, 4, 5, 1, 2, 3, False, 1)
    with pytest.raises(TypeError, match="no kernel for float64"):
        _kernels.resample2d(
            x.astype(np.float64), out, ys, yw, xs, xw, none, 1, 4, 5, 1, 2, 3, False, 1
        )


@pytest.mark.parametrize("kind", ["linear", "cubic", "lanczos4"])
@pytest.mark.parametrize("channels", [1, 3, 4, 5])
@pytest.mark.parametrize(("h", "m_h"), [(61, 14), (40, 29), (23, 51)])
def test_opencv_fused_resize_equals_its_two_passes(kind, channels, h, m_h):
    """compat.cv2's fused uint8 resize (``cv_fused``: each input row that an output row reads
    resampled along W once into a ring of K rows, then OpenCV's vertical pass) gives the
    integers of its two passes run apart (``peer_pass`` into an int32 array, then
    ``cv_rows``): shrinks, an upscale, rows clamped at both edges, the image's last row (whose
    vector loads pass its end), 1 to 5 channels, 1 and 2 threads."""
    K = {"linear": 2, "cubic": 4, "lanczos4": 8}[kind]
    rng = np.random.default_rng(channels * 100 + h)
    w, m_w, T = 37, 29, 3
    x = rng.integers(0, 256, (h, w, channels), dtype=np.uint8)
    start = np.clip(np.arange(m_w) * (w - T) // (m_w - 1), 0, w - T).astype(np.intp)
    q = rng.integers(-300, 2048, (m_w, T)).astype(np.int32)
    first = np.floor((np.arange(m_h) + 0.5) * h / m_h - 0.5).astype(np.intp) - (K // 2 - 1)
    rows = np.clip(first[:, None] + np.arange(K), 0, h - 1).astype(np.intp)
    beta = rng.integers(-500, 2**11, (m_h, K)).astype(np.int32)
    if kind == "linear":
        beta = rng.integers(0, 2**11, (m_h, K)).astype(np.int32)
    fbeta = (beta * np.float32(2.0**-22)).astype(np.float32)
    width = m_w * channels
    split = width // 8 * 8 if kind == "cubic" else 0
    sums = np.empty((h, m_w, channels), np.int32)
    _kernels.peer_pass(x, sums, start, q, h, w, m_w, channels, 0, -(2**31), 2**31 - 1, 1)
    expected = np.empty((m_h, m_w, channels), np.uint8)
    _kernels.cv_rows(sums, expected, rows, beta, fbeta, kind, split, h, m_h, width, 1)
    for nthreads in (1, 2):
        got = np.empty_like(expected)
        _kernels.cv_fused(
            x, got, start, q, rows, beta, fbeta, kind, split, h, w, channels, m_h, m_w, nthreads
        )
        np.testing.assert_array_equal(got, expected)


def test_opencv_fused_resize_refuses_rows_not_in_order():
    x = np.zeros((8, 9, 3), np.uint8)
    start, q = np.zeros(4, np.intp), np.ones((4, 2), np.int32)
    rows = np.array([[0, 2], [1, 2]], np.intp)  # a gap: not consecutive
    beta, fbeta = np.ones((2, 2), np.int32), np.ones((2, 2), np.float32)
    with pytest.raises(ValueError, match="not consecutive"):
        _kernels.cv_fused(
            x,
            np.empty((2, 4, 3), np.uint8),
            start,
            q,
            rows,
            beta,
            fbeta,
            "linear",
            0,
            8,
            9,
            3,
            2,
            4,
            1,
        )


@pytest.mark.parametrize("dtype", [np.uint16, np.int16])
@pytest.mark.parametrize("channels", [None, 3])
@pytest.mark.parametrize("mode", ["linear", "cubic", "lanczos"])
def test_16_bit_rows_are_summed_as_they_are_read(dtype, channels, mode):
    """16-bit integer images shrunk along H with many taps sum the input rows first (AVX2: each
    element converted to float as the sum reads it, no converted copy of the rows): within 1
    of the oracle over the whole range of the dtype (negative values of int16 too), the same
    for 1 and 2 threads."""
    import fastup
    from fastup import oracle

    rng = np.random.default_rng(16)
    info = np.iinfo(dtype)
    shape = (64, 45) if channels is None else (64, 45, channels)
    x = rng.integers(info.min, info.max, shape, dtype=dtype, endpoint=True)
    x[::5, ::3] = info.min
    x[2::7, 1::4] = info.max
    for size in ((9, 20), (5, 45), (13, 7)):
        kwargs = dict(axes=(0, 1), mode=mode, antialias=True)
        got = fastup.resize(x, size, workers=1, **kwargs)
        want = oracle.resize(x, size, **kwargs)
        assert_integers_close(got, want)
        np.testing.assert_array_equal(fastup.resize(x, size, workers=2, **kwargs), got)


@pytest.mark.parametrize(
    ("dtype", "channels"),
    [
        (np.uint8, 3),
        (np.uint8, None),
        (np.uint8, 4),
        (np.int16, 3),
        (np.float32, None),
        (np.uint16, 2),
        (np.bool_, 3),
    ],
)
@pytest.mark.parametrize("width", [7, 21, 22, 40, 333])
@pytest.mark.parametrize("factor", [1.5, 2.0, 3.0, 0.7])
def test_nearest_rows_of_small_pixels_are_copied_bit_for_bit(dtype, channels, width, factor):
    """Nearest along the last resized axis with pixels of fewer than 8 bytes: AVX2 machines
    shuffle blocks of 16 output bytes from 16 source bytes (upscales), the rest byte by byte
    (the tail of a row, blocks reaching further, downscales). Every byte is the source's."""
    import fastup
    from fastup import oracle

    rng = np.random.default_rng(width + int(10 * factor))
    shape = (5, width) if channels is None else (5, width, channels)
    raw = rng.integers(0, 256, (int(np.prod(shape)) * np.dtype(dtype).itemsize,), np.uint8)
    x = raw.view(np.uint8 if dtype == np.bool_ else dtype).reshape(shape)
    if dtype == np.bool_:
        x = (x & 1).astype(np.bool_)
    size = (7, max(1, int(width * factor)))
    got = fastup.resize(x, size, axes=(0, 1), mode="nearest", workers=1)
    want = oracle.resize(x, size, axes=(0, 1), mode="nearest")
    np.testing.assert_array_equal(got.view(np.uint8), want.view(np.uint8))


@pytest.mark.parametrize(
    ("isa", "variable"), [("generic", "FASTUP_DISABLE_AVX2"), ("avx2", "FASTUP_DISABLE_AVX512")]
)
def test_other_copies_pass_the_kernel_tests(isa, variable):
    """The loops every non-x86 machine runs (FASTUP_DISABLE_AVX2=1), and on an AVX-512 machine
    the AVX2 matrix product (FASTUP_DISABLE_AVX512=1), checked here too: the fused resample,
    the matrix product, the products over the unfolded input, col2im and compat's
    fixed-point passes (peer passes, OpenCV's vertical, fused and area passes) against their
    references."""
    if _isa_with(**{variable: "1"}) != isa or _kernels.simd_isa() == isa:
        pytest.skip(f"this machine runs the {isa} copy in every test already, or never")
    env = dict(os.environ, **{variable: "1"})
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            __file__,
            "-k",
            "resample2d or gemm_matches or unfold or phase_split or col2im or half_conversions"
            " or peer_pass or cv_rows or cv_area or opencv_fused",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert " passed" in run.stdout


@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("length", [5, 17, 40, 101])
def test_phase_split_strided_lines_match_the_oracle(stride, length):
    """The phase-split planes copy each input line every ``stride`` elements (stride 2: the
    AVX2 even-element copy and its scalar tail): a 1-D convolution of lines of every length
    against the oracle."""
    from fastup import conv, oracle

    rng = np.random.default_rng(length * 10 + stride)
    x = rng.standard_normal((2, 3, length)).astype(np.float32)
    w = rng.standard_normal((4, 3, 3)).astype(np.float32)
    for padding in (0, 1, 2):
        got = conv(x, w, stride=stride, padding=padding, workers=1)
        want = oracle.conv(x, w, stride=stride, padding=padding)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def _unfold_by_definition(x, kernel, stride, pad, dilation, outputs):
    """cols[(c, q), o] = x[c, o * s - p + q * d] (zero outside the input), tap by tap over
    every output position."""
    taps = list(itertools.product(*[range(k) for k in kernel]))
    grids = np.meshgrid(*[np.arange(o) for o in outputs], indexing="ij")
    cols = np.zeros((x.shape[0], len(taps), grids[0].size), x.dtype)
    for t, q in enumerate(taps):
        at = [g.reshape(-1) * stride[a] - pad[a] + q[a] * dilation[a] for a, g in enumerate(grids)]
        inside = np.logical_and.reduce([(i >= 0) & (i < x.shape[1 + a]) for a, i in enumerate(at)])
        cols[:, t, inside] = x[(slice(None), *[i[inside] for i in at])]
    return cols.reshape(x.shape[0] * len(taps), -1)


def _unfolding_tables(lengths, kernel, stride, pad, dilation, channels, dtype):
    """The output lengths of a convolution padded by ``pad`` on both sides, and the tables of
    ``_Geometry.unfolding`` for ``channels`` channels: (outputs, table, row offsets)."""
    from fastup._deconv import _Geometry

    nd = len(lengths)
    outputs = tuple(
        (n + 2 * p - d * (k - 1) - 1) // s + 1
        for n, k, s, p, d in zip(lengths, kernel, stride, pad, dilation, strict=True)
    )
    geometry = _Geometry(
        nd, True, 1, channels, channels, 1, tuple(lengths), outputs, tuple(kernel),
        tuple(stride), tuple(pad), tuple(pad), tuple(dilation), (0,) * nd, np.dtype(dtype),
    )  # fmt: skip
    return (outputs, *geometry.unfolding(tuple(lengths), outputs, channels))


# (input lengths, kernel, stride, pad_begin, dilation): every phase used or some unused (stride
# above the kernel), padding beyond the input, dilation, 1-3 axes
_UNFOLDINGS = [
    ((11,), (3,), (2,), (1,), (1,)),
    ((13,), (1,), (4,), (0,), (1,)),
    ((5,), (3,), (1,), (7,), (3,)),
    ((7, 9), (3, 3), (1, 1), (1, 1), (1, 1)),
    ((9, 13), (4, 3), (2, 3), (1, 2), (1, 2)),
    ((8, 8), (2, 2), (2, 2), (0, 0), (1, 1)),
    ((5, 6, 7), (2, 3, 2), (2, 1, 3), (0, 1, 1), (2, 1, 1)),
]


@pytest.mark.parametrize("case", _UNFOLDINGS, ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unfolded_products_match_the_unfolding_by_definition(case, dtype):
    """unfolded_products reads im2col(x) in place from the phase-split planes: target +=
    W @ cols and grad_weight = cols @ grad_source^T per sample, and the float64 plane sums,
    against the columns built element by element; for one sample and a batch, column chunks of
    1 (every panel gathered), 5 and all, and bit-identical for 1 and 3 threads."""
    lengths, kernel, stride, pad, dilation = case
    outputs, table, rowofs = _unfolding_tables(lengths, kernel, stride, pad, dilation, 3, dtype)
    rng = np.random.default_rng(sum(lengths) + len(kernel))
    for n in (1, 3):
        x = rng.standard_normal((n, 3) + lengths).astype(dtype)
        rows = 3 * int(np.prod(kernel))
        weight = rng.standard_normal((4, rows)).astype(dtype)
        length = int(np.prod(outputs))
        start = rng.standard_normal((n, 4, length)).astype(dtype)
        grad_source = rng.standard_normal((n, 2, length)).astype(dtype)
        cols = [
            _unfold_by_definition(x[i], kernel, stride, pad, dilation, outputs) for i in range(n)
        ]
        want_target = start + np.stack([weight @ c for c in cols])
        want_grad = np.stack([c @ g.T for c, g in zip(cols, grad_source, strict=True)])
        want_sums = x.reshape(n, 3, -1).astype(np.float64).sum(axis=2)
        for width in (1, 5, 1 << 13):
            results = []
            for nthreads in (1, 3):
                target = start.copy()
                grad = np.full((n, rows, 2), np.nan, dtype)
                sums = np.full((n, 3), np.nan)
                _kernels.unfolded_products(
                    x.reshape(n, 3, -1),
                    table,
                    rowofs,
                    weight,
                    target,
                    grad_source,
                    grad,
                    width,
                    nthreads,
                    sums,
                )
                tol = 1e-4 if dtype == np.float32 else 1e-11
                np.testing.assert_allclose(target, want_target, rtol=tol, atol=tol)
                np.testing.assert_allclose(grad, want_grad, rtol=tol, atol=tol)
                np.testing.assert_allclose(sums, want_sums, rtol=1e-12)
                results.append((target, grad, sums))
            for a, b in zip(*results, strict=True):
                np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unfolded_products_with_large_matrices(dtype):
    """A weight matrix of more than 256 KiB packed (64 x 1176 here) is packed a block at a time
    and the unfolded input packed again for each block (the other order of DRIVER_GB); and a
    weight gradient of 150 channels takes DRIVER_GA's full tiles, its edge tiles and two blocks
    of its columns: the same products as the unfolding built element by element, for 1 and 2
    threads."""
    lengths, kernel, stride, pad = (40, 30), (7, 7), (2, 1), (3, 3)
    outputs, table, rowofs = _unfolding_tables(lengths, kernel, stride, pad, (1, 1), 24, dtype)
    assert 66 * rowofs.size * np.dtype(dtype).itemsize > 1 << 18
    rng = np.random.default_rng(5)
    x = rng.standard_normal((1, 24) + lengths).astype(dtype)
    weight = rng.standard_normal((64, rowofs.size)).astype(dtype)
    cols = _unfold_by_definition(x[0], kernel, stride, pad, (1, 1), outputs)
    tol = 1e-3 if dtype == np.float32 else 1e-10
    first = None
    grad_source = rng.standard_normal((1, 150, cols.shape[1])).astype(dtype)
    for nthreads in (1, 2):
        target = np.zeros((1, 64, cols.shape[1]), dtype)
        grad = np.full((1, rowofs.size, 150), np.nan, dtype)
        _kernels.unfolded_products(
            x.reshape(1, 24, -1),
            table,
            rowofs,
            weight,
            target,
            grad_source,
            grad,
            1 << 13,
            nthreads,
        )
        np.testing.assert_allclose(target[0], weight @ cols, rtol=tol, atol=tol)
        np.testing.assert_allclose(grad[0], cols @ grad_source[0].T, rtol=tol, atol=tol)
        if first is None:
            first = (target, grad)
        np.testing.assert_array_equal(target, first[0])
        np.testing.assert_array_equal(grad, first[1])


def test_unfolded_products_refuse_inconsistent_tables():
    """A table whose phase counts do not match its length, or row offsets that are not one per
    (channel, tap), are refused before any kernel runs."""
    _, table, rowofs = _unfolding_tables((8,), (3,), (2,), (1,), (1,), 2, np.float32)
    x = np.zeros((1, 2, 8), np.float32)
    w = np.zeros((2, 6), np.float32)
    out = np.zeros((1, 2, 4), np.float32)
    with pytest.raises(ValueError, match="table"):
        _kernels.unfolded_products(x, table[:-1], rowofs, w, out, None, None, 4, 1)
    with pytest.raises(ValueError, match="row offset"):
        _kernels.unfolded_products(x, table, rowofs[:-1], w, out, None, None, 4, 1)


@pytest.mark.parametrize(
    ("mode", "in_len", "out_len", "taps"),
    [("area", 512, 128, 4), ("area", 9, 3, 3), ("linear", 128, 256, 2), ("cubic", 64, 128, 4)],
)
def test_weight_tables_hold_no_zero_columns_at_integer_factors(mode, in_len, out_len, taps):
    """Each window starts at its first nonzero weight and is no wider than the widest run of
    nonzero weights, so at an integer factor only edge outputs need the careful (zero-skipping)
    recompute and no tap is wasted; windows stay inside the input, rows still sum to 1."""
    from fastup._tables import AxisSpec, weight_table

    spec = AxisSpec(in_len, out_len, out_len / in_len, True)
    table = weight_table(spec, "half_pixel", mode)
    assert table.taps == taps
    # only the edge outputs, whose taps fold onto the first or last sample, keep a zero
    edges = set(range(taps)) | set(range(out_len - taps, out_len)) if mode != "area" else set()
    assert set(table.careful.tolist()) <= edges
    assert np.all(table.start >= 0) and np.all(table.start + table.taps <= in_len)
    dense = _dense(table.start, table.weights, in_len)
    np.testing.assert_allclose(dense.sum(axis=1), 1.0, rtol=1e-12)


@pytest.mark.parametrize("plane", [0, 1, 3, 4, 7, 64, 1001])
def test_sum_planes_is_the_float64_plane_sum_for_any_thread_count(plane):
    """The bias gradient's plane sums (four running float64 sums and the tail): equal to the
    float64 sum and identical for 1 and 3 threads (test_deconv's test_backward_needs checks
    that unfolded_products computes the same sums)."""
    rng = np.random.default_rng(plane)
    source = rng.standard_normal((5, 3, plane)).astype(np.float32)
    one = np.full((5, 3), np.nan)
    _kernels.sum_planes(source, one, 1)
    np.testing.assert_allclose(one, source.astype(np.float64).sum(axis=2), rtol=1e-12, atol=0)
    three = np.full((5, 3), np.nan)
    _kernels.sum_planes(source, three, 3)
    np.testing.assert_array_equal(three, one)


def test_recent_keeps_the_last_used():
    """_tables.Recent (the caches of long tables and long plans' kernels): the last ``size``
    values put, a lookup moving its item first, so that the least recently used goes."""
    from fastup._tables import Recent

    recent = Recent(2)
    recent.put("a", 1)
    recent.put("b", 2)
    assert recent.get("a") == 1  # now the last used
    recent.put("c", 3)
    assert recent.get("b") is None and recent.get("a") == 1 and recent.get("c") == 3
    key = ["k"]
    recent.put(key, 4)
    assert recent.get(["k"], operator.is_) is None and recent.get(key, operator.is_) == 4


def test_weight_tables_of_long_axes_are_kept_up_to_a_bound(monkeypatch):
    """A table of a long axis (a 1-D signal) costs more to build than to resize with, so the
    last few of up to _LONG_CACHE_BYTES are kept; larger ones are rebuilt, and the kept ones
    are the last used."""
    from fastup import _tables

    monkeypatch.setattr(_tables, "_LONG_CACHE_BYTES", 1_300_000)
    kept = _tables.AxisSpec(9000, 36000, 4.0, True)  # 36000 x (8 + 2 x 12) bytes
    assert kept.out_len > _tables.SMALL_LENGTH
    first = _tables.weight_table(kept, "half_pixel", "linear")
    assert first.nbytes == 36000 * 32
    assert _tables.weight_table(kept, "half_pixel", "linear") is first
    larger = _tables.AxisSpec(11000, 44000, 4.0, True)  # 44000 x 32 bytes
    built = _tables.weight_table(larger, "half_pixel", "linear")
    again = _tables.weight_table(larger, "half_pixel", "linear")
    assert again is not built
    np.testing.assert_array_equal(again.weights, built.weights)
    others = [_tables.AxisSpec(9000 + k, 36000 + 4 * k, 4.0, True) for k in (1, 2)]
    for spec in others:  # two more kept tables: the first is the oldest, and goes
        _tables.weight_table(spec, "half_pixel", "linear")
    assert _tables.weight_table(others[1], "half_pixel", "linear") is _tables.weight_table(
        others[1], "half_pixel", "linear"
    )
    assert _tables.weight_table(kept, "half_pixel", "linear") is not first


@pytest.mark.parametrize("seed", range(6))
def test_col2im_at_stride_two_adds_every_tap_in_order(seed):
    """At stride 2 along x, col2im adds all the taps along x of a line at once (AVX2: the even
    and odd outputs apart, 16 at a time, the last 16 overlapping), and the rest tap by tap.
    Against a scatter-add of one tap after another in float32, bit for bit: within a chunk of
    columns, every output receives its taps in the order of the kernel positions. Random kernels (1-7 wide, dilated),
    paddings, line lengths, and column chunks that begin and end inside a line."""
    rng = np.random.default_rng(seed)
    for _ in range(8):
        hi, wi = int(rng.integers(1, 9)), int(rng.integers(3, 70))
        kh, kw = int(rng.integers(1, 4)), int(rng.integers(1, 8))
        sy, dy, dx = int(rng.integers(1, 3)), int(rng.integers(1, 3)), int(rng.integers(1, 3))
        py, px = int(rng.integers(0, 3)), int(rng.integers(0, 4))
        ho, wo = (hi - 1) * sy + dy * (kh - 1) + 1, 2 * (wi - 1) + dx * (kw - 1) + 1
        ho, wo = max(1, ho - py), max(1, wo - px)
        planes, kprod = 2, kh * kw
        g = np.array([1, hi, wi, 1, ho, wo, 1, kh, kw, 1, sy, 2, 0, py, px, 1, dy, dx], np.intp)
        cols = rng.standard_normal((planes * kprod, hi * wi)).astype(np.float32)
        start = rng.standard_normal((planes, ho, wo)).astype(np.float32)
        got = start.copy()
        step = int(rng.integers(1, hi * wi + 1))
        for i0 in range(0, hi * wi, step):
            block = np.ascontiguousarray(cols[:, i0 : i0 + step])
            _kernels.col2im(block, got.reshape(-1), g, i0, int(rng.integers(1, 3)))
        want = start.copy()
        for i0 in range(0, hi * wi, step):  # chunk by chunk, as the calls above
            at = np.arange(i0, min(i0 + step, hi * wi))
            iy, ix = np.divmod(at, wi)
            for c in range(planes):
                for q in range(kprod):
                    qy, qx = divmod(q, kw)
                    oy, ox = iy * sy - py + qy * dy, ix * 2 - px + qx * dx
                    ok = (oy >= 0) & (oy < ho) & (ox >= 0) & (ox < wo)
                    # float32, one add per element
                    want[c, oy[ok], ox[ok]] += cols[c * kprod + q, at[ok]]
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("length", [5, 17, 40, 101])
def test_col2im_strided_lines_match_the_oracle(stride, length):
    """col2im adds each column line into the output every ``stride`` elements (stride 2: the
    AVX2 even-element add and its scalar tail), leaving the elements between untouched: a 1-D
    transposed convolution of lines of every length against the oracle, and a -0.0 bias kept
    where no tap lands."""
    from fastup import conv_transpose, oracle

    rng = np.random.default_rng(length * 10 + stride)
    x = rng.standard_normal((2, 3, length)).astype(np.float32)
    w = rng.standard_normal((3, 4, 1)).astype(np.float32)
    for padding in (0, 1):
        got = conv_transpose(x, w, stride=stride, padding=padding, workers=1)
        want = oracle.conv_transpose(x, w, stride=stride, padding=padding)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    if stride > 1:  # a 1-tap kernel reaches every stride-th output; the others keep the bias
        bias = np.full(4, -0.0, np.float32)
        got = conv_transpose(x, w, bias, stride=stride, workers=1)
        untouched = np.ones(got.shape[-1], bool)
        untouched[::stride] = False
        assert np.all(np.signbit(got[..., untouched]))


@pytest.mark.parametrize("nthreads", [1, 2, 3])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fill_planes_sets_each_plane_to_its_value(nthreads, dtype):
    """A convolution's output set to its bias, plane (n, c) to value c, on the given threads;
    a -0.0 bias stays -0.0."""
    values = np.array([1.5, -0.0, np.inf, -2.25, 7.0], dtype)
    planes = np.full((3 * 5, 37), np.nan, dtype)
    _kernels.fill_planes(planes, values, nthreads)
    np.testing.assert_array_equal(planes, np.tile(values, 3)[:, None] * np.ones(37, dtype))
    assert np.all(np.signbit(planes[1::5]))
    with pytest.raises(ValueError, match="one value per plane"):
        _kernels.fill_planes(planes[:14], values, nthreads)


def _half_conversion_inputs() -> np.ndarray:
    """float32 values where float16 and bfloat16 rounding is delicate: every exponent from
    below float16's subnormals to beyond its overflow, mantissas whose dropped bits are just
    below, at and above half a unit (ties of both parities), random bits, and the specials."""
    rng = np.random.default_rng(16)
    exponents = np.arange(95, 150, dtype=np.uint32)
    kept = rng.integers(0, 1 << 10, 64).astype(np.uint32) << 13
    low = np.array([0, 1, 0xFFF, 0x1000, 0x1001, 0x1FFF, 0x7FFF, 0x8000, 0x8001, 0xFFFF])
    mantissas = (kept[:, None] | low[None, :].astype(np.uint32)).ravel() & 0x7FFFFF
    bits = (exponents[:, None] << 23 | mantissas[None, :]).ravel()
    bits = np.concatenate(
        [bits, bits | 0x80000000, rng.integers(0, 2**32, 50_000).astype(np.uint32)]
    )
    values = bits.view(np.float32)
    specials = np.array(
        [0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, 65504, 65519.996, 65520, -65520, 3.4e38],
        np.float32,
    )
    return np.concatenate([values, specials, np.float32(1) / np.arange(1, 4000, dtype=np.float32)])


@pytest.mark.parametrize("bfloat", [False, True], ids=["float16", "bfloat16"])
def test_half_conversions_match_numpy_and_ml_dtypes(bfloat):
    """fastup's float32 <-> 16-bit float conversions give the bits of NumPy's float16 cast and
    of ml_dtypes' bfloat16 cast (NaN: a NaN of the same sign), every float16/bfloat16 bit
    pattern widened, the delicate float32 values narrowed, in lengths that leave vector tails
    and on 1 and 2 threads."""
    if bfloat:
        half = np.dtype(pytest.importorskip("ml_dtypes").bfloat16)
    else:
        half = np.dtype(np.float16)
    patterns = np.arange(1 << 16, dtype=np.uint16)
    want_wide = patterns.view(half).astype(np.float32)
    values = _half_conversion_inputs()
    with np.errstate(over="ignore", invalid="ignore"):
        want_narrow = values.astype(half).view(np.uint16)
    for n in (values.size, values.size - 7, 15, 1):
        for threads in (1, 2):
            wide = np.empty(min(n, patterns.size), np.float32)
            _kernels.widen(patterns[: wide.size], wide, bfloat, threads)
            expected = want_wide[: wide.size]
            nan = np.isnan(expected)
            np.testing.assert_array_equal(np.isnan(wide), nan)
            np.testing.assert_array_equal(
                wide.view(np.uint32)[~nan], expected.view(np.uint32)[~nan]
            )
            narrow = np.empty(n, np.uint16)
            _kernels.narrow(values[:n], narrow, bfloat, threads)
            nan = np.isnan(values[:n])
            np.testing.assert_array_equal(narrow[~nan], want_narrow[:n][~nan])
            got_nan = narrow[nan].view(half).astype(np.float32)
            assert np.isnan(got_nan).all()
            np.testing.assert_array_equal(np.signbit(got_nan), np.signbit(values[:n][nan]))


@pytest.mark.parametrize("inner", [1, 2, 3, 4, 5, 16, 37])
@pytest.mark.parametrize("source", ["uint8", "int32"])
@pytest.mark.parametrize("T", [2, 4, 5])
def test_peer_pass_matches_the_integer_definition(inner, source, T):
    """``peer_pass`` (the peers' fixed-point pass, fastup.compat) computes
    clip((2**(s-1) + sum q x) >> s) exactly: against int64 NumPy, with negative weights,
    results clipped to uint8 or kept in int32; ``weighted_pass`` moves windows padded past the
    end with zero weights back inside for it. 2, 4 and 5 taps: one, two and more steps of the
    AVX2 pixel kernel for each channel count (copies with 1 and 2 steps as constants)."""
    from fastup.compat._passes import _numpy_pass, weighted_pass

    rng = np.random.default_rng(inner * 10 + T)
    P, L, M = 3, 11, 7
    if source == "uint8":
        x = rng.integers(0, 256, (P, L, inner), dtype=np.uint8)
        q = rng.integers(-3000, 2**14, (M, T)).astype(np.int32)
    else:
        x = rng.integers(-(2**20), 2**20, (P, L, inner)).astype(np.int32)
        q = rng.integers(-2048, 2048, (M, T)).astype(np.int32)
    start = rng.integers(0, L - 2, M).astype(np.intp)
    q[start[:, None] + np.arange(T) >= L] = 0  # past the end: zero weights only
    for dtype in (np.uint8, np.int32):
        lo, hi = (0, 255) if dtype == np.uint8 else (None, None)
        want = _numpy_pass(x, 1, start, q // 64, 9, lo, hi, dtype)
        np.testing.assert_array_equal(weighted_pass(x, 1, start, q // 64, 9, lo, hi, dtype), want)
    start = np.minimum(start, L - T)  # the kernel itself takes windows inside the input
    for shift, lo, hi, dtype in ((14, 0, 255, np.uint8), (0, None, None, np.int32)):
        if dtype == np.int32 and source == "uint8":
            q32 = q
        elif dtype == np.int32:
            q32 = q // 64
        else:
            q32 = q
        want = _numpy_pass(x, 1, start, q32, shift, lo, hi, None)
        if dtype == np.uint8:
            want = want.astype(np.uint8)
        got = np.empty((P, M, inner), dtype)
        bounds = (0, 255) if dtype == np.uint8 else (-(2**31), 2**31 - 1)
        _kernels.peer_pass(x, got, start, q32, P, L, M, inner, shift, *bounds, 2)
        np.testing.assert_array_equal(got, want)
    bad = q.copy()
    start_bad = start.copy()
    start_bad[0] = L - 1
    with pytest.raises(ValueError, match="outside the input"):
        _kernels.peer_pass(
            x, np.empty((P, M, inner), np.uint8), start_bad, bad, P, L, M, inner, 3, 0, 255, 1
        )


@pytest.mark.parametrize("inner", [1, 2, 3, 4, 6, 16, 17, 40])
@pytest.mark.parametrize("weights", ["int16", "22-bit"])
def test_peer_pass_vector_paths(inner, weights):
    """The AVX2 copy's paths of ``peer_pass`` on uint8 sources against int64 NumPy: pixels of 1
    to 4 channels (two outputs per vector; odd output counts, thread blocks that start at an
    odd output, the last rows' loads from a padded copy), rows of 16 and more elements (tap
    pairs, an odd last tap, a scalar tail), weights of int16 and of 22 bits (Pillow's: split
    into two int16 halves), uint8 and int32 results, clipped to narrower bounds too."""
    from fastup.compat._passes import _numpy_pass

    rng = np.random.default_rng(inner * 7 + len(weights))
    for trial in range(60):
        P, L, M = int(rng.integers(1, 6)), int(rng.integers(1, 40)), int(rng.integers(1, 24))
        T = int(rng.integers(1, L + 1))
        top = 2**15 if weights == "int16" else 2**22
        q = rng.integers(-top // 4, top, (M, T))
        # keep the int32 sums (with a rounding bias of up to 2**29) in range, as the callers do
        room = (2**31 - 1 - 2**29) // 255
        q = (q * np.minimum(1.0, room / np.maximum(np.abs(q).sum(axis=1), 1))[:, None]).astype(
            np.int32
        )
        start = rng.integers(0, L - T + 1, M).astype(np.intp)
        x = rng.integers(0, 256, (P, L, inner), dtype=np.uint8)
        shift = int(rng.integers(0, 31))
        for lo, hi, dtype in (
            (0, 255, np.uint8),
            (3, 200, np.uint8),
            (-(2**31), 2**31 - 1, np.int32),
        ):
            s = shift if dtype == np.uint8 else 0
            want = _numpy_pass(x, 1, start, q, s, lo, hi, None).astype(dtype)
            got = np.empty((P, M, inner), dtype)
            _kernels.peer_pass(x, got, start, q, P, L, M, inner, s, lo, hi, 1 + trial % 2)
            np.testing.assert_array_equal(got, want, err_msg=f"{trial} {P, L, M, T, s, dtype}")


@pytest.mark.parametrize("kind", ["linear", "cubic", "lanczos4"])
def test_cv_rows_are_opencvs_vertical_passes(kind):
    """``cv_rows`` (compat.cv2's uint8 vertical passes) computes what compat.cv2's NumPy
    ``_vertical`` does: OpenCV's linear rounding, cubic's float32 fused multiply-adds for the
    first ``split`` elements of a row and (sum + 2**21) >> 22 after them, Lanczos-4's integer
    sums; rows of every length around the vector width."""
    from fastup.compat.cv2 import _cubic, _fixed, _lanczos4, _vertical

    rng = np.random.default_rng(len(kind))
    K = {"linear": 2, "cubic": 4, "lanczos4": 8}[kind]
    for inner in (1, 7, 8, 9, 31, 32, 33, 100):
        L, M = int(rng.integers(1, 12)), int(rng.integers(1, 14))
        f = rng.uniform(0, 1, M).astype(np.float32)
        if kind == "linear":
            coeffs = np.stack([1 - f, f], axis=1)
        else:
            coeffs = _cubic(f) if kind == "cubic" else _lanczos4(f)
        beta = _fixed(coeffs).astype(np.int32)
        fbeta = (beta.astype(np.float32) * np.float32(2.0**-22)).astype(np.float32)
        rows = np.clip(rng.integers(-2, L, M)[:, None] + np.arange(K), 0, L - 1).astype(np.intp)
        largest = 255 * 2600  # the horizontal sums of 11-bit coefficients
        h = rng.integers(-largest // 8, largest, (L, inner)).astype(np.int32)
        for split in sorted({0, inner // 2, inner // 8 * 8, inner} if kind == "cubic" else {0}):
            out = np.empty((M, inner), np.uint8)
            _kernels.cv_rows(h, out, rows, beta, fbeta, kind, split, L, M, inner, 2)
            want = _vertical(h, kind, rows, beta, fbeta, split)
            np.testing.assert_array_equal(out, want, err_msg=f"{inner} {split}")
    with pytest.raises(ValueError, match="row index outside"):
        _kernels.cv_rows(h, out, rows + L, beta, fbeta, kind, 0, L, M, inner, 1)


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "int16"])
def test_cv_area_matches_the_cell_sums(dtype):
    """``cv_area`` (compat.cv2's INTER_AREA by integer factors) against compat.cv2's NumPy
    ``_area_cells``: full cells, partial cells at the bottom and the right, empty cells past
    the image, 2x2's (sum + 2) >> 2 and the float32 scaling of the others."""
    from fastup.compat.cv2 import _area_cells, _cells

    rng = np.random.default_rng(len(dtype))
    info = np.iinfo(dtype)
    for trial in range(40):
        H, W, C = (int(v) for v in rng.integers(1, 20, 3))
        sy, sx = (int(v) for v in rng.integers(1, 6, 2))
        if trial % 4 == 0:  # 2x2 on 1, 3 or 4 channels: the integer rounding
            sy, sx, C = 2, 2, (1, 3, 4)[trial % 3]
        Ho = -(-H // sy) + int(rng.integers(0, 2))
        Wo = -(-W // sx) + int(rng.integers(0, 2))
        x = rng.integers(info.min, info.max, (H, W, C), endpoint=True).astype(dtype)
        shift2 = sx == sy == 2 and C in (1, 3, 4)
        rt, rc = _cells([np.arange(o * sy, min(o * sy + sy, H)) for o in range(Ho)], H)
        ct, cc = _cells([np.arange(o * sx, min(o * sx + sx, W)) for o in range(Wo)], W)
        want = _area_cells(x, sy, sx, Ho, Wo, shift2, rt, ct, rc, cc)
        got = np.empty((Ho, Wo, C), dtype)
        _kernels.cv_area(x, got, H, W, C, Ho, Wo, sy, sx, shift2, 2)
        np.testing.assert_array_equal(got, want, err_msg=f"{H, W, C, sy, sx, Ho, Wo}")


@pytest.mark.parametrize("C", [1, 3, 4])
def test_cv_area_2x2_rows_of_every_width(C):
    """uint8 2x2 cells (OpenCV's INTER_AREA by 2, the common shrink): the AVX2 steps of 32
    (grey), 4 (RGB) or 8 (RGBA) cells and the tail of every length after them, odd widths and
    heights (their partial cells), each output row exactly (sum + 2) >> 2 of its cell, nothing
    written past it (an RGB step's last store reaches 2 bytes into the next cell, which the
    tail rewrites); the rounding of 2x2 refused for other cells or channel counts."""
    from fastup.compat.cv2 import _area_cells, _cells

    rng = np.random.default_rng(C)
    for W in range(2, 90):
        H = 5 + W % 3
        Ho, Wo = -(-H // 2), -(-W // 2)
        x = rng.integers(0, 256, (H, W, C), dtype=np.uint8)
        rt, rc = _cells([np.arange(o * 2, min(o * 2 + 2, H)) for o in range(Ho)], H)
        ct, cc = _cells([np.arange(o * 2, min(o * 2 + 2, W)) for o in range(Wo)], W)
        want = _area_cells(x, 2, 2, Ho, Wo, True, rt, ct, rc, cc)
        flat = np.full(Ho * Wo * C + 32, 7, np.uint8)
        got = flat[: Ho * Wo * C].reshape(Ho, Wo, C)
        _kernels.cv_area(x, got, H, W, C, Ho, Wo, 2, 2, True, 1)
        np.testing.assert_array_equal(got, want, err_msg=f"W={W}")
        assert (flat[Ho * Wo * C :] == 7).all()
    with pytest.raises(ValueError, match="shift2 is for 2x2"):
        x = np.zeros((4, 6, 2), np.uint8)
        _kernels.cv_area(x, np.empty((2, 3, 2), np.uint8), 4, 6, 2, 2, 3, 2, 2, True, 1)


def test_compat_intermediates_are_per_thread_and_not_returned():
    """compat's two-pass uint8 emulations reuse the memory of freed intermediates
    (``_validate.output_array``): a result stays as it was after later calls, and calls from
    several threads at once give the results of calls made one at a time."""
    from concurrent.futures import ThreadPoolExecutor

    from fastup.compat import cv2 as fc
    from fastup.compat import pillow as fp
    from fastup.compat import torch as ft

    rng = np.random.default_rng(3)
    images = [rng.integers(0, 256, (40 + 3 * i, 50 + i, 3), dtype=np.uint8) for i in range(6)]
    calls = [
        lambda x: fc.resize(x, (31, 17), interpolation=fc.INTER_CUBIC),
        lambda x: fp.resize(x, (23, 29), fp.LANCZOS),
        lambda x: ft.interpolate(
            x.transpose(2, 0, 1)[None], (19, 27), mode="bilinear", antialias=True
        ),
    ]
    serial = [[call(x) for x in images] for call in calls]
    kept = [[r.copy() for r in row] for row in serial]
    for row, copies in zip(serial, kept, strict=True):  # later calls left the results alone
        for got, want in zip(row, copies, strict=True):
            np.testing.assert_array_equal(got, want)
    jobs = [(c, i) for c in range(len(calls)) for i in range(len(images))] * 4
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda job: calls[job[0]](images[job[1]]), jobs))
    for (c, i), got in zip(jobs, results, strict=True):
        np.testing.assert_array_equal(got, kept[c][i])
