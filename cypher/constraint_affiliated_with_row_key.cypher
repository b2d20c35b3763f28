// One AFFILIATED_WITH relationship per affiliations row, keyed by its row key.
// Parameters: none.
CREATE CONSTRAINT pn_affiliated_with_row_key IF NOT EXISTS
FOR ()-[a:AFFILIATED_WITH]-() REQUIRE a.row_key IS UNIQUE
