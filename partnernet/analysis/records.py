"""Typed, frozen records of the figures an analysis run computes beside its tables.

Each analysis function that returns headline figures returns one of these
records: the network summary, the permutation tests, the funding concentration,
the E-I indices, the routes through infrastructure. They are plain values (no
frames, no graphs), read by attribute; ``record["field"]`` and
``record.get("field")`` read them the same way, so a record reads like the JSON
it becomes. Only the exporter turns them into JSON (:func:`as_plain`).

A field declared with ``metadata={"omit_none": True}`` is left out of the JSON when
it is None (a note that only some tests carry).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, TypeVar

__all__ = [
    "BodyEI",
    "BrokerLiaison",
    "BrokerageNull",
    "Currencies",
    "CurrencyTotal",
    "DateRange",
    "DepartmentEI",
    "DepartmentEIRow",
    "EIGroup",
    "EIIndices",
    "FundingConcentration",
    "GroupTests",
    "NetworkSummary",
    "PathShare",
    "Period",
    "PermutationTest",
    "Record",
    "RemovalOverlap",
    "RunSettings",
    "SectorEI",
    "SmallVsLargeTests",
    "as_plain",
]


_R = TypeVar("_R", bound="Record")


@dataclasses.dataclass(frozen=True)
class Record:
    """The base of every record: attribute access, plus reading by field name."""

    def __getitem__(self, name: str) -> Any:
        if name not in self._field_names():
            raise KeyError(name)
        return getattr(self, name)

    def __contains__(self, name: object) -> bool:
        return name in self._field_names()

    def get(self, name: str, default: Any = None) -> Any:
        return getattr(self, name) if name in self._field_names() else default

    @classmethod
    def _field_names(cls) -> frozenset[str]:
        return frozenset(f.name for f in dataclasses.fields(cls))

    @classmethod
    def from_mapping(cls: type[_R], values: Mapping[str, Any]) -> _R:
        """The record of a mapping with exactly its fields (extra keys are an error)."""
        return cls(**dict(values))


def as_plain(value: Any) -> Any:
    """Records, tuples and mappings as plain dicts and lists, recursively (for JSON).

    Examples
    --------
    >>> as_plain(PathShare(small_bands=("micro",), small_organisations=1,
    ...     infrastructure_organisations=0, decision_makers=1, pairs=0, shortest_paths=0,
    ...     through_infrastructure=0, share=None, mean_pair_share=None))["small_bands"]
    ['micro']
    """
    if isinstance(value, Record):
        out = {}
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            if item is None and f.metadata.get("omit_none"):
                continue
            out[f.name] = as_plain(item)
        return out
    if isinstance(value, Mapping):
        return {k: as_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_plain(v) for v in value]
    return value


@dataclasses.dataclass(frozen=True)
class RunSettings(Record):
    """How the run was made: layers, seed, permutations, betweenness pivots."""

    layers: tuple[str, ...]
    seed: int
    permutations: int
    betweenness_sample: int | None


@dataclasses.dataclass(frozen=True)
class NetworkSummary(Record):
    """The headline figures of the organisation graph (see
    :func:`partnernet.analysis.summary.network_summary`)."""

    organisations: int
    organisations_by_type: Mapping[str, int]
    boards: int | None
    ties: int
    ties_by_layer: Mapping[str, int]
    facts_by_layer: Mapping[str, int] | None
    density: float | None
    components: int
    largest_component: int
    isolates: int
    degree_centralisation: float | None
    average_clustering: float | None
    transitivity: float | None
    average_path_length: float | None
    average_path_length_method: str
    average_path_length_sources: int | None
    communities: int
    communities_of_two_or_more: int
    community_sizes: tuple[int, ...]
    modularity: float | None
    seed: int | None


@dataclasses.dataclass(frozen=True)
class PermutationTest(Record):
    """A two-group permutation test (see :func:`partnernet.analysis.stats.permutation_test`)."""

    statistic: str
    alternative: str
    n_group: int
    n_rest: int
    group_value: float | None
    rest_value: float | None
    observed_difference: float | None
    p_value: float | None
    n_permutations: int
    seed: int | None
    note: str | None = dataclasses.field(default=None, metadata={"omit_none": True})


@dataclasses.dataclass(frozen=True)
class SmallVsLargeTests(Record):
    """Small-and-micro against medium-and-larger organisations (see
    :func:`partnernet.analysis.exclusion.small_vs_large_tests`)."""

    population: str
    small_bands: tuple[str, ...]
    larger_bands: tuple[str, ...]
    n_small: int
    n_larger: int
    n_unknown: int
    small_with_seat: int
    larger_with_seat: int
    degree: PermutationTest
    board_seat_share: PermutationTest


@dataclasses.dataclass(frozen=True)
class FundingConcentration(Record):
    """How unequally funding is spread (see
    :func:`partnernet.analysis.exclusion.funding_concentration`)."""

    population: str
    recipients: int
    total_amount: float
    gini: float | None
    top_fraction: float
    top_count: int
    top_share: float | None
    lorenz: Mapping[str, list[float]]


@dataclasses.dataclass(frozen=True)
class EIGroup(Record):
    """One group's E-I index against shuffled labels."""

    group: Any
    n: int
    internal: int
    external: int
    ei: float | None
    expected: float | None
    p_value: float | None


