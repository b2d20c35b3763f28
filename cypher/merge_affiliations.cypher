// One AFFILIATED_WITH (person -> organisation) per affiliations row, merged on its
// row key. Person nodes hold only the keyed pseudonym: no name ever reaches Neo4j.
// Parameters:
//   $rows  list of maps {row_key, person_id, org_id, role, start, end, row_index}
//          (start, end: dates or null; row_index: position in affiliations.csv)
UNWIND $rows AS row
MATCH (o:Organisation {id: row.org_id})
MERGE (person:Person {id: row.person_id})
MERGE (person)-[a:AFFILIATED_WITH {row_key: row.row_key}]->(o)
SET a.role = row.role,
    a.start = row.start,
    a.end = row.end,
    a.row_index = row.row_index
RETURN count(a) AS written
