// Every MEMBER_OF as a row of memberships.csv,
// in the order the rows were loaded (row_index), then by id.
// Parameters: none.
MATCH (o:Organisation)-[m:MEMBER_OF]->(b:Board)
RETURN b.id AS board_id,
       o.id AS org_id,
       m.role AS role,
       m.start AS start,
       m.end AS end
ORDER BY m.row_index, board_id, org_id, m.row_key
