"""Keyed pseudonyms for ``person_id`` (DESIGN section 2).

A person is personal data: on read their identifier is replaced by
``psn-`` and the first 20 hex digits of HMAC-SHA256(key, person_id). The same key
gives the same pseudonym, so one person affiliated with two organisations still
links them, while without the key nobody can test whether a named person is in the
data. The key comes from the caller, the environment or a key file; it is never
written anywhere and never appears in a message.
"""

from __future__ import annotations

import codecs
import hashlib
import hmac
import os
import re
from pathlib import Path

import pandas as pd

from partnernet.errors import InputError

__all__ = [
    "KEY_ENV",
    "KEY_FILE_ENV",
    "MIN_KEY_LENGTH",
    "PSEUDONYM_PATTERN",
    "is_pseudonym",
    "missing_key_error",
    "pseudonymise",
    "pseudonymise_series",
    "resolve_key",
]

KEY_ENV = "PARTNERNET_PSEUDONYM_KEY"
KEY_FILE_ENV = "PARTNERNET_PSEUDONYM_KEY_FILE"
# 20 hex digits = 80 bits: collisions stay negligible for millions of people
# while the ids remain short enough to read in a table.
PSEUDONYM_PATTERN = r"psn-[0-9a-f]{20}"
_PSEUDONYM_RE = re.compile(PSEUDONYM_PATTERN)


def is_pseudonym(value: str) -> bool:
    """True when ``value`` already has the form partnernet gives pseudonyms.

    Such values are kept as they are on read, so a dataset partnernet wrote reads
    back unchanged.

    Examples
    --------
    >>> is_pseudonym("psn-0123456789abcdef0123"), is_pseudonym("Jane Smith")
    (True, False)
    """
    return _PSEUDONYM_RE.fullmatch(value) is not None


def pseudonymise(person_id: str, key: bytes) -> str:
    """The keyed pseudonym of one ``person_id``.

    Parameters
    ----------
    person_id : str
        The identifier as written in affiliations.csv (a name, a payroll number).
    key : bytes
        The secret key (see :func:`resolve_key`).

    Returns
    -------
    str
        ``psn-`` followed by the first 20 hex digits of HMAC-SHA256(key, person_id).

    Examples
    --------
    >>> pseudonymise("Jane Smith", b"k")
    'psn-37ca02fb2cb918e6e8b8'
    """
    digest = hmac.new(key, person_id.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"psn-{digest[:20]}"


def pseudonymise_series(values: pd.Series, key: bytes | None) -> pd.Series:
    """``values`` with every identifier replaced by its pseudonym.

    Values that are already pseudonyms, and missing values, are kept. Each distinct
    identifier is hashed once.

    Parameters
    ----------
    values : pandas.Series
        Person identifiers (strings; NaN for missing).
    key : bytes or None
        The secret key; may be None only when every value is already a pseudonym.

    Returns
    -------
    pandas.Series
        Same index, dtype ``str``.

    Raises
    ------
    ValueError
        When a value needs hashing and ``key`` is None.
    """
    text = values.astype("str")
    raw = text.notna() & ~text.str.fullmatch(PSEUDONYM_PATTERN).fillna(False).astype(bool)
    if not raw.any():
        return text
    if key is None:
        raise ValueError("a pseudonym key is needed to pseudonymise person ids")
    mapping = {v: pseudonymise(v, key) for v in pd.unique(text[raw])}
    out = text.copy()
    out[raw] = text[raw].map(mapping)
    return out


# The shortest key accepted, in bytes after trimming (16 ASCII characters). The
# pseudonyms are only as private as the key: anyone holding the outputs and a list of
# candidate names can try keys offline, one HMAC each, so a word or a PIN is found at
# once. 16 characters even of hex digits hold 64 bits, beyond such a search; the key
# partnernet suggests (secrets.token_hex(32)) is 64 characters.
MIN_KEY_LENGTH = 16
_MAKE_A_KEY = 'python -c "import secrets; print(secrets.token_hex(32))"'


def resolve_key(key: str | bytes | None = None) -> bytes | None:
    """The pseudonymisation key, or None when none is set.

    Looked for in this order: the ``key`` argument; the environment variable
    ``PARTNERNET_PSEUDONYM_KEY``; the file named by ``PARTNERNET_PSEUDONYM_KEY_FILE``.
    Each has surrounding whitespace removed the same way (a key typed into a
    variable and the same key written to a file, newline and all, give the same
    pseudonyms), and empty values count as unset. A key shorter than
    ``MIN_KEY_LENGTH`` bytes is refused.

    Raises
    ------
    InputError
        When the key file is named but cannot be read or is empty, or the key is
        too short to keep the pseudonyms private.
    """
    if key is not None:
        given = _trimmed(key)
        if given:
            return _long_enough(given, "the pseudonym key given")
    from_env = _trimmed(os.environ.get(KEY_ENV, ""))
    if from_env:
        return _long_enough(from_env, f"the pseudonym key in {KEY_ENV}")
    key_file = os.environ.get(KEY_FILE_ENV, "")
    if not key_file.strip():
        return None
    try:
        contents = _trimmed(Path(key_file).read_bytes())
    except OSError as exc:
        raise InputError(
            f"cannot read the pseudonym key file {key_file} named by {KEY_FILE_ENV}: "
            f"{exc.strerror or exc}.",
            hint=f"Check the path in {KEY_FILE_ENV}, or set {KEY_ENV} instead.",
        ) from exc
    if not contents:
        raise InputError(
            f"the pseudonym key file {key_file} named by {KEY_FILE_ENV} is empty.",
            hint=f"Put a long random secret in it, e.g. {_MAKE_A_KEY} > FILE.",
        )
    return _long_enough(contents, f"the pseudonym key in {key_file} (named by {KEY_FILE_ENV})")


def _trimmed(key: str | bytes) -> bytes:
    """The key as bytes, surrounding whitespace removed: one rule for every source.

    A UTF-8 byte-order mark goes too: an editor that saves the key file with one
    would otherwise give the key another set of pseudonyms.
    """
    raw = key.encode("utf-8") if isinstance(key, str) else bytes(key)
    return raw.strip().removeprefix(codecs.BOM_UTF8).strip()


def _long_enough(key: bytes, where: str) -> bytes:
    if len(key) < MIN_KEY_LENGTH:
        # Neither the key nor its length is shown: both would help a guesser.
        raise InputError(
            f"{where} is too short: a pseudonym key needs at least {MIN_KEY_LENGTH} "
            "characters, or anyone with the outputs could guess it and test names.",
            hint=f"Make a long random one with: {_MAKE_A_KEY}",
        )
    return key


def missing_key_error(path: str, people: int) -> InputError:
    """The error for a dataset that names people when no key is set."""
    plural = "row" if people == 1 else "rows"
    return InputError(
        f"{path} names people ({people} {plural}) but no pseudonym key is set, so "
        "person_id cannot be pseudonymised.",
        hint=(
            f"Set {KEY_ENV} to a long random secret (at least {MIN_KEY_LENGTH} characters), "
            f"or {KEY_FILE_ENV} to the path of a file "
            'holding one (make one with: python -c "import secrets; '
            'print(secrets.token_hex(32))" > partnernet.key). Use the same key every time '
            "so pseudonyms stay stable. Keep the key secret and never share it with the "
            "outputs: anyone holding it can check whether a named person is in the data."
        ),
        path=path,
    )
