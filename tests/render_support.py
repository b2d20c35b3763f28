"""Shared by the map, report and browser tests: analysed datasets (computed once per
run) and a headless Chromium page that records everything a page tries to do."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLE_DIR, TEST_DATA, missing_tool

from partnernet import read_dataset
from partnernet.analysis.pipeline import analyse
from partnernet.analysis.results import Results
from partnernet.model import Dataset

HOSTILE_DIR = TEST_DATA / "hostile"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Every hostile payload sets this (or opens a dialog) if it ever runs.
PWNED = "__pwned"


# Module-scoped fixtures run before conftest's per-test key, so the key is given.
PSEUDONYM_KEY = "test-key-not-secret"


@functools.cache
def _analysed(path: str) -> tuple[Dataset, Results]:
    ds = read_dataset(path, pseudonym_key=PSEUDONYM_KEY)
    # Fewer permutations than a real run: the pages show p-values, they do not
    # test them, and this keeps the suite quick.
    return ds, analyse(ds, seed=0, permutations=1_000)


def analysed(path: Path) -> tuple[Dataset, Results]:
    """The dataset at ``path`` and its analysis, computed once per test run."""
    return _analysed(str(path))


def sample() -> tuple[Dataset, Results]:
    return analysed(SAMPLE_DIR)


def report_charts(analysed: Callable[[], tuple[Dataset, Results]]) -> list[bytes]:
    """The SVG of each chart the report draws for ``analysed()``'s results, in order."""
    from partnernet.findings import explain
    from partnernet.render import charts
    from partnernet.render.report import render_report

    drawn: list[bytes] = []
    original = charts.svg_data_uri

    def keep(svg: bytes) -> str:
        drawn.append(svg)
        return original(svg)

    _, results = analysed()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(charts, "svg_data_uri", keep)
        render_report(results, explain(results))
    return drawn


def hostile() -> tuple[Dataset, Results]:
    return analysed(HOSTILE_DIR)


@dataclass
class Watch:
    """What a page did: console errors, uncaught errors, requests, dialogs."""

    url: str = ""
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def outside_requests(self) -> list[str]:
        """Requests other than the page itself and inline ``data:`` images."""
        return [u for u in self.requests if u != self.url and not u.startswith("data:")]


# Installed before any page script: collects Content-Security-Policy violations,
# which a page can neither prevent nor hide.
_CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@contextmanager
def browser() -> Iterator[Any]:
    """Debian's chromium driven by Playwright; never a browser of Playwright's own."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extra is missing
        missing_tool("playwright is not installed (pip install -e '.[test]')")
    if not CHROMIUM.exists():
        missing_tool(f"{CHROMIUM} is missing: install Debian's chromium (make chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            yield b
        finally:
            b.close()


@contextmanager
def open_page(
    b: Any, path: Path, *, width: int = 1400, height: int = 900
) -> Iterator[tuple[Any, Watch]]:
    """Open ``path`` from file:// in a fresh context, recording what it does."""
    context = b.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    watch = Watch(url=path.resolve().as_uri())
    page.add_init_script(_CSP_LISTENER)
    page.on("console", lambda m: m.type == "error" and watch.console_errors.append(m.text))
    page.on("pageerror", lambda e: watch.page_errors.append(str(e)))
    page.on("request", lambda r: watch.requests.append(r.url))

    def on_dialog(dialog: Any) -> None:
        watch.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    try:
        page.goto(watch.url, wait_until="load")
        yield page, watch
    finally:
        context.close()


def wait_for_map(page: Any) -> None:
    """Wait until the map has drawn (the page marks ``body[data-ready]``)."""
    # A selector, not wait_for_function: the page's CSP forbids evaluating strings.
    page.wait_for_selector("body[data-ready=true]", state="attached", timeout=60_000)


def node_screen_position(page: Any, vis_id: str) -> tuple[float, float]:
    """Where node ``vis_id`` is drawn, in page coordinates."""
    return tuple(
        page.evaluate(
            """(id) => {
                const p = window.network.getPositions([id])[id];
                const d = window.network.canvasToDOM(p);
                const r = document.getElementById("pn-network").getBoundingClientRect();
                return [d.x + r.left, d.y + r.top];
            }""",
            vis_id,
        )
    )
