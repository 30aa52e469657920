"""Slow, obviously-correct reference implementation of ``fastup``, for tests.

``fastup.oracle.resize`` has the signature and the semantics of ``fastup.resize`` and is written
directly from the definitions of the ONNX ``Resize`` operator (opset 19) as extended by the fastup
API contract (``area`` and ``lanczos`` modes, ``exclude_outside`` for every mode). It shares no code
with the fast path: it imports only NumPy and the standard library.

How it works, on purpose as plainly as possible:

* For every resized axis it builds a dense ``(out_len, in_len)`` float64 matrix ``W`` by evaluating
  the definition for each output position: the source coordinate ``x(o)``, then the kernel weight of
  every input index in reach, edge clamping or dropping of the taps outside the input, and
  renormalisation.
* Positions: when the scale comes from a ``size`` (``size_policy='stretch'``) ``x(o)``, the kernel
  arguments and the area box are exact (:class:`fractions.Fraction`), so ties such as
  ``x = k + 0.5`` are exact. With a float scale (``scale=``, or the common scale of
  ``size_policy='not_larger'/'not_smaller'``) ``x(o)`` and the kernel argument
  ``(j - x) / stretch`` are float64, evaluated as written (this pins down which side of a tie
  ``nearest`` lands on); the ``area`` box, which makes no rounding decision, is computed exactly
  from the exact scale (the policy's ratio ``size_i / L_i``, or the float scale's value).
  ``tf_crop_and_resize`` coordinates involve the float ``roi`` and are always float64 as written.
* Weights: kernel values (linear, cubic: exact polynomials; lanczos: ``sin`` in float64), overlaps,
  edge folding and renormalisation are exact rational arithmetic on those positions, rounded to
  float64 once, at the end.
* The data, converted to float64, is multiplied axis by axis, reading for each output only the
  inputs with a *nonzero* weight (a zero weight never touches its input, so a NaN or inf reaches
  exactly the outputs whose kernels cover it).
* ``nearest`` is a gather of ``x`` itself (no conversion), so values are copied bit for bit.

It is slow (Python loops, rational arithmetic) and meant for small arrays in tests; it is not part
of the fast API's performance story.
"""

from __future__ import annotations

import math
import operator
from fractions import Fraction

import numpy as np

__all__ = ["resize"]

_MODES = {
    "nearest": "nearest",
    "linear": "linear",
    "bilinear": "linear",
    "trilinear": "linear",
    "cubic": "cubic",
    "bicubic": "cubic",
    "tricubic": "cubic",
    "area": "area",
    "lanczos": "lanczos",
}
_COORDINATE_MODES = (
    "half_pixel",
    "half_pixel_symmetric",
    "pytorch_half_pixel",
    "align_corners",
    "asymmetric",
    "tf_crop_and_resize",
)
_NEAREST_MODES = ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil")
_SIZE_POLICIES = ("stretch", "not_larger", "not_smaller")
_SUPPORT = {"linear": 1, "cubic": 2, "lanczos": 3}
_INTERPOLATING_DTYPES = tuple(
    np.dtype(t)
    for t in (np.float16, np.float32, np.float64, np.uint8, np.int8, np.uint16, np.int16, np.int32)
)
_HALF = Fraction(1, 2)


# --------------------------------------------------------------------------------------------
# argument handling
# --------------------------------------------------------------------------------------------


def _int_arg(value, what):
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{what} must be an int, got {value!r}")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{what} must be an int, got {value!r}") from None


def _float_arg(value, what):
    if isinstance(value, (str, bytes, bool, np.bool_)):
        raise TypeError(f"{what} must be a real number, got {value!r}")
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be a real number, got {value!r}") from None
    return result


def _as_array(x):
    if isinstance(x, np.ndarray):
        return x
    if not hasattr(x, "__array__") and hasattr(x, "__dlpack__"):
        return np.from_dlpack(x)
    return np.asarray(x)


