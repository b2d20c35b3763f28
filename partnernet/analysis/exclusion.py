"""Are small organisations excluded? (DESIGN section 5, "Exclusion of small
organisations").

Every measure here is over the exclusion population, and "small" and "larger" are
as :mod:`partnernet.analysis.populations` defines them. Organisations without a
size band are shown as ``unknown`` in the size-band table and left out of the
small-versus-larger tests.

Measures from other modules (betweenness, distance to decision makers, detected
communities) are arguments, so each function is a pure function of its inputs.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from partnernet.analysis.populations import (
    EXCLUSION_TYPES,
    LARGER_BANDS,
    SMALL_BANDS,
    UNKNOWN_BAND,
    band_of,
    exclusion_population,
)
from partnernet.analysis.records import FundingConcentration, SmallVsLargeTests
from partnernet.analysis.results import GROUP_COLUMNS, SIZE_BAND_COLUMNS
from partnernet.analysis.stats import gini, lorenz_curve, permutation_test, top_share
from partnernet.graph import board_seats
from partnernet.model import PUBLIC_BODY_TYPES, SIZE_BANDS, Dataset, in_pounds, split_tags

__all__ = [
    "DEGREE_RATIO_BELOW",
    "FAR_HOPS",
    "FAR_SHARE_MARGIN",
    "MIN_GROUP_SIZE",
    "funding_concentration",
    "size_band_table",
    "small_vs_large_tests",
    "under_connected_groups",
]

# Below five members a share moves by 20 points with one organisation: too few to
# say anything about a group, so such groups are listed but never flagged, and a
# comparison with fewer on either side is reported as "too little data".
MIN_GROUP_SIZE = 5
# Under-connection thresholds (see under_connected_groups).
DEGREE_RATIO_BELOW = 0.75
FAR_SHARE_MARGIN = 0.15
FAR_HOPS = 2


def _funding_received(ds: Dataset) -> pd.Series:
    """Pounds received by each recipient; awards in other currencies are not added
    (they are counted in :func:`partnernet.analysis.coverage.currencies`)."""
    return in_pounds(ds.funding).groupby("recipient_id")["amount"].sum()


def _publicly_funded(ds: Dataset) -> set[str]:
    """Recipients of any award from a public body, in whatever currency."""
    orgs = ds.organisations
    public = set(orgs.loc[orgs["type"].isin(PUBLIC_BODY_TYPES), "id"])
    f = ds.funding
    return set(f.loc[f["funder_id"].isin(public), "recipient_id"])


def size_band_table(
    G: nx.Graph, ds: Dataset, *, betweenness: pd.Series, distance: pd.Series
) -> pd.DataFrame:
    """How organisations of each size band are connected, seated and funded.

    Parameters
    ----------
    G : nx.Graph
        The organisation graph (:func:`partnernet.graph.org_graph`); degree is the
        number of distinct organisations an organisation is tied to.
    ds : Dataset
        For board seats (seat roles only, :func:`partnernet.graph.board_seats`) and
        funding.
    betweenness : normalised betweenness by organisation id.
    distance : hops to the nearest decision maker by organisation id (``inf`` for
        no path), from :func:`partnernet.analysis.paths.distance_to_decision`.

    Returns
    -------
    pd.DataFrame
        Exactly ``SIZE_BAND_COLUMNS``; one row per band present among VCSE and
        infrastructure organisations, in ``SIZE_BANDS`` order, then ``unknown`` if
        any lack a band. ``share`` is of the population analysed;
        ``share_public_funded`` is the share with any funding from a public body;
        ``share_of_funding`` the band's share of all the funding the population
        received (NaN when it received none); ``median_distance_to_decision`` is
        ``inf`` when more than half the band has no path; ``share_no_path`` is the
        share with no path to any decision maker.

    Examples
    --------
    >>> ds = Dataset.from_frames(organisations=pd.DataFrame(
    ...     {"id": ["c", "a", "b"], "name": ["C", "A", "B"],
    ...      "type": ["local_authority", "vcse", "vcse"], "size_band": [None, "micro", "large"]}),
    ...     partnerships=pd.DataFrame({"source_id": ["a"], "target_id": ["c"]}))
    >>> from partnernet.graph import org_graph
    >>> G = org_graph(ds)
    >>> t = size_band_table(G, ds, betweenness=pd.Series(0.0, index=list(G)),
    ...                     distance=pd.Series({"c": 0.0, "a": 1.0, "b": float("inf")}))
    >>> t[["size_band", "count", "median_degree", "share_no_path"]].values.tolist()
    [['micro', 1, 1.0, 0.0], ['large', 1, 0.0, 1.0]]
    """
    ids = exclusion_population(ds)
    orgs = ds.organisations.set_index("id")
    seats = board_seats(ds)
    received = _funding_received(ds)
    public_funded = _publicly_funded(ds)
    frame = pd.DataFrame(
        {
            "band": [band_of(orgs.at[i, "size_band"]) for i in ids],
            "degree": [G.degree(i) if i in G else 0 for i in ids],
            "seated": [int(seats.get(i, 0)) > 0 for i in ids],
            "public_funded": [i in public_funded for i in ids],
            "funding": [float(received.get(i, 0.0)) for i in ids],
            "betweenness": betweenness.reindex(ids).to_numpy(dtype="float64"),
            "distance": distance.reindex(ids).to_numpy(dtype="float64"),
        },
        index=pd.Index(ids, name="id"),
    )
    total_funding = float(frame["funding"].sum())
    present = set(frame["band"])
    bands = [b for b in (*SIZE_BANDS, UNKNOWN_BAND) if b in present]
    rows = []
    for band in bands:
        part = frame[frame["band"] == band]
        rows.append(
            {
                "size_band": band,
                "count": len(part),
                "share": len(part) / len(frame),
                "median_degree": float(part["degree"].median()),
                "share_with_board_seat": float(part["seated"].mean()),
                "share_public_funded": float(part["public_funded"].mean()),
                "share_of_funding": (
                    float(part["funding"].sum()) / total_funding if total_funding else math.nan
                ),
                "median_betweenness": float(part["betweenness"].median()),
                "median_distance_to_decision": float(np.median(part["distance"])),
                "share_no_path": float(np.isinf(part["distance"]).mean()),
            }
        )
    table = pd.DataFrame(rows, columns=list(SIZE_BAND_COLUMNS))
    return table.astype({"size_band": "str", "count": "int64"})


def small_vs_large_tests(
    G: nx.Graph, ds: Dataset, *, n_permutations: int = 5_000, seed: int | None = None
) -> SmallVsLargeTests:
    """Do small and micro organisations have fewer ties and fewer board seats?

    Two one-sided permutation tests (:func:`partnernet.analysis.stats.
    permutation_test`, ``alternative="less"``) of small-and-micro against
    medium-and-larger VCSE and infrastructure organisations (unknown bands left
    out): ``degree`` compares mean degree; ``board_seat_share`` compares the share
    holding at least one board seat (seat roles only). Both draw from one seeded
    generator in that order, so the same seed gives the same p-values.

    Returns
    -------
    dict
        JSON-ready: ``small_bands``, ``larger_bands``, ``n_small``, ``n_larger``,
        ``n_unknown``, ``small_with_seat``, ``larger_with_seat`` (counts), and the
        two test dicts ``degree`` and ``board_seat_share`` (see
        ``permutation_test``; ``group_value`` is the small organisations' figure,
        ``rest_value`` the larger ones').

    Examples
    --------
    >>> ds = Dataset.from_frames(organisations=pd.DataFrame(
    ...     {"id": list("abcd"), "name": list("ABCD"), "type": ["vcse"] * 4,
    ...      "size_band": ["micro", "small", "large", None]}))
    >>> from partnernet.graph import org_graph
    >>> r = small_vs_large_tests(org_graph(ds), ds, n_permutations=10, seed=0)
    >>> r["n_small"], r["n_larger"], r["n_unknown"], r["degree"]["observed_difference"]
    (2, 1, 1, 0.0)
    """
    ids = exclusion_population(ds)
    bands = ds.organisations.set_index("id")["size_band"]
    seats = board_seats(ds)
    known = [i for i in ids if band_of(bands.get(i)) != UNKNOWN_BAND]
    small = np.array([bands[i] in SMALL_BANDS for i in known], dtype=bool)
    degree = np.array([G.degree(i) if i in G else 0 for i in known], dtype="float64")
    seat_counts = np.array([int(seats.get(i, 0)) for i in known], dtype="float64")
    rng = np.random.default_rng(seed)
    # Two independent streams from the one seed: each test is reproducible alone
    # and the pair is reproducible together.
    degree_seed, seat_seed = (int(s) for s in rng.integers(0, 2**63 - 1, size=2))
    return SmallVsLargeTests(
        population="vcse and infrastructure organisations with a known size band",
        small_bands=SMALL_BANDS,
        larger_bands=LARGER_BANDS,
        n_small=int(small.sum()),
        n_larger=int((~small).sum()),
        n_unknown=len(ids) - len(known),
        small_with_seat=int((seat_counts[small] > 0).sum()),
        larger_with_seat=int((seat_counts[~small] > 0).sum()),
        degree=permutation_test(
            degree,
            small,
            statistic="mean",
            alternative="less",
            n_permutations=n_permutations,
            seed=degree_seed,
        ),
        board_seat_share=permutation_test(
            seat_counts,
            small,
            statistic="share",
            alternative="less",
            n_permutations=n_permutations,
            seed=seat_seed,
        ),
    )


def funding_concentration(
    ds: Dataset, *, fraction: float = 0.1, types: Iterable[str] = EXCLUSION_TYPES
) -> FundingConcentration:
    """How unequally funding is spread across the organisations that receive it.

    Amounts are summed per recipient over every grant and contract in the data
    in pounds (awards in another currency are left out, not converted). Only
    recipients of the given ``types`` (VCSE and infrastructure by default) that
    received something count: the Gini is "across recipients", not across every
    organisation.

    Returns
    -------
    dict
        JSON-ready: ``recipients``, ``total_amount``, ``gini`` (population formula,
        :func:`partnernet.analysis.stats.gini`), ``top_fraction``, ``top_count``
        (``ceil(fraction * recipients)``), ``top_share`` (their share of the
        total), and ``lorenz`` (``population_share`` and ``amount_share`` lists for
        a chart). Figures are ``None`` when there are no recipients.

    Examples
    --------
    >>> ds = Dataset.from_frames(
    ...     organisations=pd.DataFrame({"id": ["f", "a", "b"], "name": ["F", "A", "B"],
    ...                                 "type": ["funder", "vcse", "vcse"]}),
    ...     funding=pd.DataFrame({"id": ["1", "2", "3"], "funder_id": ["f"] * 3,
    ...                           "recipient_id": ["a", "a", "b"], "amount": [1.0, 2.0, 1.0],
    ...                           "award_date": ["2024-01-01"] * 3}))
    >>> r = funding_concentration(ds)
    >>> r["recipients"], r["gini"], r["top_count"], r["top_share"]
    (2, 0.25, 1, 0.75)
    """
    chosen = set(types)
    orgs = ds.organisations
    eligible = set(orgs.loc[orgs["type"].isin(chosen), "id"])
    received = _funding_received(ds)
    amounts = received[received.index.isin(eligible) & (received > 0)].to_numpy(dtype="float64")
    n = len(amounts)
    return FundingConcentration(
        population=f"recipients of type {', '.join(sorted(chosen))}",
        recipients=n,
        total_amount=float(amounts.sum()),
        gini=float(gini(amounts)) if n else None,
        top_fraction=fraction,
        top_count=math.ceil(round(fraction * n, 9)) if n else 0,
        top_share=float(top_share(amounts, fraction=fraction)) if n else None,
        lorenz=lorenz_curve(amounts),
    )


def under_connected_groups(
    G: nx.Graph,
    *,
    distance: pd.Series,
    community: pd.Series | Mapping[Hashable, Any] | None = None,
    min_size: int = MIN_GROUP_SIZE,
    degree_ratio_below: float = DEGREE_RATIO_BELOW,
    far_share_margin: float = FAR_SHARE_MARGIN,
    far_hops: int = FAR_HOPS,
) -> pd.DataFrame:
    """Groups of organisations less connected than the population as a whole.

    Over the VCSE and infrastructure organisations in ``G`` (the "whole"), every
    grouping is examined: ``size_band`` (each band, and ``unknown``), ``tag`` (each
    tag), ``locality`` (each named locality; organisations without one are in no
    locality group) and ``community`` (each detected community, when
    ``community`` is given).

    A group is **flagged** when it has at least ``min_size`` members and either

    - its mean degree is below ``degree_ratio_below`` (default 0.75) times the
      whole's, i.e. at least a quarter fewer ties than the average; or
    - its share more than ``far_hops`` (default 2) hops from any decision maker
      (no path counts as far) is at least ``far_share_margin`` (default 0.15, 15
      percentage points) above the whole's share.

    Groups smaller than ``min_size`` (default 5) are listed but never flagged: with
    so few members one organisation moves a share by 20 points or more.

    Parameters
    ----------
    G : nx.Graph
        The organisation graph; nodes carry ``type``, ``size_band``, ``tags``,
        ``locality``.
    distance : hops to the nearest decision maker by node (``inf``: no path).
    community : detected community by node, or None to skip that grouping.

    Returns
    -------
    pd.DataFrame
        Exactly ``GROUP_COLUMNS``: ``grouping``, ``group`` (str), ``n``,
        ``mean_degree_ratio`` (NaN when the whole has no ties), ``share_isolated``,
        ``share_far_from_decision``, ``flagged``, ``members`` (sorted ids,
        ``;``-joined). Rows are by grouping in that order, then by group. The
        whole's figures and the thresholds used are in ``frame.attrs["whole"]`` and
        ``frame.attrs["thresholds"]`` for the findings.

    Examples
    --------
    >>> G = nx.Graph([("a", "b"), ("b", "c")])
    >>> G.add_node("d")
    >>> nx.set_node_attributes(G, "vcse", "type")
    >>> nx.set_node_attributes(G, {"a": "large", "b": "large", "c": "micro", "d": "micro"},
    ...                        "size_band")
    >>> dist = pd.Series({"a": 1.0, "b": 2.0, "c": 3.0, "d": float("inf")})
    >>> t = under_connected_groups(G, distance=dist, min_size=2)
    >>> t[["group", "n", "mean_degree_ratio", "share_far_from_decision", "flagged"]].values.tolist()
    [['micro', 2, 0.5, 1.0, True], ['large', 2, 1.5, 0.0, False]]
    """
    nodes = [n for n, d in G.nodes(data=True) if d.get("type") in EXCLUSION_TYPES]
    degree = pd.Series({n: G.degree(n) for n in nodes}, dtype="float64")
    dist = distance.reindex(nodes).astype("float64")
    far = dist > far_hops  # inf (no path) is far; NaN (unknown) is not
    whole_mean = float(degree.mean()) if nodes else math.nan
    whole_far = float(far.mean()) if nodes else math.nan
    whole = {
        "n": len(nodes),
        "mean_degree": whole_mean,
        "share_isolated": float((degree == 0).mean()) if nodes else math.nan,
        "share_far_from_decision": whole_far,
    }

    groupings: list[tuple[str, dict[str, list[Hashable]]]] = []
    by_band: dict[str, list[Hashable]] = {}
    by_tag: dict[str, list[Hashable]] = {}
    by_locality: dict[str, list[Hashable]] = {}
    for n in nodes:
        data = G.nodes[n]
        by_band.setdefault(band_of(data.get("size_band")), []).append(n)
        tags = data.get("tags") or ()
        for tag in tags if isinstance(tags, tuple) else split_tags(tags):
            by_tag.setdefault(tag, []).append(n)
        locality = data.get("locality")
        if isinstance(locality, str) and locality:
            by_locality.setdefault(locality, []).append(n)
    band_order = [b for b in (*SIZE_BANDS, UNKNOWN_BAND) if b in by_band]
    groupings.append(("size_band", {b: by_band[b] for b in band_order}))
    groupings.append(("tag", dict(sorted(by_tag.items()))))
    groupings.append(("locality", dict(sorted(by_locality.items()))))
    if community is not None:
        labels = pd.Series(community) if not isinstance(community, pd.Series) else community
        by_community: dict[Any, list[Hashable]] = {}
        for n in nodes:
            label = labels.get(n)
            if label is not None and not pd.isna(label):
                by_community.setdefault(label, []).append(n)
        ordered = sorted(by_community, key=_community_key)
        groupings.append(("community", {str(c): by_community[c] for c in ordered}))

    rows = []
    for grouping, groups in groupings:
        for group, members in groups.items():
            index = pd.Index(members)
            deg = degree[index]
            ratio = float(deg.mean()) / whole_mean if whole_mean else math.nan
            share_far = float(far[index].mean())
            flagged = len(members) >= min_size and (
                (ratio == ratio and ratio < degree_ratio_below)
                or share_far >= whole_far + far_share_margin - 1e-12
            )
            rows.append(
                {
                    "grouping": grouping,
                    "group": str(group),
                    "n": len(members),
                    "mean_degree_ratio": ratio,
                    "share_isolated": float((deg == 0).mean()),
                    "share_far_from_decision": share_far,
                    "flagged": bool(flagged),
                    "members": ";".join(sorted(str(m) for m in members)),
                }
            )
    table = pd.DataFrame(rows, columns=list(GROUP_COLUMNS)).astype(
        {
            "grouping": "str",
            "group": "str",
            "n": "int64",
            "mean_degree_ratio": "float64",
            "share_isolated": "float64",
            "share_far_from_decision": "float64",
            "flagged": "bool",
            "members": "str",
        }
    )
    table.attrs["whole"] = whole
    table.attrs["thresholds"] = {
        "min_size": min_size,
        "degree_ratio_below": degree_ratio_below,
        "far_share_margin": far_share_margin,
        "far_hops": far_hops,
    }
    return table


def _community_key(label: Any) -> tuple[int, float, str]:
    if isinstance(label, int | float | np.integer | np.floating):
        return (0, float(label), "")
    return (1, 0.0, str(label))
