"""partnernet's Cypher statements, one per ``.cypher`` file.

This folder is installed as the package ``partnernet.cypher`` (see pyproject.toml)
so that :mod:`partnernet.neo4j.queries` can load the files with
``importlib.resources`` from an editable install and from a wheel alike.
"""
