"""The brokerage metric suite on a 5,000-organisation graph, timed against igraph.

DESIGN section 10: the metric suite (betweenness, Burt's constraint and effective
size, Gould-Fernandez roles) should run within 1.5 times the time igraph takes
for the same metrics in the same run; pure-Python betweenness is about 35 times
slower. This script prints both ratios. It is never run by the test suite::

    .venv/bin/python bench/metrics_vs_igraph.py                    # two city samples
    .venv/bin/python bench/metrics_vs_igraph.py --source random    # G(n, m) instead
    .venv/bin/python bench/metrics_vs_igraph.py --skip-networkx    # no slow reference

(NetworkX's weighted effective size is left out of the reference: it re-sums a
node's ties for every pair of its partners, cubic in degree, and takes well over
ten minutes on this graph's hubs.)

The graph: by default two ``partnernet sample --scale city`` places (2,500
organisations each, seeds ``seed`` and ``seed + 1``) side by side, their councils
and CVSs tied to each other as neighbouring places' are; or, with ``--source
random``, a seeded random graph of 5,000 organisations with the same number of
ties per organisation and the sample's mix of sectors.

igraph has betweenness and constraint but neither effective size nor brokerage
roles, so the igraph side of the suite ratio is its betweenness plus its
constraint on a graph it already holds, and everything else partnernet does
(converting the graph, effective size, roles) counts against partnernet: the
ratio is conservative. Each timing is the best of ``--repeats`` runs, since the
machine is shared.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import tempfile
import time
from collections.abc import Callable
from typing import Any

import networkx as nx

from partnernet.analysis import centrality, roles
from partnernet.analysis.centrality import to_igraph
from partnernet.graph import org_graph
from partnernet.model import PUBLIC_BODY_TYPES, sector_of

TARGET_RATIO = 1.5


def sample_graph(seed: int, copies: int = 2) -> nx.Graph:
    from partnernet.io.read import read_dataset
    from partnernet.synthetic.generate import generate_sample

    # The sample's people are synthetic; a throwaway key pseudonymises them here.
    os.environ.setdefault("PARTNERNET_PSEUDONYM_KEY", secrets.token_hex(32))
    places = []
    for i in range(copies):
        with tempfile.TemporaryDirectory() as folder:
            generate_sample(folder, scale="city", seed=seed + i)
            G = org_graph(read_dataset(folder))
        places.append(nx.relabel_nodes(G, {n: f"place{i}:{n}" for n in G}))
    H = nx.union_all(places)
    for kind in ("local_authority", "infrastructure"):
        ends = [[n for n in P if P.nodes[n]["type"] == kind] for P in places]
        for a in ends[0]:
            for b in ends[1]:
                H.add_edge(a, b, weight=1.0, layers=("PARTNERS_WITH",))
    return H


def random_graph(seed: int, n: int = 5_000, ties_per_organisation: float = 3.0) -> nx.Graph:
    rng = random.Random(seed)
    G = nx.gnm_random_graph(n, round(n * ties_per_organisation), seed=seed)
    # Roughly the sample's mix: mostly voluntary groups, a few of everything else.
    types = ["vcse"] * 80 + ["infrastructure"] + ["local_authority", "department", "nhs"] * 3
    types += ["funder"] * 3 + ["business"] * 5 + ["education"] * 2
    for node in G:
        org_type = rng.choice(types)
        G.nodes[node].update(
            name=f"Org {node}",
            type=org_type,
            sector=sector_of(org_type),
            size_band=rng.choice(["micro", "small", "medium", "large"]),
            public_body=org_type in PUBLIC_BODY_TYPES,
            board_seats=0,
        )
    for u, v in G.edges:
        G[u][v]["weight"] = float(rng.choice([1, 1, 1, 2, 3]))
    return G


def best_of(repeats: int, fn: Callable[[], Any]) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", choices=["sample", "random"], default="sample")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-networkx", action="store_true")
    args = parser.parse_args()

    try:
        G = sample_graph(args.seed) if args.source == "sample" else random_graph(args.seed)
        source = args.source
    except ImportError:  # the sample generator is not installed
        G, source = random_graph(args.seed), "random (no sample generator)"
    sectors = {n: d["sector"] for n, d in G.nodes(data=True)}
    print(
        f"graph: {source}, {G.number_of_nodes():,} organisations, {G.number_of_edges():,} "
        f"ties, {nx.number_connected_components(G):,} components"
    )

    ours = {
        "betweenness": best_of(args.repeats, lambda: centrality.betweenness(G)),
        "constraint": best_of(args.repeats, lambda: centrality.burt_constraint(G)),
        "effective size": best_of(args.repeats, lambda: centrality.effective_size(G)),
        "brokerage roles": best_of(args.repeats, lambda: roles.brokerage_roles(G, sectors)),
    }
    g, _ = to_igraph(G)
    direct = {
        "betweenness": best_of(args.repeats, lambda: g.betweenness(directed=False)),
        "constraint": best_of(args.repeats, lambda: g.constraint(weights="weight")),
    }
    print(f"{'metric':<18}{'partnernet s':>14}{'igraph s':>12}{'ratio':>8}")
    for name, seconds in ours.items():
        if name in direct:
            ratio = seconds / direct[name]
            print(f"{name:<18}{seconds:>14.3f}{direct[name]:>12.3f}{ratio:>8.2f}")
        else:
            print(f"{name:<18}{seconds:>14.3f}{'(none)':>12}{'':>8}")
    suite, reference = sum(ours.values()), sum(direct.values())
    suite_ratio = suite / reference
    verdict = "within" if suite_ratio <= TARGET_RATIO else "OVER"
    print(
        f"suite: {suite:.3f} s against igraph {reference:.3f} s: ratio {suite_ratio:.2f} "
        f"({verdict} the {TARGET_RATIO}x target)"
    )

    if not args.skip_networkx:
        start = time.perf_counter()
        nx.betweenness_centrality(G, normalized=True)
        nx_betweenness = time.perf_counter() - start
        print(
            f"NetworkX betweenness: {nx_betweenness:.1f} s, "
            f"{nx_betweenness / direct['betweenness']:.0f}x igraph"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
