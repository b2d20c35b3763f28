"""Neo4j as a way in and out: load a Dataset, read it back, write results back.

>>> from partnernet.neo4j import connect
>>> with connect() as store:  # doctest: +SKIP
...     store.load(dataset)
...     same = store.read_dataset()
...     store.write_back(results.metrics)

See :mod:`partnernet.neo4j.store` for the graph model.
"""

from partnernet.neo4j.store import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_URI,
    LABELS,
    RELATIONSHIP_TYPES,
    Store,
    connect,
    property_names,
)

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_URI",
    "LABELS",
    "RELATIONSHIP_TYPES",
    "Store",
    "connect",
    "property_names",
]
