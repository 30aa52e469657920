"""ONNX's ``Resize`` (opset 19), ``Upsample`` (opsets 7 and 9) and ``ConvTranspose`` (opset 22)
with the operators' own attribute names and values, on NumPy arrays.

Checked against onnx 1.23.2 (every Resize, Upsample and ConvTranspose backend node test case it
ships, and its reference implementation ``onnx.reference``) and onnxruntime 1.32.0 (random
models): see ``CHECKED`` and ``tests/test_compat_onnx.py``.

``resize(X, roi, scales, sizes, **attributes)`` takes ``mode``,
``coordinate_transformation_mode``, ``nearest_mode``, ``cubic_coeff_a``, ``exclude_outside``,
``antialias``, ``keep_aspect_ratio_policy``, ``extrapolation_value`` and ``axes`` as an ONNX
node carries them (strings or bytes, ints 0/1, lists of ints), with ONNX's defaults (``mode``
is ``'nearest'``). Where ONNX's semantics differ from ``fastup.resize``'s, ONNX's apply:

* float attributes and ``scales`` are float32, as the operator types them: ``scales=[0.7]``
  is ``float32(0.7)``;
* with ``scales``, the output length is ``floor(length * scale)`` (computed in float64), also
  for ``tf_crop_and_resize``, whose roi does not enter the length; and ``length_resized`` in
  the ``align_corners`` and ``tf_crop_and_resize`` coordinate formulas is the fractional
  ``output_width = length * scale``, as the backend test data expect (fastup.resize uses the
  integer output length there, as PyTorch does);
* ``nearest`` picks its source pixels with the ONNX reference's own float64 arithmetic,
  ``scale = size / length`` with ``sizes``, so that it matches the backend data bit for bit,
  exact ties included; ``tf_crop_and_resize`` computes its coordinates and the outside test
  in the reference's order, with the roi in its own dtype;
* ``roi`` is ONNX's flat ``[start_1, ..., start_k, end_1, ..., end_k]`` over all axes or over
  ``axes``, used by ``tf_crop_and_resize`` only (ignored otherwise, as in ONNX);
* ``keep_aspect_ratio_policy`` applies to ``sizes`` only and is ignored with ``scales``.

Integer outputs are rounded half to even and saturated (``onnx.reference``); linear and cubic
are computed as ``fastup.resize`` computes them (float32 for 8- and 16-bit data, fixed point
for uint8 images), within 1 of the float64 result.

Known differences from ``onnx.reference``: ``pytorch_half_pixel`` uses the operator text's
``0`` for an output of length 1 (as ONNX Runtime does), the reference ``-0.5`` (or the
half-pixel formula when ``length * scale`` is not exactly 1); ``exclude_outside`` is ignored by
``nearest`` (the reference returns 0 where the picked pixel lies outside); where float64
rounding puts a source coordinate just above an integer ``k`` the reference takes its taps one
input too far left (its window search on ``x + n/2``), this module around ``k``.

Known differences from ONNX Runtime (1.32): it computes in float32, so its output length from
``scales`` can round up (``float32(0.7) * 10`` is 7.0, the float64 product floors to 6) and its
nearest sources and ``tf_crop_and_resize`` outside tests can fall on the other side of an exact
tie; it uses the integer output length in ``align_corners`` and ``tf_crop_and_resize`` with
``scales``; it returns ``X`` unchanged when the output has ``X``'s shape (whatever the scales
or the roi), and copies an axis resized to its own length with antialias or
``tf_crop_and_resize``; it leaves negative ``axes`` out of ``keep_aspect_ratio_policy``, and
places ``tf_crop_and_resize`` with a ``keep_aspect_ratio_policy`` differently; it truncates
integer linear results, and rounds and clips uint8 antialiased cubic between the axes; it
refuses ``exclude_outside`` for linear without antialias (accepted here: the operator text
allows it).

``conv_transpose(X, W, B, **attributes)`` takes ``auto_pad`` (``NOTSET``, ``SAME_UPPER``,
``SAME_LOWER``, ``VALID``), ``dilations``, ``group``, ``kernel_shape``, ``output_padding``,
``output_shape``, ``pads`` (``[begin_1, ..., begin_n, end_1, ..., end_n]``) and ``strides``.
With ``output_shape``, or ``auto_pad`` ``SAME_*`` (output ``length * stride``), the padding is
``total = stride (length - 1) + output_padding + dilation (kernel - 1) + 1 - output_length``
split as ``begin = total // 2`` for ``SAME_UPPER`` and ``total - total // 2`` otherwise (the
extra pixel at the end for ``SAME_UPPER``, at the beginning for the others), and a negative
``begin`` (an output longer than the transposed convolution reaches) is 0 with the extra
outputs at the end, holding the bias only, as in ONNX Runtime. Known difference: ONNX Runtime
makes ``SAME_*`` outputs ``stride (length - 1) + dilation (kernel - 1) + 1`` long when that is
shorter than ``length * stride`` (a kernel smaller than the stride); this module follows the
operator text, as ``onnx.reference`` does.

``upsample(X, scales, mode)`` is the deprecated ``Upsample``: ``resize`` with
``coordinate_transformation_mode='asymmetric'`` and ``nearest_mode='floor'``.

Errors name ONNX's argument and the valid values; ONNX is never imported.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import _deconv, _threads
from .. import _resize as _core
from .._tables import (
    COORDINATE_MODES,
    NEAREST_MODES,
    SIZE_POLICIES,
    IndexTable,
    WeightTable,
    index_table,
    kernel_weights,
    tap_table,
)
from .._validate import (
    allocate,
    as_array,
    choice,
    fail_type,
    fail_value,
    flag,
    is_bfloat16,
    real,
)

__all__ = ["CHECKED", "conv_transpose", "resize", "upsample"]

CHECKED = {"onnx": "1.23.2", "onnxruntime": "1.32.0"}

_RESIZE = "compat.onnx.resize"
_UPSAMPLE = "compat.onnx.upsample"
_CONV_TRANSPOSE = "compat.onnx.conv_transpose"

RESIZE_MODES = ("nearest", "linear", "cubic")
# the values of the Resize-19 attributes are the core's own
COORDINATE_TRANSFORMATION_MODES = COORDINATE_MODES
KEEP_ASPECT_RATIO_POLICIES = SIZE_POLICIES
AUTO_PADS = ("NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID")

# Resize-19's attributes and their defaults
_RESIZE_ATTRIBUTES: dict[str, Any] = {
    "antialias": 0,
    "axes": None,
    "coordinate_transformation_mode": "half_pixel",
    "cubic_coeff_a": -0.75,
    "exclude_outside": 0,
    "extrapolation_value": 0.0,
    "keep_aspect_ratio_policy": "stretch",
    "mode": "nearest",
    "nearest_mode": "round_prefer_floor",
}
_CONV_TRANSPOSE_ATTRIBUTES = (
    "auto_pad",
    "dilations",
    "group",
    "kernel_shape",
    "output_padding",
    "output_shape",
    "pads",
    "strides",
)
_KERNEL_SUPPORT = {"linear": 1, "cubic": 2}
# calls remembered by (shapes, dtypes, arguments): a repeated call skips every check
_CACHE_SIZE = 256
_RESIZE_CALLS: dict[Any, Callable[[np.ndarray], np.ndarray]] = {}
_CONV_TRANSPOSE_CALLS: dict[Any, dict[str, Any]] = {}


# --------------------------------------------------------------------------------------------
# Resize
# --------------------------------------------------------------------------------------------


def resize(
    X: Any,
    roi: Any = None,
    scales: Any = None,
    sizes: Any = None,
    **attributes: Any,
) -> np.ndarray:
    """ONNX ``Resize`` (opset 19): resize ``X`` by ``scales`` or to ``sizes``.

    Parameters
    ----------
    X : array_like
        Any rank; nearest takes every numeric dtype and bool, linear and cubic the dtypes of
        ``fastup.resize``.
    roi : array_like, optional
        ``[start_1, ..., start_k, end_1, ..., end_k]`` (normalised), one pair per axis of
        ``X`` or of ``axes``; used by ``coordinate_transformation_mode='tf_crop_and_resize'``
        only. An empty array counts as absent.
    scales : array_like of float, optional
        One scale per axis (or per entry of ``axes``), float32 as in ONNX; output length
        ``floor(length * scale)``.
    sizes : array_like of int, optional
        The output lengths (one per axis or per entry of ``axes``), read per
        ``keep_aspect_ratio_policy``. Give exactly one of ``scales`` and ``sizes``.
    **attributes
        Resize-19's attributes: ``mode`` ('nearest' (default), 'linear', 'cubic'),
        ``coordinate_transformation_mode`` ('half_pixel' (default), 'half_pixel_symmetric',
        'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_crop_and_resize'),
        ``nearest_mode`` ('round_prefer_floor' (default), 'round_prefer_ceil', 'floor',
        'ceil'), ``cubic_coeff_a`` (-0.75), ``exclude_outside`` (0), ``antialias`` (0),
        ``keep_aspect_ratio_policy`` ('stretch', 'not_larger', 'not_smaller'),
        ``extrapolation_value`` (0.0), ``axes`` (list of int, negative from the end). Strings
        may be bytes, as ``onnx.helper.get_attribute_value`` returns them.

    Returns
    -------
    ndarray
        A new C-contiguous array of the dtype of ``X``.

    Notes
    -----
    Source coordinate of output ``o`` along an axis of length ``L`` resized to ``M``, with
    ``scale`` the given scale (or ``M / L``, or the ``keep_aspect_ratio_policy`` scale) and
    ``W = scale * L`` (fractional with ``scales``)::

        half_pixel            (o + 0.5) / scale - 0.5
        half_pixel_symmetric  L/2 (1 - M / W) + (o + 0.5) / scale - 0.5
        pytorch_half_pixel    (o + 0.5) / scale - 0.5 if M > 1 else 0
        align_corners         o (L - 1) / (W - 1)                     (0 if W == 1)
        asymmetric            o / scale
        tf_crop_and_resize    o (end - start)(L - 1) / (W - 1) + start (L - 1), outside
                              [0, L - 1]: extrapolation_value       ((end - start)(L - 1)/2
                                                                     + start (L - 1) if W == 1)

    linear, cubic (Keys, ``a = cubic_coeff_a``), antialias (the kernel stretched by
    ``1 / scale`` when downscaling, renormalised) and exclude_outside are ``fastup.resize``'s.

    Examples
    --------
    >>> import numpy as np
    >>> from fastup.compat import onnx
    >>> x = np.array([[[[1.0, 2.0], [3.0, 4.0]]]], np.float32)
    >>> onnx.resize(x, scales=[1.0, 1.0, 2.0, 3.0])[0, 0]  # mode 'nearest' by default
    array([[1., 1., 1., 2., 2., 2.],
           [1., 1., 1., 2., 2., 2.],
           [3., 3., 3., 4., 4., 4.],
           [3., 3., 3., 4., 4., 4.]], dtype=float32)
    >>> onnx.resize(x, scales=[2.0, 2.0], axes=[2, 3], mode="linear")[0, 0, 0]
    array([1.  , 1.25, 1.75, 2.  ], dtype=float32)

    ``align_corners`` with scales uses the fractional output length ``2 * 0.6 = 1.2``:

    >>> y = np.array([[[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]]], np.float32)
    >>> onnx.resize(y, scales=[1, 1, 0.6, 0.6], mode="linear",
    ...             coordinate_transformation_mode=b"align_corners")
    array([[[[1.      , 3.142857]]]], dtype=float32)

    A crop of the centre, with the roi over the last two axes:

    >>> z = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> onnx.resize(z, roi=[0.25, 0.25, 0.75, 0.75], sizes=[3, 3], axes=[2, 3],
    ...             mode="linear", coordinate_transformation_mode="tf_crop_and_resize")[0, 0]
    array([[ 3.75,  4.5 ,  5.25],
           [ 6.75,  7.5 ,  8.25],
           [ 9.75, 10.5 , 11.25]])
    """
    key = None
    if type(X) is np.ndarray:
        try:
            key = (X.shape, X.dtype, _freeze(roi), _freeze(scales), _freeze(sizes)) + tuple(
                [(name, _freeze(value)) for name, value in sorted(attributes.items())]
            )
            call = _RESIZE_CALLS.get(key)
        except TypeError:  # an argument of an unexpected kind: the long way says what is wrong
            key = call = None
        if call is not None:
            return call(X)
    x = as_array(_RESIZE, "X", X)
    if key is not None and x is not X:
        key = None
    call = _resize_call(x.shape, x.dtype, roi, scales, sizes, attributes)
    if key is not None:
        if len(_RESIZE_CALLS) >= _CACHE_SIZE:
            _RESIZE_CALLS.clear()
        _RESIZE_CALLS[key] = call
    return call(x)


def upsample(X: Any, scales: Any, mode: Any = "nearest") -> np.ndarray:
    """ONNX ``Upsample`` (opsets 7 and 9, deprecated since opset 10): ``resize`` with
    ``coordinate_transformation_mode='asymmetric'`` and ``nearest_mode='floor'``.

    Parameters
    ----------
    X : array_like
        Any rank.
    scales : array_like of float
        One scale ``>= 1`` per axis of ``X`` (the opset-7 attribute or the opset-9 input).
    mode : {'nearest', 'linear'}
        'nearest' copies ``X[floor(o / scale)]``; 'linear' interpolates between the two
        inputs around ``o / scale`` (bilinear, trilinear ... on several axes).

    Returns
    -------
    ndarray
        Output lengths ``floor(length * scale)``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastup.compat import onnx
    >>> x = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    >>> onnx.upsample(x, [2.0, 3.0])
    array([[1., 1., 1., 2., 2., 2.],
           [1., 1., 1., 2., 2., 2.],
           [3., 3., 3., 4., 4., 4.],
           [3., 3., 3., 4., 4., 4.]], dtype=float32)
    >>> onnx.upsample(x, [1.0, 2.0], mode="linear")[0]
    array([1. , 1.5, 2. , 2. ], dtype=float32)
    """
    mode = choice(_UPSAMPLE, "mode", _text(mode), ("nearest", "linear"))
    values = _reals(_UPSAMPLE, "scales", scales)
    if values is None or not all(math.isfinite(s) and s >= 1.0 for s in values):
        raise fail_value(_UPSAMPLE, "scales", "one finite scale >= 1 per axis", scales)
    return resize(
        X,
        scales=values,
        mode=mode,
        coordinate_transformation_mode="asymmetric",
        nearest_mode="floor",
    )


def _freeze(value: Any) -> Any:
    """A hashable, type-exact stand-in for an argument (a key that does not hash raises
    TypeError where it is used: the call then takes the long way)."""
    kind = type(value)
    if kind is np.ndarray:
        return (value.dtype.str, value.shape, value.tobytes())
    if kind is list or kind is tuple:
        return (kind, tuple(map(type, value)), tuple(value))
    return (kind, value)


def _text(value: Any) -> Any:
    """An ONNX string attribute: str, or bytes as onnx.helper.get_attribute_value gives."""
    if isinstance(value, bytes):
        try:
            return value.decode("ascii")
        except UnicodeDecodeError:
            return value
    return value


def _flat(func: str, name: str, value: Any) -> np.ndarray | None:
    """A 1-D input (a list, an array): None when absent or empty, as ONNX's optional inputs."""
    if value is None:
        return None
    if isinstance(value, (str, bytes)):
        raise fail_type(func, name, "a 1-D array of numbers", value)
    array = as_array(func, name, value)
    if array.size == 0:
        return None
    if array.ndim != 1 or array.dtype.kind not in "iuf":
        raise fail_type(func, name, "a 1-D array of numbers", value)
    return array


