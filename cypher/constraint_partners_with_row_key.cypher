// One PARTNERS_WITH relationship per partnerships row, keyed by its row key.
// Parameters: none.
CREATE CONSTRAINT pn_partners_with_row_key IF NOT EXISTS
FOR ()-[p:PARTNERS_WITH]-() REQUIRE p.row_key IS UNIQUE
