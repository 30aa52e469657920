"""``fastup bench``: runs the workloads it is asked for and reports every column."""

import json

import pytest

from fastup import _bench, cli


def test_bench_quick_single_workload(tmp_path, capsys):
    path = tmp_path / "bench.json"
    status = cli.main(["bench", "--quick", "--only", "W4", "--workers", "1", "--json", str(path)])
    assert status == 0
    printed = capsys.readouterr()
    lines = printed.out.splitlines()
    assert lines[0].split()[:3] == ["workload", "T", "fastup"]
    row = next(line for line in lines if line.startswith("W4 1-D x4 linear"))
    assert " ms" in row and "x faster" in row
    assert "1/1 W4" in printed.err  # the progress line
    data = json.loads(path.read_text())
    assert data["quick"] is True
    (result,) = data["results"]
    assert result["workload"] == "W4 1-D x4 linear" and result["threads"] == 1
    assert result["fastup_out"] > 0 and result["fastup_alloc"] > 0 and result["copy"] > 0
    assert result["oracle_speedup"] > 1
    assert result["peak_mb"] > 0


def test_bench_deconv_markdown(capsys):
    pytest.importorskip("torch")
    assert (
        cli.main(["bench", "--quick", "--only", "k2s2 forward", "--workers", "2", "--markdown"])
        == 0
    )
    out = capsys.readouterr().out
    assert out.startswith("| workload | T | fastup out= |")
    row = next(line for line in out.splitlines() if "W7 deconv k2s2 forward" in line)
    assert "torch" in row  # the best peer column names it


def test_bench_rejects_bad_workers(capsys):
    assert cli.main(["bench", "--workers", "0"]) == 2
    assert "--workers must be a positive integer; got 0" in capsys.readouterr().err


def test_every_workload_has_a_peer_when_all_peers_are_installed():
    """The table compares each workload with at least one peer (when they are installed)."""
    installed = _bench.installed_peers()
    if not all(installed.values()):
        pytest.skip("needs torch, opencv and pillow")
    for case in _bench.RESIZE_CASES:
        x = _bench.make_input(case.quick_shape, case.dtype)
        assert _bench.peer_runners(case, x, 1), case.name
