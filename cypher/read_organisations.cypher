// Every organisation as a row of organisations.csv (parent_id from PART_OF),
// in the order the rows were loaded (row_index), then by id.
// Parameters: none.
MATCH (o:Organisation)
OPTIONAL MATCH (o)-[:PART_OF]->(parent:Organisation)
WITH o, min(parent.id) AS parent_id
RETURN o.id AS id,
       o.name AS name,
       o.type AS type,
       parent_id,
       o.size_band AS size_band,
       o.income AS income,
       o.locality AS locality,
       o.tags AS tags
ORDER BY o.row_index, id
