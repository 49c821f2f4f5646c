"""reports/scripts/precompress.mjs: a Brotli and a gzip copy beside every compressible file, and
with --cache the bundle's copies kept from one build to the next, never a stale one."""

from __future__ import annotations

import gzip
import subprocess
from pathlib import Path

import pytest

from orchestration.settings import REPORTS_DIR

BUNDLE = Path("_app/immutable/assets")


def precompress(site: Path, cache: Path | None = None) -> str:
    option = ["--cache", str(cache)] if cache else []
    done = subprocess.run(
        ["node", "scripts/precompress.mjs", str(site), *option],
        cwd=REPORTS_DIR,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# Python has no Brotli here; Node's zlib, which wrote the copy, reads it back
UNBROTLI = (
    "const z = require('node:zlib'), fs = require('node:fs');"
    "process.stdout.write(z.brotliDecompressSync(fs.readFileSync(process.argv[1])))"
)


def assert_copies_of(path: Path) -> None:
    content = path.read_bytes()
    unpacked = subprocess.run(
        ["node", "-e", UNBROTLI, str(path.with_name(path.name + ".br"))],
        capture_output=True,
        check=True,
    )
    assert unpacked.stdout == content, path
    assert gzip.decompress(path.with_name(path.name + ".gz").read_bytes()) == content, path


@pytest.mark.site
def test_the_bundle_s_copies_are_reused_and_a_changed_file_is_compressed_anew(tmp_path):
    cache = tmp_path / "cache"
    first = tmp_path / "first"
    engine = write(first / BUNDLE / "engine.wasm", "engine " * 4000)
    chunk = write(first / BUNDLE / "chunk.js", "one " * 4000)
    page = write(first / "index.html", "<p>2024</p>" * 200)
    write(first / "tiny.js", "x")  # under 1 KiB: left as it is
    said = precompress(first, cache)
    assert "precompress: 3 files" in said
    assert "0 of the bundle's files taken" in said
    for path in (engine, chunk, page):
        assert_copies_of(path)
    assert not (first / "tiny.js.br").exists()
    assert len(list(cache.iterdir())) == 4  # the bundle's files only: pages change every build

    # the next build: the same engine, a page with other numbers, and another content under the
    # chunk's old name (never so in a real bundle, whose names follow the content)
    second = tmp_path / "second"
    same_engine = write(second / BUNDLE / "engine.wasm", engine.read_text())
    changed = write(second / BUNDLE / "chunk.js", "other " * 4000)
    new_page = write(second / "index.html", "<p>2025</p>" * 200)
    said = precompress(second, cache)
    assert "1 of the bundle's files taken" in said
    for path in (same_engine, changed, new_page):
        assert_copies_of(path)

    # a third build without the engine: its copies leave the cache
    third = tmp_path / "third"
    write(third / BUNDLE / "chunk.js", changed.read_text())
    precompress(third, cache)
    assert len(list(cache.iterdir())) == 2


@pytest.mark.site
def test_without_a_cache_every_file_is_compressed(tmp_path):
    engine = write(tmp_path / BUNDLE / "engine.wasm", "engine " * 4000)
    said = precompress(tmp_path)
    assert "precompress: 1 files" in said and "taken from" not in said
    assert_copies_of(engine)
