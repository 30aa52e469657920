"""fastup.compat.onnx against ONNX itself: every Resize, Upsample and ConvTranspose backend test
case the installed ``onnx`` ships, random Resize-19 / ConvTranspose-22 models run by
``onnx.reference`` (the implementation that generates the backend data) and by ONNX Runtime,
the errors, the version check and the cost of a compat call over the core call.

Tolerances: float32 within ``1e-5 * range`` (the range of the input and the expected output),
float64 within ``1e-10 * range``; ``nearest`` bit for bit (against ONNX Runtime, away from exact
ties, where its float32 coordinates may fall on either side); integer outputs within 1.
"""

from __future__ import annotations

import importlib.metadata
import math
import os
import warnings
import zlib
from fractions import Fraction

import numpy as np
import pytest

import fastup
from fastup.compat import onnx as fo

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _rng(*key: object) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def _attributes(node) -> dict:
    """A node's attributes as onnx.helper gives them (strings as bytes, lists of ints)."""
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _run_compat(node, values: dict) -> np.ndarray:
    """One Resize / Upsample / ConvTranspose node through fastup.compat.onnx; ``values`` maps
    the node's input names to arrays."""
    args = [values.get(name) if name else None for name in node.input]
    attrs = _attributes(node)
    if node.op_type == "Resize":
        args += [None] * (4 - len(args))
        return fo.resize(args[0], args[1], args[2], args[3], **attrs)
    if node.op_type == "Upsample":
        scales = args[1] if len(args) > 1 else attrs.pop("scales")  # opset 9 input, 7 attribute
        return fo.upsample(args[0], scales, **attrs)
    assert node.op_type == "ConvTranspose"
    args += [None] * (3 - len(args))
    return fo.conv_transpose(args[0], args[1], args[2], **attrs)


def _assert_matches(got: np.ndarray, expected: np.ndarray, exact: bool, mask=None, x=None) -> float:
    """``got`` against a peer's ``expected``: same shape and dtype, bit for bit when ``exact``
    (where ``mask`` is True, if given), else within the tolerance relative to the range of the
    expected output and the input ``x`` (at least its largest magnitude); returns the max
    error relative to that range."""
    assert got.shape == expected.shape, (got.shape, expected.shape)
    assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
    if exact:
        if mask is None:
            np.testing.assert_array_equal(got, expected)
        else:
            np.testing.assert_array_equal(got[mask], expected[mask])
        return 0.0
    if got.dtype.kind in "iu":
        diff = np.abs(got.astype(np.int64) - expected.astype(np.int64))
        assert diff.max(initial=0) <= 1
        return float(diff.max(initial=0))
    g, e = got.astype(np.float64), expected.astype(np.float64)
    values = np.concatenate([e.ravel(), np.asarray(x if x is not None else e, np.float64).ravel()])
    span = max(float(np.ptp(values)), float(np.abs(values).max()), 1e-30) if values.size else 1.0
    error = float(np.abs(g - e).max(initial=0)) / span
    assert error <= (1e-5 if got.dtype == np.float32 else 1e-10), error
    return error


# --------------------------------------------------------------------------------------------
# the backend test cases
# --------------------------------------------------------------------------------------------

_OPS = ("Resize", "Upsample", "ConvTranspose")
_DATA = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data")


def _data_dirs() -> list[str]:
    """Every backend test directory the installed onnx ships whose model holds one of _OPS
    (node/test_resize_*, test_upsample_*, test_convtranspose_*, and the PyTorch-exported
    ConvTranspose models)."""
    found = []
    for kind in sorted(os.listdir(_DATA)) if os.path.isdir(_DATA) else []:
        for name in sorted(os.listdir(os.path.join(_DATA, kind))):
            directory = os.path.join(_DATA, kind, name)
            if kind == "node" and not name.startswith(
                ("test_resize_", "test_upsample_", "test_convtranspose")
            ):
                continue
            path = os.path.join(directory, "model.onnx")
            if os.path.isfile(path) and {n.op_type for n in onnx.load(path).graph.node} & set(_OPS):
                found.append(os.path.join(kind, name))
    return found


def _generated_cases() -> dict:
    """The node test cases of _OPS from the generators the backend data are written by
    (``onnx.backend.test.case.node.resize``, ``upsample``, ``convtranspose``: the data
    directories are their output). onnx wheels since 1.16 leave the node data directories out,
    so these are the installed package's backend node tests."""
    import importlib

    node_cases = importlib.import_module("onnx.backend.test.case.node")
    for module in ("resize", "upsample", "convtranspose"):
        importlib.import_module(f"onnx.backend.test.case.node.{module}")
    return {
        case.name: case
        for case in node_cases._NodeTestCases
        if case.model.graph.node[0].op_type in _OPS
    }


_GENERATED = _generated_cases()
_DIRS = _data_dirs()
# directory cases that duplicate a generated one are run once
_CASES = sorted(_GENERATED) + [d for d in _DIRS if os.path.basename(d) not in _GENERATED]
# (none so far: every case is matched)
_XFAIL: dict[str, str] = {}


def _load_case(name: str) -> tuple:
    """(model, inputs by name, expected output) of a backend case."""
    if name in _GENERATED:
        case = _GENERATED[name]
        model = case.model
        inputs, outputs = case.data_sets[0]
        names = [i.name for i in model.graph.input]
        values = dict(zip(names, inputs, strict=True))
        return model, values, outputs[0]
    directory = os.path.join(_DATA, name)
    model = onnx.load(os.path.join(directory, "model.onnx"))
    values = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    data = os.path.join(directory, "test_data_set_0")
    feeds = [i.name for i in model.graph.input if i.name not in values]
    for i, name_ in enumerate(feeds):
        tensor = onnx.load_tensor(os.path.join(data, f"input_{i}.pb"))
        values[name_] = numpy_helper.to_array(tensor)
    expected = numpy_helper.to_array(onnx.load_tensor(os.path.join(data, "output_0.pb")))
    return model, values, expected


