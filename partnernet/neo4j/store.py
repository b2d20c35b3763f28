"""Neo4j as a way in and out of partnernet: load a Dataset, read it back, write
metric results onto the organisations (DESIGN section 7).

The graph model
---------------
Nodes (labels are fixed here and in ``cypher/``, never taken from input):

- ``(:Organisation {id, name, type, size_band, income, locality, tags})``, one per
  row of organisations.csv; ``tags`` is a list of strings. ``parent_id`` is not a
  property but the relationship ``(department)-[:PART_OF]->(parent body)``.
- ``(:Board {id, name, convener_id, level, theme})``, one per row of boards.csv.
- ``(:Person {id})`` holding only the keyed pseudonym that replaced a person's name
  when the dataset was read (DESIGN section 2). No name, and nothing else about a
  person, reaches the database; the pseudonym is needed because reading the graph
  back must give the same Dataset, and that includes ``affiliations``.

Relationships, one per row of the table they come from:

- ``(:Organisation)-[:FUNDS {id, amount, award_date, currency, duration_months,
  kind, restricted, programme}]->(:Organisation)``, keyed by the funding id;
  ``award_date`` is a Neo4j ``Date``;
- ``(:Organisation)-[:MEMBER_OF {row_key, role, start, end}]->(:Board)``;
- ``(:Organisation)-[:PARTNERS_WITH {row_key, kind, directed, weight, start,
  end}]->(:Organisation)``;
- ``(:Person)-[:AFFILIATED_WITH {row_key, role, start, end}]->(:Organisation)``;

and, derived after every load for people exploring in Neo4j Browser or Bloom, who
should see organisation-to-organisation ties rather than people:
``(:Organisation)-[:SHARES_PERSON {count}]->(:Organisation)``, from the lower id to
the higher, ``count`` being the number of distinct people the two share.

Every node and relationship that stands for a row also holds ``row_index``, the row's
position in its table when it was last loaded, and reading back returns the rows in
that order (then by id). The order matters: community detection and the tables'
row order follow it, so ``analyse --from-neo4j`` writes the same files, byte for
byte, as ``analyse`` on the folder that was loaded. ``tags`` ``""`` is stored as
an empty list, so that it too reads back as it was, not as missing.

Memberships, partnerships and affiliations have no id of their own, yet two rows may
join the same pair (say, two partnerships of different kinds). Each such row gets a
``row_key``: a SHA-256 digest of the row's values and of how many identical rows came
before it. MERGE on that key is idempotent (the same rows give the same keys, in any
order) and still keeps distinct rows distinct, exact duplicates included.

Loading
-------
Constraints come first (``IF NOT EXISTS``, so they are created once), then nodes,
then relationships, each through ``UNWIND $rows AS row ... MERGE`` in batches of
``batch_size`` rows, one managed transaction per batch (``session.execute_write``),
so the driver retries transient errors by re-running the whole batch. Every value is
a parameter of plain Python type; NaN, NaT and ``pd.NA`` become null, which in Neo4j
means "no property".

Loading the same dataset twice leaves the same graph. A load that stops half-way
(server gone, network lost) leaves whole batches behind, never half of one; running
the same load again completes it, because every statement merges on ids and keys.
Loading a changed dataset updates the rows it holds; rows deleted from the files
stay in the graph unless ``wipe=True``, which first deletes every Organisation,
Board and Person node (and their relationships), and nothing else.

Write-back
----------
:meth:`Store.write_back` sets ``pn_`` + metric column (``pn_betweenness``,
``pn_board_seats``, ...) on each organisation, the five Gould-Fernandez role counts
as ``pn_broker_coordinator`` ... ``pn_broker_liaison``. A NaN metric (Burt's
constraint of an isolate) removes the property; an infinite distance to a decision
maker (no path) is written as the float ``Infinity``, as in metrics.csv.

Errors
------
A server that is down, refuses the credentials or fails TLS, and any other failure of
the driver, raise :class:`~partnernet.errors.StoreError` (exit code 4) with one line
saying what happened and one saying what to do. The password is never part of a
message, a repr or a log line.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import math
import os
import re
import socket
import ssl
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
from neo4j import GraphDatabase, NotificationDisabledClassification
from neo4j import exceptions as neo4j_exceptions

from partnernet.errors import InputError, StoreError
from partnernet.model import COLUMNS, TABLES, Dataset
from partnernet.neo4j.queries import query

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_URI",
    "LABELS",
    "RELATIONSHIP_TYPES",
    "Store",
    "connect",
    "property_names",
    "redact_uri",
]

DEFAULT_URI = "bolt://localhost:7687"
DEFAULT_USERNAME = "neo4j"
# A few thousand rows per transaction: large enough that 10,000 rows take a handful
# of round trips, small enough that a transaction stays well inside the server's
# default memory limits.
DEFAULT_BATCH_SIZE = 2000
# Nodes deleted per transaction by a wipe (each with all its relationships).
WIPE_BATCH_SIZE = 10_000

LABELS: tuple[str, ...] = ("Organisation", "Board", "Person")
RELATIONSHIP_TYPES: tuple[str, ...] = (
    "FUNDS",
    "MEMBER_OF",
    "PARTNERS_WITH",
    "PART_OF",
    "AFFILIATED_WITH",
    "SHARES_PERSON",
)

# The Gould-Fernandez roles, written back as pn_broker_<role>. The neo4j package may
# not import the analysis layer; a test checks this equals its BROKERAGE_ROLES.
_BROKERAGE_ROLES = ("coordinator", "itinerant", "gatekeeper", "representative", "liaison")
# Columns of metrics.csv that are the organisation's own data, not results.
_NOT_METRICS = frozenset({"id", "name", "type", "size_band"})
_PROPERTY_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")

_CONNECT_HINT = (
    "Start it with 'docker compose up -d', or set NEO4J_URI (or --uri) to a running server."
)
_RERUN_HINT = (
    "Whole batches were written and nothing is half-written: run the same command "
    "again to finish (loading is idempotent)."
)

Progress = Callable[[str, int], None]
"""Called after each batch with the table's name and the rows the batch wrote."""


