"""Shared argument checks, the one normalising copy, and output allocation.

Every message names the function, the argument, what was expected and what came:
``fastup.resize: 'mode' must be one of 'nearest', 'linear', ...; got 'cubc'.``
TypeError for a wrong kind, ValueError for a bad value, MemoryError for an output that cannot
be allocated; nothing is written to a caller's array before all checks have passed.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

# bytes above which an output is refused before trying (no machine has this much memory)
_MAX_BYTES = 1 << 62
# work bound of the exact overlap test of ``out`` and an input (beyond it: assume overlap)
_OVERLAP_WORK: Any = 10_000


def fail_type(func: str, name: str, expected: str, got: Any) -> TypeError:
    return TypeError(f"fastup.{func}: {name!r} must be {expected}; got {_describe(got)}.")


def fail_value(func: str, name: str, expected: str, got: Any) -> ValueError:
    return ValueError(f"fastup.{func}: {name!r} must be {expected}; got {_describe(got)}.")


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, (str, numbers.Number, tuple, list, type(None), np.generic)):
        text = repr(value)
        return text if len(text) <= 80 else text[:77] + "..."
    return f"an object of type {type(value).__name__}"


def choice(func: str, name: str, value: Any, choices: Sequence[str]) -> str:
    """A string option, one of ``choices``."""
    if isinstance(value, str) and value in choices:
        return value
    listed = ", ".join(repr(c) for c in choices)
    if not isinstance(value, str):
        raise fail_type(func, name, f"one of {listed}", value)
    raise fail_value(func, name, f"one of {listed}", value)


def flag(func: str, name: str, value: Any) -> bool:
    """A boolean option: True/False (NumPy booleans and the integers 0/1 too)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral) and int(value) in (0, 1):
        return bool(value)
    raise fail_type(func, name, "True or False", value)


def real(func: str, name: str, value: Any, *, finite: bool = True) -> float:
    """A real number (not bool), finite unless ``finite=False``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise fail_type(func, name, "a real number", value)
    value = float(value)
    if finite and not math.isfinite(value):
        raise fail_value(func, name, "finite", value)
    return value


def integer(func: str, name: str, value: Any) -> int:
    """An integer (Python or NumPy, not bool)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise fail_type(func, name, "an integer", value)
    return int(value)


def int_or_ints(func: str, name: str, value: Any) -> tuple[list[int], bool]:
    """One integer or a sequence of integers: (values, was_scalar)."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
        return [int(value)], True
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
        raise fail_type(func, name, "an integer or a sequence of integers", value)
    items = list(value)
    for item in items:
        if isinstance(item, (bool, np.bool_)) or not isinstance(item, numbers.Integral):
            raise fail_type(func, name, "an integer or a sequence of integers", value)
    return [int(v) for v in items], False


def real_or_reals(func: str, name: str, value: Any) -> tuple[list[float], bool]:
    """One real number or a sequence of them: (values, was_scalar)."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)):
        return [float(value)], True
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
        raise fail_type(func, name, "a number or a sequence of numbers", value)
    items = list(value)
    for item in items:
        if isinstance(item, (bool, np.bool_)) or not isinstance(item, numbers.Real):
            raise fail_type(func, name, "a number or a sequence of numbers", value)
    return [float(v) for v in items], False


def as_array(func: str, name: str, x: Any) -> np.ndarray:
    """``np.asarray`` for any array-like (lists, CPU torch tensors, DLPack producers...); an
    ndarray subclass (np.matrix, np.memmap, ...) as a plain ndarray view of its data, but a
    masked array, whose mask would be silently dropped, is refused."""
    if isinstance(x, np.ma.MaskedArray):
        raise TypeError(
            f"fastup.{func}: {name!r} is a masked array, whose mask fastup would drop; pass "
            f"{name}.filled(value) (its data with the masked elements set to value) or "
            f"{name}.data."
        )
    if isinstance(x, np.ndarray) and type(x) is not np.ndarray:
        x = x.view(np.ndarray)
    if not isinstance(x, np.ndarray):
        try:
            x = np.asarray(x)
        except Exception as exc:  # ragged lists, tensors on a device, ...
            raise TypeError(
                f"fastup.{func}: {name!r} must be an array or array-like; np.asarray failed: {exc}"
            ) from None
    if x.dtype.kind in "OUSVMm" and not is_bfloat16(x.dtype):
        if x.dtype.type.__module__ == "ml_dtypes":
            raise TypeError(
                f"fastup.{func}: {name!r} has dtype {x.dtype}; of ml_dtypes' types fastup takes "
                f"bfloat16 only: convert with {name}.astype(np.float32)."
            )
        raise TypeError(
            f"fastup.{func}: {name!r} must hold numbers; got an array of dtype {x.dtype}."
        )
    return x


def is_bfloat16(dtype: np.dtype) -> bool:
    """``ml_dtypes.bfloat16`` (recognised without importing ml_dtypes)."""
    return dtype.kind == "V" and dtype.name == "bfloat16" and dtype.type.__module__ == "ml_dtypes"


def is_half(dtype: np.dtype) -> bool:
    """float16 or bfloat16 in native byte order: computed in float32, converted by
    ``convert``."""
    return (dtype.char == "e" and dtype.isnative) or is_bfloat16(dtype)


