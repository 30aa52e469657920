"""One import changed: fastup reproducing a peer library's own resize call, arguments, errors
and results, bit for bit where the peer's arithmetic allows.

* ``fastup.compat.torch``: ``interpolate``, ``conv_transpose1d/2d/3d``, ``conv1d/2d/3d`` with
  ``torch.nn.functional``'s signatures (tensors in, tensors out; ndarrays in, ndarrays out);
* ``fastup.compat.torchvision``: ``resize`` and ``Resize`` with ``transforms.v2``'s rules on
  tensors, ndarrays and PIL images;
* ``fastup.compat.cv2``: ``resize`` with OpenCV's ``INTER_*`` flags and (width, height) sizes;
* ``fastup.compat.pillow``: ``resize`` with Pillow's filters, on arrays and ``PIL.Image``;
* ``fastup.compat.onnx``: ``resize`` and ``conv_transpose`` with ONNX's attributes.

None of them imports its peer unless a peer object (a tensor, an image) is passed in; each
module's docstring names the peer version it was checked against (``CHECKED``).
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["cv2", "onnx", "pillow", "torch", "torchvision"]


def __getattr__(name: str) -> Any:
    """``fastup.compat.cv2`` and the others, imported on first use."""
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