def connect(
    uri: str | None = None,
    username: str | None = None,
    password: str | None = None,
    database: str | None = None,
) -> Store:
    """A :class:`Store` for the Neo4j server at ``uri``.

    Each setting left as ``None`` comes from the environment: ``NEO4J_URI``
    (default ``bolt://localhost:7687``), ``NEO4J_USERNAME`` (default ``neo4j``),
    ``NEO4J_PASSWORD`` (no password: connect without authentication) and
    ``NEO4J_DATABASE`` (default: the user's home database). Nothing is sent until
    the store is used; :meth:`Store.verify` checks the connection.

    Parameters
    ----------
    uri : str, optional
        ``bolt://``, ``neo4j://`` or their ``+s`` (TLS) and ``+ssc`` (TLS with a
        self-signed certificate) forms.
    username, password, database : str, optional

    Returns
    -------
    Store
        Close it, or use it as a context manager.

    Raises
    ------
    StoreError
        When the URI is not one the driver can use (exit code 4).
    """
    uri = uri or os.environ.get("NEO4J_URI") or DEFAULT_URI
    username = username or os.environ.get("NEO4J_USERNAME") or DEFAULT_USERNAME
    if password is None:
        password = os.environ.get("NEO4J_PASSWORD") or None
    database = database or os.environ.get("NEO4J_DATABASE") or None
    _check_uri(uri)
    auth = (username, password) if password is not None else None
    try:
        # A graph without boards or affiliations yet is normal: without this, every
        # read and count would make the driver log the server's "label does not
        # exist" notices to the user's terminal.
        driver = GraphDatabase.driver(
            uri,
            auth=auth,
            notifications_disabled_classifications=[
                NotificationDisabledClassification.UNRECOGNIZED
            ],
        )
    except (neo4j_exceptions.DriverError, ValueError) as exc:
        # The driver's own message can quote the whole URI, credentials and all.
        raise StoreError(
            f"{redact_uri(uri)!r} is not a Neo4j URI the driver can use ({type(exc).__name__}).",
            hint="Use bolt://HOST:7687, or neo4j+s://HOST for an encrypted connection.",
        ) from None
    return Store(
        driver, uri=uri, username=username, database=database, has_password=password is not None
    )


