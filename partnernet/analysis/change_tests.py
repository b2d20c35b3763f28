"""Is a year-on-year change more than chance? Seeded permutation tests of the change
in the gaps the findings test within one year.

Two null models, each of "nothing changed" in the units the figure is made of:

- **Year swap within each organisation** (board-seat share, mean ties, funding
  share of small organisations). Each organisation present in both years keeps
  its pair of (size band, value) records, and which of the two is "before" is
  swapped at random, independently for each organisation. If nothing changed
  for any organisation, the two years are exchangeable and the observed change
  in the gap is one draw among the swapped ones. Organisations in one year only
  stay in that year. Reshuffling small/larger labels in each year instead would
  test "no gap in either year", not "the gap did not change".
- **Tie turnover reshuffled** (the E-I index by sector). All the ties of either
  year are pooled, and which of them were kept, lost and new is drawn at random
  (as many of each as there were). If the ties that came and went were no
  different from the rest in crossing sectors or not, the E-I index moves no
  more than the reshuffles move it.

The statistic is ``figure(after) - figure(before)`` (for a gap, the difference of
gaps); the p-value is two-sided: twice the smaller of the shares of reshuffles
giving a change at least as low or at least as high, each ``(1 + k) /
(reshuffles + 1)`` (Phipson and Smyth 2010), at most 1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd

from partnernet.analysis.populations import EXCLUSION_TYPES, SMALL_BANDS, band_of
from partnernet.analysis.records import Record

__all__ = [
    "CHANGE_TEST_NAMES",
    "TIE_RESHUFFLE",
    "YEAR_SWAP",
    "ChangeTest",
    "change_tests",
    "ei_change_test",
    "paired_change_test",
]

YEAR_SWAP = "year swap within each organisation"
TIE_RESHUFFLE = "tie turnover reshuffled"

# The figures tested, in the order the page tells them.
CHANGE_TEST_NAMES: tuple[str, ...] = (
    "board seat gap",
    "ties gap",
    "funding share of small orgs",
    "E-I index by sector",
)

# At most this many cells (reshuffles x organisations) at once, so memory stays
# bounded (about 16 MB of float64) however large the place.
_BATCH_CELLS = 2_000_000

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class ChangeTest(Record):
    """One permutation test of a change (see the module doc for the nulls)."""

    figure: str
    null_model: str
    before: float | None
    after: float | None
    observed_change: float | None
    p_value: float | None
    reshuffles: int
    seed: int | None
    units_moved: int  # organisations in both years, or new plus lost ties
    note: str | None = None


@dataclass(frozen=True)
class _Year:
    """One year's population: per organisation, whether it is in the year, small
    (micro or small), larger (a known band above small), and its value."""

    present: BoolArray
    small: BoolArray
    larger: BoolArray
    value: FloatArray


Statistic = Callable[[BoolArray, BoolArray, BoolArray, FloatArray], FloatArray]


def _gap_of(share: bool) -> Statistic:
    """Small minus larger: the share with a value above zero, or the mean."""

    def gap(
        present: BoolArray, small: BoolArray, larger: BoolArray, value: FloatArray
    ) -> FloatArray:
        v = (value > 0).astype("float64") if share else value
        s, g = present & small, present & larger
        with np.errstate(invalid="ignore", divide="ignore"):
            small_figure = (v * s).sum(axis=-1) / s.sum(axis=-1)
            larger_figure = (v * g).sum(axis=-1) / g.sum(axis=-1)
        out: FloatArray = small_figure - larger_figure
        return out

    return gap


def _small_share(
    present: BoolArray, small: BoolArray, larger: BoolArray, value: FloatArray
) -> FloatArray:
    """The share of all funding to the population that small organisations receive."""
    with np.errstate(invalid="ignore", divide="ignore"):
        out: FloatArray = (value * (present & small)).sum(axis=-1) / (
            value * (present & (small | larger))
        ).sum(axis=-1)
    return out


STATISTICS: dict[str, tuple[Statistic, str]] = {
    "board seat gap": (_gap_of(share=True), "board_seats"),
    "ties gap": (_gap_of(share=False), "degree"),
    "funding share of small orgs": (_small_share, "funding_received"),
}


def _p_two_sided(changes: FloatArray, observed: float) -> float:
    # Twice the smaller tail, as in analysis/stats.py: right for the symmetric
    # year-swap null and for the tie reshuffle, whose null need not centre on 0.
    tolerance = 1e-9 * max(1.0, abs(observed))
    n = len(changes)
    less = (int(np.count_nonzero(changes <= observed + tolerance)) + 1) / (n + 1)
    greater = (int(np.count_nonzero(changes >= observed - tolerance)) + 1) / (n + 1)
    return min(1.0, 2 * min(less, greater))


def _years(before: pd.DataFrame, after: pd.DataFrame, column: str) -> tuple[_Year, _Year, int]:
    ids = sorted(set(before["id"]) | set(after["id"]))
    index = {org: i for i, org in enumerate(ids)}

    def year(metrics: pd.DataFrame) -> _Year:
        n = len(ids)
        present = np.zeros(n, dtype=bool)
        small = np.zeros(n, dtype=bool)
        larger = np.zeros(n, dtype=bool)
        value = np.zeros(n, dtype="float64")
        rows = metrics[metrics["type"].isin(EXCLUSION_TYPES)]
        for org, band, figure in zip(rows["id"], rows["size_band"], rows[column], strict=True):
            i = index[org]
            known = band_of(band) != "unknown"
            present[i] = known
            small[i] = known and band in SMALL_BANDS
            larger[i] = known and band not in SMALL_BANDS
            value[i] = float(figure) if np.isfinite(float(figure)) else 0.0
        return _Year(present, small, larger, value)

    old, new = year(before), year(after)
    return old, new, int((old.present & new.present).sum())


def paired_change_test(
    before: pd.DataFrame,
    after: pd.DataFrame,
    figure: str,
    *,
    n_permutations: int = 5_000,
    seed: int | None = None,
    stream: int = 0,
) -> ChangeTest:
    """The change in one organisation-level figure, against swapping years within
    each organisation present in both (``YEAR_SWAP``).

    Parameters
    ----------
    before, after : the two runs' metrics tables (``METRIC_COLUMNS``), ids already
        matched across years.
    figure : one of ``"board seat gap"`` (share of small organisations with a board
        seat minus larger organisations'), ``"ties gap"`` (mean ties, small minus
        larger) or ``"funding share of small orgs"``.

    Examples
    --------
    >>> m = pd.DataFrame({"id": list("abcd"), "type": ["vcse"] * 4,
    ...     "size_band": ["micro", "small", "large", "large"],
    ...     "board_seats": [0, 0, 1, 1], "degree": [1, 1, 2, 2],
    ...     "funding_received": [0.0, 0.0, 1.0, 1.0]})
    >>> t = paired_change_test(m, m, "board seat gap", n_permutations=99, seed=0)
    >>> t.observed_change, t.p_value
    (0.0, 1.0)
    """
    statistic, column = STATISTICS[figure]
    old, new, matched = _years(before, after, column)
    observed_before = float(statistic(old.present, old.small, old.larger, old.value))
    observed_after = float(statistic(new.present, new.small, new.larger, new.value))
    observed = observed_after - observed_before
    if not (np.isfinite(observed_before) and np.isfinite(observed_after)):
        return ChangeTest(
            figure,
            YEAR_SWAP,
            _finite(observed_before),
            _finite(observed_after),
            None,
            None,
            n_permutations,
            seed,
            matched,
            note="the figure is undefined in one year (no small or no larger organisations)",
        )
    both = old.present & new.present
    rng = _generator(seed, stream)
    changes = np.empty(n_permutations, dtype="float64")
    per_batch = max(1, _BATCH_CELLS // max(len(both), 1))
    done = 0
    while done < n_permutations:
        rows = min(per_batch, n_permutations - done)
        swap = rng.random((rows, len(both))) < 0.5
        swap &= both
        parts = []
        for first, second in ((old, new), (new, old)):
            parts.append(
                statistic(
                    np.where(swap, second.present, first.present),
                    np.where(swap, second.small, first.small),
                    np.where(swap, second.larger, first.larger),
                    np.where(swap, second.value, first.value),
                )
            )
        changes[done : done + rows] = parts[1] - parts[0]
        done += rows
    return ChangeTest(
        figure=figure,
        null_model=YEAR_SWAP,
        before=observed_before,
        after=observed_after,
        observed_change=observed,
        p_value=_p_two_sided(changes, observed),
        reshuffles=n_permutations,
        seed=seed,
        units_moved=matched,
    )


def _generator(seed: int | None, stream: int) -> np.random.Generator:
    # One seed, one independent stream per test (numpy's SeedSequence of both).
    return np.random.default_rng(None if seed is None else [seed, stream])


def _finite(value: float) -> float | None:
    return value if np.isfinite(value) else None


def _external_ties(G: nx.Graph) -> dict[tuple[str, str], bool]:
    sector = nx.get_node_attributes(G, "sector")
    return {(min(a, b), max(a, b)): sector.get(a) != sector.get(b) for a, b in G.edges() if a != b}


def _ei(external: int, total: int) -> float | None:
    return (2 * external - total) / total if total else None


def ei_change_test(
    before: nx.Graph,
    after: nx.Graph,
    *,
    n_permutations: int = 5_000,
    seed: int | None = None,
    stream: int = 0,
) -> ChangeTest:
    """The change in the E-I index by sector (Krackhardt and Stern 1988), against
    reshuffling which ties of either year were kept, lost and new (``TIE_RESHUFFLE``).

    Both graphs carry the node attribute ``sector`` and ids matched across years.

    Examples
    --------
    >>> G = nx.Graph([("a", "b"), ("b", "c")])
    >>> nx.set_node_attributes(G, {"a": "vcse", "b": "vcse", "c": "public"}, "sector")
    >>> t = ei_change_test(G, G, n_permutations=99, seed=0)
    >>> t.observed_change, t.p_value, t.units_moved
    (0.0, 1.0, 0)
    """
    old, new = _external_ties(before), _external_ties(after)
    kept = [new[t] for t in old.keys() & new.keys() if old[t] == new[t]]
    kept_keys = {t for t in old.keys() & new.keys() if old[t] == new[t]}
    lost = [old[t] for t in old if t not in kept_keys]
    gained = [new[t] for t in new if t not in kept_keys]
    n_kept, n_lost, n_new = len(kept), len(lost), len(gained)
    ei_before = _ei(sum(kept) + sum(lost), n_kept + n_lost)
    ei_after = _ei(sum(kept) + sum(gained), n_kept + n_new)
    moved = n_lost + n_new
    if ei_before is None or ei_after is None:
        return ChangeTest(
            "E-I index by sector",
            TIE_RESHUFFLE,
            ei_before,
            ei_after,
            None,
            None,
            n_permutations,
            seed,
            moved,
            note="one year has no ties",
        )
    observed = ei_after - ei_before
    pool = np.array(kept + lost + gained, dtype="float64")
    rng = _generator(seed, stream)
    changes = np.zeros(n_permutations, dtype="float64")
    if moved:
        per_batch = max(1, _BATCH_CELLS // len(pool))
        done = 0
        while done < n_permutations:
            rows = min(per_batch, n_permutations - done)
            order = rng.permuted(np.tile(pool, (rows, 1)), axis=1)
            kept_external = order[:, :n_kept].sum(axis=1)
            lost_external = order[:, n_kept : n_kept + n_lost].sum(axis=1)
            new_external = order[:, n_kept + n_lost :].sum(axis=1)
            after_ei = (2 * (kept_external + new_external) - (n_kept + n_new)) / (n_kept + n_new)
            before_ei = (2 * (kept_external + lost_external) - (n_kept + n_lost)) / (
                n_kept + n_lost
            )
            changes[done : done + rows] = after_ei - before_ei
            done += rows
    return ChangeTest(
        figure="E-I index by sector",
        null_model=TIE_RESHUFFLE,
        before=ei_before,
        after=ei_after,
        observed_change=observed,
        p_value=_p_two_sided(changes, observed),
        reshuffles=n_permutations,
        seed=seed,
        units_moved=moved,
    )


def change_tests(
    before_metrics: pd.DataFrame,
    after_metrics: pd.DataFrame,
    before_graph: nx.Graph,
    after_graph: nx.Graph,
    *,
    n_permutations: int = 5_000,
    seed: int | None = None,
) -> tuple[ChangeTest, ...]:
    """Every change test of ``CHANGE_TEST_NAMES``, each on its own stream of ``seed``
    (the stream is the test's place in ``CHANGE_TEST_NAMES``), so each test is
    reproducible alone and the page can name the one seed given."""
    tests = [
        paired_change_test(
            before_metrics,
            after_metrics,
            name,
            n_permutations=n_permutations,
            seed=seed,
            stream=CHANGE_TEST_NAMES.index(name),
        )
        for name in STATISTICS
    ]
    tests.append(
        ei_change_test(
            before_graph,
            after_graph,
            n_permutations=n_permutations,
            seed=seed,
            stream=CHANGE_TEST_NAMES.index("E-I index by sector"),
        )
    )
    return tuple(tests)
