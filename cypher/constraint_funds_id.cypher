// One FUNDS relationship per funding row, keyed by the funding id (relationship
// property uniqueness needs Neo4j 5.7 or later; it is in the Community edition).
// Parameters: none.
CREATE CONSTRAINT pn_funds_id IF NOT EXISTS
FOR ()-[f:FUNDS]-() REQUIRE f.id IS UNIQUE