def property_names(columns: Sequence[str]) -> dict[str, str]:
    """The Neo4j property each metric column is written back to.

    ``name``, ``type`` and ``size_band`` are the organisation's own data and are not
    written back; ``id`` identifies the node.

    Raises
    ------
    ValueError
        When a column name is not lower-case letters, digits and underscores.

    Examples
    --------
    >>> property_names(["id", "betweenness", "liaison"])
    {'betweenness': 'pn_betweenness', 'liaison': 'pn_broker_liaison'}
    """
    out: dict[str, str] = {}
    for column in columns:
        if column in _NOT_METRICS:
            continue
        if not isinstance(column, str) or not _PROPERTY_NAME.match(column):
            raise ValueError(
                f"metric column {column!r} cannot be a property name: "
                "use lower-case letters, digits and underscores"
            )
        prefix = "pn_broker_" if column in _BROKERAGE_ROLES else "pn_"
        out[column] = prefix + column
    return out


class Store:
    """A connection to one Neo4j database, holding partnernet's graph.

    Build it with :func:`connect`. ``driver`` is anything with the Neo4j driver's
    ``verify_connectivity()``, ``session(database=...)`` and ``close()``; the
    tests pass a recording stand-in.
    """

    def __init__(
        self,
        driver: Any,
        *,
        uri: str = DEFAULT_URI,
        username: str = DEFAULT_USERNAME,
        database: str | None = None,
        has_password: bool = True,
    ) -> None:
        self._driver = driver
        self.uri = uri
        self.username = username
        self.database = database
        self._has_password = has_password
        self._verified = False

    @property
    def shown_uri(self) -> str:
        """The URI as messages and the CLI show it (see :func:`redact_uri`)."""
        return redact_uri(self.uri)

    def __repr__(self) -> str:
        return (
            f"Store(uri={redact_uri(self.uri)!r}, username={self.username!r}, "
            f"database={self.database!r})"
        )

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the driver and its connections."""
        self._driver.close()

    def verify(self) -> None:
        """Check that the server answers and accepts the credentials.

        Raises
        ------
        StoreError
            Saying whether the server is down, refused the credentials or failed
            TLS (exit code 4).
        """
        with self._translate_errors():
            self._driver.verify_connectivity()
        self._verified = True

    def counts(self) -> dict[str, int]:
        """How many nodes and relationships of each kind the database holds.

        Keys: ``organisations``, ``boards``, ``people``, ``part_of``,
        ``memberships``, ``funding``, ``partnerships``, ``affiliations``,
        ``shares_person``.
        """
        statement = query("count_graph")

        def work(tx: Any) -> list[dict[str, Any]]:
            return list(tx.run(statement).data())

        self._ensure_verified()
        with self._translate_errors(), self._session() as session:
            records = session.execute_read(work)
        return {key: int(value) for key, value in records[0].items()}

    def load(
        self,
        dataset: Dataset,
        *,
        wipe: bool = False,
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: Progress | None = None,
    ) -> dict[str, int]:
        """Load ``dataset`` into the database (see the module doc for the model).

        Parameters
        ----------
        dataset : Dataset
            Validated data, for example from :func:`partnernet.read_dataset`.
        wipe : bool, default False
            First delete every Organisation, Board and Person node and their
            relationships, so the graph holds exactly this dataset.
        batch_size : int, default 2000
            Rows per transaction.
        progress : callable, optional
            ``progress(table, rows)`` after each batch.

        Returns
        -------
        dict
            Rows written per table (``organisations``, ``boards``, ``part_of``,
            ``memberships``, ``funding``, ``partnerships``, ``affiliations``), the
            ``shares_person`` ties derived and the nodes ``wiped``.

        Raises
        ------
        InputError
            When a row names an organisation or board the dataset lacks, or an id
            is missing or repeated; checked before anything is written.
        StoreError
            When the server is unreachable, refuses the credentials or fails; whole
            batches already written stay, and running the load again completes it.

        Examples
        --------
        >>> with connect() as store:  # doctest: +SKIP
        ...     store.load(partnernet.read_dataset("sample_data"))
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        _check_references(dataset)
        statements = _load_statements(dataset)
        self._ensure_verified()
        summary: dict[str, int] = {}
        with self._translate_errors(writing=True), self._session() as session:
            for statement in _constraint_statements():
                session.execute_write(_run_write, statement, {})
            summary["wiped"] = self._wipe(session) if wipe else 0
            for table, statement, rows in statements:
                # part_of rows repeat organisations rows, so progress (counted in
                # dataset rows) leaves them out.
                summary[table] = self._write_rows(
                    session,
                    table,
                    statement,
                    rows,
                    batch_size,
                    progress if table != "part_of" else None,
                )
            summary["shares_person"] = self._derive_shares_person(session, dataset, batch_size)
        return summary

    def read_dataset(self) -> Dataset:
        """The Dataset the graph holds.

        After :meth:`load` with ``wipe=True`` it equals the loaded Dataset
        (:meth:`Dataset.equals`). The rows are read in one transaction, ordered by
        id so that analyses of the same graph give the same results.
        """
        texts = _read_statements()

        def work(tx: Any) -> dict[str, list[dict[str, Any]]]:
            return {table: list(tx.run(text).data()) for table, text in texts.items()}

        self._ensure_verified()
        with self._translate_errors(), self._session() as session:
            records = session.execute_read(work)
        frames = {
            table: pd.DataFrame(
                [_from_neo4j_record(record) for record in records[table]],
                columns=list(COLUMNS[table]),
            )
            for table in TABLES
        }
        return Dataset.from_frames(**frames)

    def write_back(self, metrics: pd.DataFrame, *, batch_size: int = DEFAULT_BATCH_SIZE) -> int:
        """Set each organisation's metrics as ``pn_`` properties.

        Parameters
        ----------
        metrics : DataFrame
            An ``id`` column and metric columns, such as ``Results.metrics``; see
            :func:`property_names` for the property each column becomes.
        batch_size : int, default 2000
            Rows per transaction.

        Returns
        -------
        int
            How many organisations were found and updated (ids absent from the
            graph are skipped).
        """
        if "id" not in metrics.columns:
            raise ValueError("metrics needs an 'id' column naming the organisations")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        names = property_names(list(metrics.columns))
        ids = _plain_column(metrics["id"])
        values = {column: _plain_column(metrics[column]) for column in names}
        rows = [
            {
                "id": ids[i],
                "properties": {names[column]: values[column][i] for column in names},
            }
            for i in range(len(metrics))
        ]
        statement = query("write_back_metrics")
        self._ensure_verified()
        written = 0
        with self._translate_errors(writing=True), self._session() as session:
            for batch in _batches(rows, batch_size):
                written += _written(session.execute_write(_run_write, statement, {"rows": batch}))
        return written

    # -- internals --------------------------------------------------------------

    def _session(self) -> Any:
        return self._driver.session(database=self.database)

    def _ensure_verified(self) -> None:
        if not self._verified:
            self.verify()

    def _wipe(self, session: Any) -> int:
        statement = query("wipe_batch")
        deleted = 0
        while True:
            records = session.execute_write(_run_write, statement, {"limit": WIPE_BATCH_SIZE})
            step = int(records[0]["deleted"]) if records else 0
            deleted += step
            if step < WIPE_BATCH_SIZE:
                return deleted

    def _write_rows(
        self,
        session: Any,
        table: str,
        statement: str,
        rows: list[dict[str, Any]],
        batch_size: int,
        progress: Progress | None,
    ) -> int:
        written = 0
        for batch in _batches(rows, batch_size):
            # Progress is reported only after the transaction committed: the driver
            # may run the transaction function more than once.
            count = _written(session.execute_write(_run_write, statement, {"rows": batch}))
            if count != len(batch):
                raise StoreError(
                    f"only {count} of {len(batch)} {table} rows reached Neo4j at "
                    f"{redact_uri(self.uri)}: the organisations or boards they name "
                    "were missing (was the graph changed during the load?).",
                    hint=_RERUN_HINT,
                )
            written += count
            if progress is not None:
                progress(table, count)
        return written

    def _derive_shares_person(self, session: Any, dataset: Dataset, batch_size: int) -> int:
        ids = sorted(set(_plain_column(dataset.affiliations["org_id"])) - {None})
        statement = query("derive_shares_person")
        ties = 0
        for batch in _batches(ids, batch_size):
            ties += _written(session.execute_write(_run_write, statement, {"ids": batch}))
        return ties

    @contextlib.contextmanager
    def _translate_errors(self, *, writing: bool = False) -> Iterator[None]:
        """Turn any driver failure into a one-line :class:`StoreError`.

        ``writing``: the failure came after writes began, so say that re-running
        completes the job.
        """
        try:
            yield
        except StoreError:
            raise
        except Exception as exc:
            error = _store_error(exc, self, writing=writing)
            if error is None:
                raise
            raise error from exc


