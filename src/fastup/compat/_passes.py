"""One pass of a peer's separable resize in the peer's own arithmetic, for the peers whose
integer results come from fixed-point passes with a rounded, clipped intermediate (Pillow's
two passes over an 8-bit image, PyTorch's uint8 path, OpenCV's 11-bit coefficients).

A pass along ``axis`` with the taps ``start[m] + t`` (t < T) of output ``m`` computes

    acc[m] = sum_t coeffs[m, t] * x[start[m] + t]

exactly: for integer ``coeffs``, ``(acc + 2**(shift - 1)) >> shift`` (the shift floors, as the
peers' C does on their integer sums) clipped to ``[lo, hi]``; for float ``coeffs``, the float64
sums as they are, for the caller to round. Windows may hold zero coefficients past the input's
end (a peer's windows of different lengths); those taps are not read.

Integer passes over uint8 or int32 data whose sums provably fit the peers' integer types run
in the compiled kernel (``_kernels.peer_pass``: int32 sums of uint8 data, int64 of int32 data,
threads over the output rows); the others, and float coefficients, in NumPy, one gather per
tap. Both compute the same integers. A plan keeps a ``PeerPass`` per pass: the checks and
the kernel's table are worked out once, not per image.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _kernels, _threads
from .._validate import output_array

_INT32 = np.iinfo(np.int32)
_KERNEL_SOURCES = (np.dtype(np.uint8), np.dtype(np.int32))


def weighted_pass(
    x: np.ndarray,
    axis: int,
    start: np.ndarray,
    coeffs: np.ndarray,
    shift: int = 0,
    lo: int | None = None,
    hi: int | None = None,
    dtype: np.dtype | type | None = None,
    workers: Any = None,
) -> np.ndarray:
    """The pass described in the module docstring; the result has ``dtype`` (default: integers
    of a type that holds them, int32 or int64, for integer ``coeffs``; float64 for float ones)
    and ``x``'s axes, ``axis`` of length M. A plan that repeats a pass keeps a ``PeerPass``."""
    prepared = PeerPass(x.shape[axis], x.dtype, start, coeffs, shift, lo, hi, dtype)
    return prepared(x, axis, workers)


class PeerPass:
    """``weighted_pass`` along an axis of length ``L`` of ``source`` arrays, its table checked
    and laid out for the compiled kernel once: a plan keeps it and calls it per image."""

    def __init__(
        self,
        L: int,
        source: Any,
        start: np.ndarray,
        coeffs: np.ndarray,
        shift: int = 0,
        lo: int | None = None,
        hi: int | None = None,
        dtype: np.dtype | type | None = None,
    ) -> None:
        self.L = L
        self.source = np.dtype(source)
        self.start = np.asarray(start, dtype=np.intp)
        self.coeffs = np.asarray(coeffs)
        self.shift, self.lo, self.hi, self.dtype = shift, lo, hi, dtype
        self.M = self.coeffs.shape[0]
        self._layouts: dict[Any, Any] = {}  # per (shape, axis): the output's shape, sizes
        self.kernel = None
        if self.coeffs.dtype.kind in "iu" and self.source in _KERNEL_SOURCES:
            self.kernel = _kernel_args(
                L, self.source, self.start, self.coeffs, shift, lo, hi, dtype
            )

    def __call__(self, x: np.ndarray, axis: int, workers: Any = None) -> np.ndarray:
        """The pass over ``x`` (of the ``source`` dtype, ``L`` long along ``axis``), into a new
        array (the core's ``output_array``: a large one reuses the memory of a freed one, an
        intermediate of the previous call for instance)."""
        if x.shape[axis] != self.L or x.dtype != self.source:
            raise ValueError("PeerPass: an array of another length or dtype than prepared for")
        if self.kernel is None:
            return _numpy_pass(
                x, axis, self.start, self.coeffs, self.shift, self.lo, self.hi, self.dtype
            )
        start, q, low, high, target = self.kernel
        source = x if x.flags.c_contiguous else np.ascontiguousarray(x)
        key = (x.shape, axis)
        layout = self._layouts.get(key)
        if layout is None:  # worked out once per input shape (a pipeline repeats a few)
            axis = axis % x.ndim
            shape = x.shape[:axis] + (self.M,) + x.shape[axis + 1 :]
            P, inner = math.prod(x.shape[:axis]), math.prod(x.shape[axis + 1 :])
            layout = self._layouts[key] = (shape, math.prod(shape), P, inner)
        shape, size, P, inner = layout
        out = output_array(shape, target, size * target.itemsize)
        if size:
            nthreads = _threads.team_size(_threads.resolve("compat", workers), size * q.shape[1])
            _kernels.peer_pass(
                source, out, start, q, P, self.L, self.M, inner, self.shift, low, high, nthreads
            )
        return out


