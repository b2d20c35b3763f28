"""Exceptions that carry what a person needs to fix the problem.

Each class has the exit code of DESIGN section 8; the CLI turns any of them into a
message and that code, so a traceback always means a bug.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "InputError",
    "OutputError",
    "PartnernetError",
    "Problem",
    "StoreError",
    "ValidationError",
    "visible",
]

# How many problems a validation message lists before summarising the rest.
MAX_PROBLEMS_SHOWN = 50


# Characters a terminal acts on or hides rather than shows: C0 and C1 controls and
# DEL (escape sequences can set the window title, clear the screen or rewrite a
# line), format characters (bidi controls that reorder a line, zero-width spaces
# and joiners that hide a difference between two names), line and paragraph
# separators, and lone surrogates (which cannot even be encoded to print).
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_NOT_PRINTABLE_ASCII = re.compile(r"[^\x20-\x7e]")
_NOT_PRINTABLE_ASCII_OR_NEWLINE = re.compile(r"[^\x20-\x7e\n]")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if unicodedata.category(char) not in _INVISIBLE_CATEGORIES:
        return char
    return f"<U+{ord(char):04X}>"


def visible(text: object, *, keep_newlines: bool = False) -> str:
    """``text`` safe to print on a terminal: every control, format and separator
    character is shown as its code point, ``<U+001B>``, so it is seen and never
    acted on (the notation of :func:`partnernet.io.parse.quote` for ids).

    The one function every name, id or message from the data passes through on its
    way to a terminal (the CLI's output and the messages of the errors here).
    ``keep_newlines`` keeps ``\\n`` for a message that is several lines by design;
    a value quoted inside it is one line either way. Printable text, accents and
    scripts included, is unchanged, so applying it twice changes nothing.

    Examples
    --------
    >>> print(visible("\\x1b]0;PWNED\\x07\\x1b[2J Trust"))
    <U+001B>]0;PWNED<U+0007><U+001B>[2J Trust
    >>> print(visible("Zo\\u00eb\\u202eevil\\u200b"), visible("a\\tb\\nc"))
    Zoë<U+202E>evil<U+200B> a<U+0009>b<U+000A>c
    >>> print(visible("one\\ntwo", keep_newlines=True))
    one
    two
    """
    pattern = _NOT_PRINTABLE_ASCII_OR_NEWLINE if keep_newlines else _NOT_PRINTABLE_ASCII
    return pattern.sub(_escape, str(text))


class PartnernetError(Exception):
    """Base class: ``message`` says what is wrong, ``hint`` how to fix it."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        # Messages quote input values (names, ids, cells): shown, never acted on.
        text = self.message if not self.hint else f"{self.message}\n{self.hint}"
        return visible(text, keep_newlines=True)


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
        # The reason quotes the cell: one line, every control character shown.
        return f"{visible(where)}: {visible(self.reason)}\n{visible(self.hint, keep_newlines=True)}"


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
        return visible(self.message, keep_newlines=True)


class StoreError(PartnernetError):
    """Neo4j is unreachable, refuses the credentials or fails TLS (exit code 4)."""

    exit_code = 4


class OutputError(PartnernetError):
    """An output cannot be written (exit code 5)."""

    exit_code = 5
