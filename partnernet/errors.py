"""Exceptions that carry what a person needs to fix the problem.

Each class has the exit code of DESIGN section 8; the CLI turns any of them into a
message and that code, so a traceback always means a bug.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "InputError",
    "OutputError",
    "PartnernetError",
    "Problem",
    "StoreError",
    "ValidationError",
]

# How many problems a validation message lists before summarising the rest.
MAX_PROBLEMS_SHOWN = 50


class PartnernetError(Exception):
    """Base class: ``message`` says what is wrong, ``hint`` how to fix it."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n{self.hint}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located for a person to find.

    ``row`` is the spreadsheet row (the header is row 1, the first record row 2);
    ``None`` when the problem is with the whole file or a column.
    """

    path: str
    row: int | None
    column: str | None
    value: str | None
    reason: str
    hint: str

    def __str__(self) -> str:
        where = self.path
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        return f"{where}: {self.reason}\n{self.hint}"


class InputError(PartnernetError):
    """An input file cannot be used as it is (exit code 3)."""

    exit_code = 3

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        path: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.path = path
        self.row = row
        self.column = column
        self.value = value


class ValidationError(InputError):
    """Every problem found in a dataset, collected before anything is written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(self._render())

    def _render(self) -> str:
        shown = self.problems[:MAX_PROBLEMS_SHOWN]
        lines = [str(p) for p in shown]
        rest = len(self.problems) - len(shown)
        if rest > 0:
            lines.append(f"... and {rest} more problem{'s' if rest != 1 else ''}.")
        count = len(self.problems)
        lines.append(f"{count} problem{'s' if count != 1 else ''} found; nothing was written.")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.message


class StoreError(PartnernetError):
    """Neo4j is unreachable, refuses the credentials or fails TLS (exit code 4)."""

    exit_code = 4


class OutputError(PartnernetError):
    """An output cannot be written (exit code 5)."""

    exit_code = 5
