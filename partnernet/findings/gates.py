"""What data each question needs, and the finding to give when it is missing.

A question the data cannot answer gets one sentence saying so and naming the file
that would answer it, never a finding: a claim about small organisations with no
organisation of known size, or about brokerage when every tie is a grant, would
read as a fact about the place when it is only a fact about the file.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from partnernet.analysis.populations import EXCLUSION_TYPES
from partnernet.analysis.results import Results
from partnernet.findings.finding import Finding
from partnernet.model import SIZE_BANDS

__all__ = ["DataGates", "cannot_answer", "data_gates", "sector_ei_gate"]

# The files that would answer each question, as the report names them.
BOARD_FILES = "memberships.csv (with boards.csv)"
SIZE_FILES = (
    "a size_band (or income) for the voluntary organisations in organisations.csv "
    "('partnernet import-register' fills them from the charity register)"
)
TIE_FILES = "partnerships.csv, memberships.csv or affiliations.csv"


@dataclasses.dataclass(frozen=True)
class DataGates:
    """What the data holds, as far as the questions' needs go."""

    memberships: int
    partnerships: int
    affiliations: int
    ties: int
    # Every tie of the organisation graph is a grant (the FUNDS layer alone).
    funding_only: bool
    # VCSE and infrastructure organisations with a known size band.
    known_size: int

    @property
    def board_seats(self) -> bool:
        return self.memberships > 0

    @property
    def sizes(self) -> bool:
        return self.known_size > 0

    @property
    def brokerage(self) -> bool:
        """Roles mean more than "has two funders" only with other ties."""
        return self.ties > 0 and not self.funding_only


def data_gates(results: Results) -> DataGates:
    """The :class:`DataGates` of one run."""
    ds, G = results.dataset, results.graph
    layers = {layer for _, _, d in G.edges(data=True) for layer in d.get("layers", ())}
    metrics = results.metrics
    population = metrics[metrics["type"].isin(EXCLUSION_TYPES)]
    return DataGates(
        memberships=len(ds.memberships),
        partnerships=len(ds.partnerships),
        affiliations=len(ds.affiliations),
        ties=G.number_of_edges(),
        funding_only=bool(layers) and layers <= {"FUNDS"},
        known_size=int(population["size_band"].isin(SIZE_BANDS).sum()),
    )


def cannot_answer(
    finding_id: str, question: str, what: str, missing: str, files: str, figures: dict[str, Any]
) -> Finding:
    """The finding for a question the data cannot answer yet: what is missing and
    which file would answer it; no claim."""
    return Finding(
        id=finding_id,
        question=question,
        text=f"{what} cannot be answered yet: {missing}. Adding {files} would answer it.",
        figures={**figures, "answerable": False},
    )


def sector_ei_gate(results: Results) -> Finding | None:
    """The finding that replaces the sector E-I index when every tie is a grant
    (a funder's tie to its recipient crosses sectors by construction), else None."""
    gates = data_gates(results)
    if not gates.ties or gates.brokerage:
        return None
    sector = results.summary.ei.sector
    return cannot_answer(
        "ei-sector",
        "silos",
        "Whether organisations work across sectors",
        f"every one of the {gates.ties:,} ties in the data is a grant, which joins a funder "
        f"to its recipient and so crosses sectors by construction ({sector.external:,} of "
        "them do), whatever the place is like",
        TIE_FILES,
        {"ties": gates.ties, "external": sector.external, "internal": sector.internal},
    )
