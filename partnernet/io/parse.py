"""One rule per value: how partnernet reads money, dates, booleans, durations and
identifiers, for the dataset reader and every importer alike.

A value a person writes in a dataset file and the same value in a 360Giving file or
a register extract are read by the same function here, so an importer can never
keep a value the reader would then reject (or reject one it would keep). The
reader works on whole columns and uses the vectorised forms (:func:`number_column`,
:func:`date_column`, :func:`bad_id_mask`); the importers stream rows and use the
scalar ones. Each vectorised form is a fast path of the scalar rule, and the tests
check that they agree.

The rules (DESIGN section 2):

- Money and incomes: pounds with an optional ``£``, an optional sign and optional
  thousands separators (``5000``, ``£1,234.50``, ``-£50``); an exponent only
  without separators (``1e3``).
- Dates: ``YYYY-MM-DD``; another format only when one is given (``--date-format``),
  and ``YYYY-MM-DD`` still read then.
- Booleans: ``true``/``false``, ``yes``/``no``, ``1``/``0`` in any case.
- Durations: a whole number of months, ``12`` or ``12.0``.
- Identifiers: kept as written in a dataset but for Unicode normalisation (NFC, so
  an accent typed as one character or as a letter and a combining mark is one id),
  so an invisible character or a space at either end would make two ids that look
  the same fail to match; such ids are refused with a message that makes the
  character visible. Ids that still look alike after NFC (a Cyrillic ``С`` for a
  Latin ``C``, fullwidth digits) stay different ids, and :func:`confusable_groups`
  finds them so the reader and importers can warn. An importer reads other
  people's ids through :func:`normalise_org_id`, which makes them whole by the
  rules of docs/import-rules.md ("Identifiers") and says what it fixed.
- Text (names, programmes, places): :func:`parse_text` trims it, composes it (NFC),
  removes bidirectional controls (a right-to-left override in a name would reverse
  the rest of any sentence it is printed in) and refuses a lone surrogate (no file
  can be written with one) or a cell longer than :data:`MAX_TEXT_CHARS`.
- Open end dates: ``9999-12-31`` (:data:`OPEN_END`), the "no end date" many
  systems write, means the same as an empty end cell: still running.

Every rule has explicit bounds, so no single cell can crash a command or make a
later sum infinite: digits are ASCII ``0-9`` only (``৪00`` is not 400), a number
is at most :data:`MAX_NUMBER_CHARS` characters, money at most :data:`MAX_AMOUNT`,
durations at most :data:`MAX_MONTHS`, identifiers at most :data:`MAX_ID_CHARS`.
"""

from __future__ import annotations

import contextlib
import math
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

import numpy as np
import pandas as pd

__all__ = [
    "BAD_ID",
    "BIDI_CONTROLS",
    "BOOLEANS",
    "BOOLEAN_WORDS",
    "INVISIBLE_NAMES",
    "ISO_DATE",
    "MAX_AMOUNT",
    "MAX_ID_CHARS",
    "MAX_MONTHS",
    "MAX_NUMBER_CHARS",
    "MAX_TEXT_CHARS",
    "OPEN_END",
    "ORG_ID_FIXES",
    "UNDECODED",
    "OrgId",
    "bad_id_mask",
    "confusable_groups",
    "confusable_key",
    "date_column",
    "describe_bad_id",
    "id_hint",
    "id_problem",
    "is_bad_id",
    "money_problem",
    "normalise_org_id",
    "number_column",
    "parse_boolean",
    "parse_date",
    "parse_money",
    "parse_months",
    "parse_text",
    "quote",
]

# -- bounds ------------------------------------------------------------------------

# The largest amount or income read: ten trillion pounds, several times the UK's
# whole annual output, so no real grant, payment or income is near it. Below it a
# float64 still holds every penny exactly (2**53 pence is about £90 trillion), and
# the sum of a hundred million such amounts stays finite, so no total is infinite.
MAX_AMOUNT = Decimal(10) ** 13
# A number written with more characters than this is not read at all (a 4,301-digit
# integer would reach Python's limit on converting digits).
MAX_NUMBER_CHARS = 64
# Durations in whole months: up to 9,999 (over 800 years; more is a typo).
MAX_MONTHS = 9_999
# An identifier longer than this is a shifted column or junk, not an id.
MAX_ID_CHARS = 256
# A name, title or other text cell longer than this is refused: no organisation's
# name is near it, and a megabyte "name" would be printed in every output.
MAX_TEXT_CHARS = 10_000
# The end date many systems write for "no end date".
OPEN_END = date(9999, 12, 31)
# Bidirectional controls: embeddings, overrides, isolates and marks.
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")
_SURROGATE = re.compile("[\ud800-\udfff]")