def test_backend_cases_found() -> None:
    """The three operators' cases are all there (a test that cannot silently run nothing)."""
    ops = {
        _load_case(name)[0].graph.node[0].op_type
        for name in _CASES
        if len(_load_case(name)[0].graph.node) == 1
    }
    assert ops == set(_OPS)
    assert sum(name.startswith("test_resize_") for name in _CASES) >= 38
    assert sum("convtranspose" in name.lower() for name in _CASES) >= 11


@pytest.mark.parametrize("name", _CASES)
def test_backend_case(name: str) -> None:
    if name in _XFAIL:
        pytest.xfail(_XFAIL[name])
    model, values, expected = _load_case(name)
    (node,) = model.graph.node
    got = _run_compat(node, values)
    mode = _attributes(node).get("mode", b"nearest")
    exact = node.op_type != "ConvTranspose" and mode == b"nearest"
    _assert_matches(got, expected, exact)


# --------------------------------------------------------------------------------------------
# random Resize-19 models: onnx.reference and ONNX Runtime
# --------------------------------------------------------------------------------------------

_TYPES = {
    np.dtype(np.float32): TensorProto.FLOAT,
    np.dtype(np.float64): TensorProto.DOUBLE,
    np.dtype(np.uint8): TensorProto.UINT8,
    np.dtype(np.int8): TensorProto.INT8,
    np.dtype(np.int32): TensorProto.INT32,
    np.dtype(np.int64): TensorProto.INT64,
}


