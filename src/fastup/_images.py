"""Image files for the command line: reading them with their metadata, resizing with
premultiplied alpha, writing them back (Pillow, ``pip install "fastup[image]"``).

* Reading: the EXIF orientation is applied first, so the array, and every size on the command
  line, is the picture as it is shown (the EXIF is kept, its orientation tag reset to 1); the
  ICC profile and the resolution (DPI) are kept as they are. Palette images become RGB or RGBA,
  1-bit images L.
* Resizing: images with alpha (LA, RGBA) are resized premultiplied, as Pillow does: each colour
  weighted by its alpha before the resize and divided by the resized alpha after it, so that
  the colour of a transparent pixel does not bleed into its neighbours. Computed in float32,
  rounded once at the end.
* Writing: in the bit depth read, with the metadata each format can hold (EXIF: PNG, JPEG,
  WebP, TIFF; ICC profile: PNG, JPEG, WebP, TIFF; DPI: PNG, JPEG, TIFF, BMP), JPEG and WebP at
  ``quality``. The EXIF written keeps the descriptive tags (camera, date, author, GPS, the Exif
  sub-directory) and drops those that describe the old pixels' layout (a TIFF's size, strips,
  sample format; a JPEG's thumbnail), which the writer sets for the new ones; the pixel
  dimensions in the Exif sub-directory become the new size.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._resize import resize

# file suffix -> Pillow format name
IMAGE_FORMATS = {
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".webp": "WEBP",
    ".bmp": "BMP",
}

# the Pillow image modes read as they are: uint8 (H, W) or (H, W, C), uint16, int32, float32 (H, W)
READ_MODES = ("L", "LA", "RGB", "RGBA", "I;16", "I;16L", "I;16B", "I", "F")
# the mode that stores an (H, W) array of each dtype
_ONE_CHANNEL_MODES = {
    np.dtype(np.uint8): "L",
    np.dtype(np.uint16): "I;16",
    np.dtype(np.int32): "I",
    np.dtype(np.float32): "F",
}
# the modes each format stores (WebP stores L and LA as RGB and RGBA)
FORMAT_MODES = {
    "PNG": ("L", "LA", "RGB", "RGBA", "I;16"),
    "JPEG": ("L", "RGB"),
    "TIFF": ("L", "LA", "RGB", "RGBA", "I;16", "I", "F"),
    "WEBP": ("L", "LA", "RGB", "RGBA"),
    "BMP": ("L", "RGB", "RGBA"),
}
# the metadata each format's writer takes
_METADATA = {
    "PNG": ("exif", "icc_profile", "dpi"),
    "JPEG": ("exif", "icc_profile", "dpi"),
    "TIFF": ("exif", "icc_profile", "dpi"),
    "WEBP": ("exif", "icc_profile"),
    "BMP": ("dpi",),
}
DEFAULT_QUALITY = 95
# IFD0 tags of the old pixels' layout, not carried into the output's EXIF: TIFF's structure
# (NewSubfileType .. SampleFormat, tiles, JPEG tables, YCbCr), the resolution (written from the
# DPI), the ICC profile (written as itself), and a JPEG thumbnail's offset and length.
_LAYOUT_TAGS = frozenset(
    (254, 255, 256, 257, 258, 259, 262, 263, 266, 273, 277, 278, 279, 280, 281, 282, 283, 284)
    + (296, 317, 320, 322, 323, 324, 325, 330, 338, 339, 340, 341, 347, 513, 514, 529, 530)
    + (531, 532, 34675)
)
_EXIF_IFD = 0x8769
_PIXEL_X, _PIXEL_Y = 0xA002, 0xA003  # PixelXDimension, PixelYDimension


class ImageError(Exception):
    """A file that cannot be read or written as asked; ``status`` 2 for bad input, 1 for a
    failed write."""

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Metadata:
    """What an image file carries beside its pixels, kept from input to output."""

    exif: bytes | None = None  # with the orientation tag reset (the pixels are upright)
    icc_profile: bytes | None = None
    dpi: tuple[float, float] | None = None


def pillow() -> Any:
    """``PIL.Image``, or the error that tells how to install it."""
    try:
        from PIL import Image
    except ImportError:
        raise ImageError(
            "reading and writing PNG/JPEG/TIFF/WebP/BMP images needs Pillow: pip install "
            "'fastup[image]' (or use .npy files)."
        ) from None
    return Image


def image_format(path: str) -> str | None:
    """The Pillow format of ``path`` from its suffix (None: not an image suffix)."""
    return IMAGE_FORMATS.get(os.path.splitext(path)[1].lower())


def read_image(path: str) -> tuple[np.ndarray, str, Metadata]:
    """The pixels of the image ``path`` as (H, W) or (H, W, C), upright (EXIF orientation
    applied), its Pillow mode and its metadata."""
    Image = pillow()
    from PIL import ImageOps

    try:
        with Image.open(path) as image:
            image.load()
            icc, dpi = image.info.get("icc_profile"), image.info.get("dpi")
            oriented = ImageOps.exif_transpose(image)  # a copy, turned upright
            # the EXIF as read (a TIFF's tags are not on the copy), less the orientation
            exif = image.getexif()
            exif.pop(0x0112, None)
            exif_bytes = exif.tobytes() if len(exif) else None
            if image.mode in ("P", "PA"):
                transparent = image.mode == "PA" or "transparency" in image.info
                oriented = oriented.convert("RGBA" if transparent else "RGB")
            elif image.mode == "1":
                oriented = oriented.convert("L")
            mode, source_format = oriented.mode, image.format
            array = np.asarray(oriented)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ImageError(f"cannot read IN {path!r} as an image: {exc}") from None
    if mode == "I" and source_format == "PNG":  # Pillow < 10.3 opens 16-bit grey PNGs as "I"
        array, mode = array.astype(np.uint16), "I;16"
    if mode not in READ_MODES:
        raise ImageError(
            f"IN {path!r} is an image of mode {mode}; fastup reads the modes "
            f"{', '.join(READ_MODES)} (and palette and 1-bit images)."
        )
    metadata = Metadata(
        exif=exif_bytes,
        icc_profile=icc or None,
        dpi=tuple(float(d) for d in dpi) if dpi else None,  # type: ignore[arg-type]
    )
    return array, mode, metadata


def resize_image(
    array: np.ndarray, pillow_mode: str, straight_alpha: bool = False, **keywords: Any
) -> np.ndarray:
    """``fastup.resize`` of an image along its height and width; LA and RGBA (uint8, alpha
    last) premultiplied by their alpha around the resize (unless ``straight_alpha``, or for
    nearest and majority, which pick values whole)."""
    keywords = dict(keywords, axes=(0, 1))
    alpha = pillow_mode in ("LA", "RGBA") and array.ndim == 3 and array.dtype == np.uint8
    if not alpha or straight_alpha or keywords.get("mode") in ("nearest", "majority"):
        return resize(array, **keywords)
    opacity = array[:, :, -1:].astype(np.float32)
    premultiplied = np.concatenate(
        [array[:, :, :-1].astype(np.float32) * (opacity / 255), opacity], axis=2
    )
    resized = resize(premultiplied, **keywords)
    out_alpha = np.clip(np.rint(resized[:, :, -1:]), 0, 255)
    with np.errstate(divide="ignore", invalid="ignore"):
        colour = np.where(out_alpha > 0, resized[:, :, :-1] * 255 / resized[:, :, -1:], 0)
    result = np.empty(resized.shape, np.uint8)
    result[:, :, :-1] = np.clip(np.rint(colour), 0, 255)
    result[:, :, -1:] = out_alpha
    return result


def image_mode(shape: tuple[int, ...], dtype: np.dtype) -> str | None:
    """The Pillow mode that stores an array of ``shape`` and ``dtype`` exactly, or None."""
    dtype = np.dtype(dtype).newbyteorder("=")
    if len(shape) == 2:
        return _ONE_CHANNEL_MODES.get(dtype)
    if len(shape) == 3 and dtype == np.uint8:
        return {2: "LA", 3: "RGB", 4: "RGBA"}.get(shape[2])
    return None


def check_writable(path: str, shape: tuple[int, ...], dtype: np.dtype) -> None:
    """Nothing if the image file ``path`` can store an array of ``shape`` and ``dtype``;
    else the error that says which files can."""
    kind = image_format(path)
    mode = image_mode(shape, dtype)
    if mode is None or min(shape[:2]) < 1:
        raise ImageError(
            f"cannot store an array of shape {shape} and dtype {dtype} as an image; "
            f"images are uint8 (H, W), (H, W, 2), (H, W, 3), (H, W, 4), or uint16, int32, "
            f"float32 (H, W), with H, W >= 1 (use a .npy OUT)."
        )
    if kind is None or mode not in FORMAT_MODES[kind]:
        suitable = [s for s, f in IMAGE_FORMATS.items() if mode in FORMAT_MODES[f]]
        raise ImageError(
            f"OUT {path!r}: {kind} cannot store images of mode {mode} ({dtype}, shape "
            f"{shape}); use one of {', '.join(suitable + ['.npy'])}."
        )


def _exif_for(exif_bytes: bytes, width: int, height: int) -> bytes | None:
    """The EXIF of a resized image: the descriptive tags of ``exif_bytes``, none of the old
    layout's, the Exif sub-directory's pixel dimensions set to ``width`` x ``height``."""
    Image = pillow()
    exif = Image.Exif()
    exif.load(exif_bytes)
    for tag in [t for t in exif if t in _LAYOUT_TAGS]:
        del exif[tag]
    sub = exif.get_ifd(_EXIF_IFD)  # loaded into exif, written back by tobytes
    for tag, length in ((_PIXEL_X, width), (_PIXEL_Y, height)):
        if tag in sub:
            sub[tag] = length
    return exif.tobytes() if len(exif) else None


def write_image(
    path: str,
    array: np.ndarray,
    metadata: Metadata | None = None,
    quality: int = DEFAULT_QUALITY,
) -> None:
    """Write ``array`` to the image file ``path`` in the same bit depth, with the ``metadata``
    the format holds."""
    Image = pillow()
    check_writable(path, array.shape, array.dtype)
    kind = IMAGE_FORMATS[os.path.splitext(path)[1].lower()]
    image = Image.fromarray(np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("=")))
    options: dict[str, Any] = {}
    if kind in ("JPEG", "WEBP"):
        options["quality"] = quality
    for name in _METADATA[kind]:
        value = getattr(metadata, name, None) if metadata is not None else None
        if name == "exif" and value is not None:
            value = _exif_for(value, array.shape[1], array.shape[0])
        if value is not None:
            options[name] = value
    try:
        image.save(path, format=kind, **options)
    except OSError as exc:
        raise ImageError(f"cannot write OUT {path!r}: {exc}", status=1) from None
