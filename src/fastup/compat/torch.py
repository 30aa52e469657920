"""PyTorch's ``torch.nn.functional`` resize and convolutions, computed by fastup.

Change ``import torch.nn.functional as F`` to ``import fastup.compat.torch as F`` for these
calls, and keep the results. Checked against torch 2.13.0 on the CPU (``CHECKED``):

* ``interpolate``: every mode of torch (nearest, nearest-exact, linear, bilinear, bicubic,
  trilinear, area, lanczos), ``size`` and ``scale_factor`` with torch's output-size rules
  (``recompute_scale_factor``), ``align_corners``, ``antialias``, and the dtypes torch takes in
  each mode. Indices of nearest and nearest-exact are torch's own (``_nearest_index``: its
  double product rounded to float32, then floored; float32 throughout for 2-D): bit for bit.
  uint8 bilinear, bicubic and lanczos follow torch's fixed-point path (int16 weights with as
  many fraction bits as the largest weight allows, the width pass first into a rounded,
  clipped 8-bit intermediate, then the height): bit for bit.
  Floats are within the float rounding of torch's arithmetic.
* ``conv1d/2d/3d`` and ``conv_transpose1d/2d/3d`` with ``F.*``'s signatures (``padding='same'``
  and ``'valid'`` too).

A CPU ``torch.Tensor`` in gives a ``torch.Tensor`` out, of the same dtype and memory format
(channels_last kept); an ndarray (or any array-like) in gives a C-contiguous ndarray out. torch
is imported only when a tensor is passed. Autograd is not recorded: a tensor that requires grad
is refused (``detach()`` it).

Where torch 2.13 is wrong, this module follows the definition instead: a resize by torch's
generic separable path (antialiased floats; uint8 NCHW tensors of more than 4 channels) whose
output width is 1 while its height changes gives every row the same value in torch (a
constant column); and a contiguous 3-channel uint8
bilinear or bicubic resize to 1x1 fails an internal assert there (its channels_last path gives
the answer this module gives).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from .. import _deconv, _threads
from .._resize import _frozen, resize_plan, run_plan, table_plan
from .._tables import index_table, tap_table
from .._validate import as_array, is_bfloat16
from ._passes import PeerPass

__all__ = [
    "CHECKED",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "interpolate",
]

CHECKED = {"torch": "2.13.0"}

MODES = (
    "nearest",
    "linear",
    "bilinear",
    "bicubic",
    "trilinear",
    "lanczos",
    "area",
    "nearest-exact",
)
# the rank of input each interpolating mode needs
_RANK = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5, "lanczos": 4}
# the dtypes torch 2.13 resizes on the CPU, per mode (antialias: uint8 and the two floats)
_FLOATS = ("float16", "bfloat16", "float32", "float64")
_DTYPES = {
    "nearest": ("uint8",) + _FLOATS,
    "nearest-exact": ("uint8",) + _FLOATS,
    "linear": _FLOATS,
    "trilinear": _FLOATS,
    "area": _FLOATS,
    "bilinear": ("uint8",) + _FLOATS,
    "bicubic": ("uint8",) + _FLOATS,
    "lanczos": ("uint8", "float32", "float64"),
    "antialias": ("uint8", "float32", "float64"),
}
_AXIS_NAMES = {1: ("W",), 2: ("H", "W"), 3: ("D", "H", "W")}


_FUNC = "compat.torch.interpolate"

# --------------------------------------------------------------------------------------------
# tensors in, tensors out
# --------------------------------------------------------------------------------------------


def _is_tensor(value: Any) -> bool:
    return type(value).__module__.split(".")[0] == "torch" and hasattr(value, "is_contiguous")


def _from_tensor(func: str, name: str, tensor: Any) -> np.ndarray:
    """A CPU tensor as an ndarray view (bfloat16 through ml_dtypes)."""
    if not tensor.is_cpu:
        raise ValueError(
            f"fastup.compat.torch.{func}: {name!r} must be a CPU tensor; got one on "
            f"{tensor.device} (call .cpu() first)."
        )
    if tensor.requires_grad:
        raise ValueError(
            f"fastup.compat.torch.{func}: {name!r} requires grad, and fastup does not record "
            f"autograd; pass {name}.detach() (or call torch for training)."
        )
    import torch

    dtype = tensor.dtype
    if dtype == torch.bfloat16:
        try:
            import ml_dtypes
        except ImportError:
            raise TypeError(
                f"fastup.compat.torch.{func}: a bfloat16 tensor needs ml_dtypes "
                f'(pip install "fastup[bfloat16]").'
            ) from None
        return tensor.view(torch.int16).numpy().view(ml_dtypes.bfloat16)
    try:
        return tensor.numpy()
    except TypeError:
        raise TypeError(
            f"fastup.compat.torch.{func}: {name!r} has dtype {dtype}, which fastup does not take."
        ) from None


def _to_tensor(result: np.ndarray) -> Any:
    import torch

    if is_bfloat16(result.dtype):
        return torch.from_numpy(result.view(np.int16)).view(torch.bfloat16)
    return torch.from_numpy(result)


def _layout(a: np.ndarray) -> tuple[int, ...] | None:
    """The axis order in which ``a`` is C-contiguous, when it is a transposition of a
    C-contiguous array (channels_last tensors: (0, 2, 3, 1)) and not C-contiguous itself."""
    if a.flags.c_contiguous or a.ndim < 2:
        return None
    order = tuple(sorted(range(a.ndim), key=lambda i: -a.strides[i]))
    t = a.transpose(order)
    return order if t.flags.c_contiguous else None


# --------------------------------------------------------------------------------------------
# interpolate
# --------------------------------------------------------------------------------------------


def interpolate(
    input: Any,
    size: int | Sequence[int] | None = None,
    scale_factor: float | Sequence[float] | None = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
    *,
    workers: int | None = None,
) -> Any:
    """``torch.nn.functional.interpolate`` (torch 2.13), computed by fastup.

    ``input`` is (N, C, d1[, d2[, d3]]): a CPU tensor (the result is a tensor of its dtype and
    memory format) or an ndarray / array-like (the result is an ndarray). The arguments, the
    output size rules, the dtypes each mode takes and the refusals are torch's; see the module
    docstring for what is bit for bit. ``workers``: fastup's threads (None: the default).

    Examples
    --------
    >>> import numpy as np
    >>> import fastup.compat.torch as F
    >>> x = np.arange(4.0).reshape(1, 1, 4)
    >>> F.interpolate(x, scale_factor=2, mode="linear").tolist()
    [[[0.0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3.0]]]
    >>> F.interpolate(x, size=3, mode="nearest").tolist()  # torch's floor(o * 4/3)
    [[[0.0, 1.0, 2.0]]]
    >>> img = np.zeros((1, 3, 8, 8), np.uint8)
    >>> F.interpolate(img, size=(4, 4), mode="bilinear", antialias=True).shape
    (1, 3, 4, 4)
    """
    func = "interpolate"
    tensor = _is_tensor(input)
    if tensor:
        x = _from_tensor(func, "input", input)
    else:
        x = as_array(f"compat.torch.{func}", "input", input)
    try:
        key = (
            x.shape,
            x.dtype.str if not is_bfloat16(x.dtype) else "bfloat16",
            _frozen(size),
            _frozen(scale_factor),
            mode,
            align_corners,
            recompute_scale_factor,
            antialias,
        )
        hash(key)
    except TypeError:
        key = None
    plan = (
        _interpolate_plan(*key)
        if key is not None
        else _interpolate_plan.__wrapped__(  # an unhashable argument: checked the long way
            x.shape,
            x.dtype.str,
            size,
            scale_factor,
            mode,
            align_corners,
            recompute_scale_factor,
            antialias,
        )
    )
    order = _layout(x)
    if order is not None:  # channels_last: resize the contiguous view, keep the layout
        inverse = tuple(sorted(range(len(order)), key=order.__getitem__))
        result = plan.run(x.transpose(order), order, workers).transpose(inverse)
    else:
        result = plan.run(x, None, workers)
    if tensor:
        return _to_tensor(result)
    return np.ascontiguousarray(result)


class _Interpolation:
    """A checked ``interpolate`` call for one input shape and dtype: how to compute it."""

    def __init__(
        self,
        kind: str,
        tables: dict[int, Any] | None = None,
        core: dict[str, Any] | None = None,
    ) -> None:
        self.kind = kind  # "tables", "core", "fixed" (uint8 two passes), "copy"
        self.tables = tables or {}
        self.core = core or {}
        self._plans: dict[Any, Any] = {}  # "tables": plans per order; "fixed": passes per axis

    def run(self, x: np.ndarray, order: tuple[int, ...] | None, workers: Any) -> np.ndarray:
        """The result for ``x``, which is the input transposed by ``order`` (None: as given)."""
        axes = (lambda a: a) if order is None else order.index
        if self.kind == "copy":
            return np.array(x, copy=True)
        if self.kind == "core":
            plan = self._plans.get(order)
            if plan is None:
                spatial = tuple(axes(a) for a in self.core["axes"])
                plan = self._plans[order] = resize_plan(
                    _FUNC, x.shape, x.dtype, **dict(self.core, axes=spatial)
                )
            return run_plan(_FUNC, plan, x, _serial(plan, workers), None)[0]
        if self.kind == "tables":
            plan = self._plans.get(order)
            if plan is None:
                tables = {axes(a): t for a, t in self.tables.items()}
                plan = self._plans[order] = table_plan(x.shape, x.dtype, tables)
            return run_plan(_FUNC, plan, x, _serial(plan, workers), None)[0]
        # "fixed": torch's uint8 path, the last axis (W) first, then H
        workers = _threads.resolve(_FUNC, workers)
        current = x
        for a in sorted(self.tables, reverse=True):
            prepared = self._plans.get(a)
            if prepared is None:
                start, q, bits = self.tables[a]
                L = current.shape[axes(a)]  # the input's length: the same for every order
                prepared = self._plans[a] = PeerPass(L, np.uint8, start, q, bits, 0, 255, np.uint8)
            current = prepared(current, axes(a), workers)
        return current


def _serial(plan: Any, workers: Any) -> Any:
    """``workers``, or 1 for a plan too small for a thread team when no count is given (as
    fastup.resize's repeated calls do: no look-up of the default)."""
    return 1 if workers is None and plan.serial else workers


def _fail(message: str, kind: type[Exception] = ValueError) -> Exception:
    return kind(f"fastup.compat.torch.interpolate: {message}")


@lru_cache(maxsize=256)
def _interpolate_plan(
    shape: tuple[int, ...],
    dtype: str,
    size: Any,
    scale_factor: Any,
    mode: Any,
    align_corners: Any,
    recompute_scale_factor: Any,
    antialias: Any,
) -> _Interpolation:
    """Every check of torch's, in torch's order, and the tables of the call."""
    if not isinstance(mode, str) or mode not in MODES:
        raise _fail(f"'mode' must be one of {', '.join(map(repr, MODES))}; got {mode!r}.")
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise _fail(
                "align_corners option can only be set with the interpolating modes: "
                "linear | bilinear | bicubic | trilinear"
            )
    elif align_corners is None:
        align_corners = False
    align_corners = bool(align_corners)
    ndim = len(shape)
    if ndim not in (3, 4, 5):
        raise _fail(
            f"'input' must have 3, 4 or 5 dims, (N, C, d1[, d2[, d3]]); got {ndim} (shape {shape})."
        )
    dim = ndim - 2
    spatial = list(shape[2:])
    if size is not None and scale_factor is not None:
        raise _fail("only one of size or scale_factor should be defined")
    factors: list[float] | None = None
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise _fail(
                    "Input and output must have the same number of spatial dimensions, but got "
                    f"input with spatial dimensions of {spatial} and output size of {size}."
                )
            sizes = list(size)
        else:
            sizes = [size] * dim
        if not all(isinstance(s, numbers.Integral) and not isinstance(s, bool) for s in sizes):
            raise _fail(
                "'size' must be an int or a tuple of ints; got size with types "
                f"{[type(s).__name__ for s in sizes]}",
                TypeError,
            )
        out = [int(s) for s in sizes]
    elif scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise _fail(
                    "Input and scale_factor must have the same number of spatial dimensions, "
                    f"but got input with spatial dimensions of {spatial} and scale_factor of "
                    f"shape {scale_factor}."
                )
            factors = list(scale_factor)
        else:
            factors = [scale_factor] * dim
        if not all(
            isinstance(f, numbers.Real) and not isinstance(f, bool) and math.isfinite(f)
            for f in factors
        ):
            raise _fail(f"'scale_factor' must be finite numbers; got {scale_factor!r}", TypeError)
        factors = [float(f) for f in factors]
        out = [int(L * f) for L, f in zip(spatial, factors, strict=True)]
    else:
        raise _fail("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise _fail("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and factors is not None:
        recompute_scale_factor = True
    if recompute_scale_factor:
        factors = None  # the lengths above stand; the kernels use in / out
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and ndim == 4):
        raise _fail(
            "Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and "
            "requires a 4-D tensor as input"
        )
    if mode in _RANK and ndim != _RANK[mode]:
        raise _fail(f"Got {ndim}D input, but {mode} mode needs {_RANK[mode]}D input")
    if mode == "lanczos":
        if align_corners:
            raise _fail("Lanczos mode does not support align_corners=True")
        if not antialias:
            raise _fail("Lanczos mode requires antialias=True")
    allowed = _DTYPES["antialias" if antialias else mode]
    if dtype not in allowed and np.dtype(dtype).name not in allowed:
        raise _fail(
            f"mode {mode!r}{' with antialias' if antialias else ''} takes the dtypes "
            f"{', '.join(allowed)} (as torch); got {_dtype_name(dtype)}.",
            TypeError,
        )
    if min(spatial) <= 0 or min(out) <= 0:
        names = _AXIS_NAMES[dim]
        raise _fail(
            "Input and output sizes should be greater than 0, but got input ("
            + ", ".join(f"{n}: {L}" for n, L in zip(names, spatial, strict=True))
            + ") output ("
            + ", ".join(f"{n}: {M}" for n, M in zip(names, out, strict=True))
            + ")"
        )
    axes = list(range(2, ndim))
    lengths = list(zip(axes, spatial, out, factors or [None] * dim, strict=True))
    uint8 = dtype == np.dtype(np.uint8).str

    if mode in ("nearest", "nearest-exact"):
        exact = mode == "nearest-exact"
        double = dtype == np.dtype(np.float64).str
        tables = {
            a: index_table(_nearest_index(L, M, f, exact, dim == 2, double), L)
            for a, L, M, f in lengths
        }
        return _Interpolation("tables", tables)
    if mode == "area":
        tables = {a: _adaptive_table(L, M) for a, L, M, _ in lengths}
        return _Interpolation("tables", tables)
    if uint8 or antialias:  # torch's separable path skips an axis that keeps its length
        lengths = [(a, L, M, f) for a, L, M, f in lengths if M != L]
        if not lengths:
            return _Interpolation("copy")
    if uint8:  # bilinear, bicubic, lanczos on uint8: torch's fixed point
        tables = {}
        for a, L, M, f in lengths:
            taps, weights = _uint8_weights(mode, L, M, align_corners, f, antialias)
            folded = tap_table(taps, weights, L)  # clamped taps summed, then made int16
            q, bits = _int16(folded.weights)
            tables[a] = (folded.start, q, bits)
        return _Interpolation("fixed", tables)
    if antialias:  # floats: torch's separable antialias weights
        tables = {}
        for a, L, M, f in lengths:
            taps, weights = _aa_weights(mode, L, M, align_corners, f, True, 0.0)
            tables[a] = tap_table(taps, weights, L)
        return _Interpolation("tables", tables)
    core: dict[str, Any] = {
        "axes": tuple(axes),
        "mode": "cubic" if mode == "bicubic" else "linear",
        "coordinate_mode": "align_corners" if align_corners else "half_pixel",
    }
    if factors is None:
        core["size"] = tuple(out)
    elif mode == "bicubic":
        core["scale"] = tuple(factors)
    else:  # torch's linear modes copy an axis that keeps its length, whatever the factor
        core["scale"] = tuple(1.0 if M == L else f for _, L, M, f in lengths)
    return _Interpolation("core", core=core)


def _dtype_name(dtype: str) -> str:
    return dtype if dtype == "bfloat16" else str(np.dtype(dtype))


def _scale(L: int, M: int, align_corners: bool, factor: float | None) -> float:
    """torch's ``area_pixel_compute_scale`` (in double): input pixels per output pixel."""
    if align_corners:
        return (L - 1) / (M - 1) if M > 1 else 0.0
    return 1.0 / factor if factor is not None and factor > 0 else L / M


def _nearest_index(
    L: int, M: int, factor: float | None, exact: bool, two_d: bool, double: bool
) -> np.ndarray:
    """torch's nearest (``floor(o * scale)``) and nearest-exact (``floor((o + 0.5) * scale)``)
    source indices, at most L - 1, as its kernels compute them (probed on torch 2.13): for 2-D
    inputs in float32 arithmetic, the scale rounded to float32 first (nearest copies when
    M == L); for 1-D and 3-D ones the product in double, rounded to float32, then floored, with
    the scale in double for float64 inputs and rounded to float32 for the others."""
    o = np.arange(M, dtype=np.float64) + (0.5 if exact else 0.0)
    scale = 1.0 / factor if factor is not None else L / M
    scale32 = np.float32(1.0 / factor) if factor is not None else np.float32(L) / np.float32(M)
    if two_d:
        if M == L and not exact:
            return np.arange(M, dtype=np.intp)
        source = o.astype(np.float32) * scale32
    else:
        source = (o * (scale if double else np.float64(scale32))).astype(np.float32)
    return np.minimum(np.floor(source).astype(np.intp), L - 1)


def _adaptive_table(L: int, M: int) -> Any:
    """torch's area (adaptive average pooling): output o averages the whole input pixels
    ``floor(o L / M)`` to ``ceil((o + 1) L / M)``, with equal weights."""
    o = np.arange(M)
    first = (o * L) // M
    last = -((-(o + 1) * L) // M)  # ceil
    count = last - first
    T = int(count.max())
    taps = first[:, None] + np.arange(T)
    weights = np.where(np.arange(T) < count[:, None], 1.0 / count[:, None], 0.0)
    return tap_table(np.minimum(taps, L - 1), weights, L)


def _linear(t: np.ndarray) -> np.ndarray:
    return np.maximum(0.0, 1.0 - np.abs(t))


def _cubic(a: float) -> Callable[[np.ndarray], np.ndarray]:
    def kernel(t: np.ndarray) -> np.ndarray:
        t = np.abs(t)
        inner = ((a + 2.0) * t - (a + 3.0)) * t * t + 1.0
        outer = ((a * t - 5.0 * a) * t + 8.0 * a) * t - 4.0 * a
        return np.where(t < 1.0, inner, np.where(t < 2.0, outer, 0.0))

    return kernel


def _lanczos(t: np.ndarray) -> np.ndarray:
    return np.where(np.abs(t) < 3.0, np.sinc(t) * np.sinc(t / 3.0), 0.0)


# interp_size (taps of the unstretched kernel) and the kernel of each mode's separable path
_FILTERS: dict[str, tuple[int, Callable[[np.ndarray], np.ndarray]]] = {
    "bilinear": (2, _linear),
    "bicubic": (4, _cubic(-0.5)),  # torch's antialiased bicubic is Keys' a = -0.5
    "lanczos": (6, _lanczos),
}


def _aa_weights(
    mode: str,
    L: int,
    M: int,
    align_corners: bool,
    factor: float | None,
    antialias: bool,
    delta: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The taps and normalised weights of torch's separable (antialias and uint8) path: output
    ``i`` centred at ``scale (i + 0.5 - delta)``, the taps of the window ``[xmin, xmin +
    xsize)`` inside the input (both ends truncated toward zero, as C does), the kernel
    stretched by ``scale`` when antialiased and shrinking."""
    size, kernel = _FILTERS[mode]
    scale = _scale(L, M, align_corners, factor)
    stretch = antialias and scale >= 1.0
    support = size * 0.5 * scale if stretch else size * 0.5
    T = int(math.ceil(support)) * 2 + 1
    i = np.arange(M, dtype=np.float64)
    center = scale * (i + 0.5 - delta)
    xmin = np.maximum(np.trunc(center - support + 0.5 + delta), 0).astype(np.intp)
    xmax = np.minimum(np.trunc(center + support + 0.5 + delta).astype(np.intp), L)
    xsize = np.clip(xmax - xmin, 0, T)
    j = np.arange(T)
    t = (j + xmin[:, None] - center[:, None] + 0.5 - delta) * (1.0 / scale if stretch else 1.0)
    weights = np.where(j < xsize[:, None], kernel(t), 0.0)
    total = weights.sum(axis=1, keepdims=True)
    weights = np.where(total != 0.0, weights / np.where(total == 0.0, 1.0, total), weights)
    return np.minimum(xmin[:, None] + j, L - 1), weights


def _uint8_weights(
    mode: str, L: int, M: int, align_corners: bool, factor: float | None, antialias: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The float weights of torch's uint8 path before they become int16: bicubic without
    antialias reads 4 taps clamped to the edge with Keys' a = -0.75; the others are the
    separable windows (``_aa_weights``), with centres shifted by half a pixel for
    align_corners without antialias."""
    if mode == "bicubic" and not antialias:
        scale = _scale(L, M, align_corners, factor)
        o = np.arange(M, dtype=np.float64)
        x = scale * o if align_corners else scale * (o + 0.5) - 0.5
        first = np.floor(x)
        t = x - first
        taps = first.astype(np.intp)[:, None] + np.arange(-1, 3)
        kernel = _cubic(-0.75)
        weights = np.stack([kernel(t + 1.0), kernel(t), kernel(1.0 - t), kernel(2.0 - t)], 1)
        return taps, weights
    delta = 0.5 if align_corners and not antialias else 0.0
    return _aa_weights(mode, L, M, align_corners, factor, antialias, delta)


def _int16(weights: np.ndarray) -> tuple[np.ndarray, int]:
    """torch's int16 weights: the most fraction bits (at most 22) with which twice the largest
    weight still rounds below 2**15, each weight rounded half away from zero."""
    largest = float(weights.max())
    bits = 0
    while bits < 22 and int(0.5 + largest * (1 << (bits + 1))) < (1 << 15):
        bits += 1
    scaled = weights * (1 << bits)
    return np.trunc(np.where(scaled < 0, scaled - 0.5, scaled + 0.5)).astype(np.int64), bits


# --------------------------------------------------------------------------------------------
# convolutions
# --------------------------------------------------------------------------------------------


def _conv_call(
    name: str,
    spatial: int,
    core: Callable[..., np.ndarray],
    input: Any,
    weight: Any,
    bias: Any,
    kwargs: dict[str, Any],
    workers: Any,
) -> Any:
    tensor = _is_tensor(input)
    arrays = []
    for arg, value in (("input", input), ("weight", weight), ("bias", bias)):
        if value is None:
            arrays.append(None)
        elif _is_tensor(value):
            arrays.append(_from_tensor(name, arg, value))
        else:
            arrays.append(as_array(f"compat.torch.{name}", arg, value))
    x, w, b = arrays
    assert x is not None and w is not None
    if w.ndim != spatial + 2:
        raise ValueError(
            f"fastup.compat.torch.{name}: 'weight' must have {spatial + 2} dims; got shape "
            f"{w.shape}."
        )
    if x.ndim not in (spatial + 1, spatial + 2):
        raise ValueError(
            f"fastup.compat.torch.{name}: Expected {spatial + 1}D (unbatched) or {spatial + 2}D "
            f"(batched) input to {name}, but got input of size: {list(x.shape)}"
        )
    result = core(x, w, b, **kwargs, workers=workers)
    if tensor:
        return _to_tensor(result)
    return result


def _same_padding(name: str, kernel: Sequence[int], stride: Any, dilation: Any, dims: int) -> Any:
    strides = [stride] * dims if isinstance(stride, numbers.Integral) else list(stride)
    if any(s != 1 for s in strides):
        raise ValueError(
            f"fastup.compat.torch.{name}: padding='same' is not supported for strided convolutions"
        )
    dil = [dilation] * dims if isinstance(dilation, numbers.Integral) else list(dilation)
    pads = []
    for k, d in zip(kernel, dil, strict=True):
        total = d * (k - 1)
        pads.append((total // 2, total - total // 2))  # torch pads the odd one at the end
    return pads


def _conv(name: str, dims: int) -> Callable[..., Any]:
    def conv(
        input: Any,
        weight: Any,
        bias: Any = None,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        *,
        workers: int | None = None,
    ) -> Any:
        if isinstance(padding, str):
            if padding == "valid":
                padding = 0
            elif padding == "same":
                shape = weight.shape if hasattr(weight, "shape") else np.shape(weight)
                padding = _same_padding(name, tuple(shape[2:]), stride, dilation, dims)
            else:
                raise ValueError(
                    f"fastup.compat.torch.{name}: 'padding' must be an int, a tuple of ints, "
                    f"'valid' or 'same'; got {padding!r}."
                )
        kwargs = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
        return _conv_call(name, dims, _deconv.conv, input, weight, bias, kwargs, workers)

    conv.__name__ = conv.__qualname__ = name
    conv.__doc__ = f"""``torch.nn.functional.{name}`` (cross-correlation), computed by
    ``fastup.conv``: input (N, C_in, *spatial) or unbatched (C_in, *spatial), weight
    (C_out, C_in / groups, *kernel) with {dims} spatial dims; ``padding`` an int, one per dim,
    'valid' or 'same' (stride 1; the odd pixel of padding at the end, as torch). Tensors in,
    tensors out; ndarrays in, ndarrays out.

    Examples
    --------
    >>> import numpy as np
    >>> import fastup.compat.torch as F
    >>> x = np.ones((1, 1{", 5" * dims}), np.float32)
    >>> w = np.ones((1, 1{", 3" * dims}), np.float32)
    >>> F.{name}(x, w, padding="same").shape
    (1, 1{", 5" * dims})
    """
    return conv


def _conv_transpose(name: str, dims: int) -> Callable[..., Any]:
    def conv_transpose(
        input: Any,
        weight: Any,
        bias: Any = None,
        stride: Any = 1,
        padding: Any = 0,
        output_padding: Any = 0,
        groups: int = 1,
        dilation: Any = 1,
        *,
        workers: int | None = None,
    ) -> Any:
        kwargs = {
            "stride": stride,
            "padding": padding,
            "output_padding": output_padding,
            "groups": groups,
            "dilation": dilation,
        }
        return _conv_call(name, dims, _deconv.conv_transpose, input, weight, bias, kwargs, workers)

    conv_transpose.__name__ = conv_transpose.__qualname__ = name
    conv_transpose.__doc__ = f"""``torch.nn.functional.{name}``, computed by
    ``fastup.conv_transpose``: input (N, C_in, *spatial) or unbatched (C_in, *spatial), weight
    (C_in, C_out / groups, *kernel) with {dims} spatial dims, torch's argument order. Tensors
    in, tensors out; ndarrays in, ndarrays out.

    Examples
    --------
    >>> import numpy as np
    >>> import fastup.compat.torch as F
    >>> x = np.ones((1, 1{", 3" * dims}), np.float32)
    >>> w = np.ones((1, 1{", 4" * dims}), np.float32)
    >>> F.{name}(x, w, stride=2, padding=1).shape
    (1, 1{", 6" * dims})
    """
    return conv_transpose


conv1d = _conv("conv1d", 1)
conv2d = _conv("conv2d", 2)
conv3d = _conv("conv3d", 3)
conv_transpose1d = _conv_transpose("conv_transpose1d", 1)
conv_transpose2d = _conv_transpose("conv_transpose2d", 2)
conv_transpose3d = _conv_transpose("conv_transpose3d", 3)
