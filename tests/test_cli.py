"""The command line (``fastup.cli``, ``python -m fastup``), the demo and its PNG writer."""

from __future__ import annotations

import contextlib
import io
import os
import re
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import fastup
from fastup import _demo
from fastup.cli import main

RNG = np.random.default_rng(20240611)
# modules the demo and .npy resizing must not need
OPTIONAL_MODULES = ("PIL", "torch", "cv2", "scipy")


def run(argv, capsys):
    """``main(argv)``: (status, stdout, stderr)."""
    status = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def random_array(shape, dtype):
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return RNG.standard_normal(shape).astype(dtype)
    info = np.iinfo(dtype)
    return RNG.integers(info.min, info.max, size=shape, endpoint=True, dtype=dtype)


def decode_png(data: bytes) -> np.ndarray:
    """A decoder for the PNGs ``encode_png`` writes (8-bit, filter 0), checking every CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body), kind
        chunks.append((kind, body))
        pos += 12 + length
    assert [k for k, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(
        ">IIBBBBB", chunks[0][1]
    )
    assert (depth, compression, filtering, interlace) == (8, 0, 0, 0)
    channels = {0: 1, 4: 2, 2: 3, 6: 4}[colour]
    rows = np.frombuffer(zlib.decompress(chunks[1][1]), dtype=np.uint8)
    rows = rows.reshape(height, 1 + width * channels)
    assert not rows[:, 0].any()  # filter type 0 on every row
    return rows[:, 1:].reshape(height, width, channels)


# --------------------------------------------------------------------------------------------
# resize on .npy files
# --------------------------------------------------------------------------------------------

# (shape, dtype, command-line options, the equivalent fastup.resize keywords)
NPY_CASES = [
    ((20, 30), np.float32, ["--size", "40x60"], {"size": (40, 60), "axes": (0, 1)}),
    ((20, 30), np.float64, ["--size", "7"], {"size": 7, "axes": (0, 1)}),
    ((50,), np.float32, ["--scale", "1.5"], {"scale": 1.5, "axes": (0,)}),
    (
        (20, 30),
        np.uint8,
        ["--scale", "0.5", "--mode", "cubic", "--antialias"],
        {"scale": 0.5, "axes": (0, 1), "mode": "cubic", "antialias": True},
    ),
    ((2, 3, 20, 30), np.float64, ["--scale", "2"], {"scale": 2.0}),  # axes 2, 3
    ((2, 3, 20, 30), np.float32, ["--size", "9"], {"size": 9}),  # the last axis
    (
        (2, 20, 30, 3),
        np.float32,
        ["--size", "10x12", "--axes", "1,2", "--mode", "lanczos", "--exclude-outside"],
        {"size": (10, 12), "axes": (1, 2), "mode": "lanczos", "exclude_outside": True},
    ),
    (
        (4, 20, 30),
        np.int16,
        [
            "--scale",
            "2x0.5",
            "--axes=-2,-1",
            "--mode",
            "nearest",
            "--nearest-mode",
            "ceil",
            "--coordinate-mode",
            "asymmetric",
        ],
        {
            "scale": (2.0, 0.5),
            "axes": (-2, -1),
            "mode": "nearest",
            "nearest_mode": "ceil",
            "coordinate_mode": "asymmetric",
        },
    ),
    (
        (20, 30),
        np.uint16,
        ["--size", "13x17", "--mode", "area"],
        {"size": (13, 17), "axes": (0, 1), "mode": "area"},
    ),
    (
        (20, 30),
        np.float32,
        ["--size", "41x59", "--mode", "bicubic", "--cubic-a", "-0.5", "--workers", "1"],
        {"size": (41, 59), "axes": (0, 1), "mode": "bicubic", "cubic_a": -0.5, "workers": 1},
    ),
    (
        (3, 20, 30),
        np.float64,
        ["--size", "8x9", "--coordinate-mode", "align_corners"],
        {"size": (8, 9), "coordinate_mode": "align_corners"},
    ),
]


@pytest.mark.parametrize(("shape", "dtype", "options", "keywords"), NPY_CASES)
def test_resize_npy_equals_fastup_resize(tmp_path, capsys, shape, dtype, options, keywords):
    x = random_array(shape, dtype)
    np.save(tmp_path / "in.npy", x)
    status, out, err = run(["resize", tmp_path / "in.npy", tmp_path / "out.npy", *options], capsys)
    assert (status, err) == (0, "")
    expected = fastup.resize(x, **keywords)
    y = np.load(tmp_path / "out.npy")
    assert y.dtype == x.dtype
    assert_array_equal(y, expected)
    # the options matter: without them (size/scale and axes only) the result differs
    geometry = ("size", "scale", "axes", "workers")
    options_only = {k: v for k, v in keywords.items() if k not in geometry}
    if options_only:
        plain = fastup.resize(x, **{k: v for k, v in keywords.items() if k not in options_only})
        assert plain.shape != y.shape or not np.array_equal(plain, y)
    # the one-line summary: shapes, dtypes, mode, time
    assert out.count("\n") == 1
    mode = keywords.get("mode", "linear")
    assert re.fullmatch(
        rf".*in\.npy {re.escape(str(x.shape))} {x.dtype} -> .*out\.npy "
        rf"{re.escape(str(y.shape))} {y.dtype}: {mode}( antialias)?, \d+\.\d\d ms\n",
        out,
    ), out


def test_resize_npy_needs_no_optional_module(tmp_path, capsys, monkeypatch):
    for name in OPTIONAL_MODULES:
        monkeypatch.setitem(sys.modules, name, None)
    x = random_array((6, 7), np.float32)
    np.save(tmp_path / "in.npy", x)
    status, _, err = run(
        ["resize", tmp_path / "in.npy", tmp_path / "out.npy", "--size", "9x4"], capsys
    )
    assert (status, err) == (0, "")
    assert_array_equal(np.load(tmp_path / "out.npy"), fastup.resize(x, (9, 4)))


def test_python_m_fastup(tmp_path):
    x = random_array((2, 3, 10, 12), np.float32)
    np.save(tmp_path / "in.npy", x)
    env = dict(os.environ)
    src = str(Path(fastup.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join([src, env.get("PYTHONPATH", "")])
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "fastup",
            "resize",
            "in.npy",
            "out.npy",
            "--scale",
            "2",
            "--mode",
            "cubic",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("in.npy (2, 3, 10, 12) float32 -> out.npy (2, 3, 20, 24)")
    assert_array_equal(np.load(tmp_path / "out.npy"), fastup.resize(x, scale=2.0, mode="cubic"))


# --------------------------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------------------------


@pytest.fixture
def inputs(tmp_path):
    """A directory with in.npy (20 x 30 float32), complex.npy, objects.npy, broken.npy and an
    empty empty.npy."""
    np.save(tmp_path / "in.npy", random_array((20, 30), np.float32))
    np.save(tmp_path / "complex.npy", np.ones((4, 4), dtype=complex))
    np.save(tmp_path / "objects.npy", np.array([None, 1], dtype=object), allow_pickle=True)
    (tmp_path / "broken.npy").write_text("not an array")
    (tmp_path / "empty.npy").write_bytes(b"")
    return tmp_path


# (arguments, {d} standing for the inputs directory; status; stderr pattern)
IN, OUT = "{d}/in.npy", "{d}/out.npy"
ERRORS = [
    ([], 2, r"the following arguments are required: COMMAND"),
    (["frobnicate"], 2, r"argument COMMAND: invalid choice: 'frobnicate'"),
    (
        ["resize", IN, OUT],
        2,
        r"fastup resize: error: give one of --size HxW, --scale S, --width W and/or --height H, "
        r"--shorter N, --longer N\.",
    ),
    (
        ["resize", IN, OUT, "--size", "3", "--scale", "2"],
        2,
        r"give one of --size HxW, .*, --longer N; got 2 of them\.",
    ),
    (["resize", IN, "--size", "3"], 2, r"give IN and OUT \(or several IN and an OUT folder\)"),
    (["resize", IN, OUT, "--width", "0"], 2, r"argument --width: expected a positive integer"),
    (["resize", IN, OUT, "--shorter", "-3"], 2, r"argument --shorter: expected a positive"),
    (
        ["resize", IN, OUT, "--size", "3", "--quality", "0"],
        2,
        r"--quality must be 1 to 100; got 0",
    ),
    (
        ["resize", IN, OUT, "--shorter", "10", "--size-policy", "not_larger"],
        2,
        r"--size-policy applies to --size and to --width with --height; got it with --shorter",
    ),
    (
        ["resize", IN, IN, "--size", "3"],
        2,
        r"OUT '.*in\.npy' is the input '.*in\.npy': pass --overwrite to replace it",
    ),
    (["resize", "{d}/nothing*.npy", OUT, "--size", "3"], 2, r"IN pattern '.*nothing\*\.npy' "),
    (
        ["resize", IN, "{d}/complex.npy", "{d}/broken.npy", "--size", "3"],
        2,
        r"OUT '.*broken\.npy' must be a folder for 2 inputs; it is a file",
    ),
    (
        ["resize", IN, OUT, "--size", "3", "--format", "png"],
        2,
        r"--format applies when OUT is a folder; OUT is the file '.*out\.npy'",
    ),
    (
        ["resize", IN, OUT, "--size", "4xq"],
        2,
        r"argument --size: expected N or HxW with non-negative integers .*; got '4xq'",
    ),
    (["resize", IN, OUT, "--size", "4x-1"], 2, r"argument --size: expected N or HxW"),
    (
        ["resize", IN, OUT, "--size", "-5x10"],
        2,
        r"argument --size: expected N or HxW with non-negative integers .*; got '-5x10'",
    ),
    (["resize", IN, OUT, "--size", "-5"], 2, r"argument --size: expected N or HxW .*'-5'"),
    (
        ["resize", IN, OUT, "--scale", "-0.5"],
        2,
        r"argument --scale: expected S or SxS with finite numbers > 0 .*; got '-0.5'",
    ),
    (
        ["resize", IN, OUT, "--scale", "0x1"],
        2,
        r"argument --scale: expected S or SxS with finite numbers > 0 .*; got '0x1'",
    ),
    (["resize", IN, OUT, "--scale", "inf"], 2, r"argument --scale: expected S or SxS"),
    (
        ["resize", IN, OUT, "--size", "3", "--mode", "cubc"],
        2,
        r"argument --mode: invalid choice: 'cubc' \(choose from 'nearest', 'linear', 'cubic', "
        r"'area', 'lanczos'",
    ),
    (
        ["resize", IN, OUT, "--size", "3", "--coordinate-mode", "tf_crop_and_resize"],
        2,
        r"argument --coordinate-mode: invalid choice: 'tf_crop_and_resize'",
    ),
    (
        ["resize", IN, OUT, "--size", "3", "--axes", "0,y"],
        2,
        r"argument --axes: expected comma-separated integers",
    ),
    (
        ["resize", IN, OUT, "--size", "3", "--workers", "two"],
        2,
        r"argument --workers: invalid int value: 'two'",
    ),
    # rejected by fastup.resize
    (
        ["resize", IN, OUT, "--size", "3", "--mode", "nearest", "--antialias"],
        2,
        r"fastup resize: error: fastup\.resize: 'antialias' needs mode 'linear', 'cubic' or "
        r"'lanczos'; got mode 'nearest'",
    ),
    (
        ["resize", IN, OUT, "--size", "3", "--workers", "0"],
        2,
        r"fastup\.resize: 'workers' must be a nonzero integer",
    ),
    (
        ["resize", IN, OUT, "--size", "3x4x5"],
        2,
        r"fastup\.resize: 'axes' names 2 axes but 3 sizes/scales were given",
    ),
    (
        ["resize", IN, OUT, "--size", "3", "--axes", "5"],
        2,
        r"fastup\.resize: 'axes' must be in the range \[-2, 1\]",
    ),
    (
        ["resize", IN, OUT, "--size", "3", "--cubic-a", "nan"],
        2,
        r"fastup\.resize: 'cubic_a' must be finite",
    ),
    (
        ["resize", "{d}/complex.npy", OUT, "--size", "3"],
        2,
        r"fastup\.resize: mode 'linear' supports the dtypes float16, .*; got complex128",
    ),
    # files
    (
        ["resize", "{d}/missing.npy", OUT, "--size", "3"],
        2,
        r"fastup resize: error: cannot read IN '.*missing\.npy' as a \.npy array: .*No such file",
    ),
    (["resize", "{d}/broken.npy", OUT, "--size", "3"], 2, r"cannot read IN '.*broken\.npy'"),
    (["resize", "{d}/empty.npy", OUT, "--size", "3"], 2, r"cannot read IN '.*empty\.npy'"),
    (["resize", "{d}/objects.npy", OUT, "--size", "3"], 2, r"cannot read IN '.*objects\.npy'"),
    (
        ["resize", "{d}/in.txt", OUT, "--size", "3"],
        2,
        r"IN '.*in\.txt' must end in one of \.npy, \.png, \.jpg, \.jpeg, \.tif, \.tiff, \.webp, "
        r"\.bmp; got \.txt",
    ),
    (
        ["resize", IN, "{d}/out", "--size", "3"],
        2,
        r"OUT '.*out' must end in one of .*; got no suffix",
    ),
    (
        ["resize", IN, "{d}/no-such-dir/out.npy", "--size", "3"],
        1,
        r"fastup resize: error: cannot write OUT '.*out\.npy'",
    ),
    (
        ["resize", IN, OUT, "--scale", "1e10"],
        1,
        r"fastup\.resize: cannot allocate an output of shape \(200000000000, 300000000000\)",
    ),
    (["demo", "-o", "x.jpg"], 2, r"fastup demo: error: -o/--output must end in \.png; got "),
    (["demo", "--size", "3"], 2, r"unrecognized arguments: --size 3"),
]


@pytest.mark.parametrize(("argv", "status", "message"), ERRORS)
def test_errors(inputs, capsys, argv, status, message):
    got, out, err = run([a.format(d=inputs) for a in argv], capsys)
    assert got == status
    assert out == ""
    assert re.search(message, err), err
    assert "Traceback" not in err
    assert not (inputs / OUT).exists()


def test_help_and_version(capsys):
    status, out, _ = run(["resize", "--help"], capsys)
    assert status == 0
    for option in (
        "--size",
        "--scale",
        "--mode",
        "--axes",
        "--antialias",
        "--coordinate-mode",
        "--nearest-mode",
        "--cubic-a",
        "--exclude-outside",
        "--workers",
    ):
        assert option in out
    assert run(["--version"], capsys)[:2] == (0, f"fastup {fastup.__version__}\n")


def test_image_without_pillow(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)
    np.save(tmp_path / "in.npy", random_array((5, 5), np.uint8))
    for argv in (["x.png", "y.png"], ["in.npy", "y.tiff"], ["x.jpg", "y.npy"]):
        status, out, err = run(["resize", *(tmp_path / a for a in argv), "--scale", "2"], capsys)
        assert (status, out) == (2, "")
        assert re.fullmatch(
            r"fastup resize: error: reading and writing PNG/JPEG/TIFF/WebP/BMP images needs Pillow: "
            r"pip install 'fastup\[image\]' \(or use \.npy files\)\.\n",
            err,
        ), err
    assert not (tmp_path / "y.tiff").exists()


# --------------------------------------------------------------------------------------------
# images (Pillow)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "dtype", "mode", "suffix"),
    [
        ((31, 45), np.uint8, "L", ".png"),
        ((31, 45, 2), np.uint8, "LA", ".png"),
        ((31, 45, 3), np.uint8, "RGB", ".png"),
        ((31, 45, 4), np.uint8, "RGBA", ".png"),
        ((31, 45), np.uint16, "I;16", ".png"),
        ((31, 45, 3), np.uint8, "RGB", ".tif"),
        ((31, 45), np.uint16, "I;16", ".tiff"),
        ((31, 45), np.int32, "I", ".tif"),
        ((31, 45), np.float32, "F", ".tif"),
    ],
)
@pytest.mark.parametrize(
    ("options", "keywords"),
    [
        (["--size", "20x70", "--mode", "cubic"], {"size": (20, 70), "mode": "cubic"}),
        (
            ["--scale", "0.5", "--antialias", "--mode", "lanczos"],
            {"scale": 0.5, "antialias": True, "mode": "lanczos"},
        ),
    ],
)
def test_image_round_trip(tmp_path, capsys, shape, dtype, mode, suffix, options, keywords):
    Image = pytest.importorskip("PIL.Image")
    x = random_array(shape, dtype)
    if dtype == np.uint16:
        x[0, :2] = (0, 65535)  # the whole 16-bit range
    Image.fromarray(x).save(tmp_path / f"in{suffix}")
    assert Image.open(tmp_path / f"in{suffix}").mode == mode
    status, out, err = run(
        ["resize", tmp_path / f"in{suffix}", tmp_path / f"out{suffix}", *options], capsys
    )
    assert (status, err) == (0, "")
    with Image.open(tmp_path / f"out{suffix}") as image:
        assert image.mode == mode
        y = np.asarray(image)
    if mode in ("LA", "RGBA"):  # premultiplied by alpha around the resize, as Pillow does
        expected = premultiplied_resize(x, **keywords)
        assert y.dtype == dtype
        assert np.abs(y.astype(int) - expected).max() <= 1
        # --straight-alpha: every channel alone
        status, _, _ = run(
            ["resize", tmp_path / f"in{suffix}", tmp_path / "s.png", *options, "--straight-alpha"],
            capsys,
        )
        assert status == 0
        assert_array_equal(
            np.asarray(Image.open(tmp_path / "s.png")), fastup.resize(x, **keywords, axes=(0, 1))
        )
        return
    expected = fastup.resize(x, **keywords, axes=(0, 1))
    assert y.dtype == expected.dtype == dtype
    assert_array_equal(y, expected)
    assert f"{x.shape} {np.dtype(dtype)} -> " in out


def premultiplied_resize(x, **keywords):
    """The definition, in float64 (the oracle): colours times alpha / 255, resized with the
    alpha, divided by the resized alpha; rounded; colour 0 where the alpha rounds to 0."""
    alpha = x[:, :, -1:].astype(np.float64)
    stacked = np.concatenate([x[:, :, :-1] * alpha / 255, alpha], axis=2)
    y = fastup.oracle.resize(stacked, **keywords, axes=(0, 1))
    out_alpha = np.clip(np.rint(y[:, :, -1:]), 0, 255)
    with np.errstate(divide="ignore", invalid="ignore"):
        colour = np.where(out_alpha > 0, y[:, :, :-1] * 255 / y[:, :, -1:], 0)
    return np.concatenate([np.clip(np.rint(colour), 0, 255), out_alpha], axis=2).astype(int)


def test_image_conversions(tmp_path, capsys):
    """Palette images become RGB, 1-bit images L; .npy <-> image; JPEG stays 8-bit."""
    Image = pytest.importorskip("PIL.Image")
    rgb = random_array((24, 32, 3), np.uint8)
    palette = Image.fromarray(rgb).quantize(16)
    palette.save(tmp_path / "palette.png")
    assert (
        run(["resize", tmp_path / "palette.png", tmp_path / "a.npy", "--size", "12x16"], capsys)[0]
        == 0
    )
    as_rgb = np.asarray(palette.convert("RGB"))
    assert_array_equal(np.load(tmp_path / "a.npy"), fastup.resize(as_rgb, (12, 16), axes=(0, 1)))

    Image.fromarray(rgb[:, :, 0] > 127).save(tmp_path / "bits.png")
    assert (
        run(
            [
                "resize",
                tmp_path / "bits.png",
                tmp_path / "b.npy",
                "--scale",
                "2",
                "--mode",
                "nearest",
            ],
            capsys,
        )[0]
        == 0
    )
    bits = np.where(rgb[:, :, 0] > 127, 255, 0).astype(np.uint8)
    assert_array_equal(np.load(tmp_path / "b.npy"), np.repeat(np.repeat(bits, 2, 0), 2, 1))

    np.save(tmp_path / "c.npy", rgb)
    assert (
        run(
            ["resize", tmp_path / "c.npy", tmp_path / "c.png", "--size", "24x32", "--axes", "0,1"],
            capsys,
        )[0]
        == 0
    )
    assert_array_equal(np.asarray(Image.open(tmp_path / "c.png")), rgb)

    y, x = np.mgrid[:24, :32]
    smooth = np.stack([8 * y, 6 * x, 128 + 0 * x], axis=2).astype(np.uint8)
    Image.fromarray(smooth).save(tmp_path / "d.jpg", quality=95)
    status, _, err = run(
        ["resize", tmp_path / "d.jpg", tmp_path / "e.jpeg", "--scale", "0.5", "--antialias"], capsys
    )
    assert (status, err) == (0, "")
    with Image.open(tmp_path / "d.jpg") as source, Image.open(tmp_path / "e.jpeg") as image:
        assert (image.mode, image.size, image.format) == ("RGB", (16, 12), "JPEG")
        expected = fastup.resize(np.asarray(source), scale=0.5, axes=(0, 1), antialias=True)
        error = np.abs(np.asarray(image).astype(int) - expected)  # JPEG is lossy
        assert error.mean() < 3 and error.max() < 16


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["{d}/g16.png", "{d}/out.jpg", "--scale", "2"],
            r"OUT '.*out\.jpg': JPEG cannot store images of mode I;16 \(uint16, shape \(20, 24\)\); "
            r"use one of \.png, \.tif, \.tiff, \.npy\.",
        ),
        (
            ["{d}/g16.png", "{d}/out.png", "--scale", "2", "--axes", "0,1"],
            r"--axes applies to \.npy input; images are resized along their height and width",
        ),
        (
            ["{d}/float.npy", "{d}/out.png", "--scale", "2"],
            r"cannot store an array of shape \(20, 24\) and dtype float64 as an image; images are "
            r"uint8 \(H, W\), .*\(use a \.npy OUT\)\.",
        ),
        (
            ["{d}/cmyk.jpg", "{d}/out.png", "--scale", "2"],
            r"IN '.*cmyk\.jpg' is an image of mode CMYK; fastup reads the modes L, LA, RGB, RGBA, "
            r"I;16",
        ),
        (
            ["{d}/text.png", "{d}/out.png", "--scale", "2"],
            r"cannot read IN '.*text\.png' as an image",
        ),
    ],
)
def test_image_errors(tmp_path, capsys, argv, message):
    Image = pytest.importorskip("PIL.Image")
    Image.fromarray(random_array((10, 12), np.uint16)).save(tmp_path / "g16.png")
    Image.new("CMYK", (4, 4)).save(tmp_path / "cmyk.jpg")
    np.save(tmp_path / "float.npy", np.zeros((10, 12)))
    (tmp_path / "text.png").write_text("not a PNG")
    status, out, err = run(["resize", *(a.format(d=tmp_path) for a in argv)], capsys)
    assert (status, out) == (2, "")
    assert re.search(message, err), err
    assert "Traceback" not in err
    assert not (tmp_path / "out.png").exists() and not (tmp_path / "out.jpg").exists()


# --------------------------------------------------------------------------------------------
# the PNG writer and the font
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape",
    [
        (1, 1),
        (1, 17),
        (13, 1),
        (37, 53),
        (37, 53, 1),
        (20, 30, 2),
        (20, 30, 3),
        (20, 30, 4),
        (300, 257, 3),
    ],
)
def test_png_writer_round_trip(tmp_path, shape):
    image = random_array(shape, np.uint8)
    image.flat[:2] = (0, 255)
    _demo.write_png(tmp_path / "a.png", image)
    data = (tmp_path / "a.png").read_bytes()
    assert data == _demo.encode_png(image)
    planes = image.reshape(image.shape[:2] + (-1,))
    assert_array_equal(decode_png(data), planes)
    Image = pytest.importorskip("PIL.Image")
    with Image.open(tmp_path / "a.png") as decoded:
        assert decoded.mode == {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}[planes.shape[2]]
        assert_array_equal(np.asarray(decoded).reshape(planes.shape), planes)


def test_png_writer_non_contiguous(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    base = random_array((40, 60, 4), np.uint8)
    for view in (base[::2, ::3, :3], base.transpose(1, 0, 2), base[::-1, :, 1]):
        _demo.write_png(tmp_path / "v.png", view)
        assert_array_equal(np.asarray(Image.open(tmp_path / "v.png")), view)


@pytest.mark.parametrize(
    ("image", "error", "message"),
    [
        (
            np.zeros((4, 4), np.uint16),
            TypeError,
            r"'image' must have dtype uint8; got dtype uint16",
        ),
        (np.zeros((4, 4), np.float64), TypeError, r"must have dtype uint8; got dtype float64"),
        (
            np.zeros(4, np.uint8),
            ValueError,
            r"'image' must have shape \(H, W\) or \(H, W, C\) "
            r"with C in 1, 2, 3, 4 and H, W >= 1; got shape \(4,\)",
        ),
        (np.zeros((4, 4, 5), np.uint8), ValueError, r"got shape \(4, 4, 5\)"),
        (np.zeros((0, 4), np.uint8), ValueError, r"got shape \(0, 4\)"),
    ],
)
def test_png_writer_errors(image, error, message):
    with pytest.raises(error, match=message):
        _demo.encode_png(image)


def test_font():
    assert _demo.text_mask("AB", 3).shape == (21, 33)
    assert _demo.text_mask("", 2).shape == (14, 0)
    dash = _demo.text_mask("-")
    assert dash[3].all() and not np.delete(dash, 3, axis=0).any()
    slash = _demo.text_mask("/")
    assert_array_equal(np.argwhere(slash), [[1, 4], [2, 3], [3, 2], [4, 1], [5, 0]])
    assert_array_equal(_demo.text_mask("hi"), _demo.text_mask("HI"))
    with pytest.raises(ValueError, match=r"'text' may hold only the characters .*; got '!\?'"):
        _demo.text_mask("OK?!")


# --------------------------------------------------------------------------------------------
# the demo
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """``fastup demo -o DIR/x.png`` without any optional module: (status, stdout, stderr, path)."""
    path = tmp_path_factory.mktemp("demo") / "x.png"
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        for name in OPTIONAL_MODULES:
            patch.setitem(sys.modules, name, None)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(["demo", "-o", str(path)])
    return status, out.getvalue(), err.getvalue(), path


def panel(picture, row, column, size=_demo.PANEL):
    top, left = _demo.panel_origin(row, column)
    return picture[top : top + size, left : left + size]


def test_demo_writes_the_picture(demo):
    status, _, err, path = demo
    assert (status, err) == (0, "")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[8:16] == struct.pack(">I", 13) + b"IHDR"
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    assert (width, height, depth, colour) == (_demo.WIDTH, _demo.HEIGHT, 8, 2)
    assert (width, height) == (700, 644)  # 5 panels of 128 in 3 captioned, labelled rows
    picture = decode_png(data)
    assert picture.shape == (height, width, 3)

    # the input panel: the test image in grey, the red box just outside the crop
    expected = np.repeat(_demo.to_uint8(_demo.demo_image())[:, :, None], 3, axis=2)
    (r0, r1), (c0, c1) = ((s.start - 1, s.stop) for s in _demo.CROP)
    expected[[r0, r1], c0 : c1 + 1] = expected[r0 : r1 + 1, [c0, c1]] = (255, 40, 40)
    assert_array_equal(panel(picture, 0, 0), expected)
    # nearest x4 of the crop is np.repeat
    crop = _demo.to_uint8(_demo.demo_image()[_demo.CROP])
    blocks = np.repeat(np.repeat(crop, 4, axis=0), 4, axis=1)
    assert_array_equal(panel(picture, 0, 1), np.repeat(blocks[:, :, None], 3, axis=2))
    # the label above it, white on the background
    top, left = _demo.panel_origin(0, 1)
    mask = _demo.text_mask("NEAREST", 2)
    label = picture[top - _demo.LABEL_HEIGHT :, left:][: mask.shape[0], : mask.shape[1]]
    assert_array_equal(label, np.repeat(np.where(mask, 255, 24)[:, :, None], 3, axis=2))
    assert (picture[:10] == 24).all() and (picture[:, :10] == 24).all()  # the margins
    assert (picture[-10:] == 24).all() and (picture[:, -10:] == 24).all()
    # the caption of the third row
    mask = _demo.text_mask(_demo.CAPTIONS[2], 2)
    caption = picture[_demo.panel_origin(2, 0)[0] - _demo.LABEL_HEIGHT - _demo.CAPTION_HEIGHT :]
    caption = caption[: mask.shape[0], 10 : 10 + mask.shape[1]]
    assert_array_equal(caption[mask], np.broadcast_to(_demo.CAPTION_COLOUR, (mask.sum(), 3)))
    assert (caption[~mask] == 24).all()

    # the zone plate: without antialias the outer rings alias into high-contrast false rings,
    # with it (and a lanczos kernel) they fade to grey; the centre keeps its rings in all
    n = _demo.PANEL
    centre = (n - 1) / 2
    y, x = np.ogrid[:n, :n]
    radius = np.hypot(y - centre, x - centre) / centre
    for column, label_text in enumerate(("NEAREST", "LINEAR", "LINEAR AA", "LANCZOS AA", "AREA")):
        grey = panel(picture, 1, column)[:, :, 0].astype(float)
        assert grey[radius < 0.25].std() > 50, label_text
        if "AA" in label_text:
            assert grey[radius > 0.5].std() < 8, label_text
        elif label_text != "AREA":
            assert grey[radius > 0.5].std() > 40, label_text

    Image = pytest.importorskip("PIL.Image")
    with Image.open(path) as image:
        assert (image.format, image.mode, image.size) == ("PNG", "RGB", (width, height))
        assert_array_equal(np.asarray(image), picture)


def test_demo_picture_shows_the_times_and_a_legend(demo):
    """Under every computed panel its timing line (small grey text), none under the inputs;
    the legend under the rows says what the timing lines and the tap-count maps mean."""
    _, out, _, path = demo
    picture = decode_png(path.read_bytes())
    grey = np.array(_demo.TIME_COLOUR)
    for row in range(3):
        for column in range(5):
            top, left = _demo.panel_origin(row, column)
            band = picture[top + _demo.PANEL : top + _demo.PANEL + _demo.TIME_HEIGHT, left:]
            band = band[:, : _demo.PANEL]
            drawn = (band == grey).all(axis=2)
            assert ((band == grey).all(axis=2) | (band == 24).all(axis=2)).all()
            assert drawn.any() == (column > 0 or row == 1), (row, column)
    for i, line in enumerate(_demo.LEGEND):
        mask = _demo.text_mask(line, 2)
        top = _demo.MARGIN + 3 * (_demo.ROW_HEIGHT + _demo.GAP) + i * _demo.LEGEND_LINE
        region = picture[top : top + mask.shape[0], 10 : 10 + mask.shape[1]]
        assert_array_equal((region == grey).all(axis=2), mask)
    assert "UNDER A PANEL: FASTUP TIME, X FASTER THAN ORACLE" in _demo.LEGEND
    # the printed lines give the same times
    assert out.count(" faster, max|diff| ") == 13


def test_demo_timing_line_is_drawn_where_render_puts_it():
    images = {(0, 1): np.zeros((_demo.PANEL, _demo.PANEL))}
    text = "56.4US 35X FASTER"
    picture = _demo.render(images, {(0, 1): "NEAREST"}, {(0, 1): text})
    top, left = _demo.panel_origin(0, 1)
    mask = _demo.text_mask(text)
    row0 = top + _demo.PANEL + _demo.TIME_HEIGHT - _demo.GLYPH_HEIGHT
    region = picture[row0 : row0 + mask.shape[0], left : left + mask.shape[1]]
    assert_array_equal((region == np.array(_demo.TIME_COLOUR)).all(axis=2), mask)
    assert mask.shape[1] <= _demo.PANEL  # the longest line fits under its panel
    assert _demo._short_time(56.4e-6) == "56.4US" and _demo._short_time(0.00119) == "1.19MS"


def _grey(picture, row, column):
    """The panel at ``row``, ``column`` of an RGB picture as int grey levels (R = G = B)."""
    rgb = panel(picture, row, column).astype(int)
    assert (rgb == rgb[:, :, :1]).all()
    return rgb[:, :, 0]


def test_demo_transposed_convolution_row(demo):
    """Row 2: kernel 3 stride 2 paints a period-2 checkerboard over flat regions, the linear
    interpolation kernel does not, and the tap-count maps follow fastup.checkerboard."""
    Image = pytest.importorskip("PIL.Image")
    _, _, _, path = demo
    with Image.open(path) as image:
        assert (image.mode, image.size) == ("RGB", (_demo.WIDTH, _demo.HEIGHT))
        picture = np.asarray(image)
    for column, label_text in enumerate(
        ("INPUT", "K3 S2 ONES", "LINEAR K4", "TAPS K3 S2", "TAPS K4 S2")
    ):
        top, left = _demo.panel_origin(2, column)
        mask = _demo.text_mask(label_text, 2)
        label = picture[top - _demo.LABEL_HEIGHT :, left:][: mask.shape[0], : mask.shape[1]]
        assert_array_equal(label, np.repeat(np.where(mask, 255, 24)[:, :, None], 3, axis=2))

    source = _demo.deconv_source()
    assert source.shape == (64, 64) and source.min() == 0.5 and source.max() == 1.0
    assert_array_equal(
        _grey(picture, 2, 0), np.repeat(np.repeat(_demo.to_uint8(source), 2, 0), 2, 1)
    )
    # outputs 2i, 2i + 1 (per axis) of both kernels only see inputs i - 1 .. i + 1: where that
    # 3 x 3 neighbourhood is constant, the panel shows what a flat input gives
    windows = np.lib.stride_tricks.sliding_window_view(source, (3, 3))
    flat = np.zeros((64, 64), dtype=bool)
    flat[1:-1, 1:-1] = (windows == windows[:, :, 1:2, 1:2]).all(axis=(2, 3))
    assert flat[source == 0.5].sum() > 500 and flat[source == 1.0].sum() > 300
    value = np.repeat(np.repeat(source, 2, 0), 2, 1)
    flat = np.repeat(np.repeat(flat, 2, 0), 2, 1)
    k3, linear = _grey(picture, 2, 1), _grey(picture, 2, 2)

    # kernel 3, padding 1: odd outputs get 2 taps per axis, even ones 1; the kernel is ones / 4
    counts = np.outer(*2 * [np.tile([1, 2], 64)])
    assert_array_equal(k3[flat], _demo.to_uint8(value * counts / 4)[flat])
    assert_array_equal(linear[flat], _demo.to_uint8(value)[flat])  # weights sum to 1 per phase

    def period_two(grey):
        """Mean |difference| between neighbouring even and odd rows and columns, where flat."""
        rows = np.abs(grey[0::2] - grey[1::2])[flat[0::2] & flat[1::2]]
        columns = np.abs(grey[:, 0::2] - grey[:, 1::2])[flat[:, 0::2] & flat[:, 1::2]]
        return rows.mean(), columns.mean()

    assert min(period_two(k3)) > 40
    assert max(period_two(linear)) == 0
    # away from the flat regions the two show the same picture, one of them darker and dotted
    assert abs(k3.mean() / linear.mean() - 9 / 16) < 0.02
    assert np.corrcoef(k3.ravel(), linear.ravel())[0, 1] > 0.3

    # the tap-count maps: 8 x 8 blocks of count / 4
    assert_array_equal(fastup.checkerboard(3, 2), [2, 1])
    for column, kernel in ((3, 3), (4, 4)):
        grey = _grey(picture, 2, column)
        counts = grey[::8, ::8]
        assert_array_equal(grey, np.repeat(np.repeat(counts, 8, 0), 8, 1))
        period = fastup.checkerboard((kernel, kernel), (2, 2))
        assert_array_equal(counts, _demo.to_uint8(np.tile(period, (8, 8)) / 4))
    k3_map = _grey(picture, 2, 3)[::8, ::8]
    per_axis = np.tile([2, 1], 8)
    assert_array_equal(k3_map, _demo.to_uint8(np.outer(per_axis, per_axis) / 4))
    assert set(np.unique(k3_map)) == {64, 128, 255}  # 1, 2, 4 taps
    assert (_grey(picture, 2, 4) == 255).all()  # kernel 4: 2 taps per axis everywhere


def test_demo_prints_every_panel_with_timings(demo):
    _, out, _, path = demo
    lines = out.splitlines()
    assert lines[0].startswith("fastup demo: fastup.resize and fastup.conv_transpose on ")
    size = f"{_demo.WIDTH}x{_demo.HEIGHT}"
    assert re.fullmatch(rf"wrote {re.escape(str(path))} \({size} RGB PNG\) in \d+\.\d s", lines[-1])
    t = r"\d+\.\d+ (us|ms|s)"
    timed = [p for p in _demo.panels() if p.keywords]
    assert len(lines) == len(timed) + 2
    for p, line in zip(timed, lines[1:-1], strict=True):
        match = re.fullmatch(
            rf"{re.escape(_demo.ROW_NAMES[p.row])} +{p.label} +(\d+x\d+) -> (\d+x\d+) +fastup +{t}"
            rf" \| (on \d+x\d+ -> \d+x\d+ \(oracle too slow at full size\): fastup {t}, )?"
            rf"oracle {t}, \d+(\.\d)?x faster, max\|diff\| (\S+)",
            line,
        )
        assert match, line
        assert match[1] == "x".join(map(str, p.source.shape))
        assert match[2] == ("16x16" if p.label.startswith("TAPS") else "128x128")
        assert float(match.groups()[-1]) < 1e-6  # float32 fastup vs float64 oracle
    deconv = [re.match(r"deconv x2 +(.+?) +(\d+x\d+) -> (\d+x\d+) ", line) for line in lines]
    assert [m.groups() for m in deconv if m] == [
        ("K3 S2 ONES", "64x64", "128x128"),
        ("LINEAR K4", "64x64", "128x128"),
        ("TAPS K3 S2", "9x9", "16x16"),
        ("TAPS K4 S2", "9x9", "16x16"),
    ]
