// How many nodes and relationships of each kind the database holds.
// Parameters: none.
RETURN COUNT { (:Organisation) } AS organisations,
       COUNT { (:Board) } AS boards,
       COUNT { (:Person) } AS people,
       COUNT { (:Organisation)-[:PART_OF]->(:Organisation) } AS part_of,
       COUNT { (:Organisation)-[:MEMBER_OF]->(:Board) } AS memberships,
       COUNT { (:Organisation)-[:FUNDS]->(:Organisation) } AS funding,
       COUNT { (:Organisation)-[:PARTNERS_WITH]->(:Organisation) } AS partnerships,
       COUNT { (:Person)-[:AFFILIATED_WITH]->(:Organisation) } AS affiliations,
       COUNT { (:Organisation)-[:SHARES_PERSON]->(:Organisation) } AS shares_person
