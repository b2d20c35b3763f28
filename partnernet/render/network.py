"""The interactive network map: one self-contained, offline, script-safe HTML file.

vis-network, as shipped in pyvis (the client's chosen library), draws the map.
This module builds the vis.js nodes, edges and options as pyvis's ``Network``
would (the same dictionaries, key for key) but without importing pyvis, whose
package imports IPython and jsonpickle on the way (0.1 s of every run); and it
writes the page itself, because pyvis's own template is unsafe for
names that come from files anyone can edit: it does not escape the heading or the
select menu, turns every tooltip into raw HTML as soon as one contains ``href``, and
links Bootstrap and vis.js from a CDN even with ``cdn_resources="in_line"``.

How the page stays safe:

- no data is ever written as markup: everything the page shows from the dataset
  travels as JSON inside ``<script type="application/json">`` (with ``<``, ``>``,
  ``&``, U+2028 and U+2029 escaped), is read with ``JSON.parse`` and reaches the
  DOM only through ``textContent``; tooltips are plain strings, which vis-network 9
  shows with ``innerText``;
- node ids are opaque (``n0``, ``n1``, ...), never the dataset's ids;
- vis-network's JavaScript and CSS, as shipped inside the pyvis package, are inlined;
  a Content-Security-Policy allows only those inline scripts and styles, by hash,
  and ``data:`` images: nothing can be loaded from anywhere.

The layout is computed here (Fruchterman and Reingold 1991, igraph's compiled
implementation, seeded) and the browser runs no physics: the map opens already
arranged and still, the same picture for the same data and seed, and a
5,000-organisation map costs the browser no simulation at all.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import math
import os
import random
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup

from partnernet.analysis.results import BROKERAGE_ROLES, Results
from partnernet.errors import OutputError
from partnernet.findings import wording
from partnernet.findings.profile import FIGURE_MEANINGS, band_position, removal_sentences
from partnernet.findings.wording import TYPE_LABELS, group_label, plain_text
from partnernet.graph import ORG_GRAPH_LAYERS, load_igraph, parse_layers
from partnernet.io.folders import prepare_output_folder
from partnernet.io.writers import atomic_write_text
from partnernet.model import ORG_TYPES, POUNDS, SIZE_BANDS, Dataset, frame_records, in_pounds
from partnernet.render.common import csp_hash, flagged_groups_by_member, split_ids

if TYPE_CHECKING:
    import igraph as ig
else:
    ig = load_igraph()  # without igraph's drawing module and matplotlib.pyplot

__all__ = [
    "COLOUR_BY",
    "SIZE_BY",
    "check_map_path",
    "network_payload",
    "render_network_html",
    "script_json",
    "write_network",
]

COLOUR_BY: tuple[str, ...] = ("type", "size_band", "community")
SIZE_BY: tuple[str, ...] = ("betweenness", "degree", "funding")

# Colour-blind-aware categorical colours (Tableau 10, NHS blue for the NHS).
TYPE_COLOURS: dict[str, str] = {
    "vcse": "#59a14f",
    "infrastructure": "#f28e2b",
    "local_authority": "#4e79a7",
    "department": "#76b7b2",
    "nhs": "#005eb8",
    "central_government": "#9c755f",
    "funder": "#edc948",
    "business": "#b07aa1",
    "education": "#ff9da7",
    "other": "#bab0ac",
}
# Viridis steps, smallest (light) to largest (dark), so size reads as a scale.
SIZE_BAND_COLOURS: dict[str, str] = {
    "micro": "#fde725",
    "small": "#7ad151",
    "medium": "#22a884",
    "large": "#2a788e",
    "major": "#414487",
    "super_major": "#440154",
}
COMMUNITY_COLOURS: tuple[str, ...] = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#86bcb6",
    "#8cd17d",
    "#b6992d",
    "#d37295",
    "#a0cbe8",
    "#ffbe7d",
    "#79706e",
)
UNKNOWN_COLOUR = "#c9c9c9"
BOARD_COLOUR = "#4b5563"
BROKER_BORDER = "#111111"
UNDER_CONNECTED_BORDER = "#d62728"

LAYER_STYLES: dict[str, dict[str, Any]] = {
    "FUNDS": {"label": "Funding (funder to recipient)", "colour": "#3d8b37", "dashes": False},
    "MEMBER_OF": {"label": "Board membership", "colour": "#8a8a8a", "dashes": False},
    "PARTNERS_WITH": {"label": "Partnership", "colour": "#4e79a7", "dashes": False},
    "PART_OF": {"label": "Department of a public body", "colour": "#222222", "dashes": True},
    "SHARES_PERSON": {"label": "Shared trustee or staff", "colour": "#b07aa1", "dashes": True},
}
DRAWN_LAYERS: tuple[str, ...] = ("PART_OF", *ORG_GRAPH_LAYERS)

SIZE_LABELS = {
    "betweenness": "betweenness (how many shortest routes pass through it)",
    "degree": "number of distinct partners",
    "funding": "funding given or received",
}

# Above this many nodes, ties are hidden while the map is dragged or zoomed, so
# it stays responsive.
LARGE_MAP = 1000
# With more organisations than this, at most this many nodes are drawn. A region
# or the whole country (up to 200,000) would make a page of hundreds of megabytes
# that no browser can lay out usefully; the map then shows the organisations that
# matter most and the boards joining them (see _most_notable) and says so, and
# metrics.csv keeps every organisation.
MAP_LIMIT = 5000
# From this many organisations on the map, communities are laid out as groups
# (see _layout) and no group is ringed until the reader picks one.
COMMUNITY_LAYOUT_FROM = 1000
# From this many nodes, igraph's force layout works on a grid (nearby nodes only
# repel), which is much faster and looks the same at this size. Not below it,
# though it is a sixth of the time there too: on Trafford's real grants (326
# organisations, two funders sharing recipients) the grid mixed up the two funders'
# recipients, which the exact layout draws as two rings with the shared ones
# between them.
GRID_LAYOUT_FROM = 1000
# Iterations of each force layout. 300 draws the same structure as the 500 used
# before (screenshots of the sample, Trafford's real grants and the city and
# region maps compared: the same groups, rings and bridges) in three fifths of
# the time, the largest single step in writing the locality map. Which labels
# fit at the default view depends on where the layout puts nodes: at 250 and at
# 350 iterations the sample's council label lost its place to a neighbour's.
FORCE_ITERATIONS = 300
# Inside a community of the community layout, the grid is used from this many
# members: a few hundred members on a grid look the same and take a sixth of the time.
GROUP_GRID_LAYOUT_FROM = 100
# Force layouts come out round; screens are wider than tall, so the layout is
# stretched sideways by this much to fill the map's area when fitted.
LANDSCAPE = 1.3
# A community with fewer drawn members than this, or beyond the largest
# MAX_GROUPS_DRAWN, is drawn with its neighbours.
MIN_GROUP_DRAWN = 8
MAX_GROUPS_DRAWN = 60
# The map's group chooser lists at most this many flagged groups.
GROUPS_LISTED = 15
MIN_NODE_SIZE = 9.0
MAX_NODE_SIZE = 38.0
BOARD_SIZE = 13.0
LABEL_LIMIT = 34
# Nodes at least this big, and brokers, public bodies, infrastructure bodies and
# funders, are labelled at every zoom; the rest once the reader zooms in.
LABEL_SIZE = 22.0

_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("partnernet.render", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=False,
)

_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def script_json(value: Any) -> str:
    """``value`` as JSON that is safe inside an HTML ``<script>`` element.

    ``<``, ``>`` and ``&`` are written as ``\\u`` escapes, so no ``</script>`` or
    ``<!--`` can end or change the element, and U+2028/U+2029 are escaped for
    old JavaScript parsers. ``JSON.parse`` reads the same value back. NaN and
    infinity are refused: they are not JSON.

    Examples
    --------
    >>> script_json({"name": "</script><b>&"})
    '{"name":"\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026"}'
    """
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for raw, escaped in _JSON_ESCAPES.items():
        text = text.replace(raw, escaped)
    return text


@functools.cache
def _vis_assets() -> tuple[str, str]:
    """vis-network's JavaScript and CSS as bundled inside the installed pyvis."""
    # The package's folder, found without importing it (see the module's docstring).
    spec = importlib.util.find_spec("pyvis")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover
        raise RuntimeError("pyvis is not installed; reinstall partnernet")
    lib = Path(next(iter(spec.submodule_search_locations))) / "lib"
    versions = sorted(
        (p for p in lib.iterdir() if p.name.startswith("vis-")),
        key=lambda p: tuple(int(x) for x in p.name.removeprefix("vis-").split(".")),
    )
    if not versions:  # pragma: no cover - a broken pyvis install
        raise RuntimeError("pyvis ships no vis-network library; reinstall pyvis")
    folder = versions[-1]
    js = (folder / "vis-network.min.js").read_text(encoding="utf-8")
    css = (folder / "vis-network.css").read_text(encoding="utf-8")
    # The source-map comment would make developer tools fetch a file that is not
    # there; the page must ask for nothing.
    js = re.sub(r"\n//# sourceMappingURL=[^\n]*\s*\Z", "\n", js)
    for text, what in ((js, "script"), (css, "style")):
        lowered = text.lower()
        if f"</{what}" in lowered or "<!--" in lowered:
            raise RuntimeError(f"vis-network's {what} cannot be inlined safely")
    return js, css


