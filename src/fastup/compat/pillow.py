"""Pillow's ``Image.resize`` on NumPy arrays and ``PIL.Image`` images: the same call, filters,
errors and results (checked against Pillow 13.0.0, its ``libImaging/Resample.c``, ``Reduce.c``,
``Geometry.c`` and ``Convert.c``).

``resize(image, size, resample=BICUBIC, box=None, reducing_gap=None)`` with ``size`` as
``(width, height)``, Pillow's filter constants (``NEAREST`` ... ``LANCZOS``, and Pillow 13's
``MKS2013``, ``MKS2021``; ``PIL.Image.Resampling`` members are the same integers), ``box`` a
float crop box ``(left, upper, right, lower)`` in input pixels, ``reducing_gap`` Pillow's
``reduce()`` by an integer factor before the resample.

What an array stands for (the mode Pillow would give it):

========================================  =====================================================
array                                     Pillow mode
========================================  =====================================================
uint8 (H, W) or (H, W, 1)                 L
uint8 (H, W, 2)                           LA   (premultiplied by alpha around the resample)
uint8 (H, W, 3)                           RGB
uint8 (H, W, 4)                           RGBA (premultiplied by alpha around the resample)
uint16 (H, W) or (H, W, 1)                I;16
int32 (H, W) or (H, W, 1)                 I
float32 (H, W) or (H, W, 1)               F
========================================  =====================================================

The result has the input's layout and dtype. A ``PIL.Image.Image`` of mode L, LA, RGB, RGBA,
RGBX, RGBa, CMYK, YCbCr, HSV, I;16 (I;16L, I;16B, I;16N), I or F gives an image of the same
mode (Pillow is imported only then); modes 1, P and LAB are refused. (On a little-endian
machine Pillow 13 resamples I;16B and I;16N images with their two bytes swapped, its
``bigendian`` test in Resample.c being the wrong way round for them; that is reproduced.)

The arithmetic is Pillow's, step for step:

* LA / RGBA (any filter but NEAREST): colour premultiplied by alpha, ``t = c a + 128``,
  ``((t >> 8) + t) >> 8``, and afterwards divided back, ``min(255, 255 c // a)`` for
  ``0 < a < 255`` (the RGBa / La conversions);
* ``reducing_gap``: factors ``int((box width) / width / reducing_gap) or 1`` per axis; when one
  is above 1, ``reduce()`` of the box widened by the filter's support minus 0.5 (Pillow's
  ``_get_safe_box``), whose blocks (partial at the right and bottom edges) average as
  ``((sum + n // 2) * m) >> 24`` with ``m = uint32(float32(2**32) / float32(256 n))`` for
  8-bit bands, and ``sum * (1.0 / n)`` in double (4-term partial sums in int32 / float32 as
  Pillow groups them) for I and F;
* a box of integer offsets whose size is the output size is a crop;
* NEAREST: source column ``int(x0 + s/2 + s + s + ...)``, a running double sum with
  ``s = (box width) / width`` (I;16: ``s (o + 0.5) + x0``), outputs whose source falls outside
  the image are 0;
* the other filters: Pillow's coefficients (half-pixel centres, support stretched by the
  shrink factor, taps outside the image dropped, normalised by their running sum), one pass
  per axis that changes (horizontal first, but vertical first when
  ``H - H' > 0 and H - H' > 2 (W - W')``: Pillow 13, python-pillow/Pillow#9549). 8-bit bands:
  coefficients ``trunc(k 2**22 +- 0.5)``, sums ``(2**21 + sum) >> 22`` clipped to [0, 255]
  after each pass (``fastup.compat._passes.weighted_pass``, exact); I;16 and I: double sums
  rounded half away from zero after each pass (I;16 clipped to [0, 65535]); F: fastup's
  float32 kernels with Pillow's coefficients (within 1e-6 of Pillow's double sums relative
  to the range).

So L, LA, RGB, RGBA (and the other 8-bit modes), I;16 and I are bit-exact (I's int32
wrap-around and out-of-range conversions included), F within 1e-5 of the value range. (A NaN
or inf in F reaches the outputs that give it a nonzero weight; in Pillow also those whose
window holds it with an exact zero weight.) An image of no pixels gives a black one, as in
Pillow; a size of 0 is a ValueError also with ``reducing_gap`` (Pillow: ZeroDivisionError).
The 8-bit paths run in fastup's compiled fixed-point passes (RGB bicubic 2560x1600 ->
320x200 in half Pillow 13's time at one thread); I;16 and I in NumPy (several times slower
than Pillow's C); F and NEAREST in fastup's kernels, within a few microseconds of a
``fastup.resize`` call.
"""

from __future__ import annotations

import math
import numbers
import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from fastup import _threads
from fastup._resize import table_plan
from fastup._tables import IndexTable, tap_table
from fastup._validate import as_array, fail_type, fail_value, real, real_or_reals
from fastup.compat._passes import PeerPass, weighted_pass

