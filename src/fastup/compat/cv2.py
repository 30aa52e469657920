"""``cv2.resize`` reproduced: OpenCV's call, ``INTER_*`` flags, sizes, refusals and results.

Checked against OpenCV 5.1.0 (``opencv-python-headless`` 5.1.0.95, x86-64 with AVX-512; see
``CHECKED``). ``resize(src, dsize, dst=None, fx=0, fy=0, interpolation=INTER_LINEAR)`` takes an
(H, W) or (H, W, C) array (1 <= C <= 128, as OpenCV's Python binding) and ``dsize`` as
(width, height), or ``dsize=None`` / a zero area with ``fx``, ``fy``; the output has OpenCV's
shape, (H', W') for an (H, W, 1) input too.

What is reproduced, per flag (``L`` input length, ``M`` output length, ``s = 1 / inv`` with
``inv = M / L`` from ``dsize`` or ``inv = fx`` / ``fy`` given):

* output lengths from ``fx``, ``fy``: ``M = round_half_even(L * f)`` (OpenCV's
  ``saturate_cast<int>``);
* ``INTER_NEAREST``: source ``min(floor(o * (1.0 / inv)), L - 1)`` in double, bit for bit;
* ``INTER_NEAREST_EXACT``: the source position as OpenCV 5 walks it, a running double sum
  ``s / 2, s / 2 + s, ...`` floored, bit for bit (it can land one pixel below the exact
  ``floor((o + 1/2) s)`` when that is an integer);
* ``INTER_LINEAR``, ``INTER_CUBIC`` (a = -0.75), ``INTER_LANCZOS4`` (8 taps): OpenCV's own
  coefficients, computed in float32 from ``float((o + 1/2) s - 1/2)``, edge taps clamped; uint8
  in OpenCV's fixed point (11-bit coefficients, exact integer horizontal sums, OpenCV's vertical
  rounding: ``(b0 (h0 >> 4) >> 16) + (b1 (h1 >> 4) >> 16) + 2 >> 2`` for linear, the float32
  vector path and the integer tail for cubic, ``(sum + 2**21) >> 22`` for Lanczos-4),
  bit for bit; an exact 2x2 downscale is ``INTER_AREA`` as in OpenCV;
* ``INTER_LINEAR_EXACT``: OpenCV's bit-exact path (8-bit fixed-point coefficients for uint8,
  16-bit for uint16, int16, int8), bit for bit; float inputs take ``INTER_LINEAR`` as in OpenCV;
* ``INTER_AREA``: shrinking both axes by integer factors, OpenCV's box sums (``(sum + 2) >> 2``
  for 2x2 on 1, 3 or 4 channels, ``sum * float(1/area)`` else, partial border cells averaged over
  the pixels they hold), bit for bit; other shrinking factors, OpenCV's overlap weights
  (``computeResizeAreaTab``); an axis growing, OpenCV's linear path with the ``INTER_AREA``
  coefficients ``f = (o + 1) - (floor(o s) + 1) inv``, on both axes (one growing and one
  shrinking included).

Floats agree within about 1e-6 of the value range (float32) and 1e-12 (float64); uint16 and
int16 (computed in float32 by OpenCV and fastup alike) within 1, and so is uint8 ``INTER_AREA``
with non-integer factors (OpenCV accumulates in float32 in its own order).

Refused as OpenCV refuses them: a ``dsize`` that is not two integers, negative or zero sizes
without ``fx`` and ``fy`` > 0, output lengths that round to 0, unknown flags, dtypes other than
uint8, uint16, int16, float32, float64 for the weighted flags (``INTER_LINEAR_EXACT`` also takes
int8 and int32; the nearest flags take every numeric dtype and bool), more than 4 channels for
``INTER_AREA`` with non-integer shrinking factors, inputs of rank above 3 or size 0: TypeError
or ValueError naming the argument (OpenCV raises ``cv2.error``). One difference: OpenCV's Python
binding narrows an int64 array to int32 when its values fit; fastup keeps int64 (nearest flags)
and refuses it for the others.

Examples
--------
>>> import numpy as np
>>> from fastup.compat import cv2
>>> img = np.arange(12, dtype=np.uint8).reshape(3, 4)
>>> cv2.resize(img, (8, 6), interpolation=cv2.INTER_NEAREST)[:2].tolist()
[[0, 0, 1, 1, 2, 2, 3, 3], [0, 0, 1, 1, 2, 2, 3, 3]]
>>> cv2.resize(img, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA).tolist()
[[3, 5], [8, 10]]
"""

from __future__ import annotations

import math
import numbers
from functools import lru_cache
from typing import Any

import numpy as np

from .. import _kernels, _threads
from .._resize import run_plan, table_plan
from .._tables import index_table, tap_table
from .._validate import fail_type, fail_value
from ._passes import PeerPass

__all__ = [
    "CHECKED",
    "INTER_AREA",
    "INTER_CUBIC",
    "INTER_LANCZOS4",
    "INTER_LINEAR",
    "INTER_LINEAR_EXACT",
    "INTER_NEAREST",
    "INTER_NEAREST_EXACT",
    "resize",
]

CHECKED = {"opencv-python-headless": "5.1.0.95"}

