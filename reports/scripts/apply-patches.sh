#!/usr/bin/env bash
# Applies the committed patches in reports/patches/ to node_modules after `npm ci`.
#
#   cd reports && npm ci            # runs this script as the root package's postinstall
#   bash scripts/apply-patches.sh   # safe to rerun: an applied patch is detected and skipped
#
# Fails loudly (exit 1) when a patch target is missing, has another version than the patch
# was written for, or its text changed so that the patch neither applies nor is already applied.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

# Each entry: patch file | package directory (relative to reports/) | exact package version
# | number of lines containing "finsam-patch" the patch adds (each must be in its file afterwards)
PATCHES=(
  # DuckDB 0.10 (duckdb-wasm 1.28.0, pinned so nothing downloads at run time) rejects two SET
  # statements Evidence runs at start-up; make them tolerate failure.
  "patches/universal-sql-3.0.1-tolerate-set-failures.patch|node_modules/@evidence-dev/universal-sql|3.0.1|8"
  # A source query without rows still writes a typed, empty Parquet file (evidence-dev/evidence#2466).
  "patches/universal-sql-3.0.1-empty-sources.patch|node_modules/@evidence-dev/universal-sql|3.0.1|3"
  # Let the duckdb connector accept an absolute `filename` (EVIDENCE_SOURCE__finsam__filename).
  "patches/duckdb-2.0.1-absolute-filename.patch|node_modules/@evidence-dev/duckdb|2.0.1|1"
  # Swedish numbers everywhere Evidence formats a number (3 850, 7,5, 72 %; applyFormatting), Swedish
  # unit suffixes, Swedish CSV downloads (";", decimal comma, BOM, formulas neutralised), ASCII file
  # names, Swedish ECharts locale and error messages (new module src/finsamSv.js).
  "patches/component-utilities-4.0.13-swedish-numbers-csv.patch|node_modules/@evidence-dev/component-utilities|4.0.13|27"
  # Swedish interface texts in the components (tables, downloads, charts, layout, inputs, errors).
  "patches/core-components-5.4.2-swedish-interface.patch|node_modules/@evidence-dev/core-components|5.4.2|100"
  # A sparkline cell without points (every year suppressed) shows a dash instead of an error badge.
  "patches/core-components-5.4.2-empty-sparklines.patch|node_modules/@evidence-dev/core-components|5.4.2|1"
  # <html lang="sv"> and Swedish error pages in the SvelteKit template Evidence copies into .evidence/.
  "patches/evidence-40.1.8-lang-sv.patch|node_modules/@evidence-dev/evidence|40.1.8|5"
  # WCAG 2.1 AA (axe-core in tests/test_site.py): tables that scroll sideways take keyboard focus,
  # and the dropdown's button is a button that opens a dialog, not a combobox without its popup.
  # After the Swedish-interface patch, which changes the same files.
  "patches/core-components-5.4.2-accessibility.patch|node_modules/@evidence-dev/core-components|5.4.2|2"
  # The browser's DuckDB (duckdb-wasm, its .wasm and the Parquet files) starts at the first query
  # that must run in the browser, not on every page load: every number is prerendered.
  "patches/evidence-40.1.8-lazy-duckdb-wasm.patch|node_modules/@evidence-dev/evidence|40.1.8|2"
  # Hydration runs no query when the data is prerendered: a query store with prerendered rows
  # counts them instead of asking DuckDB (COUNT(*)) before a promise of rows has arrived ...
  "patches/sdk-4.0.2-rows-before-count.patch|node_modules/@evidence-dev/sdk|4.0.2|1"
  # ... and a Dropdown is given the prerendered columns of its query instead of DESCRIBE-ing it.
  "patches/component-utilities-4.0.13-input-known-columns.patch|node_modules/@evidence-dev/component-utilities|4.0.13|3"
  "patches/core-components-5.4.2-input-known-columns.patch|node_modules/@evidence-dev/core-components|5.4.2|1"
  # The build reads each source into a table once (a view decoded its Parquet file again in every
  # page query), and prerendering writes only the files the site serves: each query's result once
  # and the page's list of queries, not four more dev-server cache files a query. After the
  # set-failures patch, which changes node.js too. The prerendering took 105 s of a 181 s build.
  "patches/universal-sql-3.0.1-build-once.patch|node_modules/@evidence-dev/universal-sql|3.0.1|8"
  # SvelteKit writes its build data (routes, manifests, the analysed server) to FINSAM_BUNDLE_DATA, so
  # that scripts/build-site.mjs can keep the bundle and build a new publication's site by prerendering
  # it again, without bundling (some 55 s of a 78 s build), while the pages are unchanged.
  "patches/kit-2.8.4-keep-build-data.patch|node_modules/@sveltejs/kit|2.8.4|5"
)

die() { echo "apply-patches: ERROR: $*" >&2; exit 1; }

command -v patch >/dev/null 2>&1 || die "the 'patch' program is missing (Debian: apt-get install -y patch)"
command -v node >/dev/null 2>&1 || die "node is missing"

for entry in "${PATCHES[@]}"; do
  IFS='|' read -r patch_file pkg_dir want_version want_marks <<<"$entry"
  [ -f "$patch_file" ] || die "patch file $patch_file not found"
  [ -f "$pkg_dir/package.json" ] || die "$pkg_dir is not installed (run npm ci first)"
  have_version="$(node -p "require('./$pkg_dir/package.json').version")"
  [ "$have_version" = "$want_version" ] \
    || die "$pkg_dir is version $have_version, but $patch_file was written for $want_version: review and regenerate the patch"

  if patch -p1 -d "$pkg_dir" --dry-run --reverse --force --silent -r - <"$patch_file" >/dev/null 2>&1; then
    echo "apply-patches: already applied: $patch_file"
  elif patch -p1 -d "$pkg_dir" --dry-run --forward --force --silent -r - <"$patch_file" >/dev/null 2>&1; then
    patch -p1 -d "$pkg_dir" --forward --force --silent --no-backup-if-mismatch -r - <"$patch_file" \
      || die "applying $patch_file to $pkg_dir failed"
    echo "apply-patches: applied: $patch_file"
  else
    die "$patch_file neither applies to nor is applied in $pkg_dir: the patch target changed; review the patch"
  fi

  # Verify the result: every "finsam-patch" line the patch adds must now be in its file. (Counting
  # the markers in a whole file would also count those of another patch to the same file.)
  # diff writes a name holding a space in double quotes: +++ "b/dir with space/file".
  got_marks=0
  while IFS=$'\x1f' read -r f line; do
    [ -f "$pkg_dir/$f" ] || die "$pkg_dir/$f (named in $patch_file) is missing"
    grep -qxF -- "$line" "$pkg_dir/$f" && got_marks=$((got_marks + 1))
  done < <(awk '
    /^\+\+\+ / { f = substr($0, 5); gsub(/^"|"$/, "", f); sub(/^b\//, "", f); next }
    /^\+.*finsam-patch/ { print f "\037" substr($0, 2) }' "$patch_file")
  [ "$got_marks" = "$want_marks" ] \
    || die "after $patch_file, expected its $want_marks 'finsam-patch' lines in $pkg_dir, found $got_marks"
done
echo "apply-patches: all patches in place"
