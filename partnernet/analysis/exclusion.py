"""Are small organisations excluded? (DESIGN section 5, "Exclusion of small
organisations").

Every measure here is over the **population analysed**: organisations of type
``vcse`` or ``infrastructure`` (``EXCLUSION_TYPES``). Public bodies, funders and
businesses are the world they connect to, not the population compared. "Small"
means the ``micro`` and ``small`` income bands (under £100k a year); "larger" means
``medium`` and above. Organisations without a size band are shown as ``unknown``
in the size-band table and left out of the small-versus-larger tests.

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

from partnernet.analysis.results import GROUP_COLUMNS, SIZE_BAND_COLUMNS, Finding
from partnernet.analysis.stats import gini, lorenz_curve, permutation_test, top_share
from partnernet.graph import board_seats
from partnernet.model import PUBLIC_BODY_TYPES, SIZE_BANDS, Dataset, split_tags

__all__ = [
    "EXCLUSION_TYPES",
    "LARGER_BANDS",
    "MIN_GROUP_SIZE",
    "SMALL_BANDS",
    "exclusion_findings",
    "funding_concentration",
    "size_band_table",
    "small_vs_large_tests",
    "under_connected_groups",
]

EXCLUSION_TYPES: tuple[str, ...] = ("vcse", "infrastructure")
SMALL_BANDS: tuple[str, ...] = ("micro", "small")
LARGER_BANDS: tuple[str, ...] = tuple(b for b in SIZE_BANDS if b not in SMALL_BANDS)
UNKNOWN_BAND = "unknown"
# Below five members a share moves by 20 points with one organisation: too few to
# say anything about a group, so such groups are listed but never flagged, and a
# comparison with fewer on either side is reported as "too little data".
MIN_GROUP_SIZE = 5
# Under-connection thresholds (see under_connected_groups).
DEGREE_RATIO_BELOW = 0.75
FAR_SHARE_MARGIN = 0.15
FAR_HOPS = 2
ALPHA = 0.05


def _population_ids(ds: Dataset) -> list[str]:
    orgs = ds.organisations
    return orgs.loc[orgs["type"].isin(EXCLUSION_TYPES), "id"].tolist()


def _band_of(value: Any) -> str:
    return value if isinstance(value, str) and value else UNKNOWN_BAND


def _funding_received(ds: Dataset) -> tuple[pd.Series, pd.Series]:
    """Pounds received by each recipient, in all and from public bodies."""
    orgs = ds.organisations
    public = set(orgs.loc[orgs["type"].isin(PUBLIC_BODY_TYPES), "id"])
    f = ds.funding
    total = f.groupby("recipient_id")["amount"].sum()
    from_public = f[f["funder_id"].isin(public)].groupby("recipient_id")["amount"].sum()
    return total, from_public


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
    ids = _population_ids(ds)
    orgs = ds.organisations.set_index("id")
    seats = board_seats(ds)
    received, from_public = _funding_received(ds)
    frame = pd.DataFrame(
        {
            "band": [_band_of(orgs.at[i, "size_band"]) for i in ids],
            "degree": [G.degree(i) if i in G else 0 for i in ids],
            "seated": [int(seats.get(i, 0)) > 0 for i in ids],
            "public_funded": [float(from_public.get(i, 0.0)) > 0 for i in ids],
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
) -> dict[str, Any]:
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
    ids = _population_ids(ds)
    bands = ds.organisations.set_index("id")["size_band"]
    seats = board_seats(ds)
    known = [i for i in ids if _band_of(bands.get(i)) != UNKNOWN_BAND]
    small = np.array([bands[i] in SMALL_BANDS for i in known], dtype=bool)
    degree = np.array([G.degree(i) if i in G else 0 for i in known], dtype="float64")
    seat_counts = np.array([int(seats.get(i, 0)) for i in known], dtype="float64")
    rng = np.random.default_rng(seed)
    # Two independent streams from the one seed: each test is reproducible alone
    # and the pair is reproducible together.
    degree_seed, seat_seed = (int(s) for s in rng.integers(0, 2**63 - 1, size=2))
    return {
        "population": "vcse and infrastructure organisations with a known size band",
        "small_bands": list(SMALL_BANDS),
        "larger_bands": list(LARGER_BANDS),
        "n_small": int(small.sum()),
        "n_larger": int((~small).sum()),
        "n_unknown": len(ids) - len(known),
        "small_with_seat": int((seat_counts[small] > 0).sum()),
        "larger_with_seat": int((seat_counts[~small] > 0).sum()),
        "degree": permutation_test(
            degree,
            small,
            statistic="mean",
            alternative="less",
            n_permutations=n_permutations,
            seed=degree_seed,
        ),
        "board_seat_share": permutation_test(
            seat_counts,
            small,
            statistic="share",
            alternative="less",
            n_permutations=n_permutations,
            seed=seat_seed,
        ),
    }


def funding_concentration(
    ds: Dataset, *, fraction: float = 0.1, types: Iterable[str] = EXCLUSION_TYPES
) -> dict[str, Any]:
    """How unequally funding is spread across the organisations that receive it.

    Amounts are summed per recipient over every grant and contract in the data
    (amounts are taken as pounds; a ``currency`` column is not converted). Only
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
    received, _ = _funding_received(ds)
    amounts = received[received.index.isin(eligible) & (received > 0)].to_numpy(dtype="float64")
    n = len(amounts)
    return {
        "population": f"recipients of type {', '.join(sorted(chosen))}",
        "recipients": n,
        "total_amount": float(amounts.sum()),
        "gini": float(gini(amounts)) if n else None,
        "top_fraction": fraction,
        "top_count": math.ceil(round(fraction * n, 9)) if n else 0,
        "top_share": float(top_share(amounts, fraction=fraction)) if n else None,
        "lorenz": lorenz_curve(amounts),
    }


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
        by_band.setdefault(_band_of(data.get("size_band")), []).append(n)
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


