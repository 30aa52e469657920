"""mode="majority" (label images): against the oracle, against a plain block mode, never a
new label, ties to the smallest value, every integer dtype and bool, refusals."""

from __future__ import annotations

import numpy as np
import pytest

import fastup
import fastup.oracle as oracle

DTYPES = ["uint8", "int8", "uint16", "int16", "uint32", "int32", "uint64", "int64", "bool"]
COORDINATE_MODES = [
    "half_pixel",
    "align_corners",
    "asymmetric",
    "pytorch_half_pixel",
    "half_pixel_symmetric",
]


def _labels(rng, shape, dtype, count=4):
    x = rng.integers(0, count, shape)
    if dtype == "bool":
        return x.astype(bool)
    dt = np.dtype(dtype)
    if dt.kind == "i":
        x = x - count // 2
    x = x.astype(dt)
    if dt.itemsize == 8:  # values beyond float64's exact integers
        x = x + (dt.type(np.iinfo(dt).max - count) if dt.kind == "u" else dt.type(-(2**62)))
    return x


@pytest.mark.parametrize("dtype", DTYPES)
def test_majority_matches_the_oracle(dtype):
    rng = np.random.default_rng(sum(map(ord, dtype)))
    checked = 0
    for trial in range(40):
        nd = int(rng.integers(1, 4))
        shape = tuple(int(v) for v in rng.integers(1, 10, nd))
        x = _labels(rng, shape, dtype)
        k = int(rng.integers(1, nd + 1))
        axes = tuple(int(a) for a in rng.choice(nd, k, replace=False))
        kwargs = {"axes": axes, "mode": "majority"}
        kwargs["coordinate_mode"] = COORDINATE_MODES[trial % len(COORDINATE_MODES)]
        if trial % 3 == 0:
            scale = tuple(float(v) for v in rng.choice([0.25, 0.3, 0.5, 0.7, 1.5, 2.0], k))
            if any(int(shape[a] * s) < 1 for a, s in zip(axes, scale, strict=True)):
                continue
            kwargs["scale"] = scale
        else:
            kwargs["size"] = tuple(int(v) for v in rng.integers(1, 10, k))
        want = oracle.resize(x, **kwargs)
        got = fastup.resize(x, **kwargs)
        assert got.dtype == x.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)
        checked += 1
    assert checked > 25


def _block_mode(x, k):
    """Each k x k block's most frequent value, ties to the smallest: written with np.unique."""
    H, W = x.shape[0] // k, x.shape[1] // k
    out = np.empty((H, W) + x.shape[2:], dtype=x.dtype)
    for i in range(H):
        for j in range(W):
            block = x[i * k : (i + 1) * k, j * k : (j + 1) * k]
            for c in np.ndindex(*x.shape[2:]):
                values, counts = np.unique(block[(...,) + c], return_counts=True)
                out[(i, j) + c] = values[np.argmax(counts)]
    return out


@pytest.mark.parametrize("k", [2, 3, 4])
@pytest.mark.parametrize("channels", [(), (3,)])
def test_integer_shrink_is_the_block_mode(k, channels):
    rng = np.random.default_rng(k)
    x = rng.integers(0, 5, (8 * k, 6 * k) + channels).astype(np.uint16) * 1000
    got = fastup.resize(x, (8, 6), axes=(0, 1), mode="majority")
    np.testing.assert_array_equal(got, _block_mode(x, k))
    # the same with threads, and never a label the input does not hold
    np.testing.assert_array_equal(
        fastup.resize(x, (8, 6), axes=(0, 1), mode="majority", workers=2), got
    )
    assert np.isin(got, x).all()


def test_never_a_new_label_where_linear_and_area_invent_them():
    x = np.zeros((5, 5), np.uint8)
    x[:, 2:] = 10
    x[2:, :] = 20
    for mode, antialias, invents in (
        ("linear", True, True),
        ("area", False, True),
        ("majority", False, False),
    ):
        y = fastup.resize(x, (2, 2), mode=mode, antialias=antialias)
        assert (not np.isin(y, [0, 10, 20]).all()) == invents, (mode, y)


def test_ties_go_to_the_smallest_value():
    x = np.array([[3, 1], [1, 3]], np.int16)  # two of each: a tie
    assert fastup.resize(x, (1, 1), mode="majority").item() == 1
    assert fastup.resize(np.array([-5, 7], np.int64), 1, mode="majority").item() == -5
    assert fastup.resize(np.array([True, False]), 1, mode="majority").item() is False
    # weights, not counts: a 2 -> 3 upscale's middle output covers both inputs equally
    assert fastup.resize(np.array([9, 4], np.uint8), 3, mode="majority").tolist() == [9, 4, 4]


def test_majority_refusals():
    with pytest.raises(TypeError, match="majority.*integer dtypes and bool"):
        fastup.resize(np.ones((4, 4), np.float32), (2, 2), mode="majority")
    with pytest.raises(ValueError, match="antialias"):
        fastup.resize(np.ones((4, 4), np.uint8), (2, 2), mode="majority", antialias=True)
    with pytest.raises(TypeError, match="no gradient"):
        fastup.resize_backward(np.ones((2, 2)), (4, 4), (2, 2), mode="majority")


def test_cli_majority(tmp_path, capsys):
    from fastup.cli import main

    x = np.random.default_rng(0).integers(0, 3, (12, 12)).astype(np.int32)
    np.save(tmp_path / "labels.npy", x)
    assert (
        main(
            [
                "resize",
                str(tmp_path / "labels.npy"),
                str(tmp_path / "o.npy"),
                "--size",
                "4x4",
                "--mode",
                "majority",
            ]
        )
        == 0
    )
    np.testing.assert_array_equal(np.load(tmp_path / "o.npy"), _block_mode(x, 3))
