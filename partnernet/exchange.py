"""The network in the formats other tools read: GEXF (Gephi), GraphML (Cytoscape,
igraph, R), Kumu's JSON blueprint and Pajek (statnet, UCINET, Pajek itself).

Which graph
-----------
Every format carries the same graph, :func:`exchange_graph`: the **organisation
graph** the measures were computed on (``Results.graph``), plus the **boards** the
map draws, each tied to the organisations that sit on it. Nothing else.

- Nodes: every organisation, with ``label`` (its full name), ``kind``
  ``"organisation"``, every metric of ``metrics.csv`` (``type``, ``size_band``,
  ``degree``, ``weighted_degree``, ``betweenness``, ``constraint``,
  ``effective_size``, the five brokerage roles, ``board_seats``,
  ``funding_received``, ``funding_from_public``, ``distance_to_decision``,
  ``community``, ``under_connected``), the fields the map shows (``sector``,
  ``parent_id``, ``locality``, ``tags``, ``public_body``) and ``top_broker`` with
  ``broker_rank``. When the run's layers include ``MEMBER_OF`` (as on the map),
  every board too: ``label``, ``kind`` and ``type`` ``"board"``, ``level``,
  ``theme``, ``convener_id``, ``members`` (member organisations). The node id is
  the dataset's id.
- Edges, undirected: ``kind`` ``"tie"``, one per tie of the organisation graph
  (``weight`` the tie's weight, ``layers`` the layers forming it, ``;``-joined, and
  one boolean per layer, ``funds``, ``member_of``, ``partners_with``,
  ``shares_person``); and ``kind`` ``"board_seat"``, one per organisation and board
  it sits on (``role``, the distinct roles ``;``-joined; ``weight`` 1). Keep the
  ``tie`` edges to get exactly the graph the metrics describe: a board seat and the
  ``MEMBER_OF`` ties between co-members are two views of the same fact.
- Never exported: people, and nothing the map and ``metrics.csv`` do not already
  show. ``affiliations.csv`` (pseudonymous people) reaches the files only as the
  ``shares_person`` layer of a tie between two organisations and its share of the
  tie's weight, as on the map: no person id, no person's role. An organisation's
  ``income``, the funding awards, departments' ``PART_OF`` lines and partnership
  kinds stay in the dataset's own files (``parent_id`` names a department's body).

Values
------
Attributes are cleaned once (:func:`clean_value`) so no writer meets a value it
cannot hold: numpy scalars become Python ``int``/``float``/``bool``; tuples and
lists are ``;``-joined strings (Kumu gets ``tags`` as a list, as its blueprint
documents; no tags is no attribute); **a missing value is omitted** from that
node or edge, never written as a placeholder: None, NaN and infinity. So, as in
``metrics.csv``, a missing ``distance_to_decision`` means no path to any decision maker, missing
``constraint``/``effective_size`` an organisation with no ties, missing
``size_band`` an unknown band. Every other attribute has one type in every node.

Names are kept exactly, markup, quotes, ampersands, tabs, newlines and all: the
XML writers escape them (a carriage return is written ``&#13;`` so an XML reader
does not turn it into a newline, and the few characters XML 1.0 cannot hold at
all, C0 controls other than tab, newline and carriage return, become U+FFFD);
JSON escapes them. Pajek has no escape: a label is written in double quotes, so
a double quote inside it becomes ``'`` and any line break, tab or other control
character a space, and a name that two nodes share is followed by ``[id]``
(networkx keys Pajek vertices by label).

Positions, colours and sizes
----------------------------
GEXF and Pajek carry the map's own layout (:func:`partnernet.render.network.
network_payload`, same seed, coloured by type and sized by betweenness): GEXF
with the ``viz`` namespace (position with y pointing up, as Gephi draws it;
colour; size; boards as diamonds), Pajek as coordinates scaled into [0, 1].
Above the map's limit (``MAP_LIMIT`` organisations) the map draws only the most
notable; the export lays out every organisation the same way, so each has a place.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from networkx.readwrite.gexf import GEXFWriter
from networkx.readwrite.graphml import GraphMLWriter

from partnernet.analysis.results import METRIC_COLUMNS, Results
from partnernet.errors import OutputError
from partnernet.findings.wording import TYPE_LABELS, plain_text
from partnernet.graph import ORG_GRAPH_LAYERS
from partnernet.io.folders import prepare_output_folder
from partnernet.io.writers import atomic_write_text
from partnernet.render.network import LAYER_STYLES, network_payload

__all__ = [
    "FORMATS",
    "check_exchange_path",
    "clean_value",
    "exchange_graph",
    "exchange_text",
    "gexf_text",
    "graphml_text",
    "kumu_blueprint",
    "pajek_text",
    "write_exchange",
]

FORMATS: tuple[str, ...] = ("gexf", "graphml", "kumu", "pajek")
SUFFIXES = {"gexf": ".gexf", "graphml": ".graphml", "kumu": ".json", "pajek": ".net"}

# Node attributes from metrics.csv (id is the node id, name its label).
_METRIC_ATTRIBUTES = tuple(c for c in METRIC_COLUMNS if c not in ("id", "name"))
# Descriptive fields of an organisation node in the organisation graph.
# Only what the map or metrics.csv already shows: income stays in organisations.csv.
_ORGANISATION_FIELDS = ("sector", "parent_id", "locality", "tags", "public_body")
_BOARD_FIELDS = ("level", "theme", "convener_id")
BOARD_TYPE = "board"
# A tie formed by several layers is drawn in a neutral grey in Gephi.
MIXED_TIE_COLOUR = "#6b7280"

# Characters XML 1.0 cannot hold even as a character reference.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# Characters that end or break a line of a Pajek file, or a quoted label in it.
_PAJEK_BREAKS = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]")


def clean_value(value: Any) -> Any:
    """``value`` as a plain Python value every writer can hold, or None to omit it.

    Numpy scalars become Python ones; None, NaN, infinity and pandas' missing
    markers become None (the attribute is left out); tuples, lists and sets
    become ``;``-joined text (sets sorted; an empty one is missing); text and
    numbers stay as they are.

    Examples
    --------
    >>> clean_value(np.int64(3)), clean_value(float("nan")), clean_value(("a", "b"))
    (3, None, 'a;b')
    >>> clean_value(np.float64("inf")) is None, clean_value(np.bool_(True))
    (True, True)
    """
    if isinstance(value, np.generic):
        value = value.item()
    if value is None:
        return None
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, tuple | list | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else list(value)
        joined = ";".join(str(clean_value(v)) for v in items if clean_value(v) is not None)
        return joined or None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):  # something pandas cannot judge is not missing
        pass
    return str(value)


def _attributes(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    out = {}
    for key, value in pairs:
        cleaned = clean_value(value)
        if cleaned is not None:
            out[key] = cleaned
    return out


def exchange_graph(results: Results, *, xml_safe: bool = False) -> nx.Graph:
    """The graph every exchange format writes (see the module docstring).

    Built from ``results`` alone: its organisation graph, its metrics table and the
    board seats of its multilayer graph; no measure is recomputed. Every value is
    one networkx's GEXF and GraphML writers accept; with ``xml_safe`` the few
    characters XML 1.0 cannot hold are replaced by U+FFFD too, as
    :func:`gexf_text` and :func:`graphml_text` do, so ``nx.write_gexf`` and
    ``nx.write_graphml`` write a file any XML reader reads.

    Examples
    --------
    >>> from partnernet.analysis.pipeline import analyse
    >>> from partnernet.model import Dataset
    >>> import pandas as pd
    >>> ds = Dataset.from_frames(
    ...     organisations=pd.DataFrame({"id": ["a", "b"], "name": ["A & co", "B"],
    ...                                 "type": ["vcse", "funder"]}),
    ...     funding=pd.DataFrame({"id": ["g"], "funder_id": ["b"], "recipient_id": ["a"],
    ...                           "amount": [100.0], "award_date": ["2024-01-01"]}))
    >>> G = exchange_graph(analyse(ds, permutations=100))
    >>> G.nodes["a"]["label"], G.nodes["a"]["degree"], G.edges["a", "b"]["layers"]
    ('A & co', 1, 'FUNDS')
    """
    org = results.graph
    multilayer = results.multilayer
    metrics = {str(row["id"]): row for row in results.metrics.to_dict(orient="records")}
    brokers = {org_id: rank for rank, org_id in enumerate(results.top_brokers, start=1)}
    G = nx.Graph(name="partnernet organisation graph")
    for key, data in org.nodes(data=True):
        row = metrics.get(key, {})
        attributes = _attributes(
            [
                ("label", data.get("name")),
                ("kind", "organisation"),
                *((column, row.get(column)) for column in _METRIC_ATTRIBUTES),
                *((field, data.get(field)) for field in _ORGANISATION_FIELDS),
                ("top_broker", key in brokers),
                ("broker_rank", brokers.get(key)),
            ]
        )
        attributes.setdefault("type", data["type"])
        G.add_node(key, **attributes)
    for a, b, data in org.edges(data=True):
        layers = tuple(data.get("layers", ()))
        G.add_edge(
            a,
            b,
            **_attributes(
                [
                    ("kind", "tie"),
                    ("weight", float(data.get("weight", 1.0))),
                    ("layers", layers),
                    *((layer.lower(), layer in layers) for layer in ORG_GRAPH_LAYERS),
                ]
            ),
        )
    if "MEMBER_OF" in results.layers:
        roles: dict[tuple[str, str], set[str]] = defaultdict(set)
        for key, data in multilayer.nodes(data=True):
            if data.get("node_kind") == "board":
                members = {
                    u
                    for u, _, d in multilayer.in_edges(key, data=True)
                    if d["layer"] == "MEMBER_OF"
                }
                G.add_node(
                    key,
                    **_attributes(
                        [
                            ("label", data.get("name")),
                            ("kind", "board"),
                            ("type", BOARD_TYPE),
                            *((field, data.get(field)) for field in _BOARD_FIELDS),
                            ("members", len(members)),
                        ]
                    ),
                )
        for u, v, data in multilayer.edges(data=True):
            if data["layer"] == "MEMBER_OF":
                roles[(u, v)].add(str(clean_value(data.get("role")) or "member"))
        for (member, board), seat_roles in roles.items():
            G.add_edge(
                member,
                board,
                kind="board_seat",
                weight=1.0,
                layers="MEMBER_OF",
                role=";".join(sorted(seat_roles)),
            )
    return _xml_safe(G) if xml_safe else G


def _map_layout(results: Results, G: nx.Graph) -> dict[str, dict[str, Any]]:
    """Each node's position, colour, size and shape as the map draws it.

    The map's payload names nodes by opaque ids (``n0``, ``n1``...) so that no
    dataset id reaches the page; its nodes come in the multilayer graph's order
    (boards only with ``MEMBER_OF``), which is matched here and checked name by name.
    """
    multilayer = results.multilayer
    organisations = sum(1 for _, d in multilayer.nodes(data=True) if d["node_kind"] != "board")
    payload = network_payload(results, max_organisations=max(organisations, 1))
    keys = [k for k in multilayer.nodes if k in G]
    drawn = payload["nodes"]
    if len(drawn) != len(keys):  # pragma: no cover - the map and this module disagree
        raise RuntimeError(f"the map draws {len(drawn)} nodes, the export has {len(keys)}")
    layout = {}
    for key, node in zip(keys, drawn, strict=True):
        expected = plain_text(multilayer.nodes[key].get("name")) or "(no name)"
        if node["name"] != expected:  # pragma: no cover - a change in the map's node order
            raise RuntimeError(f"the map's node {node['id']} is not {key!r}")
        layout[key] = node
    return layout


def _rgb(colour: str) -> dict[str, int]:
    return {"r": int(colour[1:3], 16), "g": int(colour[3:5], 16), "b": int(colour[5:7], 16)}


def _xml_safe(G: nx.Graph) -> nx.Graph:
    """A copy of ``G`` whose text XML 1.0 can hold (see the module docstring)."""

    def fix(value: Any) -> Any:
        return _XML_ILLEGAL.sub("\ufffd", value) if isinstance(value, str) else value

    H = nx.relabel_nodes(G, {n: fix(n) for n in G}, copy=True)
    for _, data in H.nodes(data=True):
        data.update({k: fix(v) for k, v in data.items()})
    for _, _, data in H.edges(data=True):
        data.update({k: fix(v) for k, v in data.items()})
    return H


def _xml_document(body: str) -> str:
    # ElementTree escapes "\r" in attributes but not in text, where every XML
    # reader would turn it into "\n"; a raw "\r" in the document can only be text.
    return "<?xml version='1.0' encoding='utf-8'?>\n" + body.replace("\r", "&#13;") + "\n"


def gexf_text(results: Results) -> str:
    """The network as GEXF 1.2 with the ``viz`` namespace, for Gephi.

    Positions (y up), colours and sizes are the map's; node and edge attributes
    are those of :func:`exchange_graph`, typed.
    """
    G = exchange_graph(results)
    layout = _map_layout(results, G)
    for key, data in G.nodes(data=True):
        node = layout[key]
        data["viz"] = {
            "position": {"x": float(node["x"]), "y": -float(node["y"]), "z": 0.0},
            "color": {**_rgb(node["color"]["background"]), "a": 1.0},
            "size": float(node["size"]),
            "shape": "diamond" if data["kind"] == "board" else "disc",
        }
    for _, _, data in G.edges(data=True):
        layers = str(data["layers"]).split(";")
        colour = LAYER_STYLES[layers[0]]["colour"] if len(layers) == 1 else MIXED_TIE_COLOUR
        data["viz"] = {"color": {**_rgb(colour), "a": 0.6}}
    writer = GEXFWriter(version="1.2draft", encoding="utf-8")
    writer.add_graph(_xml_safe(G))
    meta = writer.xml.find("meta")
    if meta is not None:
        creator = meta.find("creator")
        if creator is not None:
            creator.text = f"partnernet (NetworkX {nx.__version__})"
    # str(writer), not generate_gexf: that splits the document at every
    # line-breaking character, those inside names included.
    return _xml_document(str(writer))


def graphml_text(results: Results) -> str:
    """The network as GraphML, every metric a typed attribute: for Cytoscape,
    igraph and R (``igraph::read_graph(file, format = "graphml")``)."""
    writer = GraphMLWriter(encoding="utf-8")
    writer.add_graph_element(exchange_graph(results, xml_safe=True))
    return _xml_document(str(writer))


def kumu_blueprint(results: Results) -> dict[str, Any]:
    """The network as Kumu's JSON blueprint: ``{"elements": [...], "connections":
    [...]}``.

    The shape is Kumu's documented one (docs.kumu.io, "JSON / Blueprints"):
    each element has ``label``, ``type``, ``tags`` (a list) and any custom
    attributes, and an ``id`` that connections use as ``from`` and ``to``; each
    connection has ``type`` and ``direction`` (``"undirected"``, ``"directed"``
    or ``"mutual"``). Elements' ``type`` is the organisation type as a person
    reads it (``"Local authority"``; ``"Board or forum"``), and ``org_type`` the
    dataset's value. Ties are undirected; a board seat points from the
    organisation to its board. Connections carry no ``id``: Kumu asks ids to be
    unique across elements and connections, and the elements' are the dataset's.
    """
    G = exchange_graph(results)
    elements = []
    for key, data in G.nodes(data=True):
        attributes = {k: v for k, v in data.items() if k not in ("label", "type", "tags")}
        element: dict[str, Any] = {"id": key, "label": data["label"]}
        if data["kind"] == "board":
            element["type"] = "Board or forum"
        else:
            element["type"] = TYPE_LABELS.get(data["type"], data["type"])
            element["org_type"] = data["type"]
        tags = [t for t in str(data.get("tags", "")).split(";") if t]
        if tags:
            element["tags"] = tags
        elements.append({**element, **attributes})
    connections = []
    for u, v, data in G.edges(data=True):
        attributes = {k: v for k, v in data.items() if k != "kind"}
        if data["kind"] == "board_seat":
            member, board = (v, u) if G.nodes[u]["kind"] == "board" else (u, v)
            connections.append(
                {"from": member, "to": board, "type": "Board seat", "direction": "directed"}
                | attributes
            )
        else:
            connections.append(
                {"from": u, "to": v, "type": "Tie", "direction": "undirected"} | attributes
            )
    return {"elements": elements, "connections": connections}


def _pajek_quoted(text: str) -> str:
    return '"' + _PAJEK_BREAKS.sub(" ", text).replace('"', "'") + '"'


def _pajek_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return _pajek_quoted(str(value))


_PAJEK_NODE_SKIP = ("label",)
_PAJEK_EDGE_SKIP = ("weight",)


def pajek_text(results: Results) -> str:
    """The network as a Pajek ``.net`` file, for statnet, UCINET and Pajek.

    ``*Vertices`` lines are ``number "label" x y shape`` (the map's layout scaled
    into [0, 1], y pointing down as on the map; ``ellipse`` for organisations,
    ``diamond`` for boards), then every attribute as a ``name value`` pair, the
    form networkx and igraph read as attributes; ``*Edges`` lines are ``u v
    weight`` and the edge's attributes. Text values are quoted as labels are.

    Written here rather than by ``networkx.write_pajek``, which quotes a label
    only when it holds a space (a quote or a line break inside it breaks the
    file) and drops every attribute that is not text, with a warning.
    """
    G = exchange_graph(results)
    layout = _map_layout(results, G)
    xs = [float(layout[k]["x"]) for k in G]
    ys = [float(layout[k]["y"]) for k in G]
    left, top = min(xs, default=0.0), min(ys, default=0.0)
    span = max(max(xs, default=0.0) - left, max(ys, default=0.0) - top) or 1.0
    labels = {k: str(d["label"]) for k, d in G.nodes(data=True)}
    shared = Counter(labels.values())
    number = {key: i for i, key in enumerate(G, start=1)}
    lines = [f"*Vertices {G.number_of_nodes()}"]
    for key, data in G.nodes(data=True):
        label = labels[key] if shared[labels[key]] == 1 else f"{labels[key]} [{key}]"
        x = round((float(layout[key]["x"]) - left) / span, 4)
        y = round((float(layout[key]["y"]) - top) / span, 4)
        shape = "diamond" if data["kind"] == "board" else "ellipse"
        parts = [str(number[key]), _pajek_quoted(label), repr(x), repr(y), shape]
        for name, value in data.items():
            if name not in _PAJEK_NODE_SKIP:
                parts += [name, _pajek_value(value)]
        lines.append(" ".join(parts))
    lines.append("*Edges")
    for u, v, data in G.edges(data=True):
        parts = [str(number[u]), str(number[v]), repr(float(data["weight"]))]
        for name, value in data.items():
            if name not in _PAJEK_EDGE_SKIP:
                parts += [name, _pajek_value(value)]
        lines.append(" ".join(parts))
    return "\n".join(lines) + "\n"


def exchange_text(results: Results, fmt: str) -> str:
    """The network in format ``fmt`` (one of ``FORMATS``), as text to write as UTF-8.

    Examples
    --------
    >>> from partnernet.analysis.pipeline import analyse
    >>> from partnernet.model import Dataset
    >>> json.loads(exchange_text(analyse(Dataset.from_frames()), "kumu"))
    {'elements': [], 'connections': []}
    """
    if fmt == "gexf":
        return gexf_text(results)
    if fmt == "graphml":
        return graphml_text(results)
    if fmt == "kumu":
        blueprint = kumu_blueprint(results)
        return json.dumps(blueprint, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    if fmt == "pajek":
        return pajek_text(results)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")


def check_exchange_path(path: str | os.PathLike[str], fmt: str) -> Path:
    """Check, before any work, that an export can be written to ``path``.

    Its folder is created when missing (:func:`prepare_output_folder`); a path
    that is a folder raises :class:`partnernet.errors.OutputError` (exit 5).
    """
    target = Path(path)
    if target.is_dir():
        raise OutputError(
            f"cannot write {target}: it is a folder.",
            hint=f"Give a file name, e.g. --out {target / ('network' + SUFFIXES[fmt])}.",
        )
    prepare_output_folder(target.parent)
    return target


def write_exchange(path: str | os.PathLike[str], results: Results, fmt: str) -> Path:
    """Write the network in format ``fmt`` to ``path``, atomically (see
    :func:`exchange_text`); its folder is created when missing."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    target = check_exchange_path(path, fmt)
    atomic_write_text(target, exchange_text(results, fmt))
    return target
