"""fastup.compat against the peers it reproduces, and against the core call of the same
geometry: uint8 images in the peers' own fixed-point arithmetic (torch's antialiased uint8
path, Pillow's 8-bit passes, OpenCV's 11-bit coefficients), and the cost of a small float call.
Peers that are missing are skipped. Read the ratios within one run:

    pytest bench/test_compat_bench.py              # pytest-benchmark, every case
    python bench/test_compat_bench.py              # one thread, the three interleaved, ratios

The core call is what fastup computes in its own convention for the same sizes and filter:
the compat call adds the peer's arithmetic (bit for bit where it can) and its argument rules.
"""

from __future__ import annotations

import timeit
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import pytest

import fastup


@cache
def _image(h: int, w: int) -> np.ndarray:
    """A random uint8 RGB image, made when a case first needs it (not at collection)."""
    return np.random.default_rng(h * w).integers(0, 256, (h, w, 3), dtype=np.uint8)


_MAP = np.random.default_rng(0).random((1, 1, 16, 16), dtype=np.float32)


def _torch_case(image: np.ndarray, size: tuple[int, int], mode: str, antialias: bool) -> Any:
    torch = pytest.importorskip("torch")
    import fastup.compat.torch as F

    t = torch.from_numpy(image).permute(2, 0, 1)[None]
    t = t.contiguous(memory_format=torch.channels_last)
    core_mode = {"bilinear": "linear", "bicubic": "cubic"}[mode]
    return (
        lambda: F.interpolate(t, size, mode=mode, antialias=antialias),
        lambda: torch.nn.functional.interpolate(t, size, mode=mode, antialias=antialias),
        lambda: fastup.resize(image, size, axes=(0, 1), mode=core_mode, antialias=antialias),
    )


def _pillow_case(image: np.ndarray, size: tuple[int, int]) -> Any:
    Image = pytest.importorskip("PIL.Image")
    from fastup.compat import pillow

    picture = Image.fromarray(image)
    return (
        lambda: pillow.resize(picture, size, pillow.BICUBIC),
        lambda: picture.resize(size, Image.BICUBIC),
        lambda: fastup.resize(
            image, size[::-1], axes=(0, 1), mode="cubic", cubic_a=-0.5, antialias=True,
            exclude_outside=True,
        ),
    )  # fmt: skip


def _cv2_case(dsize: tuple[int, int], flag: str) -> Any:
    image = _image(512, 512)
    cv2 = pytest.importorskip("cv2")
    from fastup.compat import cv2 as fc

    value = getattr(cv2, flag)
    mode = {"INTER_LINEAR": "linear", "INTER_CUBIC": "cubic", "INTER_AREA": "area"}
    mode["INTER_LANCZOS4"] = "lanczos"
    return (
        lambda: fc.resize(image, dsize, interpolation=value),
        lambda: cv2.resize(image, dsize, interpolation=value),
        lambda: fastup.resize(image, dsize[::-1], axes=(0, 1), mode=mode[flag]),
    )


def _float_case() -> Any:
    torch = pytest.importorskip("torch")
    import fastup.compat.torch as F

    t = torch.from_numpy(_MAP)
    return (
        lambda: F.interpolate(t, (32, 32), mode="bilinear"),
        lambda: torch.nn.functional.interpolate(t, (32, 32), mode="bilinear"),
        lambda: fastup.resize(_MAP, (32, 32), axes=(2, 3), mode="linear"),
    )


CASES: dict[str, Callable[[], Any]] = {
    "torch u8 500x375->224 bicubic AA": lambda: _torch_case(
        _image(375, 500), (224, 224), "bicubic", True
    ),
    "torch u8 2560x1600->320x200 bilinear AA": lambda: _torch_case(
        _image(1600, 2560), (200, 320), "bilinear", True
    ),
    "pillow RGB 2560x1600->320x200 bicubic": lambda: _pillow_case(_image(1600, 2560), (320, 200)),
    "cv2 u8 512->300x200 LINEAR": lambda: _cv2_case((300, 200), "INTER_LINEAR"),
    "cv2 u8 512->1024 LINEAR": lambda: _cv2_case((1024, 1024), "INTER_LINEAR"),
    "cv2 u8 512->1024 CUBIC": lambda: _cv2_case((1024, 1024), "INTER_CUBIC"),
    "cv2 u8 512->1024 LANCZOS4": lambda: _cv2_case((1024, 1024), "INTER_LANCZOS4"),
    "cv2 u8 512->256 AREA": lambda: _cv2_case((256, 256), "INTER_AREA"),
    "torch f32 16x16->32x32 bilinear": _float_case,
}


@pytest.fixture(autouse=True)
def _fastup_threads(threads):
    with fastup.set_workers(threads):
        yield


@pytest.mark.parametrize("case", list(CASES))
def test_compat(benchmark, threads, case):
    compat, _, _ = CASES[case]()
    benchmark(compat)


@pytest.mark.parametrize("case", list(CASES))
def test_peer(benchmark, threads, case):
    _, peer, _ = CASES[case]()
    benchmark(peer)


@pytest.mark.parametrize("case", list(CASES))
def test_core(benchmark, threads, case):
    _, _, core = CASES[case]()
    benchmark(core)


def main() -> None:
    """Every case at one thread, compat / peer / core interleaved (best of 5 rounds)."""
    import cv2
    import torch

    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    print(f"{'case':42} {'compat':>10} {'peer':>10} {'core':>10}  compat/peer  compat/core")
    with fastup.set_workers(1):
        for name, make in CASES.items():
            calls = make()
            for call in calls:
                call()
            per_call = [1.0] * 3
            number = [max(1, int(0.02 / min(timeit.repeat(c, number=1, repeat=3)))) for c in calls]
            for _ in range(5):
                for k, call in enumerate(calls):
                    t = min(timeit.repeat(call, number=number[k], repeat=3)) / number[k]
                    per_call[k] = min(per_call[k], t)
            c, p, f = (f"{t * 1e3:9.3f}ms" if t > 1e-4 else f"{t * 1e6:9.1f}us" for t in per_call)
            ratios = f"{per_call[0] / per_call[1]:11.2f}  {per_call[0] / per_call[2]:11.2f}"
            print(f"{name:42} {c:>10} {p:>10} {f:>10}  {ratios}")


if __name__ == "__main__":
    main()
