"""``fastup.resize``: validate, build the per-axis tables, choose and call the kernels."""

from __future__ import annotations

import inspect
import math
import operator
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import permutations
from typing import Any, NamedTuple, cast

import numpy as np

from . import _kernels, _tables, _threads
from ._tables import (
    COORDINATE_MODES,
    MODE_ALIASES,
    MODES,
    NEAREST_MODES,
    SIZE_POLICIES,
    SMALL_LENGTH,
    AxisSpec,
    IndexTable,
    WeightTable,
    adjoint_table,
    nearest_table,
    weight_table,
)
from ._validate import (
    allocate,
    as_array,
    check_out,
    choice,
    convert,
    deliver,
    fail_type,
    fail_value,
    flag,
    int_or_ints,
    is_bfloat16,
    kernel_target,
    normalised,
    output_array,
    real,
    real_or_reals,
)

# dtype -> the accumulator type of the weighted modes (the 16-bit floats are computed in
# float32; bfloat16 is added by ``_accumulator`` when it first arrives)
_ACCUMULATOR: dict[np.dtype, np.dtype] = {
    np.dtype(np.uint8): np.dtype(np.float32),
    np.dtype(np.int8): np.dtype(np.float32),
    np.dtype(np.uint16): np.dtype(np.float32),
    np.dtype(np.int16): np.dtype(np.float32),
    np.dtype(np.int32): np.dtype(np.float64),
    np.dtype(np.uint32): np.dtype(np.float64),
    np.dtype(np.int64): np.dtype(np.float64),
    np.dtype(np.uint64): np.dtype(np.float64),
    np.dtype(np.float16): np.dtype(np.float32),
    np.dtype(np.float32): np.dtype(np.float32),
    np.dtype(np.float64): np.dtype(np.float64),
}
# the dtypes of decoded photos (ChannelsLastWarning)
_PHOTO_DTYPES = (np.dtype(np.uint8), np.dtype(np.uint16))
# the 16-bit floats: converted to float32 before the first pass and back after the last
_HALF: set[np.dtype] = {np.dtype(np.float16)}
_SUPPORTED = (
    "float16, bfloat16 (ml_dtypes), float32, float64, uint8, int8, uint16, int16, int32, "
    "uint32, int64, uint64"
)


class ChannelsLastWarning(UserWarning):
    """A photo-shaped array (uint8 or uint16, channels last) resized without ``axes``: the
    default, the trailing axes, includes its channel axis.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> import fastup
    >>> photo = np.zeros((477, 720, 3), np.uint8)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     fastup.resize(photo, (954, 1440)).shape  # resizes W and C
    (477, 954, 1440)
    >>> caught[0].category is fastup.ChannelsLastWarning
    True
    >>> fastup.resize(photo, (954, 1440), axes=(0, 1)).shape  # the image: no warning
    (954, 1440, 3)
    """


def _accumulator(dtype: np.dtype) -> np.dtype | None:
    """The accumulator type of the weighted modes for ``dtype`` (None: not supported)."""
    accumulator = _ACCUMULATOR.get(dtype)
    if accumulator is None and is_bfloat16(dtype):
        _HALF.add(dtype)
        accumulator = _ACCUMULATOR[dtype] = np.dtype(np.float32)
    return accumulator


# A pass sums whole contiguous rows (SIMD over them) when at least this many elements follow the
# resized axis; otherwise it gathers output by output.
ROWS_MIN_INNER = 16
# Relative cost of a multiply-add in a gather pass (scalar) against a rows pass (SIMD); measured
# on x86-64 for float32 and uint8 data.
GATHER_COST = 3
# The largest row cache of a fused two-axis step (per thread), in bytes; above it, two passes.
FUSED_CACHE_BYTES = 8 << 20
_MAX_LENGTH = 1 << 62
# bounds that keep every coordinate and weight finite (no real use comes near them)
_MAX_CUBIC_A = 1e3
_MAX_ROI = 1e6


