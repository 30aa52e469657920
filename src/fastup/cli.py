"""The ``fastup`` command line (also ``python -m fastup``).

Subcommands:

* ``fastup resize IN OUT (--size ... | --scale ...) [options]``: resize a ``.npy`` array, or a
  PNG/JPEG/TIFF image when Pillow is installed (``pip install fastup[image]``).
* ``fastup demo [-o PATH]``: draw the comparison picture and time fastup against the oracle;
  needs nothing beyond NumPy.

Exit status: 0 on success; 2 for a usage error or bad input (an option argparse or
``fastup.resize`` rejects, an input file that cannot be read or is of an unsupported kind, an
output format that cannot hold the result, Pillow missing for an image); 1 when the output file
cannot be written or there is not enough memory. Errors are one message on stderr, with no
traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import numpy as np

from . import __version__
from ._resize import resize
from ._tables import COORDINATE_MODES, MODE_ALIASES, MODES, NEAREST_MODES

# file suffix -> Pillow format name
IMAGE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".tif": "TIFF", ".tiff": "TIFF"}
SUFFIXES = (".npy",) + tuple(IMAGE_FORMATS)

# the Pillow image modes read as they are: uint8 (H, W) or (H, W, C), uint16, int32, float32 (H, W)
_READ_MODES = ("L", "LA", "RGB", "RGBA", "I;16", "I;16L", "I;16B", "I", "F")
# the mode that stores an (H, W) array of each dtype
_ONE_CHANNEL_MODES = {
    np.dtype(np.uint8): "L",
    np.dtype(np.uint16): "I;16",
    np.dtype(np.int32): "I",
    np.dtype(np.float32): "F",
}
# the modes each format stores
_FORMAT_MODES = {
    "PNG": ("L", "LA", "RGB", "RGBA", "I;16"),
    "JPEG": ("L", "RGB"),
    "TIFF": ("L", "LA", "RGB", "RGBA", "I;16", "I", "F"),
}
_JPEG_QUALITY = 95
# tf_crop_and_resize is left out: it needs a roi, which the command line does not take
_COORDINATE_MODES = tuple(c for c in COORDINATE_MODES if c != "tf_crop_and_resize")


class CommandError(Exception):
    """A failure reported as one line on stderr, with the exit status ``status``."""

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


class _Exit(Exception):
    """Raised instead of ``sys.exit`` by the parsers, so that ``main`` returns the status."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class _Parser(argparse.ArgumentParser):
    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            self._print_message(message, sys.stderr)
        raise _Exit(status)


# --------------------------------------------------------------------------------------------
# argument types
# --------------------------------------------------------------------------------------------


def _lengths(text: str) -> int | tuple[int, ...]:
    """``--size``: ``N`` (one int) or ``HxW`` (a tuple; any number of 'x'-separated parts)."""
    parts = text.lower().split("x")
    try:
        values = [int(p) for p in parts]
    except ValueError:
        values = []
    if not values or any(v < 0 for v in values):
        raise argparse.ArgumentTypeError(
            f"expected N or HxW with non-negative integers (e.g. 256 or 480x640); got {text!r}"
        )
    return values[0] if len(values) == 1 else tuple(values)


def _scales(text: str) -> float | tuple[float, ...]:
    """``--scale``: ``S`` (one float) or ``SxS`` (a tuple; any number of 'x'-separated parts)."""
    parts = text.lower().split("x")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if not values or not all(0 < v < float("inf") for v in values):
        raise argparse.ArgumentTypeError(
            f"expected S or SxS with finite numbers > 0 (e.g. 2, 0.5 or 1.5x2); got {text!r}"
        )
    return values[0] if len(values) == 1 else tuple(values)


def _axes(text: str) -> tuple[int, ...]:
    """``--axes``: comma-separated integers."""
    try:
        return tuple(int(p) for p in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers (e.g. 0,1; negative ones as --axes=-2,-1); "
            f"got {text!r}"
        ) from None


# --------------------------------------------------------------------------------------------
# files
# --------------------------------------------------------------------------------------------


def _kind(path: str, name: str) -> str:
    """'npy' or the Pillow format of ``path``, from its suffix."""
    suffix = os.path.splitext(path)[1].lower()
    if suffix == ".npy":
        return "npy"
    if suffix in IMAGE_FORMATS:
        return IMAGE_FORMATS[suffix]
    raise CommandError(
        f"{name} {path!r} must end in one of {', '.join(SUFFIXES)}; got {suffix or 'no suffix'}."
    )


