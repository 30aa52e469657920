"""torchvision's ``transforms.v2.functional.resize`` and ``transforms.v2.Resize``, computed by
fastup.

Change ``from torchvision.transforms.v2 import Resize`` to ``from fastup.compat.torchvision
import Resize`` (or ``functional.resize`` to ``fastup.compat.torchvision.resize``) and keep the
results. Checked against torchvision 0.28.0 with torch 2.13.0 on the CPU (``CHECKED``; the
rules read from ``torchvision/transforms/v2/functional/_geometry.py``):

* ``size``: an int (or a sequence of one int) is the shorter side, the longer one
  ``int(size * long / short)``; two ints are (height, width); None with ``max_size`` makes
  the longer side ``max_size`` and the shorter ``int(max_size * short / long)``. ``max_size``
  with an int size caps the longer side: when ``int(size * long / short) > max_size`` the
  output is ``(int(max_size * size / new_long), max_size)``. torchvision's refusals are
  refused (``max_size`` with two sizes, ``max_size <= size``, ``size=None`` without an int
  ``max_size``), and so is what torchvision lets through to a crash or a silent surprise
  (sizes below 1, a size of three ints, floats, bools): ValueError or TypeError naming the
  argument.
* ``interpolation``: ``"nearest"``, ``"nearest-exact"``, ``"bilinear"`` (default),
  ``"bicubic"``, ``"lanczos"`` on every input, ``"box"`` and ``"hamming"`` on PIL images only;
  torchvision's ``InterpolationMode`` members (recognised without importing torchvision) and
  Pillow's integer constants (``PIL.Image.Resampling`` members: 0 nearest, 1 lanczos,
  2 bilinear, 3 bicubic, 4 box, 5 hamming), as torchvision maps them.
* ``antialias`` (default True): applies to bilinear, bicubic and lanczos on tensors and
  ndarrays (lanczos requires it); None is False there. PIL images are always antialiased
  (Pillow), and ``antialias=False`` warns there, as torchvision does.

Inputs and what computes them:

* ``torch.Tensor`` (..., C, H, W), any number of leading dims: torchvision's tensor path,
  reshaped to (N, C, H, W) and resized by ``fastup.compat.torch.interpolate`` with the
  arguments torchvision passes to ``torch.nn.functional.interpolate`` (``align_corners=False``
  for bilinear, bicubic and lanczos; antialias only for them). uint8 goes to interpolate as
  uint8 for nearest, nearest-exact, bicubic, lanczos and (when torch reports an AVX2 or
  AVX-512 CPU, or on ARM, as torchvision checks) bilinear: bit for bit with torchvision.
  Other dtypes (int8 ... int64, uint16 ... uint64, float16, bfloat16, bool, and uint8
  bilinear on older CPUs) are resized in float32 and converted back, as torchvision does:
  uint8, int8, int16, int32 and int64 rounded half to even first, uint16, uint32 and uint64
  truncated (torchvision does not round them), out-of-range values converted as C does.
  float32 and float64 are within the float rounding of torch's sums. The
  result is a tensor of the input's dtype and shape with (H, W) replaced; a channels_last
  input gives a channels_last result. ``tv_tensors.Image`` and ``Video`` are resized the same
  way and wrapped back; a ``tv_tensors.Mask`` with nearest (as torchvision does).
* ``numpy.ndarray`` (H, W) or (..., H, W, C): torchvision's v2 functional does not take
  ndarrays; here they are an image's pixels, channels last (as ``np.asarray(pil_image)``
  gives them), resized by the tensor rules above (the same sizes, modes, dtype handling and
  values as the tensor ``torch.from_numpy(x).permute(2, 0, 1)`` would give; uint8 bilinear as
  on an AVX2 CPU). The result is a C-contiguous ndarray of the same layout.
* ``PIL.Image.Image``: torchvision resizes it with Pillow's ``Image.resize((w, h),
  resample)``; here ``fastup.compat.pillow.resize`` does, bit for bit with Pillow 13 for L,
  LA, RGB, RGBA, I;16, I (F within 1e-5 of the range); nearest-exact is Pillow's NEAREST.

As in torchvision, when the output size equals the input's the input itself is returned (not a
copy). torch and PIL are imported only when a tensor or an image is passed; torchvision only
for its ``tv_tensors`` (whose box and keypoint kinds ``Resize`` hands to torchvision's own
kernels: they hold coordinates, not pixels).

Where torch 2.13 is wrong the tensor results follow ``fastup.compat.torch`` (see its
docstring): an antialiased float resize to width 1 with the height changing, and a uint8
NCHW resize of more than 4 channels to width 1, give the definition's values, not torch's
constant column; a contiguous 3-channel uint8 bilinear or bicubic resize to 1x1 (an internal
assert in torch) gives the answer of torch's channels_last path.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np

from fastup._validate import as_array, fail_type, fail_value, flag, is_bfloat16
from fastup.compat import pillow as _pillow
from fastup.compat.torch import _from_tensor, _interpolate_plan, _layout, _to_tensor

__all__ = ["CHECKED", "INTERPOLATION_MODES", "Resize", "resize"]

CHECKED = {"torchvision": "0.28.0"}

# torchvision's InterpolationMode values, in its order
INTERPOLATION_MODES = (
    "nearest",
    "nearest-exact",
    "bilinear",
    "bicubic",
    "box",
    "hamming",
    "lanczos",
)
# torchvision's _interpolation_modes_from_int (Pillow's filter constants)
_FROM_INT = {0: "nearest", 2: "bilinear", 3: "bicubic", 4: "box", 5: "hamming", 1: "lanczos"}
# torchvision's pil_modes_mapping
_TO_PIL = {
    "nearest": _pillow.NEAREST,
    "nearest-exact": _pillow.NEAREST,
    "bilinear": _pillow.BILINEAR,
    "bicubic": _pillow.BICUBIC,
    "box": _pillow.BOX,
    "hamming": _pillow.HAMMING,
    "lanczos": _pillow.LANCZOS,
}
_PIL_ONLY = ("box", "hamming")
_SMOOTH = ("bilinear", "bicubic", "lanczos")  # align_corners=False, antialias applies
# the dtypes torchvision rounds (half to even) after its float32 detour; the others (uint16,
# uint32, uint64, bool) are converted as they come: truncated
_ROUNDED = ("uint8", "int8", "int16", "int32", "int64")
_FUNC = "compat.torchvision.resize"


# --------------------------------------------------------------------------------------------
# arguments
# --------------------------------------------------------------------------------------------


def _interpolation(interpolation: Any) -> str:
    """torchvision's ``_check_interpolation``: a mode name, an ``InterpolationMode`` member or
    a Pillow integer constant, as the mode name."""
    if type(interpolation) is str and interpolation in INTERPOLATION_MODES:
        return interpolation
    expected = (
        "one of " + ", ".join(map(repr, INTERPOLATION_MODES)) + ", an InterpolationMode or "
        "a Pillow filter constant (" + ", ".join(f"{v}: {n!r}" for v, n in _FROM_INT.items()) + ")"
    )
    cls = type(interpolation)
    if cls.__name__ == "InterpolationMode" and cls.__module__.startswith("torchvision"):
        return _interpolation(interpolation.value)
    if isinstance(interpolation, (bool, np.bool_)):  # torchvision: True is 1, lanczos
        raise fail_type(_FUNC, "interpolation", expected, interpolation)
    if isinstance(interpolation, int):  # PIL.Image.Resampling members too
        if int(interpolation) in _FROM_INT:
            return _FROM_INT[int(interpolation)]
        raise fail_value(_FUNC, "interpolation", expected, interpolation)  # torchvision: KeyError
    raise fail_value(_FUNC, "interpolation", expected, interpolation)  # torchvision's ValueError


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _size_key(size: Any) -> tuple[int, ...] | None:
    """``size`` as a tuple of one or two ints (the key of the cached plans), or None."""
    if size is None:
        return None
    if type(size) is int:
        return (size,)
    expected = "an int, a sequence of one or two ints (height, width), or None"
    if isinstance(size, (bool, np.bool_)) or (isinstance(size, np.ndarray) and size.ndim == 0):
        raise fail_type(_FUNC, "size", expected, size)
    if isinstance(size, (str, bytes)) or not isinstance(size, (Sequence, np.ndarray)):
        raise fail_type(_FUNC, "size", expected, size)  # torchvision: TypeError (no len())
    items = tuple(size)
    if not all(_is_int(v) for v in items):
        raise fail_type(_FUNC, "size", expected, size)
    if len(items) not in (1, 2):
        raise fail_value(_FUNC, "size", expected, size)
    return tuple(int(v) for v in items)


def _max_size(max_size: Any, size: tuple[int, ...] | None) -> int | None:
    if max_size is None:
        if size is None:  # torchvision's ValueError
            raise fail_value(_FUNC, "max_size", "an integer when size is None", max_size)
        return None
    if not _is_int(max_size):
        if size is None:
            raise fail_value(_FUNC, "max_size", "an integer when size is None", max_size)
        raise fail_type(_FUNC, "max_size", "None or an integer", max_size)
    return int(max_size)


def _antialias(antialias: Any) -> bool | None:
    return None if antialias is None else flag(_FUNC, "antialias", antialias)


def _check_max_size(size: tuple[int, ...] | None, max_size: int | None) -> None:
    """torchvision's refusals of ``max_size`` beside a size."""
    if size is None or max_size is None:
        return
    if len(size) == 2:
        raise ValueError(
            f"fastup.{_FUNC}: 'max_size' should only be passed if size is None or specifies "
            f"the length of the smaller edge (an int or a sequence of one); got "
            f"size={list(size)}, max_size={max_size}."
        )
    if max_size <= size[0]:
        raise ValueError(
            f"fastup.{_FUNC}: max_size = {max_size} must be strictly greater than the requested "
            f"size for the smaller edge size = {list(size)}."
        )


