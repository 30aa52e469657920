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

taps outside ``[0, L)`` are clamped to the edge, or (``exclude_outside``) dropped; weights are
renormalised to sum 1 for antialias, lanczos and exclude_outside. ``area`` weighs input pixel
``j`` (covering ``[j - 0.5, j + 0.5)``) by its overlap with the box of width ``1/scale``
centred on ``x``, divided by the width (so with half_pixel the box of output ``o`` is
``[o/scale, (o+1)/scale)`` in pixel-edge coordinates: OpenCV INTER_AREA).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MODES = ("nearest", "linear", "cubic", "area", "lanczos")
MODE_ALIASES = {"bilinear": "linear", "trilinear": "linear", "bicubic": "cubic", "tricubic": "cubic"}
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

# Area weights below this fraction of the box are rounding noise of the box edges.
_AREA_NOISE = 1e-9


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

    def is_identity(self) -> bool:
        return (
            self.outside is None
            and np.array_equal(self.index, np.arange(self.index.shape[0]))
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

    def is_identity(self) -> bool:
        m = self.start.shape[0]
        return (
            self.outside is None
            and m == self.in_len
            and self.taps == 1
            and bool(np.all(self.weights == 1.0))
            and np.array_equal(self.start, np.arange(m))
        )


def source_coordinates(spec: AxisSpec, coordinate_mode: str) -> tuple[np.ndarray, np.ndarray | None]:
    """x(o) for o in range(M), and the tf_crop_and_resize ``outside`` mask (else None)."""
    L, M, scale = spec.in_len, spec.out_len, spec.scale
    o = np.arange(M, dtype=np.float64)
    outside = None
    if coordinate_mode in ("half_pixel", "pytorch_half_pixel", "half_pixel_symmetric"):
        if spec.exact:  # output_width_int == output_width: half_pixel_symmetric is half_pixel
            x = ((2.0 * o + 1.0) * L - M) / (2.0 * M)
        else:
            x = (o + 0.5) / scale - 0.5
            if coordinate_mode == "half_pixel_symmetric":
                adjustment = M / (scale * L)
                x = L / 2.0 * (1.0 - adjustment) + x
        if coordinate_mode == "pytorch_half_pixel" and M == 1:
            x = np.zeros(1)
    elif coordinate_mode == "align_corners":
        x = o * (L - 1) / (M - 1) if M > 1 else np.zeros(M)
    elif coordinate_mode == "asymmetric":
        x = o * L / M if spec.exact else o / scale
    elif coordinate_mode == "tf_crop_and_resize":
        assert spec.roi is not None
        begin, end = spec.roi
        if M > 1:
            x = begin * (L - 1) + o * ((end - begin) * (L - 1) / (M - 1))
        else:
            x = np.full(M, 0.5 * (begin + end) * (L - 1))
        outside = (x < 0) | (x > L - 1)
        if not outside.any():
            outside = None
    else:  # pragma: no cover - validated by the caller
        raise AssertionError(coordinate_mode)
    return x, outside


def nearest_table(spec: AxisSpec, coordinate_mode: str, nearest_mode: str) -> IndexTable:
    x, outside = source_coordinates(spec, coordinate_mode)
    if nearest_mode == "round_prefer_floor":
        index = np.ceil(x - 0.5)
    elif nearest_mode == "round_prefer_ceil":
        index = np.floor(x + 0.5)
    elif nearest_mode == "floor":
        index = np.floor(x)
    else:
        index = np.ceil(x)
    index = np.clip(index, 0, spec.in_len - 1).astype(np.intp)
    return IndexTable(index, outside)


def kernel_weights(mode: str, t: np.ndarray, cubic_a: float) -> np.ndarray:
    """k(t) of the interpolation kernels (see the module docstring)."""
    at = np.abs(t)
    if mode == "linear":
        return np.maximum(0.0, 1.0 - at)
    if mode == "cubic":
        a = cubic_a
        inner = ((a + 2.0) * at - (a + 3.0)) * at * at + 1.0
        outer = ((a * at - 5.0 * a) * at + 8.0 * a) * at - 4.0 * a
        return np.where(at <= 1.0, inner, np.where(at < 2.0, outer, 0.0))
    if mode == "lanczos":
        return np.where(at < 3.0, np.sinc(t) * np.sinc(t / 3.0), 0.0)
    raise AssertionError(mode)  # pragma: no cover


def weight_table(
    spec: AxisSpec,
    coordinate_mode: str,
    mode: str,
    *,
    cubic_a: float = -0.75,
    exclude_outside: bool = False,
    antialias: bool = False,
) -> WeightTable:
    x, outside = source_coordinates(spec, coordinate_mode)
    L = spec.in_len
    if mode == "area":
        width = 1.0 / spec.scale
        left = x + 0.5 - 0.5 * width  # the box in pixel-edge coordinates
        right = left + width
        first = np.floor(left).astype(np.intp)
        taps = first[:, None] + np.arange(int(math.ceil(width)) + 1)
        overlap = np.minimum(right[:, None], taps + 1.0) - np.maximum(left[:, None], taps)
        weights = np.clip(overlap, 0.0, None) / width
        weights[weights < _AREA_NOISE] = 0.0
        normalise = False
    else:
        stretch = 1.0 / spec.scale if antialias and spec.scale < 1.0 else 1.0
        support = KERNEL_SUPPORT[mode] * stretch
        first = np.floor(x - support).astype(np.intp) + 1
        taps = first[:, None] + np.arange(max(1, int(math.ceil(2.0 * support))))
        t = taps - x[:, None]
        if stretch != 1.0:
            t = t * spec.scale
        weights = kernel_weights(mode, t, cubic_a)
        normalise = antialias or mode == "lanczos"
    start, folded = _fold(taps, weights, L, exclude_outside, normalise)
    return WeightTable(start, folded, outside, L)


def _fold(
    taps: np.ndarray, weights: np.ndarray, L: int, exclude_outside: bool, normalise: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Bring taps outside [0, L) inside (clamped to the edge, or dropped), renormalise, and
    pack each row into a window ``[start, start + T)`` that lies inside [0, L)."""
    M, T = weights.shape
    if exclude_outside:
        weights = np.where((taps >= 0) & (taps < L), weights, 0.0)
        normalise = True
    if normalise:
        total = weights.sum(axis=1, keepdims=True)
        weights = weights / np.where(total == 0.0, 1.0, total)
    n = min(T, L)
    start = np.clip(taps[:, 0], 0, L - n)
    cols = np.clip(taps, 0, L - 1) - start[:, None]
    flat = (np.arange(M)[:, None] * n + cols).ravel()
    folded = np.bincount(flat, weights=weights.ravel(), minlength=M * n).reshape(M, n)
    # drop columns that no output uses
    used = np.flatnonzero(np.any(folded != 0.0, axis=0))
    if used.size == 0:
        return start.astype(np.intp), folded[:, :1]
    lo, hi = int(used[0]), int(used[-1]) + 1
    return (start + lo).astype(np.intp), np.ascontiguousarray(folded[:, lo:hi])
