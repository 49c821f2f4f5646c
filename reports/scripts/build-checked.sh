#!/usr/bin/env bash
# Clean, checked static build (for Makefiles and CI). Run from anywhere after `npm run sources`:
#   bash scripts/build-checked.sh
# Runs scripts/build-site.mjs, which removes build/ first, fails when the build fails, when any page
# query logs "Error in Query!" (evidence build and build:strict both exit 0 then), or when an
# indicator/association page is missing. The Node heap: NODE_OPTIONS, else what site.py uses.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DO_NOT_TRACK="${DO_NOT_TRACK:-1}"
export NODE_OPTIONS="${NODE_OPTIONS:---max-old-space-size=2048}"
exec node "$here/scripts/build-site.mjs"
