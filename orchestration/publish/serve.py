"""Serve the built site on localhost as a static host would. Python's http.server does most of it;
it lacks two things hosts do and the site relies on:

- the precompressed .br or .gz copy of a file when the browser accepts it
  (reports/scripts/precompress.mjs writes them), with the original's content type;
- byte ranges (HTTP 206), which DuckDB-WASM uses to read only the parts of a Parquet file a query
  needs instead of the whole file.
"""

import functools
import http.server
import mimetypes
import os
import re
from pathlib import Path

ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
RANGE = re.compile(r"bytes=(\d*)-(\d*)$")
mimetypes.add_type("application/wasm", ".wasm")
mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("text/csv", ".csv")


class StaticHostHandler(http.server.SimpleHTTPRequestHandler):
    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if path.is_file() and "Range" in self.headers:
            return self._send_range(path)
        accepted = self.headers.get("Accept-Encoding", "")
        for encoding, suffix in ENCODINGS:
            compressed = path.with_name(path.name + suffix)
            if encoding in accepted and path.is_file() and compressed.is_file():
                return self._send_file(path, compressed, {"Content-Encoding": encoding})
        return super().send_head()

    def _send_file(self, original: Path, served: Path, headers: dict[str, str]):
        handle = served.open("rb")
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(original)))
        self.send_header("Content-Length", str(os.fstat(handle.fileno()).st_size))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Vary", "Accept-Encoding")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        return handle

    def _send_range(self, path: Path):
        size = path.stat().st_size
        match = RANGE.match(self.headers["Range"].strip())
        if match is None or (not match.group(1) and not match.group(2)):
            return self._send_file(path, path, {})
        if match.group(1):
            start = int(match.group(1))
            end = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
        else:  # the last N bytes
            start, end = max(size - int(match.group(2)), 0), size - 1
        if start > end or start >= size:
            self.send_error(416, "Requested range not satisfiable")
            return None
        handle = path.open("rb")
        handle.seek(start)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        return _Limited(handle, end - start + 1)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the base class's name)
        pass


class _Limited:
    """A file object that yields at most `remaining` bytes (copyfile reads until empty)."""

    def __init__(self, handle, remaining: int) -> None:
        self.handle, self.remaining = handle, remaining

    def read(self, size: int = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        size = self.remaining if size < 0 else min(size, self.remaining)
        data = self.handle.read(size)
        self.remaining -= len(data)
        return data

    def close(self) -> None:
        self.handle.close()


def serve(site: Path, port: int, host: str = "127.0.0.1") -> http.server.ThreadingHTTPServer:
    handler = functools.partial(StaticHostHandler, directory=str(site))
    return http.server.ThreadingHTTPServer((host, port), handler)