__all__ = [
    "BICUBIC",
    "BILINEAR",
    "BOX",
    "CHECKED",
    "HAMMING",
    "LANCZOS",
    "MKS2013",
    "MKS2021",
    "NEAREST",
    "resize",
]

CHECKED = {"pillow": "13.0.0"}

# Pillow's filter values (PIL.Image.Resampling)
NEAREST = 0
LANCZOS = 1
BILINEAR = 2
BICUBIC = 3
BOX = 4
HAMMING = 5
MKS2013 = 6
MKS2021 = 7

_FUNC = "compat.pillow.resize"
_NAMES = {
    NEAREST: "NEAREST",
    LANCZOS: "LANCZOS",
    BILINEAR: "BILINEAR",
    BICUBIC: "BICUBIC",
    BOX: "BOX",
    HAMMING: "HAMMING",
    MKS2013: "MKS2013",
    MKS2021: "MKS2021",
}
_FILTERS = ", ".join(f"{name} ({value})" for value, name in _NAMES.items())
# the filters' support (Resample.c) and Image.py's _filters_support
_SUPPORT = {
    BOX: 0.5,
    BILINEAR: 1.0,
    HAMMING: 1.0,
    BICUBIC: 2.0,
    LANCZOS: 3.0,
    MKS2013: 2.5,
    MKS2021: 4.5,
}
PRECISION_BITS = 32 - 8 - 2

# image modes: kind of arithmetic, band count, numpy dtype of the pixels
_U8_MODES = {"L": 1, "LA": 2, "RGB": 3, "RGBA": 4, "RGBX": 4, "RGBa": 4, "CMYK": 4}
_U8_MODES.update({"YCbCr": 3, "HSV": 3})
_I16_MODES = {"I;16": "<u2", "I;16L": "<u2", "I;16B": ">u2", "I;16N": "=u2"}
# the I;16 modes whose bytes Pillow's 16-bit resample reads swapped (little-endian machines)
_I16_SWAPPED = ("I;16B", "I;16N") if sys.byteorder == "little" else ()
_PREMULTIPLIED = ("LA", "RGBA")
_ARRAY_MODES = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}
_SINGLE = {np.dtype(np.uint16): "I;16", np.dtype(np.int32): "I", np.dtype(np.float32): "F"}


def resize(
    image: Any,
    size: Any,
    resample: int | None = BICUBIC,
    box: Any = None,
    reducing_gap: float | None = None,
) -> Any:
    """Resize an image as Pillow's ``Image.resize(size, resample, box, reducing_gap)`` does.

    Parameters
    ----------
    image : ndarray or PIL.Image.Image
        An (H, W) or (H, W, C) array (see the module docstring for the mode each dtype and
        channel count stands for; uint8 with 2 or 4 channels is LA / RGBA, premultiplied by
        alpha around the resample as Pillow does), or a Pillow image. Never modified.
    size : (int, int)
        The output (width, height), both at least 1.
    resample : int
        ``NEAREST``, ``BOX``, ``BILINEAR``, ``HAMMING``, ``BICUBIC`` (default; None too),
        ``LANCZOS``, ``MKS2013``, ``MKS2021``, or the same ``PIL.Image.Resampling`` members.
    box : (float, float, float, float), optional
        The source region ``(left, upper, right, lower)`` in input pixel coordinates, inside
        ``(0, 0, W, H)`` (compared as float32, as Pillow does). Default: the whole image.
    reducing_gap : float, optional
        At least 1.0: shrink by an integer factor with Pillow's ``reduce()`` first, so that
        the resample then shrinks by at least ``reducing_gap`` (not with NEAREST).

    Returns
    -------
    ndarray or PIL.Image.Image
        An array of the input's dtype, (height, width) or (height, width, C); or an image of
        the input's mode.

    Raises
    ------
    ValueError
        An unknown filter, ``reducing_gap`` below 1, a size below 1, a box outside the image
        or of negative size (Pillow's refusals), an I;16 image with a ``reducing_gap`` that
        reduces (Pillow has no ``reduce()`` for I;16), an image mode Pillow cannot resample.
    TypeError
        ``size`` not two integers, ``box`` not four numbers, an array of another dtype/shape.

    Notes
    -----
    Pillow's coefficients for output ``o`` of an axis resampled from ``[x0, x1)`` to ``M``
    pixels, filter ``f`` of support ``r``::

        s = (x1 - x0) / M,  k = max(s, 1),  c = x0 + (o + 0.5) s
        taps i = int(c - r k + 0.5) ... int(c + r k + 0.5) - 1  (clipped to the image)
        w_i = f((i - c + 0.5) / k) / sum_i f((i - c + 0.5) / k)

    The rest of the arithmetic (fixed point, passes, rounding) is in the module docstring.

    Examples
    --------
    >>> import numpy as np
    >>> from fastup.compat import pillow
    >>> x = np.array([[0, 64, 128, 255]] * 2, np.uint8)
    >>> pillow.resize(x, (2, 1), pillow.BILINEAR).tolist()
    [[46, 173]]
    >>> pillow.resize(x, (6, 2), pillow.NEAREST)[0].tolist()
    [0, 64, 64, 128, 128, 255]
    >>> pillow.resize(x, (2, 1), pillow.BOX, box=(1, 0, 4, 2)).tolist()  # columns 1..3
    [[96, 255]]
    >>> rgba = np.zeros((2, 2, 4), np.uint8)
    >>> rgba[0, 0] = (255, 0, 0, 255)  # one red pixel, three transparent black ones
    >>> pillow.resize(rgba, (1, 1), pillow.BOX).tolist()  # premultiplied: stays red
    [[[255, 0, 0, 64]]]
    >>> pillow.resize(np.arange(4, dtype=np.float32).reshape(1, 4), (2, 1), pillow.BOX).tolist()
    [[0.5, 2.5]]

    A Pillow image gives an image of its mode:

    >>> from PIL import Image
    >>> small = pillow.resize(Image.new("RGBA", (64, 48), (10, 20, 30, 128)), (16, 12))
    >>> small.mode, small.size, small.getpixel((0, 0))  # Pillow's premultiplied round trip
    ('RGBA', (16, 12), (9, 19, 29, 128))
    """
    pil = _pil_image(image)
    if pil is not None:
        mode = image.mode
        x = _image_pixels(image, mode)
        flat = False
    else:
        x, mode, flat = _array_mode(image)
    flt = _resample(resample)
    gap = _gap(reducing_gap)
    width, height = _size(size)
    boxed = _box(box)
    H, W = x.shape[:2]
    # Pillow copies when nothing changes (box compared as given: a tuple equal to the image)
    unchanged = (W, H) == (width, height) and (
        box is None or (isinstance(box, tuple) and boxed == (0, 0, W, H))
    )
    plan = _plan(mode, x.shape, (width, height), flt, boxed, gap, unchanged)
    out = _execute(plan, x)
    if pil is None:
        return out[:, :, 0] if flat else out
    return _to_image(pil, image, out, mode)


