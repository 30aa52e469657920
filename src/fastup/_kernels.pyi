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

# float32 accumulators: uint8, int8, uint16, int16, float32 in and out
def resample_last_f(
    src: np.ndarray,
    dst: np.ndarray,
    start: npt.NDArray[np.intp],
    weights: npt.NDArray[np.float32],
    nthreads: int,
) -> None: ...
def resample_mid_f(
    src: np.ndarray,
    dst: np.ndarray,
    start: npt.NDArray[np.intp],
    weights: npt.NDArray[np.float32],
    nthreads: int,
) -> None: ...

# float64 accumulators: int32, float64 in and out
def resample_last_d(
    src: np.ndarray,
    dst: np.ndarray,
    start: npt.NDArray[np.intp],
    weights: npt.NDArray[np.float64],
    nthreads: int,
) -> None: ...
def resample_mid_d(
    src: np.ndarray,
    dst: np.ndarray,
    start: npt.NDArray[np.intp],
    weights: npt.NDArray[np.float64],
    nthreads: int,
) -> None: ...