# -- text --------------------------------------------------------------------------


def parse_text(value: object, *, limit: int = MAX_TEXT_CHARS) -> tuple[str | None, str | None]:
    """A text cell by the text rule: ``(text, problem)``.

    ``text`` is trimmed, composed (NFC) and without bidirectional controls, or
    ``None`` when empty; ``problem`` says why the cell cannot be used (a lone
    surrogate, or more than ``limit`` characters), and then ``text`` is ``None``.

    Examples
    --------
    >>> parse_text("  Caf\u0065\u0301 \u202eUK ")
    ('Caf\xe9 UK', None)
    >>> parse_text("A\\ud800")[1]
    'holds a character that is not valid Unicode (a lone surrogate, U+D800)'
    >>> parse_text("x" * 20, limit=10)[1]
    'holds 20 characters; at most 10 are read'
    """
    if value is None:
        return None, None
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        stripped = text.strip()
        if len(stripped) > limit:
            return None, f"holds {len(stripped):,} characters; at most {limit:,} are read"
        text = stripped
    if not text.isascii():
        surrogate = _SURROGATE.search(text)
        if surrogate is not None:
            return None, (
                "holds a character that is not valid Unicode (a lone surrogate, "
                f"U+{ord(surrogate.group()):04X})"
            )
        text = _BIDI.sub("", unicodedata.normalize("NFC", text))
    text = text.strip()
    return (text or None), None


# Letters of other scripts drawn like Latin ones, for confusable_key. NFKC already
# folds fullwidth and other compatibility forms.
_LOOK_ALIKES = str.maketrans(
    "АВЕЅІЈКМНОРСТХУаеорсухіјѕԁԛԝΑΒΕΖΗΙΚΜΝΟΡΤΥΧαοϲ",
    "ABESIJKMHOPCTXYaeopcyxijsdqwABEZHIKMNOPTYXaoc",
)


def confusable_key(value: str) -> str:
    """What an identifier looks like: compatibility forms folded (NFKC), and
    Cyrillic and Greek letters drawn like Latin ones read as those.

    Examples
    --------
    >>> confusable_key("GB-\u0421HC-1") == confusable_key("GB-CHC-\uff11") == "GB-CHC-1"
    True
    """
    if value.isascii():
        return value
    return unicodedata.normalize("NFKC", value).translate(_LOOK_ALIKES)


def confusable_groups(ids: Iterable[object]) -> list[list[str]]:
    """Groups of two or more different ids that look the same (:func:`confusable_key`).

    Only an id with a non-ASCII character can look like another, so a column of
    plain ASCII ids costs one pass. Groups are sorted, and so are their members.

    Examples
    --------
    >>> confusable_groups(["GB-CHC-1", "GB-\u0421HC-1", "GB-CHC-2"])
    [['GB-CHC-1', 'GB-\u0421HC-1']]
    """
    distinct = {v for v in ids if isinstance(v, str)}
    by_key: dict[str, set[str]] = {}
    for value in distinct:
        if not value.isascii():
            by_key.setdefault(confusable_key(value), set()).add(value)
    groups = []
    for key, members in by_key.items():
        if key in distinct:
            members = members | {key}
        if len(members) > 1:
            groups.append(sorted(members))
    return sorted(groups)


# -- identifiers -------------------------------------------------------------------

