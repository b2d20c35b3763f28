"""Dataset -> networkx graphs. The only place graphs are built.

Two graphs (DESIGN section 4):

- :func:`build_graph`, the **multilayer graph**: organisations and boards as nodes,
  one edge per fact, each edge carrying its ``layer`` (``FUNDS``, ``MEMBER_OF``,
  ``PARTNERS_WITH``, ``PART_OF``, ``SHARES_PERSON``). Used by the map and Neo4j.
- :func:`org_graph`, the **organisation graph** the metrics run on: undirected and
  weighted, organisations only. A tie for each partnership (its ``weight``), for
  each funder-recipient pair (1 however many grants), for each pair of
  organisations on the same board (1 per shared board) and for each pair sharing
  affiliated people (1 per shared person). A tie's ``weight`` is the sum over the
  chosen layers; ``layers`` says which layers formed it.

Node ids are the dataset's own ids (organisation and board ids share one id space;
validation rejects a clash). Node attributes on organisations: ``name``, ``type``,
``sector``, ``size_band`` (None when unknown), ``parent_id``, ``locality``,
``tags`` (tuple), ``income`` (None when unknown), ``board_seats`` (int),
``public_body`` (bool); boards carry ``name``, ``convener_id``, ``level``, ``theme``.
Every node has ``node_kind``: ``"organisation"`` or ``"board"``.
"""

from __future__ import annotations

import sys
import threading
from collections import Counter
from collections.abc import Iterable
from types import ModuleType
from typing import Any

import networkx as nx
import pandas as pd

from partnernet.model import (
    PUBLIC_BODY_TYPES,
    SEAT_ROLES,
    Dataset,
    column_rows,
    sector_of,
    split_tags,
)

__all__ = [
    "LAYERS",
    "ORG_GRAPH_LAYERS",
    "board_seats",
    "build_graph",
    "co_membership",
    "load_igraph",
    "org_graph",
    "parse_layers",
    "shared_people",
]

LAYERS: tuple[str, ...] = ("FUNDS", "MEMBER_OF", "PARTNERS_WITH", "PART_OF", "SHARES_PERSON")
# PART_OF links a department to its own body; it is structure, not engagement, so
# it is drawn on the map but does not form ties for the metrics.
ORG_GRAPH_LAYERS: tuple[str, ...] = ("FUNDS", "MEMBER_OF", "PARTNERS_WITH", "SHARES_PERSON")


# Optional imports igraph's own import makes for what partnernet never uses:
# matplotlib for its drawing module (0.2 to 0.9 s when installed), wcwidth for the
# character widths of its text summaries (through texttable, which falls back to
# unicodedata's East Asian widths without it; 5 ms). wcwidth comes with pyvis's
# dependencies. The lock keeps two threads from blocking and restoring at once.
_NOT_FOR_IGRAPH = ("matplotlib", "wcwidth")
_IGRAPH_IMPORT = threading.Lock()


def load_igraph() -> ModuleType:
    """The igraph module, imported without the optional modules it does not need
    here.

    igraph's ``__init__`` imports its drawing module, which imports
    ``matplotlib.pyplot`` when matplotlib is installed (partnernet does not need
    it, but a user's environment may hold it): 0.2 to 0.9 s of every run, for
    plotting partnernet never does (the report's charts are SVG written by
    ``render/charts.py``; the map is drawn by vis.js), and texttable, which imports
    wcwidth when it is there. While igraph is imported, importing either is made to
    fail, so igraph's drawing falls back to its placeholder and texttable to
    unicodedata; each is put back untouched afterwards. Every module that uses igraph
    imports it through here, so whichever comes first (the analysis or the map)
    pays only for igraph itself.

    Examples
    --------
    >>> load_igraph().Graph(n=2, edges=[(0, 1)]).ecount()
    1
    """
    if "igraph" in sys.modules:
        return sys.modules["igraph"]
    with _IGRAPH_IMPORT:
        if "igraph" in sys.modules:  # imported by another thread meanwhile
            return sys.modules["igraph"]
        saved = {name: sys.modules[name] for name in _NOT_FOR_IGRAPH if name in sys.modules}
        for name in _NOT_FOR_IGRAPH:
            sys.modules[name] = None  # type: ignore[assignment]  # makes the import fail
        try:
            import igraph
        finally:
            for name in _NOT_FOR_IGRAPH:
                if name in saved:
                    sys.modules[name] = saved[name]
                else:
                    del sys.modules[name]
    module: ModuleType = igraph
    return module


def parse_layers(layers: Iterable[str] | str | None) -> tuple[str, ...]:
    """Normalise a choice of organisation-graph layers (``None`` means all).

    Accepts names in any case, as an iterable or one comma-separated string.

    Examples
    --------
    >>> parse_layers("funds, partners_with")
    ('FUNDS', 'PARTNERS_WITH')
    >>> parse_layers(None) == ORG_GRAPH_LAYERS
    True
    """
    if layers is None:
        return ORG_GRAPH_LAYERS
    names = layers.split(",") if isinstance(layers, str) else list(layers)
    chosen = {n.strip().upper() for n in names if n.strip()}
    unknown = chosen - set(ORG_GRAPH_LAYERS)
    if unknown:
        raise ValueError(
            f"unknown layer(s) {', '.join(sorted(unknown))}; "
            f"choose from {', '.join(ORG_GRAPH_LAYERS)}"
        )
    if not chosen:
        raise ValueError(f"no layers chosen; choose from {', '.join(ORG_GRAPH_LAYERS)}")
    return tuple(layer for layer in ORG_GRAPH_LAYERS if layer in chosen)


