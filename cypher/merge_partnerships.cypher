// One PARTNERS_WITH (source -> target) per partnerships row, merged on its row key;
// `directed` says whether the direction means anything.
// Parameters:
//   $rows  list of maps {row_key, source_id, target_id, kind, directed, weight,
//          start, end, row_index} (start, end: dates or null; row_index:
//          position in partnerships.csv)
UNWIND $rows AS row
MATCH (source:Organisation {id: row.source_id})
MATCH (target:Organisation {id: row.target_id})
MERGE (source)-[p:PARTNERS_WITH {row_key: row.row_key}]->(target)
SET p.kind = row.kind,
    p.directed = row.directed,
    p.weight = row.weight,
    p.start = row.start,
    p.end = row.end,
    p.row_index = row.row_index
RETURN count(p) AS written
