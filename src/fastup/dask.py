"""``fastup.dask``: chunked resizes of ``dask.array`` arrays, bit for bit the in-memory ones,
and multiscale pyramids written to OME-Zarr (``pyramid``, ``to_zarr``: ``fastup._pyramid``).

``resize(array, ...)`` returns a lazy array with one task per output chunk. A task reads only
the input its outputs need: along each resized axis, the rows of the whole array's table for
its outputs (``fastup._tables``, the core's own cached builders) say which input positions
they touch, from the first tap of the first row to the last tap of the last one; the input
blocks that overlap that region are joined and cut to it, the rows are shifted to it, and the
core runs them (``table_plan`` + ``run_plan``).

Why the whole array's plan, and not a resize of the region
---------------------------------------------------------
Resizing the region as an array of its own is not bit-equal to the same outputs of the whole
resize: the core chooses from the shape it is given. Either every chunk follows the whole
array's choices, or the core would have to compute each output by the same operations in
every array (its kernels are not written that way, and they are another module's). So each
chunk follows the whole array's choices (``fastup._resize.Route``), which are:

* the tables themselves: a table built for the region would pack its taps differently where a
  kernel is wider than the region (edges clamp elsewhere), so the chunk takes the rows of the
  whole array's tables;
* the resized axes: a chunk's rows may look like an identity (a 1-output chunk of an upscale
  with one tap) that the core would skip;
* the order of the passes and which are fused (``_plan_steps`` prices them from the shape),
  and whether a one-axis pass sums whole rows or gathers (``ROWS_MIN_INNER`` elements after
  the axis): float32 sums of rows round each product, the gathering kernels fuse
  multiply-adds;
* a uint8 image's fixed-point plan (``_kernels.FixedPlan``): its order and short passes are
  forced to the whole array's, and its weight bits and intermediate shift, the largest the
  tables allow, are maxima over the table rows: the chunk's tables carry a few extra rows
  (the whole table's extreme rows; if that does not reproduce the plan, every distinct row)
  whose outputs are dropped, and the chunk's plan is checked against the whole one;
* the float32 pass along the inner axis of a fused step (or a gathering pass) picks a kernel
  per call from the row (``fastup_hx1_build`` in ``_resample.h``), and the kernels differ in
  the last bit: dot products of 8 lanes summed as a tree (one element per pixel, 8 or more
  taps), whose last ``Wo % 8`` outputs (the row's tail) sum their lanes in another order;
  fused multiply-adds tap by tap; or plain loops that a compiler contracts its own way (2 or
  4 taps), taken for rows of fewer than 8 elements, 16 or more elements per pixel, or where
  most blocks of 8 outputs must gather. ``_w_path`` mirrors that choice; each chunk's inner
  range is widened (to blocks of 8 aligned with the whole row, past the region end by up to
  16 pixels, then doubled) until it picks the whole row's kernel, and the elements after the
  axis are read whole where the chunk's count of them would change the choice.

Passes along outer axes, float64 accumulation (Cython loops without fused multiply-adds),
nearest (a copy) and majority compute each output from its own taps alone, wherever it sits.
The tests (``tests/test_dask.py``) check random chunkings against the in-memory resize, among
them chunkings aimed at each of the cases above.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import product
from typing import Any

import numpy as np

try:
    import dask.array as da
    from dask.array.core import normalize_chunks
    from dask.base import tokenize
    from dask.highlevelgraph import HighLevelGraph
except ImportError as exc:  # pragma: no cover - dask is an optional dependency
    raise ImportError(
        'fastup.dask needs dask[array]: pip install "fastup[dask]" (or "dask[array]").'
    ) from exc

from . import _resize as _core
from ._pyramid import pyramid, to_zarr
from ._tables import IndexTable, WeightTable
from ._validate import as_array

__all__ = ["pyramid", "resize", "to_zarr"]

_FUNC = "resize"  # errors name the core's function: the arguments are the core's
# the float32 W pass of _resample.h (fastup_hx1_build): elements per pixel below which it
# uses the AVX2 kernels, taps from which one element per pixel takes dot products, and the
# outputs of a block
_ELEM_MAX_C = 16
_DOT_TAPS = 8
_BLOCK = 8
# pixels past a chunk's last tap that settle whether a block's loads stay inside the row
_ROW_SLACK = 16


def resize(
    array: Any,
    size: int | Sequence[int] | None = None,
    *,
    scale: float | Sequence[float] | None = None,
    axes: int | Sequence[int] | None = None,
    chunks: Any = None,
    mode: str = "linear",
    coordinate_mode: str = "half_pixel",
    nearest_mode: str = "round_prefer_floor",
    cubic_a: float = -0.75,
    exclude_outside: bool = False,
    antialias: bool = False,
    roi: Sequence[Sequence[float]] | None = None,
    extrapolation_value: float = 0.0,
    size_policy: str = "stretch",
) -> Any:
    """``fastup.resize`` of a ``dask.array.Array``, lazily, chunk by chunk.

    Parameters
    ----------
    array : dask.array.Array
        Any shape, chunking and dtype ``fastup.resize`` takes.
    size, scale, axes, mode, coordinate_mode, nearest_mode, cubic_a, exclude_outside, \
