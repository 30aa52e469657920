"""Random arguments thrown at every public function (issue #5, "bad input").

Each test draws a mostly valid call and then breaks some of its arguments: shapes with 0 and 1,
negative / NaN / inf / huge scales and sizes, wrong types and dtypes, object and string arrays,
mismatched, read-only, non-contiguous and overlapping ``out``, axes out of range or repeated,
weights of the wrong rank, groups that do not divide the channels, sizes that overflow
Py_ssize_t or memory. ``_judge.call`` accepts only a correct result or a TypeError /
ValueError / MemoryError with a message naming the function, with the inputs (and on error
``out``) untouched. Successful results are checked: shape and dtype always; against the
oracle when the problem is small; resize also against a second call.

The number of examples comes from the Hypothesis profile (tests/conftest.py): ``ci`` by
default (bounded), ``FASTUP_HYPOTHESIS_PROFILE=long pytest tests/test_fuzz_arguments.py -s``
by hand; ``-s`` prints how many cases each function got and how they ended. The address space
is capped a little above what the process uses, so that a request the size checks miss fails
with MemoryError instead of calling in the OOM killer.
"""

from __future__ import annotations

import math
import os
import resource
import sys

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

import fastup
import fastup.oracle as oracle
from fastup._tables import COORDINATE_MODES

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from _arrays import WEIGHTED_DTYPES, assert_integers_close  # noqa: E402
from _judge import HUGE_INTS, SPECIAL_FLOATS, TALLY, call  # noqa: E402

# the bounded default profile ("ci", 40) gets 6 times its examples per test here (cheap calls);
# the others ("dev", "long") run as they are
_PROFILE = os.environ.get("FASTUP_HYPOTHESIS_PROFILE", "ci")  # as tests/conftest.py reads it
EXAMPLES = settings().max_examples * (6 if _PROFILE == "ci" else 1)
HEADROOM = 1 << 30  # bytes of address space beyond what the process holds


@pytest.fixture(scope="module", autouse=True)
def capped_address_space():
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as statm:
        used = int(statm.read().split()[0]) * resource.getpagesize()
    limit = used + HEADROOM
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    TALLY.clear()
    yield
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    total = sum(TALLY.values())
    lines = [f"fuzz cases tried: {total}"] + [f"  {k}: {v}" for k, v in sorted(TALLY.items())]
    print("\n" + "\n".join(lines))


# --------------------------------------------------------------------------------------------
# building blocks
# --------------------------------------------------------------------------------------------

SMALL_INTS = st.integers(-3, 9)
ANY_INT = st.one_of(SMALL_INTS, st.sampled_from([0, 1, -1, *HUGE_INTS, -(2**63), -(2**64)]))
ANY_FLOAT = st.one_of(st.floats(0.05, 6.0), st.sampled_from(SPECIAL_FLOATS))
JUNK = st.sampled_from(
    [
        None,
        "2",
        "",
        b"2",
        2.5,
        math.nan,
        True,
        False,
        1j,
        object(),
        [],
        (),
        {},
        {"a": 1},
        [[1, 2]],
        [1, "a"],
        np.float64(2.0),
        np.int32(3),
        np.bool_(True),
        np.array([]),
        np.array([[1, 2]]),
        np.array(["a"]),
        np.array([1.5, 2.5]),
        slice(1),
        Ellipsis,
    ]
)

NUMERIC = WEIGHTED_DTYPES
OTHER = [np.bool_, np.complex64, np.complex128, np.longdouble]
NON_NUMERIC = [object, "U3", "S2", "M8[s]", "m8[s]", "V4", [("a", "i4"), ("b", "f8")]]
FLOATS = [np.float16, np.float32, np.float64]


def int_or_ints(max_len: int = 4):
    return st.one_of(
        ANY_INT,
        st.lists(ANY_INT, max_size=max_len).map(tuple),
        st.lists(ANY_INT, max_size=max_len),
        st.lists(st.integers(-3, 9), max_size=max_len).map(lambda v: np.array(v, np.int64)),
        st.lists(st.one_of(ANY_INT, JUNK), max_size=max_len).map(tuple),
        JUNK,
    )


