"""The image-pipeline workloads of ``fastup bench`` (P1-P4): a data-loading worker resizing one
decoded photo at a time, beside the libraries such a worker would otherwise call.

* P1, the set of Pillow's own performance suite: a 2560x1600 RGB photo-like image -> 320x200
  and -> 2048x1280 (antialiased shrinks) and -> 5478x3424 (upscale), bilinear, bicubic and
  Lanczos, with Pillow's semantics (``antialias=True, exclude_outside=True``, bicubic
  ``cubic_a=-0.5``);
* P2, one small photo per call: 500x375 RGB -> 341x256 bilinear (torchvision ``Resize(256)``)
  and -> 224x224 bicubic;
* P3, the cost of one small call, in microseconds: 32x32x3 uint8 -> 64x64 and 16x16 float32 ->
  32x32, bilinear;
* P4, other channel counts: RGBA, grey uint8 and grey uint16 2560x1600 -> 320x200 bilinear.

Peers, each in its fastest form: Pillow (``Image.resize``, one thread); Pillow-SIMD, which
replaces Pillow and so lives in its own environment, timed in a child process of that
environment's Python (``--pillow-simd PYTHON`` or ``FASTUP_BENCH_PILLOW_SIMD``; in-process when
the installed PIL is Pillow-SIMD); PyTorch ``F.interpolate`` on a channels_last uint8 tensor
(its uint8 antialiased path) or float32; OpenCV ``cv2.resize`` into a preallocated output
(``INTER_AREA`` for shrinks, ``INTER_LINEAR``/``CUBIC``/``LANCZOS4`` for upscales); pyvips
``resize`` with ``gap=0`` (its exact kernel, no shrink-on-load), its operation cache off. A
missing peer is skipped; the single-threaded ones (Pillow, Pillow-SIMD) stand at every thread
count, as they would for a user with more cores.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import numpy as np

import fastup

Runner = Callable[[], Any]

# the kwargs of every pipeline resize: Pillow's semantics (its bicubic is Keys' a = -0.5)
PILLOW_SEMANTICS = dict(antialias=True, exclude_outside=True, cubic_a=-0.5)
_LABELS = {"linear": "bilinear", "cubic": "bicubic", "lanczos": "lanczos"}


@dataclass(frozen=True)
class PipelineCase:
    """One resize of one image: input shape (H, W) or (H, W, C), dtype, output (Ho, Wo) and mode;
    the smaller ``quick`` variant of ``fastup bench --quick``; ``calls`` resizes per timing
    (P3: a time per call)."""

    name: str
    shape: tuple[int, ...]
    size: tuple[int, int]
    quick_shape: tuple[int, ...]
    quick_size: tuple[int, int]
    dtype: str
    mode: str
    calls: int = 1

    def kwargs(self) -> dict[str, Any]:
        return dict(mode=self.mode, axes=(0, 1), **PILLOW_SEMANTICS)


def _p1() -> list[PipelineCase]:
    cases = []
    for (h, w), quick in (
        ((200, 320), (50, 80)),
        ((1280, 2048), (320, 512)),
        ((3424, 5478), (856, 1370)),
    ):
        for mode in ("linear", "cubic", "lanczos"):
            cases.append(
                PipelineCase(
                    f"P1 RGB 2560x1600->{w}x{h} {_LABELS[mode]}",
                    (1600, 2560, 3),
                    (h, w),
                    (400, 640, 3),
                    quick,
                    "uint8",
                    mode,
                )
            )
    return cases


PIPELINE_CASES = [
    *_p1(),
    PipelineCase(
        "P2 RGB 500x375->341x256 bilinear",
        (375, 500, 3),
        (256, 341),
        (375, 500, 3),
        (256, 341),
        "uint8",
        "linear",
        calls=10,
    ),
    PipelineCase(
        "P2 RGB 500x375->224x224 bicubic",
        (375, 500, 3),
        (224, 224),
        (375, 500, 3),
        (224, 224),
        "uint8",
        "cubic",
        calls=10,
    ),
    PipelineCase(
        "P3 call 32x32x3 uint8->64x64",
        (32, 32, 3),
        (64, 64),
        (32, 32, 3),
        (64, 64),
        "uint8",
        "linear",
        calls=1000,
    ),
    PipelineCase(
        "P3 call 16x16 float32->32x32",
        (16, 16),
        (32, 32),
        (16, 16),
        (32, 32),
        "float32",
        "linear",
        calls=1000,
    ),
    PipelineCase(
        "P4 RGBA 2560x1600->320x200 bilinear",
        (1600, 2560, 4),
        (200, 320),
        (400, 640, 4),
        (50, 80),
        "uint8",
        "linear",
    ),
    PipelineCase(
        "P4 grey 2560x1600->320x200 bilinear",
        (1600, 2560),
        (200, 320),
        (400, 640),
        (50, 80),
        "uint8",
        "linear",
    ),
    PipelineCase(
        "P4 grey16 2560x1600->320x200 bilinear",
        (1600, 2560),
        (200, 320),
        (400, 640),
        (50, 80),
        "uint16",
        "linear",
    ),
]


def photo(shape: tuple[int, ...], dtype: str = "uint8", seed: int = 0) -> np.ndarray:
    """A photo-like test image of ``shape`` (H, W) or (H, W, C): smooth gradients, sharp edges
    (a tilted checkerboard of soft and hard steps) and sensor noise, from a fixed seed."""
    rng = np.random.default_rng(seed)
    h, w = shape[:2]
    channels = shape[2] if len(shape) == 3 else 1
    y = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None]
    x = np.linspace(0.0, 1.0, w, dtype=np.float32)[None, :]
    planes = []
    for c in range(channels):
        smooth = 0.5 + 0.35 * np.sin(np.pi * ((2 + c) * x + (1 + c) * y + 0.3 * x * y))
        edges = ((np.floor(7 * x + 2 * y) + np.floor(5 * y - x + c)) % 2).astype(np.float32)
        noise = rng.normal(0.0, 0.04, (h, w)).astype(np.float32)
        planes.append(np.clip(0.75 * smooth + 0.25 * edges + noise, 0.0, 1.0))
    image = np.stack(planes, axis=-1) if len(shape) == 3 else planes[0]
    if np.dtype(dtype).kind == "f":
        return image.astype(dtype)
    top = np.iinfo(dtype).max
    return np.rint(image * top).astype(dtype)


# ----------------------------------------------------------------------------------------------
# peers
# ----------------------------------------------------------------------------------------------


def _module(name: str) -> Any:
    try:
        return __import__(name, fromlist=["_"])
    except ImportError:
        return None


def pillow_is_simd() -> bool:
    """Whether the installed PIL is Pillow-SIMD (which installs under its own name)."""
    try:
        metadata.version("pillow-simd")
    except metadata.PackageNotFoundError:
        return False
    return True


def repeat(run: Runner, calls: int) -> Runner:
    if calls == 1:
        return run

    def many() -> None:
        for _ in range(calls):
            run()

    return many


_PIL_FILTERS = {"linear": "BILINEAR", "cubic": "BICUBIC", "lanczos": "LANCZOS"}
_CV2_UP = {"linear": "INTER_LINEAR", "cubic": "INTER_CUBIC", "lanczos": "INTER_LANCZOS4"}
_TORCH_MODES = {"linear": "bilinear", "cubic": "bicubic"}
_VIPS_KERNELS = {"linear": "linear", "cubic": "cubic", "lanczos": "lanczos3"}


def _pillow_image(pil: Any, x: np.ndarray) -> Any:
    if x.dtype == np.uint16:
        return pil.fromarray(x.astype(np.int32), mode="I").convert("I;16")
    return pil.fromarray(x)


def peer_runners(
    case: PipelineCase, x: np.ndarray, size: tuple[int, int], threads: int
) -> dict[str, Runner]:
    """The installed peers doing the resize of ``x`` to ``size`` (each runner does
    ``case.calls`` resizes)."""
    runners: dict[str, Runner] = {}
    ho, wo = size
    down = ho < x.shape[0] and wo < x.shape[1]
    pil, cv2, torch, pyvips = (_module(m) for m in ("PIL.Image", "cv2", "torch", "pyvips"))
    if pil is not None:
        try:
            picture = _pillow_image(pil, x)
            resample = getattr(pil.Resampling, _PIL_FILTERS[case.mode])
            picture.resize((wo, ho), resample)
        except (ValueError, TypeError, OSError):
            pass  # a mode this Pillow does not resize
        else:
            name = "pillow-simd" if pillow_is_simd() else "pillow"
            runners[name] = lambda: picture.resize((wo, ho), resample)
    if cv2 is not None:
        flag = getattr(cv2, "INTER_AREA" if down else _CV2_UP[case.mode])
        dst = np.empty((ho, wo) + x.shape[2:], x.dtype)
        runners["opencv"] = lambda: cv2.resize(x, (wo, ho), dst=dst, interpolation=flag)
    if torch is not None and case.mode in _TORCH_MODES and x.dtype != np.uint16:
        t = torch.from_numpy(x if x.ndim == 3 else x[:, :, None]).permute(2, 0, 1)[None]
        # a (1, C, H, W) view of HWC data: channels_last, torch's uint8 fast path (antialias
        # changes nothing in an upscale, but picks that path for uint8)
        antialias = down or x.dtype == np.uint8
        runners["torch"] = lambda: torch.nn.functional.interpolate(
            t,
            size=(ho, wo),
            mode=_TORCH_MODES[case.mode],
            antialias=antialias,
            align_corners=False,
        )
    if pyvips is not None:
        try:
            pyvips.cache_set_max(0)
            pyvips.vips_lib.vips_concurrency_set(threads)
            image = pyvips.Image.new_from_array(x)
            kernel = _VIPS_KERNELS[case.mode]
            hscale, vscale = wo / x.shape[1], ho / x.shape[0]
            probe = image.resize(hscale, vscale=vscale, kernel=kernel, gap=0.0).numpy()
        except Exception:  # an old libvips (no gap) or no numpy support
            pass
        else:
            if probe.shape[:2] == (ho, wo):
                runners["pyvips"] = lambda: image.resize(
                    hscale, vscale=vscale, kernel=kernel, gap=0.0
                ).numpy()
    return {name: repeat(run, case.calls) for name, run in runners.items()}


# ----------------------------------------------------------------------------------------------
# Pillow-SIMD in a child process
# ----------------------------------------------------------------------------------------------

_CHILD = r"""
import json, sys, time
import numpy as np
from PIL import Image
images = {}
for line in sys.stdin:
    msg = json.loads(line)
    if "load" in msg:
        x = np.load(msg["load"])
        if x.dtype == np.uint16:
            image = Image.fromarray(x.astype(np.int32), mode="I").convert("I;16")
        else:
            image = Image.fromarray(x)
        images[msg["key"]] = image
        reply = {"version": Image.__version__}
    else:
        image = images[msg["key"]]
        size, calls = tuple(msg["size"]), msg["calls"]
        resample = getattr(Image.Resampling, msg["filter"])
        try:
            start = time.perf_counter()
            for _ in range(calls):
                image.resize(size, resample)
            reply = {"seconds": time.perf_counter() - start}
        except Exception as exc:
            reply = {"error": str(exc)}
    print(json.dumps(reply), flush=True)
