"""``fastup demo``: an embedded test image, a 5x7 bitmap font, a PNG writer and the picture.

Needs NumPy and fastup only: the test image is generated here, the labels are drawn with the
font below, and the PNG is written with ``zlib`` and ``struct``.

The picture is a grid of labelled panels, 128 x 128 pixels each:

* row 0: the 128 x 128 test image with the crop box in red, then the 32 x 32 crop upscaled x4
  by nearest, linear, cubic and lanczos (blockiness, blur, ringing);
* row 1: a 512 x 512 zone plate downscaled by 1/4 by nearest, linear without and with
  antialias, lanczos with antialias, and area. Without antialias the rings beyond a quarter of
  the radius alias into false rings (moire); with it they fade to grey;
* row 2: transposed convolutions with stride 2 (``fastup.conv_transpose``). A 64 x 64 crop of
  the test image, lifted to [0.5, 1] so that every region is a non-zero flat grey or white
  (shown x2 by nearest), upsampled x2 with a 3 x 3 kernel of ones: with kernel 3 and stride 2
  the taps overlap unevenly, so a flat input comes out as a period-2 checkerboard (Odena et
  al., distill.pub 2016). The same upsampling with the weights of
  ``fastup.interpolation_kernel(2, "linear")`` (kernel 4, even overlap) is smooth. Then the
  tap counts themselves: ``conv_transpose`` of an image of ones with a kernel of ones counts
  the taps that reach each output pixel, which is ``np.tile(fastup.checkerboard(k, 2))``:
  ``[[4, 2], [2, 1]]`` for kernel 3, 4 everywhere for kernel 4. The 3 x 3 kernel is
  ``ones / 4`` and the maps are drawn as count / 4, so the panel of a flat white region and
  the kernel 3 map show the same grey levels.

For each panel the time of the ``fastup.resize`` or ``fastup.conv_transpose`` call (best of a
few runs) is printed beside the time of the same ``fastup.oracle`` function on the same call,
their ratio and the largest difference; the picture shows the time and the ratio under the
panel, and a legend under the rows (what the timing lines and the tap-count maps mean).
"""

from __future__ import annotations

import math
import os
import struct
import sys
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

import numpy as np

from ._deconv import conv_transpose, interpolation_kernel
from ._resize import resize
from ._threads import get_workers

# --------------------------------------------------------------------------------------------
# font
# --------------------------------------------------------------------------------------------

GLYPH_WIDTH, GLYPH_HEIGHT = 5, 7

# Each glyph: 7 rows, top first, two hex digits per row; bit 4 is the leftmost of the 5 columns.
FONT = {
    " ": "00000000000000",
    "A": "0e11111f111111",
    "B": "1e11111e11111e",
    "C": "0e11101010110e",
    "D": "1e11111111111e",
    "E": "1f10101e10101f",
    "F": "1f10101e101010",
    "G": "0e11101711110f",
    "H": "1111111f111111",
    "I": "0e04040404040e",
    "J": "0702020202120c",
    "K": "11121418141211",
    "L": "1010101010101f",
    "M": "111b1515111111",
    "N": "11111915131111",
    "O": "0e11111111110e",
    "P": "1e11111e101010",
    "Q": "0e11111115120d",
    "R": "1e11111e141211",
    "S": "0f10100e01011e",
    "T": "1f040404040404",
    "U": "1111111111110e",
    "V": "11111111110a04",
    "W": "1111111515150a",
    "X": "11110a040a1111",
    "Y": "11110a04040404",
    "Z": "1f01020408101f",
    "0": "0e11131519110e",
    "1": "040c040404040e",
    "2": "0e11010204081f",
    "3": "1f02040201110e",
    "4": "02060a121f0202",
    "5": "1f101e0101110e",
    "6": "0608101e11110e",
    "7": "1f010204080808",
    "8": "0e11110e11110e",
    "9": "0e11110f01020c",
    "/": "00010204081000",
    ".": "00000000000c0c",
    ":": "000c0c000c0c00",
    "-": "0000001f000000",
    ",": "00000000000c08",
}