def _store_error(exc: BaseException, store: Store, *, writing: bool) -> StoreError | None:
    uri = redact_uri(store.uri)
    ex = neo4j_exceptions
    if isinstance(exc, ex.AuthError):
        if not store._has_password:
            return StoreError(
                f"Neo4j at {uri} needs a password and none was given.",
                hint="Set NEO4J_PASSWORD, or use --password-prompt to type it.",
            )
        return StoreError(
            f"Neo4j at {uri} refused the credentials for user '{store.username}'.",
            hint="Check NEO4J_USERNAME and NEO4J_PASSWORD (or type it with --password-prompt).",
        )
    if isinstance(exc, ex.ServiceUnavailable | ex.SessionExpired):
        reason, hint = _unavailable_reason(exc)
        if writing:
            return StoreError(
                f"the connection to Neo4j at {uri} failed part-way ({reason}).", hint=_RERUN_HINT
            )
        return StoreError(f"cannot connect to Neo4j at {uri} ({reason}).", hint=hint)
    if isinstance(exc, ex.ConfigurationError):
        return StoreError(
            f"the Neo4j driver cannot be configured for {uri} ({type(exc).__name__}).",
            hint="Check NEO4J_URI: bolt://HOST:7687, or neo4j+s://HOST for TLS.",
        )
    if isinstance(exc, ex.Neo4jError):
        code = exc.code or "unknown error"
        detail = _one_line(exc.message or "")
        if code == "Neo.ClientError.Database.DatabaseNotFound":
            return StoreError(
                f"Neo4j at {uri} has no database '{store.database}'.",
                hint="Check NEO4J_DATABASE or --database (the Community edition has only 'neo4j').",
            )
        if isinstance(exc, ex.Forbidden) or code.startswith("Neo.ClientError.Security."):
            return StoreError(
                f"Neo4j at {uri} does not allow user '{store.username}' to do this ({detail}).",
                hint="Ask the database administrator for write access, or use another user.",
            )
        if isinstance(exc, ex.ConstraintError):
            return StoreError(
                f"Neo4j at {uri} holds data that conflicts with this dataset ({detail}).",
                hint="Load with --wipe to replace what an earlier load put there.",
            )
        if isinstance(exc, ex.TransientError):
            return StoreError(
                f"Neo4j at {uri} stayed busy after repeated retries ({code}).",
                hint=_RERUN_HINT,
            )
        return StoreError(f"Neo4j at {uri} failed a request ({code}: {detail}).", hint=_RERUN_HINT)
    if isinstance(exc, ex.DriverError):
        return StoreError(
            f"the Neo4j driver failed talking to {uri} ({type(exc).__name__}).",
            hint=_RERUN_HINT,
        )
    return None


