"""fastup.compat.torchvision against the installed torchvision: the same sizes, values (bit for bit
for uint8, nearest and PIL images), dtypes, memory formats and refusals, and a Resize that works
in torchvision's Compose inside a DataLoader with worker processes."""

from __future__ import annotations

import doctest
import glob
import importlib.util
import os
import pickle
import subprocess
import sys
import warnings
import zlib

import numpy as np
import pytest

import fastup.compat.torchvision as FT

torch = pytest.importorskip("torch")
Image = pytest.importorskip("PIL.Image")

# float tolerances relative to the data range (the issue's: float32 1e-5, float64 1e-10)
TOL = {"float32": 1e-5, "float64": 1e-10, "float16": 2e-3, "bfloat16": 1e-2}
TENSOR_MODES = ["nearest", "nearest-exact", "bilinear", "bicubic", "lanczos"]

# the operator schemas torchvision's import registers fake kernels for; a CUDA wheel of
# torchvision beside a CPU torch cannot load its _C library, so they are missing
_SCHEMAS = [
    "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
]
_LIBRARIES: list = []  # kept alive: a Library's definitions go when it is collected


def _import_torchvision():
    """``import torchvision``; when its compiled ops cannot load (torchvision 0.28's CUDA wheel
    beside torch's CPU wheel), first define the schemas of the ops its import needs, as
    torchvision's own C++ library would (their kernels are never called here)."""
    if "torchvision.transforms.v2" in sys.modules:
        return sys.modules["torchvision"]
    spec = importlib.util.find_spec("torchvision")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("torchvision is not installed")
    folder = list(spec.submodule_search_locations)[0]
    libraries = glob.glob(os.path.join(folder, "_C.*"))
    try:
        if not libraries:
            raise OSError("no _C library")
        torch.ops.load_library(libraries[0])
    except OSError:
        if not _LIBRARIES and not _has_op("nms"):
            try:
                library = torch.library.Library("torchvision", "DEF")
                for schema in _SCHEMAS:
                    library.define(schema)
            except RuntimeError as exc:
                pytest.skip(f"torchvision's ops cannot be defined beside this torch: {exc}")
            _LIBRARIES.append(library)
    try:
        import torchvision
        import torchvision.transforms.v2  # noqa: F401
    except Exception as exc:  # noqa: BLE001 - any import failure: the peer is unusable
        pytest.skip(f"import torchvision failed: {type(exc).__name__}: {exc}")
    return torchvision


def _has_op(name: str) -> bool:
    try:
        getattr(torch.ops.torchvision, name)
    except (AttributeError, RuntimeError):
        return False
    return True


@pytest.fixture(scope="module")
def tv():
    """torchvision (imported as ``_import_torchvision`` explains)."""
    return _import_torchvision()


@pytest.fixture(scope="module")
def F(tv):
    from torchvision.transforms.v2 import functional

    return functional


@pytest.fixture(scope="module")
def T(tv):
    from torchvision.transforms import v2

    return v2


def test_checked_version(tv):
    """The version this module was checked against; another installed torchvision warns."""
    installed = tv.__version__.split("+")[0]
    if installed != FT.CHECKED["torchvision"]:
        warnings.warn(
            f"fastup.compat.torchvision was checked against torchvision "
            f"{FT.CHECKED['torchvision']}; torchvision {installed} is installed: its results "
            "may differ",
            stacklevel=1,
        )
    assert FT.CHECKED["torchvision"] in FT.__doc__


def test_examples():
    """The docstrings' Examples run and show what they print."""
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in finder.find(FT, "fastup.compat.torchvision"):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted > 10 and result.failed == 0


