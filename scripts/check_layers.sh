#!/usr/bin/env bash
# The include direction (docs/architecture.md): a layer of src/ includes only itself and the
# layers below it. LAYERS lists them bottom-up; a file of src/<layer>/ that includes
# "<other>/..." for a layer listed after its own fails the check (wtp/ is planned; capi/, the C
# API, is the top).
set -euo pipefail
cd "$(dirname "$0")/.."
LAYERS=(base crypto model meadowcap store sync json net uri drop wtp node capi)
rank() {
  local i
  for i in "${!LAYERS[@]}"; do
    if [ "${LAYERS[$i]}" = "$1" ]; then echo "$i"; return; fi
  done
  echo -1
}
bad=0
for dir in src/*/; do
  layer=$(basename "$dir")
  own=$(rank "$layer")
  if [ "$own" -lt 0 ]; then
    echo "layers: src/$layer/ is not in LAYERS (scripts/check_layers.sh)" >&2
    bad=1
    continue
  fi
  while IFS=: read -r file line inc; do
    other=$(sed -E 's/^#include "([a-z0-9_]+)\/.*/\1/' <<<"$inc")
    r=$(rank "$other")
    if [ "$r" -gt "$own" ]; then
      echo "layers: $file:$line: $layer/ includes $other/, a higher layer" >&2
      bad=1
    fi
  done < <(grep -rnE '^#include "[a-z0-9_]+/' "$dir" || true)
done
[ "$bad" -eq 0 ] && echo "layers: every include of src/ points down (${LAYERS[*]})"
exit "$bad"
