#!/usr/bin/env bash
# Debian packages the test suite needs: Fashion-MNIST IDX files (data tests), Chromium (end-to-end
# tests through playwright-core), poppler-utils (pdffonts reads the fonts of exported PDFs), git
# (tests list the tracked files), a C toolchain and OpenBLAS headers for the BLAS addon (built right
# after by npm test's pretest) and DejaVu fonts for figures. Installs what is missing when run as
# root; otherwise says what to install. test/install/system-deps.test.ts checks that every program
# the tests start comes from a package listed here (or one every Debian system has).
set -euo pipefail
packages=(dataset-fashion-mnist libopenblas-dev chromium fonts-dejavu-core poppler-utils git make gcc g++ python3-minimal)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "The tests need these Debian packages, and this machine has no apt-get: ${missing[*]}" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "The tests need: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "installing Debian packages for the tests: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q "${missing[@]}" >/dev/null
