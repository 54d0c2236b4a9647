#!/usr/bin/env bash
# Install the system libraries Custody needs: libzbar0 for the pyzbar barcode backend,
# libdmtx0b for the pylibdmtx anchor of the scanner benchmark.
set -euo pipefail
missing=()
ldconfig -p 2>/dev/null | grep -q 'libzbar.so.0' || missing+=(libzbar0)
ldconfig -p 2>/dev/null | grep -q 'libdmtx.so.0' || missing+=(libdmtx0b)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "installing system packages: ${missing[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
    echo "missing system packages: ${missing[*]} (install them, e.g. sudo apt-get install ${missing[*]})" >&2
    exit 1
fi
