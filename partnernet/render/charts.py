"""The report's charts, written as SVG by hand: plain string building, no plotting
library.

Each chart is a small SVG document (UTF-8 bytes) that the report embeds as
``<img src="data:image/svg+xml;base64,...">`` (:func:`svg_data_uri`). An SVG shown
through ``<img>`` runs no script and loads nothing, and these carry none anyway:
the only elements are the few in :data:`ELEMENTS`, every attribute is a number or
one of the colours below, and text from the data appears only as the content of a
``<text>``, XML-escaped and stripped of what XML 1.0 forbids (:func:`xml_text`).
Each label is a ``<text>`` of its own, so a right-to-left name can reorder
nothing outside it, and labels drop the explicit direction controls (an override
would reverse its own label).

Drawing takes no font measurement: the room a label needs is estimated from DejaVu
Sans's advance widths (:func:`text_width`, the font the charts ask for first, wider
than the fallbacks), long labels are cut as before (``_label``), and the heatmap's
column labels are turned 45 degrees with their size set by the cell, so no two
labels meet. Every coordinate is printed with two decimals at most, so the same data
gives the same bytes. Each chart writes a fixed number of elements per bar, cell or
curve point: time and size linear in what it draws.
"""

from __future__ import annotations

import base64
import math
import unicodedata
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from partnernet.findings.wording import plain_text

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ELEMENTS",
    "blues",
    "group_chart",
    "lorenz_chart",
    "nice_ticks",
    "overlap_heatmap",
    "removal_chart",
    "size_band_chart",
    "svg_data_uri",
    "text_width",
    "xml_text",
]

INK = "#1f2933"
MUTED = "#7b8794"
ORGANISATIONS_COLOUR = "#9aa5b1"
SEATS_COLOUR = "#4e79a7"
FUNDING_COLOUR = "#59a14f"
FLAGGED_COLOUR = "#d62728"
NO_VALUE_COLOUR = "#f2f2f2"  # the heatmap's diagonal (a department with itself)
LABEL_LIMIT = 32
FONT_FAMILY = "DejaVu Sans, Verdana, Arial, sans-serif"
# The sizes, in pixels, of the matplotlib charts these replace at their 110 dpi:
# 9 pt text, 8 pt legends, 7 pt bar figures.
TEXT_SIZE = 13.0
TICK_SIZE = 12.0
LEGEND_SIZE = 12.0
FIGURE_SIZE = 10.5

# Every element a chart may contain: drawing primitives and text, nothing that
# links, loads, embeds or runs.
ELEMENTS = frozenset({"svg", "g", "rect", "line", "polyline", "polygon", "text"})

# matplotlib's "Blues" (ColorBrewer's 9-class Blues, which matplotlib interpolates
# linearly), from 0 (lightest) to 1 (darkest): the heatmap's scale, as before.
_BLUES = (
    (0xF7, 0xFB, 0xFF),
    (0xDE, 0xEB, 0xF7),
    (0xC6, 0xDB, 0xEF),
    (0x9E, 0xCA, 0xE1),
    (0x6B, 0xAE, 0xD6),
    (0x42, 0x92, 0xC6),
    (0x21, 0x71, 0xB5),
    (0x08, 0x51, 0x9C),
    (0x08, 0x30, 0x6B),
)

# DejaVu Sans's advance widths, in thousandths of an em, of the printable ASCII
# characters from the space to the tilde (read from the font's own metrics).
_ASCII_WIDTHS = (
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337,
    636, 636, 636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531,
    1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787,
    603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500,
    500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612,
    635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
)  # fmt: skip
_OTHER_WIDTH = 720  # a letter of another script: wider than most, to be safe
_WIDE_WIDTH = 1000  # CJK, emoji and other full-width characters
_XML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}


# --- Text -------------------------------------------------------------------------


