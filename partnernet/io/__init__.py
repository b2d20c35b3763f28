"""Reading, validating and importing data; the only place that reads files."""
