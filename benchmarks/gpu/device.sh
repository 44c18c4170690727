#!/usr/bin/env bash
# One call on a lent GPU machine (issue 17): build cuPDLPx offline, run the device test, and
# measure a certified plan at 1,000,000 x 5 (then 100,000 x 5 if time is left), all inside one
# budget of seconds, so that a call of 10 minutes at most always ends with its logs. The large
# run generates its economy while cuPDLPx builds. Run from the repository root, after
# benchmarks/gpu/prepare.sh has filled DIR where PyPI is reachable:
#
#     bash benchmarks/gpu/device.sh [DIR=.gpu] [BUDGET=540]
#
# Logs go to $OUT (the device tool's folder that comes back) or ./gpu-out: steps.txt (each
# step with the seconds since the start), device.txt, build.log, test.log, bench-1m.log,
# bench-100k.log (and bench-1m-again.log where the first large run solved nothing). PYTHON
# names the interpreter (python3: the lent machines' holds NumPy, SciPy, Numba, pytest,
# hypothesis, scikit-build-core, pybind11, CMake and Ninja); CUDA_HOME the toolkit to build
# with (else the nvcc on the PATH, else /usr/local/cuda). PRODUCTS overrides the large run's
# size.
set -uo pipefail

dir=${1:-.gpu}
budget=${2:-540}
out=${OUT:-$PWD/gpu-out}
python=${PYTHON:-python3}
products=${PRODUCTS:-1000000}
site=$(mktemp -d /tmp/rada-gpu-site.XXXX)
wheel=$(mktemp -d /tmp/rada-gpu-wheel.XXXX)
mkdir -p "$out"
export PYTHONUNBUFFERED=1
start=$SECONDS

step() { echo "[$((SECONDS - start)) s] $*" | tee -a "$out/steps.txt"; }
left() { echo $((budget - (SECONDS - start))); }
fail() {
    step "stopped: $*"
    exit 1
}

[ -f "$dir/cupdlpx-0.3.0.tar.gz" ] || fail "$dir/cupdlpx-0.3.0.tar.gz is missing: run benchmarks/gpu/prepare.sh here first"
step "budget ${budget} s; $(nproc) cores; $(free -g | awk '/Mem:/ {print $2}') GiB"
if command -v nvidia-smi >/dev/null; then
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader >"$out/device.txt" 2>&1
    step "device: $(cat "$out/device.txt")"
else
    step "device: no nvidia-smi"
fi
"$python" -c 'import sys, numpy, scipy, numba; print("python", sys.version.split()[0], "numpy", numpy.__version__, "scipy", scipy.__version__, "numba", numba.__version__)' \
    >>"$out/steps.txt" 2>&1 || fail "$python cannot import NumPy, SciPy and Numba together (see steps.txt)"

# What was carried: highspy and any other wheel in DIR/wheels.
if compgen -G "$dir/wheels/*.whl" >/dev/null; then
    "$python" -m pip install -q --no-index --no-deps --no-compile --target "$site" "$dir"/wheels/*.whl \
        >>"$out/steps.txt" 2>&1 || fail "the carried wheels did not install"
fi

# cuBLAS and cuSPARSE are loaded from the loader's path; where it does not find them, look in
# the toolkit and in the CUDA wheels beside the interpreter (PyTorch's). Decided before the
# large run starts, so that the path is in its environment from the beginning.
libraries() {
    "$python" - <<'PY'
import glob, os, site
roots = site.getsitepackages() + [os.environ.get("CUDA_HOME", "/usr/local/cuda")]
print(":".join(sorted({os.path.dirname(p) for r in roots for p in glob.glob(r + "/**/libcublas.so*", recursive=True)} | {os.path.dirname(p) for r in roots for p in glob.glob(r + "/**/libcusparse.so*", recursive=True)})))
PY
}
if ! "$python" -c 'import ctypes.util as u, sys; sys.exit(not (u.find_library("cublas") and u.find_library("cusparse")))'; then
    found=$(libraries)
    [ -z "$found" ] || export LD_LIBRARY_PATH="$found${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    step "the loader finds no cuBLAS or cuSPARSE by itself; LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
fi

