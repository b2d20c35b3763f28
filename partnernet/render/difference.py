"""The difference map of ``partnernet compare``: the new year's network, with new
ties and organisations highlighted and lost ties drawn faint.

:func:`partnernet.render.network.render_network_html` draws the new year's map
as usual; given ``changes=`` (a :class:`MapChanges`), it hands its payload to
:func:`mark_changes`, which only restyles what it drew and adds the lost ties,
so the map's safety (plain-text tooltips, no script from the data, its CSP) is
the map's own. Lost ties whose ends are both on the new map are drawn between
their ends' positions in the new layout; a lost tie to an organisation that
left cannot be drawn, and the legend counts them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx

from partnernet.findings import wording
from partnernet.findings.wording import plain_text

__all__ = [
    "JOINED_BORDER",
    "LOST_COLOUR",
    "LOST_STYLE",
    "NEW_TIE_COLOUR",
    "NEW_TIE_STYLE",
    "MapChanges",
    "map_changes",
    "mark_changes",
]

NEW_TIE_COLOUR = "#e8590c"
LOST_COLOUR = "#9aa5b1"
JOINED_BORDER = "#2f9e44"
# How a new tie (at least this wide) and a lost tie are drawn: the map's edges and
# the legend's swatches (network.js, markSwatch) both read these.
NEW_TIE_STYLE: dict[str, Any] = {
    "line": NEW_TIE_COLOUR,
    "width": 3.0,
    "opacity": 0.95,
    "dashes": False,
}
LOST_STYLE: dict[str, Any] = {"line": LOST_COLOUR, "width": 1.5, "opacity": 0.35, "dashes": True}
_LAYER_WORDS = {
    "FUNDS": "funding",
    "MEMBER_OF": "board seat",
    "PARTNERS_WITH": "partnership",
    "SHARES_PERSON": "shared people",
    "PART_OF": "department of",
}


@dataclass(frozen=True)
class MapChanges:
    """What the map needs of last year: its nodes, its drawn ties by (unordered pair,
    layer) with the names at each end, and the labels of the two years."""

    before_nodes: frozenset[str]
    before_edges: Mapping[tuple[str, str, str], tuple[str, str]]
    before_label: str
    after_label: str
    # This year's nodes and ties: on a map of the most notable 5,000, a tie of both
    # years between organisations not drawn is not lost, and a lost tie whose ends
    # are still here is not one "to organisations no longer here".
    after_nodes: frozenset[str] = frozenset()
    after_edges: frozenset[tuple[str, str, str]] = frozenset()


def _key(u: str, v: str, layer: str) -> tuple[str, str, str]:
    return (u, v, layer) if u <= v else (v, u, layer)


def map_changes(
    before: nx.MultiDiGraph,
    *,
    before_label: str,
    after_label: str,
    after: nx.MultiDiGraph | None = None,
) -> MapChanges:
    """The :class:`MapChanges` of last year's multilayer graph (and this year's nodes)."""
    names = {n: plain_text(d.get("name")) or "(no name)" for n, d in before.nodes(data=True)}
    edges = {
        _key(u, v, d["layer"]): (names[u], names[v])
        for u, v, d in before.edges(data=True)
        if u != v
    }
    if after is None:
        return MapChanges(frozenset(before.nodes), edges, before_label, after_label)
    now = frozenset(_key(u, v, d["layer"]) for u, v, d in after.edges(data=True) if u != v)
    return MapChanges(
        frozenset(before.nodes), edges, before_label, after_label, frozenset(after.nodes), now
    )


def mark_changes(payload: dict[str, Any], vis_ids: Mapping[str, str], changes: MapChanges) -> None:
    """Restyle the map's ``payload`` (in place) by what changed since last year."""
    key_of = {vis: key for key, vis in vis_ids.items()}
    joined = 0
    for node in payload["nodes"]:
        node_key = key_of.get(node["id"])
        if node_key is not None and node_key not in changes.before_nodes:
            joined += 1
            node["change"] = "joined"
            colour = dict(node.get("color") or {})
            colour["border"] = JOINED_BORDER
            node["color"] = colour
            node["borderWidth"] = node["plainBorderWidth"] = 4
            node["plainBorder"] = JOINED_BORDER
            node["title"] = f"New in {changes.after_label}.\n{node.get('title', '')}"
        else:
            node["change"] = "same"
    drawn: set[tuple[str, str, str]] = set()
    new_keys: set[tuple[str, str, str]] = set()  # a pair's tie, whichever way it runs
    for edge in payload["edges"]:
        u, v = key_of.get(edge["from"]), key_of.get(edge["to"])
        if u is None or v is None:
            continue
        key = _key(u, v, edge["layer"])
        drawn.add(key)
        if key in changes.before_edges or edge["layer"] == "PART_OF":
            edge["change"] = "same"
            edge["color"] = dict(edge["color"], opacity=0.3)
            continue
        new_keys.add(key)
        edge["change"] = "new"
        edge["color"] = {
            "color": NEW_TIE_COLOUR,
            "highlight": "#111111",
            "opacity": NEW_TIE_STYLE["opacity"],
        }
        edge["width"] = max(float(edge.get("width", 1.0)), NEW_TIE_STYLE["width"])
        edge["title"] = f"New in {changes.after_label}.\n{edge.get('title', '')}"
    new_ties = len(new_keys)
    lost_drawn = lost_gone = lost_hidden = 0
    for (u, v, layer), (a, b) in sorted(changes.before_edges.items()):
        if (u, v, layer) in drawn or (u, v, layer) in changes.after_edges or layer == "PART_OF":
            continue
        if u not in vis_ids or v not in vis_ids:
            if u in changes.after_nodes and v in changes.after_nodes:
                lost_hidden += 1
            else:
                lost_gone += 1
            continue
        payload["edges"].append(
            {
                "id": f"lost{lost_drawn}",
                "from": vis_ids[u],
                "to": vis_ids[v],
                "layer": "LOST",
                "change": "lost",
                "title": (
                    f"Lost since {changes.before_label}: {_LAYER_WORDS.get(layer, layer)}, "
                    f"{a} – {b}"
                ),
                "width": LOST_STYLE["width"],
                "color": {
                    "color": LOST_COLOUR,
                    "highlight": "#111111",
                    "opacity": LOST_STYLE["opacity"],
                },
                "dashes": [2, 5],
                "arrows": {"to": {"enabled": False}},
            }
        )
        lost_drawn += 1
    lost_text = f"Lost tie (faint dotted grey line): {wording.integer(lost_drawn)}"
    if lost_gone:
        lost_text += f", and {wording.integer(lost_gone)} to organisations no longer here"
    if lost_hidden:
        lost_text += f", and {wording.integer(lost_hidden)} between organisations not drawn"
    # Each swatch is drawn as the map draws the thing (network.js, markSwatch).
    payload["legend"]["marks"] = [
        {
            "mark": "joined",
            "label": "New organisation or board (green ring): " + wording.integer(joined),
            "swatch": {"ring": JOINED_BORDER},
        },
        {
            "mark": "newtie",
            "label": f"New tie (thick orange line): {wording.integer(new_ties)}",
            "swatch": dict(NEW_TIE_STYLE),
        },
        {"mark": "losttie", "label": lost_text, "swatch": dict(LOST_STYLE)},
        *payload["legend"]["marks"],
    ]
    if lost_drawn:
        payload["filters"]["layers"].append(
            {
                "key": "LOST",
                "label": "Lost ties",
                "colour": LOST_COLOUR,
                "dashes": True,
                "count": lost_drawn,
            }
        )
    payload["subtitle"] = (
        f"What changed from {changes.before_label} to {changes.after_label}, drawn on "
        f"{changes.after_label}'s network. " + str(payload.get("subtitle", ""))
    )
