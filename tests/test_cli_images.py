"""``fastup resize`` as an image tool: premultiplied alpha as Pillow, EXIF orientation, ICC
profile and DPI kept, sizes by width/height/shorter/longer side and size policy, many files
into a folder, WebP and BMP, JPEG/WebP quality, and inputs never overwritten by accident."""

from __future__ import annotations

import re

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import fastup
from fastup.cli import main

Image = pytest.importorskip("PIL.Image")
RNG = np.random.default_rng(7)


def run(argv, capsys):
    status = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def smooth_rgb(h, w):
    y, x = np.mgrid[:h, :w]
    blue = 128 + 100 * np.sin(x / 5.0) * np.cos(y / 4.0)
    return np.stack([255 * y // h, 255 * x // w, blue], axis=2).astype(np.uint8)


# --------------------------------------------------------------------------------------------
# premultiplied alpha
# --------------------------------------------------------------------------------------------


def test_transparent_colour_does_not_bleed(tmp_path, capsys):
    """A transparent red half beside an opaque green half: the edge pixels are green with the
    averaged alpha, as Pillow gives them, not a red-green mix."""
    x = np.zeros((4, 8, 4), np.uint8)
    x[:, :4] = (255, 0, 0, 0)
    x[:, 4:] = (0, 255, 0, 255)
    Image.fromarray(x).save(tmp_path / "edge.png")
    pillow = np.asarray(Image.fromarray(x).resize((4, 4), Image.Resampling.BILINEAR))
    edge = int(np.flatnonzero((pillow[0, :, 3] > 0) & (pillow[0, :, 3] < 255))[0])
    assert pillow[0, edge, :3].tolist() == [0, 255, 0]
    argv = ["resize", tmp_path / "edge.png", tmp_path / "o.png", "--size", "4x4", "--antialias"]
    status, _, err = run(argv, capsys)
    assert (status, err) == (0, "")
    assert_array_equal(np.asarray(Image.open(tmp_path / "o.png")), pillow)
    # without premultiplying, the red of the transparent pixels leaks in
    run([*argv[:2], tmp_path / "s.png", *argv[3:], "--straight-alpha"], capsys)
    straight = np.asarray(Image.open(tmp_path / "s.png"))[0, edge]
    assert straight[0] > 100 and straight[3] == pillow[0, edge, 3]


@pytest.mark.parametrize(
    ("filter_name", "options"),
    [
        ("BILINEAR", ["--mode", "linear"]),
        ("BICUBIC", ["--mode", "cubic", "--cubic-a", "-0.5"]),
        ("LANCZOS", ["--mode", "lanczos"]),
    ],
)
@pytest.mark.parametrize("channels", [2, 4])
def test_alpha_images_match_pillow(tmp_path, capsys, filter_name, options, channels):
    """Pillow's resize of LA/RGBA images (premultiplied, antialiased, taps outside dropped):
    the same within a few levels where the alpha is not tiny (Pillow premultiplies in 8 bits,
    so a colour under a small alpha is coarse there)."""
    h, w = 60, 80
    colour = smooth_rgb(h, w)[:, :, : channels - 1]
    yy, xx = np.mgrid[:h, :w]
    alpha = np.clip(255 * np.sin(xx / 9.0) * np.cos(yy / 7.0) + 128, 0, 255).astype(np.uint8)
    x = np.concatenate([colour, alpha[:, :, None]], axis=2)
    Image.fromarray(x).save(tmp_path / "in.png")
    common = ["--antialias", "--exclude-outside"]
    for size in ((23, 31), (150, 170)):
        status, _, err = run(
            [
                "resize",
                tmp_path / "in.png",
                tmp_path / "o.png",
                "--width",
                size[1],
                "--height",
                size[0],
                *options,
                *common,
            ],
            capsys,
        )
        assert (status, err) == (0, "")
        y = np.asarray(Image.open(tmp_path / "o.png")).astype(int)
        want = np.asarray(
            Image.fromarray(x).resize(size[::-1], getattr(Image.Resampling, filter_name))
        ).astype(int)
        assert np.abs(y[..., -1] - want[..., -1]).max() <= 2  # alpha
        opaque = want[..., -1] >= 64
        colour = np.abs(y[..., :-1] - want[..., :-1])[opaque]
        assert colour.max() <= 8 and colour.mean() < 1


# --------------------------------------------------------------------------------------------
# metadata
# --------------------------------------------------------------------------------------------


def _profile() -> bytes:
    ImageCms = pytest.importorskip("PIL.ImageCms")
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".webp", ".tif"])
def test_exif_orientation_applied_metadata_kept(tmp_path, capsys, suffix):
    """An image stored sideways with EXIF orientation 6 (shown rotated 90 degrees clockwise)
    is resized as shown: the size is the upright one, the output is upright with orientation
    1, and its other EXIF tags, ICC profile and DPI are kept where the format holds them."""
    stored = smooth_rgb(40, 60)  # 40 rows x 60 columns as stored; shown as 60 x 40
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 CW to display
    exif[0x013B] = "fastup tests"  # Artist
    icc = _profile()
    options = {"exif": exif.tobytes(), "icc_profile": icc}
    if suffix != ".webp":
        options["dpi"] = (300, 300)
    if suffix in (".jpg", ".webp"):
        options["quality"] = 100
    Image.fromarray(stored).save(tmp_path / f"in{suffix}", **options)
    status, out, err = run(
        ["resize", tmp_path / f"in{suffix}", tmp_path / f"out{suffix}", "--size", "30x20"], capsys
    )
    assert (status, err) == (0, "")
    assert "(60, 40, 3) uint8 -> " in out  # the upright picture was read
    with Image.open(tmp_path / f"out{suffix}") as image:
        assert image.size == (20, 30)  # (W, H): upright, 30 rows
        written = image.getexif()
        assert written.get(0x0112, 1) == 1
        assert written.get(0x013B) == "fastup tests"
        assert image.info.get("icc_profile") == icc
        if suffix != ".webp":
            assert tuple(round(d) for d in image.info["dpi"]) == (300, 300)
        y = np.asarray(image).astype(int)
    decoded = stored  # lossless formats; Pillow presents a TIFF already turned by its tag
    if suffix in (".jpg", ".webp"):
        with Image.open(tmp_path / f"in{suffix}") as image:  # the decoded pixels, as stored
            decoded = np.asarray(image)
    assert decoded.shape == (40, 60, 3)
    upright = np.rot90(decoded, k=-1)  # what a viewer shows for orientation 6
    want = fastup.resize(np.ascontiguousarray(upright), (30, 20), axes=(0, 1)).astype(int)
    if suffix in (".png", ".tif"):
        assert_array_equal(y, want)
    else:  # lossy formats: close to the upright resize, far from the sideways one
        assert np.abs(y - want).mean() < 4