def resize(
    x: Any,
    size: int | Sequence[int] | None = None,
    *,
    scale: float | Sequence[float] | None = None,
    axes: int | Sequence[int] | None = None,
    mode: str = "linear",
    coordinate_mode: str = "half_pixel",
    nearest_mode: str = "round_prefer_floor",
    cubic_a: float = -0.75,
    exclude_outside: bool = False,
    antialias: bool = False,
    roi: Sequence[Sequence[float]] | None = None,
    extrapolation_value: float = 0.0,
    size_policy: str = "stretch",
    workers: int | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Resize ``x`` along some of its axes by interpolation.

    Parameters
    ----------
    x : array_like
        Any array ``np.asarray`` accepts, of any rank, layout, byte order; never modified.
    size : int or sequence of int, optional
        Output length of each resized axis (one int: the same for every resized axis).
    scale : float or sequence of float, optional
        Scale of each resized axis; the output length is ``floor(length * scale)`` and the
        coordinate transform uses ``scale`` itself (ONNX; PyTorch with
        ``recompute_scale_factor=False``). Give exactly one of ``size`` and ``scale``.
    axes : int or sequence of int, optional
        The resized axes (negative counts from the end), in the order of ``size``/``scale``.
        Default: the last ``len(size)`` (or ``len(scale)``) axes, the last axis for one int
        ``size``; with one float ``scale``, every axis after the first two (PyTorch's N, C,
        *spatial). HWC images: ``axes=(0, 1)``;
        NHWC: ``axes=(1, 2)``.
    mode : {'nearest', 'linear', 'cubic', 'area', 'lanczos', 'majority'}
        Also 'bilinear', 'trilinear' (linear) and 'bicubic', 'tricubic' (cubic). 'majority'
        is for label images (integer dtypes and bool): each output takes the value covering
        the largest share of its footprint (area's box and weights), ties to the smallest,
        so no label is ever invented.
    coordinate_mode : str
        ONNX ``coordinate_transformation_mode``: 'half_pixel' (default), 'half_pixel_symmetric',
        'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_crop_and_resize'.
    nearest_mode : {'round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'}
        How ``mode='nearest'`` rounds the source coordinate.
    cubic_a : float
        The Keys cubic parameter: -0.75 (PyTorch, OpenCV), -0.5 (Pillow, TensorFlow).
    exclude_outside : bool
        Drop taps outside the input and renormalise, instead of clamping them to the edge.
    antialias : bool
        Stretch the linear/cubic/lanczos kernel by ``1/scale`` when downscaling.
    roi : sequence of (start, end), optional
        With ``coordinate_mode='tf_crop_and_resize'``: the crop box of each resized axis in
        normalised coordinates.
    extrapolation_value : float
        ``tf_crop_and_resize``: the value of outputs whose source lies outside the input.
    size_policy : {'stretch', 'not_larger', 'not_smaller'}
        ONNX ``keep_aspect_ratio_policy`` for ``size``: one common scale
        ``min``/``max(size / length)``, output lengths ``round_half_up(scale * length)``.
    workers : int, optional
        Threads (None: the default, see ``fastup.get_workers``; -1: every CPU).
    out : ndarray, optional
        C-contiguous, writeable, of the output's shape and dtype; filled and returned.

    Returns
    -------
    ndarray
        A new C-contiguous array (or ``out``) with the dtype of ``x`` in native byte order.

    Notes
    -----
    Source coordinate ``x(o)`` of output ``o`` per ``coordinate_mode`` (L input, M output
    length)::

        half_pixel            (o + 0.5) / scale - 0.5
        half_pixel_symmetric  L/2 (1 - M / (scale L)) + (o + 0.5) / scale - 0.5
        pytorch_half_pixel    as half_pixel if M > 1 else 0
        align_corners         o (L - 1) / (M - 1)            (0 if M == 1)
        asymmetric            o / scale
        tf_crop_and_resize    start (L-1) + o (end - start)(L-1)/(M-1)

    Kernels (``t`` = distance in input pixels, divided by ``max(1, 1/scale)`` with antialias):
    linear ``max(0, 1 - |t|)``; cubic (Keys) ``(a+2)|t|^3 - (a+3)|t|^2 + 1`` for ``|t| <= 1``,
    ``a|t|^3 - 5a|t|^2 + 8a|t| - 4a`` for ``1 < |t| < 2``; lanczos ``sinc(t) sinc(t/3)`` for
    ``|t| < 3`` (normalised to sum 1); area: the exact overlap of each input pixel with the box
    of width ``1/scale`` around ``x(o)``, divided by the width (OpenCV INTER_AREA); majority:
    the value whose footprint elements weigh the most, an element weighing the product of its
    axes' area weights rounded to ``2**-b`` (b = 16, fewer for huge N-D footprints, so that
    the sums are exact int64), ties to the smallest value. nearest
    copies input ``round(x(o))`` (rounded per ``nearest_mode``, clamped to the input) bit for
    bit, for every numeric dtype, bfloat16 and bool. Other modes take float16 and bfloat16
    (``ml_dtypes.bfloat16``; both computed in float32), float32, float64, and uint8, int8,
    uint16, int16, int32, uint32, int64, uint64 (computed in float32, the 32- and 64-bit ones
    in float64, then rounded half to even and saturated). float64 holds integers exactly only
    up to 2**53: 64-bit values of larger magnitude are rounded to float64 on the way in, and
    their results are exact to about 1e-14 of the largest magnitude in reach (within 1 of the
    float64 oracle up to magnitudes of about 2**46). A uint8 resize of two neighbouring axes
    (images) runs in fixed point instead: int16 weights with as many bits as the sums allow,
    exact int32 sums along the first axis rounded to an int16 intermediate with up to 7
    fraction bits, then along the second, rounded half up and saturated (passes of at most 4
    taps, as in upscales, round each product instead: pmulhrsw); each plan bounds its error
    below 0.3 before the final rounding, so the result is within 1 of the float64 one, and its
    bytes do not depend on the thread count or the instruction set. Taps with an exact zero
    weight are not read, so a NaN/inf reaches exactly the outputs whose kernels cover it.

    Where PyTorch differs: ``F.interpolate(mode='nearest')`` computes ``floor(o * in/out)`` in
    float32 and can land one pixel lower than the exact ``coordinate_mode='asymmetric',
    nearest_mode='floor'`` when ``o * in/out`` is an integer; ``mode='area'`` there is adaptive
    average pooling (uniform weights over whole pixels), equal to fastup's exact-overlap area
    for integer factors only; PyTorch's antialias is fastup's with ``exclude_outside=True``
    (and ``cubic_a=-0.5`` for bicubic).

    Examples
    --------
    >>> import numpy as np
    >>> import fastup
    >>> x = np.arange(6.0).reshape(2, 3)
    >>> fastup.resize(x, (4, 6))[0].tolist()  # bilinear, half_pixel: PyTorch, OpenCV, ONNX
    [0.0, 0.25, 0.75, 1.25, 1.75, 2.0]
    >>> fastup.resize(np.array([0.0, 1.0, 0.0]), scale=2.0, axes=0, mode="nearest").tolist()
    [0.0, 0.0, 1.0, 1.0, 0.0, 0.0]

    An (H, W, C) image is resized along its axes 0 and 1:

    >>> img = np.zeros((4, 6, 3), np.uint8)
    >>> img[:, 3:] = 255
    >>> small = fastup.resize(img, (2, 3), axes=(0, 1), mode="area")
    >>> small.shape, small[..., 0].tolist()
    ((2, 3, 3), [[0, 128, 255], [0, 128, 255]])

    Pillow's antialiased bicubic, and a batch of NCHW feature maps with a scalar scale:

    >>> fastup.resize(img, (2, 3), axes=(0, 1), mode="cubic", antialias=True,
    ...               exclude_outside=True, cubic_a=-0.5).shape
    (2, 3, 3)
    >>> fastup.resize(np.ones((8, 16, 32, 32), np.float32), scale=2.0).shape
    (8, 16, 64, 64)

    A segmentation mask shrunk without inventing labels:

    >>> labels = np.array([[1, 1, 2, 2], [1, 3, 2, 2], [5, 5, 7, 7], [5, 6, 7, 8]], np.uint8)
    >>> fastup.resize(labels, (2, 2), mode="majority").tolist()
    [[1, 2], [5, 7]]
    """
    func = "resize"
    args = (
        size,
        scale,
        axes,
        mode,
        coordinate_mode,
        nearest_mode,
        cubic_a,
        exclude_outside,
        antialias,
        roi,
        extrapolation_value,
        size_policy,
    )
    key = None
    if type(x) is np.ndarray and (out is None or type(out) is np.ndarray):
        # A repeated call (pipelines resize millions of arrays of a few shapes): the plan of an
        # earlier call with this shape, layout and these arguments, whose checks all passed;
        # an out= of the right kind (else the long way, which says what is wrong with it).
        try:
            key = (x.shape, x.dtype, x.strides, args)
            repeated = _REPEATED.get(key)
        except TypeError:  # an unhashable argument (a list, an array): the long way
            key = repeated = None
        if repeated is not None:
            if workers is None and repeated.serial:
                nthreads = 1  # no thread team for this little work, whatever the default
            else:
                nthreads = _threads.resolve(func, workers)
            single = repeated.single  # one prepared kernel: checked and run in one step
            if single is not None or _kernels.repeat_ready(
                x, out, repeated.out_shape, repeated.dtype, repeated.alignment, repeated.nbytes
            ):
                if out is None:
                    result = output_array(repeated.out_shape, repeated.dtype, repeated.nbytes)
                else:
                    result = out
                if single is None:
                    repeated.run(x, result, nthreads)
                    return result
                if _kernels.run_ready(
                    single,
                    x,
                    result,
                    repeated.out_shape,
                    repeated.dtype,
                    repeated.alignment,
                    _threads.team_size(nthreads, repeated.work),
                ):
                    return result
    x = as_array(func, "x", x)
    plan = _get_plan(func, x.shape, x.dtype, *args)
    if axes is None and plan.channels_last_warning:
        warnings.warn(plan.channels_last_warning, ChannelsLastWarning, stacklevel=2)
    result, source = run_plan(func, plan, x, workers, out)
    if key is not None and source is x and plan.small and not plan.channels_last_warning:
        _remember(key, plan)
    return result


def run_plan(
    func: str, plan: _Plan, x: np.ndarray, workers: Any, out: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Run ``plan`` on the ndarray ``x`` (of the plan's shape and dtype) into a new array or
    the checked ``out``: the result, and the array the kernels read (``x`` itself when it was
    ready for them)."""
    nthreads = _threads.resolve(func, workers)
    if out is None:  # before the tables: an impossible size fails here, with the size
        result = allocate(func, plan.out_shape, plan.dtype)
    else:
        result = check_out(func, out, plan.out_shape, plan.dtype, [x])
    if result.size == 0:  # no tables to build, nothing to compute
        return result, x
    # every check has passed: from here on the output is written
    source = normalised(x)
    target = kernel_target(result)
    plan.run(source, target, nthreads)
    return deliver(result, target), source


def table_plan(
    shape: tuple[int, ...],
    dtype: np.dtype,
    tables: dict[int, IndexTable | WeightTable],
    *,
    route: Route | None = None,
) -> _Plan:
    """A plan that applies the given per-axis tables (all IndexTables: a gather; all
    WeightTables: a weighted resize in the dtype's accumulator) to arrays of ``shape`` and
    ``dtype``: for conventions defined outside the core (``fastup.compat``). The caller has
    checked the dtype (``_ACCUMULATOR`` for weights) and the tables' input lengths.

    With ``route`` (``plan_route`` of another plan, ``fastup.dask``: the whole array's, whose
    tables these are rows of), the plan takes that plan's mode, extrapolation and route (its
    resized axes, order of passes, kernels and fixed-point choices) instead of choosing its
    own from this shape."""
    kinds = {type(t) for t in tables.values()}
    if len(kinds) != 1 or any(t.in_len != shape[a] for a, t in tables.items()):
        raise AssertionError("table_plan: one kind of table, of the input's lengths")
    majority = route is not None and route.mode == "majority"
    if kinds == {WeightTable} and not majority and _accumulator(np.dtype(dtype)) is None:
        raise AssertionError(f"table_plan: no weighted resize of {dtype}")
    out_shape = list(shape)
    specs = {}
    for a, t in tables.items():
        M = (t.index if isinstance(t, IndexTable) else t.start).shape[0]
        out_shape[a] = M
        specs[a] = AxisSpec(shape[a], M, M / shape[a], True)
    return _Plan(
        route.mode if route is not None else "nearest" if kinds == {IndexTable} else "linear",
        route.coordinate_mode if route is not None else "half_pixel",
        "round_prefer_floor",
        -0.75,
        False,
        False,
        route.extrapolation_value if route is not None else 0.0,
        specs,
        tuple(out_shape),
        tuple(shape),
        np.dtype(dtype).newbyteorder("="),
        tuple(sorted(tables.items())),
        route,
    )


@dataclass(frozen=True)
class Route:
    """What a plan chose from its shape (``plan_route``), for plans of parts of its array
    (``table_plan(..., route=)``) to compute each output with the same operations: the
    resized axes (a part's table may look like an identity), the steps with the kernel of
    each one-axis pass (sums of whole rows or a gathering pass, chosen from the elements after
    the axis), and the choices of a fixed-point plan (``_kernels.FixedPlan``'s vfirst, hkind,
    vshort; None: the plan takes no fixed-point route)."""

    mode: str
    coordinate_mode: str
    extrapolation_value: float
    active: tuple[int, ...]
    steps: tuple[_Step, ...] | None
    fixed: tuple[int, int, int] | None


def plan_route(plan: _Plan) -> Route:
    """The route of ``plan`` (see ``Route``)."""
    steps = None
    if plan.steps is not None:
        current = list(plan.in_shape)
        marked = []
        for step in plan.steps:
            if step.outer is None:
                step = step._replace(rows=_inner(current, step.axis) >= ROWS_MIN_INNER)
            else:
                current[step.outer] = plan.out_shape[step.outer]
            current[step.axis] = plan.out_shape[step.axis]
            marked.append(step)
        steps = tuple(marked)
    fixed = None
    if plan.mode not in ("nearest", "majority") and plan.fixed is not None:
        info = plan.fixed.info()
        fixed = (int(info["vfirst"]), _FX_KINDS.index(info["hkind"]), int(info["short2"]))
    return Route(
        plan.mode,
        plan.coordinate_mode,
        plan.extrapolation_value,
        tuple(sorted(plan.active)),
        steps,
        fixed,
    )


# the W-pass kinds of ``_kernels.FixedPlan`` by index (its ``hkind``)
_FX_KINDS = ("op", "g1", "one", "short", "vop", "cv")


# Plans of repeated calls by (shape, dtype, strides, arguments); a C-contiguous, aligned
# ndarray of native byte order with the same key takes the plan directly (resize's fast path).
_REPEATED: dict[tuple[Any, ...], _Plan] = {}
_REPEATED_SIZE = 256


def _remember(key: tuple[Any, ...], plan: _Plan) -> None:
    if len(_REPEATED) >= _REPEATED_SIZE:
        _REPEATED.clear()
    _REPEATED[key] = plan


def resize_backward(
    grad_out: Any,
    input_shape: Sequence[int],
    size: int | Sequence[int] | None = None,
    *,
    scale: float | Sequence[float] | None = None,
    axes: int | Sequence[int] | None = None,
    mode: str = "linear",
    coordinate_mode: str = "half_pixel",
    nearest_mode: str = "round_prefer_floor",
    cubic_a: float = -0.75,
    exclude_outside: bool = False,
    antialias: bool = False,
    roi: Sequence[Sequence[float]] | None = None,
    extrapolation_value: float = 0.0,
    size_policy: str = "stretch",
    workers: int | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """The gradient of ``resize`` with respect to its input: its exact adjoint.

    For the same arguments, ``<resize(x, ...), g> == <x, resize_backward(g, x.shape, ...)>``
    up to rounding: each one-axis pass of ``resize`` is a linear map with a sparse matrix (the
    per-axis table), and this applies the transposed matrices. Outputs that take
    ``extrapolation_value`` (``tf_crop_and_resize``) depend on no input and pass no gradient;
    nearest scatters each output's gradient onto the input it copied.

    Parameters
    ----------
    grad_out : array_like
        The gradient of the loss with respect to ``resize``'s output; float16 (computed in
        float32), float32 or float64, of the shape ``resize`` would return.
    input_shape : sequence of int
        The shape of ``resize``'s input ``x``.
    size, scale, axes, mode, coordinate_mode, nearest_mode, cubic_a, exclude_outside, \
antialias, roi, extrapolation_value, size_policy
        Exactly as given to ``resize``.
    workers, out
        As in ``resize``; ``out`` has shape ``input_shape`` and the dtype of ``grad_out``.

    Returns
    -------
    ndarray
        The gradient with respect to ``x``: shape ``input_shape``, dtype of ``grad_out``.

    Examples
    --------
    >>> import numpy as np
    >>> import fastup
    >>> x = np.arange(6.0).reshape(2, 3)
    >>> y = fastup.resize(x, (4, 6))
    >>> g = fastup.resize_backward(np.ones_like(y), x.shape, (4, 6))
    >>> g.tolist()  # each input's weights in the output sum to 4 (a 2 x 2 upscale)
    [[4.0, 4.0, 4.0], [4.0, 4.0, 4.0]]
    >>> r = np.random.default_rng(0).standard_normal(y.shape)
    >>> bool(np.isclose(np.vdot(y, r), np.vdot(x, fastup.resize_backward(r, x.shape, (4, 6)))))
    True
    """
    func = "resize_backward"
    grad = as_array(func, "grad_out", grad_out)
    dtype = grad.dtype.newbyteorder("=")
    if not (dtype.kind == "f" or is_bfloat16(dtype)) or _accumulator(dtype) is None:
        raise TypeError(
            f"fastup.{func}: 'grad_out' must have dtype float16, bfloat16, float32 or float64; got "
            f"{grad.dtype}."
        )
    shape, _ = int_or_ints(func, "input_shape", input_shape)
    if any(n < 0 for n in shape):
        raise fail_value(func, "input_shape", "non-negative lengths", input_shape)
    plan = _get_plan(
        func,
        tuple(shape),
        dtype,
        size,
        scale,
        axes,
        mode,
        coordinate_mode,
        nearest_mode,
        cubic_a,
        exclude_outside,
        antialias,
        roi,
        extrapolation_value,
        size_policy,
    )
    if grad.shape != plan.out_shape:
        raise ValueError(
            f"fastup.{func}: 'grad_out' must have the shape resize returns for input_shape "
            f"{tuple(shape)}: {plan.out_shape}; got {grad.shape}."
        )
    nthreads = _threads.resolve(func, workers)
    if out is None:
        result = allocate(func, shape, dtype)
    else:
        result = check_out(func, out, tuple(shape), dtype, [grad])
    if result.size == 0:
        return result
    if grad.size == 0:
        result[...] = 0
        return result
    adjoints = {a: adjoint_table(t) for a, t in plan.tables().items()}
    active = {a: t for a, t in adjoints.items() if not t.identity}
    source = normalised(grad)
    target = kernel_target(result)
    if not active:
        np.copyto(target, source)
    else:
        _resample(source, active, target, nthreads)
    return deliver(result, target)


@dataclass(frozen=True)
class _Plan:
    """A validated resize: its mode and options, per-axis specs and output shape."""

    mode: str
    coordinate_mode: str
    nearest_mode: str
    cubic_a: float
    exclude_outside: bool
    antialias: bool
    extrapolation_value: float
    specs: dict[int, AxisSpec]
    out_shape: tuple[int, ...]
    in_shape: tuple[int, ...]
    dtype: np.dtype  # of the input and output, native byte order
    # the tables themselves, for a plan of conventions defined elsewhere (``table_plan``)
    given: tuple[tuple[int, IndexTable | WeightTable], ...] | None = field(
        default=None, compare=False
    )
    # another plan's route, followed by a plan of part of its array (``table_plan``)
    route: Route | None = field(default=None, compare=False)

    @property
    def fused(self) -> bool:
        """float32 accumulation: fused two-axis steps are available."""
        return _ACCUMULATOR.get(self.dtype) == np.float32

    def tables(self) -> dict[int, IndexTable | WeightTable]:
        """The per-axis tables (from fastup._tables' caches: a plan holds none itself, unless
        they were ``given``)."""
        if self.given is not None:
            return dict(self.given)
        if self.mode == "nearest":
            return {
                a: nearest_table(s, self.coordinate_mode, self.nearest_mode)
                for a, s in self.specs.items()
            }
        return {
            a: weight_table(
                s,
                self.coordinate_mode,
                self.mode,
                cubic_a=self.cubic_a,
                exclude_outside=self.exclude_outside,
                antialias=self.antialias,
            )
            for a, s in self.specs.items()
        }

    @cached_property
    def steps(self) -> list[_Step] | None:
        """The steps of a weighted resize (``_plan_steps``)."""
        return self._steps_from(self.active)

    def steps_for(self, active: dict[int, IndexTable | WeightTable]) -> list[_Step] | None:
        """``steps``, planned from ``active`` (this call's ``self.active``) when no call has
        asked yet: a long plan does not keep its tables, and would build them again."""
        if "steps" not in self.__dict__:
            self.__dict__["steps"] = self._steps_from(active)
        return self.steps

    def _steps_from(self, active: dict[int, IndexTable | WeightTable]) -> list[_Step] | None:
        if self.mode in ("nearest", "majority") or not active:
            return None
        if self.route is not None:
            return None if self.route.steps is None else list(self.route.steps)
        return _plan_steps(self.in_shape, cast(dict[int, WeightTable], active), self.fused)

    @cached_property
    def channels_last_warning(self) -> str:
        """For a photo-shaped input, (H, W, C) or (N, H, W, C) of uint8 or uint16 with 1, 3 or
        4 channels, whose channel axis is resized to another length: what ``resize`` warns
        when no ``axes`` were given (the default, the trailing axes, is the PyTorch/ONNX one
        for (N, C, H, W) data, but a photo resized by it comes out silently wrong). Else ""."""
        shape, last = self.in_shape, len(self.in_shape) - 1
        if (
            self.given is not None
            or len(shape) not in (3, 4)
            or self.dtype not in _PHOTO_DTYPES
            or shape[last] not in (1, 3, 4)
            or self.out_shape[last] == shape[last]
        ):
            return ""
        image, right, them = (
            ("an (H, W, C) image", "(0, 1)", "the image")
            if len(shape) == 3
            else ("a batch of (N, H, W, C) images", "(1, 2)", "the images")
        )
        resized = tuple(sorted(self.specs))
        return (
            f"fastup.resize: x of shape {shape} and dtype {self.dtype} looks like {image}, "
            f"but with no 'axes' fastup resizes its axes {resized}, the channel axis among "
            f"them (the default for (N, C, H, W) data, as in PyTorch and ONNX): the result has "
            f"shape {self.out_shape}. Pass axes={right} to resize {them}; pass 'axes' in any case "
            f"to silence this warning."
        )

    @cached_property
    def small(self) -> bool:
        """Every axis short enough (images, feature maps) that the plan keeps its tables and
        prepared kernels with it; long axes (1-D signals) leave their tables in fastup._tables'
        own small cache and their prepared kernels in ``_long_jobs`` (``jobs``), and a call
        rebuilds what is not there."""
        return all(max(s.in_len, s.out_len) <= SMALL_LENGTH for s in self.specs.values())

    @property
    def active(self) -> dict[int, IndexTable | WeightTable]:
        """The tables of the axes that change (the others are identities)."""
        if self.small:
            return self._active
        return self._changing()

    @cached_property
    def _active(self) -> dict[int, IndexTable | WeightTable]:
        return self._changing()

    def _changing(self) -> dict[int, IndexTable | WeightTable]:
        if self.route is not None:  # a part's table may look like an identity
            return {a: t for a, t in self.tables().items() if a in self.route.active}
        return {a: t for a, t in self.tables().items() if not t.identity}

    @cached_property
    def fill(self) -> np.ndarray:
        """``extrapolation_value`` in the output dtype."""
        return _fill_value(self.dtype, self.extrapolation_value)

    @cached_property
    def work(self) -> int:
        """Multiply-adds (nearest: copied elements) of the resize, for the thread rules."""
        size = math.prod(self.out_shape)
        if self.mode == "nearest":
            return size
        if self.mode == "majority":  # a count per footprint element
            return 4 * size * math.prod(t.taps for t in cast(dict, self.active).values())
        return size * sum(t.taps for t in cast(dict[int, WeightTable], self.active).values())

    @cached_property
    def nbytes(self) -> int:
        """The output's size in bytes."""
        return math.prod(self.out_shape) * self.dtype.itemsize

    @cached_property
    def alignment(self) -> int:
        """The alignment of the dtype's elements (NumPy's ``aligned``), in bytes."""
        return self.dtype.alignment

    @cached_property
    def serial(self) -> bool:
        """So little work that no step starts a thread team, whatever the thread count."""
        return self.work < 2 * _threads.MIN_WORK_PER_THREAD

    def jobs(self, active: dict[int, IndexTable | WeightTable]) -> dict[int, Any] | None:
        """The prepared fused kernels of the steps (``_kernels.Resample2D``), filled by the
        first run: kept with a small plan; with a long one among the last two long plans'
        when its tables (``active``, this call's) are small enough for fastup._tables
        to keep; else None (made for each call)."""
        if self.small:
            return self._jobs
        if not all(_tables.long_table_kept(t) for t in active.values()):
            return None
        jobs = _long_jobs.get(self, operator.is_)
        if jobs is None:
            jobs = {}
            _long_jobs.put(self, jobs)
        return jobs

    @cached_property
    def _jobs(self) -> dict[int, Any]:
        return {}

    def run(self, source: np.ndarray, target: np.ndarray, nthreads: int) -> None:
        """The resize of ``source`` (C-contiguous, aligned, native byte order, of ``in_shape``)
        into ``target`` (``out_shape``), every argument checked already."""
        single = self.single
        if single is not None:
            single.run(source, target, _threads.team_size(nthreads, self.work))
            return
        active = self.active
        if not active:
            np.copyto(target, source)
        elif self.mode == "majority":
            _kernels.majority(
                source.view(_MAJORITY_VIEW[source.dtype.itemsize]),
                target.view(_MAJORITY_VIEW[source.dtype.itemsize]),
                self.majority_tables,
                source.dtype.kind == "i",
                _threads.team_size(nthreads, self.work),
            )
        elif self.mode == "nearest":
            table, dims, block = self.gather_tables(active)
            _kernels.gather(
                source.reshape(-1).view(np.uint8),
                target.reshape(-1).view(np.uint8),
                table,
                dims,
                block,
                _threads.team_size(nthreads, self.work),
            )
        elif self.fixed is not None:
            self.fixed.run(source, target, _threads.team_size(nthreads, self.work))
        else:
            _resample(
                source,
                cast(dict[int, WeightTable], active),
                target,
                nthreads,
                self.steps_for(active),
                self.jobs(active),
            )
        if self.coordinate_mode == "tf_crop_and_resize":
            _extrapolate(target, self.tables(), self.fill)

    @cached_property
    def single(self) -> _kernels.FixedPlan | _kernels.Resample2D | None:
        """The one prepared kernel of a resize that is a single kernel call from the input to
        the output (a fused step of two axes, or one gathering pass; uint8 images in fixed
        point), when the plan is small: ``run`` then calls it directly. Else None."""
        if (
            not self.small
            or self.mode in ("nearest", "majority")
            or self.coordinate_mode == "tf_crop_and_resize"
        ):
            return None
        if self.fixed is not None:
            return self.fixed
        steps = self.steps
        if steps is None or len(steps) != 1 or not self.fused or self.dtype in _HALF:
            return None
        step = steps[0]
        tables = cast(dict[int, WeightTable], self.active)
        if step.outer is None and _rows(step, self.in_shape):
            return None  # a pass of whole rows (_kernels.resample)
        return _fused_job(self.in_shape, self.out_shape, self.dtype, self.dtype, step, tables)

    @cached_property
    def majority_tables(self) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """majority: one (in_len, start, integer weights) per axis of the input, neighbouring
        unresized axes merged into one identity axis (``_majority_tables``)."""
        return _majority_tables(
            self.in_shape,
            cast(dict[int, WeightTable], self.tables()),
            None if self.route is None else self.route.active,
        )

    def gather_tables(
        self, active: dict[int, IndexTable | WeightTable]
    ) -> tuple[np.ndarray, np.ndarray, int]:
        """nearest: the byte-offset table, the dims and the block of ``_kernels.gather``
        (made from ``active``, this call's ``self.active``, unless the plan keeps them)."""
        if self.small:
            return self._gather_tables
        return _gather_tables(
            self.in_shape, self.dtype.itemsize, cast(dict[int, IndexTable], active)
        )

    @cached_property
    def _gather_tables(self) -> tuple[np.ndarray, np.ndarray, int]:
        return _gather_tables(
            self.in_shape, self.dtype.itemsize, cast(dict[int, IndexTable], self.active)
        )

    @property
    def fixed(self) -> _kernels.FixedPlan | None:
        """The fixed-point plan of a uint8 resize done in one fused step of two axes (the
        image case), or None (other resizes, and tables that need more precision: the
        float32 route). Kept with a small plan; made for each call of a long one."""
        return self._fixed if self.small else self._make_fixed()

    @cached_property
    def _fixed(self) -> _kernels.FixedPlan | None:
        return self._make_fixed()

    def _make_fixed(self) -> _kernels.FixedPlan | None:
        if self.dtype != np.uint8:
            return None
        steps = self.steps
        if steps is None or len(steps) != 1 or steps[0].outer is None:
            return None
        forced = (-1, -1, -1)
        if self.route is not None:
            if self.route.fixed is None:
                return None
            forced = self.route.fixed
        step = steps[0]
        tables = cast(dict[int, WeightTable], self.tables())
        y, x = tables[step.outer], tables[step.axis]
        shape = self.in_shape
        plan = _kernels.FixedPlan(
            y.start,
            y.weights,
            x.start,
            x.weights,
            math.prod(shape[: step.outer]),
            shape[step.outer],
            shape[step.axis],
            _inner(shape, step.axis),
            y.start.shape[0],
            x.start.shape[0],
            *forced,
        )
        return plan if plan.suits else None


def _frozen(value: Any) -> Any:
    """A hashable stand-in for an argument (lists and arrays become tuples)."""
    if value is None or type(value) in (int, float, str, bool):
        return value  # the common cases, first
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    return value


def resize_plan(func: str, shape: tuple[int, ...], dtype: Any, **arguments: Any) -> _Plan:
    """The plan of ``resize(x, **arguments)`` for arrays of ``shape`` and ``dtype`` (checked as
    ``resize`` checks them, remembered like its plans), for ``run_plan``: callers that map their
    own calls onto a resize (``fastup.compat``) skip resize's argument handling per call."""
    parameters = inspect.signature(resize).parameters
    names = [n for n in parameters if n not in ("x", "workers", "out")]
    unknown = set(arguments) - set(names)
    if unknown:
        raise TypeError(f"resize_plan: unknown arguments {sorted(unknown)}")
    args = [arguments.get(n, parameters[n].default) for n in names]
    return _get_plan(func, tuple(shape), np.dtype(dtype), *args)


def _get_plan(func: str, shape: tuple[int, ...], dtype: np.dtype, *args: Any) -> _Plan:
    """``_plan``, remembered for repeated calls with the same arguments (data pipelines):
    validation, tables and pass order are then computed once."""
    key = (func, shape, dtype.str) + tuple(_frozen(a) for a in args)
    try:
        hash(key)
    except TypeError:  # an argument of an unexpected kind: validate it the long way
        return _plan(func, shape, dtype, *args)
    return _cached_plan(*key[:2], dtype, *key[3:])


def _plan(
    func: str,
    shape: tuple[int, ...],
    dtype: np.dtype,
    size: Any,
    scale: Any,
    axes: Any,
    mode: Any,
    coordinate_mode: Any,
    nearest_mode: Any,
    cubic_a: Any,
    exclude_outside: Any,
    antialias: Any,
    roi: Any,
    extrapolation_value: Any,
    size_policy: Any,
) -> _Plan:
    """Every check of the resize arguments, for an input of ``shape`` and ``dtype``."""
    mode = _mode(func, mode)
    coordinate_mode = choice(func, "coordinate_mode", coordinate_mode, COORDINATE_MODES)
    nearest_mode = choice(func, "nearest_mode", nearest_mode, NEAREST_MODES)
    size_policy = choice(func, "size_policy", size_policy, SIZE_POLICIES)
    cubic_a = real(func, "cubic_a", cubic_a)
    if abs(cubic_a) > _MAX_CUBIC_A:  # the kernel polynomial would overflow
        raise fail_value(func, "cubic_a", f"within [-{_MAX_CUBIC_A:g}, {_MAX_CUBIC_A:g}]", cubic_a)
    exclude_outside = flag(func, "exclude_outside", exclude_outside)
    antialias = flag(func, "antialias", antialias)
    extrapolation_value = real(func, "extrapolation_value", extrapolation_value, finite=False)
    if antialias and mode in ("nearest", "area", "majority"):
        raise ValueError(
            f"fastup.{func}: 'antialias' needs mode 'linear', 'cubic' or 'lanczos'; got mode "
            f"{mode!r} (area and majority already cover the footprint, nearest copies)."
        )
    dtype = np.dtype(dtype).newbyteorder("=")
    if mode == "majority":
        if dtype.kind not in "iub" or func != "resize":
            raise TypeError(
                f"fastup.{func}: mode 'majority' (label images) takes integer dtypes and bool; "
                f"got {dtype}."
                if func == "resize"
                else f"fastup.{func}: mode 'majority' has no gradient (it picks a value)."
            )
    elif mode != "nearest" and _accumulator(dtype) is None:
        raise TypeError(
            f"fastup.{func}: mode {mode!r} supports the dtypes {_SUPPORTED}; got {dtype} "
            f"(mode 'nearest' takes every numeric dtype and bool)."
        )
    if (
        coordinate_mode == "tf_crop_and_resize"
        and dtype.kind in "iub"
        and not math.isfinite(extrapolation_value)
    ):
        raise fail_value(
            func,
            "extrapolation_value",
            f"finite for an array of dtype {dtype}",
            extrapolation_value,
        )
    specs, out_shape = resolve_axes(
        func, shape, size, scale, axes, coordinate_mode, roi, size_policy
    )
    return _Plan(
        mode,
        coordinate_mode,
        nearest_mode,
        cubic_a,
        exclude_outside,
        antialias,
        extrapolation_value,
        specs,
        out_shape,
        tuple(shape),
        dtype,
    )


# plans of recent calls (the tables themselves are cached in fastup._tables)
_cached_plan = lru_cache(maxsize=256)(_plan)
# the prepared kernels of the last 2 long plans (1-D signals) whose tables are kept, by plan
# (``_Plan.jobs``): about as large as the tables along W they are made from, and made in about
# the time of the resize itself
_long_jobs = _tables.Recent(2)


def _mode(func: str, mode: Any) -> str:
    if isinstance(mode, str) and mode in MODE_ALIASES:
        return MODE_ALIASES[mode]
    return choice(func, "mode", mode, MODES + tuple(MODE_ALIASES))


def resolve_axes(
    func: str,
    shape: tuple[int, ...],
    size: Any,
    scale: Any,
    axes: Any,
    coordinate_mode: str,
    roi: Any,
    size_policy: str,
) -> tuple[dict[int, AxisSpec], tuple[int, ...]]:
    """Which axes are resized, to what length, with which scale: {axis: AxisSpec}, out shape."""
    ndim = len(shape)
    if (size is None) == (scale is None):
        raise ValueError(
            f"fastup.{func}: give exactly one of 'size' and 'scale'; got "
            f"{'both' if size is not None else 'neither'}."
        )
    if size is not None:
        values, scalar = int_or_ints(func, "size", size)
        if any(n < 0 for n in values):
            raise fail_value(func, "size", "non-negative", size)
    else:
        fvalues, scalar = real_or_reals(func, "scale", scale)
        if not all(math.isfinite(f) and f > 0 for f in fvalues):
            raise fail_value(func, "scale", "finite and > 0", scale)
        if size_policy != "stretch":
            raise ValueError(
                f"fastup.{func}: 'size_policy' {size_policy!r} applies to 'size'; with 'scale' "
                f"it must be 'stretch'."
            )
    count = len(values) if size is not None else len(fvalues)
    # the PyTorch default (N, C, *spatial) is for a scalar scale; a scalar size is one length
    axis_list = _axes(func, ndim, axes, count, scalar, spatial=scalar and scale is not None)
    k = len(axis_list)
    if scalar:
        if size is not None:
            values = values * k
        else:
            fvalues = fvalues * k
    rois: list[tuple[float, float] | None] = [None] * k
    if coordinate_mode == "tf_crop_and_resize":
        rois = list(_roi(func, roi, k))
    elif roi is not None:
        raise ValueError(
            f"fastup.{func}: 'roi' is used with coordinate_mode='tf_crop_and_resize' only; "
            f"got coordinate_mode={coordinate_mode!r}."
        )
    out_shape = list(shape)
    specs: dict[int, AxisSpec] = {}
    if size is not None:
        common = None
        if size_policy != "stretch" and axis_list:
            for a in axis_list:
                if shape[a] == 0:
                    raise ValueError(
                        f"fastup.{func}: size_policy={size_policy!r} cannot scale axis {a} of "
                        f"length 0."
                    )
            ratios = [values[i] / shape[a] for i, a in enumerate(axis_list)]
            common = min(ratios) if size_policy == "not_larger" else max(ratios)
        for i, a in enumerate(axis_list):
            L = shape[a]
            if common is None:
                M = values[i]
                spec_scale, exact = (M / L if L else 1.0), True
            else:
                M = int(math.floor(common * L + 0.5))
                spec_scale, exact = common, False
            _check_lengths(func, a, L, M, f"size {M}" if common is None else None)
            out_shape[a] = M
            specs[a] = AxisSpec(L, M, spec_scale, exact, rois[i])
    else:
        for i, a in enumerate(axis_list):
            L, s = shape[a], fvalues[i]
            roi_i = rois[i]
            length = L * s if roi_i is None else L * (roi_i[1] - roi_i[0]) * s
            if not math.isfinite(length) or length >= _MAX_LENGTH:
                raise MemoryError(
                    f"fastup.{func}: scale {s} makes axis {a} of length {L} about {length:.3g} "
                    f"long: too large to allocate."
                )
            if length < 0:  # a reversed roi
                raise ValueError(
                    f"fastup.{func}: a scale of a reversed roi (start > end) gives axis {a} of "
                    f"length {L} a negative length (floor({L} * ({roi_i[1]:g} - "
                    f"{roi_i[0]:g}) * {s:g}) = {math.floor(length)}); pass 'size' to resize "
                    f"into a reversed roi."
                )
            M = int(math.floor(length))
            how = (
                f"scale {s:g}: floor({L} * {s:g}) = {M}"
                if roi_i is None
                else f"scale {s:g} of the roi {roi_i}: floor({L} * ({roi_i[1]:g} - "
                f"{roi_i[0]:g}) * {s:g}) = {M}"
            )
            _check_lengths(func, a, L, M, how)
            out_shape[a] = M
            specs[a] = AxisSpec(L, M, s, False, rois[i])
    return specs, tuple(out_shape)


def _check_lengths(func: str, a: int, L: int, M: int, how: str | None) -> None:
    """A resized axis has at least one element in and out (PyTorch, OpenCV and Pillow refuse an
    empty one too); an empty batch belongs on an axis that is not resized."""
    if L == 0:
        raise ValueError(
            f"fastup.{func}: cannot resize axis {a}: it has length 0 (a resized axis needs at "
            f"least one element; an empty batch may be on an axis that is not resized)."
        )
    if M == 0:
        why = f" ({how})" if how else ""
        raise ValueError(
            f"fastup.{func}: axis {a} of length {L} would be resized to length 0{why}; a "
            f"resized axis needs at least one output element."
        )


def _axes(func: str, ndim: int, axes: Any, count: int, scalar: bool, spatial: bool) -> list[int]:
    if axes is None:
        if spatial:
            if ndim < 3:
                raise ValueError(
                    f"fastup.{func}: with one scale and no 'axes', the axes after the first two "
                    f"(N, C, *spatial) are resized, and x has {ndim} dims; pass axes=."
                )
            return list(range(2, ndim))
        if count > ndim:
            raise ValueError(f"fastup.{func}: {count} sizes/scales for an array of {ndim} dims.")
        return list(range(ndim - count, ndim))
    items, _ = int_or_ints(func, "axes", axes)
    result = []
    for a in items:
        if not -ndim <= a < ndim:
            raise fail_value(func, "axes", f"in the range [{-ndim}, {ndim - 1}]", axes)
        result.append(a % ndim)
    if len(set(result)) != len(result):
        raise fail_value(func, "axes", "distinct axes", axes)
    if not scalar and len(result) != count:
        raise ValueError(
            f"fastup.{func}: 'axes' names {len(result)} axes but {count} sizes/scales were given."
        )
    return result


def _roi(func: str, roi: Any, k: int) -> list[tuple[float, float]]:
    expected = f"a sequence of {k} (start, end) pairs, one per resized axis"
    if roi is None:
        raise ValueError(
            f"fastup.{func}: coordinate_mode='tf_crop_and_resize' needs 'roi': {expected}."
        )
    try:
        pairs = [tuple(p) for p in roi]
    except TypeError:
        raise fail_type(func, "roi", expected, roi) from None
    if len(pairs) != k or any(len(p) != 2 for p in pairs):
        raise fail_value(func, "roi", expected, roi)
    values = [(real(func, "roi", p[0]), real(func, "roi", p[1])) for p in pairs]
    if any(abs(v) > _MAX_ROI for pair in values for v in pair):
        raise fail_value(func, "roi", f"made of values within [-{_MAX_ROI:g}, {_MAX_ROI:g}]", roi)
    return values


# --------------------------------------------------------------------------------------------
# execution
# --------------------------------------------------------------------------------------------


def _gather_tables(
    shape: tuple[int, ...], itemsize: int, tables: dict[int, IndexTable]
) -> tuple[np.ndarray, np.ndarray, int]:
    """nearest is one N-D gather of raw bytes (``_kernels.gather``) from a C-contiguous array
    of ``shape``: its byte-offset table, dims and block; runs of unresized axes are merged."""
    strides = [itemsize * math.prod(shape[a + 1 :]) for a in range(len(shape))]
    last = max(tables)
    block = itemsize * math.prod(shape[last + 1 :])
    dims: list[int] = []
    offsets: list[np.ndarray] = []
    run = 1  # length of the current run of unresized axes
    for a in range(last + 1):
        if a in tables:
            if run > 1:
                dims.append(run)
                offsets.append(np.arange(run, dtype=np.intp) * strides[a - 1])
            run = 1
            dims.append(tables[a].index.shape[0])
            offsets.append(tables[a].index * strides[a])
        else:
            run *= shape[a]
    table = np.concatenate(offsets).astype(np.intp, copy=False)
    return table, np.asarray(dims, dtype=np.intp), block


# majority reads its labels as unsigned integers of their size (signed ones order-mapped)
_MAJORITY_VIEW = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}
# bits of the grid the majority weights are rounded to, at most
MAJORITY_BITS = 16


def majority_bits(taps: Sequence[int]) -> int:
    """The grid of the majority weights, 2**-bits, for resized axes of ``taps`` taps: the
    finest (up to 2**-16) on which a footprint's summed weight products stay below 2**62."""
    footprint = math.prod(taps)
    return max(1, min(MAJORITY_BITS, (62 - max(footprint - 1, 1).bit_length()) // len(taps)))


def _majority_tables(
    shape: tuple[int, ...],
    tables: dict[int, WeightTable],
    resized_axes: Sequence[int] | None = None,
) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """majority's per-axis tables for ``_kernels.majority``: each resized axis's area weights
    rounded to the grid ``2**-majority_bits`` (integers), unresized neighbours merged into one
    identity axis (start = index, one weight of 1). ``resized_axes``: the resized axes (else
    those whose tables are not identities)."""
    if resized_axes is not None:
        resized = [a for a in tables if a in resized_axes]
    else:
        resized = [a for a in tables if not tables[a].identity]
    resized = resized or list(tables)
    bits = majority_bits([tables[a].taps for a in resized])
    result: list[tuple[int, np.ndarray, np.ndarray]] = []
    run = 1
    for a, length in enumerate(shape):
        if a in resized:
            if run > 1:
                result.append(_identity_axis(run))
            run = 1
            t = tables[a]
            grid = np.rint(t.weights * (1 << bits)).astype(np.int64)
            result.append((length, np.ascontiguousarray(t.start, dtype=np.intp), grid))
        else:
            run *= length
    if run > 1 or not result:
        result.append(_identity_axis(run))
    return result


def _identity_axis(length: int) -> tuple[int, np.ndarray, np.ndarray]:
    return length, np.arange(length, dtype=np.intp), np.ones((length, 1), dtype=np.int64)


class _Step(NamedTuple):
    """One step of a weighted resize: a pass along ``axis`` alone (``outer`` None), or a fused
    pass along ``outer`` = axis - 1 and ``axis`` (``_kernels.resample2d``), summing along the
    outer axis first when ``vfirst``. ``rows``: whether a pass along one axis sums whole rows
    (else it gathers); None: by the elements after the axis (``ROWS_MIN_INNER``)."""

    axis: int
    outer: int | None = None
    vfirst: bool = False
    rows: bool | None = None


def _rows(step: _Step, shape: Sequence[int]) -> bool:
    """Whether the one-axis ``step`` on an array of ``shape`` sums whole rows."""
    if step.rows is not None:
        return step.rows
    return _inner(shape, step.axis) >= ROWS_MIN_INNER


def _plan_steps(shape: tuple[int, ...], tables: dict[int, WeightTable], fused: bool) -> list[_Step]:
    """The steps that do the least work, trying every order of the passes for up to 4 axes.

    Work: elements read and written, plus multiply-adds, which cost ``GATHER_COST`` times more
    along an axis followed by fewer than ``ROWS_MIN_INNER`` elements (gathered output by output)
    than in sums of whole contiguous rows. With ``fused`` (float32 accumulation), passes along
    two neighbouring axes that follow each other in the order become one step that writes no
    intermediate array, in its cheaper inner order, if its row cache fits in
    ``FUSED_CACHE_BYTES``."""
    axes = list(tables)

    def single(current: list[int], a: int) -> tuple[float, _Step]:
        before = math.prod(current)
        rows = _inner(current, a) >= ROWS_MIN_INNER
        current[a] = tables[a].start.shape[0]
        after = math.prod(current)
        return before + after + after * tables[a].taps * (1 if rows else GATHER_COST), _Step(a)

    def pair(current: list[int], b: int, a: int) -> tuple[float, _Step] | None:
        P, (H, W), C = math.prod(current[:b]), current[b : a + 1], _inner(current, a)
        Ho, Wo = tables[b].start.shape[0], tables[a].start.shape[0]
        Ty, Tx = tables[b].taps, tables[a].taps
        gather = 1 if C >= ROWS_MIN_INNER else GATHER_COST
        traffic = P * C * (H * W + Ho * Wo)
        options = []
        if Ty * Wo * C * 4 <= FUSED_CACHE_BYTES:  # W first: Ty resampled rows cached
            # only the input rows some output reads are resampled (fewer than H when H
            # shrinks with few taps)
            read = min(H, Ho * Ty)
            options.append((traffic + P * C * Wo * (read * Tx * gather + Ho * Ty), False))
        if (Ty + 1) * W * C * 4 <= FUSED_CACHE_BYTES:  # H first: Ty input rows and one sum
            options.append((traffic + P * C * Ho * (W * Ty + Wo * Tx * gather), True))
        if not options:
            return None
        work, vfirst = min(options)
        current[a], current[b] = Wo, Ho
        return work, _Step(a, b, vfirst)

    def plan(order: Sequence[int]) -> tuple[float, list[_Step]]:
        current = list(shape)
        total, steps, i = 0.0, [], 0
        while i < len(order):
            a = order[i]
            b = order[i + 1] if i + 1 < len(order) else None
            done = None
            if fused and b is not None and abs(a - b) == 1:
                done = pair(current, min(a, b), max(a, b))
            if done is not None:
                i += 2
            else:
                done = single(current, a)
                i += 1
            total += done[0]
            steps.append(done[1])
        return total, steps

    if len(axes) <= 4:
        return min((plan(order) for order in permutations(axes)), key=lambda c: c[0])[1]
    order = sorted(axes, key=lambda a: tables[a].start.shape[0] / max(1, tables[a].in_len))
    return plan(order)[1]


def _resample(
    source: np.ndarray,
    tables: dict[int, WeightTable],
    result: np.ndarray,
    nthreads: int,
    steps: Sequence[_Step] | None = None,
    jobs: dict[int, _kernels.Resample2D] | None = None,
) -> None:
    """The weighted modes: the ``steps`` (else the cheapest for this input, ``_plan_steps``);
    intermediates in the accumulator type; ``jobs`` keeps the prepared fused kernels of the
    steps for the next call with the same steps."""
    if source.dtype in _HALF and _resample_half_blocks(source, tables, result, nthreads, steps):
        return
    accumulator = _ACCUMULATOR[source.dtype]
    current = source if source.dtype not in _HALF else normalised(source, np.float32, nthreads)
    if steps is None:
        steps = _plan_steps(source.shape, tables, accumulator == np.float32)
    for i, step in enumerate(steps):
        shape = list(current.shape)
        shape[step.axis] = int(tables[step.axis].start.shape[0])
        if step.outer is not None:
            shape[step.outer] = int(tables[step.outer].start.shape[0])
        if i == len(steps) - 1 and result.dtype not in _HALF:
            target = result
        else:
            target = np.empty(shape, dtype=accumulator)
        if step.outer is not None or (accumulator == np.float32 and not _rows(step, shape)):
            job = jobs.get(i) if jobs is not None else None
            if job is None:
                job = _fused_job(
                    current.shape, target.shape, current.dtype, target.dtype, step, tables
                )
                if jobs is not None:
                    jobs[i] = job
            taps = tables[step.axis].taps + (tables[step.outer].taps if step.outer else 0)
            job.run(current, target, _threads.team_size(nthreads, target.size * taps))
        else:
            _apply_table(current, target, step.axis, tables[step.axis], nthreads, step.rows)
        current = target
    if current is not result:
        convert(current, result, nthreads)


# float32 bytes of the output of one block of a 16-bit float resize (``_resample_half_blocks``)
HALF_BLOCK_BYTES = 1 << 22


def _resample_half_blocks(
    source: np.ndarray,
    tables: dict[int, WeightTable],
    result: np.ndarray,
    nthreads: int,
    steps: Sequence[_Step] | None,
) -> bool:
    """A float16/bfloat16 resize in blocks of the axes before the first resized one (planes):
    each block widened to float32, resized, and narrowed into ``result`` while its float32
    output is still in the cache (no float32 copy of the whole output). The same steps, so
    the same bits, as one float32 resize of the whole array. False (nothing done) when there
    is only one block."""
    first = min(tables)
    P = math.prod(source.shape[:first])
    in_block, out_block = source.shape[first:], result.shape[first:]
    per = max(1, HALF_BLOCK_BYTES // max(1, 4 * math.prod(out_block)))
    if P <= per:
        return False
    shift = first - 1  # axis a of the array is axis a - shift of its (P, ...) view
    moved = {a - shift: t for a, t in tables.items()}
    if steps is None:
        steps = _plan_steps(source.shape, tables, True)
    moved_steps = [
        s._replace(axis=s.axis - shift, outer=None if s.outer is None else s.outer - shift)
        for s in steps
    ]
    src = source.reshape((P,) + in_block)
    dst = result.reshape((P,) + out_block)
    wide_in = np.empty((per,) + in_block, np.float32)
    wide_out = np.empty((per,) + out_block, np.float32)
    for p0 in range(0, P, per):
        n = min(per, P - p0)
        convert(src[p0 : p0 + n], wide_in[:n], nthreads)
        _resample(wide_in[:n], moved, wide_out[:n], nthreads, moved_steps)
        convert(wide_out[:n], dst[p0 : p0 + n], nthreads)
    return True


def _inner(shape: Sequence[int], axis: int) -> int:
    """How many elements follow ``axis`` (C-order)."""
    return math.prod(shape[axis + 1 :])


def _fused_job(
    src_shape: Sequence[int],
    dst_shape: Sequence[int],
    src_dtype: np.dtype,
    dst_dtype: np.dtype,
    step: _Step,
    tables: dict[int, WeightTable],
) -> _kernels.Resample2D:
    """The ``_kernels.Resample2D`` of a step between C-contiguous arrays of these shapes and
    dtypes: along ``step.axis`` alone (any float32 accumulation with few elements after the
    axis), or fused with ``step.outer``."""
    axis, outer = step.axis, step.outer
    x = tables[axis]
    y = tables[outer] if outer is not None else None
    top = axis if outer is None else outer
    return _kernels.Resample2D(
        src_dtype.char,
        dst_dtype.char,
        y.start if y is not None else None,
        y.weights32 if y is not None else None,
        x.start,
        x.weights32,
        x.careful if src_dtype.kind == "f" else _NO_OUTPUTS,
        math.prod(src_shape[:top]),
        src_shape[outer] if outer is not None else 1,
        src_shape[axis],
        _inner(src_shape, axis),
        dst_shape[outer] if outer is not None else 1,
        dst_shape[axis],
        step.vfirst,
    )


_NO_OUTPUTS = np.zeros(0, dtype=np.intp)


def _apply_table(
    src: np.ndarray,
    dst: np.ndarray,
    axis: int,
    table: WeightTable,
    nthreads: int,
    rows: bool | None = None,
) -> None:
    P = math.prod(src.shape[:axis])
    inner = _inner(src.shape, axis)
    L, M = src.shape[axis], dst.shape[axis]
    wide = _ACCUMULATOR[src.dtype] == np.float64 or _ACCUMULATOR[dst.dtype] == np.float64
    _kernels.resample(
        src,
        dst,
        table.start,
        table.weights if wide else table.weights32,
        table.careful,
        P,
        L,
        M,
        inner,
        inner >= ROWS_MIN_INNER if rows is None else rows,
        _threads.team_size(nthreads, P * M * inner * table.taps),
    )


def _fill_value(dtype: np.dtype, value: float) -> np.ndarray:
    """extrapolation_value in ``dtype``: integers rounded half to even and saturated (in Python
    integers: float64 cannot hold the bounds of the 64-bit types)."""
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        if not math.isfinite(value):
            return np.asarray(0, dtype=dtype)  # not reached: refused for integer arrays
        return np.asarray(min(max(round(value), int(info.min)), int(info.max)), dtype=dtype)
    if dtype.kind == "b":
        return np.asarray(bool(value))
    with np.errstate(over="ignore"):  # a huge value becomes inf in float16/32, as a cast would
        return np.asarray(value).astype(dtype)


def _extrapolate(result: np.ndarray, tables: dict[int, Any], fill: np.ndarray) -> None:
    """tf_crop_and_resize: outputs whose source lies outside the input take ``fill``."""
    masks = [(a, t.outside) for a, t in tables.items() if t.outside is not None]
    for a, mask in masks:
        np.moveaxis(result, a, 0)[mask] = fill