# Characters that cannot be seen, or look like a plain space, named for the message.
INVISIBLE_NAMES = {
    "\u00a0": "a non-breaking space",
    "\u00ad": "a soft hyphen",
    "\u180e": "a Mongolian vowel separator",
    "\u200b": "a zero-width space",
    "\u200c": "a zero-width non-joiner",
    "\u200d": "a zero-width joiner",
    "\u200e": "a left-to-right mark",
    "\u200f": "a right-to-left mark",
    "\u2028": "a line separator",
    "\u2029": "a paragraph separator",
    "\u202f": "a narrow non-breaking space",
    "\u2060": "a word joiner",
    "\ufeff": "a zero-width no-break space (byte-order mark)",
    "\t": "a tab",
    "\n": "a line break",
    "\r": "a carriage return",
}
# Every whitespace character but the plain space and the line break (which is
# handled on its own below), control characters, and the invisible format ones.
_HIDDEN = (
    "\x00-\x09\x0b-\x1f\x7f-\xa0\u00ad\u1680\u180e\u2000-\u200f\u2028-\u202f"
    "\u205f-\u2064\u3000\ufeff"
)
BAD_ID = re.compile(f"[\n{_HIDDEN}]|^ | $")
# A character class alone scans a whole column in one fast pass (see bad_id_mask).
_HIDDEN_CHARS = re.compile(f"[{_HIDDEN}]")
# A byte that did not decode, kept in place by the 'surrogateescape' error handler
# so that it can be reported at its own row instead of at a byte offset.
UNDECODED = re.compile("[\udc80-\udcff]")


def is_bad_id(value: str) -> bool:
    """Whether an identifier holds an invisible character or a space at either end.

    Examples
    --------
    >>> is_bad_id("GB-CHC-1146179"), is_bad_id("GB-CHC-11\\u200b46179"), is_bad_id(" A")
    (False, True, True)
    >>> is_bad_id("GB-CHC-\\x01")
    True
    """
    return BAD_ID.search(value) is not None


def bad_id_mask(values: pd.Series) -> np.ndarray:
    """Which ids of a column fail :func:`is_bad_id` (missing values never do).

    Clean columns are cleared by one regex scan of the whole column joined by line
    breaks; only a column with a hit is looked at cell by cell.

    Examples
    --------
    >>> bad_id_mask(pd.Series(["A", "B\\u00a0", None], dtype="object")).tolist()
    [False, True, False]
    """
    present = values.dropna().tolist()
    joined = "\n".join(present)
    clean = (
        joined.count("\n") == max(len(present) - 1, 0)
        and not joined.startswith(" ")
        and not joined.endswith(" ")
        and " \n" not in joined
        and "\n " not in joined
        and _HIDDEN_CHARS.search(joined) is None
    )
    if clean:
        return np.zeros(len(values), dtype=bool)
    return np.fromiter(
        (isinstance(v, str) and BAD_ID.search(v) is not None for v in values),
        dtype=bool,
        count=len(values),
    )


def describe_bad_id(value: str) -> str:
    """What is wrong with an identifier, in words: ``'contains a tab (U+0009)'``.

    Examples
    --------
    >>> describe_bad_id(" GB-CHC-1\\u200b")
    'starts with a space and contains a zero-width space (U+200B)'
    """
    parts: list[str] = []
    if value.startswith(" "):
        parts.append("starts with a space")
    if value.endswith(" "):
        parts.append("ends with a space")
    names: list[str] = []
    for ch in value:
        if ch == " ":
            continue
        if ch in INVISIBLE_NAMES:
            label = f"{INVISIBLE_NAMES[ch]} (U+{ord(ch):04X})"
        elif ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            label = f"an invisible character (U+{ord(ch):04X})"
        else:
            continue
        if label not in names:
            names.append(label)
    if names:
        parts.append(f"contains {_and(names)}")
    return _and(parts)


def id_problem(value: str) -> str | None:
    """Why an identifier cannot be used whatever its form, or ``None``.

    Too long (more than :data:`MAX_ID_CHARS`), or holding a lone surrogate (no
    file can be written with one). Invisible characters are :func:`is_bad_id`'s.

    Examples
    --------
    >>> id_problem("GB-CHC-1") is None, id_problem("x" * 300)
    (True, 'is 300 characters long; an identifier has at most 256')
    """
    if len(value) > MAX_ID_CHARS:
        return f"is {len(value):,} characters long; an identifier has at most {MAX_ID_CHARS}"
    if not value.isascii():
        surrogate = _SURROGATE.search(value)
        if surrogate is not None:
            return (
                "holds a character that is not valid Unicode (a lone surrogate, "
                f"U+{ord(surrogate.group()):04X})"
            )
    return None


