"""The thresholds the findings judge figures by, one named constant each, shared by
the finding that applies it and the report that explains it.

Thresholds that decide a measure (a group flagged, a department siloed) live with
the measure in :mod:`partnernet.analysis`; these decide how a figure is worded.
"""

from __future__ import annotations

__all__ = ["ALPHA", "MAX_BODY_FINDINGS", "MAX_LISTED", "MODULARITY_CLEAR", "Z_CLEAR"]

# A permutation p-value below this is called statistically significant.
ALPHA = 0.05
# A network-level brokerage z beyond this is called more (or fewer) than chance.
# sna's variance treats the two directions of an undirected tie as independent,
# which understates it by about half, so z is read with a wide margin (3/√2 > 2).
Z_CLEAR = 3.0
# Modularity above this is commonly read as clear community structure (Newman and
# Girvan 2004 report 0.3 to 0.7 for networks with strong communities).
MODULARITY_CLEAR = 0.3
# Up to this many public bodies get a silo or E-I finding each; beyond it (a region
# or the whole country) one finding sums them up and names the few that matter
# most, so the report stays readable. departments.csv and summary.json keep every body.
MAX_BODY_FINDINGS = 5
# How many examples a finding names before "and N more".
MAX_LISTED = 3
