"""Shared pieces of the atheris harnesses: argument builders driven by the fuzzer's bytes, and
the judge of tests/_judge.py (a correct result, or TypeError/ValueError/MemoryError naming the
function; inputs and, on error, ``out`` untouched; known bugs counted, not reported)."""

from __future__ import annotations

import atexit
import math
import os
import resource
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
sys.path.insert(0, os.path.join(HERE, "..", "src"))

import atheris  # noqa: E402

with atheris.instrument_imports():
    import _judge  # noqa: F401
    import numpy as np  # noqa: F401  (instrumented too: the coercion paths live there)

    import fastup  # noqa: F401
    import fastup.oracle  # noqa: F401

import numpy as np  # noqa: E402
from _judge import HUGE_INTS, SPECIAL_FLOATS, TALLY, BadOutcome, call  # noqa: E402,F401

INTS = [0, 1, 2, 3, 4, 5, 7, -1, -2, *HUGE_INTS, -(2**63)]
FLOATS = SPECIAL_FLOATS
JUNK = [
    None,
    "2",
    "",
    b"\x02",
    2.5,
    True,
    1j,
    object(),
    [],
    (),
    {},
    [[1, 2]],
    [1, "a"],
    np.float64(2.0),
    np.int32(3),
    np.array([]),
    np.array([[1, 2]]),
    np.array(["a"]),
]
DTYPES = [
    np.float16,
    np.float32,
    np.float64,
    np.uint8,
    np.int8,
    np.uint16,
    np.int16,
    np.int32,
    np.int64,
    np.uint32,
    np.bool_,
    np.complex64,
    object,
    "U2",
    "M8[s]",
]
FLOAT_DTYPES = [np.float16, np.float32, np.float64]


def cap_memory(headroom: int = 1 << 30) -> None:
    """Cap the address space a little above what the process uses: a request the size checks
    miss fails with MemoryError instead of calling in the OOM killer."""
    with open("/proc/self/statm") as statm:
        used = int(statm.read().split()[0]) * resource.getpagesize()
    resource.setrlimit(resource.RLIMIT_AS, (used + headroom, resource.RLIM_INFINITY))


def report(name: str) -> None:
    total = sum(TALLY.values())
    print(f"\n{name}: fuzz cases judged: {total}", file=sys.stderr)
    for key, value in sorted(TALLY.items()):
        print(f"  {key}: {value}", file=sys.stderr)


def main(name: str, test_one_input) -> None:
    """Cap memory, then fuzz; the outcome tally is printed every 2**k (>= 4096) inputs and on
    a normal Python exit (libFuzzer's own exit after -max_total_time skips Python's atexit, so
    the last power of two is the final tally; "Done N runs" gives the total)."""
    count = [0]

    def counted(data: bytes) -> None:
        test_one_input(data)
        count[0] += 1
        if count[0] >= 4096 and count[0] & (count[0] - 1) == 0:
            report(f"{name} after {count[0]} inputs")

    atexit.register(report, name)
    cap_memory()
    atheris.Setup(sys.argv, counted)
    atheris.Fuzz()


class Draw:
    """Typed choices from the fuzzer's bytes."""

    def __init__(self, data: bytes) -> None:
        self.fdp = atheris.FuzzedDataProvider(data)

    def pick(self, items):
        return items[self.fdp.ConsumeIntInRange(0, len(items) - 1)]

    def small(self, lo: int = 0, hi: int = 7) -> int:
        return self.fdp.ConsumeIntInRange(lo, hi)

    def chance(self, n: int = 2) -> bool:
        return self.fdp.ConsumeIntInRange(0, n - 1) == 0

    def int_(self):
        return self.pick(INTS) if self.chance(3) else self.fdp.ConsumeIntInRange(-3, 9)

    def float_(self):
        return self.pick(FLOATS) if self.chance(3) else self.fdp.ConsumeFloatInRange(0.05, 6.0)

    def ints(self, n_max: int = 4):
        kind = self.small(0, 5)
        if kind == 0:
            return self.int_()
        if kind == 1:
            return self.pick(JUNK)
        values = [self.int_() for _ in range(self.small(0, n_max))]
        if kind == 2:
            return values
        if kind == 3 and all(-(2**63) <= v < 2**63 for v in values):
            return np.array(values, dtype=np.int64)
        return tuple(values)

    def floats(self, n_max: int = 4):
        kind = self.small(0, 4)
        if kind == 0:
            return self.float_()
        if kind == 1:
            return self.pick(JUNK)
        values = [self.float_() for _ in range(self.small(0, n_max))]
        return tuple(values) if kind == 2 else values

    def array(self, shape=None, dtypes=None, max_elements: int = 300):
        if shape is None:
            shape = [self.pick([0, 1, 1, 2, 3, 4, 5]) for _ in range(self.small(0, 5))]
            while math.prod(shape) > max_elements:
                shape[shape.index(max(shape))] = 1
        dtype = np.dtype(self.pick(dtypes or DTYPES))
        n = math.prod(shape)
        raw = self.fdp.ConsumeBytes(n * 8)
        raw = raw + bytes(n * 8 - len(raw))
        values = np.frombuffer(raw, np.int64).astype(np.float64) / 2**58 if n else np.zeros(0)
        if dtype.kind == "f" and n and self.chance(4):
            values[self.small(0, n - 1)] = self.pick([np.nan, np.inf, -np.inf])
        with np.errstate(all="ignore"):
            if dtype.hasobject:
                a = values.astype(object)
            elif dtype.kind in "UM":
                a = np.zeros(n, dtype)
            else:
                a = values.astype(dtype) if dtype.kind in "fc" else (values * 40).astype(dtype)
        a = a.reshape(shape)
        layout = self.small(0, 5)
        if layout == 1:
            a = np.asfortranarray(a)
        elif layout == 2 and a.ndim:
            a = a[..., ::-1]
        elif layout == 3 and a.dtype.kind in "fiu" and a.dtype.itemsize > 1:
            a = a.astype(a.dtype.newbyteorder("S"))
        elif layout == 4:
            a.flags.writeable = False
        return a

    def array_like(self, **kwargs):
        if self.chance(6):
            return self.pick(JUNK + [[1.0, 2.0], [[1.0], [2.0, 3.0]]])
        return self.array(**kwargs)

    def out(self, shape, dtype, inputs):
        kind = self.small(0, 7)
        # a wrong-dtype out of an empty shape with a huge axis cannot even be allocated
        if kind <= 1 or shape is None or math.prod(max(n, 1) for n in shape) > 100_000:
            return None
        dtype = np.dtype(dtype)
        if kind == 2:
            return np.full(shape, 7, dtype)
        if kind == 3:
            return np.full(tuple(shape) + (1,), 7, dtype)
        if kind == 4:
            return np.full(shape, 7, np.float64 if dtype != np.float64 else np.float32)
        if kind == 5:
            return np.full(tuple(shape) + (2,), 7, dtype)[..., 0]
        if kind == 6:
            for a in inputs:
                if (
                    isinstance(a, np.ndarray)
                    and a.dtype == dtype
                    and a.flags.c_contiguous
                    and a.flags.writeable
                    and a.size >= math.prod(shape) > 0
                ):
                    return a.reshape(-1)[: math.prod(shape)].reshape(shape)
        out = np.full(shape, 7, dtype)
        out.flags.writeable = False
        return out
