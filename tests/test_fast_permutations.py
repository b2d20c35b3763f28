"""Round 4 of issue 17: the permutation tests' fast paths give exactly what the
code they replaced gave (that code is kept here), from the same seeded draws."""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
import pytest

from partnernet.analysis import ei, stats
from partnernet.analysis.stats import _GROUP_STATISTICS, _batches, _p_values, permutation_test


def _old_permutation_p(
    x: np.ndarray, mask: np.ndarray, statistic: str, alternative: str, n: int, seed: int
) -> float:
    """permutation_test's p-value as it was computed before: the float64 values
    themselves shuffled."""
    stat = _GROUP_STATISTICS[statistic]
    n_group = int(mask.sum())
    observed = float(stat(x[mask])) - float(stat(x[~mask]))
    rng = np.random.default_rng(seed)
    permuted = np.empty(n, dtype="float64")
    done = 0
    for size in _batches(n, len(x)):
        shuffled = rng.permuted(np.tile(x, (size, 1)), axis=1)
        permuted[done : done + size] = stat(shuffled[:, :n_group]) - stat(shuffled[:, n_group:])
        done += size
    return _p_values(permuted, observed)[alternative]


def _cases() -> list[tuple[str, np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(11)
    degrees = rng.poisson(3.0, 400).astype("float64")
    floats = rng.normal(0.0, 1.0, 300)  # every value distinct
    signed_zeros = np.array([0.0, -0.0, 1.0, -0.0, 2.0, 0.0, -0.0, 3.0] * 10)
    wide = rng.integers(0, 70_000, 500).astype("float64")  # more than int16 codes
    return [
        ("degrees", degrees, rng.random(400) < 0.3),
        ("floats", floats, rng.random(300) < 0.5),
        ("signed zeros", signed_zeros, rng.random(80) < 0.4),
        ("wide", wide, rng.random(500) < 0.2),
    ]


@pytest.mark.parametrize("statistic", ["mean", "median", "share"])
@pytest.mark.parametrize("alternative", ["less", "greater", "two-sided"])
@pytest.mark.parametrize("case", range(4))
def test_permutation_test_on_codes_equals_shuffling_the_values(
    case: int, statistic: str, alternative: str
) -> None:
    _name, x, mask = _cases()[case]
    for seed in (0, 7):
        fast = permutation_test(
            x, mask, statistic=statistic, alternative=alternative, n_permutations=700, seed=seed
        )
        slow = _old_permutation_p(x, mask, statistic, alternative, 700, seed)
        assert fast.p_value == slow


def test_permutation_codes_use_the_smallest_type() -> None:
    expected: dict[int, Any] = {1: np.int8, 128: np.int8, 129: np.int16, 40_000: np.int32}
    for n_codes, code_type in expected.items():
        assert stats._code_type(n_codes) is code_type


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