def _reals(func: str, name: str, value: Any) -> list[float] | None:
    array = _flat(func, name, value)
    return None if array is None else [float(v) for v in array]


def _resize_call(
    shape: tuple[int, ...],
    dtype: np.dtype,
    roi: Any,
    scales: Any,
    sizes: Any,
    attributes: dict[str, Any],
) -> Callable[[np.ndarray], np.ndarray]:
    """Every check of a Resize call on an ``X`` of ``shape`` and ``dtype``; returns the
    function that computes it."""
    func = _RESIZE
    _known_attributes(func, "Resize-19", attributes, _RESIZE_ATTRIBUTES)
    given = {**_RESIZE_ATTRIBUTES, **attributes}
    mode = choice(func, "mode", _text(given["mode"]), RESIZE_MODES)
    ctm = choice(
        func,
        "coordinate_transformation_mode",
        _text(given["coordinate_transformation_mode"]),
        COORDINATE_TRANSFORMATION_MODES,
    )
    nearest_mode = choice(func, "nearest_mode", _text(given["nearest_mode"]), NEAREST_MODES)
    policy = choice(
        func,
        "keep_aspect_ratio_policy",
        _text(given["keep_aspect_ratio_policy"]),
        KEEP_ASPECT_RATIO_POLICIES,
    )
    # FLOAT attributes are float32 in ONNX
    cubic_a = float(np.float32(real(func, "cubic_coeff_a", given["cubic_coeff_a"])))
    if abs(cubic_a) > _core._MAX_CUBIC_A:
        raise fail_value(func, "cubic_coeff_a", "within [-1000, 1000] (fastup's bound)", cubic_a)
    with np.errstate(over="ignore"):
        extrapolation_value = float(
            np.float32(
                real(func, "extrapolation_value", given["extrapolation_value"], finite=False)
            )
        )
    exclude_outside = _flag01(func, "exclude_outside", given["exclude_outside"])
    antialias = _flag01(func, "antialias", given["antialias"])
    if antialias and mode == "nearest":
        raise ValueError(
            f"fastup.{func}: 'antialias' applies to mode 'linear' and 'cubic'; got mode 'nearest'."
        )
    dtype = np.dtype(dtype)
    ndim = len(shape)
    weighted = mode != "nearest"
    if weighted and _core._accumulator(dtype.newbyteorder("=")) is None:
        raise TypeError(
            f"fastup.{func}: mode {mode!r} supports the dtypes {_core._SUPPORTED}; got {dtype} "
            f"(mode 'nearest' takes every numeric dtype and bool)."
        )
    if (
        ctm == "tf_crop_and_resize"
        and dtype.kind in "iub"
        and not math.isfinite(extrapolation_value)
    ):
        raise fail_value(
            func, "extrapolation_value", f"finite for an X of dtype {dtype}", extrapolation_value
        )
    # axes
    if given["axes"] is None:
        axes = list(range(ndim))
    else:
        items = given["axes"]
        if isinstance(items, np.ndarray):
            items = items.tolist()
        if isinstance(items, (str, bytes)) or not isinstance(items, Sequence):
            raise fail_type(func, "axes", "a list of ints", given["axes"])
        for a in items:
            if isinstance(a, (bool, np.bool_)) or not isinstance(a, numbers.Integral):
                raise fail_type(func, "axes", "a list of ints", given["axes"])
            if not -ndim <= a < ndim:
                raise fail_value(
                    func, "axes", f"a list of ints in [{-ndim}, {ndim - 1}]", given["axes"]
                )
        axes = [int(a) % ndim for a in items]
        if len(set(axes)) != len(axes):
            raise fail_value(func, "axes", "a list of distinct axes", given["axes"])
    k = len(axes)
    where = f"one per axis of 'axes' ({k})" if given["axes"] is not None else f"X's rank ({k})"
    # scales / sizes
    scale_values = _flat(func, "scales", scales)
    size_values = _flat(func, "sizes", sizes)
    if (scale_values is None) == (size_values is None):
        raise ValueError(
            f"fastup.{func}: give exactly one of 'scales' and 'sizes' (an empty array counts as "
            f"absent); got {'both' if scale_values is not None else 'neither'}."
        )
    if scale_values is not None:
        if scale_values.dtype.kind not in "iuf" or len(scale_values) != k:
            raise fail_value(func, "scales", f"{k} numbers, {where}", scales)
        values = [float(v) for v in scale_values.astype(np.float32)]  # a float tensor in ONNX
        if not all(math.isfinite(s) and s > 0 for s in values):
            raise fail_value(func, "scales", "finite and > 0", scales)
        lengths = []
        for a, s in zip(axes, values, strict=True):
            length = shape[a] * s
            if length >= 2.0**62:
                raise MemoryError(
                    f"fastup.{func}: scale {s:g} makes axis {a} of length {shape[a]} about "
                    f"{length:.3g} long: too large to allocate."
                )
            lengths.append(int(math.floor(length)))
        axis_scales = values
    else:
        assert size_values is not None
        if size_values.dtype.kind not in "iu" or len(size_values) != k:
            raise fail_value(func, "sizes", f"{k} integers, {where}", sizes)
        lengths = [int(v) for v in size_values]
        if any(n < 0 for n in lengths):
            raise fail_value(func, "sizes", "non-negative", sizes)
        if policy != "stretch":
            if any(shape[a] == 0 for a in axes):
                raise ValueError(
                    f"fastup.{func}: keep_aspect_ratio_policy={policy!r} cannot scale an axis of "
                    f"length 0."
                )
            ratios = [n / shape[a] for n, a in zip(lengths, axes, strict=True)]
            common = min(ratios) if policy == "not_larger" else max(ratios)
            lengths = [int(common * shape[a] + 0.5) for a in axes]
            axis_scales = [common] * k
        else:
            axis_scales = [
                n / shape[a] if shape[a] else 1.0 for n, a in zip(lengths, axes, strict=True)
            ]
    # roi
    pairs: list[tuple[Any, Any]] = []
    if ctm == "tf_crop_and_resize":
        roi_values = _flat(func, "roi", roi)
        if roi_values is None or roi_values.dtype.kind != "f" or len(roi_values) != 2 * k:
            raise fail_value(
                func,
                "roi",
                f"[start_1, ..., start_{k}, end_1, ..., end_{k}] ({2 * k} floats: {where}) "
                f"with coordinate_transformation_mode 'tf_crop_and_resize'",
                roi,
            )
        if not np.all(np.isfinite(roi_values)) or np.abs(roi_values).max() > _core._MAX_ROI:
            raise fail_value(func, "roi", "finite values within [-1e6, 1e6]", roi)
        roi_values = roi_values.astype(roi_values.dtype.newbyteorder("="))
        pairs = [(roi_values[i], roi_values[k + i]) for i in range(k)]
    out_shape = list(shape)
    for a, n in zip(axes, lengths, strict=True):
        if shape[a] == 0 and n > 0:
            raise ValueError(
                f"fastup.{func}: cannot resize axis {a} of length 0 to length {n}: there is "
                f"nothing to interpolate from."
            )
        out_shape[a] = n
    out_shape_t = tuple(out_shape)
    allocate(func, out_shape_t, dtype)  # a MemoryError now, with the size, if too large
    if 0 in out_shape_t:
        return lambda x: np.empty(out_shape_t, dtype.newbyteorder("="))
    from_scales = scale_values is not None
    # the fractional output length enters align_corners with scales or a kept aspect ratio
    fractional = from_scales or policy != "stretch"
    if not weighted or ctm == "tf_crop_and_resize" or (ctm == "align_corners" and fractional):
        return _table_call(
            shape,
            dtype,
            axes,
            lengths,
            axis_scales,
            pairs,
            mode,
            ctm,
            nearest_mode,
            cubic_a,
            exclude_outside,
            antialias,
            extrapolation_value,
        )
    kwargs: dict[str, Any] = dict(
        axes=tuple(axes),
        mode=mode,
        coordinate_mode=ctm,
        cubic_a=cubic_a,
        exclude_outside=exclude_outside,
        antialias=antialias,
    )
    if from_scales:
        kwargs["scale"] = tuple(axis_scales)
    else:
        kwargs["size"] = tuple(int(v) for v in size_values)  # type: ignore[union-attr]
        kwargs["size_policy"] = policy
    core_resize = _core.resize

    def call(x: np.ndarray) -> np.ndarray:
        return core_resize(x, **kwargs)

    return call