antialias, roi, extrapolation_value, size_policy
        As in ``fastup.resize``; checked when the graph is built, with the same errors.
    chunks : optional
        The output chunking, anything ``dask.array`` takes for an array of the output shape
        (a dict or a tuple may leave axes out or give None: those keep the default). Default:
        the input's chunks along axes that are not resized, and chunks of the input's largest
        chunk length along resized ones.

    Returns
    -------
    dask.array.Array
        Lazy; computed, it equals ``fastup.resize`` of the whole array bit for bit, on any
        scheduler. Each task reads the input blocks that overlap the region its outputs'
        table rows touch (see the module docstring) and runs one thread.

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> import fastup
    >>> import fastup.dask
    >>> x = np.arange(64.0).reshape(8, 8)
    >>> lazy = fastup.dask.resize(da.from_array(x, chunks=3), (4, 4), antialias=True)
    >>> lazy.chunks
    ((3, 1), (3, 1))
    >>> bool(np.array_equal(lazy.compute(), fastup.resize(x, (4, 4), antialias=True)))
    True
    """
    if not isinstance(array, da.Array):
        raise TypeError(
            f"fastup.dask.resize: 'array' must be a dask.array.Array; got an object of type "
            f"{type(array).__name__} (wrap an ndarray with dask.array.from_array)."
        )
    as_array(_FUNC, "x", np.empty((0,), dtype=array.dtype))  # the core's dtype check
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
    if any(math.isnan(n) for n in array.shape):
        raise ValueError(
            "fastup.dask.resize: 'array' has unknown chunk sizes; call compute_chunk_sizes() first."
        )
    shape = tuple(int(n) for n in array.shape)
    plan = _core._get_plan(_FUNC, shape, array.dtype, *args)
    if axes is None and plan.channels_last_warning:
        warnings.warn(plan.channels_last_warning, _core.ChannelsLastWarning, stacklevel=2)
    out_chunks = _out_chunks(array, plan, chunks)
    dtype = plan.dtype
    name = "fastup-resize-" + tokenize(array, _core._frozen(args), out_chunks)
    if math.prod(plan.out_shape) == 0:
        return da.zeros(plan.out_shape, dtype=dtype, chunks=out_chunks)
    ctx = _Context.of(plan)
    ctx_name = name + "-plan"
    graph: dict[Any, Any] = {ctx_name: ctx}
    in_bounds = [np.cumsum((0,) + c) for c in array.chunks]
    out_bounds = [np.cumsum((0,) + c) for c in out_chunks]
    for index in product(*(range(len(c)) for c in out_chunks)):
        wanted = [(int(out_bounds[a][i]), int(out_bounds[a][i + 1])) for a, i in enumerate(index)]
        block = ctx.block(wanted)
        if block.fill:
            graph[(name,) + index] = (_fill_block, ctx_name, block)
            continue
        spans = []
        for a, (r0, r1) in enumerate(block.region):
            first = int(np.searchsorted(in_bounds[a], r0, side="right")) - 1
            last = int(np.searchsorted(in_bounds[a], r1, side="left"))
            spans.append(range(first, last))
        # per axis, the part of each input block in the region
        block.parts = [
            [
                slice(
                    max(r0, int(in_bounds[a][i])) - int(in_bounds[a][i]),
                    min(r1, int(in_bounds[a][i + 1])) - int(in_bounds[a][i]),
                )
                for i in span
            ]
            for a, ((r0, r1), span) in enumerate(zip(block.region, spans, strict=True))
        ]
        graph[(name,) + index] = (
            _run_block,
            ctx_name,
            block,
            _nested_keys(array.name, spans, ()),
        )
    hlg = HighLevelGraph.from_collections(name, graph, dependencies=[array])
    return da.Array(hlg, name, out_chunks, meta=np.empty((0,) * len(shape), dtype=dtype))


def _nested_keys(name: str, spans: list[range], prefix: tuple[int, ...]) -> Any:
    """The keys of the input blocks ``spans`` (one range of block indices per axis), nested
    one list per axis (``_join``)."""
    if len(prefix) == len(spans):
        return (name,) + prefix
    return [_nested_keys(name, spans, prefix + (i,)) for i in spans[len(prefix)]]


def _out_chunks(array: Any, plan: Any, chunks: Any) -> tuple[tuple[int, ...], ...]:
    """The output chunking: ``chunks`` normalised by dask, with the default where it gives
    none (see ``resize``)."""
    ndim = len(plan.out_shape)
    default = []
    for a in range(ndim):
        if a in plan.specs and plan.out_shape[a] != array.shape[a] or a in plan.active:
            step = max(1, max(array.chunks[a], default=1))
            default.append(
                normalize_chunks((step,), shape=(plan.out_shape[a],))[0]
                if plan.out_shape[a]
                else (0,)
            )
        else:
            default.append(tuple(array.chunks[a]))
    if chunks is None:
        return tuple(default)
    if isinstance(chunks, dict):
        given = {int(k) % ndim if ndim else int(k): v for k, v in chunks.items()}
        chunks = tuple(given.get(a, default[a]) for a in range(ndim))
    elif isinstance(chunks, (tuple, list)) and len(chunks) == ndim:
        chunks = tuple(default[a] if c is None else c for a, c in enumerate(chunks))
    return normalize_chunks(chunks, shape=plan.out_shape, dtype=plan.dtype)


# --------------------------------------------------------------------------------------------
# the per-chunk geometry
# --------------------------------------------------------------------------------------------


@dataclass
class _Block:
    """One output chunk: its outputs (``wanted``, per axis), the outputs it computes
    (``computed`` per axis, around ``wanted``: the dropped ones make the core take the whole
    array's kernels), the input region it reads and the part of each input block in it
    (``parts``, per axis, set when the graph is built), or ``fill`` when every output is
    extrapolated."""

    wanted: list[tuple[int, int]]
    computed: list[tuple[int, int]]
    region: list[tuple[int, int]]
    fill: bool = False
    parts: list[list[slice]] = field(default_factory=list)


@dataclass(frozen=True)
class _Pass:
    """A float32 pass of the whole plan along ``axis`` by ``_kernels.Resample2D`` (a fused step
    or a gathering one): the axes after it, the steps before it, its taps and W-pass kind."""

    axis: int
    trailing: tuple[int, ...]
    before: frozenset[int]  # active axes resized by earlier steps
    taps: int
    key: tuple[Any, ...]


@dataclass
class _Context:
    """What every task of one resize shares: the whole array's route and tables."""

    route: _core.Route
    dtype: np.dtype
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    tables: dict[int, IndexTable | WeightTable]
    fill_value: np.ndarray
    passes: tuple[_Pass, ...]
    # the whole fixed-point plan: its integers (``FixedPlan.info()``), and the (outer, inner)
    # axes of its step; None when the plan takes no fixed-point route
    fixed: dict[str, Any] | None
    fixed_axes: tuple[int, int] | None
    _extra: dict[Any, np.ndarray] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, plan: Any) -> _Context:
        route = _core.plan_route(plan)
        tables = {a: t for a, t in plan.tables().items() if a in route.active}
        fixed = fixed_axes = None
        if route.fixed is not None:
            info = plan.fixed.info()
            fixed = {k: info[k] for k in _FIXED_KEYS + ("qx", "qy")}
            step = route.steps[0]
            fixed_axes = (step.outer, step.axis)
        passes = []
        if route.steps is not None and route.fixed is None and plan.fused:
            current = list(plan.in_shape)
            done: set[int] = set()
            for step in route.steps:
                if step.outer is not None or not step.rows:
                    t = tables[step.axis]
                    C = _core._inner(current, step.axis)
                    key = _w_key(C, plan.in_shape[step.axis], t.start, t.taps)
                    trailing = tuple(range(step.axis + 1, len(current)))
                    passes.append(_Pass(step.axis, trailing, frozenset(done), t.taps, key))
                for a in (step.axis, step.outer):
                    if a is not None:
                        current[a] = plan.out_shape[a]
                        done.add(a)
        return cls(
            route,
            plan.dtype,
            plan.in_shape,
            plan.out_shape,
            tables,
            _core._fill_value(plan.dtype, plan.extrapolation_value),
            tuple(passes),
            fixed,
            fixed_axes,
        )

    def block(self, wanted: list[tuple[int, int]]) -> _Block:
        """The geometry of the output chunk ``wanted``: the first candidate (ever wider
        computed ranges, up to the whole array) on which every float32 W pass picks the
        whole row's kernel."""
        inside = {a: _inside(t, *wanted[a]) for a, t in self.tables.items()}
        if any(not rows.any() for rows in inside.values()):
            return _Block(wanted, wanted, wanted, fill=True)
        computed = list(wanted)
        for p in self.passes:
            if p.key[0] == "dot":
                computed[p.axis] = _aligned(computed[p.axis], _BLOCK, self.out_shape[p.axis])
        slack: set[int] = set()
        while True:
            region = self._region(computed, slack)
            wrong = [p for p in self.passes if self._key(p, computed, region) != p.key]
            if not wrong:
                return _Block(wanted, computed, region)
            if not any(self._widen(p, computed, slack) for p in wrong):
                break
        # the whole array (not reached in the tests): the whole plan's own call
        whole = [(0, n) for n in self.out_shape]
        return _Block(wanted, whole, [(0, n) for n in self.in_shape])

    def _region(self, computed: list[tuple[int, int]], slack: set[int]) -> list[tuple[int, int]]:
        region = list(computed)
        for a, t in self.tables.items():
            o0, o1 = computed[a]
            start = _starts(t)[o0:o1]
            taps = _taps(t)
            keep = _inside(t, o0, o1)
            r0, r1 = int(start[keep].min()), int(start[keep].max()) + taps
            if a in slack:
                r1 = min(self.in_shape[a], r1 + _ROW_SLACK)
            region[a] = (r0, r1)
        return region

    def _key(
        self, p: _Pass, computed: list[tuple[int, int]], region: list[tuple[int, int]]
    ) -> tuple[Any, ...]:
        """The W-pass kind that the chunk's pass ``p`` would take."""
        C = 1
        for b in p.trailing:
            lo, hi = computed[b] if b in p.before or b not in self.tables else region[b]
            C *= hi - lo
        o0, o1 = computed[p.axis]
        r0, r1 = region[p.axis]
        start = _chunk_starts(self.tables[p.axis], o0, o1, r0, r1)
        key = _w_key(C, r1 - r0, start, p.taps)
        if key[0] == "dot" and (o0 % _BLOCK or (o1 % _BLOCK and o1 != self.out_shape[p.axis])):
            return ("dot", "misaligned")
        return key

    def _widen(self, p: _Pass, computed: list[tuple[int, int]], slack: set[int]) -> bool:
        """The next candidate for pass ``p``: blocks of 8 aligned with the whole row and loads
        inside the region, then its range doubled, then the elements after it whole. False
        when there is none."""
        a, M = p.axis, self.out_shape[p.axis]
        o0, o1 = computed[a]
        if a not in slack:
            slack.add(a)
            C = max(1, math.prod(self.out_shape[b] for b in p.trailing))
            computed[a] = _aligned((o0, o1), _BLOCK // math.gcd(C, _BLOCK), M)
            return True
        if (o0, o1) != (0, M):
            grow = max(o1 - o0, _BLOCK)
            computed[a] = _aligned((max(0, o0 - grow), min(M, o1 + grow)), _BLOCK, M)
            return True
        full = [(0, self.out_shape[b]) for b in p.trailing]
        if [computed[b] for b in p.trailing] == full:
            return False
        for b, span in zip(p.trailing, full, strict=True):
            computed[b] = span
        return True

    def extra_rows(self, a: int, everything: bool) -> np.ndarray:
        """Weight rows of the whole table of axis ``a`` that carry its extremes (largest
        weight, sums of magnitudes, of positive and of negative weights, and the edges), or
        every distinct row: appended to a chunk's rows, the fixed-point plan's maxima over
        the rows are the whole table's."""
        key = (a, everything)
        rows = self._extra.get(key)
        if rows is None:
            w = self.tables[a].weights
            if everything:
                rows = np.unique(w, axis=0)
            else:
                picks = {0, w.shape[0] - 1}
                for stat in (
                    np.abs(w).max(axis=1),
                    np.abs(w).sum(axis=1),
                    np.where(w > 0, w, 0).sum(axis=1),
                    np.where(w < 0, -w, 0).sum(axis=1),
                ):
                    picks.update(int(i) for i in np.argsort(stat, kind="stable")[-4:])
                rows = np.unique(w[sorted(picks)], axis=0)
            self._extra[key] = rows
        return rows


_FIXED_KEYS = ("vfirst", "short1", "short2", "bx", "by", "S", "k1", "k2")


def _starts(t: IndexTable | WeightTable) -> np.ndarray:
    return t.index if isinstance(t, IndexTable) else t.start


def _taps(t: IndexTable | WeightTable) -> int:
    return 1 if isinstance(t, IndexTable) else t.taps


def _inside(t: IndexTable | WeightTable, o0: int, o1: int) -> np.ndarray:
    """Which outputs o0..o1 are computed from the input (tf_crop_and_resize extrapolates the
    others, whatever their taps)."""
    if t.outside is None:
        return np.ones(o1 - o0, dtype=bool)
    return ~t.outside[o0:o1]


def _chunk_starts(t: IndexTable | WeightTable, o0: int, o1: int, r0: int, r1: int) -> np.ndarray:
    """The window starts of outputs o0..o1 in the region r0..r1 (extrapolated outputs, whose
    values are replaced, clamped into it)."""
    start = _starts(t)[o0:o1] - r0
    if t.outside is not None:
        start = np.minimum(np.maximum(start, 0), r1 - r0 - _taps(t))
    return np.ascontiguousarray(start, dtype=np.intp)


def _aligned(span: tuple[int, int], step: int, length: int) -> tuple[int, int]:
    """``span`` widened to multiples of ``step`` (or the end, ``length``)."""
    o0, o1 = span
    return o0 - o0 % step, min(length, -(-o1 // step) * step)


def _w_path(C: int, W: int, start: np.ndarray, T: int) -> str:
    """Which kernel the float32 W pass of ``_resample.h`` (``fastup_hx1_build``) takes for a
    row of W pixels of C elements resampled to the outputs whose windows start at ``start``
    (T taps): 'dot', 'elem' or 'plain'. (Without AVX2 every row is 'plain' and every kernel
    sums in one order: matching this choice then costs a few outputs, never bits.)"""
    Wo = start.shape[0]
    inlen, outlen = W * C, Wo * C
    if not (C < _ELEM_MAX_C and (W + T) * C < 2**31 - 1 and outlen >= _BLOCK):
        return "plain"
    if C == 1 and T >= _DOT_TAPS:
        return "dot"
    if C > 1 and (T == 2 or (C == 3 and T == 4)):
        n = outlen // _BLOCK
        xi = (C * start[:, None] + np.arange(C)).reshape(-1)[: n * _BLOCK].reshape(n, _BLOCK)
        lo, hi = xi.min(axis=1), xi.max(axis=1)
        span = hi + (T - 1) * C + 1 - lo
        first = lo == xi[:, 0]
        loaded = first & (((span <= 8) & (lo + 8 <= inlen)) | ((span <= 16) & (lo + 16 <= inlen)))
        if 2 * int(n - loaded.sum()) > outlen // _BLOCK:
            return "plain"
    return "elem"


def _w_key(C: int, W: int, start: np.ndarray, T: int) -> tuple[Any, ...]:
    """The W-pass kernel and, for 'plain', its unrolled branch (``fastup_hrow_plain``)."""
    path = _w_path(C, W, start, T)
    if path != "plain":
        return (path,)
    if C in (1, 3) and T in (2, 4):
        return (path, C, T)
    return (path, "any", T == 2)


# --------------------------------------------------------------------------------------------
# tasks
# --------------------------------------------------------------------------------------------


def _fill_block(ctx: _Context, block: _Block) -> np.ndarray:
    """An output chunk whose every output is extrapolated (tf_crop_and_resize)."""
    shape = tuple(o1 - o0 for o0, o1 in block.wanted)
    return np.full(shape, ctx.fill_value, dtype=ctx.dtype)


def _run_block(ctx: _Context, block: _Block, parts: Any) -> np.ndarray:
    """One output chunk from the input blocks ``parts`` (nested lists, one per axis)."""
    x = _join(parts, block.parts, ())
    if not ctx.tables:  # every resized axis keeps its length and its samples: a copy
        return np.array(x, dtype=ctx.dtype, order="C")
    tables = _chunk_tables(ctx, block)
    if ctx.fixed is not None:
        plan = _fixed_plan(ctx, block, x.shape, tables)
    else:
        plan = _core.table_plan(x.shape, ctx.dtype, tables, route=ctx.route)
    # a plain new array: a kept output block (fastup._validate.output_array) would stay
    # resident in a worker after dask frees the chunk, outside dask's memory accounting
    result = _core.run_plan("dask.resize", plan, x, 1, np.empty(plan.out_shape, plan.dtype))[0]
    crop = tuple(
        slice(w0 - c0, w1 - c0)
        for (w0, w1), (c0, _) in zip(block.wanted, block.computed, strict=True)
    )
    if result.shape == tuple(w1 - w0 for w0, w1 in block.wanted):
        return result
    return result[crop].copy()  # not a view that keeps the dropped outputs alive


def _join(parts: Any, cuts: list[list[slice]], index: tuple[int, ...]) -> np.ndarray:
    """The region from the input blocks ``parts`` (nested lists, one level per axis): each
    block cut to its part (``cuts``), then joined."""
    if isinstance(parts, np.ndarray):
        return parts[tuple(cuts[a][i] for a, i in enumerate(index))]
    pieces = [_join(p, cuts, index + (i,)) for i, p in enumerate(parts)]
    if len(pieces) == 1:
        return pieces[0]
    return np.concatenate(pieces, axis=len(index))


def _chunk_tables(ctx: _Context, block: _Block) -> dict[int, IndexTable | WeightTable]:
    """The whole tables' rows of the chunk's computed outputs, shifted to its region."""
    tables: dict[int, IndexTable | WeightTable] = {}
    for a, t in ctx.tables.items():
        o0, o1 = block.computed[a]
        r0, r1 = block.region[a]
        outside = None if t.outside is None else t.outside[o0:o1]
        if outside is not None and not outside.any():
            outside = None
        start = _chunk_starts(t, o0, o1, r0, r1)
        if isinstance(t, IndexTable):
            tables[a] = IndexTable(start, outside, r1 - r0)
        else:
            tables[a] = WeightTable(start, t.weights[o0:o1], outside, r1 - r0)
    return tables


def _fixed_plan(
    ctx: _Context,
    block: _Block,
    shape: tuple[int, ...],
    tables: dict[int, IndexTable | WeightTable],
) -> Any:
    """The chunk's plan on the fixed-point route: its tables with extra rows (dropped from the
    result by the crop: they follow the chunk's own) that give it the whole plan's weight
    bits, checked against the whole plan's integers."""
    assert ctx.fixed is not None and ctx.fixed_axes is not None
    outer, inner = ctx.fixed_axes
    for everything in (False, True):
        grown = dict(tables)
        for a in (outer, inner):
            t = tables[a]
            assert isinstance(t, WeightTable)
            rows = ctx.extra_rows(a, everything)
            outside = t.outside
            if outside is not None:
                outside = np.concatenate([outside, np.zeros(len(rows), dtype=bool)])
            grown[a] = WeightTable(
                np.concatenate([t.start, np.zeros(len(rows), dtype=np.intp)]),
                np.ascontiguousarray(np.concatenate([t.weights, rows])),
                outside,
                t.in_len,
            )
        plan = _core.table_plan(shape, ctx.dtype, grown, route=ctx.route)
        fixed = plan.fixed
        if fixed is not None and _same_integers(ctx, block, fixed.info()):
            return plan
    raise AssertionError("fastup.dask: a chunk's fixed-point plan differs from the whole one")


def _same_integers(ctx: _Context, block: _Block, info: dict[str, Any]) -> bool:
    """Whether a chunk's fixed-point plan computes the whole plan's integers."""
    whole = ctx.fixed
    assert whole is not None and ctx.fixed_axes is not None
    if any(info[k] != whole[k] for k in _FIXED_KEYS):
        return False
    outer, inner = ctx.fixed_axes
    y0, y1 = block.computed[outer]
    x0, x1 = block.computed[inner]
    return bool(
        np.array_equal(info["qy"][: y1 - y0], whole["qy"][y0:y1])
        and np.array_equal(info["qx"][: x1 - x0], whole["qx"][x0:x1])
    )
