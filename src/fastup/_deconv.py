"""Transposed convolution ("deconv"), convolution and the deconv gradient: validate, work out
shapes and padding, call the kernels.

One group at a time, with the compiled GEMM and col2im kernels and the products over the
unfolded input:

* ``conv``:            out = bias + W @ U(x)
* ``conv_transpose``:  cols = W^T @ x;          out = bias + col2im(cols)
* backward:            grad_x = W @ U(g);       grad_W += x @ U(g)^T;  grad_b = sum g

``U(x)`` is im2col(x), the unfolded input of a convolution (rows (channel, tap), columns the
output positions), which is never written: the products read it in place from the input's
planes split by stride phase (``_Geometry.unfolding``). Work is cut into chunks whose size
depends on the shapes only, never on the thread count, so results are bit-identical for any
``workers``. A batch is shared out by sample; a single sample splits each step among the
threads (GEMM over column blocks, col2im over output planes).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from . import _kernels, _threads
from ._validate import (
    allocate,
    as_array,
    check_out,
    deliver,
    fail_type,
    fail_value,
    integer,
    kernel_target,
    normalised,
)

_FLOATS = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))
# elements of the column buffer of conv_transpose processed at once (a fixed budget, whatever
# the thread count: 1 MiB of float32, so that the columns are still in cache when scattered)
_CHUNK_ELEMENTS = 1 << 18
# per-sample weight gradients held at once (elements), before they are added in sample order
_SAMPLE_BLOCK = 1 << 22
# output positions a product over the unfolded input takes at once
_UNFOLD_WIDTH = 1 << 13


@dataclass(frozen=True)
class _Geometry:
    """A validated convolution problem (for conv, the "input" is x; for conv_transpose,
    ``lengths_in`` is x's spatial shape and ``lengths_out`` the result's)."""

    nd: int
    batched: bool
    n: int
    c_in: int
    c_out: int
    groups: int
    lengths_in: tuple[int, ...]
    lengths_out: tuple[int, ...]
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    pad_begin: tuple[int, ...]
    pad_end: tuple[int, ...]
    dilation: tuple[int, ...]
    output_padding: tuple[int, ...]
    dtype: np.dtype

    @property
    def compute(self) -> np.dtype:
        return np.dtype(np.float32) if self.dtype == np.float16 else self.dtype

    def out_shape(self, channels: int) -> tuple[int, ...]:
        lead = (self.n, channels) if self.batched else (channels,)
        return lead + self.lengths_out

    def table(self, source: tuple[int, ...], target: tuple[int, ...]) -> np.ndarray:
        """The 18 numbers the col2im kernels take, in 3-D (leading 1s)."""
        pad = 3 - self.nd

        def three(values: tuple[int, ...], fill: int) -> list[int]:
            return [fill] * pad + list(values)

        return np.array(
            three(source, 1)
            + three(target, 1)
            + three(self.kernel, 1)
            + three(self.stride, 1)
            + three(self.pad_begin, 0)
            + three(self.dilation, 1),
            dtype=np.intp,
        )

    def unfolding(
        self, source: tuple[int, ...], target: tuple[int, ...], channels: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """The tables with which ``_kernels.unfolded_products`` reads im2col(source) in place:
        (table, row offsets), in 3-D (leading 1s).

        Along an axis, kernel tap q reads input position o * s + t_q at output position o, with
        t_q = q * d - pad_begin = m_q * s + a_q (0 <= a_q < s). The input is split by phase a
        into planes G_a[u] = x[(u + mmin) * s + a] (zero outside the input) of length
        E = O + max(m) - min(m), so that tap q at output o reads G_a_q[o + m_q - mmin]: a
        fixed offset per (channel, tap) plus one per output position, and a run of output
        positions along the last axis reads a run of G. Only the phases some tap uses are
        kept. Table: input lengths, output lengths, E, stride, min(m), phase counts (3 each),
        then the phases of each axis; row offsets: one per (channel, tap), in weight order."""
        pad = 3 - self.nd
        lengths = [1] * pad + list(source)
        outputs = [1] * pad + list(target)
        kernel = [1] * pad + list(self.kernel)
        strides = [1] * pad + list(self.stride)
        begins = [0] * pad + list(self.pad_begin)
        dilations = [1] * pad + list(self.dilation)
        extents, lows, phases, slots, shifts = [], [], [], [], []
        for k, s, p, d, o in zip(kernel, strides, begins, dilations, outputs, strict=True):
            taps = np.arange(k) * d - p
            a, m = taps % s, taps // s
            used = sorted(set(a.tolist()))
            extents.append(o + int(m.max()) - int(m.min()))
            lows.append(int(m.min()))
            phases.append(used)
            slots.append(np.searchsorted(used, a))
            shifts.append(m - m.min())
        counts = [len(used) for used in phases]
        plane = math.prod(extents)
        table = np.array(
            lengths + outputs + extents + strides + lows + counts + sum(phases, []), np.intp
        )
        z, y, x = np.ix_(*[np.arange(k) for k in kernel])
        taps = (
            ((slots[0][z] * counts[1] + slots[1][y]) * counts[2] + slots[2][x]) * plane
            + (shifts[0][z] * extents[1] + shifts[1][y]) * extents[2]
            + shifts[2][x]
        )
        per_channel = math.prod(counts) * plane
        rowofs = (np.arange(channels)[:, None] * per_channel + taps.reshape(1, -1)).reshape(-1)
        return table, rowofs.astype(np.intp)


# the largest stride, dilation, padding, kernel or length an argument may give: far beyond any
# real array, and small enough that every derived length stays a C integer
_MAX_ARG = 1 << 40


def _is_sequence(value: Any) -> bool:
    return isinstance(value, (Sequence, np.ndarray)) and not isinstance(value, (str, bytes))


def _per_dim(
    func: str, name: str, value: Any, nd: int, minimum: int, maximum: int = _MAX_ARG
) -> tuple[int, ...]:
    if isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, bool):
        values = [int(value)] * nd
    elif _is_sequence(value):
        values = [integer(func, name, v) for v in value]
        if len(values) != nd:
            raise fail_value(func, name, f"an int or {nd} ints (one per spatial dim)", value)
    else:
        raise fail_type(func, name, f"an int or {nd} ints (one per spatial dim)", value)
    if any(v < minimum for v in values):
        raise fail_value(func, name, f">= {minimum}", value)
    if any(v > maximum for v in values):
        raise fail_value(func, name, f"<= {maximum}", value)
    return tuple(values)


def _padding(func: str, value: Any, nd: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """int, one int per dim, or one (begin, end) pair per dim."""
    expected = f"an int, {nd} ints, or {nd} (begin, end) pairs"
    if isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, bool):
        pairs = [(int(value), int(value))] * nd
    elif _is_sequence(value):
        items = list(value)
        if len(items) != nd:
            raise fail_value(func, "padding", expected, value)
        pairs = []
        for item in items:
            if isinstance(item, (numbers.Integral, np.integer)) and not isinstance(item, bool):
                pairs.append((int(item), int(item)))
            elif _is_sequence(item) and len(item) == 2:
                pairs.append((integer(func, "padding", item[0]), integer(func, "padding", item[1])))
            else:
                raise fail_type(func, "padding", expected, value)
    else:
        raise fail_type(func, "padding", expected, value)
    if any(p < 0 for pair in pairs for p in pair):
        raise fail_value(func, "padding", "non-negative", value)
    if any(p > _MAX_ARG for pair in pairs for p in pair):
        raise fail_value(func, "padding", f"<= {_MAX_ARG}", value)
    return tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)


def _float_array(func: str, name: str, value: Any) -> np.ndarray:
    array = as_array(func, name, value)
    if array.dtype.newbyteorder("=") not in _FLOATS:
        raise TypeError(
            f"fastup.{func}: {name!r} must have dtype float16, float32 or float64; got "
            f"{array.dtype}."
        )
    return array


def _setup(
    func: str,
    x: Any,
    weight: Any,
    bias: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: Any,
    transposed: bool,
    output_padding: Any = 0,
    output_size: Any = None,
) -> tuple[_Geometry, np.ndarray, np.ndarray, np.ndarray | None]:
    """Every check; returns the geometry and the arrays (unconverted)."""
    weight = _float_array(func, "weight", weight)
    if weight.ndim not in (3, 4, 5):
        raise ValueError(
            f"fastup.{func}: 'weight' must have 3, 4 or 5 dims (1, 2 or 3 spatial dims); got "
            f"shape {weight.shape}."
        )
    nd = weight.ndim - 2
    x = _float_array(func, "x", x)
    if x.ndim not in (nd + 1, nd + 2):
        raise ValueError(
            f"fastup.{func}: 'x' must have {nd + 2} dims (N, C, *spatial) or {nd + 1} "
            f"(C, *spatial) for a weight with {nd} spatial dims; got shape {x.shape}."
        )
    dtype = x.dtype.newbyteorder("=")
    if weight.dtype.newbyteorder("=") != dtype:
        raise TypeError(
            f"fastup.{func}: 'weight' must have the dtype of 'x' ({dtype}); got {weight.dtype}."
        )
    groups = integer(func, "groups", groups)
    if groups < 1:
        raise fail_value(func, "groups", ">= 1", groups)
    batched = x.ndim == nd + 2
    n = x.shape[0] if batched else 1
    c_in = x.shape[1] if batched else x.shape[0]
    lengths_in = tuple(x.shape[-nd:])
    kernel = tuple(weight.shape[2:])
    if transposed:
        if weight.shape[0] != c_in:
            raise ValueError(
                f"fastup.{func}: 'weight' must have C_in = {c_in} rows (shape (C_in, C_out / "
                f"groups, *kernel)); got shape {weight.shape}."
            )
        c_out = weight.shape[1] * groups
    else:
        c_out = weight.shape[0]
        if weight.shape[1] * groups != c_in:
            raise ValueError(
                f"fastup.{func}: 'weight' must have C_in / groups = {c_in} / {groups} columns "
                f"(shape (C_out, C_in / groups, *kernel)); got shape {weight.shape}."
            )
    if c_in % groups or c_out % groups:
        raise ValueError(
            f"fastup.{func}: 'groups' ({groups}) must divide the input channels ({c_in}) and "
            f"the output channels ({c_out})."
        )
    if min(kernel) == 0 or min(lengths_in) == 0 or c_in == 0 or c_out == 0:
        raise ValueError(
            f"fastup.{func}: channels, kernel and spatial lengths must be nonzero; got x of "
            f"shape {x.shape} and weight of shape {weight.shape}."
        )
    stride = _per_dim(func, "stride", stride, nd, 1)
    dilation = _per_dim(func, "dilation", dilation, nd, 1)
    pad_begin, pad_end = _padding(func, padding, nd)
    if bias is not None:
        bias = _float_array(func, "bias", bias)
        if bias.shape != (c_out,):
            raise ValueError(
                f"fastup.{func}: 'bias' must have shape ({c_out},); got shape {bias.shape}."
            )
        if bias.dtype.newbyteorder("=") != dtype:
            raise TypeError(
                f"fastup.{func}: 'bias' must have the dtype of 'x' ({dtype}); got {bias.dtype}."
            )
    if transposed:
        output_padding, lengths_out = _transposed_lengths(
            func,
            lengths_in,
            kernel,
            stride,
            pad_begin,
            pad_end,
            dilation,
            output_padding,
            output_size,
            (n, c_out) if batched else (c_out,),
        )
    else:
        output_padding = (0,) * nd
        lengths_out = tuple(
            (L + pb + pe - d * (k - 1) - 1) // s + 1
            for L, k, s, pb, pe, d in zip(
                lengths_in, kernel, stride, pad_begin, pad_end, dilation, strict=True
            )
        )
        if min(lengths_out) < 1:
            raise ValueError(
                f"fastup.{func}: the output would have spatial shape {lengths_out}: the "
                f"(dilated) kernel {kernel} is larger than the padded input {lengths_in}."
            )
    geometry = _Geometry(
        nd,
        batched,
        n,
        c_in,
        c_out,
        groups,
        lengths_in,
        lengths_out,
        kernel,
        stride,
        pad_begin,
        pad_end,
        dilation,
        output_padding,
        dtype,
    )
    return geometry, x, weight, bias


def _transposed_lengths(
    func: str,
    lengths: tuple[int, ...],
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    pad_begin: tuple[int, ...],
    pad_end: tuple[int, ...],
    dilation: tuple[int, ...],
    output_padding: Any,
    output_size: Any,
    lead: tuple[int, ...],
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    nd = len(lengths)
    smallest = tuple(
        (L - 1) * s - pb - pe + d * (k - 1) + 1
        for L, k, s, pb, pe, d in zip(
            lengths, kernel, stride, pad_begin, pad_end, dilation, strict=True
        )
    )
    room = tuple(max(s, d) for s, d in zip(stride, dilation, strict=True))
    given = _per_dim(func, "output_padding", output_padding, nd, 0)
    if output_size is not None:
        sizes, _ = _sizes(func, output_size, nd, lead)
        picked = tuple(o - m for o, m in zip(sizes, smallest, strict=True))
        for p, r in zip(picked, room, strict=True):
            if not 0 <= p < r:
                raise ValueError(
                    f"fastup.{func}: 'output_size' {tuple(sizes)} is unreachable: the "
                    f"reachable sizes range from {smallest} to "
                    f"{tuple(a + b - 1 for a, b in zip(smallest, room, strict=True))}."
                )
        if any(given) and given != picked:
            raise ValueError(
                f"fastup.{func}: 'output_padding' {given} contradicts 'output_size' "
                f"{tuple(sizes)} (which needs output_padding {picked}); give one of them."
            )
        given = picked
    for p, s, d in zip(given, stride, dilation, strict=True):
        if p >= max(s, d):
            raise fail_value(
                func,
                "output_padding",
                "smaller than max(stride, dilation) in every dim",
                output_padding,
            )
    lengths_out = tuple(m + p for m, p in zip(smallest, given, strict=True))
    if min(lengths_out) < 1:
        raise ValueError(
            f"fastup.{func}: the output would have spatial shape {lengths_out}: the padding "
            f"{tuple(zip(pad_begin, pad_end, strict=True))} removes everything."
        )
    return given, lengths_out


def _sizes(func: str, value: Any, nd: int, lead: tuple[int, ...]) -> tuple[list[int], bool]:
    """output_size: one int, the spatial lengths, or the whole output shape."""
    if isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, bool):
        return [int(value)] * nd, True
    if not _is_sequence(value):
        raise fail_type(func, "output_size", f"an int or {nd} ints", value)
    values = [integer(func, "output_size", v) for v in value]
    if len(values) == nd:
        return values, False
    if len(values) == nd + len(lead) and tuple(values[: len(lead)]) == lead:
        return values[len(lead) :], False
    raise fail_value(
        func,
        "output_size",
        f"{nd} spatial lengths (or the whole output shape {lead} + ...)",
        value,
    )


def _chunk(rows: int, columns: int) -> int:
    """Columns of the column buffer per step: a fixed budget, whatever the thread count."""
    return max(1, min(columns, _CHUNK_ELEMENTS // max(rows, 1)))


def _prepare(geometry: _Geometry, nthreads: int, *arrays: Any) -> list[Any]:
    """C-contiguous, native, aligned, in the compute dtype (None stays None)."""
    return [None if a is None else normalised(a, geometry.compute, nthreads) for a in arrays]


def _batched(geometry: _Geometry, a: np.ndarray) -> np.ndarray:
    return a if geometry.batched else a[np.newaxis]


def conv_transpose(
    x: Any,
    weight: Any,
    bias: Any = None,
    stride: int | Sequence[int] = 1,
    padding: Any = 0,
    output_padding: int | Sequence[int] = 0,
    groups: int = 1,
    dilation: int | Sequence[int] = 1,
    *,
    output_size: Any = None,
    workers: int | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Transposed convolution ("deconvolution"), PyTorch's ``F.conv_transpose1d/2d/3d``.

    Parameters
    ----------
    x : array_like
        (N, C_in, *spatial) or unbatched (C_in, *spatial); float16 (computed in float32),
        float32 or float64.
    weight : array_like
        (C_in, C_out / groups, *kernel); 1, 2 or 3 spatial dims (``weight.ndim - 2``).
    bias : array_like, optional
        (C_out,).
    stride, dilation, output_padding : int or sequence of int
        One value for every spatial dim, or one per dim. ``output_padding`` must be smaller
        than ``max(stride, dilation)``.
    padding : int, sequence of int, or sequence of (begin, end) pairs
        Removed from the output's borders (asymmetric pairs as ONNX ``pads``).
    groups : int
        Channel groups (C_in and C_out divisible by it).
    output_size : int or sequence of int, optional
        The spatial output shape (or the whole output shape); picks ``output_padding``.
        ValueError when it is not reachable.
    workers, out
        Threads and an optional output array, as in ``fastup.resize``.

    Notes
    -----
    ``out[n, co, o] = bias[co] + sum_{ci, q, i : o = i * stride - pad_begin + q * dilation}
    weight[ci, co', q] * x[n, ci, i]`` over the input channels of ``co``'s group, with output
    length ``(L - 1) * stride - pad_begin - pad_end + dilation * (k - 1) + output_padding + 1``.
    It is the adjoint of ``fastup.conv`` with respect to its input: their matrices are each
    other's transpose. Computed as ``W^T @ x`` (a GEMM) followed by a scatter of the columns
    into the output (col2im), one output plane per thread.

    Examples
    --------
    >>> import numpy as np
    >>> import fastup
    >>> x = np.ones((1, 1, 2, 2), np.float32)
    >>> w = np.ones((1, 1, 3, 3), np.float32)
    >>> fastup.conv_transpose(x, w, stride=2, padding=1)[0, 0].tolist()  # the checkerboard
    [[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]
    """
    func = "conv_transpose"
    geometry, x, weight, bias = _setup(
        func,
        x,
        weight,
        bias,
        stride,
        padding,
        dilation,
        groups,
        True,
        output_padding,
        output_size,
    )
    return _with_output(func, geometry, x, weight, bias, workers, out, _conv_transpose_into)


