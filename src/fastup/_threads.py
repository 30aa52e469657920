"""Thread rules: how many OpenMP threads a fastup call uses.

* ``workers=None`` takes the calling thread's default: the value of an enclosing
  ``set_workers`` (thread-local), else ``FASTUP_NUM_THREADS``, else ``omp_get_max_threads()``,
  which reflects ``OMP_NUM_THREADS`` and threadpoolctl limits. A threadpoolctl limit that is
  lower than the start-up value also caps ``FASTUP_NUM_THREADS``.
* ``workers=n > 0`` uses n threads; ``workers=-k`` uses (usable CPUs + 1 - k), so -1 is all of
  them; 0 is a ValueError.
* Small calls run on the calling thread only: no thread team is started for less than
  ``MIN_WORK_PER_THREAD`` units of work per thread, and a team never has more threads than
  the usable CPUs.
* Fork: GNU libgomp cannot run a parallel region in a child forked after the parent started a
  thread team (the child waits forever on threads that were not copied). fastup therefore runs
  single-threaded, without entering any OpenMP region, in a child forked after the parent ran a
  multi-threaded fastup call. Children started with spawn or forkserver, and children forked
  before any multi-threaded call, use threads as usual.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from . import _kernels
from ._validate import fail_type, fail_value, integer

# Below this many multiply-adds (or copied elements) per thread, extra threads cost more than
# they save.
MIN_WORK_PER_THREAD = 1 << 16

_OPENMP = _kernels.build_info()["openmp_version"] > 0
_local = threading.local()
_state = {"team_started": False, "serial_after_fork": False}
_STARTUP_OMP_MAX = _kernels.omp_max_threads()


def _after_fork_in_child() -> None:
    if _state["team_started"]:
        _state["serial_after_fork"] = True


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def usable_cpus() -> int:
    """CPUs this process may run on (affinity mask where the OS has one)."""
    if hasattr(os, "sched_getaffinity"):
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except OSError:
            pass
    return max(1, os.cpu_count() or 1)


def _env_workers() -> int | None:
    text = os.environ.get("FASTUP_NUM_THREADS", "").strip()
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        raise ValueError(
            f"fastup: the environment variable FASTUP_NUM_THREADS must be a positive integer; "
            f"got {text!r}."
        ) from None
    if value < 1:
        raise ValueError(
            f"fastup: the environment variable FASTUP_NUM_THREADS must be a positive integer; "
            f"got {text!r}."
        )
    return value


def process_default() -> int:
    """The default without a ``set_workers`` in effect."""
    omp_limit = max(1, _kernels.omp_max_threads())
    env = _env_workers()
    if env is None:
        return omp_limit
    if omp_limit < _STARTUP_OMP_MAX:  # lowered since start-up: a threadpoolctl limit
        return min(env, omp_limit)
    return env


def get_workers() -> int:
    """The number of threads a fastup call with ``workers=None`` uses in this thread.

    Examples
    --------
    >>> import fastup
    >>> with fastup.set_workers(1):
    ...     fastup.get_workers()
    1
    """
    local = getattr(_local, "workers", None)
    return local if local is not None else process_default()


def resolve(func: str, workers: Any) -> int:
    """A ``workers=`` argument as a positive thread count."""
    if type(workers) is int and workers > 0:  # the common case, before the slow ABC checks
        return workers
    if workers is None:
        return get_workers()
    value = integer(func, "workers", workers)
    if value > 0:
        return value
    if value == 0:
        raise fail_value(
            func, "workers", "a nonzero integer (negative counts back from the CPUs)", 0
        )
    n = usable_cpus() + 1 + value
    if n < 1:
        raise fail_value(
            func,
            "workers",
            f"at least -{usable_cpus()} (this machine has {usable_cpus()} CPUs)",
            value,
        )
    return n


class set_workers:
    """Set the default thread count of fastup calls made from the calling thread.

    ``fastup.set_workers(4)`` changes this thread's default until it is changed again;
    ``with fastup.set_workers(1): ...`` changes it for the block only. Other threads keep their
    own default (like ``scipy.fft.set_workers``); the process-wide default comes from
    ``FASTUP_NUM_THREADS`` / ``OMP_NUM_THREADS``.

    Examples
    --------
    >>> import numpy as np
    >>> import fastup
    >>> before = fastup.get_workers()
    >>> with fastup.set_workers(2):
    ...     y = fastup.resize(np.ones((1, 3, 64, 64), np.float32), scale=2.0)  # 2 threads
    ...     fastup.get_workers()
    2
    >>> fastup.get_workers() == before
    True
    """

    def __init__(self, workers: int) -> None:
        if workers is None:
            raise fail_type("set_workers", "workers", "a nonzero integer", workers)
        value = resolve("set_workers", workers)
        self._previous = getattr(_local, "workers", None)
        _local.workers = value

    def __enter__(self) -> set_workers:
        return self

    def __exit__(self, *exc_info: object) -> None:
        _local.workers = self._previous


def team_size(nthreads: int, work: int) -> int:
    """Threads to start for ``work`` units (multiply-adds or copied elements): never more
    than the usable CPUs (extra threads only wait for a core, and a runaway count could
    exhaust the process's thread or memory limits)."""
    if nthreads <= 1 or work < 2 * MIN_WORK_PER_THREAD or not _OPENMP:
        return 1
    if _state["serial_after_fork"]:
        return 1
    n = int(min(nthreads, usable_cpus(), work // MIN_WORK_PER_THREAD))
    if n > 1:
        _state["team_started"] = True
    return n


@contextmanager
def _forced_serial_after_fork(value: bool) -> Iterator[None]:
    """For tests: pretend (or not) to be a child forked after a thread team."""
    previous = _state["serial_after_fork"]
    _state["serial_after_fork"] = value
    try:
        yield
    finally:
        _state["serial_after_fork"] = previous


def openmp_runtimes() -> list[str]:
    """Paths of the OpenMP runtime libraries loaded in this process (Linux: from
    /proc/self/maps); empty where that cannot be read."""
    names = ("libgomp", "libomp", "libiomp", "vcomp")
    found: list[str] = []
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1] if line.strip() else ""
                base = os.path.basename(path)
                if any(base.startswith(n) for n in names) and path not in found:
                    found.append(path)
    except OSError:
        pass
    return found


def thread_info() -> dict[str, Any]:
    return {
        "workers_default": get_workers(),
        "omp_max_threads": _kernels.omp_max_threads(),
        "usable_cpus": usable_cpus(),
        "FASTUP_NUM_THREADS": os.environ.get("FASTUP_NUM_THREADS"),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
        "serial_after_fork": _state["serial_after_fork"],
    }
