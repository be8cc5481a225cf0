#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# build-module.sh KDIR OUTPUT ABI_INCLUDE SOURCE_DIR WORK_DIR
#
# Builds sidecar.ko against the kernel build directory KDIR and copies it to
# OUTPUT. Kbuild writes its objects next to the sources of an external
# module, so the sources are linked into WORK_DIR and built there; the
# source tree stays clean. Warnings are errors, as in the rest of the build.
set -eu

kdir=$1
out=$2
abi=$(readlink -f "$3")
src=$(readlink -f "$4")
work=$5

mkdir -p "$work"
work=$(cd "$work" && pwd)
find "$work" -maxdepth 1 -type l -delete
for f in "$src"/*.c "$src"/*.h "$src"/Kbuild; do
	ln -s "$f" "$work/"
done
make -s -C "$kdir" M="$work" SIDECAR_ABI_INC="$abi" SIDECAR_WERROR=1 modules
cp "$work/sidecar.ko" "$out"
