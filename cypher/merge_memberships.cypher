// One MEMBER_OF (organisation -> board) per memberships row, merged on its row key.
// Parameters:
//   $rows  list of maps {row_key, board_id, org_id, role, start, end, row_index}
//          (start, end: dates or null; row_index: position in memberships.csv)
UNWIND $rows AS row
MATCH (o:Organisation {id: row.org_id})
MATCH (b:Board {id: row.board_id})
MERGE (o)-[m:MEMBER_OF {row_key: row.row_key}]->(b)
SET m.role = row.role,
    m.start = row.start,
    m.end = row.end,
    m.row_index = row.row_index
RETURN count(m) AS written