# --------------------------------------------------------------------------------------------
# arguments
# --------------------------------------------------------------------------------------------


def _pil_image(image: Any) -> Any:
    """PIL.Image when ``image`` is a Pillow image (PIL then is imported already), else None."""
    module = sys.modules.get("PIL.Image")
    if module is not None and isinstance(image, module.Image):
        return module
    return None


def _image_pixels(image: Any, mode: str) -> np.ndarray:
    if mode in _U8_MODES or mode in _I16_MODES or mode in ("I", "F"):
        x = np.asarray(image)
        if x.ndim == 2:
            x = x[:, :, None]
        return np.ascontiguousarray(x, dtype=x.dtype.newbyteorder("="))
    valid = ", ".join([*_U8_MODES, *_I16_MODES, "I", "F"])
    raise ValueError(
        f"fastup.{_FUNC}: 'image' must have one of the modes {valid}; got a {mode} image "
        "(modes 1 and P: Pillow resizes them with NEAREST only; LAB: Pillow's resample of its "
        "a/b bands is not reproduced here: convert the image, or use Image.resize)."
    )


def _array_mode(image: Any) -> tuple[np.ndarray, str, bool]:
    """The array as (H, W, C), native byte order; its mode; whether it was (H, W)."""
    x = image if type(image) is np.ndarray else as_array(_FUNC, "image", image)
    expected = (
        "uint8 (H, W) or (H, W, C) with C in 1..4 (L, LA, RGB, RGBA), or uint16 (I;16), "
        "int32 (I), float32 (F) of shape (H, W) or (H, W, 1)"
    )
    dtype = x.dtype.newbyteorder("=")
    if dtype == np.uint8 and (x.ndim == 2 or (x.ndim == 3 and 1 <= x.shape[2] <= 4)):
        mode = _ARRAY_MODES[1 if x.ndim == 2 else x.shape[2]]
    elif dtype in _SINGLE and (x.ndim == 2 or (x.ndim == 3 and x.shape[2] == 1)):
        mode = _SINGLE[dtype]
    elif dtype in (np.uint8, *_SINGLE):
        raise fail_value(_FUNC, "image", expected, x)
    else:
        raise fail_type(_FUNC, "image", expected, x)
    flat = x.ndim == 2
    if flat:
        x = x[:, :, None]
    return np.ascontiguousarray(x, dtype=dtype), mode, flat


