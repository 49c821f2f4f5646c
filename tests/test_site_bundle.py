"""The site keeps its bundle between builds (reports/scripts/site-bundle.mjs): a new publication
is only prerendered with it, and the result is the site a whole new build makes of the same data."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import textwrap
from collections import Counter
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc
import pytest

from orchestration.publish import publications
from orchestration.publish.site import build_site
from orchestration.settings import REPORTS_DIR, load_settings

# Each publication's data files are served under the MD5 of their bytes, which `evidence sources`
# does not keep the same from one run to the next; their rows are compared instead (below).
DATA_FOLDER = re.compile(rb"(data/finsam/[a-z_]+/)[0-9a-f]{32}/")
# What differs between two builds of the same pages and data, and means nothing: the names of
# the script chunks and SvelteKit's version (the time of bundling), the random element ids of
# the menus, the data files' folders, and the byte layout of the query results (all compared
# by their rows below).
CHUNK_NAME = re.compile(rb"\.[A-Za-z0-9_-]{8}\.(js|css|wasm)")
NOISE = [
    (CHUNK_NAME, rb".CHUNK.\1"),
    (re.compile(rb"__sveltekit_[a-z0-9]+"), b"__sveltekit_V"),
    (re.compile(rb"\b1[7-9]\d{11}\b"), b"TIME"),
    (re.compile(rb'(id|aria-controls|aria-labelledby|for)="[A-Za-z0-9_-]{10}"'), rb'\1="ID"'),
    (DATA_FOLDER, rb"\1MD5/"),
]
RESULTS = "api/prerendered_queries"
PUBLISHER = "Provförbundet för byggtester"


def served_files(site: Path) -> dict[str, Path]:
    """The site's files (not their compressed copies and not the query results), by a name
    without the chunk hash."""
    return {
        DATA_FOLDER.sub(
            rb"\1MD5/", CHUNK_NAME.sub(rb".CHUNK.\1", str(path.relative_to(site)).encode())
        ).decode(): path
        for path in site.rglob("*")
        if path.is_file()
        and not path.name.endswith((".br", ".gz"))
        and RESULTS not in path.as_posix()
    }


def without_noise(path: Path, renamed: dict[str, str]) -> bytes:
    content = path.read_bytes()
    for new, old in renamed.items():
        content = content.replace(new.encode(), old.encode())
    for pattern, replacement in NOISE:
        content = pattern.sub(replacement, content)
    if path.name == "manifest.json" and path.parent.name == "data":
        # Evidence lists each source's data files in the order their writes ended
        manifest = json.loads(content)
        for files in manifest["renderedFiles"].values():
            files.sort()
        content = json.dumps(manifest, sort_keys=True).encode()
    return content


def query_results(site: Path) -> dict[tuple[str, str], pa.Table]:
    """Each page's prerendered query results, by page and query."""
    results = {}
    for listing in site.glob("api/*/*/all-queries.json"):
        page = listing.parent.relative_to(site).as_posix()
        for query, result in json.loads(listing.read_text()).items():
            stream = (site / RESULTS / f"{result}.arrow").read_bytes()
            results[page, query] = ipc.open_stream(stream).read_all()
    return results


def same_rows(one: list[tuple], other: list[tuple], renamed: dict[str, str]) -> bool:
    """The same rows in any order, once the renamed texts of `one` are given their old names."""
    rename = [tuple(renamed.get(value, value) for value in row) for row in one]
    return Counter(map(repr, rename)) == Counter(map(repr, other))


def renamed_in(table: pa.Table, renamed: dict[str, str]) -> pa.Table:
    """The table with the renamed texts given their old names. Only the columns that hold one
    are made anew: Evidence writes some columns that pyarrow would not build again (a boolean
    column of nulls without its data buffer)."""
    for new, old in renamed.items():
        for index, column in enumerate(table.columns):
            is_text = pa.types.is_string(column.type) or pa.types.is_large_string(column.type)
            if is_text and pc.any(pc.equal(column, new)).as_py():
                renamed_column = pc.if_else(pc.equal(column, new), old, column)
                table = table.set_column(index, table.schema.field(index), renamed_column)
    return table


def build(settings, publication: Path, rebuild_bundle: bool) -> tuple[Path, list[str]]:
    said: list[str] = []
    site = build_site(settings, publication, log=said.append, rebuild_bundle=rebuild_bundle)
    kept = site.parent / f"site-{'bundled' if rebuild_bundle else 'prerendered'}"
    shutil.copytree(site, kept)
    return kept, said


def bundled_by(home: Path) -> bool:
    """Whether a run in `home` bundled the site anew (the first site build on a machine does)."""
    return any(
        "build-site: vite build done" in log.read_text(errors="replace")
        for log in (home / "logs").glob("run-*.log")
    )