def _with_output(
    func: str,
    geometry: _Geometry,
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    workers: Any,
    out: np.ndarray | None,
    body: Callable[[_Geometry, np.ndarray, np.ndarray, np.ndarray, int], None],
) -> np.ndarray:
    """The output of conv / conv_transpose: allocated (or ``out`` checked), set to the bias
    (or zero) in the compute dtype, accumulated into by ``body(geometry, x, weight, out,
    nthreads)`` (batched, C-contiguous arrays), and cast back (float16)."""
    nthreads = _threads.resolve(func, workers)
    shape = geometry.out_shape(geometry.c_out)
    if out is None:
        result = allocate(func, shape, geometry.dtype)
    else:
        result = check_out(func, out, shape, geometry.dtype, [x, weight])
    if result.size == 0:  # an empty batch: nothing to compute (and no scratch to allocate)
        return result
    xs, ws, bs = _prepare(geometry, nthreads, x, weight, bias)
    if geometry.dtype == geometry.compute:
        target = kernel_target(result)
    else:  # float16: computed in float32
        target = np.empty(shape, geometry.compute)
    batched = _batched(geometry, target)
    values = np.zeros(geometry.c_out, geometry.compute) if bs is None else bs
    _kernels.fill_planes(
        batched.reshape(batched.shape[0] * batched.shape[1], -1),
        values,
        _threads.team_size(nthreads, batched.size),
    )
    body(geometry, _batched(geometry, xs), ws, batched, nthreads)
    return deliver(result, target, nthreads)