def test_import_imports_no_peer():
    code = (
        "import sys, numpy as np, fastup.compat.torchvision as tv\n"
        "tv.Resize(3)(np.zeros((6, 8, 3), np.uint8))\n"
        "assert not {'torch', 'torchvision', 'PIL'} & set(sys.modules), sys.modules.keys()\n"
        "print('ok')"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr


# --------------------------------------------------------------------------------------------
# tensors
# --------------------------------------------------------------------------------------------


def _compare(got, want, dtype, exact, span):
    g, w = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    assert g.shape == w.shape
    if exact:
        np.testing.assert_array_equal(g, w)
    else:
        assert np.abs(g - w).max(initial=0.0) <= TOL[dtype] * max(1.0, span)


def _size_cases(rng, H, W):
    """(size, max_size) pairs of every kind: an int, [int], (h, w), int with a max_size that
    caps or not, None with a max_size. Output widths stay >= 2 (width 1: see below)."""
    short, long = min(H, W), max(H, W)
    s = int(rng.integers(2, 30))
    h, w = (int(v) for v in rng.integers(2, 40, 2))
    cap = int(s * long / short) + int(rng.integers(-3, 4))
    return [
        (s, None),
        ([s], None),
        ((h, w), None),
        (s, max(cap, s + 1, -(-2 * long // short))),  # the capped shorter side stays >= 2
        (None, int(rng.integers(max(2, -(-2 * long // short)), 40))),
    ]


def _tensor_cases(seed, dtype):
    """(tensor, size, max_size): CHW, NCHW, extra leading dims, channels_last."""
    rng = np.random.default_rng(seed)
    shapes = [(3, 17, 23), (2, 4, 30, 20), (2, 2, 1, 11, 13), (1, 3, 16, 9), (3, 5, 31, 2)]
    for i, shape in enumerate(shapes):
        x = rng.random(shape) * 255
        if dtype == "uint8" and i % 2:
            x = np.where(rng.random(shape) < 0.5, 0.0, 255.0)  # overshoot clipped
        t = torch.from_numpy(x.astype(dtype))
        if t.dim() == 4 and i % 2 == 1:
            t = t.contiguous(memory_format=torch.channels_last)
        elif t.dim() == 3 and i == 0:
            t = torch.from_numpy(np.ascontiguousarray(x.astype(dtype).transpose(1, 2, 0)))
            t = t.permute(2, 0, 1)  # a channels-last CHW image (HWC memory)
        for size, max_size in _size_cases(rng, *shape[-2:]):
            yield t, size, max_size


# (mode, antialias): torchvision's lanczos requires antialias (its refusal is tested below)
MODE_AA = [(m, aa) for m in TENSOR_MODES for aa in (True, False) if m != "lanczos" or aa]


@pytest.mark.parametrize("dtype", ["uint8", "float32"])
@pytest.mark.parametrize("mode, antialias", MODE_AA)
def test_tensors_match_torchvision(F, T, dtype, mode, antialias):
    exact = dtype == "uint8" or mode.startswith("nearest")
    count = 0
    for t, size, max_size in _tensor_cases(zlib.crc32(f"{dtype} {mode}".encode()), dtype):
        kwargs = {"interpolation": mode, "max_size": max_size, "antialias": antialias}
        want = F.resize(t, size, **kwargs)
        got = FT.resize(t, size, **kwargs)
        assert isinstance(got, torch.Tensor) and got.dtype == want.dtype
        assert got.shape == want.shape
        for layout in (torch.contiguous_format, torch.channels_last):
            if got.dim() == 4:
                assert got.is_contiguous(memory_format=layout) == want.is_contiguous(
                    memory_format=layout
                )
        if got.dim() == 3:
            assert got.is_contiguous() == want.is_contiguous()
        _compare(got.numpy(), want.numpy(), dtype, exact, 255.0)
        # the transform: the same result
        transform = FT.Resize(size, mode, max_size, antialias)
        np.testing.assert_array_equal(transform(t).numpy(), got.numpy())
        count += 1
    assert count == 25


OTHER_DTYPES = ["int8", "int16", "uint16", "int32", "float16", "bfloat16", "float64", "bool"]


@pytest.mark.parametrize("dtype", OTHER_DTYPES)
def test_other_dtypes_match_torchvision(F, dtype):
    """torchvision resizes them in float32 (float64 natively), rounds the signed integers half
    to even (uint16 truncated) and converts back: integers within 1 (bit for bit for nearest),
    floats within their precision."""
    rng = np.random.default_rng(3)
    scale = 100.0 if dtype == "int8" else 1000.0
    x = rng.random((2, 3, 19, 26)) * scale
    tdtype = getattr(torch, dtype)
    t = torch.from_numpy(x > 500 if dtype == "bool" else x).to(tdtype)
    for mode, antialias in MODE_AA:
        for size in (7, (40, 33)):
            want = F.resize(t, size, mode, antialias=antialias)
            got = FT.resize(t, size, mode, antialias=antialias)
            assert got.dtype == tdtype and got.shape == want.shape
            g, w = got.double().numpy(), want.double().numpy()
            if mode.startswith("nearest") or dtype == "bool":
                np.testing.assert_array_equal(g, w)
            elif dtype.startswith(("int", "uint")):
                assert np.abs(g - w).max() <= 1
            else:
                assert np.abs(g - w).max() <= TOL[dtype] * scale


def test_width_one_and_one_by_one(F):
    """Where torch 2.13 is wrong (fastup.compat.torch's docstring), torchvision is too: an
    antialiased float resize to width 1 gives one value per column; fastup gives what torch
    computes for the transposed image. A contiguous 3-channel uint8 bilinear resize to 1x1
    fails an internal assert in torch; fastup gives torch's channels_last answer."""
    x = torch.arange(48.0).reshape(1, 8, 6)
    wrong = F.resize(x, (3, 1))
    right = F.resize(x.transpose(1, 2).contiguous(), (1, 3)).transpose(1, 2)
    got = FT.resize(x, (3, 1))
    np.testing.assert_allclose(got.numpy(), right.numpy(), rtol=1e-6)
    assert np.ptp(wrong.numpy()) == 0 and np.ptp(got.numpy()) > 20
    u = torch.from_numpy(np.random.default_rng(0).integers(0, 256, (3, 9, 7), dtype=np.uint8))
    with pytest.raises(RuntimeError):
        F.resize(u[None], (1, 1))
    channels_last = u[None].contiguous(memory_format=torch.channels_last)
    np.testing.assert_array_equal(
        FT.resize(u[None], (1, 1)).numpy(), F.resize(channels_last, (1, 1)).numpy()
    )


def test_unchanged_size_returns_the_input(F):
    """torchvision returns the input itself when the size does not change; so does fastup
    (even for box, which tensors refuse otherwise)."""
    t = torch.zeros(3, 10, 20)
    assert F.resize(t, 10, "box") is t and FT.resize(t, 10, "box") is t
    assert FT.resize(t, [10, 20]) is t
    a = np.zeros((10, 20, 3))
    assert FT.resize(a, (10, 20)) is a
    im = Image.new("RGB", (20, 10))
    assert F.resize(im, 10) is im and FT.resize(im, 10) is im


def test_interpolation_values(tv, F):
    """torchvision's InterpolationMode members and Pillow's integer constants give what the
    names give."""
    from torchvision.transforms import InterpolationMode

    t = torch.from_numpy(np.random.default_rng(1).integers(0, 256, (3, 13, 9), dtype=np.uint8))
    for member in InterpolationMode:
        if member.value in ("box", "hamming"):
            with pytest.raises(ValueError, match="'interpolation'"):
                FT.resize(t, 5, member)
            continue
        np.testing.assert_array_equal(FT.resize(t, 5, member), F.resize(t, 5, member))
    for constant in (Image.Resampling.NEAREST, Image.Resampling.BICUBIC, 2, 1):
        np.testing.assert_array_equal(FT.resize(t, 5, constant), F.resize(t, 5, constant))
    im = Image.fromarray(t.permute(1, 2, 0).numpy())
    for constant in (4, 5, Image.Resampling.HAMMING):
        assert FT.resize(im, 5, constant).tobytes() == F.resize(im, 5, constant).tobytes()


# --------------------------------------------------------------------------------------------
# PIL images and ndarrays
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("pil_mode", ["L", "RGB", "RGBA"])
def test_pil_images_match_torchvision(F, T, pil_mode):
    """Every interpolation, int / [int] / pair sizes / max_size: the same image, bit for bit."""
    rng = np.random.default_rng(len(pil_mode))
    bands = len(pil_mode)
    for H, W in ((37, 53), (64, 21)):
        a = rng.integers(0, 256, (H, W, bands), dtype=np.uint8)
        if pil_mode == "RGBA":
            a[..., 3] = rng.choice([0, 128, 255], (H, W))
        im = Image.fromarray(a[..., 0] if bands == 1 else a, pil_mode)
        for mode in FT.INTERPOLATION_MODES:
            for size, max_size in ((20, None), ([60, 17], None), ([80], None), (15, 30)):
                want = F.resize(im, size, mode, max_size)
                got = FT.resize(im, size, mode, max_size)
                assert isinstance(got, Image.Image)
                assert (got.mode, got.size) == (want.mode, want.size)
                assert got.tobytes() == want.tobytes(), (pil_mode, mode, size)
            got = FT.Resize(20, mode)(im)
            assert got.tobytes() == T.Resize(20, mode)(im).tobytes()


def test_pil_antialias_false_warns(F):
    im = Image.new("RGB", (20, 10))
    with pytest.warns(UserWarning, match="always applied for PIL"):
        F.resize(im, 5, antialias=False)
    with pytest.warns(UserWarning, match="always applied for PIL"):
        got = FT.resize(im, 5, antialias=False)
    assert got.size == (10, 5)


@pytest.mark.parametrize("mode", TENSOR_MODES)
def test_ndarrays_follow_the_tensor_rules(F, mode):
    """An (H, W), (H, W, C) or (N, H, W, C) ndarray gives what torchvision gives for the
    channels-first tensor of the same pixels (uint8 bit for bit)."""
    rng = np.random.default_rng(5)
    for shape in ((23, 31), (23, 31, 3), (2, 17, 12, 4)):
        for dtype in ("uint8", "float32"):
            x = (rng.random(shape) * 255).astype(dtype)
            planes = x[..., None] if x.ndim == 2 else x
            t = torch.from_numpy(np.moveaxis(planes, -1, -3).copy())
            for size in (9, (30, 45)):
                want = np.moveaxis(F.resize(t, size, mode).numpy(), -3, -1)
                got = FT.resize(x, size, mode)
                assert isinstance(got, np.ndarray) and got.flags.c_contiguous
                assert got.dtype == x.dtype
                if x.ndim == 2:
                    want = want[..., 0]
                exact = dtype == "uint8" or mode.startswith("nearest")
                _compare(got, want, dtype, exact, 255.0)


# --------------------------------------------------------------------------------------------
# refusals
# --------------------------------------------------------------------------------------------

# calls torchvision refuses: fastup refuses them too, with the error naming the argument
REFUSED = [
    ({"size": 0}, ValueError, "size"),
    ({"size": -1}, ValueError, "size"),
    ({"size": [0, 5]}, ValueError, "size"),
    ({"size": "a"}, TypeError, "'size'"),
    ({"size": 2.5}, TypeError, "'size'"),
    ({"size": [2.5]}, TypeError, "'size'"),
    ({"size": []}, ValueError, "'size'"),
    ({"size": np.int64(4)}, TypeError, "'size'"),
    ({"size": None}, ValueError, "'max_size'"),
    ({"size": None, "max_size": 7.0}, ValueError, "'max_size'"),
    ({"size": None, "max_size": 0}, ValueError, "size"),
    ({"size": 5, "max_size": 5}, ValueError, "max_size = 5"),
    ({"size": [5], "max_size": 4}, ValueError, "max_size = 4"),
    ({"size": [5, 6], "max_size": 9}, ValueError, "'max_size'"),
    ({"size": 5, "interpolation": "cubic"}, ValueError, "'interpolation'"),
    ({"size": 5, "interpolation": 7}, ValueError, "'interpolation'"),
    ({"size": 5, "interpolation": 2.0}, ValueError, "'interpolation'"),
    ({"size": 5, "interpolation": None}, ValueError, "'interpolation'"),
    ({"size": 5, "interpolation": "box"}, ValueError, "'interpolation'"),
    ({"size": 5, "interpolation": "hamming"}, ValueError, "'interpolation'"),
    ({"size": 5, "interpolation": "lanczos", "antialias": False}, ValueError, "'interpolation'"),
]


@pytest.mark.parametrize("call, error, match", REFUSED)
def test_torchvision_refusals_are_refused(F, call, error, match):
    t = torch.zeros(3, 10, 20)
    with pytest.raises(Exception):  # noqa: B017 - torchvision's own classes vary
        F.resize(t, **call)
    with pytest.raises(error, match=match) as info:
        FT.resize(t, **call)
    assert "fastup.compat.torchvision.resize" in str(info.value)
    # the same on an ndarray, and when the transform is made (or first called)
    with pytest.raises(error, match=match):
        FT.resize(np.zeros((10, 20, 3)), **call)
    with pytest.raises(error, match=match):
        FT.Resize(**call)(t)


def test_resize_class_refusals(T):
    """torchvision's Resize refuses these sizes when it is made; fastup's too."""
    for call in ({"size": [1, 2, 3]}, {"size": 2.5}, {"size": None}):
        with pytest.raises(ValueError):
            T.Resize(**call)
        with pytest.raises((ValueError, TypeError), match="'size'|'max_size'"):
            FT.Resize(**call)


def test_stricter_than_torchvision(F):
    """What torchvision lets through to a surprise is refused: a size of three ints (it uses
    two), bool sizes and interpolation (True is lanczos there), an empty image with an int
    size (ZeroDivisionError there), other kinds of input; nothing is written to the input."""
    t = torch.zeros(3, 10, 20)
    assert F.resize(t, [1, 2, 3]).shape == (3, 1, 2)
    with pytest.raises(ValueError, match="'size'"):
        FT.resize(t, [1, 2, 3])
    with pytest.raises(TypeError, match="'size'"):
        FT.resize(t, True)
    with pytest.raises(TypeError, match="'interpolation'"):
        FT.resize(t, 5, True)
    with pytest.raises(ValueError, match="no pixels"):
        FT.resize(torch.zeros(3, 0, 4), 2)
    with pytest.raises(RuntimeError):
        F.resize(torch.zeros(3, 0, 4), (2, 2))
    with pytest.raises(ValueError, match="no pixels"):
        FT.resize(torch.zeros(3, 0, 4), (2, 2))
    assert FT.resize(torch.zeros(0, 3, 4, 4), (2, 3)).shape == (0, 3, 2, 3)
    with pytest.raises(TypeError, match="'img'"):
        FT.resize([[1, 2], [3, 4]], 1)
    with pytest.raises(ValueError, match="'img'"):
        FT.resize(torch.zeros(10, 20), 5)
    with pytest.raises(ValueError, match="detach"):
        FT.resize(torch.zeros(3, 4, 4, requires_grad=True), 2)
    with pytest.raises(TypeError, match="complex"):
        FT.resize(np.zeros((4, 4), np.complex64), 2)
    x = np.arange(24.0).reshape(4, 6)
    before = x.copy()
    FT.resize(x, 3, "bicubic")
    np.testing.assert_array_equal(x, before)


# --------------------------------------------------------------------------------------------
# the transform: samples, pickling, Compose, DataLoader
# --------------------------------------------------------------------------------------------


def test_samples_like_torchvision(tv, T):
    """Tuples, lists, dicts of images, masks, boxes, labels: what torchvision's Resize does."""
    from torchvision import tv_tensors

    rng = np.random.default_rng(2)
    img = torch.from_numpy(rng.integers(0, 256, (3, 20, 30), dtype=np.uint8))
    other = torch.from_numpy(rng.random((3, 20, 30)).astype(np.float32))
    pil = Image.fromarray(img.permute(1, 2, 0).numpy())
    mask = tv_tensors.Mask(torch.from_numpy(rng.integers(0, 4, (20, 30), dtype=np.uint8)))
    boxes = tv_tensors.BoundingBoxes([[1, 2, 10, 12]], format="XYXY", canvas_size=(20, 30))
    samples = [
        (img, 3),  # the image resized, the label passed
        (img, other),  # only the first plain tensor resized
        {"image": pil, "extra": other, "name": "x"},  # a PIL image: plain tensors pass
        [tv_tensors.Image(img), mask, boxes, other],
        {"a": (img, {"b": [other, None]})},
    ]
    for interpolation in ("bilinear", "nearest"):
        ours, theirs = FT.Resize(10, interpolation), T.Resize(10, interpolation)
        for sample in samples:
            got, want = ours(sample), theirs(sample)
            _same_tree(got, want)
        got, want = ours(img, 3), theirs(img, 3)  # several arguments: a tuple
        _same_tree(got, want)
    assert FT.Resize(10)(5) == 5 and FT.Resize(10)("x") == "x"  # not images: passed through


def _same_tree(got, want):
    assert type(got) is type(want)
    if isinstance(want, (tuple, list)):
        assert len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            _same_tree(g, w)
    elif isinstance(want, dict):
        assert list(got) == list(want)
        for k in want:
            _same_tree(got[k], want[k])
    elif isinstance(want, torch.Tensor):
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=0, atol=1e-4)
    elif isinstance(want, Image.Image):
        assert got.size == want.size and got.tobytes() == want.tobytes()
    else:
        assert got == want


def test_pickle_repr_equality(T):
    from torchvision.transforms import InterpolationMode

    t = FT.Resize([24], InterpolationMode.BICUBIC, max_size=40, antialias=False)
    assert repr(t) == "Resize(size=[24], interpolation='bicubic', max_size=40, antialias=False)"
    clone = pickle.loads(pickle.dumps(t))
    assert clone == t and clone != FT.Resize(24)
    x = np.random.default_rng(0).integers(0, 256, (50, 30, 3), dtype=np.uint8)
    np.testing.assert_array_equal(clone(x), t(x))
    assert t(x).shape == (40, 24, 3)  # int(24 * 50 / 30) = 40: not above max_size


class _Images(torch.utils.data.Dataset):
    """Tiny images of varying sizes, with labels."""

    def __init__(self, transform, pil):
        rng = np.random.default_rng(9)
        self.items = [
            (rng.integers(0, 256, (int(h), int(w), 3), dtype=np.uint8), i)
            for i, (h, w) in enumerate(rng.integers(12, 40, (8, 2)))
        ]
        self.transform, self.pil = transform, pil

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        pixels, label = self.items[i]
        image = Image.fromarray(pixels) if self.pil else torch.from_numpy(pixels).permute(2, 0, 1)
        return self.transform(image, label)


def test_dataloader_workers_with_compose(T):
    """fastup's Resize inside torchvision's v2.Compose, in a DataLoader with two worker
    processes: the batches torchvision's own Resize gives."""
    for pil in (False, True):
        tail = [T.PILToTensor()] if pil else []
        tail.append(T.ToDtype(torch.float32, scale=True))
        ours = T.Compose([FT.Resize((14, 18), "bicubic"), *tail])
        theirs = T.Compose([T.Resize((14, 18), "bicubic"), *tail])
        loader = torch.utils.data.DataLoader(_Images(ours, pil), batch_size=3, num_workers=2)
        got = list(loader)
        want = list(torch.utils.data.DataLoader(_Images(theirs, pil), batch_size=3))
        assert len(got) == len(want) == 3
        for (gx, gy), (wx, wy) in zip(got, want, strict=True):
            assert gx.shape == wx.shape and gx.dtype == torch.float32
            np.testing.assert_array_equal(gx.numpy(), wx.numpy())
            np.testing.assert_array_equal(gy.numpy(), wy.numpy())


# --------------------------------------------------------------------------------------------
# agreement measured: the fraction of pixels equal to torchvision's
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["uint8", "int16", "float32"])
def test_exact_fraction(F, dtype):
    """Random images of many sizes, up and down, 1/3/4 channels, both memory formats, every
    mode with and without antialias: uint8 is bit for bit (torch's fixed point reproduced);
    int16, which torchvision resizes in float32 and rounds, is within 1 where the float sum
    lands on a tie differently; float32 within 1e-5 of the range (the fractions and the
    largest differences are printed: -s shows them)."""
    rng = np.random.default_rng(11)
    report = []
    for mode in TENSOR_MODES:
        for antialias in (True, False):
            if mode == "lanczos" and not antialias:
                continue
            same = total = worst = 0
            for i in range(12):
                H, W = (int(v) for v in rng.integers(2, 70, 2))
                h, w = (int(v) for v in rng.integers(2, 90, 2))
                C = int(rng.choice([1, 3, 4]))
                x = (rng.random((1, C, H, W)) * 255).astype(np.float32)
                if dtype != "float32":
                    x = x.round().astype(dtype)
                t = torch.from_numpy(x)
                if i % 2:
                    t = t.contiguous(memory_format=torch.channels_last)
                want = F.resize(t, (h, w), mode, antialias=antialias).numpy()
                got = FT.resize(t, (h, w), mode, antialias=antialias).numpy()
                same += int((got == want).sum())
                total += want.size
                diff = np.abs(got.astype(np.float64) - want.astype(np.float64))
                worst = max(worst, float(diff.max()))
            fraction = same / total
            report.append(
                f"{dtype} {mode} antialias={antialias}: {fraction:.6f} exact, max {worst:.3g}"
            )
            if dtype == "uint8" or mode.startswith("nearest"):
                assert same == total, report[-1]
            elif dtype == "float32":
                assert worst <= TOL["float32"] * 255, report[-1]
            else:
                assert worst <= 1 and fraction > 0.99, report[-1]
    print("\n" + "\n".join(report))