def _resize_model(x, roi=None, scales=None, sizes=None, **attributes):
    """A one-node Resize-19 model and its feeds."""
    names, inputs, feeds = ["X", "", "", ""], [], {"X": x}
    inputs.append(helper.make_tensor_value_info("X", _TYPES[x.dtype], [None] * x.ndim))
    for slot, name, value, kind in (
        (1, "roi", roi, None),
        (2, "scales", scales, np.float32),
        (3, "sizes", sizes, np.int64),
    ):
        if value is None:
            continue
        value = np.asarray(value, kind or np.asarray(value).dtype)
        names[slot] = name
        feeds[name] = value
        inputs.append(helper.make_tensor_value_info(name, _TYPES[value.dtype], [len(value)]))
    while names[-1] == "":
        names.pop()
    node = helper.make_node("Resize", names, ["Y"], **attributes)
    graph = helper.make_graph(
        [node],
        "resize",
        inputs,
        [helper.make_tensor_value_info("Y", _TYPES[x.dtype], [None] * x.ndim)],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
    model.ir_version = 9
    return model, feeds


def _ort_run(model, feeds):
    ort = pytest.importorskip("onnxruntime")
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.log_severity_level = 4
    session = ort.InferenceSession(
        model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    return session.run(None, feeds)[0]


def _reference_run(model, feeds):
    from onnx.reference import ReferenceEvaluator

    return ReferenceEvaluator(model).run(None, feeds)[0]


_COORDS = fo.COORDINATE_TRANSFORMATION_MODES
# scales exact in binary: ONNX Runtime's float32 lengths and coordinates then agree with the
# float64 ones away from ties
_DYADIC = (0.375, 0.5, 0.625, 0.75, 0.875, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 3.0)


def _random_resize(seed: int, *, for_ort: bool, dtype=np.float32) -> dict:
    """Random Resize-19 arguments: X, roi, scales or sizes, attributes."""
    rng = _rng("resize", seed, for_ort)
    mode = ("nearest", "linear", "cubic")[seed % 3]
    if for_ort:  # ONNX Runtime: linear on 2-D..5-D, cubic on 2-D and 4-D (N, C unscaled)
        rank = 4 if mode == "cubic" else int(rng.integers(2, 5))
    else:
        rank = int(rng.integers(1, 5))
    shape = tuple(int(v) for v in rng.integers(1, 9, size=rank))
    if for_ort and rank >= 3:
        shape = (int(rng.integers(1, 3)), int(rng.integers(1, 3))) + shape[2:]
    spatial = list(range(rank - 2, rank)) if rank >= 3 else list(range(rank))
    if not for_ort and rank >= 3 and rng.random() < 0.5:
        spatial = sorted(rng.choice(rank, size=int(rng.integers(1, rank + 1)), replace=False))
        spatial = [int(a) for a in spatial]
    attrs: dict = {
        "mode": mode,
        "coordinate_transformation_mode": _COORDS[int(rng.integers(len(_COORDS)))],
    }
    use_axes = rng.random() < 0.5
    if use_axes:
        # negative axes for ONNX Runtime (onnx.reference takes non-negative ones only)
        axes = [a if rng.random() < 0.7 or not for_ort else a - rank for a in spatial]
        if rng.random() < 0.5:
            axes = axes[::-1]
        attrs["axes"] = axes
        resized = [a % rank for a in axes]
    else:
        resized = list(range(rank))
    if mode == "nearest":
        attrs["nearest_mode"] = fo.NEAREST_MODES[int(rng.integers(4))]
    else:
        if rng.random() < 0.4:
            attrs["antialias"] = 1
        if rng.random() < 0.4:
            attrs["exclude_outside"] = 1
    if mode == "cubic":
        attrs["cubic_coeff_a"] = float(rng.choice([-0.75, -0.5, -0.6]))
    if attrs["coordinate_transformation_mode"] == "tf_crop_and_resize":
        attrs["extrapolation_value"] = float(rng.choice([0.0, 10.0, -2.5]))
    k = len(resized)
    fixed = [a for a in resized if a not in spatial]  # axes ONNX Runtime wants unscaled
    call: dict = {}
    if rng.random() < 0.5:
        pool = _DYADIC if for_ort else (*_DYADIC, 0.6, 0.7, 1.3, 1.7, 0.3)
        scales = [1.0 if a in fixed else float(rng.choice(pool)) for a in resized]
        scales = [max(s, 1.0 / shape[a]) for s, a in zip(scales, resized, strict=True)]
        call["scales"] = np.array(scales, np.float32)
    else:
        sizes = [shape[a] if a in fixed else int(rng.integers(1, 14)) for a in resized]
        call["sizes"] = np.array(sizes, np.int64)
        if use_axes and rng.random() < 0.3:
            attrs["keep_aspect_ratio_policy"] = ("not_larger", "not_smaller")[seed % 2]
    if attrs["coordinate_transformation_mode"] == "tf_crop_and_resize":
        starts = rng.uniform(-0.2, 0.6, size=k)
        ends = rng.uniform(0.4, 1.2, size=k)
        flip = rng.random(k) < 0.15
        starts, ends = np.where(flip, ends, starts), np.where(flip, starts, ends)
        for i, a in enumerate(resized):
            if a in fixed:
                starts[i], ends[i] = 0.0, 1.0
        call["roi"] = np.concatenate([starts, ends]).astype(np.float32)
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        x = rng.uniform(-1.0, 1.0, size=shape).astype(dtype)
    else:
        info = np.iinfo(dtype)
        x = rng.integers(max(info.min, -1000), min(info.max, 1000), size=shape, endpoint=True)
        x = x.astype(dtype)
    return dict(x=x, attrs=attrs, **call)


def _exact_sources(L: int, M: int, ctm: str, scale: Fraction, width: Fraction, roi) -> list:
    """The exact (rational) source coordinates of a resized axis, by the operator text."""
    out = []
    for o in range(M):
        if ctm == "half_pixel":
            x = (o + Fraction(1, 2)) / scale - Fraction(1, 2)
        elif ctm == "half_pixel_symmetric":
            x = Fraction(L, 2) * (1 - M / width) + (o + Fraction(1, 2)) / scale - Fraction(1, 2)
        elif ctm == "pytorch_half_pixel":
            x = (o + Fraction(1, 2)) / scale - Fraction(1, 2) if M > 1 else Fraction(0)
        elif ctm == "align_corners":
            x = o * Fraction(L - 1) / (width - 1) if width != 1 else Fraction(0)
        elif ctm == "asymmetric":
            x = o / scale
        else:
            start, end = roi
            x = (
                start * (L - 1) + o * (end - start) * (L - 1) / (width - 1)
                if width != 1
                else (start + end) * (L - 1) / 2
            )
        out.append(x)
    return out


def _tie_mask(case: dict, out_shape: tuple[int, ...]) -> np.ndarray:
    """Outputs whose source coordinate on some resized axis lies within 1e-4 of a rounding
    boundary (nearest: k + 1/2, or an integer for floor/ceil) or of the tf_crop_and_resize
    outside boundaries 0 and L - 1: there float32 (ONNX Runtime) and float64 may disagree.
    False there, True elsewhere."""
    x, attrs = case["x"], case["attrs"]
    rank = x.ndim
    axes = [a % rank for a in attrs.get("axes", range(rank))]
    ctm = attrs["coordinate_transformation_mode"]
    nearest = attrs["mode"] == "nearest"
    boundary_half = attrs.get("nearest_mode", "round_prefer_floor").startswith("round")
    mask = np.ones(out_shape, bool)
    k = len(axes)
    for i, a in enumerate(axes):
        L, M = x.shape[a], out_shape[a]
        if "scales" in case:
            scale = Fraction(float(case["scales"][i]))
            width = scale * L
        else:
            scale = Fraction(M, L) if attrs.get("keep_aspect_ratio_policy") is None else None
            if scale is None:
                sizes = case["sizes"]
                ratios = [Fraction(int(n), x.shape[b]) for n, b in zip(sizes, axes, strict=True)]
                scale = (
                    min(ratios)
                    if attrs["keep_aspect_ratio_policy"] == "not_larger"
                    else max(ratios)
                )
            width = scale * L
        roi = None
        if ctm == "tf_crop_and_resize":
            roi = (Fraction(float(case["roi"][i])), Fraction(float(case["roi"][k + i])))
        bad = np.zeros(M, bool)
        for o, s in enumerate(_exact_sources(L, M, ctm, scale, width, roi)):
            near = []
            if nearest:
                frac = s - math.floor(s)
                near.append(abs(frac - Fraction(1, 2)) if boundary_half else min(frac, 1 - frac))
            if roi is not None:
                near += [abs(s), abs(s - (L - 1))]
            bad[o] = bool(near) and min(near) < Fraction(1, 10000)
        index = [slice(None)] * rank
        index[a] = bad
        mask[tuple(index)] = False
    return mask


def _ort_known_difference(case: dict, out_shape: tuple[int, ...]) -> str | None:
    """Why ONNX Runtime differs from ONNX's own semantics for this case (None: it doesn't)."""
    attrs, x = case["attrs"], case["x"]
    ctm = attrs["coordinate_transformation_mode"]
    axes = [a % x.ndim for a in attrs.get("axes", range(x.ndim))]
    if "scales" in case and ctm in ("align_corners", "tf_crop_and_resize"):
        widths = [x.shape[a] * float(s) for a, s in zip(axes, case["scales"], strict=True)]
        if any(w != int(w) for w in widths):
            return "integer output length in align_corners / tf_crop_and_resize with scales"
    if attrs.get("keep_aspect_ratio_policy") and any(a < 0 for a in attrs.get("axes", ())):
        return "keep_aspect_ratio_policy with negative axes: those axes are left out"
    if attrs.get("keep_aspect_ratio_policy") and ctm == "tf_crop_and_resize":
        return "keep_aspect_ratio_policy with tf_crop_and_resize: other coordinates"
    if tuple(out_shape) == x.shape and (
        ctm == "tf_crop_and_resize" or ("scales" in case and set(case["scales"]) != {1.0})
    ):
        return "output of X's shape with a scale other than 1 or a roi: X returned as it is"
    for i, a in enumerate(axes):
        if out_shape[a] != x.shape[a]:
            continue
        if attrs.get("antialias") and "scales" in case and float(case["scales"][i]) != 1.0:
            return "antialias, an axis resized to its own length: copied"
        if ctm == "tf_crop_and_resize" and (case["roi"][i], case["roi"][len(axes) + i]) != (0, 1):
            return "tf_crop_and_resize, an axis resized to its own length: copied, roi ignored"
    return None


def _reference_sources(case: dict, out_shape) -> list[np.ndarray]:
    """onnx.reference's own float64 source coordinates of each resized axis (its private
    ``_compute_x_ori``, with the scale and output width its ``_interpolate_nd`` uses)."""
    from onnx.reference.ops.op_resize import _compute_x_ori

    attrs, x = case["attrs"], case["x"]
    axes = [a % x.ndim for a in attrs.get("axes", range(x.ndim))]
    k = len(axes)
    if "scales" in case:
        scales = [float(s) for s in case["scales"]]
    else:
        scales = [int(n) / x.shape[a] for n, a in zip(case["sizes"], axes, strict=True)]
        policy = attrs.get("keep_aspect_ratio_policy", "stretch")
        if policy != "stretch":
            scales = [min(scales) if policy == "not_larger" else max(scales)] * k
    sources = []
    for i, a in enumerate(axes):
        L, M = x.shape[a], out_shape[a]
        roi = [case["roi"][i], case["roi"][k + i]] if "roi" in case else None
        y = np.arange(M, dtype=np.float64)
        ctm = attrs["coordinate_transformation_mode"]
        sources.append(_compute_x_ori(ctm, y, scales[i], L, scales[i] * L, M, roi)[0])
    return sources


def _reference_known_difference(case: dict, out_shape) -> str | None:
    """Why onnx.reference differs from this module for this case (None: it doesn't)."""
    attrs, x = case["attrs"], case["x"]
    axes = [a % x.ndim for a in attrs.get("axes", range(x.ndim))]
    if attrs["coordinate_transformation_mode"] == "pytorch_half_pixel" and any(
        out_shape[a] == 1 for a in axes
    ):
        return "pytorch_half_pixel, output length 1: -0.5 or the formula, not the text's 0"
    if attrs["mode"] == "nearest" and attrs.get("exclude_outside"):
        return "nearest with exclude_outside: 0 where the picked pixel is outside"
    for s in _reference_sources(case, out_shape):
        # its taps are the n inputs nearest to s + pad (pad = n / 2): when s lies just above an
        # integer and s + pad rounds onto the integer, the window is one input too far left
        if any(np.any((s != np.floor(s)) & (s + p == np.floor(s + p))) for p in range(1, 9)):
            return "a source just above an integer: onnx.reference's window one input left"
    return None


def _call(case: dict) -> np.ndarray:
    return fo.resize(
        case["x"], case.get("roi"), case.get("scales"), case.get("sizes"), **case["attrs"]
    )


def _model_of(case: dict):
    return _resize_model(
        case["x"],
        roi=case.get("roi"),
        scales=case.get("scales"),
        sizes=case.get("sizes"),
        **case["attrs"],
    )


_GRID = 150


def test_random_resize_against_onnx_reference() -> None:
    """Random Resize-19 models run by onnx.reference: nearest bit for bit (exact ties
    included: the same float64 arithmetic), linear/cubic within 1e-5 of the range."""
    compared, skipped, worst = 0, 0, 0.0
    for seed in range(_GRID):
        case = _random_resize(seed, for_ort=False)
        got = _call(case)
        if _reference_known_difference(case, got.shape):
            skipped += 1
            continue
        expected = _reference_run(*_model_of(case))
        exact = case["attrs"]["mode"] == "nearest"
        worst = max(worst, _assert_matches(got, expected, exact, x=case["x"]))
        compared += 1
    print(f"\nonnx.reference: {compared} compared, {skipped} known differences, max {worst:.1e}")
    assert compared >= 0.8 * _GRID


def test_random_resize_against_onnxruntime() -> None:
    """Random Resize-19 models run by ONNX Runtime (dyadic scales; nearest bit for bit away
    from exact ties and outside boundaries, which float32 may put on either side)."""
    compared, skipped, refused, masked, tie_agree, worst = 0, 0, 0, 0, 0, 0.0
    for seed in range(_GRID):
        case = _random_resize(seed, for_ort=True)
        got = _call(case)
        if _ort_known_difference(case, got.shape):
            skipped += 1
            continue
        try:
            expected = _ort_run(*_model_of(case))
        except Exception as exc:  # ONNX Runtime's own limits (exclude_outside with linear)
            assert "exclude_outside" in str(exc), exc
            refused += 1
            continue
        mask = _tie_mask(case, got.shape)
        masked += int(mask.size - mask.sum())
        if got.shape == expected.shape:
            tie_agree += int(np.sum((got == expected) & ~mask))
        exact = case["attrs"]["mode"] == "nearest"
        if not exact and not mask.all():
            got, expected = got[mask], expected[mask]
        worst = max(
            worst, _assert_matches(got, expected, exact, mask if exact else None, case["x"])
        )
        compared += 1
    print(
        f"\nonnxruntime: {compared} compared, {skipped} known differences, {refused} refused "
        f"by ONNX Runtime, {masked} outputs at ties left out ({tie_agree} of them equal all the "
        f"same), max {worst:.1e}"
    )
    assert compared >= 0.6 * _GRID


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int32, np.float64])
def test_random_resize_other_dtypes(dtype) -> None:
    """Other dtypes against onnx.reference (float64 arithmetic, rounded half to even and
    saturated): nearest bit for bit, float64 within 1e-10 of the range, integers within 1;
    prints the fraction of integer outputs that match exactly, per mode."""
    exact_count = {"linear": [0, 0], "cubic": [0, 0]}
    for seed in range(45):
        case = _random_resize(seed, for_ort=False, dtype=dtype)
        got = _call(case)
        if _reference_known_difference(case, got.shape):
            continue
        expected = _reference_run(*_model_of(case))
        mode = case["attrs"]["mode"]
        if mode == "cubic" and np.dtype(dtype) == np.float64:
            # onnx.reference computes cubic weights in float32 (cubic_coeff_a is a float32
            # np.float32 scalar there): float64 agrees to about 1e-6
            span = max(float(np.ptp(expected)), float(np.abs(expected).max()), 1e-30)
            assert np.abs(got - expected).max() <= 5e-6 * span
            continue
        _assert_matches(got, expected, mode == "nearest", x=case["x"])
        if mode != "nearest" and np.dtype(dtype).kind in "iu":
            exact_count[mode][0] += int(np.sum(got == expected))
            exact_count[mode][1] += got.size
    if np.dtype(dtype).kind in "iu":
        for mode, (same, total) in exact_count.items():
            assert total > 0
            print(f"\n{np.dtype(dtype).name} {mode}: {same / total:.4f} of {total} bit-exact")
            assert same / total >= 0.95