def _resample(resample: Any) -> int:
    if type(resample) is int and resample in _NAMES:
        return resample
    if resample is None:
        return BICUBIC
    expected = f"one of {_FILTERS}"
    if isinstance(resample, numbers.Integral) and not isinstance(resample, (bool, np.bool_)):
        if int(resample) in _NAMES:
            return int(resample)
        raise fail_value(_FUNC, "resample", expected, resample)
    if isinstance(resample, (bool, np.bool_, numbers.Real)):
        raise fail_type(_FUNC, "resample", expected, resample)  # 1.0: Pillow's TypeError
    raise fail_value(_FUNC, "resample", expected, resample)  # 'bicubic': Pillow's ValueError


def _gap(reducing_gap: Any) -> float | None:
    if reducing_gap is None:
        return None
    gap = real(_FUNC, "reducing_gap", reducing_gap, finite=False)
    if not gap >= 1.0:  # NaN too
        raise fail_value(_FUNC, "reducing_gap", "None or a number >= 1.0", reducing_gap)
    return gap


def _size(size: Any) -> tuple[int, int]:
    if type(size) is tuple and len(size) == 2 and type(size[0]) is int and type(size[1]) is int:
        items = size
    else:
        items = _size_items(size)
    width, height = int(items[0]), int(items[1])
    if width < 1 or height < 1:
        raise fail_value(_FUNC, "size", "a (width, height) pair, both > 0", size)
    return width, height


def _size_items(size: Any) -> tuple[Any, ...]:
    expected = "a (width, height) pair of integers"
    if isinstance(size, (str, bytes, numbers.Number)):
        raise fail_type(_FUNC, "size", expected, size)
    try:
        items = tuple(size)
    except TypeError:
        raise fail_type(_FUNC, "size", expected, size) from None
    if len(items) != 2 or not all(
        isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_)) for v in items
    ):
        raise fail_type(_FUNC, "size", expected, size)
    return items


def _box(box: Any) -> tuple[float, float, float, float] | None:
    if box is None:
        return None
    expected = "None or a (left, upper, right, lower) sequence of 4 numbers"
    if isinstance(box, numbers.Number):
        raise fail_type(_FUNC, "box", expected, box)
    values, _ = real_or_reals(_FUNC, "box", box)
    if len(values) != 4:
        raise fail_type(_FUNC, "box", expected, box)
    if not all(math.isfinite(v) for v in values):
        raise fail_value(_FUNC, "box", "finite", box)
    return (values[0], values[1], values[2], values[3])


def _check_box(box: tuple[float, ...], W: int, H: int, given: Any) -> None:
    """Pillow's checks of the box (float32 values, as _imaging.c compares them)."""
    b = [np.float32(v) for v in box]
    if b[0] < 0 or b[1] < 0:
        raise ValueError(f"fastup.{_FUNC}: 'box' offset can't be negative; got {given!r}.")
    if b[2] > W or b[3] > H:
        raise ValueError(
            f"fastup.{_FUNC}: 'box' can't exceed the image size (0, 0, {W}, {H}); got {given!r}."
        )
    if b[2] - b[0] < 0 or b[3] - b[1] < 0:
        raise ValueError(
            f"fastup.{_FUNC}: 'box' can't be empty (right >= left, lower >= upper); got {given!r}."
        )


# --------------------------------------------------------------------------------------------
# the plan: everything derived from the shapes and arguments (cached)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pass:
    axis: int
    start: np.ndarray  # intp (M,)
    coeffs: np.ndarray  # int32 (8-bit) or float64 (I;16, I) (M, T)
    rows: tuple[int, int] | None  # rows of the input the pass reads (horizontal first)
    prepared: Any = None  # 8-bit: the PeerPass, its table laid out once


@dataclass(frozen=True)
class _Plan:
    kind: str  # "u8", "i16", "i32", "f32"
    premultiply: bool
    swap: bool  # I;16 passes on byte-swapped values (_I16_SWAPPED)
    reduce: tuple[int, int, tuple[int, int, int, int]] | None  # fx, fy, (x0, y0, x1, y1)
    crop: tuple[int, int, int, int] | None  # x0, y0, x1, y1
    passes: tuple[_Pass, ...]  # 8-bit, I;16, I
    core: Any  # a fastup table plan (F resample, NEAREST) or None
    invalid: tuple[np.ndarray | None, np.ndarray | None]  # NEAREST outputs set to 0
    out_shape: tuple[int, int, int]


def _kind(mode: str) -> str:
    if mode in _U8_MODES:
        return "u8"
    if mode in _I16_MODES:
        return "i16"
    return "i32" if mode == "I" else "f32"