def _unavailable_reason(exc: BaseException) -> tuple[str, str]:
    """Why the server could not be reached, from the driver's chain of causes."""
    causes = list(_causes(exc))
    for cause in causes:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return (
                f"its TLS certificate was not accepted: {_ssl_reason(cause)}",
                "Use a certificate this machine trusts, or bolt+ssc:// or neo4j+ssc:// "
                "for a self-signed certificate you trust.",
            )
    for cause in causes:
        if isinstance(cause, ssl.SSLError):
            return (
                f"the TLS handshake failed: {_ssl_reason(cause)}",
                "Check that the server has TLS enabled for Bolt, or use bolt:// without +s.",
            )
    checks: list[tuple[Callable[[BaseException], bool], str, str]] = [
        (lambda c: isinstance(c, ConnectionRefusedError), "connection refused", _CONNECT_HINT),
        (
            lambda c: isinstance(c, socket.gaierror),
            "host not found",
            "Check the host name in NEO4J_URI (or --uri).",
        ),
        (
            lambda c: isinstance(c, TimeoutError) or "Timed out" in str(c),
            "timed out",
            "Check that the server is running and that no firewall blocks the port.",
        ),
        (
            lambda c: "looks like HTTP" in str(c),
            "that port speaks HTTP, not Bolt",
            "Use the Bolt port, usually 7687: bolt://localhost:7687.",
        ),
        (
            lambda c: "incomplete handshake" in str(c),
            "the server closed the connection during the handshake",
            "If the server requires encryption, use bolt+s:// or neo4j+s://.",
        ),
    ]
    for matches, reason, hint in checks:
        if any(matches(c) for c in causes):
            return reason, hint
    for cause in causes:
        if isinstance(cause, OSError) and cause.errno:
            return os.strerror(cause.errno).lower(), _CONNECT_HINT
    if isinstance(exc, neo4j_exceptions.SessionExpired):
        return "the connection was lost", _CONNECT_HINT
    return "the server is unavailable", _CONNECT_HINT