def _pillow() -> Any:
    """``PIL.Image``, or the error that tells how to install it."""
    try:
        from PIL import Image
    except ImportError:
        raise CommandError(
            "reading and writing PNG/JPEG/TIFF images needs Pillow: pip install 'fastup[image]' "
            "(or use .npy files)."
        ) from None
    return Image


def read_array(path: str) -> np.ndarray:
    """The array in ``path``: a .npy file, or an image as (H, W) or (H, W, C).

    Images of mode L, LA, RGB, RGBA (uint8), I;16 (uint16), I (int32) and F (float32) are
    read as they are; palette images become RGB or RGBA (with transparency), and 1-bit images
    L, since resizing palette indices or bits means nothing.
    """
    kind = _kind(path, "IN")
    if kind == "npy":
        try:
            return np.load(path, allow_pickle=False)
        except (OSError, ValueError, EOFError) as exc:
            raise CommandError(f"cannot read IN {path!r} as a .npy array: {exc}") from None
    Image = _pillow()
    try:
        with Image.open(path) as image:
            image.load()
            if image.mode in ("P", "PA"):
                transparent = image.mode == "PA" or "transparency" in image.info
                image = image.convert("RGBA" if transparent else "RGB")
            elif image.mode == "1":
                image = image.convert("L")
            mode, source_format = image.mode, image.format
            array = np.asarray(image)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise CommandError(f"cannot read IN {path!r} as an image: {exc}") from None
    if mode == "I" and source_format == "PNG":  # Pillow < 10.3 opens 16-bit grey PNGs as "I"
        return array.astype(np.uint16)
    if mode not in _READ_MODES:
        raise CommandError(
            f"IN {path!r} is an image of mode {mode}; fastup reads the modes "
            f"{', '.join(_READ_MODES)} (and palette and 1-bit images)."
        )
    return array


def _image_mode(array: np.ndarray) -> str | None:
    """The Pillow mode that stores ``array`` exactly, or None."""
    dtype = array.dtype.newbyteorder("=")
    if array.ndim == 2:
        return _ONE_CHANNEL_MODES.get(dtype)
    if array.ndim == 3 and dtype == np.uint8:
        return {2: "LA", 3: "RGB", 4: "RGBA"}.get(array.shape[2])
    return None


def write_array(path: str, array: np.ndarray) -> None:
    """Write ``array`` to ``path``: a .npy file, or an image in the same bit depth."""
    kind = _kind(path, "OUT")
    if kind == "npy":
        _write(lambda: np.save(path, array), path)
        return
    Image = _pillow()
    mode = _image_mode(array)
    if mode is None or min(array.shape[:2]) < 1:
        raise CommandError(
            f"cannot store an array of shape {array.shape} and dtype {array.dtype} as an image; "
            f"images are uint8 (H, W), (H, W, 2), (H, W, 3), (H, W, 4), or uint16, int32, "
            f"float32 (H, W), with H, W >= 1 (use a .npy OUT)."
        )
    if mode not in _FORMAT_MODES[kind]:
        suitable = [s for s, f in IMAGE_FORMATS.items() if mode in _FORMAT_MODES[f]]
        raise CommandError(
            f"OUT {path!r}: {kind} cannot store images of mode {mode} ({array.dtype}, shape "
            f"{array.shape}); use one of {', '.join(suitable + ['.npy'])}."
        )
    image = Image.fromarray(np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("=")))
    options = {"quality": _JPEG_QUALITY} if kind == "JPEG" else {}
    _write(lambda: image.save(path, format=kind, **options), path)


def _write(save: Callable[[], None], path: str) -> None:
    try:
        save()
    except OSError as exc:
        raise CommandError(f"cannot write OUT {path!r}: {exc}", status=1) from None


# --------------------------------------------------------------------------------------------
# subcommands
# --------------------------------------------------------------------------------------------