def _output_size(H: int, W: int, size: tuple[int, ...] | None, max_size: int | None):
    """torchvision's ``_compute_resized_output_size`` (v2, size None allowed): (h, w)."""
    _check_max_size(size, max_size)
    if size is not None and len(size) == 2:
        return size[0], size[1]
    short, long = (W, H) if W <= H else (H, W)
    if short == 0:  # torchvision: ZeroDivisionError
        raise ValueError(
            f"fastup.{_FUNC}: 'img' has no pixels ({H}x{W}): the shorter side of an empty "
            "image cannot be scaled; pass size=(height, width)."
        )
    if size is None:
        new_short, new_long = int(max_size * short / long), max_size
    else:
        new_short, new_long = size[0], int(size[0] * long / short)
        if max_size is not None and new_long > max_size:
            new_short, new_long = int(max_size * new_short / new_long), max_size
    new_w, new_h = (new_short, new_long) if W <= H else (new_long, new_short)
    return new_h, new_w


class _Plan(NamedTuple):
    """A checked resize of one shape and dtype: what to pass to interpolate and around it."""

    out_hw: tuple[int, int]
    unchanged: bool
    mode: str
    antialias: bool
    align_corners: bool | None
    cast: bool  # resized in float32, then rounded (integers) and converted back
    interpolation: Any  # compat.torch's cached _Interpolation (None when unchanged or empty)


