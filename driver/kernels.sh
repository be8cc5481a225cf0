#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# The kernels to build sidecar.ko for, one "RELEASE DIR" line each (RELEASE
# is the kernel's UTS_RELEASE, what `uname -r` prints on it; DIR the real
# path of its build directory). Used by meson.build.
#
#   kernels.sh          every configured kernel build directory among
#                       /lib/modules/*/build and /usr/src/linux-headers-*
#                       (Debian's -common directories are not configured)
#   kernels.sh DIR...   exactly those; one that is not usable is an error
set -eu

release() {
	sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$1/include/generated/utsrelease.h" \
		2>/dev/null || true
}

usable() {
	[ -f "$1/Makefile" ] && [ -f "$1/.config" ] && [ -n "$(release "$1")" ]
}

if [ $# -gt 0 ]; then
	for d in "$@"; do
		if ! usable "$d"; then
			echo "kernel_headers: $d is not a configured kernel build directory" \
				"(it needs Makefile, .config and include/generated/utsrelease.h)" >&2
			exit 1
		fi
		printf '%s %s\n' "$(release "$d")" "$(readlink -f "$d")"
	done
	exit 0
fi

for d in /lib/modules/*/build /usr/src/linux-headers-*; do
	if usable "$d"; then
		printf '%s %s\n' "$(release "$d")" "$(readlink -f "$d")"
	fi
done | sort -u -k1,1