INTER_NEAREST = 0
INTER_LINEAR = 1
INTER_CUBIC = 2
INTER_AREA = 3
INTER_LANCZOS4 = 4
INTER_LINEAR_EXACT = 5
INTER_NEAREST_EXACT = 6

_FUNC = "compat.cv2.resize"
_FLAG_NAMES = {
    INTER_NEAREST: "INTER_NEAREST",
    INTER_LINEAR: "INTER_LINEAR",
    INTER_CUBIC: "INTER_CUBIC",
    INTER_AREA: "INTER_AREA",
    INTER_LANCZOS4: "INTER_LANCZOS4",
    INTER_LINEAR_EXACT: "INTER_LINEAR_EXACT",
    INTER_NEAREST_EXACT: "INTER_NEAREST_EXACT",
}
_MAX_CHANNELS = 128  # OpenCV 5's CV_CN_MAX (the Python binding refuses more)
_INT_MAX = 2**31 - 1
_COEF_BITS = 11  # INTER_RESIZE_COEF_BITS
_COEF_SCALE = 1 << _COEF_BITS
# the vector width (in int16 lanes) of OpenCV's dispatched vertical cubic pass on uint8: the
# first (width * channels) // _LANES * _LANES values of a row come from its float32 path
_LANES = 32

_WEIGHTED = frozenset(np.dtype(t) for t in (np.uint8, np.uint16, np.int16, np.float32, np.float64))
_EXACT = _WEIGHTED | {np.dtype(np.int8), np.dtype(np.int32)}
_NEAREST = frozenset(
    np.dtype(t)
    for t in (
        np.bool_,
        np.uint8,
        np.int8,
        np.uint16,
        np.int16,
        np.uint32,
        np.int32,
        np.uint64,
        np.int64,
        np.float16,
        np.float32,
        np.float64,
    )
)


def _names(dtypes: frozenset[np.dtype] | set[np.dtype]) -> str:
    order = ["bool", "uint8", "int8", "uint16", "int16", "uint32", "int32", "uint64", "int64"]
    order += ["float16", "float32", "float64"]
    return ", ".join(n for n in order if np.dtype(n) in dtypes)


def resize(
    src: Any,
    dsize: Any,
    dst: np.ndarray | None = None,
    fx: float = 0,
    fy: float = 0,
    interpolation: int = INTER_LINEAR,
) -> np.ndarray:
    """``cv2.resize``: ``src`` resized to ``dsize`` = (width, height), or by ``fx``, ``fy``.

    Parameters
    ----------
    src : ndarray
        (H, W) or (H, W, C) with 1 <= C <= 128 (a 1-D array is a column, as in OpenCV).
    dsize : (int, int) or None
        Output (width, height); None or a zero area to take the lengths from ``fx``, ``fy``.
    dst : ndarray, optional
        Filled and returned when it is a C-contiguous ndarray of the output's shape and dtype;
        otherwise a new array is returned and ``dst`` is left alone (OpenCV's binding).
    fx, fy : float
        Scale of the width and the height; used for the output lengths
        (``round_half_even(W * fx)``) when ``dsize`` has zero area, and then also for the
        coordinates.
    interpolation : int
        One of ``INTER_NEAREST`` (0), ``INTER_LINEAR`` (1), ``INTER_CUBIC`` (2),
        ``INTER_AREA`` (3), ``INTER_LANCZOS4`` (4), ``INTER_LINEAR_EXACT`` (5),
        ``INTER_NEAREST_EXACT`` (6).

    Returns
    -------
    ndarray
        (H', W') or (H', W', C) (an (H, W, 1) input gives (H', W')), of ``src``'s dtype.

    Notes
    -----
    The module docstring lists OpenCV's arithmetic as reproduced per flag (fixed-point uint8
    included) and the known differences.

    Examples
    --------
    >>> import numpy as np
    >>> from fastup.compat import cv2
    >>> x = np.array([[0.0, 1.0], [2.0, 3.0]], np.float32)
    >>> cv2.resize(x, (4, 1)).tolist()
    [[1.0, 1.25, 1.75, 2.0]]
    >>> cv2.resize(np.zeros((5, 7, 1), np.uint8), None, fx=0.5, fy=0.5).shape  # 2.5 -> 2
    (2, 4)
    >>> cv2.resize(x, (0, 0))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: fastup.compat.cv2.resize: 'fx' must be > 0 when 'dsize' is None or has a ...
    """
    if not isinstance(src, np.ndarray):
        raise fail_type(_FUNC, "src", "a numpy.ndarray", src)
    size = _dsize(dsize)
    fx = _factor("fx", fx)
    fy = _factor("fy", fy)
    flag = _flag(interpolation)
    x = src if src.ndim != 1 else src.reshape(-1, 1)
    if x.ndim > 3:
        raise fail_value(_FUNC, "src", "an (H, W) or (H, W, C) array", src)
    if x.ndim == 3 and not 1 <= x.shape[2] <= _MAX_CHANNELS:
        raise fail_value(_FUNC, "src", f"of 1 to {_MAX_CHANNELS} channels", src)
    if x.dtype not in _NEAREST:
        raise TypeError(
            f"fastup.{_FUNC}: 'src' has dtype {x.dtype}; OpenCV takes {_names(_NEAREST)}."
        )
    if x.size == 0:
        raise fail_value(_FUNC, "src", "non-empty", src)
    H, W = x.shape[:2]
    C = x.shape[2] if x.ndim == 3 else 0
    out_h, out_w, inv_y, inv_x = _output_size(H, W, size, fx, fy)
    out_shape = (out_h, out_w) if C <= 1 else (out_h, out_w, C)
    if (out_h, out_w) == (H, W):
        return _deliver(np.array(x.reshape(out_shape), copy=True), dst)
    runner = _plan(x.shape, x.dtype.str, out_h, out_w, inv_y, inv_x, flag)
    result = runner(np.ascontiguousarray(x) if C else x.reshape(H, W, 1))
    return _deliver(result.reshape(out_shape), dst)


