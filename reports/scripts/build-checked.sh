#!/usr/bin/env bash
# Clean, checked static build (for Makefiles and CI). Run from anywhere after `npm run sources`:
#   bash scripts/build-checked.sh
# - removes build/ first (evidence build copies over it and would keep pages that no longer exist);
# - fails when evidence build fails, when any page query logs "Error in Query!" (evidence build and
#   build:strict both exit 0 in that case), or when an indicator/association page is missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
export DO_NOT_TRACK="${DO_NOT_TRACK:-1}"

rm -rf build
log="$(mktemp /tmp/evidence-build.XXXXXX.log)"
start=$(date +%s)
if ! ./node_modules/.bin/evidence build:strict 2>&1 | tee "$log"; then
  echo "build-checked: evidence build failed (log: $log)" >&2
  exit 1
fi
if grep -q "Error in Query" "$log"; then
  echo "build-checked: page queries failed:" >&2
  grep "Error in Query" "$log" | sort -u >&2
  exit 1
fi
node scripts/verify-build.mjs
echo "build-checked: ok in $(( $(date +%s) - start )) s"
rm -f "$log"
