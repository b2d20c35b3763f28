"""The report's charts as SVG: each draws the figures it is given (bar lengths in
proportion, one heatmap cell per pair on a monotone scale, the Lorenz curve's own
points), stays well-formed and inert whatever the names hold, lays its labels out
inside the picture without two meeting, and gives the same bytes for the same data.

The SVG is read back with ``xml.etree.ElementTree``; label extents use the charts'
own width estimate (:func:`charts.text_width`), so the layout tests check the
arithmetic that places labels, and the browser tests look at the drawn result.
"""

from __future__ import annotations

import math
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from itertools import combinations, pairwise

import numpy as np
import pandas as pd
import pytest

from partnernet.findings.wording import plain_text
from partnernet.render import charts

SVG = "{http://www.w3.org/2000/svg}"
# Every attribute a chart may carry: geometry, paint and text layout. No href,
# no style, no event handler, no id to point a url() at.
ATTRIBUTES = frozenset(
    {
        "width", "height", "viewBox", "font-family", "x", "y", "x1", "y1", "x2", "y2",
        "fill", "fill-opacity", "stroke", "stroke-width", "stroke-dasharray",
        "stroke-linejoin", "points", "font-size", "text-anchor", "dominant-baseline",
        "transform",
    }
)  # fmt: skip

HOSTILE = [
    "<script>alert(1)</script>",
    'Tom\'s "quoted" & <b>bold</b>',
    "]]><![CDATA[x",
    "Escape\x1b[31m red",
    "Party 🎉 Café 東京",
    "مركز الجالية العربية",
    "Evil\u202e Trust",
    "Lone \ud800 surrogate \ufffe\uffff",
    "W" * 10_000,
]


def parse(svg: bytes) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == SVG + "svg"
    return root


def elements(root: ET.Element, name: str) -> list[ET.Element]:
    return list(root.iter(SVG + name))


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in elements(root, "text")]


def num(element: ET.Element, attribute: str) -> float:
    return float(element.get(attribute, "0"))


def baseline(root: ET.Element) -> float:
    """The y of the horizontal axis line (the one that spans the plot)."""
    lines = [ln for ln in elements(root, "line") if num(ln, "y1") == num(ln, "y2")]
    return num(max(lines, key=lambda ln: num(ln, "x2") - num(ln, "x1")), "y1")


def plot_rects(root: ET.Element, fill: str) -> list[ET.Element]:
    """Bars of one colour standing on the horizontal axis (not legend swatches)."""
    base = baseline(root)
    return [
        r
        for r in elements(root, "rect")
        if r.get("fill") == fill and num(r, "y") + num(r, "height") == pytest.approx(base, abs=0.02)
    ]


def luminance(colour: str) -> float:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def expected_label(name: str) -> str:
    """What a chart prints for ``name``: cut as before, without direction controls
    or what XML forbids."""
    cut = plain_text(name, limit=charts.LABEL_LIMIT).replace("\u202e", "")
    return "".join(c for c in cut if c in "\t\n\r" or charts._xml_char(c))


# --- Well-formed, inert, the names as text ----------------------------------------


def every_chart(names: list[str]) -> list[bytes]:
    n = len(names)
    rng = np.random.default_rng(0)
    overlap = rng.random((n, n))
    overlap = (overlap + overlap.T) / 2
    bands = pd.DataFrame(
        {
            "band": names,
            "organisations": np.full(n, 1 / n),
            "board_seats": np.linspace(1, 2, n) / np.linspace(1, 2, n).sum(),
            "funding": np.full(n, 1 / n),
        }
    )
    return [
        charts.size_band_chart(bands),
        charts.lorenz_chart([0, 0.5, 1], [0, 0.2, 1], gini=0.4),
        charts.group_chart(names, list(np.linspace(0.2, 2, n)), [i % 2 == 0 for i in range(n)]),
        charts.overlap_heatmap(pd.DataFrame(overlap, index=names, columns=names), names),
        charts.removal_chart(names, list(range(n, 0, -1))),
    ]


