"""Importers: other formats turned into a dataset folder (DESIGN section 2).

Each importer reads its format a row at a time (:mod:`partnernet.io.rows`), reads
every value by the one rule for it (:mod:`partnernet.io.parse`), and merges with
the dataset already in the folder and validates the result in full before writing
(:mod:`partnernet.io.merge`).
"""
