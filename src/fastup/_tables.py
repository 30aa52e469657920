"""Per-axis tables: every mode and convention of ``fastup.resize`` lives here, and only here.

For one resized axis of length ``L`` -> ``M`` the tables say, for each output position ``o``:

* nearest: the input index to copy, ``index[o]``;
* every other mode: the first input index ``start[o]`` and the weights ``weights[o, t]`` of the
  taps ``start[o] + t`` (t < T, the same T for the whole axis, every tap inside ``[0, L)``);
* with ``tf_crop_and_resize``: which outputs fall outside the input (``outside[o]``) and take
  ``extrapolation_value``.

The kernels apply these tables and never learn what produced them. The tables cost
O(M * T) and are built with NumPy in float64.

Conventions (ONNX Resize-19 wording; ``x`` is the source coordinate of output ``o``, in input
pixel units with pixel ``i`` centred on ``x = i``):

================================  ==========================================================
coordinate_mode                   x(o)
================================  ==========================================================
half_pixel                        (o + 0.5) / scale - 0.5
half_pixel_symmetric              L/2 * (1 - M / (scale * L)) + (o + 0.5) / scale - 0.5
pytorch_half_pixel                (o + 0.5) / scale - 0.5 if M > 1 else 0
align_corners                     o * (L - 1) / (M - 1) if M > 1 else 0
asymmetric                        o / scale
tf_crop_and_resize                start * (L - 1) + o * (end - start) * (L - 1) / (M - 1)
                                  (M > 1), else (start + end) / 2 * (L - 1); outside [0, L-1]
                                  the output is extrapolation_value
================================  ==========================================================

When the scale comes from a size (``scale = M / L`` exactly) the coordinates are computed from
the integers (e.g. ``((2o + 1) L - M) / (2 M)``), so ties such as ``x = k + 0.5`` are exact.

Kernels, with ``s = max(1, 1/scale)`` when ``antialias`` (else 1): the weight of input ``j`` is
``k((j - x) / s)`` for

* linear: ``k(t) = max(0, 1 - |t|)``, support 1;
* cubic (Keys, parameter a): ``(a+2)|t|^3 - (a+3)|t|^2 + 1`` for |t| <= 1,
  ``a|t|^3 - 5a|t|^2 + 8a|t| - 4a`` for 1 < |t| < 2, support 2;
* lanczos (Lanczos-3): ``sinc(t) sinc(t/3)`` for |t| < 3, support 3;

taps outside ``[0, L)`` are clamped to the edge, or (``exclude_outside``) dropped, unless
that would drop every tap (then they stay clamped); weights are renormalised to sum 1 for
antialias, lanczos and exclude_outside. ``area`` weighs input pixel
``j`` (covering ``[j - 0.5, j + 0.5)``) by its overlap with the box of width ``1/scale``
centred on ``x``, divided by the width (so with half_pixel the box of output ``o`` is
``[o/scale, (o+1)/scale)`` in pixel-edge coordinates: OpenCV INTER_AREA).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property, lru_cache, wraps
from typing import Any

import numpy as np

MODES = ("nearest", "linear", "cubic", "area", "lanczos", "majority")
MODE_ALIASES = {
    "bilinear": "linear",
    "trilinear": "linear",
    "bicubic": "cubic",
    "tricubic": "cubic",
}
COORDINATE_MODES = (
    "half_pixel",
    "half_pixel_symmetric",
    "pytorch_half_pixel",
    "align_corners",
    "asymmetric",
    "tf_crop_and_resize",
)
NEAREST_MODES = ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil")
SIZE_POLICIES = ("stretch", "not_larger", "not_smaller")
KERNEL_SUPPORT = {"linear": 1, "cubic": 2, "lanczos": 3}

# An area overlap within this many ulps of the box edges is rounding noise, not a tap.
_AREA_NOISE_ULPS = 64
# Tables are cached: data pipelines resize many arrays of the same shape the same way. Tables
# of up to SMALL_LENGTH outputs (images, feature maps) share a cache of _CACHE_SIZE, a few MB
# at most (and resize plans keep such tables with them); the last _LONG_CACHE_SIZE tables of
# longer axes (1-D signals) of at most _LONG_CACHE_BYTES each (a million outputs of linear
# weights, with their float32 copy) have a cache of their own: building one, and the float32
# weights and the kernels' tables from it, costs more than resizing with it. Larger ones are
# rebuilt.
_CACHE_SIZE = 64
SMALL_LENGTH = 16384
_LONG_CACHE_SIZE = 2
_LONG_CACHE_BYTES = 48 << 20
# Tables of longer axes are built this many outputs at a time.
_TABLE_BLOCK = 1 << 16
# A long axis (more than SMALL_LENGTH outputs) whose source coordinates repeat, x(o + P) =
# x(o) + Q exactly (a scale of small terms: x2, x4, 3/2, 1/8; P at most _PERIOD_MAX), is built
# from its two ends and one period of the outputs between them, which all the others repeat
# Q inputs further on: a few passes over the table instead of a few dozen per output, and
# every output's weights as exact as the first period's (the formulas evaluated at far
# outputs round large coordinates: 2e-10 off at a coordinate of 2e6).
_PERIOD_MAX = 1 << 12


class Recent:
    """The last ``size`` values put, by key, the last used first. Each change replaces the
    whole tuple of items, so it needs no lock: threads may lose an update but never see a
    broken one, and a child forked while another thread was changing it finds no lock held."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: tuple[tuple[Any, Any], ...] = ()

    def get(self, key: Any, same: Callable[[Any, Any], bool] = operator.eq) -> Any:
        """The value of ``key`` (found by ``same``, ``==`` by default), or None."""
        items = self.items
        for i, (k, v) in enumerate(items):
            if same(k, key):
                if i:
                    self.items = ((k, v),) + items[:i] + items[i + 1 :]
                return v
        return None

    def put(self, key: Any, value: Any) -> None:
        self.items = ((key, value),) + self.items[: self.size - 1]