def _conv_transpose_into(
    geometry: _Geometry, x: np.ndarray, weight: np.ndarray, out: np.ndarray, nthreads: int
) -> None:
    """out += col2im(W^T @ x): a batch shared out by sample (``_kernels.sample_transposed``),
    a single sample one column chunk at a time, each chunk's product and scatter threaded."""
    g = geometry.groups
    cin_g, cout_g = geometry.c_in // g, geometry.c_out // g
    kprod = math.prod(geometry.kernel)
    spatial_in = math.prod(geometry.lengths_in)
    spatial_out = math.prod(geometry.lengths_out)
    table = geometry.table(geometry.lengths_in, geometry.lengths_out)
    rows = cout_g * kprod
    width = _chunk(rows, spatial_in)
    planes = out.reshape(geometry.n, geometry.c_out, spatial_out)
    source = x.reshape(geometry.n, geometry.c_in, spatial_in)
    if geometry.n > 1:  # a batch: shared out by sample, each on one thread
        for gi in range(g):
            _kernels.sample_transposed(
                source[:, gi * cin_g : (gi + 1) * cin_g],
                table,
                weight[gi * cin_g : (gi + 1) * cin_g].reshape(cin_g, rows),
                planes[:, gi * cout_g : (gi + 1) * cout_g],
                width,
                _threads.team_size(nthreads, geometry.n * rows * spatial_in * cin_g),
            )
        return
    cols = np.empty((rows, width), geometry.compute)
    gemm_threads = _threads.team_size(nthreads, rows * width * cin_g)
    scatter_threads = _threads.team_size(nthreads, rows * width)
    for gi in range(g):
        w_t = weight[gi * cin_g : (gi + 1) * cin_g].reshape(cin_g, rows).T  # (rows, cin_g)
        for ni in range(geometry.n):
            xg = source[ni, gi * cin_g : (gi + 1) * cin_g]
            target = planes[ni, gi * cout_g : (gi + 1) * cout_g].reshape(-1)
            for i0 in range(0, spatial_in, width):
                w = min(width, spatial_in - i0)
                block = cols[:, :w] if w == width else np.empty((rows, w), geometry.compute)
                _kernels.gemm(w_t, xg[:, i0 : i0 + w], block, False, gemm_threads)
                _kernels.col2im(block, target, table, i0, scatter_threads)


