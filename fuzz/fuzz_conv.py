"""atheris harness: fastup.conv_transpose, fastup.conv and fastup.conv_transpose_backward.

    python fuzz/fuzz_conv.py -max_total_time=240 -rss_limit_mb=0 -timeout=20

Mostly valid problems (groups, channels, kernel, stride, padding, dilation) with some arguments
broken; results are compared with fastup.oracle on small problems. See tests/_judge.py.
"""

import math

import _common
from _common import Draw, call, np

import fastup


def build(d: Draw, transposed: bool):
    nd = d.small(1, 3)
    groups = d.pick([1, 1, 2, 3])
    c_in, c_out = groups * d.small(1, 2), groups * d.small(1, 2)
    kernel = [d.small(1, 3) for _ in range(nd)]
    lengths = [d.small(1, 4) for _ in range(nd)]
    batch = d.pick([None, 0, 1, 2])
    dtype = d.pick(_common.FLOAT_DTYPES)
    x_shape = ((c_in,) if batch is None else (batch, c_in)) + tuple(lengths)
    w_shape = (c_in, c_out // groups, *kernel) if transposed else (c_out, c_in // groups, *kernel)
    x = d.array(shape=x_shape, dtypes=[dtype])
    w = d.array(shape=w_shape, dtypes=[dtype])
    bias = d.array(shape=(c_out,), dtypes=[dtype]) if d.chance() else None
    kwargs = {
        "stride": d.pick([1, 2, 3]),
        "padding": d.pick([0, 1]),
        "dilation": d.pick([1, 2]),
        "groups": groups,
        "workers": d.pick([None, 1, 2]),
    }
    if not transposed:
        kwargs["padding"] = max(kernel) * kwargs["dilation"] + d.small(0, 2)
    elif d.chance():
        kwargs["output_padding"] = d.pick([0, 1])
    for _ in range(d.pick([0, 0, 1, 1, 2, 3])):
        name = d.pick(
            [
                "stride",
                "padding",
                "dilation",
                "groups",
                "workers",
                "x",
                "w",
                "bias",
                "padding_pairs",
            ]
            + (["output_padding", "output_size"] if transposed else [])
        )
        if name == "x":
            x = d.array_like()
        elif name == "w":
            w = d.array_like()
        elif name == "bias":
            bias = d.array_like()
        elif name == "groups":
            kwargs["groups"] = d.int_() if d.chance() else d.pick(_common.JUNK)
        elif name == "workers":
            kwargs["workers"] = d.pick([0, -1, 10**6, 2**64, "2", 1.5, None])
        elif name == "padding_pairs":
            kwargs["padding"] = [(d.int_(), d.int_()) for _ in range(d.small(0, 3))]
        else:
            kwargs[name] = d.ints(3)
    return x, w, bias, kwargs


def close(result, slow):
    assert result.shape == slow.shape, (result.shape, slow.shape)
    tol = {"e": 1e-2, "f": 2e-5, "d": 1e-10}[result.dtype.char]
    magnitude = np.abs(slow.astype(np.float64))
    scale = max(1.0, float(magnitude[np.isfinite(magnitude)].max(initial=0)))
    assert np.allclose(
        result.astype(np.float64),
        slow.astype(np.float64),
        rtol=tol,
        atol=4 * tol * scale,
        equal_nan=True,
    )


def plain(kwargs):
    return {k: v for k, v in kwargs.items() if k not in ("workers", "out", "needs")}


def finite(*arrays):
    return all(
        isinstance(a, np.ndarray)
        and a.dtype.kind == "f"
        and a.size <= 2000
        and np.isfinite(a).all()
        for a in arrays
    )


def TestOneInput(data: bytes) -> None:
    d = Draw(data)
    which = d.pick(["conv_transpose", "conv", "conv_transpose_backward"])
    x, w, bias, kwargs = build(d, which != "conv")
    if which == "conv_transpose_backward":
        kwargs.pop("output_size", None)
        try:
            shape = fastup.conv_transpose(x, w, **plain(kwargs)).shape
        except Exception:  # noqa: BLE001
            shape = (1, 1, 2, 2)
        same_dtype = (
            isinstance(x, np.ndarray) and x.dtype.kind == "f" and not d.chance(5)
        )  # mostly grad_out of x's dtype, sometimes any dtype
        dtypes = [x.dtype] if same_dtype else None
        grad = d.array(shape=shape, dtypes=dtypes) if math.prod(shape) <= 2000 else np.zeros(0)
        kwargs["needs"] = d.pick(
            [("input", "weight", "bias"), ("input",), ("weight",), "bias", (), ("x",), None, 3]
        )

        def check(result):
            assert isinstance(result, tuple) and len(result) == 3
            if finite(grad, x, w):
                try:
                    slow = fastup.oracle.conv_transpose_backward(grad, x, w, **plain(kwargs))
                except (TypeError, ValueError, MemoryError):  # the oracle's own limits
                    _common.TALLY["oracle.conv_transpose_backward refused"] += 1
                    return
                for got, want in zip(result, slow, strict=True):
                    if got is not None:
                        close(got, want)

        call(which, (grad, x, w), kwargs, check)
        return
    fast, slow = getattr(fastup, which), getattr(fastup.oracle, which)
    try:
        expected = fast(x, w, bias, **kwargs)
    except Exception:  # noqa: BLE001
        expected = None
    if isinstance(expected, np.ndarray):
        kwargs["out"] = d.out(expected.shape, expected.dtype, [x, w])

    def check(result):
        assert isinstance(result, np.ndarray) and result.flags.c_contiguous
        assert result.dtype == np.asarray(x).dtype.newbyteorder("=")
        if finite(x, w):
            try:
                want = slow(x, w, bias, **plain(kwargs))
            except (TypeError, ValueError, MemoryError):  # the oracle's own limits
                return
            close(result, want)

    call(which, (x, w, bias), kwargs, check)


if __name__ == "__main__":
    _common.main("fuzz_conv", TestOneInput)
