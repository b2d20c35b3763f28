// One MEMBER_OF relationship per memberships row, keyed by its row key.
// Parameters: none.
CREATE CONSTRAINT pn_member_of_row_key IF NOT EXISTS
FOR ()-[m:MEMBER_OF]-() REQUIRE m.row_key IS UNIQUE
