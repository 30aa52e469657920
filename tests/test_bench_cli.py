"""``fastup bench``: runs the workloads it is asked for and reports every column."""

import json

import numpy as np
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
        if _bench.input_dtype(case.dtype) is None:
            continue  # bfloat16 without ml_dtypes
        x = _bench.make_input(case.quick_shape, case.dtype)
        runners = _bench.peer_runners(case, x, 1)
        assert bool(runners) != bool(case.no_peer), case.name
        for run in runners.values():
            run()  # the peer takes this dtype and layout


def test_bench_pipeline_row_and_small_call_times(capsys):
    """A P3 row: times per call in microseconds, OpenCV beside fastup when installed."""
    status = cli.main(["bench", "--quick", "--only", "P3 call 16x16", "--workers", "1"])
    assert status == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("P3 call 16x16"))
    assert " us" in row
    assert "peers:" in out


def test_bench_only_that_matches_nothing_lists_the_workloads(capsys):
    assert cli.main(["bench", "--quick", "--only", "zzz"]) == 2
    err = capsys.readouterr().err
    assert "no workload name contains 'zzz'" in err
    assert "W1 NCHW x2 nearest" in err and "P2 RGB 500x375->224x224 bicubic" in err


def test_bench_only_is_case_sensitive_with_capitals():
    """``--only P`` picks the pipeline workloads, not a W7 row whose name has a 'p'."""
    assert _bench._matches("P", "P1 RGB 2560x1600->320x200 bilinear")
    assert not _bench._matches("P", "W7 deconv k4s2p1 forward")
    assert _bench._matches("k4s2p1", "W7 deconv k4s2p1 forward")


def test_pillow_in_a_child_process_times_itself():
    """The child-process peer (how Pillow-SIMD, which replaces Pillow, is timed from its own
    environment), here with this environment's Python and Pillow."""
    pytest.importorskip("PIL")
    import sys

    from fastup import _bench_pipeline

    case = next(c for c in _bench_pipeline.PIPELINE_CASES if c.name.startswith("P2"))
    child = _bench_pipeline.PillowSimdChild(sys.executable)
    try:
        run = child.runner(case, _bench_pipeline.photo(case.shape), case.size)
        assert run is not None and child.version
        assert all(run() > 0 for _ in range(3))
    finally:
        child.close()


def test_photo_is_deterministic_and_uses_the_range():
    from fastup import _bench_pipeline

    a = _bench_pipeline.photo((40, 60, 3))
    assert a.dtype == np.uint8 and a.shape == (40, 60, 3)
    np.testing.assert_array_equal(a, _bench_pipeline.photo((40, 60, 3)))
    assert a.min() < 30 and a.max() > 225
    g = _bench_pipeline.photo((40, 60), "uint16")
    assert g.dtype == np.uint16 and g.max() > 60000


def test_spread_is_the_interquartile_range_over_the_median():
    assert _bench.spread([1.0, 1.0, 1.0, 1.0]) == 0.0
    # quartiles of 1..5 (inclusive method): 2 and 4; median 3
    assert _bench.spread([5.0, 1.0, 3.0, 2.0, 4.0]) == pytest.approx(2 / 3)
    assert _bench.spread([1.0, 2.0]) == 0.0  # too few rounds to say


def test_rows_that_spread_too_far_are_marked_and_explained():
    steady = _bench.Result("W1 steady", 1, 1e-3, 1.2e-3, 5e-4, {"torch": 2e-3}, spread=0.05)
    noisy = _bench.Result("W1 noisy", 2, 1e-3, 1.2e-3, 5e-4, {"torch": 2e-3}, spread=0.6)
    lonely = _bench.Result("W8 lonely", 1, 1e-3, 1e-3, 5e-4, no_peer="no peer resizes this")
    text = _bench.table([steady, noisy, lonely])
    rows = {line.split("  ")[0]: line for line in text.splitlines()[1:]}
    assert "0.50 / 0.60 ?" in rows["W1 noisy"] and "?" not in rows["W1 steady"]
    assert "none has it" in rows["W8 lonely"]
    lines = _bench.notes([steady, noisy, lonely])
    assert lines[0].startswith("? the times of W1 noisy 2T spread by more than 25%")
    assert lines[1] == "none has it: no peer resizes this."


def test_thread_teams_are_warmed_up_before_every_round(monkeypatch):
    calls = []
    monkeypatch.setattr(_bench, "warm_up", lambda threads, seconds: calls.append(threads))
    times = _bench.round_times({"a": lambda: None, "b": lambda: None}, 3, threads=2)
    assert [len(t) for t in times.values()] == [3, 3]
    assert calls == [2] * 4  # once before the warm-up runs, then before each round


def test_warm_up_runs_parallel_regions_of_the_team(monkeypatch):
    teams = []
    monkeypatch.setattr(_bench._kernels, "team_probe", lambda n: teams.append(n) or n)
    _bench.warm_up(1, 5.0)  # one thread: nothing to wake
    assert teams == []
    _bench.warm_up(2, 0.01)
    assert teams and set(teams) == {2}
