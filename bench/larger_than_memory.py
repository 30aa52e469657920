"""Larger than memory: a pyramid of a lazily generated uint8 image of several GiB written to
Zarr by a dask.distributed cluster whose workers have far less memory, beside the in-memory
fastup.resize chain on the same pixels.

    python bench/larger_than_memory.py [--gib 4] [--worker-memory 1GiB] [--workers 2]

Prints the time and throughput of each, every worker's peak memory, and whether the levels
read back from Zarr equal the in-memory ones (checked on a corner and, with --check-all, on
everything). The image is a deterministic function of its chunk index (noise plus gradients),
so the in-memory copy is the same pixels without keeping the generator's state.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import shutil
import tempfile
import time

import numpy as np


def _block(block_id, chunk):
    rng = np.random.default_rng(block_id[0] * 100003 + block_id[1])
    y = (((np.arange(chunk[0]) + block_id[0] * chunk[0]) // 7) % 256).astype(np.uint8)
    x = (((np.arange(chunk[1]) + block_id[1] * chunk[1]) // 11) % 256).astype(np.uint8)
    return y[:, None] + x[None, :] + rng.integers(0, 32, chunk, dtype=np.uint8)


def _peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=float, default=4.0)
    parser.add_argument("--worker-memory", default="1GiB")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--levels", type=int, default=4)
    parser.add_argument("--check-all", action="store_true")
    args = parser.parse_args()

    import dask.array as da
    import distributed
    import zarr

    import fastup
    import fastup.dask

    chunk = (2048, 2048)
    side = int(math.sqrt(args.gib * 2**30) // chunk[0]) * chunk[0]
    shape = (side, side)
    blocks = (side // chunk[0], side // chunk[1])

    def image():
        return da.map_blocks(
            lambda block_info=None: _block(block_info[None]["chunk-location"], chunk),
            dtype=np.uint8,
            chunks=tuple((c,) * n for c, n in zip(chunk, blocks, strict=True)),
        )

    path = tempfile.mkdtemp(prefix="fastup-pyramid-")
    store = os.path.join(path, "image.zarr")
    cluster = distributed.LocalCluster(
        n_workers=args.workers,
        threads_per_worker=1,
        memory_limit=args.worker_memory,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=50,
    )
    client = distributed.Client(cluster)
    try:
        levels = fastup.dask.pyramid(image(), args.levels)
        start = time.perf_counter()
        fastup.dask.to_zarr(levels, store, compute=False).compute()
        seconds = time.perf_counter() - start
        peaks = client.run(_peak_mib)
        lost = len(client.scheduler_info()["workers"]) != args.workers
    finally:
        client.close()
        cluster.close()
    gib = side * side / 2**30
    print(
        f"image {shape[0]} x {shape[1]} uint8 = {gib:.2f} GiB, {args.levels} levels, "
        f"linear antialiased"
    )
    print(
        f"fastup.dask -> Zarr, {args.workers} workers x 1 thread, {args.worker_memory} each: "
        f"{seconds:.1f} s ({gib * 1024 / seconds:.0f} MiB/s of level 0), worker peaks "
        f"{', '.join(f'{p:.0f}' for p in peaks.values())} MiB, workers lost: {lost}"
    )

    # the same pixels in memory, the same chain of resizes
    start = time.perf_counter()
    x = image().compute(scheduler="threads")
    made = time.perf_counter() - start
    start = time.perf_counter()
    chain = [x]
    for _ in range(args.levels - 1):
        chain.append(fastup.resize(chain[-1], scale=0.5, axes=(0, 1), antialias=True))
    seconds_memory = time.perf_counter() - start
    print(
        f"in memory (fastup.resize, {fastup.get_workers()} threads): {seconds_memory:.1f} s "
        f"for the levels (the image itself took {made:.1f} s to make), process peak "
        f"{_peak_mib():.0f} MiB"
    )
    group = zarr.open_group(store, mode="r")
    same = all(
        np.array_equal(group[str(k)][:2048, :2048], level[:2048, :2048])
        for k, level in enumerate(chain)
    )
    if args.check_all:
        same = same and all(
            np.array_equal(group[str(k)][:], level) for k, level in enumerate(chain)
        )
    print(
        f"Zarr levels equal the in-memory ones ({'all' if args.check_all else 'corners'}): {same}"
    )
    shutil.rmtree(path)


if __name__ == "__main__":
    main()
