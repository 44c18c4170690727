"""Build a cuPDLPx wheel on a machine without the network (a lent GPU machine, say).

cupdlpx 0.3.0 is published as source only, and its CMake fetches two things from GitHub
while it builds: PSLP, its presolve, and zlib where the system has none. A machine that
reaches nothing cannot build it as published. This script unpacks the source distribution,
leaves PSLP out (Rada runs cuPDLPx with presolve off: ``rada.compute.gpu``), replaces the
presolve with one that stops the program with a message if it is ever asked for, makes a
missing zlib an error instead of a download, and builds a wheel for the named CUDA
architectures only (all of them take many minutes; ``90-real`` is the H100's and H200's).

    python benchmarks/gpu/build_cupdlpx.py cupdlpx-0.3.0.tar.gz --out wheels
    python benchmarks/gpu/build_cupdlpx.py cupdlpx-0.3.0.tar.gz --out wheels \\
        --cuda /path/to/cuda --zlib-include /path/with/zlib.h --arch 90-real

It needs CUDA 12.4 or newer (``nvcc``, cuBLAS and cuSPARSE; ``--cuda`` names the toolkit's
root where ``nvcc`` is not on the PATH), a C++ compiler, and scikit-build-core, pybind11,
CMake and Ninja importable by the Python that runs it (no build isolation: nothing is
downloaded). The source distribution can be fetched anywhere pip reaches PyPI; the CUDA
compiler and libraries also come as wheels (``nvidia-cuda-nvcc`` and friends), which is how
this script was tried on a machine with no GPU. Every patch checks that the text it replaces
is there, so a later cupdlpx whose build differs stops the script with the file named.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

#: The PSLP block of the top-level CMakeLists.txt, from its heading to the definition of its
#: version, is replaced by this.
NO_PSLP = """# PSLP left out: built offline for Rada, which runs cuPDLPx with presolve off.
target_compile_definitions(cupdlpx_compile_flags INTERFACE PSLP_VERSION="none")
"""

NO_ZLIB_DOWNLOAD = """if(NOT ZLIB_FOUND)
    message(FATAL_ERROR "zlib not found, and this build downloads nothing: "
        "pass -DZLIB_INCLUDE_DIR=<folder with zlib.h> -DZLIB_LIBRARY=<libz.so>")
endif()
"""

PRESOLVE_H = """#ifndef PRESOLVE_H
#define PRESOLVE_H

/* cuPDLPx built without PSLP (Rada's benchmarks/gpu/build_cupdlpx.py): the presolve's
   entry points remain, and stop the program with a message if presolve is asked for. */

#include "cupdlpx.h"

#ifdef __cplusplus
extern "C"
{
#endif

    typedef struct
    {
        void *presolver;
        void *settings;
        lp_problem_t *reduced_problem;
        bool problem_solved_during_presolve;
        double presolve_time;
        char presolve_status;
    } cupdlpx_presolve_info_t;

    cupdlpx_presolve_info_t *pslp_presolve(const lp_problem_t *original_prob,
                                           const pdhg_parameters_t *params);

    cupdlpx_result_t *create_result_from_presolve(const cupdlpx_presolve_info_t *info,
                                                  const lp_problem_t *original_prob);

    const char *get_presolve_status_str(int status);

    void pslp_postsolve(const cupdlpx_presolve_info_t *info,
                        cupdlpx_result_t *reduced_result,
                        const lp_problem_t *original_prob);

    void cupdlpx_presolve_info_free(cupdlpx_presolve_info_t *info);

#ifdef __cplusplus
}
#endif

#endif
"""

PRESOLVE_C = """#include "presolve.h"
#include <stdio.h>
#include <stdlib.h>

/* Built without PSLP: see presolve.h. */

static void no_presolve(void)
{
    fprintf(stderr, "cuPDLPx was built without its presolve (PSLP); "
                    "set presolve off (Rada always does)\\n");
    abort();
}

const char *get_presolve_status_str(int status)
{
    (void)status;
    return "NOT_BUILT";
}

cupdlpx_presolve_info_t *pslp_presolve(const lp_problem_t *original_prob,
                                       const pdhg_parameters_t *params)
{
    (void)original_prob;
    (void)params;
    no_presolve();
    return NULL;
}

cupdlpx_result_t *create_result_from_presolve(const cupdlpx_presolve_info_t *info,
                                              const lp_problem_t *original_prob)
{
    (void)info;
    (void)original_prob;
    no_presolve();
    return NULL;
}

void pslp_postsolve(const cupdlpx_presolve_info_t *info, cupdlpx_result_t *result,
                    const lp_problem_t *original_prob)
{
    (void)info;
    (void)result;
    (void)original_prob;
    no_presolve();
}

