"""The ``fastup`` command line (also ``python -m fastup``).

Subcommands:

* ``fastup resize IN [IN ...] OUT (--size HxW | --scale S | --width W | --height H |
  --shorter N | --longer N) [options]``: resize ``.npy`` arrays, or PNG/JPEG/TIFF/WebP/BMP
  images when Pillow is installed (``pip install fastup[image]``); several inputs (or a glob
  pattern) go into the folder OUT.
* ``fastup demo [-o PATH]``: draw the comparison picture and time fastup against the oracle;
  needs nothing beyond NumPy.
* ``fastup bench``: time fastup beside the installed peers.

Exit status: 0 on success; 2 for a usage error or bad input (an option argparse or
``fastup.resize`` rejects, an input file that cannot be read or is of an unsupported kind, an
output format that cannot hold the result, an output that would overwrite an input, Pillow
missing for an image); 1 when an output file cannot be written or there is not enough memory.
Errors are one message on stderr, with no traceback.
"""

from __future__ import annotations

import argparse
import glob
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import numpy as np

from . import __version__
from ._images import (
    DEFAULT_QUALITY,
    IMAGE_FORMATS,
    ImageError,
    Metadata,
    check_writable,
    pillow,
    read_image,
    resize_image,
    write_image,
)
from ._resize import resize
from ._tables import COORDINATE_MODES, MODE_ALIASES, MODES, NEAREST_MODES, SIZE_POLICIES

SUFFIXES = (".npy",) + tuple(IMAGE_FORMATS)
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


def _positive(text: str) -> int:
    """``--width``, ``--height``, ``--shorter``, ``--longer``, ``--levels``, ``--chunk``: a
    positive integer."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer; got {text!r}")
    return value


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


def _image_call(call: Callable[[], Any]) -> Any:
    """``call()``, with fastup._images' errors as command errors."""
    try:
        return call()
    except ImageError as exc:
        raise CommandError(str(exc), exc.status) from None


def read_input(path: str) -> tuple[np.ndarray, str | None, Metadata | None]:
    """The array in ``path`` (a .npy file, or an image as (H, W) or (H, W, C)), the image's
    Pillow mode and metadata (None for .npy)."""
    if _kind(path, "IN") == "npy":
        try:
            return np.load(path, allow_pickle=False), None, None
        except (OSError, ValueError, EOFError) as exc:
            raise CommandError(f"cannot read IN {path!r} as a .npy array: {exc}") from None
    return _image_call(lambda: read_image(path))


def write_output(path: str, array: np.ndarray, metadata: Metadata | None, quality: int) -> None:
    """Write ``array`` to ``path``: a .npy file, or an image in the same bit depth."""
    if _kind(path, "OUT") != "npy":
        _image_call(lambda: write_image(path, array, metadata, quality))
        return
    try:
        np.save(path, array)
    except OSError as exc:
        raise CommandError(f"cannot write OUT {path!r}: {exc}", status=1) from None


def _expand(patterns: Sequence[str]) -> list[str]:
    """The input files: each IN, or the files a glob pattern in IN matches (sorted), for
    shells that do not expand patterns."""
    files: list[str] = []
    for pattern in patterns:
        if not os.path.exists(pattern) and any(c in pattern for c in "*?["):
            matches = sorted(glob.glob(pattern))
            if not matches:
                raise CommandError(f"IN pattern {pattern!r} matches no file.")
            files.extend(matches)
        else:
            files.append(pattern)
    return files


def _outputs(inputs: Sequence[str], out: str, suffix: str | None) -> tuple[list[str], bool]:
    """The output file of each input, and whether OUT is a folder (several inputs, an
    existing folder, or a path ending in a separator): then each output is OUT/<name of the
    input> with the input's suffix, or ``suffix``."""
    folder = len(inputs) > 1 or os.path.isdir(out) or out.endswith(("/", os.sep))
    if not folder:
        if suffix is not None:
            raise CommandError(f"--format applies when OUT is a folder; OUT is the file {out!r}.")
        return [out], False
    if os.path.exists(out) and not os.path.isdir(out):
        raise CommandError(f"OUT {out!r} must be a folder for {len(inputs)} inputs; it is a file.")
    outputs = [
        os.path.join(
            out, os.path.splitext(os.path.basename(p))[0] + (suffix or os.path.splitext(p)[1])
        )
        for p in inputs
    ]
    seen: dict[str, str] = {}
    for source, target in zip(inputs, outputs, strict=True):
        if target in seen:
            raise CommandError(
                f"IN {seen[target]!r} and {source!r} would both be written to {target!r}."
            )
        seen[target] = source
    return outputs, True