@lru_cache(maxsize=256)
def _plan(
    mode: str,
    shape: tuple[int, int, int],
    size: tuple[int, int],
    flt: int,
    box: tuple[float, float, float, float] | None,
    gap: float | None,
    unchanged: bool,
) -> _Plan:
    H, W, C = shape
    width, height = size
    kind = _kind(mode)
    given = box
    box = (0, 0, W, H) if box is None else box
    _check_box(box, W, H, given)
    out_shape = (height, width, C)
    if unchanged:
        return _Plan(kind, False, False, None, (0, 0, W, H), (), None, (None, None), out_shape)
    premultiply = mode in _PREMULTIPLIED and flt != NEAREST
    reduce = None
    if gap is not None and flt != NEAREST:
        factor_x = int((box[2] - box[0]) / width / gap) or 1
        factor_y = int((box[3] - box[1]) / height / gap) or 1
        if factor_x > 1 or factor_y > 1:
            if kind == "i16":
                raise ValueError(
                    f"fastup.{_FUNC}: 'reducing_gap' {gap!r} would reduce() this {mode} image "
                    f"by ({factor_x}, {factor_y}), which Pillow cannot do for I;16 ('image "
                    "has wrong mode'); pass reducing_gap=None."
                )
            support = _SUPPORT[flt] - 0.5
            support_x = support * ((box[2] - box[0]) / width)
            support_y = support * ((box[3] - box[1]) / height)
            rbox = (
                max(0, int(box[0] - support_x)),
                max(0, int(box[1] - support_y)),
                min(W, math.ceil(box[2] + support_x)),
                min(H, math.ceil(box[3] + support_y)),
            )
            if rbox[2] <= rbox[0] or rbox[3] <= rbox[1]:
                raise ValueError(
                    f"fastup.{_FUNC}: 'box' {given!r} is empty, which Pillow's reduce() "
                    "refuses ('box can't be empty'); pass reducing_gap=None."
                )
            reduce = (factor_x, factor_y, rbox)
            W = (rbox[2] - rbox[0] - 1) // factor_x + 1
            H = (rbox[3] - rbox[1] - 1) // factor_y + 1
            box = (
                (box[0] - rbox[0]) / factor_x,
                (box[1] - rbox[1]) / factor_y,
                (box[2] - rbox[0]) / factor_x,
                (box[3] - rbox[1]) / factor_y,
            )
            _check_box(box, W, H, given)
    if H == 0 or W == 0:
        return _Plan(kind, False, False, None, None, (), None, (None, None), out_shape)
    b = tuple(np.float32(v) for v in box)
    swap = mode in _I16_SWAPPED and flt != NEAREST
    plan = _Plan(kind, premultiply, swap, reduce, None, (), None, (None, None), out_shape)
    # _imaging.c: integer offsets and a box of the output's size: a crop
    if (
        b[0] - np.float32(int(b[0])) == 0
        and b[2] - b[0] == np.float32(width)
        and b[1] - np.float32(int(b[1])) == 0
        and b[3] - b[1] == np.float32(height)
    ):
        crop = (int(b[0]), int(b[1]), int(b[2]), int(b[3]))
        return _replace(plan, crop=crop)
    if flt == NEAREST:
        return _nearest_plan(plan, kind, (H, W, C), size, b, mode)
    return _resample_plan(plan, kind, (H, W, C), size, b, flt)


def _replace(plan: _Plan, **changes: Any) -> _Plan:
    fields = dict(plan.__dict__)
    fields.update(changes)
    return _Plan(**fields)


def _nearest_plan(
    plan: _Plan,
    kind: str,
    shape: tuple[int, int, int],
    size: tuple[int, int],
    b: tuple[np.float32, ...],
    mode: str,
) -> _Plan:
    """Geometry.c: ImagingScaleAffine (a running double sum) or, for I;16, the generic
    affine transform (one product per output); sources outside the image give 0."""
    H, W, C = shape
    tables = {}
    invalid: list[np.ndarray | None] = []
    for axis, (n, x0, x1, length) in enumerate(
        [(size[1], b[1], b[3], H), (size[0], b[0], b[2], W)]
    ):
        step = float(x1 - x0) / n
        if kind == "i16":
            source = step * (np.arange(n) + 0.5) + float(x0)
        else:
            source = np.full(n, step)
            source[0] = float(x0) + step * 0.5
            source = np.cumsum(source)
        index = np.where(source < 0.0, -1, np.trunc(source)).astype(np.intp)
        bad = (index < 0) | (index >= length)
        invalid.append(bad if bad.any() else None)
        tables[axis] = IndexTable(_frozen(np.clip(index, 0, length - 1)), None, length)
    core = table_plan(shape, _DTYPES[kind], tables)
    return _replace(plan, core=core, invalid=tuple(invalid))


_DTYPES = {
    "u8": np.dtype(np.uint8),
    "i16": np.dtype(np.uint16),
    "i32": np.dtype(np.int32),
    "f32": np.dtype(np.float32),
}