# --------------------------------------------------------------------------------------------
# arguments
# --------------------------------------------------------------------------------------------


def _dsize(dsize: Any) -> tuple[int, int] | None:
    if dsize is None:
        return None
    if type(dsize) is tuple and len(dsize) == 2 and type(dsize[0]) is type(dsize[1]) is int:
        if -(2**31) <= dsize[0] <= _INT_MAX and -(2**31) <= dsize[1] <= _INT_MAX:
            return dsize  # the common case, before the slower checks
    expected = "None or a sequence of two integers (width, height)"
    if isinstance(dsize, (str, bytes)) or not hasattr(dsize, "__len__"):
        raise fail_type(_FUNC, "dsize", expected, dsize)
    items = list(dsize)
    if len(items) != 2:
        raise fail_value(_FUNC, "dsize", expected, dsize)
    for item in items:
        if isinstance(item, (bool, np.bool_)) or not isinstance(item, numbers.Integral):
            raise fail_type(_FUNC, "dsize", expected, dsize)
        if not -(2**31) <= int(item) <= _INT_MAX:
            raise fail_value(_FUNC, "dsize", "two 32-bit integers", dsize)
    return int(items[0]), int(items[1])


def _factor(name: str, value: Any) -> float:
    if type(value) is float and math.isfinite(value) or type(value) is int:
        return float(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise fail_type(_FUNC, name, "a real number", value)
    value = float(value)
    if not math.isfinite(value):
        raise fail_value(_FUNC, name, "finite", value)
    return value


def _flag(interpolation: Any) -> int:
    if type(interpolation) is int and interpolation in _FLAG_NAMES:
        return interpolation
    listed = ", ".join(f"{name} ({value})" for value, name in _FLAG_NAMES.items())
    if isinstance(interpolation, (bool, np.bool_)) or not isinstance(
        interpolation, numbers.Integral
    ):
        raise fail_type(_FUNC, "interpolation", f"one of {listed}", interpolation)
    if int(interpolation) not in _FLAG_NAMES:
        raise fail_value(_FUNC, "interpolation", f"one of {listed}", interpolation)
    return int(interpolation)


def _output_size(
    H: int, W: int, size: tuple[int, int] | None, fx: float, fy: float
) -> tuple[int, int, float, float]:
    """(H', W', inv_y, inv_x) as ``cv::resize`` computes them."""
    if size is None or size[0] * size[1] == 0:
        zero = "when 'dsize' is None or has a zero area"
        if not fx > 0:
            raise fail_value(_FUNC, "fx", f"> 0 {zero}", fx)
        if not fy > 0:
            raise fail_value(_FUNC, "fy", f"> 0 {zero}", fy)
        out_w, out_h = _round_size(W * fx), _round_size(H * fy)
        if out_w <= 0 or out_h <= 0:
            raise ValueError(
                f"fastup.{_FUNC}: the output size (width, height) = ({out_w}, {out_h}) from "
                f"fx={fx!r}, fy={fy!r} is empty; 'fx' and 'fy' must give lengths of at least 1."
            )
        return out_h, out_w, fy, fx
    out_w, out_h = size
    if out_w <= 0 or out_h <= 0:
        raise fail_value(_FUNC, "dsize", "two sizes > 0 (or a zero area with fx, fy)", size)
    return out_h, out_w, out_h / H, out_w / W


def _round_size(value: float) -> int:
    """OpenCV's ``saturate_cast<int>(double)``: round half to even, saturated."""
    if value >= _INT_MAX:
        return _INT_MAX
    return int(np.rint(value))


def _deliver(result: np.ndarray, dst: Any) -> np.ndarray:
    """OpenCV's binding: a given ``dst`` of the right shape and dtype is filled and returned."""
    if (
        isinstance(dst, np.ndarray)
        and dst.shape == result.shape
        and dst.dtype == result.dtype
        and dst.flags.c_contiguous
        and dst.flags.writeable
    ):
        np.copyto(dst, result)
        return dst
    return result


# --------------------------------------------------------------------------------------------
# plans: one per (shape, dtype, output, scales, flag), cached
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=128)
def _plan(
    shape: tuple[int, ...],
    dtype_str: str,
    out_h: int,
    out_w: int,
    inv_y: float,
    inv_x: float,
    flag: int,
) -> Any:
    """A callable taking the (H, W, C) array and returning the (H', W', C) result."""
    dtype = np.dtype(dtype_str)
    H, W = shape[:2]
    C = shape[2] if len(shape) == 3 else 1
    if flag == INTER_NEAREST:
        return _gather_plan(
            (H, W, C), dtype, _nearest_index(H, out_h, inv_y), _nearest_index(W, out_w, inv_x)
        )
    if flag == INTER_NEAREST_EXACT:
        return _gather_plan((H, W, C), dtype, _running_index(H, out_h), _running_index(W, out_w))
    allowed = _EXACT if flag == INTER_LINEAR_EXACT else _WEIGHTED
    if dtype not in allowed:
        raise TypeError(
            f"fastup.{_FUNC}: 'src' has dtype {dtype}, which OpenCV's "
            f"{_FLAG_NAMES[flag]} does not take; it takes {_names(allowed)}."
        )
    if flag == INTER_LINEAR_EXACT and dtype.kind == "f":
        flag = INTER_LINEAR  # as OpenCV: no bit-exact path for floats
    scale_x, scale_y = 1.0 / inv_x, 1.0 / inv_y
    iscale_x, iscale_y = _round_size(scale_x), _round_size(scale_y)
    area_fast = abs(scale_x - iscale_x) < _DBL_EPS and abs(scale_y - iscale_y) < _DBL_EPS
    if flag == INTER_LINEAR_EXACT:
        if area_fast and iscale_x == 2 and iscale_y == 2 and C != 2:
            flag = INTER_AREA
        else:
            return _exact_plan((H, W, C), dtype, out_h, out_w, inv_y, inv_x)
    if flag == INTER_LINEAR and area_fast and iscale_x == 2 and iscale_y == 2:
        # OpenCV turns an exact 2x2 INTER_LINEAR downscale into INTER_AREA; other dtypes than
        # uint8 meet IPP's linear resize first (computed here as any other linear resize)
        flag = INTER_AREA if dtype == np.uint8 else flag
    if flag == INTER_AREA and scale_x >= 1 and scale_y >= 1:
        if area_fast:
            return _area_fast_plan((H, W, C), dtype, out_h, out_w, iscale_y, iscale_x)
        if C > 4:
            raise ValueError(
                f"fastup.{_FUNC}: OpenCV's INTER_AREA shrinks by non-integer factors 1 to 4 "
                f"channels only; 'src' has {C}."
            )
        tables = {
            0: _area_table(H, out_h, scale_y),
            1: _area_table(W, out_w, scale_x),
        }
        return _table_runner((H, W, C), dtype, tables)
    kind = {INTER_CUBIC: "cubic", INTER_LANCZOS4: "lanczos4"}.get(flag, "linear")
    area_mode = flag == INTER_AREA
    double = dtype == np.float64 and kind == "linear" and not area_mode and C != 2
    double = double and C <= 4 and min(H, W) > 1
    ys = _coefficients(H, out_h, inv_y, kind, area_mode, False, double)
    xs = _coefficients(W, out_w, inv_x, kind, area_mode, True, double)
    if dtype == np.uint8:
        return _fixed_plan((H, W, C), kind, ys, xs)
    tables = {0: tap_table(ys[0], ys[1], H), 1: tap_table(xs[0], xs[1], W)}
    return _table_runner((H, W, C), dtype, tables)