def _kernel_args(
    L: int,
    source: np.dtype,
    start: np.ndarray,
    coeffs: np.ndarray,
    shift: int,
    lo: int | None,
    hi: int | None,
    dtype: Any,
) -> tuple[np.ndarray, np.ndarray, int, int, np.dtype] | None:
    """The arguments of ``_kernels.peer_pass`` for the pass (windows, int32 weights, bounds,
    result type), or None when the kernel's integer types could overflow, a nonzero tap lies
    outside the input, or the result type is not uint8 or int32."""
    M, T = coeffs.shape
    if not 0 <= shift <= (30 if source == np.uint8 else 62) or M == 0 or T == 0:
        return None
    taps = start[:, None] + np.arange(T)
    if ((coeffs != 0) & ((taps < 0) | (taps >= L))).any():
        return None
    wide = coeffs.astype(np.int64)
    if T > L or (start < 0).any() or (start + T > L).any():
        # windows padded past the end with zero weights: each moved back inside the axis (at
        # most L taps), its weights with it
        T = min(T, L)
        anchored = np.clip(start, 0, L - T)
        moved = np.zeros((M, T), dtype=np.int64)
        rows, cols = np.nonzero(wide)
        moved[rows, taps[rows, cols] - anchored[rows]] = wide[rows, cols]
        start, wide = anchored.astype(np.intp), moved
    positive = np.maximum(wide, 0).sum(axis=1).max(initial=0)
    negative = np.maximum(-wide, 0).sum(axis=1).max(initial=0)
    bias = (1 << (shift - 1)) if shift else 0
    top = 255 if source == np.uint8 else 1 << 31
    if max(positive, negative) * top + bias >= (1 << 62):
        return None
    if source == np.uint8 and (255 * positive + bias > _INT32.max or 255 * negative > 1 << 31):
        return None  # the peers' int32 sums would overflow: NumPy's int64 then
    if (wide > _INT32.max).any() or (wide < _INT32.min).any():
        return None
    smallest = -((negative * top) >> shift) - 1
    largest = ((positive * top + bias) >> shift) + 1
    if dtype is None:
        if smallest < _INT32.min or largest > _INT32.max:
            return None
        dtype = np.int32
    target = np.dtype(dtype)
    if target not in _KERNEL_SOURCES:
        return None
    bounds = (0, 255) if target == np.uint8 else (int(_INT32.min), int(_INT32.max))
    low = bounds[0] if lo is None else max(int(lo), bounds[0])
    high = bounds[1] if hi is None else min(int(hi), bounds[1])
    unclipped_low = lo is None and smallest < bounds[0]
    if target == np.int32 and (unclipped_low or hi is None and largest > bounds[1]):
        return None  # unclipped sums that would not fit
    q = np.ascontiguousarray(wide, dtype=np.int32)
    return np.ascontiguousarray(start, dtype=np.intp), q, low, high, target


def _numpy_pass(
    x: np.ndarray,
    axis: int,
    start: np.ndarray,
    coeffs: np.ndarray,
    shift: int,
    lo: int | None,
    hi: int | None,
    dtype: Any,
) -> np.ndarray:
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