@dataclasses.dataclass(frozen=True)
class SectorEI(Record):
    """The E-I index of a partition, whole and per group, against shuffled labels
    (see :func:`partnernet.analysis.ei.ei_permutation_test`)."""

    ei: float | None
    internal: int
    external: int
    expected: float | None
    p_value: float | None
    alternative: str
    n_permutations: int
    seed: int | None
    groups: tuple[EIGroup, ...]
    definition: str | None = dataclasses.field(default=None, metadata={"omit_none": True})


@dataclasses.dataclass(frozen=True)
class BodyEI(Record):
    """A public body's units (the body and its departments) as one group."""

    parent_id: str
    units: int
    internal: int
    external: int
    ei: float | None
    expected: float | None
    p_value: float | None


@dataclasses.dataclass(frozen=True)
class DepartmentEIRow(Record):
    """One department's ties to its own body's units against the rest."""

    department_id: str
    parent_id: str
    degree: int
    internal: int
    external: int
    ei: float | None
    expected: float | None
    p_value: float | None


@dataclasses.dataclass(frozen=True)
class DepartmentEI(Record):
    """The E-I indices of every body and department (see
    :func:`partnernet.analysis.ei.department_ei`)."""

    definition: str
    alternative: str
    n_permutations: int
    seed: int | None
    bodies: tuple[BodyEI, ...]
    departments: tuple[DepartmentEIRow, ...]


@dataclasses.dataclass(frozen=True)
class EIIndices(Record):
    """The E-I indices by sector and by department."""

    sector: SectorEI
    department: DepartmentEI


@dataclasses.dataclass(frozen=True)
class PathShare(Record):
    """Shortest routes from small organisations to decision makers through
    infrastructure (see :func:`partnernet.analysis.routes.infrastructure_path_share`)."""

    small_bands: tuple[str, ...]
    small_organisations: int
    infrastructure_organisations: int
    decision_makers: int
    pairs: int
    shortest_paths: int
    through_infrastructure: int
    share: float | None
    mean_pair_share: float | None


@dataclasses.dataclass(frozen=True)
class CurrencyTotal(Record):
    """The awards in one currency other than pounds: counted, never added to pounds."""

    currency: str
    awards: int
    amount: float


@dataclasses.dataclass(frozen=True)
class Currencies(Record):
    """Which money the totals are made of (see
    :func:`partnernet.analysis.coverage.currencies`).

    Every total, share and concentration figure is in pounds: ``pounds_awards``
    awards (currency ``GBP`` or none given) adding up to ``pounds_amount``. The
    awards in any other currency are counted in ``other`` (one entry per currency,
    alphabetical) and stated beside the pounds, never added to them.
    """

    currency: str
    pounds_awards: int
    pounds_amount: float
    other_awards: int
    other: tuple[CurrencyTotal, ...]


@dataclasses.dataclass(frozen=True)
class DateRange(Record):
    """The first and last date in some rows' date columns (ISO ``YYYY-MM-DD``, or
    None when no row is dated), and how many of the ``rows`` carry a date."""

    first: str | None
    last: str | None
    dated: int
    rows: int


@dataclasses.dataclass(frozen=True)
class Period(Record):
    """When the data is from (see :func:`partnernet.analysis.coverage.period`):
    the first and last award date, and the span of the board membership and
    partnership start and end dates where the files give them."""

    first_award: str | None
    last_award: str | None
    awards_dated: int
    awards: int
    memberships: DateRange
    partnerships: DateRange


@dataclasses.dataclass(frozen=True)
class BrokerLiaison(Record):
    """One top broker's liaison count (ordered pairs) against reshuffled sector
    labels (see :func:`partnernet.analysis.roles.brokerage_permutation_test`)."""

    id: str
    liaison: int
    reshuffled_expected: float
    p_value: float
    reshuffles: int


@dataclasses.dataclass(frozen=True)
class BrokerageNull(Record):
    """The null model the brokerage findings use: the graph kept, the sector
    labels reshuffled ``reshuffles`` times (seeded). The role totals against it
    are in the role table; the top brokers' liaison counts are here."""

    reshuffles: int
    seed: int | None
    undirected: bool
    top_brokers: tuple[BrokerLiaison, ...]


@dataclasses.dataclass(frozen=True)
class GroupTests(Record):
    """How the under-connected groups were tested (see
    :func:`partnernet.analysis.exclusion.under_connected_groups`): each tested
    group against ``reshuffles`` random groups of its size, Benjamini-Hochberg at
    ``fdr`` over all ``tests``; ``use_distance`` False when the data has too few
    decision makers (``decision_makers``, with ``decision_maker_ties`` ties) to
    say who is far from them."""

    reshuffles: int
    seed: int | None
    fdr: float
    groups_tested: int
    tests: int
    significant: int
    flagged: int
    use_distance: bool
    decision_makers: int
    decision_maker_ties: int
    community_names_by: str


@dataclasses.dataclass(frozen=True)
class RemovalOverlap(Record):
    """Of the ``cut_off`` small organisations losing ``broker_id`` would cut off,
    ``overlap`` are in the flagged group ``grouping``/``group`` (of
    ``group_size``)."""

    broker_id: str
    cut_off: int
    grouping: str
    group: str
    label: str
    group_size: int
    overlap: int