def float_or_floats(max_len: int = 4):
    return st.one_of(
        ANY_FLOAT,
        ANY_INT,
        st.lists(ANY_FLOAT, max_size=max_len).map(tuple),
        st.lists(st.one_of(ANY_FLOAT, JUNK), max_size=max_len),
        JUNK,
    )


def _values(shape, dtype, rng, special: bool) -> np.ndarray:
    dtype = np.dtype(dtype)
    if dtype.hasobject:
        return np.array(rng.standard_normal(shape)).astype(object)
    if dtype.kind in "USV" or dtype.names:
        return np.zeros(shape, dtype)
    if dtype.kind in "Mm":
        return rng.integers(0, 1000, shape).astype(dtype)
    if dtype.kind == "b":
        return rng.integers(0, 2, shape).astype(bool)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(
            max(info.min, -(2**31)), min(info.max, 2**31 - 1), shape, endpoint=True
        ).astype(dtype)
    values = rng.standard_normal(shape) * 10
    if dtype.kind == "c":
        values = values + 1j * rng.standard_normal(shape)
    values = values.astype(dtype)
    if special and values.size and dtype.kind in "fc":
        flat = values.reshape(-1)
        flat[rng.integers(0, flat.size)] = rng.choice([np.nan, np.inf, -np.inf])
    return values


@st.composite
def arrays(draw, shape=None, dtypes=None, ndims=(0, 5), layouts=True, special=True):
    """A small array of any dtype, layout and shape (lengths 0, 1 and a few others)."""
    if shape is None:
        ndim = draw(st.integers(*ndims))
        shape = [draw(st.sampled_from([0, 1, 1, 2, 3, 4, 5, 7])) for _ in range(ndim)]
        while math.prod(shape) > 400:
            shape[shape.index(max(shape))] = 1
    shape = tuple(shape)
    dtype = draw(st.sampled_from(dtypes or NUMERIC + OTHER + NON_NUMERIC))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    base = np.array(_values(shape, dtype, rng, special and draw(st.integers(0, 4)) == 0))
    if not layouts:
        return base
    layout = draw(
        st.sampled_from(
            [
                "c",
                "c",
                "c",
                "fortran",
                "strided",
                "reversed",
                "byteswapped",
                "readonly",
                "misaligned",
            ]
        )
    )
    if layout == "fortran":
        return np.asfortranarray(base)
    if layout == "strided" and base.ndim:
        big = np.repeat(base, 2, axis=-1)
        return big[..., ::2]
    if layout == "reversed" and base.ndim:
        return base[..., ::-1]
    if layout == "byteswapped" and base.dtype.kind in "fiuc" and base.dtype.itemsize > 1:
        return base.astype(base.dtype.newbyteorder("S"))
    if layout == "readonly":
        base.flags.writeable = False
        return base
    if layout == "misaligned" and base.dtype.kind in "fiu" and base.dtype.itemsize > 1:
        raw = np.zeros(base.nbytes + 1, np.uint8)
        view = raw[1:].view(base.dtype).reshape(base.shape)
        view[...] = base
        return view
    return base


def array_likes(**kwargs):
    return st.one_of(
        arrays(**kwargs),
        arrays(**kwargs),
        arrays(**kwargs),
        st.lists(st.floats(allow_nan=True), max_size=5),
        st.just([[1.0, 2.0], [3.0]]),
        JUNK,
    )


def broken(draw, kwargs: dict, junk: dict) -> dict:
    """Replace up to three of ``kwargs``'s values by the strategies in ``junk``."""
    names = sorted(junk)
    for _ in range(draw(st.sampled_from([0, 0, 1, 1, 2, 3]))):
        name = draw(st.sampled_from(names))
        kwargs[name] = draw(junk[name])
    return kwargs


