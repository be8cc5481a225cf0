#!/usr/bin/env bash
# The whole test suite: the user-space units once more under
# ThreadSanitizer (build-tsan/, hosted parts only), the fuzz harnesses for a
# short fixed budget and the user-space units built by clang under ASan and
# UBSan (build-fuzz/), then every Meson suite of the main build (build/).
# Ends with Meson's summary.
set -euo pipefail
cd "$(dirname "$0")/.."

# The Debian kernels the 'linux' suite boots, and their headers (the
# driver is built against them); downloads only what is missing.
scripts/install-deps.sh
scripts/fetch-kernels

scripts/build.sh build

echo "== unit tests under ThreadSanitizer (build-tsan/)"
if [ -f build-tsan/build.ninja ]; then
	meson setup --reconfigure build-tsan >/dev/null
else
	meson setup build-tsan -Db_sanitize=thread -Db_lundef=false >/dev/null
fi
meson compile -C build-tsan >/dev/null
meson test -C build-tsan --suite unit --print-errorlogs

echo "== fuzz harnesses, fixed seeds (build-fuzz/: clang, ASan + UBSan)"
scripts/fuzz --suite

# The same configuration builds every hosted part with clang: the unit
# tests once more, under AddressSanitizer and UndefinedBehaviorSanitizer.
echo "== unit tests built by clang, under ASan + UBSan (build-fuzz/)"
meson test -C build-fuzz --suite unit --print-errorlogs

echo "== all suites (build/)"
meson test -C build --print-errorlogs
