// Board ids are unique.
// Parameters: none.
CREATE CONSTRAINT pn_board_id IF NOT EXISTS
FOR (b:Board) REQUIRE b.id IS UNIQUE