@pytest.mark.parametrize("source, target", [(".tif", ".tif"), (".tif", ".jpg"), (".jpg", ".tif")])
def test_exif_keeps_descriptive_tags_not_the_old_layout(tmp_path, capsys, source, target):
    """Between TIFF and JPEG (whose EXIF is a TIFF directory): the camera, date and author tags
    and the Exif sub-directory are carried, the old size and strip layout are not (the output
    is readable, of the new size), and PixelX/YDimension become the new size."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x013B] = "Maker", "Model 1", "fastup tests"
    exif[0x0132] = "2026:12:06 12:00:00"  # DateTime
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = "2026:12:06 11:59:59"  # DateTimeOriginal
    sub[0xA002], sub[0xA003] = 60, 40  # PixelXDimension, PixelYDimension
    Image.fromarray(smooth_rgb(40, 60)).save(tmp_path / f"in{source}", exif=exif.tobytes())
    with Image.open(tmp_path / f"in{source}") as image:  # the reader sees layout tags too
        if source == ".tif":
            assert image.getexif().get(256) == 60 and 273 in image.getexif()
    out = tmp_path / f"out{target}"
    status, _, err = run(["resize", tmp_path / f"in{source}", out, "--size", "20x30"], capsys)
    assert (status, err) == (0, "")
    with Image.open(out) as image:
        image.load()
        assert image.size == (30, 20)
        written = image.getexif()
        assert (written.get(0x010F), written.get(0x0110)) == ("Maker", "Model 1")
        assert (written.get(0x013B), written.get(0x0132)) == ("fastup tests", "2026:12:06 12:00:00")
        sub = written.get_ifd(0x8769)
        assert sub.get(0x9003) == "2026:12:06 11:59:59"
        assert (sub.get(0xA002), sub.get(0xA003)) == (30, 20)
        if target == ".tif":  # the writer's own layout, not the input's
            assert (written.get(256), written.get(257)) == (30, 20)
        else:
            assert not {256, 257, 273, 279} & set(written)


def test_bmp_and_webp(tmp_path, capsys):
    x = smooth_rgb(30, 50)
    Image.fromarray(x).save(tmp_path / "in.bmp")
    assert run(["resize", tmp_path / "in.bmp", tmp_path / "o.bmp", "--scale", "2"], capsys)[0] == 0
    with Image.open(tmp_path / "o.bmp") as image:
        assert image.format == "BMP"
        assert_array_equal(np.asarray(image), fastup.resize(x, scale=2.0, axes=(0, 1)))
    rgba = np.concatenate([x, x[:, :, :1]], axis=2)  # a varying alpha
    Image.fromarray(rgba).save(tmp_path / "in.png")
    sizes = {}
    for quality in (10, 95):
        status, _, err = run(
            [
                "resize",
                tmp_path / "in.png",
                tmp_path / f"q{quality}.webp",
                "--scale",
                "4",
                "--quality",
                quality,
            ],
            capsys,
        )
        assert (status, err) == (0, "")
        with Image.open(tmp_path / f"q{quality}.webp") as image:
            assert (image.format, image.mode, image.size) == ("WEBP", "RGBA", (200, 120))
        sizes[quality] = (tmp_path / f"q{quality}.webp").stat().st_size
    assert sizes[10] < sizes[95]  # the quality reaches the encoder


# --------------------------------------------------------------------------------------------
# sizes
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "shape"),
    [
        (["--width", "100"], (75, 100)),  # 300 x 400 -> keeps 3:4, height 75
        (["--height", "100"], (100, 133)),  # 400 * 100 / 300 = 133.3
        (["--width", "50", "--height", "60"], (60, 50)),  # both: stretched
        (["--shorter", "256"], (256, 341)),  # torchvision Resize(256): int(256 * 400 / 300)
        (["--longer", "200"], (150, 200)),
        (["--size", "100x100", "--size-policy", "not_larger"], (75, 100)),  # fit in the box
        (["--size", "100x100", "--size-policy", "not_smaller"], (100, 133)),  # cover it
        (["--width", "100", "--height", "100", "--size-policy", "not_larger"], (75, 100)),
        (["--size", "150x200"], (150, 200)),  # height first
    ],
)
def test_size_options(tmp_path, capsys, options, shape):
    Image.fromarray(smooth_rgb(300, 400)).save(tmp_path / "in.png")
    status, _, err = run(["resize", tmp_path / "in.png", tmp_path / "o.png", *options], capsys)
    assert (status, err) == (0, "")
    assert np.asarray(Image.open(tmp_path / "o.png")).shape == (*shape, 3)


def test_shorter_side_of_a_portrait_and_npy(tmp_path, capsys):
    Image.fromarray(smooth_rgb(500, 375)).save(tmp_path / "p.png")
    assert (
        run(["resize", tmp_path / "p.png", tmp_path / "o.png", "--shorter", "224"], capsys)[0] == 0
    )
    assert np.asarray(Image.open(tmp_path / "o.png")).shape == (298, 224, 3)  # int(224*500/375)
    np.save(tmp_path / "a.npy", np.zeros((2, 30, 40), np.float32))
    status, _, err = run(
        ["resize", tmp_path / "a.npy", tmp_path / "b.npy", "--width", "20"], capsys
    )
    assert status == 2 and "--width/--height sizes two axes (height, width): give --axes" in err
    status, _, _ = run(
        ["resize", tmp_path / "a.npy", tmp_path / "b.npy", "--width", "20", "--axes", "1,2"], capsys
    )
    assert status == 0 and np.load(tmp_path / "b.npy").shape == (2, 15, 20)


def test_help_says_sizes_are_height_first(capsys):
    status, out, _ = run(["resize", "--help"], capsys)
    assert status == 0
    text = " ".join(out.split())
    assert "SIZES ARE HEIGHT FIRST: --size 480x640 is 480 rows by 640 columns" in text
    assert "not ImageMagick's WxH" in text
    for option in (
        "--width",
        "--height",
        "--shorter",
        "--longer",
        "--size-policy",
        "--quality",
        "--format",
        "--overwrite",
        "--straight-alpha",
    ):
        assert option in out


# --------------------------------------------------------------------------------------------
# many files
# --------------------------------------------------------------------------------------------


def test_many_files_into_a_folder_with_progress(tmp_path, capsys):
    names = ["a.png", "b.jpg", "c.png"]
    for i, name in enumerate(names):
        Image.fromarray(smooth_rgb(20 + i, 30)).save(tmp_path / name)
    status, out, err = run(
        [
            "resize",
            tmp_path / "a.png",
            tmp_path / "b.jpg",
            tmp_path / "c.png",
            tmp_path / "small",
            "--scale",
            "0.5",
        ],
        capsys,
    )
    assert status == 0
    assert sorted(p.name for p in (tmp_path / "small").iterdir()) == names
    assert len(out.splitlines()) == 3
    assert "3/3 c.png" in err and "[####################]" in err  # the progress bar
    # a glob pattern (for shells that do not expand it) and another suffix
    status, _, err = run(
        ["resize", tmp_path / "*.png", tmp_path / "webp", "--scale", "2", "--format", "webp"],
        capsys,
    )
    assert status == 0
    assert sorted(p.name for p in (tmp_path / "webp").iterdir()) == ["a.webp", "c.webp"]
    with Image.open(tmp_path / "webp" / "c.webp") as image:
        assert image.size == (60, 44)
    # one file into an existing folder keeps its name
    status, _, err = run(["resize", tmp_path / "a.png", tmp_path / "small", "--scale", "3"], capsys)
    assert (status, err) == (0, "")
    assert Image.open(tmp_path / "small" / "a.png").size == (90, 60)


def test_inputs_are_not_overwritten_unless_asked(tmp_path, capsys):
    x = smooth_rgb(20, 30)
    Image.fromarray(x).save(tmp_path / "a.png")
    before = (tmp_path / "a.png").read_bytes()
    status, out, err = run(["resize", tmp_path / "a.png", tmp_path, "--scale", "2"], capsys)
    assert (status, out) == (2, "")
    assert re.search(r"OUT '.*a\.png' is the input '.*a\.png': pass --overwrite", err)
    assert (tmp_path / "a.png").read_bytes() == before
    status, _, _ = run(
        ["resize", tmp_path / "a.png", tmp_path / "a.png", "--scale", "2", "--overwrite"], capsys
    )
    assert status == 0
    assert Image.open(tmp_path / "a.png").size == (60, 40)


def test_two_inputs_with_one_name_are_refused(tmp_path, capsys):
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    for d in ("x", "y"):
        Image.fromarray(smooth_rgb(8, 8)).save(tmp_path / d / "same.png")
    status, _, err = run(
        [
            "resize",
            tmp_path / "x" / "same.png",
            tmp_path / "y" / "same.png",
            tmp_path / "out",
            "--scale",
            "2",
        ],
        capsys,
    )
    assert status == 2 and "would both be written to" in err
    assert not (tmp_path / "out").exists()
