// Every AFFILIATED_WITH as a row of affiliations.csv (person_id is the pseudonym),
// in the order the rows were loaded (row_index), then by id.
// Parameters: none.
MATCH (person:Person)-[a:AFFILIATED_WITH]->(o:Organisation)
RETURN person.id AS person_id,
       o.id AS org_id,
       a.role AS role,
       a.start AS start,
       a.end AS end
ORDER BY a.row_index, person_id, org_id, a.row_key
