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

The transposed-convolution family follows PyTorch's ``F.conv_transpose{1,2,3}d`` /
``F.conv{1,2,3}d`` (plus asymmetric ``(begin, end)`` padding, as ONNX ``pads``), in float64:

* :func:`conv` is a literal gather: for every tap, a strided slice of the zero-padded input,
  contracted with that tap's weights over the input channels of the group.
* :func:`conv_transpose` is a literal scatter-add: for every tap, every input pixel adds its
  contribution at output ``j*stride - pad_begin + q*dilation`` (a strided slice of an uncropped
  buffer, cropped at the end). It is the adjoint of :func:`conv`, whose dense matrix
  :func:`conv_matrix` builds entry by entry for tests (deconvolution is its transpose).
* :func:`conv_transpose_backward` and :func:`resize_backward` are the adjoints (gradients);
  :func:`resize_backward` transposes the very per-axis matrices :func:`resize` uses.
* :func:`interpolation_kernel` derives FCN-style upsampling weights from the resize kernels, and
  :func:`checkerboard` counts the taps reaching each output phase.
"""

from __future__ import annotations

import math
import operator
from fractions import Fraction
from typing import NamedTuple

import numpy as np

__all__ = [
    "checkerboard",
    "conv",
    "conv_matrix",
    "conv_transpose",
    "conv_transpose_backward",
    "interpolation_kernel",
    "resize",
    "resize_backward",
]

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
    "majority": "majority",
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
    for t in (
        np.float16,
        np.float32,
        np.float64,
        np.uint8,
        np.int8,
        np.uint16,
        np.int16,
        np.int32,
        np.uint32,
        np.int64,
        np.uint64,
    )
)


def _is_bfloat16(dtype):
    """ml_dtypes' bfloat16 (a float type NumPy itself does not know: kind "V")."""
    return dtype.kind == "V" and dtype.name == "bfloat16"


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
    if isinstance(x, np.ma.MaskedArray):
        raise TypeError("a masked array: pass x.filled(value) or x.data")
    if isinstance(x, np.ndarray):
        return x.view(np.ndarray) if type(x) is not np.ndarray else x
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
        if mode in ("area", "majority"):  # majority weighs its footprint as area does
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
    if dtype.kind == "f" or _is_bfloat16(dtype):
        return values.astype(dtype)
    info = np.iinfo(dtype)
    # the bounds as floats: min is exact (0 or -2**(bits-1)); max + 1 is a power of two, exact,
    # where float(max) of a 64-bit type would round up to it and not convert back
    low, beyond = float(info.min), float(info.max + 1)
    values = np.rint(values)
    clipped = np.clip(values, low, np.nextafter(beyond, 0.0)).astype(dtype)
    return np.where(values >= beyond, np.asarray(info.max, dtype), clipped)


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
    mode : {'nearest', 'linear', 'cubic', 'area', 'lanczos', 'majority'}
        Aliases 'bilinear', 'trilinear' (linear), 'bicubic', 'tricubic' (cubic). 'majority':
        integer and bool dtypes; see ``_majority``.
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
    bfloat16 (ml_dtypes), float32, float64, uint8, int8, uint16, int16, int32, uint32, int64,
    uint64; nearest accepts every numeric dtype, bfloat16 and bool and copies values bit for
    bit.
    """
    del workers  # accepted and ignored
    x = _as_array(x)
    if x.dtype.kind not in "biufc" and not _is_bfloat16(x.dtype):
        raise TypeError(f"unsupported dtype {x.dtype}: resize takes numeric or bool arrays")
    dtype = x.dtype.newbyteorder("=")

    opts = _resize_options(
        mode,
        coordinate_mode,
        nearest_mode,
        cubic_a,
        exclude_outside,
        antialias,
        extrapolation_value,
        size_policy,
    )
    if opts.mode == "majority":
        if dtype.kind not in "iub":
            raise TypeError(f"mode='majority' takes integer and bool dtypes; got {x.dtype}")
        geo = _resize_geometry(x.shape, size, scale, axes, roi, opts)
        return _deliver(_majority(x, geo, _resize_tables(geo, opts), opts), out)
    if opts.mode != "nearest" and dtype not in _INTERPOLATING_DTYPES and not _is_bfloat16(dtype):
        raise TypeError(
            f"mode={opts.mode!r} supports dtypes "
            f"{', '.join(str(d) for d in _INTERPOLATING_DTYPES)}, bfloat16; got {x.dtype}"
        )
    geo = _resize_geometry(x.shape, size, scale, axes, roi, opts)

    with np.errstate(all="ignore"):
        outside_any = np.zeros(geo.out_shape, dtype=bool)
        if opts.mode == "nearest":
            data = x.astype(dtype, copy=False)
        else:
            data = x.astype(np.float64)
        for a, table in zip(geo.axes, _resize_tables(geo, opts), strict=True):
            if table is None:  # an empty axis (input or output length 0)
                shape = list(data.shape)
                shape[a] = geo.out_shape[a]
                data = np.zeros(shape, dtype=data.dtype)
                continue
            W, index, outside = table
            if opts.mode == "nearest":
                data = np.take(data, index, axis=a)
            else:
                data = _apply_matrix(data, a, W)
            shape = [1] * x.ndim
            shape[a] = geo.out_shape[a]
            outside_any = outside_any | outside.reshape(shape)

        if opts.mode == "nearest":
            result = np.array(data, dtype=dtype, order="C", copy=True)
            if outside_any.any():
                if dtype.kind in "iu":
                    fill = _cast(opts.extrapolation_value, dtype)
                else:
                    fill = np.asarray(opts.extrapolation_value).astype(dtype)
                result[outside_any] = fill
        else:
            data = np.array(data, dtype=np.float64, copy=True)
            data[outside_any] = opts.extrapolation_value
            result = np.ascontiguousarray(_cast(data, dtype))

    return _deliver(result, out)


class _ResizeOptions(NamedTuple):
    mode: str
    coordinate_mode: str
    nearest_mode: str
    cubic_a: float
    exclude_outside: bool
    antialias: bool
    extrapolation_value: float
    size_policy: str


class _ResizeGeometry(NamedTuple):
    axes: tuple  # the resized axes, in the order of size/scale
    lengths: list  # input length per resized axis
    out_lengths: list  # output length per resized axis
    scales: list  # Fraction M / L (exact) or float64 scale, per resized axis
    exact: list  # whether the coordinates of the axis are exact rationals
    exact_scales: list  # the exact rational scale per axis
    rois: list  # (start, end) per axis, or None
    out_shape: tuple  # the shape of the result


def _resize_options(
    mode,
    coordinate_mode,
    nearest_mode,
    cubic_a,
    exclude_outside,
    antialias,
    extrapolation_value,
    size_policy,
):
    """Validate the keywords of resize that do not depend on the input's shape."""
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
    if antialias and mode in ("nearest", "area", "majority"):
        raise ValueError(f"antialias applies to linear, cubic and lanczos, not {mode}")
    cubic_a = _float_arg(cubic_a, "cubic_a")
    extrapolation_value = _float_arg(extrapolation_value, "extrapolation_value")
    if not math.isfinite(cubic_a):
        raise ValueError("cubic_a must be finite")
    return _ResizeOptions(
        mode,
        coordinate_mode,
        nearest_mode,
        cubic_a,
        exclude_outside,
        antialias,
        extrapolation_value,
        size_policy,
    )


