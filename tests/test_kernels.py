"""The compiled building blocks on their own: the matrix product (every shape class, stride
and transpose, accumulation, thread invariance) and the table-window checks."""

import numpy as np
import pytest
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


def test_gemm_reports_its_micro_kernel():
    assert _kernels.gemm_isa() in ("avx2", "generic")


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