@pytest.mark.parametrize("chart", range(5), ids=["bands", "lorenz", "groups", "heatmap", "removal"])
def test_hostile_names_make_well_formed_inert_svg_with_the_names_as_text(chart: int) -> None:
    svg = every_chart(HOSTILE)[chart]
    root = parse(svg)  # well-formed XML 1.0, or this raises
    for element in root.iter():
        assert element.tag.removeprefix(SVG) in charts.ELEMENTS, element.tag
        assert set(element.attrib) <= ATTRIBUTES, element.attrib
        for value in element.attrib.values():
            assert "url(" not in value and "javascript" not in value.lower()
    assert b"<script" not in svg and b"href" not in svg and b"<!" not in svg
    if chart != 1:  # the Lorenz chart draws no names
        shown = texts(root)
        for name in HOSTILE:
            assert expected_label(name) in shown, name
        assert "W" * (charts.LABEL_LIMIT - 1) + "…" in shown
        assert not any("W" * charts.LABEL_LIMIT in t for t in shown)
        assert "<script>alert(1)</script>" in shown  # markup, read back as text


def test_a_direction_override_cannot_reverse_a_label() -> None:
    overrides = "".join(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]))
    root = parse(
        charts.removal_chart([f"Evil{overrides} Trust 16", "\u0645\u0631\u0643\u0632"], [2, 1])
    )
    shown = texts(root)
    assert "Evil Trust 16" in shown
    assert "\u0645\u0631\u0643\u0632" in shown  # right-to-left letters are kept as they are


def test_xml_text_escapes_markup_and_drops_what_xml_forbids() -> None:
    assert charts.xml_text("a<b>&\"'") == "a&lt;b&gt;&amp;&quot;&#39;"
    assert charts.xml_text("x\x00\x08\x0b\x0c\x1b\x1fy\t\n\r") == "xy\t\n\r"
    assert charts.xml_text("\ud800\udfff\ufffe\uffff") == ""
    assert charts.xml_text("🎉\U0010ffff\ue000\ufffd") == "🎉\U0010ffff\ue000\ufffd"


