"""partnernet's version, in a module of its own that imports nothing, so any layer
may read it (the run manifest records it) without importing the package's API or
``importlib.metadata``. ``tests/test_staging.py`` holds it equal to pyproject.toml's."""

__version__ = "0.1.0"
