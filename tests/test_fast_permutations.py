"""Round 4 of issue 17: the permutation tests' fast paths give exactly what the
code they replaced gave (that code, or a switch back to it, is used here), from the
same seeded draws."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from partnernet.analysis import ei, exclusion
from partnernet.analysis.populations import band_of, exclusion_population
from partnernet.analysis.stats import _batches, count_true_by_row
from partnernet.graph import board_seats
from partnernet.io.read import read_dataset
from partnernet.synthetic.generate import generate_sample


@pytest.mark.parametrize(
    "shape",
    [
        *[(0, 5), (3, 0), (1, 1), (7, 74_000), (40, 333), (9, 7_999), (9, 8_000), (0, 8_000)],
        # A few rows either side of _FEW_ROWS, and narrow ones.
        *[(5, 13), (39, 900), (40, 900), (41, 12_000)],
    ],
)
@pytest.mark.parametrize("order", ["C", "F", "strided"])
def test_count_true_by_row_equals_count_nonzero_along_rows(
    shape: tuple[int, int], order: str
) -> None:
    rng = np.random.default_rng(shape[1])
    for density in (0.0, 0.03, 0.5, 1.0):
        mask = rng.random(shape) < density
        if order == "F":
            mask = np.asfortranarray(mask)
        elif order == "strided":  # every other column of a wider mask
            wide = np.repeat(mask, 2, axis=1)
            wide[:, 1::2] = ~mask
            mask = wide[:, ::2]
        fast = count_true_by_row(mask)
        assert fast.dtype == np.int64
        assert fast.tolist() == np.count_nonzero(mask, axis=1).tolist()


@pytest.mark.parametrize("n_groups", [3, 11, 12, 16])
def test_ei_pair_codes_equal_the_listed_internal_ties(
    n_groups: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 11 groups or fewer fit the pair codes in int8, 12 to 16 need int16.
    G = nx.gnm_random_graph(300, 1_200, seed=n_groups)
    rng = np.random.default_rng(n_groups)
    labels = {n: int(g) for n, g in zip(G.nodes, rng.integers(0, n_groups, 300), strict=True)}
    fast = ei.ei_permutation_test(G, labels, n_permutations=400, seed=3)
    monkeypatch.setattr(ei, "FEW_GROUPS", 0)  # the np.nonzero listing
    slow = ei.ei_permutation_test(G, labels, n_permutations=400, seed=3)
    assert fast == slow
    assert len(fast.groups) == n_groups


def _old_group_expected(G: nx.Graph, labels: dict[int, int], n: int, seed: int) -> list[float]:
    """Each group's expected E-I under the reshuffles, counted as before round 4:
    internal ties listed per group with an integer sum along rows, degree sums by
    one bincount over offset codes with the degrees broadcast as weights."""
    nodes = list(labels)
    names = sorted(set(labels.values()))
    codes = np.array([names.index(labels[v]) for v in nodes], dtype=np.int8)
    position = {v: i for i, v in enumerate(nodes)}
    pairs = [(position[u], position[v]) for u, v in G.edges() if u != v]
    u_idx = np.array([p[0] for p in pairs], dtype="int64")
    v_idx = np.array([p[1] for p in pairs], dtype="int64")
    k = len(names)
    degree = np.bincount(u_idx, minlength=len(nodes)) + np.bincount(v_idx, minlength=len(nodes))
    rng = np.random.default_rng(seed)
    out = []
    for size in _batches(n, max(len(nodes), len(pairs))):
        shuffled = rng.permuted(np.tile(codes, (size, 1)), axis=1)
        lab_u = shuffled[:, u_idx]
        same = lab_u == shuffled[:, v_idx]
        internal = np.stack([(same & (lab_u == g)).sum(axis=1) for g in range(k)], axis=1)
        offset = (np.arange(size, dtype="int64") * k)[:, None]
        degree_sum = np.bincount(
            (offset + shuffled).ravel(),
            weights=np.broadcast_to(degree, shuffled.shape).ravel(),
            minlength=size * k,
        ).astype("int64")
        external = degree_sum.reshape(size, k) - 2 * internal
        out.append((external - internal) / (external + internal))
    permuted = np.concatenate(out)
    return [float(permuted[:, g].mean()) for g in range(k)]


@pytest.mark.parametrize("n_groups", [2, 5, 9])
def test_ei_group_nulls_equal_the_counts_before_round_4(n_groups: int) -> None:
    G = nx.gnm_random_graph(250, 900, seed=20 + n_groups)
    rng = np.random.default_rng(n_groups)
    labels = {n: int(g) for n, g in zip(G.nodes, rng.integers(0, n_groups, 250), strict=True)}
    fast = ei.ei_permutation_test(G, labels, n_permutations=600, seed=9)
    assert [g.expected for g in fast.groups] == _old_group_expected(G, labels, 600, 9)


@pytest.mark.parametrize("scale", ["locality", "city"])
def test_size_band_lookups_by_dict_equal_the_pandas_lookups(scale: str, tmp_path: Path) -> None:
    # size_band_table reads each organisation's band, seats and funding from plain
    # dicts now; they must give what the label lookups (orgs.at, Series.get) gave.
    generate_sample(tmp_path, scale=scale, seed=4)
    ds = read_dataset(tmp_path)
    ids = exclusion_population(ds)
    orgs = ds.organisations.set_index("id")
    bands = dict(zip(ds.organisations["id"], ds.organisations["size_band"], strict=True))
    assert [band_of(bands[i]) for i in ids] == [band_of(orgs.at[i, "size_band"]) for i in ids]
    seats, seat_dict = board_seats(ds), board_seats(ds).to_dict()
    assert [int(seat_dict.get(i, 0)) for i in ids] == [int(seats.get(i, 0)) for i in ids]
    received = exclusion._funding_received(ds)
    got = received.to_dict()
    assert [float(got.get(i, 0.0)) for i in ids] == [float(received.get(i, 0.0)) for i in ids]
    assert any(float(got.get(i, 0.0)) > 0 for i in ids)