def _resample_plan(
    plan: _Plan,
    kind: str,
    shape: tuple[int, int, int],
    size: tuple[int, int],
    b: tuple[np.float32, ...],
    flt: int,
) -> _Plan:
    """Resample.c: ImagingResampleInner's passes."""
    H, W, C = shape
    width, height = size
    need_h = width != W or b[0] != 0 or b[2] != width
    need_v = height != H or b[1] != 0 or b[3] != height
    h_start, h_count, h_k = _coefficients(W, float(b[0]), float(b[2]), width, flt)
    v_start, v_count, v_k = _coefficients(H, float(b[1]), float(b[3]), height, flt)
    if kind == "f32":
        tables = {}
        if need_v:
            tables[0] = _weight_table(v_start, v_k, H)
        if need_h:
            tables[1] = _weight_table(h_start, h_k, W)
        core = table_plan(shape, np.dtype(np.float32), tables) if tables else None
        return _replace(plan, core=core)
    if kind == "u8":
        h_k, v_k = _fixed(h_k), _fixed(v_k)
    horizontal_first = not (H - height > 0 and H - height > (W - width) * 2)

    def add(axis: int, start: np.ndarray, k: np.ndarray, rows: Any, L: int) -> None:
        prepared = None
        if kind == "u8":
            prepared = PeerPass(L, np.uint8, start, k, PRECISION_BITS, 0, 255, np.uint8)
        passes.append(_Pass(axis, start, k, rows, prepared))

    passes: list[_Pass] = []
    if horizontal_first:
        first = int(v_start[0])
        last = int(v_start[-1] + v_count[-1])
        rows_in = H
        if need_h:
            rows = (first, last) if need_v else None
            add(1, h_start, h_k, rows, W)
            if need_v:
                v_start = _frozen(v_start - first)
                rows_in = last - first
        if need_v:
            add(0, v_start, v_k, None, rows_in)
    else:
        if need_v:
            add(0, v_start, v_k, None, H)
        if need_h:
            add(1, h_start, h_k, None, W)
    return _replace(plan, passes=tuple(passes))


def _weight_table(start: np.ndarray, k: np.ndarray, length: int) -> Any:
    taps = start[:, None] + np.arange(k.shape[1])
    return tap_table(taps, k, length, exclude_outside=False, normalise=False)


def _fixed(k: np.ndarray) -> np.ndarray:
    """normalize_coeffs_8bpc: round half away from zero to PRECISION_BITS fraction bits."""
    scaled = k * float(1 << PRECISION_BITS)
    return _frozen(np.trunc(scaled + np.where(k < 0, -0.5, 0.5)).astype(np.int32))


