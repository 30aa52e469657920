"""What a call of a public fastup function with arbitrary arguments may do, shared by the
Hypothesis bad-input test (test_fuzz_arguments.py) and the atheris harnesses (fuzz/).

A call must either return a correct result (the caller checks it) or raise TypeError,
ValueError or MemoryError with a non-empty message, the TypeError/ValueError naming the
function (``fastup.resize: 'size' must be ...``); it never modifies its array arguments, and
a caller's ``out`` is untouched when it raises. It emits no RuntimeWarning.

The bugs these checks found (B1-B19 in the history) each have a regression test in
test_reliability.py; none is tolerated here any more.
"""

from __future__ import annotations

import math
import re
import warnings
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np

import fastup

# Argument values at the edges, shared by the Hypothesis test and the atheris harnesses.
HUGE_INTS = [2**31 - 1, 2**31, 2**32, 2**62, 2**63 - 1, 2**63, 2**64, 2**100]
SPECIAL_FLOATS = [
    0.0,
    -0.0,
    0.5,
    1.0,
    1.5,
    2.0,
    3.7,
    1 / 3,
    -1.0,
    -2.5,
    1e-300,
    5e-324,
    1e6,
    1e300,
    1.7976931348623157e308,
    math.nan,
    math.inf,
    -math.inf,
]

# outcome -> count, over the whole run (reported by the tests and the fuzzers)
TALLY: Counter[str] = Counter()

_SIGNATURE_ERROR = re.compile(
    r"^\w+\(\) (got an unexpected keyword|got multiple values|takes|missing)|"
    r"^\w+\.__init__\(\) (got an unexpected keyword|takes|missing)"
)
_CONV = ("conv", "conv_transpose", "conv_transpose_backward")


class BadOutcome(AssertionError):
    """A call did something the contract forbids."""


def _arrays(value: Any, found: list[np.ndarray], depth: int = 0) -> None:
    if isinstance(value, np.ndarray):
        found.append(value)
    elif depth < 3 and isinstance(value, (list, tuple)):
        for item in value:
            _arrays(item, found, depth + 1)
    elif depth < 3 and isinstance(value, dict):
        for item in value.values():
            _arrays(item, found, depth + 1)


def _snapshot(a: np.ndarray) -> bytes | None:
    if a.dtype.hasobject:
        return None  # object arrays: identity of the elements, checked below
    return a.tobytes()


def _has_bytes(value: Any, depth: int = 0) -> bool:
    if isinstance(value, bytes):
        return True
    if depth < 3 and isinstance(value, (list, tuple)):
        return any(_has_bytes(v, depth + 1) for v in value)
    if depth < 3 and isinstance(value, dict):
        return any(_has_bytes(v, depth + 1) for v in value.values())
    return False


def call(
    func: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    check: Callable[[Any], None] | None = None,
) -> str:
    """Call ``fastup.<func>(*args, **kwargs)`` and judge it: returns the outcome's label
    ("ok", "TypeError", ..., or a known bug's name); raises BadOutcome otherwise.
    ``check(result)`` verifies a successful result."""
    watched: list[np.ndarray] = []
    _arrays(args, watched)
    _arrays(kwargs, watched)
    before = [(a, _snapshot(a), list(a.ravel()) if a.dtype.hasobject else None) for a in watched]
    out = kwargs.get("out")
    target = getattr(fastup, func)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            result = target(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - judged below
        _unchanged(func, before, include_out=True, out=out)
        label = _judge_error(func, exc, kwargs, args)
        TALLY[f"{func}: {label}"] += 1
        return label
    _unchanged(func, before, include_out=False, out=out)
    if func in (*_CONV, "checkerboard", "interpolation_kernel") and _has_bytes((args, kwargs)):
        raise BadOutcome(f"fastup.{func} accepted bytes as a sequence of ints")
    if out is not None and func in ("resize", "resize_backward", "conv", "conv_transpose"):
        if result is not out:
            raise BadOutcome(f"fastup.{func} filled out= but returned another array")
    if check is not None:
        check(result)
    TALLY[f"{func}: ok"] += 1
    return "ok"


def _unchanged(func: str, before, include_out: bool, out: Any = None) -> None:
    for array, data, objects in before:
        if not include_out and array is out:
            continue
        if objects is not None:
            if any(a is not b for a, b in zip(list(array.ravel()), objects, strict=True)):
                raise BadOutcome(f"fastup.{func} changed an object array argument")
        elif array.tobytes() != data:
            which = "out" if array is out else "an input"
            raise BadOutcome(
                f"fastup.{func} changed {which} although it {'failed' if include_out else 'returned'}"
            )


def _judge_error(
    func: str, exc: BaseException, kwargs: dict[str, Any], args: tuple[Any, ...]
) -> str:
    text = str(exc).strip()
    if not isinstance(exc, (TypeError, ValueError, MemoryError)):
        raise BadOutcome(f"fastup.{func} raised {type(exc).__name__}: {text}") from exc
    if not text:
        raise BadOutcome(f"fastup.{func} raised {type(exc).__name__} without a message") from exc
    if isinstance(exc, MemoryError):
        # NumPy's own "Unable to allocate 16.0 GiB for an array with shape ..." gives the size
        return "MemoryError" if text.startswith(f"fastup.{func}:") else "MemoryError (NumPy's)"
    if text.startswith(f"fastup.{func}:") or _SIGNATURE_ERROR.match(text):
        return type(exc).__name__
    raise BadOutcome(
        f"fastup.{func} raised {type(exc).__name__} without naming the function: {text}"
    ) from exc
