// Delete up to $limit partnernet nodes (Organisation, Board, Person) with their
// relationships; run repeatedly until it deletes 0, so no transaction grows large.
// Parameters:
//   $limit  integer, nodes per transaction
MATCH (n)
WHERE n:Organisation OR n:Board OR n:Person
WITH n LIMIT $limit
DETACH DELETE n
RETURN count(*) AS deleted
