"""atheris harness: fastup.resize and fastup.resize_backward with fuzzer-chosen arguments.

    python fuzz/fuzz_resize.py -max_total_time=240 -rss_limit_mb=0 -timeout=20

Every call must return a correct result (checked against a second call and, on small inputs,
against fastup.oracle) or raise a named TypeError/ValueError/MemoryError; see tests/_judge.py.
"""

import math

import _common
from _common import Draw, call, np

import fastup
from fastup._tables import COORDINATE_MODES


def build_resize(d: Draw):
    x = d.array_like(dtypes=_common.DTYPES if d.chance(3) else _common.DTYPES[:8])
    ndim = x.ndim if isinstance(x, np.ndarray) else 2
    kwargs = {}
    if d.chance():
        kwargs["size"] = (
            d.ints(3)
            if d.chance(3)
            else tuple(d.small(0, 9) for _ in range(d.small(1, max(1, min(ndim, 3)))))
        )
    if d.chance():
        kwargs["scale"] = d.floats(3)
    if d.chance():
        kwargs["axes"] = (
            d.ints(3)
            if d.chance(3)
            else tuple(d.small(-ndim, max(ndim - 1, 0)) for _ in range(d.small(1, 3)))
        )
    kwargs["mode"] = d.pick(["nearest", "linear", "cubic", "area", "lanczos", "bicubic", "x", None])
    kwargs["coordinate_mode"] = d.pick([*COORDINATE_MODES, 1])
    if d.chance():
        kwargs["nearest_mode"] = d.pick(
            ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil", "x"]
        )
    if d.chance(3):
        kwargs["cubic_a"] = d.float_() if d.chance() else d.pick([-0.5, -0.75])
    if d.chance(3):
        kwargs["exclude_outside"] = d.pick([True, False, 0, 1, 2, "y"])
    if d.chance(3):
        kwargs["antialias"] = d.pick([True, False, 0, 1, 2, None])
    if kwargs["coordinate_mode"] == "tf_crop_and_resize" or d.chance(8):
        kwargs["roi"] = (
            [(d.float_() * d.pick([1, -1]), d.float_()) for _ in range(d.small(0, 3))]
            if d.chance(4)
            else [(d.pick([0.0, 0.1, -0.2]), d.pick([1.0, 0.8, 1.3])) for _ in range(d.small(1, 3))]
        )
        kwargs["extrapolation_value"] = d.float_() if d.chance() else 0.0
    if d.chance(4):
        kwargs["size_policy"] = d.pick(["stretch", "not_larger", "not_smaller", "x"])
    kwargs["workers"] = d.pick([None, 1, 2, -1, 0, 10**6, "2"])
    return x, kwargs


def check_resize(x, kwargs):
    def check(result):
        source = np.asarray(x)
        assert isinstance(result, np.ndarray) and result.flags.c_contiguous
        assert result.dtype == source.dtype.newbyteorder("=") and result.ndim == source.ndim
        plain = {k: v for k, v in kwargs.items() if k not in ("workers", "out")}
        assert fastup.resize(x, **plain, workers=1).tobytes() == result.tobytes()
        if (
            source.ndim
            # the oracle's exact arithmetic is slow for antialiased tiny scales: small only
            and (not kwargs.get("antialias") or source.size <= 16)
            and source.size <= 200
            and 0 < result.size <= 400
            and max(result.shape) <= 400  # (the oracle builds an (M, L) matrix per axis)
            and source.dtype.kind in "fiu"
            and np.isfinite(source).all()
        ):
            try:
                slow = fastup.oracle.resize(source, **plain)
            except (TypeError, ValueError, MemoryError):  # the oracle's own limits
                return
            if kwargs.get("mode") == "nearest":
                assert np.array_equal(result, slow)
            elif result.dtype.kind in "iu":
                assert np.abs(result.astype(np.int64) - slow.astype(np.int64)).max(initial=0) <= 1
            else:
                tol = {"e": 3e-3, "f": 2e-5, "d": 1e-10}[result.dtype.char]
                magnitude = np.abs(slow.astype(np.float64))
                scale = max(1.0, float(magnitude[np.isfinite(magnitude)].max(initial=0)))
                assert np.allclose(
                    result.astype(np.float64), slow, rtol=tol, atol=4 * tol * scale, equal_nan=True
                )

    return check


def TestOneInput(data: bytes) -> None:
    d = Draw(data)
    x, kwargs = build_resize(d)
    if d.small(0, 3) == 3:  # resize_backward (1 in 4; 0 when the bytes run out: resize)
        shape = np.shape(x) if isinstance(x, np.ndarray) else d.ints()
        try:
            gshape = fastup.resize(
                np.zeros(shape), **{k: v for k, v in kwargs.items() if k != "workers"}
            ).shape
        except Exception:  # noqa: BLE001
            gshape = tuple(d.small(0, 3) for _ in range(d.small(0, 4)))
        small = all(isinstance(n, int) for n in gshape) and math.prod(gshape) <= 400
        dtypes = None if d.chance(4) else _common.FLOAT_DTYPES
        grad = d.array(shape=gshape, dtypes=dtypes) if small else np.zeros(0)
        call("resize_backward", (grad, shape), kwargs, None)
        return
    try:
        expected = fastup.resize(x, **kwargs)
    except Exception:  # noqa: BLE001
        expected = None
    if isinstance(expected, np.ndarray):
        kwargs["out"] = d.out(expected.shape, expected.dtype, [x])
    call("resize", (x,), kwargs, check_resize(x, kwargs))


if __name__ == "__main__":
    _common.main("fuzz_resize", TestOneInput)
