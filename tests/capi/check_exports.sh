#!/bin/sh
# libosier_c.so exports exactly the functions osier.h declares: no other symbol (the layers' C++
# code stays hidden: src/capi/osier_c.map) and none of the header's missing.
# Usage: check_exports.sh LIBRARY HEADER
set -eu
syms=$(nm -D --defined-only "$1" | awk '{print $3}')
other=$(printf '%s\n' "$syms" | grep -v '^osier_' || true)
if [ -n "$other" ]; then
  echo "exported beyond the C API:"
  printf '%s\n' "$other"
  exit 1
fi
declared=$(grep -o 'osier_[a-z0-9_]*(' "$2" | tr -d '(' | sort -u)
for f in $declared; do
  printf '%s\n' "$syms" | grep -qx "$f" || { echo "declared in $2 but not exported: $f"; exit 1; }
done
echo "exports: $(printf '%s\n' "$syms" | wc -l) symbols, all osier_*; $(printf '%s\n' "$declared" | wc -l) declared"