@pytest.mark.site
def test_a_kept_bundle_builds_the_site_a_new_bundle_builds(pipeline_run, site_run, tmp_path):
    """A publication with other data (a new publisher) is built with the kept bundle
    (prerendering only). It is the site a whole new build makes, apart from the new data: that
    whole build is site_run's, of the same publication before the change, when site_run made the
    bundle (the first site build of a fresh clone, as on CI); otherwise this test bundles the
    changed publication anew."""
    home = tmp_path / "home"
    shutil.copytree(pipeline_run.home, home, symlinks=True)
    settings = load_settings(home=home, landing=pipeline_run.landing)
    publication = publications.current(settings)
    with duckdb.connect(str(publication / "finsam.duckdb")) as con:
        (publisher,) = con.execute("select any_value(publisher) from publication").fetchone()
        con.execute("update publication set publisher = ?", [PUBLISHER])

    prerendered, said = build(settings, publication, rebuild_bundle=False)
    assert any("prerendering only" in line for line in said), said
    if bundled_by(pipeline_run.home):
        shared = load_settings(home=pipeline_run.home).publications_dir / publication.name
        assert site_run.resolve() == (shared / "site").resolve()  # the publication changed here
        bundled, renamed = site_run, {PUBLISHER: publisher}
    else:
        bundled, said = build(settings, publication, rebuild_bundle=True)
        assert any("vite build done" in line for line in said), said
        renamed = {}

    files, files_again = served_files(prerendered), served_files(bundled)
    assert files.keys() == files_again.keys()
    # The script chunks (_app/) are the bundle itself: two bundlings differ in SvelteKit's version
    # (the time) and so in the minifier's names. The lists of a page's results name results by the
    # hashes of their bytes, which differ in layout only: the results are compared as tables.
    differ = [
        name
        for name, path in files.items()
        if not name.startswith("_app/")
        and not name.endswith(("all-queries.json", ".parquet"))
        and without_noise(path, renamed) != without_noise(files_again[name], {})
    ]
    assert differ == []
    data = [name for name in files if name.startswith("data/") and name.endswith(".parquet")]
    assert len(data) > 10
    with duckdb.connect() as con:
        for name in data:
            one, other = (con.execute(f"from '{f[name]}'").fetchall() for f in (files, files_again))
            assert same_rows(one, other, renamed), name
    results, again = query_results(prerendered), query_results(bundled)
    assert results.keys() == again.keys() and len(results) > 100
    assert [
        key for key, table in results.items() if not renamed_in(table, renamed).equals(again[key])
    ] == []
    overview = (prerendered / "index.html").read_text()
    assert PUBLISHER in overview and publisher not in overview  # the new data, not the bundle's


KEY = """
import {{ bundleKey }} from {module};
console.log(bundleKey({{ reports: process.argv[1], template: process.argv[2],
                         env: JSON.parse(process.argv[3]) }}));
"""


def bundle_key(reports: Path, template: Path, env: dict[str, str] | None = None) -> str:
    module = json.dumps(str(REPORTS_DIR / "scripts" / "site-bundle.mjs"))
    script = textwrap.dedent(KEY.format(module=module))
    arguments = [str(reports), str(template), json.dumps(env or {})]
    return subprocess.run(
        ["node", "--input-type=module", "-e", script, *arguments],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def project(tmp_path) -> tuple[Path, Path]:
    reports = tmp_path / "reports"
    template = reports / ".evidence" / "template"
    write(reports / "package-lock.json", "{}")
    write(reports / "patches" / "a.patch", "--- a\n")
    write(template / "src" / "pages" / "+page.md", "# Översikt")
    write(template / "svelte.config.js", "export default {}")
    write(template / "static" / "data" / "finsam" / "t" / "t.parquet", "rows")
    write(template / "static" / "data" / "finsam" / "t" / "t.schema.json", '{"a": "number"}')
    write(template / "static" / "nedladdning" / "t.csv", "")
    write(template / ".svelte-kit" / "output" / "x.js", "built")
    return reports, template


def test_the_bundle_is_kept_for_new_data_but_not_for_new_pages(project):
    reports, template = project
    key = bundle_key(reports, template)
    assert re.fullmatch(r"[0-9a-f]{64}", key)

    # what a new publication changes: the data, the downloads, the snapshot's path; and outputs
    write(template / "static" / "data" / "finsam" / "t" / "t.parquet", "other rows")
    write(template / "static" / "nedladdning" / "u.csv", "")
    write(template / ".svelte-kit" / "output" / "x.js", "built again")
    write(template / "build" / "index.html", "")
    assert bundle_key(reports, template, {"EVIDENCE_SOURCE__finsam__filename": "/p/2"}) == key

    # what the bundle is made from
    for change in (
        lambda: write(template / "src" / "pages" / "+page.md", "# Ny översikt"),
        lambda: write(template / "src" / "components" / "Ny.svelte", "<p/>"),
        lambda: write(template / "static" / "data" / "finsam" / "t" / "t.schema.json", "{}"),
        lambda: write(reports / "patches" / "b.patch", "--- b\n"),
        lambda: write(reports / "package-lock.json", '{"v": 2}'),
    ):
        change()
        changed = bundle_key(reports, template)
        assert changed != key
        key = changed
    assert bundle_key(reports, template, {"EVIDENCE_DEBUG": "true"}) != key