def _resize_command(args: argparse.Namespace) -> None:
    kinds = (_kind(args.input, "IN"), _kind(args.output, "OUT"))
    if kinds != ("npy", "npy"):
        _pillow()  # missing Pillow fails before any work
    if kinds[0] != "npy" and args.axes is not None:
        raise CommandError(
            f"--axes applies to .npy input; images are resized along their height and width "
            f"(axes 0, 1); got --axes {','.join(map(str, args.axes))}."
        )
    x = read_array(args.input)
    axes: tuple[int, ...]
    if kinds[0] != "npy":
        axes = (0, 1)
    elif args.axes is None and x.ndim <= 2:
        axes = tuple(range(x.ndim))
    else:
        axes = args.axes
    keywords = {
        "size": args.size,
        "scale": args.scale,
        "axes": axes,
        "mode": args.mode,
        "coordinate_mode": args.coordinate_mode,
        "nearest_mode": args.nearest_mode,
        "cubic_a": args.cubic_a,
        "exclude_outside": args.exclude_outside,
        "antialias": args.antialias,
        "workers": args.workers,
    }
    start = time.perf_counter()
    try:
        y = resize(x, **keywords)
    except (TypeError, ValueError) as exc:
        raise CommandError(str(exc)) from None
    except MemoryError as exc:
        raise CommandError(str(exc) or "not enough memory for the output.", status=1) from None
    elapsed = time.perf_counter() - start
    write_array(args.output, y)
    print(
        f"{args.input} {x.shape} {x.dtype} -> {args.output} {y.shape} {y.dtype}: "
        f"{args.mode}{' antialias' if args.antialias else ''}, {elapsed * 1e3:.2f} ms"
    )


def _demo_command(args: argparse.Namespace) -> None:
    from . import _demo

    if os.path.splitext(args.output)[1].lower() != ".png":
        raise CommandError(f"-o/--output must end in .png; got {args.output!r}.")
    try:
        _demo.run(args.output)
    except OSError as exc:
        raise CommandError(f"cannot write {args.output!r}: {exc}", status=1) from None