def long_table_kept(table: IndexTable | WeightTable) -> bool:
    """Whether the cache of long axes' tables keeps ``table`` (at most _LONG_CACHE_BYTES)."""
    return table.nbytes <= _LONG_CACHE_BYTES


def _cache_small(builder: Callable[..., Any]) -> Callable[..., Any]:
    cached = lru_cache(maxsize=_CACHE_SIZE)(builder)
    kept = Recent(_LONG_CACHE_SIZE)

    @wraps(builder)
    def build(spec: AxisSpec, *args: Any, **kwargs: Any) -> Any:
        if spec.out_len <= SMALL_LENGTH:
            return cached(spec, *args, **kwargs)
        key = (spec, args, tuple(sorted(kwargs.items())))
        table = kept.get(key)
        if table is None:
            table = builder(spec, *args, **kwargs)
            if long_table_kept(table):
                kept.put(key, table)
        return table

    return build


@dataclass(frozen=True)
class AxisSpec:
    """One resized axis as the API resolved it."""

    in_len: int
    out_len: int
    scale: float  # the scale of the coordinate transform
    exact: bool  # scale == out_len / in_len exactly (it came from a size)
    roi: tuple[float, float] | None = None  # tf_crop_and_resize only


@dataclass(frozen=True)
class IndexTable:
    index: np.ndarray  # intp (M,), each in [0, L)
    outside: np.ndarray | None  # bool (M,) or None
    in_len: int

    @property
    def nbytes(self) -> int:
        """What the table holds, in bytes."""
        return self.index.nbytes

    @cached_property
    def identity(self) -> bool:
        return (
            self.outside is None
            and self.index.shape[0] == self.in_len
            and np.array_equal(self.index, np.arange(self.in_len))
        )


@dataclass(frozen=True)
class WeightTable:
    start: np.ndarray  # intp (M,)
    weights: np.ndarray  # float64 (M, T); start[o] + T <= L
    outside: np.ndarray | None  # bool (M,) or None
    in_len: int

    @property
    def taps(self) -> int:
        return self.weights.shape[1]

    @property
    def nbytes(self) -> int:
        """What the table holds, in bytes, with the float32 weights it will make."""
        return self.start.nbytes + self.weights.nbytes * 3 // 2

    @cached_property
    def careful(self) -> np.ndarray:
        """intp: the outputs whose window holds a zero weight (that tap must not be read)."""
        w = self.weights
        if w.shape[1] > 8:
            zero = (w == 0.0).any(axis=1)
        else:  # column by column: NumPy's reduction along a short axis costs 4x more
            zero = w[:, 0] == 0.0
            for t in range(1, w.shape[1]):
                zero |= w[:, t] == 0.0
        return _frozen(np.flatnonzero(zero).astype(np.intp))

    @cached_property
    def weights32(self) -> np.ndarray:
        """The weights rounded to float32, for the float32 kernels."""
        return _frozen(self.weights.astype(np.float32))

    @cached_property
    def identity(self) -> bool:
        m = self.start.shape[0]
        return (
            self.outside is None
            and m == self.in_len
            and self.taps == 1
            and bool(np.all(self.weights == 1.0))
            and np.array_equal(self.start, np.arange(m))
        )