def _refuse_overwriting(inputs: Sequence[str], outputs: Sequence[str]) -> None:
    """An output that is one of the inputs is refused (unless --overwrite)."""
    sources = {os.path.realpath(p): p for p in inputs}
    for target in outputs:
        if os.path.realpath(target) in sources:
            raise CommandError(
                f"OUT {target!r} is the input {sources[os.path.realpath(target)]!r}: pass "
                f"--overwrite to replace it, or write elsewhere."
            )


# --------------------------------------------------------------------------------------------
# subcommands
# --------------------------------------------------------------------------------------------


def _round_half_up(value: float) -> int:
    return max(1, math.floor(value + 0.5))


def _target(args: argparse.Namespace, shape: tuple[int, ...], axes: Any) -> dict[str, Any]:
    """The ``size`` / ``scale`` / ``size_policy`` of fastup.resize from the sizing options."""
    if args.size is not None or args.scale is not None:
        return {"size": args.size, "scale": args.scale, "size_policy": args.size_policy}
    option = (
        "--width/--height"
        if args.width is not None or args.height is not None
        else "--shorter"
        if args.shorter is not None
        else "--longer"
    )
    if axes is None or len(axes) != 2:
        raise CommandError(
            f"{option} sizes two axes (height, width): give --axes for a .npy array of "
            f"{len(shape)} dims."
        )
    H, W = shape[axes[0]], shape[axes[1]]
    if option == "--width/--height":
        if args.width is not None and args.height is not None:
            return {"size": (args.height, args.width), "size_policy": args.size_policy}
        if args.width is not None:  # the height keeps the aspect ratio
            return {"size": (_round_half_up(H * args.width / W), args.width)}
        return {"size": (args.height, _round_half_up(W * args.height / H))}
    if args.size_policy != "stretch":
        raise CommandError(
            f"--size-policy applies to --size and to --width with --height; got it with {option}."
        )
    if option == "--shorter":  # torchvision's Resize(N): the other side N * long / short, truncated
        n = args.shorter
        return {"size": (n, max(1, int(n * W / H))) if H <= W else (max(1, int(n * H / W)), n)}
    n = args.longer
    return {"size": (n, max(1, int(n * W / H))) if H >= W else (max(1, int(n * H / W)), n)}