def test_uint8_images_against_onnxruntime() -> None:
    """uint8 images (N, C, H, W) up and down against ONNX Runtime: nearest bit for bit,
    linear/cubic within 1; prints the bit-exact fraction per mode. ONNX Runtime truncates
    its integer linear results (onnx.reference and this module round half to even), so about
    half of them differ by 1. (ONNX Runtime 1.32 fails on
    uint8 cubic without antialias, "Tensor type mismatch", and its uint8 antialiased cubic
    rounds and clips to uint8 between the axes: upscaled, up to 11 from the float64 result
    this module and onnx.reference give, so that one is compared downscaled only.)"""
    counts: dict[str, list[int]] = {}
    for seed, (h, w, oh, ow) in enumerate(
        [(7, 9, 16, 20), (32, 24, 17, 11), (13, 13, 26, 39), (40, 30, 12, 9), (5, 8, 8, 5)]
    ):
        x = _rng("u8", seed).integers(0, 256, size=(1, 3, h, w), dtype=np.uint8)
        for mode, extra in (
            ("nearest", {}),
            ("linear", {}),
            ("linear", {"antialias": 1}),
            ("cubic", {"antialias": 1}),
        ):
            if mode == "cubic" and (oh > h or ow > w):
                continue
            attrs = dict(mode=mode, axes=[2, 3], **extra)
            expected = _ort_run(*_resize_model(x, sizes=[oh, ow], **attrs))
            got = fo.resize(x, sizes=[oh, ow], **attrs)
            _assert_matches(got, expected, mode == "nearest")
            name = mode + ("+antialias" if extra else "")
            same, total = counts.setdefault(name, [0, 0])
            counts[name] = [same + int(np.sum(got == expected)), total + got.size]
    assert len(counts) == 4
    for name, (same, total) in counts.items():
        print(f"\nuint8 vs onnxruntime {name}: {same / total:.4f} of {total} bit-exact")
        assert same / total >= {"nearest": 1.0, "linear": 0.3}.get(name, 0.8)


