"""The change page and the difference map of ``partnernet compare`` opened in a real
headless Chromium, with the checks the map and the report pass: they draw, make no
network request, break no Content-Security-Policy rule, log no error, and run none
of the hostile dataset's script payloads.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import pytest
from render_support import PWNED, browser, hostile, open_page, sample, wait_for_map

from partnernet.analysis.compare import Comparison, compare
from partnernet.analysis.pipeline import analyse
from partnernet.export import write_comparison
from partnernet.model import Dataset
from partnernet.synthetic.year_after import year_after

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def chromium() -> Any:
    with browser() as b:
        yield b


@pytest.fixture(scope="module")
def planted() -> Comparison:
    ds, results = sample()
    after, _ = year_after(ds, seed=3)
    return compare(results, analyse(after, seed=0, permutations=1_000))


def assert_quiet(page: Any, watch: Any) -> None:
    assert watch.console_errors == []
    assert watch.page_errors == []
    assert watch.outside_requests() == []
    assert watch.requests[0] == watch.url
    assert page.evaluate("window.__cspViolations") == []
    assert page.evaluate(f"typeof window.{PWNED}") == "undefined"
    assert watch.dialogs == []


def _edges_by_change(page: Any) -> dict[str, int]:
    counts: dict[str, int] = page.evaluate(
        """() => {
            const out = {};
            window.network.body.data.edges.forEach(e => {
                out[e.change] = (out[e.change] || 0) + 1;
            });
            return out;
        }"""
    )
    return counts


def test_the_difference_map_draws_new_ties_and_faint_lost_ties(
    chromium: Any, tmp_path: Path, planted: Comparison
) -> None:
    write_comparison(tmp_path, planted, before_label="2024", after_label="2025")
    with open_page(chromium, tmp_path / "difference.html") as (page, watch):
        wait_for_map(page)
        G = planted.after.multilayer
        assert page.evaluate("window.network.body.data.nodes.length") == G.number_of_nodes()
        joined = page.evaluate(
            "window.network.body.data.nodes.get({filter: n => n.change === 'joined'}).length"
        )
        assert joined == (planted.organisations["change"] == "joined").sum()
        counts = _edges_by_change(page)
        # Every lost tie whose two ends are still here is drawn, faint.
        before = planted.before.multilayer
        after_pairs = {(min(u, v), max(u, v), d["layer"]) for u, v, d in G.edges(data=True)}
        lost_drawable = {
            (min(u, v), max(u, v), d["layer"])
            for u, v, d in before.edges(data=True)
            if u in G and v in G and d["layer"] != "PART_OF"
        } - after_pairs
        assert counts["lost"] == len(lost_drawable) > 0
        assert counts["new"] > 0
        lost = page.evaluate(
            "window.network.body.data.edges.get({filter: e => e.change === 'lost'})[0]"
        )
        assert lost["color"]["opacity"] < 0.5 and lost["dashes"]
        assert "Lost since 2024" in lost["title"]
        # The lost ties can be hidden like any layer.
        page.locator("#pn-layer-filters input[data-key=LOST]").uncheck()
        hidden = page.evaluate(
            "window.network.body.data.edges.get("
            "{filter: e => e.change === 'lost' && e.hidden}).length"
        )
        assert hidden == counts["lost"]
        legend = page.locator("#pn-marks").inner_text()
        assert "New organisation or board (green ring): 3" in legend
        assert "Lost tie (faint dotted grey line)" in legend
        # Each change has a swatch drawn as the map draws it.
        swatches = page.evaluate(
            """() => Array.from(document.querySelectorAll('#pn-marks li')).slice(0, 3)
                .map(li => {
                    const s = getComputedStyle(li.firstChild);
                    const width = li.firstChild.getBoundingClientRect().width;
                    return [li.firstChild.className, s.borderTopStyle, s.borderTopWidth,
                            s.borderTopColor, s.opacity, width];
                })"""
        )
        ring, new_line, lost_line = swatches
        assert ring[0] == "pn-mark pn-mark-ring" and ring[1] == "solid"
        assert ring[3] == "rgb(47, 158, 68)"  # JOINED_BORDER, the joined nodes' ring
        assert new_line[:5] == ["pn-line pn-mark-line", "solid", "3px", "rgb(232, 89, 12)", "0.95"]
        assert lost_line[:5] == [
            "pn-line pn-mark-line",
            "dotted",
            "2px",  # drawn 1.5 wide on the map; a browser shows a 1.5px border as 1px
            "rgb(154, 165, 177)",
            "0.35",
        ]
        assert all(s[5] > 10 for s in swatches)
        assert page.locator("h1").inner_text() == "What changed: partnership network"
        assert "What changed from 2024 to 2025" in page.locator("#pn-subtitle").inner_text()
        assert_quiet(page, watch)


def test_the_change_page_opens_offline_and_links_the_map(
    chromium: Any, tmp_path: Path, planted: Comparison
) -> None:
    write_comparison(tmp_path, planted, before_label="2024", after_label="2025")
    with open_page(chromium, tmp_path / "compare.html") as (page, watch):
        text = page.locator("body").inner_text()
        for heading in ("Recognition", "Partnership", "Participation", "Transparency"):
            assert page.locator("h3", has_text=heading).count() == 1
        assert "Is the change more than chance?" in text
        assert "Housing (Marshford Council) stopped being siloed" in text
        assert page.locator("a[href='difference.html']").count() == 2
        assert page.evaluate("document.querySelectorAll('script').length") == 0
        assert_quiet(page, watch)


def _changed_hostile() -> tuple[Dataset, Dataset]:
    ds, _results = hostile()
    tables = ds.tables()
    tables["partnerships"] = tables["partnerships"].iloc[1:]
    return ds, Dataset.from_frames(**tables)


def test_hostile_names_stay_text_on_the_page_and_the_map(chromium: Any, tmp_path: Path) -> None:
    _ds, results = hostile()
    _before, after = _changed_hostile()
    comparison = compare(results, analyse(after, seed=0, permutations=1_000))
    assert not comparison.ties.empty
    write_comparison(tmp_path, comparison, before_label="<b>old</b>", after_label="new")
    with open_page(chromium, tmp_path / "compare.html") as (page, watch):
        assert "<b>old</b>" in page.locator("body").inner_text()
        assert page.evaluate("document.querySelectorAll('img, iframe, svg, b, script').length") == 0
        page.wait_for_timeout(300)
        assert_quiet(page, watch)
    with open_page(chromium, tmp_path / "difference.html") as (page, watch):
        wait_for_map(page)
        assert (
            page.evaluate(
                "document.querySelectorAll('img, iframe, svg, marquee, a, object').length"
            )
            == 0
        )
        assert page.evaluate("document.querySelectorAll('script').length") == 3
        page.wait_for_timeout(300)
        assert_quiet(page, watch)


def test_screenshots_of_the_change_page_and_map(
    chromium: Any, tmp_path: Path, planted: Comparison
) -> None:
    """Pictures for a person to look at (kept in pytest's tmp_path)."""
    write_comparison(tmp_path, planted, before_label="2024", after_label="2025")
    with open_page(chromium, tmp_path / "difference.html") as (page, watch):
        wait_for_map(page)
        page.screenshot(path=str(tmp_path / "difference.png"))
        page.locator("#pn-marks").screenshot(path=str(tmp_path / "difference-legend.png"))
        assert_quiet(page, watch)
    with open_page(chromium, tmp_path / "compare.html", width=1200, height=1500) as (page, watch):
        page.screenshot(path=str(tmp_path / "compare.png"))
        assert_quiet(page, watch)
    for name, size in (("difference.png", (1400, 900)), ("compare.png", (1200, 1500))):
        data = (tmp_path / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", data[16:24]) == size
        assert len(data) > 50_000, f"{name} looks blank"
