"""Statistics shared by the analyses: permutation tests, Gini, top shares.

The E-I index lives in :mod:`partnernet.analysis.ei`.

Everything random takes a ``seed`` and draws from one ``numpy.random.Generator``,
so the same seed gives the same figures. Permutation p-values use the +1
correction, ``(count + 1) / (n_permutations + 1)``, which counts the observed
arrangement as one of the permutations: a p-value is never 0 (Phipson and Smyth
2010, "Permutation p-values should never be zero").

Outputs that end up in ``summary.json`` are JSON-ready: plain ``int``, ``float``,
``str``, ``None``, lists and dicts; an undefined figure is ``None``, never NaN.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from partnernet.analysis.records import PermutationTest

__all__ = [
    "ALTERNATIVES",
    "STATISTICS",
    "benjamini_hochberg",
    "gini",
    "lorenz_curve",
    "permutation_test",
    "top_share",
]

FloatArray = npt.NDArray[np.float64]

ALTERNATIVES: tuple[str, ...] = ("less", "greater", "two-sided")
# The statistic compared between the group and the rest. "share" is the share of
# values above zero (e.g. the share of organisations holding at least one seat).
STATISTICS: tuple[str, ...] = ("mean", "median", "share")

# Each permutation batch holds at most this many values, so memory stays bounded
# (about 16 MB of float64) however large the population.
_BATCH_CELLS = 2_000_000


def _batches(n_permutations: int, width: int) -> list[int]:
    """Batch sizes summing to ``n_permutations``; depends only on the inputs' sizes,
    so the random stream (and every figure) is the same for the same seed."""
    per_batch = max(1, _BATCH_CELLS // max(width, 1))
    sizes = [per_batch] * (n_permutations // per_batch)
    if n_permutations % per_batch:
        sizes.append(n_permutations % per_batch)
    return sizes


# A row-major mask's rows at least this wide are counted one at a time, and so are
# any other mask's rows (column-major or strided) when it has fewer than _FEW_ROWS
# of them (see count_true_by_row).
_ROW_BY_ROW_FROM = 8_000
_FEW_ROWS = 40


def count_true_by_row(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    """``np.count_nonzero(mask, axis=1)`` for a 2-d boolean array, the quickest way
    for its shape and memory order (the same integer counts every way).

    - Row-major, as from a comparison of shuffled rows: each row's booleans are
      packed into bits and the bits set counted, three to five times quicker than
      count_nonzero along the axis (which sums them as integers); from about 8,000
      columns counting one row at a time, where count_nonzero takes its
      byte-counting path, is quicker still.
    - Column-major, as from picking columns (``labels[:, ties]``), or strided:
      summing along the axis adds whole columns at once, three times quicker than
      either of those on column-major masks, except for a few very wide rows,
      which are again counted one at a time.
    """
    rows, columns = mask.shape
    if mask.flags.c_contiguous:
        if columns < _ROW_BY_ROW_FROM:
            packed: npt.NDArray[np.int64] = np.bitwise_count(np.packbits(mask, axis=1)).sum(
                axis=1, dtype=np.int64
            )
            return packed
    elif rows >= _FEW_ROWS:
        summed: npt.NDArray[np.int64] = np.count_nonzero(mask, axis=1).astype(np.int64)
        return summed
    return np.fromiter((np.count_nonzero(row) for row in mask), dtype=np.int64, count=rows)


def _tolerance(observed: float) -> float:
    # The same split computed in another order can differ in the last bits; a
    # permutation that ties the observed value must count as "as extreme".
    return 1e-9 * max(1.0, abs(observed))


def _p_values(permuted: FloatArray, observed: float) -> dict[str, float]:
    """One-sided and two-sided p-values with the +1 correction.

    NaN permuted values (an undefined statistic) never count as extreme.
    """
    n = len(permuted)
    tol = _tolerance(observed)
    less = (int(np.count_nonzero(permuted <= observed + tol)) + 1) / (n + 1)
    greater = (int(np.count_nonzero(permuted >= observed - tol)) + 1) / (n + 1)
    # Doubling the smaller tail works for skewed null distributions too, where
    # |x| >= |observed| would not.
    return {"less": less, "greater": greater, "two-sided": min(1.0, 2 * min(less, greater))}


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}; got {value!r}")


def _check_permutations(n_permutations: int) -> None:
    if n_permutations < 1:
        raise ValueError(f"n_permutations must be at least 1; got {n_permutations}")


_GROUP_STATISTICS: dict[str, Callable[[FloatArray], FloatArray]] = {
    "mean": lambda a: a.mean(axis=-1),
    "median": lambda a: np.median(a, axis=-1),
    "share": lambda a: (a > 0).mean(axis=-1),
}


def permutation_test(
    values: npt.ArrayLike,
    in_group: npt.ArrayLike,
    *,
    statistic: str = "mean",
    alternative: str = "less",
    n_permutations: int = 5_000,
    seed: int | None = None,
) -> PermutationTest:
    """Is a group's statistic lower (or higher) than the rest's beyond chance?

    The difference ``statistic(group) - statistic(rest)`` is compared with the
    same difference after shuffling group membership at random (group size kept).

    Parameters
    ----------
    values : one number per unit (finite).
    in_group : one bool per unit, True for the group.
    statistic : ``"mean"``, ``"median"`` or ``"share"`` (share of values > 0).
    alternative : ``"less"`` (the group is lower), ``"greater"`` or ``"two-sided"``
        (twice the smaller one-sided p-value, at most 1).
    n_permutations : random shuffles.
    seed : seeds a ``numpy.random.Generator``.

    Returns
    -------
    dict
        ``statistic``, ``alternative``, ``n_group``, ``n_rest``, ``group_value``,
        ``rest_value``, ``observed_difference``, ``p_value`` (``(count + 1) /
        (n_permutations + 1)``), ``n_permutations``, ``seed``. When either side is
        empty nothing can be tested: the values, difference and ``p_value`` are
        ``None`` and ``note`` says why.

    Examples
    --------
    >>> r = permutation_test([0, 0, 0, 1, 1, 1], [True] * 3 + [False] * 3,
    ...                      n_permutations=2000, seed=1)
    >>> r["observed_difference"], round(r["p_value"], 2)
    (-1.0, 0.05)
    """
    _check_choice("statistic", statistic, STATISTICS)
    _check_choice("alternative", alternative, ALTERNATIVES)
    _check_permutations(n_permutations)
    x = np.asarray(values, dtype="float64")
    mask = np.asarray(in_group, dtype=bool)
    if x.ndim != 1 or x.shape != mask.shape:
        raise ValueError(
            f"values and in_group must be 1-d and the same length; got {x.shape} and {mask.shape}"
        )
    if not np.isfinite(x).all():
        raise ValueError("values must be finite numbers (no NaN or infinity)")
    n_group = int(mask.sum())
    n_rest = int(len(x) - n_group)
    result: dict[str, Any] = {
        "statistic": statistic,
        "alternative": alternative,
        "n_group": n_group,
        "n_rest": n_rest,
        "group_value": None,
        "rest_value": None,
        "observed_difference": None,
        "p_value": None,
        "n_permutations": n_permutations,
        "seed": seed,
    }
    if n_group == 0 or n_rest == 0:
        result["note"] = "nothing to compare: the group or the rest is empty"
        return PermutationTest.from_mapping(result)

    stat = _GROUP_STATISTICS[statistic]
    group_value = float(stat(x[mask]))
    rest_value = float(stat(x[~mask]))
    observed = group_value - rest_value

    rng = np.random.default_rng(seed)
    permuted = np.empty(n_permutations, dtype="float64")
    done = 0
    for size in _batches(n_permutations, len(x)):
        # Shuffle each row independently; the first n_group columns are the group.
        shuffled = rng.permuted(np.tile(x, (size, 1)), axis=1)
        permuted[done : done + size] = stat(shuffled[:, :n_group]) - stat(shuffled[:, n_group:])
        done += size
    result.update(
        group_value=group_value,
        rest_value=rest_value,
        observed_difference=observed,
        p_value=_p_values(permuted, observed)[alternative],
    )
    return PermutationTest.from_mapping(result)


def _amounts(amounts: npt.ArrayLike) -> FloatArray:
    a = np.asarray(amounts, dtype="float64").ravel()
    if not np.isfinite(a).all():
        raise ValueError("amounts must be finite numbers (no NaN or infinity)")
    if (a < 0).any():
        raise ValueError("amounts must not be negative")
    return a


def gini(amounts: npt.ArrayLike) -> float:
    """The Gini coefficient of a distribution of amounts (population formula).

    ``G = sum_i sum_j |x_i - x_j| / (2 n^2 mean)``: 0 when everyone has the same,
    ``(n - 1) / n`` when one unit has everything (Gini 1912), computed in
    ``O(n log n)`` from the sorted amounts as ``2 sum_i i x_(i) / (n sum x) -
    (n + 1) / n``.

    Returns NaN when there are no amounts or they sum to zero (undefined).

    Examples
    --------
    >>> gini([1, 1, 1, 1]), gini([0, 0, 0, 1]), gini([1, 3])
    (0.0, 0.75, 0.25)
    """
    a = np.sort(_amounts(amounts))
    n = len(a)
    total = float(a.sum())
    if n == 0 or total == 0:
        return math.nan
    ranks = np.arange(1, n + 1, dtype="float64")
    value = 2.0 * float((ranks * a).sum()) / (n * total) - (n + 1) / n
    # Equal amounts give 0 exactly in theory; keep rounding noise from showing.
    return 0.0 if abs(value) < 1e-12 else value


def top_share(amounts: npt.ArrayLike, *, fraction: float = 0.1) -> float:
    """Share of the total held by the largest ``ceil(fraction * n)`` units.

    Rounding up means at least one unit always counts as the top: with 4 recipients
    the "top 10 %" is the largest one. NaN when there are no amounts or they sum to
    zero.

    Examples
    --------
    >>> top_share([1, 2, 3, 4]), top_share([1, 2, 3, 4], fraction=0.5)
    (0.4, 0.7)
    """
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1]; got {fraction}")
    a = np.sort(_amounts(amounts))[::-1]
    total = float(a.sum())
    if len(a) == 0 or total == 0:
        return math.nan
    k = math.ceil(round(fraction * len(a), 9))
    return float(a[:k].sum()) / total


def lorenz_curve(amounts: npt.ArrayLike, *, max_points: int = 201) -> dict[str, list[float]]:
    """Points of the Lorenz curve, for a chart.

    ``population_share[i]`` of the units, poorest first, hold ``amount_share[i]`` of
    the total; both lists start at 0 and end at 1. With more than ``max_points``
    points, evenly spaced points of the exact curve are kept (the ends always).

    Examples
    --------
    >>> lorenz_curve([1, 3])
    {'population_share': [0.0, 0.5, 1.0], 'amount_share': [0.0, 0.25, 1.0]}
    """
    a = np.sort(_amounts(amounts))
    n = len(a)
    total = float(a.sum())
    if n == 0 or total == 0:
        return {"population_share": [], "amount_share": []}
    population = np.arange(n + 1, dtype="float64") / n
    cumulative = np.concatenate([[0.0], np.cumsum(a)]) / total
    if n + 1 > max_points:
        keep = np.unique(np.linspace(0, n, max_points).round().astype(int))
        population, cumulative = population[keep], cumulative[keep]
    return {
        "population_share": [float(v) for v in population],
        "amount_share": [float(v) for v in cumulative],
    }


def benjamini_hochberg(p_values: npt.ArrayLike, *, alpha: float = 0.05) -> npt.NDArray[np.bool_]:
    """Which of many tests are discoveries at false discovery rate ``alpha``
    (Benjamini and Hochberg 1995).

    With the ``m`` p-values sorted, ``p_(1) <= ... <= p_(m)``, the largest ``k``
    with ``p_(k) <= k alpha / m`` is found and the ``k`` smallest are rejected.
    NaN p-values (tests not made) are never rejected and do not count in ``m``.

    Examples
    --------
    >>> benjamini_hochberg([0.01, 0.04, 0.03, 0.5], alpha=0.05).tolist()
    [True, False, False, False]
    >>> benjamini_hochberg([0.01, 0.02, 0.03, 0.04], alpha=0.05).tolist()
    [True, True, True, True]
    """
    p = np.asarray(p_values, dtype="float64")
    rejected = np.zeros(p.shape, dtype=bool)
    made = np.flatnonzero(~np.isnan(p))
    m = len(made)
    if m == 0:
        return rejected
    order = made[np.argsort(p[made], kind="stable")]
    passing = np.flatnonzero(p[order] <= alpha * np.arange(1, m + 1) / m)
    if len(passing):
        rejected[order[: passing[-1] + 1]] = True
    return rejected
