// Recompute the SHARES_PERSON ties (organisation pairs with people in common) that
// start at the given organisations: each tie runs from the lower id to the higher
// one and carries the number of distinct shared people. Old ties are removed first,
// so the counts are always those of the current AFFILIATED_WITH relationships.
// Parameters:
//   $ids  list of organisation ids
UNWIND $ids AS id
MATCH (a:Organisation {id: id})
OPTIONAL MATCH (a)-[old:SHARES_PERSON]->(:Organisation)
DELETE old
WITH DISTINCT a
MATCH (a)<-[:AFFILIATED_WITH]-(person:Person)-[:AFFILIATED_WITH]->(b:Organisation)
WHERE a.id < b.id
WITH a, b, count(DISTINCT person) AS people
MERGE (a)-[s:SHARES_PERSON]->(b)
SET s.count = people
RETURN count(s) AS written
