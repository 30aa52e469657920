"""Build the one compiled module, ``fastup._kernels``, with OpenMP when the compiler has it.

Environment:
  GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_SHA  set by GitHub Actions, where the release
      wheels and sdist are built: the project URLs of the metadata (source, issues, changelog)
      point at the repository that built them. Elsewhere only the PyPI page is named, since a
      clone built anywhere else has no address to give.
  FASTUP_DISABLE_OPENMP=1  build serial kernels without probing for OpenMP.
  FASTUP_REQUIRE_OPENMP=1  fail the build when the compiler cannot compile and link OpenMP.

Never built with -ffast-math or -march=native: results must be exact and wheels portable.
"""

import glob
import os
import shlex
import sys
import tempfile

from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

OPENMP_PROBE = r"""
#include <omp.h>
int main(void) {
    int n = 0;
    #pragma omp parallel for reduction(+:n)
    for (int i = 0; i < 4; i++) n += omp_get_num_threads() > 0;
    return n == 4 ? 0 : 1;
}
"""


PYPI_URL = "https://pypi.org/project/fastup/"


def project_urls(environ):
    """The metadata's Project-URL entries: the PyPI page, and the source, issues and changelog of
    the GitHub repository named by ``environ`` (GitHub Actions' variables), when it names one."""
    urls = {"PyPI": PYPI_URL}
    server = environ.get("GITHUB_SERVER_URL", "").strip().rstrip("/")
    repository = environ.get("GITHUB_REPOSITORY", "").strip().strip("/")
    if server.startswith("https://") and repository.count("/") == 1:
        home = f"{server}/{repository}"
        ref = environ.get("GITHUB_SHA", "").strip() or "HEAD"
        urls.update(
            {
                "Source": home,
                "Documentation": f"{home}#readme",
                "Issues": f"{home}/issues",
                "Changelog": f"{home}/blob/{ref}/CHANGELOG.md",
            }
        )
    return urls


def _env_flag(name):
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _c_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class BuildExt(build_ext):
    def _openmp_candidates(self):
        if self.compiler.compiler_type == "msvc":
            return [(["/openmp"], [])]
        candidates = [(["-fopenmp"], ["-fopenmp"])]
        if (
            sys.platform == "darwin"
        ):  # Apple clang: libomp installed beside it (Homebrew or vendored)
            candidates.append((["-Xpreprocessor", "-fopenmp"], ["-lomp"]))
        return candidates

    def _probe_openmp(self):
        """Compile and link (never run) a tiny OpenMP program; return (cflags, ldflags) or None.

        The probe links with $LDFLAGS, as the extension will be linked: distutils adds LDFLAGS to
        the shared-library link but not to link_executable, so a libomp found only through
        LDFLAGS=-L... (Homebrew's, or the wheel build's own on macOS) would fail the probe."""
        msvc = self.compiler.compiler_type == "msvc"
        env_ldflags = [] if msvc else shlex.split(os.environ.get("LDFLAGS", ""))
        for cflags, ldflags in self._openmp_candidates():
            with tempfile.TemporaryDirectory() as tmp:
                src = os.path.join(tmp, "probe_openmp.c")
                with open(src, "w") as f:
                    f.write(OPENMP_PROBE)
                try:
                    objects = self.compiler.compile([src], output_dir=tmp, extra_postargs=cflags)
                    self.compiler.link_executable(
                        objects,
                        "probe_openmp",
                        output_dir=tmp,
                        extra_preargs=env_ldflags,
                        extra_postargs=ldflags,
                    )
                except Exception:  # CompileError, LinkError: try the next spelling
                    continue
            return cflags, ldflags
        return None

    def build_extensions(self):
        msvc = self.compiler.compiler_type == "msvc"
        require = _env_flag("FASTUP_REQUIRE_OPENMP")
        if _env_flag("FASTUP_DISABLE_OPENMP"):
            if require:
                raise RuntimeError("FASTUP_REQUIRE_OPENMP=1 and FASTUP_DISABLE_OPENMP=1 contradict")
            openmp = None
            print("fastup: FASTUP_DISABLE_OPENMP=1: building serial kernels")
        else:
            openmp = self._probe_openmp()
            if openmp is None:
                message = (
                    "fastup: the C compiler cannot build OpenMP programs; the kernels will run "
                    "on one thread. Install an OpenMP runtime (libgomp, libomp) to get threads."
                )
                if require:
                    raise RuntimeError(message + " (FASTUP_REQUIRE_OPENMP=1 was set)")
                self.warn(message)
        # Cython instantiates every combination of a fused cdef function; the unused ones are
        # dropped by the compiler, and need not be reported.
        cflags = ["/O2"] if msvc else ["-O3", "-Wno-unused-function"]
        ldflags = []
        if openmp is not None:
            cflags += openmp[0]
            ldflags += openmp[1]

        # The build facts fastup.show_config() reports, compiled into the module as a header.
        compiler_cmd = getattr(self.compiler, "compiler_so", None) or [self.compiler.compiler_type]
        header_dir = os.path.join(self.build_temp, "fastup_build_info")
        os.makedirs(header_dir, exist_ok=True)
        with open(os.path.join(header_dir, "fastup_build_info.h"), "w") as f:
            f.write("#define FASTUP_BUILD_COMPILER " + _c_string(" ".join(compiler_cmd)) + "\n")
            f.write("#define FASTUP_BUILD_CFLAGS " + _c_string(" ".join(cflags)) + "\n")
            f.write("#define FASTUP_BUILD_LDFLAGS " + _c_string(" ".join(ldflags)) + "\n")
            f.write(f"#define FASTUP_BUILD_REQUIRE_OPENMP {int(require)}\n")
        for ext in self.extensions:
            ext.include_dirs.append(header_dir)
            ext.extra_compile_args = list(ext.extra_compile_args or []) + cflags
            ext.extra_link_args = list(ext.extra_link_args or []) + ldflags
        super().build_extensions()


def main():
    extensions = [
        Extension(
            "fastup._kernels",
            ["src/fastup/_kernels.pyx"],
            include_dirs=["src/fastup"],
            depends=sorted(glob.glob("src/fastup/*.h")),
            define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        )
    ]

    setup(
        ext_modules=cythonize(
            extensions,
            compiler_directives={
                "language_level": 3,
                "boundscheck": False,
                "wraparound": False,
                "cdivision": True,
                "initializedcheck": False,
                "embedsignature": True,
                "autotestdict": False,
            },
        ),
        cmdclass={"build_ext": BuildExt},
        project_urls=project_urls(os.environ),
    )


if __name__ == "__main__":  # as setuptools' build backend runs it; tests import project_urls
    main()