def test_nearest_ties_follow_the_reference() -> None:
    """At exact ties the reference's float64 arithmetic decides (2.5 / (7/6) is not exactly
    the tie 2.14...; 1 + ulp picks 0 with round_prefer_floor): bit for bit, and the sizes that
    put many sources on ties."""
    x = np.arange(36.0, dtype=np.float32).reshape(1, 1, 6, 6)
    for sizes in ([7, 7], [9, 4], [12, 3], [14, 10]):
        for nearest_mode in fo.NEAREST_MODES:
            for ctm in _COORDS[:-1]:
                attrs = dict(
                    mode="nearest",
                    nearest_mode=nearest_mode,
                    coordinate_transformation_mode=ctm,
                    axes=[2, 3],
                )
                got = fo.resize(x, sizes=sizes, **attrs)
                if ctm == "pytorch_half_pixel" and 1 in sizes:
                    continue
                expected = _reference_run(*_resize_model(x, sizes=sizes, **attrs))
                np.testing.assert_array_equal(got, expected)


def test_scales_are_float32_and_length_floors() -> None:
    """scales=[0.7] is float32(0.7) = 0.699999988: 10 -> floor(6.99999988) = 6 (onnx.reference
    and the backend data; ONNX Runtime's float32 product gives 7)."""
    x = np.arange(10.0, dtype=np.float32)
    assert fo.resize(x, scales=[0.7], mode="linear").shape == (6,)
    expected = _reference_run(*_resize_model(x, scales=[0.7], mode="linear"))
    np.testing.assert_allclose(fo.resize(x, scales=[0.7], mode="linear"), expected, atol=1e-6)


def test_align_corners_with_scales_uses_the_fractional_length() -> None:
    """[1, 2, 3, 4] by 0.6: 2 outputs at o * 3 / (2.4 - 1): [1, 3.142857] (the backend data);
    fastup.resize (PyTorch's rule, the integer length) gives [1, 4]."""
    x = np.array([1.0, 2.0, 3.0, 4.0], np.float32)
    attrs = dict(mode="linear", coordinate_transformation_mode="align_corners")
    np.testing.assert_allclose(fo.resize(x, scales=[0.6], **attrs), [1.0, 1 + 3 / 1.4], rtol=1e-6)
    np.testing.assert_allclose(
        fastup.resize(x, scale=0.6, axes=0, mode="linear", coordinate_mode="align_corners"),
        [1.0, 4.0],
    )


def test_tf_crop_and_resize_with_scales() -> None:
    """tf_crop_and_resize with scales: length floor(L * scale) (the roi is not in it) and
    coordinates over the fractional length, as onnx.reference; ONNX Runtime agrees on the
    length and, when L * scale is an integer, on the values."""
    x = _rng("tfscales").uniform(-1, 1, size=(1, 1, 8, 6)).astype(np.float32)
    roi = np.array([0.2, 0.1, 0.9, 0.7], np.float32)
    for scales in ([0.5, 1.5], [0.75, 2.0], [0.3, 1.7]):
        for mode in ("nearest", "linear", "cubic"):
            attrs = dict(
                mode=mode,
                coordinate_transformation_mode="tf_crop_and_resize",
                axes=[2, 3],
                extrapolation_value=-3.0,
            )
            got = fo.resize(x, roi, np.array(scales, np.float32), **attrs)
            assert got.shape == (
                1,
                1,
                int(8 * np.float32(scales[0])),
                int(6 * np.float32(scales[1])),
            )
            expected = _reference_run(*_resize_model(x, roi=roi, scales=scales, **attrs))
            _assert_matches(got, expected, mode == "nearest")
            if all(
                float(np.float32(s)) * n == int(float(np.float32(s)) * n)
                for s, n in zip(scales, (8, 6), strict=True)
            ):
                expected = _ort_run(*_resize_model(x, roi=roi, scales=scales, **attrs))
                _assert_matches(got, expected, mode == "nearest")


