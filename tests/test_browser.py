"""The map and the report opened in a real headless Chromium (Debian's, driven by
Playwright through executable_path): they draw, make no network request, break
no Content-Security-Policy rule, log no error, and run none of the script payloads
the hostile dataset carries in its names.

Locally a missing browser skips these tests; under CI=true it fails them.
"""

from __future__ import annotations

import dataclasses
import struct
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from render_support import (
    PWNED,
    browser,
    hostile,
    node_screen_position,
    open_page,
    sample,
    wait_for_map,
)

from partnernet.analysis.pipeline import analyse
from partnernet.analysis.populations import top_brokers
from partnernet.analysis.results import (
    DEPARTMENT_COLUMNS,
    GROUP_COLUMNS,
    METRIC_COLUMNS,
    REMOVAL_COLUMNS,
    ROLE_TEST_COLUMNS,
    SIZE_BAND_COLUMNS,
    Results,
)
from partnernet.findings import explain
from partnernet.graph import build_graph, org_graph
from partnernet.model import Dataset
from partnernet.render.network import write_network
from partnernet.render.report import write_report

# A real browser per test: seconds each, so the inner loop (make test-fast) skips them.
pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def chromium() -> Any:
    with browser() as b:
        yield b


def assert_quiet(page: Any, watch: Any) -> None:
    """No error, no request beyond the page itself, no CSP violation, no payload."""
    assert watch.console_errors == []
    assert watch.page_errors == []
    assert watch.outside_requests() == []
    assert watch.requests[0] == watch.url
    assert page.evaluate("window.__cspViolations") == []
    assert page.evaluate(f"typeof window.{PWNED}") == "undefined"
    assert watch.dialogs == []


def _map(tmp_path: Path, results: Results, **options: Any) -> Path:
    return write_network(tmp_path / "network.html", results, **options)


# --- The map --------------------------------------------------------------------


def test_the_sample_map_draws_every_node_offline(chromium: Any, tmp_path: Path) -> None:
    ds, results = sample()
    with open_page(chromium, _map(tmp_path, results)) as (page, watch):
        wait_for_map(page)
        G = build_graph(ds)
        assert page.evaluate("window.network.body.data.nodes.length") == G.number_of_nodes()
        pairs = {(u, v, d["layer"]) for u, v, d in G.edges(data=True)}
        assert page.evaluate("window.network.body.data.edges.length") == len(pairs)
        # Drawn, not just loaded: the canvas holds every node's position and ink.
        assert page.evaluate("Object.keys(window.network.getPositions()).length") == len(
            ds.organisations
        ) + len(ds.boards)
        assert _inked_share(page) > 0.01
        assert page.evaluate("document.getElementById('pn-status').textContent") == ""
        assert_quiet(page, watch)


def test_the_hostile_map_shows_payloads_as_text_and_runs_none(
    chromium: Any, tmp_path: Path
) -> None:
    ds, results = hostile()
    payload_name = "<img src=x onerror=\"window.__pwned='img';alert('img')\">"
    href_name = "<a href=\"javascript:window.__pwned='href'\">Click me</a> CVS"
    with open_page(chromium, _map(tmp_path, results)) as (page, watch):
        wait_for_map(page)
        assert page.evaluate("window.network.body.data.nodes.length") == len(
            ds.organisations
        ) + len(ds.boards)
        for name in (payload_name, href_name):
            (vis_id,) = page.evaluate(
                "(name) => window.network.body.data.nodes.getIds({filter: n => n.name === name})",
                name,
            )
            x, y = node_screen_position(page, vis_id)
            page.mouse.move(x, y)
            tooltip = page.locator("div.vis-tooltip")
            tooltip.wait_for(state="visible", timeout=10_000)
            assert tooltip.inner_text().splitlines()[0] == name
            # vis-network writes plain text (its line breaks become <br>): no element
            # from the data was created.
            assert set(page.evaluate(
                "Array.from(document.querySelectorAll('div.vis-tooltip *')).map(e => e.tagName)"
            )) <= {"BR"}  # fmt: skip
            page.mouse.click(x, y)
            assert page.locator("#pn-details").inner_text().splitlines()[0] == name
            page.mouse.move(5, 5)
        # Search: the names go into the datalist as values, never as markup.
        page.fill("#pn-search", "Evil Council <script>")
        page.press("#pn-search", "Enter")
        assert "Evil Council <script>" in page.locator("#pn-details").inner_text()
        options = page.evaluate(
            "Array.from(document.querySelectorAll('#pn-names option')).map(o => o.value)"
        )
        assert payload_name in options
        # Nothing the names describe exists in the document; the only link is the
        # details panel's own, to the report's glossary.
        assert (
            page.evaluate("document.querySelectorAll('img, iframe, svg, marquee, object').length")
            == 0
        )
        assert set(
            page.evaluate(
                "Array.from(document.querySelectorAll('a')).map(a => a.getAttribute('href'))"
            )
        ) == {"report.html#glossary"}
        assert page.evaluate("document.querySelectorAll('script').length") == 3
        page.wait_for_timeout(300)  # time for any deferred handler to fire
        assert_quiet(page, watch)