def id_hint(value: str, _: int = 0) -> str:
    """How to fix an identifier that fails :func:`is_bad_id`.

    The unused second argument lets the reader pass it as a per-row hint.

    Examples
    --------
    >>> id_hint("GB-CHC-1 ").startswith("Remove the space")
    True
    """
    if BAD_ID.search(value.strip(" ")) is None:
        return (
            "Remove the space: ids must match exactly (in a CSV file, a space after a comma "
            "belongs to the next value)."
        )
    return (
        "Retype the id without it: ids must match exactly, and invisible characters make "
        "ids that look the same differ."
    )


def quote(value: str, limit: int = 80) -> str:
    """A cell as shown in a message: quoted, invisible characters made visible.

    Examples
    --------
    >>> quote("GB-CHC-1\\u200b")
    "'GB-CHC-1<U+200B>'"
    """
    shown = "".join(
        f"<U+{ord(ch):04X}>"
        if ch in INVISIBLE_NAMES or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs")
        else ch
        for ch in value[: limit + 1]
    )
    if len(value) > limit:
        shown = shown[:limit] + "..."
    return f"'{shown}'"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


# -- making an organisation identifier whole (importers) ---------------------------

# The name of each fix normalise_org_id makes, as the import summary counts them.
FIX_INVISIBLE = "invisible character removed"
FIX_COMPANY_PADDED = "company number zero-padded to eight characters"
FIX_PREFIX_REPEATED = "registry prefix repeated in the number removed"
FIX_SCOTTISH_SC = "Scottish charity number written with its SC"
FIX_FROM_CHARITY = "bare prefix completed from the charity number"
FIX_FROM_COMPANY = "bare prefix completed from the company number"
FIX_COMPOSED = "accents composed (Unicode NFC)"
ORG_ID_FIXES = (
    FIX_INVISIBLE,
    FIX_COMPOSED,
    FIX_COMPANY_PADDED,
    FIX_PREFIX_REPEATED,
    FIX_SCOTTISH_SC,
    FIX_FROM_CHARITY,
    FIX_FROM_COMPANY,
)

# Words publishers write where they have no identifier; as the whole id or its last
# '-' part they mark a placeholder. 'DUMMY' is matched with any suffix (DUMMY01).
_PLACEHOLDER_WORDS = frozenset(
    {"none", "null", "na", "n/a", "nan", "unknown", "tbc", "tbd", "test", "x", "xx"}
)
_DUMMY = re.compile(r"dummy\w*", re.IGNORECASE)
# A registry prefix with nothing after it: 'GB-COH-', 'GB-CHC', '360G-'.
# A publisher's own 360G- prefix counts as bare only with its trailing '-'
# ('360G-aville-'); '360G-epsilon' is a local id.
_BARE_PREFIX = re.compile(r"([A-Za-z]{2}-[A-Za-z]{2,10}|360[Gg])-*|(360[Gg]-[^-\s]+)-+")
_URL = re.compile(r"(?i)(?:[a-z][a-z0-9+.-]*://|www\.)")
# org-id.guide lists whose identifiers are registered numbers: without a digit the
# value is a word from another column, not an identifier.
_NUMBERED_LISTS = frozenset(
    {"CHC", "SC", "NIC", "COH", "EDU", "UKPRN", "MPR", "HESA", "CASC", "REV"}
)
_CHARITY_LISTS = ("CHC", "SC", "NIC")
_COMPANY_SHORT = re.compile(r"([A-Z]{2})(\d{1,5})")


class OrgId(NamedTuple):
    """What :func:`normalise_org_id` made of a value.

    ``id`` is the identifier made whole (``None`` when there is none or it cannot be
    used), ``fixes`` the names of the fixes made (from :data:`ORG_ID_FIXES`) and
    ``problem`` why the value cannot be used, starting with its kind and a colon.
    """

    id: str | None
    fixes: tuple[str, ...] = ()
    problem: str | None = None