def _xml_char(char: str) -> bool:
    """Whether XML 1.0 allows ``char`` (its ``Char`` production)."""
    code = ord(char)
    if code < 0x20:
        return char in "\t\n\r"
    return code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or code >= 0x10000


def xml_text(text: str) -> str:
    """``text`` as XML character data or attribute value: the five markup characters
    escaped, and every character XML 1.0 forbids (C0 controls other than tab,
    newline and return, lone surrogates, U+FFFE and U+FFFF) removed.

    Examples
    --------
    >>> xml_text("<b a='1'>&]]>\\x1b\\ufffe")
    '&lt;b a=&#39;1&#39;&gt;&amp;]]&gt;'
    """
    if not all(map(_xml_char, text)):
        text = "".join(filter(_xml_char, text))
    return "".join(_XML_ESCAPES.get(c, c) for c in text)


def _char_width(char: str) -> int:
    code = ord(char)
    if 0x20 <= code < 0x7F:
        return _ASCII_WIDTHS[code - 0x20]
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    if unicodedata.east_asian_width(char) in ("W", "F") or code >= 0x1F000:
        return _WIDE_WIDTH
    base = unicodedata.normalize("NFD", char)[0]  # an accented letter: its letter
    if base != char and 0x20 <= ord(base) < 0x7F:
        return _ASCII_WIDTHS[ord(base) - 0x20]
    return _OTHER_WIDTH


def text_width(text: str, size: float) -> float:
    """The width in pixels ``text`` takes at font size ``size``, estimated from DejaVu
    Sans's widths (other scripts a little wider than most fonts draw them).

    Examples
    --------
    >>> round(text_width("Housing", 10), 1)
    40.7
    """
    return sum(_char_width(c) for c in text) * size / 1000


# The explicit embeddings, overrides and isolates (LRE, RLE, PDF, LRO, RLO, LRI, RLI,
# FSI, PDI). Left in a label, an override reverses the rest of it ("Trust 16" reads
# "61 tsurT"); without them a label reads in the order its letters' own directions
# give, as the report's text does (``render.common.isolate_directions``).
_BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def _label(text: object) -> str:
    """A name as a chart prints it: one line, cut to ``LABEL_LIMIT`` characters,
    without explicit direction controls."""
    return plain_text(text, limit=LABEL_LIMIT).translate(_BIDI_CONTROLS)


# --- Numbers ----------------------------------------------------------------------


