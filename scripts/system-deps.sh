#!/usr/bin/env bash
# Install the system libraries Custody needs: libzbar0 for the pyzbar barcode backend,
# libdmtx0b for the pylibdmtx anchor of the scanner benchmark, Debian's chromium for the
# browser tests of /docs and / (tests/web: Playwright drives it; no browser is downloaded),
# and (optional) OpenSSL's
# headers for the compiled fast path of `custody verify` (app/ledger/_accel.c).
set -euo pipefail
missing=()
ldconfig -p 2>/dev/null | grep -q 'libzbar.so.0' || missing+=(libzbar0)
ldconfig -p 2>/dev/null | grep -q 'libdmtx.so.0' || missing+=(libdmtx0b)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v pdftotext >/dev/null || missing+=(poppler-utils)  # tests/reports: PDF text and pages
optional=()
[ -f /usr/include/openssl/evp.h ] || optional+=(libssl-dev)
command -v cc >/dev/null || optional+=(gcc)
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    wanted=("${missing[@]}" "${optional[@]}")
    [ ${#wanted[@]} -eq 0 ] && exit 0
    echo "installing system packages: ${wanted[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${wanted[@]}" >/dev/null
    exit 0
fi
if [ ${#optional[@]} -gt 0 ]; then
    echo "note: without ${optional[*]} custody verify runs its pure-Python checks (slower)" >&2
fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "missing system packages: ${missing[*]} (install them, e.g. sudo apt-get install ${missing[*]})" >&2
    exit 1
fi
