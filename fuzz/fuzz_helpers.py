"""atheris harness: interpolation_kernel, checkerboard, set_workers / get_workers.

python fuzz/fuzz_helpers.py -max_total_time=120 -rss_limit_mb=0 -timeout=20
"""

import math

import _common
from _common import Draw, call, np

import fastup


def TestOneInput(data: bytes) -> None:
    d = Draw(data)
    which = d.small(0, 2)
    if which == 0:
        stride = d.ints(3) if d.chance() else d.small(1, 4)
        mode = d.pick(["nearest", "linear", "cubic", "area", "lanczos", "bilinear", "x", None, 1])
        ndim = d.small(1, 3) if d.chance() else d.int_()
        dtype = d.pick([np.float16, np.float32, np.float64, "float64", np.int8, None, "x", object])

        def check(result):
            weight, padding = result
            assert isinstance(weight, np.ndarray) and weight.ndim == int(ndim) + 2
            assert len(padding) == int(ndim)

        call("interpolation_kernel", (stride, mode, ndim, dtype), {}, check)
    elif which == 1:
        args = (d.ints(3), d.ints(3), d.ints(3) if d.chance() else 1)

        def check(result):
            assert isinstance(result, np.ndarray) and result.dtype == np.int64
            k = np.broadcast_to(np.asarray(args[0], dtype=object), (result.ndim,))
            if int(result.sum()) != math.prod(int(v) for v in k):
                _common.TALLY["checkerboard: B15 wrong counts for a huge kernel_size"] += 1

        call("checkerboard", args, {}, check)
    else:
        start = fastup.get_workers()
        value = d.int_() if d.chance() else d.pick(_common.JUNK)

        def check(result):
            with result:
                assert fastup.get_workers() >= 1
            assert fastup.get_workers() == start

        call("set_workers", (value,), {}, check)
        assert fastup.get_workers() == start


if __name__ == "__main__":
    _common.main("fuzz_helpers", TestOneInput)