# --- findings -----------------------------------------------------------------------


def _pct(share: float) -> str:
    """A share as a percentage a reader can take in: whole numbers, one decimal
    below 1 % so a small non-zero share never reads as 0 %."""
    value = 100 * share
    return f"{value:.1f}%" if 0 < value < 1 else f"{value:.0f}%"


def _p(p: float) -> str:
    return f"{p:.4f}" if p < 0.001 else f"{p:.3f}"


def _count_word(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n:,} {singular if n == 1 else (plural or singular + 's')}"


def _comparison_finding(
    finding_id: str,
    tests: Mapping[str, Any],
    key: str,
    alpha: float,
    min_group: int,
) -> Finding | None:
    test = tests.get(key)
    if not test:
        return None
    n_small, n_larger = int(tests.get("n_small", 0)), int(tests.get("n_larger", 0))
    what = "board seats" if key == "board_seat_share" else "ties"
    figures: dict[str, Any] = {
        "n_small": n_small,
        "n_larger": n_larger,
        "min_group_size": min_group,
    }
    if n_small < min_group or n_larger < min_group or test.get("p_value") is None:
        figures.update(test_p_value=None)
        return Finding(
            id=finding_id,
            question="exclusion",
            text=(
                f"Too little data to compare {what} by size: the data has "
                f"{_count_word(n_small, 'small or micro organisation')} and "
                f"{_count_word(n_larger, 'medium or larger organisation')} with a known size "
                f"band, and at least {min_group} of each are needed."
            ),
            figures=figures,
        )
    small_value, larger_value = float(test["group_value"]), float(test["rest_value"])
    p = float(test["p_value"])
    n_perm = int(test["n_permutations"])
    figures.update(
        small_value=small_value,
        larger_value=larger_value,
        observed_difference=float(test["observed_difference"]),
        p_value=p,
        n_permutations=n_perm,
        alpha=alpha,
    )
    if key == "board_seat_share":
        k_small, k_larger = int(tests["small_with_seat"]), int(tests["larger_with_seat"])
        figures.update(small_with_seat=k_small, larger_with_seat=k_larger)
        facts = (
            f"{_pct(small_value)} of small and micro organisations ({k_small:,} of {n_small:,}) "
            f"hold a seat on a board, against {_pct(larger_value)} of medium and larger "
            f"organisations ({k_larger:,} of {n_larger:,})"
        )
        lower = "under-represented on boards"
    else:
        facts = (
            f"small and micro organisations have {small_value:.1f} ties on average "
            f"({n_small:,} organisations), against {larger_value:.1f} for medium and larger "
            f"organisations ({n_larger:,})"
        )
        lower = "less connected"
    test_words = f"{n_perm:,} random reshuffles of the size labels"
    if small_value >= larger_value:
        text = (
            f"No sign that small organisations are {lower}: {facts}."
            f" (One-sided permutation test, p = {_p(p)}.)"
        )
    elif p < alpha:
        text = (
            f"Small organisations are {lower}: {facts}. A gap this large is unlikely to be "
            f"chance: p = {_p(p)} from {test_words}, below the usual {alpha:g}."
        )
    else:
        text = (
            f"{facts[0].upper()}{facts[1:]}. The gap is not statistically significant "
            f"(p = {_p(p)} from {test_words}; {alpha:g} or less would be needed), so it "
            "could be chance."
        )
    return Finding(id=finding_id, question="exclusion", text=text, figures=figures)