def conv(
    x: Any,
    weight: Any,
    bias: Any = None,
    stride: int | Sequence[int] = 1,
    padding: Any = 0,
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
    *,
    workers: int | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Convolution (cross-correlation), PyTorch's ``F.conv1d/2d/3d``.

    ``x``: (N, C_in, *spatial) or (C_in, *spatial); ``weight``: (C_out, C_in / groups,
    *kernel); the other arguments as in ``conv_transpose`` (``padding`` pads the input with
    zeros, asymmetrically with (begin, end) pairs). Output length per spatial dim:
    ``floor((L + pad_begin + pad_end - dilation * (k - 1) - 1) / stride) + 1``.

    Notes
    -----
    ``out[n, co, o] = bias[co] + sum_{ci, q} weight[co, ci', q] *
    x[n, ci, o * stride - pad_begin + q * dilation]`` (zero outside the input), computed as
    a GEMM with the unfolded input (im2col), read in place from the input's planes split by
    stride phase (a copy of the input, zero-padded, per sample and thread).

    Examples
    --------
    >>> import numpy as np
    >>> import fastup
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> fastup.conv(x, np.ones((1, 1, 2, 2)), stride=2)[0, 0].tolist()  # sums of 2 x 2 blocks
    [[10.0, 18.0], [42.0, 50.0]]
    """
    func = "conv"
    geometry, x, weight, bias = _setup(
        func, x, weight, bias, stride, padding, dilation, groups, False
    )
    return _with_output(func, geometry, x, weight, bias, workers, out, _conv_into)


def _conv_into(
    geometry: _Geometry, x: np.ndarray, weight: np.ndarray, out: np.ndarray, nthreads: int
) -> None:
    """out += W @ U(x), one group at a time."""
    g = geometry.groups
    cin_g, cout_g = geometry.c_in // g, geometry.c_out // g
    _gather_product(
        geometry,
        x,
        geometry.c_in,
        geometry.lengths_in,
        geometry.lengths_out,
        [weight[gi * cout_g : (gi + 1) * cout_g].reshape(cout_g, -1) for gi in range(g)],
        cin_g,
        out.reshape(geometry.n, geometry.c_out, -1),
        cout_g,
        nthreads,
    )


def _gather_product(
    geometry: _Geometry,
    source: np.ndarray,
    channels: int,
    lengths_source: tuple[int, ...],
    lengths_target: tuple[int, ...],
    weights: list[np.ndarray],
    source_per_group: int,
    target: np.ndarray | None,
    target_per_group: int,
    nthreads: int,
    grad_weight: list[np.ndarray] | None = None,
    grad_source: np.ndarray | None = None,
    plane_sums: np.ndarray | None = None,
) -> None:
    """target[n, group] += W_group @ im2col(source[n, group]) (conv, and the input gradient of
    conv_transpose); with ``grad_weight``, also grad_weight[group] += grad_source[n, group] @
    im2col(source[n, group])^T (the weight gradient of conv_transpose). ``plane_sums``
    (n, channels; float64) receives the sum of each source plane (the bias gradient).

    The unfolded source is never written: ``_kernels.unfolded_products`` reads it in place from
    the phase-split planes of each sample (``_Geometry.unfolding``). A batch is shared out by
    sample among the threads; weight gradients come per sample, in blocks of ``_SAMPLE_BLOCK``
    elements, and are added in sample order (the same sums for any thread count)."""
    spatial_source = math.prod(lengths_source)
    spatial_target = math.prod(lengths_target)
    table, rowofs = geometry.unfolding(lengths_source, lengths_target, source_per_group)
    rows = rowofs.size
    flat = source.reshape(geometry.n, channels, spatial_source)
    threads = _threads.team_size(nthreads, geometry.n * rows * spatial_target * 64)
    for gi in range(geometry.groups):
        s0, s1 = gi * source_per_group, (gi + 1) * source_per_group
        cg = 0 if grad_weight is None else grad_weight[gi].shape[0]
        block = max(1, min(geometry.n, _SAMPLE_BLOCK // max(1, cg * rows)))
        for n0 in range(0, geometry.n, block):
            n1 = min(geometry.n, n0 + block)
            sums = sources = None
            if grad_weight is not None and grad_source is not None:
                sums = np.empty((n1 - n0, rows, cg), geometry.compute)
                sources = grad_source[n0:n1, gi * cg : (gi + 1) * cg]
            _kernels.unfolded_products(
                flat[n0:n1, s0:s1],
                table,
                rowofs,
                weights[gi],
                None
                if target is None
                else target[n0:n1, gi * target_per_group : (gi + 1) * target_per_group],
                sources,
                sums,
                _UNFOLD_WIDTH,
                threads,
                None if plane_sums is None else plane_sums[n0:n1, s0:s1],
            )
            if sums is not None and grad_weight is not None:
                for one in sums:
                    grad_weight[gi] += one.T


def conv_transpose_backward(
    grad_out: Any,
    x: Any,
    weight: Any,
    stride: int | Sequence[int] = 1,
    padding: Any = 0,
    output_padding: int | Sequence[int] = 0,
    groups: int = 1,
    dilation: int | Sequence[int] = 1,
    *,
    needs: Sequence[str] = ("input", "weight", "bias"),
    workers: int | None = None,
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """Gradients of ``conv_transpose`` with respect to ``x``, ``weight`` and ``bias``.

    ``grad_out`` has the shape ``conv_transpose(x, weight, ...)`` returns for the same
    arguments. Returns ``(grad_x, grad_weight, grad_bias)``; the entries not named in
    ``needs`` (a subset of "input", "weight", "bias") are None.

    Notes
    -----
    ``grad_x = conv(grad_out, weight)`` with the same stride, padding, dilation and groups
    (the adjoint of the adjoint); ``grad_weight[ci, co', q] = sum_{n, i} x[n, ci, i] *
    grad_out[n, co, i * stride - pad_begin + q * dilation]``; ``grad_bias[co] = sum_{n, o}
    grad_out[n, co, o]``. Both products run on the unfolded ``grad_out`` (im2col, read in place
    from its phase-split planes); grad_weight accumulates over the batch in order, so it is
    bit-identical for any thread count.

    Examples
    --------
    >>> import numpy as np
    >>> import fastup
    >>> x, w = np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3))
    >>> gx, gw, gb = fastup.conv_transpose_backward(np.ones((1, 1, 3, 3)), x, w, stride=2,
    ...                                             padding=1)
    >>> gx.shape, gw.shape, gb.tolist()
    ((1, 1, 2, 2), (1, 1, 3, 3), [9.0])
    >>> fastup.conv_transpose_backward(np.ones((1, 1, 3, 3)), x, w, stride=2, padding=1,
    ...                                needs=("bias",))[:2]
    (None, None)
    """
    func = "conv_transpose_backward"
    if isinstance(needs, str):
        needs = (needs,)
    try:
        wanted = set(needs)
    except TypeError:
        raise fail_type(func, "needs", "a collection of 'input', 'weight', 'bias'", needs) from None
    if not wanted <= {"input", "weight", "bias"}:
        raise fail_value(func, "needs", "a collection of 'input', 'weight', 'bias'", needs)
    geometry, x, weight, _ = _setup(
        func, x, weight, None, stride, padding, dilation, groups, True, output_padding
    )
    grad = _float_array(func, "grad_out", grad_out)
    shape = geometry.out_shape(geometry.c_out)
    if grad.shape != shape:
        raise ValueError(
            f"fastup.{func}: 'grad_out' must have the shape of conv_transpose's output "
            f"{shape}; got {grad.shape}."
        )
    if grad.dtype.newbyteorder("=") != geometry.dtype:
        raise TypeError(
            f"fastup.{func}: 'grad_out' must have the dtype of 'x' ({geometry.dtype}); got "
            f"{grad.dtype}."
        )
    nthreads = _threads.resolve(func, workers)
    if geometry.n == 0:  # an empty batch: zero gradients
        lead = (0, geometry.c_in) if geometry.batched else (geometry.c_in,)
        return (
            np.zeros(lead + geometry.lengths_in, geometry.dtype) if "input" in wanted else None,
            np.zeros(weight.shape, geometry.dtype) if "weight" in wanted else None,
            np.zeros(geometry.c_out, geometry.dtype) if "bias" in wanted else None,
        )
    xs, ws, gs = _prepare(geometry, nthreads, x, weight, grad)
    g = geometry.groups
    cin_g, cout_g = geometry.c_in // g, geometry.c_out // g
    grad_x = grad_w = grad_b = None
    if "input" in wanted:
        grad_x = np.zeros(
            (geometry.n, geometry.c_in, math.prod(geometry.lengths_in)), geometry.compute
        )
    if "weight" in wanted:
        grad_w = np.zeros(ws.shape, geometry.compute)
    # the bias gradient: each plane of grad_out summed in float64 (_gather_product does it
    # with the products), then the samples added in order
    sums = np.zeros((geometry.n, geometry.c_out)) if "bias" in wanted else None
    if grad_x is not None or grad_w is not None:
        _gather_product(
            geometry,
            _batched(geometry, gs),
            geometry.c_out,
            geometry.lengths_out,
            geometry.lengths_in,
            [ws[gi * cin_g : (gi + 1) * cin_g].reshape(cin_g, -1) for gi in range(g)],
            cout_g,
            grad_x,
            cin_g,
            nthreads,
            grad_weight=None
            if grad_w is None
            else [grad_w[gi * cin_g : (gi + 1) * cin_g].reshape(cin_g, -1) for gi in range(g)],
            grad_source=_batched(geometry, xs).reshape(geometry.n, geometry.c_in, -1),
            plane_sums=sums,
        )
    elif sums is not None:  # the bias alone
        flat = _batched(geometry, gs).reshape(geometry.n, geometry.c_out, -1)
        _kernels.sum_planes(flat, sums, _threads.team_size(nthreads, flat.size))
    if sums is not None:
        grad_b = sums.sum(axis=0)
    if grad_x is not None:
        lead = (geometry.n, geometry.c_in) if geometry.batched else (geometry.c_in,)
        grad_x = grad_x.reshape(lead + geometry.lengths_in).astype(geometry.dtype, copy=False)
    if grad_w is not None:
        grad_w = grad_w.astype(geometry.dtype, copy=False)
    if grad_b is not None:
        grad_b = grad_b.astype(geometry.dtype, copy=False)
    return grad_x, grad_w, grad_b


def interpolation_kernel(
    stride: int | Sequence[int], mode: str = "linear", ndim: int = 2, dtype: Any = np.float32
) -> tuple[np.ndarray, tuple[int, ...]]:
    """Transposed-convolution weights that upsample like ``resize(scale=stride, mode=mode)``.

    Returns ``(weight, padding)``: ``weight`` of shape ``(1, 1, *kernel)`` (tile it to
    ``(C, 1, *kernel)`` and use ``groups=C`` for C channels) and the ``padding`` to pass with
    it, so that ``conv_transpose(x, weight, stride=stride, padding=padding)`` has length
    ``stride * L`` and equals ``resize(x, scale=stride, mode=mode)`` (half_pixel) away from
    the borders, where resize clamps taps to the edge. This is FCN's bilinear initialisation,
    generalised to every mode and integer stride.

    Notes
    -----
    Output ``o`` of ``resize`` samples ``x(o) = (o + 0.5) / s - 0.5``; ``conv_transpose``
    sends input ``j`` to output ``j s - p + q``. With the kernel's support R (linear 1, cubic
    2, lanczos 3): ``K = 2 R s - (s mod 2)`` taps, ``p = (K - s) / 2`` and
    ``w[q] = k((q - (K - 1) / 2) / s)``; lanczos weights are renormalised in each of the s
    phases like ``resize`` does. nearest and area (integer upscaling) repeat: ``ones(s)``,
    ``p = 0``.

    Examples
    --------
    >>> import numpy as np
    >>> import fastup
    >>> k, pad = fastup.interpolation_kernel(2, "linear", ndim=1)
    >>> k.tolist(), pad
    ([[[0.25, 0.75, 0.75, 0.25]]], (1,))
    >>> x = np.arange(8.0).reshape(1, 1, 8)
    >>> up = fastup.conv_transpose(x, k.astype(np.float64), stride=2, padding=pad)
    >>> bool(np.allclose(up[..., 2:-2], fastup.resize(x, scale=2.0)[..., 2:-2]))
    True
    """
    from ._tables import KERNEL_SUPPORT, MODE_ALIASES, MODES, kernel_weights

    func = "interpolation_kernel"
    ndim = integer(func, "ndim", ndim)
    if ndim not in (1, 2, 3):
        raise fail_value(func, "ndim", "1, 2 or 3", ndim)
    strides = _per_dim(func, "stride", stride, ndim, 1, 1 << 12)
    if not isinstance(mode, str) or MODE_ALIASES.get(mode, mode) not in MODES:
        raise fail_value(func, "mode", "one of " + ", ".join(repr(m) for m in MODES), mode)
    mode = MODE_ALIASES.get(mode, mode)
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise fail_type(func, "dtype", "float16, float32 or float64", dtype) from None
    if dtype not in _FLOATS:
        raise TypeError(f"fastup.{func}: 'dtype' must be float16, float32 or float64; got {dtype}.")
    kernels, pads = [], []
    for s in strides:
        if mode in ("nearest", "area"):
            kernels.append(np.ones(s))
            pads.append(0)
            continue
        taps = 2 * KERNEL_SUPPORT[mode] * s - s % 2
        q = np.arange(taps, dtype=np.float64)
        w = kernel_weights(mode, (q - (taps - 1) / 2) / s, -0.75)
        if mode == "lanczos":
            for phase in range(s):
                w[phase::s] /= w[phase::s].sum()
        kernels.append(w)
        pads.append((taps - s) // 2)
    weight = kernels[0]
    for k in kernels[1:]:
        weight = np.multiply.outer(weight, k)
    return weight.reshape((1, 1) + weight.shape).astype(dtype), tuple(pads)


def checkerboard(
    kernel_size: int | Sequence[int], stride: int | Sequence[int], dilation: int | Sequence[int] = 1
) -> np.ndarray:
    """How many kernel taps of a transposed convolution reach each output position, over one
    period of the stride.

    Returns an int array of shape ``stride`` (per spatial dim): entry ``r`` counts the taps
    ``q`` with ``q * dilation = r (mod stride)``. Output ``o`` has phase
    ``(o + pad_begin) mod stride``. Uneven counts are the checkerboard artifacts of Odena et
    al. (distill.pub 2016): ``checkerboard(3, 2) = [2, 1]``; ``checkerboard(4, 2) = [2, 2]``.

    Examples
    --------
    >>> import fastup
    >>> fastup.checkerboard(3, 2).tolist(), fastup.checkerboard(4, 2).tolist()
    ([2, 1], [2, 2])
    >>> fastup.checkerboard((3, 4), (2, 2)).tolist()  # 2-D: rows and columns of a period
    [[4, 4], [2, 2]]
    """
    func = "checkerboard"
    lengths = []
    for name, value in (("kernel_size", kernel_size), ("stride", stride), ("dilation", dilation)):
        if _is_sequence(value):
            if len(cast(Sequence[int], value)) == 0:
                raise fail_value(func, name, "an int or a non-empty sequence of ints", value)
            lengths.append(len(cast(Sequence[int], value)))
    nd = max(lengths, default=1)
    kernel = _per_dim(func, "kernel_size", kernel_size, nd, 1, 1 << 62)
    strides = _per_dim(func, "stride", stride, nd, 1, 1 << 20)
    dilations = _per_dim(func, "dilation", dilation, nd, 1, 1 << 62)
    if math.prod(kernel) >= 1 << 63:  # the counts sum to the number of taps: an int64
        raise fail_value(
            func, "kernel_size", "a kernel of fewer than 2**63 taps in all", kernel_size
        )
    counts = []
    for k, s, d in zip(kernel, strides, dilations, strict=True):
        # q * d mod s repeats with period s / gcd(d, s): count whole periods, then the rest
        period = s // math.gcd(d, s)
        phases = (np.arange(min(k, period), dtype=np.int64) * (d % s)) % s
        count = np.zeros(s, dtype=np.int64)
        np.add.at(count, phases, k // period)
        np.add.at(count, phases[: k % period], 1)
        counts.append(count)
    result = counts[0]
    for c in counts[1:]:
        result = np.multiply.outer(result, c)
    return result.astype(np.int64)