def text_mask(text: str, scale: int = 1) -> np.ndarray:
    """The boolean bitmap of ``text`` in the built-in font.

    Glyphs are 5 x 7 pixels with one blank column between them, each font pixel drawn as a
    ``scale`` x ``scale`` block: the result has shape ``(7 * scale, (6 * len(text) - 1) *
    scale)``. Lower-case letters are drawn as capitals.
    """
    text = text.upper()
    missing = sorted(set(text) - set(FONT))
    if missing:
        raise ValueError(
            f"text_mask: 'text' may hold only the characters {''.join(sorted(FONT))!r}; got "
            f"{''.join(missing)!r} in {text!r}."
        )
    mask = np.zeros((GLYPH_HEIGHT, max(0, 6 * len(text) - 1)), dtype=bool)
    shifts = np.arange(GLYPH_WIDTH - 1, -1, -1)
    for i, char in enumerate(text):
        rows = np.array([int(FONT[char][k : k + 2], 16) for k in range(0, 14, 2)])
        mask[:, 6 * i : 6 * i + GLYPH_WIDTH] = (rows[:, None] >> shifts) & 1
    return np.repeat(np.repeat(mask, scale, axis=0), scale, axis=1)


def draw_text(
    canvas: np.ndarray, text: str, top: int, left: int, value: Any, scale: int = 1
) -> None:
    """Set the pixels of ``text`` (see ``text_mask``) in ``canvas`` to ``value``, in place.

    ``value`` is a scalar, or one value per channel for an (H, W, C) canvas; the text must fit.
    """
    mask = text_mask(text, scale)
    canvas[top : top + mask.shape[0], left : left + mask.shape[1]][mask] = value


# --------------------------------------------------------------------------------------------
# test image
# --------------------------------------------------------------------------------------------


def zone_plate(n: int) -> np.ndarray:
    """An ``n`` x ``n`` zone plate ``0.5 + 0.5 cos(pi r^2 / R)`` in float64, for n >= 2.

    ``r`` is the distance from the centre in pixels; the local frequency ``r / R`` cycles per
    pixel grows with the radius and reaches the Nyquist limit 0.5 exactly at the corners, so
    the image itself is alias-free while any downscale without a low-pass filter aliases.
    """
    centre = (n - 1) / 2
    y, x = np.ogrid[:n, :n]
    r2 = (y - centre) ** 2 + (x - centre) ** 2
    return 0.5 + 0.5 * np.cos(np.pi * r2 / (2 * math.hypot(centre, centre)))