@lru_cache(maxsize=256)
def _plan(
    shape: tuple[int, ...],
    dtype: str,
    size: tuple[int, ...] | None,
    mode: str,
    max_size: int | None,
    antialias: bool | None,
    native_bilinear: bool,
) -> _Plan:
    """torchvision's ``resize_image`` for a (N, C, H, W) array of ``dtype`` (its numpy str, or
    'bfloat16'), in its order: checks, output size, the dtype it gives interpolate."""
    aa = bool(antialias)
    align = None
    if mode in _SMOOTH:
        align = False
        if mode == "lanczos" and not aa:
            raise ValueError(
                f"fastup.{_FUNC}: 'interpolation' lanczos requires antialias=True (as "
                "torchvision's InterpolationMode.LANCZOS)."
            )
    else:
        aa = False
    N, C, H, W = shape
    h, w = _output_size(H, W, size, max_size)
    if (h, w) == (H, W):
        return _Plan((h, w), True, mode, aa, align, False, None)
    if h < 1 or w < 1:
        raise ValueError(
            f"fastup.{_FUNC}: 'size' gives an output of {h}x{w} from {H}x{W}; input and "
            "output sizes should be greater than 0."
        )
    if mode in _PIL_ONLY:
        raise ValueError(
            f"fastup.{_FUNC}: 'interpolation' {mode!r} is for PIL images only (torchvision's "
            "tensor path refuses it); for tensors and arrays use one of 'nearest', "
            "'nearest-exact', 'bilinear', 'bicubic', 'lanczos'."
        )
    if dtype != "bfloat16" and np.dtype(dtype).kind == "c":
        raise TypeError(
            f"fastup.{_FUNC}: 'img' has the complex dtype {np.dtype(dtype)}, which torchvision "
            "does not resize."
        )
    acceptable = [np.dtype(np.float32).str, np.dtype(np.float64).str]
    if mode in ("nearest", "nearest-exact", "bicubic", "lanczos") or native_bilinear:
        acceptable.append(np.dtype(np.uint8).str)
    cast = dtype not in acceptable
    if N * C == 0:
        return _Plan((h, w), False, mode, aa, align, cast, None)
    if H * W == 0:  # torchvision: its reshape of no elements to (C, h, w) fails
        raise ValueError(f"fastup.{_FUNC}: 'img' has no pixels ({H}x{W}) to resize to {h}x{w}.")
    work = np.dtype(np.float32).str if cast else dtype
    interpolation = _interpolate_plan((N, C, H, W), work, (h, w), None, mode, align, None, aa)
    return _Plan((h, w), False, mode, aa, align, cast, interpolation)


