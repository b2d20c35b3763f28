// Organisation ids are unique; the backing index makes every MERGE and MATCH by id
// a lookup instead of a label scan.
// Parameters: none.
CREATE CONSTRAINT pn_organisation_id IF NOT EXISTS
FOR (o:Organisation) REQUIRE o.id IS UNIQUE