_DBL_EPS = float(np.finfo(np.float64).eps)


def _table_runner(shape: tuple[int, int, int], dtype: np.dtype, tables: dict[int, Any]) -> Any:
    plan = table_plan(shape, dtype, tables)

    def run(x: np.ndarray) -> np.ndarray:
        return run_plan(_FUNC, plan, x, 1, None)[0]

    return run


def _gather_plan(
    shape: tuple[int, int, int], dtype: np.dtype, rows: np.ndarray, cols: np.ndarray
) -> Any:
    H, W, _ = shape
    return _table_runner(shape, dtype, {0: index_table(rows, H), 1: index_table(cols, W)})


# --------------------------------------------------------------------------------------------
# nearest: OpenCV's index arithmetic
# --------------------------------------------------------------------------------------------


def _nearest_index(L: int, M: int, inv: float) -> np.ndarray:
    """``resizeNN``: ``min(cvFloor(o * (1.0 / inv)), L - 1)`` in double."""
    step = 1.0 / inv
    return np.minimum(np.floor(np.arange(M, dtype=np.float64) * step), L - 1).astype(np.intp)


def _running_index(L: int, M: int) -> np.ndarray:
    """OpenCV 5's ``INTER_NEAREST_EXACT``: positions ``s/2, s/2 + s, ...`` (``s = L / M``)
    summed in double one step at a time, floored and clamped."""
    step = L / M
    positions = np.empty(M, dtype=np.float64)
    position = step / 2.0
    for o in range(M):  # a running sum: each step rounds (np.cumsum pairs the additions)
        positions[o] = position
        position += step
    return np.minimum(np.floor(positions), L - 1).astype(np.intp)


# --------------------------------------------------------------------------------------------
# INTER_LINEAR, INTER_CUBIC, INTER_LANCZOS4 (and INTER_AREA growing): OpenCV's coefficients
# --------------------------------------------------------------------------------------------

_TAPS = {"linear": 2, "cubic": 4, "lanczos4": 8}


