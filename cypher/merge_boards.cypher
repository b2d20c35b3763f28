// Create or update boards by id; a null value removes the property.
// Parameters:
//   $rows  list of maps {id, name, convener_id, level, theme}
UNWIND $rows AS row
MERGE (b:Board {id: row.id})
SET b.name = row.name,
    b.convener_id = row.convener_id,
    b.level = row.level,
    b.theme = row.theme
RETURN count(b) AS written