def normalise_org_id(
    value: object, *, charity_number: object = None, company_number: object = None
) -> OrgId:
    """An organisation identifier from another publisher's file, made whole.

    The rules, in order (docs/import-rules.md, "Identifiers"):

    1. Invisible characters (no-break spaces, zero-width spaces, control
       characters, ...) inside the id are removed; spaces at either end are dropped;
       accents are composed (NFC). An id longer than :data:`MAX_ID_CHARS`, or
       holding a lone surrogate, is not an identifier.
    2. ``DUMMY`` with any suffix, a placeholder word (``NULL``, ``unknown``, ...) or
       zeros as the id or its last part are placeholders.
    3. A web address, a sentence (three words or more), or a word with neither a
       ``-`` nor a digit (``LSOA``, ``Blackbird Leys``: a shifted column) is not an
       identifier; nor is a registered-number list (``GB-CHC``, ``GB-COH``, ...)
       followed by no digit.
    4. A bare prefix (``GB-COH-``) is completed from the record's company or
       charity number when it has one, and is a placeholder when it has none. An id
       that merely ends in ``-`` after a local part is a real id.
    5. Company numbers are zero-padded to eight characters (``GB-COH-7597525`` ->
       ``GB-COH-07597525``; ``SC12345`` -> ``SC012345``); a registry prefix repeated
       in the number is removed (``GB-NIC-NIC101036`` -> ``GB-NIC-101036``,
       ``GB-CHC-CHC1234`` and ``GB-COH-GB-COH-...`` likewise); a Scottish charity
       number is written with its ``SC`` as the Scottish regulator and org-id.guide
       write it (``GB-SC-012345`` -> ``GB-SC-SC012345``), so both spellings are one id.

    Parameters
    ----------
    value : object
        The identifier cell.
    charity_number, company_number : object, optional
        The record's own charity and company number cells, used to complete a bare
        prefix.

    Returns
    -------
    OrgId
        ``(id, fixes, problem)``; a blank value gives ``(None, (), None)``.

    Examples
    --------
    >>> normalise_org_id("GB-COH-7597525")[:2]
    ('GB-COH-07597525', ('company number zero-padded to eight characters',))
    >>> normalise_org_id("GB-COH-", charity_number="276892").id
    'GB-CHC-276892'
    >>> normalise_org_id("DUMMY01").problem
    "placeholder identifier: 'DUMMY01' names no real organisation"
    """
    text = "" if value is None else str(value).strip()
    if len(text) > MAX_ID_CHARS * 4:
        # Not worth cleaning: far too long to be an identifier whatever it holds.
        return OrgId(None, (), f"not an identifier: {quote(text)} {id_problem(text)}")
    cleaned = _HIDDEN_CHARS.sub("", text.replace("\n", "")).strip()
    fixes: list[str] = [FIX_INVISIBLE] if cleaned != text else []
    if not cleaned.isascii():
        composed = unicodedata.normalize("NFC", cleaned)
        if composed != cleaned:
            cleaned = composed
            fixes.append(FIX_COMPOSED)
    if not cleaned:
        return OrgId(None, tuple(fixes))
    problem = id_problem(cleaned)
    if problem is not None:
        return OrgId(None, tuple(fixes), f"not an identifier: {quote(cleaned)} {problem}")
    if _is_placeholder(cleaned):
        return OrgId(
            None,
            tuple(fixes),
            f"placeholder identifier: {quote(cleaned)} names no real organisation",
        )
    problem = _not_an_id(cleaned)
    if problem is not None:
        return OrgId(None, tuple(fixes), f"not an identifier: {quote(cleaned)} {problem}")
    bare = _BARE_PREFIX.fullmatch(cleaned)
    if bare is not None:
        prefix = (bare.group(1) or bare.group(2)).upper()
        completed = _complete(prefix, charity_number, company_number)
        if completed is None:
            return OrgId(
                None,
                tuple(fixes),
                f"placeholder identifier: {quote(cleaned)} is a prefix with no number, and "
                "the record gives no charity or company number to complete it",
            )
        completed_id, fix = completed
        again = normalise_org_id(completed_id)
        if again.id is None:
            return OrgId(None, tuple(fixes), again.problem)
        return OrgId(again.id, (*fixes, fix, *again.fixes))
    parts = cleaned.split("-", 2)
    if len(parts) == 3 and parts[0].upper() == "GB":
        scheme = parts[1].upper()
        number, more = _registered_number(scheme, parts[2])
        if scheme in _NUMBERED_LISTS and not any(ch.isdigit() for ch in number):
            return OrgId(
                None,
                tuple(fixes),
                f"not an identifier: {quote(cleaned)} has no number after GB-{scheme}-",
            )
        cleaned = f"{parts[0]}-{parts[1]}-{number}"
        fixes.extend(more)
    return OrgId(cleaned, tuple(fixes))


