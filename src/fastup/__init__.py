"""fastup: fast, exact resizing of NumPy arrays in every common convention.

Public API: ``resize`` and ``resize_backward`` (and ``ChannelsLastWarning``);
``conv_transpose``, ``conv`` and ``conv_transpose_backward``; ``interpolation_kernel`` and
``checkerboard``; ``get_workers``, ``set_workers``, ``show_config``; and the pure-NumPy
reference ``fastup.oracle``.
"""

from __future__ import annotations

import sys
from typing import Any

from . import _kernels
from ._deconv import (
    checkerboard,
    conv,
    conv_transpose,
    conv_transpose_backward,
    interpolation_kernel,
)
from ._resize import ChannelsLastWarning, resize, resize_backward
from ._threads import get_workers, set_workers

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "ChannelsLastWarning",
    "checkerboard",
    "conv",
    "conv_transpose",
    "conv_transpose_backward",
    "get_workers",
    "interpolation_kernel",
    "resize",
    "resize_backward",
    "set_workers",
    "show_config",
]


def __getattr__(name: str) -> Any:
    """``fastup.oracle``, ``fastup.compat`` and ``fastup.dask`` without an import of their own:
    loaded on first use, so that ``import fastup`` stays quick and imports no optional
    dependency."""
    if name in ("oracle", "compat", "dask"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'fastup' has no attribute {name!r}")


def show_config(print_: bool = True) -> dict[str, Any]:
    """Report how this fastup was built and how it will run threads.

    Returns a dict (and prints it unless ``print_=False``): version, whether the kernels have
    OpenMP (and its version and the runtime libraries loaded), the matrix-product micro-kernel
    chosen for this CPU, thread counts, and the compiler and flags of the build.

    Examples
    --------
    >>> import fastup
    >>> config = fastup.show_config(print_=False)
    >>> config["version"] == fastup.__version__, isinstance(config["openmp"], bool)
    (True, True)
    """
    from . import _threads

    build = _kernels.build_info()
    config: dict[str, Any] = {
        "version": __version__,
        "python": sys.version.split()[0],
        "numpy": __import__("numpy").__version__,
        "openmp": build["openmp_version"] > 0,
        "openmp_version": build["openmp_version"],
        "openmp_runtimes": _threads.openmp_runtimes(),
        "openmp_required_at_build": build["require_openmp"],
        "simd": _kernels.simd_isa(),
        "threads": _threads.thread_info(),
        "compiler": build["compiler"],
        "cflags": build["cflags"],
        "ldflags": build["ldflags"],
    }
    if print_:
        width = max(len(k) for k in config)
        for key, value in config.items():
            if isinstance(value, dict):
                print(f"{key}:")
                for k2, v2 in value.items():
                    print(f"  {k2:<{width}} {v2}")
            else:
                print(f"{key:<{width}}  {value}")
    return config
