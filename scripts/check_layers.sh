#!/usr/bin/env bash
# The include direction and the API boundary (docs/architecture.md):
# 1. A layer includes only itself and the layers below it. LAYERS lists them bottom-up; a file of
#    src/<layer>/ or include/osier/<layer>/ that includes "<other>/..." or "osier/<other>/..." for
#    a layer listed after its own fails the check (wtp/ is planned).
# 2. Public headers (include/osier/) include only public headers: an installed header never names
#    an internal one.
# 3. The CLI (apps/) is built on the public API alone: it includes "osier/..." project headers and
#    its own, never a layer's internals ("store/...").
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
for dir in src/*/ include/osier/*/; do
  layer=$(basename "$dir")
  own=$(rank "$layer")
  if [ "$own" -lt 0 ]; then
    echo "layers: $dir is not in LAYERS (scripts/check_layers.sh)" >&2
    bad=1
    continue
  fi
  while IFS=: read -r file line inc; do
    other=$(sed -E 's/^#include "(osier\/)?([a-z0-9_]+)\/.*/\2/' <<<"$inc")
    r=$(rank "$other")
    if [ "$r" -gt "$own" ]; then
      echo "layers: $file:$line: $layer/ includes $other/, a higher layer" >&2
      bad=1
    fi
  done < <(grep -rnE '^#include "(osier/)?[a-z0-9_]+/' "$dir" || true)
done
while IFS=: read -r file line inc; do
  echo "api: $file:$line: a public header includes an internal one: $inc" >&2
  bad=1
done < <(grep -rnE '^#include "[a-z0-9_]+/' include/osier | grep -v '#include "osier/' || true)
while IFS=: read -r file line inc; do
  echo "api: $file:$line: the CLI includes a layer's internals: $inc" >&2
  bad=1
done < <(grep -rnE '^#include "[a-z0-9_]+/' apps | grep -v '#include "osier/' || true)
[ "$bad" -eq 0 ] && echo "layers: every include points down (${LAYERS[*]}); public headers and apps/ use the public API only"
exit "$bad"