def _template_text(name: str) -> str:
    return (resources.files("partnernet.render") / "templates" / name).read_text(encoding="utf-8")


@dataclass
class _Node:
    key: str  # the dataset's id: never written to the page
    vis_id: str
    kind: str  # "organisation" or "board"
    filter_key: str  # organisation type, or "board"
    options: dict[str, Any] = field(default_factory=dict)


def render_network_html(
    results: Results,
    *,
    colour_by: str = "type",
    size_by: str = "betweenness",
    layers: Iterable[str] | str | None = None,
    seed: int | None = None,
    max_organisations: int = MAP_LIMIT,
    changes: Any = None,
) -> str:
    """The interactive map of a dataset as one self-contained HTML page.

    The page draws :func:`network_payload` (same parameters); see there for what
    it shows.

    Returns
    -------
    str
        The page, to be written as UTF-8.

    Examples
    --------
    >>> from partnernet.analysis.pipeline import analyse
    >>> render_network_html(analyse(Dataset.from_frames())).startswith("<!DOCTYPE html>")
    True
    """
    return _page(
        network_payload(
            results,
            colour_by=colour_by,
            size_by=size_by,
            layers=layers,
            seed=seed,
            max_organisations=max_organisations,
            changes=changes,
        ),
        title="Partnership network" if changes is None else "What changed: partnership network",
    )


