"""fastup.compat.torch against the installed torch: the same results (bit for bit for nearest,
nearest-exact and uint8), the same shapes, dtypes and memory formats, the same refusals."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest

import fastup.compat.torch as FC

torch = pytest.importorskip("torch")
TF = torch.nn.functional

# float tolerances relative to the data range (the issue's: float32 1e-5, float64 1e-10)
TOL = {"float32": 1e-5, "float64": 1e-10, "float16": 2e-3, "bfloat16": 1e-2}
MODES_BY_RANK = {
    3: ["nearest", "nearest-exact", "linear", "area"],
    4: ["nearest", "nearest-exact", "bilinear", "bicubic", "area", "lanczos"],
    5: ["nearest", "nearest-exact", "trilinear", "area"],
}


def test_checked_version():
    """The version this module was checked against; another installed torch warns."""
    installed = torch.__version__.split("+")[0]
    if installed != FC.CHECKED["torch"]:
        warnings.warn(
            f"fastup.compat.torch was checked against torch {FC.CHECKED['torch']}; "
            f"torch {installed} is installed: its results may differ",
            stacklevel=1,
        )
    assert FC.CHECKED["torch"] in FC.__doc__


def _cases(seed: int, count: int):
    """Random interpolate calls: (input array, kwargs, channels_last)."""
    rng = np.random.default_rng(seed)
    for i in range(count):
        rank = (3, 4, 5)[i % 3] if i % 4 else 4
        mode = MODES_BY_RANK[rank][rng.integers(len(MODES_BY_RANK[rank]))]
        antialias = mode == "lanczos" or (mode in ("bilinear", "bicubic") and i % 2 == 0)
        if mode in ("nearest", "nearest-exact", "area"):
            align_corners = None
        else:
            align_corners = False if mode == "lanczos" else bool(rng.integers(2))
        dtypes = ["float32", "float64"]
        if mode not in ("linear", "trilinear", "area"):
            dtypes.append("uint8")
        if not antialias:
            dtypes.append("float16")
        dtype = dtypes[rng.integers(len(dtypes))]
        spatial = tuple(int(v) for v in rng.integers(1, 24 if rank < 5 else 9, rank - 2))
        kwargs = {"mode": mode, "align_corners": align_corners, "antialias": antialias}
        if rng.integers(3) == 0:
            factors = [float(f) for f in rng.choice([0.3, 0.5, 0.7, 1.3, 1.5, 2.0, 3.1], rank - 2)]
            if min(int(L * f) for L, f in zip(spatial, factors, strict=True)) < 1:
                continue
            kwargs["scale_factor"] = factors
            if mode != "area" and rng.integers(2):
                kwargs["recompute_scale_factor"] = True
        else:
            hi = 40 if rank < 5 else 12
            kwargs["size"] = tuple(int(v) for v in rng.integers(1, hi, rank - 2))
        channels = int(rng.choice([1, 3, 4, 5]))
        x = rng.random((2, channels) + spatial) * 255
        if dtype == "uint8" and i % 5 == 0:  # the full range: overshoot clipped
            x = np.where(rng.random(x.shape) < 0.5, 0.0, 255.0)
        yield x.astype(dtype), kwargs, rank == 4 and i % 3 == 0


def _width_one_bug(t, kwargs, out_shape) -> bool:
    """torch 2.13's generic separable path (float antialias; uint8 with more than 4 channels
    in NCHW) gives every row the same value when the output width is 1 while the height
    changes (module docstring of fastup.compat.torch)."""
    generic = (kwargs["antialias"] and t.dtype != torch.uint8) or (
        t.dtype == torch.uint8 and t.shape[1] > 4 and t.is_contiguous()
    )
    return (
        generic
        and kwargs["mode"] in ("bilinear", "bicubic", "lanczos")
        and out_shape[-1] == 1
        and out_shape[-2] != t.shape[-2]
    )


def _torch(t, kwargs):
    """torch's result (for the uint8 1x1 resize it fails, its channels_last path's)."""
    try:
        return TF.interpolate(t, **kwargs)
    except RuntimeError:  # the uint8 1x1 internal assert of torch 2.13 (module docstring)
        assert t.dtype == torch.uint8 and t.shape[1] == 3
        return TF.interpolate(t.contiguous(memory_format=torch.channels_last), **kwargs)


def _compare(got, want, dtype, exact, span=None):
    """Equal (``exact``), or within the tolerance of ``dtype`` relative to ``span`` (the range
    of the input; default: of ``want``)."""
    g, w = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    assert g.shape == w.shape
    if exact:
        np.testing.assert_array_equal(g, w)
    else:
        if span is None:
            span = float(np.ptp(w)) if w.size else 1.0
        span = max(1.0, span)
        assert np.abs(g - w).max(initial=0.0) <= TOL[dtype] * span


@pytest.mark.parametrize("seed", range(6))
def test_interpolate_matches_torch(seed):
    exact_count = 0
    for x, kwargs, channels_last in _cases(seed, 60):
        t = torch.from_numpy(x)
        if channels_last:
            t = t.contiguous(memory_format=torch.channels_last)
        want = direct = _torch(t, kwargs)
        if _width_one_bug(t, kwargs, want.shape) and t.dtype == torch.uint8:
            want = TF.interpolate(t.contiguous(memory_format=torch.channels_last), **kwargs)
        elif _width_one_bug(t, kwargs, want.shape):  # floats: the transposed image
            flipped = dict(kwargs)
            if "size" in flipped:
                flipped["size"] = tuple(flipped["size"])[::-1]
            else:
                flipped["scale_factor"] = list(flipped["scale_factor"])[::-1]
            want = _torch(t.transpose(2, 3).contiguous(), flipped).transpose(2, 3)
        got = FC.interpolate(t, **kwargs)
        assert isinstance(got, torch.Tensor) and got.dtype == t.dtype
        for layout in (torch.contiguous_format, torch.channels_last):
            if got.dim() == 4:
                assert got.is_contiguous(memory_format=layout) == direct.is_contiguous(
                    memory_format=layout
                )
        exact = kwargs["mode"] in ("nearest", "nearest-exact") or x.dtype == np.uint8
        span = float(np.ptp(x.astype(np.float64)))
        _compare(got.float().numpy(), want.float().numpy(), str(x.dtype), exact, span)
        exact_count += exact
        # an ndarray in: an ndarray out (the same values, up to the order of the float sums
        # of another memory format)
        array = FC.interpolate(x, **kwargs)
        assert isinstance(array, np.ndarray) and array.flags.c_contiguous
        _compare(array.astype(np.float32), got.float().numpy(), str(x.dtype), exact, span)
    assert exact_count > 10


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "lanczos"])
@pytest.mark.parametrize("antialias", [False, True])
def test_uint8_bit_exact_fraction(mode, antialias):
    """uint8 images of many sizes, up and down, 1/3/4 channels, both memory formats: every
    pixel equals torch's (the fraction is printed: -s shows it)."""
    if mode == "lanczos" and not antialias:
        pytest.skip("torch's lanczos requires antialias=True")
    rng = np.random.default_rng(7)
    same = total = 0
    for i in range(40):
        H, W = (int(v) for v in rng.integers(1, 80, 2))
        Ho, Wo = (int(v) for v in rng.integers(1, 100, 2))
        x = rng.integers(0, 256, (1, int(rng.choice([1, 3, 4])), H, W), dtype=np.uint8)
        t = torch.from_numpy(x)
        if i % 2:
            t = t.contiguous(memory_format=torch.channels_last)
        align = bool(i % 3 == 0) and mode != "lanczos"
        kwargs = {"size": (Ho, Wo), "mode": mode, "antialias": antialias, "align_corners": align}
        want = _torch(t, kwargs).numpy()
        got = FC.interpolate(t, **kwargs).numpy()
        same += int((got == want).sum())
        total += want.size
    print(f"uint8 {mode} antialias={antialias}: {same / total:.6f} of {total} pixels exact")
    assert same == total