def test_the_charts_need_no_plotting_library() -> None:
    code = (
        "import sys\n"
        "sys.modules['matplotlib'] = None\n"  # any import of it now fails
        "import pandas as pd\n"
        "from partnernet.render import charts, report\n"
        "svg = charts.size_band_chart(pd.DataFrame({'band': ['Micro'], 'organisations': [1.0],"
        " 'board_seats': [1.0], 'funding': [1.0]}))\n"
        "print(svg[:4].decode())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["<svg"]


def test_the_same_data_gives_the_same_bytes() -> None:
    names = ["Alpha", "Beta", "Gamma"]
    assert every_chart(names) == every_chart(list(names))


def test_svg_data_uri_round_trips() -> None:
    import base64

    svg = charts.removal_chart(["A"], [1])
    uri = charts.svg_data_uri(svg)
    assert uri.startswith("data:image/svg+xml;base64,")
    assert base64.b64decode(uri.split(",", 1)[1]) == svg


# --- The figures drawn are the figures given ---------------------------------------


def test_size_band_bars_have_heights_in_proportion_to_the_shares() -> None:
    table = pd.DataFrame(
        {
            "band": ["Micro", "Small", "Medium", "Large"],
            "organisations": [0.5, 0.3, 0.15, 0.05],
            "board_seats": [0.1, 0.1, 0.4, 0.4],
            "funding": [0.02, 0.08, 0.3, 0.6],
        }
    )
    root = parse(charts.size_band_chart(table))
    for column, colour in (
        ("organisations", charts.ORGANISATIONS_COLOUR),
        ("board_seats", charts.SEATS_COLOUR),
        ("funding", charts.FUNDING_COLOUR),
    ):
        bars = sorted(plot_rects(root, colour), key=lambda r: num(r, "x"))
        assert len(bars) == 4  # one per band
        heights = np.array([num(r, "height") for r in bars])
        shares = table[column].to_numpy()
        assert heights / heights.max() == pytest.approx(shares / shares.max(), abs=0.002)
    # 100% would be the top of the value axis: 50% is half its height.
    organisations = sorted(plot_rects(root, charts.ORGANISATIONS_COLOUR), key=lambda r: num(r, "x"))
    ticks = {t.text: num(t, "y") for t in elements(root, "text") if t.get("text-anchor") == "end"}
    assert ticks["0"] - ticks["100"] == pytest.approx(2 * num(organisations[0], "height"), abs=0.02)
    shown = texts(root)
    for figure in ("50%", "30%", "15%", "5%", "10%", "40%", "2%", "8%", "60%"):
        assert figure in shown
    for words in (
        "Share of organisations",
        "Share of board seats",
        "Share of funding received",
        "Per cent",
        "Size band (annual income)",
        "Micro",
        "Large",
    ):
        assert words in shown
    assert [t for t in shown if t.isdigit()] == ["0", "20", "40", "60", "80", "100"]


def test_lorenz_polyline_is_the_curve_it_is_given() -> None:
    x = [0.0, 0.25, 0.5, 0.75, 1.0]
    y = [0.0, 0.05, 0.15, 0.4, 1.0]
    root = parse(charts.lorenz_chart(x, y, gini=0.5))
    equality = max(
        (ln for ln in elements(root, "line") if ln.get("stroke-dasharray")),
        key=lambda ln: num(ln, "x2") - num(ln, "x1"),
    )
    x0, y0, x1, y1 = (num(equality, a) for a in ("x1", "y1", "x2", "y2"))
    (curve,) = elements(root, "polyline")
    points = [tuple(map(float, p.split(","))) for p in (curve.get("points") or "").split()]
    assert len(points) == len(x)
    for (px, py), ex, ey in zip(points, x, y, strict=True):
        assert (px - x0) / (x1 - x0) == pytest.approx(ex, abs=1e-4)
        assert (py - y0) / (y1 - y0) == pytest.approx(ey, abs=1e-4)
    assert curve.get("stroke") == charts.FUNDING_COLOUR
    shown = texts(root)
    for words in (
        "Gini coefficient 0.50",
        "Equal shares",
        "Actual funding",
        "Recipients, least funded first (cumulative %)",
        "Funding received (cumulative %)",
    ):
        assert words in shown


def test_lorenz_chart_draws_at_most_the_points_it_is_given() -> None:
    from partnernet.analysis.stats import lorenz_curve

    amounts = np.random.default_rng(1).pareto(1.2, 100_000)
    curve = lorenz_curve(amounts, max_points=201)
    root = parse(charts.lorenz_chart(curve["population_share"], curve["amount_share"], gini=0.9))
    (line,) = elements(root, "polyline")
    drawn = len((line.get("points") or "").split())
    assert drawn == len(curve["population_share"]) <= 201


def heatmap_cells(root: ET.Element) -> dict[tuple[int, int], str]:
    """The heatmap's square cells by (row, column), from their positions."""
    squares = [
        r
        for r in elements(root, "rect")
        if num(r, "width") == num(r, "height") and num(r, "width") < num(root, "width")
    ]
    column = {x: k for k, x in enumerate(sorted({num(r, "x") for r in squares}))}
    row = {y: k for k, y in enumerate(sorted({num(r, "y") for r in squares}))}
    return {(row[num(r, "y")], column[num(r, "x")]): r.get("fill", "") for r in squares}


def test_heatmap_has_one_cell_per_pair_on_a_monotone_scale() -> None:
    values = np.array(
        [
            [1.0, 0.05, 0.3, 0.0],
            [0.05, 1.0, 0.12, 0.45],
            [0.3, 0.12, 1.0, 0.6],
            [0.0, 0.45, 0.6, 1.0],
        ]
    )
    names = ["Adult Social Care", "Housing", "Public Health", "Children's Services"]
    root = parse(charts.overlap_heatmap(pd.DataFrame(values, index=names, columns=names), names))
    cells = heatmap_cells(root)
    assert sorted(cells) == [(i, j) for i in range(4) for j in range(4)]
    assert {cells[i, i] for i in range(4)} == {charts.NO_VALUE_COLOUR}
    pairs = sorted((values[i, j], luminance(cells[i, j])) for i, j in cells if i != j)
    for (a, shade_a), (b, shade_b) in pairwise(pairs):
        assert shade_b < shade_a if b > a else shade_b == shade_a  # darker as overlap grows
    assert cells[0, 3] == charts.blues(0) and cells[2, 3] == charts.blues(1)  # 0.6 is the top
    shown = texts(root)
    for figure in ("0.05", "0.30", "0.00", "0.12", "0.45", "0.60"):
        assert shown.count(figure) == 2  # each pair printed in both of its cells
    assert "1.00" not in shown  # the diagonal is blank
    assert "Partner overlap (Jaccard)" in shown
    for name in names:
        assert shown.count(name) == 2  # a row label and a column label


def test_heatmap_colours_are_matplotlibs_blues() -> None:
    # Points of matplotlib's "Blues" (as it interpolates ColorBrewer's nine colours).
    assert charts.blues(0.0) == "#f7fbff"
    assert charts.blues(0.5) == "#6baed6"
    assert charts.blues(1.0) == "#08306b"
    brewer = ["#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5",
              "#08519c", "#08306b"]  # fmt: skip
    assert [charts.blues(k / 8) for k in range(9)] == brewer
    assert charts.blues(1 / 16) == "#eaf3fb"  # halfway between the first two, rounded down
    assert charts.blues(-1) == brewer[0] and charts.blues(2) == brewer[-1]
    lightness = [luminance(charts.blues(v / 100)) for v in range(101)]
    assert all(b < a for a, b in pairwise(lightness))


def test_heatmap_prints_figures_only_when_there_are_few_departments() -> None:
    names = [f"D{i}" for i in range(13)]
    matrix = pd.DataFrame(np.full((13, 13), 0.23), index=names, columns=names)
    assert "0.23" not in texts(parse(charts.overlap_heatmap(matrix, names)))
    shown = texts(parse(charts.overlap_heatmap(matrix, names, annotate_up_to=13)))
    assert shown.count("0.23") == 13 * 12


def bars_of(root: ET.Element) -> list[ET.Element]:
    """Horizontal bars, top to bottom (rects that are wider than tall, not the
    background)."""
    width = num(root, "width")
    bars = [
        r
        for r in elements(root, "rect")
        if num(r, "width") < width and num(r, "height") < 40 and num(r, "x") > 0
    ]
    return sorted(bars, key=lambda r: num(r, "y"))


def test_removal_bars_are_in_proportion_and_in_the_order_given() -> None:
    names = ["Marshford CVS", "Foundation", "Housing"]
    root = parse(charts.removal_chart(names, [31, 5, 0]))
    bars = bars_of(root)
    assert len(bars) == 3
    assert {b.get("fill") for b in bars} == {charts.FLAGGED_COLOUR}
    lengths = [num(b, "width") for b in bars]
    assert lengths[1] / lengths[0] == pytest.approx(5 / 31, abs=1e-3)
    assert lengths[2] == 0
    labels = [t for t in elements(root, "text") if t.text in names]
    assert [t.text for t in sorted(labels, key=lambda t: num(t, "y"))] == names
    shown = texts(root)
    assert {"31", "5", "0"} <= set(shown)
    assert "Small organisations left with no path to any decision maker" in shown


def test_group_bars_are_coloured_by_flag_and_measured_against_the_average() -> None:
    names = ["Tag: a", "Size band: micro", "Community: b"]
    root = parse(charts.group_chart(names, [0.5, 1.0, 2.0], [True, False, True]))
    bars = bars_of(root)
    assert [b.get("fill") for b in bars] == [
        charts.FLAGGED_COLOUR,
        charts.ORGANISATIONS_COLOUR,
        charts.FLAGGED_COLOUR,
    ]
    left = num(bars[0], "x")
    one = num(bars[1], "width")
    assert num(bars[0], "width") == pytest.approx(one / 2, abs=0.02)
    assert num(bars[2], "width") == pytest.approx(2 * one, abs=0.02)
    (average,) = [ln for ln in elements(root, "line") if ln.get("stroke-dasharray")]
    assert num(average, "x1") == pytest.approx(left + one, abs=0.02)
    assert {"0.50", "1.00", "2.00"} <= set(texts(root))
    assert "Ties per organisation, relative to the average (1 = average; red = flagged)" in texts(
        root
    )


def test_a_missing_ratio_draws_no_bar_and_breaks_nothing() -> None:
    root = parse(charts.group_chart(["a", "b"], [float("nan"), 1.5], [False, False]))
    assert len(bars_of(root)) == 1


# --- Ticks, layout and bounds -------------------------------------------------------


@pytest.mark.parametrize("upper", [0.37, 1.2, 1.38, 3.45, 35.65, 100, 110, 1234, 98_765.0])
def test_ticks_are_at_nice_steps_within_the_axis(upper: float) -> None:
    ticks = charts.nice_ticks(upper)
    assert ticks[0] == 0 and ticks[-1] <= upper and 2 <= len(ticks) <= 7
    step = ticks[1] - ticks[0]
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert round(mantissa, 9) in (1, 2, 5)
    assert all(b - a == pytest.approx(step) for a, b in pairwise(ticks))
    assert upper - ticks[-1] < step  # the last tick is the last one that fits


def test_a_count_axis_has_whole_ticks_even_when_every_count_is_zero() -> None:
    shown = texts(parse(charts.removal_chart(["A", "B"], [0, 0])))
    assert {"0", "1"} <= set(shown) and not [t for t in shown if "." in t]


def test_tick_figures_carry_thousands_separators() -> None:
    root = parse(charts.removal_chart(["A", "B"], [12_000, 3]))
    shown = texts(root)
    assert "10,000" in shown and "12,000" in shown


@dataclass
class Box:
    """A text's extent in its own (unrotated) frame, and its rotation."""

    x0: float
    y0: float
    x1: float
    y1: float
    angle: float  # degrees, about (ox, oy)
    ox: float
    oy: float
    text: str

    def corners(self) -> list[tuple[float, float]]:
        return [(self.x0, self.y0), (self.x1, self.y0), (self.x0, self.y1), (self.x1, self.y1)]


def text_boxes(root: ET.Element) -> list[Box]:
    boxes = []
    for t in elements(root, "text"):
        size, x, y = num(t, "font-size"), num(t, "x"), num(t, "y")
        width = charts.text_width(t.text or "", size)
        start = {"start": x, "middle": x - width / 2, "end": x - width}[t.get("text-anchor", "")]
        if t.get("dominant-baseline") == "central":
            top, bottom = y - 0.58 * size, y + 0.58 * size
        else:
            top, bottom = y - 0.93 * size, y + 0.24 * size
        angle = 0.0
        if transform := t.get("transform"):
            angle = float(transform.removeprefix("rotate(").split()[0])
        boxes.append(Box(start, top, start + width, bottom, angle, x, y, t.text or ""))
    return boxes


def rotated(box: Box) -> list[tuple[float, float]]:
    ox, oy = box.ox, box.oy
    a = math.radians(box.angle)
    return [
        (ox + (px - ox) * math.cos(a) - (py - oy) * math.sin(a),
         oy + (px - ox) * math.sin(a) + (py - oy) * math.cos(a))
        for px, py in box.corners()
    ]  # fmt: skip


def assert_laid_out(svg: bytes, boxes: list[Box] | None = None) -> None:
    """Every label inside the picture, and no two labels of the same angle meeting:
    the labels' extents as estimated here, or ``boxes`` (as a browser drew them)."""
    root = parse(svg)
    width, height = num(root, "width"), num(root, "height")
    boxes = text_boxes(root) if boxes is None else boxes
    for box in boxes:
        for px, py in rotated(box):
            assert -0.5 <= px <= width + 0.5 and -0.5 <= py <= height + 0.5, box.text
    for a, b in combinations(boxes, 2):
        if a.angle != b.angle:
            continue
        if a.angle:
            # Turned back about a's origin, a reads level where it was drawn, and b
            # moves by R(-angle) d - d, d being the step from a's origin to b's.
            r = math.radians(-a.angle)
            dx, dy = b.ox - a.ox, b.oy - a.oy
            sx = dx * math.cos(r) - dy * math.sin(r) - dx
            sy = dx * math.sin(r) + dy * math.cos(r) - dy
            b = Box(b.x0 + sx, b.y0 + sy, b.x1 + sx, b.y1 + sy, 0, b.ox, b.oy, b.text)
        apart = a.x1 <= b.x0 or b.x1 <= a.x0 or a.y1 <= b.y0 or b.y1 <= a.y0
        assert apart, (a.text, b.text)


LONG_NAMES = [f"{word} department of the council number {i}" for i, word in enumerate(
    ["Adult Social Care", "Housing", "Children's Services", "Public Health", "Communities"] * 6
)]  # fmt: skip


@pytest.mark.parametrize("n", [1, 2, 5, 12, 30])
def test_every_chart_keeps_its_labels_inside_and_apart(n: int) -> None:
    names = LONG_NAMES[:n]
    for svg in every_chart(names):
        assert_laid_out(svg)


def test_the_sample_reports_charts_keep_their_labels_inside_and_apart() -> None:
    from render_support import report_charts, sample

    drawn = report_charts(sample)
    assert len(drawn) == 5
    for svg in drawn:
        assert_laid_out(svg)


def test_long_size_band_labels_turn_rather_than_collide() -> None:
    names = LONG_NAMES[:7]
    svg = every_chart(names)[0]
    assert_laid_out(svg)
    turned = [t for t in elements(parse(svg), "text") if "rotate(-45" in t.get("transform", "")]
    assert len(turned) == 7


def test_a_heatmap_of_600_departments_stays_bounded() -> None:
    n = 600
    names = [f"Cost Centre {i:04d}" for i in range(n)]
    values = np.random.default_rng(2).random((n, n)) * 0.2
    svg = charts.overlap_heatmap(pd.DataFrame(values, index=names, columns=names), names)
    root = parse(svg)
    assert num(root, "width") <= 900 and num(root, "height") <= 900
    assert len(heatmap_cells(root)) == n * n  # one cell per pair, nothing more
    assert not any(t.startswith("Cost Centre") for t in texts(root))  # too small to read
    assert len(svg) < 120 * n * n  # a fixed number of bytes per cell
