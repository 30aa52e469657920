"""Larger than memory: a pyramid of a lazily generated uint8 image of several GiB written to
Zarr by a dask.distributed cluster whose workers have far less memory, beside the in-memory
fastup.resize chain on the same pixels.

    python bench/larger_than_memory.py [--gib 4] [--worker-memory 1GiB] [--workers 2] [--peers]

Prints the time and throughput of each, every worker's peak memory, and whether the levels
read back from Zarr equal the in-memory ones (checked on a corner and, with --check-all, on
everything). With --peers, where installed: ome-zarr-py's write_image on the same dask array
and cluster (its per-chunk scikit-image resize: time, worker peaks, and on an 8192 x 8192 part
the pixels of its level 1 that differ from the same resize of the whole part, i.e. its chunk
seams), and pyvips's pyramidal TIFF writer streaming the same pixels from a raw file (time and
peak memory of its process). The image is a deterministic function of its chunk index
(noise plus gradients), so the in-memory copy is the same pixels without keeping the
generator's state.
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
    """Peak resident memory, MiB: /proc's VmHWM where there is one (it starts afresh in a new
    program; ru_maxrss carries a parent's peak across fork and exec)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _on_cluster(args, write):
    """Run ``write()`` with a fresh distributed.LocalCluster of ``args.workers`` one-thread
    workers of ``args.worker_memory`` each as the client: its seconds, each worker's peak memory
    (MiB) and whether a worker was lost."""
    import distributed

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
        start = time.perf_counter()
        write()
        seconds = time.perf_counter() - start
        peaks = client.run(_peak_mib)
        lost = len(client.scheduler_info()["workers"]) != args.workers
    finally:
        client.close()
        cluster.close()
    return seconds, peaks, lost


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=float, default=4.0)
    parser.add_argument("--worker-memory", default="1GiB")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--levels", type=int, default=4)
    parser.add_argument("--check-all", action="store_true")
    parser.add_argument("--peers", action="store_true")
    args = parser.parse_args()

    import dask.array as da
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
    seconds, peaks, lost = _on_cluster(
        args, lambda: fastup.dask.to_zarr(fastup.dask.pyramid(image(), args.levels), store)
    )
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

    if args.peers:  # before the in-memory part: a child's peak memory starts at its parent's
        _peers(image, shape, chunk, args, path)

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


def _peers(image, shape, chunk, args, path):
    import subprocess
    import sys

    import dask.array as da
    import zarr

    gib = shape[0] * shape[1] / 2**30
    try:
        from ome_zarr.scale import Scaler
        from ome_zarr.writer import write_image
    except ImportError:
        print("ome-zarr-py: not installed")
    else:
        group = zarr.open_group(os.path.join(path, "ome.zarr"), mode="w")
        factors = tuple(2**k for k in range(1, args.levels))
        try:
            seconds, peaks, lost = _on_cluster(
                args, lambda: write_image(image(), group, scale_factors=factors, axes="yx")
            )
        except Exception as exc:  # a peer's failure is a result to report
            print(f"ome-zarr-py write_image: failed: {type(exc).__name__}: {exc}")
            seconds = None
        if seconds is not None:
            print(
                f"ome-zarr-py write_image (per-chunk skimage resize), same cluster: "
                f"{seconds:.1f} s ({gib * 1024 / seconds:.0f} MiB/s), worker peaks "
                f"{', '.join(f'{p:.0f}' for p in peaks.values())} MiB, workers lost: {lost}"
            )
        # its seams: an 8192 x 8192 part, chunked, against the same resize of the whole part
        part = image()[:8192, :8192].compute(scheduler="threads")
        scaler = Scaler()
        chunked = scaler.resize_image(da.from_array(part, chunks=chunk)).compute()
        whole = scaler.resize_image(part)
        differ = chunked != whole
        rows, cols = np.nonzero(differ)
        seam = (rows % (chunk[0] // 2) < 2) | (rows % (chunk[0] // 2) >= chunk[0] // 2 - 2)
        seam |= (cols % (chunk[1] // 2) < 2) | (cols % (chunk[1] // 2) >= chunk[1] // 2 - 2)
        print(
            f"ome-zarr-py level 1 of an 8192 x 8192 part in {chunk[0]} x {chunk[1]} chunks: "
            f"{differ.sum()} of {differ.size} pixels differ from the whole part's resize "
            f"({seam.mean() * 100 if differ.any() else 0:.0f}% of them within 2 pixels of a "
            f"chunk seam; max difference {np.abs(chunked.astype(int) - whole).max()}); "
            f"fastup.dask: 0 by construction, and checked above"
        )
    try:
        import pyvips  # noqa: F401
    except ImportError:
        print("pyvips: not installed")
        return
    raw = os.path.join(path, "image.raw")
    da.store(image(), np.memmap(raw, dtype=np.uint8, mode="w+", shape=shape), lock=True)
    code = (
        "import pyvips, resource, sys, time; "
        f"im = pyvips.Image.rawload({raw!r}, {shape[1]}, {shape[0]}, 1); "
        "t = time.perf_counter(); "
        f"im.tiffsave({os.path.join(path, 'vips.tif')!r}, tile=True, pyramid=True, "
        "compression='none', bigtiff=True); "
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')]; "
        "print(time.perf_counter() - t, int(hwm[0].split()[1]) if hwm else "
        "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if run.returncode:
        print(f"pyvips tiffsave(pyramid=True): failed: {run.stderr.strip()[-300:]}")
        return
    seconds, peak = run.stdout.split()
    print(
        f"pyvips tiffsave(pyramid=True, 2x2 box shrink) from a raw file, one process: "
        f"{float(seconds):.1f} s ({gib * 1024 / float(seconds):.0f} MiB/s), peak "
        f"{int(peak) / 1024:.0f} MiB"
    )


if __name__ == "__main__":
    main()