def _resolve_axes(ndim, n_values, scalar, axes, from_size):
    """The resized axes (non-negative, in the order of size/scale)."""
    if axes is None:
        if scalar:
            if from_size:
                if ndim < 1:
                    raise ValueError("cannot resize a 0-d array")
                return (ndim - 1,)
            if ndim < 3:
                raise ValueError(
                    "a scalar scale without axes resizes the axes after (N, C); "
                    f"the input has only {ndim} dimension(s): pass axes"
                )
            return tuple(range(2, ndim))
        if n_values > ndim:
            raise ValueError(f"{n_values} resized axes requested for a {ndim}-d input")
        return tuple(range(ndim - n_values, ndim))
    axes_list = [axes] if np.ndim(axes) == 0 else list(axes)
    resolved = []
    for a in axes_list:
        a = _int_arg(a, "axes")
        if not -ndim <= a < ndim:
            raise ValueError(f"axis {a} is out of range for a {ndim}-d input")
        resolved.append(a % ndim)
    if len(set(resolved)) != len(resolved):
        raise ValueError(f"repeated axis in axes={axes!r}")
    if not scalar and len(resolved) != n_values:
        raise ValueError(f"{len(resolved)} axes but {n_values} sizes/scales")
    return tuple(resolved)


# --------------------------------------------------------------------------------------------
# the definitions
# --------------------------------------------------------------------------------------------


def _source_coordinate(o, L, M, scale, exact, coordinate_mode, roi_pair):
    """x(o), as an exact Fraction of the value the definition gives.

    ``exact``: ``scale`` is the Fraction M / L and the formula is evaluated in rational
    arithmetic (except tf_crop_and_resize, whose roi is a float: float64 as written).
    Otherwise ``scale`` is a float64 and the formula is evaluated in float64 in the order
    written (the resulting float is then converted to a Fraction exactly).
    """
    if exact:
        s = scale
        if coordinate_mode == "half_pixel":
            x = (o + _HALF) / s - _HALF
        elif coordinate_mode == "half_pixel_symmetric":
            x = Fraction(L, 2) * (1 - M / (s * L)) + (o + _HALF) / s - _HALF
        elif coordinate_mode == "pytorch_half_pixel":
            x = (o + _HALF) / s - _HALF if M > 1 else Fraction(0)
        elif coordinate_mode == "align_corners":
            x = Fraction(o * (L - 1), M - 1) if M > 1 else Fraction(0)
        elif coordinate_mode == "asymmetric":
            x = o / s
        if coordinate_mode != "tf_crop_and_resize":
            return x
    # tf_crop_and_resize involves the float roi, not only integers: always float64, as written
    s = float(scale)
    Lf, Mf, of = float(L), float(M), float(o)
    if coordinate_mode == "half_pixel":
        x = (of + 0.5) / s - 0.5
    elif coordinate_mode == "half_pixel_symmetric":
        x = Lf / 2 * (1 - Mf / (s * Lf)) + (of + 0.5) / s - 0.5
    elif coordinate_mode == "pytorch_half_pixel":
        x = (of + 0.5) / s - 0.5 if M > 1 else 0.0
    elif coordinate_mode == "align_corners":
        x = of * (Lf - 1) / (Mf - 1) if M > 1 else 0.0
    elif coordinate_mode == "asymmetric":
        x = of / s
    else:  # tf_crop_and_resize
        start, end = float(roi_pair[0]), float(roi_pair[1])
        if M > 1:
            x = start * (Lf - 1) + of * (end - start) * (Lf - 1) / (Mf - 1)
        else:
            x = 0.5 * (start + end) * (Lf - 1)
    if not math.isfinite(x):
        raise ValueError(f"source coordinate of output {o} is not finite ({x})")
    return Fraction(x)


def _nearest_index(x, L, nearest_mode):
    fl = math.floor(x)
    frac = x - fl
    if nearest_mode == "round_prefer_floor":  # round half down
        i = fl if frac <= _HALF else fl + 1
    elif nearest_mode == "round_prefer_ceil":  # round half up
        i = fl if frac < _HALF else fl + 1
    elif nearest_mode == "floor":
        i = fl
    else:
        i = math.ceil(x)
    return min(max(i, 0), L - 1)


