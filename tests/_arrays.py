"""Awkward arrays for the fast-vs-oracle tests (in the spirit of bottleneck's generator).

``awkward(shape, dtype, rng)`` yields ``(label, array)`` pairs that hold the same kind of data
in every memory layout a caller may hand over: C and Fortran order, transposed, strided,
reversed, byte-swapped, read-only, misaligned, and with special values.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

FLOAT_DTYPES = [np.float16, np.float32, np.float64]
INT_DTYPES = [np.uint8, np.int8, np.uint16, np.int16, np.int32, np.uint32, np.int64, np.uint64]
WEIGHTED_DTYPES = FLOAT_DTYPES + INT_DTYPES
# nearest copies bits, so every numeric dtype and bool
NEAREST_DTYPES = WEIGHTED_DTYPES + [
    np.bool_,
    np.longdouble,
    np.complex64,
    np.complex128,
]


def random_values(shape: tuple[int, ...], dtype, rng: np.random.Generator) -> np.ndarray:
    """Values spread over most of the dtype's range (saturation is exercised for integers)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return rng.integers(0, 2, size=shape).astype(bool)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        lo, hi = max(info.min, -(2**31)), min(info.max, 2**31 - 1)
        return rng.integers(lo, hi, size=shape, endpoint=True).astype(dtype)
    if dtype.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    return (rng.standard_normal(shape) * 100).astype(dtype)


def awkward(
    shape: tuple[int, ...], dtype, rng: np.random.Generator
) -> Iterator[tuple[str, np.ndarray]]:
    base = random_values(shape, dtype, rng)
    yield "contiguous", base
    yield "fortran", np.asfortranarray(base)
    if base.ndim >= 2:
        yield "transposed", np.ascontiguousarray(np.swapaxes(base, 0, -1)).swapaxes(0, -1)
    big = random_values(tuple(2 * n for n in shape), dtype, rng)
    strided = big[tuple(slice(None, None, 2) for _ in shape)]
    yield "strided", strided
    yield "reversed", base[..., ::-1]
    swapped = base.astype(base.dtype.newbyteorder("S"))
    yield "byteswapped", swapped
    readonly = base.copy()
    readonly.flags.writeable = False
    yield "readonly", readonly
    if base.dtype.itemsize > 1:
        raw = np.zeros(base.nbytes + 1, dtype=np.uint8)
        misaligned = raw[1:].view(base.dtype).reshape(shape)
        misaligned[...] = base
        yield "misaligned", misaligned
    if base.dtype.kind == "f" and base.size >= 3:
        special = base.copy()
        flat = special.reshape(-1)
        flat[0] = np.nan
        flat[-1] = np.inf
        flat[flat.size // 2] = -np.inf
        yield "nan_inf", special


def assert_integers_close(fast: np.ndarray, slow: np.ndarray) -> None:
    """Integer results within 1 of the oracle's, compared exactly (as Python integers for the
    64-bit types). Both are float64 sums, rounded: for magnitudes beyond 2**46 they may differ
    by a few float64 units of the largest magnitude involved (2**-46 of it: rounding in sums of
    up to a few dozen terms, two passes, with cancellation)."""
    if fast.dtype.itemsize < 8:
        difference = np.abs(fast.astype(np.int64) - slow.astype(np.int64))
        assert difference.max(initial=0) <= 1, f"integer result off by {difference.max()}"
        return
    exact_a, exact_b = fast.astype(object).ravel(), slow.astype(object).ravel()
    difference = max((abs(a - b) for a, b in zip(exact_a, exact_b, strict=True)), default=0)
    largest = max((abs(b) for b in exact_b), default=0)
    allowed = 1 + largest // 2**46
    assert difference <= allowed, f"integer result off by {difference} (allowed {allowed})"