def _ssl_reason(error: ssl.SSLError) -> str:
    for reason in (
        getattr(error, "verify_message", None),
        getattr(error, "reason", None),
        error.strerror,
    ):
        if reason:
            return str(reason)
    return type(error).__name__


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and everything behind it: causes, contexts and exception groups."""
    stack, seen = [exc], set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack.extend(getattr(current, "exceptions", None) or ())
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                stack.append(linked)


def _check_uri(uri: str) -> None:
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in _SCHEMES or not parts.hostname:
        raise StoreError(
            f"{redact_uri(uri)!r} is not a Neo4j URI.",
            hint="Use bolt://HOST:7687, or neo4j+s://HOST for an encrypted connection.",
        )
    if parts.username is not None or parts.password is not None:
        raise StoreError(
            f"{redact_uri(uri)!r} carries credentials, which Neo4j URIs cannot.",
            hint="Put the user in NEO4J_USERNAME and the password in NEO4J_PASSWORD.",
        )


def redact_uri(uri: str) -> str:
    """``uri`` as it may be shown: no user name, password or query string survives.

    Worked on the text rather than a parsed URI, so a password holding ``/``, ``?``
    or ``#`` (which moves where a parser thinks the host starts) is still hidden:
    everything between ``://`` and the last ``@`` is replaced, and so is everything
    after the first ``?`` or ``#`` (routing parameters, or a password put there).

    Examples
    --------
    >>> redact_uri("neo4j://user:pa/ss@db.example.org:7687?password=x#y")
    'neo4j://***@db.example.org:7687?***'
    >>> redact_uri("bolt://localhost:7687")
    'bolt://localhost:7687'
    """
    scheme, separator, rest = uri.partition("://")
    if not separator:
        scheme, rest = "", uri
    if "@" in rest:
        rest = "***@" + rest.rsplit("@", 1)[1]
    cut = min((i for i in (rest.find("?"), rest.find("#")) if i >= 0), default=-1)
    if cut >= 0:
        rest = rest[: cut + 1] + "***"
    return f"{scheme}{separator}{rest}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


# -- what is sent -------------------------------------------------------------

# Statement names are always literal arguments of query(), so a test can match the
# names the code uses against the files.


def _constraint_statements() -> tuple[str, ...]:
    return (
        query("constraint_organisation_id"),
        query("constraint_board_id"),
        query("constraint_person_id"),
        query("constraint_funds_id"),
        query("constraint_member_of_row_key"),
        query("constraint_partners_with_row_key"),
        query("constraint_affiliated_with_row_key"),
    )


def _read_statements() -> dict[str, str]:
    return {
        "organisations": query("read_organisations"),
        "boards": query("read_boards"),
        "memberships": query("read_memberships"),
        "funding": query("read_funding"),
        "partnerships": query("read_partnerships"),
        "affiliations": query("read_affiliations"),
    }


_KEYED_TABLES = frozenset({"memberships", "partnerships", "affiliations"})


def _run_write(tx: Any, statement: str, parameters: dict[str, Any]) -> list[dict[str, Any]]:
    """The transaction function: one statement, its records read before commit."""
    return list(tx.run(statement, parameters).data())


def _written(records: list[dict[str, Any]]) -> int:
    return int(records[0]["written"]) if records else 0


def _batches(rows: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _load_statements(dataset: Dataset) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """(table, statement, rows) in the order they must run: nodes, then ties."""
    orgs = dataset.organisations
    org_rows = _records(orgs, ("id", "name", "type", "size_band", "income", "locality"))
    for row, tags in zip(org_rows, _plain_column(orgs["tags"]), strict=True):
        row["tags"] = _tag_list(tags)
    with_parent = orgs[orgs["parent_id"].notna()]
    statements = [
        ("organisations", query("merge_organisations"), org_rows),
        ("boards", query("merge_boards"), _records(dataset.boards, COLUMNS["boards"])),
        ("part_of", query("merge_part_of"), _records(with_parent, ("id", "parent_id"))),
        ("memberships", query("merge_memberships"), _keyed_records(dataset, "memberships")),
        ("funding", query("merge_funding"), _records(dataset.funding, COLUMNS["funding"])),
        ("partnerships", query("merge_partnerships"), _keyed_records(dataset, "partnerships")),
        ("affiliations", query("merge_affiliations"), _keyed_records(dataset, "affiliations")),
    ]
    for table, _, rows in statements:
        if table != "part_of":
            # After the row keys, which must not depend on where a row stands.
            for position, row in enumerate(rows):
                row["row_index"] = position
    return statements


def _tag_list(tags: str | None) -> list[str] | None:
    """The tags text as a list property that joins back to exactly the same text.

    Examples
    --------
    >>> _tag_list("youth;ethnic-minority-led"), _tag_list(""), _tag_list(None)
    (['youth', 'ethnic-minority-led'], [], None)
    """
    if tags is None:
        return None
    return tags.split(";") if tags else []


def _records(frame: pd.DataFrame, columns: Sequence[str]) -> list[dict[str, Any]]:
    values = [_plain_column(frame[c]) for c in columns]
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


def _keyed_records(dataset: Dataset, table: str) -> list[dict[str, Any]]:
    assert table in _KEYED_TABLES
    rows = _records(getattr(dataset, table), COLUMNS[table])
    seen: dict[str, int] = {}
    for row in rows:
        content = json.dumps([table, *row.values()], default=_json_default, sort_keys=False)
        occurrence = seen.get(content, 0)
        seen[content] = occurrence + 1
        digest = hashlib.sha256(f"{content}#{occurrence}".encode()).hexdigest()
        row["row_key"] = digest[:32]
    return rows


def _json_default(value: object) -> str:
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise TypeError(f"cannot key a row holding {type(value).__name__}")


def _plain_column(series: pd.Series) -> list[Any]:
    """The values of ``series`` as plain Python values the driver sends as is.

    Missing values (NaN, NaT, ``pd.NA``, None) become None; numpy scalars become
    ``int``, ``float`` and ``bool``; datetimes become ``datetime.date`` (every date
    in the data contract is a day).
    """
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return [None if pd.isna(v) else v.date() for v in series]
    return [_plain(v) for v in series.tolist()]


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp | datetime.datetime):
        return value.date()
    return value


def _from_neo4j_record(record: dict[str, Any]) -> dict[str, Any]:
    """A record from a read statement as a row for a Dataset frame."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, list):
            # tags: a list property back to the ;-joined text of the data contract
            value = ";".join(str(v) for v in value)
        elif hasattr(value, "to_native"):
            value = value.to_native()
        out[key] = value
    return out