def _not_an_id(value: str) -> str | None:
    if _URL.match(value):
        return "is a web address"
    if len(value.split()) >= 3:
        return "is a sentence"
    if "-" not in value and not any(ch.isdigit() for ch in value):
        return (
            "has no registry prefix and no number (a word or a place name: are the columns "
            "shifted?)"
        )
    return None


def _is_placeholder(org_id: str) -> bool:
    parts = org_id.split("-")
    if any(_DUMMY.fullmatch(p.strip()) for p in parts):
        return True
    last = parts[-1].strip().casefold()
    if org_id.casefold() in _PLACEHOLDER_WORDS or last in _PLACEHOLDER_WORDS:
        return True
    return bool(last) and set(last) == {"0"}


def _complete(prefix: str, charity: object, company: object) -> tuple[str, str] | None:
    """A bare prefix completed from the record's numbers: (id, fix), or ``None``."""
    charity_text = _number_cell(charity)
    company_text = _number_cell(company)
    by_charity = (_charity_id(charity_text), FIX_FROM_CHARITY) if charity_text else None
    by_company = (f"GB-COH-{company_text}", FIX_FROM_COMPANY) if company_text else None
    if prefix == "GB-COH":
        return by_company or by_charity
    return by_charity or by_company


def _number_cell(value: object) -> str:
    text = "" if value is None else _HIDDEN_CHARS.sub("", str(value)).strip().upper()
    text = text.replace(" ", "")
    return text if any(ch.isdigit() for ch in text) else ""


def _charity_id(number: str) -> str:
    if number.startswith("SC"):
        return f"GB-SC-{number}"
    if number.startswith("NIC"):
        return f"GB-NIC-{number}"
    return f"GB-CHC-{number}"


def _registered_number(scheme: str, number: str) -> tuple[str, list[str]]:
    """The number part of a ``GB-`` id in its one written form, and the fixes made."""
    fixes: list[str] = []
    upper = number.upper()
    repeated = f"GB-{scheme}-"
    if upper.startswith(repeated):
        number, upper = number[len(repeated) :], upper[len(repeated) :]
        fixes.append(FIX_PREFIX_REPEATED)
    if scheme in ("NIC", "CHC") and upper.startswith(scheme) and upper[len(scheme) :].isdigit():
        number = number[len(scheme) :]
        fixes.append(FIX_PREFIX_REPEATED)
    elif scheme == "SC" and number.isdigit():
        number = f"SC{number}"
        fixes.append(FIX_SCOTTISH_SC)
    elif scheme == "COH":
        if upper.startswith("COH") and upper[3:].isdigit():
            number = number[3:]
            fixes.append(FIX_PREFIX_REPEATED)
        short = _COMPANY_SHORT.fullmatch(number.upper())
        if number.isdigit() and len(number) < 8:
            number = number.zfill(8)
            fixes.append(FIX_COMPANY_PADDED)
        elif short is not None:
            number = short.group(1) + short.group(2).zfill(6)
            fixes.append(FIX_COMPANY_PADDED)
    return number, fixes


# -- money and other numbers -------------------------------------------------------

# ASCII digits only: Python's \d (and Decimal, float and int) also read other
# scripts' digits, so '৪00' would be 400.
_NUMBER = (
    r"[-+]?(?:[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
    r"(?:[eE][-+]?[0-9]+)?)"
)
_MONEY = r"(?:[-+]\s*)?£?\s*" + _NUMBER
_NUMBER_RE = re.compile(_NUMBER, re.ASCII)
_MONEY_RE = re.compile(_MONEY, re.ASCII)
_NUMBER_NOISE = re.compile(r"[£,\s]")


def parse_money(value: object) -> Decimal | None:
    """An amount or income in pounds, exactly, or ``None`` when it is not one.

    Text follows the money rule of the module documentation. A number already
    parsed (from JSON) is taken as it is; ``True`` and ``False`` are not amounts.
    Whether the amount may be zero or negative is the caller's rule.

    Examples
    --------
    >>> parse_money("£1,234.50"), parse_money(" -£50 "), parse_money(2500)
    (Decimal('1234.50'), Decimal('-50'), Decimal('2500'))
    >>> parse_money("1,23"), parse_money("abc"), parse_money("NaN")
    (None, None, None)
    """
    amount = _money(value)
    # copy_abs, not abs(): abs() rounds to the context and overflows on 1e1000000.
    return amount if amount is not None and amount.copy_abs() <= MAX_AMOUNT else None