def _resize_geometry(in_shape, size, scale, axes, roi, opts):
    """The resized axes, their input and output lengths and scales, and the output shape."""
    coordinate_mode, size_policy = opts.coordinate_mode, opts.size_policy
    ndim = len(in_shape)
    if (size is None) == (scale is None):
        raise ValueError("give exactly one of size and scale")
    from_size = size is not None
    values = size if from_size else scale
    scalar = np.ndim(values) == 0
    values = [values] if scalar else list(values)
    axes_t = _resolve_axes(ndim, len(values), scalar, axes, from_size)
    if scalar:
        values = values * len(axes_t)
    n = len(axes_t)
    lengths = [in_shape[a] for a in axes_t]

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
        if L == 0:
            raise ValueError(f"cannot resize axis {a}: it has length 0")
        if M == 0:
            raise ValueError(f"axis {a} of length {L} would be resized to length 0")

    out_shape = list(in_shape)
    for a, M in zip(axes_t, out_lengths, strict=True):
        out_shape[a] = M
    return _ResizeGeometry(
        axes_t, lengths, out_lengths, scales, exact, exact_scales, rois, tuple(out_shape)
    )


def _majority(x, geo, tables, opts):
    """mode='majority': each output takes the value whose footprint elements weigh the most,
    ties to the smallest value. An element's weight is the product over the resized axes of
    its area weight (the exact overlap / box length) rounded to the grid 2**-bits: bits =
    min(16, (62 - bit_length(F - 1)) // k) for k resized axes (those not resized to an
    identity) whose widest footprints (first to last nonzero weight) multiply to F, so that
    the sums are exact integers below 2**62."""
    out = np.empty(geo.out_shape, dtype=x.dtype)
    if out.size == 0:
        return out
    matrices = {}
    for a, table in zip(geo.axes, tables, strict=True):
        W = table[0]
        if W.shape[0] == W.shape[1] and np.array_equal(W, np.eye(W.shape[0])):
            continue  # resized to itself: an identity
        matrices[a] = W
    widths = []
    for W in matrices.values():
        spans = [np.flatnonzero(row) for row in W]
        widths.append(max(int(j[-1] - j[0] + 1) for j in spans if j.size))
    footprint = math.prod(widths) if widths else 1
    k = max(1, len(widths))
    bits = max(1, min(16, (62 - max(footprint - 1, 1).bit_length()) // k))
    grids = {a: np.rint(W * 2.0**bits).astype(np.int64) for a, W in matrices.items()}
    outside = np.zeros(geo.out_shape, dtype=bool)
    for a, table in zip(geo.axes, tables, strict=True):
        shape = [1] * x.ndim
        shape[a] = geo.out_shape[a]
        outside = outside | table[2].reshape(shape)
    for o in np.ndindex(*geo.out_shape):
        if outside[o]:
            out[o] = _cast(opts.extrapolation_value, x.dtype.newbyteorder("="))
            continue
        picks, weights = [], []
        for a in range(x.ndim):
            if a in grids:
                row = grids[a][o[a]]
                j = np.flatnonzero(row)
                picks.append(j)
                weights.append(row[j])
            else:
                picks.append(np.array([o[a]]))
                weights.append(np.array([1], dtype=np.int64))
        values = x[np.ix_(*picks)].ravel()
        product = weights[0]
        for w in weights[1:]:
            product = np.multiply.outer(product, w)
        labels, inverse = np.unique(values, return_inverse=True)
        totals = np.zeros(labels.shape[0], dtype=np.int64)
        np.add.at(totals, inverse.ravel(), product.ravel())
        out[o] = labels[np.argmax(totals)]  # the first maximum: the smallest value
    return out


def _resize_tables(geo, opts):
    """Per resized axis, the (W, index, outside) of :func:`_axis_matrix`, or None if empty."""
    tables = []
    for i in range(len(geo.axes)):
        L, M = geo.lengths[i], geo.out_lengths[i]
        if M == 0 or L == 0:
            tables.append(None)
            continue
        tables.append(
            _axis_matrix(
                L,
                M,
                geo.scales[i],
                geo.exact[i],
                opts.mode,
                opts.coordinate_mode,
                opts.nearest_mode,
                opts.cubic_a,
                opts.exclude_outside,
                opts.antialias,
                geo.rois[i],
                geo.exact_scales[i],
            )
        )
    return tables


def _deliver(result, out):
    """Return ``result``, or copy it into ``out`` (same shape and dtype) and return ``out``."""
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


# ============================================================================================
# resize_backward: the adjoint of resize
# ============================================================================================


def resize_backward(
    grad_out,
    input_shape,
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
    """Reference adjoint of :func:`resize` (the gradient of ``<resize(x), grad_out>`` in ``x``).

    Same keywords as :func:`resize`, interpreted for an input of shape ``input_shape``;
    ``grad_out`` must have the shape ``resize`` gives that input. ``workers`` is ignored.

    Resize is linear in ``x`` (up to the constant ``extrapolation_value`` of
    'tf_crop_and_resize' outputs), one per-axis matrix ``W_a`` (out_len x in_len) after another.
    Its adjoint applies the transposes ``W_a.T`` of the very same matrices (built by the same
    code as :func:`resize`), after zeroing the outputs that take ``extrapolation_value`` (they do
    not depend on ``x``). ``nearest`` is a gather ``y[o] = x[index[o]]``; its adjoint is the
    scatter-add ``g_x[index[o]] += g[o]``. Hence ``<resize(x), g> == <x, resize_backward(g,
    x.shape)>`` to rounding when ``extrapolation_value == 0`` (and
    ``<resize(x) - resize(0 * x), g>`` otherwise).

    dtypes: ``grad_out`` float16, bfloat16, float32 or float64 (float64 internally); the result
    has the dtype of ``grad_out`` and shape ``input_shape``.
    """
    del workers  # accepted and ignored
    g = _as_array(grad_out)
    if _is_bfloat16(g.dtype):
        dtype = g.dtype
    else:
        dtype = _float_dtype(g, "resize_backward", "grad_out")
    try:
        in_shape = tuple(_int_arg(v, "input_shape") for v in input_shape)
    except TypeError:
        raise TypeError(f"input_shape must be a sequence of ints, got {input_shape!r}") from None
    if any(v < 0 for v in in_shape):
        raise ValueError(f"input_shape must be non-negative, got {in_shape}")
    opts = _resize_options(
        mode,
        coordinate_mode,
        nearest_mode,
        cubic_a,
        exclude_outside,
        antialias,
        extrapolation_value,
        size_policy,
    )
    geo = _resize_geometry(in_shape, size, scale, axes, roi, opts)
    if g.shape != geo.out_shape:
        raise ValueError(
            f"grad_out has shape {g.shape}, but resize gives an input of shape {in_shape} "
            f"the shape {geo.out_shape}"
        )

    with np.errstate(all="ignore"):
        tables = _resize_tables(geo, opts)
        data = g.astype(np.float64)  # a copy
        # the outputs that take extrapolation_value do not depend on x: their gradient is dropped
        outside_any = np.zeros(geo.out_shape, dtype=bool)
        for a, table in zip(geo.axes, tables, strict=True):
            if table is not None:
                shape = [1] * len(in_shape)
                shape[a] = geo.out_shape[a]
                outside_any = outside_any | table[2].reshape(shape)
        data[outside_any] = 0.0
        # transposed maps, last axis first (they act on different axes, so they commute anyway)
        for a, table, L in reversed(list(zip(geo.axes, tables, geo.lengths, strict=True))):
            if table is None:
                shape = list(data.shape)
                shape[a] = L
                data = np.zeros(shape, dtype=np.float64)
                continue
            W, index, _ = table
            if opts.mode == "nearest":
                moved = np.moveaxis(data, a, 0)
                acc = np.zeros((L,) + moved.shape[1:], dtype=np.float64)
                np.add.at(acc, index, moved)  # scatter: every output sends its gradient back
                data = np.moveaxis(acc, 0, a)
            else:
                data = _apply_matrix(data, a, W.T)
        result = np.ascontiguousarray(data.astype(dtype))
    return _deliver(result, out)


# ============================================================================================
# transposed convolution and convolution
# ============================================================================================

_FLOAT_DTYPES = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))


def _float_dtype(a, func, what):
    """The native-order dtype of ``a``, which must be float16, float32 or float64."""
    dtype = a.dtype.newbyteorder("=") if a.dtype.kind == "f" else a.dtype
    if dtype not in _FLOAT_DTYPES:
        raise TypeError(f"{func} supports float16, float32 and float64; {what} has dtype {a.dtype}")
    return dtype


def _per_dim(value, nd, what, minimum):
    """An int or one int per spatial dim -> tuple of nd ints, each >= minimum."""
    if np.ndim(value) == 0:
        values = (_int_arg(value, what),) * nd
    else:
        values = tuple(_int_arg(v, what) for v in value)
        if len(values) != nd:
            raise ValueError(
                f"{what} must be an int or {nd} int(s), one per spatial dim; got {value!r}"
            )
    if any(v < minimum for v in values):
        raise ValueError(f"{what} must be >= {minimum}, got {value!r}")
    return values


def _padding_pairs(padding, nd):
    """int | nd ints | nd (begin, end) pairs -> tuple of nd (begin, end) pairs, all >= 0."""
    if np.ndim(padding) == 0:
        p = _int_arg(padding, "padding")
        pairs = ((p, p),) * nd
    else:
        items = list(padding)
        if len(items) != nd:
            raise ValueError(
                f"padding must be an int, {nd} int(s) or {nd} (begin, end) pair(s), one per "
                f"spatial dim (for 1-D asymmetric padding write ((begin, end),)); got {padding!r}"
            )
        pairs = []
        for item in items:
            if np.ndim(item) == 0:
                p = _int_arg(item, "padding")
                pairs.append((p, p))
            else:
                pair = list(item)
                if len(pair) != 2:
                    raise ValueError(
                        f"padding entries must be an int or a (begin, end) pair, got {item!r}"
                    )
                pairs.append((_int_arg(pair[0], "padding"), _int_arg(pair[1], "padding")))
        pairs = tuple(pairs)
    if any(v < 0 for pair in pairs for v in pair):
        raise ValueError(f"padding must be >= 0, got {padding!r}")
    return pairs


class _ConvSetup(NamedTuple):
    x: np.ndarray  # (N, C_in, *L) float64
    w: np.ndarray  # the weight, float64
    b: np.ndarray | None  # (C_out,) float64 or None
    dtype: np.dtype  # the result dtype
    batched: bool
    nd: int
    groups: int
    c_out: int
    strides: tuple
    pads: tuple  # (begin, end) per spatial dim
    dilations: tuple


def _conv_setup(func, x, weight, bias, stride, padding, dilation, groups, transposed):
    """Validate the arguments shared by conv and conv_transpose; float64 copies of the data."""
    x = _as_array(x)
    weight = _as_array(weight)
    dtype = _float_dtype(x, func, "x")
    w_dtype = _float_dtype(weight, func, "weight")
    if w_dtype != dtype:
        raise TypeError(f"{func}: weight has dtype {weight.dtype} but x has dtype {x.dtype}")
    if bias is not None:
        bias = _as_array(bias)
        if _float_dtype(bias, func, "bias") != dtype:
            raise TypeError(f"{func}: bias has dtype {bias.dtype} but x has dtype {x.dtype}")
    nd = weight.ndim - 2
    if not 1 <= nd <= 3:
        raise ValueError(
            f"{func}: weight must have 3, 4 or 5 dimensions (channels, channels, 1 to 3 kernel "
            f"dims), got shape {weight.shape}"
        )
    if x.ndim not in (nd + 1, nd + 2):
        raise ValueError(
            f"{func}: a weight of shape {weight.shape} ({nd}-D) needs x of {nd + 2} dims "
            f"(N, C, *spatial) or {nd + 1} dims (C, *spatial); got shape {x.shape}"
        )
    batched = x.ndim == nd + 2
    if not batched:
        x = x[None]
    if any(v == 0 for v in x.shape[1:]):
        raise ValueError(f"{func}: x has an empty channel or spatial dim: shape {x.shape}")
    if any(v == 0 for v in weight.shape):
        raise ValueError(f"{func}: weight has an empty dim: shape {weight.shape}")
    groups = _int_arg(groups, "groups")
    if groups < 1:
        raise ValueError(f"groups must be >= 1, got {groups}")
    c_in = x.shape[1]
    if c_in % groups:
        raise ValueError(f"{func}: {c_in} input channels are not divisible by groups={groups}")
    if transposed:  # weight (C_in, C_out / groups, *K)
        if weight.shape[0] != c_in:
            raise ValueError(
                f"{func}: weight of shape {weight.shape} expects {weight.shape[0]} input "
                f"channels (weight.shape[0]), x has {c_in}"
            )
        c_out = weight.shape[1] * groups
    else:  # weight (C_out, C_in / groups, *K)
        if weight.shape[1] * groups != c_in:
            raise ValueError(
                f"{func}: weight of shape {weight.shape} with groups={groups} expects "
                f"{weight.shape[1] * groups} input channels (weight.shape[1] * groups), "
                f"x has {c_in}"
            )
        c_out = weight.shape[0]
        if c_out % groups:
            raise ValueError(
                f"{func}: {c_out} output channels (weight.shape[0]) are not divisible by "
                f"groups={groups}"
            )
    if bias is not None and bias.shape != (c_out,):
        raise ValueError(f"{func}: bias must have shape ({c_out},), got {bias.shape}")
    strides = _per_dim(stride, nd, "stride", 1)
    dilations = _per_dim(dilation, nd, "dilation", 1)
    pads = _padding_pairs(padding, nd)
    return _ConvSetup(
        x.astype(np.float64),
        weight.astype(np.float64),
        None if bias is None else bias.astype(np.float64),
        dtype,
        batched,
        nd,
        groups,
        c_out,
        strides,
        pads,
        dilations,
    )


def _tap_slices(q, dilations, strides, counts):
    """For tap ``q``: per spatial dim the positions ``q*d + j*s``, j = 0..count-1, as slices."""
    return tuple(
        slice(qi * d, qi * d + (n - 1) * s + 1, s)
        for qi, d, s, n in zip(q, dilations, strides, counts, strict=True)
    )


def _transposed_lengths(L_in, kernel, strides, pads, dilations, output_padding):
    return tuple(
        (L - 1) * s - pb - pe + d * (k - 1) + op + 1
        for L, k, s, (pb, pe), d, op in zip(
            L_in, kernel, strides, pads, dilations, output_padding, strict=True
        )
    )


def _output_padding_arg(output_padding, output_size, cs, L_in, kernel, func):
    """The output_padding per dim: given, or picked by output_size (then checked in range)."""
    nd = cs.nd
    ops = _per_dim(output_padding, nd, "output_padding", 0)
    periods = tuple(max(s, d) for s, d in zip(cs.strides, cs.dilations, strict=True))
    if output_size is not None:
        if np.ndim(output_size) == 0:
            sizes = (_int_arg(output_size, "output_size"),) * nd
        else:
            sizes = tuple(_int_arg(v, "output_size") for v in output_size)
            n_lead = 2 if cs.batched else 1
            if len(sizes) == nd + n_lead:
                expected = (cs.x.shape[0], cs.c_out) if cs.batched else (cs.c_out,)
                if sizes[:n_lead] != expected:
                    raise ValueError(
                        f"output_size {tuple(sizes)} names the non-spatial dims "
                        f"{sizes[:n_lead]}, but the output has {expected}"
                    )
                sizes = sizes[n_lead:]
            elif len(sizes) != nd:
                raise ValueError(
                    f"output_size must give the {nd} spatial length(s) (optionally preceded by "
                    f"the {n_lead} non-spatial dims), got {output_size!r}"
                )
        lo = _transposed_lengths(L_in, kernel, cs.strides, cs.pads, cs.dilations, (0,) * nd)
        hi = tuple(m + p - 1 for m, p in zip(lo, periods, strict=True))
        if any(not m <= v <= h for v, m, h in zip(sizes, lo, hi, strict=True)):
            raise ValueError(
                f"{func}: requested output_size {tuple(sizes)}, but the reachable sizes range "
                f"from {lo} to {hi} (for an input of spatial size {tuple(L_in)})"
            )
        picked = tuple(v - m for v, m in zip(sizes, lo, strict=True))
        if any(op not in (0, p) for op, p in zip(ops, picked, strict=True)):
            raise ValueError(
                f"{func}: output_padding {ops} contradicts output_size {tuple(sizes)} "
                f"(which needs output_padding {picked}); give one of them"
            )
        ops = picked
    for op, s, d in zip(ops, cs.strides, cs.dilations, strict=True):
        if op >= max(s, d):
            raise ValueError(
                f"output_padding must be smaller than stride or dilation; got output_padding="
                f"{ops} with stride={cs.strides}, dilation={cs.dilations}"
            )
    return ops


def _scatter_transposed(x, w, groups, strides, pads, dilations, out_lengths):
    """conv_transpose without bias, float64: every input pixel, times every tap, is added at
    output position ``j*s - pad_begin + q*d`` (a scatter-add, one strided slice per tap).

    x: (N, C_in, *L), w: (C_in, C_out / groups, *K) -> (N, C_out, *out_lengths).
    """
    N, c_in = x.shape[:2]
    L_in, kernel = x.shape[2:], w.shape[2:]
    cog, cig = w.shape[1], c_in // groups
    # the uncropped line u = j*s + q*d, long enough for every tap and for the cropped window
    full = tuple(
        max((L - 1) * s + d * (k - 1) + 1, pb + M)
        for L, k, s, d, (pb, _), M in zip(
            L_in, kernel, strides, dilations, pads, out_lengths, strict=True
        )
    )
    buf = np.zeros((N, groups, cog) + full, dtype=np.float64)
    xg = x.reshape((N, groups, cig) + tuple(L_in))
    wg = w.reshape((groups, cig, cog) + tuple(kernel))
    for q in np.ndindex(*kernel):
        # contribution of tap q of every input pixel: sum over the input channels of its group
        contrib = np.einsum("ngi...,gio->ngo...", xg, wg[(Ellipsis,) + q])
        buf[(slice(None),) * 3 + _tap_slices(q, dilations, strides, L_in)] += contrib
    crop = tuple(slice(pb, pb + M) for (pb, _), M in zip(pads, out_lengths, strict=True))
    return buf[(Ellipsis,) + crop].reshape((N, groups * cog) + tuple(out_lengths))


def _finish(result, cs, out):
    if cs.b is not None:
        result = result + cs.b.reshape((-1,) + (1,) * cs.nd)
    if not cs.batched:
        result = result[0]
    with np.errstate(over="ignore"):  # float16 overflow -> inf, like astype
        result = np.ascontiguousarray(result.astype(cs.dtype))
    return _deliver(result, out)


def conv_transpose(
    x,
    weight,
    bias=None,
    stride=1,
    padding=0,
    output_padding=0,
    groups=1,
    dilation=1,
    *,
    output_size=None,
    workers=None,
    out=None,
) -> np.ndarray:
    r"""Reference transposed convolution ("deconvolution"), PyTorch ``F.conv_transpose{1,2,3}d``.

    Written as what it is, a scatter: input pixel ``j`` of channel ``ci`` (group ``g``) adds
    ``x[n, ci, j] * weight[ci, co, q]`` to output position ``o = j*stride - pad_begin +
    q*dilation`` of channel ``g * C_out/groups + co``, for every tap ``q`` (per spatial dim);
    positions outside ``[0, out_len)`` are dropped; then the bias is added. This is the adjoint
    (matrix transpose) of :func:`conv` with respect to its input.

    Parameters
    ----------
    x : array_like
        (N, C_in, *spatial) or unbatched (C_in, *spatial); 1 to 3 spatial dims (weight.ndim - 2).
    weight : array_like
        (C_in, C_out / groups, *kernel).
    bias : array_like, optional
        (C_out,).
    stride, dilation : int or one int per spatial dim, >= 1.
    padding : int, one int per spatial dim, or one (begin, end) pair per spatial dim, >= 0.
        Removes ``begin``/``end`` positions from the two ends of the full output.
    output_padding : int or one int per spatial dim
        Extra positions at the end; each < max(stride, dilation).
    groups : int
    output_size : int or sequence of int, optional
        The spatial output lengths (or (N, C_out, *spatial), or (C_out, *spatial) unbatched);
        picks ``output_padding = output_size - min_size``, which must lie in
        ``[0, max(stride, dilation) - 1]``: ``min_size = (L - 1)*stride - pad_begin - pad_end +
        dilation*(k - 1) + 1``.
    workers : ignored
    out : ndarray, optional

    Returns
    -------
    ndarray
        (N, C_out, *out_len) (unbatched: (C_out, *out_len)), dtype of ``x``, with
        ``out_len = (L - 1)*stride - pad_begin - pad_end + dilation*(k - 1) + output_padding + 1``
        (>= 1). Computed in float64 and cast (float16 too).
    """
    del workers
    cs = _conv_setup("conv_transpose", x, weight, bias, stride, padding, dilation, groups, True)
    L_in, kernel = cs.x.shape[2:], cs.w.shape[2:]
    ops = _output_padding_arg(output_padding, output_size, cs, L_in, kernel, "conv_transpose")
    out_lengths = _transposed_lengths(L_in, kernel, cs.strides, cs.pads, cs.dilations, ops)
    if any(M < 1 for M in out_lengths):
        raise ValueError(
            f"conv_transpose: the output length would be {out_lengths} (non-positive) for an "
            f"input of spatial size {tuple(L_in)}, kernel {tuple(kernel)}, stride {cs.strides}, "
            f"padding {cs.pads}, dilation {cs.dilations}, output_padding {ops}"
        )
    with np.errstate(all="ignore"):
        result = _scatter_transposed(
            cs.x, cs.w, cs.groups, cs.strides, cs.pads, cs.dilations, out_lengths
        )
        return _finish(result, cs, out)


def _conv_lengths(L_in, kernel, strides, pads, dilations):
    return tuple(
        (L + pb + pe - d * (k - 1) - 1) // s + 1
        for L, k, s, (pb, pe), d in zip(L_in, kernel, strides, pads, dilations, strict=True)
    )


def _gather_conv(x, w, groups, strides, pads, dilations, out_lengths):
    """conv without bias, float64: output ``o`` gathers ``xpad[o*s + q*d]`` for every tap ``q``.

    x: (N, C_in, *L), w: (C_out, C_in / groups, *K) -> (N, C_out, *out_lengths).
    """
    N, c_in = x.shape[:2]
    L_in, kernel = x.shape[2:], w.shape[2:]
    c_out, cig = w.shape[:2]
    cog = c_out // groups
    padded = tuple(L + pb + pe for L, (pb, pe) in zip(L_in, pads, strict=True))
    xpad = np.zeros((N, c_in) + padded, dtype=np.float64)
    xpad[(Ellipsis,) + tuple(slice(pb, pb + L) for L, (pb, _) in zip(L_in, pads, strict=True))] = x
    xg = xpad.reshape((N, groups, cig) + padded)
    wg = w.reshape((groups, cog, cig) + tuple(kernel))
    result = np.zeros((N, groups, cog) + tuple(out_lengths), dtype=np.float64)
    for q in np.ndindex(*kernel):
        taps = xg[(slice(None),) * 3 + _tap_slices(q, dilations, strides, out_lengths)]
        result += np.einsum("ngi...,goi->ngo...", taps, wg[(Ellipsis,) + q])
    return result.reshape((N, c_out) + tuple(out_lengths))


def conv(
    x,
    weight,
    bias=None,
    stride=1,
    padding=0,
    dilation=1,
    groups=1,
    *,
    workers=None,
    out=None,
) -> np.ndarray:
    r"""Reference convolution (cross-correlation), PyTorch ``F.conv{1,2,3}d``.

    ``out[n, co, o] = bias[co] + sum over ci in co's group and taps q of
    weight[co, ci - group_start, q] * xpad[n, ci, o*stride + q*dilation]`` (per spatial dim),
    where ``xpad`` is ``x`` with ``pad_begin`` zeros before and ``pad_end`` zeros after: a gather,
    one strided slice per tap.

    Parameters
    ----------
    x : array_like
        (N, C_in, *spatial) or unbatched (C_in, *spatial).
    weight : array_like
        (C_out, C_in / groups, *kernel), 1 to 3 kernel dims.
    bias : array_like, optional
        (C_out,).
    stride, dilation : int or one int per spatial dim, >= 1.
    padding : int, one int per spatial dim, or one (begin, end) pair per spatial dim, >= 0.
    groups : int
    workers : ignored
    out : ndarray, optional

    Returns
    -------
    ndarray
        (N, C_out, *out_len), ``out_len = floor((L + pad_begin + pad_end - dilation*(k - 1) - 1)
        / stride) + 1`` (must be >= 1), dtype of ``x`` (float64 internally).
    """
    del workers
    cs = _conv_setup("conv", x, weight, bias, stride, padding, dilation, groups, False)
    L_in, kernel = cs.x.shape[2:], cs.w.shape[2:]
    out_lengths = _conv_lengths(L_in, kernel, cs.strides, cs.pads, cs.dilations)
    if any(M < 1 for M in out_lengths):
        reach = tuple(d * (k - 1) + 1 for d, k in zip(cs.dilations, kernel, strict=True))
        padded = tuple(L + pb + pe for L, (pb, pe) in zip(L_in, cs.pads, strict=True))
        raise ValueError(
            f"conv: the output length would be {out_lengths} (non-positive): the dilated kernel "
            f"{reach} is larger than the padded input {padded}"
        )
    with np.errstate(all="ignore"):
        result = _gather_conv(cs.x, cs.w, cs.groups, cs.strides, cs.pads, cs.dilations, out_lengths)
        return _finish(result, cs, out)


def conv_matrix(input_shape, weight, stride=1, padding=0, dilation=1, groups=1) -> np.ndarray:
    """The dense matrix of :func:`conv` (no bias) on one unbatched input, from the definition.

    ``input_shape`` is (C_in, *spatial); the result ``M`` (float64) has shape
    ``(C_out * prod(out_spatial), C_in * prod(spatial))`` with rows and columns in C order, so
    ``conv(x, weight, ...).ravel() == M @ x.ravel()`` and, the point of transposed convolution,
    ``conv_transpose(y, weight, ...)`` (same stride, padding, dilation, groups and the
    output_padding that gives back ``spatial``) ``.ravel() == M.T @ y.ravel()``.
    Built by plain loops, one entry per (output, input channel, tap): for small sizes only.
    """
    input_shape = tuple(_int_arg(v, "input_shape") for v in input_shape)
    probe = np.zeros(input_shape, dtype=np.float64)
    weight = _as_array(weight).astype(np.float64)
    cs = _conv_setup("conv_matrix", probe, weight, None, stride, padding, dilation, groups, False)
    if cs.batched:
        raise ValueError("conv_matrix takes the unbatched input shape (C_in, *spatial)")
    c_in, L_in = input_shape[0], input_shape[1:]
    kernel = weight.shape[2:]
    out_lengths = _conv_lengths(L_in, kernel, cs.strides, cs.pads, cs.dilations)
    if any(M < 1 for M in out_lengths):
        raise ValueError(f"conv_matrix: non-positive output length {out_lengths}")
    c_out, cig = weight.shape[:2]
    cog = c_out // cs.groups
    M = np.zeros((c_out * math.prod(out_lengths), c_in * math.prod(L_in)), dtype=np.float64)
    for co in range(c_out):
        group = co // cog
        for o in np.ndindex(*out_lengths):
            row = np.ravel_multi_index((co,) + o, (c_out,) + tuple(out_lengths))
            for ci_local in range(cig):
                ci = group * cig + ci_local
                for q in np.ndindex(*kernel):
                    i = tuple(
                        oi * s + qi * d - pb
                        for oi, qi, s, d, (pb, _) in zip(
                            o, q, cs.strides, cs.dilations, cs.pads, strict=True
                        )
                    )
                    if all(0 <= ii < L for ii, L in zip(i, L_in, strict=True)):
                        col = np.ravel_multi_index((ci,) + i, input_shape)
                        M[row, col] += weight[(co, ci_local) + q]
    return M


_NEEDS = ("input", "weight", "bias")


def conv_transpose_backward(
    grad_out,
    x,
    weight,
    stride=1,
    padding=0,
    output_padding=0,
    groups=1,
    dilation=1,
    *,
    needs=("input", "weight", "bias"),
    workers=None,
):
    r"""Reference gradients of ``L = <conv_transpose(x, weight, bias, ...), grad_out>``.

    Returns ``(grad_x, grad_weight, grad_bias)``; the entries not named in ``needs`` (any of
    'input', 'weight', 'bias') are None. With ``u = j*stride + q*dilation`` the uncropped output
    position of input ``j`` and tap ``q`` and ``G[u] = grad_out[u - pad_begin]`` (0 outside the
    output):

    * ``grad_x[n, ci, j] = sum_{co, q} weight[ci, co, q] * G[n, g*C_out/groups + co, j*s + q*d]``
      (the convolution of ``grad_out`` with ``weight`` viewed as a conv weight, cropped to
      ``L``: conv_transpose's adjoint);
    * ``grad_weight[ci, co, q] = sum_{n, j} x[n, ci, j] * G[n, g*C_out/groups + co, j*s + q*d]``;
    * ``grad_bias[co] = sum over n and the spatial positions of grad_out[n, co]``.

    ``grad_out`` must have the shape of the conv_transpose output. float16/32/64, all the same
    dtype; float64 internally; each gradient has the dtype of its variable.
    """
    del workers
    if isinstance(needs, str):
        needs = (needs,)
    needs = tuple(needs)
    unknown = [v for v in needs if v not in _NEEDS]
    if unknown:
        raise ValueError(f"needs may name {_NEEDS}, got {unknown}")
    cs = _conv_setup(
        "conv_transpose_backward", x, weight, None, stride, padding, dilation, groups, True
    )
    g = _as_array(grad_out)
    if _float_dtype(g, "conv_transpose_backward", "grad_out") != cs.dtype:
        raise TypeError(
            f"conv_transpose_backward: grad_out has dtype {g.dtype} but x has dtype {cs.dtype}"
        )
    L_in, kernel = cs.x.shape[2:], cs.w.shape[2:]
    ops = _output_padding_arg(output_padding, None, cs, L_in, kernel, "conv_transpose_backward")
    out_lengths = _transposed_lengths(L_in, kernel, cs.strides, cs.pads, cs.dilations, ops)
    if any(M < 1 for M in out_lengths):
        raise ValueError(
            f"conv_transpose_backward: non-positive conv_transpose output length {out_lengths}"
        )
    N = cs.x.shape[0]
    expected = (N, cs.c_out) + out_lengths if cs.batched else (cs.c_out,) + out_lengths
    if g.shape != expected:
        raise ValueError(
            f"grad_out has shape {g.shape}, but conv_transpose gives the shape {expected}"
        )
    g = g.astype(np.float64).reshape((N, cs.c_out) + out_lengths)

    groups = cs.groups
    c_in = cs.x.shape[1]
    cig, cog = c_in // groups, cs.w.shape[1]
    full = tuple(
        max((L - 1) * s + d * (k - 1) + 1, pb + M)
        for L, k, s, d, (pb, _), M in zip(
            L_in, kernel, cs.strides, cs.dilations, cs.pads, out_lengths, strict=True
        )
    )
    G = np.zeros((N, cs.c_out) + full, dtype=np.float64)
    G[
        (Ellipsis,)
        + tuple(slice(pb, pb + M) for (pb, _), M in zip(cs.pads, out_lengths, strict=True))
    ] = g
    G = G.reshape((N, groups, cog) + full)
    xg = cs.x.reshape((N, groups, cig) + tuple(L_in))
    wg = cs.w.reshape((groups, cig, cog) + tuple(kernel))

    grad_x = grad_w = grad_b = None
    with np.errstate(all="ignore"):
        if "input" in needs:
            acc = np.zeros((N, groups, cig) + tuple(L_in), dtype=np.float64)
            for q in np.ndindex(*kernel):
                Gq = G[(slice(None),) * 3 + _tap_slices(q, cs.dilations, cs.strides, L_in)]
                acc += np.einsum("ngo...,gio->ngi...", Gq, wg[(Ellipsis,) + q])
            acc = acc.reshape((N, c_in) + tuple(L_in))
            if not cs.batched:
                acc = acc[0]
            grad_x = np.ascontiguousarray(acc.astype(cs.dtype))
        if "weight" in needs:
            acc = np.zeros((groups, cig, cog) + tuple(kernel), dtype=np.float64)
            for q in np.ndindex(*kernel):
                Gq = G[(slice(None),) * 3 + _tap_slices(q, cs.dilations, cs.strides, L_in)]
                acc[(Ellipsis,) + q] = np.einsum(
                    "ngil,ngol->gio",
                    xg.reshape((N, groups, cig, -1)),
                    Gq.reshape((N, groups, cog, -1)),
                )
            grad_w = np.ascontiguousarray(acc.reshape(cs.w.shape).astype(cs.dtype))
        if "bias" in needs:
            grad_b = np.ascontiguousarray(
                g.sum(axis=(0,) + tuple(range(2, 2 + cs.nd))).astype(cs.dtype)
            )
    return grad_x, grad_w, grad_b


# ============================================================================================
# deconvolution helpers
# ============================================================================================


def interpolation_kernel(stride, mode="linear", ndim=2, dtype=np.float32):
    r"""Transposed-convolution weights that upsample like :func:`resize` (FCN initialisation).

    Returns ``(weight, padding)``: ``weight`` of shape ``(1, 1, *K)`` (tile it to ``(C, 1, *K)``
    and use ``groups=C`` for C channels) and ``padding``, one int per spatial dim, such that
    ``conv_transpose(x, weight, stride=stride, padding=padding)`` has length ``stride * L`` and
    equals ``resize(x, scale=stride, mode=mode)`` (coordinate_mode 'half_pixel') wherever resize
    clamps no tap (the interior); nearest and area (a repeat) agree everywhere.

    ``stride``: int >= 1 or one per spatial dim; ``ndim``: 1, 2 or 3; ``dtype``: float16, float32
    or float64 (the weights are computed in exact/float64 arithmetic and rounded once).

    Derivation, per spatial dim, with integer stride ``s``: resize output ``o`` samples
    ``x(o) = (o + 0.5)/s - 0.5`` and weighs input ``j`` by ``k(j - x(o))`` (``k`` the mode's
    kernel, support ``R``: 1 linear, 2 cubic, 3 lanczos). conv_transpose adds input ``j`` to output
    ``o = j*s - p + q`` with weight ``w[q]``. Substituting, ``j - x(o) = (c - q)/s`` with
    ``c = p + (s - 1)/2``, so

    .. math::  w[q] = k\left(\frac{c - q}{s}\right), \qquad c = \frac{K - 1}{2},\quad
               K = 2Rs - (s \bmod 2),\quad p = \frac{K - s}{2}

    (centring the kernel, ``c = (K - 1)/2``, fixes ``p``; ``K`` is the smallest length of the
    parity of ``s`` that holds every tap with ``|c - q| < Rs``). The output length is then
    ``(L - 1)s - 2p + K = sL``. For linear this is FCN's bilinear filter
    ``w[q] = 1 - |q - c|/s``, ``K = 2s - s mod 2`` (s = 2: [1/4, 3/4, 3/4, 1/4], p = 1).
    Cubic uses Keys' kernel with ``a = -0.75``; lanczos is renormalised like resize does: each
    output phase ``r`` uses the taps ``q = r + p (mod s)``, and ``w`` is divided by the sum over
    its phase class (for linear and cubic these sums are exactly 1 already).
    nearest and area: ``w = ones(s)``, ``p = 0`` (``x(o)`` rounds to ``floor(o/s)`` and the area
    box of width ``1/s`` lies inside that pixel: both are the repeat ``x[o // s]``). N-D kernels are
    the outer products of the per-dim ones (resize is separable).
    """
    if not isinstance(mode, str) or mode not in _MODES:
        raise ValueError(f"mode must be one of {sorted(_MODES)}, got {mode!r}")
    mode = _MODES[mode]
    ndim = _int_arg(ndim, "ndim")
    if not 1 <= ndim <= 3:
        raise ValueError(f"ndim must be 1, 2 or 3, got {ndim}")
    strides = _per_dim(stride, ndim, "stride", 1)
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be float16, float32 or float64, got {dtype!r}") from None
    if dtype not in _FLOAT_DTYPES:
        raise TypeError(f"dtype must be float16, float32 or float64, got {dtype}")

    kernels, pads = [], []
    for s in strides:
        if mode in ("nearest", "area"):
            kernels.append(np.ones(s, dtype=np.float64))
            pads.append(0)
            continue
        R = _SUPPORT[mode]
        K = 2 * R * s - s % 2
        p = (K - s) // 2
        # t = (c - q) / s with c = (K - 1) / 2: exact rationals
        taps = [_kernel(mode, Fraction(K - 1 - 2 * q, 2 * s), Fraction(-0.75)) for q in range(K)]
        for r in range(s):  # renormalise each phase class (a no-op for linear and cubic)
            total = sum(taps[r::s], Fraction(0))
            for q in range(r, K, s):
                taps[q] = taps[q] / total
        kernels.append(np.array([float(t) for t in taps], dtype=np.float64))
        pads.append(p)
    weight = kernels[0]
    for k in kernels[1:]:
        weight = np.multiply.outer(weight, k)
    weight = np.ascontiguousarray(weight.reshape((1, 1) + weight.shape).astype(dtype))
    return weight, tuple(pads)


def checkerboard(kernel_size, stride, dilation=1) -> np.ndarray:
    """How many kernel taps of a transposed convolution reach each output phase.

    Output position ``u = j*stride + q*dilation`` (before padding is cropped) receives input
    ``j`` through tap ``q``, so the phase ``r = u mod stride`` of a position decides which taps
    can reach it: ``count[r] = #{q in [0, K) : q*dilation = r (mod stride)}``. Per spatial dim,
    and over dims the outer product: the result is an int64 array of shape
    ``(stride_1, ..., stride_d)`` (d = the length of the longest per-dim argument, 1 if all are
    ints). Uneven counts are the checkerboard artifacts of Odena et al. (distill.pub 2016):
    ``checkerboard(3, 2) == [2, 1]``, ``checkerboard(4, 2) == [2, 2]``.
    (The phase is measured from the uncropped output: with ``padding`` p, output ``o`` has
    phase ``(o + pad_begin) mod stride``.)
    """
    args = {"kernel_size": kernel_size, "stride": stride, "dilation": dilation}
    lengths = {len(v) for v in args.values() if np.ndim(v) != 0}
    if len(lengths) > 1:
        raise ValueError(
            f"kernel_size, stride and dilation must be ints or have the same length, got {args}"
        )
    nd = lengths.pop() if lengths else 1
    if nd == 0:
        raise ValueError("kernel_size, stride and dilation need at least one spatial dim")
    ks = _per_dim(kernel_size, nd, "kernel_size", 1)
    ss = _per_dim(stride, nd, "stride", 1)
    ds = _per_dim(dilation, nd, "dilation", 1)
    result = np.ones((), dtype=np.int64)
    for k, s, d in zip(ks, ss, ds, strict=True):
        counts = np.zeros(s, dtype=np.int64)
        for q in range(k):
            counts[(q * d) % s] += 1
        result = np.multiply.outer(result, counts)
    return result
