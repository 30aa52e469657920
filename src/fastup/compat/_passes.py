"""One pass of a peer's separable resize in the peer's own arithmetic, for the peers whose
integer results come from fixed-point passes with a rounded, clipped intermediate (Pillow's
two passes over an 8-bit image, PyTorch's uint8 path): NumPy, one gather per tap.

A pass along ``axis`` with the taps ``start[m] + t`` (t < T) of output ``m`` computes

    acc[m] = sum_t coeffs[m, t] * x[start[m] + t]

exactly: in int64 for integer ``coeffs``, then ``(acc + 2**(shift - 1)) >> shift`` (the shift
floors, as C's on the peers' int32 sums) clipped to ``[lo, hi]``; in float64 for float
``coeffs``, returned as they are for the caller to round. Windows may hold zero coefficients
past the input's end (a peer's windows of different lengths); those taps are not read.

``fixed_point_pass`` computes the same integers with the fast kernels: the integer weights
divided by ``2**shift`` are exact in float64, and so is every partial sum of a float64 pass over
integer data (multiples of ``2**-shift`` below ``2**31``), so the float64 result is the exact
sum, in any order of the additions, and ``floor(sum + 0.5)`` is the peer's rounding.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._resize import run_plan, table_plan
from .._tables import WeightTable, tap_table


def fixed_point_table(taps: np.ndarray, coeffs: np.ndarray, shift: int, in_len: int) -> WeightTable:
    """The table of ``fixed_point_pass``: integer ``coeffs`` (M, T) of the taps (input indices;
    those outside ``[0, in_len)`` are clamped to the edge, their coefficients added there, as
    a peer that clamps its reads computes) scaled by ``2**-shift``."""
    return tap_table(taps, np.asarray(coeffs, dtype=np.float64) / 2.0**shift, in_len)


def fixed_point_pass(
    x: np.ndarray,
    axis: int,
    table: WeightTable,
    lo: int,
    hi: int,
    workers: Any = None,
) -> np.ndarray:
    """``floor(sum_t coeffs[m, t] x[taps[m, t]] / 2**shift + 1/2)`` clipped to ``[lo, hi]`` along
    ``axis`` of the float64 array ``x`` of integers (``table`` from ``fixed_point_table``), as
    float64 integers: the peers' ``(acc + 2**(shift-1)) >> shift`` on exact integer sums."""
    plan = table_plan(x.shape, np.dtype(np.float64), {axis: table})
    acc, _ = run_plan("resize", plan, x, workers, None)
    acc += 0.5
    np.floor(acc, out=acc)
    np.clip(acc, lo, hi, out=acc)
    return acc


def weighted_pass(
    x: np.ndarray,
    axis: int,
    start: np.ndarray,
    coeffs: np.ndarray,
    shift: int = 0,
    lo: int | None = None,
    hi: int | None = None,
    dtype: np.dtype | type | None = None,
) -> np.ndarray:
    """The pass described in the module docstring; the result has ``dtype`` (default: int64
    for integer ``coeffs``, float64 for float ones) and ``x``'s axes, ``axis`` of length M."""
    start = np.asarray(start, dtype=np.intp)
    coeffs = np.asarray(coeffs)
    M, T = coeffs.shape
    L = x.shape[axis]
    moved = np.moveaxis(x, axis, 0)
    integer = coeffs.dtype.kind in "iu"
    acc = np.zeros((M,) + moved.shape[1:], dtype=np.int64 if integer else np.float64)
    expand = (slice(None),) + (None,) * (moved.ndim - 1)
    work = coeffs.astype(acc.dtype)
    for t in range(T):
        c = work[:, t]
        if not c.any():
            continue
        rows = np.minimum(start + t, L - 1)  # a zero coefficient's tap may lie past the end
        acc += c[expand] * moved[rows].astype(acc.dtype)
    if integer:
        if shift:
            acc += 1 << (shift - 1)
            acc >>= shift
        if lo is not None or hi is not None:
            np.clip(acc, lo, hi, out=acc)
    result = np.moveaxis(acc, 0, axis)
    return result if dtype is None else result.astype(dtype)