def _check_references(dataset: Dataset) -> None:
    """Every id present and unique, every reference resolved; else InputError.

    :func:`partnernet.read_dataset` already guarantees this; the check stops a
    Dataset built in Python from leaving some of its ties out of the graph.
    """
    problems: list[str] = []
    org_ids = set(dataset.organisations["id"].dropna())
    board_ids = set(dataset.boards["id"].dropna())

    def check(
        table: str,
        column: str,
        *,
        among: tuple[set[str], str] | None = None,
        unique: bool = False,
        optional: bool = False,
    ) -> None:
        values = getattr(dataset, table)[column]
        missing = values.isna().to_numpy()
        if not optional:
            for position in np.flatnonzero(missing)[:3]:
                problems.append(f"{table} record {position + 1}: '{column}' is empty")
        if unique:
            for value in values[values.duplicated() & ~missing].unique()[:3]:
                problems.append(f"{table}: {column} '{value}' appears more than once")
        if among is not None:
            known, noun = among
            unknown = ~missing & ~values.isin(known).to_numpy()
            for position in np.flatnonzero(unknown)[:3]:
                problems.append(
                    f"{table} record {position + 1}: {column} '{values.iloc[position]}' "
                    f"is not {noun} id"
                )

    organisation = (org_ids, "an organisation")
    check("organisations", "id", unique=True)
    check("organisations", "parent_id", among=organisation, optional=True)
    check("boards", "id", unique=True)
    check("memberships", "board_id", among=(board_ids, "a board"))
    check("memberships", "org_id", among=organisation)
    check("funding", "id", unique=True)
    check("funding", "funder_id", among=organisation)
    check("funding", "recipient_id", among=organisation)
    check("partnerships", "source_id", among=organisation)
    check("partnerships", "target_id", among=organisation)
    check("affiliations", "person_id")
    check("affiliations", "org_id", among=organisation)
    if problems:
        shown = "; ".join(problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise InputError(
            f"cannot load this dataset into Neo4j: {shown}{more}.",
            hint="Check the folder with 'partnernet validate DIR'; nothing was written.",
        )
