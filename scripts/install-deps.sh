#!/usr/bin/env bash
# Installs the Debian 12 packages Sidecar needs, and only those missing.
# Safe to run again and again; needs root (or sudo) only when something is
# missing.
set -euo pipefail

packages=(
	build-essential g++ pkg-config python3
	meson ninja-build nasm
	libcriterion-dev libfdt-dev device-tree-compiler
	busybox-static cpio
	# The fuzz harnesses (scripts/fuzz): clang's libFuzzer and sanitizer
	# runtimes, and llvm-symbolizer for readable reports.
	clang libclang-rt-dev llvm
	# The style suite: Debian 12's clang-format and clang-tidy (14) are the
	# pinned ones.
	clang-format clang-tidy
)

# QEMU comes from bookworm-backports (10.0): Debian 12's own 7.2 has no
# x2APIC under TCG, and the project's QEMU machines are x2APIC up to 2048
# vCPUs (docs/boot-shim.md). Anything older than this is replaced.
qemu_min_version="1:10.0"
backports_list=/etc/apt/sources.list.d/sidecar-bookworm-backports.sources

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

missing=()
for p in "${packages[@]}"; do
	if ! installed "$p"; then
		missing+=("$p")
	fi
done
need_qemu=1
if installed qemu-system-x86 &&
	dpkg --compare-versions "$(dpkg-query -W -f='${Version}' qemu-system-x86)" ge "$qemu_min_version"; then
	need_qemu=0
fi

if [ ${#missing[@]} -eq 0 ] && [ $need_qemu -eq 0 ]; then
	exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
	sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
update_needed=1

if [ $need_qemu -eq 1 ]; then
	# Enable bookworm-backports, and only that suite, unless an apt source
	# already names it. Backports are pinned at priority 100 by their
	# Release file, so nothing else is upgraded from them: only what is
	# asked for with -t below.
	if ! grep -qsw 'bookworm-backports' /etc/apt/sources.list \
		/etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; then
		echo "install-deps: enabling bookworm-backports in $backports_list"
		$sudo tee "$backports_list" >/dev/null <<-EOF
			Types: deb
			URIs: http://deb.debian.org/debian
			Suites: bookworm-backports
			Components: main
			Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
		EOF
	fi
	$sudo apt-get update -q
	update_needed=0
	echo "install-deps: installing qemu-system-x86 from bookworm-backports"
	# -t lets the dependencies QEMU 10 needs newer (seabios) come from
	# backports too.
	$sudo apt-get install -y -q --no-install-recommends -t bookworm-backports qemu-system-x86
fi

if [ ${#missing[@]} -gt 0 ]; then
	echo "install-deps: installing ${missing[*]}"
	if [ $update_needed -eq 1 ]; then
		$sudo apt-get update -q
	fi
	$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
