"""Per-step times of one ``partnernet analyse`` run, in this process.

Shared by ``bench/analyse_locality.py --stages`` and ``bench/scales.py``. The
analysis reports each step through its ``progress(step, done, total)`` callback
(a step starting is ``(step, 0, 1)``; the long steps also report each part), so a
step's time is from its start to the next step's start; reading the dataset,
the findings and each output's text are timed around their own calls (the text is
made, not written: the disk is not what costs).

The reshuffle tests, the route counts and the effective sizes run on other threads
from the graph on (``analysis/pipeline.py``): their time is not a step of its own
but shows as the last analysis step, the wait for what they have still to do.
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path


def step_times(dataset_dir: str | Path) -> list[tuple[str, float]]:
    """``(step, seconds)`` for each step of ``analyse`` on ``dataset_dir``, in order."""
    from partnernet.analysis.pipeline import analyse
    from partnernet.export import table_files
    from partnernet.findings import explain
    from partnernet.io.read import read_dataset
    from partnernet.render.network import render_network_html
    from partnernet.render.report import render_report

    marks: list[tuple[str, float]] = []

    def begin(step: str) -> None:
        marks.append((step, time.perf_counter()))

    def progress(step: str, done: int, _total: int) -> None:
        # Only a step's start opens a new mark; its parts belong to it.
        if done == 0 and (not marks or marks[-1][0] != step):
            begin(step)

    begin("read and validate")
    ds = read_dataset(dataset_dir)
    results = analyse(ds, progress=progress)
    begin("findings")
    findings = explain(results)
    begin("tables (CSV, JSON)")
    table_files(results, findings)
    begin("network.html")
    render_network_html(results)
    begin("report.html and report.md")
    render_report(results, findings)
    begin("end")
    return [(name, ended - began) for (name, began), (_, ended) in itertools.pairwise(marks)]