def _coordinate(value: float) -> str:
    """A coordinate with at most two decimals, the same text for the same value."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def nice_ticks(upper: float, *, most: int = 6, whole: bool = False) -> list[float]:
    """Ticks from 0 to at most ``upper`` at a step of 1, 2 or 5 times a power of ten,
    no more than ``most`` + 1 of them; with ``whole`` (an axis of counts), a step of
    at least 1.

    Examples
    --------
    >>> nice_ticks(100), nice_ticks(1.2), nice_ticks(35.65), nice_ticks(1.15, whole=True)
    ([0, 20, 40, 60, 80, 100], [0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.2], [0, 10, 20, 30], [0, 1])
    """
    if not math.isfinite(upper) or upper <= 0:
        return [0]
    step = max(_tick_step(upper, most), 1.0) if whole else _tick_step(upper, most)
    count = math.floor(upper / step + 1e-9)
    if step >= 1:
        return [int(i * step) for i in range(count + 1)]
    decimals = _decimals(step)
    return [round(i * step, decimals) for i in range(count + 1)]


def _tick_step(upper: float, most: int) -> float:
    raw = upper / max(most, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5, 10):
        if multiple * power >= raw * (1 - 1e-9):
            return multiple * power
    return 10 * power  # pragma: no cover - the loop always returns


def _decimals(step: float) -> int:
    return max(0, -math.floor(math.log10(step) + 1e-9))


def _tick_labels(ticks: Sequence[float]) -> list[str]:
    """Tick values as the PNG charts printed them: thousands separators, as many
    decimals as the step needs."""
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    decimals = _decimals(step)
    return [f"{t:,.{decimals}f}" for t in ticks]


# --- Writing SVG ------------------------------------------------------------------


class _Svg:
    """An SVG document built up element by element."""

    def __init__(self, width: float, height: float) -> None:
        self.width = width
        self.height = height
        self.parts: list[str] = []

    def rect(self, x: float, y: float, w: float, h: float, fill: str) -> None:
        self.parts.append(
            f'<rect x="{_coordinate(x)}" y="{_coordinate(y)}" width="{_coordinate(w)}" '
            f'height="{_coordinate(h)}" fill="{fill}"/>'
        )

    def line(
        self,
        x1: float,
        y1: float,
        x2: float,
        y2: float,
        colour: str,
        *,
        width: float = 1,
        dashed: bool = False,
    ) -> None:
        dash = ' stroke-dasharray="5 3"' if dashed else ""
        self.parts.append(
            f'<line x1="{_coordinate(x1)}" y1="{_coordinate(y1)}" x2="{_coordinate(x2)}" '
            f'y2="{_coordinate(y2)}" stroke="{colour}" stroke-width="{_coordinate(width)}"'
            f"{dash}/>"
        )

    def text(
        self,
        x: float,
        y: float,
        content: str,
        *,
        size: float = TEXT_SIZE,
        anchor: str = "start",
        colour: str = INK,
        rotate: float = 0,
        baseline: str = "",
    ) -> None:
        """``content`` at ``(x, y)``, turned by ``rotate`` degrees about that point;
        ``baseline="middle"`` centres it on ``y``. The only place text from the data
        enters a chart, so the only place it is escaped."""
        turn = (
            f' transform="rotate({_coordinate(rotate)} {_coordinate(x)} {_coordinate(y)})"'
            if rotate
            else ""
        )
        middle = ' dominant-baseline="central"' if baseline == "middle" else ""
        self.parts.append(
            f'<text x="{_coordinate(x)}" y="{_coordinate(y)}" font-size="{_coordinate(size)}" '
            f'text-anchor="{anchor}" fill="{colour}"{middle}{turn}>{xml_text(content)}</text>'
        )

    def polyline(self, points: Iterable[tuple[float, float]], colour: str, width: float) -> None:
        self.parts.append(
            f'<polyline points="{_points(points)}" fill="none" stroke="{colour}" '
            f'stroke-width="{_coordinate(width)}" stroke-linejoin="round"/>'
        )

    def polygon(self, points: Iterable[tuple[float, float]], fill: str, opacity: float) -> None:
        self.parts.append(
            f'<polygon points="{_points(points)}" fill="{fill}" '
            f'fill-opacity="{_coordinate(opacity)}"/>'
        )

    def document(self) -> bytes:
        w, h = _coordinate(self.width), _coordinate(self.height)
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
            f'viewBox="0 0 {w} {h}" font-family="{FONT_FAMILY}">'
            f'<rect x="0" y="0" width="{w}" height="{h}" fill="#ffffff"/>'
        )
        return (head + "".join(self.parts) + "</svg>").encode("utf-8")


def _points(points: Iterable[tuple[float, float]]) -> str:
    return " ".join(f"{_coordinate(x)},{_coordinate(y)}" for x, y in points)


def svg_data_uri(svg: bytes) -> str:
    """An SVG document as a ``data:`` URI for an ``<img>`` that needs no other file.

    Examples
    --------
    >>> svg_data_uri(b"<svg/>")
    'data:image/svg+xml;base64,PHN2Zy8+'
    """
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def _value_axis_x(
    svg: _Svg, left: float, right: float, bottom: float, upper: float, *, whole: bool
) -> None:
    """A horizontal value axis from 0 at ``left`` to ``upper`` at ``right``: its
    line, ticks and their figures (whole numbers only on an axis of counts)."""
    svg.line(left, bottom, right, bottom, MUTED)
    ticks = nice_ticks(upper, most=max(2, int((right - left) // 70)), whole=whole)
    for tick, label in zip(ticks, _tick_labels(ticks), strict=True):
        x = left + (right - left) * tick / upper
        svg.line(x, bottom, x, bottom + 4, MUTED)
        svg.text(x, bottom + 6 + TICK_SIZE, label, size=TICK_SIZE, anchor="middle")


def _value_axis_y(svg: _Svg, left: float, top: float, bottom: float, upper: float) -> None:
    """A vertical value axis from 0 at ``bottom`` to ``upper`` at ``top``: its line,
    ticks and their figures."""
    svg.line(left, top, left, bottom, MUTED)
    ticks = nice_ticks(upper, most=max(2, int((bottom - top) // 40)))
    for tick, label in zip(ticks, _tick_labels(ticks), strict=True):
        y = bottom - (bottom - top) * tick / upper
        svg.line(left - 4, y, left, y, MUTED)
        svg.text(left - 7, y, label, size=TICK_SIZE, anchor="end", baseline="middle")


def _legend(
    svg: _Svg, entries: Sequence[tuple[str, str, str]], x: float, y: float, *, across: bool
) -> None:
    """Swatches and their names from ``(x, y)``: ``(name, colour, kind)`` with kind
    ``"box"``, ``"line"`` or ``"dashed"``; in one row ``across``, else one per line."""
    for name, colour, kind in entries:
        if kind == "box":
            svg.rect(x, y - 5, 14, 10, colour)
        else:
            svg.line(
                x, y, x + 22, y, colour, width=2 if kind == "line" else 1, dashed=kind == "dashed"
            )
        start = x + (18 if kind == "box" else 28)
        svg.text(start, y, name, size=LEGEND_SIZE, baseline="middle")
        if across:
            x = start + text_width(name, LEGEND_SIZE) + 18
        else:
            y += LEGEND_SIZE + 8


def _legend_width(entries: Sequence[tuple[str, str, str]]) -> float:
    return (
        sum(
            (18 if kind == "box" else 28) + text_width(name, LEGEND_SIZE) + 18
            for name, _, kind in entries
        )
        - 18
    )


def _centred_label(svg: _Svg, centre: float, y: float, text: str) -> None:
    """An axis title centred on ``centre`` but kept inside the picture."""
    half = text_width(text, TEXT_SIZE) / 2
    centre = min(max(centre, half + 6), svg.width - half - 6)
    svg.text(centre, y, text, anchor="middle")


# --- The charts -------------------------------------------------------------------


def size_band_chart(table: pd.DataFrame) -> bytes:
    """Grouped bars per size band: share of organisations, of board seats and of
    funding, each bar's figure above it.

    ``table`` has columns ``band`` (label), ``organisations``, ``board_seats`` and
    ``funding`` (shares from 0 to 1), in the order to draw.
    """
    series = (
        ("organisations", "Share of organisations", ORGANISATIONS_COLOUR),
        ("board_seats", "Share of board seats", SEATS_COLOUR),
        ("funding", "Share of funding received", FUNDING_COLOUR),
    )
    bands = [_label(b) for b in table["band"]]
    values = [[float(v) * 100 for v in table[column]] for column, _, _ in series]
    finite = [v for column in values for v in column if math.isfinite(v)]
    upper = max(100.0, max(finite, default=0) * 1.1)

    width = 836.0
    left, right, top = 62.0, width - 16, 44.0
    n = max(len(bands), 1)
    widest = max((text_width(b, TICK_SIZE) for b in bands), default=0.0)
    # A band's label sits level under its bars if it fits its slot; otherwise it is
    # turned 45 degrees, at a size whose line fits the slot's slanted width, and the
    # plot moves right until the first band's label (reaching down-left from its
    # slot's middle) starts inside the picture.
    turned = widest > (right - left) / n - 8
    band_size, label_room = TICK_SIZE, TICK_SIZE + 8
    if turned:
        for _ in range(3):  # the size depends on the slot, the slot on the margin
            slot = (right - left) / n
            band_size = min(TICK_SIZE, slot * 0.55)
            reach = widest * band_size / TICK_SIZE * 0.71 + band_size
            left = max(62.0, reach + 8 - slot / 2)
        label_room = reach + 12
    slot = (right - left) / n
    bottom = 374.0 - 44 - TICK_SIZE - 8
    svg = _Svg(width, bottom + label_room + 44)
    bar = slot * 0.27
    figure_size = min(FIGURE_SIZE, bar / text_width("100%", 1))

    _value_axis_y(svg, left, top, bottom, upper)
    svg.line(left, bottom, right, bottom, MUTED)
    svg.text(16, (top + bottom) / 2, "Per cent", rotate=-90, anchor="middle", baseline="middle")
    for i, (column_values, (_, _, colour)) in enumerate(zip(values, series, strict=True)):
        for j, value in enumerate(column_values):
            if not math.isfinite(value):
                continue
            x = left + slot * (j + 0.5) + (i - 1.5) * bar
            height = (bottom - top) * max(value, 0) / upper
            svg.rect(x, bottom - height, bar, height, colour)
            if figure_size >= 6:
                svg.text(
                    x + bar / 2,
                    bottom - height - 3,
                    f"{value:.0f}%",
                    size=figure_size,
                    anchor="middle",
                )
    for j, band in enumerate(bands):
        x = left + slot * (j + 0.5)
        svg.line(x, bottom, x, bottom + 4, MUTED)
        if turned:
            svg.text(
                x, bottom + 8, band, size=band_size, anchor="end", rotate=-45, baseline="middle"
            )
        else:
            svg.text(x, bottom + 6 + band_size, band, size=band_size, anchor="middle")
    _centred_label(svg, (left + right) / 2, svg.height - 12, "Size band (annual income)")
    legend = [(name, colour, "box") for _, name, colour in series]
    _legend(svg, legend, right - _legend_width(legend), 18, across=True)
    return svg.document()


def lorenz_chart(
    population_share: Sequence[float], amount_share: Sequence[float], *, gini: float
) -> bytes:
    """The Lorenz curve of funding across recipients, with the line of equality.

    The curve's points and the Gini coefficient are the analysis's
    (:func:`partnernet.analysis.exclusion.funding_concentration`): a chart draws
    figures, it never computes them.
    """
    curve = [
        (float(x), float(y))
        for x, y in zip(population_share, amount_share, strict=True)
        if math.isfinite(float(x)) and math.isfinite(float(y))
    ]
    svg = _Svg(506, 462)
    left, top, side = 70.0, 14.0, 392.0
    bottom, right = top + side, left + side

    def at(x: float, y: float) -> tuple[float, float]:
        return left + side * x, bottom - side * y

    _value_axis_y(svg, left, top, bottom, 100)
    _value_axis_x(svg, left, right, bottom, 100, whole=True)
    if curve:
        under = [at(x, y) for x, y in curve] + [
            at(curve[-1][0], curve[-1][0]),
            at(curve[0][0], curve[0][0]),
        ]
        svg.polygon(under, FUNDING_COLOUR, 0.12)
    svg.line(*at(0, 0), *at(1, 1), MUTED, dashed=True)
    if curve:
        svg.polyline([at(x, y) for x, y in curve], FUNDING_COLOUR, 2)
    _legend(
        svg,
        [("Equal shares", MUTED, "dashed"), ("Actual funding", FUNDING_COLOUR, "line")],
        left + 12,
        top + 16,
        across=False,
    )
    svg.text(*at(0.04, 0.8), f"Gini coefficient {gini:.2f}", size=14)
    _centred_label(
        svg, (left + right) / 2, svg.height - 14, "Recipients, least funded first (cumulative %)"
    )
    svg.text(
        18,
        (top + bottom) / 2,
        "Funding received (cumulative %)",
        rotate=-90,
        anchor="middle",
        baseline="middle",
    )
    return svg.document()


def blues(value: float) -> str:
    """The heatmap colour of ``value`` from 0 to 1 (matplotlib's "Blues").

    Examples
    --------
    >>> blues(0), blues(1)
    ('#f7fbff', '#08306b')
    """
    position = min(max(value, 0.0), 1.0) * (len(_BLUES) - 1)
    low = min(int(position), len(_BLUES) - 2)
    fraction = position - low
    rgb = (round(a + (b - a) * fraction) for a, b in zip(_BLUES[low], _BLUES[low + 1], strict=True))
    return "#" + "".join(f"{c:02x}" for c in rgb)


def overlap_heatmap(
    matrix: pd.DataFrame, labels: Sequence[str], *, annotate_up_to: int = 12
) -> bytes:
    """The department x department partner-overlap matrix (Jaccard) as a heatmap,
    each cell printed when there are at most ``annotate_up_to`` departments (beyond
    that the figures are too small to read); the diagonal is left blank (a
    department with itself).

    The cells shrink as departments are added, so the grid stays within 680
    pixels a side however many there are; the labels shrink with them (row labels
    fit their row, column labels, turned 45 degrees, their column) and are left off
    once a cell is too small to carry readable text (beyond about 60 departments).
    It draws one cell per pair, n x n of them: the report draws at most
    ``HEATMAP_MAX_DEPARTMENTS`` (:mod:`partnernet.render.report`).
    """
    values = [[float(v) for v in row] for row in matrix.to_numpy(dtype=float).tolist()]
    n = len(labels)
    short = [_label(label) for label in labels]
    off_diagonal = [
        v for i, row in enumerate(values) for j, v in enumerate(row) if i != j and math.isfinite(v)
    ]
    top_value = max(0.5, max(off_diagonal, default=0))
    cell = min(56.0, 680.0 / max(n, 1))
    # Row labels are a row apart, column labels (turned 45 degrees) 0.71 of a column
    # apart: at this size neither set can touch its neighbours.
    label_size = min(TICK_SIZE, cell * 0.55)
    show_labels = label_size >= 6
    label_room = (
        max((text_width(s, label_size) for s in short), default=0) + 8 if show_labels else 0
    )
    grid = cell * n
    turned_room = label_room * 0.71  # a label turned 45 degrees
    left = max(label_room, turned_room - cell / 2) + 10
    top = 12.0
    bar_left = left + grid + 18
    bar_label = "Partner overlap (Jaccard)"
    bar_height = max(grid, text_width(bar_label, TEXT_SIZE) + 20)
    width = bar_left + 14 + 6 + text_width("0.00", TICK_SIZE) + 10 + TEXT_SIZE + 10
    height = top + max(grid + turned_room + 6, bar_height) + 12
    svg = _Svg(width, height)

    for i in range(n):
        for j in range(n):
            v = values[i][j]
            fill = blues(v / top_value) if i != j and math.isfinite(v) else NO_VALUE_COLOUR
            svg.rect(left + j * cell, top + i * cell, cell, cell, fill)
            if n <= annotate_up_to and i != j and math.isfinite(v):
                svg.text(
                    left + (j + 0.5) * cell,
                    top + (i + 0.5) * cell,
                    f"{v:.2f}",
                    size=min(11.0, cell * 0.3),
                    anchor="middle",
                    colour="#ffffff" if v > 0.3 else INK,
                    baseline="middle",
                )
    if show_labels:
        for k, name in enumerate(short):
            centre = (k + 0.5) * cell
            svg.text(left - 6, top + centre, name, size=label_size, anchor="end", baseline="middle")
            svg.text(
                left + centre,
                top + grid + 6,
                name,
                size=label_size,
                anchor="end",
                rotate=-45,
                baseline="middle",
            )

    # The colour bar: its scale as bands from 0 at the bottom to the top value.
    steps = 48
    for s in range(steps):
        svg.rect(
            bar_left,
            top + bar_height * (1 - (s + 1) / steps),
            14,
            bar_height / steps + 0.5,
            blues((s + 0.5) / steps),
        )
    ticks = nice_ticks(top_value, most=min(6, max(2, int(bar_height // 30))))
    for tick, text in zip(ticks, _tick_labels(ticks), strict=True):
        y = top + bar_height * (1 - tick / top_value)
        svg.line(bar_left + 14, y, bar_left + 18, y, MUTED)
        svg.text(bar_left + 20, y, text, size=TICK_SIZE, baseline="middle")
    svg.text(
        width - 14, top + bar_height / 2, bar_label, rotate=-90, anchor="middle", baseline="middle"
    )
    return svg.document()


def _horizontal_bars(
    labels: Sequence[str],
    values: Sequence[float],
    colours: Sequence[str],
    figures: Sequence[str],
    *,
    upper: float,
    axis_label: str,
    whole: bool = False,
    reference: float | None = None,
) -> bytes:
    """Horizontal bars, the first at the top, each with its label at the left and
    its figure at its end; a dashed line at ``reference``."""
    short = [_label(label) for label in labels]
    row = 28.0
    left = max((text_width(s, TICK_SIZE) for s in short), default=0) + 18
    width = max(792.0, left + 300)
    right = width - 24
    top = 12.0
    bottom = top + row * max(len(short), 1)
    svg = _Svg(width, bottom + 58)
    _value_axis_x(svg, left, right, bottom, upper, whole=whole)
    svg.line(left, top, left, bottom, MUTED)
    scale = (right - left) / upper
    for k, (name, value, colour, figure) in enumerate(
        zip(short, values, colours, figures, strict=True)
    ):
        centre = top + row * (k + 0.5)
        svg.line(left - 4, centre, left, centre, MUTED)
        svg.text(left - 7, centre, name, size=TICK_SIZE, anchor="end", baseline="middle")
        if not math.isfinite(value):
            continue
        length = scale * max(value, 0)
        svg.rect(left, centre - row * 0.3, length, row * 0.6, colour)
        svg.text(left + length + 4, centre, figure, size=11, baseline="middle")
    if reference is not None:
        x = left + scale * reference
        svg.line(x, top, x, bottom, INK, dashed=True)
    _centred_label(svg, (left + right) / 2, svg.height - 14, axis_label)
    return svg.document()


def removal_chart(labels: Sequence[str], cut_off: Sequence[int]) -> bytes:
    """Horizontal bars: small organisations cut off from every decision maker if
    each organisation were removed."""
    counts = [int(c) for c in cut_off]
    return _horizontal_bars(
        labels,
        [float(c) for c in counts],
        [FLAGGED_COLOUR] * len(counts),
        [f"{c:,}" for c in counts],
        upper=max(1, max(counts, default=0)) * 1.15,
        axis_label="Small organisations left with no path to any decision maker",
        whole=True,
    )


def group_chart(labels: Sequence[str], ratios: Sequence[float], flagged: Sequence[bool]) -> bytes:
    """Horizontal bars of each group's mean number of ties relative to the average
    (1 = average), flagged groups in red."""
    values = [float(r) for r in ratios]
    return _horizontal_bars(
        labels,
        values,
        [FLAGGED_COLOUR if f else ORGANISATIONS_COLOUR for f in flagged],
        [f"{v:.2f}" for v in values],
        upper=max(1.2, max((v for v in values if math.isfinite(v)), default=0) * 1.15),
        axis_label="Ties per organisation, relative to the average (1 = average; red = flagged)",
        reference=1.0,
    )
