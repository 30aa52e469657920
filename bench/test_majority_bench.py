"""mode="majority" (label images) against the peers users would otherwise take: a block mode
with ``scipy.stats.mode`` and xarray-multiscale's ``windowed_mode``, on a 2x and a 4x shrink of
a 4096 x 4096 uint8 label image (blobs of 8 labels, 5% speckle of a ninth). Peers that are
missing are skipped. Read the ratios within one run.

xarray-multiscale's windowed_mode takes tens of seconds on the 4x shrink (a generic path): it
runs only for the 2x one.
"""

import numpy as np
import pytest

import fastup

SIDE = 4096


@pytest.fixture(scope="module")
def labels():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 8, (64, 64)).repeat(64, 0).repeat(64, 1).astype(np.uint8)
    x[rng.random(x.shape) < 0.05] = 9
    return x


def _block_mode_scipy(stats, x, k):
    n = x.shape[0] // k
    blocks = x.reshape(n, k, n, k).transpose(0, 2, 1, 3).reshape(n, n, k * k)
    return stats.mode(blocks, axis=-1).mode


@pytest.mark.parametrize("k", [2, 4])
def test_fastup_majority(benchmark, labels, threads, k):
    y = benchmark(fastup.resize, labels, (SIDE // k, SIDE // k), mode="majority", workers=threads)
    assert y.shape == (SIDE // k, SIDE // k)


@pytest.mark.parametrize("k", [2, 4])
def test_scipy_mode(benchmark, labels, k):
    stats = pytest.importorskip("scipy.stats")
    y = benchmark(_block_mode_scipy, stats, labels, k)
    # scipy breaks ties to the smallest value too: the same labels
    np.testing.assert_array_equal(y, fastup.resize(labels, SIDE // k, axes=(0, 1), mode="majority"))


def test_xarray_multiscale_windowed_mode(benchmark, labels):
    reducers = pytest.importorskip("xarray_multiscale.reducers")
    y = benchmark(reducers.windowed_mode, labels, (2, 2))
    assert y.shape == (SIDE // 2, SIDE // 2)