def money_problem(value: object) -> str:
    """Why :func:`parse_money` gives ``None`` for a value that is not empty.

    Examples
    --------
    >>> money_problem("1e400"), money_problem("five")
    ('more than the largest amount partnernet reads (£10,000,000,000,000)', 'not a number')
    """
    amount = _money(value)
    if amount is not None and amount.copy_abs() > MAX_AMOUNT:
        return f"more than the largest amount partnernet reads (£{MAX_AMOUNT:,.0f})"
    return "not a number"


def _money(value: object) -> Decimal | None:
    """An amount without the bound on its size; ``None`` when not finite."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        # Converting a huge int to Decimal goes through its digits (Python's limit).
        if value.bit_length() > 256:
            return Decimal("Infinity") if value > 0 else Decimal("-Infinity")
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        amount = value
    elif isinstance(value, float):
        if not math.isfinite(value):
            return None
        amount = Decimal(repr(value))
    else:
        text = str(value).strip()
        if len(text) > MAX_NUMBER_CHARS or _MONEY_RE.fullmatch(text) is None:
            return None
        try:
            amount = Decimal(_NUMBER_NOISE.sub("", text))
        except (InvalidOperation, ArithmeticError):
            return None
    # NaN is no amount; an infinite one is reported as above the bound. Comparing a
    # Decimal of any exponent with the bound is exact and cheap, and no arithmetic
    # is done on one until it is within the bound.
    return None if amount.is_nan() else amount


def _parse_float(text: str) -> float:
    try:
        return float(_NUMBER_NOISE.sub("", text))  # infinite when too large for a float
    except ValueError:
        return np.nan


def number_column(values: pd.Series, *, money: bool) -> pd.Series:
    """A column of text as float64: NaN where a cell is missing or not a number,
    infinite where it is a number too large for a float (``1e400``).

    ``money=True`` reads each cell as :func:`parse_money` does, but leaves a value
    above :data:`MAX_AMOUNT` in place for the caller to name; ``money=False``
    accepts plain numbers only (no ``£``, no space after a sign).

    Examples
    --------
    >>> cells = pd.Series(["£1,500", "2.5", "five", None], dtype="object")
    >>> number_column(cells, money=True).tolist()
    [1500.0, 2.5, nan, nan]
    """
    if not values.notna().any():
        return pd.Series(np.nan, index=values.index, dtype="float64")
    # Each distinct text once, checked against the pattern (pandas alone would also
    # take '1e 5'); plain numbers convert in C, and only the rest (pounds signs,
    # thousands separators) one by one.
    codes, uniques = pd.factorize(values)
    pattern = _MONEY_RE if money else _NUMBER_RE
    fits = np.fromiter(
        (pattern.fullmatch(text) is not None for text in uniques), dtype=bool, count=len(uniques)
    )
    as_text = pd.Series(uniques, dtype="object")
    fits &= np.fromiter(
        (len(text) <= MAX_NUMBER_CHARS for text in uniques), dtype=bool, count=len(uniques)
    )
    parsed = pd.to_numeric(as_text.where(fits), errors="coerce").astype("float64")
    parsed = parsed.to_numpy(copy=True)
    parsed[~fits] = np.nan
    for i in np.flatnonzero(fits & ~np.isfinite(parsed)).tolist():
        parsed[i] = _parse_float(str(as_text.iat[i]))
    return pd.Series(np.append(parsed, np.nan)[codes], index=values.index)


_MONTHS_RE = re.compile(r"[0-9]{1,16}(?:\.0*)?", re.ASCII)


def parse_months(value: object) -> int | None:
    """A duration as a whole number of months (0 to :data:`MAX_MONTHS`), or ``None``.

    Spreadsheets and JSON write whole numbers as ``12.0``; that is 12 months.

    Examples
    --------
    >>> parse_months("12"), parse_months("12.0"), parse_months(36), parse_months("18.5")
    (12, 12, 36, None)
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= MAX_MONTHS else None
    if isinstance(value, Decimal | float):
        # A number parsed from JSON: whole and not negative, written any way; compared
        # with the bound first, so 1e1000000 is never turned into an int.
        with contextlib.suppress(ValueError, ArithmeticError):
            if 0 <= value <= MAX_MONTHS and value == int(value):
                return int(value)
        return None
    text = str(value).strip()
    if _MONTHS_RE.fullmatch(text) is None:
        return None
    months = int(text.split(".")[0])
    return months if months <= MAX_MONTHS else None


