"""The Cypher statements of ``cypher/*.cypher``, loaded as package data.

The folder is installed as the package ``partnernet.cypher``, one statement per
file, named for what it does. Code asks for a statement by that name with a
literal string, ``query("merge_organisations")``, so a test can check that every
file is used and every name used exists.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

__all__ = ["PACKAGE", "names", "query"]

PACKAGE = "partnernet.cypher"
_SUFFIX = ".cypher"


def names() -> tuple[str, ...]:
    """The names of all the statements shipped with partnernet, sorted.

    Examples
    --------
    >>> "merge_organisations" in names()
    True
    """
    return tuple(
        sorted(
            entry.name.removesuffix(_SUFFIX)
            for entry in resources.files(PACKAGE).iterdir()
            if entry.name.endswith(_SUFFIX)
        )
    )


@cache
def query(name: str) -> str:
    """The text of ``cypher/<name>.cypher``.

    Raises
    ------
    KeyError
        When no statement has that name (a bug: names are fixed in the code).

    Examples
    --------
    >>> query("count_graph").startswith("//")
    True
    """
    resource = resources.files(PACKAGE).joinpath(name + _SUFFIX)
    if not resource.is_file():
        raise KeyError(f"no Cypher statement named {name!r} in {PACKAGE}")
    return resource.read_text(encoding="utf-8")
