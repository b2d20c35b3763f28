"""The whole analysis of a place in one pure call: Dataset in, Results out.

This is the core of ``partnernet analyse`` (and ``render``, and the Neo4j
write-back): every measure of DESIGN section 5, computed once on one organisation
graph and assembled into the tables of :mod:`partnernet.analysis.results`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from typing import Any

import networkx as nx
import pandas as pd

from partnernet.analysis import centrality, coverage, exclusion, silos, summary
from partnernet.analysis.ei import department_ei, ei_seeds, sector_ei
from partnernet.analysis.paths import distance_to_decision
from partnernet.analysis.populations import (
    infrastructure_organisations,
    top_brokers,
    top_liaison_broker,
)
from partnernet.analysis.records import BrokerageNull, BrokerLiaison, EIIndices, RunSettings
from partnernet.analysis.removal import articulation_points, removal_impact
from partnernet.analysis.results import (
    BROKERAGE_ROLES,
    METRIC_COLUMNS,
    ROLE_TABLE_COLUMNS,
    Results,
    Summary,
)
from partnernet.analysis.roles import (
    RESHUFFLE_WORK_BUDGET,
    brokerage_permutation_test,
    brokerage_roles,
    brokerage_test,
    expected_by_broker_group,
)
from partnernet.analysis.routes import infrastructure_path_share
from partnernet.graph import build_graph, org_graph, parse_layers
from partnernet.model import PUBLIC_BODY_TYPES, Dataset, in_pounds

__all__ = ["analyse", "funding_by_recipient", "metrics_table"]

# Above this many organisations exact betweenness costs minutes; a sampled
# estimate with a stated error bound is used instead (DESIGN section 10).
EXACT_BETWEENNESS_LIMIT = 20_000
BETWEENNESS_PIVOTS = 1_000

# The reshuffle tests and the route counts run on at most this many threads
# beside the main one: one per core the process may use (more would only take
# turns; the main thread is mostly waiting on igraph or for them).
RESHUFFLE_THREADS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 2

# progress(step, done, total): a step starting is (step, 0, 1); a step made of
# many like parts (one per candidate removed, say) reports each part as it ends.
Progress = Callable[[str, int, int], None]


def funding_by_recipient(ds: Dataset) -> pd.DataFrame:
    """Pounds each organisation received, in all and from public bodies.

    Only awards in pounds (currency ``GBP`` or none) are added; awards in other
    currencies are counted apart (:func:`partnernet.analysis.coverage.currencies`).

    Returns a frame indexed by organisation id (every organisation, zeros for none)
    with float columns ``funding_received`` and ``funding_from_public``.

    Examples
    --------
    >>> ds = Dataset.from_frames(
    ...     organisations=pd.DataFrame({"id": ["c", "f", "g"], "name": ["C", "F", "G"],
    ...                                 "type": ["local_authority", "funder", "vcse"]}),
    ...     funding=pd.DataFrame({"id": ["1", "2"], "funder_id": ["c", "f"],
    ...                           "recipient_id": ["g", "g"], "amount": [100.0, 50.0],
    ...                           "award_date": ["2024-01-01"] * 2}))
    >>> funding_by_recipient(ds).loc["g"].tolist()
    [150.0, 100.0]
    """
    orgs = ds.organisations
    public = set(orgs.loc[orgs["type"].isin(PUBLIC_BODY_TYPES), "id"])
    f = in_pounds(ds.funding)
    total = f.groupby("recipient_id")["amount"].sum()
    from_public = f[f["funder_id"].isin(public)].groupby("recipient_id")["amount"].sum()
    ids = pd.Index(orgs["id"], name="id")
    return pd.DataFrame(
        {
            "funding_received": total.reindex(ids, fill_value=0.0).astype("float64"),
            "funding_from_public": from_public.reindex(ids, fill_value=0.0).astype("float64"),
        },
        index=ids,
    )


def metrics_table(
    G: nx.Graph,
    *,
    betweenness: pd.Series,
    constraint: pd.Series,
    effective_size: pd.Series,
    roles: pd.DataFrame,
    funding: pd.DataFrame,
    distance: pd.Series,
    community: pd.Series,
    under_connected: Iterable[str],
) -> pd.DataFrame:
    """One row per organisation with the columns of ``METRIC_COLUMNS``."""
    ids = list(G.nodes)
    flagged = set(under_connected)
    frame = pd.DataFrame(
        {
            "id": ids,
            "name": [G.nodes[n]["name"] for n in ids],
            "type": [G.nodes[n]["type"] for n in ids],
            "size_band": [G.nodes[n]["size_band"] for n in ids],
            "degree": [G.degree(n) for n in ids],
            "weighted_degree": [float(G.degree(n, weight="weight")) for n in ids],
            "betweenness": betweenness.reindex(ids).to_numpy(dtype=float),
            "constraint": constraint.reindex(ids).to_numpy(dtype=float),
            "effective_size": effective_size.reindex(ids).to_numpy(dtype=float),
            **{role: roles[role].reindex(ids).to_numpy(dtype="int64") for role in BROKERAGE_ROLES},
            "board_seats": [int(G.nodes[n]["board_seats"]) for n in ids],
            "funding_received": funding["funding_received"].reindex(ids).to_numpy(dtype=float),
            "funding_from_public": funding["funding_from_public"]
            .reindex(ids)
            .to_numpy(dtype=float),
            "distance_to_decision": distance.reindex(ids).to_numpy(dtype=float),
            "community": community.reindex(ids).to_numpy(dtype="int64"),
            "under_connected": [n in flagged for n in ids],
        }
    )
    frame["size_band"] = frame["size_band"].astype("str")
    return frame.loc[:, list(METRIC_COLUMNS)]


def analyse(
    ds: Dataset,
    *,
    layers: Iterable[str] | str | None = None,
    seed: int = 0,
    permutations: int = 5_000,
    betweenness_sample: int | None = None,
    progress: Progress | None = None,
) -> Results:
    """Every measure of DESIGN section 5 on one dataset.

    Parameters
    ----------
    ds : Dataset
    layers : organisation-graph layers to use (default all; see
        :func:`partnernet.graph.parse_layers`).
    seed : seeds every random step (permutation tests, community detection,
        betweenness sampling): the same seed gives identical results.
    permutations : permutations for each permutation test (at least 5,000 for
        reported p-values).
    betweenness_sample : estimate betweenness from this many random pivots; by
        default exact up to ``EXACT_BETWEENNESS_LIMIT`` organisations and sampled
        with ``BETWEENNESS_PIVOTS`` pivots above it.
    progress : called as ``progress(step, done, total)``: with ``(step, 0, 1)`` as
        each step starts, and after each part of the long steps (removing each
        candidate; the last step, waiting for the reshuffle tests and the route
        counts that run on other threads, as each of them ends) with the parts
        done so far and their number.

    Examples
    --------
    >>> ds = Dataset.from_frames(organisations=pd.DataFrame(
    ...     {"id": ["c", "g"], "name": ["Council", "Group"], "type": ["local_authority", "vcse"],
    ...      "size_band": [None, "micro"]}),
    ...     partnerships=pd.DataFrame({"source_id": ["c"], "target_id": ["g"]}))
    >>> analyse(ds, permutations=100).metrics[["id", "degree", "distance_to_decision"]]
      id  degree  distance_to_decision
    0  c       1                   0.0
    1  g       1                   1.0
    """
    report = progress or (lambda _step, _done, _total: None)

    def step(name: str) -> None:
        report(name, 0, 1)

    def parts(name: str) -> Callable[[int, int], None]:
        return lambda done, total: report(name, done, total)

    chosen = parse_layers(layers)

    step("building the graph")
    # Frozen: no measure may add or remove a node or tie, so each conversion to
    # igraph is made once and shared (centrality.to_igraph).
    G = nx.freeze(org_graph(ds, chosen))
    multilayer = build_graph(ds)
    sectors = {n: d["sector"] for n, d in G.nodes(data=True)}
    _share_conversions(G)
    # The reshuffle tests are most of the run and independent of each other and
    # of every other step: each draws from a generator of its own seeded by
    # ``seed`` and only reads the frozen graph and the dataset, so their figures
    # do not depend on when or beside what they run. They spend their time in
    # numpy, which lets go of the GIL while it shuffles and counts, so they run on
    # the other cores while this thread goes on; each starts as soon as what it
    # needs is known, the longest first.
    with _Background(threads=RESHUFFLE_THREADS) as background:
        sector_seed, department_seed = ei_seeds(seed)
        background.start(
            "sector_ei", lambda: sector_ei(G, n_permutations=permutations, seed=sector_seed)
        )
        background.start(
            "department_ei",
            lambda: department_ei(ds, G, n_permutations=permutations, seed=department_seed),
        )
        background.start(
            "small_vs_large",
            lambda: exclusion.small_vs_large_tests(G, ds, n_permutations=permutations, seed=seed),
        )
        # Counting the shortest routes is numpy level by level, like the tests, and so
        # is the effective size, over the triangles.
        background.start("routes", lambda: infrastructure_path_share(G))
        background.start("effective_size", lambda: centrality.effective_size(G))

        step("centrality")
        if betweenness_sample is None and G.number_of_nodes() > EXACT_BETWEENNESS_LIMIT:
            betweenness_sample = BETWEENNESS_PIVOTS
        betweenness = centrality.betweenness(G, sample=betweenness_sample, seed=seed)
        constraint = centrality.burt_constraint(G)

        step("brokerage roles")
        roles = brokerage_roles(G, sectors)
        role_test = brokerage_test(G, sectors, roles=roles)
        expected_by_group = expected_by_broker_group(G, sectors)
        brokers = top_brokers(betweenness)
        background.start(
            "brokerage",
            lambda: brokerage_permutation_test(
                G,
                sectors,
                brokers=[*brokers, *_listed(top_liaison_broker(roles["liaison"], betweenness))],
                n_permutations=permutations,
                seed=seed,
                roles=roles,
                work_budget=RESHUFFLE_WORK_BUDGET,
            ),
            ahead=True,  # longer than the pieces still queued: it would finish last
        )

        step("distance to decision makers")
        distance = distance_to_decision(G)

        step("communities")
        found = summary.louvain_communities(G, seed=seed)
        community = summary.community_labels(G, found)
        network = summary.network_summary(G, multilayer, seed=seed, partition=found)

        decision_makers, decision_maker_ties = exclusion.decision_maker_reach(G, ds)
        background.start(
            "groups",
            lambda: exclusion.under_connected_groups(
                G,
                distance=distance,
                community=community,
                centrality=betweenness,
                use_distance=decision_makers >= exclusion.MIN_DECISION_MAKERS
                and decision_maker_ties >= exclusion.MIN_DECISION_MAKER_TIES,
                n_permutations=permutations,
                seed=seed,
            ),
        )
        step("exclusion of small organisations")
        size_bands = exclusion.size_band_table(G, ds, betweenness=betweenness, distance=distance)
        concentration = exclusion.funding_concentration(ds)

        step("siloed departments")
        engagement = silos.Engagement.of(ds)
        departments = silos.department_table(ds, engagement=engagement)
        overlap = silos.overlap_matrices(ds, engagement=engagement)
        duplicated = silos.duplicated_engagement(ds, engagement=engagement)
        renamings = silos.likely_renamings(ds, engagement=engagement)

        step("removal impact")
        candidates = list(dict.fromkeys(infrastructure_organisations(G) + brokers))
        removal = removal_impact(G, candidates, progress=parts("removal impact"))
        cut_points = articulation_points(G)

        # What the other threads compute, collected in a fixed order (the longest
        # last); each is reported as it is collected.
        waiting = "reshuffle tests and routes from small organisations to decision makers"
        step(waiting)
        pieces = (
            "sector_ei",
            "department_ei",
            "small_vs_large",
            "routes",
            "effective_size",
            "brokerage",
            "groups",
        )
        for done, name in enumerate(pieces, start=1):
            background.result(name)
            report(waiting, done, len(pieces))
        ei = EIIndices(
            sector=background.result("sector_ei"), department=background.result("department_ei")
        )
        small_vs_large = background.result("small_vs_large")
        path_share = background.result("routes")
        effective = background.result("effective_size")
        reshuffled, broker_null = background.result("brokerage")
        role_table = _role_table(role_test, reshuffled)
        groups = background.result("groups")

    metrics = metrics_table(
        G,
        betweenness=betweenness,
        constraint=constraint,
        effective_size=effective,
        roles=roles,
        funding=funding_by_recipient(ds),
        distance=distance,
        community=community,
        under_connected=_flagged_members(groups),
    )
    return Results(
        dataset=ds,
        graph=G,
        multilayer=multilayer,
        metrics=metrics,
        groups=groups,
        departments=departments,
        size_bands=size_bands,
        overlap=overlap,
        roles=role_table,
        roles_expected_by_group=expected_by_group,
        removal=removal,
        duplicated=duplicated,
        cut_points=cut_points,
        top_brokers=tuple(brokers),
        summary=Summary(
            settings=RunSettings(
                layers=tuple(chosen),
                seed=seed,
                permutations=permutations,
                betweenness_sample=betweenness_sample,
            ),
            network=network,
            small_vs_large=small_vs_large,
            funding_concentration=concentration,
            ei=ei,
            infrastructure_path_share=path_share,
            brokerage_null=BrokerageNull(
                reshuffles=int(reshuffled["reshuffles"].iloc[0]),
                seed=seed,
                undirected=not G.is_directed(),
                top_brokers=tuple(
                    BrokerLiaison(
                        id=str(r.id),
                        liaison=int(r.liaison),
                        reshuffled_expected=float(r.reshuffled_expected),
                        p_value=float(r.reshuffled_p),
                        reshuffles=int(r.reshuffles),
                    )
                    for r in broker_null.itertuples()
                ),
            ),
            group_tests=exclusion.group_tests(
                groups, decision_makers=decision_makers, decision_maker_ties=decision_maker_ties
            ),
            removal_overlap=exclusion.removal_group_overlap(removal, groups),
            currencies=coverage.currencies(ds),
            period=coverage.period(ds),
        ),
        renamings=renamings,
    )


def _share_conversions(G: nx.Graph) -> None:
    """Make the frozen graph's shared conversions (its igraph copies, node index
    with its lookup table, node positions, edge ends) before another thread
    starts: made once here, no two threads ever make the same one."""
    centrality.to_igraph(G)
    centrality.to_igraph(G, weight=None)
    index = centrality.node_index(G)
    if len(index):
        index.get_loc(index[0])  # pandas builds its lookup table on the first lookup
    centrality.node_positions(G)
    centrality.edge_endpoints(G)


class _Background:
    """Named pieces of work run on at most ``threads`` daemon threads.

    ``start`` queues a piece; a free thread takes the first queued piece, so the
    longest pieces should be queued first. ``result(name)`` returns that piece's
    value, or raises what it raised; while it is not done, the asking thread runs
    queued pieces itself rather than wait idle. The threads are daemons: an
    interrupted run (Ctrl-C, a signal) exits without waiting for a reshuffle test
    nobody will read.
    """

    def __init__(self, *, threads: int) -> None:
        self._threads = max(1, threads)
        self._lock = threading.Lock()
        self._pending: list[tuple[str, Callable[[], Any]]] = []
        self._busy = 0
        self._done: dict[str, threading.Event] = {}
        self._values: dict[str, Any] = {}
        self._errors: dict[str, BaseException] = {}

    def start(self, name: str, piece: Callable[[], Any], *, ahead: bool = False) -> None:
        """Queue ``piece``; ``ahead`` puts it before the pieces already queued."""
        with self._lock:
            self._done[name] = threading.Event()
            self._pending.insert(0 if ahead else len(self._pending), (name, piece))
            if self._busy < self._threads:
                self._busy += 1
                threading.Thread(target=self._work, daemon=True).start()

    def _next(self) -> tuple[str, Callable[[], Any]] | None:
        with self._lock:
            return self._pending.pop(0) if self._pending else None

    def _run(self, name: str, piece: Callable[[], Any]) -> None:
        try:
            self._values[name] = piece()
        except Exception as error:  # handed to the thread that asks for it
            self._errors[name] = error
        except BaseException as error:
            # An interruption (Ctrl-C, a signal's exception) stops the run now
            # when it reaches the main thread running a queued piece itself.
            self._errors[name] = error
            if threading.current_thread() is threading.main_thread():
                raise
        finally:
            self._done[name].set()

    def __enter__(self) -> _Background:
        return self

    def __exit__(self, *exc: object) -> None:
        # A run that failed or was interrupted reads no more results: the queue is
        # emptied, so the other threads stop after the piece each is running.
        if exc[0] is not None:
            with self._lock:
                self._pending.clear()

    def _work(self) -> None:
        while True:
            with self._lock:
                if not self._pending:
                    self._busy -= 1
                    return
                name, piece = self._pending.pop(0)
            self._run(name, piece)

    def result(self, name: str) -> Any:
        while not self._done[name].is_set() and (queued := self._next()) is not None:
            self._run(*queued)
        self._done[name].wait()
        if name in self._errors:
            raise self._errors[name]
        return self._values[name]


def _listed(node: object) -> list[object]:
    return [] if node is None else [node]


def _role_table(random_graph: pd.DataFrame, reshuffled: pd.DataFrame) -> pd.DataFrame:
    """The role totals against both nulls, in ``ROLE_TABLE_COLUMNS``."""
    table = random_graph.rename(
        columns={"expected": "random_graph_expected", "z": "random_graph_z"}
    ).merge(reshuffled.drop(columns="observed"), on="role", how="left")
    return table.loc[:, list(ROLE_TABLE_COLUMNS)]


def _flagged_members(groups: pd.DataFrame) -> set[str]:
    members: set[str] = set()
    for joined in groups.loc[groups["flagged"].astype(bool), "members"]:
        if isinstance(joined, str) and joined:
            members.update(joined.split(";"))
    return members