def _kernel(mode, t, a):
    """k(t) for an exact Fraction t; exact (Fraction) for linear and cubic."""
    u = abs(t)
    if mode == "linear":
        return max(Fraction(0), 1 - u)
    if mode == "cubic":
        if u <= 1:
            return (a + 2) * u**3 - (a + 3) * u**2 + 1
        if u < 2:
            return a * u**3 - 5 * a * u**2 + 8 * a * u - 4 * a
        return Fraction(0)
    # lanczos-3: sinc(t) sinc(t/3), exactly 0 at the nonzero integers and for |t| >= 3
    if u == 0:
        return Fraction(1)
    if u >= 3 or u.denominator == 1:
        return Fraction(0)
    return Fraction(float(np.sinc(float(t)) * np.sinc(float(t / 3))))


def _axis_matrix(
    L,
    M,
    scale,
    exact,
    mode,
    coordinate_mode,
    nearest_mode,
    cubic_a,
    exclude_outside,
    antialias,
    roi_pair,
    scale_q,
):
    """Per-axis table: (W, index, outside).

    ``scale``: the Fraction M / L (``exact``) or the float64 scale; ``scale_q``: the exact
    rational scale (M / L, the size_policy ratio size_i / L_i, or the float scale's value).

    ``W``: the dense (M, L) float64 weight matrix (None for nearest), ``index``: the gathered
    input index per output (nearest only), ``outside``: bool (M,) tf_crop_and_resize mask.
    """
    outside = np.zeros(M, dtype=bool)
    xs = []
    for o in range(M):
        x = _source_coordinate(o, L, M, scale, exact, coordinate_mode, roi_pair)
        if coordinate_mode == "tf_crop_and_resize" and (x < 0 or x > L - 1):
            outside[o] = True
        xs.append(x)

    if mode == "nearest":
        index = np.array(
            [0 if outside[o] else _nearest_index(x, L, nearest_mode) for o, x in enumerate(xs)],
            dtype=np.intp,
        )
        return None, index, outside

    W = np.zeros((M, L), dtype=np.float64)
    a = Fraction(cubic_a)
    for o, x in enumerate(xs):
        if outside[o]:
            continue  # the value is extrapolation_value; the row is not used
        taps = {}  # input index -> exact weight
        if mode == "area":
            # area has no rounding decision to pin down, so its box is exact even with a float
            # scale: x(o) from the exact rational scale (tf_crop_and_resize: the float64 x),
            # edges x -/+ 1 / (2 scale). A box edge then falls exactly on a pixel edge whenever
            # the arithmetic says so (e.g. scale 3.0), and no input is read because of a
            # rounding error.
            if not exact:
                x = _source_coordinate(o, L, M, scale_q, True, coordinate_mode, roi_pair)
            width = 1 / scale_q
            lo, hi = x - width / 2, x + width / 2

            def box_overlaps(drop_outside, lo=lo, hi=hi):
                overlaps = {}
                candidates = set(range(max(0, math.floor(lo) - 1), min(L, math.ceil(hi) + 2)))
                if not drop_outside:
                    candidates |= {0, L - 1}
                for j in sorted(candidates):
                    # pixel j covers [j - 1/2, j + 1/2); when the outside is not dropped, the
                    # first and the last pixel also take the part of the box beyond the input
                    left = lo if (j == 0 and not drop_outside) else max(lo, j - _HALF)
                    right = hi if (j == L - 1 and not drop_outside) else min(hi, j + _HALF)
                    if right > left:
                        overlaps[j] = right - left
                return overlaps

            taps = box_overlaps(exclude_outside)
            total = sum(taps.values(), Fraction(0)) if exclude_outside else width
            if total == 0:  # exclude_outside would drop the whole box: the edge pixel takes it
                taps, total = box_overlaps(False), width
            taps = {j: w / total for j, w in taps.items()}
        else:
            support = _SUPPORT[mode]
            if exact:
                stretch = 1 / scale_q if (antialias and scale_q < 1) else Fraction(1)
            else:  # stretch and kernel argument in float64, like x
                stretch = 1.0 / float(scale) if (antialias and float(scale) < 1) else 1.0
            reach = support * stretch
            for j in range(math.floor(x - reach) - 1, math.ceil(x + reach) + 2):
                if exact:
                    t = (j - x) / stretch
                else:
                    t = Fraction((j - float(x)) / stretch)
                if abs(t) >= support:
                    continue
                w = _kernel(mode, t, a)
                if w == 0:
                    continue
                if not 0 <= j < L:
                    if exclude_outside:
                        continue
                    j = min(max(j, 0), L - 1)  # edge replicate
                taps[j] = taps.get(j, Fraction(0)) + w
            if antialias or mode == "lanczos" or exclude_outside:
                total = sum(taps.values(), Fraction(0))
                if total == 0:
                    raise ValueError(f"the weights of output {o} sum to zero")
                taps = {j: w / total for j, w in taps.items()}
        for j, w in taps.items():
            W[o, j] = float(w)
    return W, None, outside