def _flag01(func: str, name: str, value: Any) -> bool:
    """An ONNX 0/1 int attribute (bools too)."""
    try:
        return flag(func, name, value)
    except TypeError:
        raise fail_value(func, name, "0 or 1", value) from None


def _coordinates(
    ctm: str, L: int, M: int, scale: float, roi: tuple[Any, Any] | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """The source coordinates of the outputs 0 .. M-1 in the ONNX reference's float64
    arithmetic and order of operations (``W = scale * L`` fractional with scales; the roi
    values as numpy scalars of the roi's dtype), and the tf_crop_and_resize outside mask."""
    y = np.arange(M, dtype=np.float64)
    width = scale * L
    outside = None
    if ctm == "align_corners":
        x = np.zeros(M) if width == 1 else y * (L - 1) / (width - 1)
    elif ctm == "asymmetric":
        x = y / scale
    elif ctm == "tf_crop_and_resize":
        assert roi is not None
        start, end = roi
        if width == 1:
            x = np.full(M, (end - start) * (L - 1) / 2, dtype=np.float64)
        else:
            x = y * (end - start) * (L - 1) / (width - 1)
        x = x + start * (L - 1)
        outside = (x < 0) | (x > L - 1)
        if not outside.any():
            outside = None
    elif ctm == "pytorch_half_pixel":  # the operator text: 0 for an output of length 1
        x = np.zeros(M) if M == 1 else (y + 0.5) / scale - 0.5
    elif ctm == "half_pixel":
        x = (y + 0.5) / scale - 0.5
    else:  # half_pixel_symmetric
        adjustment = M / width
        offset = L / 2 * (1 - adjustment)
        x = offset + (y + 0.5) / scale - 0.5
    return x, outside


def _nearest_index(x: np.ndarray, nearest_mode: str) -> np.ndarray:
    """The ONNX reference's nearest pick from x (an integer x picks itself; else of floor(x)
    and floor(x) + 1 the one ``nearest_mode`` says, from the fraction ``x - floor(x)``)."""
    floor = np.floor(x)
    ratio = x - floor
    if nearest_mode == "round_prefer_floor":
        up = ratio > 0.5
    elif nearest_mode == "round_prefer_ceil":
        up = ratio >= 0.5
    elif nearest_mode == "floor":
        up = np.zeros(x.shape, bool)
    else:
        up = ratio > 0.0
    return (floor + up).astype(np.intp)


def _weighted_table(
    x: np.ndarray,
    L: int,
    scale: float,
    mode: str,
    cubic_a: float,
    exclude_outside: bool,
    antialias: bool,
) -> WeightTable:
    """fastup.resize's linear/cubic taps around the coordinates x (kernel stretched by
    1 / scale with antialias when scale < 1)."""
    stretch = 1.0 / scale if antialias and scale < 1.0 else 1.0
    support = _KERNEL_SUPPORT[mode] * stretch
    first = np.floor(x - support).astype(np.intp) + 1
    taps = first[:, None] + np.arange(max(1, int(math.ceil(2.0 * support))))
    t = taps - x[:, None]
    if stretch != 1.0:
        t = t * scale
    weights = kernel_weights(mode, t, cubic_a)
    return tap_table(taps, weights, L, exclude_outside=exclude_outside, normalise=antialias)


def _table_call(
    shape: tuple[int, ...],
    dtype: np.dtype,
    axes: list[int],
    lengths: list[int],
    scales: list[float],
    pairs: list[tuple[Any, Any]],
    mode: str,
    ctm: str,
    nearest_mode: str,
    cubic_a: float,
    exclude_outside: bool,
    antialias: bool,
    extrapolation_value: float,
) -> Callable[[np.ndarray], np.ndarray]:
    """The per-axis tables of ONNX's own conventions, run by the core's kernels."""
    tables: dict[int, IndexTable | WeightTable] = {}
    for i, a in enumerate(axes):
        L, M = shape[a], lengths[i]
        x, outside = _coordinates(ctm, L, M, scales[i], pairs[i] if pairs else None)
        table: IndexTable | WeightTable
        if mode == "nearest":
            table = index_table(_nearest_index(x, nearest_mode), L)
        else:
            table = _weighted_table(x, L, scales[i], mode, cubic_a, exclude_outside, antialias)
        if outside is not None:
            outside.flags.writeable = False
            table = dataclasses.replace(table, outside=outside)
        tables[a] = table
    plan = _core.table_plan(tuple(shape), dtype, tables)
    masked = {a: t for a, t in tables.items() if t.outside is not None}
    fill = _core._fill_value(dtype.newbyteorder("="), extrapolation_value) if masked else None
    run_plan = _core.run_plan
    out_shape, out_dtype = plan.out_shape, plan.dtype

    def call(x: np.ndarray) -> np.ndarray:
        if x.dtype == out_dtype and x.flags.c_contiguous and x.flags.aligned:
            # ready for the kernels: the core's own fast path for a repeated call
            nthreads = 1 if plan.serial else _threads.resolve("resize", None)
            result = np.empty(out_shape, out_dtype)
            plan.run(x, result, nthreads)
        else:
            result, _ = run_plan("resize", plan, x, None, None)
        if masked:
            _core._extrapolate(result, masked, fill)
        return result

    return call


# --------------------------------------------------------------------------------------------
# ConvTranspose
# --------------------------------------------------------------------------------------------


def conv_transpose(X: Any, W: Any, B: Any = None, **attributes: Any) -> np.ndarray:
    """ONNX ``ConvTranspose`` (opset 22): the transposed convolution of ``X`` with ``W``.

    Parameters
    ----------
    X : array_like
        (N, C, *spatial), 1 to 3 spatial dims; float16, bfloat16 (computed in float32),
        float32 or float64.
    W : array_like
        (C, M / group, *kernel), the dtype of ``X``.
    B : array_like, optional
        (M,), the dtype of ``X``.
    **attributes
        ConvTranspose-22's attributes: ``auto_pad`` ('NOTSET' (default), 'SAME_UPPER',
        'SAME_LOWER', 'VALID'; str or bytes), ``dilations``, ``strides``, ``kernel_shape``
        (must be ``W``'s), ``output_padding``, ``output_shape`` (spatial lengths) as lists of
        one int per spatial dim, ``pads`` (``[begin_1, ..., begin_n, end_1, ..., end_n]``),
        ``group`` (int).

    Returns
    -------
    ndarray
        (N, M, *spatial_out): ``stride (length - 1) + output_padding + dilation (kernel - 1)
        + 1 - pads_begin - pads_end`` long, or ``output_shape``, or ``length * stride`` for
        ``SAME_*``.

    Notes
    -----
    With ``output_shape`` or ``SAME_*``: ``total = stride (length - 1) + output_padding +
    dilation (kernel - 1) + 1 - output_length``, ``begin = total // 2`` (SAME_UPPER) or
    ``total - total // 2`` (the others), at least 0; outputs past the end of the transposed
    convolution hold the bias. ``pads`` cannot be combined with an ``auto_pad`` other than
    NOTSET, and are ignored with ``output_shape`` (the operator text).

    Examples
    --------
    >>> import numpy as np
    >>> from fastup.compat import onnx
    >>> x = np.ones((1, 1, 2, 2), np.float32)
    >>> w = np.ones((1, 1, 3, 3), np.float32)
    >>> onnx.conv_transpose(x, w, strides=[2, 2], pads=[1, 1, 1, 1])[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]], dtype=float32)
    >>> onnx.conv_transpose(x, w, strides=[2, 2], auto_pad="SAME_UPPER").shape
    (1, 1, 4, 4)
    >>> onnx.conv_transpose(x, w, B=np.array([0.5], np.float32), strides=[2, 2],
    ...                     output_shape=[6, 6])[0, 0, -1]  # one output past the end: B
    array([0.5, 0.5, 0.5, 0.5, 0.5, 0.5], dtype=float32)
    """
    key = None
    if type(X) is np.ndarray and type(W) is np.ndarray and (B is None or type(B) is np.ndarray):
        try:
            key = (
                X.shape,
                X.dtype,
                W.shape,
                W.dtype,
                None if B is None else (B.shape, B.dtype),
            ) + tuple([(name, _freeze(value)) for name, value in sorted(attributes.items())])
            kwargs = _CONV_TRANSPOSE_CALLS.get(key)
        except TypeError:
            key = kwargs = None
        if kwargs is not None:
            return _deconv.conv_transpose(X, W, B, **kwargs)
    func = _CONV_TRANSPOSE
    x = as_array(func, "X", X)
    w = as_array(func, "W", W)
    b = None if B is None else as_array(func, "B", B)
    kwargs = _conv_transpose_arguments(x, w, b, attributes)
    if is_bfloat16(x.dtype):  # computed in float32, as fastup computes float16
        out = _deconv.conv_transpose(
            x.astype(np.float32),
            w.astype(np.float32),
            None if b is None else b.astype(np.float32),
            **kwargs,
        )
        return out.astype(x.dtype)
    if key is not None and x is X and w is W and b is B:
        if len(_CONV_TRANSPOSE_CALLS) >= _CACHE_SIZE:
            _CONV_TRANSPOSE_CALLS.clear()
        _CONV_TRANSPOSE_CALLS[key] = kwargs
    return _deconv.conv_transpose(x, w, b, **kwargs)


def _ints(func: str, name: str, value: Any, count: int, minimum: int) -> list[int]:
    """An ONNX INTS attribute of ``count`` values >= ``minimum``."""
    expected = f"a list of {count} ints >= {minimum}"
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise fail_type(func, name, expected, value)
    for v in value:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral):
            raise fail_type(func, name, expected, value)
    if len(value) != count or any(v < minimum for v in value):
        raise fail_value(func, name, expected, value)
    if any(v > _deconv._MAX_ARG for v in value):
        raise fail_value(func, name, f"a list of ints <= {_deconv._MAX_ARG}", value)
    return [int(v) for v in value]