def test_filters_hide_types_and_layers_and_come_back(chromium: Any, tmp_path: Path) -> None:
    ds, results = sample()
    with open_page(chromium, _map(tmp_path, results)) as (page, watch):
        wait_for_map(page)
        hidden_nodes = "window.network.body.data.nodes.get({filter: n => n.hidden === true}).length"
        hidden_edges = (
            "(layer) => window.network.body.data.edges.get("
            "{filter: e => e.hidden === true && (!layer || e.layer === layer)}).length"
        )
        page.locator("#pn-type-filters input[data-key=vcse]").uncheck()
        assert page.evaluate(hidden_nodes) == int((ds.organisations["type"] == "vcse").sum())
        page.locator("#pn-layer-filters input[data-key=FUNDS]").uncheck()
        funds = page.evaluate(
            "window.network.body.data.edges.get({filter: e => e.layer === 'FUNDS'}).length"
        )
        assert page.evaluate(hidden_edges, "FUNDS") == funds > 0
        page.click("#pn-show-all")
        assert page.evaluate(hidden_nodes) == 0
        assert page.evaluate(hidden_edges, None) == 0
        assert page.locator(".pn-filters input[type=checkbox]:not(:checked)").count() == 0
        assert_quiet(page, watch)


def test_one_flagged_group_can_be_picked_out_and_rings_taken_off(
    chromium: Any, tmp_path: Path
) -> None:
    _ds, results = sample()
    flagged = results.groups[results.groups["flagged"]]
    tag = flagged[flagged["group"] == "ethnic-minority-led"].iloc[0]
    members = set(results.metrics.set_index("id").loc[tag["members"].split(";"), "name"])
    with open_page(chromium, _map(tmp_path, results)) as (page, watch):
        wait_for_map(page)
        page.get_by_role("radio", name="Tag: ethnic-minority-led").check()
        shown = page.evaluate(
            "window.network.body.data.nodes.get({filter: n => n.opacity === 1}).map(n => n.name)"
        )
        assert set(shown) == members
        page.get_by_role("radio", name="No rings").check()
        borders = page.evaluate(
            "window.network.body.data.nodes.get({filter: n => n.under === true})"
            ".map(n => [n.color.border === n.plainBorder, n.opacity])"
        )
        assert len(borders) == int(results.metrics["under_connected"].sum()) > 0
        assert borders == [[True, 1]] * len(borders)
        page.get_by_role("radio", name="Ring every flagged group").check()
        assert page.evaluate(
            "window.network.body.data.nodes.get({filter: n => n.under === true"
            " && n.color.border === '#d62728'}).length"
        ) == len(borders)
        assert_quiet(page, watch)


def test_a_five_thousand_organisation_map_opens_and_stays_usable(
    chromium: Any, tmp_path: Path
) -> None:
    ds, results = _large_place(5_000)
    target = _map(tmp_path, results)
    with open_page(chromium, target) as (page, watch):
        wait_for_map(page)
        assert page.evaluate("window.network.body.data.nodes.length") == 5_000
        # No simulation keeps running: the layout arrived ready.
        assert page.evaluate("window.network.physics.options.enabled") is False
        assert page.evaluate("window.network.physics.stabilized") in (True, False)
        page.locator("#pn-type-filters input[data-key=vcse]").uncheck()
        assert page.evaluate(
            "window.network.body.data.nodes.get({filter: n => n.hidden === true}).length"
        ) == int((ds.organisations["type"] == "vcse").sum())
        assert _inked_share(page) > 0.001
        assert_quiet(page, watch)


def _label_boxes(page: Any) -> list[dict[str, Any]]:
    boxes: list[dict[str, Any]] = page.evaluate("window.pnLabelBoxes()")
    return boxes