@st.composite
def outs(draw, shape, dtype, inputs):
    """None, or an ``out`` that is right, or wrong in one way."""
    kind = draw(
        st.sampled_from(
            [
                "none",
                "none",
                "right",
                "right",
                "shape",
                "dtype",
                "strided",
                "readonly",
                "overlap",
                "list",
                "fortran",
                "byteswapped",
            ]
        )
    )
    if kind == "none" or shape is None or math.prod(shape) > 100_000:
        return None
    shape = tuple(shape)
    dtype = np.dtype(dtype)
    if kind == "list":
        return np.zeros(shape, dtype).tolist()
    if kind == "shape":
        other = list(shape) + [1] if draw(st.booleans()) or not shape else list(shape)[:-1]
        return np.full(other, 7, dtype)
    if kind == "dtype":
        return np.full(
            shape,
            7,
            draw(st.sampled_from([np.float32, np.float64, np.int16, np.uint8, np.float16])),
        )
    if kind == "strided":
        return np.full(shape + (2,), 7, dtype)[..., 0]
    if kind == "readonly":
        out = np.full(shape, 7, dtype)
        out.flags.writeable = False
        return out
    if kind == "overlap":
        source = [
            a
            for a in inputs
            if isinstance(a, np.ndarray)
            and a.dtype == dtype
            and a.flags.writeable
            and a.flags.c_contiguous
        ]
        n = math.prod(shape)
        if source and source[0].size >= n > 0:
            return source[0].reshape(-1)[:n].reshape(shape)
        return np.full(shape, 7, dtype)
    if kind == "fortran":
        return np.asfortranarray(np.full(shape, 7, dtype))
    if kind == "byteswapped" and dtype.itemsize > 1:
        return np.full(shape, 7, dtype.newbyteorder("S"))
    return np.full(shape, 7, dtype)


def _tolerance(dtype: np.dtype) -> float:
    return {"e": 3e-3, "f": 2e-5, "d": 1e-10}.get(dtype.char, 0.0)


def assert_close(fast: np.ndarray, slow: np.ndarray, dtype: np.dtype, exact: bool = False):
    assert fast.shape == slow.shape, (fast.shape, slow.shape)
    assert fast.dtype == dtype, (fast.dtype, dtype)
    if exact or fast.dtype.kind not in "fiu":
        np.testing.assert_array_equal(fast, slow)
        return
    if fast.dtype.kind in "iu":
        assert_integers_close(fast, slow)
        return
    f64, s64 = fast.astype(np.float64), slow.astype(np.float64)
    finite = np.isfinite(s64)
    np.testing.assert_array_equal(np.isfinite(f64), finite)
    scale = max(1.0, float(np.max(np.abs(s64[finite]), initial=0.0)))
    np.testing.assert_allclose(
        f64[finite], s64[finite], rtol=_tolerance(dtype), atol=_tolerance(dtype) * scale * 4
    )


def _oracle(func: str, *args, **kwargs):
    """The oracle's result, or None when the oracle itself refuses arguments fastup accepted
    (an edge case of the oracle's own checks: counted and shown in the statistics)."""
    try:
        return getattr(oracle, func)(*args, **kwargs)
    except (TypeError, ValueError) as exc:
        label = f"oracle.{func} refused what fastup accepted: {str(exc)[:70]}"
        TALLY[label] += 1
        event(label)
        return None


def _small(*arrays_: object, limit: int = 400) -> bool:
    return all(isinstance(a, np.ndarray) and a.size <= limit for a in arrays_)


# --------------------------------------------------------------------------------------------
# resize and resize_backward
# --------------------------------------------------------------------------------------------

RESIZE_JUNK = {
    "size": int_or_ints(),
    "scale": float_or_floats(),
    "axes": int_or_ints(),
    "mode": st.sampled_from(
        [
            "nearest",
            "linear",
            "cubic",
            "area",
            "lanczos",
            "bilinear",
            "tricubic",
            "Linear",
            "",
            "cubc",
            None,
            3,
        ]
    ),
    "coordinate_mode": st.sampled_from(
        ["half_pixel", "align_corners", "asymmetric", "tf_crop_and_resize", "half", None, 1.0]
    ),
    "nearest_mode": st.sampled_from(["floor", "ceil", "round", None]),
    "cubic_a": st.one_of(ANY_FLOAT, JUNK),
    "exclude_outside": st.one_of(st.booleans(), st.sampled_from([0, 1, 2, "yes", None])),
    "antialias": st.one_of(st.booleans(), st.sampled_from([0, 1, -1, "no", None])),
    "roi": st.one_of(
        st.lists(st.tuples(ANY_FLOAT, ANY_FLOAT), max_size=4),
        st.lists(st.lists(ANY_FLOAT, max_size=3), max_size=3),
        JUNK,
    ),
    "extrapolation_value": st.one_of(ANY_FLOAT, JUNK),
    "size_policy": st.sampled_from(["stretch", "not_larger", "not_smaller", "fit", None]),
    "workers": st.one_of(st.sampled_from([None, 1, 2, 3, -1, -2, 0, -1000, 10**6, 2**64]), JUNK),
}