def demo_image() -> np.ndarray:
    """The 128 x 128 float32 test image, values in [0, 1], in four 64 x 64 quadrants.

    Top left a zone plate (chirp rings up to the Nyquist limit), top right a checkerboard of
    8-pixel squares (sharp edges), bottom left a fan of 1-pixel lines from the centre at
    angles from 95 to 175 degrees, bottom right white text on black. All four meet at the
    centre, so the crop ``CROP`` holds some of each.
    """
    image = np.zeros((128, 128))
    image[:64, :64] = zone_plate(64)
    y, x = np.indices((64, 64))
    image[:64, 64:] = (y // 8 + x // 8) % 2
    t = np.arange(0.0, 96.0, 0.25)
    for angle in np.radians(np.linspace(95.0, 175.0, 9)):
        rows = np.rint(64 + t * math.sin(angle)).astype(int)
        cols = np.rint(63 + t * math.cos(angle)).astype(int)
        inside = (rows < 128) & (cols >= 0)
        image[rows[inside], cols[inside]] = 1.0
    draw_text(image, "FAST", 67, 67, 1.0, scale=2)
    draw_text(image, "UP", 85, 67, 1.0, scale=2)
    draw_text(image, "RESIZE", 106, 67, 1.0)
    draw_text(image, "0123456789", 116, 67, 1.0)
    return image.astype(np.float32)


# the 32 x 32 crop of the test image that row 0 upscales: where the four quadrants meet
CROP = (slice(48, 80), slice(48, 80))
ZONE_PLATE_SIZE = 512
# the 64 x 64 crop that row 2 upsamples x2 (checkerboard squares over "FAST" and "UP"), and
# the grey its black is lifted to
DECONV_CROP = (slice(36, 100), slice(64, 128))
DECONV_FLOOR = 0.5
# the tap-count maps: TAPS_INPUT x TAPS_INPUT ones -> 16 x 16 counts (8 periods per axis)
TAPS_INPUT = 9


def to_uint8(image: np.ndarray) -> np.ndarray:
    """[0, 1] floats to uint8: scaled by 255, rounded, clipped (ringing overshoots)."""
    return np.clip(np.rint(np.asarray(image, dtype=np.float64) * 255), 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------------------------
# PNG writer
# --------------------------------------------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# channels -> PNG colour type: grey, grey + alpha, RGB, RGBA
_COLOUR_TYPES = {1: 0, 2: 4, 3: 2, 4: 6}


def encode_png(image: np.ndarray) -> bytes:
    """The bytes of an 8-bit PNG file holding ``image`` exactly.

    ``image`` is a uint8 array of shape (H, W) (grey) or (H, W, C) with C = 1 (grey), 2 (grey
    and alpha), 3 (RGB) or 4 (RGBA), H and W at least 1. The file is non-interlaced, every row
    with filter type 0 (none), all in one zlib-compressed IDAT chunk.
    """
    array = np.asarray(image)
    if array.dtype != np.uint8:
        raise TypeError(f"encode_png: 'image' must have dtype uint8; got dtype {array.dtype}.")
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.shape[2] not in _COLOUR_TYPES or min(array.shape[:2]) < 1:
        raise ValueError(
            f"encode_png: 'image' must have shape (H, W) or (H, W, C) with C in 1, 2, 3, 4 and "
            f"H, W >= 1; got shape {np.shape(image)}."
        )
    height, width, channels = array.shape
    rows = np.zeros((height, 1 + width * channels), dtype=np.uint8)  # column 0: filter type
    rows[:, 1:] = array.reshape(height, width * channels)
    header = struct.pack(">IIBBBBB", width, height, 8, _COLOUR_TYPES[channels], 0, 0, 0)
    return b"".join(
        [
            PNG_SIGNATURE,
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(rows.tobytes(), 9)),
            _chunk(b"IEND", b""),
        ]
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def write_png(path: str | os.PathLike[str], image: np.ndarray) -> None:
    """Write ``image`` (see ``encode_png``) to the PNG file ``path``."""
    data = encode_png(image)
    with open(path, "wb") as f:
        f.write(data)


# --------------------------------------------------------------------------------------------
# the picture
# --------------------------------------------------------------------------------------------

PANEL = 128  # side of every panel
COLUMNS = 5
MARGIN = 10  # around the picture
GAP = 10  # between panels, and between the rows
TEXT_SCALE = 2
TEXT_HEIGHT = GLYPH_HEIGHT * TEXT_SCALE
CAPTION_HEIGHT = TEXT_HEIGHT + 8  # a row's caption and the space below it
LABEL_HEIGHT = TEXT_HEIGHT + 5  # a panel's label and the space below it
TIME_HEIGHT = 4 + GLYPH_HEIGHT  # the space above a panel's timing line (small text) and it
ROW_HEIGHT = CAPTION_HEIGHT + LABEL_HEIGHT + PANEL + TIME_HEIGHT
# the legend under the rows
LEGEND = (
    "UNDER A PANEL: FASTUP TIME, X FASTER THAN ORACLE",
    "TAPS: KERNEL TAPS PER OUTPUT, WHITE 4 GREY 2 DARK 1",
    "K4 S2 OVERLAPS EVENLY: 4 EVERYWHERE, NO CHECKERBOARD",
)
LEGEND_LINE = TEXT_HEIGHT + 6
WIDTH = 2 * MARGIN + COLUMNS * PANEL + (COLUMNS - 1) * GAP
HEIGHT = 2 * MARGIN + 3 * ROW_HEIGHT + 3 * GAP + len(LEGEND) * LEGEND_LINE - 6

BACKGROUND = (24, 24, 24)
CAPTION_COLOUR = (255, 200, 60)
LABEL_COLOUR = (255, 255, 255)
TIME_COLOUR = (170, 170, 170)
BOX_COLOUR = (255, 40, 40)

CAPTIONS = (
    "UPSCALE X4 OF THE 32X32 CROP",
    "DOWNSCALE 1/4 OF A 512X512 ZONE PLATE, AA: ANTIALIAS",
    "TRANSPOSED CONV X2: K3 S2 CHECKERBOARD VS LINEAR KERNEL",
)
ROW_NAMES = ("upscale x4", "downscale 1/4", "deconv x2")  # in the printed lines

# the most time the oracle may take on one panel's call before it is timed on a smaller input
ORACLE_BUDGET = 0.5  # seconds
FASTUP_RUNS = 7


@dataclass
class Panel:
    """One panel: its place, label, and the keywords of the call of ``function`` (``"resize"``
    or ``"conv_transpose"`` on one (H, W) channel, see ``run``) that makes it from ``source``
    (no keywords: the panel shows ``source`` itself). ``display``, when given, turns the
    result into the 128 x 128 image drawn (the tap-count maps)."""

    row: int
    column: int
    label: str
    source: np.ndarray
    keywords: dict[str, Any] = field(default_factory=dict)
    function: str = "resize"
    display: Callable[[np.ndarray], np.ndarray] | None = None


def panel_origin(row: int, column: int) -> tuple[int, int]:
    """(top, left) pixel of the panel at ``row``, ``column`` in the picture."""
    top = MARGIN + row * (ROW_HEIGHT + GAP) + CAPTION_HEIGHT + LABEL_HEIGHT
    return top, MARGIN + column * (PANEL + GAP)


def deconv_source() -> np.ndarray:
    """The 64 x 64 float32 input of row 2: ``DECONV_CROP`` of the test image mapped from
    [0, 1] to [``DECONV_FLOOR``, 1], so the black areas become flat grey."""
    crop = demo_image()[DECONV_CROP].astype(np.float64)
    return (DECONV_FLOOR + (1 - DECONV_FLOOR) * crop).astype(np.float32)


def _flat_kernel(size: int, value: float) -> np.ndarray:
    """A (1, 1, size, size) float32 ``conv_transpose`` kernel with every weight ``value``."""
    return np.full((1, 1, size, size), value, dtype=np.float32)


def _taps_map(counts: np.ndarray) -> np.ndarray:
    """A square map of tap counts as a PANEL x PANEL image: count / 4 (the most taps of a
    kernel of 3 or 4 per axis with stride 2), each count a square block."""
    block = PANEL // counts.shape[0]
    return np.repeat(np.repeat(counts / 4.0, block, axis=0), block, axis=1)


def panels() -> list[Panel]:
    """The panels of the picture, row by row."""
    image = demo_image()
    crop = image[CROP]
    zone = zone_plate(ZONE_PLATE_SIZE).astype(np.float32)
    up = {"scale": (4.0, 4.0)}
    down = {"scale": (0.25, 0.25)}
    source = deconv_source()
    linear, linear_padding = interpolation_kernel(2, "linear")
    ones = np.ones((TAPS_INPUT, TAPS_INPUT), dtype=np.float32)
    deconv = "conv_transpose"
    return [
        Panel(0, 0, "INPUT", image),
        Panel(0, 1, "NEAREST", crop, {**up, "mode": "nearest"}),
        Panel(0, 2, "LINEAR", crop, {**up, "mode": "linear"}),
        Panel(0, 3, "CUBIC", crop, {**up, "mode": "cubic"}),
        Panel(0, 4, "LANCZOS", crop, {**up, "mode": "lanczos"}),
        Panel(1, 0, "NEAREST", zone, {**down, "mode": "nearest"}),
        Panel(1, 1, "LINEAR", zone, {**down, "mode": "linear"}),
        Panel(1, 2, "LINEAR AA", zone, {**down, "mode": "linear", "antialias": True}),
        Panel(1, 3, "LANCZOS AA", zone, {**down, "mode": "lanczos", "antialias": True}),
        Panel(1, 4, "AREA", zone, {**down, "mode": "area"}),
        Panel(2, 0, "INPUT", np.repeat(np.repeat(source, 2, axis=0), 2, axis=1)),
        # 63 * 2 - 2 + 3 + 1 = 128; ones / 4: a flat input keeps its value where all 4 taps land
        Panel(
            2,
            1,
            "K3 S2 ONES",
            source,
            {"weight": _flat_kernel(3, 0.25), "stride": 2, "padding": 1, "output_padding": 1},
            deconv,
        ),
        Panel(
            2,
            2,
            "LINEAR K4",
            source,
            {"weight": linear, "stride": 2, "padding": linear_padding},
            deconv,
        ),
        # padding that keeps only outputs every tap can reach: 8 * 2 - 3 + 3 = 16 (kernel 3),
        # 8 * 2 - 4 + 4 = 16 (kernel 4), starting at phase 0 like fastup.checkerboard
        Panel(
            2,
            3,
            "TAPS K3 S2",
            ones,
            {"weight": _flat_kernel(3, 1.0), "stride": 2, "padding": ((2, 1), (2, 1))},
            deconv,
            _taps_map,
        ),
        Panel(
            2,
            4,
            "TAPS K4 S2",
            ones,
            {"weight": _flat_kernel(4, 1.0), "stride": 2, "padding": 2},
            deconv,
            _taps_map,
        ),
    ]


def _one_channel(function: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
    """``function`` (a ``conv_transpose``) on an (H, W) image as one unbatched channel."""

    def call(x: np.ndarray, **keywords: Any) -> np.ndarray:
        return function(x[None], **keywords)[0]

    return call


def _best_time(call: Callable[[], np.ndarray], runs: int) -> tuple[float, np.ndarray]:
    """The shortest of ``runs`` timings of ``call()`` (seconds), and its result."""
    best = math.inf
    for _ in range(runs):
        start = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - start)
    return best, result


def _format_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1.0:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def _format_ratio(ratio: float) -> str:
    return f"{ratio:.0f}x" if ratio >= 10 else f"{ratio:.1f}x"


def _short_time(seconds: float) -> str:
    """A time in at most 6 characters of the picture's font: 29.1US, 1.19MS, 2.40S."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.3g}US"
    return f"{seconds * 1e3:.3g}MS" if seconds < 1.0 else f"{seconds:.3g}S"


def _shape(array: np.ndarray) -> str:
    return "x".join(str(n) for n in array.shape)


def _time_panel(
    panel: Panel, function: Callable[..., np.ndarray], reference: Callable[..., np.ndarray]
) -> tuple[np.ndarray, str, str]:
    """Run the panel's call with fastup's ``function`` and the oracle's ``reference``; its
    result, its printed line and the timing line drawn under the panel.

    The oracle first runs on the top-left quarter (per axis) of the input; when that predicts
    more than ``ORACLE_BUDGET`` for the full input, the comparison is made on the quarter.
    """
    source, keywords = panel.source, panel.keywords
    fast_time, result = _best_time(lambda: function(source, **keywords), FASTUP_RUNS)
    quarter = source[: source.shape[0] // 4, : source.shape[1] // 4]
    small_time, small_expected = _best_time(lambda: reference(quarter, **keywords), 1)
    if small_time * result.size / small_expected.size <= ORACLE_BUDGET:
        ref_time, expected = _best_time(lambda: reference(source, **keywords), 1)
        base_time, compared, where = fast_time, result, ""
    else:
        ref_time, expected = small_time, small_expected
        base_time, compared = _best_time(lambda: function(quarter, **keywords), FASTUP_RUNS)
        where = (
            f"on {_shape(quarter)} -> {_shape(expected)} (oracle too slow at full size): "
            f"fastup {_format_time(base_time)}, "
        )
    difference = float(np.max(np.abs(compared.astype(np.float64) - expected)))
    line = (
        f"{ROW_NAMES[panel.row]:<13} {panel.label:<10} {_shape(source):>7} -> "
        f"{_shape(result):<7}  fastup {_format_time(fast_time):>9} | {where}"
        f"oracle {_format_time(ref_time)}, {_format_ratio(ref_time / base_time)} faster, "
        f"max|diff| {difference:.1e}"
    )
    drawn = f"{_short_time(fast_time)} {_format_ratio(ref_time / base_time).upper()} FASTER"
    return result, line, drawn


def render(
    images: dict[tuple[int, int], np.ndarray],
    labels: dict[tuple[int, int], str],
    times: dict[tuple[int, int], str] | None = None,
) -> np.ndarray:
    """The picture (HEIGHT, WIDTH, 3) uint8: captions, labels, panels at ``panel_origin``,
    the timing lines ``times`` under their panels, and the legend.

    ``images`` maps (row, column) to a 128 x 128 image with values in [0, 1]; the input panel
    (0, 0) gets the red box around ``CROP``.
    """
    picture = np.empty((HEIGHT, WIDTH, 3), dtype=np.uint8)
    picture[...] = BACKGROUND
    for row, caption in enumerate(CAPTIONS):
        draw_text(
            picture, caption, MARGIN + row * (ROW_HEIGHT + GAP), MARGIN, CAPTION_COLOUR, TEXT_SCALE
        )
    for (row, column), image in images.items():
        top, left = panel_origin(row, column)
        draw_text(picture, labels[row, column], top - LABEL_HEIGHT, left, LABEL_COLOUR, TEXT_SCALE)
        picture[top : top + PANEL, left : left + PANEL] = to_uint8(image)[:, :, None]
    for (row, column), text in (times or {}).items():
        top, left = panel_origin(row, column)
        draw_text(picture, text, top + PANEL + TIME_HEIGHT - GLYPH_HEIGHT, left, TIME_COLOUR)
    for i, line in enumerate(LEGEND):
        top = MARGIN + 3 * (ROW_HEIGHT + GAP) + i * LEGEND_LINE
        draw_text(picture, line, top, MARGIN, TIME_COLOUR, TEXT_SCALE)
    top, left = panel_origin(0, 0)
    y0, y1 = top + CROP[0].start - 1, top + CROP[0].stop
    x0, x1 = left + CROP[1].start - 1, left + CROP[1].stop
    picture[[y0, y1], x0 : x1 + 1] = BOX_COLOUR
    picture[y0 : y1 + 1, [x0, x1]] = BOX_COLOUR
    return picture


def run(path: str | os.PathLike[str], stream: TextIO | None = None) -> None:
    """Make the demo picture, print one timing line per panel to ``stream`` (default: the
    current ``sys.stdout``), write the PNG ``path``."""
    from . import oracle  # only the demo needs the oracle

    stream = sys.stdout if stream is None else stream
    start = time.perf_counter()
    print(
        f"fastup demo: fastup.resize and fastup.conv_transpose on {get_workers()} thread(s), "
        f"best of {FASTUP_RUNS} runs, vs fastup.oracle (pure NumPy, float64), float32 data",
        file=stream,
        flush=True,
    )
    functions = {
        "resize": (resize, oracle.resize),
        "conv_transpose": (_one_channel(conv_transpose), _one_channel(oracle.conv_transpose)),
    }
    images: dict[tuple[int, int], np.ndarray] = {}
    labels: dict[tuple[int, int], str] = {}
    times: dict[tuple[int, int], str] = {}
    for panel in panels():
        labels[panel.row, panel.column] = panel.label
        if panel.keywords:
            result, line, times[panel.row, panel.column] = _time_panel(
                panel, *functions[panel.function]
            )
            images[panel.row, panel.column] = (
                result if panel.display is None else panel.display(result)
            )
            print(line, file=stream, flush=True)
        else:
            images[panel.row, panel.column] = panel.source
    picture = render(images, labels, times)
    write_png(path, picture)
    print(
        f"wrote {os.fspath(path)} ({WIDTH}x{HEIGHT} RGB PNG) in "
        f"{time.perf_counter() - start:.1f} s",
        file=stream,
    )