void cupdlpx_presolve_info_free(cupdlpx_presolve_info_t *info)
{
    (void)info;
}
"""


class PatchError(Exception):
    """The source distribution is not the one these patches were written for."""


def replace_once(path: Path, old: str, new: str) -> None:
    """Replace the one occurrence of ``old`` in ``path``, or say where it is missing."""
    text = path.read_text()
    count = text.count(old)
    if count != 1:
        raise PatchError(f"{path}: expected the text {old[:60]!r} once, found it {count} times")
    path.write_text(text.replace(old, new))


def cut_between(path: Path, start: str, end: str, new: str) -> None:
    """Replace the text from the line ``start`` to the end of the line ``end``."""
    text = path.read_text()
    first = text.find(start)
    if first < 0 or text.count(start) != 1:
        raise PatchError(f"{path}: expected {start!r} once")
    last = text.find(end, first)
    if last < 0:
        raise PatchError(f"{path}: expected {end!r} after {start!r}")
    stop = text.find("\n", last + len(end)) + 1 or len(text)
    path.write_text(text[:first] + new + text[stop:])


def patch(source: Path) -> None:
    """Leave PSLP and zlib's download out of the build in ``source``."""
    cmake = source / "CMakeLists.txt"
    cut_between(cmake, "# 2. PSLP Configuration", "PSLP_VERSION=", NO_PSLP)
    replace_once(cmake, "find_package(ZLIB QUIET)\n", "find_package(ZLIB)\n")
    cut_between(
        cmake, "if(NOT ZLIB_FOUND)", "FetchContent_MakeAvailable(zlib)\nendif()", NO_ZLIB_DOWNLOAD
    )
    replace_once(
        cmake,
        "    PUBLIC ZLIB::ZLIB\n    PUBLIC PSLP\n  )\nendif()",
        "    PUBLIC ZLIB::ZLIB\n  )\nendif()",
    )
    bindings = source / "python_bindings" / "CMakeLists.txt"
    cut_between(bindings, "install(TARGETS PSLP", ")", "")
    # The public types include PSLP's statistics header for a field that is commented out.
    replace_once(source / "include" / "cupdlpx_types.h", '#include "PSLP_stats.h"\n', "")
    for name in ("internal/presolve.h", "src/presolve.c"):
        if not (source / name).is_file():
            raise PatchError(f"{source / name}: missing")
    (source / "internal" / "presolve.h").write_text(PRESOLVE_H)
    (source / "src" / "presolve.c").write_text(PRESOLVE_C)


def unpack(sdist: Path, into: Path) -> Path:
    """Unpack the source distribution and return its top folder."""
    with tarfile.open(sdist) as archive:
        if hasattr(tarfile, "data_filter"):
            archive.extractall(into, filter="data")
        else:  # Python before 3.11.4: the archive is PyPI's, checked by pip's hash or yours
            archive.extractall(into)
    tops = [path for path in into.iterdir() if path.is_dir()]
    if len(tops) != 1:
        raise PatchError(f"{sdist}: expected one top folder, found {len(tops)}")
    return tops[0]


def build(source: Path, out: Path, arch: str, cuda: Path | None, zlib_include: Path | None) -> Path:
    """Build the wheel into ``out`` with pip, without isolation, and return its path."""
    environment = dict(os.environ)
    defines = [f"CMAKE_CUDA_ARCHITECTURES={arch}"]
    if cuda is not None:
        environment["CUDACXX"] = str(cuda / "bin" / "nvcc")
        environment["PATH"] = f"{cuda / 'bin'}{os.pathsep}{environment['PATH']}"
        defines.append(f"CUDAToolkit_ROOT={cuda}")
    if zlib_include is not None:
        defines.append(f"ZLIB_INCLUDE_DIR={zlib_include}")
        library = zlib_library()
        if library is not None:
            defines.append(f"ZLIB_LIBRARY={library}")
    command = [sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps"]
    command += ["--no-index", "-w", str(out), str(source)]
    command += [f"--config-settings=cmake.define.{define}" for define in defines]
    out.mkdir(parents=True, exist_ok=True)
    before = set(out.glob("cupdlpx-*.whl"))
    try:
        subprocess.run(command, check=True, env=environment)
    except subprocess.CalledProcessError as error:
        raise SystemExit(f"cupdlpx did not build: pip exited {error.returncode} (above)") from None
    made = sorted(set(out.glob("cupdlpx-*.whl")) - before) or sorted(out.glob("cupdlpx-*.whl"))
    return made[-1]


def zlib_library() -> str | None:
    """The system's zlib (``libz.so.1``), to link against headers brought from elsewhere."""
    for folder in ("/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/lib/x86_64-linux-gnu", "/usr/lib"):
        for name in ("libz.so", "libz.so.1"):
            if (Path(folder) / name).exists():
                return str(Path(folder) / name)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sdist", type=Path, help="cupdlpx-0.3.0.tar.gz")
    parser.add_argument("--out", type=Path, required=True, help="Folder for the wheel.")
    parser.add_argument("--arch", default="90-real", help="CMAKE_CUDA_ARCHITECTURES.")
    parser.add_argument("--cuda", type=Path, help="The CUDA toolkit's root (bin/nvcc).")
    parser.add_argument("--zlib-include", type=Path, help="A folder holding zlib.h.")
    args = parser.parse_args()
    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        try:
            source = unpack(args.sdist, Path(scratch))
            patch(source)
        except (PatchError, OSError, tarfile.TarError) as error:
            raise SystemExit(f"cannot prepare {args.sdist}: {error}") from None
        wheel = build(source, args.out, args.arch, args.cuda, args.zlib_include)
    print(f"built {wheel} in {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
