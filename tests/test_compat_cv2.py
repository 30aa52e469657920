"""``fastup.compat.cv2.resize`` against the installed OpenCV (``cv2.resize``).

Bit for bit: both nearest flags on every dtype; uint8 ``INTER_LINEAR``,
``INTER_LINEAR_EXACT`` (uint16, int16 too) and ``INTER_AREA`` by integer factors. Within 1:
the other integer cases (``test_exact_fractions`` measures how often they are exact). Floats:
float32 within 1e-5 of the value range; float64 within 1e-10, except the known float32
arithmetic of OpenCV's float64 ``INTER_LANCZOS4`` and ``INTER_AREA`` (see ``_F64_TOL``).
"""

from __future__ import annotations

import importlib.metadata
import warnings
import zlib

import numpy as np
import pytest

from fastup.compat import cv2 as fc

cv2 = pytest.importorskip("cv2", reason="OpenCV (opencv-python) is not installed")

FLAGS = {
    "NEAREST": fc.INTER_NEAREST,
    "LINEAR": fc.INTER_LINEAR,
    "CUBIC": fc.INTER_CUBIC,
    "AREA": fc.INTER_AREA,
    "LANCZOS4": fc.INTER_LANCZOS4,
    "LINEAR_EXACT": fc.INTER_LINEAR_EXACT,
    "NEAREST_EXACT": fc.INTER_NEAREST_EXACT,
}
DTYPES = ["uint8", "uint16", "int16", "float32", "float64"]
CHANNELS = [None, 1, 3, 4, 5]
# (flag, dtype) computed bit for bit (for AREA: integer factors only, see _bit_exact)
_EXACT_INT = {
    ("LINEAR", "uint8"),
    ("LINEAR_EXACT", "uint8"),
    ("LINEAR_EXACT", "uint16"),
    ("LINEAR_EXACT", "int16"),
}
# float64 tolerances (relative to the value range) where OpenCV computes in float32
_F64_TOL = {"LANCZOS4": 1e-6, "AREA": 1e-7, "LINEAR_EXACT": 1e-7, "LINEAR": 1e-7}


def _data(shape: tuple[int, ...], dtype: str, *key: object) -> np.ndarray:
    dt = np.dtype(dtype)
    rng = np.random.default_rng(zlib.crc32(repr((shape, dtype, key)).encode()))
    if dt.kind in "iu":
        info = np.iinfo(dt)
        return rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dt)
    return rng.uniform(-1.0, 1.0, size=shape).astype(dt)


