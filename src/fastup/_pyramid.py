"""Multiscale pyramids of dask arrays and their OME-Zarr stores (``fastup.dask.pyramid``,
``fastup.dask.to_zarr``, ``fastup pyramid``).

Level 0 is the input; level k + 1 is level k resized by ``1 / factor`` along the pyramid's axes
by ``fastup.dask.resize`` (each level equal, bit for bit, to the same chain of in-memory
``fastup.resize`` calls). ``to_zarr`` writes the levels as the arrays "0", "1", ... of a Zarr
group (Zarr format 2) with OME-Zarr (NGFF 0.4) ``multiscales`` metadata, which ome-zarr-py and
napari read: per level a ``scale`` of ``factor**k`` along the resized axes and, for the
default half-pixel centres, the ``translation`` ``(factor**k - 1) / 2`` that puts the centre of
a level's first pixel where it lies in level 0. The writes stream chunk by chunk
(``dask.array.store``): memory holds the chunks in flight, not the array.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._tables import MODE_ALIASES

# levels=None stops once the longest resized axis is at most this long (a display tile)
TILE = 256
# modes that take antialias (the others cover their footprint already, or copy)
_ANTIALIASED = ("linear", "cubic", "lanczos")
NGFF_VERSION = "0.4"


def _dask_array(func: str, array: Any) -> Any:
    import dask.array as da

    if isinstance(array, da.Array):
        return array
    if isinstance(array, np.ndarray) or hasattr(array, "__array__") or hasattr(array, "shape"):
        return da.asarray(array)
    raise TypeError(
        f"fastup.dask.{func}: 'array' must be a dask array or an array-like; got an object of "
        f"type {type(array).__name__}."
    )


def default_axes(ndim: int) -> tuple[int, ...]:
    """The pyramid's axes when none are given: the last two (an image's y and x)."""
    return tuple(range(max(0, ndim - 2), ndim))


def pyramid(
    array: Any,
    levels: int | None = None,
    *,
    axes: int | Sequence[int] | None = None,
    factor: int = 2,
    mode: str = "linear",
    antialias: bool = True,
    **keywords: Any,
) -> list[Any]:
    """A multiscale pyramid: ``[level0, level1, ...]``, dask arrays.

    Level 0 is ``array``; level k + 1 is level k resized by ``1 / factor`` along ``axes`` (the
    last two by default) with ``fastup.dask.resize`` (``scale=1 / factor``: lengths
    ``floor(L / factor)``), bit for bit the same chain of in-memory ``fastup.resize`` calls.
    ``levels``: how many levels in all (level 0 included); None: until the longest resized
    axis is at most 256 long. ``mode``: any mode of ``fastup.resize`` ("majority" for label
    images); ``antialias`` applies to linear, cubic and lanczos (the other modes cover their
    footprint or copy). Other keywords go to ``fastup.dask.resize`` (``coordinate_mode``,
    ``cubic_a``, ``chunks`` of each level, ...).

    Examples
    --------
    >>> import numpy as np
    >>> import fastup.dask
    >>> levels = fastup.dask.pyramid(np.zeros((1000, 600), np.uint8))
    >>> [level.shape for level in levels]
    [(1000, 600), (500, 300), (250, 150)]
    """
    from .dask import resize

    func = "pyramid"
    array = _dask_array(func, array)
    if axes is None:
        axes = default_axes(array.ndim)
    axes_t = (axes,) if isinstance(axes, (int, np.integer)) else tuple(axes)
    if not axes_t:
        raise ValueError(f"fastup.dask.{func}: 'axes' must name at least one axis; got ().")
    resized = [a % array.ndim if -array.ndim <= a < array.ndim else a for a in axes_t]
    if any(not 0 <= a < array.ndim for a in resized) or len(set(resized)) != len(resized):
        raise ValueError(
            f"fastup.dask.{func}: 'axes' must be distinct axes of an array of {array.ndim} "
            f"dims; got {axes!r}."
        )
    if (
        isinstance(factor, bool)
        or not isinstance(factor, (int, np.integer))
        or not 2 <= factor <= 1 << 16
    ):
        raise ValueError(f"fastup.dask.{func}: 'factor' must be an int >= 2; got {factor!r}.")
    if levels is not None and (
        isinstance(levels, bool) or not isinstance(levels, (int, np.integer)) or levels < 1
    ):
        raise ValueError(f"fastup.dask.{func}: 'levels' must be an int >= 1; got {levels!r}.")
    name = MODE_ALIASES.get(mode, mode) if isinstance(mode, str) else mode
    options = dict(keywords, mode=mode)
    if name in _ANTIALIASED:
        options["antialias"] = antialias
    result = [array]
    while True:
        lengths = [result[-1].shape[a] for a in resized]
        following = [L // factor for L in lengths]
        if levels is not None:
            if len(result) == levels:
                break
            if min(following) < 1:
                raise ValueError(
                    f"fastup.dask.{func}: level {len(result)} would have an axis of length 0 "
                    f"(lengths {lengths} divided by {factor}); at most {len(result)} levels."
                )
        elif max(lengths) <= TILE or min(following) < 1:
            break
        result.append(resize(result[-1], scale=1.0 / factor, axes=tuple(resized), **options))
    return result


def _ngff_axes(ndim: int, resized: Sequence[int], names: Sequence[str] | None) -> list[dict]:
    """NGFF 0.4 axes: time and channel axes first, then 2 or 3 space axes (the resized ones)."""
    if names is not None:
        if len(names) != ndim:
            raise ValueError(
                f"fastup.dask.to_zarr: 'axes_names' must name the {ndim} axes; got {names!r}."
            )
        kinds = {"t": "time", "c": "channel", "z": "space", "y": "space", "x": "space"}
        return [
            {"name": n, "type": kinds.get(n, "space" if i in resized else "channel")}
            for i, n in enumerate(names)
        ]
    others = [a for a in range(ndim) if a not in resized]
    if (
        not 2 <= len(resized) <= 3
        or list(resized) != list(range(ndim - len(resized), ndim))
        or len(others) > 2
    ):
        raise ValueError(
            "fastup.dask.to_zarr: OME-Zarr (NGFF 0.4) wants the resized axes last, 2 or 3 of "
            f"them, after at most a time and a channel axis; got {ndim} dims resized along "
            f"{tuple(resized)} (pass ome=False, or axes_names)."
        )
    named = [{"name": n, "type": t} for n, t in (("t", "time"), ("c", "channel"))[-len(others) :]]
    if not others:
        named = []
    space = ("z", "y", "x")[-len(resized) :]
    return named + [{"name": n, "type": "space"} for n in space]


def to_zarr(
    levels: Sequence[Any],
    store: Any,
    *,
    ome: bool = True,
    overwrite: bool = False,
    axes: Sequence[int] | None = None,
    factor: int = 2,
    axes_names: Sequence[str] | None = None,
    name: str | None = None,
    progress: bool = False,
    compute: bool = True,
) -> Any:
    """Write pyramid ``levels`` (``pyramid``'s list) to the Zarr group ``store`` (a path or a
    Zarr store): arrays "0", "1", ... of Zarr format 2, chunked as the levels are (regular
    chunks: a level with uneven chunks is rechunked to its first chunk's size), with OME-Zarr
    NGFF 0.4 ``multiscales`` metadata when ``ome`` (``axes`` and ``factor`` as given to
    ``pyramid``; ``axes_names``, e.g. ``"cyx"``, to name the axes yourself). Memory holds the
    chunks being written, not the array. ``progress``: dask's progress bar on stderr (with a
    dask.distributed client active, the writes run on its cluster, with its progress bar).
    ``compute=False`` returns the delayed write instead. ``overwrite``: replace an existing
    store; else an existing one is an error.

    Examples
    --------
    >>> import tempfile, os, numpy as np, zarr
    >>> import fastup.dask
    >>> path = os.path.join(tempfile.mkdtemp(), "image.zarr")
    >>> levels = fastup.dask.pyramid(np.arange(64 * 64, dtype=np.uint16).reshape(64, 64), 3)
    >>> _ = fastup.dask.to_zarr(levels, path)
    >>> group = zarr.open_group(path, mode="r")
    >>> [group[str(k)].shape for k in range(3)]
    [(64, 64), (32, 32), (16, 16)]
    >>> [d["path"] for d in group.attrs["multiscales"][0]["datasets"]]
    ['0', '1', '2']
    """
    import dask
    import dask.array as da
    import zarr

    import fastup

    func = "to_zarr"
    if not levels:
        raise ValueError(f"fastup.dask.{func}: 'levels' must hold at least level 0; got none.")
    arrays = [_dask_array(func, level) for level in levels]
    ndim = arrays[0].ndim
    resized = tuple(default_axes(ndim) if axes is None else axes)
    resized = tuple(a % ndim for a in resized)
    try:
        group = zarr.open_group(store, mode="w" if overwrite else "w-", zarr_format=2)
    except (FileExistsError, zarr.errors.ContainsGroupError, zarr.errors.ContainsArrayError):
        raise FileExistsError(
            f"fastup.dask.{func}: {store!r} exists; pass overwrite=True to replace it."
        ) from None
    writes = []
    datasets = []
    for k, level in enumerate(arrays):
        chunks = tuple(c[0] if c else 1 for c in level.chunks)
        if any(len(set(c[:-1])) > 1 or (c and c[-1] > c[0]) for c in level.chunks):
            level = level.rechunk(chunks)
        target = group.create_array(
            str(k), shape=level.shape, chunks=chunks, dtype=level.dtype, overwrite=overwrite
        )
        writes.append(da.store(level, target, lock=False, compute=False))
        scale = [1.0] * ndim
        translation = [0.0] * ndim
        for a in resized:
            scale[a] = float(factor**k)
            translation[a] = (factor**k - 1) / 2.0
        transforms: list[dict[str, Any]] = [{"type": "scale", "scale": scale}]
        if k:
            transforms.append({"type": "translation", "translation": translation})
        datasets.append({"path": str(k), "coordinateTransformations": transforms})
    if ome:
        group.attrs["multiscales"] = [
            {
                "version": NGFF_VERSION,
                "name": name or "fastup pyramid",
                "axes": _ngff_axes(ndim, resized, axes_names),
                "datasets": datasets,
                "type": "fastup.dask.pyramid",
                "metadata": {"method": "fastup.dask.pyramid", "version": fastup.__version__},
            }
        ]
    write = dask.delayed(writes)
    if not compute:
        return write
    client = _distributed_client()
    if client is not None:  # a dask.distributed cluster: its own progress bar (and dashboard)
        futures = client.compute(writes)
        if progress:
            import distributed

            distributed.progress(futures)
        client.gather(futures)
    elif progress:
        from dask.diagnostics import ProgressBar

        with ProgressBar(out=sys.stderr):
            dask.compute(writes)
    else:
        dask.compute(writes)
    return group


def _distributed_client() -> Any:
    """The current dask.distributed client, if distributed is imported and one is active."""
    if "distributed" not in sys.modules:
        return None
    try:
        return sys.modules["distributed"].get_client()
    except ValueError:  # no client
        return None