# The large run generates its economy (about 100 s at 1,000,000 products) while cuPDLPx builds
# and the device test runs, then waits for the word "ready" in $ready; its solve has what is
# left until $until (Unix seconds). Whatever stops this script first tells it so. Should its
# final certificate overrun, it may run 40 s past the budget: the call's limit (600 s) is a
# minute above the budget (540 s) for that.
ready=$(mktemp -u /tmp/rada-gpu-ready.XXXX)
large=""
trap '[ -e "$ready" ] || echo stopped >"$ready"; [ -z "$large" ] || kill "$large" 2>/dev/null' EXIT
until=$(($(date +%s) + $(left) - 40))
step "$products x 5, gap 1e-3, generating while cuPDLPx builds; to end by $(date -d "@$until" +%T)"
PYTHONPATH="$site:$PWD/src:${PYTHONPATH:-}" timeout $(($(left) + 40)) "$python" \
    benchmarks/bench_gpu.py --products "$products" --years 5 --runs 1 --gap 1e-3 \
    --until "$until" --wait-for "$ready" --stages >"$out/bench-1m.log" 2>&1 &
large=$!

# cuPDLPx, built for this machine's GPU alone.
build=("$python" benchmarks/gpu/build_cupdlpx.py "$dir/cupdlpx-0.3.0.tar.gz" --out "$wheel")
build+=(--arch "${CUDA_ARCH:-90-real}")  # the H100 and the H200
[ -f /usr/include/zlib.h ] || build+=(--zlib-include "$dir/zlib")
if [ -n "${CUDA_HOME:-}" ] && [ -x "$CUDA_HOME/bin/nvcc" ]; then
    build+=(--cuda "$CUDA_HOME")
elif ! command -v nvcc >/dev/null; then
    for root in /usr/local/cuda /usr/local/cuda-13.0; do
        if [ -x "$root/bin/nvcc" ]; then
            build+=(--cuda "$root")
            break
        fi
    done
fi
step "building cuPDLPx: ${build[*]}"
"${build[@]}" >"$out/build.log" 2>&1 || {
    tail -30 "$out/build.log"
    fail "cuPDLPx did not build (build.log)"
}
"$python" -m pip install -q --no-index --no-deps --no-compile --target "$site" "$wheel"/cupdlpx-*.whl \
    >>"$out/steps.txt" 2>&1 || fail "the cuPDLPx wheel did not install"
export PYTHONPATH="$site:$PWD/src:${PYTHONPATH:-}"
step "built: $(tail -1 "$out/build.log")"
if ! "$python" -c 'import cupdlpx' >>"$out/steps.txt" 2>&1; then
    found=$(libraries)
    [ -z "$found" ] || export LD_LIBRARY_PATH="$found${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    step "cupdlpx did not import at first; LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
    "$python" -c 'import cupdlpx' >>"$out/steps.txt" 2>&1 || fail "cupdlpx does not import (steps.txt)"
fi

# The device test (200 x 5 against exact simplex) and the stand-ins, with the real cupdlpx.
timeout 150 "$python" -m pytest -q -p no:cacheprovider tests/unit/compute/test_gpu.py -rs \
    >"$out/test.log" 2>&1
step "tests: $(tail -1 "$out/test.log")"

echo ready >"$ready"
step "$products x 5: cuPDLPx is ready; $(tail -1 "$out/bench-1m.log")"
wait "$large"
step "$products x 5 ended (exit $?): $(tail -1 "$out/bench-1m.log")"

# Where the large run solved nothing (cupdlpx did not import in it, say), once more in the
# foreground, with what is left: generating the economy is not in its time limit.
if ! grep -q "seed 1: .* iterations" "$out/bench-1m.log"; then
    generating=$((products / 11000 + 10))
    limit=$(($(left) - generating - 30))
    if [ "$limit" -ge 60 ]; then
        step "$products x 5 again, gap 1e-3, limit ${limit} s"
        timeout $(($(left) - 10)) "$python" benchmarks/bench_gpu.py --products "$products" --years 5 \
            --runs 1 --gap 1e-3 --time-limit "$limit" --stages 2>&1 | tee "$out/bench-1m-again.log"
        step "$products x 5 ended (exit ${PIPESTATUS[0]})"
    fi
fi

# 100,000 x 5 with what is left, if that is enough for its generation and a minute's solve.
limit=$(($(left) - 30))
if [ "$limit" -ge 60 ]; then
    limit=$((limit > 120 ? 120 : limit))
    step "100000 x 5, gap 1e-3, limit ${limit} s"
    timeout $(($(left) - 5)) "$python" benchmarks/bench_gpu.py --products 100000 --years 5 --runs 1 \
        --gap 1e-3 --time-limit "$limit" --stages 2>&1 | tee "$out/bench-100k.log"
    step "100000 x 5 ended (exit ${PIPESTATUS[0]})"
fi
step "done"
