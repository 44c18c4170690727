#!/usr/bin/env bash
# Fetch, on a machine that reaches PyPI, what a lent GPU machine cannot fetch for itself:
# cuPDLPx's source distribution (checked against PyPI's SHA-256), HiGHS for the device's Python
# (the device test compares with exact simplex), and zlib's two headers (cuPDLPx's MPS reader
# includes them; the library itself is on every Linux). Everything goes into one folder, which
# the device call carries:
#
#     bash benchmarks/gpu/prepare.sh            # fills .gpu/ and has git ignore it
#     # then, with the device tool: carry [".gpu"], command
#     #   bash benchmarks/gpu/device.sh .gpu
#
# GPU_PYTHON names the device's Python version (3.12 on the lent machines so far).
set -euo pipefail

dest=${1:-.gpu}
python_version=${GPU_PYTHON:-3.12}
sdist=cupdlpx-0.3.0.tar.gz
highspy=$(python3 -c 'import importlib.metadata as m; print(m.version("highspy"))' 2>/dev/null || echo 1.16.0)

mkdir -p "$dest/wheels" "$dest/zlib"
if [ "$dest" = .gpu ] && [ -d .git ]; then
    mkdir -p .git/info
    grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >> .git/info/exclude
fi

# The source distribution, from PyPI's simple index, with the hash the index gives.
link=$(curl -fsS https://pypi.org/simple/cupdlpx/ | grep -o "https://[^\"]*$sdist#sha256=[0-9a-f]*" | head -1)
if [ -z "$link" ]; then
    echo "prepare.sh: PyPI's index lists no $sdist" >&2
    exit 1
fi
curl -fsSLo "$dest/$sdist" "${link%%#*}"
echo "${link##*#sha256=}  $dest/$sdist" | sha256sum -c --quiet
echo "fetched $sdist (sha256 checked)"

# highspy, built for the device's Python (manylinux, x86-64).
platforms=()
for tag in manylinux_2_28_x86_64 manylinux_2_27_x86_64 manylinux_2_17_x86_64 manylinux2014_x86_64; do
    platforms+=(--platform "$tag")
done
python3 -m pip download -q --no-deps --only-binary=:all: --python-version "$python_version" \
    --implementation cp "${platforms[@]}" -d "$dest/wheels" "highspy==$highspy"
ls "$dest/wheels"

# zlib's headers, from the Debian package (zlib's licence; the headers only).
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
(cd "$scratch" && apt-get download -q zlib1g-dev >/dev/null && dpkg -x ./zlib1g-dev_*.deb root)
cp "$scratch/root/usr/include/zlib.h" "$scratch/root/usr/include/zconf.h" "$dest/zlib/"
echo "prepared $dest: $(du -sh "$dest" | cut -f1)"