def _overlapping(boxes: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [
        (a["text"], b["text"])
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a["x"] < b["x"] + b["w"]
        and b["x"] < a["x"] + a["w"]
        and a["y"] < b["y"] + b["h"]
        and b["y"] < a["y"] + a["h"]
    ]


def test_the_sample_map_labels_the_key_organisations_and_no_two_labels_overlap(
    chromium: Any, tmp_path: Path
) -> None:
    ds, results = sample()
    with open_page(chromium, _map(tmp_path, results)) as (page, watch):
        wait_for_map(page)
        boxes = _label_boxes(page)
        assert _overlapping(boxes) == []
        # The boxes are where the text is drawn: measured, inside the map's area.
        width, height = page.evaluate(
            "[document.getElementById('pn-network').clientWidth,"
            " document.getElementById('pn-network').clientHeight]"
        )
        assert all(b["y"] >= -1 and b["y"] + b["h"] <= height + 1 for b in boxes)
        assert all(b["w"] > 20 and b["h"] >= 12 for b in boxes)
        assert all(b["x"] >= -1 and b["x"] + b["w"] <= width + 1 for b in boxes)
        labelled = {b["text"] for b in boxes}
        names = ds.organisations.set_index("id")["name"]
        assert names[results.top_brokers[0]] in labelled
        public = ds.organisations[ds.organisations["type"] == "local_authority"]["name"]
        assert set(public) <= labelled
        # Only key organisations at the default view; more once zoomed in, still apart.
        assert len(boxes) <= 20
        page.evaluate("window.network.moveTo({scale: window.network.getScale() * 3})")
        page.wait_for_timeout(200)
        zoomed = _label_boxes(page)
        assert _overlapping(zoomed) == []
        assert len(zoomed) > len(boxes) // 2
        assert any(b["text"] not in labelled for b in zoomed)
        assert_quiet(page, watch)


def test_hover_and_search_label_an_organisation_the_default_view_leaves_unlabelled(
    chromium: Any, tmp_path: Path
) -> None:
    _ds, results = sample()
    with open_page(chromium, _map(tmp_path, results)) as (page, watch):
        wait_for_map(page)
        labelled = {b["id"] for b in _label_boxes(page)}
        quiet = page.evaluate(
            "window.network.body.data.nodes.get({filter: n => n.tier === 3}).map(n => n.id)"
        )
        target = next(i for i in quiet if i not in labelled)
        x, y = node_screen_position(page, target)
        page.mouse.move(x, y)
        page.wait_for_timeout(200)
        assert target in {b["id"] for b in _label_boxes(page)}
        page.mouse.move(5, 5)
        page.mouse.click(x, y)
        boxes = _label_boxes(page)
        assert target in {b["id"] for b in boxes}
        assert _overlapping(boxes) == []
        # The details panel explains each figure and links to the glossary.
        details = page.locator("#pn-details").inner_text()
        assert "Betweenness:" in details and "shortest routes" in details
        assert page.locator("#pn-details a").get_attribute("href") == "report.html#glossary"
        assert_quiet(page, watch)


def test_save_picture_downloads_the_current_view_as_a_png(chromium: Any, tmp_path: Path) -> None:
    from PIL import Image

    _ds, results = sample()
    with open_page(chromium, _map(tmp_path, results)) as (page, watch):
        wait_for_map(page)
        with page.expect_download() as info:
            page.click("#pn-save")
        download = info.value
        assert download.suggested_filename == "partnership-network.png"
        target = tmp_path / "picture.png"
        download.save_as(target)
        assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        canvas = page.evaluate(
            "[document.querySelector('#pn-network canvas').width,"
            " document.querySelector('#pn-network canvas').height]"
        )
        assert_quiet(page, watch)
    with Image.open(target) as image:
        assert list(image.size) == canvas
        pixels = np.asarray(image.convert("RGB"))
    # A white ground with the map on it: many pixels inked, many left white.
    inked = (pixels < 235).any(axis=2).mean()
    assert 0.01 < inked < 0.9
    assert (pixels == 255).all(axis=2).mean() > 0.1


def test_the_city_map_shows_communities_filling_the_canvas_with_no_rings_until_picked(
    chromium: Any, tmp_path: Path
) -> None:
    from partnernet import read_dataset
    from partnernet.synthetic import generate_sample

    generate_sample(tmp_path / "city", scale="city", seed=0)
    ds = read_dataset(tmp_path / "city", pseudonym_key="test-key-not-secret")
    # Enough reshuffles for the group tests to flag groups (the floor of 100 is
    # above what Benjamini-Hochberg lets through).
    results = analyse(ds, seed=0, permutations=1_000)
    with open_page(chromium, _map(tmp_path, results)) as (page, watch):
        wait_for_map(page)
        spread = page.evaluate(
            """() => {
                const net = window.network;
                const area = document.getElementById('pn-network');
                const xs = [], ys = [];
                Object.values(net.getPositions()).forEach(p => {
                    const d = net.canvasToDOM(p);
                    xs.push(d.x); ys.push(d.y);
                });
                xs.sort((a, b) => a - b); ys.sort((a, b) => a - b);
                const at = (v, q) => v[Math.floor(q * (v.length - 1))];
                return [(at(xs, 0.95) - at(xs, 0.05)) / area.clientWidth,
                        (at(ys, 0.95) - at(ys, 0.05)) / area.clientHeight];
            }"""
        )
        # The middle 90% of the drawn nodes spans most of the canvas both ways (the
        # one-layout map was a small hairball in an empty canvas).
        assert spread[0] > 0.6 and spread[1] > 0.6, spread
        assert _overlapping(_label_boxes(page)) == []
        ringed = (
            "window.network.body.data.nodes.get({filter: n => n.under === true"
            " && n.color.border === '#d62728'}).length"
        )
        under = int(results.metrics["under_connected"].sum())
        assert under > 0
        assert page.evaluate(ringed) == 0
        assert page.get_by_role("radio", name="No rings").is_checked()
        page.get_by_role("radio", name="Ring every flagged group").check()
        assert page.evaluate(ringed) == page.evaluate(
            "window.network.body.data.nodes.get({filter: n => n.under === true}).length"
        )
        page.screenshot(path=str(tmp_path / "city-map.png"))
        assert_quiet(page, watch)


# --- Profiles -------------------------------------------------------------------


@pytest.mark.parametrize("org_id", ["GB-LAE-EVL", "CVS-1", "V-ISOLATED"])
def test_a_hostile_profile_opens_offline_shows_its_name_as_text_and_runs_nothing(
    chromium: Any, tmp_path: Path, org_id: str
) -> None:
    from partnernet.render.profile import write_profile

    ds, results = hostile()
    target = write_profile(tmp_path / "profile.html", results, org_id)
    with open_page(chromium, target) as (page, watch):
        name = ds.organisations.set_index("id").loc[org_id, "name"]
        assert page.locator("h1").inner_text() == name
        assert (
            page.evaluate("document.querySelectorAll('script, img, iframe, svg, object').length")
            == 0
        )
        assert page.evaluate(
            "Array.from(document.querySelectorAll('a')).map(a => a.getAttribute('href'))"
        ) == ["report.html#glossary"]
        page.wait_for_timeout(200)
        assert_quiet(page, watch)


def test_screenshot_of_a_profile(chromium: Any, tmp_path: Path) -> None:
    from partnernet.render.profile import write_profile

    _ds, results = sample()
    target = write_profile(tmp_path / "profile.html", results, results.top_brokers[0])
    with open_page(chromium, target, width=1000, height=1400) as (page, watch):
        assert page.locator("h1").inner_text() == "Marshford CVS"
        assert page.locator("section").count() >= 5
        page.screenshot(path=str(tmp_path / "profile.png"), full_page=True)
        assert_quiet(page, watch)
    assert (tmp_path / "profile.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --- The report -----------------------------------------------------------------


@pytest.mark.parametrize("which", ["sample", "hostile"])
def test_the_report_opens_offline_with_every_chart(
    chromium: Any, tmp_path: Path, which: str
) -> None:
    _ds, results = sample() if which == "sample" else hostile()
    write_report(tmp_path, results, explain(results))
    with open_page(chromium, tmp_path / "report.html", height=1200) as (page, watch):
        images = page.evaluate(
            "Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.src.slice(0, 26)])"
        )
        assert len(images) >= 4
        assert all(
            done and width > 300 and src == "data:image/svg+xml;base64,"
            for done, width, src in images
        )
        assert page.evaluate("document.querySelectorAll('script, iframe, object, svg').length") == 0
        heading = page.locator("h1").inner_text()
        assert heading == "Partnership network report"
        assert_quiet(page, watch)


def test_partnernet_analyse_on_the_hostile_dataset_writes_inert_pages(
    chromium: Any, tmp_path: Path
) -> None:
    """The whole command, as a user runs it, on names that carry payloads."""
    from click.testing import CliRunner
    from render_support import HOSTILE_DIR, PSEUDONYM_KEY

    from partnernet.cli import cli

    result = CliRunner().invoke(
        cli,
        ["analyse", str(HOSTILE_DIR), "--out", str(tmp_path), "--permutations", "100", "-q"],
        env={"PARTNERNET_PSEUDONYM_KEY": PSEUDONYM_KEY},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    with open_page(chromium, tmp_path / "network.html") as (page, watch):
        wait_for_map(page)
        assert page.evaluate("window.network.body.data.nodes.length") == 19
        assert_quiet(page, watch)
    with open_page(chromium, tmp_path / "report.html") as (page, watch):
        assert "Evil Council <script>" in page.locator("body").inner_text()
        assert_quiet(page, watch)


def test_screenshots_of_the_sample_map_and_report(chromium: Any, tmp_path: Path) -> None:
    """Pictures for a person to look at (kept in pytest's tmp_path)."""
    _ds, results = sample()
    with open_page(chromium, _map(tmp_path, results)) as (page, watch):
        wait_for_map(page)
        page.screenshot(path=str(tmp_path / "map.png"))
        assert_quiet(page, watch)
    write_report(tmp_path, results, explain(results))
    with open_page(chromium, tmp_path / "report.html", width=1200, height=1500) as (page, watch):
        page.screenshot(path=str(tmp_path / "report.png"))
        assert_quiet(page, watch)
    for name, size in (("map.png", (1400, 900)), ("report.png", (1200, 1500))):
        data = (tmp_path / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", data[16:24]) == size
        assert len(data) > 50_000, f"{name} looks blank"


# --- Helpers --------------------------------------------------------------------


def _inked_share(page: Any) -> float:
    """The share of the map canvas's pixels that are not background."""
    return page.evaluate(
        """() => {
            const canvas = document.querySelector('#pn-network canvas');
            const context = canvas.getContext('2d');
            const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
            let inked = 0;
            for (let i = 0; i < data.length; i += 4) {
                const dark = data[i] < 235 || data[i + 1] < 235 || data[i + 2] < 235;
                if (data[i + 3] > 0 && dark) inked++;
            }
            return inked / (data.length / 4);
        }"""
    )


def _large_place(n: int) -> tuple[Dataset, Results]:
    """A random place of ``n`` organisations with Results that follow the contract.

    The figures are stand-ins (betweenness is proportional to degree): this test is
    about the browser coping with the size, and the full analysis of a place this
    big takes longer than the suite should.
    """
    rng = np.random.default_rng(5)
    kinds = ["vcse"] * 8 + ["infrastructure", "funder"]
    types = [kinds[i] for i in rng.integers(0, len(kinds), n)]
    types[:3] = ["local_authority", "nhs", "central_government"]
    bands = [
        ["micro", "small", "medium", "large"][rng.integers(0, 4)]
        if t in ("vcse", "infrastructure")
        else None
        for t in types
    ]
    ids = [f"org-{i}" for i in range(n)]
    organisations = pd.DataFrame(
        {
            "id": ids,
            "name": [f"Organisation {i}" for i in range(n)],
            "type": types,
            "size_band": bands,
        }
    )
    source = rng.integers(0, n, 3 * n)
    target = (source + rng.integers(1, 50, 3 * n)) % n
    partnerships = pd.DataFrame(
        {"source_id": [ids[i] for i in source], "target_id": [ids[i] for i in target]}
    ).drop_duplicates()
    ds = Dataset.from_frames(organisations=organisations, partnerships=partnerships)
    G = org_graph(ds)
    degree = pd.Series(dict(G.degree()), dtype=float).reindex(ids)
    metrics = pd.DataFrame({c: 0 for c in METRIC_COLUMNS}, index=range(n))
    metrics["id"], metrics["name"], metrics["type"] = ids, organisations["name"], types
    metrics["size_band"] = bands
    metrics["degree"] = degree.to_numpy(dtype=int)
    metrics["weighted_degree"] = degree.to_numpy()
    metrics["betweenness"] = (degree / degree.max()).to_numpy()
    metrics["distance_to_decision"] = 1.0
    metrics["community"] = 0
    metrics["under_connected"] = False
    empty = {
        "groups": GROUP_COLUMNS,
        "departments": DEPARTMENT_COLUMNS,
        "size_bands": SIZE_BAND_COLUMNS,
        "roles": ROLE_TEST_COLUMNS,
        "removal": REMOVAL_COLUMNS,
    }
    frames = {name: pd.DataFrame(columns=list(columns)) for name, columns in empty.items()}
    assert nx.number_of_nodes(G) == n
    # The measures of a place this size take a while; the map needs only these.
    base = analyse(Dataset.from_frames(), permutations=100)
    brokers = top_brokers(metrics.set_index("id")["betweenness"])
    return ds, dataclasses.replace(
        base,
        dataset=ds,
        graph=G,
        multilayer=build_graph(ds),
        metrics=metrics,
        top_brokers=tuple(brokers),
        **frames,
    )