@st.composite
def resize_calls(draw):
    x = draw(
        st.one_of(
            arrays(dtypes=NUMERIC, ndims=(1, 5)),
            arrays(dtypes=NUMERIC + OTHER, ndims=(0, 5)),
            array_likes(),
        )
    )
    ndim = x.ndim if isinstance(x, np.ndarray) else 2
    k = draw(st.integers(0, min(max(ndim, 0), 3)))
    kwargs: dict = {}
    axes = None
    if k and draw(st.booleans()) and ndim:
        axes = draw(st.permutations(range(ndim)))[:k]
        axes = tuple(a - ndim if draw(st.booleans()) else a for a in axes)
        kwargs["axes"] = axes
    count = k if k else draw(st.integers(0, 3))
    if draw(st.booleans()):
        size = tuple(draw(st.sampled_from([0, 1, 2, 3, 4, 5, 8, 13])) for _ in range(count))
        kwargs["size"] = size[0] if (len(size) == 1 and draw(st.booleans())) else size
    else:
        scale = tuple(
            draw(st.sampled_from([0.25, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0])) for _ in range(count)
        )
        kwargs["scale"] = scale[0] if (len(scale) == 1 and draw(st.booleans())) else scale
    kwargs["mode"] = draw(st.sampled_from(["nearest", "linear", "cubic", "area", "lanczos"]))
    kwargs["coordinate_mode"] = draw(st.sampled_from(COORDINATE_MODES))
    if kwargs["coordinate_mode"] == "tf_crop_and_resize":
        kwargs["roi"] = [
            (
                draw(st.sampled_from([-0.2, 0.0, 0.1, 0.5])),
                draw(st.sampled_from([0.5, 0.9, 1.0, 1.3])),
            )
            for _ in range(count)
        ]
        kwargs["extrapolation_value"] = draw(st.sampled_from([0.0, -1.0, 2.5, math.nan]))
    if kwargs["mode"] == "nearest":
        kwargs["nearest_mode"] = draw(
            st.sampled_from(["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"])
        )
    if kwargs["mode"] == "cubic":
        kwargs["cubic_a"] = draw(st.sampled_from([-0.75, -0.5, -0.6]))
    if kwargs["mode"] in ("linear", "cubic", "lanczos"):
        kwargs["antialias"] = draw(st.booleans())
    if kwargs["mode"] != "nearest":
        kwargs["exclude_outside"] = draw(st.booleans())
    if "size" in kwargs and draw(st.integers(0, 3)) == 0:
        kwargs["size_policy"] = draw(st.sampled_from(["not_larger", "not_smaller"]))
    kwargs["workers"] = draw(st.sampled_from([None, 1, 2, -1]))
    kwargs = broken(draw, kwargs, RESIZE_JUNK)
    return x, kwargs


def _oracle_kwargs(kwargs: dict) -> dict:
    return {k: v for k, v in kwargs.items() if k not in ("workers", "out")}