def _small_vs_larger_from_table(size_bands: pd.DataFrame) -> dict[str, Any] | None:
    """Weighted small-and-micro and larger figures from the size-band table."""
    if size_bands is None or size_bands.empty:
        return None
    t = size_bands.set_index("size_band")
    out: dict[str, Any] = {}
    for side, bands in (("small", SMALL_BANDS), ("larger", LARGER_BANDS)):
        part = t[t.index.isin(bands)]
        n = int(part["count"].sum())
        out[f"n_{side}"] = n
        out[f"{side}_no_path"] = round(float((part["share_no_path"] * part["count"]).sum()))
        out[f"{side}_share_of_organisations"] = float(part["share"].sum())
        funding = part["share_of_funding"]
        out[f"{side}_share_of_funding"] = (
            float(funding.sum()) if funding.notna().all() and len(part) else None
        )
    return out


def exclusion_findings(
    *,
    size_bands: pd.DataFrame,
    tests: Mapping[str, Any],
    concentration: Mapping[str, Any],
    groups: pd.DataFrame,
    alpha: float = ALPHA,
    min_group: int = MIN_GROUP_SIZE,
    max_listed: int = 5,
) -> list[Finding]:
    """Plain-English findings on the exclusion of small organisations.

    Each finding names the figures it rests on (every number in the text is in
    ``figures``), says "not statistically significant" when a permutation p-value
    is ``alpha`` or more, and says when there is too little data (fewer than
    ``min_group`` organisations on a side).

    Parameters
    ----------
    size_bands : from :func:`size_band_table`.
    tests : from :func:`small_vs_large_tests`.
    concentration : from :func:`funding_concentration`.
    groups : from :func:`under_connected_groups`.

    Returns
    -------
    list[Finding]
        Ids: ``small-orgs-board-seats``, ``small-orgs-degree``,
        ``small-orgs-no-path``, ``small-orgs-funding-share``,
        ``funding-concentration``, ``under-connected-groups`` (those with data).
    """
    findings: list[Finding] = []
    for finding_id, key in (
        ("small-orgs-board-seats", "board_seat_share"),
        ("small-orgs-degree", "degree"),
    ):
        finding = _comparison_finding(finding_id, tests, key, alpha, min_group)
        if finding is not None:
            findings.append(finding)

    sides = _small_vs_larger_from_table(size_bands)
    if sides and sides["n_small"] and sides["n_larger"]:
        n_small, n_larger = sides["n_small"], sides["n_larger"]
        k_small, k_larger = sides["small_no_path"], sides["larger_no_path"]
        figures = {
            "n_small": n_small,
            "n_larger": n_larger,
            "small_no_path": k_small,
            "larger_no_path": k_larger,
            "small_share_no_path": k_small / n_small,
            "larger_share_no_path": k_larger / n_larger,
        }
        findings.append(
            Finding(
                id="small-orgs-no-path",
                question="exclusion",
                text=(
                    f"{_pct(k_small / n_small)} of small and micro organisations ({k_small:,} of "
                    f"{n_small:,}) have no route at all through the network to a public body or "
                    f"a board, against {_pct(k_larger / n_larger)} of medium and larger "
                    f"organisations ({k_larger:,} of {n_larger:,})."
                    + (
                        " These are too few organisations to draw a conclusion from."
                        if min(n_small, n_larger) < min_group
                        else ""
                    )
                ),
                figures=figures,
            )
        )
        if sides["small_share_of_funding"] is not None:
            org_share = sides["small_share_of_organisations"]
            fund_share = sides["small_share_of_funding"]
            findings.append(
                Finding(
                    id="small-orgs-funding-share",
                    question="exclusion",
                    text=(
                        f"Small and micro organisations are {_pct(org_share)} of the voluntary "
                        f"and infrastructure organisations in the data but received "
                        f"{_pct(fund_share)} of the funding those organisations received."
                    ),
                    figures={
                        "small_share_of_organisations": org_share,
                        "small_share_of_funding": fund_share,
                    },
                )
            )

    findings.extend(_concentration_findings(concentration, min_group))
    findings.extend(_group_findings(groups, max_listed))
    return findings


