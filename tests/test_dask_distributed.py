"""fastup.dask on a dask.distributed cluster of 2 worker processes on loopback (started and
closed here): the results are the in-memory ones; a worker killed mid-computation costs a
retry and the result is still exact; a pyramid of an array larger than a worker's memory limit
is written to Zarr with no worker lost."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
zarr = pytest.importorskip("zarr")

import fastup  # noqa: E402
import fastup.dask  # noqa: E402


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        memory_limit="400MiB",
        silence_logs=50,
    )
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def test_distributed_equals_in_memory(client):
    rng = np.random.default_rng(0)
    x = (rng.random((3, 211, 307)) * 255).astype(np.uint8)
    for kwargs in (
        {"size": (97, 140), "axes": (1, 2), "mode": "linear", "antialias": True},
        {"size": (400, 33), "axes": (1, 2), "mode": "cubic"},
        {"size": (50, 70), "axes": (1, 2), "mode": "majority"},
    ):
        lazy = fastup.dask.resize(da.from_array(x, chunks=(1, 64, 50)), **kwargs)
        np.testing.assert_array_equal(client.compute(lazy).result(), fastup.resize(x, **kwargs))


def _peak_rss_mib():
    """This process's peak resident memory, MiB: /proc's VmHWM, which starts afresh in a new
    program (ru_maxrss carries a parent's peak across fork and exec), or None elsewhere."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _slow_identity(block):
    time.sleep(0.05)
    return block


def test_a_worker_killed_mid_computation_costs_a_retry(client):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((400, 600)).astype(np.float32)
    source = da.from_array(x, chunks=(50, 50)).map_blocks(_slow_identity, dtype=x.dtype)
    lazy = fastup.dask.resize(source, (333, 250), mode="lanczos", antialias=True)
    future = client.compute(lazy)
    time.sleep(0.5)  # tasks under way on both workers
    victim = sorted(client.scheduler_info()["workers"])[0]
    try:  # the process dies (its nanny starts another); the call's connection with it
        client.run(os._exit, 1, workers=[victim])
    except distributed.comm.core.CommClosedError:
        pass
    result = future.result(timeout=120)
    assert victim not in client.scheduler_info()["workers"]  # it was lost, and replaced
    np.testing.assert_array_equal(
        result, fastup.resize(x, (333, 250), mode="lanczos", antialias=True)
    )


def test_pyramid_larger_than_a_worker_stays_within_memory(client, tmp_path):
    """~640 MiB of lazily generated uint8 (each 400 MiB worker can hold far less than all of it
    at once) written as a 4-level pyramid: no worker dies, every level is exact where checked."""
    side = 20480 + 512  # 20992 x 32768 ... 672 MiB
    image = (
        da.random.RandomState(3)
        .randint(0, 256, (side, 32768), chunks=(2048, 2048))
        .astype(np.uint8)
    )
    levels = fastup.dask.pyramid(image, 4)
    path = str(tmp_path / "big.zarr")
    client.restart()  # fresh workers: their peak memory below is this write's
    before = sorted(client.scheduler_info()["workers"])
    fastup.dask.to_zarr(levels, path, progress=True)  # on the client's cluster
    assert sorted(client.scheduler_info()["workers"]) == before  # no worker lost
    peaks = client.run(_peak_rss_mib)
    if None not in peaks.values():
        assert max(peaks.values()) < 400, peaks  # each worker's peak, MiB, below its limit
    group = zarr.open_group(path, mode="r")
    assert [group[str(k)].shape for k in range(4)] == [
        (side, 32768),
        (side // 2, 16384),
        (side // 4, 8192),
        (side // 8, 4096),
    ]
    # a corner of level 1 against the in-memory resize of the matching input region (the
    # region its rows read: 2x antialiased linear reads one pixel beyond the box)
    corner = np.asarray(group["0"][:1026, :1026])
    want = fastup.resize(corner, scale=0.5, axes=(0, 1), antialias=True)[:512, :512]
    np.testing.assert_array_equal(group["1"][:512, :512], want)
