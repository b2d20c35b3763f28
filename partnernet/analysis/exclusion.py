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
from partnernet.analysis.records import (
    FundingConcentration,
    GroupTests,
    RemovalOverlap,
    SmallVsLargeTests,
)
from partnernet.analysis.results import GROUP_COLUMNS, SIZE_BAND_COLUMNS
from partnernet.analysis.stats import (
    benjamini_hochberg,
    gini,
    lorenz_curve,
    permutation_test,
    top_share,
)
from partnernet.graph import board_seats
from partnernet.model import PUBLIC_BODY_TYPES, SIZE_BANDS, Dataset, in_pounds, split_tags

__all__ = [
    "DEGREE_RATIO_BELOW",
    "EXPLAINED_SHARE",
    "FAR_HOPS",
    "FAR_SHARE_MARGIN",
    "GROUP_FDR",
    "MIN_DECISION_MAKERS",
    "MIN_DECISION_MAKER_TIES",
    "MIN_GROUP_SIZE",
    "decision_maker_reach",
    "funding_concentration",
    "group_tests",
    "name_communities",
    "removal_group_overlap",
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
# The false discovery rate the group tests are held to (Benjamini-Hochberg).
GROUP_FDR = 0.05
# A group is explained by one organisation when at least this share of its
# members are tied to it and to nobody else.
EXPLAINED_SHARE = 0.8
# Below this many decision makers (public bodies and boards), or this many ties
# of theirs, "far from decision makers" measures the data, not the place: the
# group test on it is not made.
MIN_DECISION_MAKERS = 2
MIN_DECISION_MAKER_TIES = 5


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
    # Plain dicts: a pandas label lookup per organisation cost half a second at
    # region scale (organisation ids are unique, checked on reading).
    band_by_id = dict(zip(ds.organisations["id"], ds.organisations["size_band"], strict=True))
    seats = board_seats(ds).to_dict()
    received = _funding_received(ds).to_dict()
    public_funded = _publicly_funded(ds)
    frame = pd.DataFrame(
        {
            "band": [band_of(band_by_id[i]) for i in ids],
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
    # Plain dicts: a pandas label lookup per organisation cost more than the tests.
    bands = dict(zip(ds.organisations["id"], ds.organisations["size_band"], strict=True))
    seats = board_seats(ds).to_dict()
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


def name_communities(
    G: nx.Graph, community: pd.Series | dict[Hashable, Any], *, centrality: pd.Series | None = None
) -> dict[str, str]:
    """Each community's name: the name of its most central member over all its
    organisations (highest ``centrality``, degree when None; the first in graph
    order on a tie). Keys are the community numbers as text.

    Examples
    --------
    >>> G = nx.Graph([("a", "b"), ("a", "c"), ("d", "e")])
    >>> nx.set_node_attributes(G, {"a": "Hub", "d": "Dee"}, "name")
    >>> name_communities(G, {"a": 0, "b": 0, "c": 0, "d": 1, "e": 1})
    {'0': 'Hub', '1': 'Dee'}
    """
    name_of = {n: str(G.nodes[n].get("name", n)) for n in G}
    central = centrality if centrality is not None else pd.Series(dict(G.degree()), dtype=float)
    labels_all = pd.Series(community) if not isinstance(community, pd.Series) else community
    ranked = pd.DataFrame(
        {"community": labels_all.reindex(list(G)), "c": central.reindex(list(G))}
    ).dropna(subset=["community"])
    ranked["order"] = range(len(ranked))
    ranked = ranked.sort_values(["c", "order"], ascending=[False, True], kind="stable")
    names: dict[str, str] = {}
    for node, label in ranked.groupby("community", sort=False)["community"].head(1).items():
        names[str(label)] = name_of.get(node, str(node))
    return names


def under_connected_groups(
    G: nx.Graph,
    *,
    distance: pd.Series,
    community: pd.Series | Mapping[Hashable, Any] | None = None,
    centrality: pd.Series | None = None,
    min_size: int = MIN_GROUP_SIZE,
    degree_ratio_below: float = DEGREE_RATIO_BELOW,
    far_share_margin: float = FAR_SHARE_MARGIN,
    far_hops: int = FAR_HOPS,
    use_distance: bool = True,
    n_permutations: int = 5_000,
    seed: int | None = None,
    fdr: float = GROUP_FDR,
) -> pd.DataFrame:
    """Groups of organisations less connected than the population as a whole.

    Over the VCSE and infrastructure organisations in ``G`` (the "whole"), every
    grouping is examined: ``size_band`` (each band, and ``unknown``), ``tag`` (each
    tag), ``locality`` (each named locality; organisations without one are in no
    locality group) and ``community`` (each detected community, when
    ``community`` is given).

    Every tag, locality and community group of at least ``min_size`` members is
    tested against random groups of the same size drawn from the whole (seeded,
    ``n_permutations`` of them, one matrix of permutations whose prefixes are the
    random groups of every size at once): ``p_degree`` is the share of random
    groups with a mean degree as low, ``p_far`` the share with as large a share
    far from decision makers, each ``(1 + k) / (n + 1)``. The size bands are listed
    but not tested (the small-versus-larger tests compare them). The
    Benjamini-Hochberg step (at false discovery rate ``fdr``, default 5 %) runs
    over every test made, and a group is **flagged** only when a test that passes
    it also shows an effect past its threshold:

    - its mean degree is below ``degree_ratio_below`` (default 0.75) times the
      whole's, i.e. at least a quarter fewer ties than the average; or
    - its share more than ``far_hops`` (default 2) hops from any decision maker
      (no path counts as far) is at least ``far_share_margin`` (default 0.15, 15
      percentage points) above the whole's share. With ``use_distance`` False
      (too few decision makers in the data to say who is far from them) this
      test is not made.

    Groups smaller than ``min_size`` (default 5) are listed but never tested: with
    so few members one organisation moves a share by 20 points or more.

    A community is labelled after its most central member (highest
    ``centrality``, by default degree) over all its organisations.
    ``explained_by`` names the organisation that, when at least
    ``EXPLAINED_SHARE`` of a group's members have every tie to it and no other,
    explains the group (a funder's grantees, say).

    Parameters
    ----------
    G : nx.Graph
        The organisation graph; nodes carry ``type``, ``size_band``, ``tags``,
        ``locality``.
    distance : hops to the nearest decision maker by node (``inf``: no path).
    community : detected community by node, or None to skip that grouping.
    centrality : what names a community (its member with the highest value);
        degree when None.
    seed : seeds the random groups.

    Returns
    -------
    pd.DataFrame
        Exactly ``GROUP_COLUMNS``: ``grouping``, ``group`` (str), ``label``,
        ``n``, ``mean_degree_ratio`` (NaN when the whole has no ties),
        ``share_isolated``, ``share_far_from_decision``, ``p_degree``, ``p_far``
        (NaN when not tested), ``significant`` (a test passes the BH step),
        ``flagged``, ``explained_by`` (an id, or empty), ``members`` (sorted ids,
        ``;``-joined). Rows are by grouping in that order, then by group. The
        whole's figures, the thresholds and the tests are in
        ``frame.attrs["whole"]``, ``frame.attrs["thresholds"]`` and
        ``frame.attrs["tests"]`` for the findings.

    Examples
    --------
    >>> G = nx.Graph([("a", "b"), ("b", "c")])
    >>> G.add_node("d")
    >>> nx.set_node_attributes(G, "vcse", "type")
    >>> nx.set_node_attributes(G, {"a": "large", "b": "large", "c": "micro", "d": "micro"},
    ...                        "size_band")
    >>> dist = pd.Series({"a": 1.0, "b": 2.0, "c": 3.0, "d": float("inf")})
    >>> nx.set_node_attributes(G, {"a": "x", "b": "x", "c": "y", "d": "y"}, "locality")
    >>> t = under_connected_groups(G, distance=dist, min_size=2, n_permutations=99, seed=0)
    >>> columns = ["group", "n", "mean_degree_ratio", "p_degree", "flagged"]
    >>> t[columns].values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['micro', 2, 0.5, nan, False], ['large', 2, 1.5, nan, False],
     ['x', 2, 1.5, 1.0, False], ['y', 2, 0.5, 0.36, False]]
    """
    nodes = [n for n, d in G.nodes(data=True) if d.get("type") in EXCLUSION_TYPES]
    position = {n: i for i, n in enumerate(nodes)}
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

    community_names = (
        name_communities(G, community, centrality=centrality) if community is not None else {}
    )

    rows: list[dict[str, Any]] = []
    for grouping, groups in groupings:
        for group, members in groups.items():
            index = pd.Index(members)
            deg = degree[index]
            ratio = float(deg.mean()) / whole_mean if whole_mean else math.nan
            share_far = float(far[index].mean())
            if grouping == "community":
                label = f"around {community_names.get(str(group), str(group))}"
            else:
                label = str(group)
            rows.append(
                {
                    "grouping": grouping,
                    "group": str(group),
                    "label": label,
                    "n": len(members),
                    "mean_degree_ratio": ratio,
                    "share_isolated": float((deg == 0).mean()),
                    "share_far_from_decision": share_far,
                    "explained_by": _explained_by(G, members),
                    "members": ";".join(sorted(str(m) for m in members)),
                    "_index": [position[m] for m in members],
                }
            )
    tested = [i for i, r in enumerate(rows) if r["grouping"] != "size_band" and r["n"] >= min_size]
    p_degree = np.full(len(rows), np.nan)
    p_far = np.full(len(rows), np.nan)
    if tested:
        low, high = _random_group_tail_counts(
            degree.to_numpy(dtype="float64"),
            far.to_numpy(dtype="float64"),
            [rows[i]["_index"] for i in tested],
            n_permutations=n_permutations,
            seed=seed,
        )
        p_degree[tested] = (1 + low) / (n_permutations + 1)
        if use_distance:
            p_far[tested] = (1 + high) / (n_permutations + 1)
    passes = benjamini_hochberg(np.concatenate([p_degree, p_far]), alpha=fdr)
    degree_passes, far_passes = passes[: len(rows)], passes[len(rows) :]
    for i, r in enumerate(rows):
        ratio, share_far = r["mean_degree_ratio"], r["share_far_from_decision"]
        low_degree = ratio == ratio and ratio < degree_ratio_below
        far_more = use_distance and share_far >= whole_far + far_share_margin - 1e-12
        r["p_degree"] = float(p_degree[i])
        r["p_far"] = float(p_far[i])
        r["significant"] = bool(degree_passes[i] or far_passes[i])
        r["flagged"] = bool((low_degree and degree_passes[i]) or (far_more and far_passes[i]))
        del r["_index"]
    table = pd.DataFrame(rows, columns=list(GROUP_COLUMNS)).astype(
        {
            "grouping": "str",
            "group": "str",
            "label": "str",
            "n": "int64",
            "mean_degree_ratio": "float64",
            "share_isolated": "float64",
            "share_far_from_decision": "float64",
            "p_degree": "float64",
            "p_far": "float64",
            "significant": "bool",
            "flagged": "bool",
            "explained_by": "str",
            "members": "str",
        }
    )
    table.attrs["tests"] = {
        "n_permutations": n_permutations,
        "seed": seed,
        "fdr": fdr,
        "groups_tested": len(tested),
        "tests": int(np.isfinite(p_degree).sum() + np.isfinite(p_far).sum()),
        "use_distance": use_distance,
        "centrality": "betweenness" if centrality is not None else "degree",
    }
    table.attrs["whole"] = whole
    table.attrs["thresholds"] = {
        "min_size": min_size,
        "degree_ratio_below": degree_ratio_below,
        "far_share_margin": far_share_margin,
        "far_hops": far_hops,
        "use_distance": use_distance,
    }
    return table


def _random_group_tail_counts(
    degree: np.ndarray,
    far: np.ndarray,
    groups: list[list[int]],
    *,
    n_permutations: int,
    seed: int | None,
) -> tuple[np.ndarray, np.ndarray]:
    """For each group (positions into ``degree``), how many random groups of its
    size have a degree sum as low, and how many a far count as high.

    The first ``m`` entries of a random permutation are a random group of ``m``,
    so one (block of) permutation(s) and its prefix sums serve every size at once.
    Degrees and far flags are whole numbers, so the sums compare exactly.
    """
    sizes = np.asarray([len(g) for g in groups], dtype="int64")
    # Degree and far count packed into one integer, so one gather and one running
    # sum give both: the far count (at most n) sits in the low bits.
    shift = max(len(degree).bit_length(), 1)
    packed = (np.rint(degree).astype("int64") << shift) + np.rint(far).astype("int64")
    mask = (1 << shift) - 1
    observed = np.asarray([packed[g].sum() for g in groups], dtype="int64")
    observed_degree, observed_far = observed >> shift, observed & mask
    low = np.zeros(len(groups), dtype="int64")
    high = np.zeros(len(groups), dtype="int64")
    n = len(degree)
    longest = int(sizes.max())
    rng = np.random.default_rng(seed)
    chunk = max(1, min(n_permutations, 4_000_000 // max(n, 1)))
    for start in range(0, n_permutations, chunk):
        size = min(chunk, n_permutations - start)
        # Sorting random keys is a uniform random permutation (ties have
        # probability about n^2 / 2^53) and is faster than shuffling each row.
        order = _smallest_first(rng.random((size, n)), longest)
        sums = np.cumsum(packed[order], axis=1)[:, sizes - 1]
        low += ((sums >> shift) <= observed_degree).sum(axis=0)
        high += ((sums & mask) >= observed_far).sum(axis=0)
    return low, high


def _smallest_first(keys: np.ndarray, k: int) -> np.ndarray:
    """``np.argsort(keys, axis=1)[:, :k]``: each row's k smallest keys' positions,
    smallest first. When k is well below the row length, a partition then a sort
    of the k alone (linear, not n log n, in the row length); the same positions
    whenever a row's keys are distinct (random floats tie with probability about
    n^2 / 2^53 per row)."""
    n = keys.shape[1]
    if k >= n // 2:
        return np.argsort(keys, axis=1)[:, :k]
    part = np.argpartition(keys, k - 1, axis=1)[:, :k]
    within = np.argsort(np.take_along_axis(keys, part, axis=1), axis=1)
    return np.take_along_axis(part, within, axis=1)


def _explained_by(G: nx.Graph, members: list[Hashable]) -> str:
    """The one organisation every tie of at least ``EXPLAINED_SHARE`` of the members
    goes to (and no other), or empty."""
    only: dict[Hashable, int] = {}
    for m in members:
        neighbours = set(G.neighbors(m))
        if len(neighbours) == 1:
            (sole,) = neighbours
            only[sole] = only.get(sole, 0) + 1
    if not only:
        return ""
    sole, n_only = max(only.items(), key=lambda item: item[1])
    return str(sole) if n_only >= EXPLAINED_SHARE * len(members) else ""


def _community_key(label: Any) -> tuple[int, float, str]:
    if isinstance(label, int | float | np.integer | np.floating):
        return (0, float(label), "")
    return (1, 0.0, str(label))


def decision_maker_reach(G: nx.Graph, ds: Dataset) -> tuple[int, int]:
    """How many decision makers the data has (public bodies in ``G`` and boards
    with a member) and how many ties they have between them (the public bodies'
    ties and the board memberships).

    Examples
    --------
    >>> G = nx.Graph([("trust", "group")])
    >>> nx.set_node_attributes(G, {"trust": True, "group": False}, "public_body")
    >>> decision_maker_reach(G, Dataset.from_frames(organisations=pd.DataFrame(
    ...     {"id": ["trust", "group"], "name": ["T", "G"], "type": ["nhs", "vcse"]})))
    (1, 1)
    """
    public = [n for n, d in G.nodes(data=True) if d.get("public_body")]
    boards = ds.memberships["board_id"].nunique() if len(ds.memberships) else 0
    ties = sum(G.degree(n) for n in public) + len(ds.memberships)
    return len(public) + int(boards), int(ties)


def removal_group_overlap(
    removal: pd.DataFrame, groups: pd.DataFrame
) -> tuple[RemovalOverlap, ...]:
    """For each removed organisation that would cut small organisations off, the
    flagged group holding most of them, as
    :class:`partnernet.analysis.records.RemovalOverlap` records (largest overlap
    first).

    Examples
    --------
    >>> removal = pd.DataFrame({"id": ["cvs"], "name": ["CVS"], "small_cut_off": [3],
    ...                         "cut_off_ids": ["a;b;c"]})
    >>> groups = pd.DataFrame({"grouping": ["tag"], "group": ["x"], "label": ["x"],
    ...                        "flagged": [True], "members": ["a;b;z"]})
    >>> [(o.broker_id, o.cut_off, o.group, o.overlap)
    ...  for o in removal_group_overlap(removal, groups)]
    [('cvs', 3, 'x', 2)]
    """
    flagged = groups[groups["flagged"].astype(bool)] if not groups.empty else groups
    out = []
    for r in removal.itertuples(index=False):
        cut = set(str(r.cut_off_ids).split(";")) - {""} if int(r.small_cut_off) else set()
        if not cut:
            continue
        best = None
        for g in flagged.itertuples(index=False):
            shared = len(cut & set(str(g.members).split(";")))
            if shared and (best is None or shared > best[0]):
                best = (shared, g)
        if best is not None:
            shared, g = best
            out.append(
                RemovalOverlap(
                    broker_id=str(r.id),
                    cut_off=len(cut),
                    grouping=str(g.grouping),
                    group=str(g.group),
                    label=str(g.label),
                    group_size=len(set(str(g.members).split(";")) - {""}),
                    overlap=shared,
                )
            )
    return tuple(sorted(out, key=lambda o: (-o.overlap, o.broker_id)))


def group_tests(
    groups: pd.DataFrame, *, decision_makers: int, decision_maker_ties: int
) -> GroupTests:
    """The record of how :func:`under_connected_groups` tested ``groups``."""
    tests = groups.attrs.get("tests", {})
    return GroupTests(
        reshuffles=int(tests.get("n_permutations", 0)),
        seed=tests.get("seed"),
        fdr=float(tests.get("fdr", GROUP_FDR)),
        groups_tested=int(tests.get("groups_tested", 0)),
        tests=int(tests.get("tests", 0)),
        significant=int(groups["significant"].sum()) if len(groups) else 0,
        flagged=int(groups["flagged"].sum()) if len(groups) else 0,
        use_distance=bool(tests.get("use_distance", True)),
        decision_makers=decision_makers,
        decision_maker_ties=decision_maker_ties,
        community_names_by=str(tests.get("centrality", "degree")),
    )