def test_upsample_opset_7_and_9() -> None:
    """Upsample (mapped by fo.upsample onto asymmetric + floor) against ONNX Runtime, opset 9
    (scales input) and opset 7 (scales attribute), nearest and linear."""
    x = _rng("upsample").uniform(-1, 1, size=(1, 2, 3, 5)).astype(np.float32)
    scales = [1.0, 1.0, 2.0, 1.5]
    for opset in (7, 9):
        for mode in ("nearest", "linear"):
            if opset == 9:
                node = helper.make_node("Upsample", ["X", "scales"], ["Y"], mode=mode)
                inputs = [
                    helper.make_tensor_value_info("X", TensorProto.FLOAT, x.shape),
                    helper.make_tensor_value_info("scales", TensorProto.FLOAT, [4]),
                ]
                feeds = {"X": x, "scales": np.array(scales, np.float32)}
            else:
                node = helper.make_node("Upsample", ["X"], ["Y"], mode=mode, scales=scales)
                inputs = [helper.make_tensor_value_info("X", TensorProto.FLOAT, x.shape)]
                feeds = {"X": x}
            graph = helper.make_graph(
                [node], "up", inputs, [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)]
            )
            model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
            model.ir_version = 7
            expected = _ort_run(model, feeds)
            got = _run_compat(node, {**feeds})
            _assert_matches(got, expected, mode == "nearest")


# --------------------------------------------------------------------------------------------
# random ConvTranspose-22 models
# --------------------------------------------------------------------------------------------


def _random_conv_transpose(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, dict]:
    rng = _rng("convt", seed)
    nd = int(rng.integers(1, 4))
    group = int(rng.choice([1, 1, 2]))
    c = group * int(rng.integers(1, 3))
    m = group * int(rng.integers(1, 3))
    lengths = [int(v) for v in rng.integers(1, 6 if nd < 3 else 4, size=nd)]
    kernel = [int(v) for v in rng.integers(1, 4, size=nd)]
    strides = [int(v) for v in rng.integers(1, 4, size=nd)]
    dilations = [int(v) for v in rng.integers(1, 3, size=nd)]
    attrs: dict = {"strides": strides, "dilations": dilations, "group": group}
    if rng.random() < 0.3:
        attrs["kernel_shape"] = kernel
    # ONNX Runtime takes output_padding below the stride
    attrs["output_padding"] = [int(rng.integers(0, s)) for s in strides]
    naturals = [
        s * (L - 1) + d * (k - 1) + 1
        for L, k, s, d in zip(lengths, kernel, strides, dilations, strict=True)
    ]
    how = int(rng.integers(5))
    if how == 0:
        attrs["pads"] = [int(rng.integers(0, 3)) for _ in range(2 * nd)]
        outs = [
            n + p - attrs["pads"][i] - attrs["pads"][nd + i]
            for i, (n, p) in enumerate(zip(naturals, attrs["output_padding"], strict=True))
        ]
        if min(outs) < 1:
            attrs["pads"] = [0] * (2 * nd)
    elif how == 1:
        attrs["auto_pad"] = str(rng.choice(["SAME_UPPER", "SAME_LOWER"]))
    elif how == 2:
        attrs["auto_pad"] = "VALID"
    elif how == 3:
        # from a few below the natural length to ONNX Runtime's largest (natural + stride - 1)
        attrs["output_shape"] = [
            int(rng.integers(max(1, n - 3), n + s)) for n, s in zip(naturals, strides, strict=True)
        ]
        if rng.random() < 0.3:
            attrs["auto_pad"] = str(rng.choice(["SAME_UPPER", "SAME_LOWER", "NOTSET"]))
    x = rng.uniform(-1, 1, size=(int(rng.integers(1, 3)), c, *lengths)).astype(np.float32)
    w = rng.uniform(-1, 1, size=(c, m // group, *kernel)).astype(np.float32)
    b = rng.uniform(-1, 1, size=m).astype(np.float32) if rng.random() < 0.6 else None
    return x, w, b, attrs


def _conv_transpose_model(x, w, b, attrs):
    names = ["X", "W"] + (["B"] if b is not None else [])
    arrays = [x, w] + ([b] if b is not None else [])
    inputs = [
        helper.make_tensor_value_info(n, _TYPES[a.dtype], a.shape)
        for n, a in zip(names, arrays, strict=True)
    ]
    node = helper.make_node("ConvTranspose", names, ["Y"], **attrs)
    graph = helper.make_graph(
        [node], "ct", inputs, [helper.make_tensor_value_info("Y", _TYPES[x.dtype], None)]
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 22)])
    model.ir_version = 10
    return model, dict(zip(names, arrays, strict=True))


def _ort_conv_transpose_known_difference(x, w, attrs) -> str | None:
    """ONNX Runtime makes a SAME_* output (without output_shape) shorter than length * stride
    when the kernel reaches less far: the operator text (and onnx.reference) say
    length * stride."""
    if attrs.get("auto_pad") in ("SAME_UPPER", "SAME_LOWER") and "output_shape" not in attrs:
        for L, k, s, d in zip(
            x.shape[2:], w.shape[2:], attrs["strides"], attrs["dilations"], strict=True
        ):
            if s * (L - 1) + d * (k - 1) + 1 < L * s:
                return "SAME_* length"
    return None