def source_coordinates(
    spec: AxisSpec, coordinate_mode: str, o: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """x(o) for the outputs o (default: all of them), and the tf_crop_and_resize ``outside``
    mask (else None)."""
    L, M, scale = spec.in_len, spec.out_len, spec.scale
    if o is None:
        o = np.arange(M, dtype=np.float64)
    outside = None
    if coordinate_mode in ("half_pixel", "pytorch_half_pixel", "half_pixel_symmetric"):
        if spec.exact:  # output_width_int == output_width: half_pixel_symmetric is half_pixel
            x = ((2.0 * o + 1.0) * L - M) / (2.0 * M)
        else:
            if coordinate_mode == "half_pixel_symmetric":  # in ONNX's order of operations
                x = L / 2.0 * (1.0 - M / (scale * L)) + (o + 0.5) / scale - 0.5
            else:
                x = (o + 0.5) / scale - 0.5
        if coordinate_mode == "pytorch_half_pixel" and M == 1:
            x = np.zeros(o.shape)
    elif coordinate_mode == "align_corners":
        x = o * (L - 1) / (M - 1) if M > 1 else np.zeros(o.shape)
    elif coordinate_mode == "asymmetric":
        x = o * L / M if spec.exact else o / scale
    elif coordinate_mode == "tf_crop_and_resize":
        assert spec.roi is not None
        begin, end = spec.roi
        if M > 1:
            x = begin * (L - 1) + o * (end - begin) * (L - 1) / (M - 1)  # ONNX's order
        else:
            x = np.full(o.shape, 0.5 * (begin + end) * (L - 1))
        outside = (x < 0) | (x > L - 1)
        if not outside.any():
            outside = None
    else:  # pragma: no cover - validated by the caller
        raise AssertionError(coordinate_mode)
    return x, outside


def _frozen(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False  # tables are cached and shared: nobody may change them
    return a


def _clamp(a: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return np.minimum(np.maximum(a, lo), hi)  # np.clip costs 10x more on short arrays


@_cache_small
def nearest_table(spec: AxisSpec, coordinate_mode: str, nearest_mode: str) -> IndexTable:
    plan = _repeats(spec, coordinate_mode, 2.0) if spec.out_len > SMALL_LENGTH else None
    if plan is not None:
        base, P, Q, k = plan
        M, middle = spec.out_len, base + P
        head = _nearest_index(spec, coordinate_mode, nearest_mode, np.arange(middle))
        rows = head[base:]  # the period
        last = _nearest_index(spec, coordinate_mode, nearest_mode, base + k * P + np.arange(P))
        if np.array_equal(last, rows + k * Q):  # the period checked at its far end
            index = np.empty(M, dtype=np.intp)
            index[:middle] = head
            shifts = Q * np.arange(1, k + 1)[:, None]
            np.add(rows, shifts, out=index[middle : middle + k * P].reshape(k, P))
            tail = np.arange(middle + k * P, M)
            index[middle + k * P :] = _nearest_index(spec, coordinate_mode, nearest_mode, tail)
            return IndexTable(_frozen(index), None, spec.in_len)
    x, outside = source_coordinates(spec, coordinate_mode)
    index = _round(x, nearest_mode, spec.in_len)
    return IndexTable(_frozen(index), outside if outside is None else _frozen(outside), spec.in_len)


def _nearest_index(
    spec: AxisSpec, coordinate_mode: str, nearest_mode: str, o: np.ndarray
) -> np.ndarray:
    """The nearest input of the outputs o (no tf_crop_and_resize: no outside mask)."""
    return _round(
        source_coordinates(spec, coordinate_mode, o.astype(np.float64))[0],
        nearest_mode,
        spec.in_len,
    )


def _round(x: np.ndarray, nearest_mode: str, in_len: int) -> np.ndarray:
    """The input index of source coordinates x, clamped into [0, in_len)."""
    if nearest_mode == "round_prefer_floor":
        index = np.ceil(x - 0.5)
    elif nearest_mode == "round_prefer_ceil":
        index = np.floor(x + 0.5)
    elif nearest_mode == "floor":
        index = np.floor(x)
    else:
        index = np.ceil(x)
    return _clamp(index, 0, in_len - 1).astype(np.intp)


def _period(spec: AxisSpec, coordinate_mode: str) -> tuple[int, int] | None:
    """(P, Q) with x(o + P) = x(o) + Q in exact arithmetic for every output o, P at most
    _PERIOD_MAX; None when there is none as short."""
    L, M = spec.in_len, spec.out_len
    if coordinate_mode == "tf_crop_and_resize" or L < 2 or M < 2:
        return None
    if coordinate_mode == "align_corners":
        step = Fraction(L - 1, M - 1)
    elif spec.exact:
        step = Fraction(L, M)
    else:  # (o + 0.5) / scale or o / scale, plus a constant
        step = 1 / Fraction(spec.scale)
    if step.denominator > _PERIOD_MAX:
        return None
    return step.denominator, step.numerator


def _repeats(
    spec: AxisSpec, coordinate_mode: str, reach: float
) -> tuple[int, int, int, int] | None:
    """(base, P, Q, k): outputs base to base + (k + 1) P - 1 have their source coordinate at
    least ``reach`` inputs inside the input's edges, so that output base + j P + r (r < P,
    j <= k) is output base + r moved j Q inputs on (``_period``); None when the axis has no
    such period or fewer than 3 periods away from its edges."""
    period = _period(spec, coordinate_mode)
    if period is None:
        return None
    P, Q = period
    x0 = float(source_coordinates(spec, coordinate_mode, np.zeros(1))[0][0])
    base = max(0, math.ceil((reach - x0) * P / Q))
    last = min(spec.out_len - 1, math.floor((spec.in_len - 1 - reach - x0) * P / Q))
    k = (last + 1 - base) // P - 1
    if k < 2:
        return None
    return base, P, Q, k


def kernel_weights(mode: str, t: np.ndarray, cubic_a: float) -> np.ndarray:
    """k(t) of the interpolation kernels (see the module docstring)."""
    at = np.abs(t)
    if mode == "linear":
        k = np.maximum(0.0, 1.0 - at)
    elif mode == "cubic":
        a = cubic_a
        inner = ((a + 2.0) * at - (a + 3.0)) * at * at + 1.0
        outer = ((a * at - 5.0 * a) * at + 8.0 * a) * at - 4.0 * a
        k = np.where(at <= 1.0, inner, np.where(at < 2.0, outer, 0.0))
    elif mode == "lanczos":
        k = np.where(at < 3.0, np.sinc(t) * np.sinc(t / 3.0), 0.0)
    else:  # pragma: no cover
        raise AssertionError(mode)
    # every kernel interpolates: k(0) = 1 and k(n) = 0 at the other integers, exactly (sin(pi n)
    # is not exactly 0 in floating point), so a source on a sample copies that sample
    return np.where(t == np.rint(t), (t == 0.0).astype(np.float64), k)


@_cache_small
def weight_table(
    spec: AxisSpec,
    coordinate_mode: str,
    mode: str,
    *,
    cubic_a: float = -0.75,
    exclude_outside: bool = False,
    antialias: bool = False,
) -> WeightTable:
    L, M = spec.in_len, spec.out_len
    if M > SMALL_LENGTH:
        table = _repeated_weight_table(
            spec, coordinate_mode, mode, cubic_a, exclude_outside, antialias
        )
        if table is not None:
            return table
    if M <= _TABLE_BLOCK:
        o = np.arange(M, dtype=np.float64)
        taps, weights, normalise, outside = _tap_weights(
            spec, coordinate_mode, mode, cubic_a, antialias, o
        )
        start, folded = _fold(taps, weights, L, exclude_outside, normalise)
    else:  # a long axis: build the table in blocks, so that temporaries stay small
        start = np.empty(M, dtype=np.intp)
        folded = np.empty((0, 0))
        masks = []
        for o0 in range(0, M, _TABLE_BLOCK):
            o = np.arange(o0, min(M, o0 + _TABLE_BLOCK), dtype=np.float64)
            taps, weights, normalise, part = _tap_weights(
                spec, coordinate_mode, mode, cubic_a, antialias, o
            )
            block_start, block = _fold(taps, weights, L, exclude_outside, normalise, trim=False)
            if o0 == 0:
                folded = np.empty((M, block.shape[1]))
            start[o0 : o0 + len(o)] = block_start
            folded[o0 : o0 + len(o)] = block
            masks.append(np.zeros(len(o), dtype=bool) if part is None else part)
        outside = np.concatenate(masks)
        outside = outside if outside.any() else None
        start, folded = _trim(start, folded, L)
    return WeightTable(
        _frozen(start), _frozen(folded), outside if outside is None else _frozen(outside), L
    )


def _repeated_weight_table(
    spec: AxisSpec,
    coordinate_mode: str,
    mode: str,
    cubic_a: float,
    exclude_outside: bool,
    antialias: bool,
) -> WeightTable | None:
    """The weight table of a long axis whose coordinates repeat (see _PERIOD_MAX): its ends
    and one period built from the formulas, the outputs between repeating that period; None
    when the axis has no such period."""
    L, M = spec.in_len, spec.out_len
    extent, n = _footprint(spec, mode, antialias)
    reach = (0.5 * extent if mode in ("area", "majority") else extent) + 2.0
    plan = _repeats(spec, coordinate_mode, reach + n)  # room to re-anchor windows, too
    if plan is None:
        return None
    base, P, Q, k = plan

    def rows(o0: int, o1: int) -> tuple[np.ndarray, np.ndarray]:
        o = np.arange(o0, o1, dtype=np.float64)
        taps, weights, normalise, _ = _tap_weights(
            spec, coordinate_mode, mode, cubic_a, antialias, o
        )
        return _fold(taps, weights, L, exclude_outside, normalise, trim=False)

    middle, end = base + P, base + (k + 1) * P
    head_start, head = rows(0, middle)
    far_start, far = rows(end - P, end)  # the period checked at its far end
    if not (
        np.array_equal(far_start, head_start[base:] + k * Q)
        and np.allclose(far, head[base:], rtol=0.0, atol=1e-9)
    ):
        return None
    tail_start, tail = rows(end, M)
    head_first, head_span = _spans(head)
    tail_first, tail_span = _spans(tail)
    width = max(1, int(head_span.max(initial=0)), int(tail_span.max(initial=0)))
    head_start, head = _reanchor(head_start, head, head_first, width, L)
    tail_start, tail = _reanchor(tail_start, tail, tail_first, width, L)
    start = np.empty(M, dtype=np.intp)
    weights = np.empty((M, width))
    start[:middle], weights[:middle] = head_start, head
    shifts = Q * np.arange(1, k + 1)[:, None]
    np.add(head_start[base:], shifts, out=start[middle:end].reshape(k, P))
    weights[middle:end].reshape(k, P, width)[:] = head[base:]
    start[end:], weights[end:] = tail_start, tail
    return WeightTable(_frozen(start), _frozen(weights), None, L)


def _footprint(spec: AxisSpec, mode: str, antialias: bool) -> tuple[float, int]:
    """What an output's window spans, in inputs: the width of its area box (area, majority)
    or its kernel's support on each side (stretched by 1/scale by antialias when shrinking);
    and its taps before they are brought inside the input."""
    if mode in ("area", "majority"):
        width = spec.in_len / spec.out_len if spec.exact else 1.0 / spec.scale
        return width, int(math.ceil(width)) + 1
    stretch = 1.0 / spec.scale if antialias and spec.scale < 1.0 else 1.0
    support = KERNEL_SUPPORT[mode] * stretch
    return support, max(1, int(math.ceil(2.0 * support)))


def _tap_weights(
    spec: AxisSpec,
    coordinate_mode: str,
    mode: str,
    cubic_a: float,
    antialias: bool,
    o: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, bool, np.ndarray | None]:
    """For the outputs o: their taps (input indices, possibly outside the input), the taps'
    weights, whether the weights are to be renormalised, and the outside mask."""
    x, outside = source_coordinates(spec, coordinate_mode, o)
    extent, n = _footprint(spec, mode, antialias)
    if mode in ("area", "majority"):  # majority weighs its footprint as area does
        left, right = _area_box(spec, coordinate_mode, x, o)
        width = extent
        first = np.floor(left).astype(np.intp)
        taps = first[:, None] + np.arange(n)
        overlap = np.minimum(right[:, None], taps + 1.0) - np.maximum(left[:, None], taps)
        noise = (
            _AREA_NOISE_ULPS
            * np.finfo(np.float64).eps
            * np.maximum(1.0, np.maximum(np.abs(left), np.abs(right)))
        )
        return taps, np.where(overlap > noise[:, None], overlap, 0.0) / width, False, outside
    support = extent
    first = np.floor(x - support).astype(np.intp) + 1
    taps = first[:, None] + np.arange(n)
    t = taps - x[:, None]
    if antialias and spec.scale < 1.0:  # the kernel stretched by 1/scale
        t = t * spec.scale
    weights = kernel_weights(mode, t, cubic_a)
    return taps, weights, antialias or mode == "lanczos", outside


def _area_box(
    spec: AxisSpec, coordinate_mode: str, x: np.ndarray, o: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Edges of the boxes of outputs o in pixel-edge coordinates (pixel j covers [j, j + 1)),
    computed without cancellation where the formula allows, so that a box edge that lies on a
    pixel edge lands there exactly."""
    L, M, scale = spec.in_len, spec.out_len, spec.scale
    half = coordinate_mode in ("half_pixel", "pytorch_half_pixel") or (
        coordinate_mode == "half_pixel_symmetric" and spec.exact
    )
    if half and not (coordinate_mode == "pytorch_half_pixel" and M == 1):
        if spec.exact:  # [o L / M, (o + 1) L / M)
            return o * L / M, (o + 1.0) * L / M
        return o / scale, (o + 1.0) / scale
    if coordinate_mode == "asymmetric":  # centre o / scale + 1/2
        if spec.exact:
            return (2.0 * o * L - L + M) / (2.0 * M), (2.0 * o * L + L + M) / (2.0 * M)
        return (o - 0.5) / scale + 0.5, (o + 0.5) / scale + 0.5
    half_width = 0.5 * L / M if spec.exact else 0.5 / scale
    return x + 0.5 - half_width, x + 0.5 + half_width


def _fold(
    taps: np.ndarray,
    weights: np.ndarray,
    L: int,
    exclude_outside: bool,
    normalise: bool,
    trim: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Bring taps outside [0, L) inside (clamped to the edge, or dropped), renormalise, and
    pack each row into a window ``[start, start + T)`` that lies inside [0, L) (then drop the
    columns no output uses, unless ``trim`` is False)."""
    M, T = weights.shape
    if exclude_outside:
        kept = np.where((taps >= 0) & (taps < L), weights, 0.0)
        # an output with nothing inside the input keeps its edge-clamped weights
        nothing_inside = np.logical_and.reduce(kept == 0.0, axis=1)
        weights = np.where(nothing_inside[:, None], weights, kept)
        normalise = True
    if normalise:
        total = weights.sum(axis=1, keepdims=True)
        weights = weights / np.where(total == 0.0, 1.0, total)
    n = min(T, L)
    start = _clamp(taps[:, 0], 0, L - n)
    cols = _clamp(taps, 0, L - 1) - start[:, None]
    flat = (np.arange(M)[:, None] * n + cols).ravel()
    folded = np.bincount(flat, weights=weights.ravel(), minlength=M * n).reshape(M, n)
    if not trim:
        return start.astype(np.intp), folded
    return _trim(start, folded, L)


def _trim(start: np.ndarray, folded: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Re-anchor each window at its first nonzero weight and keep as many columns as the
    longest run from a first to a last nonzero weight: fewer taps, and a zero weight inside a
    window (a tap the kernels must not read through, see ``WeightTable.careful``) only where a
    row's weights have gaps or its window had to move back to fit in [0, length)."""
    first, span = _spans(folded)
    return _reanchor(start, folded, first, max(1, int(span.max(initial=0))), length)


def _spans(folded: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: its first nonzero weight, and last - first + 1 (0 for a row of zeros). Row
    blocks of ``_TABLE_BLOCK`` keep the temporaries small for long axes."""
    M, n = folded.shape
    first = np.zeros(M, dtype=np.int32)
    span = np.zeros(M, dtype=np.int32)
    for r0 in range(0, M, _TABLE_BLOCK):
        nonzero = folded[r0 : r0 + _TABLE_BLOCK] != 0.0
        some = nonzero.any(axis=1)
        head = nonzero.argmax(axis=1)
        first[r0 : r0 + _TABLE_BLOCK] = np.where(some, head, 0)
        span[r0 : r0 + _TABLE_BLOCK] = np.where(some, n - nonzero[:, ::-1].argmax(axis=1) - head, 0)
    return first, span


def _reanchor(
    start: np.ndarray, folded: np.ndarray, first: np.ndarray, width: int, length: int
) -> tuple[np.ndarray, np.ndarray]:
    """The windows of ``width`` columns from each row's ``first`` column (moved back where
    they would pass ``length``)."""
    M, n = folded.shape
    if width == n and not first.any():
        return start.astype(np.intp), folded
    new_start = start + first
    np.minimum(new_start, length - width, out=new_start)
    # in place when no column goes (rows only move), else into a narrower array
    trimmed = folded if width == n else np.empty((M, width))
    for r0 in range(0, M, _TABLE_BLOCK):
        rows = slice(r0, r0 + _TABLE_BLOCK)
        padded = np.pad(folded[rows], ((0, 0), (0, width)))
        cols = (new_start[rows] - start[rows])[:, None] + np.arange(width)
        trimmed[rows] = np.take_along_axis(padded, cols, axis=1)
    return new_start.astype(np.intp, copy=False), trimmed


def tap_table(
    taps: np.ndarray,
    weights: np.ndarray,
    in_len: int,
    *,
    exclude_outside: bool = False,
    normalise: bool = False,
) -> WeightTable:
    """A weight table from raw taps (input indices, possibly outside ``[0, in_len)``) and their
    weights, (M, T) each, brought inside as every mode's are (clamped to the edge, or dropped
    with ``exclude_outside``; renormalised with ``normalise``): for conventions defined
    elsewhere (``fastup.compat``'s peers) that the kernels are to apply."""
    taps = np.asarray(taps, dtype=np.intp)
    weights = np.asarray(weights, dtype=np.float64)
    start, folded = _fold(taps, weights, in_len, exclude_outside, normalise)
    return WeightTable(_frozen(start), _frozen(folded), None, in_len)


def index_table(index: np.ndarray, in_len: int) -> IndexTable:
    """A nearest table from input indices (clamped into ``[0, in_len)``)."""
    index = _clamp(np.asarray(index, dtype=np.intp), 0, in_len - 1).astype(np.intp)
    return IndexTable(_frozen(index), None, in_len)


def adjoint_table(table: IndexTable | WeightTable) -> WeightTable:
    """The transposed table: for each input j, the outputs whose taps read j, with the same
    weights. Applying it to a gradient of the output gives the gradient of the input (the
    adjoint of the pass). Outputs outside the input (tf_crop_and_resize) read nothing.

    The outputs that read j form one contiguous run (x(o) is monotone), so the result is again
    a window table."""
    if isinstance(table, IndexTable):
        start, weights = table.index, np.ones((table.index.shape[0], 1))
    else:
        start, weights = table.start, table.weights
    M, T = weights.shape
    L = table.in_len
    if table.outside is not None:
        weights = np.where(table.outside[:, None], 0.0, weights)
    outputs = np.repeat(np.arange(M), T)
    inputs = (start[:, None] + np.arange(T)).ravel()
    values = weights.ravel()
    keep = values != 0.0
    outputs, inputs, values = outputs[keep], inputs[keep], values[keep]
    first = np.full(L, M, dtype=np.intp)
    last = np.full(L, -1, dtype=np.intp)
    np.minimum.at(first, inputs, outputs)
    np.maximum.at(last, inputs, outputs)
    width = max(1, int(np.max(last - first + 1, initial=1)))
    width = min(width, max(M, 1))
    new_start = _clamp(np.where(last >= 0, first, 0), 0, max(M - width, 0)).astype(np.intp)
    transposed = np.zeros((L, width))
    transposed[inputs, outputs - new_start[inputs]] = values
    return WeightTable(_frozen(new_start), _frozen(transposed), None, M)