def _coefficients(
    L: int, M: int, inv: float, kind: str, area_mode: bool, is_x: bool, double: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Taps (M, K) clamped into [0, L) and their float32 coefficients (M, K), as OpenCV's
    resize builds ``xofs``/``alpha`` (``is_x``) or ``yofs``/``beta`` (``double``: in float64,
    as OpenCV 5.1's float64 ``INTER_LINEAR``, which goes through IPP)."""
    K = _TAPS[kind]
    scale = 1.0 / inv
    o = np.arange(M, dtype=np.float64)
    f32 = np.float64 if double else np.float32
    if not area_mode:
        f = ((o + 0.5) * scale - 0.5).astype(f32)
        start = np.floor(f).astype(np.int64)
        f = (f - start.astype(f32)).astype(f32)
    else:
        start = np.floor(o * scale).astype(np.int64)
        f = ((o + 1.0) - (start + 1.0) * inv).astype(f32)
        f = np.where(f <= 0, f32(0), (f - np.floor(f)).astype(f32)).astype(f32)
    if is_x and kind == "linear":
        left = start < 0
        right = start >= L - 1
        f = np.where(left | right, f32(0), f)
        start = np.where(left, 0, np.where(right, L - 1, start))
    if kind == "linear":
        coeffs = np.stack([(f32(1) - f).astype(f32), f], axis=1)
    elif kind == "cubic":
        coeffs = _cubic(f)
    else:
        coeffs = _lanczos4(f)
    taps = start[:, None] + np.arange(K) - (K // 2 - 1)
    return np.clip(taps, 0, L - 1), coeffs


def _cubic(x: np.ndarray) -> np.ndarray:
    """``interpolateCubic`` in float32 (A = -0.75), each operation rounded."""
    f32 = np.float32
    A = f32(-0.75)
    x = x.astype(f32)
    x1 = (x + f32(1)).astype(f32)
    c0 = ((A * x1 - f32(5) * A) * x1 + f32(8) * A) * x1 - f32(4) * A
    c1 = ((A + f32(2)) * x - (A + f32(3))) * x * x + f32(1)
    y = (f32(1) - x).astype(f32)
    c2 = ((A + f32(2)) * y - (A + f32(3))) * y * y + f32(1)
    c3 = f32(1) - c0 - c1 - c2
    return np.stack([c0, c1, c2, c3], axis=1).astype(f32)


_S45 = 0.70710678118654752440084436210485
_CS = np.array(
    [[1, 0], [-_S45, -_S45], [0, 1], [_S45, -_S45], [-1, 0], [_S45, _S45], [0, -1], [-_S45, _S45]]
)


def _lanczos4(x: np.ndarray) -> np.ndarray:
    """``interpolateLanczos4``: sin/cos in double, coefficients in float32, normalised by
    ``1.f / sum`` (a tap within 1e-6 of the source takes 1e30 before normalising)."""
    f32 = np.float32
    x = x.astype(f32)
    y0 = -(x.astype(np.float64) + 3.0) * math.pi * 0.25
    s0, c0 = np.sin(y0), np.cos(y0)
    coeffs = np.empty((x.shape[0], 8), dtype=f32)
    total = np.zeros(x.shape[0], dtype=f32)
    for i in range(8):
        d = (x + f32(3 - i)).astype(f32)
        y = -d.astype(np.float64) * math.pi * 0.25
        with np.errstate(divide="ignore", invalid="ignore"):
            c = ((_CS[i, 0] * s0 + _CS[i, 1] * c0) / (y * y)).astype(f32)
        c = np.where(np.abs(d) >= f32(1e-6), c, f32(1e30)).astype(f32)
        coeffs[:, i] = c
        total = (total + c).astype(f32)
    inverse = (f32(1) / total).astype(f32)
    return (coeffs * inverse[:, None]).astype(f32)


def _fold(taps: np.ndarray, coeffs: np.ndarray, L: int) -> tuple[np.ndarray, np.ndarray]:
    """Clamped taps with integer coefficients as a window ``start + t`` (t < T) with the
    coefficients of equal taps added (exact): the form ``PeerPass`` takes."""
    M, K = taps.shape
    T = min(K, L)
    start = np.clip(taps[:, 0], 0, L - T)
    folded = np.zeros((M, T), dtype=np.int64)
    np.add.at(folded, (np.repeat(np.arange(M), K), (taps - start[:, None]).ravel()), coeffs.ravel())
    return start, folded


def _horizontal_int(
    shape: tuple[int, int, int], dtype: np.dtype, taps: np.ndarray, coeffs: np.ndarray, bits: int
) -> Any:
    """A callable giving the exact integer sums ``sum_k coeffs[o, k] * x[:, taps[o, k]]`` along
    axis 1 of (H, W, C) arrays: uint8 images by the peers' integer pass (``PeerPass``; int32),
    others by the core's kernels in float32 (float64 when ``bits`` of products need it):
    integers all the way, so exact (int64)."""
    H, W, C = shape
    if dtype == np.uint8:
        prepared = PeerPass(W, np.uint8, *_fold(taps, coeffs, W))
        return lambda x: prepared(x, 1)
    work = np.dtype(np.float32 if bits <= 24 else np.float64)
    plan = table_plan(shape, work, {1: tap_table(taps, coeffs.astype(np.float64), W)})
    return lambda x: run_plan(_FUNC, plan, x.astype(work), 1, None)[0].astype(np.int64)


def _fixed_plan(
    shape: tuple[int, int, int],
    kind: str,
    ys: tuple[np.ndarray, np.ndarray],
    xs: tuple[np.ndarray, np.ndarray],
) -> Any:
    """uint8 in OpenCV's fixed point: 11-bit coefficients, exact integer horizontal sums, and
    the vertical pass of each kind with OpenCV's own rounding (``_kernels.cv_rows``; in NumPy,
    ``_vertical``, when its int32 sums could overflow)."""
    H, W, C = shape
    alpha = _fixed(xs[1])
    beta = _fixed(ys[1])
    xtaps, ytaps = xs[0], ys[0]
    M_h, M_w = ytaps.shape[0], xtaps.shape[0]
    width = M_w * C
    # the exact int32 horizontal sums, by the peers' integer pass
    horizontal = PeerPass(W, np.uint8, *_fold(xtaps, alpha, W))
    split = width // _LANES * _LANES if kind == "cubic" else 0  # cubic: the vector part
    fbeta = np.zeros(beta.shape, np.float32)
    if kind == "cubic":
        fbeta = (beta.astype(np.float32) * np.float32(1.0 / (_COEF_SCALE * _COEF_SCALE))).astype(
            np.float32
        )
    # the vertical int32 sums: each horizontal sum lies in [-low, high], so sum_k beta_k h_k
    # lies within (positive betas) * high + (negative betas) * low and its mirror
    high = 255 * int(np.maximum(alpha, 0).sum(axis=1).max())
    low = 255 * int(np.maximum(-alpha, 0).sum(axis=1).max())
    bpos, bneg = np.maximum(beta, 0).sum(axis=1), np.maximum(-beta, 0).sum(axis=1)
    sums = max(int((bpos * high + bneg * low).max()), int((bpos * low + bneg * high).max()))
    compiled = kind == "linear" or sums + (1 << 21) < 2**31
    rows = np.ascontiguousarray(ytaps, dtype=np.intp)
    weights = np.ascontiguousarray(beta, dtype=np.int32)
    team = 4 * M_h * width * rows.shape[1]

    # shrinks that leave a quarter of the input rows unread or more run as OpenCV runs them:
    # each output row from a ring of K rows of horizontal sums, only the input rows some output
    # reads resampled, nothing written between the passes (``_kernels.cv_fused``; the rows of
    # an output are consecutive, some repeated at the edges): linear shrinks of 1920x1080 RGB by
    # 4 1.08 -> 0.64 ms, of 2560x1600 by 8 1.27 -> 0.34 ms. Where every row is read, the two
    # passes (the horizontal one 4 rows at a time) were as fast or faster (shrinks by 1.5,
    # upscales: x2 cubic of 500x375 RGB 1.30 ms in two passes, 1.61 fused)
    fused = None
    if compiled and horizontal.kernel is not None and 4 * np.unique(rows).size <= 3 * H:
        steps = np.diff(rows, axis=1)
        if ((steps == 0) | (steps == 1)).all():
            fused = horizontal.kernel[0], horizontal.kernel[1]

    def run(x: np.ndarray) -> np.ndarray:
        nthreads = _threads.team_size(_threads.resolve(_FUNC, None), team)
        if fused is not None:
            out = np.empty((M_h, M_w, C), np.uint8)
            source = x if x.flags.c_contiguous else np.ascontiguousarray(x)
            _kernels.cv_fused(
                source, out, *fused, rows, weights, fbeta, kind, split, H, W, C, M_h, M_w, nthreads
            )
            return out
        h = horizontal(x, 1)  # (H, M_w, C) int32
        if not compiled:
            return _vertical(h, kind, rows, weights, fbeta, split)
        out = np.empty((M_h, M_w, C), np.uint8)
        _kernels.cv_rows(h, out, rows, weights, fbeta, kind, split, H, M_h, width, nthreads)
        return out

    return run


def _vertical(
    h: np.ndarray,
    kind: str,
    rows: np.ndarray,
    beta: np.ndarray,
    fbeta: np.ndarray,
    split: int,
) -> np.ndarray:
    """OpenCV's uint8 vertical passes in NumPy (int64, as ``_kernels.cv_rows`` computes them in
    int32 when that cannot overflow): linear ``(b0 (h0 >> 4) >> 16) + (b1 (h1 >> 4) >> 16) + 2
    >> 2``; cubic's vector path (float32, fused multiply-adds from the last tap, rounded half to
    even) for the first ``split`` values of each output row and ``(sum + 2**21) >> 22`` after
    them, as Lanczos-4 throughout; clipped to uint8."""
    H = h.shape[0]
    flat = h.reshape(H, -1).astype(np.int64)
    b = beta.astype(np.int64)
    if kind == "linear":
        r0 = (flat[rows[:, 0]] >> 4) * b[:, 0, None] >> 16
        r1 = (flat[rows[:, 1]] >> 4) * b[:, 1, None] >> 16
        out = (r0 + r1 + 2) >> 2
    else:
        out = sum(flat[rows[:, k]] * b[:, k, None] for k in range(rows.shape[1]))
        out = (out + (1 << 21)) >> 22
        if split:
            acc = None
            for k in (3, 2, 1, 0):
                product = flat[rows[:, k], :split] * fbeta[:, k, None].astype(np.float64)
                acc = product if acc is None else product + acc
                acc = acc.astype(np.float32).astype(np.float64)
            out[:, :split] = np.rint(acc)
    return np.clip(out, 0, 255).astype(np.uint8).reshape((rows.shape[0],) + h.shape[1:])


def _fixed(coeffs: np.ndarray) -> np.ndarray:
    """``saturate_cast<short>(c * INTER_RESIZE_COEF_SCALE)``: float32, rounded half to even."""
    scaled = (coeffs.astype(np.float32) * np.float32(_COEF_SCALE)).astype(np.float32)
    return np.clip(np.rint(scaled), -32768, 32767).astype(np.int64)


# --------------------------------------------------------------------------------------------
# INTER_LINEAR_EXACT: resize_bitExact
# --------------------------------------------------------------------------------------------

# fraction bits of OpenCV's fixed-point types per dtype: ufixedpoint16 (uint8), ufixedpoint32
# (uint16), fixedpoint32 (int8, int16)
_EXACT_BITS = {np.dtype(np.uint8): 8, np.dtype(np.uint16): 16}
_EXACT_BITS.update({np.dtype(np.int8): 16, np.dtype(np.int16): 16})


def _exact_axis(L: int, M: int, inv: float, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """``interpolationLinear::getCoeffs``: window starts (M,) and coefficients (M, 2) in units
    of 2**-bits (a copy of the edge pixel outside the input)."""
    scale = 1.0 / inv
    one = 1 << bits
    fval = scale * (np.arange(M, dtype=np.float64) + 0.5) - 0.5
    ival = np.floor(fval)
    inside = (ival >= 0) & (ival < L - 1) & (L > 1)
    frac = np.rint((fval - ival) * one).astype(np.int64)  # fval - ival is exact in double
    c1 = np.where(inside, frac, 0)
    start = np.where(inside, ival, np.where(ival >= 0, L - 1, 0)).astype(np.intp)
    if L == 1:
        start = np.zeros(M, dtype=np.intp)
    coeffs = np.stack([one - c1, c1], axis=1)
    return start, coeffs


def _exact_plan(
    shape: tuple[int, int, int], dtype: np.dtype, out_h: int, out_w: int, inv_y: float, inv_x: float
) -> Any:
    H, W, C = shape
    info = np.iinfo(dtype)
    bits = _EXACT_BITS.get(dtype)
    if bits is None:  # int32 (fixedpoint64): computed in float64 by the core, within 1
        ys = _coefficients(H, out_h, inv_y, "linear", False, True)
        xs = _coefficients(W, out_w, inv_x, "linear", False, True)
        tables = {0: tap_table(ys[0], ys[1], H), 1: tap_table(xs[0], xs[1], W)}
        return _table_runner(shape, dtype, tables)
    ystart, ycoef = _exact_axis(H, out_h, inv_y, bits)
    xstart, xcoef = _exact_axis(W, out_w, inv_x, bits)
    xtaps = np.minimum(xstart[:, None] + np.arange(2), W - 1)
    ytaps = np.minimum(ystart[:, None] + np.arange(2), H - 1)
    product_bits = bits + 8 * dtype.itemsize + 1
    if product_bits <= 24:
        horizontal = _horizontal_int(shape, dtype, xtaps, xcoef, product_bits)
    else:
        wide = PeerPass(W, dtype, *_fold(xtaps, xcoef, W))
        horizontal = lambda x: wide(x, 1)  # noqa: E731
    yfold = _fold(ytaps, ycoef, H)
    vertical: dict[np.dtype, PeerPass] = {}  # per dtype of the horizontal sums, prepared once

    def run(x: np.ndarray) -> np.ndarray:
        h = horizontal(x)
        prepared = vertical.get(h.dtype)
        if prepared is None:
            prepared = vertical[h.dtype] = PeerPass(
                H, h.dtype, yfold[0], yfold[1], 2 * bits, info.min, info.max, dtype
            )
        return prepared(h, 0)

    return run


# --------------------------------------------------------------------------------------------
# INTER_AREA shrinking
# --------------------------------------------------------------------------------------------


def _area_fast_plan(
    shape: tuple[int, int, int], dtype: np.dtype, out_h: int, out_w: int, sy: int, sx: int
) -> Any:
    """``resizeAreaFast_``: integer factors; full cells summed (in int for uint8, float32 for
    16-bit, exactly equal) and scaled by ``float(1/area)`` or, for 2x2 on 1, 3 or 4 channels of
    integers, ``(sum + 2) >> 2``; border cells averaged over the pixels they hold."""
    H, W, C = shape
    rows = [np.arange(o * sy, min(o * sy + sy, H)) for o in range(out_h)]
    cols = [np.arange(o * sx, min(o * sx + sx, W)) for o in range(out_w)]
    # the weights of every output: 1 / count over its (possibly partial) cell
    rtaps, rcount = _cells(rows, H)
    ctaps, ccount = _cells(cols, W)
    if dtype.kind == "f":  # the mean of each cell; full cells of float64 times OpenCV's
        # float(1 / area) instead of 1 / area (the float32 result does not see the difference)
        tables = {0: _cell_table(rtaps, rcount, H), 1: _cell_table(ctaps, ccount, W)}
        runner = _table_runner(shape, dtype, tables)
        if dtype != np.float64:
            return runner
        area = sx * sy
        factor = float(np.float32(1.0) / np.float32(area)) * area
        inner = (slice(0, min(H // sy, out_h)), slice(0, min(W // sx, out_w)))

        def run_float64(x: np.ndarray) -> np.ndarray:
            result = runner(x)
            result[inner] *= factor
            return result

        return run_float64
    shift2 = sx == 2 and sy == 2 and C in (1, 3, 4)
    if dtype not in _AREA_KERNEL:  # int8, int32 (INTER_LINEAR_EXACT's 2x2 shrink)
        return lambda x: _area_cells(x, sy, sx, out_h, out_w, shift2, rtaps, ctaps, rcount, ccount)

    def run(x: np.ndarray) -> np.ndarray:
        out = np.empty((out_h, out_w, C), dtype)
        nthreads = _threads.team_size(_threads.resolve(_FUNC, None), H * W * C)
        _kernels.cv_area(x, out, H, W, C, out_h, out_w, sy, sx, shift2, nthreads)
        return out

    return run


_AREA_KERNEL = frozenset(np.dtype(t) for t in (np.uint8, np.uint16, np.int16))


def _area_cells(
    x: np.ndarray,
    sy: int,
    sx: int,
    out_h: int,
    out_w: int,
    shift2: bool,
    rtaps: np.ndarray,
    ctaps: np.ndarray,
    rcount: np.ndarray,
    ccount: np.ndarray,
) -> np.ndarray:
    """``resizeAreaFast_`` on integers in NumPy (``_kernels.cv_area`` computes the same for
    uint8, uint16 and int16): exact cell sums, full cells scaled by ``float32(1 / area)`` or
    ``(sum + 2) >> 2``, partial cells divided by their count in float32, rounded half to even."""
    H, W = x.shape[:2]
    info = np.iinfo(x.dtype)
    sums = _cell_sums(_cell_sums(x.astype(np.int64), 0, rtaps), 1, ctaps)
    count = (rcount[:, None] * ccount[None, :])[:, :, None]
    full = np.zeros((out_h, out_w), dtype=bool)
    full[: min(H // sy, out_h), : min(W // sx, out_w)] = True
    full = full[:, :, None]
    if shift2:
        inner = (sums + 2) >> 2
    else:
        inner = np.rint(sums.astype(np.float32) * (np.float32(1.0) / np.float32(sx * sy)))
    with np.errstate(divide="ignore", invalid="ignore"):
        border = np.rint(sums.astype(np.float32) / count.astype(np.float32))
    out = np.where(full, inner, np.where(count > 0, border, 0))
    return np.clip(out, info.min, info.max).astype(x.dtype)


def _cells(groups: list[np.ndarray], L: int) -> tuple[np.ndarray, np.ndarray]:
    width = max(len(g) for g in groups)
    taps = np.full((len(groups), width), -1, dtype=np.intp)
    for i, g in enumerate(groups):
        taps[i, : len(g)] = g
    return taps, np.array([len(g) for g in groups], dtype=np.int64)


def _cell_table(taps: np.ndarray, count: np.ndarray, L: int) -> Any:
    """The cells as a weight table: the mean of the pixels each holds."""
    w = (1.0 / count)[:, None] * (taps >= 0)
    filled = np.where(taps >= 0, taps, taps.max(axis=1, keepdims=True))
    return tap_table(filled, w, L)


def _cell_sums(x: np.ndarray, axis: int, taps: np.ndarray) -> np.ndarray:
    moved = np.moveaxis(x, axis, 0)
    total = np.zeros((taps.shape[0],) + moved.shape[1:], dtype=np.int64)
    for t in range(taps.shape[1]):
        idx = taps[:, t]
        valid = idx >= 0
        total[valid] += moved[idx[valid]]
    return np.moveaxis(total, 0, axis)


def _area_table(L: int, M: int, scale: float) -> Any:
    """``computeResizeAreaTab``: each output's overlaps with the input pixels, float32."""
    taps_list, weights_list = [], []
    for o in range(M):
        fsx1 = o * scale
        fsx2 = fsx1 + scale
        cell = min(scale, L - fsx1)
        sx1, sx2 = math.ceil(fsx1), math.floor(fsx2)
        sx2 = min(sx2, L - 1)
        sx1 = min(sx1, sx2)
        taps, weights = [], []
        if sx1 - fsx1 > 1e-3:
            taps.append(sx1 - 1)
            weights.append(float(np.float32((sx1 - fsx1) / cell)))
        for s in range(sx1, sx2):
            taps.append(s)
            weights.append(float(np.float32(1.0 / cell)))
        if fsx2 - sx2 > 1e-3:
            taps.append(sx2)
            weights.append(float(np.float32(min(min(fsx2 - sx2, 1.0), cell) / cell)))
        taps_list.append(taps)
        weights_list.append(weights)
    K = max(len(t) for t in taps_list)
    taps = np.zeros((M, K), dtype=np.intp)
    weights = np.zeros((M, K))
    for o, (t, w) in enumerate(zip(taps_list, weights_list, strict=True)):
        taps[o, : len(t)] = t
        taps[o, len(t) :] = t[-1]
        weights[o, : len(w)] = w
    return tap_table(taps, weights, L)
