"""fastup.compat.pillow against the installed Pillow: every filter and mode, up and down, with
box and reducing_gap, arrays and images, Pillow's refusals; bit-exact for the 8-bit modes,
I;16 and I, F within 1e-5 of the value range."""

from __future__ import annotations

import doctest
import importlib.metadata
import subprocess
import sys
import warnings

import numpy as np
import pytest

Image = pytest.importorskip("PIL.Image", reason="Pillow is not installed")

from fastup.compat import pillow  # noqa: E402

FILTERS = list(pillow._NAMES)
INT_MODES = ["L", "LA", "RGB", "RGBA", "I;16", "I"]
MODES = [*INT_MODES, "F"]

# (H, W) -> (H', W'): up, down, odd and even, one pixel, large factors, one axis kept, mixed,
# and shapes that Pillow 13 resizes height first (H - H' > 2 (W - W') and H > H')
SIZES = [
    ((7, 10), (13, 17)),
    ((13, 16), (7, 9)),
    ((1, 1), (3, 4)),
    ((5, 6), (1, 1)),
    ((1, 9), (1, 4)),
    ((3, 2), (41, 37)),
    ((97, 5), (3, 2)),
    ((12, 12), (12, 5)),
    ((40, 11), (9, 31)),
    ((30, 30), (10, 28)),
]


def _data(mode: str, hw: tuple[int, int], seed: int) -> np.ndarray:
    """Full-range random pixels; alpha bands hold many 0 and 255 (Pillow's special cases)."""
    rng = np.random.default_rng(seed)
    h, w = hw
    if mode in ("L", "LA", "RGB", "RGBA"):
        bands = {"L": 1, "LA": 2, "RGB": 3, "RGBA": 4}[mode]
        x = rng.integers(0, 256, (h, w, bands), dtype=np.uint8)
        if mode in ("LA", "RGBA"):
            x[..., -1][rng.random((h, w)) < 0.3] = 255
            x[..., -1][rng.random((h, w)) < 0.1] = 0
        return x[..., 0] if bands == 1 else x
    if mode == "I;16":
        return rng.integers(0, 65536, (h, w), dtype=np.uint16)
    if mode == "I":
        return rng.integers(-(2**24), 2**24, (h, w), dtype=np.int32)
    return (rng.standard_normal((h, w)) * 100).astype(np.float32)


def _pil(x: np.ndarray, size, resample, box=None, reducing_gap=None) -> np.ndarray:
    return np.asarray(Image.fromarray(x).resize(size, resample, box, reducing_gap))


def _compare(got: np.ndarray, expected: np.ndarray, x: np.ndarray) -> None:
    assert got.shape == expected.shape and got.dtype == expected.dtype
    if x.dtype == np.float32:
        scale = max(float(np.ptp(x)) if x.size else 0.0, 1e-30)
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5 * scale)
    else:
        np.testing.assert_array_equal(got, expected)


def test_checked_version() -> None:
    installed = importlib.metadata.version("pillow")
    assert set(pillow.CHECKED) == {"pillow"}
    if installed != pillow.CHECKED["pillow"]:
        warnings.warn(
            f"fastup.compat.pillow was checked against Pillow {pillow.CHECKED['pillow']}; "
            f"Pillow {installed} is installed",
            stacklevel=1,
        )


def test_filter_constants() -> None:
    for value, name in pillow._NAMES.items():
        assert getattr(pillow, name) == value == getattr(Image.Resampling, name)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("resample", FILTERS, ids=[pillow._NAMES[f] for f in FILTERS])
def test_sizes(mode: str, resample: int) -> None:
    for i, (hw, out_hw) in enumerate(SIZES):
        x = _data(mode, hw, seed=i)
        size = (out_hw[1], out_hw[0])
        _compare(pillow.resize(x, size, resample), _pil(x, size, resample), x)


def _random_case(rng: np.random.Generator) -> tuple:
    h, w = (int(v) for v in rng.integers(1, 48, 2))
    if rng.random() < 0.25:  # a large factor on one axis
        if rng.random() < 0.5:
            h = int(rng.integers(100, 400))
        else:
            w = int(rng.integers(100, 400))
    H, W = (int(v) for v in rng.integers(1, 64, 2))
    box = None
    if rng.random() < 0.6:
        x0, y0 = rng.uniform(0, w), rng.uniform(0, h)
        x1, y1 = rng.uniform(x0, w), rng.uniform(y0, h)
        if rng.random() < 0.3:
            x0, y0 = float(int(x0)), float(int(y0))
        box = (x0, y0, x1, y1)
    gap = None if rng.random() < 0.4 else float(rng.choice([1.0, 1.1, 1.5, 2.0, 3.0]))
    return (h, w), (W, H), box, gap