# -- booleans ----------------------------------------------------------------------

BOOLEANS = {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False}
BOOLEAN_WORDS = "true, false, yes, no, 1, 0"


def parse_boolean(text: str) -> bool | None:
    """``True`` or ``False`` for one of :data:`BOOLEAN_WORDS` in any case, else ``None``.

    Examples
    --------
    >>> parse_boolean("Yes"), parse_boolean("0"), parse_boolean("maybe")
    (True, False, None)
    """
    return BOOLEANS.get(text.strip().lower())


# -- dates -------------------------------------------------------------------------

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


def parse_date(
    text: str, *, date_format: str | None = None, date_times: bool = False
) -> date | None:
    """A date by the module's rule, or ``None``.

    Parameters
    ----------
    text : str
        The cell, stripped.
    date_format : str, optional
        A ``strptime`` format tried first; ``YYYY-MM-DD`` is read whatever it is.
    date_times : bool
        Also read an ISO 8601 date-time (``2023-05-01T09:30:00Z``) as its date, as
        360Giving files write award dates.

    Examples
    --------
    >>> parse_date("2024-03-31"), parse_date("31/03/2024", date_format="%d/%m/%Y")
    (datetime.date(2024, 3, 31), datetime.date(2024, 3, 31))
    >>> parse_date("2024-02-30"), parse_date("2024-3-31"), parse_date("31/03/2024")
    (None, None, None)
    >>> parse_date("2023-05-01T09:30:00Z", date_times=True)
    datetime.date(2023, 5, 1)
    """
    if not text.isascii() or len(text) > 64:
        # strptime would read other scripts' digits; no date is this long.
        return None
    if date_format:
        with contextlib.suppress(ValueError):
            return datetime.strptime(text, date_format).date()
    # YYYY-MM-DD is the contract's own form and cannot be mistaken for another, so a
    # date that does not fit the given format but is strictly ISO is taken as ISO: a
    # dataset partnernet wrote (an import, say) still reads with the --date-format
    # its other files need.
    with contextlib.suppress(ValueError):
        if ISO_DATE.fullmatch(text):
            return date.fromisoformat(text)
        if date_times and len(text) > 10 and text[10] in "T " and ISO_DATE.fullmatch(text[:10]):
            return datetime.fromisoformat(text).date()
    return None


def date_column(values: pd.Series, *, date_format: str | None) -> pd.Series:
    """A column of text as datetime64[ns]: NaT where missing or not a date.

    The rule of :func:`parse_date` (without date-times), for a whole column; dates
    outside what pandas can hold (1678 to 2261) are NaT too.

    Examples
    --------
    >>> cells = pd.Series(["2024-03-31", "31/03/2024", None], dtype="object")
    >>> date_column(cells, date_format=None).isna().tolist()
    [False, True, True]
    """
    if not values.notna().any():
        return pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    # Dates repeat a lot: parse each distinct text once.
    codes, uniques = pd.factorize(values)
    texts = pd.Series(uniques, dtype="object")
    # ASCII only: strptime and pandas read other scripts' digits too.
    texts = texts.where(np.array([v.isascii() and len(v) <= 64 for v in texts], dtype=bool))
    if date_format is None:
        # pandas would also take 2024-1-5; the rule says YYYY-MM-DD.
        iso = [isinstance(v, str) and ISO_DATE.fullmatch(v) is not None for v in texts]
        texts = texts.where(np.array(iso, dtype=bool))
    dates = pd.to_datetime(texts, format=date_format or "%Y-%m-%d", errors="coerce")
    if date_format is not None:
        unparsed = dates.isna() & texts.map(
            lambda v: isinstance(v, str) and ISO_DATE.fullmatch(v) is not None
        )
        iso_dates = pd.to_datetime(texts.where(unparsed), format="%Y-%m-%d", errors="coerce")
        dates = dates.where(~unparsed, iso_dates)
    dates = dates.where((dates >= pd.Timestamp.min) & (dates <= pd.Timestamp.max))
    table = np.append(dates.to_numpy(dtype="datetime64[ns]"), np.datetime64("NaT", "ns"))
    return pd.Series(table[codes], index=values.index)