@lru_cache(maxsize=1)
def _torch_native_bilinear() -> bool:
    """torchvision's ``_do_native_uint8_resize_on_cpu`` for bilinear (torch is imported)."""
    import platform

    import torch

    return torch.backends.cpu.get_cpu_capability() in ("AVX2", "AVX512") or (
        platform.machine() in ("aarch64", "arm64")
    )


# --------------------------------------------------------------------------------------------
# resize
# --------------------------------------------------------------------------------------------


def resize(
    img: Any,
    size: int | Sequence[int] | None,
    interpolation: Any = "bilinear",
    max_size: int | None = None,
    antialias: bool | None = True,
    *,
    workers: int | None = None,
) -> Any:
    """``torchvision.transforms.v2.functional.resize`` (torchvision 0.28), computed by fastup.

    Parameters
    ----------
    img : torch.Tensor, ndarray or PIL.Image.Image
        A tensor (..., C, H, W) (the result: a tensor of its dtype, leading dims and memory
        format), an ndarray (H, W) or (..., H, W, C) (the result: a C-contiguous ndarray of the
        same layout), or a Pillow image (the result: an image of its mode). Never modified.
    size : int, sequence of one or two ints, or None
        An int (or ``[int]``): the shorter side, the longer ``int(size * long / short)``.
        ``(height, width)``: that size. None: the longer side is ``max_size``.
    interpolation : str, InterpolationMode or int
        ``"nearest"``, ``"nearest-exact"``, ``"bilinear"`` (default), ``"bicubic"``,
        ``"lanczos"``; ``"box"`` and ``"hamming"`` for PIL images only; torchvision's
        ``InterpolationMode`` members and Pillow's filter constants (0 to 5) for them.
    max_size : int, optional
        The cap on the longer side, with an int size (it must then exceed ``size``), or the
        longer side itself when ``size`` is None.
    antialias : bool or None
        For bilinear, bicubic and lanczos on tensors and arrays (lanczos requires True); None
        is False. PIL images are always antialiased (False warns, as torchvision).
    workers : int, optional
        fastup's threads (None: the default).

    Returns
    -------
    torch.Tensor, ndarray or PIL.Image.Image
        The resized image, of the input's kind; the input itself when the size is unchanged.

    Raises
    ------
    ValueError
        An unknown interpolation, box/hamming on a tensor or array, lanczos without antialias,
        ``max_size`` with two sizes or not above ``size``, size None without ``max_size``, an
        output size below 1, an image of no pixels with an int size.
    TypeError
        ``size`` not ints, ``max_size`` not an int, an input that is not an image.

    Notes
    -----
    For an input of height ``H`` and width ``W``, ``short = min(H, W)``, ``long =
    max(H, W)``, an int ``size = s`` gives the sides ``(s, int(s * long / short))`` (the
    division in double, truncated), and with ``max_size = m`` when the longer exceeds ``m``:
    ``(int(m * s / long'), m)``. The resize itself is ``torch.nn.functional.interpolate(x,
    (h, w), mode, align_corners=False, antialias)`` on the (N, C, H, W) view (see
    ``fastup.compat.torch``) or Pillow's ``Image.resize`` (see ``fastup.compat.pillow``).

    Examples
    --------
    >>> import numpy as np
    >>> from fastup.compat import torchvision as tv
    >>> x = np.zeros((300, 400, 3), np.uint8)
    >>> tv.resize(x, 256).shape  # the shorter side becomes 256: 256 * 400 / 300 = 341.3
    (256, 341, 3)
    >>> tv.resize(x, 256, max_size=320).shape  # the longer side capped: int(320 * 256 / 341)
    (240, 320, 3)
    >>> tv.resize(x, None, max_size=100).shape
    (75, 100, 3)
    >>> row = np.array([[0.0, 1.0, 2.0, 3.0]])
    >>> tv.resize(row, (1, 2), antialias=False).tolist()
    [[0.5, 2.5]]
    >>> tv.resize(row, (1, 2), "nearest").tolist()
    [[0.0, 2.0]]
    >>> tv.resize(x, (10, 10), "box")
    Traceback (most recent call last):
    ...
    ValueError: fastup.compat.torchvision.resize: 'interpolation' 'box' is for PIL images only ...
    """
    mode = _interpolation(interpolation)
    key = _size_key(size)
    cap = _max_size(max_size, key)
    aa = _antialias(antialias)
    kind = type(img).__module__.split(".")[0]
    if kind == "torch" and hasattr(img, "is_contiguous"):
        return _resize_tensor(img, key, mode, cap, aa, workers)
    if type(img) is np.ndarray:
        return _resize_array(img, key, mode, cap, aa, workers)
    if _pillow._pil_image(img) is not None:
        return _resize_pil(img, key, mode, cap, aa)
    if kind == "torchvision" and hasattr(img, "is_contiguous"):
        return _resize_tv_tensor(img, size, key, mode, cap, aa, workers)
    if isinstance(img, (numbers.Number, str, bytes, type(None))) or not hasattr(img, "__array__"):
        raise fail_type(
            _FUNC,
            "img",
            "a torch.Tensor (..., C, H, W), an ndarray (H, W[, C]) or a PIL image",
            img,
        )
    return _resize_array(as_array(_FUNC, "img", img), key, mode, cap, aa, workers)