def _apply_matrix(data, axis, W):
    """out[..., o, ...] = sum over j with W[o, j] != 0 of W[o, j] * data[..., j, ...]."""
    moved = np.moveaxis(data, axis, 0)
    result = np.zeros((W.shape[0],) + moved.shape[1:], dtype=np.float64)
    for o in range(W.shape[0]):
        acc = np.zeros(moved.shape[1:], dtype=np.float64)
        for j in np.flatnonzero(W[o]):  # ascending j; zero weights never read their input
            acc = acc + W[o, j] * moved[j]
        result[o] = acc
    return np.moveaxis(result, 0, axis)


def _cast(values, dtype):
    """float64 -> dtype: floats by astype, integers by rint, saturation, astype."""
    values = np.asarray(values, dtype=np.float64)
    if dtype.kind == "f":
        return values.astype(dtype)
    info = np.iinfo(dtype)
    return np.clip(np.rint(values), info.min, info.max).astype(dtype)


# --------------------------------------------------------------------------------------------
# the public function
# --------------------------------------------------------------------------------------------


def resize(
    x,
    size=None,
    *,
    scale=None,
    axes=None,
    mode="linear",
    coordinate_mode="half_pixel",
    nearest_mode="round_prefer_floor",
    cubic_a=-0.75,
    exclude_outside=False,
    antialias=False,
    roi=None,
    extrapolation_value=0.0,
    size_policy="stretch",
    workers=None,
    out=None,
) -> np.ndarray:
    r"""Reference resize: the definitions evaluated directly, in float64 (slow on purpose).

    Same signature and semantics as :func:`fastup.resize`; ``workers`` is accepted and ignored.

    Parameters
    ----------
    x : array_like
        Input of any rank; never modified.
    size : int or sequence of int, optional
        Output length per resized axis (one int: every resized axis).
    scale : float or sequence of float, optional
        Scale per resized axis (> 0). Exactly one of ``size`` and ``scale``.
    axes : int or sequence of int, optional
        Resized axes, negative allowed, in the order of ``size``/``scale``. Default: the last
        ``len(size)`` (``len(scale)``) axes; the last axis for one int ``size``; every axis after
        the first two for one float ``scale`` (error if ``x.ndim < 3``). A scalar ``size`` or
        ``scale`` with explicit ``axes`` applies to every listed axis.
    mode : {'nearest', 'linear', 'cubic', 'area', 'lanczos'}
        Aliases 'bilinear', 'trilinear' (linear), 'bicubic', 'tricubic' (cubic).
    coordinate_mode : str
        'half_pixel', 'half_pixel_symmetric', 'pytorch_half_pixel', 'align_corners',
        'asymmetric' or 'tf_crop_and_resize' (ONNX ``coordinate_transformation_mode``).
    nearest_mode : {'round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'}
    cubic_a : float
        Keys parameter ``a``.
    exclude_outside : bool
        Drop taps outside the input and renormalise, instead of replicating the edge.
    antialias : bool
        Stretch the linear/cubic/lanczos kernel by ``1/scale`` when ``scale < 1``.
    roi : sequence of (start, end)
        One pair per resized axis; required by, and only allowed with, 'tf_crop_and_resize'.
    extrapolation_value : float
        Value of 'tf_crop_and_resize' outputs whose source lies outside ``[0, L - 1]``.
    size_policy : {'stretch', 'not_larger', 'not_smaller'}
        ONNX ``keep_aspect_ratio_policy``; only with ``size``.
    workers : int, optional
        Ignored.
    out : ndarray, optional
        Filled with the result and returned.

    Returns
    -------
    ndarray
        C-contiguous, dtype of ``x`` in native byte order.

    Notes
    -----
    Per resized axis, with input length ``L`` and output length ``M``:

    * ``size`` with 'stretch': ``M = size``, ``scale = M / L``, and the coordinates below, the
      kernel arguments and the area boxes are exact (rational arithmetic), e.g. half_pixel
      ``x = ((2o + 1) L - M) / (2M)``.
    * ``size`` with 'not_larger' / 'not_smaller': ``s = min`` / ``max`` over the resized axes of
      ``size_i / L_i`` (float64), ``M_i = floor(s L_i + 0.5)``, ``scale = s``.
    * ``scale``: ``M = floor(L * scale)`` (``floor(L * (end - start) * scale)`` for
      'tf_crop_and_resize'), float64 products.

    With a float scale (and always for 'tf_crop_and_resize', whose roi is a float) the
    coordinate is evaluated in float64 in the written order, left to right, and so is the kernel
    argument ``(j - x) / stretch`` (area alone evaluates ``x`` and its box exactly, from the
    policy's ratio ``size_i / L_i`` or the float scale's value, except for
    'tf_crop_and_resize')::

        half_pixel            x = (o + 0.5) / scale - 0.5
        half_pixel_symmetric  x = L/2 * (1 - M / (scale * L)) + (o + 0.5) / scale - 0.5
        pytorch_half_pixel    x = (o + 0.5) / scale - 0.5   if M > 1 else 0
        align_corners         x = o * (L - 1) / (M - 1)     if M > 1 else 0
        asymmetric            x = o / scale
        tf_crop_and_resize    x = start * (L - 1) + o * (end - start) * (L - 1) / (M - 1)
                                  (M == 1: 0.5 * (start + end) * (L - 1));
                              outputs with x < 0 or x > L - 1 (along any axis) are
                              extrapolation_value

    nearest copies ``x[clamp(r(x), 0, L - 1)]`` where ``r`` rounds half down
    (round_prefer_floor), half up (round_prefer_ceil), down (floor) or up (ceil).

    linear / cubic / lanczos: with ``stretch = 1/scale`` if ``antialias and scale < 1`` else 1,
    every integer ``j`` with ``|j - x| < support * stretch`` gets weight ``k((j - x) / stretch)``:

    .. math::

        k_{linear}(t) &= \max(0, 1 - |t|) \quad (\text{support } 1) \\
        k_{cubic}(t) &= \begin{cases} (a+2)|t|^3 - (a+3)|t|^2 + 1 & |t| \le 1 \\
                        a|t|^3 - 5a|t|^2 + 8a|t| - 4a & 1 < |t| < 2 \\
                        0 & \text{otherwise} \end{cases} \quad (\text{support } 2) \\
        k_{lanczos}(t) &= \operatorname{sinc}(t)\operatorname{sinc}(t/3),\ |t| < 3
                        \quad (\text{support } 3,\ \operatorname{sinc}(t) = \sin(\pi t)/(\pi t))

    Taps outside ``[0, L)`` are dropped (``exclude_outside``) or added to the nearest edge index.
    The weights are renormalised to sum 1 for antialias, lanczos and exclude_outside.

    area: the box ``[x - w/2, x + w/2]``, ``w = 1/scale``; input ``j`` covers
    ``[j - 1/2, j + 1/2)`` and weighs (overlap length) / (box length). Parts of the box outside
    ``[-1/2, L - 1/2)`` count for the edge pixel, or (``exclude_outside``) are dropped and the
    weights renormalised (a box lying wholly outside the input is then a ValueError).
    ``antialias`` with nearest or area is a ValueError.

    Values: float64 sums over the taps with a nonzero weight only (a zero weight never reads its
    input), axis by axis; floats are then cast with ``astype``, integers rounded half to even
    (``np.rint``), saturated to the dtype's range and cast. Interpolating modes accept float16,
    float32, float64, uint8, int8, uint16, int16, int32; nearest accepts every numeric dtype and
    bool and copies values bit for bit.
    """
    del workers  # accepted and ignored
    x = _as_array(x)
    if x.dtype.kind not in "biufc":
        raise TypeError(f"unsupported dtype {x.dtype}: resize takes numeric or bool arrays")
    dtype = x.dtype.newbyteorder("=")

    if not isinstance(mode, str) or mode not in _MODES:
        raise ValueError(f"mode must be one of {sorted(_MODES)}, got {mode!r}")
    mode = _MODES[mode]
    if coordinate_mode not in _COORDINATE_MODES:
        raise ValueError(
            f"coordinate_mode must be one of {_COORDINATE_MODES}, got {coordinate_mode!r}"
        )
    if nearest_mode not in _NEAREST_MODES:
        raise ValueError(f"nearest_mode must be one of {_NEAREST_MODES}, got {nearest_mode!r}")
    if size_policy not in _SIZE_POLICIES:
        raise ValueError(f"size_policy must be one of {_SIZE_POLICIES}, got {size_policy!r}")
    exclude_outside = bool(exclude_outside)
    antialias = bool(antialias)
    if antialias and mode in ("nearest", "area"):
        raise ValueError(f"antialias applies to linear, cubic and lanczos, not {mode}")
    cubic_a = _float_arg(cubic_a, "cubic_a")
    extrapolation_value = _float_arg(extrapolation_value, "extrapolation_value")
    if not math.isfinite(cubic_a):
        raise ValueError("cubic_a must be finite")
    if mode != "nearest" and dtype not in _INTERPOLATING_DTYPES:
        raise TypeError(
            f"mode={mode!r} supports dtypes "
            f"{', '.join(str(d) for d in _INTERPOLATING_DTYPES)}; got {x.dtype}"
        )

    if (size is None) == (scale is None):
        raise ValueError("give exactly one of size and scale")
    from_size = size is not None
    values = size if from_size else scale
    scalar = np.ndim(values) == 0
    values = [values] if scalar else list(values)
    axes_t = _resolve_axes(x.ndim, len(values), scalar, axes, from_size)
    if scalar:
        values = values * len(axes_t)
    n = len(axes_t)
    lengths = [x.shape[a] for a in axes_t]

    if coordinate_mode == "tf_crop_and_resize":
        if roi is None:
            raise ValueError("coordinate_mode='tf_crop_and_resize' needs roi")
        roi_arr = np.asarray(roi, dtype=np.float64)
        if roi_arr.shape == (2,) and n == 1:
            roi_arr = roi_arr.reshape(1, 2)
        if roi_arr.shape != (n, 2):
            raise ValueError(f"roi must be one (start, end) pair per resized axis ({n})")
        if not np.all(np.isfinite(roi_arr)):
            raise ValueError("roi must be finite")
        rois = [tuple(float(v) for v in pair) for pair in roi_arr]
    else:
        if roi is not None:
            raise ValueError("roi is only used with coordinate_mode='tf_crop_and_resize'")
        rois = [None] * n

    # output lengths and the scale of each axis
    out_lengths, scales, exact, exact_scales = [], [], [], []
    if from_size:
        sizes = [_int_arg(v, "size") for v in values]
        if any(v < 0 for v in sizes):
            raise ValueError(f"size must be >= 0, got {sizes}")
        if size_policy == "stretch":
            for L, M in zip(lengths, sizes, strict=True):
                out_lengths.append(M)
                scales.append(Fraction(M, L) if L > 0 else None)
                exact.append(True)
                exact_scales.append(scales[-1])
        elif n:
            if any(L == 0 for L in lengths):
                raise ValueError(f"size_policy={size_policy!r} needs nonzero input lengths")
            ratios = [Fraction(M, L) for L, M in zip(lengths, sizes, strict=True)]
            s_q = min(ratios) if size_policy == "not_larger" else max(ratios)
            s = float(s_q)  # == min/max of the float64 ratios (rounding is monotone)
            for L in lengths:
                out_lengths.append(math.floor(s * L + 0.5))
                scales.append(s)
                exact.append(False)
                exact_scales.append(s_q)
    else:
        if size_policy != "stretch":
            raise ValueError("size_policy applies to size, not to scale")
        for i, v in enumerate(values):
            s = _float_arg(v, "scale")
            if not (math.isfinite(s) and s > 0):
                raise ValueError(f"scale must be finite and > 0, got {s}")
            L = lengths[i]
            if coordinate_mode == "tf_crop_and_resize":
                start, end = rois[i]
                length = L * (end - start) * s
            else:
                length = L * s
            if not math.isfinite(length) or length < 0:
                raise ValueError(f"output length {length} along axis {axes_t[i]} is invalid")
            out_lengths.append(math.floor(length))
            scales.append(s)
            exact.append(False)
            exact_scales.append(Fraction(s))

    for L, M, a in zip(lengths, out_lengths, axes_t, strict=True):
        if L == 0 and M > 0:
            raise ValueError(f"cannot resize axis {a} of length 0 to length {M}")

    out_shape = list(x.shape)
    for a, M in zip(axes_t, out_lengths, strict=True):
        out_shape[a] = M
    out_shape = tuple(out_shape)

    with np.errstate(all="ignore"):
        outside_any = np.zeros(out_shape, dtype=bool)
        if mode == "nearest":
            data = x.astype(dtype, copy=False)
        else:
            data = x.astype(np.float64)
        for i, a in enumerate(axes_t):
            L, M = lengths[i], out_lengths[i]
            if M == 0 or L == 0:
                shape = list(data.shape)
                shape[a] = M
                data = np.zeros(shape, dtype=data.dtype)
                continue
            W, index, outside = _axis_matrix(
                L,
                M,
                scales[i],
                exact[i],
                mode,
                coordinate_mode,
                nearest_mode,
                cubic_a,
                exclude_outside,
                antialias,
                rois[i],
                exact_scales[i],
            )
            if mode == "nearest":
                data = np.take(data, index, axis=a)
            else:
                data = _apply_matrix(data, a, W)
            shape = [1] * x.ndim
            shape[a] = M
            outside_any = outside_any | outside.reshape(shape)

        if mode == "nearest":
            result = np.array(data, dtype=dtype, order="C", copy=True)
            if outside_any.any():
                if dtype.kind in "iu":
                    fill = _cast(extrapolation_value, dtype)
                else:
                    fill = np.asarray(extrapolation_value).astype(dtype)
                result[outside_any] = fill
        else:
            data = np.array(data, dtype=np.float64, copy=True)
            data[outside_any] = extrapolation_value
            result = np.ascontiguousarray(_cast(data, dtype))

    if out is not None:
        if not isinstance(out, np.ndarray):
            raise TypeError("out must be a numpy.ndarray")
        if out.shape != result.shape:
            raise ValueError(f"out has shape {out.shape}, expected {result.shape}")
        if out.dtype != result.dtype:
            raise TypeError(f"out has dtype {out.dtype}, expected {result.dtype}")
        out[...] = result
        return out
    return result
