// Write analysis results onto organisations as pn_ properties. The property names
// are built by partnernet (pn_ + a metric column name), never taken from input; a
// null value removes the property, so a metric that no longer applies disappears.
// Parameters:
//   $rows  list of maps {id, properties: map of pn_ name -> number, boolean or null}
UNWIND $rows AS row
MATCH (o:Organisation {id: row.id})
SET o += row.properties
RETURN count(o) AS written