def _run(plan: _Plan, x: np.ndarray, workers: Any) -> np.ndarray:
    """interpolate's computation of ``x`` (N, C, H, W), in ``x``'s memory layout (channels
    last stays channels last), with torchvision's float32 detour for the cast dtypes."""
    N, C = x.shape[:2]
    h, w = plan.out_hw
    if plan.interpolation is None:  # no channels or no images: nothing to compute
        return np.empty((N, C, h, w), x.dtype)
    source = x.astype(np.float32) if plan.cast else x
    order = _layout(source)
    if order is not None:
        inverse = tuple(sorted(range(len(order)), key=order.__getitem__))
        out = plan.interpolation.run(source.transpose(order), order, workers).transpose(inverse)
    else:
        out = plan.interpolation.run(source, None, workers)
    if plan.cast:
        if x.dtype.name in _ROUNDED:
            np.rint(out, out=out)
        with np.errstate(invalid="ignore"):  # out of range: as torch's conversion (C's)
            out = out.astype(x.dtype)
    return out


def _resize_tensor(
    img: Any, size: Any, mode: str, max_size: Any, antialias: Any, workers: Any
) -> Any:
    try:  # a CPU tensor that does not require grad, of a dtype NumPy has (or bfloat16)
        x = _from_tensor("resize", "img", img)
    except (TypeError, ValueError) as exc:
        raise type(exc)(str(exc).replace("compat.torch.resize", _FUNC)) from None
    if x.ndim < 3:
        raise ValueError(
            f"fastup.{_FUNC}: a tensor 'img' must be (..., C, H, W), at least 3 dims; got shape "
            f"{tuple(x.shape)} (add a channel dim: img[None])."
        )
    lead, (C, H, W) = x.shape[:-3], x.shape[-3:]
    native = mode == "bilinear" and x.dtype == np.uint8 and _torch_native_bilinear()
    plan = _plan(
        (math.prod(lead), C, H, W),
        "bfloat16" if is_bfloat16(x.dtype) else x.dtype.str,
        size,
        mode,
        max_size,
        antialias,
        native,
    )
    if plan.unchanged:
        return img
    out = _run(plan, x.reshape(-1, C, H, W), workers)
    return _to_tensor(out.reshape(lead + (C,) + plan.out_hw))