def _frozen(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


@lru_cache(maxsize=512)
def _coefficients(
    in_size: int, in0: float, in1: float, out_size: int, flt: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """precompute_coeffs: first tap, tap count and the normalised double weights (zero past
    the count) of each output, in Pillow's operation order."""
    scale = float(np.float32(in1) - np.float32(in0)) / out_size
    filterscale = max(scale, 1.0)
    support = _SUPPORT[flt] * filterscale
    ksize = int(math.ceil(support)) * 2 + 1
    inv = 1.0 / filterscale
    center = in0 + (np.arange(out_size) + 0.5) * scale
    xmin = np.maximum(np.trunc(center - support + 0.5), 0.0).astype(np.intp)
    xmax = np.minimum(np.trunc(center + support + 0.5), in_size).astype(np.intp) - xmin
    taps = np.arange(ksize)
    t = ((taps + xmin[:, None]) - center[:, None] + 0.5) * inv
    with np.errstate(divide="ignore", invalid="ignore"):
        w = _KERNELS[flt](t)
    w[taps >= xmax[:, None]] = 0.0
    ww = np.zeros(out_size)
    for j in range(ksize):  # Pillow's running sum
        ww += w[:, j]
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.where((ww != 0.0)[:, None], w / ww[:, None], w)
    return _frozen(xmin), _frozen(np.maximum(xmax, 0)), _frozen(k)


def _box_filter(x: np.ndarray) -> np.ndarray:
    return np.where((x > -0.5) & (x <= 0.5), 1.0, 0.0)


def _bilinear(x: np.ndarray) -> np.ndarray:
    x = np.abs(x)
    return np.where(x < 1.0, 1.0 - x, 0.0)


_F054 = float(np.float32(0.54))
_F046 = float(np.float32(0.46))


def _hamming(x: np.ndarray) -> np.ndarray:
    x = np.abs(x)
    p = x * math.pi
    w = np.sin(p) / p * (_F054 + _F046 * np.cos(p))
    return np.where(x == 0.0, 1.0, np.where(x >= 1.0, 0.0, w))


def _bicubic(x: np.ndarray) -> np.ndarray:
    a = -0.5
    x = np.abs(x)
    inner = ((a + 2.0) * x - (a + 3.0)) * x * x + 1
    outer = (((x - 5) * x + 8) * x - 4) * a
    return np.where(x < 1.0, inner, np.where(x < 2.0, outer, 0.0))


def _sinc(x: np.ndarray) -> np.ndarray:
    p = x * math.pi
    return np.where(x == 0.0, 1.0, np.sin(p) / p)


def _lanczos(x: np.ndarray) -> np.ndarray:
    return np.where((-3.0 <= x) & (x < 3.0), _sinc(x) * _sinc(x / 3), 0.0)


def _mks2013(x: np.ndarray) -> np.ndarray:
    x = np.abs(x)
    return np.select(
        [x < 0.5, x < 1.5, x < 2.5],
        [
            17.0 / 16.0 - 7.0 / 4.0 * (x * x),
            (1.0 - x) * (7.0 / 4.0 - x),
            -1.0 / 8.0 * ((x - 5.0 / 2.0) * (x - 5.0 / 2.0)),
        ],
        0.0,
    )


def _mks2021(x: np.ndarray) -> np.ndarray:
    x = np.abs(x)
    return np.select(
        [x < 0.5, x < 1.5, x < 2.5, x < 3.5, x < 4.5],
        [
            577.0 / 576.0 - 239.0 / 144.0 * (x * x),
            35.0 / 36.0 * (x - 1.0) * (x - 239.0 / 140.0),
            1.0 / 6.0 * (x - 2.0) * (65.0 / 24.0 - x),
            1.0 / 36.0 * (x - 3.0) * (x - 15.0 / 4.0),
            -1.0 / 288.0 * ((x - 9.0 / 2.0) * (x - 9.0 / 2.0)),
        ],
        0.0,
    )


_KERNELS = {
    BOX: _box_filter,
    BILINEAR: _bilinear,
    HAMMING: _hamming,
    BICUBIC: _bicubic,
    LANCZOS: _lanczos,
    MKS2013: _mks2013,
    MKS2021: _mks2021,
}


# --------------------------------------------------------------------------------------------
# running a plan
# --------------------------------------------------------------------------------------------


def _execute(plan: _Plan, x: np.ndarray) -> np.ndarray:
    if plan.premultiply:
        x = _premultiply(x)
    if plan.reduce is not None:
        fx, fy, rbox = plan.reduce
        x = _reduce(x, fx, fy, rbox, plan.kind)
    if plan.crop is not None:
        x0, y0, x1, y1 = plan.crop
        out = x[y0:y1, x0:x1].copy()
    elif plan.core is not None:
        # x is C-contiguous, aligned, native: the plan runs on it directly (as fastup.resize
        # does for a repeated call)
        core = plan.core
        out = np.empty(core.out_shape, core.dtype)
        core.run(x, out, 1 if core.serial else _threads.resolve(_FUNC, None))
        rows, cols = plan.invalid
        if rows is not None:
            out[rows] = 0
        if cols is not None:
            out[:, cols] = 0
    elif plan.passes:
        out = x.byteswap() if plan.swap else x
        for p in plan.passes:
            source = out if p.rows is None else out[p.rows[0] : p.rows[1]]
            out = _apply(source, p, plan.kind)
        if plan.swap:
            out = out.byteswap()
    else:  # an image of no pixels: Pillow's result is black
        out = np.zeros(plan.out_shape, x.dtype)
    if plan.premultiply:
        out = _unpremultiply(out)
    return out


def _apply(x: np.ndarray, p: _Pass, kind: str) -> np.ndarray:
    if kind == "u8":
        return p.prepared(x, p.axis)
    acc = weighted_pass(x, p.axis, p.start, p.coeffs)
    rounded = _round_up(acc)
    if kind == "i16":
        return np.clip(rounded, 0, 65535).astype(np.uint16)
    return rounded.astype(np.int32)


def _round_up(acc: np.ndarray) -> np.ndarray:
    """ROUND_UP: ``(int)(f >= 0 ? f + 0.5F : f - 0.5F)``; values beyond int32 become INT_MIN
    (x86's conversion of an out-of-range double)."""
    r = np.trunc(np.where(acc >= 0.0, acc + 0.5, acc - 0.5))
    bad = ~((r >= -(2.0**31)) & (r < 2.0**31))
    return np.where(bad, -(2**31), r).astype(np.int64)


def _premultiply(x: np.ndarray) -> np.ndarray:
    """Convert.c rgbA2rgba / lA2la: MULDIV255(c, a)."""
    out = x.copy()
    alpha = x[..., -1:].astype(np.uint32)
    t = x[..., :-1].astype(np.uint32) * alpha + 128
    out[..., :-1] = ((t >> 8) + t) >> 8
    return out


def _unpremultiply(x: np.ndarray) -> np.ndarray:
    """Convert.c rgba2rgbA / la2lA: c unchanged for alpha 0 or 255, else
    min(255, 255 c // alpha)."""
    alpha = x[..., -1:].astype(np.uint32)
    colour = x[..., :-1].astype(np.uint32)
    divided = np.minimum(255 * colour // np.maximum(alpha, 1), 255)
    keep = (alpha == 0) | (alpha == 255)
    out = x.copy()
    out[..., :-1] = np.where(keep, colour, divided)
    return out


def _reduce(x: np.ndarray, fx: int, fy: int, rbox: tuple[int, int, int, int], kind: str):
    """Reduce.c: ImagingReduce of the box ``rbox`` by (fx, fy); blocks at the right and bottom
    edges hold fewer pixels."""
    x0, y0, x1, y1 = rbox
    region = x[y0:y1, x0:x1]
    h, w, C = region.shape
    hb, wb = h // fy, w // fx  # full blocks
    oh, ow = (h - 1) // fy + 1, (w - 1) // fx + 1
    if kind == "u8":
        pad = np.zeros((oh * fy, ow * fx, C), np.uint64)
        pad[:h, :w] = region
        sums = pad.reshape(oh, fy, ow, fx, C).sum(axis=(1, 3))
        ny = np.full(oh, fy, np.uint64)
        ny[-1] = h - (oh - 1) * fy
        nx = np.full(ow, fx, np.uint64)
        nx[-1] = w - (ow - 1) * fx
        n = ny[:, None] * nx[None, :]
        dividend = np.float32(2.0**32) / (np.float32(256) * n.astype(np.float32))
        multiplier = dividend.astype(np.uint64)
        out = (((sums + (n // 2)[..., None]) * multiplier[..., None]) & 0xFFFFFFFF) >> 24
        return out.astype(np.uint8)
    out = np.empty((oh, ow, C), np.float64)
    if hb and wb:
        out[:hb, :wb] = _reduce_blocks(region[: hb * fy, : wb * fx], fx, fy, kind)
    if w % fx and hb:
        out[:hb, wb:] = _reduce_corner(region[: hb * fy, wb * fx :], fy, w % fx, hb, 1)
    if h % fy and wb:
        out[hb:, :wb] = _reduce_corner(region[hb * fy :, : wb * fx], h % fy, fx, 1, wb)
    if w % fx and h % fy:
        out[hb:, wb:] = _reduce_corner(region[hb * fy :, wb * fx :], h % fy, w % fx, 1, 1)
    if kind == "f32":
        return out.astype(np.float32)
    return _round_up(out).astype(np.int32)


def _reduce_blocks(region: np.ndarray, fx: int, fy: int, kind: str) -> np.ndarray:
    """ImagingReduceNxN_32bpc: a double sum of 4-, 2- and 1-term partial sums (int32 for I,
    float32 for F), in Pillow's order, times 1.0 / (fx fy)."""
    hb, wb = region.shape[0] // fy, region.shape[1] // fx
    blocks = region.reshape(hb, fy, wb, fx, -1)
    ss = np.zeros((hb, wb, region.shape[2]))

    def group(cells: list[tuple[int, int]]) -> np.ndarray:
        if kind == "f32":
            total = blocks[:, cells[0][0], :, cells[0][1]]
            for dy, dx in cells[1:]:
                total = total + blocks[:, dy, :, dx]
            return total.astype(np.float64)
        total = blocks[:, cells[0][0], :, cells[0][1]].astype(np.int64)
        for dy, dx in cells[1:]:
            total = total + blocks[:, dy, :, dx]
        return ((total + 2**31) % 2**32 - 2**31).astype(np.float64)  # int32 wrap-around

    for yy in range(0, fy - 1, 2):
        for xx in range(0, fx - 1, 2):
            ss += group([(yy, xx), (yy, xx + 1), (yy + 1, xx), (yy + 1, xx + 1)])
        if fx & 1:
            ss += group([(yy, fx - 1), (yy + 1, fx - 1)])
    if fy & 1:
        yy = fy - 1
        for xx in range(0, fx - 1, 2):
            ss += group([(yy, xx), (yy, xx + 1)])
        if fx & 1:
            ss += group([(yy, fx - 1)])
    return ss * (1.0 / (fy * fx))


def _reduce_corner(region: np.ndarray, ry: int, rx: int, nby: int, nbx: int) -> np.ndarray:
    """ImagingReduceCorners_32bpc: a plain double sum, row by row, times 1.0 / (rx ry)."""
    blocks = region.reshape(nby, ry, nbx, rx, -1)
    ss = np.zeros((nby, nbx, region.shape[2]))
    for dy in range(ry):
        for dx in range(rx):
            ss += blocks[:, dy, :, dx]
    return ss * (1.0 / (rx * ry))


def _to_image(Image: Any, image: Any, out: np.ndarray, mode: str) -> Any:
    if mode in _I16_MODES:
        data = out.astype(_I16_MODES[mode]).tobytes()
    else:
        data = out.tobytes()
    result = Image.frombytes(mode, (out.shape[1], out.shape[0]), data)
    result.info = image.info.copy()
    return result