def _concentration_findings(concentration: Mapping[str, Any], min_group: int) -> list[Finding]:
    n = int(concentration.get("recipients") or 0)
    if concentration.get("gini") is None or n < min_group:
        return [
            Finding(
                id="funding-concentration",
                question="exclusion",
                text=(
                    f"Too little funding data to measure how concentrated funding is: "
                    f"{_count_word(n, 'voluntary or infrastructure organisation')} received "
                    f"funding in the data, and at least {min_group} are needed."
                ),
                figures={"recipients": n, "min_group_size": min_group},
            )
        ]
    g = float(concentration["gini"])
    top_count = int(concentration["top_count"])
    share = float(concentration["top_share"])
    fraction = float(concentration["top_fraction"])
    total = float(concentration["total_amount"])
    return [
        Finding(
            id="funding-concentration",
            question="exclusion",
            text=(
                f"The top {_pct(fraction)} of funded organisations ({top_count:,} of {n:,}) "
                f"received {_pct(share)} of the £{total:,.0f} awarded to voluntary and "
                f"infrastructure organisations. The Gini coefficient across recipients is "
                f"{g:.2f} (0 would mean every recipient received the same; 1, that one "
                "received everything)."
            ),
            figures={
                "recipients": n,
                "top_fraction": fraction,
                "top_count": top_count,
                "top_share": share,
                "total_amount": round(total),
                "gini": g,
                "gini_equal": 0,
                "gini_one_takes_all": 1,
            },
        )
    ]


_GROUPING_WORDS = {
    "size_band": "size band",
    "tag": "tag",
    "locality": "locality",
    "community": "network community",
}


def _group_findings(groups: pd.DataFrame, max_listed: int) -> list[Finding]:
    if groups is None or groups.empty:
        return []
    whole = groups.attrs.get("whole", {})
    thresholds = groups.attrs.get("thresholds", {})
    min_size = int(thresholds.get("min_size", MIN_GROUP_SIZE))
    flagged = groups[groups["flagged"].astype(bool)]
    small = int((groups["n"] < min_size).sum())
    figures: dict[str, Any] = {
        "groups_examined": len(groups),
        "groups_flagged": len(flagged),
        "groups_too_small": small,
        "min_size": min_size,
        **{f"threshold_{k}": v for k, v in thresholds.items() if k != "min_size"},
        **{f"whole_{k}": v for k, v in whole.items()},
    }
    too_small = (
        f" {_count_word(small, 'group')} with fewer than {min_size} members "
        f"{'was' if small == 1 else 'were'} not assessed: too few to say anything."
        if small
        else ""
    )
    if flagged.empty:
        text = (
            f"No group of organisations (by size band, tag, locality or network community) "
            f"stands out as under-connected: {len(groups)} groups examined.{too_small}"
        )
        return [Finding("under-connected-groups", "exclusion", text, figures)]
    ordered = flagged.sort_values(["mean_degree_ratio", "n"], ascending=[True, False])
    listed = []
    rows = []
    for record in ordered.head(max_listed).to_dict("records"):
        row: dict[str, Any] = {
            "grouping": str(record["grouping"]),
            "group": str(record["group"]),
            "n": int(record["n"]),
            "mean_degree_ratio": float(record["mean_degree_ratio"]),
            "share_far_from_decision": float(record["share_far_from_decision"]),
        }
        words = _GROUPING_WORDS.get(row["grouping"], row["grouping"])
        listed.append(
            f"{words} '{row['group']}' ({row['n']:,} organisations: "
            f"{row['mean_degree_ratio']:.2f} times the average number of ties; "
            f"{_pct(row['share_far_from_decision'])} far from decision makers)"
        )
        rows.append(row)
    figures["flagged"] = rows
    more = len(flagged) - len(listed)
    ratio = float(thresholds.get("degree_ratio_below", DEGREE_RATIO_BELOW))
    margin = float(thresholds.get("far_share_margin", FAR_SHARE_MARGIN))
    hops = int(thresholds.get("far_hops", FAR_HOPS))
    whole_far = whole.get("share_far_from_decision")
    overall = (
        f" Across all voluntary and infrastructure organisations, {_pct(whole_far)} are far "
        "from decision makers."
        if isinstance(whole_far, float) and whole_far == whole_far
        else ""
    )
    text = (
        f"{_count_word(len(flagged), 'group')} of organisations "
        f"{'is' if len(flagged) == 1 else 'are'} under-connected: {'; '.join(listed)}"
        f"{f'; and {more} more' if more else ''}. A group is flagged when its members have "
        f"fewer than {ratio:g} times the average number of ties, or when the share of them "
        f"far from decision makers (more than {hops} hops from any public body or board, or "
        f"no route at all) is at least {100 * margin:.0f} points above the overall share."
        f"{overall}{too_small}"
    )
    figures["threshold_far_share_margin_points"] = round(100 * margin, 6)
    return [Finding("under-connected-groups", "exclusion", text, figures)]
