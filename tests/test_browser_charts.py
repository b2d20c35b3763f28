"""The report's charts as Chromium draws them: every label inside its picture and
no two labels meeting, measured on the drawn text (``getBBox``), not on the charts'
own width estimate; the charts of the sample and the hostile reports, and of long
and hostile names at several sizes.

Locally a missing browser skips these tests; under CI=true it fails them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from render_support import browser, hostile, report_charts, sample
from test_charts import HOSTILE, LONG_NAMES, Box, assert_laid_out, every_chart, parse

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Each <text>'s own box (before its rotation) and its anchor, as drawn.
_DRAWN_TEXT = """() => Array.from(document.querySelectorAll('text')).map(t => {
  const b = t.getBBox();
  return [b.x, b.y, b.width, b.height, t.getAttribute('x'), t.getAttribute('y'),
          t.getAttribute('transform') || '', t.textContent];
})"""


@pytest.fixture(scope="module")
def chromium() -> Any:
    with browser() as b:
        yield b


def drawn_boxes(chromium: Any, svg: bytes) -> list[Box]:
    page = chromium.new_page()
    try:
        page.set_content("<!doctype html><meta charset='utf-8'><body>" + svg.decode() + "</body>")
        found = page.evaluate(_DRAWN_TEXT)
    finally:
        page.close()
    boxes = []
    for x, y, width, height, ox, oy, transform, text in found:
        angle = float(transform.removeprefix("rotate(").split()[0]) if transform else 0.0
        boxes.append(Box(x, y, x + width, y + height, angle, float(ox), float(oy), text))
    return boxes


@pytest.mark.parametrize("analysed", [sample, hostile], ids=["sample", "hostile"])
def test_the_reports_charts_as_drawn_keep_their_labels_inside_and_apart(
    chromium: Any, analysed: Callable[[], Any]
) -> None:
    drawn = report_charts(analysed)
    assert len(drawn) >= 4
    for svg in drawn:
        boxes = drawn_boxes(chromium, svg)
        assert len(boxes) == len(list(parse(svg).iter("{http://www.w3.org/2000/svg}text")))
        assert all(b.x1 > b.x0 for b in boxes if b.text.strip())  # every label drawn
        assert_laid_out(svg, boxes)


@pytest.mark.parametrize(
    "names", [LONG_NAMES[:5], LONG_NAMES[:30], HOSTILE], ids=["5", "30", "hostile"]
)
def test_long_and_hostile_names_as_drawn_keep_inside_and_apart(
    chromium: Any, names: list[str]
) -> None:
    for svg in every_chart(names):
        assert_laid_out(svg, drawn_boxes(chromium, svg))