def test_nearest_index_quirks():
    """The exact ties where torch's float arithmetic lands one pixel low (docs/conventions.md)
    are reproduced, in 1-D (double product) and 2-D (float32)."""
    for shape, size, mode in [
        ((1, 1, 26), 22, "nearest"),
        ((1, 1, 14), 23, "nearest-exact"),
        ((1, 1, 26, 16), (11, 28), "nearest-exact"),
        ((1, 1, 28, 14), (46, 46), "nearest"),
    ]:
        x = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
        want = TF.interpolate(torch.from_numpy(x), size=size, mode=mode).numpy()
        np.testing.assert_array_equal(FC.interpolate(x, size=size, mode=mode), want)


def test_uint8_one_by_one_torch_assert():
    """torch 2.13 fails an internal assert on a contiguous 3-channel uint8 bilinear resize to
    1x1; fastup gives what torch's channels_last path gives."""
    x = np.random.default_rng(0).integers(0, 256, (1, 3, 9, 7), dtype=np.uint8)
    t = torch.from_numpy(x)
    right = TF.interpolate(
        t.contiguous(memory_format=torch.channels_last), size=(1, 1), mode="bilinear"
    )
    np.testing.assert_array_equal(FC.interpolate(t, size=(1, 1), mode="bilinear"), right)


def test_width_one_antialias_follows_the_definition():
    """torch 2.13 gives an antialiased float resize to width 1 (the height changing) one value
    for every row; fastup gives what torch computes for the transposed image, which follows
    the definition."""
    x = np.arange(48.0).reshape(1, 1, 8, 6)
    got = FC.interpolate(x, size=(3, 1), mode="bilinear", antialias=True)
    wrong = TF.interpolate(torch.from_numpy(x), size=(3, 1), mode="bilinear", antialias=True)
    flipped = torch.from_numpy(x).transpose(2, 3).contiguous()
    right = TF.interpolate(flipped, size=(1, 3), mode="bilinear", antialias=True)
    np.testing.assert_allclose(got, right.transpose(2, 3).numpy(), rtol=1e-12)
    assert np.ptp(wrong.numpy()) == 0 and np.ptp(got) > 20