def network_payload(
    results: Results,
    *,
    colour_by: str = "type",
    size_by: str = "betweenness",
    layers: Iterable[str] | str | None = None,
    seed: int | None = None,
    max_organisations: int = MAP_LIMIT,
    changes: Any = None,
) -> dict[str, Any]:
    """Everything the interactive map draws, as plain JSON-ready data.

    Other writers (GEXF for Gephi) use it to give the same positions, colours and
    sizes as the map. Its ``nodes`` are vis-network node dicts with at least
    ``id`` (opaque, ``n0``...), ``label`` (shortened name), ``name`` (full name),
    ``x``, ``y`` (pixels, y downwards), ``size`` (radius in pixels), ``color``
    (``{"background": "#rrggbb", ...}``), ``kind`` ("organisation" or "board")
    and ``ftype`` (organisation type or "board"); its ``edges`` have ``from``,
    ``to``, ``layer``, ``width`` and ``color``; ``legend``, ``filters``, ``groups``
    and ``subtitle`` describe the page around them.

    Organisations are dots (brokers are stars, under-connected organisations have
    a dashed red ring), boards are diamonds, departments hang on their public body
    by a dashed tie. The page has a legend, plain-text tooltips with each
    organisation's figures, a search box, and filters by type and by layer.

    Parameters
    ----------
    results : Results
        One analysis run (:func:`partnernet.analysis.pipeline.analyse`); the map
        draws its multilayer graph and stars its top brokers, building nothing.
    colour_by : {"type", "size_band", "community"}
    size_by : {"betweenness", "degree", "funding"}
        ``funding`` is pounds given plus pounds received.
    layers : organisation-graph layers to draw (names from ``ORG_GRAPH_LAYERS``,
        any case, or one comma-separated string); None draws the layers the
        results were computed on, or all. Departments' ties to their body are
        always drawn; boards only with ``MEMBER_OF``.
    seed : seeds the layout; None uses ``results.seed``.
    max_organisations : with more organisations than this, the map draws at most
        this many nodes (see :func:`_most_notable`): every public body,
        infrastructure body and top broker first, then the rest by the ``size_by``
        measure, and up to a tenth of the room for the boards joining them. The
        heading says how many of how many are shown.
    changes : a :class:`partnernet.render.difference.MapChanges`: draw the
        difference map of ``partnernet compare`` (new ties and organisations
        highlighted, lost ties faint) instead.

    Examples
    --------
    >>> from partnernet.analysis.pipeline import analyse
    >>> network_payload(analyse(Dataset.from_frames()))["nodes"]
    []
    """
    if colour_by not in COLOUR_BY:
        raise ValueError(f"colour_by must be one of {', '.join(COLOUR_BY)}, not {colour_by!r}")
    if size_by not in SIZE_BY:
        raise ValueError(f"size_by must be one of {', '.join(SIZE_BY)}, not {size_by!r}")
    if layers is None and results.layers:
        layers = results.layers
    chosen = set(parse_layers(layers))
    drawn_layers = [layer for layer in DRAWN_LAYERS if layer == "PART_OF" or layer in chosen]
    seed = results.seed if seed is None else seed

    ds = results.dataset
    G = results.multilayer
    metrics = _metrics_by_id(results.metrics)
    names = {n: plain_text(d.get("name")) or "(no name)" for n, d in G.nodes(data=True)}
    nodes: dict[str, _Node] = {}
    for key, data in G.nodes(data=True):
        kind = data["node_kind"]
        if kind == "board" and "MEMBER_OF" not in chosen:
            continue
        filter_key = "board" if kind == "board" else data["type"]
        nodes[key] = _Node(key, f"n{len(nodes)}", kind, filter_key)

    given = _funding_given(ds)
    received = _funding_received(ds)
    brokers = list(results.top_brokers)
    broker_rank = {org_id: rank for rank, org_id in enumerate(brokers, start=1)}
    size_values = _size_values(nodes, metrics, size_by, given, received)
    all_organisations = len(size_values)
    all_boards = len(nodes) - all_organisations
    if all_organisations > max_organisations:
        nodes = _most_notable(nodes, G, size_values, set(broker_rank), max_organisations)
        size_values = {k: v for k, v in size_values.items() if k in nodes}
    edges = _aggregate_edges(G, nodes, drawn_layers, names)
    flagged = flagged_groups_by_member(results)
    max_value = max(size_values.values(), default=0.0)
    colours, legend = _colours(nodes, G, metrics, colour_by)
    organisations_drawn = sum(1 for node in nodes.values() if node.kind == "organisation")
    # A city or more is a hairball under one force layout: communities are placed
    # first and their members within them, so the groups can be seen.
    by_community = organisations_drawn >= COMMUNITY_LAYOUT_FROM
    communities = _communities(nodes, metrics) if by_community else None
    positions = _layout(list(nodes), edges, seed=seed, communities=communities)
    # At a city's size every flagged group ringed at once rings most of the map:
    # rings wait for the reader to pick a group.
    rings_by_default = not by_community
    band = band_position(results.metrics) if not results.metrics.empty else None
    band_rows = band.to_dict(orient="index") if band is not None else {}
    cut_off = removal_sentences(results)

    vis_nodes: list[dict[str, Any]] = []
    for key, node in nodes.items():
        data = G.nodes[key]
        x, y = positions[key]
        if node.kind == "board":
            title = _board_tooltip(key, data, G, names)
            options = {
                "size": BOARD_SIZE,
                "color": _node_colour(BOARD_COLOUR, BOARD_COLOUR),
                "font": {"size": 15, "color": "#374151"},
            }
            shape = "diamond"
        else:
            facts = _organisation_facts(
                metrics.get(key, {}), given.get(key, 0.0), band_rows.get(key)
            )
            title = _organisation_tooltip(
                key, data, metrics.get(key, {}), dict(facts), names, broker_rank, flagged
            )
            size = _scaled(size_values.get(key, 0.0), max_value)
            is_broker = key in broker_rank
            is_under = key in flagged or bool(metrics.get(key, {}).get("under_connected"))
            shape = "star" if is_broker else "dot"
            notable = is_broker or data["public_body"] or size >= LABEL_SIZE
            notable = notable or data["type"] in ("infrastructure", "funder")
            # Who is labelled first, wherever the page can fit them (network.js):
            # brokers, infrastructure and the heads of public bodies, then their
            # departments; everyone else once the reader zooms in.
            if is_broker or data["type"] == "infrastructure":
                tier = 1
            elif data["public_body"]:
                tier = 2 if data["type"] == "department" else 1
            else:
                tier = 3
            border = BROKER_BORDER if is_broker else "#ffffff"
            options = {
                "size": size * (1.25 if is_broker else 1.0),
                "color": _node_colour(colours[key], border),
                "borderWidth": 2 if is_broker else 1,
                "font": {"size": 18 if notable else 10, "color": "#222222"},
                "mass": 1 + size / MAX_NODE_SIZE,
                # The page can take the ring off and put it back (see network.js).
                "plainBorder": border,
                "plainBorderWidth": 2 if is_broker else 1,
                "tier": tier,
                "facts": facts,
                "marks": _organisation_marks(key, metrics.get(key, {}), broker_rank, flagged),
            }
            if key in cut_off:
                options["cutOff"] = cut_off[key]
            if is_under:
                options["under"] = True
                if rings_by_default:
                    options["color"] = _node_colour(colours[key], UNDER_CONNECTED_BORDER)
                    options["borderWidth"] = 2
        vis_nodes.append(
            vis_node(
                node.vis_id,
                label=plain_text(names[key], limit=LABEL_LIMIT),
                shape=shape,
                title=title,
                x=x,
                y=y,
                name=names[key],
                kind=node.kind,
                ftype=node.filter_key,
                **options,
            )
        )
    vis_edges = [
        vis_edge(nodes[edge.source].vis_id, nodes[edge.target].vis_id, _edge_options(edge, number))
        for number, edge in enumerate(edges)
    ]

    options = _vis_options(seed=seed, n_nodes=len(nodes))
    listed_groups, groups_not_listed = _listed_groups(_flagged_groups(results, nodes))
    payload = {
        "nodes": vis_nodes,
        "edges": vis_edges,
        "options": options,
        "subtitle": _subtitle(nodes, edges, colour_by, size_by, all_organisations, all_boards),
        "linesNote": _lines_note(results, nodes, edges, drawn_layers, all_organisations),
        "meanings": {key: list(value) for key, value in FIGURE_MEANINGS.items()},
        "ringsByDefault": rings_by_default,
        "legend": {
            "colourTitle": legend[0],
            "colours": legend[1],
            "size": "Size: " + SIZE_LABELS[size_by] + ".",
            "marks": _marks(nodes, broker_rank, flagged, metrics),
        },
        "groups": listed_groups,
        "groupsNotListed": groups_not_listed,
        "filters": {
            "types": _type_filters(nodes),
            "layers": [
                {
                    "key": layer,
                    "label": LAYER_STYLES[layer]["label"],
                    "colour": LAYER_STYLES[layer]["colour"],
                    "dashes": LAYER_STYLES[layer]["dashes"],
                    "count": sum(1 for e in edges if e.layer == layer),
                }
                for layer in drawn_layers
                if any(e.layer == layer for e in edges)
            ],
        },
    }
    if changes is not None:
        from partnernet.render.difference import mark_changes

        mark_changes(payload, {k: n.vis_id for k, n in nodes.items()}, changes)
    return payload