def _resize_array(
    x: np.ndarray, size: Any, mode: str, max_size: Any, antialias: Any, workers: Any
) -> np.ndarray:
    if x.ndim < 2:
        raise ValueError(
            f"fastup.{_FUNC}: an ndarray 'img' must be (H, W) or (..., H, W, C); got shape "
            f"{x.shape}."
        )
    flat = x.ndim == 2
    lead, (H, W, C) = ((), x.shape + (1,)) if flat else (x.shape[:-3], x.shape[-3:])
    given = x
    x = x.astype(x.dtype.newbyteorder("="), copy=False)
    plan = _plan(
        (math.prod(lead), C, H, W),
        "bfloat16" if is_bfloat16(x.dtype) else x.dtype.str,
        size,
        mode,
        max_size,
        antialias,
        mode == "bilinear",  # as on an AVX2 / AVX-512 / ARM CPU
    )
    if plan.unchanged:
        return given
    nchw = x.reshape((-1, H, W, C)).transpose(0, 3, 1, 2)
    out = _run(plan, nchw, workers).transpose(0, 2, 3, 1)
    h, w = plan.out_hw
    return np.ascontiguousarray(out.reshape(lead + ((h, w) if flat else (h, w, C))))


def _resize_pil(img: Any, size: Any, mode: str, max_size: Any, antialias: Any) -> Any:
    if antialias is False:
        warnings.warn(
            "Anti-alias option is always applied for PIL Image input. Argument antialias is "
            "ignored.",
            UserWarning,
            stacklevel=3,
        )
    h, w = _output_size(img.height, img.width, size, max_size)
    if (h, w) == (img.height, img.width):
        return img
    if h < 1 or w < 1:
        raise ValueError(
            f"fastup.{_FUNC}: 'size' gives an output of {h}x{w} from {img.height}x{img.width}; "
            "height and width must be > 0."
        )
    return _pillow.resize(img, (w, h), _TO_PIL[mode])


def _resize_tv_tensor(
    img: Any, given: Any, size: Any, mode: str, max_size: Any, antialias: Any, workers: Any
) -> Any:
    """torchvision's ``tv_tensors``: Image and Video resized as tensors, a Mask with nearest
    (torchvision's ``resize_mask``), each wrapped back; the others (boxes, keypoints: their
    coordinates) by torchvision's own kernels."""
    import torch
    from torchvision import tv_tensors

    plain = img.as_subclass(torch.Tensor)
    if isinstance(img, (tv_tensors.Image, tv_tensors.Video)):
        out = _resize_tensor(plain, size, mode, max_size, antialias, workers)
    elif isinstance(img, tv_tensors.Mask):
        mask = plain.unsqueeze(0) if plain.ndim < 3 else plain
        nearest = mode if mode == "nearest-exact" else "nearest"
        out = _resize_tensor(mask, size, nearest, max_size, False, workers)
        if out is mask:
            return img
        out = out.squeeze(0) if plain.ndim < 3 else out
    else:
        from torchvision.transforms.v2 import functional

        return functional.resize(img, given, mode, max_size, antialias)
    if out is plain:
        return img
    return tv_tensors.wrap(out, like=img)


# --------------------------------------------------------------------------------------------
# Resize
# --------------------------------------------------------------------------------------------


