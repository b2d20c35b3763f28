// Point each organisation with a parent at that parent (department -> public body),
// first removing a PART_OF to any other parent: an organisation has one parent, so
// reloading a corrected parent_id replaces the old tie instead of adding a second.
// Parameters:
//   $rows  list of maps {id, parent_id}, parent_id never null
UNWIND $rows AS row
MATCH (child:Organisation {id: row.id})
MATCH (parent:Organisation {id: row.parent_id})
OPTIONAL MATCH (child)-[stale:PART_OF]->(other:Organisation)
WHERE other <> parent
DELETE stale
WITH DISTINCT row, child, parent
MERGE (child)-[p:PART_OF]->(parent)
RETURN count(p) AS written
