"""Type stub of the compiled kernels (src/fastup/_kernels.pyx)."""

from typing import Any

import numpy as np
import numpy.typing as npt

def build_info() -> dict[str, Any]: ...
def omp_max_threads() -> int: ...
def team_probe(nthreads: int) -> int: ...
def gather(
    src: npt.NDArray[np.uint8],
    dst: npt.NDArray[np.uint8],
    offsets: npt.NDArray[np.intp],
    dims: npt.NDArray[np.intp],
    block: int,
    nthreads: int,
) -> None: ...

def resample(
    src: np.ndarray,
    dst: np.ndarray,
    start: npt.NDArray[np.intp],
    weights: npt.NDArray[np.float32] | npt.NDArray[np.float64],
    careful: npt.NDArray[np.intp],
    P: int,
    L: int,
    M: int,
    I: int,
    rows: bool,
    nthreads: int,
) -> None: ...