def _cases(seed: int, count: int) -> list[tuple[tuple[int, int], object, dict]]:
    """Random sizes up and down, dsize and fx/fy, exact 2x/3x/4x factors, and the exact-tie
    sizes of docs/conventions.md (14 -> 18 nearest, 4 -> 6 nearest-exact)."""
    rng = np.random.default_rng(seed)
    cases: list[tuple[tuple[int, int], object, dict]] = [
        ((14, 4), (4, 18), {}),
        ((2, 4), (6, 2), {}),
        ((6, 8), (4, 3), {}),
        ((9, 12), (24, 18), {}),
        ((7, 11), None, {"fx": 0.5, "fy": 0.5}),
    ]
    factors = [0.25, 1 / 3, 0.5, 0.7, 1.3, 2.0, 2.5, 3.0]
    for i in range(count):
        hw = (int(rng.integers(1, 33)), int(rng.integers(1, 33)))
        if i % 3 == 0:
            cases.append((hw, (int(rng.integers(1, 49)), int(rng.integers(1, 49))), {}))
        elif i % 3 == 1:
            fx, fy = (float(rng.choice(factors)) for _ in range(2))
            cases.append((hw, None, {"fx": fx, "fy": fy}))
        else:
            f = int(rng.choice([2, 3, 4]))
            cases.append((hw, (-(-hw[1] // f), -(-hw[0] // f)), {}))
    return cases


def _bit_exact(name: str, dtype: str, hw: tuple[int, int], out: tuple[int, ...]) -> bool:
    if name in ("NEAREST", "NEAREST_EXACT"):
        return True
    if (name, dtype) in _EXACT_INT:
        return True
    if dtype not in ("uint8", "uint16", "int16"):
        return False
    if name == "AREA":  # integer shrinking factors: OpenCV's integer box sums
        return hw[0] % out[0] == 0 and hw[1] % out[1] == 0
    if name == "LINEAR":  # exactly 2x2 smaller: INTER_AREA's box sums, as in OpenCV (uint8)
        return dtype == "uint8" and hw == (2 * out[0], 2 * out[1])
    return False


def _compare(name, dtype, x, got, expected):
    assert got.shape == expected.shape, (got.shape, expected.shape)
    assert got.dtype == expected.dtype
    if _bit_exact(name, dtype, x.shape[:2], expected.shape[:2]):
        np.testing.assert_array_equal(got, expected)
    elif np.dtype(dtype).kind in "iu":
        diff = np.abs(got.astype(np.int64) - expected.astype(np.int64))
        assert diff.max(initial=0) <= 1
    else:
        span = float(x.max() - x.min()) or 1.0
        tol = 1e-5 if dtype == "float32" else _F64_TOL.get(name, 1e-10)
        np.testing.assert_allclose(got, expected, rtol=0, atol=tol * span)


@pytest.mark.parametrize("name", list(FLAGS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_against_cv2(name, dtype):
    flag = FLAGS[name]
    compared = 0
    for i, (hw, dsize, kw) in enumerate(_cases(zlib.crc32(f"{name}{dtype}".encode()), 24)):
        channels = CHANNELS[i % len(CHANNELS)]
        shape = hw if channels is None else hw + (channels,)
        x = _data(shape, dtype, name, i)
        try:
            expected = cv2.resize(x, dsize, interpolation=flag, **kw)
        except cv2.error:
            with pytest.raises((ValueError, TypeError)):
                fc.resize(x, dsize, interpolation=flag, **kw)
            continue
        got = fc.resize(x, dsize, interpolation=flag, **kw)
        _compare(name, dtype, x, got, expected)
        compared += 1
    assert compared >= 20


@pytest.mark.parametrize(
    "dtype",
    [
        "uint8",
        "int8",
        "uint16",
        "int16",
        "int32",
        "uint32",
        "uint64",
        "float16",
        "float32",
        "float64",
        "bool",
    ],
)
@pytest.mark.parametrize("name", ["NEAREST", "NEAREST_EXACT"])
def test_nearest_every_dtype(name, dtype):
    x = (np.arange(7 * 9 * 3).reshape(7, 9, 3) % 5).astype(dtype)
    for dsize in [(4, 18), (13, 5), (9, 7)]:
        np.testing.assert_array_equal(
            fc.resize(x, dsize, interpolation=FLAGS[name]),
            cv2.resize(x, dsize, interpolation=FLAGS[name]),
        )


def test_nearest_ties():
    """docs/conventions.md: OpenCV's double arithmetic, one pixel below the exact source."""
    x = np.arange(14, dtype=np.float32)[None, :].repeat(2, 0)
    got = fc.resize(x, (18, 2), interpolation=fc.INTER_NEAREST)
    assert got[0, 9] == 6 == cv2.resize(x, (18, 2), interpolation=cv2.INTER_NEAREST)[0, 9]
    x = np.arange(4, dtype=np.uint8)[None, :].repeat(2, 0)
    got = fc.resize(x, (6, 2), interpolation=fc.INTER_NEAREST_EXACT)
    assert got[0, 4] == 2 == cv2.resize(x, (6, 2), interpolation=cv2.INTER_NEAREST_EXACT)[0, 4]


def test_flags_have_opencv_values():
    for name, value in FLAGS.items():
        assert value == getattr(cv2, f"INTER_{name}")


@pytest.mark.parametrize(
    ("shape", "fx", "fy"), [((5, 5), 0.5, 0.7), ((3, 7), 0.5, 0.5), ((7, 9, 1), 1.5, 0.25)]
)
def test_output_size_rounds_half_to_even(shape, fx, fy):
    x = np.zeros(shape, np.uint8)
    assert fc.resize(x, None, fx=fx, fy=fy).shape == cv2.resize(x, None, fx=fx, fy=fy).shape


def test_dst_filled_like_opencv():
    x = _data((6, 8), "uint8", "dst")
    dst = np.zeros((3, 4), np.uint8)
    assert fc.resize(x, (4, 3), dst) is dst
    np.testing.assert_array_equal(dst, cv2.resize(x, (4, 3)))
    wrong = np.zeros((5, 4), np.uint8)
    assert fc.resize(x, (4, 3), wrong).shape == (3, 4)
    assert not wrong.any()


def test_one_d_and_single_channel_shapes():
    col = _data((5,), "float32", "col")
    assert fc.resize(col, (4, 4)).shape == cv2.resize(col, (4, 4)).shape
    one = _data((5, 3, 1), "uint8", "one")
    np.testing.assert_array_equal(fc.resize(one, (4, 6)), cv2.resize(one, (4, 6)))
    np.testing.assert_array_equal(fc.resize(one, (3, 5)), cv2.resize(one, (3, 5)))


ERRORS = [
    ({"dsize": (-1, 5)}, ValueError, "'dsize'"),
    ({"dsize": (0, 5)}, ValueError, "'fx'"),
    ({"dsize": None}, ValueError, "'fx'"),
    ({"dsize": None, "fx": 0.5}, ValueError, "'fy'"),
    ({"dsize": None, "fx": -0.5, "fy": 0.5}, ValueError, "'fx'"),
    ({"dsize": None, "fx": 0.01, "fy": 0.5}, ValueError, "empty"),
    ({"dsize": None, "fx": float("nan"), "fy": 0.5}, ValueError, "'fx'"),
    ({"dsize": (4, 3), "interpolation": 7}, ValueError, "'interpolation'.*INTER_NEAREST"),
    ({"dsize": (4, 3), "interpolation": -1}, ValueError, "'interpolation'"),
    ({"dsize": (4, 3), "interpolation": 1.5}, TypeError, "'interpolation'"),
    ({"dsize": (4, 3), "interpolation": True}, TypeError, "'interpolation'"),
    ({"dsize": (4, 3, 2)}, ValueError, "'dsize'"),
    ({"dsize": (4.0, 3)}, TypeError, "'dsize'"),
    ({"dsize": 4}, TypeError, "'dsize'"),
    ({"dsize": None, "fx": "a", "fy": 1}, TypeError, "'fx'"),
]


@pytest.mark.parametrize(("kwargs", "error", "match"), ERRORS)
def test_errors(kwargs, error, match):
    x = np.zeros((6, 8), np.uint8)
    with pytest.raises(cv2.error):
        cv2.resize(x, **kwargs)
    with pytest.raises(error, match=match):
        fc.resize(x, **kwargs)


@pytest.mark.parametrize(
    ("src", "kwargs", "error", "match"),
    [
        ([[1, 2], [3, 4]], {}, TypeError, "'src'"),
        (np.zeros((2, 3, 4, 5), np.uint8), {}, ValueError, "'src'"),
        (np.zeros((0, 3), np.uint8), {}, ValueError, "'src'"),
        (np.zeros((6, 8, 129), np.uint8), {}, ValueError, "channels"),
        (np.zeros((6, 8), np.complex64), {}, TypeError, "dtype complex64"),
        (np.zeros((6, 8), np.int8), {}, TypeError, "INTER_LINEAR does not take"),
        (np.zeros((6, 8), np.float16), {"interpolation": 2}, TypeError, "INTER_CUBIC"),
        (np.zeros((6, 8, 5), np.uint8), {"interpolation": 3}, ValueError, "1 to 4 channels"),
    ],
)
def test_src_errors(src, kwargs, error, match):
    with pytest.raises(cv2.error):
        cv2.resize(src, (5, 3), **kwargs)
    with pytest.raises(error, match=match):
        fc.resize(src, (5, 3), **kwargs)


def test_version_checked():
    """Warns (does not fail) when the installed OpenCV is not the version checked."""
    ((name, version),) = fc.CHECKED.items()
    installed = None
    for dist in (
        "opencv-python-headless",
        "opencv-python",
        "opencv-contrib-python",
        "opencv-contrib-python-headless",
    ):
        try:
            installed = importlib.metadata.version(dist)
            break
        except importlib.metadata.PackageNotFoundError:
            continue
    if installed is None or installed.split(".")[:3] != version.split(".")[:3]:
        warnings.warn(
            f"fastup.compat.cv2 was checked against {name} {version}; installed: {installed} "
            f"(cv2 {cv2.__version__})",
            stacklevel=1,
        )
    assert cv2.__version__.split(".")[0].isdigit()


# the measured exact fractions (random images, many sizes up and down) and their bounds
EXACT_BOUNDS = {
    ("CUBIC", "uint8"): 0.95,
    ("CUBIC", "uint16"): 0.98,
    ("AREA", "uint8"): 0.999,
    ("AREA", "uint16"): 0.998,
    ("LINEAR", "uint16"): 0.99,
    ("LINEAR", "int16"): 0.985,
    ("LANCZOS4", "uint8"): 0.99,
    ("LANCZOS4", "uint16"): 0.99,
}


def test_exact_fractions(capsys):
    rng = np.random.default_rng(17)
    lines = []
    for (name, dtype), bound in EXACT_BOUNDS.items():
        same = total = 0
        for i in range(40):
            h, w = (int(v) for v in rng.integers(2, 48, 2))
            out = (int(rng.integers(1, 64)), int(rng.integers(1, 64)))
            x = _data((h, w, 3), dtype, "fraction", i)
            got = fc.resize(x, out, interpolation=FLAGS[name])
            expected = cv2.resize(x, out, interpolation=FLAGS[name])
            assert np.abs(got.astype(np.int64) - expected.astype(np.int64)).max() <= 1
            same += int(np.count_nonzero(got == expected))
            total += got.size
        lines.append(f"{name} {dtype}: {same / total:.5f} exact")
        assert same / total >= bound, lines[-1]
    with capsys.disabled():
        print("\n" + "\n".join(lines))
