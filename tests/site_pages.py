"""Pages of a built site as a reader gets them: served on localhost the way a static host serves
it (precompressed), read by headless Chromium (Debian's package, driven by Playwright) with no
network. Screenshots go to test-artefacts/screenshots/."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from orchestration.publish.serve import serve

SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artefacts" / "screenshots"
# axe-core from reports/package-lock.json (a dev dependency), injected into each page read.
AXE = SCREENSHOTS.parent.parent / "reports" / "node_modules" / "axe-core" / "axe.min.js"
# The rules of WCAG 2.1 A and AA, which lagen om tillgänglighet till digital offentlig service asks.
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_RUN = """async tags => {
    const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
    return result.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        targets: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
    }));
}"""
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def served(site: Path) -> Iterator[str]:
    """The site served on a free localhost port; its base URL."""
    server = serve(site, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def is_engine_request(url: str) -> bool:
    path = url.split("?")[0]
    return path.endswith((".wasm", ".parquet"))


class Visit:
    """A page as a reader saw it: its text, console errors and the bytes that came over."""

    def __init__(self, browser, url: str, name: str) -> None:
        self.errors: list[str] = []
        self.encoded_bytes = 0
        self.urls: list[str] = []
        # Requests for the browser's query engine: duckdb-wasm's .wasm and the Parquet it reads.
        self.engine_requests: list[str] = []
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="sv-SE")
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        page.on("requestfailed", self._failed)
        page.on("requestfinished", self._finished)
        page.on("request", self._request)
        page.on(
            "response",
            lambda response: (
                response.status >= 400
                and self.errors.append(f"HTTP {response.status}: {response.url}")
            ),
        )
        page.goto(url, wait_until="networkidle", timeout=120_000)
        page.wait_for_timeout(1500)
        self.text = page.inner_text("body")
        self.labels = " ".join(
            page.eval_on_selector_all(
                "[aria-label],[title],[placeholder]",
                "els => els.map(e => [e.getAttribute('aria-label'), e.getAttribute('title'),"
                " e.getAttribute('placeholder')].filter(Boolean).join(' '))",
            )
        )
        self.lang = page.get_attribute("html", "lang")
        page.add_script_tag(path=str(AXE))
        self.violations = page.evaluate(AXE_RUN, WCAG_21_AA)
        self.chart_labels = page.eval_on_selector_all(
            "[_echarts_instance_]", "els => els.map(e => e.getAttribute('aria-label'))"
        )
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        # What a reader who opens every collapsed section (<details>, e.g. "Tekniska detaljer")
        # gets in addition; `text` is the page as it opens, with those sections closed.
        page.eval_on_selector_all("details", "els => els.forEach(e => { e.open = true; })")
        page.wait_for_timeout(300)
        self.details_text = " ".join(page.locator("details").all_inner_texts())
        page.close()

    def _console(self, message) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text}")

    def _failed(self, request) -> None:
        # Evidence itself cancels the fetch of a prerendered result it no longer needs once the
        # browser's DuckDB is ready (net::ERR_ABORTED); anything else is a failure.
        if "ERR_ABORTED" not in (request.failure or ""):
            self.errors.append(f"failed: {request.url} ({request.failure})")

    def _request(self, request) -> None:
        if is_engine_request(request.url):
            self.engine_requests.append(request.url)

    def _finished(self, request) -> None:
        sizes = request.sizes()
        self.encoded_bytes += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        self.urls.append(request.url)