def test_exact_fraction(capsys) -> None:
    """Random images of many sizes (up, down, large factors), random boxes and reducing gaps,
    every filter: the fraction of pixels equal to Pillow's, per mode and filter. 1 for the
    integer modes; F (float32 kernels, Pillow's double sums) within 1e-5 of the range."""
    rng = np.random.default_rng(20260917)
    counts: dict[tuple[str, int], list[float]] = {}
    for case in range(1680):
        mode = MODES[case % len(MODES)]
        resample = FILTERS[(case // len(MODES)) % len(FILTERS)]
        hw, size, box, gap = _random_case(rng)
        if mode == "I;16" and gap is not None:
            gap = None  # Pillow cannot reduce() I;16: test_i16_reducing_gap
        x = _data(mode, hw, seed=case)
        expected = _pil(x, size, resample, box, gap)
        got = pillow.resize(x, size, resample, box, gap)
        _compare(got, expected, x)
        entry = counts.setdefault((mode, resample), [0, 0, 0.0])
        entry[0] += int(np.count_nonzero(got == expected))
        entry[1] += got.size
        if mode == "F":
            err = float(np.max(np.abs(got - expected), initial=0)) / max(float(np.ptp(x)), 1e-30)
            entry[2] = max(entry[2], err)
    with capsys.disabled():
        print("\nfastup.compat.pillow vs Pillow: bit-exact fraction (max error / range for F)")
        for mode in MODES:
            row = []
            for resample in FILTERS:
                equal, total, err = counts.get((mode, resample), (0, 0, 0.0))
                text = f"{pillow._NAMES[resample]} {equal / max(total, 1):.4f}"
                row.append(text + (f" ({err:.1e})" if mode == "F" else ""))
            print(f"  {mode:5s} " + ", ".join(row))
    for (mode, _), (equal, total, _) in counts.items():
        if mode != "F":
            assert equal == total


@pytest.mark.parametrize("mode", MODES)
def test_reducing_gap_large_factors(mode: str) -> None:
    """reduce() by (fx, fy) with full and partial blocks (Reduce.c's special cases 1xN, Nx1,
    2x2 ... 5x5 and NxN), then the resample."""
    x = _data(mode, (211, 157), seed=3)
    for size, gap in [((3, 2), 1.0), ((7, 70), 1.0), ((52, 9), 1.5), ((31, 42), 2.0)]:
        for resample in (pillow.BOX, pillow.BICUBIC):
            if mode == "I;16":
                continue
            got = pillow.resize(x, size, resample, reducing_gap=gap)
            _compare(got, _pil(x, size, resample, None, gap), x)


def test_int32_extremes() -> None:
    """Mode I near the int32 limits: Pillow's int32 partial sums in reduce() wrap, and its
    (int) conversion of an out-of-range double gives INT_MIN."""
    x = np.random.default_rng(5).integers(-(2**31), 2**31, (40, 50)).astype(np.int32)
    for size, resample, gap in [((7, 9), 3, None), ((90, 70), 1, None), ((7, 6), 4, 1.0)]:
        _compare(pillow.resize(x, size, resample, None, gap), _pil(x, size, resample, None, gap), x)


def test_vertical_first_matters() -> None:
    """Pillow 13 runs the vertical pass first on these sizes; the other order gives other
    bytes (black and white pixels: overshoots clipped in the 8-bit intermediate), so the test
    sees the rule."""
    x = (np.random.default_rng(0).integers(0, 2, (97, 5)) * 255).astype(np.uint8)
    expected = _pil(x, (2, 3), pillow.LANCZOS)
    np.testing.assert_array_equal(pillow.resize(x, (2, 3), pillow.LANCZOS), expected)
    plan = pillow._plan("L", (97, 5, 1), (2, 3), pillow.LANCZOS, None, None, False)
    assert [p.axis for p in plan.passes] == [0, 1]
    other = x[:, :, None]
    for p in plan.passes[::-1]:
        other = pillow._apply(other, p, "u8")
    assert not np.array_equal(other[:, :, 0], expected)


@pytest.mark.parametrize("mode", ["L", "RGBA", "I;16", "F"])
def test_boxes(mode: str) -> None:
    """Integer boxes of the output's size (a crop, premultiplied round trip for RGBA), empty
    boxes at the edges, a box as a list (Pillow's copy shortcut needs a tuple)."""
    x = _data(mode, (20, 30), seed=11)
    cases = [
        ((30, 20), (0, 0, 30, 20)),
        ((30, 20), [0, 0, 30, 20]),
        ((10, 5), (3, 4, 13, 9)),
        ((10, 5), (30, 4, 30, 9)),
        ((4, 4), (29.99, 19.99, 30, 20)),
        ((10, 5), (0, 0, 30, 20.0000001)),  # 20 in float32
        ((7, 3), (0.25, 1.5, 29.75, 18.5)),
    ]
    for size, box in cases:
        for resample in (pillow.NEAREST, pillow.BILINEAR, pillow.HAMMING):
            got = pillow.resize(x, size, resample, box)
            _compare(got, _pil(x, size, resample, box), x)


@pytest.mark.parametrize("mode", ["L", "RGBA", "F"])
def test_empty_image(mode: str) -> None:
    """An image of no pixels resizes to black, as in Pillow."""
    for resample in (pillow.NEAREST, pillow.BICUBIC):
        x = _data(mode, (5, 0), seed=0)
        got = pillow.resize(x, (3, 2), resample)
        _compare(got, _pil(x, (3, 2), resample), x)
        assert not got.any()


def test_premultiplied_round_trip() -> None:
    """RGBA is premultiplied even when nothing moves (a list box): colour under low alpha
    changes, exactly as in Pillow; a tuple box equal to the image is Pillow's plain copy."""
    x = _data("RGBA", (6, 7), seed=2)
    x[..., 3] = 3
    listed = pillow.resize(x, (7, 6), pillow.BICUBIC, [0, 0, 7, 6])
    np.testing.assert_array_equal(listed, _pil(x, (7, 6), pillow.BICUBIC, [0, 0, 7, 6]))
    assert not np.array_equal(listed, x)
    np.testing.assert_array_equal(pillow.resize(x, (7, 6), pillow.BICUBIC, (0, 0, 7, 6)), x)


IMAGE_MODES = ["L", "LA", "RGB", "RGBA", "RGBX", "RGBa", "CMYK", "YCbCr", "HSV", "I", "F"]


@pytest.mark.parametrize("mode", IMAGE_MODES + ["I;16", "I;16L", "I;16B", "I;16N"])
def test_images(mode: str) -> None:
    """An image in, an image of the same mode out, info kept. (I;16B and I;16N: Pillow's 16-bit
    resample reads their bytes swapped on little-endian machines; reproduced.)"""
    rng = np.random.default_rng(4)
    if mode.startswith("I;16"):
        order = {"I;16": "<u2", "I;16L": "<u2", "I;16B": ">u2", "I;16N": "=u2"}[mode]
        raw = rng.integers(0, 65536, (23, 31)).astype(order).tobytes()
        image = Image.frombytes(mode, (31, 23), raw)
    else:
        rgba = Image.fromarray(rng.integers(0, 256, (23, 31, 4), dtype=np.uint8))
        image = rgba.convert(mode)
    image.info["comment"] = "kept"
    for resample in (pillow.NEAREST, pillow.BICUBIC, pillow.BOX):
        for gap in (None, 2.0):
            if mode.startswith("I;16") and gap:
                continue
            args = ((9, 40), resample, (1.5, 0.5, 30, 22), gap)
            got, expected = pillow.resize(image, *args), image.resize(*args)
            assert isinstance(got, Image.Image)
            assert (got.mode, got.size) == (expected.mode, expected.size) == (mode, (9, 40))
            assert got.info == {"comment": "kept"}
            if mode == "F":
                _compare(np.asarray(got), np.asarray(expected), np.asarray(image))
            else:
                assert got.tobytes() == expected.tobytes()


def test_resampling_members() -> None:
    x = _data("RGB", (9, 11), seed=8)
    got = pillow.resize(x, (4, 5), Image.Resampling.HAMMING)
    np.testing.assert_array_equal(got, _pil(x, (4, 5), pillow.HAMMING))
    np.testing.assert_array_equal(pillow.resize(x, (4, 5), None), _pil(x, (4, 5), None))


def test_array_layouts() -> None:
    """(H, W, 1) stays (H, W, 1); non-contiguous, byte-swapped and read-only inputs."""
    x = _data("L", (16, 12), seed=9)
    expected = _pil(x, (5, 7), pillow.BICUBIC)
    got = pillow.resize(x[:, :, None], (5, 7))
    assert got.shape == (7, 5, 1)
    np.testing.assert_array_equal(got[:, :, 0], expected)
    wide = np.zeros((16, 24), np.uint8)
    wide[:, ::2] = x
    np.testing.assert_array_equal(pillow.resize(wide[:, ::2], (5, 7)), expected)
    with pytest.raises(TypeError, match="'image' must be uint8"):
        pillow.resize(x.tolist(), (5, 7))  # int64: no Pillow mode
    y = _data("I;16", (16, 12), seed=9)
    swapped = y.astype(">u2")
    swapped.setflags(write=False)
    np.testing.assert_array_equal(pillow.resize(swapped, (5, 7)), _pil(y, (5, 7), 3))


def test_input_untouched() -> None:
    for mode in ("RGBA", "I", "F"):
        x = _data(mode, (33, 21), seed=10)
        before = x.copy()
        pillow.resize(x, (7, 50), pillow.LANCZOS, (1, 2, 20, 30), 1.5)
        np.testing.assert_array_equal(x, before)


def test_i16_reducing_gap() -> None:
    """Pillow has no reduce() for I;16: refused as Pillow refuses it; a gap that does not
    reduce is fine."""
    x = _data("I;16", (200, 20), seed=12)
    with pytest.raises(ValueError, match="wrong mode"):
        Image.fromarray(x).resize((5, 3), pillow.BICUBIC, None, 2.0)
    with pytest.raises(ValueError, match="'reducing_gap'.*I;16"):
        pillow.resize(x, (5, 3), pillow.BICUBIC, None, 2.0)
    got = pillow.resize(x, (15, 150), pillow.BICUBIC, None, 2.0)
    np.testing.assert_array_equal(got, _pil(x, (15, 150), pillow.BICUBIC, None, 2.0))


# (arguments, exception, match, Pillow refuses it too)
BAD = [
    (dict(size=(5, 5), resample=9), ValueError, r"'resample' must be one of NEAREST \(0\)", True),
    (dict(size=(5, 5), resample="bicubic"), ValueError, "'resample'", True),
    (dict(size=(5, 5), resample=1.0), TypeError, "'resample'", True),
    (dict(size=(0, 5)), ValueError, r"'size' must be a \(width, height\) pair, both > 0", True),
    (dict(size=(5, -1)), ValueError, "'size'", True),
    (dict(size=(5.0, 5)), TypeError, "'size' must be a .* pair of integers", True),
    (dict(size=(5, 5, 5)), TypeError, "'size'", True),
    (dict(size=5), TypeError, "'size'", True),
    (dict(size=(5, 5), box=(-1, 0, 5, 5)), ValueError, "'box' offset can't be negative", True),
    (dict(size=(5, 5), box=(0, 0, 13, 5)), ValueError, "'box' can't exceed", True),
    (dict(size=(5, 5), box=(3, 0, 2, 5)), ValueError, "'box' can't be empty", True),
    (dict(size=(5, 5), box=(0, 0, 5)), TypeError, "'box'", True),
    (dict(size=(5, 5), box=(0, 0, 5, float("nan"))), ValueError, "'box' must be finite", False),
    (dict(size=(5, 5), reducing_gap=0.5), ValueError, "'reducing_gap' must be None or", True),
    (dict(size=(5, 5), reducing_gap="2"), TypeError, "'reducing_gap'", True),
    (dict(size=(0, 5), reducing_gap=2), ValueError, "'size'", True),  # Pillow: ZeroDivision
    (dict(size=(4, 4), box=(5, 0, 5, 10), reducing_gap=1), ValueError, "'box'.*empty", True),
]


@pytest.mark.parametrize(("kwargs", "error", "match", "peer"), BAD)
def test_errors(kwargs, error, match, peer) -> None:
    x = np.zeros((10, 12), np.uint8)
    with pytest.raises(error, match=match):
        pillow.resize(x, **kwargs)
    if peer:
        with pytest.raises((ValueError, TypeError, ZeroDivisionError)):
            Image.fromarray(x).resize(**kwargs)


@pytest.mark.parametrize(
    ("image", "error", "match"),
    [
        (np.zeros((4, 5), np.float64), TypeError, "'image' must be uint8"),
        (np.zeros((4, 5, 5), np.uint8), ValueError, "'image' must be uint8"),
        (np.zeros((4, 5, 3), np.float32), ValueError, "'image'"),
        (np.zeros(5, np.uint8), ValueError, "'image'"),
        (np.array(["a"]), TypeError, "'image' must be uint8"),
        ([[1.5, 2.0]], TypeError, "'image' must be uint8"),
        (object(), TypeError, "'image' must"),
    ],
)
def test_bad_arrays(image, error, match) -> None:
    with pytest.raises(error, match=match):
        pillow.resize(image, (3, 3))


@pytest.mark.parametrize("mode", ["1", "P", "LAB"])
def test_refused_modes(mode: str) -> None:
    with pytest.raises(ValueError, match=f"got a {mode} image"):
        pillow.resize(Image.new(mode, (8, 8)), (3, 3))


def test_pillow_not_imported_for_arrays() -> None:
    code = (
        "import sys, numpy as np\n"
        "from fastup.compat import pillow\n"
        "pillow.resize(np.zeros((8, 8, 4), np.uint8), (3, 5), pillow.LANCZOS, reducing_gap=1)\n"
        "pillow.resize(np.zeros((8, 8), np.float32), (3, 5))\n"
        "assert not [m for m in sys.modules if m == 'PIL' or m.startswith('PIL.')]\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_docstring_examples() -> None:
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    tests = [t for t in finder.find(pillow, "pillow") if t.examples]
    assert tests
    for test in tests:
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