@given(data=st.data())
@settings(max_examples=EXAMPLES)
def test_resize_with_random_arguments(data):
    x, kwargs = data.draw(resize_calls())
    try:
        expected = fastup.resize(x, **{k: v for k, v in kwargs.items()})
    except Exception:  # noqa: BLE001 - judged by the call below
        expected = None
    if isinstance(expected, np.ndarray) and isinstance(x, np.ndarray):
        kwargs["out"] = data.draw(outs(expected.shape, expected.dtype, [x]))
    event(f"out={type(kwargs.get('out')).__name__}")

    def check(result):
        assert isinstance(result, np.ndarray) and result.flags.c_contiguous
        source = np.asarray(x)
        assert result.dtype == source.dtype.newbyteorder("=")
        assert result.ndim == source.ndim
        again = fastup.resize(x, **_oracle_kwargs(kwargs), workers=1)
        assert again.tobytes() == result.tobytes()  # deterministic, any thread count
        # (0-d inputs: the oracle returns shape (1,), an oracle quirk)
        if (
            source.ndim
            and _small(source, result)
            and max(result.shape) <= 400  # the oracle builds an (M, L) matrix per axis
            and (not kwargs.get("antialias") or source.size <= 16)  # and is slow there
            and source.dtype.kind in "fiub"
            and (source.dtype.kind not in "fc" or np.isfinite(source).all())
        ):
            slow = _oracle("resize", source, **_oracle_kwargs(kwargs))
            if slow is not None:
                assert_close(result, slow, result.dtype, exact=kwargs.get("mode") == "nearest")
                event("compared with the oracle")

    call("resize", (x,), kwargs, check)


@given(data=st.data())
@settings(max_examples=EXAMPLES)
def test_resize_backward_with_random_arguments(data):
    x, kwargs = data.draw(resize_calls())
    input_shape = np.shape(x) if isinstance(x, np.ndarray) else data.draw(int_or_ints())
    try:
        forward = fastup.resize(np.zeros(input_shape, np.float64), **_oracle_kwargs(kwargs))
        grad_shape = forward.shape
    except Exception:  # noqa: BLE001
        grad_shape = data.draw(st.lists(st.sampled_from([0, 1, 2, 3]), max_size=4))
    grad = data.draw(
        st.one_of(
            arrays(shape=grad_shape, dtypes=FLOATS),
            arrays(shape=grad_shape, dtypes=FLOATS),
            arrays(shape=grad_shape, dtypes=NUMERIC + OTHER + NON_NUMERIC),
            array_likes(),
        )
    )
    if data.draw(st.booleans()):
        input_shape = data.draw(st.one_of(int_or_ints(), st.just(input_shape)))
    if isinstance(grad, np.ndarray) and grad.dtype.kind == "f":
        try:
            shape = tuple(int(n) for n in input_shape)
            kwargs["out"] = data.draw(outs(shape, grad.dtype.newbyteorder("="), [grad]))
        except (TypeError, ValueError, OverflowError):
            pass

    def check(result):
        assert isinstance(result, np.ndarray) and result.flags.c_contiguous
        wanted = (input_shape,) if np.ndim(input_shape) == 0 else tuple(input_shape)
        assert result.shape == tuple(int(n) for n in wanted)
        assert result.dtype == np.asarray(grad).dtype.newbyteorder("=")
        g = np.asarray(grad).astype(np.float64)
        if _small(g, result) and np.isfinite(g).all() and kwargs.get("out") is None:
            xs = np.random.default_rng(0).standard_normal(result.shape)
            lhs = float(np.vdot(fastup.resize(xs, **_oracle_kwargs(kwargs)), g))
            rhs = float(
                np.vdot(xs, fastup.resize_backward(g, result.shape, **_oracle_kwargs(kwargs)))
            )
            assert math.isclose(lhs, rhs, rel_tol=1e-9, abs_tol=1e-9 * (1 + np.abs(g).sum()))
            event("adjoint identity checked")

    call("resize_backward", (grad, input_shape), kwargs, check)


# --------------------------------------------------------------------------------------------
# conv_transpose, conv, conv_transpose_backward
# --------------------------------------------------------------------------------------------

CONV_JUNK = {
    "stride": int_or_ints(3),
    "padding": st.one_of(
        int_or_ints(3),
        st.lists(st.tuples(ANY_INT, ANY_INT), max_size=3),
        st.lists(st.lists(ANY_INT, max_size=3), max_size=3),
    ),
    "dilation": int_or_ints(3),
    "groups": st.one_of(ANY_INT, JUNK),
    "output_padding": int_or_ints(3),
    "output_size": st.one_of(st.none(), int_or_ints(5)),
    "workers": st.one_of(st.sampled_from([None, 1, 2, -1, 0, 10**6, 2**64]), JUNK),
}