def normalised(x: np.ndarray, dtype: np.dtype | None = None, nthreads: int = 1) -> np.ndarray:
    """The one normalising copy: C-contiguous, aligned, native byte order (and ``dtype`` if
    given). No copy when ``x`` already is all that."""
    target = x.dtype.newbyteorder("=") if dtype is None else np.dtype(dtype)
    if x.dtype == target and x.flags.c_contiguous and x.flags.aligned:
        return x  # np.require would return a new view of it
    if target == np.float32 and is_half(x.dtype):
        widened = np.empty(x.shape, np.float32)
        convert(np.ascontiguousarray(x), widened, nthreads)
        return widened
    return np.require(x, dtype=target, requirements=("C", "A"))


def convert(source: np.ndarray, target: np.ndarray, nthreads: int = 1) -> None:
    """``target[...] = source`` (an unsafe cast); between float32 and the 16-bit floats, both
    C-contiguous and aligned, by fastup's own conversions on ``nthreads`` threads (NumPy's
    float16 casts run far below memory speed)."""
    from . import _kernels

    if (
        source.shape == target.shape
        and source.flags.c_contiguous
        and target.flags.c_contiguous
        and source.flags.aligned
        and target.flags.aligned
    ):
        if source.dtype == np.float32 and is_half(target.dtype):
            bits = target.reshape(-1).view(np.uint16)
            _kernels.narrow(source.reshape(-1), bits, target.dtype.char != "e", nthreads)
            return
        if target.dtype == np.float32 and is_half(source.dtype):
            bits = source.reshape(-1).view(np.uint16)
            _kernels.widen(bits, target.reshape(-1), source.dtype.char != "e", nthreads)
            return
    np.copyto(target, source, casting="unsafe")


def check_out(
    func: str, out: Any, shape: tuple[int, ...], dtype: np.dtype, inputs: Sequence[np.ndarray]
) -> np.ndarray:
    """``out=``: an ndarray of the right shape and dtype, C-contiguous, writeable, not
    overlapping any input."""
    if not isinstance(out, np.ndarray) or isinstance(out, (np.matrix, np.ma.MaskedArray)):
        raise fail_type(func, "out", "a numpy.ndarray (not a matrix or a masked array)", out)
    if out.shape != tuple(shape):
        raise ValueError(
            f"fastup.{func}: 'out' must have shape {tuple(shape)}; got shape {out.shape}."
        )
    if out.dtype != dtype:
        raise TypeError(f"fastup.{func}: 'out' must have dtype {dtype}; got dtype {out.dtype}.")
    if not out.flags.c_contiguous:
        raise ValueError(f"fastup.{func}: 'out' must be C-contiguous.")
    if not out.flags.writeable:
        raise ValueError(f"fastup.{func}: 'out' must be writeable; got a read-only array.")
    for array in inputs:
        try:
            overlap = np.shares_memory(out, array, max_work=_OVERLAP_WORK)
        except np.exceptions.TooHardError:
            overlap = True
        if overlap:
            raise ValueError(f"fastup.{func}: 'out' must not overlap the input.")
    return out


def kernel_target(result: np.ndarray) -> np.ndarray:
    """Where the kernels write ``result``: itself, or for a caller's ``out`` whose elements are
    not aligned (a view of a byte buffer at an odd offset) a scratch array, copied into it by
    ``deliver``. The kernels' vector loops and non-temporal stores need aligned elements."""
    return result if result.flags.aligned else np.empty(result.shape, result.dtype)


def deliver(result: np.ndarray, target: np.ndarray, nthreads: int = 1) -> np.ndarray:
    """``result``, with ``target`` (from ``kernel_target``, or the float32 result of a 16-bit
    float computation) copied in when they differ."""
    if target is not result:
        convert(target, result, nthreads)
    return result


def allocate(func: str, shape: Sequence[int], dtype: Any) -> np.ndarray:
    """``np.empty(shape, dtype)``, or a MemoryError giving the size before anything runs."""
    dtype = np.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize

    def failure(detail: str) -> MemoryError:
        return MemoryError(
            f"fastup.{func}: cannot allocate an output of shape {tuple(shape)} and dtype "
            f"{dtype}: {nbytes:,} bytes{detail}."
        )

    if nbytes > _MAX_BYTES:
        raise failure("")
    try:
        return output_array(tuple(shape), dtype, nbytes)
    except (MemoryError, ValueError) as exc:
        raise failure(f" ({exc})") from None


KEPT_OUTPUT_BYTES = 4 << 20  # outputs this large live in memory kept when they are freed


def output_array(shape: tuple[int, ...], dtype: np.dtype, nbytes: int) -> np.ndarray:
    """A new array for a result of ``nbytes``: ``np.empty``, or for a large one an array over
    an ``_kernels.OutputBlock``, whose memory is kept for the next large output when the
    array is freed (at most two blocks, of at most 1 GiB each; see ``OutputBlock``): the next
    call of a pipeline then writes memory that is already mapped, instead of paying the page
    faults (and the zeroing) of a fresh allocation again, which cost as much as the resize
    itself for a large output."""
    if nbytes < KEPT_OUTPUT_BYTES:
        return np.empty(shape, dtype)
    from . import _kernels

    block = _kernels.OutputBlock(nbytes)
    return np.frombuffer(block, np.uint8, count=nbytes).view(dtype).reshape(shape)
