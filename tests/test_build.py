"""The build: OpenMP present (and really running threads) when it should be, safe flags, and
``show_config``."""

import os
import sys

import pytest

import fastup
from fastup import _kernels


def _openmp_required() -> bool:
    return _kernels.build_info()["require_openmp"] or os.environ.get(
        "FASTUP_REQUIRE_OPENMP", ""
    ).strip().lower() in ("1", "true", "yes", "on")


def test_openmp_present_when_required():
    """A build made with FASTUP_REQUIRE_OPENMP=1 (every wheel; CI) must have OpenMP: a silently
    serial build would pass every other test."""
    config = fastup.show_config(print_=False)
    if not _openmp_required():
        pytest.skip("this build did not require OpenMP")
    assert config["openmp"], "built with FASTUP_REQUIRE_OPENMP=1 but the kernels lack OpenMP"
    # MSVC's /openmp implements OpenMP 2.0 (_OPENMP == 200203); GCC/clang report 3.1 or newer
    assert config["openmp_version"] >= (200203 if sys.platform == "win32" else 201107)


def test_parallel_region_runs_threads():
    if not fastup.show_config(print_=False)["openmp"]:
        assert _kernels.team_probe(4) == 1
        pytest.skip("serial build")
    assert _kernels.team_probe(1) == 1
    assert _kernels.team_probe(2) == 2
    assert _kernels.team_probe(3) == 3


def test_no_unsafe_flags():
    flags = _kernels.build_info()["cflags"]
    assert "-ffast-math" not in flags and "-Ofast" not in flags
    assert "-march=native" not in flags


def test_show_config_reports_everything(capsys):
    config = fastup.show_config()
    printed = capsys.readouterr().out
    for key in (
        "version",
        "openmp",
        "openmp_version",
        "openmp_runtimes",
        "threads",
        "compiler",
        "cflags",
        "ldflags",
    ):
        assert key in config
        assert key in printed
    assert config["version"] == fastup.__version__
    assert config["threads"]["workers_default"] == fastup.get_workers()
    if config["openmp"] and os.path.exists("/proc/self/maps"):
        assert config["openmp_runtimes"], "OpenMP build but no runtime library found loaded"


def test_the_license_ships_with_the_package():
    """The BSD-3-Clause text is in the installed distribution's metadata (the wheel carries it
    under .dist-info/licenses), and the sdist's manifest includes it."""
    from importlib import metadata

    files = [str(f) for f in metadata.files("fastup") or []]
    assert any(f.endswith("LICENSE") for f in files), files[:20]
    license_text = next(f for f in metadata.files("fastup") if str(f).endswith("LICENSE"))
    assert "BSD 3-Clause License" in license_text.read_text()
    assert metadata.metadata("fastup")["License-Expression"] == "BSD-3-Clause"


def test_project_urls_in_the_metadata():
    """The installed metadata names the PyPI page; setup.py adds the source, issues and changelog
    of the GitHub repository that built a release (GitHub Actions' variables), and nothing
    invented elsewhere."""
    from importlib import metadata

    urls = dict(u.split(", ", 1) for u in metadata.metadata("fastup").get_all("Project-URL") or [])
    assert urls.get("PyPI") == "https://pypi.org/project/fastup/", urls

    setup_py = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "setup.py")
    if not os.path.exists(setup_py):
        pytest.skip("setup.py is not beside the tests (an installed copy of the tests)")
    pytest.importorskip("Cython", reason="setup.py imports Cython")
    import runpy

    project_urls = runpy.run_path(setup_py, run_name="fastup_setup")["project_urls"]
    github = {
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "owner/fastup",
        "GITHUB_SHA": "0123abc",
    }
    assert project_urls(github) == {
        "PyPI": "https://pypi.org/project/fastup/",
        "Source": "https://github.com/owner/fastup",
        "Documentation": "https://github.com/owner/fastup#readme",
        "Issues": "https://github.com/owner/fastup/issues",
        "Changelog": "https://github.com/owner/fastup/blob/0123abc/CHANGELOG.md",
    }
    assert project_urls({}) == {"PyPI": "https://pypi.org/project/fastup/"}
    assert project_urls({**github, "GITHUB_REPOSITORY": ""}) == project_urls({})


def test_oracle_is_an_attribute_loaded_on_first_use():
    """``fastup.oracle`` works without ``import fastup.oracle``, and ``import fastup`` does not
    load it."""
    import subprocess

    code = (
        "import sys, fastup; assert 'fastup.oracle' not in sys.modules; "
        "import numpy as np; y = fastup.oracle.resize(np.ones((2, 3)), (4, 6)); "
        "assert y.shape == (4, 6) and 'fastup.oracle' in sys.modules; "
        "assert fastup.oracle is sys.modules['fastup.oracle']; print('ok')"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        fastup.nope  # noqa: B018