def board_seats(ds: Dataset) -> pd.Series:
    """Distinct boards on which each organisation holds a seat, indexed by org id.

    A seat is a ``chair``, ``co_chair`` or ``member`` role (``model.SEAT_ROLES``):
    observers and secretariats attend without a say in decisions.

    Examples
    --------
    >>> ds = Dataset.from_frames(
    ...     organisations=pd.DataFrame(
    ...         {"id": ["a", "b"], "name": ["A", "B"], "type": ["vcse"] * 2}),
    ...     boards=pd.DataFrame({"id": ["x"], "name": ["X"]}),
    ...     memberships=pd.DataFrame({"board_id": ["x", "x"], "org_id": ["a", "b"],
    ...                               "role": ["chair", "observer"]}))
    >>> board_seats(ds).to_dict()
    {'a': 1, 'b': 0}
    """
    m = ds.memberships
    seated = m[m["role"].isin(SEAT_ROLES)]
    counts = seated.drop_duplicates(["board_id", "org_id"]).groupby("org_id").size()
    ids = ds.organisations["id"]
    # One reindex, not a label lookup per organisation (250,000 at region scale).
    return pd.Series(
        counts.reindex(ids, fill_value=0).to_numpy(dtype="int64"),
        index=pd.Index(ids, name="id"),
        dtype="int64",
    )


def _organisation_attributes(ds: Dataset) -> dict[str, dict[str, Any]]:
    ids = ds.organisations["id"].to_numpy(dtype=object)
    seats = dict(zip(ids, board_seats(ds).tolist(), strict=True))
    attrs: dict[str, dict[str, Any]] = {}
    for org_id, name, org_type, size_band, parent_id, locality, tags, income in column_rows(
        ds.organisations,
        "id", "name", "type", "size_band", "parent_id", "locality", "tags", "income",
    ):  # fmt: skip
        attrs[org_id] = {
            "node_kind": "organisation",
            "name": name,
            "type": org_type,
            "sector": sector_of(org_type),
            "size_band": _none_if_missing(size_band),
            "parent_id": _none_if_missing(parent_id),
            "locality": _none_if_missing(locality),
            "tags": split_tags(tags),
            "income": _none_if_missing(income),
            "board_seats": int(seats[org_id]),
            "public_body": org_type in PUBLIC_BODY_TYPES,
        }
    return attrs


def build_graph(ds: Dataset) -> nx.MultiDiGraph:
    """The multilayer graph of a dataset: one edge per fact, keyed by layer.

    Edge attributes by layer: ``FUNDS`` (funder -> recipient): ``funding_id``,
    ``amount``, ``currency``, ``award_date``, ``kind``; ``MEMBER_OF`` (org -> board): ``role``;
    ``PARTNERS_WITH`` (source -> target): ``kind``, ``directed``, ``weight``;
    ``PART_OF`` (department -> parent); ``SHARES_PERSON`` (one edge per pair,
    lower id first): ``count``.

    Examples
    --------
    >>> ds = Dataset.from_frames(
    ...     organisations=pd.DataFrame({"id": ["c", "d"], "name": ["Council", "Housing"],
    ...                                 "type": ["local_authority", "department"],
    ...                                 "parent_id": [None, "c"]}))
    >>> [(u, v, d["layer"]) for u, v, d in build_graph(ds).edges(data=True)]
    [('d', 'c', 'PART_OF')]
    """
    G = nx.MultiDiGraph()
    G.add_nodes_from(_organisation_attributes(ds).items())
    for board_id, name, convener_id, level, theme in column_rows(
        ds.boards, "id", "name", "convener_id", "level", "theme"
    ):
        G.add_node(
            board_id,
            node_kind="board",
            name=name,
            convener_id=_none_if_missing(convener_id),
            level=_none_if_missing(level),
            theme=_none_if_missing(theme),
        )
    for funder, recipient, funding_id, amount, currency, award_date, kind in column_rows(
        ds.funding, "funder_id", "recipient_id", "id", "amount", "currency", "award_date", "kind"
    ):
        G.add_edge(
            funder,
            recipient,
            layer="FUNDS",
            funding_id=funding_id,
            amount=float(amount),
            currency=_none_if_missing(currency) or "GBP",
            award_date=award_date,
            kind=_none_if_missing(kind),
        )
    for org_id, board_id, role in column_rows(ds.memberships, "org_id", "board_id", "role"):
        G.add_edge(org_id, board_id, layer="MEMBER_OF", role=role)
    for source, target, kind, directed, weight in column_rows(
        ds.partnerships, "source_id", "target_id", "kind", "directed", "weight"
    ):
        G.add_edge(
            source,
            target,
            layer="PARTNERS_WITH",
            kind=_none_if_missing(kind),
            directed=bool(directed),
            weight=float(weight),
        )
    for org_id, org_type, parent_id in column_rows(ds.organisations, "id", "type", "parent_id"):
        if org_type == "department" and isinstance(parent_id, str):
            G.add_edge(org_id, parent_id, layer="PART_OF")
    for (a, b), count in shared_people(ds).items():
        G.add_edge(a, b, layer="SHARES_PERSON", count=count)
    return G


