// Create or update boards by id; a null value removes the property.
// Parameters:
//   $rows  list of maps {id, name, convener_id, level, theme, row_index}
//          (row_index: the row's position in boards.csv)
UNWIND $rows AS row
MERGE (b:Board {id: row.id})
SET b.name = row.name,
    b.convener_id = row.convener_id,
    b.level = row.level,
    b.theme = row.theme,
    b.row_index = row.row_index
RETURN count(b) AS written