def _bench_command(args: argparse.Namespace) -> None:
    from . import _bench

    if args.workers is not None and args.workers < 1:
        raise CommandError(f"--workers must be a positive integer; got {args.workers}.")
    try:
        _bench.run(
            quick=args.quick,
            workers=args.workers,
            json_path=args.json,
            markdown=args.markdown,
            only=args.only,
            pillow_simd=args.pillow_simd,
        )
    except ValueError as exc:  # --only matches no workload
        raise CommandError(str(exc)) from None
    except OSError as exc:
        raise CommandError(f"cannot write {args.json!r}: {exc}", status=1) from None


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``fastup`` and its subcommands; each sets ``handler``."""
    parser = _Parser(
        prog="fastup",
        description="Fast, exact resizing of NumPy arrays and images.",
    )
    parser.add_argument("--version", action="version", version=f"fastup {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser(
        "resize",
        help="resize a .npy array or a PNG/JPEG/TIFF image",
        description=(
            "Resize IN into OUT (.npy, or .png/.jpg/.jpeg/.tif/.tiff with Pillow: pip install "
            "'fastup[image]'). Images are read as (H, W) or (H, W, C) arrays, resized along "
            "axes 0, 1 and written in the same bit depth (JPEG at quality 95). Default axes of "
            "a .npy array: every axis when it has 1 or 2 dims, else those of fastup.resize (the "
            "last len(size) axes; for one --scale S, every axis after the first two)."
        ),
    )
    p.add_argument("input", metavar="IN", help="input file (.npy, .png, .jpg, .jpeg, .tif, .tiff)")
    p.add_argument("output", metavar="OUT", help="output file (same suffixes)")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "--size",
        type=_lengths,
        metavar="HxW",
        help="output lengths of the resized axes: HxW (any number of parts) or N for all",
    )
    target.add_argument(
        "--scale",
        type=_scales,
        metavar="S",
        help="scale of the resized axes: S, or SxS (one per axis)",
    )
    p.add_argument(
        "--mode",
        default="linear",
        choices=MODES + tuple(MODE_ALIASES),
        metavar="M",
        help=f"one of {', '.join(MODES + tuple(MODE_ALIASES))} (default: linear)",
    )
    p.add_argument(
        "--axes",
        type=_axes,
        metavar="A,B",
        help="the resized axes of a .npy array, e.g. 1,2 (negative: --axes=-2,-1)",
    )
    p.add_argument(
        "--antialias",
        action="store_true",
        help="low-pass filter when downscaling (linear, cubic, lanczos)",
    )
    p.add_argument(
        "--coordinate-mode",
        default="half_pixel",
        choices=_COORDINATE_MODES,
        metavar="C",
        help=f"one of {', '.join(_COORDINATE_MODES)} (default: half_pixel)",
    )
    p.add_argument(
        "--nearest-mode",
        default="round_prefer_floor",
        choices=NEAREST_MODES,
        metavar="N",
        help=f"rounding of mode nearest: one of {', '.join(NEAREST_MODES)} "
        f"(default: round_prefer_floor)",
    )
    p.add_argument(
        "--cubic-a",
        type=float,
        default=-0.75,
        metavar="A",
        help="Keys cubic parameter (default: -0.75; Pillow uses -0.5)",
    )
    p.add_argument(
        "--exclude-outside",
        action="store_true",
        help="drop kernel taps outside the input and renormalise, instead of clamping",
    )
    p.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="threads (default: fastup.get_workers(); -1: every CPU)",
    )
    p.set_defaults(handler=_resize_command)

    p = commands.add_parser(
        "demo",
        help="draw a picture comparing the modes and time fastup against the oracle",
        description=(
            "Upscale a crop of an embedded test image x4 by every mode, downscale a zone "
            "plate by 1/4 without and with antialias, and upsample x2 by transposed "
            "convolution with a 3x3 kernel (checkerboard artifacts, with its tap-count map) "
            "and with fastup.interpolation_kernel; write the labelled panels to a PNG and "
            "print the time of each fastup call beside fastup.oracle's."
        ),
    )
    p.add_argument(
        "-o",
        "--output",
        default="fastup-demo.png",
        metavar="PATH",
        help="the PNG to write (default: fastup-demo.png)",
    )
    p.set_defaults(handler=_demo_command)

    p = commands.add_parser(
        "bench",
        help="time fastup beside the installed peers, a plain copy and the oracle",
        description=(
            "Time the standard workloads (W1-W7: NCHW/NHWC/uint8 image/1-D/3-D resizes, "
            "antialiased and area downscales, transposed convolution forward and backward; "
            "P1-P4: one photo per call as an image pipeline resizes it, antialiased shrinks "
            "and upscales of RGB, RGBA and grey images, and the cost of one small call) with "
            "fastup (into out= and allocating), with each installed peer (PyTorch, OpenCV, "
            "Pillow, pyvips; Pillow-SIMD from its own environment) at the same thread count, "
            "with a copy of the same bytes, and with the oracle on a reduced input; print a "
            "table of medians and ratios."
        ),
    )
    p.add_argument("--quick", action="store_true", help="smaller inputs, fewer repeats")
    p.add_argument(
        "--workers", type=int, metavar="N", help="only this thread count (default: 1 and 2)"
    )
    p.add_argument("--json", metavar="PATH", help="also write every timing to a JSON file")
    p.add_argument("--markdown", action="store_true", help="print the table in Markdown")
    p.add_argument("--only", metavar="TEXT", help="only the workloads whose name contains TEXT")
    p.add_argument(
        "--pillow-simd",
        metavar="PYTHON",
        help="a Python with Pillow-SIMD installed, timed in a child process beside the other "
        "peers (default: $FASTUP_BENCH_PILLOW_SIMD)",
    )
    p.set_defaults(handler=_bench_command)
    return parser


# options whose value may start with '-' (a negative number is refused by the option's own
# check, with fastup's message, instead of argparse's "expected one argument")
_VALUED = ("--size", "--scale")


def _joined(argv: Sequence[str]) -> list[str]:
    """``--size -5x10`` as ``--size=-5x10``: argparse takes a value that starts with '-' and
    is not a plain negative number for another option."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        if argv[i] in _VALUED and i + 1 < len(argv) and argv[i + 1][:1] == "-":
            if argv[i + 1][1:2].isdigit() or argv[i + 1][1:2] == ".":
                out.append(f"{argv[i]}={argv[i + 1]}")
                i += 2
                continue
        out.append(argv[i])
        i += 1
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line on ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(_joined(sys.argv[1:] if argv is None else argv))
    except _Exit as exc:
        return exc.status
    try:
        args.handler(args)
    except CommandError as exc:
        print(f"fastup {args.command}: error: {exc}", file=sys.stderr)
        return exc.status
    return 0
