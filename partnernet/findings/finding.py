"""One finding: a sentence and the figures it rests on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Finding"]


@dataclass(frozen=True)
class Finding:
    """One plain-English finding and the figures it rests on.

    ``question`` is one of ``"exclusion"``, ``"silos"``, ``"brokerage"``,
    ``"summary"``, ``"coverage"``; ``id`` is a stable slug such as
    ``"small-orgs-board-seats"``; every number in ``text`` is in ``figures``.
    """

    id: str
    question: str
    text: str
    figures: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "question": self.question,
            "text": self.text,
            "figures": self.figures,
        }
