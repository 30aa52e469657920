"""Large outputs (4 MiB and more) live in memory that fastup keeps when they are freed
(``_validate.output_array``, ``_kernels.OutputBlock``): the next large output of a pipeline
reuses it instead of paying its page faults again. Reuse must never touch an array still in
use, its views included, and the arrays must behave as any other."""

import copy
import ctypes
import gc
import pickle
import sys
import threading

import numpy as np
import pytest

import fastup
from fastup import _kernels, oracle
from fastup._validate import KEPT_OUTPUT_BYTES

X = np.random.default_rng(0).random((4, 8, 96, 96), dtype=np.float32)  # -> 4*8*192*192*4 B


def _data(a):
    return a.__array_interface__["data"][0]


def test_a_freed_output_is_reused_and_the_result_is_right():
    _kernels.release_kept_outputs()
    first = fastup.resize(X, scale=2.0, mode="linear")
    assert first.nbytes >= KEPT_OUTPUT_BYTES
    address = _data(first)
    del first
    gc.collect()
    second = fastup.resize(X[::-1].copy(), scale=2.0, mode="linear")
    assert _data(second) == address  # the kept block
    np.testing.assert_allclose(second, oracle.resize(X[::-1], scale=2.0, mode="linear"), atol=1e-5)


def test_arrays_in_use_are_never_reused():
    """A result, a view of a deleted result, and a result held elsewhere keep their memory:
    the outputs after them get other memory and leave their values alone."""
    _kernels.release_kept_outputs()
    kept = fastup.resize(X, scale=2.0, mode="nearest")
    view = fastup.resize(X + 1, scale=2.0, mode="nearest")[1:, ::2]  # the result itself dropped
    want_kept, want_view = kept.copy(), view.copy()
    others = [fastup.resize(X * k, scale=2.0, mode="nearest") for k in range(3, 6)]
    addresses = {_data(o) for o in others}
    assert _data(kept) not in addresses
    np.testing.assert_array_equal(kept, want_kept)
    np.testing.assert_array_equal(view, want_view)


def test_outputs_behave_as_arrays():
    y = fastup.resize(X, scale=2.0)
    assert y.flags.c_contiguous and y.flags.writeable and y.flags.aligned
    assert y.dtype == np.float32 and y.shape == (4, 8, 192, 192)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(y)), y)
    np.testing.assert_array_equal(copy.deepcopy(y), y)
    y[0, 0, 0, 0] = 7.0
    assert y[0, 0, 0, 0] == 7.0


def test_threads_get_distinct_memory():
    """Threads allocating and freeing large outputs at once: every result is its own."""
    results = {}

    def work(k):
        for _ in range(5):
            y = fastup.resize(X * k, scale=2.0, mode="nearest", workers=1)
            results[k] = (y, y.copy())

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({_data(y) for y, _ in results.values()}) == 4
    for k, (y, saved) in results.items():
        np.testing.assert_array_equal(y, saved)
        np.testing.assert_array_equal(y, fastup.resize(X * k, scale=2.0, mode="nearest"))


def test_tracemalloc_counts_the_outputs():
    tracemalloc = pytest.importorskip("tracemalloc")
    tracemalloc.start()
    try:
        y = fastup.resize(X, scale=2.0)
        assert tracemalloc.get_traced_memory()[0] >= y.nbytes
        del y
        assert tracemalloc.get_traced_memory()[0] < X.nbytes * 4
    finally:
        tracemalloc.stop()


def test_release_returns_the_kept_bytes():
    _kernels.release_kept_outputs()
    y = fastup.resize(X, scale=2.0)
    size = y.nbytes
    del y
    assert _kernels.release_kept_outputs() >= size
    assert _kernels.release_kept_outputs() == 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="madvise is Linux's")
def test_a_large_block_is_kept_and_right_after_the_system_took_its_pages():
    """An output over 256 MiB is kept too, its pages the system's to take back when memory runs
    short (MADV_FREE): the next output reuses the block, and pages taken back (zeroed here with
    MADV_DONTNEED, as the system would) are written like the others."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    x = np.random.default_rng(1).random((4096, 4100), dtype=np.float32)  # -> 4096 x 16400
    _kernels.release_kept_outputs()
    first = fastup.resize(x, scale=4.0, axes=1, mode="nearest")
    assert first.nbytes > 256 << 20
    address, nbytes = _data(first), first.nbytes
    del first
    gc.collect()
    assert libc.madvise(address + (64 << 20), 64 << 20, 4) == 0  # MADV_DONTNEED: 64 MiB zeroed
    second = fastup.resize(x + 1, scale=4.0, axes=1, mode="linear")
    assert _data(second) == address
    want = np.full_like(second, np.nan)  # the same call into memory of its own
    fastup.resize(x + 1, scale=4.0, axes=1, mode="linear", out=want)
    np.testing.assert_array_equal(second, want)
    head = oracle.resize(x[:64, :1024] + 1, scale=4.0, axes=1, mode="linear")  # x[:, :1001]
    np.testing.assert_allclose(second[:64, :4000], head[:, :4000], rtol=1e-6)
    del second
    gc.collect()
    assert _kernels.release_kept_outputs() >= nbytes
