// Every AFFILIATED_WITH as a row of affiliations.csv (person_id is the pseudonym).
// Parameters: none.
MATCH (person:Person)-[a:AFFILIATED_WITH]->(o:Organisation)
RETURN person.id AS person_id,
       o.id AS org_id,
       a.role AS role,
       a.start AS start,
       a.end AS end
ORDER BY person_id, org_id, a.row_key
