"""Keyed pseudonyms for ``person_id`` (DESIGN section 2).

A person is personal data: on read their identifier is replaced by
``psn-`` and the first 20 hex digits of HMAC-SHA256(key, person_id). The same key
gives the same pseudonym, so one person affiliated with two organisations still
links them, while without the key nobody can test whether a named person is in the
data. The key comes from the caller, the environment or a key file; it is never
written anywhere and never appears in a message.
"""

from __future__ import annotations

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


def resolve_key(key: str | bytes | None = None) -> bytes | None:
    """The pseudonymisation key, or None when none is set.

    Looked for in this order: the ``key`` argument; the environment variable
    ``PARTNERNET_PSEUDONYM_KEY``; the file named by ``PARTNERNET_PSEUDONYM_KEY_FILE``
    (its contents with surrounding whitespace removed). Empty values count as unset.

    Raises
    ------
    InputError
        When the key file is named but cannot be read or is empty.
    """
    if key is not None:
        key_bytes = key.encode("utf-8") if isinstance(key, str) else bytes(key)
        if key_bytes.strip():
            return key_bytes
    from_env = os.environ.get(KEY_ENV, "")
    if from_env.strip():
        return from_env.encode("utf-8")
    key_file = os.environ.get(KEY_FILE_ENV, "")
    if not key_file.strip():
        return None
    try:
        contents = Path(key_file).read_bytes().strip()
    except OSError as exc:
        raise InputError(
            f"cannot read the pseudonym key file {key_file} named by {KEY_FILE_ENV}: "
            f"{exc.strerror or exc}.",
            hint=f"Check the path in {KEY_FILE_ENV}, or set {KEY_ENV} instead.",
        ) from exc
    if not contents:
        raise InputError(
            f"the pseudonym key file {key_file} named by {KEY_FILE_ENV} is empty.",
            hint="Put a long random secret in it, e.g. "
            'python -c "import secrets; print(secrets.token_hex(32))" > FILE.',
        )
    return contents


def missing_key_error(path: str, people: int) -> InputError:
    """The error for a dataset that names people when no key is set."""
    plural = "row" if people == 1 else "rows"
    return InputError(
        f"{path} names people ({people} {plural}) but no pseudonym key is set, so "
        "person_id cannot be pseudonymised.",
        hint=(
            f"Set {KEY_ENV} to a long random secret, or {KEY_FILE_ENV} to the path of a file "
            'holding one (make one with: python -c "import secrets; '
            'print(secrets.token_hex(32))" > partnernet.key). Use the same key every time '
            "so pseudonyms stay stable. Keep the key secret and never share it with the "
            "outputs: anyone holding it can check whether a named person is in the data."
        ),
        path=path,
    )