class Resize:
    """``torchvision.transforms.v2.Resize`` (torchvision 0.28), computed by fastup.

    ``Resize(size, interpolation="bilinear", max_size=None, antialias=True)`` with
    :func:`resize`'s arguments, checked when it is made (torchvision checks ``interpolation``
    only when called). Calling it resizes an image (tensor, ndarray, PIL image), or, like
    torchvision's transforms, a sample: tuples, lists and dicts (nested) of images and other
    values, with torchvision's rule for plain tensors: when the sample holds a PIL image or a
    ``tv_tensors.Image`` / ``Video``, those are resized and plain tensors pass through;
    otherwise the first plain tensor or ndarray (depth first) is resized and the others pass
    through. (torchvision passes every ndarray through; here an ndarray counts as a plain
    tensor.) Other values (labels, strings, None) pass through. It imports nothing from torch
    or torchvision, pickles (DataLoader workers), and works in ``torchvision.transforms.v2
    .Compose``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastup.compat.torchvision import Resize
    >>> t = Resize(4, interpolation="nearest")
    >>> t
    Resize(size=[4], interpolation='nearest', max_size=None, antialias=True)
    >>> t(np.zeros((8, 16, 3), np.uint8)).shape
    (4, 8, 3)
    >>> image, label = t((np.zeros((8, 12), np.float32), 7))
    >>> image.shape, label
    ((4, 6), 7)
    """

    def __init__(
        self,
        size: int | Sequence[int] | None,
        interpolation: Any = "bilinear",
        max_size: int | None = None,
        antialias: bool | None = True,
    ) -> None:
        key = _size_key(size)
        self.size = None if key is None else list(key)
        self.interpolation = _interpolation(interpolation)
        self.max_size = _max_size(max_size, key)
        _check_max_size(key, self.max_size)
        self.antialias = _antialias(antialias)

    def __call__(self, *inputs: Any) -> Any:
        sample = inputs if len(inputs) > 1 else inputs[0]
        if type(sample) is np.ndarray or _is_plain_tensor(sample) or _is_explicit(sample):
            return self._resize(sample)
        leaves: list[Any] = []
        _flatten(sample, leaves)
        explicit = any(_is_explicit(v) for v in leaves)
        todo = []
        for v in leaves:
            if _is_explicit(v) or _is_tv_tensor(v):
                todo.append(True)
            elif type(v) is np.ndarray or _is_plain_tensor(v):
                todo.append(not explicit)
                explicit = True  # only the first plain one, when no explicit image
            else:
                todo.append(False)
        done = iter([self._resize(v) if t else v for v, t in zip(leaves, todo, strict=True)])
        return _unflatten(sample, done)

    forward = __call__

    def _resize(self, img: Any) -> Any:
        key = None if self.size is None else tuple(self.size)
        return resize(img, key, self.interpolation, self.max_size, self.antialias)

    def __repr__(self) -> str:
        return (
            f"Resize(size={self.size}, interpolation={self.interpolation!r}, "
            f"max_size={self.max_size}, antialias={self.antialias})"
        )

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and vars(self) == vars(other)

    __hash__ = None  # type: ignore[assignment]


def _is_plain_tensor(value: Any) -> bool:
    """A torch.Tensor that is not a torchvision tv_tensor (torchvision's ``is_pure_tensor``)."""
    cls = type(value)
    return cls.__module__.split(".")[0] == "torch" and hasattr(value, "is_contiguous")


def _is_tv_tensor(value: Any) -> bool:
    return type(value).__module__.startswith("torchvision.tv_tensors") and hasattr(
        value, "is_contiguous"
    )


def _is_explicit(value: Any) -> bool:
    """A PIL image or a tv_tensors Image / Video: resized whatever else the sample holds."""
    if _pillow._pil_image(value) is not None:
        return True
    if _is_tv_tensor(value):
        return type(value).__name__ in ("Image", "Video")
    return False


def _flatten(sample: Any, leaves: list[Any]) -> None:
    if type(sample) in (tuple, list) or (isinstance(sample, tuple) and hasattr(sample, "_fields")):
        for item in sample:
            _flatten(item, leaves)
    elif isinstance(sample, dict):
        for item in sample.values():
            _flatten(item, leaves)
    else:
        leaves.append(sample)


def _unflatten(sample: Any, done: Any) -> Any:
    if type(sample) is tuple or type(sample) is list:
        return type(sample)(_unflatten(item, done) for item in sample)
    if isinstance(sample, tuple) and hasattr(sample, "_fields"):  # a namedtuple
        return type(sample)(*(_unflatten(item, done) for item in sample))
    if isinstance(sample, dict):
        out = sample.copy()
        for k, item in sample.items():
            out[k] = _unflatten(item, done)
        return out
    return next(done)
