"""Permutation tests, Gini, top share, Lorenz curve and E-I index against hand-worked
values and brute-force references (exact enumeration of every permutation)."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pytest

from partnernet.analysis.ei import ei_by_group, ei_index, ei_permutation_test
from partnernet.analysis.records import EIGroup, PermutationTest, SectorEI
from partnernet.analysis.stats import gini, lorenz_curve, permutation_test, top_share

# --- Gini ---------------------------------------------------------------------------


def gini_brute(amounts: list[float]) -> float:
    """The defining formula: sum_i sum_j |x_i - x_j| / (2 n^2 mean)."""
    n = len(amounts)
    mean = sum(amounts) / n
    return sum(abs(a - b) for a in amounts for b in amounts) / (2 * n * n * mean)


@pytest.mark.parametrize(
    ("amounts", "expected"),
    [
        ([1, 1, 1, 1], 0.0),  # everyone equal
        ([0, 0, 0, 1], 0.75),  # one has all: (n - 1) / n; pairs 6 * 1 / (2 * 16 * 0.25)
        ([1, 3], 0.25),  # 2 * |1 - 3| / (2 * 4 * 2) = 4 / 16
        ([1, 2, 3, 4], 0.25),  # ordered-pair diffs sum 20 / (2 * 16 * 2.5) = 20 / 80
        ([100, 400, 500, 1000], 0.35),  # 2 * 2800 / (2 * 16 * 500) = 5600 / 16000
        ([7], 0.0),
    ],
)
def test_gini_hand_worked(amounts: list[float], expected: float) -> None:
    assert gini(amounts) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gini_matches_the_defining_formula(seed: int) -> None:
    rng = np.random.default_rng(seed)
    amounts = list(rng.lognormal(8, 2, size=rng.integers(2, 60)))
    assert gini(amounts) == pytest.approx(gini_brute(amounts), rel=1e-9)


@pytest.mark.parametrize("amounts", [[], [0, 0]])
def test_gini_undefined_is_nan(amounts: list[float]) -> None:
    assert math.isnan(gini(amounts))


@pytest.mark.parametrize("bad", [[1, -1], [1, float("nan")], [float("inf")]])
def test_gini_rejects_bad_amounts(bad: list[float]) -> None:
    with pytest.raises(ValueError):
        gini(bad)


# --- top share and Lorenz curve -----------------------------------------------------


@pytest.mark.parametrize(
    ("amounts", "fraction", "expected"),
    [
        ([1, 2, 3, 4], 0.1, 0.4),  # ceil(0.4) = 1 recipient: 4 / 10
        ([1, 2, 3, 4], 0.5, 0.7),  # 2 recipients: 7 / 10
        ([10] * 10, 0.1, 0.1),  # exactly 1 of 10
        (list(range(1, 21)), 0.1, 39 / 210),  # 20 + 19 of 210
        ([5, 5, 5], 1.0, 1.0),
    ],
)
def test_top_share_hand_worked(amounts: list[float], fraction: float, expected: float) -> None:
    assert top_share(amounts, fraction=fraction) == pytest.approx(expected)


def test_top_share_rejects_fraction_out_of_range() -> None:
    with pytest.raises(ValueError):
        top_share([1, 2], fraction=0)


def test_lorenz_curve_hand_worked() -> None:
    curve = lorenz_curve([1000, 100, 500, 400])
    assert curve["population_share"] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert curve["amount_share"] == pytest.approx([0.0, 0.05, 0.25, 0.5, 1.0])


def test_lorenz_curve_thins_long_curves_keeping_exact_points() -> None:
    amounts = np.arange(1, 1001, dtype=float)
    curve = lorenz_curve(amounts, max_points=51)
    assert len(curve["population_share"]) == 51
    assert curve["population_share"][0] == 0.0 and curve["population_share"][-1] == 1.0
    assert curve["amount_share"][-1] == pytest.approx(1.0)
    full = lorenz_curve(amounts, max_points=10_000)
    exact = dict(zip(full["population_share"], full["amount_share"], strict=True))
    for x, y in zip(curve["population_share"], curve["amount_share"], strict=True):
        assert exact[x] == pytest.approx(y)


# --- permutation test ---------------------------------------------------------------


def exact_permutation_p(values: list[float], in_group: list[bool], statistic: str) -> dict:
    """Every distinct split of the units into a group of the same size."""
    stat = {
        "mean": np.mean,
        "median": np.median,
        "share": lambda a: np.mean(np.asarray(a) > 0),
    }[statistic]
    x = np.asarray(values, dtype=float)
    k = sum(in_group)
    observed = stat(x[np.array(in_group)]) - stat(x[~np.array(in_group)])
    diffs = []
    for chosen in itertools.combinations(range(len(x)), k):
        mask = np.zeros(len(x), dtype=bool)
        mask[list(chosen)] = True
        diffs.append(stat(x[mask]) - stat(x[~mask]))
    d = np.array(diffs)
    less = float(np.mean(d <= observed + 1e-12))
    greater = float(np.mean(d >= observed - 1e-12))
    return {"less": less, "greater": greater, "two-sided": min(1.0, 2 * min(less, greater))}


def test_permutation_test_hand_worked() -> None:
    # Group {0, 0, 0} against {1, 1, 1}: difference -1; only 1 of the C(6,3) = 20
    # splits is as low, so the exact one-sided p-value is 1 / 20 = 0.05.
    r = permutation_test(
        [0, 0, 0, 1, 1, 1], [True] * 3 + [False] * 3, n_permutations=20_000, seed=3
    )
    assert isinstance(r, PermutationTest)
    assert r.observed_difference == r["observed_difference"] == r.get("observed_difference")
    assert r["observed_difference"] == -1.0
    assert r["group_value"] == 0.0 and r["rest_value"] == 1.0
    assert r["n_group"] == 3 and r["n_rest"] == 3
    assert r["p_value"] == pytest.approx(0.05, abs=0.006)


@pytest.mark.parametrize("statistic", ["mean", "median", "share"])
@pytest.mark.parametrize("alternative", ["less", "greater", "two-sided"])
def test_permutation_test_agrees_with_exact_enumeration(statistic: str, alternative: str) -> None:
    values = [3, 0, 4, 1, 0, 9, 2, 6, 0]
    in_group = [True, True, False, True, False, False, True, False, False]
    exact = exact_permutation_p(values, in_group, statistic)[alternative]
    r = permutation_test(
        values,
        in_group,
        statistic=statistic,
        alternative=alternative,
        n_permutations=20_000,
        seed=11,
    )
    # Monte Carlo standard error at 20,000 draws is at most 0.0036.
    assert r["p_value"] == pytest.approx(exact, abs=0.015)


def test_permutation_test_is_reproducible_and_bounded() -> None:
    rng = np.random.default_rng(5)
    values = rng.poisson(3, size=80)
    group = rng.random(80) < 0.4
    a = permutation_test(values, group, n_permutations=3000, seed=42)
    b = permutation_test(values, group, n_permutations=3000, seed=42)
    assert a == b
    assert 0 < a["p_value"] <= 1
    c = permutation_test(values, group, n_permutations=3000, seed=43)
    assert c["p_value"] != a["p_value"]


def test_permutation_p_value_is_never_zero() -> None:
    # A perfect separation: no shuffle reaches it, so p = 1 / (n + 1) exactly.
    values = list(range(40))
    r = permutation_test(values, [v < 20 for v in values], n_permutations=999, seed=0)
    assert r["p_value"] == pytest.approx(1 / 1000)


def test_permutation_test_identical_values_give_p_one() -> None:
    r = permutation_test([2.0] * 10, [True] * 5 + [False] * 5, n_permutations=500, seed=0)
    assert r["observed_difference"] == 0.0
    assert r["p_value"] == 1.0


def test_permutation_test_batches_do_not_change_the_answer_shape() -> None:
    # More permutations than one batch holds for this width: every slot is filled.
    values = np.arange(3000, dtype=float)
    r = permutation_test(values, values < 1500, n_permutations=1500, seed=0)
    assert r["p_value"] == pytest.approx(1 / 1501)


def test_permutation_test_with_an_empty_side_says_so() -> None:
    r = permutation_test([1, 2, 3], [False] * 3, n_permutations=10, seed=0)
    assert r["p_value"] is None and r["observed_difference"] is None
    assert "empty" in r["note"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"statistic": "mode"}, "statistic"),
        ({"alternative": "lower"}, "alternative"),
        ({"n_permutations": 0}, "n_permutations"),
    ],
)
def test_permutation_test_rejects_bad_options(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        permutation_test([1, 2], [True, False], **kwargs)


def test_permutation_test_rejects_nan_and_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="finite"):
        permutation_test([1, float("nan")], [True, False])
    with pytest.raises(ValueError, match="same length"):
        permutation_test([1, 2, 3], [True, False])


# --- E-I index ----------------------------------------------------------------------


def two_triangles() -> nx.Graph:
    """Two triangles {a, b, c} and {d, e, f} joined by the bridge c-d."""
    G = nx.Graph([("a", "b"), ("b", "c"), ("a", "c"), ("d", "e"), ("e", "f"), ("d", "f")])
    G.add_edge("c", "d")
    return G


TRIANGLE_GROUPS = {"a": "x", "b": "x", "c": "x", "d": "y", "e": "y", "f": "y"}


def test_ei_index_two_triangles() -> None:
    # I = 6 (three ties in each triangle), E = 1 (the bridge): (1 - 6) / 7.
    assert ei_index(two_triangles(), TRIANGLE_GROUPS) == pytest.approx(-5 / 7)
    by_group = ei_by_group(two_triangles(), TRIANGLE_GROUPS)
    # Each triangle: I = 3, E = 1 -> (1 - 3) / 4 = -0.5.
    assert by_group.to_dict("records") == [
        {"group": "x", "n": 3, "internal": 3, "external": 1, "ei": -0.5},
        {"group": "y", "n": 3, "internal": 3, "external": 1, "ei": -0.5},
    ]


def test_ei_index_star_is_fully_open() -> None:
    G = nx.star_graph(4)  # centre 0 in its own group: every tie crosses
    groups = {0: "hub", 1: "leaf", 2: "leaf", 3: "leaf", 4: "leaf"}
    assert ei_index(G, groups) == 1.0
    assert ei_by_group(G, groups)["ei"].tolist() == [1.0, 1.0]


def test_ei_index_leaves_out_unlabelled_nodes() -> None:
    # b is unlabelled: the ties a-b and b-c are not counted, only c-d (internal).
    G = nx.path_graph(["a", "b", "c", "d"])
    assert ei_index(G, {"a": 1, "b": None, "c": 2, "d": 2}) == -1.0
    assert math.isnan(ei_index(nx.empty_graph(3), {0: 1, 1: 2, 2: 1}))


def ei_brute(G: nx.Graph, groups: dict) -> tuple[int, int]:
    internal = sum(1 for u, v in G.edges() if groups[u] == groups[v])
    return internal, G.number_of_edges() - internal


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ei_permutation_observed_matches_direct_count(seed: int) -> None:
    G = nx.gnp_random_graph(40, 0.12, seed=seed)
    rng = np.random.default_rng(seed)
    groups = {n: str(rng.integers(0, 4)) for n in G}
    internal, external = ei_brute(G, groups)
    r = ei_permutation_test(G, groups, n_permutations=200, seed=seed)
    assert isinstance(r, SectorEI)
    assert isinstance(r.groups, tuple) and all(isinstance(g, EIGroup) for g in r.groups)
    assert (r["internal"], r["external"]) == (internal, external)
    assert r["ei"] == pytest.approx((external - internal) / (external + internal))
    assert r["ei"] == pytest.approx(ei_index(G, groups))
    table = ei_by_group(G, groups).set_index("group")
    for row in r["groups"]:
        assert row["internal"] == table.at[row["group"], "internal"]
        assert row["external"] == table.at[row["group"], "external"]
        assert row["n"] == table.at[row["group"], "n"]


def exact_ei_null(G: nx.Graph, groups: dict) -> tuple[np.ndarray, dict]:
    """E-I over every distinct relabelling (labels shuffled, sizes kept)."""
    nodes = list(groups)
    labels = [groups[n] for n in nodes]
    whole, per_group = [], {g: [] for g in set(labels)}
    for arrangement in set(itertools.permutations(labels)):
        assigned = dict(zip(nodes, arrangement, strict=True))
        whole.append(ei_index(G, assigned))
        table = ei_by_group(G, assigned).set_index("group")
        for g in per_group:
            per_group[g].append(table.at[g, "ei"])
    return np.array(whole), {g: np.array(v) for g, v in per_group.items()}


def test_ei_permutation_test_agrees_with_exact_enumeration() -> None:
    G = two_triangles()
    whole, per_group = exact_ei_null(G, TRIANGLE_GROUPS)
    observed = -5 / 7
    # The exact null has 20 relabellings; the observed split is the most closed,
    # reached only by itself and its mirror image: P(EI <= observed) = 2 / 20.
    assert np.mean(whole <= observed + 1e-12) == pytest.approx(0.1)
    r = ei_permutation_test(G, TRIANGLE_GROUPS, n_permutations=20_000, alternative="less", seed=7)
    assert r["p_value"] == pytest.approx(0.1, abs=0.01)
    assert r["expected"] == pytest.approx(float(np.mean(whole)), abs=0.01)
    for row in r["groups"]:
        null = per_group[row["group"]]
        defined = null[~np.isnan(null)]
        assert row["expected"] == pytest.approx(float(defined.mean()), abs=0.01)
        assert row["p_value"] == pytest.approx(np.mean(null <= row["ei"] + 1e-12), abs=0.01)


def test_ei_permutation_test_is_reproducible() -> None:
    G = nx.gnp_random_graph(30, 0.2, seed=1)
    groups = {n: n % 3 for n in G}
    a = ei_permutation_test(G, groups, n_permutations=500, seed=9)
    assert a == ei_permutation_test(G, groups, n_permutations=500, seed=9)
    assert 0 < a["p_value"] <= 1
    assert all(0 < g["p_value"] <= 1 for g in a["groups"])


def test_ei_permutation_test_without_ties_reports_none() -> None:
    r = ei_permutation_test(nx.empty_graph(4), {0: 1, 1: 1, 2: 2, 3: 2}, n_permutations=10)
    assert r["ei"] is None and r["p_value"] is None
    assert [g["ei"] for g in r["groups"]] == [None, None]