def check_map_path(path: str | os.PathLike[str]) -> Path:
    """Check, before any work, that the map can be written to ``path``.

    Its folder is created when missing (the output-folder policy of every command,
    :func:`partnernet.io.folders.prepare_output_folder`); a path that is a folder,
    or a folder that cannot be written, raises :class:`partnernet.errors.OutputError`.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     check_map_path(Path(tmp) / "new" / "map.html").parent.is_dir()
    True
    """
    target = Path(path)
    if target.is_dir():
        raise OutputError(
            f"cannot write {target}: it is a folder.",
            hint=f"Give a file name, e.g. --out {target / 'network.html'}.",
        )
    prepare_output_folder(target.parent)
    return target


def write_network(path: str | os.PathLike[str], results: Results, **options: Any) -> Path:
    """Render the map (see :func:`render_network_html`) and write it atomically.

    The folder must exist; any problem writing raises
    :class:`partnernet.errors.OutputError` and leaves an existing file untouched.
    """
    html = render_network_html(results, **options)
    target = Path(path)
    atomic_write_text(target, html)
    return target


def _page(payload: dict[str, Any], *, title: str = "Partnership network") -> str:
    vis_js, vis_css = _vis_assets()
    app_js = _template_text("network.js")
    page_css = _template_text("network.css")
    csp = "; ".join(
        [
            "default-src 'none'",
            f"script-src {csp_hash(vis_js)} {csp_hash(app_js)}",
            f"style-src {csp_hash(vis_css)} {csp_hash(page_css)}",
            "img-src data:",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )
    return _TEMPLATES.get_template("network.html").render(
        title=title,
        csp=csp,
        data_json=Markup(script_json(payload)),
        vis_js=Markup(vis_js),
        vis_css=Markup(vis_css),
        app_js=Markup(app_js),
        page_css=Markup(page_css),
    )


def _metrics_by_id(metrics: pd.DataFrame) -> dict[str, dict[str, Any]]:
    if metrics.empty:
        return {}
    return {str(row["id"]): row for row in frame_records(metrics)}


@dataclass
class _Edge:
    source: str
    target: str
    layer: str
    arrow: bool
    title: str
    width: float


def _aggregate_edges(
    G: Any, nodes: dict[str, _Node], layers: list[str], names: dict[str, str]
) -> list[_Edge]:
    """One drawn edge per (source, target, layer): several grants become one line."""
    grouped: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    wanted = set(layers)
    # Only the drawn sources' edges are visited (a fifth of a region's graph), in
    # the order G.edges gives them: G's node order, then each node's own.
    sources = [n for n in G if n in nodes]
    for u, v, data in G.edges(sources, data=True):
        layer = data["layer"]
        if layer in wanted and v in nodes and u != v:
            grouped[(u, v, layer)].append(data)
    out = []
    for (u, v, layer), facts in grouped.items():
        a, b = names[u], names[v]
        if layer == "FUNDS":
            # Pounds are added; any other currency is stated beside them (issue 11).
            by_currency: dict[str, list[float]] = defaultdict(list)
            for f in facts:
                by_currency[str(f.get("currency") or POUNDS).upper()].append(f["amount"])
            pounds = by_currency.pop(POUNDS, [])
            total = sum(pounds)
            count = len(facts)
            title = f"Funding: {a} → {b}\n{count:,} award{'s' if count != 1 else ''}"
            if pounds:
                title += f", {wording.money(total)} in total"
            for code in sorted(by_currency):
                title += f"; {len(by_currency[code]):,} in {code}, "
                title += wording.money_in(sum(by_currency[code]), code)
            out.append(_Edge(u, v, layer, True, title, 1 + min(math.log10(1 + total / 1000), 4)))
        elif layer == "MEMBER_OF":
            roles = sorted({str(f.get("role") or "member").replace("_", "-") for f in facts})
            title = f"Board: {a} sits on {b}\nRole: {', '.join(roles)}"
            out.append(_Edge(u, v, layer, False, title, 1.0))
        elif layer == "PARTNERS_WITH":
            kinds = sorted({str(f["kind"]).replace("_", " ") for f in facts if f.get("kind")})
            directed = any(f.get("directed") for f in facts)
            weight = sum(float(f.get("weight") or 1.0) for f in facts)
            title = f"Partnership: {a} {'→' if directed else '↔'} {b}"
            if kinds:
                title += f"\nKind: {', '.join(kinds)}"
            title += f"\nWeight: {wording.number(weight)}"
            out.append(_Edge(u, v, layer, directed, title, 1 + min(weight, 4) / 2))
        elif layer == "PART_OF":
            out.append(_Edge(u, v, layer, False, f"{a} is a department of {b}", 2.0))
        elif layer == "SHARES_PERSON":
            count = sum(int(f.get("count") or 1) for f in facts)
            title = (
                f"Shared people: {a} ↔ {b}\n{count:,} trustee{'s' if count != 1 else ''} "
                "or staff in common"
            )
            out.append(_Edge(u, v, layer, False, title, 1 + min(count, 4) / 2))
    return out


def _edge_options(edge: _Edge, number: int) -> dict[str, Any]:
    style = LAYER_STYLES[edge.layer]
    options: dict[str, Any] = {
        "id": f"e{number}",
        "layer": edge.layer,
        "title": edge.title,
        "width": round(edge.width, 2),
        "color": {"color": style["colour"], "highlight": "#111111", "opacity": 0.45},
        "dashes": [6, 4] if style["dashes"] else False,
        "arrows": {"to": {"enabled": edge.arrow, "scaleFactor": 0.5}},
    }
    if edge.layer == "PART_OF":
        # A short, stiff spring keeps each department beside its body.
        options["length"] = 40
        options["color"]["opacity"] = 0.8
    return options


def _funding_given(ds: Dataset) -> dict[str, float]:
    given = in_pounds(ds.funding).groupby("funder_id")["amount"].sum()
    return {str(org_id): float(amount) for org_id, amount in given.items()}


def _funding_received(ds: Dataset) -> dict[str, float]:
    received = in_pounds(ds.funding).groupby("recipient_id")["amount"].sum()
    return {str(org_id): float(amount) for org_id, amount in received.items()}


def _size_values(
    nodes: dict[str, _Node],
    metrics: dict[str, dict[str, Any]],
    size_by: str,
    given: dict[str, float],
    received: dict[str, float],
) -> dict[str, float]:
    values = {}
    for key, node in nodes.items():
        if node.kind != "organisation":
            continue
        if size_by == "funding":
            value = given.get(key, 0.0) + received.get(key, 0.0)
        else:
            value = metrics.get(key, {}).get(size_by, 0.0)
        values[key] = float(value) if _is_number(value) else 0.0
    return values


def _scaled(value: float, max_value: float) -> float:
    """Area proportional to the value: the eye compares areas, not radii."""
    if max_value <= 0:
        return MIN_NODE_SIZE + 3
    return round(MIN_NODE_SIZE + (MAX_NODE_SIZE - MIN_NODE_SIZE) * math.sqrt(value / max_value), 2)


def _is_number(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _node_colour(fill: str, border: str) -> dict[str, Any]:
    return {
        "background": fill,
        "border": border,
        "highlight": {"background": fill, "border": "#000000"},
        "hover": {"background": fill, "border": "#000000"},
    }


def _colours(
    nodes: dict[str, _Node], G: Any, metrics: dict[str, dict[str, Any]], colour_by: str
) -> tuple[dict[str, str], tuple[str, list[dict[str, Any]]]]:
    orgs = [k for k, n in nodes.items() if n.kind == "organisation"]
    colours: dict[str, str] = {}
    counts: dict[str, int] = defaultdict(int)
    if colour_by == "type":
        for key in orgs:
            org_type = G.nodes[key]["type"]
            colours[key] = TYPE_COLOURS.get(org_type, UNKNOWN_COLOUR)
            counts[org_type] += 1
        entries = [
            {"label": TYPE_LABELS[t], "colour": TYPE_COLOURS[t], "count": counts[t]}
            for t in ORG_TYPES
            if counts[t]
        ]
        return colours, ("Colour: organisation type", entries)
    if colour_by == "size_band":
        for key in orgs:
            band = G.nodes[key].get("size_band") or "unknown"
            colours[key] = SIZE_BAND_COLOURS.get(band, UNKNOWN_COLOUR)
            counts[band] += 1
        entries = [
            {
                "label": band.replace("_", " ").capitalize(),
                "colour": SIZE_BAND_COLOURS[band],
                "count": counts[band],
            }
            for band in SIZE_BANDS
            if counts[band]
        ]
        if counts["unknown"]:
            entries.append(
                {
                    "label": "Unknown or not banded",
                    "colour": UNKNOWN_COLOUR,
                    "count": counts["unknown"],
                }
            )
        return colours, ("Colour: size band (income)", entries)
    community_of: dict[str, Any] = {}
    for key in orgs:
        value: Any = metrics.get(key, {}).get("community")
        community_of[key] = int(value) if _is_number(value) else None
        counts[str(community_of[key])] += 1
    ranked = sorted((c for c in counts if c != "None"), key=lambda c: (-counts[c], int(c)))[
        : len(COMMUNITY_COLOURS)
    ]
    palette = {c: COMMUNITY_COLOURS[i] for i, c in enumerate(ranked)}
    for key in orgs:
        colours[key] = palette.get(str(community_of[key]), UNKNOWN_COLOUR)
    entries = [
        {"label": f"Community {c}", "colour": palette[c], "count": counts[c]} for c in ranked
    ]
    rest = len(orgs) - sum(counts[c] for c in ranked)
    if rest:
        entries.append({"label": "Other communities", "colour": UNKNOWN_COLOUR, "count": rest})
    return colours, ("Colour: detected community", entries)


def _organisation_tooltip(
    key: str,
    data: dict[str, Any],
    row: dict[str, Any],
    shown: dict[str, str],
    names: dict[str, str],
    broker_rank: dict[str, int],
    flagged: dict[str, list[str]],
) -> str:
    """The hover text; ``shown`` is :func:`_organisation_facts` (figures as written)."""
    lines = [names[key]]
    kind = TYPE_LABELS.get(data["type"], data["type"])
    if data["type"] == "department" and data.get("parent_id") in names:
        kind += f" of {names[data['parent_id']]}"
    facts = [kind]
    if data.get("size_band"):
        facts.append(f"size band: {data['size_band'].replace('_', ' ')}")
    if data.get("locality"):
        facts.append(plain_text(data["locality"], limit=40))
    lines.append(" · ".join(facts))
    lines += _organisation_marks(key, row, broker_rank, flagged)
    if row:
        lines.append(f"Partners: {shown['degree']} · Betweenness: {shown['betweenness']}")
        lines.append(
            f"Board seats: {shown['board_seats']} · "
            f"Hops to a decision maker: {shown['distance_to_decision']}"
        )
        if "funding_received" in shown:
            lines.append(
                f"Funding received: {shown['funding_received']} "
                f"(from public bodies {shown['funding_from_public']})"
            )
        roles = [f"{role} {shown[role]}" for role in BROKERAGE_ROLES if role in shown]
        if roles:
            lines.append("Brokerage roles: " + ", ".join(roles))
        if "community" in shown:
            lines.append(f"Community: {shown['community']}")
    if "funding_given" in shown:
        lines.append(f"Funding given: {shown['funding_given']}")
    return "\n".join(lines)


def _organisation_marks(
    key: str, row: dict[str, Any], broker_rank: dict[str, int], flagged: dict[str, list[str]]
) -> list[str]:
    """Its star and its ring, in words (the tooltip and the details panel)."""
    marks = []
    if key in broker_rank:
        marks.append(f"★ Top broker (rank {broker_rank[key]} of {len(broker_rank)})")
    if key in flagged:
        marks.append("Under-connected group: " + "; ".join(flagged[key]))
    elif row.get("under_connected"):
        marks.append("In an under-connected group")
    return marks


def _board_tooltip(key: str, data: dict[str, Any], G: Any, names: dict[str, str]) -> str:
    members = {u for u, _, d in G.in_edges(key, data=True) if d["layer"] == "MEMBER_OF"}
    lines = [names[key], "Board or forum"]
    facts = [plain_text(data[f], limit=40) for f in ("level", "theme") if data.get(f)]
    if facts:
        lines.append(" · ".join(facts))
    lines.append(f"Member organisations: {len(members):,}")
    convener = data.get("convener_id")
    if convener in names:
        lines.append(f"Convened by: {names[convener]}")
    return "\n".join(lines)


def _layout(
    keys: list[str],
    edges: list[_Edge],
    *,
    seed: int,
    communities: dict[str, int] | None = None,
) -> dict[str, tuple[float, float]]:
    """Seeded Fruchterman-Reingold positions in vis-network's pixel space.

    With ``communities`` (a group for each key), each group is laid out on its own
    and placed as a disc where the groups' layout puts it (see
    :func:`_community_layout`), so communities show as groups, not one hairball.
    """
    n = len(keys)
    if n == 0:
        return {}
    index = {key: i for i, key in enumerate(keys)}
    pairs: dict[tuple[int, int], float] = {}
    for edge in edges:
        a, b = sorted((index[edge.source], index[edge.target]))
        # Departments are pulled hard towards their body, so they are drawn together.
        weight = 15.0 if edge.layer == "PART_OF" else 1.0
        pairs[(a, b)] = pairs.get((a, b), 0.0) + weight
    tied = np.zeros(n, dtype=bool)
    for a, b in pairs:
        tied[a] = tied[b] = True
    if communities is not None and tied.any():
        group = np.array([communities.get(key, -1) for key in keys], dtype=np.int64)
        coords = _community_layout(n, pairs, group, tied, seed=seed)
    else:
        coords = _force_layout(n, pairs, seed=seed)
        if tied.any():
            coords -= coords[tied].mean(axis=0)
            radius = np.hypot(coords[tied, 0], coords[tied, 1])
            spread = float(np.percentile(radius, 95)) or 1.0
            coords *= (35.0 * math.sqrt(int(tied.sum())) + 100.0) / spread
            coords[:, 0] *= LANDSCAPE
    if not tied.all():
        # Organisations with no tie would be flung to the edge and shrink the
        # connected map to a speck when it is fitted to the screen: they are lined
        # up in a block underneath instead.
        _grid_below(coords, tied)
    return {
        key: (round(float(x), 1), round(float(y), 1))
        for key, (x, y) in zip(keys, coords, strict=True)
    }


def _force_layout(
    n: int, pairs: dict[tuple[int, int], float], *, seed: int, grid_from: int = GRID_LAYOUT_FROM
) -> np.ndarray:
    """igraph's Fruchterman-Reingold on ``n`` nodes and weighted ``pairs``, seeded;
    on a grid from ``grid_from`` nodes."""
    g = ig.Graph(n=n, edges=list(pairs))
    # igraph draws from one process-wide generator; give it a seeded one for this
    # layout only, so the same data and seed always give the same picture.
    ig.set_random_number_generator(random.Random(seed))
    try:
        layout = g.layout_fruchterman_reingold(
            weights=list(pairs.values()) or None, niter=FORCE_ITERATIONS, grid=n >= grid_from
        )
    finally:
        ig.set_random_number_generator(random)
    return np.asarray(layout.coords, dtype=float).reshape(n, 2)


def _community_layout(
    n: int,
    pairs: dict[tuple[int, int], float],
    group: np.ndarray,
    tied: np.ndarray,
    *,
    seed: int,
) -> np.ndarray:
    """Communities placed first, then their members within them.

    The groups are laid out by the ties between them (Fruchterman-Reingold on the
    graph of communities, weighted by the ties across), each as a disc of area in
    proportion to its members, pushed apart until no two discs overlap and
    stretched to a landscape screen; each community's members are laid out on their
    own ties inside their disc. Tied organisations without a community (boards)
    join the community most of their neighbours are in. Cost: one small layout
    per community, and the overlap passes over the discs (``k**2`` for ``k``
    groups, at most ``MAX_GROUPS_DRAWN``).
    """
    coords = np.zeros((n, 2), dtype=float)
    # Communities too small to show as a group, boards and anything else without a
    # community join their neighbours' most common group (a few passes over the
    # ties, so chains of them are reached); what no group reaches (small separate
    # parts) is one group of its own.
    sizes = np.bincount(group[tied & (group >= 0)], minlength=int(group.max()) + 1)
    # At most MAX_GROUPS_DRAWN groups, the largest (ties to the smaller number): the
    # discs are pushed apart pairwise, and more groups than this read as confetti.
    order = np.lexsort((np.arange(len(sizes)), -sizes))
    shown = np.zeros(len(sizes), dtype=bool)
    shown[order[:MAX_GROUPS_DRAWN]] = True
    shown &= sizes >= MIN_GROUP_DRAWN
    small = (group < 0) | ~shown[np.maximum(group, 0)]
    group[small] = -1
    for _ in range(3):
        votes: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for a, b in pairs:
            if group[a] < 0 <= group[b]:
                votes[a][int(group[b])] += 1
            if group[b] < 0 <= group[a]:
                votes[b][int(group[a])] += 1
        if not votes:
            break
        for node, counts in votes.items():
            group[node] = max(counts, key=lambda c: (counts[c], -c))
    group[tied & (group < 0)] = group.max() + 1
    members: dict[int, list[int]] = defaultdict(list)
    for tied_node in np.flatnonzero(tied):
        members[int(group[tied_node])].append(int(tied_node))
    labels = sorted(members, key=lambda c: (-len(members[c]), c))
    slot = {c: i for i, c in enumerate(labels)}
    k = len(labels)
    inside: dict[int, dict[tuple[int, int], float]] = defaultdict(dict)
    across: dict[tuple[int, int], float] = {}
    for (a, b), weight in pairs.items():
        ga, gb = int(group[a]), int(group[b])
        if ga == gb:
            inside[ga][(a, b)] = weight
        else:
            key = (min(slot[ga], slot[gb]), max(slot[ga], slot[gb]))
            across[key] = across.get(key, 0.0) + 1.0
    # Each node gets about the room it has in the one-layout map.
    cell = 30.0
    radius = np.array([cell * math.sqrt(len(members[c])) for c in labels], dtype=float)
    centres = _force_layout(k, across, seed=seed) if k > 1 else np.zeros((1, 2))
    centres -= np.median(centres, axis=0)
    # Groups with no tie across are flung far by the force layout: bring them in
    # to the rim, then push the discs apart until none overlap.
    distance = np.hypot(centres[:, 0], centres[:, 1])
    rim = float(np.percentile(distance, 80)) if k > 1 else 1.0
    far = distance > rim
    centres[far] *= (rim / distance[far])[:, None]
    centres *= math.sqrt(float((radius**2).sum())) / (rim or 1.0)
    centres = _separate_discs(centres, radius)
    centres[:, 0] *= LANDSCAPE
    for c in labels:
        nodes = members[c]
        local = {node: i for i, node in enumerate(nodes)}
        sub = {(local[a], local[b]): w for (a, b), w in inside[c].items()}
        xy = (
            _force_layout(len(nodes), sub, seed=seed, grid_from=GROUP_GRID_LAYOUT_FROM)
            if len(nodes) > 1
            else np.zeros((1, 2))
        )
        xy -= xy.mean(axis=0)
        spread = float(np.percentile(np.hypot(xy[:, 0], xy[:, 1]), 95)) if len(nodes) > 1 else 1.0
        xy *= 0.9 * radius[slot[c]] / (spread or 1.0)
        # A member with no tie inside its community would fly off: keep it in the disc.
        distance = np.hypot(xy[:, 0], xy[:, 1])
        outside = distance > radius[slot[c]]
        xy[outside] *= (radius[slot[c]] / distance[outside])[:, None]
        coords[nodes] = xy + centres[slot[c]]
    return coords


def _separate_discs(centres: np.ndarray, radius: np.ndarray, *, gap: float = 40.0) -> np.ndarray:
    """Push overlapping discs apart (all pairs at once, vectorised), keeping the
    layout's arrangement."""
    centres = centres.copy()
    if len(centres) < 2:
        return centres
    need = radius[:, None] + radius[None, :] + gap
    np.fill_diagonal(need, 0.0)
    for _ in range(200):
        delta = centres[:, None, :] - centres[None, :, :]
        distance = np.hypot(delta[..., 0], delta[..., 1])
        np.fill_diagonal(distance, np.inf)
        overlap = need - distance
        if (overlap <= 0).all():
            break
        push = np.where(overlap > 0, overlap / 2.0, 0.0) / np.maximum(distance, 1e-6)
        np.fill_diagonal(push, 0.0)
        centres += (delta * push[..., None]).sum(axis=1) * 0.5
        centres += np.where(distance == 0, 1.0, 0.0).sum(axis=1)[:, None]
    return centres


def _communities(nodes: dict[str, _Node], metrics: dict[str, dict[str, Any]]) -> dict[str, int]:
    """Each drawn organisation's detected community (organisations without one and
    boards are placed with their neighbours by :func:`_community_layout`)."""
    out = {}
    for key, node in nodes.items():
        value: Any = metrics.get(key, {}).get("community")
        if node.kind == "organisation" and _is_number(value):
            out[key] = int(value)
    return out


def _organisation_facts(
    row: dict[str, Any], given: float, band: dict[str, Any] | None
) -> list[list[str]]:
    """The figures the details panel explains (keys of ``FIGURE_MEANINGS``), as
    written text, and how the organisation stands in its size band."""
    facts: list[list[str]] = []
    if row:
        for key in ("degree", "betweenness", "board_seats", "distance_to_decision"):
            facts.append(
                [key, wording.number(row.get(key), digits=4 if key == "betweenness" else 2)]
            )
        received: Any = row.get("funding_received")
        if _is_number(received) and float(received) > 0:
            facts.append(["funding_received", wording.money(received)])
            facts.append(["funding_from_public", wording.money(row.get("funding_from_public"))])
    if given > 0:
        facts.append(["funding_given", wording.money(given)])
    for role in BROKERAGE_ROLES:
        if _is_number(row.get(role)) and float(row.get(role) or 0) > 0:
            facts.append([role, wording.number(row.get(role))])
    if _is_number(row.get("community")):
        facts.append(["community", wording.number(int(row["community"]))])
    if band and _is_number(band.get("band_n")) and band["band_n"] > 1:
        others = int(band["band_n"]) - 1
        facts.append(
            [
                "band",
                f"more partners than {wording.percent(band['degree_below'])} and a higher "
                f"betweenness than {wording.percent(band['betweenness_below'])} of the "
                f"{wording.count(others, 'other organisation')} of its size band",
            ]
        )
    return facts


def _lines_note(
    results: Results,
    nodes: dict[str, _Node],
    edges: list[_Edge],
    drawn_layers: list[str],
    all_organisations: int,
) -> str:
    """Why the map's lines are not the report's ties, in figures."""
    lines = wording.count(len(edges), "line")
    drawn = sum(1 for n in nodes.values() if n.kind == "organisation")
    network = results.summary.network
    ties = wording.count(network.ties, "tie")
    if drawn < all_organisations:
        return (
            f"The report's {ties} join all {wording.count(all_organisations, 'organisation')}; "
            "the lines here join only those drawn."
        )
    if any(layer not in drawn_layers for layer in network.ties_by_layer):
        return f"Only some kinds of tie are drawn: the report's {ties} count every kind."
    board_lines = sum(1 for e in edges if e.layer == "MEMBER_OF")
    board_ties = int(network.ties_by_layer.get("MEMBER_OF", 0))
    text = (
        f"{lines} drawn for the report's {ties} between "
        "organisations: two organisations tied in several ways (funding, partnership, a "
        "shared person) get one line for each way"
    )
    if board_lines:
        text += (
            f", and boards are drawn as {wording.count(board_lines, 'line')} to their "
            f"members where the report counts {wording.count(board_ties, 'tie')} between "
            "members sharing a board"
        )
    return text + "."


def _grid_below(coords: np.ndarray, tied: np.ndarray, *, cell: float = 45.0) -> None:
    loose = np.flatnonzero(~tied)
    if tied.any():
        left, right = coords[tied, 0].min(), coords[tied, 0].max()
        top = coords[tied, 1].max() + 3 * cell
    else:
        left, right, top = 0.0, cell * math.sqrt(len(loose)), 0.0
    columns = max(int((right - left) // cell) + 1, 1)
    for i, node in enumerate(loose):
        coords[node] = (left + (i % columns) * cell, top + (i // columns) * cell)


def vis_node(
    vis_id: str, *, label: str, shape: str, color: Any = "#97c2fc", **options: Any
) -> dict[str, Any]:
    """One vis.js node as pyvis's ``Network.add_node`` builds it (pyvis 0.3.2, no
    font colour set): its colour, then the other options in the order given, then
    ``id``, ``label`` (the id when the label is empty) and ``shape``. The key order
    is the order of the page's JSON, so it is kept."""
    node = {"color": color, **options}
    node.update(id=vis_id, label=label or vis_id, shape=shape)
    return node


def vis_edge(source: str, target: str, options: dict[str, Any]) -> dict[str, Any]:
    """One vis.js edge as pyvis's ``Edge`` builds it: the options, then ``from`` and
    ``to`` (its ``directed`` flag only sets ``arrows``, which every edge here sets).
    pyvis's own ``add_edge`` is not mirrored: it looks for a duplicate by scanning
    every edge, which is quadratic, and these edges are already unique."""
    edge = dict(options)
    edge.update({"from": source, "to": target})
    return edge


# pyvis 0.3.2's default ``Network`` options (``Options.to_json``, keys sorted) after
# ``toggle_physics(False)``, ``toggle_stabilization(False)`` and straight edges
# that do not inherit their nodes' colour; tests/test_render_network.py checks this
# against pyvis itself. The layout is precomputed: no simulation, so nothing moves
# or burns CPU. Straight lines: curved "dynamic" edges would each add a hidden
# physics node.
_PYVIS_OPTIONS = """{
  "configure": {"enabled": false},
  "edges": {"color": {"inherit": false}, "smooth": {"enabled": false, "type": "dynamic"}},
  "interaction": {"dragNodes": true, "hideEdgesOnDrag": false, "hideNodesOnDrag": false},
  "physics": {
    "enabled": false,
    "stabilization": {
      "enabled": false, "fit": true, "iterations": 1000, "onlyDynamicEdges": false,
      "updateInterval": 50
    }
  }
}"""


def _vis_options(*, seed: int, n_nodes: int) -> dict[str, Any]:
    options: dict[str, Any] = json.loads(_PYVIS_OPTIONS)
    options["interaction"].update(
        {
            "hover": True,
            "tooltipDelay": 120,
            "hideEdgesOnDrag": n_nodes > LARGE_MAP,
            "hideEdgesOnZoom": n_nodes > LARGE_MAP,
            "navigationButtons": False,
            "keyboard": False,
        }
    )
    options["layout"] = {"randomSeed": seed, "improvedLayout": False}
    options["nodes"] = {
        "font": {"face": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"},
        # Labels smaller than this many screen pixels are left out until the
        # reader zooms in: big organisations stay named, the crowd stays legible.
        "scaling": {"label": {"drawThreshold": 8}},
    }
    options["edges"]["selectionWidth"] = 2
    return options


def _most_notable(
    nodes: dict[str, _Node],
    G: Any,
    size_values: dict[str, float],
    brokers: set[str],
    limit: int,
) -> dict[str, _Node]:
    """At most ``limit`` nodes: the organisations a reader needs most, and a tenth
    of the room for the boards that join them.

    Decision makers (public bodies), infrastructure bodies and the top brokers
    come first, since the map's three questions are about them; then the rest by
    their size measure, largest first; ties go to the smaller id, so the same data
    always draws the same map. Boards follow among those with two or more of the
    kept organisations (a board with one drawn member shows no connection), most
    drawn members first, ties by id. Node ids are numbered afresh in the order of
    ``nodes``.
    """

    def rank(key: str) -> tuple[bool, float, str]:
        data = G.nodes[key]
        first = data["public_body"] or data["type"] == "infrastructure" or key in brokers
        return (not first, -size_values[key], key)

    boards = [key for key, node in nodes.items() if node.kind == "board"]
    board_room = min(len(boards), limit // 10)
    kept = set(sorted(size_values, key=rank)[: limit - board_room])
    drawn_members = {
        board: sum(1 for member in G.predecessors(board) if member in kept) for board in boards
    }
    joining = [board for board in boards if drawn_members[board] >= 2]
    kept |= set(sorted(joining, key=lambda b: (-drawn_members[b], b))[:board_room])
    chosen: dict[str, _Node] = {}
    for key, node in nodes.items():
        if key in kept:
            chosen[key] = _Node(key, f"n{len(chosen)}", node.kind, node.filter_key)
    return chosen


def _subtitle(
    nodes: dict[str, _Node],
    edges: list[_Edge],
    colour_by: str,
    size_by: str,
    all_organisations: int,
    all_boards: int,
) -> str:
    orgs = sum(1 for n in nodes.values() if n.kind == "organisation")
    boards = len(nodes) - orgs
    if orgs < all_organisations:
        parts = [
            f"{orgs:,} of {all_organisations:,} organisations (public bodies, infrastructure "
            f"bodies and top brokers, then the largest by {size_by}; metrics.csv has every "
            "one)"
        ]
    else:
        parts = [f"{orgs:,} organisation{'s' if orgs != 1 else ''}"]
    if boards < all_boards:
        parts.append(f"{boards:,} of {all_boards:,} boards (those joining most of them)")
    elif boards:
        parts.append(f"{boards:,} board{'s' if boards != 1 else ''}")
    # "lines", not "ties": a board seat is drawn as a line to its board, where the
    # report counts ties between organisations (co-members of a board are tied).
    parts.append(f"{len(edges):,} line{'s' if len(edges) != 1 else ''} drawn")
    by = {"type": "type", "size_band": "size band", "community": "community"}[colour_by]
    return " · ".join(parts) + f" — coloured by {by}, sized by {size_by}"


def _marks(
    nodes: dict[str, _Node],
    broker_rank: dict[str, int],
    flagged: dict[str, list[str]],
    metrics: dict[str, dict[str, Any]],
) -> list[dict[str, Any]]:
    under = sum(
        1
        for k, n in nodes.items()
        if n.kind == "organisation" and (k in flagged or metrics.get(k, {}).get("under_connected"))
    )
    brokers = sum(1 for k in broker_rank if k in nodes)
    boards = sum(1 for n in nodes.values() if n.kind == "board")
    marks = [
        {"mark": "broker", "label": f"Top broker (star): {brokers:,}"},
        {"mark": "under", "label": f"In an under-connected group (red ring): {under:,}"},
    ]
    if boards:
        marks.append({"mark": "board", "label": f"Board or forum (diamond): {boards:,}"})
    return marks


def _flagged_groups(results: Results, nodes: dict[str, _Node]) -> list[dict[str, Any]]:
    """The flagged under-connected groups, each with its drawn members' node ids."""
    groups = results.groups
    if groups.empty:
        return []
    out = []
    for row in groups[groups["flagged"].astype(bool)].itertuples(index=False):
        members = [nodes[m].vis_id for m in split_ids(row.members) if m in nodes]
        if members:
            # The group's label, as the report names it ("around Marshford CVS" for a
            # community, not its number).
            label = group_label(str(row.grouping), plain_text(row.label, limit=48))
            out.append({"label": label, "count": len(members), "members": members})
    return out


def _listed_groups(groups: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """The ``GROUPS_LISTED`` groups with most drawn members (in table order), and
    how many are left out: a national map has over a hundred flagged groups."""
    if len(groups) <= GROUPS_LISTED:
        return groups, 0
    largest = sorted(range(len(groups)), key=lambda i: -groups[i]["count"])[:GROUPS_LISTED]
    return [groups[i] for i in sorted(largest)], len(groups) - GROUPS_LISTED


def _type_filters(nodes: dict[str, _Node]) -> list[dict[str, Any]]:
    counts: dict[str, int] = defaultdict(int)
    for node in nodes.values():
        counts[node.filter_key] += 1
    entries = [
        {"key": t, "label": TYPE_LABELS[t], "count": counts[t]} for t in ORG_TYPES if counts[t]
    ]
    if counts["board"]:
        entries.append({"key": "board", "label": "Boards and forums", "count": counts["board"]})
    return entries