@st.composite
def conv_problems(draw, transposed: bool):
    nd = draw(st.integers(1, 3))
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    c_in = groups * draw(st.integers(1, 2))
    c_out = groups * draw(st.integers(1, 2))
    kernel = [draw(st.integers(1, 3)) for _ in range(nd)]
    lengths = [draw(st.integers(1, 5 if nd < 3 else 3)) for _ in range(nd)]
    batch = draw(st.sampled_from([None, 0, 1, 2]))
    dtype = draw(st.sampled_from(FLOATS))
    lead = (c_in,) if batch is None else (batch, c_in)
    x_shape = lead + tuple(lengths)
    if transposed:
        w_shape = (c_in, c_out // groups, *kernel)
    else:
        w_shape = (c_out, c_in // groups, *kernel)
    x = draw(arrays(shape=x_shape, dtypes=[dtype]))
    w = draw(arrays(shape=w_shape, dtypes=[dtype]))
    kwargs = {
        "stride": draw(st.sampled_from([1, 2, 3])),
        "padding": draw(st.sampled_from([0, 1])),
        "dilation": draw(st.sampled_from([1, 1, 2])),
        "groups": groups,
        "workers": draw(st.sampled_from([None, 1, 2])),
    }
    if not transposed:
        kwargs["padding"] = draw(st.sampled_from([0, 1, 2])) + max(kernel) * kwargs["dilation"]
    if transposed and draw(st.booleans()):
        kwargs["output_padding"] = draw(st.sampled_from([0, 1]))
    bias = None
    if draw(st.booleans()):
        bias = draw(arrays(shape=(c_out,), dtypes=[dtype]))
    # break the arrays too
    which = draw(st.sampled_from(["none", "none", "none", "x", "w", "bias", "rank", "dtype"]))
    if which == "x":
        x = draw(array_likes())
    elif which == "w":
        w = draw(array_likes())
    elif which == "bias":
        bias = draw(array_likes())
    elif which == "rank":
        w = draw(arrays(dtypes=[dtype], ndims=(0, 6)))
    elif which == "dtype":
        with np.errstate(invalid="ignore", over="ignore"):
            x = x.astype(draw(st.sampled_from(NUMERIC + OTHER)))
    return x, w, bias, kwargs


@given(data=st.data(), transposed=st.booleans())
@settings(max_examples=EXAMPLES)
def test_conv_and_conv_transpose_with_random_arguments(data, transposed):
    x, w, bias, kwargs = data.draw(conv_problems(transposed))
    junk = dict(CONV_JUNK)
    if not transposed:
        junk.pop("output_padding")
        junk.pop("output_size")
        kwargs.pop("output_padding", None)
    kwargs = broken(data.draw, kwargs, junk)
    func = "conv_transpose" if transposed else "conv"
    fast = getattr(fastup, func)
    try:
        expected = fast(x, w, bias, **kwargs)
    except Exception:  # noqa: BLE001
        expected = None
    if isinstance(expected, np.ndarray):
        kwargs["out"] = data.draw(outs(expected.shape, expected.dtype, [x, w]))

    def check(result):
        assert isinstance(result, np.ndarray) and result.flags.c_contiguous
        dtype = np.asarray(x).dtype.newbyteorder("=")
        assert result.dtype == dtype
        xs, ws = np.asarray(x), np.asarray(w)
        assert result.ndim == xs.ndim and result.shape[-(ws.ndim - 1)] == (
            ws.shape[1] * int(kwargs["groups"]) if transposed else ws.shape[0]
        )
        if _small(xs, ws, result, limit=2000) and np.isfinite(xs).all() and np.isfinite(ws).all():
            expected = _oracle(func, xs, ws, bias, **_oracle_kwargs(kwargs))
            if expected is not None:
                assert_close(result, expected, dtype)
                event("compared with the oracle")

    call(func, (x, w, bias), kwargs, check)


@given(data=st.data())
@settings(max_examples=EXAMPLES)
def test_conv_transpose_backward_with_random_arguments(data):
    x, w, _, kwargs = data.draw(conv_problems(True))
    try:
        shape = fastup.conv_transpose(x, w, **kwargs).shape
        dtype = np.asarray(x).dtype
    except Exception:  # noqa: BLE001
        shape, dtype = (1, 1, 2, 2), np.float32
    grad = data.draw(
        st.one_of(
            arrays(shape=shape, dtypes=[dtype], layouts=True),
            arrays(shape=shape, dtypes=FLOATS),
            array_likes(),
        )
    )
    kwargs = broken(data.draw, kwargs, {k: v for k, v in CONV_JUNK.items() if k != "output_size"})
    kwargs["needs"] = data.draw(
        st.one_of(
            st.sampled_from(
                [
                    ("input", "weight", "bias"),
                    ("input",),
                    ("weight", "bias"),
                    "bias",
                    (),
                    ["weight"],
                    {"input", "bias"},
                ]
            ),
            st.sampled_from([("inputs",), None, 3, [["input"]], "all"]),
        )
    )

    def check(result):
        assert isinstance(result, tuple) and len(result) == 3
        needs = {kwargs["needs"]} if isinstance(kwargs["needs"], str) else set(kwargs["needs"])
        xs, ws = np.asarray(x), np.asarray(w)
        for name, got, shape_ in zip(
            ("input", "weight", "bias"), result, (xs.shape, ws.shape, None), strict=True
        ):
            if name not in needs:
                assert got is None
                continue
            assert isinstance(got, np.ndarray) and got.dtype == xs.dtype.newbyteorder("=")
            if shape_ is not None:
                assert got.shape == shape_
        g = np.asarray(grad)
        if _small(xs, ws, g, limit=2000) and all(np.isfinite(a).all() for a in (xs, ws, g)):
            slow = _oracle("conv_transpose_backward", g, xs, ws, **_oracle_kwargs(kwargs))
            for got, want in zip(result, slow or (None,) * 3, strict=True):
                if got is not None and want is not None:
                    assert_close(got, want.astype(got.dtype), got.dtype)
                    event("compared with the oracle")

    call("conv_transpose_backward", (grad, x, w), kwargs, check)


# --------------------------------------------------------------------------------------------
# helpers and thread controls
# --------------------------------------------------------------------------------------------


@given(
    stride=st.one_of(
        st.integers(1, 4), st.lists(st.integers(1, 3), min_size=1, max_size=3), int_or_ints(3)
    ),
    mode=st.sampled_from(["nearest", "linear", "cubic", "area", "lanczos", "bilinear", "x", None]),
    ndim=st.one_of(st.integers(1, 3), ANY_INT, JUNK),
    dtype=st.sampled_from(
        [np.float16, np.float32, np.float64, "float32", np.int32, object, None, "foo", 3]
    ),
)
@settings(max_examples=EXAMPLES)
def test_interpolation_kernel_with_random_arguments(stride, mode, ndim, dtype):
    def check(result):
        weight, padding = result
        assert isinstance(weight, np.ndarray) and weight.ndim == int(ndim) + 2
        assert weight.dtype == np.dtype(dtype) and len(padding) == int(ndim)
        assert weight.shape[:2] == (1, 1) and all(p >= 0 for p in padding)

    call("interpolation_kernel", (stride, mode, ndim, dtype), {}, check)


@given(kernel_size=int_or_ints(3), stride=int_or_ints(3), dilation=int_or_ints(3))
@settings(max_examples=EXAMPLES)
def test_checkerboard_with_random_arguments(kernel_size, stride, dilation):
    def check(result):
        assert isinstance(result, np.ndarray) and result.dtype == np.int64
        k = np.broadcast_to(np.asarray(kernel_size, dtype=object), (result.ndim,))
        assert int(result.sum()) == math.prod(int(v) for v in k)

    call("checkerboard", (kernel_size, stride, dilation), {}, check)


@given(workers=st.one_of(ANY_INT, JUNK))
@settings(max_examples=EXAMPLES // 4)
def test_set_workers_with_random_arguments(workers):
    start = fastup.get_workers()

    def check(result):
        with result:
            assert fastup.get_workers() >= 1
        assert fastup.get_workers() == start

    call("set_workers", (workers,), {}, check)
    assert fastup.get_workers() == start