def test_random_conv_transpose_against_onnxruntime() -> None:
    compared, skipped, worst = 0, 0, 0.0
    for seed in range(120):
        x, w, b, attrs = _random_conv_transpose(seed)
        if _ort_conv_transpose_known_difference(x, w, attrs):
            skipped += 1
            continue
        expected = _ort_run(*_conv_transpose_model(x, w, b, attrs))
        got = fo.conv_transpose(x, w, b, **attrs)
        worst = max(worst, _assert_matches(got, expected, False))
        compared += 1
    print(
        f"\nConvTranspose vs onnxruntime: {compared} compared, {skipped} skipped, max {worst:.1e}"
    )
    assert compared >= 80


def test_conv_transpose_same_follows_the_operator_text() -> None:
    """SAME_UPPER, kernel 1, stride 2, length 3: output 3 * 2 = 6 long (the operator text,
    onnx.reference), the last output holding the bias only; ONNX Runtime gives 5."""
    x = np.array([[[1.0, 2.0, 3.0]]], np.float32)
    w = np.array([[[10.0]]], np.float32)
    b = np.array([0.5], np.float32)
    got = fo.conv_transpose(x, w, b, strides=[2], auto_pad="SAME_LOWER")
    np.testing.assert_array_equal(got[0, 0], [10.5, 0.5, 20.5, 0.5, 30.5, 0.5])
    expected = _reference_run(
        *_conv_transpose_model(x, w, b, dict(strides=[2], auto_pad="SAME_LOWER"))
    )
    np.testing.assert_array_equal(got, expected)


def test_conv_transpose_dtypes() -> None:
    """float64 against onnx.reference run in float64 (within 1e-10), float16 against it run in
    float32 (within float16's precision); bfloat16 computed in float32."""
    compared = 0
    for seed in range(20):
        x, w, b, attrs = _random_conv_transpose(seed)
        if _ort_conv_transpose_known_difference(x, w, attrs) or "output_shape" in attrs:
            continue  # onnx.reference refuses output_shape with crops
        if attrs["group"] > 1:
            continue  # onnx.reference's group loop fails on most shapes (a reshape error)
        f64 = [None if a is None else a.astype(np.float64) for a in (x, w, b)]
        got = fo.conv_transpose(*f64, **attrs)
        _assert_matches(got, _reference_run(*_conv_transpose_model(*f64, attrs)), False, x=x)
        expected = _reference_run(*_conv_transpose_model(x, w, b, attrs)).astype(np.float64)
        f16 = [None if a is None else a.astype(np.float16) for a in (x, w, b)]
        got = fo.conv_transpose(*f16, **attrs)
        assert got.dtype == np.float16
        span = max(float(np.abs(expected).max()), 1.0)
        # inputs rounded to float16, sums in float32, the result rounded to float16
        assert np.abs(got.astype(np.float64) - expected).max() <= 1e-2 * span
        compared += 1
    assert compared >= 10
    ml_dtypes = pytest.importorskip("ml_dtypes")
    x = np.ones((1, 1, 3), ml_dtypes.bfloat16)
    w = np.ones((1, 1, 2), ml_dtypes.bfloat16)
    got = fo.conv_transpose(x, w, strides=[2])
    assert got.dtype == ml_dtypes.bfloat16
    np.testing.assert_array_equal(got.astype(np.float32)[0, 0], [1, 1, 1, 1, 1, 1])


# --------------------------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------------------------

_X = np.zeros((1, 1, 4, 4), np.float32)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(scales=[1, 1, 2, 2], mode="bilinear"), ValueError, "'mode' must be one of 'nearest'"),
        (dict(scales=[1, 1, 2, 2], mode=3), TypeError, "'mode' must be one of"),
        (
            dict(scales=[1, 1, 2, 2], coordinate_transformation_mode="corners"),
            ValueError,
            "'coordinate_transformation_mode' must be one of 'half_pixel', ",
        ),
        (dict(scales=[1, 1, 2, 2], nearest_mode="round"), ValueError, "'nearest_mode' must be"),
        (
            dict(sizes=[1, 1, 2, 2], keep_aspect_ratio_policy="fit"),
            ValueError,
            "'keep_aspect_ratio_policy' must be one of 'stretch', 'not_larger', 'not_smaller'",
        ),
        (dict(scales=[1, 1, 2, 2], antialias=2), ValueError, "'antialias' must be 0 or 1"),
        (dict(scales=[1, 1, 2, 2], exclude_outside="yes"), ValueError, "'exclude_outside' must be"),
        (dict(scales=[1, 1, 2, 2], cubic_coeff_a="a"), TypeError, "'cubic_coeff_a' must be"),
        (dict(scales=[1, 1, 2, 2], antialias=1), ValueError, "'antialias' applies to mode"),
        (
            dict(scales=[1, 1, 2, 2], coordinate_mode="align_corners"),
            TypeError,
            "unknown attribute 'coordinate_mode'; Resize-19's attributes are 'antialias'",
        ),
        (dict(), ValueError, "give exactly one of 'scales' and 'sizes'.*neither"),
        (dict(scales=[1, 1, 2, 2], sizes=[1, 1, 8, 8]), ValueError, "exactly one.*both"),
        (dict(scales=[2, 2]), ValueError, r"'scales' must be 4 numbers, X's rank \(4\)"),
        (dict(scales=[2, 2, 2], axes=[2, 3]), ValueError, r"one per axis of 'axes' \(2\)"),
        (dict(scales=[1, 1, 0, 2]), ValueError, "'scales' must be finite and > 0"),
        (dict(sizes=[1, 1, 2.5, 2]), ValueError, "'sizes' must be 4 integers"),
        (dict(sizes=[1, 1, -2, 2]), ValueError, "'sizes' must be non-negative"),
        (
            dict(scales=[2, 2], axes=[2, 4]),
            ValueError,
            r"'axes' must be a list of ints in \[-4, 3\]",
        ),
        (dict(scales=[2, 2], axes=[2, -2]), ValueError, "distinct axes"),
        (dict(scales=[2, 2], axes="23"), TypeError, "'axes' must be a list of ints"),
        (dict(scales="2"), TypeError, "'scales' must be a 1-D array of numbers"),
        (
            dict(sizes=[3, 3], axes=[2, 3], coordinate_transformation_mode="tf_crop_and_resize"),
            ValueError,
            r"'roi' must be \[start_1, ..., start_2, end_1, ..., end_2\]",
        ),
        (
            dict(
                roi=[0.0, 0.0, 1.0, np.inf],
                sizes=[3, 3],
                axes=[2, 3],
                coordinate_transformation_mode="tf_crop_and_resize",
            ),
            ValueError,
            "'roi' must be finite",
        ),
    ],
)
def test_resize_errors(kwargs, error, match) -> None:
    x = _X.copy()
    with pytest.raises(error, match=match):
        fo.resize(x, **kwargs)
    np.testing.assert_array_equal(x, _X)


