// Person ids (keyed pseudonyms, never names) are unique.
// Parameters: none.
CREATE CONSTRAINT pn_person_id IF NOT EXISTS
FOR (p:Person) REQUIRE p.id IS UNIQUE