"""


class SelfTimed:
    """A runner that times itself (a peer in another process): calling it returns seconds."""

    def __init__(self, run: Callable[[], float]) -> None:
        self.run = run

    def __call__(self) -> float:
        return self.run()


class PillowSimdChild:
    """A Python with Pillow-SIMD installed, as a child process that times resizes on request:
    the parent interleaves its requests with the other contenders' runs, so that all see the
    same machine load; the child times only the resize calls."""

    def __init__(self, python: str) -> None:
        self.python = python
        self.process = subprocess.Popen(
            [python, "-c", _CHILD],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.keys = 0
        self.version = ""
        self.tmp = tempfile.TemporaryDirectory()

    def _ask(self, message: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the Pillow-SIMD child ({self.python}) stopped")
        return json.loads(line)

    def runner(self, case: PipelineCase, x: np.ndarray, size: tuple[int, int]) -> SelfTimed | None:
        self.keys += 1
        path = os.path.join(self.tmp.name, f"{self.keys}.npy")
        np.save(path, x)
        self.version = self._ask({"load": path, "key": self.keys})["version"]
        request = {
            "key": self.keys,
            "size": [size[1], size[0]],
            "filter": _PIL_FILTERS[case.mode],
            "calls": case.calls,
        }
        if "error" in self._ask(request):
            return None
        return SelfTimed(lambda: float(self._ask(request)["seconds"]))

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=30)
        self.tmp.cleanup()


def pillow_simd_child(python: str | None) -> PillowSimdChild | None:
    """The child process for ``python`` (else ``FASTUP_BENCH_PILLOW_SIMD``), or None when none
    is given or it has no Pillow-SIMD."""
    python = python or os.environ.get("FASTUP_BENCH_PILLOW_SIMD")
    if not python:
        return None
    check = subprocess.run(
        [python, "-c", "from importlib import metadata; print(metadata.version('pillow-simd'))"],
        capture_output=True,
        text=True,
    )
    if check.returncode != 0:
        print(f"fastup bench: {python} has no Pillow-SIMD; skipped", file=sys.stderr)
        return None
    return PillowSimdChild(python)


def peer_versions(child: PillowSimdChild | None) -> str:
    """The peers' versions, for the table's footer."""
    parts = []
    for name, dist in (
        ("torch", "torch"),
        ("opencv", "opencv-python-headless"),
        ("opencv", "opencv-python"),
        ("pillow-simd", "pillow-simd"),
        ("pillow", "pillow"),
        ("pyvips", "pyvips"),
    ):
        try:
            version = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
        if not any(p.startswith(name + " ") for p in parts):
            parts.append(f"{name} {version}")
    pyvips = _module("pyvips")
    if pyvips is not None:
        parts.append(f"libvips {pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)}")
    if child is not None:
        parts.append(f"pillow-simd {child.version} (child process)")
    return ", ".join(parts)


def run_fastup(
    case: PipelineCase,
    x: np.ndarray,
    size: tuple[int, int],
    workers: int,
    out: np.ndarray | None = None,
) -> Runner:
    # the arguments written out, as a caller writes them: unpacking a dict of keywords
    # (**kwargs) costs more than a small resize (0.5 of 3.1 us for P3's float32 call)
    mode, axes = case.mode, (0, 1)
    antialias, exclude_outside, cubic_a = (
        PILLOW_SEMANTICS["antialias"],
        PILLOW_SEMANTICS["exclude_outside"],
        PILLOW_SEMANTICS["cubic_a"],
    )

    def once() -> Any:
        return fastup.resize(
            x,
            size,
            workers=workers,
            out=out,
            mode=mode,
            axes=axes,
            antialias=antialias,
            exclude_outside=exclude_outside,
            cubic_a=cubic_a,
        )

    return repeat(once, case.calls)


def megapixels(case: PipelineCase, quick: bool) -> float:
    shape = case.quick_shape if quick else case.shape
    return math.prod(shape[:2]) / 1e6