def _known_attributes(func: str, op: str, attributes: dict[str, Any], known: Any) -> None:
    """A TypeError naming the first attribute the operator ``op`` does not have."""
    unknown = sorted(set(attributes) - set(known))
    if unknown:
        listed = ", ".join(repr(a) for a in known)
        raise TypeError(
            f"fastup.{func}: unknown attribute {unknown[0]!r}; {op}'s attributes are {listed}."
        )


def _conv_transpose_arguments(
    x: np.ndarray, w: np.ndarray, b: np.ndarray | None, attributes: dict[str, Any]
) -> dict[str, Any]:
    """Every check of a ConvTranspose call; returns fastup.conv_transpose's keywords."""
    func = _CONV_TRANSPOSE
    _known_attributes(func, "ConvTranspose-22", attributes, _CONV_TRANSPOSE_ATTRIBUTES)
    floats = "float16, bfloat16, float32 or float64"
    for name, array in (("X", x), ("W", w), ("B", b)):
        if array is None:
            continue
        if array.dtype.newbyteorder("=") not in _deconv._FLOATS and not is_bfloat16(array.dtype):
            raise TypeError(f"fastup.{func}: {name!r} must be {floats}; got {array.dtype}.")
        if array.dtype.newbyteorder("=") != x.dtype.newbyteorder("="):
            raise TypeError(
                f"fastup.{func}: {name!r} must have X's dtype ({x.dtype}); got {array.dtype}."
            )
    if x.ndim not in (3, 4, 5):
        raise ValueError(
            f"fastup.{func}: 'X' must be (N, C, *spatial) with 1 to 3 spatial dims (fastup's "
            f"kernels); got shape {x.shape}."
        )
    nd = x.ndim - 2
    if w.ndim != x.ndim:
        raise ValueError(
            f"fastup.{func}: 'W' must be (C, M / group, *kernel) with {nd} spatial dims, as X "
            f"{x.shape}; got shape {w.shape}."
        )
    group = attributes.get("group", 1)
    if isinstance(group, (bool, np.bool_)) or not isinstance(group, numbers.Integral):
        raise fail_type(func, "group", "an int >= 1", group)
    group = int(group)
    if group < 1:
        raise fail_value(func, "group", "an int >= 1", group)
    n, c = x.shape[:2]
    if w.shape[0] != c or c % group:
        raise ValueError(
            f"fastup.{func}: 'W' must have C = {c} rows (shape (C, M / group, *kernel)) and "
            f"'group' must divide C; got W of shape {w.shape} and group {group}."
        )
    m = w.shape[1] * group
    if b is not None and b.shape != (m,):
        raise ValueError(f"fastup.{func}: 'B' must have shape ({m},); got shape {b.shape}.")
    lengths = list(x.shape[2:])
    kernel = list(w.shape[2:])
    if min(lengths + kernel + [c, m]) == 0:
        raise ValueError(
            f"fastup.{func}: channels, kernel and spatial lengths must be nonzero; got X of "
            f"shape {x.shape} and W of shape {w.shape}."
        )
    strides = _ints(func, "strides", attributes.get("strides", [1] * nd), nd, 1)
    dilations = _ints(func, "dilations", attributes.get("dilations", [1] * nd), nd, 1)
    if "kernel_shape" in attributes:
        given = _ints(func, "kernel_shape", attributes["kernel_shape"], nd, 1)
        if given != kernel:
            raise ValueError(
                f"fastup.{func}: 'kernel_shape' {given} must be W's kernel {kernel} (or absent)."
            )
    output_padding = _ints(
        func, "output_padding", attributes.get("output_padding", [0] * nd), nd, 0
    )
    for p, s, d in zip(output_padding, strides, dilations, strict=True):
        if p >= max(s, d):
            raise fail_value(
                func,
                "output_padding",
                "smaller than max(stride, dilation) in every dim",
                attributes["output_padding"],
            )
    auto_pad = choice(func, "auto_pad", _text(attributes.get("auto_pad", "NOTSET")), AUTO_PADS)
    if "pads" in attributes and auto_pad != "NOTSET":
        raise ValueError(
            f"fastup.{func}: 'pads' cannot be used with auto_pad={auto_pad!r} (the operator "
            f"text); give one of them."
        )
    pads = _ints(func, "pads", attributes.get("pads", [0] * (2 * nd)), 2 * nd, 0)
    output_shape = None
    if "output_shape" in attributes:
        output_shape = _ints(func, "output_shape", attributes["output_shape"], nd, 1)
    padding = []
    tails = []
    for i in range(nd):
        L, k, s, d, op = lengths[i], kernel[i], strides[i], dilations[i], output_padding[i]
        natural = s * (L - 1) + d * (k - 1) + 1
        if output_shape is not None or auto_pad in ("SAME_UPPER", "SAME_LOWER"):
            out = output_shape[i] if output_shape is not None else L * s
            total = natural + op - out
            begin = total // 2 if auto_pad == "SAME_UPPER" else total - total // 2
            begin = max(begin, 0)
        elif auto_pad == "VALID":
            begin, out = 0, natural + op
        else:
            begin, end = pads[i], pads[nd + i]
            out = natural + op - begin - end
            if out < 1:
                raise ValueError(
                    f"fastup.{func}: the output would have spatial length {out} in dim {i}: the "
                    f"pads {pads} remove everything."
                )
        # outputs [begin, begin + out) of the transposed convolution of length `natural`,
        # those past its end (fewer than max(stride, dilation)) holding the bias
        tail = begin + out - natural
        if tail >= max(s, d):
            reach = natural + max(s, d) - 1
            raise fail_value(
                func,
                "output_shape",
                f"reachable: at most {reach} in dim {i} (length {L}, kernel {k}, stride {s}, "
                f"dilation {d})",
                attributes.get("output_shape"),
            )
        padding.append((begin, max(-tail, 0)))
        tails.append(max(tail, 0))
    # the shortest equivalent keywords: the core parses an int faster than a tuple of pairs
    kwargs: dict[str, Any] = {}
    if strides != [1] * nd:
        kwargs["stride"] = strides[0] if len(set(strides)) == 1 else tuple(strides)
    if any(p != (0, 0) for p in padding):
        if all(b == e for b, e in padding):
            begins = [b for b, _ in padding]
            kwargs["padding"] = begins[0] if len(set(begins)) == 1 else tuple(begins)
        else:
            kwargs["padding"] = tuple(padding)
    if any(tails):
        kwargs["output_padding"] = tuple(tails)
    if group != 1:
        kwargs["groups"] = group
    if dilations != [1] * nd:
        kwargs["dilation"] = dilations[0] if len(set(dilations)) == 1 else tuple(dilations)
    return kwargs