BAD_CALLS = [
    ({"size": 4, "mode": "cubic"}, ValueError),
    ({"size": 4, "mode": "nearest", "align_corners": True}, ValueError),
    ({"size": 4, "scale_factor": 2.0}, ValueError),
    ({}, ValueError),
    ({"size": (4, 4, 4)}, ValueError),
    ({"scale_factor": (2.0,)}, ValueError),
    ({"size": 4.0}, TypeError),
    ({"size": 4, "recompute_scale_factor": True}, ValueError),
    ({"size": 4, "mode": "bilinear", "antialias": True, "input_rank": 3}, ValueError),
    ({"size": 4, "mode": "linear"}, ValueError),
    ({"size": 4, "mode": "trilinear"}, ValueError),
    ({"size": 4, "mode": "lanczos"}, ValueError),
    ({"size": 4, "mode": "lanczos", "antialias": True, "align_corners": True}, ValueError),
    ({"size": (0, 3)}, ValueError),
    ({"scale_factor": 0.1}, ValueError),
    ({"size": 4, "mode": "area", "dtype": "uint8"}, TypeError),
    ({"size": 4, "mode": "bilinear", "dtype": "int16"}, TypeError),
    ({"size": 4, "mode": "bilinear", "antialias": True, "dtype": "float16"}, TypeError),
]


@pytest.mark.parametrize("call, error", BAD_CALLS)
def test_torch_refusals_are_refused(call, error):
    """Each call torch refuses, fastup refuses too, with a ValueError/TypeError."""
    call = dict(call)
    rank = call.pop("input_rank", 4)
    dtype = call.pop("dtype", "float32")
    x = np.zeros((1, 2) + (5,) * (rank - 2), dtype=dtype)
    with pytest.raises(Exception):  # noqa: B017 - torch's own classes vary
        TF.interpolate(torch.from_numpy(x), **call)
    with pytest.raises(error, match="fastup.compat.torch.interpolate"):
        FC.interpolate(x, **call)


def test_input_kinds():
    x = torch.ones((1, 1, 4, 4), requires_grad=True)
    with pytest.raises(ValueError, match="detach"):
        FC.interpolate(x, size=2)
    with pytest.raises(ValueError, match="3, 4 or 5 dims"):
        FC.interpolate(np.ones((4, 4)), size=2)
    bf = torch.arange(16.0).reshape(1, 1, 4, 4).to(torch.bfloat16)
    if pytest.importorskip("ml_dtypes"):
        got = FC.interpolate(bf, size=(8, 8), mode="bilinear")
        assert got.dtype == torch.bfloat16
        want = TF.interpolate(bf, size=(8, 8), mode="bilinear")
        _compare(got.float().numpy(), want.float().numpy(), "bfloat16", False)


def test_compat_modules_are_attributes():
    import fastup.compat

    for name in fastup.compat.__all__:
        module = getattr(fastup.compat, name)
        assert module.__name__ == f"fastup.compat.{name}" and module.CHECKED


def test_import_does_not_import_torch():
    code = "import sys, fastup.compat.torch; assert 'torch' not in sys.modules; print('ok')"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_convolutions_match_torch(dims):
    rng = np.random.default_rng(dims)
    x = rng.standard_normal((2, 4) + (7,) * dims)
    w = rng.standard_normal((6, 2) + (3,) * dims)
    b = rng.standard_normal(6)
    conv = getattr(FC, f"conv{dims}d")
    tconv = getattr(TF, f"conv{dims}d")
    for kwargs in (
        {"stride": 2, "padding": 1, "groups": 2},
        {"padding": "same", "dilation": 2, "groups": 2},
        {"padding": "valid", "groups": 2},
    ):
        want = tconv(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), **kwargs)
        got = conv(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), **kwargs)
        assert isinstance(got, torch.Tensor)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(conv(x, w, b, **kwargs), want.numpy(), rtol=1e-10, atol=1e-10)
    with pytest.raises(ValueError, match="strided"):
        conv(x, w, b, stride=2, padding="same", groups=2)
    wt = rng.standard_normal((4, 3) + (4,) * dims)
    tconvt = getattr(TF, f"conv_transpose{dims}d")
    convt = getattr(FC, f"conv_transpose{dims}d")
    kwargs = {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2, "dilation": 1}
    want = tconvt(torch.from_numpy(x), torch.from_numpy(wt), None, **kwargs)
    got = convt(torch.from_numpy(x), torch.from_numpy(wt), None, **kwargs)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-10, atol=1e-10)
    with pytest.raises(ValueError, match="dims"):
        convt(x, wt[0], None)