def test_resize_dtype_errors() -> None:
    with pytest.raises(TypeError, match="mode 'linear' supports the dtypes"):
        fo.resize(np.zeros((2, 2), bool), scales=[2, 2], mode="linear")
    with pytest.raises(TypeError, match="'X' must hold numbers"):
        fo.resize(np.array([["a"]]), scales=[2, 2])
    with pytest.raises(ValueError, match="'extrapolation_value' must be finite for an X of dtype"):
        fo.resize(
            np.zeros((1, 4), np.uint8),
            roi=[0.0, 0.0, 1.0, 1.0],
            sizes=[1, 3],
            coordinate_transformation_mode="tf_crop_and_resize",
            extrapolation_value=np.inf,
        )
    # nearest takes bool and every integer dtype; an empty output is an empty array
    assert fo.resize(np.ones((2, 2), bool), scales=[2, 2]).all()
    assert fo.resize(np.ones((2, 3), np.int16), sizes=[0, 3]).shape == (0, 3)


def test_upsample_errors() -> None:
    with pytest.raises(ValueError, match=r"'scales' must be one finite scale >= 1 per axis"):
        fo.upsample(_X, [1, 1, 0.5, 2])
    with pytest.raises(ValueError, match="'mode' must be one of 'nearest', 'linear'"):
        fo.upsample(_X, [1, 1, 2, 2], mode="cubic")


_W = np.ones((1, 2, 3, 3), np.float32)


@pytest.mark.parametrize(
    "args, kwargs, error, match",
    [
        (
            (_X, _W),
            dict(auto_pad="SAME"),
            ValueError,
            "'auto_pad' must be one of 'NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'",
        ),
        (
            (_X, _W),
            dict(padding=[1, 1]),
            TypeError,
            "unknown attribute 'padding'; ConvTranspose-22's attributes are 'auto_pad'",
        ),
        ((_X, _W), dict(strides=[2]), ValueError, "'strides' must be a list of 2 ints >= 1"),
        ((_X, _W), dict(strides=2), TypeError, "'strides' must be a list of 2 ints"),
        ((_X, _W), dict(pads=[1, 1]), ValueError, "'pads' must be a list of 4 ints >= 0"),
        (
            (_X, _W),
            dict(pads=[1, 1, 1, 1], auto_pad="SAME_UPPER"),
            ValueError,
            "'pads' cannot be used with auto_pad='SAME_UPPER'",
        ),
        (
            (_X, _W),
            dict(kernel_shape=[2, 2]),
            ValueError,
            r"'kernel_shape' \[2, 2\] must be W's kernel \[3, 3\]",
        ),
        (
            (_X, _W),
            dict(output_padding=[2, 0], strides=[2, 2]),
            ValueError,
            "'output_padding' must be smaller than max",
        ),
        (
            (_X, _W),
            dict(output_shape=[20, 6]),
            ValueError,
            "'output_shape' must be reachable: at most 6 in dim 0",
        ),
        ((_X, _W), dict(group=0), ValueError, "'group' must be an int >= 1"),
        ((_X, _W), dict(group=2), ValueError, "'group' must divide C"),
        ((_X, _W), dict(pads=[3, 0, 3, 0]), ValueError, "pads .* remove everything"),
        ((_X[0, 0], _W), dict(), ValueError, r"'X' must be \(N, C, \*spatial\)"),
        ((_X, _W[0]), dict(), ValueError, r"'W' must be \(C, M / group, \*kernel\)"),
        ((_X, _W.astype(np.float64)), dict(), TypeError, "'W' must have X's dtype"),
        (
            (_X.astype(np.int32), _W),
            dict(),
            TypeError,
            "'X' must be float16, bfloat16, float32 or float64",
        ),
        ((_X, _W, np.ones(3, np.float32)), dict(), ValueError, r"'B' must have shape \(2,\)"),
    ],
)
def test_conv_transpose_errors(args, kwargs, error, match) -> None:
    before = [a.copy() for a in args]
    with pytest.raises(error, match=match):
        fo.conv_transpose(*args, **kwargs)
    for a, b in zip(args, before, strict=True):
        np.testing.assert_array_equal(a, b)


def test_onnx_is_not_imported() -> None:
    """The module never imports onnx (checked in a fresh interpreter)."""
    import subprocess
    import sys

    code = (
        "import sys, numpy as np\n"
        "from fastup.compat import onnx as fo\n"
        "fo.resize(np.ones((1, 1, 2, 2), np.float32), scales=[1, 1, 2, 2], mode='linear')\n"
        "fo.conv_transpose(np.ones((1, 1, 2), np.float32), np.ones((1, 1, 2), np.float32))\n"
        "assert 'onnx' not in sys.modules and 'onnxruntime' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------------------------
# version check and speed
# --------------------------------------------------------------------------------------------


def test_version_checked() -> None:
    assert set(fo.CHECKED) == {"onnx", "onnxruntime"}
    assert all(f"{name} {version}" in fo.__doc__ for name, version in fo.CHECKED.items())
    for name, version in fo.CHECKED.items():
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        if installed != version:
            warnings.warn(
                f"fastup.compat.onnx was checked against {name} {version}; {installed} is "
                f"installed: rerun this file and update CHECKED and the module docstring.",
                stacklevel=1,
            )
