#!/usr/bin/env bash
# Installs the Debian 12 packages Sidecar needs, and only those missing.
# Safe to run again and again; needs root (or sudo) only when something is
# missing.
set -euo pipefail

packages=(
	build-essential g++ pkg-config python3
	meson ninja-build nasm
	libcriterion-dev libfdt-dev device-tree-compiler
	qemu-system-x86 busybox-static cpio
	# The fuzz harnesses (scripts/fuzz): clang's libFuzzer and sanitizer
	# runtimes, and llvm-symbolizer for readable reports.
	clang libclang-rt-dev llvm
	# The style suite: Debian 12's clang-format (14) is the pinned one.
	clang-format
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