def shared_people(ds: Dataset) -> Counter[tuple[str, str]]:
    """How many (pseudonymous) people each pair of organisations shares.

    Keys are ``(a, b)`` with ``a < b``; a person counts once per pair however many
    roles they hold.

    Examples
    --------
    >>> ds = Dataset.from_frames(affiliations=pd.DataFrame(
    ...     {"person_id": ["p1", "p1", "p2", "p2"], "org_id": ["a", "b", "b", "a"]}))
    >>> dict(shared_people(ds))
    {('a', 'b'): 2}
    """
    return _pairs_within(ds.affiliations, "person_id", "org_id")


def co_membership(ds: Dataset) -> Counter[tuple[str, str]]:
    """How many boards each pair of organisations sits on together (any role).

    Keys are ``(a, b)`` with ``a < b``.
    """
    return _pairs_within(ds.memberships, "board_id", "org_id")


def _pairs_within(frame: pd.DataFrame, group: str, member: str) -> Counter[tuple[str, str]]:
    """For each pair ``a < b`` of members sharing a group, how many groups they share.

    One self-join instead of a Python loop over groups (100,000 people at region
    scale). The keys come in the order the loop gave them, which fixes the order
    ties are added to the graph: groups in sorted order, then each group's pairs
    in sorted order, each pair where it first appears.
    """
    rows = frame.loc[frame[group].notna(), [group, member]].drop_duplicates([group, member])
    if rows.empty:
        return Counter()
    joined = rows.merge(rows, on=group, suffixes=("_a", "_b"))
    a, b = f"{member}_a", f"{member}_b"
    joined = joined[joined[a] < joined[b]].sort_values([group, a, b], kind="stable")
    counts = joined.groupby([a, b], sort=False).size()
    return Counter(dict(zip(counts.index.tolist(), counts.tolist(), strict=True)))


def org_graph(ds: Dataset, layers: Iterable[str] | str | None = None) -> nx.Graph:
    """The undirected weighted organisation graph the metrics run on.

    Parameters
    ----------
    ds : Dataset
    layers : names from ``ORG_GRAPH_LAYERS`` (any case), or None for all.

    Returns
    -------
    nx.Graph
        Every organisation is a node (isolates included). Each tie has ``weight``
        (the sum over layers) and ``layers`` (a sorted tuple of layer names).

    Examples
    --------
    >>> ds = Dataset.from_frames(
    ...     organisations=pd.DataFrame({"id": ["f", "a", "b"], "name": ["F", "A", "B"],
    ...                                 "type": ["funder", "vcse", "vcse"]}),
    ...     funding=pd.DataFrame({"id": ["g1", "g2"], "funder_id": ["f", "f"],
    ...                           "recipient_id": ["a", "a"], "amount": [5.0, 7.0],
    ...                           "award_date": ["2024-01-01", "2024-02-01"]}),
    ...     partnerships=pd.DataFrame({"source_id": ["a"], "target_id": ["f"], "weight": [2.0]}))
    >>> G = org_graph(ds)
    >>> G["a"]["f"]["weight"], G["a"]["f"]["layers"], G.degree("b")
    (3.0, ('FUNDS', 'PARTNERS_WITH'), 0)
    >>> org_graph(ds, layers="funds")["a"]["f"]["weight"]
    1.0
    """
    chosen = parse_layers(layers)
    G = nx.Graph()
    G.add_nodes_from(_organisation_attributes(ds).items())

    def tie(a: str, b: str, weight: float, layer: str) -> None:
        if a == b:
            return
        if G.has_edge(a, b):
            data = G[a][b]
            data["weight"] += weight
            if layer not in data["layers"]:
                data["layers"] = tuple(sorted((*data["layers"], layer)))
        else:
            G.add_edge(a, b, weight=weight, layers=(layer,))

    if "FUNDS" in chosen:
        pairs = ds.funding[["funder_id", "recipient_id"]].drop_duplicates()
        for funder, recipient in column_rows(pairs, "funder_id", "recipient_id"):
            tie(funder, recipient, 1.0, "FUNDS")
    if "PARTNERS_WITH" in chosen:
        for source, target, weight in column_rows(
            ds.partnerships, "source_id", "target_id", "weight"
        ):
            tie(source, target, float(weight), "PARTNERS_WITH")
    if "MEMBER_OF" in chosen:
        for (a, b), count in co_membership(ds).items():
            tie(a, b, float(count), "MEMBER_OF")
    if "SHARES_PERSON" in chosen:
        for (a, b), count in shared_people(ds).items():
            tie(a, b, float(count), "SHARES_PERSON")
    return G


def _none_if_missing(value: Any) -> Any:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value
