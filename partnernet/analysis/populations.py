"""The populations every part of partnernet speaks of, defined once.

- The **exclusion population**: organisations of type ``vcse`` or
  ``infrastructure`` (``EXCLUSION_TYPES``). Public bodies, funders and businesses
  are the world they connect to, not the population compared.
- **Small organisations**: members of the exclusion population in the ``micro`` or
  ``small`` income bands (``SMALL_BANDS``, under £100k a year); **larger** ones
  are ``medium`` and above (``LARGER_BANDS``). An organisation without a band is
  ``unknown`` and in neither.
- **Decision makers** (DESIGN section 4): public bodies, and boards, which sit one
  hop beyond the organisations holding a seat on them.
- **Top brokers**: the ``TOP_BROKERS`` organisations with the highest betweenness
  above zero, ties broken by the graph's order. One measure, so the organisations
  starred on the map are exactly the ones whose removal is tested.

Node attributes (``sector``, ``size_band``, ``public_body``, ``board_seats``) come
from :func:`partnernet.graph.org_graph`.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

import networkx as nx
import pandas as pd

from partnernet.model import SIZE_BANDS, Dataset

__all__ = [
    "EXCLUSION_TYPES",
    "LARGER_BANDS",
    "SMALL_BANDS",
    "TOP_BROKERS",
    "UNKNOWN_BAND",
    "band_of",
    "decision_sources",
    "exclusion_population",
    "infrastructure_organisations",
    "small_organisations",
    "top_brokers",
    "top_liaison_broker",
]

EXCLUSION_TYPES: tuple[str, ...] = ("vcse", "infrastructure")
SMALL_BANDS: tuple[str, ...] = ("micro", "small")
LARGER_BANDS: tuple[str, ...] = tuple(b for b in SIZE_BANDS if b not in SMALL_BANDS)
UNKNOWN_BAND = "unknown"
# How many of the highest-betweenness organisations count as top brokers: they
# join the infrastructure organisations in the removal-impact table and are
# starred on the map.
TOP_BROKERS = 5


def band_of(value: Any) -> str:
    """A size band as grouped: the band, or ``"unknown"`` when there is none.

    Examples
    --------
    >>> band_of("micro"), band_of(None), band_of(float("nan"))
    ('micro', 'unknown', 'unknown')
    """
    return value if isinstance(value, str) and value else UNKNOWN_BAND


def exclusion_population(ds: Dataset) -> list[str]:
    """Ids of the organisations the exclusion analysis compares, in file order."""
    orgs = ds.organisations
    return list(orgs.loc[orgs["type"].isin(EXCLUSION_TYPES), "id"])


def small_organisations(G: nx.Graph, *, small_bands: Iterable[str] = SMALL_BANDS) -> list[Any]:
    """Voluntary and infrastructure organisations in ``small_bands``, in ``G``'s order.

    Examples
    --------
    >>> G = nx.Graph()
    >>> G.add_node("a", sector="vcse", size_band="micro")
    >>> G.add_node("b", sector="vcse", size_band="large")
    >>> G.add_node("c", sector="public", size_band="small")
    >>> small_organisations(G)
    ['a']
    """
    bands = set(small_bands)
    return [
        node
        for node, data in G.nodes(data=True)
        if data.get("sector") in EXCLUSION_TYPES and data.get("size_band") in bands
    ]


def infrastructure_organisations(G: nx.Graph) -> list[Any]:
    """Organisations of the ``infrastructure`` sector (CVSs and the like), in ``G``'s order."""
    return [n for n, d in G.nodes(data=True) if d.get("sector") == "infrastructure"]


def decision_sources(G: nx.Graph) -> dict[Hashable, int]:
    """The starting distance of every node that is, or sits with, a decision maker.

    Public bodies start at 0; other organisations with a board seat at 1 (the board
    sits one hop beyond its members).

    Examples
    --------
    >>> G = nx.Graph()
    >>> G.add_node("council", public_body=True)
    >>> G.add_node("cvs", board_seats=2)
    >>> G.add_node("group")
    >>> decision_sources(G)
    {'council': 0, 'cvs': 1}
    """
    sources: dict[Hashable, int] = {}
    for node, data in G.nodes(data=True):
        if data.get("public_body"):
            sources[node] = 0
        elif data.get("board_seats", 0) > 0:
            sources[node] = 1
    return sources


def top_brokers(betweenness: pd.Series, *, n: int = TOP_BROKERS) -> list[Any]:
    """The ``n`` organisations with the highest betweenness above zero, strongest first.

    Ties keep the order of ``betweenness`` (the graph's order).

    Examples
    --------
    >>> top_brokers(pd.Series({"a": 0.1, "b": 0.0, "c": 0.5, "d": 0.1}), n=2)
    ['c', 'a']
    """
    ranked = betweenness[betweenness > 0].sort_values(ascending=False, kind="stable")
    return list(ranked.index[:n])


def top_liaison_broker(liaison: pd.Series, betweenness: pd.Series) -> Any:
    """The organisation with most liaison brokerage, or None when nobody has any.

    Ties go to the higher betweenness, then to ``liaison``'s order (the graph's).

    Examples
    --------
    >>> top_liaison_broker(pd.Series({"a": 2, "b": 2}), pd.Series({"a": 0.1, "b": 0.5}))
    'b'
    """
    if liaison.empty or int(liaison.max()) == 0:
        return None
    frame = pd.DataFrame(
        {
            "liaison": liaison.to_numpy(),
            "betweenness": betweenness.reindex(liaison.index).to_numpy(dtype=float),
            "order": range(len(liaison)),
        },
        index=liaison.index,
    )
    ranked = frame.sort_values(
        ["liaison", "betweenness", "order"], ascending=[False, False, True], kind="stable"
    )
    return ranked.index[0]
