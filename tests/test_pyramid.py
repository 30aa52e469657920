"""Multiscale pyramids (fastup._pyramid, reached as fastup.dask.pyramid / to_zarr) and the
``fastup pyramid`` command: each level the chain of in-memory fastup.resize calls, OME-Zarr
metadata that ome-zarr-py reads, inputs read lazily from .npy, TIFF and Zarr."""

from __future__ import annotations

import numpy as np
import pytest

import fastup

da = pytest.importorskip("dask.array")
zarr = pytest.importorskip("zarr")
pytest.importorskip("fastup.dask")
from fastup import _pyramid  # noqa: E402
from fastup.cli import main  # noqa: E402


def _chain(x, levels, **keywords):
    out = [x]
    for _ in range(levels - 1):
        out.append(fastup.resize(out[-1], scale=0.5, axes=(x.ndim - 2, x.ndim - 1), **keywords))
    return out


@pytest.mark.parametrize(
    "dtype, mode, keywords",
    [
        ("uint8", "linear", {"antialias": True}),
        ("float32", "cubic", {"antialias": True}),
        ("uint16", "area", {}),
        ("int32", "majority", {}),
    ],
)
def test_levels_are_the_in_memory_chain(dtype, mode, keywords):
    rng = np.random.default_rng(1)
    x = (rng.random((3, 300, 517)) * 200).astype(dtype)
    if mode == "majority":
        x = x // 50
    levels = _pyramid.pyramid(da.from_array(x, chunks=(1, 128, 100)), mode=mode)
    # until the longer side is <= 256
    assert [level.shape[1:] for level in levels] == [(300, 517), (150, 258), (75, 129)]
    for got, want in zip(levels, _chain(x, len(levels), mode=mode, **keywords), strict=True):
        np.testing.assert_array_equal(got.compute(), want)
    two = _pyramid.pyramid(x, 2, mode=mode)  # a NumPy array in: a dask array
    assert [level.shape[1:] for level in two] == [(300, 517), (150, 258)]
    np.testing.assert_array_equal(two[1].compute(), levels[1].compute())


def test_pyramid_arguments():
    x = np.zeros((8, 8), np.uint8)
    with pytest.raises(ValueError, match="'factor' must be an int >= 2"):
        _pyramid.pyramid(x, factor=1)
    with pytest.raises(ValueError, match="'levels' must be an int >= 1"):
        _pyramid.pyramid(x, levels=0)
    with pytest.raises(ValueError, match="level 4 would have an axis of length 0"):
        _pyramid.pyramid(x, levels=5)
    with pytest.raises(ValueError, match="'axes' must be distinct axes"):
        _pyramid.pyramid(x, axes=(0, 0))
    assert len(_pyramid.pyramid(x)) == 1  # already small: level 0 alone


def test_to_zarr_writes_ome_zarr(tmp_path):
    x = np.arange(2 * 200 * 120, dtype=np.uint16).reshape(2, 200, 120)
    levels = _pyramid.pyramid(da.from_array(x, chunks=(1, 64, 64)), 3)
    path = str(tmp_path / "image.zarr")
    _pyramid.to_zarr(levels, path)
    group = zarr.open_group(path, mode="r")
    for k, want in enumerate(_chain(x, 3, antialias=True)):
        np.testing.assert_array_equal(group[str(k)][:], want)
    meta = group.attrs["multiscales"][0]
    assert meta["version"] == "0.4"
    assert [a["name"] for a in meta["axes"]] == ["c", "y", "x"]
    assert meta["datasets"][2]["coordinateTransformations"] == [
        {"type": "scale", "scale": [1.0, 4.0, 4.0]},
        {"type": "translation", "translation": [0.0, 1.5, 1.5]},
    ]
    with pytest.raises(FileExistsError, match="overwrite=True"):
        _pyramid.to_zarr(levels, path)
    _pyramid.to_zarr(levels[:2], path, overwrite=True)
    assert sorted(zarr.open_group(path, mode="r").keys()) == ["0", "1"]
    ome_zarr = pytest.importorskip("ome_zarr.reader")
    from ome_zarr.io import parse_url

    nodes = list(ome_zarr.Reader(parse_url(path))())
    assert [a.shape for a in nodes[0].data] == [(2, 200, 120), (2, 100, 60)]


def test_cli_pyramid(tmp_path, capsys):
    tifffile = pytest.importorskip("tifffile")
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (600, 520)).astype(np.uint8)
    np.save(tmp_path / "image.npy", x)
    tifffile.imwrite(tmp_path / "image.tif", x, tile=(128, 128))
    labels = (x // 64).astype(np.uint16)
    np.save(tmp_path / "labels.npy", labels)
    chain = _chain(x, 3, antialias=True)
    for source in ("image.npy", "image.tif"):
        out = str(tmp_path / f"{source}.zarr")
        assert main(["pyramid", str(tmp_path / source), out, "--chunk", "200", "--quiet"]) == 0
        group = zarr.open_group(out, mode="r")
        assert sorted(group.keys()) == ["0", "1", "2"]  # 600 -> 300 -> 150 <= 256
        np.testing.assert_array_equal(group["2"][:], chain[2])
    # a Zarr input (level 0 of the pyramid just written), labels, progress bar on stderr
    out = str(tmp_path / "labels.zarr")
    assert main(["pyramid", str(tmp_path / "labels.npy"), out, "--labels", "--levels", "2"]) == 0
    level1 = zarr.open_group(out, mode="r")["1"][:]
    np.testing.assert_array_equal(
        level1, fastup.resize(labels, scale=0.5, axes=(0, 1), mode="majority")
    )
    assert "100% Completed" in capsys.readouterr().err
    again = str(tmp_path / "again.zarr")
    assert main(["pyramid", out, again, "--levels", "2", "--mode", "nearest", "--quiet"]) == 0
    # refusals
    assert main(["pyramid", str(tmp_path / "labels.npy"), out, "--quiet"]) == 2
    assert "exists; pass --overwrite" in capsys.readouterr().err
    assert main(["pyramid", str(tmp_path / "image.npy"), str(tmp_path / "o.png")]) == 2
    assert main(["pyramid", str(tmp_path / "nope.npy"), str(tmp_path / "n.zarr")]) == 2
    np.save(tmp_path / "float.npy", x.astype(np.float32))
    assert main(["pyramid", str(tmp_path / "float.npy"), str(tmp_path / "f.zarr"), "--labels"]) == 2
    assert "integer labels" in capsys.readouterr().err
