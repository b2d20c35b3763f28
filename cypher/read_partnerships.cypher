// Every PARTNERS_WITH as a row of partnerships.csv,
// in the order the rows were loaded (row_index), then by id.
// Parameters: none.
MATCH (source:Organisation)-[p:PARTNERS_WITH]->(target:Organisation)
RETURN source.id AS source_id,
       target.id AS target_id,
       p.kind AS kind,
       p.directed AS directed,
       p.weight AS weight,
       p.start AS start,
       p.end AS end
ORDER BY p.row_index, source_id, target_id, p.row_key