def _progress(i: int, total: int, name: str) -> None:
    if total > 1:
        bar = "#" * (20 * i // total)
        end = "\n" if i == total else ""
        print(
            f"\r[{bar:<20}] {i}/{total} {os.path.basename(name)[:40]:<40}",
            end=end,
            file=sys.stderr,
            flush=True,
        )


def _resize_command(args: argparse.Namespace) -> None:
    if len(args.paths) < 2:
        raise CommandError("give IN and OUT (or several IN and an OUT folder).")
    inputs = _expand(args.paths[:-1])
    if args.format is not None and not args.format.startswith("."):
        args.format = "." + args.format
    outputs, folder = _outputs(inputs, args.paths[-1], args.format)
    kinds = [(_kind(a, "IN"), _kind(b, "OUT")) for a, b in zip(inputs, outputs, strict=True)]
    if any(k != ("npy", "npy") for k in kinds):
        _image_call(pillow)  # missing Pillow fails before any work
    if args.axes is not None and any(k[0] != "npy" for k in kinds):
        raise CommandError(
            f"--axes applies to .npy input; images are resized along their height and width "
            f"(axes 0, 1); got --axes {','.join(map(str, args.axes))}."
        )
    sizing = [args.size, args.scale, args.shorter, args.longer]
    given = sum(v is not None for v in sizing) + (args.width is not None or args.height is not None)
    if given != 1:
        raise CommandError(
            "give one of --size HxW, --scale S, --width W and/or --height H, --shorter N, "
            "--longer N" + ("" if given == 0 else f"; got {given} of them") + "."
        )
    if not 1 <= args.quality <= 100:
        raise CommandError(f"--quality must be 1 to 100; got {args.quality}.")
    if not args.overwrite:
        _refuse_overwriting(inputs, outputs)
    if folder:
        try:
            os.makedirs(args.paths[-1], exist_ok=True)
        except OSError as exc:
            raise CommandError(f"cannot make the OUT folder {args.paths[-1]!r}: {exc}", 1) from None
    for i, (source, target) in enumerate(zip(inputs, outputs, strict=True), 1):
        _resize_file(args, source, target)
        _progress(i, len(inputs), source)


def _resize_file(args: argparse.Namespace, source: str, target: str) -> None:
    x, image_mode, metadata = read_input(source)
    axes: Any
    if image_mode is not None:
        axes = (0, 1)
    elif args.axes is None and x.ndim <= 2:
        axes = tuple(range(x.ndim))
    else:
        axes = args.axes
    keywords = {
        **_target(args, x.shape, axes),
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
        if image_mode is not None:
            y = resize_image(x, image_mode, args.straight_alpha, **keywords)
        else:
            y = resize(x, axes=axes, **keywords)
    except (TypeError, ValueError) as exc:
        raise CommandError(str(exc)) from None
    except MemoryError as exc:
        raise CommandError(str(exc) or "not enough memory for the output.", status=1) from None
    elapsed = time.perf_counter() - start
    if _kind(target, "OUT") != "npy":
        _image_call(lambda: check_writable(target, y.shape, y.dtype))
    write_output(target, y, metadata, args.quality)
    print(
        f"{source} {x.shape} {x.dtype} -> {target} {y.shape} {y.dtype}: "
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


def _pyramid_source(path: str, chunk: int) -> Any:
    """The input of ``fastup pyramid`` as a dask array read lazily: an .npy file memory-mapped,
    a TIFF through tifffile's Zarr interface (tiles read as needed), a Zarr array (or the
    array "0" of a Zarr group)."""
    import dask.array as da

    lower = path.lower().rstrip("/")
    if lower.endswith(".npy"):
        try:
            data = np.load(path, mmap_mode="r")
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read IN {path!r} as .npy: {exc}") from None
        return da.from_array(data, chunks=_pyramid_chunks(data.shape, chunk))
    if lower.endswith((".tif", ".tiff")):
        try:
            import tifffile
            import zarr
        except ImportError:
            raise CommandError(
                'reading TIFF needs tifffile and zarr: pip install "fastup[dask]"'
            ) from None
        try:
            store = tifffile.imread(path, aszarr=True)
            data = zarr.open(store, mode="r")
        except (OSError, ValueError, tifffile.TiffFileError) as exc:
            raise CommandError(f"cannot read IN {path!r} as a TIFF: {exc}") from None
        if hasattr(data, "keys"):  # a pyramidal TIFF: its full-resolution level
            data = data["0"]
        return da.from_zarr(data).rechunk(_pyramid_chunks(data.shape, chunk))
    if lower.endswith(".zarr"):
        import zarr

        try:
            data = zarr.open(path, mode="r")
        except (OSError, ValueError, FileNotFoundError) as exc:
            raise CommandError(f"cannot read IN {path!r} as Zarr: {exc}") from None
        if hasattr(data, "keys"):
            if "0" not in data:
                raise CommandError(f"IN {path!r} is a Zarr group without an array '0'.")
            data = data["0"]
        return da.from_zarr(data).rechunk(_pyramid_chunks(data.shape, chunk))
    raise CommandError(f"IN must be an .npy, .tif/.tiff or .zarr path; got {path!r}.")


def _pyramid_chunks(shape: Sequence[int], chunk: int) -> tuple[int, ...]:
    """Chunks of ``chunk`` along the last two axes, whole along the others."""
    return tuple(min(n, chunk) if a >= len(shape) - 2 else n for a, n in enumerate(shape))


def _pyramid_command(args: argparse.Namespace) -> None:
    try:
        import dask  # noqa: F401
        import zarr  # noqa: F401

        from . import _pyramid
    except ImportError as exc:
        raise CommandError(
            f'fastup pyramid needs dask and zarr: pip install "fastup[dask]" ({exc})'
        ) from None
    if not args.output.lower().rstrip("/").endswith(".zarr"):
        raise CommandError(f"OUT must end in .zarr; got {args.output!r}.")
    if os.path.exists(args.output) and not args.overwrite:
        raise CommandError(f"OUT {args.output!r} exists; pass --overwrite to replace it.")
    source = _pyramid_source(args.input, args.chunk)
    if source.ndim < 2:
        raise CommandError(f"IN must have at least 2 dims (y, x); got shape {source.shape}.")
    mode = "majority" if args.labels else args.mode
    if args.labels and args.mode not in ("linear", "majority"):
        raise CommandError(f"--labels is --mode majority; got --mode {args.mode} as well.")
    if mode == "majority" and source.dtype.kind not in "iub":
        raise CommandError(
            f"--labels (mode majority) needs integer labels; IN has dtype {source.dtype}."
        )
    try:
        levels = _pyramid.pyramid(source, args.levels, mode=mode)
        _pyramid.to_zarr(levels, args.output, overwrite=args.overwrite, progress=not args.quiet)
    except (ValueError, TypeError) as exc:
        raise CommandError(str(exc)) from None
    except OSError as exc:
        raise CommandError(f"cannot write OUT {args.output!r}: {exc}", status=1) from None
    shapes = ", ".join("x".join(map(str, level.shape)) for level in levels)
    print(f"{args.input} -> {args.output}: {len(levels)} levels ({shapes}), {mode}")


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
        help="resize .npy arrays or PNG/JPEG/TIFF/WebP/BMP images",
        usage=(
            "fastup resize IN [IN ...] OUT (--size HxW | --scale S | --width W | --height H | "
            "--shorter N | --longer N) [options]"
        ),
        description=(
            "Resize IN into OUT: .npy arrays, or images (.png .jpg .jpeg .tif .tiff .webp .bmp, "
            "with Pillow: pip install 'fastup[image]'). Several inputs, or a glob pattern such "
            "as 'photos/*.jpg', go into the folder OUT under their own names (--format to "
            "change the suffix); an output that is one of the inputs is refused unless "
            "--overwrite. SIZES ARE HEIGHT FIRST: --size 480x640 is 480 rows by 640 columns "
            "(NumPy's order, not ImageMagick's WxH); --width and --height name them, and one "
            "of them alone keeps the aspect ratio. Images are read upright (the EXIF "
            "orientation applied, its tag reset in the output's EXIF), resized along their "
            "height and width, and written in the same bit depth with their EXIF, ICC profile "
            "and DPI where the format holds them; images with alpha (LA, RGBA) are resized "
            "with premultiplied alpha, as Pillow does. Default axes of a .npy array: every "
            "axis when it has 1 or 2 dims, else those of fastup.resize (the last len(size) "
            "axes; for one --scale S, every axis after the first two)."
        ),
    )
    p.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="IN ... OUT: the input files (or glob patterns) and the output file or folder",
    )
    p.add_argument(
        "--size",
        type=_lengths,
        metavar="HxW",
        help="output lengths of the resized axes, HEIGHT FIRST: HxW (any number of parts), "
        "or N for all",
    )
    p.add_argument(
        "--scale",
        type=_scales,
        metavar="S",
        help="scale of the resized axes: S, or SxS (one per axis)",
    )
    p.add_argument(
        "--width", type=_positive, metavar="W", help="output width (alone: keep the aspect ratio)"
    )
    p.add_argument(
        "--height", type=_positive, metavar="H", help="output height (alone: keep the aspect ratio)"
    )
    p.add_argument(
        "--shorter",
        type=_positive,
        metavar="N",
        help="the shorter side becomes N, the other keeps the aspect ratio (torchvision "
        "Resize(N): the other side int(N * long / short))",
    )
    p.add_argument(
        "--longer",
        type=_positive,
        metavar="N",
        help="the longer side becomes N, the other keeps the aspect ratio",
    )
    p.add_argument(
        "--size-policy",
        default="stretch",
        choices=SIZE_POLICIES,
        metavar="P",
        help="with --size or --width and --height: stretch to it (default), not_larger (fit "
        "inside the box, keeping the aspect ratio) or not_smaller (cover it)",
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
        "--straight-alpha",
        action="store_true",
        help="resize the alpha channel of LA/RGBA images like the others (default: "
        "premultiplied, as Pillow)",
    )
    p.add_argument(
        "--quality",
        type=int,
        default=DEFAULT_QUALITY,
        metavar="Q",
        help=f"JPEG and WebP quality, 1 to 100 (default: {DEFAULT_QUALITY})",
    )
    p.add_argument(
        "--format",
        metavar="EXT",
        choices=[s.lstrip(".") for s in SUFFIXES] + list(SUFFIXES),
        help="the suffix of the outputs in an OUT folder, e.g. webp (default: each input's)",
    )
    p.add_argument(
        "--overwrite", action="store_true", help="allow an output to replace one of the inputs"
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
        "pyramid",
        help="a multiscale OME-Zarr pyramid of a big image, out of core",
        description=(
            "Write IN (.npy, memory-mapped; a TIFF, read tile by tile through tifffile; or a "
            "Zarr array) as an OME-Zarr multiscale pyramid OUT.zarr: level 0 the image, each "
            "next level half as long along the last two axes (y, x), computed by "
            "fastup.dask chunk by chunk with the same values as in-memory fastup.resize; "
            "memory holds the chunks in flight, never the image. Needs fastup[dask]."
        ),
    )
    p.add_argument("input", metavar="IN", help="the image: .npy, .tif/.tiff or .zarr")
    p.add_argument("output", metavar="OUT.zarr", help="the Zarr group to write")
    p.add_argument(
        "--levels",
        type=_positive,
        metavar="N",
        help="levels in all, level 0 included (default: until the longer side is <= 256)",
    )
    p.add_argument(
        "--mode",
        default="linear",
        choices=MODES + tuple(MODE_ALIASES),
        metavar="M",
        help="the downscaling mode (default: linear, antialiased)",
    )
    p.add_argument(
        "--labels",
        action="store_true",
        help="a label image: --mode majority (no label is invented)",
    )
    p.add_argument(
        "--chunk",
        type=_positive,
        default=1024,
        metavar="N",
        help="chunk length along y and x (default: 1024)",
    )
    p.add_argument("--overwrite", action="store_true", help="replace an existing OUT")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=_pyramid_command)

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
_VALUED = ("--size", "--scale", "--width", "--height", "--shorter", "--longer")


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
