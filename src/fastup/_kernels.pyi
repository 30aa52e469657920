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
def resample2d(
    src: np.ndarray,
    dst: np.ndarray,
    ys: npt.NDArray[np.intp] | None,
    yw: npt.NDArray[np.float32] | None,
    xs: npt.NDArray[np.intp],
    xw: npt.NDArray[np.float32],
    careful: npt.NDArray[np.intp],
    P: int,
    H: int,
    W: int,
    C: int,
    Ho: int,
    Wo: int,
    vfirst: bool,
    nthreads: int,
) -> None: ...

class Resample2D:
    def __init__(
        self,
        src_char: str,
        dst_char: str,
        ys: npt.NDArray[np.intp] | None,
        yw: npt.NDArray[np.float32] | None,
        xs: npt.NDArray[np.intp],
        xw: npt.NDArray[np.float32],
        careful: npt.NDArray[np.intp],
        P: int,
        H: int,
        W: int,
        C: int,
        Ho: int,
        Wo: int,
        vfirst: bool,
    ) -> None: ...
    def run(self, src: np.ndarray, dst: np.ndarray, nthreads: int) -> None: ...

def repeat_ready(
    x: np.ndarray,
    out: np.ndarray | None,
    shape: tuple[int, ...],
    dtype: np.dtype,
    alignment: int,
    nbytes: int,
) -> bool: ...
def run_ready(
    kernel: Resample2D | FixedPlan,
    x: np.ndarray,
    out: np.ndarray,
    shape: tuple[int, ...],
    dtype: np.dtype,
    alignment: int,
    nthreads: int,
) -> bool: ...

class FixedPlan:
    suits: bool
    def __init__(
        self,
        ys: npt.NDArray[np.intp],
        yw: npt.NDArray[np.float64],
        xs: npt.NDArray[np.intp],
        xw: npt.NDArray[np.float64],
        P: int,
        H: int,
        W: int,
        C: int,
        Ho: int,
        Wo: int,
        vfirst: int = -1,
        hkind: int = -1,
        vshort: int = -1,
    ) -> None: ...
    def info(self) -> dict[str, Any] | None: ...
    def run(self, src: np.ndarray, dst: np.ndarray, nthreads: int) -> None: ...

def peer_pass(
    src: np.ndarray,
    dst: np.ndarray,
    start: npt.NDArray[np.intp],
    q: npt.NDArray[np.int32],
    P: int,
    L: int,
    M: int,
    I: int,
    shift: int,
    lo: int,
    hi: int,
    nthreads: int,
) -> None: ...
def cv_rows(
    src: np.ndarray,
    dst: np.ndarray,
    rows: npt.NDArray[np.intp],
    beta: npt.NDArray[np.int32],
    fbeta: npt.NDArray[np.float32],
    kind: str,
    split: int,
    L: int,
    M: int,
    I: int,
    nthreads: int,
) -> None: ...
def cv_area(
    src: np.ndarray,
    dst: np.ndarray,
    H: int,
    W: int,
    C: int,
    Ho: int,
    Wo: int,
    sy: int,
    sx: int,
    shift2: bool,
    nthreads: int,
) -> None: ...
def majority(
    src: np.ndarray,
    dst: np.ndarray,
    tables: list[tuple[int, npt.NDArray[np.intp], npt.NDArray[np.int64]]],
    is_signed: bool,
    nthreads: int,
) -> None: ...

# convolution family (float32 or float64 throughout)
def simd_isa() -> str: ...
def gemm(
    A: npt.NDArray[np.floating],
    B: npt.NDArray[np.floating],
    C: npt.NDArray[np.floating],
    accumulate: bool,
    nthreads: int,
) -> None: ...
def fill_planes(
    planes: npt.NDArray[np.floating], values: npt.NDArray[np.floating], nthreads: int
) -> None: ...
def col2im(
    cols: npt.NDArray[np.floating],
    out: npt.NDArray[np.floating],
    geometry: npt.NDArray[np.intp],
    i0: int,
    nthreads: int,
) -> None: ...
def sum_planes(
    source: npt.NDArray[np.floating], out: npt.NDArray[np.float64], nthreads: int
) -> None: ...
def unfolded_products(
    source: npt.NDArray[np.floating],
    table: npt.NDArray[np.intp],
    rowofs: npt.NDArray[np.intp],
    weight: npt.NDArray[np.floating],
    target: npt.NDArray[np.floating] | None,
    grad_source: npt.NDArray[np.floating] | None,
    grad_weight: npt.NDArray[np.floating] | None,
    width: int,
    nthreads: int,
    plane_sums: npt.NDArray[np.float64] | None = None,
) -> None: ...
def sample_transposed(
    source: npt.NDArray[np.floating],
    geometry: npt.NDArray[np.intp],
    weight: npt.NDArray[np.floating],
    out: npt.NDArray[np.floating],
    width: int,
    nthreads: int,
) -> None: ...

class OutputBlock:
    def __init__(self, nbytes: int) -> None: ...
    def __buffer__(self, flags: int) -> memoryview: ...

def release_kept_outputs() -> int: ...
