"""Names that are JavaScript properties or carry a reading direction, opened in
headless Chromium (issue 18): the map's search finds ``constructor``, ``__proto__``
and ``hasOwnProperty`` like any name, and a right-to-left override in a name does
not reverse the figures of its finding on the report page.

Locally a missing browser skips these tests; under CI=true it fails them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from render_support import browser, open_page, wait_for_map
from test_text_safety import (
    BROKER_NAME,
    PROTOTYPE_NAMES,
    run_analyse,
    text_hostile_dataset,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARABIC = "\u0645\u0631\u0643\u0632"


@pytest.fixture(scope="module")
def chromium() -> Any:
    with browser() as b:
        yield b


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("browser-text")
    out = root / "out"
    code, _, err = run_analyse(text_hostile_dataset(root / "data"), out)
    assert code == 0, err
    return out


def assert_no_errors(watch: Any) -> None:
    assert watch.page_errors == []
    assert watch.console_errors == []
    assert watch.outside_requests() == []


@pytest.mark.parametrize("name", PROTOTYPE_NAMES)
def test_the_map_search_finds_names_that_are_object_properties(
    chromium: Any, pages: Path, name: str
) -> None:
    with open_page(chromium, pages / "network.html") as (page, watch):
        wait_for_map(page)
        (vis_id,) = page.evaluate(
            "(name) => window.network.body.data.nodes.getIds({filter: n => n.name === name})",
            name,
        )
        options = page.evaluate(
            "Array.from(document.querySelectorAll('#pn-names option')).map(o => o.value)"
        )
        assert options.count(name) == 1
        page.fill("#pn-search", name)
        page.press("#pn-search", "Enter")
        assert page.evaluate("window.network.getSelectedNodes()") == [vis_id]
        assert page.locator("#pn-search-note").inner_text() == ""
        assert page.locator("#pn-details").inner_text().splitlines()[0] == name
        assert_no_errors(watch)


# The x position on screen of each character of the first text node holding
# ``figure`` inside the list item holding ``marker``, and the texts of its <bdi>s.
_LAYOUT = """([marker, figure]) => {
  const item = Array.from(document.querySelectorAll("li")).find(
    (li) => li.textContent.includes(marker));
  const walker = document.createTreeWalker(item, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode()) && !node.data.includes(figure)) {}
  const start = node.data.indexOf(figure);
  const xs = [];
  for (let i = 0; i < figure.length; i++) {
    const range = document.createRange();
    range.setStart(node, start + i);
    range.setEnd(node, start + i + 1);
    xs.push(range.getBoundingClientRect().left);
  }
  const bdis = Array.from(item.querySelectorAll("bdi")).map((b) => b.textContent);
  return { xs: xs, bdis: bdis, inBdi: node.parentElement.closest("bdi") !== null };
}"""


@pytest.mark.parametrize(
    ("marker", "figure"),
    [("is the main liaison broker", "1,055 pairs"), ("would cut off the most", "31 small")],
)
def test_a_right_to_left_name_leaves_its_sentence_reading_in_order(
    chromium: Any, pages: Path, marker: str, figure: str
) -> None:
    with open_page(chromium, pages / "report.html") as (page, watch):
        layout = page.evaluate(_LAYOUT, [marker, figure])
        # The name's right-to-left parts (the override, the Arabic) are isolated...
        assert ARABIC in layout["bdis"]
        assert all(part in BROKER_NAME for part in layout["bdis"])
        assert not layout["inBdi"]
        # ...so the figures after it read left to right: "1,055", never "550,1".
        xs = layout["xs"]
        assert xs == sorted(xs) and len(set(xs)) == len(xs), xs
        assert_no_errors(watch)
